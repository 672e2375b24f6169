// SPDX-License-Identifier: GPL-2.0
/*
 * vtd_reassign's intel-iommu hook: make intel-iommu's domain switches direct.
 *
 * Linux 6.12's and 7.3's intel_iommu_attach_device() first blocks the device
 * (clears its context entries and flushes), then maps the new domain: the
 * device's DMA faults in between. While the hook is active, a switch of an
 * already-attached device from one second-level paging domain to another in
 * legacy mode takes the new domain id and cache tag, replaces each context
 * entry (the device's and its DMA aliases') in one step with the vtd_reassign
 * core, invalidates them with the previous domain id in one
 * queued-invalidation round (a context-cache descriptor per requester id and
 * one domain-selective IOTLB descriptor, where stock issues two rounds per
 * requester id), then does the rest of intel-iommu's bookkeeping (old domain
 * id and cache tag, device lists). A failure undoes it to the old domain; a
 * re-attach of the domain a device fully has returns at once. Everything else
 * runs the stock function, unchanged, and is counted.
 *
 * Hooking: an ftrace ops with IPMODIFY on intel_iommu_attach_device (the
 * mechanism livepatch itself uses). Unlike a livepatch, it lets the hook
 * call the original function for every case it does not handle: the stock
 * path needs static helpers the compiler inlined (dmar_domain_attach_device),
 * which a replacement function could only re-implement by copying them.
 *
 * Part of vtd_reassign.ko where intel-iommu's private header is available
 * (the kernel's full source tree, or the copy scripts/private-headers.sh
 * makes for a distribution kernel). vtd_hook_init() checks the running
 * kernel (exactly the release and build it was built for, intel-iommu's
 * structures as its headers lay them out, every symbol used resolvable)
 * and refuses otherwise; the module parameter intel_iommu_hook
 * (main.c) says whether that refusal fails the module's load.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/ftrace.h>
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/utsname.h>
#include <linux/wait_bit.h>
#include <generated/utsrelease.h>
#include <generated/utsversion.h>
#include <asm/ibt.h>
#include <kunit/visibility.h>
#include "iommu.h"
#include "pasid.h"
#include <hvsec/compat.h>
#include <hvsec/vtd_reassign.h>
#include "hook.h"

#define CREATE_TRACE_POINTS
#include "vtd_reassign_trace.h"

#define HOOK_HISTORY	32
#define HOOK_MAX_UNITS	VTD_HOOK_MAX_UNITS

enum hook_path {
	HOOK_DIRECT,
	HOOK_FB_NOT_ATTACHED,	/* first attach, blocked or identity */
	HOOK_FB_SCALABLE,	/* scalable mode without QI or PASID table */
	HOOK_FB_NOT_PCI,
	HOOK_FB_DEV_CAPS,	/* ATS/PRI/PASID: stock re-enables them */
	HOOK_FB_DOMAIN,		/* first-level or same domain */
	HOOK_FB_NO_CX16,
	HOOK_FB_ALIASES,	/* an alias not in the expected state */
	HOOK_SAME_DOMAIN,	/* re-attach of the current domain: nothing to do */
	HOOK_FB_UNIT,		/* no per-unit state: seq_id beyond the table */
	HOOK_FB_PASID_ENTRY,	/* RID_PASID entry not the old domain's */
	HOOK_FB_PASID_ORDER,	/* no hitless order for the PASID entry */
	HOOK_NR_PATHS,
};

static const char * const hook_path_name[HOOK_NR_PATHS] = {
	[HOOK_DIRECT] = "direct",
	[HOOK_FB_NOT_ATTACHED] = "stock:not-attached",
	[HOOK_FB_SCALABLE] = "stock:scalable-mode",
	[HOOK_FB_NOT_PCI] = "stock:not-pci",
	[HOOK_FB_DEV_CAPS] = "stock:ats-pri-pasid",
	[HOOK_FB_DOMAIN] = "stock:domain-type",
	[HOOK_FB_NO_CX16] = "stock:no-cmpxchg16b",
	[HOOK_FB_ALIASES] = "stock:alias-state",
	[HOOK_SAME_DOMAIN] = "same-domain",
	[HOOK_FB_UNIT] = "stock:unit-state",
	[HOOK_FB_PASID_ENTRY] = "stock:pasid-entry-state",
	[HOOK_FB_PASID_ORDER] = "stock:pasid-no-order",
};

/*
 * Fault injection (debugfs intel_iommu/inject, "none" by default): writing
 * "POINT [N]" makes the N-th direct switch from now (default 1) fail at
 * POINT. A failed invalidation is reported
 * after it ran, so the hardware stays consistent with what the hook undoes.
 */
enum hook_inject {
	HOOK_INJ_NONE,
	HOOK_INJ_TAG,		/* the new domain's cache-tag assignment */
	HOOK_INJ_FLUSH,		/* the switch's invalidation */
	HOOK_INJ_UNDO_FLUSH,	/* that, and the undo's invalidation */
	HOOK_INJ_UNDO_STORE,	/* that, and the undo's last store */
	HOOK_NR_INJECT,
};

static const char * const hook_inject_name[HOOK_NR_INJECT] = {
	[HOOK_INJ_NONE] = "none",
	[HOOK_INJ_TAG] = "tag",
	[HOOK_INJ_FLUSH] = "flush",
	[HOOK_INJ_UNDO_FLUSH] = "undo-flush",
	[HOOK_INJ_UNDO_STORE] = "undo-store",
};

struct hook_record {
	u64 time_ns;
	u16 segment;
	u16 rid;
	u16 old_did;
	u16 new_did;
	u8 path;
	u8 entries;
	u8 invs;
	u8 rounds;
	int result;
};

/* intel-iommu internals, resolved at load time. */
static struct {
	hvsec_kallsyms_fn lookup;
	unsigned long attach_dev;
	int *sm;
	int *rwbf_quirk;
	int (*qi_submit)(struct intel_iommu *iommu, struct qi_desc *desc,
			 unsigned int count, unsigned long options);
	void (*flush_wbuf)(struct intel_iommu *iommu);
	/* Stock's checks before an attach (HOOK_PREPARE_SYM). */
	int (*prepare)(struct iommu_domain *domain, struct device *dev);
	int (*attach_iommu)(struct dmar_domain *domain,
			    struct intel_iommu *iommu);
	void (*detach_iommu)(struct dmar_domain *domain,
			     struct intel_iommu *iommu);
#if HVSEC_INTEL_IOMMU_7X
	const struct iommu_domain_ops *ss_ops;	/* second-stage paging */
#else
	void (*update_cap)(struct dmar_domain *domain);
#endif
	struct context_entry *(*ctx_addr)(struct intel_iommu *iommu, u8 bus,
					  u8 devfn, int alloc);
	int (*tag_assign)(struct dmar_domain *domain, struct device *dev,
			  ioasid_t pasid);
	void (*tag_unassign)(struct dmar_domain *domain, struct device *dev,
			     ioasid_t pasid);
	int (*pci_for_each_alias)(struct pci_dev *pdev,
				  int (*fn)(struct pci_dev *pdev, u16 alias,
					    void *data), void *data);
	struct pci_dev *(*real_dma_dev)(struct pci_dev *dev);
} k;

static struct {
	struct mutex units_lock;	/* creation of @units */
	struct vtd_iommu *units[HOOK_MAX_UNITS];
	atomic_t inflight;
	spinlock_t hist_lock;		/* @hist, @hist_next, @count */
	struct hook_record hist[HOOK_HISTORY];
	unsigned int hist_next;
	unsigned long count[HOOK_NR_PATHS];
	unsigned long errors;
	unsigned long injected;
	unsigned long dids_pinned;
	unsigned long shared;
	unsigned long cm_flushes;	/* caching mode: other DID's IOTLB */
	enum hook_inject inject;	/* armed failure point ... */
	unsigned int inject_nth;	/* ... for this direct switch from now */
	unsigned long invs;
	unsigned long rounds;
	struct dentry *dir;
	u32 *fence_status;		/* written by fenced wait descriptors */
	bool active;
} hook;

static unsigned long hook_lookup(const char *name)
{
	unsigned long addr = k.lookup(name);

	if (!addr)
		pr_err("unsupported kernel: no symbol %s\n", name);
	return addr;
}

