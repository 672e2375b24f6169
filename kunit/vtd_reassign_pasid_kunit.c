// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for vtd_reassign's scalable-mode PASID-entry writer.
 *
 * A fake IOMMU keeps the entry in memory, records every 128-bit store and
 * every sync, and plays the hardware's reader: a fetch reads the four
 * 128-bit units one at a time, in any order and at any moment, so one fetch
 * may combine units of every state stored since the last sync before it
 * began (a sync waits for fetches already begun). The proof decodes every
 * such combination the way the IOMMU would and requires it to translate
 * exactly as the old entry or exactly as the new one. A deliberately naive
 * writer shows that the proof can fail.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/string.h>
#include <hvsec/vtd_reassign.h>

#define FAKE_STATES	16

struct fake_pasid {
	struct vtd_pasid_entry mem;
	/* states[0] is the initial entry; one state per store after it */
	struct vtd_pasid_entry states[FAKE_STATES];
	unsigned int nstates;
	/* sync_after[k]: a sync completed while the entry was states[k] */
	bool sync_after[FAKE_STATES];
	int fail_store_at;	/* 1-based store that fails, 0: none */
	int fail_sync;
	unsigned int stores;
	struct kunit *test;
};

static int fake_store(void *priv, unsigned int unit, const u64 old[2],
		      const u64 new[2])
{
	struct fake_pasid *f = priv;
	u64 *m = &f->mem.val[2 * unit];

	KUNIT_ASSERT_LT(f->test, unit, (unsigned int)VTD_PE_UNITS);
	if (++f->stores == f->fail_store_at)
		return -EIO;
	if (m[0] != old[0] || m[1] != old[1])
		return -EILSEQ;
	m[0] = new[0];
	m[1] = new[1];
	KUNIT_ASSERT_LT(f->test, f->nstates, (unsigned int)FAKE_STATES);
	f->states[f->nstates++] = f->mem;
	return 0;
}

static int fake_sync(void *priv)
{
	struct fake_pasid *f = priv;

	if (f->fail_sync)
		return f->fail_sync;
	f->sync_after[f->nstates - 1] = true;
	return 0;
}

static const struct vtd_pasid_ops fake_ops = {
	.store = fake_store,
	.sync = fake_sync,
};

/*
 * What the IOMMU does with a request without PASID through @e, decoded
 * from the field layout (not from the writer's notion of used bits).
 */
struct fake_xlate {
	u64 kind;	/* 0 blocked, else PGTT */
	u64 did, root, width, fpd, attrs, rest[5];
};

static void fake_decode(const struct vtd_pasid_entry *e, struct fake_xlate *x)
{
	memset(x, 0, sizeof(*x));
	if (!(e->val[0] & VTD_PE0_P))
		return;
	x->kind = FIELD_GET(VTD_PE0_PGTT, e->val[0]);
	x->did = FIELD_GET(VTD_PE1_DID, e->val[1]);
	x->fpd = e->val[0] & VTD_PE0_FPD;
	x->attrs = e->val[1] & ~VTD_PE1_DID;
	memcpy(x->rest, &e->val[3], sizeof(x->rest));
	switch (x->kind) {
	case VTD_PGTT_SL:
		x->root = e->val[0] & VTD_PE0_SLPTPTR;
		x->width = FIELD_GET(VTD_PE0_AW, e->val[0]);
		break;
	case VTD_PGTT_FL:
		x->root = e->val[2] & VTD_PE2_FLPTPTR;
		x->width = e->val[2] & ~VTD_PE2_FLPTPTR;
		break;
	case VTD_PGTT_NESTED:
		x->root = e->val[2];
		x->width = e->val[0];
		break;
	default:	/* pass-through and reserved types: unit 0 decides */
		x->width = e->val[0];
		break;
	}
}

static bool fake_same(const struct vtd_pasid_entry *a,
		      const struct vtd_pasid_entry *b)
{
	struct fake_xlate xa, xb;

	fake_decode(a, &xa);
	fake_decode(b, &xb);
	return !memcmp(&xa, &xb, sizeof(xa));
}

