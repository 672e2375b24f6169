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

struct dentry;

#ifdef VTD_REASSIGN_HOOK
int vtd_hook_init(struct dentry *parent);
void vtd_hook_exit(void);
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