/* A function we call indirectly: with IBT it must start with ENDBR. */
static void *hook_lookup_fn(const char *name)
{
	unsigned long addr = hook_lookup(name);

	if (addr && cpu_feature_enabled(X86_FEATURE_IBT) &&
	    !hvsec_is_endbr((void *)addr)) {
		pr_err("unsupported kernel: %s cannot be called indirectly (IBT)\n",
		       name);
		return NULL;
	}
	return (void *)addr;
}

/*
 * What differs between the intel-iommu of 6.12 and of 7.3 (see
 * HVSEC_INTEL_IOMMU_7X in compat.h), one helper each: the name of stock's
 * pre-attach check, attach_dev()'s arguments (the entry point and the call
 * of the stock function), which domains have a second-level table and
 * where its root is, the release of a domain id, what an attach sets on the
 * domain, the members in the layout fingerprint, and the symbols only one
 * of them has.
 */
static int hook_attach(struct iommu_domain *domain, struct device *dev,
		       struct iommu_domain *old_domain);
static int hook_attach_once(struct iommu_domain *domain, struct device *dev,
			    struct iommu_domain *old_domain, bool *direct_failed);

#if HVSEC_INTEL_IOMMU_7X
/* pt_iommu_vtdss_hw_info() */
HVSEC_IMPORT_NS(GENERIC_PT_IOMMU);

#define HOOK_PREPARE_SYM	"paging_domain_compatible"

typedef int (*attach_fn)(struct iommu_domain *domain, struct device *dev,
			 struct iommu_domain *old_domain);

/* Replaces intel_iommu_attach_device() through the ftrace redirection. */
static int hook_attach_dev(struct iommu_domain *domain, struct device *dev,
			   struct iommu_domain *old_domain)
{
	return hook_attach(domain, dev, old_domain);
}

/* Called from this module: the ftrace handler lets it through. */
static int hook_stock_attach(struct iommu_domain *domain, struct device *dev,
			     struct iommu_domain *old_domain)
{
	return ((attach_fn)k.attach_dev)(domain, dev, old_domain);
}

/*
 * Whether @d is a second-stage paging domain (the only kind legacy mode
 * attaches) with no I/O page fault handler: stock's attach also turns I/O
 * page faults on and off for such a handler, which the hook leaves to it.
 */
static bool hook_domain_second_level(struct dmar_domain *d)
{
	return d->domain.ops == k.ss_ops && !d->domain.iopf_handler;
}

/* The root and address width of @d's table, as a context entry holds them. */
static void hook_domain_table(struct dmar_domain *d, u64 *root, u8 *aw)
{
	struct pt_iommu_vtdss_hw_info pt;

	pt_iommu_vtdss_hw_info(&d->sspt, &pt);
	*root = pt.ssptptr;
	*aw = pt.aw;
}

/*
 * Drops @d's reference to its domain id on @iommu as domain_detach_iommu()
 * does, but leaves the id allocated. Return: whether it was the last one.
 */
static bool hook_domain_keep_did(struct dmar_domain *d,
				 struct intel_iommu *iommu)
{
	struct iommu_domain_info *di;

	guard(mutex)(&iommu->did_lock);
	di = xa_load(&d->iommu_array, iommu->seq_id);
	if (!di || --di->refcnt)
		return false;
	xa_erase(&d->iommu_array, iommu->seq_id);
	kfree(di);
	return true;
}

/*
 * What stock's attach sets on the domain: nothing here. The domain was made
 * with iotlb_sync_map where a unit needs it, and stock's pre-attach check
 * (k.prepare) refuses a unit that needs it on a domain without.
 */
static void hook_domain_attached(struct dmar_domain *d,
				 struct intel_iommu *iommu)
{
}

/*
 * After a failed direct switch of @dev to @domain: the device is in @old,
 * with its entries as far as the undo could put them back. 6.12's IOMMU
 * core then re-attaches the group's old domain to every device of the
 * group, the failed one included, and the hook finds out whether the
 * entries are all in place (hook_attached()) or runs stock to rewrite them.
 * 7.3's core leaves out the device whose attach failed, so the hook makes
 * that re-attach itself, the same way (counted as the core's would be).
 */
static void hook_failed_switch(struct dmar_domain *old, struct device *dev,
			       struct iommu_domain *domain)
{
	bool direct_failed;
	int ret;

	ret = hook_attach_once(&old->domain, dev, domain, &direct_failed);
	if (ret)
		dev_err_ratelimited(dev, "re-attach of the old domain after a failed switch failed: %d\n",
				    ret);
}

/* The page-walk snoop bit of @d's PASID entries, as stock sets it. */
static bool hook_domain_pwsnp(struct dmar_domain *d, struct intel_iommu *iommu)
{
	return !(d->sspt.vtdss_pt.common.features &
		 BIT(PT_FEAT_DMA_INCOHERENT));
}

/* For the layout fingerprint: the table and the domain ids' lock. */
#define HOOK_LAYOUT_A	offsetof(struct dmar_domain, sspt)
#define HOOK_LAYOUT_B	offsetof(struct intel_iommu, did_lock)

static bool hook_resolve_series(void)
{
	k.ss_ops = (const struct iommu_domain_ops *)
		   hook_lookup("intel_ss_paging_domain_ops");
	return k.ss_ops;
}
#else
#define HOOK_PREPARE_SYM	"prepare_domain_attach_device"

typedef int (*attach_fn)(struct iommu_domain *domain, struct device *dev);

/* Replaces intel_iommu_attach_device() through the ftrace redirection. */
static int hook_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	return hook_attach(domain, dev, NULL);
}

/* Called from this module: the ftrace handler lets it through. */
static int hook_stock_attach(struct iommu_domain *domain, struct device *dev,
			     struct iommu_domain *old_domain)
{
	return ((attach_fn)k.attach_dev)(domain, dev);
}

/* Whether @d is a paging domain with a second-level table. */
static bool hook_domain_second_level(struct dmar_domain *d)
{
	return !d->use_first_level && d->domain.type & __IOMMU_DOMAIN_PAGING;
}

/* The root and address width of @d's table, as a context entry holds them. */
static void hook_domain_table(struct dmar_domain *d, u64 *root, u8 *aw)
{
	*root = virt_to_phys(d->pgd);
	*aw = d->agaw;
}

/*
 * Drops @d's reference to its domain id on @iommu as domain_detach_iommu()
 * does, but leaves the id allocated. Return: whether it was the last one.
 */
static bool hook_domain_keep_did(struct dmar_domain *d,
				 struct intel_iommu *iommu)
{
	struct iommu_domain_info *di;
	bool last = false;

	spin_lock(&iommu->lock);
	di = xa_load(&d->iommu_array, iommu->seq_id);
	if (di && --di->refcnt == 0) {
		xa_erase(&d->iommu_array, iommu->seq_id);
		d->nid = NUMA_NO_NODE;
		k.update_cap(d);
		kfree(di);
		last = true;
	}
	spin_unlock(&iommu->lock);
	return last;
}

/* What stock's attach sets on the domain: flushes on map where needed. */
static void hook_domain_attached(struct dmar_domain *d,
				 struct intel_iommu *iommu)
{
	if (cap_caching_mode(iommu->cap) || cap_rwbf(iommu->cap) ||
	    *k.rwbf_quirk)
		d->iotlb_sync_map = true;
}

/*
 * After a failed direct switch: 6.12's IOMMU core re-attaches the group's
 * old domain to every device of the group, the failed one included, which
 * the hook handles (hook_attached()).
 */
static void hook_failed_switch(struct dmar_domain *old, struct device *dev,
			       struct iommu_domain *domain)
{
}

/* The page-walk snoop bit of @d's PASID entries, as stock sets it. */
static bool hook_domain_pwsnp(struct dmar_domain *d, struct intel_iommu *iommu)
{
	return ecap_smpwc(iommu->ecap);
}

/* For the layout fingerprint: the table's root and address width. */
#define HOOK_LAYOUT_A	offsetof(struct dmar_domain, pgd)
#define HOOK_LAYOUT_B	offsetof(struct dmar_domain, agaw)

static bool hook_resolve_series(void)
{
	k.update_cap = hook_lookup_fn("domain_update_iommu_cap");
	return k.update_cap;
}
#endif

