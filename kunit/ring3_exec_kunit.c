// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for ring3_exec's SYSCALL MSR handling.
 */
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/module.h>
#include <hvsec/compat.h>
#include <linux/preempt.h>
#include <hvsec/ring3_exec.h>

/*
 * Guest-like values loaded in place of the kernel's (as KVM leaves them in
 * an exit path) must read back bit for bit, and the kernel's values must be
 * back afterwards. Interrupts stay off while foreign values are loaded:
 * no SYSCALL can happen on this CPU in between.
 */
static void msrs_exact_roundtrip(struct kunit *test)
{
	struct r3x_syscall_msrs kern, guest = {
		.lstar = 0xffffffff81a00040ULL ^ 0x1000,
		.star = 0x0023001000000000ULL,
		.sfmask = 0x47700,
	}, seen, after;
	unsigned long flags;

	local_irq_save(flags);
	r3x_msrs_save(&kern);
	r3x_msrs_load(&guest);
	r3x_msrs_save(&seen);
	r3x_msrs_load(&kern);
	r3x_msrs_save(&after);
	local_irq_restore(flags);

	KUNIT_EXPECT_EQ(test, seen.lstar, guest.lstar);
	KUNIT_EXPECT_EQ(test, seen.star, guest.star);
	KUNIT_EXPECT_EQ(test, seen.sfmask, guest.sfmask);
	KUNIT_EXPECT_EQ(test, after.lstar, kern.lstar);
	KUNIT_EXPECT_EQ(test, after.star, kern.star);
	KUNIT_EXPECT_EQ(test, after.sfmask, kern.sfmask);
	KUNIT_EXPECT_NE(test, kern.lstar, 0ULL);
}

static void cpu_supported_here(struct kunit *test)
{
	/* The test host (QEMU -cpu max, FRED off) must be supported. */
	KUNIT_EXPECT_EQ(test, r3x_cpu_supported(), 0);
}

static struct kunit_case ring3_exec_msrs_cases[] = {
	KUNIT_CASE(msrs_exact_roundtrip),
	KUNIT_CASE(cpu_supported_here),
	{}
};

static struct kunit_suite ring3_exec_msrs_suite = {
	.name = "ring3_exec_msrs",
	.test_cases = ring3_exec_msrs_cases,
};

kunit_test_suite(ring3_exec_msrs_suite);

MODULE_DESCRIPTION("KUnit tests for ring3_exec");
MODULE_LICENSE("GPL");
HVSEC_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