/*
 * Every fetch the IOMMU could make during the update: for each window of
 * states between two syncs, every choice of one state per unit. Returns the
 * number of combinations that translate as neither @old nor @new.
 */
static unsigned int fake_bad_fetches(struct kunit *test, struct fake_pasid *f,
				     const struct vtd_pasid_entry *old,
				     const struct vtd_pasid_entry *new)
{
	unsigned int lo = 0, hi, bad = 0;

	for (;;) {
		unsigned int n, c[VTD_PE_UNITS] = {}, u;

		for (hi = lo; hi + 1 < f->nstates; )
			if (f->sync_after[++hi])
				break;
		n = hi - lo + 1;
		for (;;) {
			struct vtd_pasid_entry mix;

			for (u = 0; u < VTD_PE_UNITS; u++) {
				mix.val[2 * u] = f->states[lo + c[u]].val[2 * u];
				mix.val[2 * u + 1] = f->states[lo + c[u]].val[2 * u + 1];
			}
			if (!fake_same(&mix, old) && !fake_same(&mix, new)) {
				if (!bad)
					kunit_info(test, "bad fetch: units from states %u %u %u %u\n",
						   lo + c[0], lo + c[1], lo + c[2], lo + c[3]);
				bad++;
			}
			for (u = 0; u < VTD_PE_UNITS && ++c[u] == n; u++)
				c[u] = 0;
			if (u == VTD_PE_UNITS)
				break;
		}
		if (hi + 1 >= f->nstates)
			return bad;
		lo = hi;
	}
}

/* Entries of each type the driver builds (bits they do not use zero). */
static void pe_sl(struct vtd_pasid_entry *e, u16 did, u64 root, u64 aw)
{
	memset(e, 0, sizeof(*e));
	e->val[0] = VTD_PE0_P | FIELD_PREP(VTD_PE0_AW, aw) |
		    FIELD_PREP(VTD_PE0_PGTT, VTD_PGTT_SL) | root;
	e->val[1] = did | BIT_ULL(23);	/* page-walk snoop */
}

static void pe_fl(struct vtd_pasid_entry *e, u16 did, u64 root, u64 flpm)
{
	memset(e, 0, sizeof(*e));
	e->val[0] = VTD_PE0_P | FIELD_PREP(VTD_PE0_PGTT, VTD_PGTT_FL);
	e->val[1] = did | BIT_ULL(23);
	e->val[2] = root | FIELD_PREP(VTD_PE2_FLPM, flpm) | VTD_PE2_SRE;
}

static void pe_pt(struct vtd_pasid_entry *e, u16 did)
{
	memset(e, 0, sizeof(*e));
	e->val[0] = VTD_PE0_P | FIELD_PREP(VTD_PE0_PGTT, VTD_PGTT_PT);
	e->val[1] = did;
}

static void pe_nested(struct vtd_pasid_entry *e, u16 did, u64 sl, u64 fl)
{
	pe_sl(e, did, sl, 2);
	e->val[0] &= ~VTD_PE0_PGTT;
	e->val[0] |= FIELD_PREP(VTD_PE0_PGTT, VTD_PGTT_NESTED);
	e->val[2] = fl | FIELD_PREP(VTD_PE2_FLPM, 1);
}

enum pe_kind { K_NONE, K_SL, K_SL2, K_SL_AW, K_FL, K_FL2, K_FL_SAMEDID,
	       K_PT, K_PT2, K_NESTED, K_NESTED2, K_SL_DIRTY };