/* Back end for the core: intel-iommu's own invalidation functions. */
static struct vtd_ctx_entry *hook_ctx_slot(struct vtd_iommu *u, u8 bus,
					   u8 devfn)
{
	return (struct vtd_ctx_entry *)k.ctx_addr(u->priv, bus, devfn, 0);
}

static int hook_flush_context(struct vtd_iommu *u, u16 did, u16 sid, u8 fm,
			      enum vtd_cc_gran g)
{
	struct intel_iommu *iommu = u->priv;

	if (g != VTD_CC_DEVICE)
		return -EINVAL;
	iommu->flush.flush_context(iommu, did, sid, fm, DMA_CCMD_DEVICE_INVL);
	return 0;
}

static int hook_flush_iotlb(struct vtd_iommu *u, u16 did, enum vtd_iotlb_gran g)
{
	struct intel_iommu *iommu = u->priv;

	if (g != VTD_IOTLB_DOMAIN)
		return -EINVAL;
	iommu->flush.flush_iotlb(iommu, did, 0, 0, DMA_TLB_DSI_FLUSH);
	return 0;
}

static const struct vtd_unit_ops hook_unit_ops = {
	.ctx_slot = hook_ctx_slot,
	.flush_context = hook_flush_context,
	.flush_iotlb = hook_flush_iotlb,
};

/* Whether @u's cached state is @iommu's. */
static bool hook_unit_current(struct vtd_iommu *u, struct intel_iommu *iommu)
{
	return READ_ONCE(u->priv) == iommu &&
	       READ_ONCE(u->segment) == iommu->segment &&
	       READ_ONCE(u->coherent) == !!ecap_coherent(iommu->ecap) &&
	       READ_ONCE(u->caching_mode) == !!cap_caching_mode(iommu->cap);
}

static void hook_unit_fill(struct vtd_iommu *u, struct intel_iommu *iommu)
{
	WRITE_ONCE(u->priv, iommu);
	WRITE_ONCE(u->segment, iommu->segment);
	WRITE_ONCE(u->coherent, !!ecap_coherent(iommu->ecap));
	WRITE_ONCE(u->caching_mode, !!cap_caching_mode(iommu->cap));
}

/*
 * The core's state for @iommu (its lock, write-back and caching-mode flags),
 * made on first use and kept until unload. A DMAR unit that goes away (hot
 * removal) leaves its seq_id to the next one: the state is refreshed when
 * it no longer matches. NULL (the caller falls back to stock) when the
 * seq_id is beyond the table or there is no memory.
 */
VISIBLE_IF_KUNIT struct vtd_iommu *vtd_hook_unit(struct intel_iommu *iommu)
{
	struct vtd_iommu *u;
	bool refreshed = false;

	if (iommu->seq_id >= HOOK_MAX_UNITS)
		return NULL;
	/* Pairs with the release below: a published unit has its fields. */
	u = smp_load_acquire(&hook.units[iommu->seq_id]);
	if (u && hook_unit_current(u, iommu))
		return u;
	mutex_lock(&hook.units_lock);
	u = hook.units[iommu->seq_id];
	if (!u) {
		u = kzalloc(sizeof(*u), GFP_KERNEL);
		if (u && vtd_iommu_init(u, &hook_unit_ops, iommu, 1, 0)) {
			kfree(u);
			u = NULL;
		}
		if (u) {
			hook_unit_fill(u, iommu);
			/* Pairs with the acquire above: fields before pointer. */
			smp_store_release(&hook.units[iommu->seq_id], u);
		}
	} else if (!hook_unit_current(u, iommu)) {
		/* Under the unit's lock: no store of the old unit runs. */
		spin_lock(&u->lock);
		hook_unit_fill(u, iommu);
		spin_unlock(&u->lock);
		refreshed = true;
	}
	mutex_unlock(&hook.units_lock);
	if (refreshed)
		pr_info("%s (unit %d): per-unit state refreshed\n", iommu->name,
			iommu->seq_id);
	return u;
}
EXPORT_SYMBOL_IF_KUNIT(vtd_hook_unit);

#if IS_ENABLED(CONFIG_KUNIT)
/* Whether the hook is active (its state set up), for the KUnit tests. */
bool vtd_hook_active(void)
{
	return READ_ONCE(hook.active);
}
EXPORT_SYMBOL_IF_KUNIT(vtd_hook_active);
#endif

static void hook_record(struct device *dev, u16 old_did, u16 new_did,
			enum hook_path path, unsigned int entries,
			unsigned int invs, unsigned int rounds, int result)
{
	u16 seg = dev_is_pci(dev) ? pci_domain_nr(to_pci_dev(dev)->bus) : 0;
	u16 rid = dev_is_pci(dev) ? pci_dev_id(to_pci_dev(dev)) : 0;
	struct hook_record *r;
	unsigned long flags;

	spin_lock_irqsave(&hook.hist_lock, flags);
	hook.count[path]++;
	hook.invs += invs;
	hook.rounds += rounds;
	if (result)
		hook.errors++;
	r = &hook.hist[hook.hist_next++ % HOOK_HISTORY];
	r->time_ns = ktime_get_coarse_ns();
	r->segment = seg;
	r->rid = rid;
	r->old_did = old_did;
	r->new_did = new_did;
	r->path = path;
	r->entries = entries;
	r->invs = invs;
	r->rounds = rounds;
	r->result = result;
	spin_unlock_irqrestore(&hook.hist_lock, flags);
	trace_vtd_reassign_switch(seg, rid, old_did, new_did,
				  hook_path_name[path], entries, invs, rounds,
				  result);
}

/* Caching mode: an IOTLB invalidation of the other DID was issued. */
static void hook_count_cm_flush(void)
{
	unsigned long flags;

	spin_lock_irqsave(&hook.hist_lock, flags);
	hook.cm_flushes++;
	spin_unlock_irqrestore(&hook.hist_lock, flags);
}

/* Whether intel-iommu runs @iommu in scalable mode (PASID tables). */
static bool hook_scalable(struct intel_iommu *iommu)
{
	return *k.sm && ecap_smts(iommu->ecap);
}

/* Which path a switch of @dev to @nd takes. */
static enum hook_path hook_classify(struct dmar_domain *nd, struct device *dev)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);
	struct dmar_domain *old;

	if (!info || !info->domain_attached || !info->domain)
		return HOOK_FB_NOT_ATTACHED;
	old = info->domain;
	if (info->iommu->seq_id >= HOOK_MAX_UNITS)
		return HOOK_FB_UNIT;
	if (hook_scalable(info->iommu) &&
	    (!info->iommu->qi || !info->pasid_table))
		return HOOK_FB_SCALABLE;
	if (!dev_is_pci(dev) ||
	    k.real_dma_dev(to_pci_dev(dev)) != to_pci_dev(dev))
		return HOOK_FB_NOT_PCI;
	if (info->ats_enabled || info->pri_enabled || info->pasid_enabled ||
	    info->ats_supported || info->pri_supported)
		return HOOK_FB_DEV_CAPS;
	/* Checked against the entries by hook_attached(). */
	if (old == nd)
		return HOOK_SAME_DOMAIN;
	if (!hook_domain_second_level(old) || !hook_domain_second_level(nd))
		return HOOK_FB_DOMAIN;
	/*
	 * A domain that can track dirty pages: intel-iommu switches SSADE
	 * on the entries of the devices on its list, which the device joins
	 * only after its entry is replaced. Left to stock.
	 */
	if (old->domain.dirty_ops || nd->domain.dirty_ops)
		return HOOK_FB_DOMAIN;
	if (!hvsec_system_has_cmpxchg128())
		return HOOK_FB_NO_CX16;
	return HOOK_DIRECT;
}

struct hook_switch {
	enum hook_inject inject;
	bool sm;		/* scalable mode: the RID_PASID entry */
	struct device_domain_info *info;
	struct intel_iommu *iommu;
	struct vtd_iommu *u;
	struct dmar_domain *nd;
	u64 root;		/* @nd's table, as a context entry holds it */
	u8 aw;
	u16 old_did;
	u16 new_did;
	unsigned int n;
	unsigned int shared;	/* aliases found already switched */
	unsigned int invs;
	unsigned int rounds;
	/* Scalable mode: the entry as it was, and as the switch wrote it. */
	struct vtd_pasid_entry pe_old;
	struct vtd_pasid_entry pe_new;
	struct {
		u16 rid;
		struct vtd_ctx_entry old;
	} e[VTD_MAX_ALIASES + 1];
};

