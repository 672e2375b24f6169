/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtd_reassign: one-step re-assignment of PCI devices between VT-d domains.
 * Legacy-mode context entries and the in-kernel API.
 */
#ifndef _HVSEC_VTD_REASSIGN_H
#define _HVSEC_VTD_REASSIGN_H

#include <linux/bits.h>
#include <linux/bitfield.h>
#include <linux/types.h>

/* A 128-bit legacy-mode context entry, as the IOMMU reads it. */
struct vtd_ctx_entry {
	u64 lo;
	u64 hi;
} __aligned(16);

#define VTD_CTX_LO_PRESENT	BIT_ULL(0)
#define VTD_CTX_LO_FPD		BIT_ULL(1)
#define VTD_CTX_LO_TT		GENMASK_ULL(3, 2)
#define VTD_CTX_LO_SLPTPTR	GENMASK_ULL(63, 12)
#define VTD_CTX_HI_AW		GENMASK_ULL(2, 0)
#define VTD_CTX_HI_DID		GENMASK_ULL(23, 8)

#define VTD_TT_MULTI_LEVEL	0
#define VTD_TT_DEV_IOTLB	1
#define VTD_TT_PASS_THROUGH	2

static inline bool vtd_ctx_present(const struct vtd_ctx_entry *e)
{
	return e->lo & VTD_CTX_LO_PRESENT;
}

static inline u16 vtd_ctx_did(const struct vtd_ctx_entry *e)
{
	return FIELD_GET(VTD_CTX_HI_DID, e->hi);
}

/* Replaces the domain id: the old one's bits are cleared first. */
static inline void vtd_ctx_set_did(struct vtd_ctx_entry *e, u16 did)
{
	e->hi = (e->hi & ~VTD_CTX_HI_DID) | FIELD_PREP(VTD_CTX_HI_DID, did);
}

static inline u64 vtd_ctx_pgtable(const struct vtd_ctx_entry *e)
{
	return e->lo & VTD_CTX_LO_SLPTPTR;
}

static inline void vtd_ctx_set_pgtable(struct vtd_ctx_entry *e, u64 phys)
{
	e->lo = (e->lo & ~VTD_CTX_LO_SLPTPTR) | (phys & VTD_CTX_LO_SLPTPTR);
}

static inline unsigned int vtd_ctx_tt(const struct vtd_ctx_entry *e)
{
	return FIELD_GET(VTD_CTX_LO_TT, e->lo);
}

static inline void vtd_ctx_set_tt(struct vtd_ctx_entry *e, unsigned int tt)
{
	e->lo = (e->lo & ~VTD_CTX_LO_TT) | FIELD_PREP(VTD_CTX_LO_TT, tt);
}

static inline unsigned int vtd_ctx_aw(const struct vtd_ctx_entry *e)
{
	return FIELD_GET(VTD_CTX_HI_AW, e->hi);
}

static inline void vtd_ctx_set_aw(struct vtd_ctx_entry *e, unsigned int aw)
{
	e->hi = (e->hi & ~VTD_CTX_HI_AW) | FIELD_PREP(VTD_CTX_HI_AW, aw);
}

int vtd_ctx_format(const struct vtd_ctx_entry *e, char *buf, size_t len);

#endif /* _HVSEC_VTD_REASSIGN_H */
