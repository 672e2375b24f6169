/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtd_reassign's intel-iommu hook (hook.c), built into vtd_reassign.ko only
 * where intel-iommu's private header is available (VTD_REASSIGN_HOOK, set
 * by the Kbuild file); elsewhere these stubs say so.
 */
#ifndef _VTD_REASSIGN_HOOK_H
#define _VTD_REASSIGN_HOOK_H

#include <linux/errno.h>
#include <linux/printk.h>
#include <linux/types.h>

struct dentry;

/* Units (intel_iommu seq_ids) the hook keeps state for; others are stock. */
#define VTD_HOOK_MAX_UNITS	64

#ifdef VTD_REASSIGN_HOOK
int vtd_hook_init(struct dentry *parent);
void vtd_hook_exit(void);
#if IS_ENABLED(CONFIG_KUNIT)
struct intel_iommu;
struct vtd_iommu *vtd_hook_unit(struct intel_iommu *iommu);
bool vtd_hook_active(void);
bool vtd_hook_kernel_is(const char *release, const char *version);
struct device;
int vtd_hook_pasid_check(struct device *dev);
#endif
#else
static inline int vtd_hook_init(struct dentry *parent)
{
	pr_info("the intel-iommu hook is not built in (needs Linux %s and intel-iommu's private header)\n",
		HVSEC_INTEL_IOMMU_SERIES);
	return -EOPNOTSUPP;
}

static inline void vtd_hook_exit(void)
{
}
#endif

#endif /* _VTD_REASSIGN_HOOK_H */