static void hook_build(struct hook_switch *s, struct vtd_ctx_entry *e)
{
	e->lo = VTD_CTX_LO_PRESENT;
	e->hi = 0;
	vtd_ctx_set_tt(e, VTD_TT_MULTI_LEVEL);
	vtd_ctx_set_pgtable(e, s->root);
	vtd_ctx_set_aw(e, s->aw);
	vtd_ctx_set_did(e, s->new_did);
}

/*
 * Whether @e translates through @s->nd with @s->new_did: the fields stock
 * and the hook write (stock also sets bits the hook leaves clear, such as
 * fault-processing enable, so the entries are not compared whole).
 */
static bool hook_entry_is_new(struct hook_switch *s,
			      const struct vtd_ctx_entry *e)
{
	return vtd_ctx_present(e) && vtd_ctx_tt(e) == VTD_TT_MULTI_LEVEL &&
	       vtd_ctx_did(e) == s->new_did &&
	       vtd_ctx_pgtable(e) == s->root && vtd_ctx_aw(e) == s->aw;
}

/* Whether the armed failure hits @point of this switch (and counts it). */
static bool hook_inject_at(struct hook_switch *s, enum hook_inject point)
{
	bool hit;

	switch (point) {
	case HOOK_INJ_TAG:
		hit = s->inject == HOOK_INJ_TAG;
		break;
	case HOOK_INJ_FLUSH:
		hit = s->inject >= HOOK_INJ_FLUSH;
		break;
	default:
		hit = s->inject == point;
		break;
	}
	if (hit) {
		spin_lock_irq(&hook.hist_lock);
		hook.injected++;
		spin_unlock_irq(&hook.hist_lock);
	}
	return hit;
}

static int hook_flush_pasid(struct hook_switch *s, u16 did, u16 other_did);

/* A PASID-cache invalidation of the RID_PASID entry tagged with @did. */
static void hook_desc_pc(struct qi_desc *desc, u16 did)
{
	desc->qw0 = QI_PC_DID(did) | QI_PC_GRAN(QI_PC_PASID_SEL) |
		    QI_PC_PASID(IOMMU_NO_PASID) | QI_PC_TYPE;
	desc->qw1 = 0;
	desc->qw2 = 0;
	desc->qw3 = 0;
}

/*
 * Ends and submits a queued-invalidation round whose first @n descriptors
 * in @desc (room for three more) invalidate the replaced entries: a fenced
 * wait (see hook_flush()), then the IOTLB of @did, and of @other_did in
 * caching mode.
 */
static int hook_submit_round(struct hook_switch *s, struct qi_desc *desc,
			     unsigned int n, u16 did, u16 other_did)
{
	struct intel_iommu *iommu = s->iommu;
	bool cm = cap_caching_mode(iommu->cap);
	int ret;

	desc[n].qw0 = QI_IWD_STATUS_DATA(QI_DONE) | QI_IWD_STATUS_WRITE |
		      QI_IWD_FENCE | QI_IWD_TYPE;
	desc[n].qw1 = virt_to_phys(hook.fence_status);
	desc[n].qw2 = 0;
	desc[n].qw3 = 0;
	n++;
	qi_desc_iotlb(iommu, did, 0, 0, DMA_TLB_DSI_FLUSH, &desc[n++]);
	if (cm)
		qi_desc_iotlb(iommu, other_did, 0, 0, DMA_TLB_DSI_FLUSH,
			      &desc[n++]);
	ret = k.qi_submit(iommu, desc, n, 0);
	s->invs += n;
	s->rounds++;
	if (cm)
		hook_count_cm_flush();
	return ret;
}

/*
 * Invalidates the entries replaced so far, which held @did before: one
 * context-cache descriptor per requester id, a fenced wait, and one
 * domain-selective IOTLB descriptor (every entry held the same DID), in a
 * single queued-invalidation round; in caching mode the new DID's IOTLB too,
 * as stock does for a new entry. Register-based invalidation issues the same
 * commands one by one, each completed before the next is written.
 *
 * The fence: the IOTLB must be invalidated after the context cache, or a
 * translation could be cached again from the stale context entry (old DID,
 * old page tables) after its IOTLB invalidation. The VT-d specification lets
 * hardware fetch several queued descriptors at once and does not say that
 * one completes before the next one is processed; a wait descriptor with
 * the fence flag (FN) holds back the descriptors after it until all before
 * it completed. (Stock gets the order from two qi_submit_sync() rounds, and
 * Linux's own PRQ drain fences the same way.) Its status write goes to a
 * scratch word, as a wait descriptor must either write status or interrupt.
 */
static int hook_flush(struct hook_switch *s, u16 did, u16 other_did)
{
	struct qi_desc desc[VTD_MAX_ALIASES + 4];
	struct intel_iommu *iommu = s->iommu;
	bool cm = cap_caching_mode(iommu->cap);
	unsigned int i, n = 0;

	if (!s->n)
		return 0;
	if (s->sm)
		return hook_flush_pasid(s, did, other_did);
	if (!iommu->qi) {
		for (i = 0; i < s->n; i++)
			iommu->flush.flush_context(iommu, did, s->e[i].rid, 0,
						   DMA_CCMD_DEVICE_INVL);
		iommu->flush.flush_iotlb(iommu, did, 0, 0, DMA_TLB_DSI_FLUSH);
		if (cm)
			iommu->flush.flush_iotlb(iommu, other_did, 0, 0,
						 DMA_TLB_DSI_FLUSH);
		s->invs += s->n + 1 + cm;
		s->rounds += s->n + 1 + cm;
		if (cm)
			hook_count_cm_flush();
		return 0;
	}
	for (i = 0; i < s->n; i++, n++) {
		desc[n].qw0 = QI_CC_FM(0) | QI_CC_SID(s->e[i].rid) |
			      QI_CC_DID(did) |
			      QI_CC_GRAN(DMA_CCMD_DEVICE_INVL) | QI_CC_TYPE;
		desc[n].qw1 = 0;
		desc[n].qw2 = 0;
		desc[n].qw3 = 0;
	}
	return hook_submit_round(s, desc, n, did, other_did);
}

/* hook_flush(), then the armed failure if it is for @point. */
static int hook_flush_inj(struct hook_switch *s, u16 did, u16 other_did,
			  enum hook_inject point)
{
	int ret = hook_flush(s, did, other_did);

	if (!ret && hook_inject_at(s, point))
		ret = -ETIMEDOUT;
	return ret;
}

/*
 * Scalable mode. A device's requests without PASID are translated through
 * the RID_PASID entry of its PASID table, which the context entries of the
 * device and of its DMA aliases all point to: a domain switch replaces that
 * one 512-bit entry. Between two second-level domains, stock writes the
 * same entry but for the DID, the table's root and address width, and the
 * snoop and dirty-tracking bits of the new domain: all in the first 128
 * bits, so vtd_pasid_write() stores them in one CMPXCHG16B. The invalidation
 * then follows the specification's order for a changed PASID entry:
 * PASID-cache (PASID-selective, old DID), fence, IOTLB of the old DID
 * (domain-selective: second-level translations are tagged with the DID),
 * in one queued-invalidation round where stock's teardown and setup take
 * three. Devices with ATS fall back to stock (no device-TLB flush here).
 */

/* The RID_PASID entry of @info's PASID table; iommu->lock held. */
static struct pasid_entry *hook_rid_pasid(struct device_domain_info *info)
{
	struct pasid_table *t = info->pasid_table;
	struct pasid_dir_entry *dir;

	if (!t || !t->table)
		return NULL;
	dir = t->table;
	dir += IOMMU_NO_PASID >> PASID_PDE_SHIFT;
	if (!pasid_pde_is_present(dir))
		return NULL;
	return get_pasid_table_from_pde(dir) + (IOMMU_NO_PASID & PASID_PTE_MASK);
}

