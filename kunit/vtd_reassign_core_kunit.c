// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the vtd_reassign core: one-step context-entry replacement,
 * the fallback modes, invalidation, DID lifetime and rollback.
 *
 * A fake IOMMU holds the context tables in memory and plays the hardware's
 * reader: the core shows it the live entry after every store and it reads
 * the entry again at every invalidation. The hitless proof checks that every
 * state it saw is one the design allows. Every case runs with CMPXCHG16B and
 * with it switched off (the unit's has_cx16 flag).
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <hvsec/vtd_reassign.h>

#define FAKE_BUSES	4
#define FAKE_EVENTS	96
#define FAKE_NDOMS	16

enum fake_ev_type {
	EV_STORE,
	EV_CC,
	EV_IOTLB,
	EV_DEVTLB,
};

struct fake_event {
	enum fake_ev_type type;
	u16 sid;
	u16 did;
	u8 gran;
	u8 fm;
	bool did_allocated;	/* the flushed DID was still allocated */
	struct vtd_ctx_entry seen;	/* the entry of @sid at that moment */
};

struct fake_iommu {
	struct vtd_iommu u;
	struct kunit *test;
	struct vtd_ctx_entry *table;	/* FAKE_BUSES * 256, 16-byte aligned */
	struct fake_event ev[FAKE_EVENTS];
	unsigned int nr_ev;
	unsigned int cache_flushes;
	/* failure injection: op type, sid (-1: any), how many more times */
	int fail_type;
	int fail_sid;
	int fail_times;
	/* racing writer injected at VTD_OBS_READ of @race_sid */
	bool race;
	u16 race_sid;
	struct vtd_ctx_entry race_val;
};

static struct vtd_ctx_entry *fake_entry(struct fake_iommu *f, u16 sid)
{
	return &f->table[sid];
}

static u16 fake_sid(struct fake_iommu *f, const struct vtd_ctx_entry *slot)
{
	return slot - f->table;
}

static void fake_log(struct fake_iommu *f, enum fake_ev_type type, u16 sid,
		     u16 did, u8 gran, u8 fm)
{
	struct fake_event *e;

	/* Called under the unit's lock: no ASSERT (it would not unlock). */
	if (f->nr_ev >= FAKE_EVENTS) {
		KUNIT_FAIL(f->test, "event log full");
		return;
	}
	e = &f->ev[f->nr_ev++];
	e->type = type;
	e->sid = sid;
	e->did = did;
	e->gran = gran;
	e->fm = fm;
	e->did_allocated = type != EV_STORE && vtd_did_owner(&f->u, did);
	e->seen.lo = READ_ONCE(fake_entry(f, sid)->lo);
	e->seen.hi = READ_ONCE(fake_entry(f, sid)->hi);
}

static int fake_fail(struct fake_iommu *f, enum fake_ev_type type, u16 sid)
{
	if (f->fail_times && f->fail_type == type &&
	    (f->fail_sid < 0 || f->fail_sid == sid)) {
		f->fail_times--;
		return -ETIMEDOUT;
	}
	return 0;
}

static struct vtd_ctx_entry *fake_ctx_slot(struct vtd_iommu *u, u8 bus,
					   u8 devfn)
{
	struct fake_iommu *f = u->priv;

	if (bus >= FAKE_BUSES)
		return NULL;
	return fake_entry(f, PCI_DEVID(bus, devfn));
}

/* Context-cache device-selective invalidation: logs, and reads the entry. */
static int fake_flush_context(struct vtd_iommu *u, u16 did, u16 sid, u8 fm,
			      enum vtd_cc_gran g)
{
	struct fake_iommu *f = u->priv;

	fake_log(f, EV_CC, sid, did, g, fm);
	return fake_fail(f, EV_CC, sid);
}

static int fake_flush_iotlb(struct vtd_iommu *u, u16 did, enum vtd_iotlb_gran g)
{
	struct fake_iommu *f = u->priv;
	u16 sid = f->nr_ev ? f->ev[f->nr_ev - 1].sid : 0;

	fake_log(f, EV_IOTLB, sid, did, g, 0);
	return fake_fail(f, EV_IOTLB, sid);
}

static int fake_flush_dev_tlb(struct vtd_iommu *u, u16 sid)
{
	struct fake_iommu *f = u->priv;

	fake_log(f, EV_DEVTLB, sid, f->nr_ev ? f->ev[f->nr_ev - 1].did : 0,
		 0, 0);
	return fake_fail(f, EV_DEVTLB, sid);
}

static void fake_flush_cache(struct vtd_iommu *u, void *addr, unsigned int len)
{
	struct fake_iommu *f = u->priv;

	KUNIT_EXPECT_EQ(f->test, len, sizeof(struct vtd_ctx_entry));
	f->cache_flushes++;
}

static void fake_observe(struct vtd_iommu *u, const struct vtd_ctx_entry *slot,
			 enum vtd_obs_point point)
{
	struct fake_iommu *f = u->priv;
	u16 sid = fake_sid(f, slot);

	if (point == VTD_OBS_STORE) {
		fake_log(f, EV_STORE, sid, 0, 0, 0);
		return;
	}
	if (f->race && f->race_sid == sid) {
		struct vtd_ctx_entry *e = fake_entry(f, sid);

		f->race = false;
		WRITE_ONCE(e->lo, f->race_val.lo);
		WRITE_ONCE(e->hi, f->race_val.hi);
	}
}

static const struct vtd_unit_ops fake_ops = {
	.ctx_slot = fake_ctx_slot,
	.flush_context = fake_flush_context,
	.flush_iotlb = fake_flush_iotlb,
	.flush_dev_tlb = fake_flush_dev_tlb,
	.flush_cache = fake_flush_cache,
	.observe = fake_observe,
};

static void fake_destroy(void *data)
{
	struct fake_iommu *f = data;

	vtd_iommu_destroy(&f->u);
}

/* Test parameters: CMPXCHG16B on/off and one variant bit. */
struct core_param {
	bool cx16;
	bool var;
	unsigned int flags;
	const char *desc;
};

static const struct core_param cx16_params[] = {
	{ .cx16 = true, .desc = "cx16" },
	{ .cx16 = false, .desc = "no-cx16" },
};

static const struct core_param coherent_params[] = {
	{ .cx16 = true, .var = true, .desc = "cx16 coherent" },
	{ .cx16 = true, .var = false, .desc = "cx16 non-coherent" },
	{ .cx16 = false, .var = true, .desc = "no-cx16 coherent" },
	{ .cx16 = false, .var = false, .desc = "no-cx16 non-coherent" },
};

static const struct core_param ats_params[] = {
	{ .cx16 = true, .var = false, .desc = "cx16" },
	{ .cx16 = true, .var = true, .desc = "cx16 ats" },
	{ .cx16 = false, .var = false, .desc = "no-cx16" },
	{ .cx16 = false, .var = true, .desc = "no-cx16 ats" },
};

static const struct core_param rmrr_params[] = {
	{ .cx16 = true, .desc = "cx16" },
	{ .cx16 = true, .flags = VTD_MAP_OWNER_DYING, .desc = "cx16 dying" },
	{ .cx16 = true, .flags = VTD_MAP_SINGLE_DEVICE, .desc = "cx16 single" },
	{ .cx16 = false, .desc = "no-cx16" },
	{ .cx16 = false, .flags = VTD_MAP_OWNER_DYING,
	  .desc = "no-cx16 dying" },
	{ .cx16 = false, .flags = VTD_MAP_SINGLE_DEVICE,
	  .desc = "no-cx16 single" },
};

/* Which invalidation fails: .var false = context cache, true = IOTLB. */
static const struct core_param fail_params[] = {
	{ .cx16 = true, .var = false, .desc = "cx16 context-cache timeout" },
	{ .cx16 = true, .var = true, .desc = "cx16 iotlb timeout" },
	{ .cx16 = false, .var = false, .desc = "no-cx16 context-cache timeout" },
	{ .cx16 = false, .var = true, .desc = "no-cx16 iotlb timeout" },
};

static void core_param_desc(const struct core_param *p, char *desc)
{
	strscpy(desc, p->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(cx16, cx16_params, core_param_desc);
KUNIT_ARRAY_PARAM(coherent, coherent_params, core_param_desc);
KUNIT_ARRAY_PARAM(ats, ats_params, core_param_desc);
KUNIT_ARRAY_PARAM(rmrr, rmrr_params, core_param_desc);
KUNIT_ARRAY_PARAM(fail, fail_params, core_param_desc);

static const struct core_param *param(struct kunit *test)
{
	return test->param_value;
}

static struct fake_iommu *fake_new(struct kunit *test, bool cx16)
{
	struct fake_iommu *f;

	if (cx16 && !hvsec_system_has_cmpxchg128())
		kunit_skip(test, "CPU has no CMPXCHG16B");
	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	/* A power-of-two kmalloc is naturally aligned: 16 bytes suffice. */
	f->table = kunit_kzalloc(test, FAKE_BUSES * 256 * sizeof(*f->table),
				 GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->table);
	KUNIT_ASSERT_EQ(test, (unsigned long)f->table & 15, 0);
	f->test = test;
	f->fail_sid = -1;
	KUNIT_ASSERT_EQ(test, vtd_iommu_init(&f->u, &fake_ops, f, FAKE_NDOMS,
					     1), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, fake_destroy, f),
			0);
	f->u.has_cx16 = cx16;
	return f;
}

static void fake_reset_log(struct fake_iommu *f)
{
	f->nr_ev = 0;
	f->cache_flushes = 0;
}

static struct vtd_ctx_entry fake_read(struct fake_iommu *f, u16 sid)
{
	return *fake_entry(f, sid);
}

static unsigned int fake_count(struct fake_iommu *f, enum fake_ev_type type)
{
	unsigned int i, n = 0;

	for (i = 0; i < f->nr_ev; i++)
		n += f->ev[i].type == type;
	return n;
}

static struct vtd_domain dom_a = { .pgd = 0xaaaa000, .aw = 1, .name = "A" };
static struct vtd_domain dom_b = { .pgd = 0xbbbb000, .aw = 2, .name = "B" };
/* A's address width: the best effort without CX16 may mix A and C. */
static struct vtd_domain dom_c = { .pgd = 0xcccc000, .aw = 1, .name = "C" };

/* Assigns @sid to @d from non-present and checks it, then clears the log. */
static void fake_assign(struct kunit *test, struct fake_iommu *f, u16 sid,
			struct vtd_domain *d)
{
	KUNIT_ASSERT_EQ(test, vtd_map_one(&f->u, d, PCI_BUS_NUM(sid), sid & 0xff,
					  0, true, false, NULL, NULL), 0);
	KUNIT_ASSERT_TRUE(test, vtd_ctx_present(fake_entry(f, sid)));
	fake_reset_log(f);
}

#define SID_DEV		PCI_DEVID(0, PCI_DEVFN(3, 0))
#define SID_DEV2	PCI_DEVID(0, PCI_DEVFN(4, 0))

enum allowed_states {
	ALLOW_OLD_NEW = 0,		/* CMPXCHG16B */
	ALLOW_NOT_PRESENT = BIT(0),	/* clear-present fallback */
	ALLOW_MIXED = BIT(1),		/* best effort: new lo, old hi */
};

/*
 * The hitless proof: every state the fake IOMMU saw for @sid (after each store
 * and at each invalidation) is @old, @new, or one @allow permits. Returns how
 * many times each non-final kind was seen through @np and @mixed.
 */
static void check_states(struct kunit *test, struct fake_iommu *f, u16 sid,
			 const struct vtd_ctx_entry *old,
			 const struct vtd_ctx_entry *new, unsigned int allow,
			 unsigned int *np, unsigned int *mixed)
{
	struct vtd_ctx_entry mix = { .lo = new->lo, .hi = old->hi };
	unsigned int i, n_np = 0, n_mixed = 0;

	for (i = 0; i < f->nr_ev; i++) {
		const struct vtd_ctx_entry *s = &f->ev[i].seen;

		if (f->ev[i].sid != sid)
			continue;
		if (vtd_ctx_equal(s, old) || vtd_ctx_equal(s, new))
			continue;
		if (!vtd_ctx_present(s) && (allow & ALLOW_NOT_PRESENT)) {
			n_np++;
			continue;
		}
		if (vtd_ctx_equal(s, &mix) && (allow & ALLOW_MIXED)) {
			n_mixed++;
			continue;
		}
		KUNIT_FAIL(test,
			   "event %u: IOMMU saw %016llx_%016llx (old %016llx_%016llx, new %016llx_%016llx)",
			   i, s->hi, s->lo, old->hi, old->lo, new->hi, new->lo);
	}
	if (np)
		*np = n_np;
	if (mixed)
		*mixed = n_mixed;
}

/* Setters replace fields and never touch their neighbours. */
static void core_ctx_encode_decode(struct kunit *test)
{
	struct vtd_ctx_entry e = { .lo = ~0ULL, .hi = ~0ULL };
	struct vtd_domain pt = { .pass_through = true, .aw = 2, .pgd = 0x5000 };

	vtd_ctx_set_did(&e, 0);
	KUNIT_EXPECT_EQ(test, e.hi, ~VTD_CTX_HI_DID);
	vtd_ctx_set_aw(&e, 0);
	KUNIT_EXPECT_EQ(test, e.hi, ~(VTD_CTX_HI_DID | VTD_CTX_HI_AW));
	vtd_ctx_set_tt(&e, 0);
	vtd_ctx_set_pgtable(&e, 0);
	KUNIT_EXPECT_EQ(test, e.lo, VTD_CTX_LO_PRESENT | VTD_CTX_LO_FPD |
			GENMASK_ULL(11, 4));
	/* lo is the low quadword of the 128-bit value (CMPXCHG16B order). */
	e.lo = 1;
	e.hi = 2;
	KUNIT_EXPECT_EQ(test, (u64)e.full, 1ULL);
	KUNIT_EXPECT_EQ(test, (u64)(e.full >> 64), 2ULL);

	vtd_ctx_build(&dom_a, 0x1234, false, &e);
	KUNIT_EXPECT_TRUE(test, vtd_ctx_present(&e));
	KUNIT_EXPECT_EQ(test, vtd_ctx_did(&e), 0x1234);
	KUNIT_EXPECT_EQ(test, vtd_ctx_pgtable(&e), dom_a.pgd);
	KUNIT_EXPECT_EQ(test, vtd_ctx_aw(&e), 1);
	KUNIT_EXPECT_EQ(test, vtd_ctx_tt(&e), VTD_TT_MULTI_LEVEL);
	KUNIT_EXPECT_FALSE(test, e.lo & VTD_CTX_LO_FPD);
	vtd_ctx_build(&dom_a, 7, true, &e);
	KUNIT_EXPECT_EQ(test, vtd_ctx_tt(&e), VTD_TT_DEV_IOTLB);
	KUNIT_EXPECT_EQ(test, vtd_ctx_did(&e), 7);
	vtd_ctx_build(&pt, 9, true, &e);
	KUNIT_EXPECT_EQ(test, vtd_ctx_tt(&e), VTD_TT_PASS_THROUGH);
	KUNIT_EXPECT_EQ(test, vtd_ctx_pgtable(&e), 0);
	KUNIT_EXPECT_EQ(test, e.hi, 0x902ULL);
}

/* DID allocation, the DID -> owner map, references, exhaustion. */
static void core_did_alloc(struct kunit *test)
{
	struct vtd_domain doms[FAKE_NDOMS] = {};
	struct fake_iommu *f = fake_new(test, false);
	struct vtd_iommu *u = &f->u;
	int did, i;

	spin_lock(&u->lock);
	KUNIT_EXPECT_EQ(test, vtd_did_get(u, &dom_a), 1);
	KUNIT_EXPECT_EQ(test, vtd_did_get(u, &dom_a), 1);
	KUNIT_EXPECT_EQ(test, vtd_did_refs(u, 1), 2);
	KUNIT_EXPECT_EQ(test, vtd_did_get(u, &dom_b), 2);
	KUNIT_EXPECT_PTR_EQ(test, vtd_did_owner(u, 1), &dom_a);
	KUNIT_EXPECT_PTR_EQ(test, vtd_did_owner(u, 2), &dom_b);
	KUNIT_EXPECT_NULL(test, vtd_did_owner(u, 0));
	KUNIT_EXPECT_NULL(test, vtd_did_owner(u, 3));
	KUNIT_EXPECT_NULL(test, vtd_did_owner(u, 0xffff));
	vtd_did_put(u, 1);
	KUNIT_EXPECT_PTR_EQ(test, vtd_did_owner(u, 1), &dom_a);
	vtd_did_put(u, 1);
	KUNIT_EXPECT_NULL(test, vtd_did_owner(u, 1));
	KUNIT_EXPECT_EQ(test, vtd_did_refs(u, 1), 0);
	/* 1 and 3..15 are free: 14 more owners fit, the 15th does not. */
	for (i = 0; i < FAKE_NDOMS - 2; i++) {
		did = vtd_did_get(u, &doms[i]);
		KUNIT_EXPECT_GT(test, did, 0);
		KUNIT_EXPECT_LT(test, did, FAKE_NDOMS);
		KUNIT_EXPECT_NE(test, did, 2);
	}
	KUNIT_EXPECT_EQ(test, vtd_did_get(u, &doms[FAKE_NDOMS - 2]), -ENOSPC);
	/* The lowest freed DID is reused. */
	vtd_did_put(u, 5);
	KUNIT_EXPECT_EQ(test, vtd_did_get(u, &doms[FAKE_NDOMS - 1]), 5);
	spin_unlock(&u->lock);
}

/* Non-present -> present: returns 0, never shows a present mix. */
static void core_fresh(struct kunit *test)
{
	const struct core_param *p = param(test);
	struct fake_iommu *f = fake_new(test, p->cx16);
	struct vtd_ctx_entry old = {}, new;
	struct vtd_replace_res res;

	KUNIT_EXPECT_EQ(test, vtd_map_one(&f->u, &dom_a, 0, SID_DEV & 0xff, 0,
					  true, false, NULL, &res), 0);
	vtd_ctx_build(&dom_a, 1, false, &new);
	KUNIT_EXPECT_TRUE(test, vtd_ctx_equal(fake_entry(f, SID_DEV), &new));
	check_states(test, f, SID_DEV, &old, &new, ALLOW_NOT_PRESENT, NULL,
		     NULL);
	KUNIT_EXPECT_GE(test, fake_count(f, EV_STORE), 1);
	/* Caching mode off: a non-present entry is not cached, no flush. */
	KUNIT_EXPECT_EQ(test, fake_count(f, EV_CC), 0);
	KUNIT_EXPECT_EQ(test, fake_count(f, EV_IOTLB), 0);
	KUNIT_EXPECT_EQ(test, res.invs, 0);
	KUNIT_EXPECT_EQ(test, res.path, p->cx16 ? VTD_PATH_CX16 :
			VTD_PATH_CLEAR_PRESENT);
	KUNIT_EXPECT_EQ(test, f->u.stats.fresh, 1);

	/*
	 * Caching mode on: context cache flushed with DID 0 after the store,
	 * IOTLB with the new entry's DID (as Linux does for a new entry).
	 */
	fake_reset_log(f);
	f->u.caching_mode = true;
	KUNIT_EXPECT_EQ(test, vtd_map_one(&f->u, &dom_a, 0, SID_DEV2 & 0xff, 0,
					  true, false, NULL, &res), 0);
	KUNIT_ASSERT_EQ(test, f->nr_ev, fake_count(f, EV_STORE) + 2);
	KUNIT_EXPECT_EQ(test, f->ev[f->nr_ev - 2].type, EV_CC);
	KUNIT_EXPECT_EQ(test, f->ev[f->nr_ev - 2].did, 0);
	KUNIT_EXPECT_EQ(test, f->ev[f->nr_ev - 2].sid, SID_DEV2);
	KUNIT_EXPECT_EQ(test, f->ev[f->nr_ev - 2].gran, VTD_CC_DEVICE);
	KUNIT_EXPECT_EQ(test, f->ev[f->nr_ev - 1].type, EV_IOTLB);
	KUNIT_EXPECT_EQ(test, f->ev[f->nr_ev - 1].did, 1);
	KUNIT_EXPECT_EQ(test, f->ev[f->nr_ev - 1].gran, VTD_IOTLB_DOMAIN);
	/* Same owner: same DID, two references. */
	KUNIT_EXPECT_EQ(test, vtd_did_refs(&f->u, 1), 2);
}

/* The hitless proof for present -> present (no RMRR). */
static void core_replace_hitless(struct kunit *test)
{
	const struct core_param *p = param(test);
	struct fake_iommu *f = fake_new(test, p->cx16);
	struct vtd_ctx_entry old, new;
	struct vtd_replace_res res;
	unsigned int np, stores;

	f->u.coherent = p->var;
	fake_assign(test, f, SID_DEV, &dom_a);
	old = fake_read(f, SID_DEV);
	KUNIT_EXPECT_EQ(test, vtd_map_one(&f->u, &dom_b, 0, SID_DEV & 0xff, 0,
					  true, false, NULL, &res), 1);
	new = fake_read(f, SID_DEV);
	KUNIT_EXPECT_EQ(test, vtd_ctx_did(&new), 2);
	KUNIT_EXPECT_EQ(test, vtd_ctx_pgtable(&new), dom_b.pgd);
	KUNIT_EXPECT_EQ(test, vtd_ctx_aw(&new), dom_b.aw);
	KUNIT_EXPECT_TRUE(test, vtd_ctx_equal(&res.new, &new));
	KUNIT_EXPECT_TRUE(test, vtd_ctx_equal(&res.old, &old));

	stores = fake_count(f, EV_STORE);
	if (p->cx16) {
		check_states(test, f, SID_DEV, &old, &new, ALLOW_OLD_NEW, NULL,
			     NULL);
		KUNIT_EXPECT_EQ(test, stores, 1);
		KUNIT_EXPECT_EQ(test, res.path, VTD_PATH_CX16);
	} else {
		check_states(test, f, SID_DEV, &old, &new, ALLOW_NOT_PRESENT,
			     &np, NULL);
		/* clear present, hi: both non-present; lo: the new entry. */
		KUNIT_EXPECT_EQ(test, stores, 3);
		KUNIT_EXPECT_EQ(test, np, 2);
		KUNIT_EXPECT_EQ(test, res.path, VTD_PATH_CLEAR_PRESENT);
	}
	/* The last store made the new entry; no store after a flush. */
	KUNIT_EXPECT_EQ(test, f->ev[stores - 1].type, EV_STORE);
	KUNIT_EXPECT_TRUE(test, vtd_ctx_equal(&f->ev[stores - 1].seen, &new));
	/* A non-coherent unit gets every store written back. */
	KUNIT_EXPECT_EQ(test, f->cache_flushes, p->var ? 0 : stores);
	KUNIT_EXPECT_FALSE(test, res.warned);
	KUNIT_EXPECT_EQ(test, f->u.stats.replaced, 1);
}

/* RMRR devices: never non-present; without CX16 the one documented mix. */
static void core_replace_rmrr(struct kunit *test)
{
	const struct core_param *p = param(test);
	struct fake_iommu *f = fake_new(test, p->cx16);
	struct vtd_ctx_entry old, new;
	struct vtd_replace_res res;
	unsigned int np, mixed;
	bool warn = !p->cx16 && !p->flags;

	fake_assign(test, f, SID_DEV, &dom_a);
	old = fake_read(f, SID_DEV);
	KUNIT_EXPECT_EQ(test, vtd_map_one(&f->u, &dom_c, 0, SID_DEV & 0xff,
					  VTD_MAP_WITH_RMRR | p->flags, true,
					  false, NULL, &res), 1);
	new = fake_read(f, SID_DEV);
	KUNIT_EXPECT_EQ(test, vtd_ctx_did(&new), 2);
	KUNIT_EXPECT_EQ(test, vtd_ctx_pgtable(&new), dom_c.pgd);
	if (p->cx16) {
		check_states(test, f, SID_DEV, &old, &new, ALLOW_OLD_NEW, NULL,
			     NULL);
		KUNIT_EXPECT_EQ(test, res.path, VTD_PATH_CX16);
	} else {
		check_states(test, f, SID_DEV, &old, &new, ALLOW_MIXED, &np,
			     &mixed);
		KUNIT_EXPECT_EQ(test, fake_count(f, EV_STORE), 2);
		KUNIT_EXPECT_EQ(test, mixed, 1);
		KUNIT_EXPECT_EQ(test, res.path, VTD_PATH_BEST_EFFORT);
	}
	KUNIT_EXPECT_EQ(test, res.warned, warn);
	KUNIT_EXPECT_EQ(test, f->u.stats.mixed_warnings, warn ? 1 : 0);
	KUNIT_EXPECT_EQ(test, f->u.stats.best_effort_refused, 0);
}

/*
 * Without CX16 the best effort writes a mixed state only between entries of
 * the same address width with fault processing enabled; otherwise -EINVAL
 * and nothing is written or flushed. With CX16 both moves are one store.
 */
static void core_replace_rmrr_refused(struct kunit *test)
{
	const struct core_param *p = param(test);
	struct fake_iommu *f = fake_new(test, p->cx16);
	struct vtd_ctx_entry old;
	struct vtd_replace_res res;
	int expect = p->cx16 ? 1 : -EINVAL;

	/* A (AW 1) -> B (AW 2): new tables would be walked with 3 levels. */
	fake_assign(test, f, SID_DEV, &dom_a);
	old = fake_read(f, SID_DEV);
	KUNIT_EXPECT_EQ(test, vtd_map_one(&f->u, &dom_b, 0, SID_DEV & 0xff,
					  VTD_MAP_WITH_RMRR |
					  VTD_MAP_SINGLE_DEVICE, true, false,
					  NULL, &res), expect);
	if (p->cx16) {
		KUNIT_EXPECT_EQ(test, res.path, VTD_PATH_CX16);
		KUNIT_EXPECT_EQ(test, vtd_ctx_did(fake_entry(f, SID_DEV)), 2);
	} else {
		KUNIT_EXPECT_TRUE(test, vtd_ctx_equal(fake_entry(f, SID_DEV),
						      &old));
		KUNIT_EXPECT_EQ(test, f->nr_ev, 0);
		KUNIT_EXPECT_NULL(test, vtd_did_owner(&f->u, 2));
		KUNIT_EXPECT_EQ(test, vtd_did_refs(&f->u, 1), 1);
		KUNIT_EXPECT_EQ(test, f->u.stats.best_effort_refused, 1);
		KUNIT_EXPECT_EQ(test, f->u.stats.replaced, 0);
	}

	/* An entry with fault processing disabled (not the core's) -> C. */
	fake_reset_log(f);
	fake_assign(test, f, SID_DEV2, &dom_a);
	fake_entry(f, SID_DEV2)->lo |= VTD_CTX_LO_FPD;
	old = fake_read(f, SID_DEV2);
	KUNIT_EXPECT_EQ(test, vtd_map_one(&f->u, &dom_c, 0, SID_DEV2 & 0xff,
					  VTD_MAP_WITH_RMRR |
					  VTD_MAP_OWNER_DYING, true, false,
					  NULL, &res), expect);
	if (p->cx16) {
		KUNIT_EXPECT_EQ(test, res.path, VTD_PATH_CX16);
		KUNIT_EXPECT_EQ(test, vtd_ctx_pgtable(fake_entry(f, SID_DEV2)),
				dom_c.pgd);
	} else {
		KUNIT_EXPECT_TRUE(test, vtd_ctx_equal(fake_entry(f, SID_DEV2),
						      &old));
		KUNIT_EXPECT_EQ(test, f->nr_ev, 0);
		KUNIT_EXPECT_EQ(test, f->u.stats.best_effort_refused, 2);
		KUNIT_EXPECT_EQ(test, f->u.stats.mixed_warnings, 0);
	}

	/* Not RMRR: the clear-present fallback never mixes, no check. */
	if (!p->cx16) {
		fake_reset_log(f);
		KUNIT_EXPECT_EQ(test, vtd_map_one(&f->u, &dom_b, 0,
						  SID_DEV & 0xff, 0, true,
						  false, NULL, &res), 1);
		KUNIT_EXPECT_EQ(test, res.path, VTD_PATH_CLEAR_PRESENT);
		KUNIT_EXPECT_EQ(test, f->u.stats.best_effort_refused, 2);
	}
}

/* Invalidation after the store, with the old DID, which is freed after. */
static void core_inval_order(struct kunit *test)
{
	const struct core_param *p = param(test);
	struct fake_iommu *f = fake_new(test, p->cx16);
	struct vtd_replace_res res;
	bool ats = p->var;
	unsigned int i, stores, n = ats ? 3 : 2;

	fake_assign(test, f, SID_DEV, &dom_a);
	fake_assign(test, f, SID_DEV2, &dom_a);
	KUNIT_ASSERT_EQ(test, vtd_did_refs(&f->u, 1), 2);

	/* First device moves: DID 1 still used by the second one. */
	KUNIT_EXPECT_EQ(test, vtd_map_one(&f->u, &dom_b, 0, SID_DEV & 0xff, 0,
					  true, ats, NULL, &res), 1);
	stores = fake_count(f, EV_STORE);
	KUNIT_ASSERT_EQ(test, f->nr_ev, stores + n);
	for (i = 0; i < stores; i++)
		KUNIT_EXPECT_EQ(test, f->ev[i].type, EV_STORE);
	KUNIT_EXPECT_EQ(test, f->ev[stores].type, EV_CC);
	KUNIT_EXPECT_EQ(test, f->ev[stores].did, 1);
	KUNIT_EXPECT_EQ(test, f->ev[stores].sid, SID_DEV);
	KUNIT_EXPECT_EQ(test, f->ev[stores].fm, 0);
	KUNIT_EXPECT_EQ(test, f->ev[stores].gran, VTD_CC_DEVICE);
	KUNIT_EXPECT_EQ(test, f->ev[stores + 1].type, EV_IOTLB);
	KUNIT_EXPECT_EQ(test, f->ev[stores + 1].did, 1);
	KUNIT_EXPECT_EQ(test, f->ev[stores + 1].gran, VTD_IOTLB_DOMAIN);
	if (ats) {
		KUNIT_EXPECT_EQ(test, f->ev[stores + 2].type, EV_DEVTLB);
		KUNIT_EXPECT_EQ(test, f->ev[stores + 2].sid, SID_DEV);
		KUNIT_EXPECT_EQ(test, vtd_ctx_tt(fake_entry(f, SID_DEV)),
				VTD_TT_DEV_IOTLB);
	}
	for (i = stores; i < f->nr_ev; i++)
		KUNIT_EXPECT_TRUE(test, f->ev[i].did_allocated);
	KUNIT_EXPECT_EQ(test, res.invs, n);
	KUNIT_EXPECT_EQ(test, res.old_did, 1);
	KUNIT_EXPECT_PTR_EQ(test, vtd_did_owner(&f->u, 1), &dom_a);
	KUNIT_EXPECT_EQ(test, vtd_did_refs(&f->u, 1), 1);

	/* Second device moves: DID 1 flushed while allocated, then freed. */
	fake_reset_log(f);
	KUNIT_EXPECT_EQ(test, vtd_map_one(&f->u, &dom_b, 0, SID_DEV2 & 0xff, 0,
					  true, ats, NULL, &res), 1);
	stores = fake_count(f, EV_STORE);
	KUNIT_ASSERT_EQ(test, f->nr_ev, stores + n);
	KUNIT_EXPECT_EQ(test, f->ev[stores].did, 1);
	KUNIT_EXPECT_TRUE(test, f->ev[stores].did_allocated);
	KUNIT_EXPECT_TRUE(test, f->ev[stores + 1].did_allocated);
	KUNIT_EXPECT_NULL(test, vtd_did_owner(&f->u, 1));
	KUNIT_EXPECT_PTR_EQ(test, vtd_did_owner(&f->u, 2), &dom_b);
	KUNIT_EXPECT_EQ(test, vtd_did_refs(&f->u, 2), 2);
}

/* Same owner again: no store, no flush; 1 for the device, 0 for an alias. */
static void core_noop(struct kunit *test)
{
	const struct core_param *p = param(test);
	struct fake_iommu *f = fake_new(test, p->cx16);
	struct vtd_ctx_entry old;

	fake_assign(test, f, SID_DEV, &dom_a);
	old = fake_read(f, SID_DEV);
	KUNIT_EXPECT_EQ(test, vtd_map_one(&f->u, &dom_a, 0, SID_DEV & 0xff, 0,
					  true, false, NULL, NULL), 1);
	KUNIT_EXPECT_EQ(test, vtd_map_one(&f->u, &dom_a, 0, SID_DEV & 0xff, 0,
					  false, false, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, f->nr_ev, 0);
	KUNIT_EXPECT_TRUE(test, vtd_ctx_equal(fake_entry(f, SID_DEV), &old));
	KUNIT_EXPECT_EQ(test, vtd_did_refs(&f->u, 1), 1);
}

/* Someone changed the entry behind the lock: -EILSEQ, nothing written. */
static void core_mismatch(struct kunit *test)
{
	const struct core_param *p = param(test);
	struct fake_iommu *f = fake_new(test, p->cx16);
	struct vtd_ctx_entry old, foreign;
	struct vtd_replace_res res;

	fake_assign(test, f, SID_DEV, &dom_a);
	old = fake_read(f, SID_DEV);
	vtd_ctx_build(&dom_b, 9, false, &foreign);
	f->race = true;
	f->race_sid = SID_DEV;
	f->race_val = foreign;
	KUNIT_EXPECT_EQ(test, vtd_map_one(&f->u, &dom_b, 0, SID_DEV & 0xff, 0,
					  true, false, NULL, &res), -EILSEQ);
	KUNIT_EXPECT_FALSE(test, f->race);
	KUNIT_EXPECT_TRUE(test, vtd_ctx_equal(fake_entry(f, SID_DEV),
					      &foreign));
	KUNIT_EXPECT_TRUE(test, vtd_ctx_equal(&res.old, &old));
	KUNIT_EXPECT_TRUE(test, vtd_ctx_equal(&res.seen, &foreign));
	KUNIT_EXPECT_EQ(test, res.path, VTD_PATH_NONE);
	KUNIT_EXPECT_EQ(test, f->nr_ev, 0);
	KUNIT_EXPECT_EQ(test, f->u.stats.mismatches, 1);
	/* B's DID was given back, A's kept. */
	KUNIT_EXPECT_NULL(test, vtd_did_owner(&f->u, 2));
	KUNIT_EXPECT_EQ(test, vtd_did_refs(&f->u, 1), 1);
}

/* An invalidation times out once: the entry goes back, hitlessly. */
static void core_inval_timeout_rollback(struct kunit *test)
{
	const struct core_param *p = param(test);
	struct fake_iommu *f = fake_new(test, p->cx16);
	struct vtd_ctx_entry old, new;
	unsigned int last_cc = 0, i;

	fake_assign(test, f, SID_DEV, &dom_a);
	old = fake_read(f, SID_DEV);
	vtd_ctx_build(&dom_b, 2, false, &new);
	f->fail_type = p->var ? EV_IOTLB : EV_CC;
	f->fail_times = 1;
	KUNIT_EXPECT_EQ(test, vtd_map_one(&f->u, &dom_b, 0, SID_DEV & 0xff, 0,
					  true, false, NULL, NULL), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, f->fail_times, 0);
	KUNIT_EXPECT_TRUE(test, vtd_ctx_equal(fake_entry(f, SID_DEV), &old));
	check_states(test, f, SID_DEV, &old, &new,
		     p->cx16 ? ALLOW_OLD_NEW : ALLOW_NOT_PRESENT, NULL, NULL);
	/* The undo flushed the DID it replaced: B's. */
	for (i = 0; i < f->nr_ev; i++)
		if (f->ev[i].type == EV_CC)
			last_cc = i;
	KUNIT_EXPECT_EQ(test, fake_count(f, EV_CC), 2);
	KUNIT_EXPECT_EQ(test, f->ev[last_cc].did, 2);
	KUNIT_EXPECT_EQ(test, f->u.stats.recursions, 1);
	KUNIT_EXPECT_EQ(test, f->u.stats.dids_pinned, 0);
	KUNIT_EXPECT_PTR_EQ(test, vtd_did_owner(&f->u, 1), &dom_a);
	KUNIT_EXPECT_EQ(test, vtd_did_refs(&f->u, 1), 1);
	KUNIT_EXPECT_NULL(test, vtd_did_owner(&f->u, 2));

	/* Caching mode, first assignment: the undo makes it non-present. */
	fake_reset_log(f);
	f->u.caching_mode = true;
	f->fail_times = 1;
	KUNIT_EXPECT_EQ(test, vtd_map_one(&f->u, &dom_b, 0, SID_DEV2 & 0xff, 0,
					  true, false, NULL, NULL), -ETIMEDOUT);
	KUNIT_EXPECT_FALSE(test, vtd_ctx_present(fake_entry(f, SID_DEV2)));
	KUNIT_EXPECT_NULL(test, vtd_did_owner(&f->u, 2));
	KUNIT_EXPECT_EQ(test, f->u.stats.recursions, 2);
}

/* Invalidation never completes: one undo only, the entry is back. */
static void core_inval_timeout_persistent(struct kunit *test)
{
	const struct core_param *p = param(test);
	struct fake_iommu *f = fake_new(test, p->cx16);
	struct vtd_ctx_entry old;

	fake_assign(test, f, SID_DEV, &dom_a);
	old = fake_read(f, SID_DEV);
	f->fail_type = EV_CC;
	f->fail_times = 1000;
	KUNIT_EXPECT_EQ(test, vtd_map_one(&f->u, &dom_b, 0, SID_DEV & 0xff, 0,
					  true, false, NULL, NULL), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, f->fail_times, 998);
	KUNIT_EXPECT_EQ(test, f->u.stats.recursions, 1);
	KUNIT_EXPECT_TRUE(test, vtd_ctx_equal(fake_entry(f, SID_DEV), &old));
	KUNIT_EXPECT_PTR_EQ(test, vtd_did_owner(&f->u, 1), &dom_a);
	KUNIT_EXPECT_EQ(test, vtd_did_refs(&f->u, 1), 1);
	/* B's DID was never flushed: kept out of reuse. */
	KUNIT_EXPECT_PTR_EQ(test, vtd_did_owner(&f->u, 2), &dom_b);
	KUNIT_EXPECT_EQ(test, f->u.stats.dids_pinned, 1);
}

/* A device behind a PCIe-to-PCI bridge, with a phantom function. */
static void fake_dev(struct fake_iommu *f, struct vtd_dev *dev)
{
	memset(dev, 0, sizeof(*dev));
	dev->iommu = &f->u;
	dev->rid = (struct vtd_rid){ .bus = 2, .devfn = PCI_DEVFN(1, 0) };
	dev->alias[0] = (struct vtd_rid){ .bus = 1, .devfn = PCI_DEVFN(0, 0),
					  .kind = VTD_ALIAS_BRIDGE };
	dev->alias[1] = (struct vtd_rid){ .bus = 2, .devfn = PCI_DEVFN(0, 0),
					  .kind = VTD_ALIAS_SECBUS };
	dev->alias[2] = (struct vtd_rid){ .bus = 2, .devfn = PCI_DEVFN(1, 1),
					  .kind = VTD_ALIAS_PHANTOM };
	dev->nr_aliases = 3;
}

static u16 rid_sid(const struct vtd_rid *r)
{
	return PCI_DEVID(r->bus, r->devfn);
}

static void fake_snapshot(struct fake_iommu *f, const struct vtd_dev *dev,
			  struct vtd_ctx_entry *e)
{
	unsigned int i;

	e[0] = fake_read(f, rid_sid(&dev->rid));
	for (i = 0; i < dev->nr_aliases; i++)
		e[i + 1] = fake_read(f, rid_sid(&dev->alias[i]));
}

static void expect_snapshot(struct kunit *test, struct fake_iommu *f,
			    const struct vtd_dev *dev,
			    const struct vtd_ctx_entry *e)
{
	struct vtd_ctx_entry now[VTD_MAX_ALIASES + 1];
	unsigned int i;

	fake_snapshot(f, dev, now);
	for (i = 0; i <= dev->nr_aliases; i++)
		KUNIT_EXPECT_TRUE_MSG(test, vtd_ctx_equal(&now[i], &e[i]),
				      "entry %u changed", i);
}

/* All requester ids move; each one hitlessly. */
static void core_move_aliases(struct kunit *test)
{
	const struct core_param *p = param(test);
	struct fake_iommu *f = fake_new(test, p->cx16);
	struct vtd_ctx_entry before[VTD_MAX_ALIASES + 1];
	struct vtd_ctx_entry after[VTD_MAX_ALIASES + 1];
	struct vtd_dev dev;
	unsigned int i;

	fake_dev(f, &dev);
	KUNIT_ASSERT_EQ(test, vtd_dev_move(&dev, &dom_a), 0);
	KUNIT_EXPECT_PTR_EQ(test, dev.owner, &dom_a);
	fake_snapshot(f, &dev, before);
	for (i = 0; i <= dev.nr_aliases; i++) {
		KUNIT_EXPECT_TRUE(test, vtd_ctx_present(&before[i]));
		KUNIT_EXPECT_EQ(test, vtd_ctx_did(&before[i]), 1);
	}
	KUNIT_EXPECT_EQ(test, vtd_did_refs(&f->u, 1), 4);

	fake_reset_log(f);
	KUNIT_ASSERT_EQ(test, vtd_dev_move(&dev, &dom_b), 0);
	KUNIT_EXPECT_PTR_EQ(test, dev.owner, &dom_b);
	fake_snapshot(f, &dev, after);
	for (i = 0; i <= dev.nr_aliases; i++) {
		u16 sid = i ? rid_sid(&dev.alias[i - 1]) : rid_sid(&dev.rid);

		KUNIT_EXPECT_EQ(test, vtd_ctx_did(&after[i]), 2);
		KUNIT_EXPECT_EQ(test, vtd_ctx_pgtable(&after[i]), dom_b.pgd);
		check_states(test, f, sid, &before[i], &after[i],
			     p->cx16 ? ALLOW_OLD_NEW : ALLOW_NOT_PRESENT,
			     NULL, NULL);
	}
	KUNIT_EXPECT_EQ(test, fake_count(f, EV_CC), 4);
	KUNIT_EXPECT_NULL(test, vtd_did_owner(&f->u, 1));
	KUNIT_EXPECT_EQ(test, vtd_did_refs(&f->u, 2), 4);
	KUNIT_EXPECT_EQ(test, f->u.stats.rollbacks, 0);
}

/* The second alias fails: everything goes back, one undo each. */
static void core_move_second_alias_fails(struct kunit *test)
{
	const struct core_param *p = param(test);
	struct fake_iommu *f = fake_new(test, p->cx16);
	struct vtd_ctx_entry before[VTD_MAX_ALIASES + 1];
	struct vtd_dev dev;

	fake_dev(f, &dev);
	KUNIT_ASSERT_EQ(test, vtd_dev_move(&dev, &dom_a), 0);
	fake_snapshot(f, &dev, before);
	fake_reset_log(f);

	/* Timeout once on the second alias. */
	f->fail_type = EV_CC;
	f->fail_sid = rid_sid(&dev.alias[1]);
	f->fail_times = 1;
	KUNIT_EXPECT_EQ(test, vtd_dev_move(&dev, &dom_b), -ETIMEDOUT);
	expect_snapshot(test, f, &dev, before);
	KUNIT_EXPECT_PTR_EQ(test, dev.owner, &dom_a);
	KUNIT_EXPECT_EQ(test, f->u.stats.recursions, 1);
	KUNIT_EXPECT_EQ(test, f->u.stats.rollbacks, 2);
	KUNIT_EXPECT_EQ(test, vtd_did_refs(&f->u, 1), 4);
	KUNIT_EXPECT_NULL(test, vtd_did_owner(&f->u, 2));
	/* The phantom alias after it was never touched. */
	KUNIT_EXPECT_EQ(test, f->u.stats.replaced, 2 + 1 + 3);

	/* Timeout forever on the second alias: still one undo, all back. */
	f->fail_times = 1000;
	KUNIT_EXPECT_EQ(test, vtd_dev_move(&dev, &dom_b), -ETIMEDOUT);
	expect_snapshot(test, f, &dev, before);
	KUNIT_EXPECT_EQ(test, f->fail_times, 998);
	KUNIT_EXPECT_EQ(test, f->u.stats.recursions, 2);
	KUNIT_EXPECT_EQ(test, f->u.stats.rollbacks, 4);
	KUNIT_EXPECT_EQ(test, vtd_did_refs(&f->u, 1), 4);

	/* A racing writer on the second alias: -EILSEQ, the rest goes back. */
	fake_reset_log(f);
	f->fail_times = 0;
	f->race = true;
	f->race_sid = rid_sid(&dev.alias[1]);
	f->race_val = before[2];
	f->race_val.lo |= VTD_CTX_LO_FPD;
	KUNIT_EXPECT_EQ(test, vtd_dev_move(&dev, &dom_b), -EILSEQ);
	before[2] = f->race_val;
	expect_snapshot(test, f, &dev, before);
	KUNIT_EXPECT_EQ(test, f->u.stats.recursions, 2);
	KUNIT_EXPECT_EQ(test, f->u.stats.rollbacks, 6);
}

/* An RMRR device behind a PCI bridge cannot change owners. */
static void core_move_rmrr_bridge(struct kunit *test)
{
	const struct core_param *p = param(test);
	struct fake_iommu *f = fake_new(test, p->cx16);
	struct vtd_ctx_entry before[VTD_MAX_ALIASES + 1];
	struct vtd_dev dev;

	fake_dev(f, &dev);
	dev.rmrr = true;
	/* First assignment is fine. */
	KUNIT_ASSERT_EQ(test, vtd_dev_move(&dev, &dom_a), 0);
	fake_snapshot(f, &dev, before);
	fake_reset_log(f);
	KUNIT_EXPECT_EQ(test, vtd_dev_move(&dev, &dom_b), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, f->nr_ev, 0);
	expect_snapshot(test, f, &dev, before);
	KUNIT_EXPECT_PTR_EQ(test, dev.owner, &dom_a);
	/* Same owner again is not a move. */
	KUNIT_EXPECT_EQ(test, vtd_dev_move(&dev, &dom_a), 0);

	/* Without the bridge (phantom only) it moves, never non-present. */
	dev.alias[0] = dev.alias[2];
	dev.nr_aliases = 1;
	fake_snapshot(f, &dev, before);
	fake_reset_log(f);
	KUNIT_EXPECT_EQ(test, vtd_dev_move(&dev, &dom_c), 0);
	check_states(test, f, rid_sid(&dev.rid), &before[0],
		     fake_entry(f, rid_sid(&dev.rid)),
		     p->cx16 ? ALLOW_OLD_NEW : ALLOW_MIXED, NULL, NULL);
	/* Phantoms share the old DID: no SINGLE_DEVICE, so it warns. */
	KUNIT_EXPECT_EQ(test, f->u.stats.mixed_warnings, p->cx16 ? 0 : 2);
}

/* The DID in the entry has no owner: -ESRCH, untouched. */
static void core_unknown_did(struct kunit *test)
{
	const struct core_param *p = param(test);
	struct fake_iommu *f = fake_new(test, p->cx16);
	struct vtd_ctx_entry stray;

	vtd_ctx_build(&dom_a, 7, false, &stray);
	*fake_entry(f, SID_DEV) = stray;
	KUNIT_EXPECT_EQ(test, vtd_map_one(&f->u, &dom_b, 0, SID_DEV & 0xff, 0,
					  true, false, NULL, NULL), -ESRCH);
	KUNIT_EXPECT_TRUE(test, vtd_ctx_equal(fake_entry(f, SID_DEV), &stray));
	KUNIT_EXPECT_EQ(test, f->nr_ev, 0);
	KUNIT_EXPECT_NULL(test, vtd_did_owner(&f->u, 2));
	/* Out-of-range bus: the back end has no table. */
	KUNIT_EXPECT_EQ(test, vtd_map_one(&f->u, &dom_b, FAKE_BUSES, 0, 0,
					  true, false, NULL, NULL), -ENODEV);
}

static struct kunit_case vtd_reassign_core_cases[] = {
	KUNIT_CASE(core_ctx_encode_decode),
	KUNIT_CASE(core_did_alloc),
	KUNIT_CASE_PARAM(core_fresh, cx16_gen_params),
	KUNIT_CASE_PARAM(core_replace_hitless, coherent_gen_params),
	KUNIT_CASE_PARAM(core_replace_rmrr, rmrr_gen_params),
	KUNIT_CASE_PARAM(core_replace_rmrr_refused, cx16_gen_params),
	KUNIT_CASE_PARAM(core_inval_order, ats_gen_params),
	KUNIT_CASE_PARAM(core_noop, cx16_gen_params),
	KUNIT_CASE_PARAM(core_mismatch, cx16_gen_params),
	KUNIT_CASE_PARAM(core_inval_timeout_rollback, fail_gen_params),
	KUNIT_CASE_PARAM(core_inval_timeout_persistent, cx16_gen_params),
	KUNIT_CASE_PARAM(core_move_aliases, cx16_gen_params),
	KUNIT_CASE_PARAM(core_move_second_alias_fails, cx16_gen_params),
	KUNIT_CASE_PARAM(core_move_rmrr_bridge, cx16_gen_params),
	KUNIT_CASE_PARAM(core_unknown_did, cx16_gen_params),
	{}
};

static struct kunit_suite vtd_reassign_core_suite = {
	.name = "vtd_reassign_core",
	.test_cases = vtd_reassign_core_cases,
};

kunit_test_suite(vtd_reassign_core_suite);

MODULE_DESCRIPTION("KUnit tests for the vtd_reassign core");
MODULE_LICENSE("GPL");
