// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for vtd_reassign's context-entry model.
 */
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/module.h>
#include <hvsec/compat.h>
#include <hvsec/vtd_reassign.h>

static void ctx_set_did_replaces(struct kunit *test)
{
	struct vtd_ctx_entry e = { .lo = VTD_CTX_LO_PRESENT, .hi = 0 };

	vtd_ctx_set_aw(&e, 1);
	vtd_ctx_set_did(&e, 0x00ff);
	KUNIT_EXPECT_EQ(test, vtd_ctx_did(&e), 0x00ff);
	/* OR-ing 0xff00 into 0x00ff would give 0xffff: it must replace. */
	vtd_ctx_set_did(&e, 0xff00);
	KUNIT_EXPECT_EQ(test, vtd_ctx_did(&e), 0xff00);
	KUNIT_EXPECT_EQ(test, vtd_ctx_aw(&e), 1);
	KUNIT_EXPECT_EQ(test, e.hi, 0xff0001ULL);
}

static void ctx_fields_roundtrip(struct kunit *test)
{
	struct vtd_ctx_entry e = {};
	char buf[96];

	vtd_ctx_format(&e, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, "not-present");

	e.lo = VTD_CTX_LO_PRESENT;
	vtd_ctx_set_pgtable(&e, 0x123456789000ULL | 0xfff);
	vtd_ctx_set_tt(&e, VTD_TT_PASS_THROUGH);
	vtd_ctx_set_aw(&e, 2);
	vtd_ctx_set_did(&e, 7);
	KUNIT_EXPECT_EQ(test, vtd_ctx_pgtable(&e), 0x123456789000ULL);
	KUNIT_EXPECT_EQ(test, vtd_ctx_tt(&e), VTD_TT_PASS_THROUGH);
	KUNIT_EXPECT_TRUE(test, vtd_ctx_present(&e));
	vtd_ctx_set_tt(&e, VTD_TT_MULTI_LEVEL);
	KUNIT_EXPECT_EQ(test, e.lo, 0x123456789001ULL);
	vtd_ctx_format(&e, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, "did=7 tt=0 aw=2 pgtable=0x123456789000");
}

static struct kunit_case vtd_reassign_ctx_cases[] = {
	KUNIT_CASE(ctx_set_did_replaces),
	KUNIT_CASE(ctx_fields_roundtrip),
	{}
};

static struct kunit_suite vtd_reassign_ctx_suite = {
	.name = "vtd_reassign_ctx",
	.test_cases = vtd_reassign_ctx_cases,
};

kunit_test_suite(vtd_reassign_ctx_suite);

MODULE_DESCRIPTION("KUnit tests for vtd_reassign");
MODULE_LICENSE("GPL");
HVSEC_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