/* The RID_PASID entry stock writes for @d with @did, as intel-iommu does. */
static void hook_pasid_build(struct intel_iommu *iommu, struct dmar_domain *d,
			     u16 did, struct vtd_pasid_entry *e)
{
	struct pasid_entry pe;
	u64 root;
	u8 aw;

	BUILD_BUG_ON(sizeof(pe) != sizeof(*e));
	hook_domain_table(d, &root, &aw);
	pasid_clear_entry(&pe);
	pasid_set_domain_id(&pe, did);
	pasid_set_slptr(&pe, root);
	pasid_set_address_width(&pe, aw);
	pasid_set_translation_type(&pe, PASID_ENTRY_PGTT_SL_ONLY);
	pasid_set_fault_enable(&pe);
	pasid_set_page_snoop(&pe, hook_domain_pwsnp(d, iommu));
	if (d->dirty_tracking)
		pasid_set_ssade(&pe);
	pasid_set_present(&pe);
	memcpy(e, &pe, sizeof(*e));
}

static void hook_pasid_read(const struct pasid_entry *pte,
			    struct vtd_pasid_entry *e)
{
	unsigned int i;

	for (i = 0; i < VTD_PE_QWORDS; i++)
		e->val[i] = READ_ONCE(pte->val[i]);
}

struct hook_pasid_wr {
	struct hook_switch *s;
	struct pasid_entry *pte;
};

/* vtd_pasid_ops.store: one unit of the live entry, in one CMPXCHG16B. */
static int hook_pasid_store(void *priv, unsigned int unit, const u64 old[2],
			    const u64 new[2])
{
	struct hook_pasid_wr *w = priv;
	hvsec_u128 *p = (hvsec_u128 *)&w->pte->val[2 * unit];
	hvsec_u128 expect = ((hvsec_u128)old[1] << 64) | old[0];

	if (!hvsec_try_cmpxchg128(p, &expect,
				  ((hvsec_u128)new[1] << 64) | new[0]))
		return -EILSEQ;
	if (!ecap_coherent(w->s->iommu->ecap))
		clflush_cache_range(p, sizeof(*p));
	return 0;
}

/*
 * vtd_pasid_ops.sync, between two steps of a multi-step write (none for a
 * switch between second-level domains): the PASID cache of both DIDs.
 */
static int hook_pasid_sync(void *priv)
{
	struct hook_pasid_wr *w = priv;
	struct hook_switch *s = w->s;
	struct qi_desc desc[2];

	hook_desc_pc(&desc[0], s->old_did);
	hook_desc_pc(&desc[1], s->new_did);
	s->invs += 2;
	s->rounds++;
	return k.qi_submit(s->iommu, desc, 2, 0);
}

static const struct vtd_pasid_ops hook_pasid_ops = {
	.store = hook_pasid_store,
	.sync = hook_pasid_sync,
};

/*
 * Writes @to over the device's RID_PASID entry if it holds exactly @from;
 * @now is set to the entry as it is afterwards (@from when nothing was
 * stored). Return: 0, -ENOENT (no entry), -EILSEQ (the entry is not
 * @from), -EOPNOTSUPP (no hitless order: nothing stored), or a store's or
 * sync's error.
 */
static int hook_pasid_replace(struct hook_switch *s,
			      const struct vtd_pasid_entry *from,
			      const struct vtd_pasid_entry *to,
			      struct vtd_pasid_entry *now)
{
	struct hook_pasid_wr w = { .s = s };
	struct vtd_pasid_result res;
	int ret;

	*now = *from;
	spin_lock(&s->iommu->lock);
	w.pte = hook_rid_pasid(s->info);
	if (!w.pte) {
		ret = -ENOENT;
		goto out;
	}
	hook_pasid_read(w.pte, now);
	if (memcmp(now, from, sizeof(*now))) {
		*now = *from;
		ret = -EILSEQ;
		goto out;
	}
	ret = vtd_pasid_write(&hook_pasid_ops, &w, now, to, &res);
out:
	spin_unlock(&s->iommu->lock);
	return ret;
}

/*
 * The switch of the RID_PASID entry from the old domain's (as stock wrote
 * it) to the new one's. s->n is 1 once anything was stored, and s->pe_new
 * the entry as the switch left it, for hook_undo().
 */
static int hook_pasid_switch(struct hook_switch *s, struct dmar_domain *old)
{
	struct vtd_pasid_entry want;
	int ret;

	hook_pasid_build(s->iommu, old, s->old_did, &s->pe_old);
	hook_pasid_build(s->iommu, s->nd, s->new_did, &want);
	ret = hook_pasid_replace(s, &s->pe_old, &want, &s->pe_new);
	if (memcmp(&s->pe_new, &s->pe_old, sizeof(s->pe_new)))
		s->n = 1;
	return ret;
}

/* Scalable mode's part of hook_undo(): the old entry back. */
static int hook_pasid_put_back(struct hook_switch *s)
{
	struct vtd_pasid_entry now;
	int ret;

	if (!s->n)
		return 0;
	if (hook_inject_at(s, HOOK_INJ_UNDO_STORE))
		ret = -EILSEQ;
	else
		ret = hook_pasid_replace(s, &s->pe_new, &s->pe_old, &now);
	if (ret)
		pr_err_ratelimited("%s: cannot put the RID_PASID entry back after a failed switch: %d\n",
				   dev_name(s->info->dev), ret);
	return ret;
}

/*
 * Whether @info's RID_PASID entry is exactly what stock writes for @d with
 * @did. Return: 0 when it is, -EILSEQ when not, -ENOENT when there is none.
 */
static int hook_pasid_holds(struct device_domain_info *info,
			    struct dmar_domain *d, u16 did)
{
	struct vtd_pasid_entry want, cur;
	struct pasid_entry *pte;
	int ret = -ENOENT;

	hook_pasid_build(info->iommu, d, did, &want);
	spin_lock(&info->iommu->lock);
	pte = hook_rid_pasid(info);
	if (pte) {
		hook_pasid_read(pte, &cur);
		ret = memcmp(&cur, &want, sizeof(cur)) ? -EILSEQ : 0;
	}
	spin_unlock(&info->iommu->lock);
	return ret;
}

/*
 * For the KUnit tests: whether @dev's live RID_PASID entry is exactly what
 * hook_pasid_build() makes for its domain: the check that the hook writes
 * entries as this kernel's intel-iommu does. Return: 0 when it is,
 * -EILSEQ when not, -EOPNOTSUPP for a device the scalable path does not
 * switch (not in scalable mode, not attached to a second-level domain).
 */
#if IS_ENABLED(CONFIG_KUNIT)
int vtd_hook_pasid_check(struct device *dev)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);
	struct dmar_domain *d;
	int ret;

	if (!info || !info->iommu || !hook_scalable(info->iommu) ||
	    !info->domain_attached || !info->domain)
		return -EOPNOTSUPP;
	d = info->domain;
	if (!hook_domain_second_level(d))
		return -EOPNOTSUPP;
	ret = hook_pasid_holds(info, d, domain_id_iommu(d, info->iommu));
	return ret == -ENOENT ? -EOPNOTSUPP : ret;
}
EXPORT_SYMBOL_IF_KUNIT(vtd_hook_pasid_check);
#endif

/*
 * Invalidates the RID_PASID entry that held @did before: PASID cache, then
 * (after a fence, see hook_flush()) the IOTLB of @did; in caching mode the
 * PASID cache and IOTLB of @other_did too, as stock's setup of a new entry
 * does.
 */
static int hook_flush_pasid(struct hook_switch *s, u16 did, u16 other_did)
{
	struct qi_desc desc[5];
	unsigned int n = 0;

	hook_desc_pc(&desc[n++], did);
	if (cap_caching_mode(s->iommu->cap))
		hook_desc_pc(&desc[n++], other_did);
	return hook_submit_round(s, desc, n, did, other_did);
}

/*
 * One requester id: replace its entry, which must be in the old domain, or
 * leave it if it already holds the new one: a DMA alias shared with another
 * device of the group (a PCIe-to-PCI bridge's requester id) that the other
 * device's switch moved. Such an entry is neither flushed nor undone here.
 */