static void pe_build(struct vtd_pasid_entry *e, enum pe_kind k)
{
	switch (k) {
	case K_NONE:
		memset(e, 0, sizeof(*e));
		break;
	case K_SL:
		pe_sl(e, 3, 0x100000, 2);
		break;
	case K_SL2:
		pe_sl(e, 4, 0x200000, 2);
		break;
	case K_SL_AW:
		pe_sl(e, 4, 0x200000, 3);
		break;
	case K_FL:
		pe_fl(e, 5, 0x300000, 0);
		break;
	case K_FL2:
		pe_fl(e, 6, 0x400000, 1);
		break;
	case K_FL_SAMEDID:
		pe_fl(e, 5, 0x500000, 0);
		break;
	case K_PT:
		pe_pt(e, 1);
		break;
	case K_PT2:
		pe_pt(e, 2);
		break;
	case K_NESTED:
		pe_nested(e, 7, 0x600000, 0x700000);
		break;
	case K_NESTED2:
		pe_nested(e, 8, 0x800000, 0x900000);
		break;
	case K_SL_DIRTY:	/* a first-level pointer left in an SL entry */
		pe_sl(e, 4, 0x200000, 2);
		e->val[2] = 0xa00000;
		break;
	}
}

struct pasid_case {
	const char *name;
	enum pe_kind from, to;
	int ret;
	unsigned int stores, syncs, critical;
};

static const struct pasid_case pasid_cases[] = {
	/* one 128-bit store: everything that changes lies in unit 0 */
	{ "sl_to_sl", K_SL, K_SL2, 0, 1, 0, BIT(0) },
	{ "sl_to_sl_width", K_SL, K_SL_AW, 0, 1, 0, BIT(0) },
	{ "pt_to_sl", K_PT, K_SL, 0, 1, 0, BIT(0) },
	{ "sl_to_pt", K_SL, K_PT, 0, 1, 0, BIT(0) },
	{ "pt_to_pt", K_PT, K_PT2, 0, 1, 0, BIT(0) },
	/* the first-level pointer goes in first, while SL ignores it */
	{ "sl_to_fl", K_SL, K_FL, 0, 2, 1, BIT(0) },
	{ "pt_to_fl", K_PT, K_FL, 0, 2, 1, BIT(0) },
	/* unit 0 switches first, the stale pointer is cleaned after */
	{ "fl_to_sl", K_FL, K_SL, 0, 2, 1, BIT(0) },
	{ "fl_to_pt", K_FL, K_PT, 0, 2, 1, BIT(0) },
	/* only the pointer changes: unit 1 alone is critical */
	{ "fl_to_fl_same_did", K_FL, K_FL_SAMEDID, 0, 1, 0, BIT(1) },
	/* a fresh entry in one unit: that unit at once */
	{ "none_to_sl", K_NONE, K_SL, 0, 1, 0, BIT(0) },
	/* in two units: all but P, sync, then P */
	{ "none_to_fl", K_NONE, K_FL, 0, 3, 1, BIT(0) },
	{ "sl_to_none", K_SL, K_NONE, 0, 1, 0, BIT(0) },
	{ "same", K_SL, K_SL, 0, 0, 0, 0 },
	/* DID (unit 0) and first-level pointer (unit 1) both change */
	{ "fl_to_fl_refused", K_FL, K_FL2, -EOPNOTSUPP, 0, 0, 0 },
	{ "nested_to_nested_refused", K_NESTED, K_NESTED2, -EOPNOTSUPP, 0, 0, 0 },
	{ "nested_to_fl_refused", K_NESTED, K_FL, -EOPNOTSUPP, 0, 0, 0 },
	/* a target with bits it does not use set is not canonical */
	{ "dirty_target_refused", K_SL, K_SL_DIRTY, -EINVAL, 0, 0, 0 },
};

static void pasid_case_desc(const struct pasid_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pasid, pasid_cases, pasid_case_desc);

static struct fake_pasid *fake_alloc(struct kunit *test)
{
	struct fake_pasid *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	return f;
}

static void fake_init(struct kunit *test, struct fake_pasid *f,
		      const struct vtd_pasid_entry *old)
{
	memset(f, 0, sizeof(*f));
	f->test = test;
	f->mem = *old;
	f->states[0] = *old;
	f->nstates = 1;
}

