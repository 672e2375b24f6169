// SPDX-License-Identifier: GPL-2.0
/*
 * vtd_reassign: replace a live scalable-mode PASID-table entry so that the
 * IOMMU never sees a state that translates to neither the old nor the new
 * domain.
 *
 * The 512-bit entry is fetched by the IOMMU in four 128-bit units, each
 * one atomic read, but the four need not be read at one instant. The writer
 * follows the "used bits" method of Linux's arm-smmu-v3 entry writer: which
 * bits the IOMMU interprets depends on the entry itself (P, PGTT), so
 *  1. every unit is first given the target's value in the bits the current
 *     entry does not use (the IOMMU still sees the old entry);
 *  2. the one unit whose used bits still differ ("critical") is written
 *     with one 128-bit store (the IOMMU now sees the new entry);
 *  3. the bits the new entry does not use are cleaned up.
 * A sync (PASID-cache invalidation and wait) separates two steps that
 * store, so that no fetch mixes units from states more than one step apart.
 * When only one unit differs at all, it is stored at once: every fetch sees
 * it old or new and the rest equal in both.
 * When more than one unit is critical (e.g. first-level to first-level: the
 * DID lies in unit 0, the first-level table pointer in unit 1), no such
 * order exists and the writer refuses with -EOPNOTSUPP before storing
 * anything: the caller takes the stock path and counts it.
 *
 * Pure: the entry's memory, the store and the sync are reached through
 * struct vtd_pasid_ops, so KUnit's fake IOMMU plugs in as hardware does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <kunit/visibility.h>
#include <hvsec/vtd_reassign.h>

/**
 * vtd_pasid_used() - the bits of an entry the IOMMU interprets
 * @e: the entry
 * @used: set to the mask of those bits
 *
 * A non-present entry uses its P bit only. A present one uses all of unit 0
 * (P, FPD, AW, PGTT, SSADE, the second-level pointer, DID, snoop and cache
 * attributes). In unit 1, the first-level fields of qword 2 count for the
 * first-level and nested types only. Whatever the driver does not classify
 * (qword 3, units 2 and 3) counts as used by every type, so a change there
 * is never taken for hitless.
 */
void vtd_pasid_used(const struct vtd_pasid_entry *e,
		    struct vtd_pasid_entry *used)
{
	u64 pgtt = FIELD_GET(VTD_PE0_PGTT, e->val[0]);

	memset(used, 0, sizeof(*used));
	if (!(e->val[0] & VTD_PE0_P)) {
		used->val[0] = VTD_PE0_P;
		return;
	}
	memset(used->val, 0xff, sizeof(used->val));
	if (pgtt != VTD_PGTT_FL && pgtt != VTD_PGTT_NESTED)
		used->val[2] = 0;
}
EXPORT_SYMBOL_IF_KUNIT(vtd_pasid_used);

/**
 * vtd_pasid_same() - whether two entries translate alike
 * @a: one entry
 * @b: the other
 *
 * Return: true when both use the same bits and agree on them.
 */