static int hook_alias(struct pci_dev *pdev, u16 rid, void *data)
{
	struct hook_switch *s = data;
	u8 bus = PCI_BUS_NUM(rid), devfn = rid & 0xff;
	struct vtd_ctx_entry *slot, old, new;
	struct vtd_replace_res res = {};
	int ret = 0;

	if (s->n > VTD_MAX_ALIASES)
		return -E2BIG;
	spin_lock(&s->iommu->lock);
	spin_lock(&s->u->lock);
	slot = (struct vtd_ctx_entry *)k.ctx_addr(s->iommu, bus, devfn, 0);
	if (!slot || context_copied(s->iommu, bus, devfn)) {
		ret = -ENOENT;
		goto out_unlock;
	}
	old.lo = READ_ONCE(slot->lo);
	old.hi = READ_ONCE(slot->hi);
	if (hook_entry_is_new(s, &old)) {
		s->shared++;
		goto out_unlock;
	}
	if (!vtd_ctx_present(&old) || vtd_ctx_did(&old) != s->old_did ||
	    vtd_ctx_tt(&old) != VTD_TT_MULTI_LEVEL) {
		ret = -EILSEQ;
		goto out_unlock;
	}
	hook_build(s, &new);
	ret = vtd_ctx_store_locked(s->u, bus, devfn, slot, &old, &new, 0, NULL,
				   &res);
	if (!ret) {
		s->e[s->n].rid = rid;
		s->e[s->n].old = old;
		s->n++;
	}
out_unlock:
	spin_unlock(&s->u->lock);
	spin_unlock(&s->iommu->lock);
	return ret;
}

/*
 * Puts the replaced entries back (the RID_PASID entry in scalable mode, the
 * context entries newest first in legacy mode), each only if it still holds
 * what the switch wrote, and invalidates them with the new DID after
 * draining the write buffer. Return: 0, or the first error (an entry not
 * put back, or the invalidation); the caller then keeps the new DID.
 */
static int hook_undo(struct hook_switch *s)
{
	struct vtd_replace_res res = {};
	struct vtd_ctx_entry *slot, cur;
	unsigned int i = s->sm ? 0 : s->n;
	int ret, r;

	ret = s->sm ? hook_pasid_put_back(s) : 0;
	while (i--) {
		u16 rid = s->e[i].rid;
		u8 bus = PCI_BUS_NUM(rid), devfn = rid & 0xff;

		hook_build(s, &cur);
		spin_lock(&s->iommu->lock);
		spin_lock(&s->u->lock);
		slot = (struct vtd_ctx_entry *)k.ctx_addr(s->iommu, bus, devfn,
							  0);
		if (!slot)
			r = -ENOENT;
		else if (i == s->n - 1 &&
			 hook_inject_at(s, HOOK_INJ_UNDO_STORE))
			r = -EILSEQ;
		else
			r = vtd_ctx_store_locked(s->u, bus, devfn, slot, &cur,
						 &s->e[i].old,
						 VTD_MAP_ERROR_RECOVERY, NULL,
						 &res);
		spin_unlock(&s->u->lock);
		spin_unlock(&s->iommu->lock);
		if (r) {
			pr_err_ratelimited("%04x:%02x:%02x.%u: cannot put the context entry back after a failed switch: %d\n",
					   s->iommu->segment, bus,
					   PCI_SLOT(devfn), PCI_FUNC(devfn), r);
			ret = ret ?: r;
		}
	}
	k.flush_wbuf(s->iommu);
	r = hook_flush_inj(s, s->new_did, s->old_did, HOOK_INJ_UNDO_FLUSH);
	if (r)
		pr_err_ratelimited("invalidation failed while undoing a switch: %d; domain id %u stays reserved\n",
				   r, s->new_did);
	return ret ?: r;
}

/*
 * Drops the switch's reference to the new domain's DID. After a failed
 * undo the hardware may still cache entries tagged with it: then, if this
 * was the DID's last user on the unit, the domain lets go of it as
 * domain_detach_iommu() does but the DID stays allocated for good, never to
 * be given to another domain (the core's rule for a DID whose invalidation
 * did not complete).
 */
static void hook_put_new_did(struct hook_switch *s, bool pin)
{
	if (!pin) {
		k.detach_iommu(s->nd, s->iommu);
		return;
	}
	if (hook_domain_keep_did(s->nd, s->iommu)) {
		spin_lock_irq(&hook.hist_lock);
		hook.dids_pinned++;
		spin_unlock_irq(&hook.hist_lock);
	}
}

/*
 * The direct switch. Returns 0 with *@path changed to a fallback when the
 * device's entries are not all as expected (nothing changed then). On an
 * error the device keeps its old domain and cache tags, and its entries as
 * far as the undo could put them back (the IOMMU core's re-attach of the
 * old domain then finds out: hook_attached()).
 */
static int hook_direct(struct iommu_domain *domain, struct device *dev,
		       enum hook_path *path, struct hook_switch *s)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);
	struct dmar_domain *old = info->domain;
	unsigned long flags;
	int ret, undo;

	s->info = info;
	s->iommu = info->iommu;
	s->sm = hook_scalable(info->iommu);
	s->nd = to_dmar_domain(domain);
	s->u = vtd_hook_unit(info->iommu);
	if (!s->u) {
		*path = HOOK_FB_UNIT;
		return 0;
	}
	s->old_did = domain_id_iommu(old, s->iommu);

	ret = k.prepare(domain, dev);
	if (ret)
		return ret;
	/* After k.prepare(): on 6.12 it may drop top levels of the table. */
	hook_domain_table(s->nd, &s->root, &s->aw);
	ret = k.attach_iommu(s->nd, s->iommu);
	if (ret)
		return ret;
	s->new_did = domain_id_iommu(s->nd, s->iommu);

	/*
	 * The new domain's cache tag before the hardware can use its DID:
	 * from here on, unmaps on the new domain invalidate this unit too.
	 */
	ret = hook_inject_at(s, HOOK_INJ_TAG) ? -ENOMEM :
	      k.tag_assign(s->nd, dev, IOMMU_NO_PASID);
	if (ret) {
		k.detach_iommu(s->nd, s->iommu);
		return ret;
	}

	/*
	 * Every requester id's context entry (legacy mode) or the RID_PASID
	 * entry (scalable mode) in the old domain, else back and stock.
	 */
	ret = s->sm ? hook_pasid_switch(s, old) :
	      k.pci_for_each_alias(to_pci_dev(dev), hook_alias, s);
	if (ret) {
		undo = hook_undo(s);
		k.tag_unassign(s->nd, dev, IOMMU_NO_PASID);
		hook_put_new_did(s, undo);
		if (undo)
			return undo;
		if (!s->sm)
			*path = HOOK_FB_ALIASES;
		else if (ret == -EOPNOTSUPP)
			*path = HOOK_FB_PASID_ORDER;
		else if (!s->n)		/* nothing stored */
			*path = HOOK_FB_PASID_ENTRY;
		else
			return ret;
		return 0;
	}
	k.flush_wbuf(s->iommu);
	ret = hook_flush_inj(s, s->old_did, s->new_did, HOOK_INJ_FLUSH);
	if (ret) {
		undo = hook_undo(s);
		k.tag_unassign(s->nd, dev, IOMMU_NO_PASID);
		hook_put_new_did(s, undo);
		return ret;
	}

	/* The old DID is flushed: intel-iommu may release it now. */
	k.tag_unassign(old, dev, IOMMU_NO_PASID);
	spin_lock_irqsave(&old->lock, flags);
	list_del(&info->link);
	spin_unlock_irqrestore(&old->lock, flags);
	k.detach_iommu(old, s->iommu);

	info->domain = s->nd;
	spin_lock_irqsave(&s->nd->lock, flags);
	list_add(&info->link, &s->nd->devices);
	spin_unlock_irqrestore(&s->nd->lock, flags);
	hook_domain_attached(s->nd, s->iommu);
	if (s->shared) {
		spin_lock_irq(&hook.hist_lock);
		hook.shared += s->shared;
		spin_unlock_irq(&hook.hist_lock);
	}
	return 0;
}

