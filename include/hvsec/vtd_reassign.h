/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtd_reassign: one-step re-assignment of PCI devices between VT-d domains.
 * Legacy-mode context entries, scalable-mode PASID entries and the
 * in-kernel API.
 */
#ifndef _HVSEC_VTD_REASSIGN_H
#define _HVSEC_VTD_REASSIGN_H

#include <linux/bits.h>
#include <linux/bitfield.h>
#include <linux/spinlock_types.h>
#include <linux/types.h>
#include <hvsec/compat.h>

/*
 * A 128-bit legacy-mode context entry, as the IOMMU reads it. @full is the
 * whole entry for a single 128-bit compare-and-exchange (x86: lo is the low
 * quadword in memory and in the 128-bit value).
 */
struct vtd_ctx_entry {
	union {
		struct {
			u64 lo;
			u64 hi;
		};
		hvsec_u128 full;
	};
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

static inline bool vtd_ctx_equal(const struct vtd_ctx_entry *a,
				 const struct vtd_ctx_entry *b)
{
	return a->lo == b->lo && a->hi == b->hi;
}

int vtd_ctx_format(const struct vtd_ctx_entry *e, char *buf, size_t len);

/*
 * One-step replacement (core.c).
 *
 * Mode flags, with the meaning of Xen's XSA-400 re-assignment:
 * VTD_MAP_WITH_RMRR       the device has an RMRR: without CMPXCHG16B the entry
 *                         is updated in place, DID last (best effort), never
 *                         made non-present;
 * VTD_MAP_OWNER_DYING     the previous owner is going away: the best-effort
 *                         update cannot corrupt anything it still cares about;
 * VTD_MAP_SINGLE_DEVICE   the device is the previous owner's only device
 *                         behind this unit: nothing else uses the old DID;
 * VTD_MAP_ERROR_RECOVERY  this call undoes a failed one: on failure it does not
 *                         try to undo itself again (recursion bounded to one).
 */
#define VTD_MAP_WITH_RMRR	BIT(0)
#define VTD_MAP_OWNER_DYING	BIT(1)
#define VTD_MAP_SINGLE_DEVICE	BIT(2)
#define VTD_MAP_ERROR_RECOVERY	BIT(3)

/* Invalidation granularities, encoded as CCMD.CIRG and IOTLB.IIRG. */
enum vtd_cc_gran {
	VTD_CC_GLOBAL = 1,
	VTD_CC_DOMAIN = 2,
	VTD_CC_DEVICE = 3,
};

enum vtd_iotlb_gran {
	VTD_IOTLB_GLOBAL = 1,
	VTD_IOTLB_DOMAIN = 2,
	VTD_IOTLB_PAGE = 3,
};

/* Where the store sequence lets an observer (a test's fake IOMMU) look. */
enum vtd_obs_point {
	VTD_OBS_READ,		/* old value read under the unit's lock */
	VTD_OBS_STORE,		/* after each store to the live entry */
};

/* How an entry was written. */
enum vtd_path {
	VTD_PATH_NONE,		/* nothing written (error or no-op) */
	VTD_PATH_CX16,		/* one 128-bit compare-and-exchange */
	VTD_PATH_CLEAR_PRESENT,	/* not present, hi, then lo (no CX16) */
	VTD_PATH_BEST_EFFORT,	/* lo then hi, in place (no CX16, RMRR) */
};

struct vtd_iommu;
struct vtd_domain;

/**
 * struct vtd_unit_ops - back end of one remapping unit
 * @ctx_slot: the live context entry of @bus/@devfn (ERR_PTR on error); called
 *            with the unit's lock held, must not sleep
 * @flush_context: context-cache invalidation; @did, @sid and @fm as in CCMD
 * @flush_iotlb: IOTLB invalidation of @did at granularity @g
 * @flush_dev_tlb: device-TLB invalidation for @sid (ATS devices)
 * @flush_cache: optional; write the entry back for a non-coherent unit
 *               (default: clflush)
 * @observe: optional test hook, called at every &enum vtd_obs_point with the
 *           unit's lock held
 *
 * The flush callbacks are called without the unit's lock. They return 0 or a
 * negative errno (-ETIMEDOUT when the hardware did not complete in time).
 */
struct vtd_unit_ops {
	struct vtd_ctx_entry *(*ctx_slot)(struct vtd_iommu *u, u8 bus, u8 devfn);
	int (*flush_context)(struct vtd_iommu *u, u16 did, u16 sid, u8 fm,
			     enum vtd_cc_gran g);
	int (*flush_iotlb)(struct vtd_iommu *u, u16 did, enum vtd_iotlb_gran g);
	int (*flush_dev_tlb)(struct vtd_iommu *u, u16 sid);
	void (*flush_cache)(struct vtd_iommu *u, void *addr, unsigned int len);
	void (*observe)(struct vtd_iommu *u, const struct vtd_ctx_entry *slot,
			enum vtd_obs_point point);
};

/* Counters of one unit; read them under the unit's lock. */
struct vtd_iommu_stats {
	unsigned long replaced;		/* present entries replaced */
	unsigned long fresh;		/* non-present entries made present */
	unsigned long mismatches;	/* -EILSEQ */
	unsigned long mixed_warnings;	/* best-effort update warned about */
	unsigned long best_effort_refused; /* mixed state refused (AW, FPD) */
	unsigned long recursions;	/* failed updates undone by recursion */
	unsigned long rollbacks;	/* entries moved back by a device move */
	unsigned long dids_pinned;	/* DIDs kept after failed invalidation */
};

/**
 * struct vtd_iommu - one remapping unit as the core sees it
 * @lock: serialises context-entry updates and the DID map
 * @ops: back end
 * @priv: back end's data
 * @segment: PCI segment, for messages
 * @coherent: ECAP.C; when false every store is written back (clflush)
 * @caching_mode: CAP.CM; non-present entries are cached and need flushing
 * @has_cx16: use CMPXCHG16B; set from the CPU by vtd_iommu_init(), tests
 *            switch it off to run the fallback paths
 * @ndoms: number of domain ids (CAP.ND)
 * @did_min: first allocatable DID (DID 0 is reserved by the architecture
 *           when caching mode is on; Linux also reserves 1)
 * @did_map: allocated DIDs
 * @did_owner: DID -> owner
 * @did_refs: DID -> number of context entries (and pinned references)
 * @stats: counters
 */
struct vtd_iommu {
	spinlock_t lock;	/* context entries, DID map, stats */
	const struct vtd_unit_ops *ops;
	void *priv;
	u16 segment;
	bool coherent;
	bool caching_mode;
	bool has_cx16;
	unsigned int ndoms;
	unsigned int did_min;
	unsigned long *did_map;
	struct vtd_domain **did_owner;
	unsigned int *did_refs;
	struct vtd_iommu_stats stats;
};

/**
 * struct vtd_domain - an owner of devices (an address space)
 * @pgd: physical address of the second-level page table root
 * @aw: context AW field (1: 39-bit, 2: 48-bit)
 * @pass_through: translation type pass-through instead of multi-level
 * @dying: the owner is being destroyed
 * @name: for messages
 */
struct vtd_domain {
	u64 pgd;
	u8 aw;
	bool pass_through;
	bool dying;
	const char *name;
};

/* Kinds of requester ids a device's DMA may carry besides its own. */
enum vtd_alias_kind {
	VTD_ALIAS_BRIDGE,	/* PCIe-to-PCI bridge taking ownership */
	VTD_ALIAS_SECBUS,	/* (secondary bus, 00.0) of such a bridge */
	VTD_ALIAS_PHANTOM,	/* phantom function */
	VTD_ALIAS_OTHER,	/* quirks (DMA alias devfns) */
};

#define VTD_MAX_ALIASES	8

struct vtd_rid {
	u8 bus;
	u8 devfn;
	u8 kind;		/* enum vtd_alias_kind, for aliases */
};

/**
 * struct vtd_dev - a device and the requester ids its DMA may use
 * @iommu: its unit
 * @rid: its own requester id
 * @alias: the others
 * @nr_aliases: entries in @alias
 * @rmrr: firmware reserved memory regions name this device
 * @ats: ATS enabled (device-TLB invalidation needed)
 * @single: the only device of @owner behind @iommu (the caller knows)
 * @owner: current owner, NULL if not assigned
 */
struct vtd_dev {
	struct vtd_iommu *iommu;
	struct vtd_rid rid;
	struct vtd_rid alias[VTD_MAX_ALIASES];
	unsigned int nr_aliases;
	bool rmrr;
	bool ats;
	bool single;
	struct vtd_domain *owner;
};

/**
 * struct vtd_replace_res - what one replacement did (for history/tests)
 * @old: entry value read under the lock
 * @new: value written
 * @seen: value found by the compare-and-exchange (differs from @old on
 *        -EILSEQ)
 * @path: how it was written
 * @old_did: DID flushed (the one in @old, 0 if @old was not present)
 * @invs: invalidation commands issued
 * @warned: the best-effort data-corruption warning was printed
 */
struct vtd_replace_res {
	struct vtd_ctx_entry old;
	struct vtd_ctx_entry new;
	struct vtd_ctx_entry seen;
	enum vtd_path path;
	u16 old_did;
	unsigned int invs;
	bool warned;
};

int vtd_iommu_init(struct vtd_iommu *u, const struct vtd_unit_ops *ops,
		   void *priv, unsigned int ndoms, unsigned int did_min);
void vtd_iommu_destroy(struct vtd_iommu *u);

int vtd_did_get(struct vtd_iommu *u, struct vtd_domain *d);
void vtd_did_put(struct vtd_iommu *u, u16 did);
struct vtd_domain *vtd_did_owner(struct vtd_iommu *u, u16 did);
unsigned int vtd_did_refs(struct vtd_iommu *u, u16 did);

void vtd_ctx_build(const struct vtd_domain *d, u16 did, bool ats,
		   struct vtd_ctx_entry *e);
int vtd_ctx_store_locked(struct vtd_iommu *u, u8 bus, u8 devfn,
			 struct vtd_ctx_entry *slot,
			 const struct vtd_ctx_entry *old,
			 const struct vtd_ctx_entry *new, unsigned int mode,
			 const char *prev_name, struct vtd_replace_res *res);
int vtd_ctx_flush(struct vtd_iommu *u, u16 sid, u16 old_did, u16 new_did,
		  bool was_present, bool ats, struct vtd_replace_res *res);

int vtd_map_one(struct vtd_iommu *u, struct vtd_domain *d, u8 bus, u8 devfn,
		unsigned int mode, bool main, bool ats,
		struct vtd_domain **prevp, struct vtd_replace_res *res);
int vtd_unmap_one(struct vtd_iommu *u, u8 bus, u8 devfn, bool ats,
		  unsigned int mode);
int vtd_dev_move(struct vtd_dev *dev, struct vtd_domain *to);

/*
 * A 512-bit scalable-mode PASID-table entry. The IOMMU fetches it in four
 * 128-bit units (qwords 0-1, 2-3, 4-5, 6-7), each atomically.
 */
#define VTD_PE_QWORDS		8
#define VTD_PE_UNITS		4

struct vtd_pasid_entry {
	u64 val[VTD_PE_QWORDS];
} __aligned(64);

#define VTD_PE0_P		BIT_ULL(0)
#define VTD_PE0_FPD		BIT_ULL(1)
#define VTD_PE0_AW		GENMASK_ULL(4, 2)
#define VTD_PE0_PGTT		GENMASK_ULL(8, 6)
#define VTD_PE0_SLPTPTR		GENMASK_ULL(63, 12)
#define VTD_PE1_DID		GENMASK_ULL(15, 0)
#define VTD_PE2_SRE		BIT_ULL(0)
#define VTD_PE2_FLPM		GENMASK_ULL(3, 2)
#define VTD_PE2_FLPTPTR		GENMASK_ULL(63, 12)

/* PASID-granular translation types (PGTT). */
#define VTD_PGTT_FL		1
#define VTD_PGTT_SL		2
#define VTD_PGTT_NESTED		3
#define VTD_PGTT_PT		4

/**
 * struct vtd_pasid_ops - how the PASID-entry writer reaches the entry
 * @store: one 128-bit store of unit @unit (0..3) from @old to @new (two
 *	qwords each); an error (e.g. the entry was not @old) ends the write
 * @sync: make the IOMMU drop cached copies of the entry and wait until
 *	fetches begun before it are done (PASID-cache invalidation)
 */
struct vtd_pasid_ops {
	int (*store)(void *priv, unsigned int unit, const u64 old[2],
		     const u64 new[2]);
	int (*sync)(void *priv);
};

/**
 * struct vtd_pasid_result - what vtd_pasid_write() did
 * @stores: 128-bit stores
 * @syncs: syncs between steps (the caller's final invalidation not counted)
 * @critical: mask of the unit written in one store to switch (0: none)
 * @pending: stores not yet followed by a sync
 */
struct vtd_pasid_result {
	unsigned int stores;
	unsigned int syncs;
	unsigned int critical;
	bool pending;
};

void vtd_pasid_used(const struct vtd_pasid_entry *e,
		    struct vtd_pasid_entry *used);
bool vtd_pasid_same(const struct vtd_pasid_entry *a,
		    const struct vtd_pasid_entry *b);
int vtd_pasid_plan(const struct vtd_pasid_entry *cur,
		   const struct vtd_pasid_entry *target, unsigned int *critical);
int vtd_pasid_write(const struct vtd_pasid_ops *ops, void *priv,
		    struct vtd_pasid_entry *cur,
		    const struct vtd_pasid_entry *target,
		    struct vtd_pasid_result *res);

#endif /* _HVSEC_VTD_REASSIGN_H */
