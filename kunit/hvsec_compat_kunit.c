// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for include/hvsec/compat.h: the helpers whose answer depends on
 * the running kernel (IBT's ENDBR check, the kallsyms lookup).
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/types.h>
#include <hvsec/compat.h>

/* Instruction bytes, as they sit in memory. */
static const u8 endbr64_insn[4] __aligned(4) = { 0xf3, 0x0f, 0x1e, 0xfa };
static const u8 endbr32_insn[4] __aligned(4) = { 0xf3, 0x0f, 0x1e, 0xfb };
/* What boot writes over a sealed ENDBR: 6.1 to 6.12, and 6.13 on. */
static const u8 seal_poison_6[4] __aligned(4) = { 0x66, 0x0f, 0x1f, 0x00 };
static const u8 seal_poison_7[4] __aligned(4) = { 0x0f, 0x1f, 0x40, 0xd6 };
static const u8 nop4_insn[4] __aligned(4) = { 0x0f, 0x1f, 0x40, 0x00 };

/* Only ENDBR64 is a target for an indirect call, and only with kernel IBT. */
static void compat_endbr_encoding(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hvsec_is_endbr(endbr64_insn),
			IS_ENABLED(CONFIG_X86_KERNEL_IBT));
	KUNIT_EXPECT_FALSE(test, hvsec_is_endbr(endbr32_insn));
	KUNIT_EXPECT_FALSE(test, hvsec_is_endbr(nop4_insn));
}

/*
 * A sealed ENDBR is no call target: the kernel's is_endbr() says yes to
 * both poisons, hvsec_is_endbr() must say no.
 */
static void compat_endbr_sealed(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, hvsec_is_endbr(seal_poison_6));
	KUNIT_EXPECT_FALSE(test, hvsec_is_endbr(seal_poison_7));
#ifdef CONFIG_X86_KERNEL_IBT
	{
		u32 poison = gen_endbr_poison();

		KUNIT_EXPECT_FALSE(test, hvsec_is_endbr(&poison));
	}
#endif
}

/*
 * A function whose address is taken (this one, from the case table) keeps
 * its ENDBR when the module is sealed at load.
 */
static void compat_endbr_own_function(struct kunit *test)
{
	void (*fn)(struct kunit *test) = compat_endbr_own_function;

	KUNIT_EXPECT_EQ(test, hvsec_is_endbr((void *)fn),
			IS_ENABLED(CONFIG_X86_KERNEL_IBT));
}

/*
 * hvsec_kallsyms_lookup_fn() gives a callable kallsyms_lookup_name(): at its
 * ENDBR, or (sealed, on a CPU that does not enforce IBT) right after it.
 */
static void compat_kallsyms_lookup(struct kunit *test)
{
	hvsec_kallsyms_fn lookup = hvsec_kallsyms_lookup_fn();
	unsigned long addr;

	if (IS_ERR(lookup)) {
		KUNIT_EXPECT_EQ(test, PTR_ERR(lookup), -EOPNOTSUPP);
		KUNIT_EXPECT_TRUE(test, cpu_feature_enabled(X86_FEATURE_IBT));
		return;
	}
	addr = lookup("kallsyms_lookup_name");
	KUNIT_ASSERT_NE(test, addr, 0UL);
	if (hvsec_is_endbr((void *)addr)) {
		KUNIT_EXPECT_EQ(test, (unsigned long)lookup, addr);
	} else {
		KUNIT_EXPECT_FALSE(test, cpu_feature_enabled(X86_FEATURE_IBT));
		KUNIT_EXPECT_EQ(test, (unsigned long)lookup,
				addr + ENDBR_INSN_SIZE);
	}
	KUNIT_EXPECT_EQ(test, lookup("hvsec_no_such_symbol"), 0UL);
}

static struct kunit_case hvsec_compat_cases[] = {
	KUNIT_CASE(compat_endbr_encoding),
	KUNIT_CASE(compat_endbr_sealed),
	KUNIT_CASE(compat_endbr_own_function),
	KUNIT_CASE(compat_kallsyms_lookup),
	{}
};

static struct kunit_suite hvsec_compat_suite = {
	.name = "hvsec_compat",
	.test_cases = hvsec_compat_cases,
};

kunit_test_suite(hvsec_compat_suite);

MODULE_DESCRIPTION("KUnit tests for hvsec's kernel compatibility helpers");
MODULE_LICENSE("GPL");