/* One requester id of an attach of the current domain: already in place? */
static int hook_check_alias(struct pci_dev *pdev, u16 rid, void *data)
{
	struct hook_switch *s = data;
	u8 bus = PCI_BUS_NUM(rid), devfn = rid & 0xff;
	struct vtd_ctx_entry *slot, cur = {};

	spin_lock(&s->iommu->lock);
	slot = (struct vtd_ctx_entry *)k.ctx_addr(s->iommu, bus, devfn, 0);
	if (slot && !context_copied(s->iommu, bus, devfn)) {
		cur.lo = READ_ONCE(slot->lo);
		cur.hi = READ_ONCE(slot->hi);
	}
	spin_unlock(&s->iommu->lock);
	if (!hook_entry_is_new(s, &cur))
		return -EILSEQ;
	s->n++;
	return 0;
}

/*
 * An attach of the domain @dev already has (the IOMMU core's re-attach of
 * the old domain after a failed group switch): nothing to do when every
 * requester id holds the domain's entry. Stock would block the device first.
 */
static bool hook_attached(struct iommu_domain *domain, struct device *dev,
			  struct hook_switch *s)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);

	s->info = info;
	s->iommu = info->iommu;
	s->sm = hook_scalable(info->iommu);
	s->nd = to_dmar_domain(domain);
	if (!hook_domain_second_level(s->nd))
		return false;
	hook_domain_table(s->nd, &s->root, &s->aw);
	s->new_did = domain_id_iommu(s->nd, s->iommu);
	s->old_did = s->new_did;
	if (!s->sm)
		return !k.pci_for_each_alias(to_pci_dev(dev), hook_check_alias,
					     s);
	s->n = 1;
	return !hook_pasid_holds(info, s->nd, s->new_did);
}

/*
 * One attach as intel_iommu_attach_device() would do it, redirected (through
 * hook_attach_dev() and hook_attach()); on 7.3 @old_domain is the domain the
 * device leaves, for the stock function. *@direct_failed: whether a direct
 * switch was tried and failed.
 */
static int hook_attach_once(struct iommu_domain *domain, struct device *dev,
			    struct iommu_domain *old_domain, bool *direct_failed)
{
	enum hook_path path = hook_classify(to_dmar_domain(domain), dev);
	/* Only the header is read before being written: the rest stays. */
	struct hook_switch s;
	int ret = 0;

	memset(&s, 0, offsetof(struct hook_switch, e));

	if (path == HOOK_SAME_DOMAIN && !hook_attached(domain, dev, &s))
		path = HOOK_FB_DOMAIN;
	if (path == HOOK_DIRECT) {
		spin_lock_irq(&hook.hist_lock);
		if (hook.inject != HOOK_INJ_NONE && !--hook.inject_nth) {
			s.inject = hook.inject;
			hook.inject = HOOK_INJ_NONE;
		}
		spin_unlock_irq(&hook.hist_lock);
		ret = hook_direct(domain, dev, &path, &s);
	}
	if (path == HOOK_DIRECT || path == HOOK_SAME_DOMAIN) {
		hook_record(dev, s.old_did, s.new_did, path, s.n, s.invs,
			    s.rounds, ret);
		if (ret)
			dev_err_ratelimited(dev, "direct domain switch failed: %d\n",
					    ret);
	} else {
		ret = hook_stock_attach(domain, dev, old_domain);
		hook_record(dev, 0, 0, path, 0, s.invs, s.rounds, ret);
	}
	*direct_failed = path == HOOK_DIRECT && ret;
	return ret;
}

/* intel_iommu_attach_device(), redirected (through hook_attach_dev()). */
static int hook_attach(struct iommu_domain *domain, struct device *dev,
		       struct iommu_domain *old_domain)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);
	bool direct_failed;
	int ret;

	ret = hook_attach_once(domain, dev, old_domain, &direct_failed);
	/* A failed direct switch left the device in its old domain. */
	if (direct_failed)
		hook_failed_switch(info->domain, dev, domain);
	if (atomic_dec_and_test(&hook.inflight))
		wake_up_var(&hook.inflight);
	return ret;
}

static void notrace hook_ftrace(unsigned long ip, unsigned long parent_ip,
				struct ftrace_ops *ops,
				struct ftrace_regs *fregs)
{
	if (within_module(parent_ip, THIS_MODULE))
		return;
	atomic_inc(&hook.inflight);
	ftrace_regs_set_instruction_pointer(fregs,
					    (unsigned long)hook_attach_dev);
}

static struct ftrace_ops hook_ops = {
	.func = hook_ftrace,
	.flags = FTRACE_OPS_FL_IPMODIFY,
};