bool vtd_pasid_same(const struct vtd_pasid_entry *a,
		    const struct vtd_pasid_entry *b)
{
	struct vtd_pasid_entry ua, ub;
	unsigned int i;

	vtd_pasid_used(a, &ua);
	vtd_pasid_used(b, &ub);
	for (i = 0; i < VTD_PE_QWORDS; i++)
		if (ua.val[i] != ub.val[i] ||
		    (a->val[i] & ua.val[i]) != (b->val[i] & ub.val[i]))
			return false;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(vtd_pasid_same);

/*
 * One step: store the units of @val that differ from @cur. Before its first
 * store, a step syncs if the step before it stored (@res->pending), so that
 * a fetch never mixes units of states two steps apart.
 */
static int vtd_pasid_step(const struct vtd_pasid_ops *ops, void *priv,
			  struct vtd_pasid_entry *cur,
			  const struct vtd_pasid_entry *val,
			  struct vtd_pasid_result *res)
{
	bool stored = false;
	unsigned int i;
	int ret;

	for (i = 0; i < VTD_PE_UNITS; i++) {
		u64 *c = &cur->val[2 * i];
		const u64 *v = &val->val[2 * i];

		if (c[0] == v[0] && c[1] == v[1])
			continue;
		if (res->pending && !stored) {
			res->syncs++;
			ret = ops->sync(priv);
			if (ret)
				return ret;
		}
		ret = ops->store(priv, i, c, v);
		if (ret)
			return ret;
		c[0] = v[0];
		c[1] = v[1];
		res->stores++;
		stored = true;
	}
	if (stored)
		res->pending = true;
	return 0;
}

/* Whether @e leaves every bit it does not use zero. */
static bool vtd_pasid_canonical(const struct vtd_pasid_entry *e)
{
	struct vtd_pasid_entry u;
	unsigned int q;

	vtd_pasid_used(e, &u);
	for (q = 0; q < VTD_PE_QWORDS; q++)
		if (e->val[q] & ~u.val[q])
			return false;
	return true;
}

/**
 * vtd_pasid_plan() - whether an entry can be replaced without a break
 * @cur: the entry as it is
 * @target: the entry wanted; it must leave the bits it does not use zero
 * @critical: set to the mask of units whose used bits must change in one
 *	store (0 or one bit when the answer is 0)
 *
 * Return: 0 when a hitless order exists, -EOPNOTSUPP when more than one
 * unit is critical, -EINVAL for a target with bits set that it does not use.
 */
int vtd_pasid_plan(const struct vtd_pasid_entry *cur,
		   const struct vtd_pasid_entry *target, unsigned int *critical)
{
	struct vtd_pasid_entry cu, tu;
	unsigned int q;

	*critical = 0;
	if (!vtd_pasid_canonical(target))
		return -EINVAL;
	vtd_pasid_used(cur, &cu);
	vtd_pasid_used(target, &tu);
	for (q = 0; q < VTD_PE_QWORDS; q++) {
		u64 upd = (cur->val[q] & cu.val[q]) | (target->val[q] & ~cu.val[q]);

		if ((upd & tu.val[q]) != target->val[q])
			*critical |= BIT(q / 2);
	}
	return hweight32(*critical) > 1 ? -EOPNOTSUPP : 0;
}
EXPORT_SYMBOL_IF_KUNIT(vtd_pasid_plan);

/**
 * vtd_pasid_write() - replace a live PASID-table entry without a break
 * @ops: store and sync of the back end
 * @priv: back end's data
 * @cur: the entry as it is (read under the caller's lock); on return, what
 *	was stored
 * @target: the entry wanted (bits it does not use zero)
 * @res: counts of stores and syncs, and the critical unit
 *
 * When at most one 128-bit unit differs, that unit is stored at once.
 * Otherwise a sync separates two steps that store; none follows the last
 * store: the caller's invalidation of the entry (PASID cache, then the
 * IOTLB of the old DID) ends the update. Nothing is stored when the answer is
 * -EOPNOTSUPP or -EINVAL.
 *
 * Return: 0, -EOPNOTSUPP (no hitless order), -EINVAL (bad target) or the
 * back end's error from a store or sync (the entry is then as @cur says).
 */
int vtd_pasid_write(const struct vtd_pasid_ops *ops, void *priv,
		    struct vtd_pasid_entry *cur,
		    const struct vtd_pasid_entry *target,
		    struct vtd_pasid_result *res)
{
	struct vtd_pasid_entry cu, step;
	unsigned int critical, q, c;
	int ret;

	memset(res, 0, sizeof(*res));

	/*
	 * At most one unit differs (a switch between two second-level
	 * domains): one store of it is hitless whatever bits the IOMMU
	 * reads, since every fetch sees that unit old or new and the others
	 * as they are in both.
	 */
	for (c = 0, q = 0; q < VTD_PE_UNITS; q++)
		if (cur->val[2 * q] != target->val[2 * q] ||
		    cur->val[2 * q + 1] != target->val[2 * q + 1])
			c |= BIT(q);
	if (hweight32(c) <= 1) {
		if (!vtd_pasid_canonical(target))
			return -EINVAL;
		res->critical = c;
		return vtd_pasid_step(ops, priv, cur, target, res);
	}

	ret = vtd_pasid_plan(cur, target, &critical);
	if (ret)
		return ret;
	res->critical = critical;
	vtd_pasid_used(cur, &cu);

	/* 1: the target's values where the current entry does not look. */
	for (q = 0; q < VTD_PE_QWORDS; q++)
		step.val[q] = (cur->val[q] & cu.val[q]) |
			      (target->val[q] & ~cu.val[q]);
	ret = vtd_pasid_step(ops, priv, cur, &step, res);
	if (ret)
		return ret;

	/* 2: the critical unit in one store. */
	if (critical) {
		c = __ffs(critical);
		step = *cur;
		step.val[2 * c] = target->val[2 * c];
		step.val[2 * c + 1] = target->val[2 * c + 1];
		ret = vtd_pasid_step(ops, priv, cur, &step, res);
		if (ret)
			return ret;
	}

	/* 3: clean what the new entry does not use; the caller syncs. */
	return vtd_pasid_step(ops, priv, cur, target, res);
}
EXPORT_SYMBOL_IF_KUNIT(vtd_pasid_write);
