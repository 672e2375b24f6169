// SPDX-License-Identifier: GPL-2.0
/*
 * vtd_reassign core: replace a live legacy-mode VT-d context entry in one
 * step, and move a device with all its DMA aliases between owners.
 *
 * Hardware independent: the unit's context tables, invalidation and cache
 * write-back are reached through struct vtd_unit_ops, so that a hardware back
 * end and KUnit's fake IOMMU plug in alike.
 *
 * Design (after Xen's XSA-400 direct re-assignment): the new entry is built
 * from the entry read under the unit's lock and written with one 128-bit
 * compare-and-exchange when the CPU has CMPXCHG16B. Without it, an entry that
 * was not present, or a device without RMRR, goes through "not present": the
 * device faults for a moment but never uses a mix of old and new halves. An
 * RMRR device must not fault, so its entry is updated in place, page table
 * first and DID last; the one mixed state (new tables, old DID) can pollute
 * the old DID's IOTLB entries, which only matters if someone else still uses
 * that DID: we warn unless the old owner is dying or this is its only device
 * behind the unit. Invalidation then uses the DID that was in the old entry,
 * and that DID is released only after its invalidations completed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/err.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <asm/barrier.h>
#include <asm/cacheflush.h>
#include <hvsec/vtd_reassign.h>

#define VTD_MAX_DOMS	65536

/**
 * vtd_iommu_init() - set up a unit for the core
 * @u: the unit (zeroed by the caller)
 * @ops: back end
 * @priv: back end's data
 * @ndoms: number of domain ids the unit supports
 * @did_min: first domain id the core may allocate
 *
 * The unit starts coherent, without caching mode, and with @has_cx16 as the
 * CPU says; the caller adjusts these fields before first use.
 *
 * Return: 0 or -EINVAL/-ENOMEM.
 */