static int stats_show(struct seq_file *m, void *v)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&hook.hist_lock, flags);
	for (i = 0; i < HOOK_NR_PATHS; i++)
		seq_printf(m, "%s %lu\n", hook_path_name[i], hook.count[i]);
	seq_printf(m, "errors %lu\ninvalidations %lu\nrounds %lu\n",
		   hook.errors, hook.invs, hook.rounds);
	seq_printf(m, "shared-aliases %lu\ndids-pinned %lu\ninjected %lu\n",
		   hook.shared, hook.dids_pinned, hook.injected);
	seq_printf(m, "caching-mode-flushes %lu\n", hook.cm_flushes);
	spin_unlock_irqrestore(&hook.hist_lock, flags);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int history_show(struct seq_file *m, void *v)
{
	struct hook_record *r;
	unsigned long flags;
	unsigned int i, n;

	r = kcalloc(HOOK_HISTORY, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	spin_lock_irqsave(&hook.hist_lock, flags);
	n = min_t(unsigned int, hook.hist_next, HOOK_HISTORY);
	for (i = 0; i < n; i++)
		r[i] = hook.hist[(hook.hist_next - n + i) % HOOK_HISTORY];
	spin_unlock_irqrestore(&hook.hist_lock, flags);
	for (i = 0; i < n; i++)
		seq_printf(m, "%llu %04x:%02x:%02x.%u did %u->%u %s entries=%u invs=%u rounds=%u result=%d\n",
			   r[i].time_ns, r[i].segment, PCI_BUS_NUM(r[i].rid),
			   PCI_SLOT(r[i].rid & 0xff), PCI_FUNC(r[i].rid & 0xff),
			   r[i].old_did, r[i].new_did,
			   hook_path_name[r[i].path], r[i].entries, r[i].invs,
			   r[i].rounds, r[i].result);
	kfree(r);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(history);

static int inject_show(struct seq_file *m, void *v)
{
	enum hook_inject point;
	unsigned int nth;

	spin_lock_irq(&hook.hist_lock);
	point = hook.inject;
	nth = hook.inject_nth;
	spin_unlock_irq(&hook.hist_lock);
	if (point == HOOK_INJ_NONE)
		seq_puts(m, "none\n");
	else
		seq_printf(m, "%s %u\n", hook_inject_name[point], nth);
	return 0;
}

static int inject_open(struct inode *inode, struct file *file)
{
	return single_open(file, inject_show, NULL);
}

static ssize_t inject_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	unsigned int nth = 1;
	char buf[24], *arg, *name;
	int i;

	if (!count || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = 0;
	arg = strim(buf);
	name = strsep(&arg, " ");
	i = sysfs_match_string(hook_inject_name, name);
	if (i < 0 || (arg && (kstrtouint(skip_spaces(arg), 0, &nth) ||
			      !nth || nth > 1000))) {
		pr_err_ratelimited("inject: want POINT [N]: POINT none, tag, flush, undo-flush or undo-store; N 1..1000\n");
		return -EINVAL;
	}
	spin_lock_irq(&hook.hist_lock);
	hook.inject = i;
	hook.inject_nth = nth;
	spin_unlock_irq(&hook.hist_lock);
	return count;
}

static const struct file_operations inject_fops = {
	.owner = THIS_MODULE,
	.open = inject_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = inject_write,
};

/*
 * Layout of intel-iommu's structures as this module was built with them:
 * their sizes and the offsets of the members the hook uses, hashed. Shown
 * at load and when the kernel is refused.
 */
static u32 hook_layout_fp(void)
{
	static const u32 l[] = {
		sizeof(struct device_domain_info),
		offsetof(struct device_domain_info, link),
		offsetof(struct device_domain_info, segment),
		offsetof(struct device_domain_info, devfn),
		offsetof(struct device_domain_info, dev),
		offsetof(struct device_domain_info, iommu),
		offsetof(struct device_domain_info, domain),
		offsetof(struct device_domain_info, pasid_table),
		sizeof(struct pasid_table),
		offsetof(struct pasid_table, table),
		sizeof(struct dmar_domain),
		offsetof(struct dmar_domain, iommu_array),
		offsetof(struct dmar_domain, devices),
		offsetof(struct dmar_domain, lock),
		HOOK_LAYOUT_A,
		HOOK_LAYOUT_B,
		offsetof(struct dmar_domain, domain),
		sizeof(struct intel_iommu),
		offsetof(struct intel_iommu, cap),
		offsetof(struct intel_iommu, ecap),
		offsetof(struct intel_iommu, lock),
		offsetof(struct intel_iommu, seq_id),
		offsetof(struct intel_iommu, segment),
		offsetof(struct intel_iommu, name),
		offsetof(struct intel_iommu, qi),
		offsetof(struct intel_iommu, flush),
		sizeof(struct iommu_domain_info),
	};

	return jhash(l, sizeof(l), 0);
}

/*
 * VISIBLE_IF_KUNIT: whether a kernel (@release, @version as uname -r, -v
 * say) is the one this module's private headers come from: the same
 * release and the same build (version string: Debian's names the source
 * package version the headers were taken from; a self-built kernel's names
 * its build). Point releases and rebuilds change intel-iommu's structures.
 */
VISIBLE_IF_KUNIT bool vtd_hook_kernel_is(const char *release,
					 const char *version)
{
	return !strcmp(release, UTS_RELEASE) && !strcmp(version, UTS_VERSION);
}
EXPORT_SYMBOL_IF_KUNIT(vtd_hook_kernel_is);

/*
 * The members the hook reads, checked on a device intel-iommu set up: its
 * device_domain_info must point back at it and hold its requester id and
 * segment, its unit must be a DMAR unit of that segment, and an attached
 * domain must be the one the IOMMU core knows.
 */
static int hook_check_layout(void)
{
	struct pci_dev *pdev = NULL;
	int ret = 0;

	for_each_pci_dev(pdev) {
		struct device_domain_info *info;
		struct iommu_domain *d;

		if (!device_iommu_mapped(&pdev->dev))
			continue;
		info = dev_iommu_priv_get(&pdev->dev);
		if (!info)
			continue;
		d = iommu_get_domain_for_dev(&pdev->dev);
		if (info->dev != &pdev->dev ||
		    info->bus != pdev->bus->number ||
		    info->devfn != pdev->devfn ||
		    info->segment != pci_domain_nr(pdev->bus) || !info->iommu ||
		    info->iommu->segment != info->segment ||
		    info->iommu->seq_id < 0 ||
		    strncmp(info->iommu->name, "dmar", 4) ||
		    (info->domain && d && d->type & __IOMMU_DOMAIN_PAGING &&
		     &info->domain->domain != d)) {
			pr_err("unsupported kernel: intel-iommu's structures differ from the headers this module was built with (checked on %s, layout %08x)\n",
			       pci_name(pdev), hook_layout_fp());
			ret = -EOPNOTSUPP;
		}
		pci_dev_put(pdev);
		break;
	}
	return ret;
}

static int hook_resolve(void)
{
	const struct new_utsname *un = init_utsname();

	/* Exactly the kernel whose private headers it was built with. */
	if (!vtd_hook_kernel_is(un->release, un->version)) {
		pr_err("unsupported kernel %s (%s): built for %s (%s), layout %08x\n",
		       un->release, un->version, UTS_RELEASE, UTS_VERSION,
		       hook_layout_fp());
		return -EOPNOTSUPP;
	}
	if (!intel_iommu_enabled) {
		pr_err("intel-iommu is not enabled\n");
		return -ENODEV;
	}
	k.lookup = hvsec_kallsyms_lookup_fn();
	if (IS_ERR(k.lookup)) {
		pr_err("unsupported kernel: kallsyms_lookup_name is not callable (%ld)\n",
		       PTR_ERR(k.lookup));
		return PTR_ERR(k.lookup);
	}
	k.attach_dev = (unsigned long)hook_lookup_fn("intel_iommu_attach_device");
	k.sm = (int *)hook_lookup("intel_iommu_sm");
	k.rwbf_quirk = (int *)hook_lookup("rwbf_quirk");
	k.qi_submit = hook_lookup_fn("qi_submit_sync");
	k.flush_wbuf = hook_lookup_fn("iommu_flush_write_buffer");
	k.prepare = hook_lookup_fn(HOOK_PREPARE_SYM);
	k.attach_iommu = hook_lookup_fn("domain_attach_iommu");
	k.detach_iommu = hook_lookup_fn("domain_detach_iommu");
	k.ctx_addr = hook_lookup_fn("iommu_context_addr");
	k.tag_assign = hook_lookup_fn("cache_tag_assign_domain");
	k.tag_unassign = hook_lookup_fn("cache_tag_unassign_domain");
	k.pci_for_each_alias = hook_lookup_fn("pci_for_each_dma_alias");
	k.real_dma_dev = hook_lookup_fn("pci_real_dma_dev");
	if (!k.pci_for_each_alias || !k.real_dma_dev ||
	    !k.attach_dev || !k.sm || !k.rwbf_quirk || !k.prepare ||
	    !k.attach_iommu || !k.detach_iommu || !k.ctx_addr ||
	    !k.tag_assign || !k.tag_unassign || !k.qi_submit ||
	    !k.flush_wbuf || !hook_resolve_series())
		return -EOPNOTSUPP;
	return hook_check_layout();
}

/**
 * vtd_hook_init() - hook intel-iommu's attach if this kernel is supported
 * @parent: debugfs directory for the hook's files
 *
 * Return: 0 with the hook active, or a negative errno (logged in one line).
 */
int vtd_hook_init(struct dentry *parent)
{
	int ret;

	mutex_init(&hook.units_lock);
	spin_lock_init(&hook.hist_lock);
	atomic_set(&hook.inflight, 0);
	hook.inject = HOOK_INJ_NONE;
	ret = hook_resolve();
	if (ret)
		return ret;
	/* In the direct map: the IOMMU writes it (not module or stack memory). */
	hook.fence_status = kzalloc(sizeof(*hook.fence_status), GFP_KERNEL);
	if (!hook.fence_status)
		return -ENOMEM;
	ret = ftrace_set_filter_ip(&hook_ops, k.attach_dev, 0, 0);
	if (ret) {
		pr_err("cannot trace intel_iommu_attach_device: %d\n", ret);
		goto err_free;
	}
	ret = register_ftrace_function(&hook_ops);
	if (ret) {
		pr_err("cannot hook intel_iommu_attach_device: %d (already patched?)\n",
		       ret);
		ftrace_free_filter(&hook_ops);
		goto err_free;
	}
	hook.dir = debugfs_create_dir("intel_iommu", parent);
	debugfs_create_file("stats", 0444, hook.dir, NULL, &stats_fops);
	debugfs_create_file("history", 0444, hook.dir, NULL, &history_fops);
	debugfs_create_file("inject", 0600, hook.dir, NULL, &inject_fops);
	WRITE_ONCE(hook.active, true);
	pr_info("intel-iommu domain switches between second-level domains are now direct (%s, layout %08x)\n",
		UTS_RELEASE, hook_layout_fp());
	return 0;

err_free:
	kfree(hook.fence_status);
	return ret;
}

/**
 * vtd_hook_exit() - unhook, after vtd_hook_init() succeeded
 */
void vtd_hook_exit(void)
{
	unsigned int i;

	WRITE_ONCE(hook.active, false);
	debugfs_remove_recursive(hook.dir);
	unregister_ftrace_function(&hook_ops);
	ftrace_free_filter(&hook_ops);
	/* Attaches already redirected finish (they hold no lock we take). */
	wait_var_event(&hook.inflight, !atomic_read(&hook.inflight));
	/* ... and leave this module's text. */
	synchronize_rcu_tasks();
	for (i = 0; i < HOOK_MAX_UNITS; i++) {
		if (!hook.units[i])
			continue;
		vtd_iommu_destroy(hook.units[i]);
		kfree(hook.units[i]);
	}
	kfree(hook.fence_status);
	pr_info("stock intel-iommu domain switches restored\n");
}