/*
 * Each change the driver can make: the expected verdict, the counts of
 * stores and syncs, the final entry, and no fetch that is neither old nor
 * new; a refused change stores nothing.
 */
static void pasid_write_hitless(struct kunit *test)
{
	const struct pasid_case *c = test->param_value;
	struct vtd_pasid_entry old, new, cur;
	struct vtd_pasid_result res;
	struct fake_pasid *f = fake_alloc(test);
	int ret;

	pe_build(&old, c->from);
	pe_build(&new, c->to);
	fake_init(test, f, &old);
	cur = old;
	ret = vtd_pasid_write(&fake_ops, f, &cur, &new, &res);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	KUNIT_EXPECT_EQ(test, res.stores, c->stores);
	KUNIT_EXPECT_EQ(test, f->stores, c->stores);
	KUNIT_EXPECT_EQ(test, res.syncs, c->syncs);
	KUNIT_EXPECT_EQ(test, res.critical, c->critical);
	KUNIT_EXPECT_EQ(test, fake_bad_fetches(test, f, &old, &new), 0U);
	KUNIT_EXPECT_MEMEQ(test, &cur, &f->mem, sizeof(cur));
	KUNIT_EXPECT_MEMEQ(test, &f->mem, ret ? &old : &new, sizeof(cur));
}

/* The plan agrees with the writer, and on the refused pairs with the list. */
static void pasid_plan_matches(struct kunit *test)
{
	const struct pasid_case *c = test->param_value;
	struct vtd_pasid_entry old, new;
	unsigned int critical;

	pe_build(&old, c->from);
	pe_build(&new, c->to);
	KUNIT_EXPECT_EQ(test, vtd_pasid_plan(&old, &new, &critical), c->ret);
	if (!c->ret)
		KUNIT_EXPECT_EQ(test, critical, c->critical);
}

/*
 * A store or sync failing at any point leaves an entry that translates as
 * the old or the new one, says what is stored, and no bad fetch on the way.
 */
static void pasid_write_fails_midway(struct kunit *test)
{
	static const enum pe_kind pairs[][2] = {
		{ K_SL, K_FL }, { K_FL, K_SL }, { K_NONE, K_FL }, { K_SL, K_SL2 },
	};
	struct vtd_pasid_entry old, new, cur;
	struct vtd_pasid_result res;
	struct fake_pasid *f = fake_alloc(test);
	unsigned int p, at;
	int ret;

	for (p = 0; p < ARRAY_SIZE(pairs); p++) {
		pe_build(&old, pairs[p][0]);
		pe_build(&new, pairs[p][1]);
		for (at = 1; at <= 3; at++) {
			fake_init(test, f, &old);
			f->fail_store_at = at;
			cur = old;
			ret = vtd_pasid_write(&fake_ops, f, &cur, &new, &res);
			KUNIT_EXPECT_MEMEQ(test, &cur, &f->mem, sizeof(cur));
			KUNIT_EXPECT_TRUE(test, fake_same(&f->mem, &old) ||
					  fake_same(&f->mem, &new));
			KUNIT_EXPECT_EQ(test, fake_bad_fetches(test, f, &old, &new), 0U);
			if (ret)
				KUNIT_EXPECT_EQ(test, ret, -EIO);
			else
				KUNIT_EXPECT_MEMEQ(test, &f->mem, &new, sizeof(new));
		}
		fake_init(test, f, &old);
		f->fail_sync = -ETIMEDOUT;
		cur = old;
		ret = vtd_pasid_write(&fake_ops, f, &cur, &new, &res);
		KUNIT_EXPECT_EQ(test, ret, res.syncs ? -ETIMEDOUT : 0);
		KUNIT_EXPECT_MEMEQ(test, &cur, &f->mem, sizeof(cur));
		KUNIT_EXPECT_TRUE(test, fake_same(&f->mem, &old) ||
				  fake_same(&f->mem, &new));
	}
}