int vtd_iommu_init(struct vtd_iommu *u, const struct vtd_unit_ops *ops,
		   void *priv, unsigned int ndoms, unsigned int did_min)
{
	if (!ops || !ops->ctx_slot || !ops->flush_context ||
	    !ops->flush_iotlb || ndoms > VTD_MAX_DOMS || did_min >= ndoms) {
		pr_err("bad unit parameters (ndoms %u, did_min %u)\n",
		       ndoms, did_min);
		return -EINVAL;
	}
	spin_lock_init(&u->lock);
	u->ops = ops;
	u->priv = priv;
	u->ndoms = ndoms;
	u->did_min = did_min;
	u->coherent = true;
	u->has_cx16 = hvsec_system_has_cmpxchg128();
	u->did_map = bitmap_zalloc(ndoms, GFP_KERNEL);
	u->did_owner = kcalloc(ndoms, sizeof(*u->did_owner), GFP_KERNEL);
	u->did_refs = kcalloc(ndoms, sizeof(*u->did_refs), GFP_KERNEL);
	if (!u->did_map || !u->did_owner || !u->did_refs) {
		vtd_iommu_destroy(u);
		return -ENOMEM;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(vtd_iommu_init);

/**
 * vtd_iommu_destroy() - free what vtd_iommu_init() allocated
 * @u: the unit
 */
void vtd_iommu_destroy(struct vtd_iommu *u)
{
	bitmap_free(u->did_map);
	kfree(u->did_owner);
	kfree(u->did_refs);
	u->did_map = NULL;
	u->did_owner = NULL;
	u->did_refs = NULL;
}
EXPORT_SYMBOL_GPL(vtd_iommu_destroy);

/**
 * vtd_did_get() - take a reference on @d's domain id, allocating one
 * @u: the unit, lock held
 * @d: the owner
 *
 * Return: the DID, or -ENOSPC when the unit has none left.
 */
int vtd_did_get(struct vtd_iommu *u, struct vtd_domain *d)
{
	unsigned long did;

	lockdep_assert_held(&u->lock);
	for_each_set_bit(did, u->did_map, u->ndoms) {
		if (u->did_owner[did] == d) {
			u->did_refs[did]++;
			return did;
		}
	}
	did = find_next_zero_bit(u->did_map, u->ndoms, u->did_min);
	if (did >= u->ndoms)
		return -ENOSPC;
	__set_bit(did, u->did_map);
	u->did_owner[did] = d;
	u->did_refs[did] = 1;
	return did;
}
EXPORT_SYMBOL_GPL(vtd_did_get);

/**
 * vtd_did_put() - drop a reference on a domain id; the last one frees it
 * @u: the unit, lock held
 * @did: the domain id
 */
void vtd_did_put(struct vtd_iommu *u, u16 did)
{
	lockdep_assert_held(&u->lock);
	if (did >= u->ndoms || !test_bit(did, u->did_map) ||
	    !u->did_refs[did]) {
		pr_err("put of unallocated DID %u\n", did);
		return;
	}
	if (--u->did_refs[did])
		return;
	__clear_bit(did, u->did_map);
	u->did_owner[did] = NULL;
}
EXPORT_SYMBOL_GPL(vtd_did_put);

/**
 * vtd_did_owner() - the owner of a domain id
 * @u: the unit
 * @did: the domain id
 *
 * Return: the owner, NULL if @did is not allocated.
 */
struct vtd_domain *vtd_did_owner(struct vtd_iommu *u, u16 did)
{
	if (did >= u->ndoms || !test_bit(did, u->did_map))
		return NULL;
	return u->did_owner[did];
}
EXPORT_SYMBOL_GPL(vtd_did_owner);

/**
 * vtd_did_refs() - references held on a domain id
 * @u: the unit
 * @did: the domain id
 *
 * Return: the count, 0 if @did is not allocated.
 */
unsigned int vtd_did_refs(struct vtd_iommu *u, u16 did)
{
	if (did >= u->ndoms || !test_bit(did, u->did_map))
		return 0;
	return u->did_refs[did];
}
EXPORT_SYMBOL_GPL(vtd_did_refs);

/**
 * vtd_ctx_build() - the present context entry for owner @d with @did
 * @d: the owner
 * @did: its domain id on the unit
 * @ats: the device uses ATS (translation type device-IOTLB)
 * @e: the result
 */
void vtd_ctx_build(const struct vtd_domain *d, u16 did, bool ats,
		   struct vtd_ctx_entry *e)
{
	unsigned int tt = VTD_TT_MULTI_LEVEL;

	if (d->pass_through)
		tt = VTD_TT_PASS_THROUGH;
	else if (ats)
		tt = VTD_TT_DEV_IOTLB;
	e->lo = VTD_CTX_LO_PRESENT;
	e->hi = 0;
	vtd_ctx_set_tt(e, tt);
	vtd_ctx_set_pgtable(e, d->pass_through ? 0 : d->pgd);
	vtd_ctx_set_aw(e, d->aw);
	vtd_ctx_set_did(e, did);
}
EXPORT_SYMBOL_GPL(vtd_ctx_build);

static void vtd_observe(struct vtd_iommu *u, struct vtd_ctx_entry *slot,
			enum vtd_obs_point point)
{
	if (u->ops->observe)
		u->ops->observe(u, slot, point);
}

/* Make the entry visible to a non-coherent unit, then let observers look. */
static void vtd_sync(struct vtd_iommu *u, struct vtd_ctx_entry *slot)
{
	if (!u->coherent) {
		if (u->ops->flush_cache)
			u->ops->flush_cache(u, slot, sizeof(*slot));
		else
			clflush_cache_range(slot, sizeof(*slot));
	}
	vtd_observe(u, slot, VTD_OBS_STORE);
}

static void vtd_store_half(struct vtd_iommu *u, struct vtd_ctx_entry *slot,
			   bool hi, u64 val)
{
	if (hi)
		WRITE_ONCE(slot->hi, val);
	else
		WRITE_ONCE(slot->lo, val);
	/* The IOMMU must see the stores in program order. */
	dma_wmb();
	vtd_sync(u, slot);
}

static void vtd_report_mismatch(struct vtd_iommu *u, u8 bus, u8 devfn,
				const struct vtd_ctx_entry *seen,
				const struct vtd_ctx_entry *old)
{
	u->stats.mismatches++;
	pr_err_ratelimited("%04x:%02x:%02x.%u: unexpected context entry %016llx_%016llx (expected %016llx_%016llx)\n",
			   u->segment, bus, PCI_SLOT(devfn), PCI_FUNC(devfn),
			   seen->hi, seen->lo, old->hi, old->lo);
}

/**
 * vtd_ctx_store_locked() - write @new over the live entry @slot
 * @u: the unit, lock held
 * @bus: bus of the entry (messages)
 * @devfn: devfn of the entry (messages)
 * @slot: the live entry
 * @old: the value read from @slot under the lock
 * @new: the value to write
 * @mode: VTD_MAP_* flags
 * @prev_name: previous owner's name for the best-effort warning
 * @res: filled with what happened
 *
 * With @u->has_cx16 a single 128-bit compare-and-exchange against @old.
 * Without it: if @old is not present or @mode lacks VTD_MAP_WITH_RMRR, clear
 * present, write hi, then lo; else lo then hi (DID last), warning about the
 * mixed state unless VTD_MAP_OWNER_DYING or VTD_MAP_SINGLE_DEVICE, and only
 * when @old and @new have the same address width and fault processing
 * enabled. Every store
 * is written back for a non-coherent unit and shown to the observer.
 * Invalidation is the caller's job (vtd_ctx_flush()).
 *
 * Return: 0, -EILSEQ if @slot no longer holds @old (nothing written, both
 * values reported), -EOPNOTSUPP if CMPXCHG16B is asked for but missing,
 * -EINVAL if the best-effort update would mix entries of different address
 * widths or with fault processing disabled (nothing written, one line).
 */
int vtd_ctx_store_locked(struct vtd_iommu *u, u8 bus, u8 devfn,
			 struct vtd_ctx_entry *slot,
			 const struct vtd_ctx_entry *old,
			 const struct vtd_ctx_entry *new, unsigned int mode,
			 const char *prev_name, struct vtd_replace_res *res)
{
	bool was_present = vtd_ctx_present(old);

	lockdep_assert_held(&u->lock);
	res->old = *old;
	res->new = *new;
	res->seen = *old;
	res->path = VTD_PATH_NONE;
	res->warned = false;

	if (u->has_cx16) {
		hvsec_u128 expect = old->full;

		if (!hvsec_system_has_cmpxchg128())
			return -EOPNOTSUPP;
		if (!hvsec_try_cmpxchg128(&slot->full, &expect, new->full)) {
			res->seen.full = expect;
			vtd_report_mismatch(u, bus, devfn, &res->seen, old);
			return -EILSEQ;
		}
		res->path = VTD_PATH_CX16;
		vtd_sync(u, slot);
		return 0;
	}

	/* Nobody may write behind the lock: check as the CX16 path would. */
	res->seen.lo = READ_ONCE(slot->lo);
	res->seen.hi = READ_ONCE(slot->hi);
	if (!vtd_ctx_equal(&res->seen, old)) {
		vtd_report_mismatch(u, bus, devfn, &res->seen, old);
		return -EILSEQ;
	}

	if (!was_present || !(mode & VTD_MAP_WITH_RMRR)) {
		res->path = VTD_PATH_CLEAR_PRESENT;
		if (was_present)
			vtd_store_half(u, slot, false,
				       old->lo & ~VTD_CTX_LO_PRESENT);
		vtd_store_half(u, slot, true, new->hi);
		vtd_store_half(u, slot, false, new->lo);
		return 0;
	}

	/*
	 * The mixed state (new lo, old hi) walks the new page table with the
	 * old entry's address width, and reports its faults as the new lo
	 * says. Like the seed, write it only between entries the core builds:
	 * the same width (else the table is walked with the wrong number of
	 * levels) and fault processing enabled in both (else a mixed state
	 * that goes wrong is never reported). Nothing is written otherwise.
	 */
	if (vtd_ctx_aw(old) != vtd_ctx_aw(new) ||
	    ((old->lo | new->lo) & VTD_CTX_LO_FPD)) {
		u->stats.best_effort_refused++;
		pr_err_ratelimited("%04x:%02x:%02x.%u: no in-place re-assignment without CMPXCHG16B: address width %u -> %u, fault processing %s -> %s\n",
				   u->segment, bus, PCI_SLOT(devfn),
				   PCI_FUNC(devfn), vtd_ctx_aw(old),
				   vtd_ctx_aw(new),
				   old->lo & VTD_CTX_LO_FPD ? "off" : "on",
				   new->lo & VTD_CTX_LO_FPD ? "off" : "on");
		return -EINVAL;
	}

	res->path = VTD_PATH_BEST_EFFORT;
	if (!(mode & (VTD_MAP_OWNER_DYING | VTD_MAP_SINGLE_DEVICE))) {
		u->stats.mixed_warnings++;
		res->warned = true;
		pr_warn_ratelimited("%04x:%02x:%02x.%u: re-assignment without CMPXCHG16B may corrupt data of %s\n",
				    u->segment, bus, PCI_SLOT(devfn),
				    PCI_FUNC(devfn),
				    prev_name ?: "the previous owner");
	}
	vtd_store_half(u, slot, false, new->lo);
	vtd_store_half(u, slot, true, new->hi);
	return 0;
}
EXPORT_SYMBOL_GPL(vtd_ctx_store_locked);

/**
 * vtd_ctx_flush() - invalidate after an entry of @sid changed
 * @u: the unit, lock not held
 * @sid: source id (bus << 8 | devfn)
 * @old_did: the DID that was in the entry before the change
 * @new_did: the DID of the entry now (only used when it was not present)
 * @was_present: the entry was present before the change
 * @ats: the device uses ATS
 * @res: optional; its @invs counts the commands issued
 *
 * Context cache device-selective, then IOTLB domain-selective, both with
 * @old_did, then the device-TLB. A non-present entry is only cached in caching
 * mode: there, as Linux does when it makes an entry present, the context
 * cache is flushed with DID 0 (the architecture's DID for non-present
 * entries) and the IOTLB with @new_did (a caching-mode IOMMU, such as
 * QEMU's, synchronises its shadow of the new domain on it); otherwise
 * nothing is flushed for it.
 *
 * Return: 0 or the first failing command's error.
 */
int vtd_ctx_flush(struct vtd_iommu *u, u16 sid, u16 old_did, u16 new_did,
		  bool was_present, bool ats, struct vtd_replace_res *res)
{
	unsigned int dummy = 0, *invs = res ? &res->invs : &dummy;
	u16 iotlb_did = old_did;
	int ret;

	if (!was_present) {
		if (!u->caching_mode)
			return 0;
		old_did = 0;
		iotlb_did = new_did;
	}
	(*invs)++;
	ret = u->ops->flush_context(u, old_did, sid, 0, VTD_CC_DEVICE);
	if (ret)
		return ret;
	(*invs)++;
	ret = u->ops->flush_iotlb(u, iotlb_did, VTD_IOTLB_DOMAIN);
	if (ret)
		return ret;
	if (ats && was_present && u->ops->flush_dev_tlb) {
		(*invs)++;
		ret = u->ops->flush_dev_tlb(u, sid);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(vtd_ctx_flush);

static struct vtd_ctx_entry *vtd_slot(struct vtd_iommu *u, u8 bus, u8 devfn)
{
	struct vtd_ctx_entry *slot = u->ops->ctx_slot(u, bus, devfn);

	return slot ?: ERR_PTR(-ENODEV);
}

static void vtd_read_slot(struct vtd_ctx_entry *slot, struct vtd_ctx_entry *e)
{
	e->lo = READ_ONCE(slot->lo);
	e->hi = READ_ONCE(slot->hi);
}

/**
 * vtd_unmap_one() - make the entry of @bus/@devfn non-present
 * @u: the unit
 * @bus: bus
 * @devfn: devfn
 * @ats: the device uses ATS
 * @mode: VTD_MAP_* flags (only VTD_MAP_ERROR_RECOVERY matters)
 *
 * The entry's DID is flushed, then released.
 *
 * Return: 0 or a negative errno.
 */
int vtd_unmap_one(struct vtd_iommu *u, u8 bus, u8 devfn, bool ats,
		  unsigned int mode)
{
	struct vtd_ctx_entry old, new = {}, *slot;
	struct vtd_replace_res res = {};
	u16 did;
	int ret;

	spin_lock(&u->lock);
	slot = vtd_slot(u, bus, devfn);
	if (IS_ERR(slot)) {
		spin_unlock(&u->lock);
		return PTR_ERR(slot);
	}
	vtd_read_slot(slot, &old);
	vtd_observe(u, slot, VTD_OBS_READ);
	if (!vtd_ctx_present(&old)) {
		spin_unlock(&u->lock);
		return 0;
	}
	did = vtd_ctx_did(&old);
	ret = vtd_ctx_store_locked(u, bus, devfn, slot, &old, &new, 0, NULL,
				   &res);
	spin_unlock(&u->lock);
	if (ret)
		return ret;

	ret = vtd_ctx_flush(u, PCI_DEVID(bus, devfn), did, 0, true, ats, &res);
	spin_lock(&u->lock);
	if (ret)
		u->stats.dids_pinned++;
	else
		vtd_did_put(u, did);
	spin_unlock(&u->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vtd_unmap_one);

/**
 * vtd_map_one() - point the entry of @bus/@devfn at owner @d in one step
 * @u: the unit
 * @d: the new owner
 * @bus: bus
 * @devfn: devfn
 * @mode: VTD_MAP_* flags
 * @main: the device's own requester id (not an alias)
 * @ats: the device uses ATS
 * @prevp: optional; set to the previous owner (NULL if the entry was not
 *         present) once the previous owner is known
 * @res: optional; what was done
 *
 * The previous owner is found through the DID in the entry. The entry is
 * replaced as vtd_ctx_store_locked() does, then invalidated with the old DID,
 * which is released only afterwards. If invalidation fails, the change is
 * undone once (back to the previous owner, or non-present); an undo started
 * with VTD_MAP_ERROR_RECOVERY is never undone itself. A DID whose
 * invalidation failed stays allocated (pinned).
 *
 * Return: < 0 on error; 0 on success when the entry was not present, for an
 * alias, or for a no-op; 1 on success for @main when a present entry was
 * replaced (or already pointed at @d).
 */
int vtd_map_one(struct vtd_iommu *u, struct vtd_domain *d, u8 bus, u8 devfn,
		unsigned int mode, bool main, bool ats,
		struct vtd_domain **prevp, struct vtd_replace_res *res)
{
	struct vtd_ctx_entry old, new, *slot;
	struct vtd_replace_res local = {};
	struct vtd_domain *prev = NULL;
	u16 prev_did = 0, sid = PCI_DEVID(bus, devfn);
	bool was_present;
	int ret, did;

	if (!d)
		return -EINVAL;
	if (!res)
		res = &local;
	memset(res, 0, sizeof(*res));

	spin_lock(&u->lock);
	slot = vtd_slot(u, bus, devfn);
	if (IS_ERR(slot)) {
		spin_unlock(&u->lock);
		return PTR_ERR(slot);
	}
	vtd_read_slot(slot, &old);
	res->old = old;
	res->seen = old;
	was_present = vtd_ctx_present(&old);
	if (was_present) {
		prev_did = vtd_ctx_did(&old);
		prev = vtd_did_owner(u, prev_did);
		if (!prev) {
			spin_unlock(&u->lock);
			pr_err_ratelimited("%04x:%02x:%02x.%u: no owner for DID %u\n",
					   u->segment, bus, PCI_SLOT(devfn),
					   PCI_FUNC(devfn), prev_did);
			return -ESRCH;
		}
	}
	if (prevp)
		*prevp = prev;
	res->old_did = prev_did;
	if (prev == d) {
		spin_unlock(&u->lock);
		return main;
	}

	did = vtd_did_get(u, d);
	if (did < 0) {
		spin_unlock(&u->lock);
		pr_err_ratelimited("%04x:%02x:%02x.%u: no free domain id\n",
				   u->segment, bus, PCI_SLOT(devfn),
				   PCI_FUNC(devfn));
		return did;
	}
	vtd_ctx_build(d, did, ats, &new);
	/* A concurrent writer would show up here (tests inject one). */
	vtd_observe(u, slot, VTD_OBS_READ);
	ret = vtd_ctx_store_locked(u, bus, devfn, slot, &old, &new, mode,
				   prev ? prev->name : NULL, res);
	if (ret) {
		vtd_did_put(u, did);
		spin_unlock(&u->lock);
		return ret;
	}
	if (was_present)
		u->stats.replaced++;
	else
		u->stats.fresh++;
	spin_unlock(&u->lock);

	ret = vtd_ctx_flush(u, sid, prev_did, did, was_present, ats, res);
	if (!ret) {
		if (was_present) {
			spin_lock(&u->lock);
			vtd_did_put(u, prev_did);
			spin_unlock(&u->lock);
		}
		return main && was_present;
	}

	pr_err_ratelimited("%04x:%02x:%02x.%u: invalidation failed (%d)%s\n",
			   u->segment, bus, PCI_SLOT(devfn), PCI_FUNC(devfn),
			   ret, mode & VTD_MAP_ERROR_RECOVERY ?
			   " during recovery" : ", undoing");
	if (mode & VTD_MAP_ERROR_RECOVERY) {
		/* Keep the unflushed old DID: stale IOTLB entries carry it. */
		if (was_present) {
			spin_lock(&u->lock);
			u->stats.dids_pinned++;
			spin_unlock(&u->lock);
		}
		return ret;
	}

	spin_lock(&u->lock);
	u->stats.recursions++;
	spin_unlock(&u->lock);
	if (!was_present) {
		vtd_unmap_one(u, bus, devfn, ats, VTD_MAP_ERROR_RECOVERY);
		return ret;
	}

	vtd_map_one(u, prev, bus, devfn,
		    (mode & VTD_MAP_WITH_RMRR) | VTD_MAP_ERROR_RECOVERY,
		    main, ats, NULL, NULL);
	/*
	 * If the entry holds the previous DID again, the undo took a reference
	 * of its own on it: drop ours. Otherwise ours stays, pinned.
	 */
	spin_lock(&u->lock);
	vtd_read_slot(slot, &old);
	if (vtd_ctx_present(&old) && vtd_ctx_did(&old) == prev_did)
		vtd_did_put(u, prev_did);
	else
		u->stats.dids_pinned++;
	spin_unlock(&u->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vtd_map_one);

static bool vtd_dev_behind_legacy_bridge(const struct vtd_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nr_aliases; i++)
		if (dev->alias[i].kind == VTD_ALIAS_BRIDGE ||
		    dev->alias[i].kind == VTD_ALIAS_SECBUS)
			return true;
	return false;
}

static bool vtd_dev_has_phantoms(const struct vtd_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nr_aliases; i++)
		if (dev->alias[i].kind == VTD_ALIAS_PHANTOM)
			return true;
	return false;
}

/**
 * vtd_dev_move() - move a device and all its DMA aliases to owner @to
 * @dev: the device; @dev->owner is updated on success
 * @to: the new owner
 *
 * All or nothing: when an alias fails, the entries already moved go back to
 * their previous owners (or become non-present again), as an error recovery
 * that is not undone itself. An RMRR device behind a PCIe-to-PCI bridge
 * cannot be moved between owners: its bridge alias is shared and could not be
 * switched together with the device.
 *
 * Return: 0 or a negative errno (-EOPNOTSUPP for the RMRR bridge case).
 */
int vtd_dev_move(struct vtd_dev *dev, struct vtd_domain *to)
{
	struct vtd_domain *prev[VTD_MAX_ALIASES + 1] = {};
	struct vtd_iommu *u = dev->iommu;
	unsigned int mode = 0, i, done;
	int ret = 0;

	if (dev->nr_aliases > VTD_MAX_ALIASES)
		return -EINVAL;
	if (dev->rmrr)
		mode |= VTD_MAP_WITH_RMRR;
	if (dev->owner && dev->owner != to) {
		if (dev->owner->dying)
			mode |= VTD_MAP_OWNER_DYING;
		else if (dev->single && !vtd_dev_has_phantoms(dev))
			mode |= VTD_MAP_SINGLE_DEVICE;
		if (dev->rmrr && vtd_dev_behind_legacy_bridge(dev)) {
			pr_err_ratelimited("%04x:%02x:%02x.%u: RMRR device behind a PCI bridge cannot change owner\n",
					   u->segment, dev->rid.bus,
					   PCI_SLOT(dev->rid.devfn),
					   PCI_FUNC(dev->rid.devfn));
			return -EOPNOTSUPP;
		}
	}

	for (done = 0; done <= dev->nr_aliases; done++) {
		const struct vtd_rid *r = done ? &dev->alias[done - 1] :
						 &dev->rid;

		ret = vtd_map_one(u, to, r->bus, r->devfn, mode, !done,
				  !done && dev->ats, &prev[done], NULL);
		if (ret < 0)
			break;
	}
	if (ret >= 0) {
		dev->owner = to;
		return 0;
	}

	/* The failed one undid itself; put the others back, newest first. */
	for (i = done; i-- > 0;) {
		const struct vtd_rid *r = i ? &dev->alias[i - 1] : &dev->rid;
		bool ats = !i && dev->ats;

		if (prev[i] == to)
			continue;
		spin_lock(&u->lock);
		u->stats.rollbacks++;
		spin_unlock(&u->lock);
		if (prev[i])
			vtd_map_one(u, prev[i], r->bus, r->devfn,
				    (mode & VTD_MAP_WITH_RMRR) |
				    VTD_MAP_ERROR_RECOVERY, !i, ats, NULL, NULL);
		else
			vtd_unmap_one(u, r->bus, r->devfn, ats,
				      VTD_MAP_ERROR_RECOVERY);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(vtd_dev_move);
