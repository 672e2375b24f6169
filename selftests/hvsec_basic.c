// SPDX-License-Identifier: GPL-2.0
/*
 * hvsec_basic: the three modules are loaded and describe the hardware they
 * found through debugfs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "hvsec_util.h"

TEST(tpm12_drtm_status)
{
	char *s = slurp("/sys/kernel/debug/tpm12_drtm/status");

	ASSERT_NE(NULL, s);
	/* QEMU's tpm-tis identifies as vendor 0x1014 (IBM). */
	EXPECT_NE(NULL, strstr(s, "vendor: 0x1014\n")) TH_LOG("%s", s);
	/* Other selftests may have logged events: at least the header. */
	ASSERT_NE(NULL, strstr(s, "evlog_used: ")) TH_LOG("%s", s);
	EXPECT_LE(48, atoi(strstr(s, "evlog_used: ") + 12)) TH_LOG("%s", s);
}

TEST(vtd_reassign_units)
{
	char *s = slurp("/sys/kernel/debug/vtd_reassign/units");

	ASSERT_NE(NULL, s);
	EXPECT_NE(NULL, strstr(s, "dmar0: base=0xfed90000")) TH_LOG("%s", s);
}

TEST(vtd_reassign_contexts)
{
	char *s = slurp("/sys/kernel/debug/vtd_reassign/contexts");

	ASSERT_NE(NULL, s);
	/* Linux's intel-iommu has attached every device: entries present. */
	EXPECT_NE(NULL, strstr(s, "did=")) TH_LOG("%s", s);
	EXPECT_EQ(NULL, strstr(s, "error")) TH_LOG("%s", s);
}

TEST(ring3_exec_msrs)
{
	unsigned long long lstar = 0;
	int n;
	char *s = slurp("/sys/kernel/debug/ring3_exec/msrs");

	ASSERT_NE(NULL, s);
	n = sscanf(s, "lstar: %llx", &lstar);
	ASSERT_EQ(1, n);
	/* Linux's entry_SYSCALL_64 is a kernel text address. */
	EXPECT_EQ(0xffffffffULL, lstar >> 32);
}

TEST_HARNESS_MAIN