/* A store that finds the entry changed under it ends the write. */
static void pasid_write_entry_changed(struct kunit *test)
{
	struct vtd_pasid_entry old, new, cur;
	struct vtd_pasid_result res;
	struct fake_pasid *f = fake_alloc(test);

	pe_build(&old, K_SL);
	pe_build(&new, K_SL2);
	fake_init(test, f, &old);
	f->mem.val[1] ^= 1;	/* someone else changed the DID */
	cur = old;
	KUNIT_EXPECT_EQ(test, vtd_pasid_write(&fake_ops, f, &cur, &new, &res),
			-EILSEQ);
	KUNIT_EXPECT_EQ(test, res.stores, 0U);
}

/*
 * The proof can fail: writing the units in address order with no sync,
 * as a plain memcpy would, exposes fetches that are neither old nor new.
 */
static void pasid_naive_writer_caught(struct kunit *test)
{
	static const enum pe_kind pairs[][2] = {
		{ K_SL, K_FL }, { K_FL, K_SL }, { K_FL, K_FL2 },
	};
	struct vtd_pasid_entry old, new;
	struct fake_pasid *f = fake_alloc(test);
	unsigned int p, u;

	for (p = 0; p < ARRAY_SIZE(pairs); p++) {
		pe_build(&old, pairs[p][0]);
		pe_build(&new, pairs[p][1]);
		fake_init(test, f, &old);
		for (u = 0; u < VTD_PE_UNITS; u++)
			if (memcmp(&f->mem.val[2 * u], &new.val[2 * u], 16))
				fake_store(f, u, &f->mem.val[2 * u], &new.val[2 * u]);
		KUNIT_EXPECT_GT(test, fake_bad_fetches(test, f, &old, &new), 0U);
	}
}

/* The used bits follow the layout: SL ignores the first-level fields. */
static void pasid_used_bits(struct kunit *test)
{
	struct vtd_pasid_entry e, used;

	pe_build(&e, K_SL);
	vtd_pasid_used(&e, &used);
	KUNIT_EXPECT_EQ(test, used.val[2], 0ULL);
	KUNIT_EXPECT_EQ(test, used.val[0], ~0ULL);
	KUNIT_EXPECT_EQ(test, used.val[1], ~0ULL);
	KUNIT_EXPECT_EQ(test, used.val[3], ~0ULL);
	pe_build(&e, K_FL);
	vtd_pasid_used(&e, &used);
	KUNIT_EXPECT_EQ(test, used.val[2] & VTD_PE2_FLPTPTR, VTD_PE2_FLPTPTR);
	pe_build(&e, K_NONE);
	e.val[2] = 0x1000;
	vtd_pasid_used(&e, &used);
	KUNIT_EXPECT_EQ(test, used.val[0], VTD_PE0_P);
	KUNIT_EXPECT_EQ(test, used.val[2], 0ULL);
	KUNIT_EXPECT_TRUE(test, vtd_pasid_same(&e, &(struct vtd_pasid_entry){}));
}

static struct kunit_case vtd_reassign_pasid_cases[] = {
	KUNIT_CASE_PARAM(pasid_write_hitless, pasid_gen_params),
	KUNIT_CASE_PARAM(pasid_plan_matches, pasid_gen_params),
	KUNIT_CASE(pasid_write_fails_midway),
	KUNIT_CASE(pasid_write_entry_changed),
	KUNIT_CASE(pasid_naive_writer_caught),
	KUNIT_CASE(pasid_used_bits),
	{}
};

static struct kunit_suite vtd_reassign_pasid_suite = {
	.name = "vtd_reassign_pasid",
	.test_cases = vtd_reassign_pasid_cases,
};

kunit_test_suite(vtd_reassign_pasid_suite);

MODULE_DESCRIPTION("KUnit tests for vtd_reassign's PASID-entry writer");
MODULE_LICENSE("GPL");
HVSEC_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
