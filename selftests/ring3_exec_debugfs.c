// SPDX-License-Identifier: GPL-2.0
/*
 * ring3_exec_debugfs: drive ring3_exec's debugfs "call" file from user
 * space: built-in helpers run at CPL3 and return, faults are contained and
 * reported, bad commands are refused with the right errno; and the C
 * sample helper through "sample" (a parser at CPL3 whose output the kernel
 * checks) and its per-helper and per-instance files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "hvsec_util.h"

#define DIR "/sys/kernel/debug/ring3_exec/"

/* Write @cmd to a fresh open of "call"; 0 or -errno; reply in @out. */
static int call(const char *cmd, char *out, size_t outsz)
{
	return write_read(DIR "call", cmd, out, outsz);
}

/* Does the kernel run with PTI ("pti" in the CPU flags)? */
static int pti_on(void)
{
	char *s = slurp("/proc/cpuinfo");
	char *flags = s ? strstr(s, "\nflags") : NULL;
	char *eol = flags ? strchr(flags + 1, '\n') : NULL;

	if (!eol)
		return 0;
	*eol++ = ' ';
	*eol = '\0';
	return !!strstr(flags, " pti ");
}

FIXTURE(r3x) {
	char out[512];
};

FIXTURE_SETUP(r3x)
{
	if (access(DIR "call", W_OK))
		SKIP(return, "ring3_exec not loaded or no debugfs");
}

FIXTURE_TEARDOWN(r3x)
{
}

TEST_F(r3x, sum)
{
	ASSERT_EQ(0, call("sum 1 2 3 4 5 0x10\n", self->out, sizeof(self->out)));
	EXPECT_EQ(0, strncmp(self->out, "ret=0 result=0x1f ", 18)) TH_LOG("%s", self->out);
}

TEST_F(r3x, null_and_spin)
{
	ASSERT_EQ(0, call("null", self->out, sizeof(self->out)));
	EXPECT_EQ(0, strncmp(self->out, "ret=0 result=0x0 ", 17)) TH_LOG("%s", self->out);
	ASSERT_EQ(0, call("spin 1000", self->out, sizeof(self->out)));
	EXPECT_EQ(0, strncmp(self->out, "ret=0 result=0x3e8 ", 19)) TH_LOG("%s", self->out);
}

TEST_F(r3x, fault_ud_contained)
{
	ASSERT_EQ(0, call("fault 0", self->out, sizeof(self->out)));
	EXPECT_EQ(0, strncmp(self->out, "ret=-14 ", 8)) TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "vector=0x6 ")) TH_LOG("%s", self->out);
}

TEST_F(r3x, fault_kernel_read_contained)
{
	/* kind 21: the helper reads a kernel address the module chooses */
	ASSERT_EQ(0, call("fault 21", self->out, sizeof(self->out)));
	EXPECT_EQ(0, strncmp(self->out, "ret=-14 ", 8)) TH_LOG("%s", self->out);
	/* with PTI the helper's page table does not map the kernel at all */
	EXPECT_NE(NULL, strstr(self->out, pti_on() ? "vector=0xe error=0x4 " :
			       "vector=0xe error=0x5 ")) TH_LOG("%s", self->out);
	/* and the kernel still works: a normal call right after */
	ASSERT_EQ(0, call("sum 2 2", self->out, sizeof(self->out)));
	EXPECT_EQ(0, strncmp(self->out, "ret=0 result=0x4 ", 17)) TH_LOG("%s", self->out);
}

TEST_F(r3x, bad_input)
{
	char big[512];

	EXPECT_EQ(-ENOENT, call("nosuch 1", NULL, 0));
	EXPECT_EQ(-EINVAL, call("sum 12x", NULL, 0));
	EXPECT_EQ(-EINVAL, call("sum -", NULL, 0));
	EXPECT_EQ(-E2BIG, call("sum 1 2 3 4 5 6 7", NULL, 0));
	EXPECT_EQ(-EINVAL, call("\n", NULL, 0));
	EXPECT_EQ(-ERANGE, call("spin 99999999999", NULL, 0));
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "sum ", 4);
	EXPECT_EQ(-EINVAL, call(big, NULL, 0));
	/* the reply of a refused command is empty */
	EXPECT_EQ(-ENOENT, call("nosuch", self->out, sizeof(self->out)));
	EXPECT_EQ('\0', self->out[0]);
}

TEST_F(r3x, stats_and_helpers)
{
	char *s;

	ASSERT_EQ(0, call("fault 3", self->out, sizeof(self->out)));
	s = slurp(DIR "stats");
	ASSERT_NE(NULL, s);
	EXPECT_NE(NULL, strstr(s, "msr_mismatch: 0\n")) TH_LOG("%s", s);
	EXPECT_NE(NULL, strstr(s, "last_fault: helper=fault vector=0x0 ")) TH_LOG("%s", s);
	s = slurp(DIR "helpers");
	ASSERT_NE(NULL, s);
	EXPECT_NE(NULL, strstr(s, "sum instance=0 code_pages=1 ")) TH_LOG("%s", s);
	EXPECT_NE(NULL, strstr(s, "fault instance=0 code_pages=1 rodata_pages=0 data_pages=1 "))
		TH_LOG("%s", s);
	EXPECT_NE(NULL, strstr(s, "sample instance=0 code_pages=1 rodata_pages=1 "))
		TH_LOG("%s", s);
}

/* A number after "@key: " in @text, or -1. */
static long long field(const char *text, const char *key)
{
	const char *p = text ? strstr(text, key) : NULL;

	return p ? strtoll(p + strlen(key), NULL, 0) : -1;
}

TEST_F(r3x, sample_parses)
{
	const char *in = "alpha=1\nbeta=22\ngamma=333\n";

	ASSERT_EQ(0, write_read(DIR "sample", in, self->out, sizeof(self->out)));
	EXPECT_STREQ("alpha=1\nbeta=22\ngamma=333\nrecords: 3\n", self->out);
	/* no trailing newline is fine too */
	ASSERT_EQ(0, write_read(DIR "sample", "k=5", self->out, sizeof(self->out)));
	EXPECT_STREQ("k=5\nrecords: 1\n", self->out);
}

TEST_F(r3x, sample_bad_input)
{
	static char big[65538];

	EXPECT_EQ(-EINVAL, write_read(DIR "sample", "alpha=1\nbeta\n", NULL, 0));
	EXPECT_EQ(-EINVAL, write_read(DIR "sample", "=1\n", NULL, 0));
	EXPECT_EQ(-EINVAL, write_read(DIR "sample", "a=x\n", NULL, 0));
	/* one line "aaa...=1\n" of exactly 64 KiB is fine, a byte more is not */
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big + 65536 - 3, "=1\n", 3);
	big[65536] = '\0';
	EXPECT_EQ(0, write_read(DIR "sample", big, NULL, 0));
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big + 65537 - 3, "=1\n", 3);
	EXPECT_EQ(65537UL, strlen(big));
	EXPECT_EQ(-EINVAL, write_read(DIR "sample", big, NULL, 0));
	/* the refused writes did not disturb the helper */
	ASSERT_EQ(0, write_read(DIR "sample", "z=0\n", self->out, sizeof(self->out)));
	EXPECT_STREQ("z=0\nrecords: 1\n", self->out);
}

TEST_F(r3x, sample_fault_named)
{
	char *s;

	/* R3X_SAMPLE_CRASH: a NULL write inside sample_crash() */
	ASSERT_EQ(0, call("sample 4 0", self->out, sizeof(self->out)));
	EXPECT_EQ(0, strncmp(self->out, "ret=-14 ", 8)) TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, " at=sample_crash+0x")) TH_LOG("%s", self->out);
	s = slurp(DIR "stats");
	ASSERT_NE(NULL, s);
	EXPECT_NE(NULL, strstr(s, "helper=sample vector=0xe ")) TH_LOG("%s", s);
	EXPECT_NE(NULL, strstr(s, " at=sample_crash+0x")) TH_LOG("%s", s);
}

TEST_F(r3x, sample_debugfs)
{
	long long calls;
	char *s;

	s = slurp(DIR "helper/sample/image");
	ASSERT_NE(NULL, s);
	EXPECT_EQ(0x40000000, field(s, "entry: ")) TH_LOG("%s", s);
	EXPECT_GT(field(s, "symbols: "), 4) TH_LOG("%s", s);
	EXPECT_EQ(65536, field(s, "in_max: ")) TH_LOG("%s", s);
	calls = field(slurp(DIR "helper/sample/0"), "calls: ");
	ASSERT_GE(calls, 0);
	ASSERT_EQ(0, call("sample 0 1 2", self->out, sizeof(self->out)));
	ASSERT_EQ(0, call("sample 0 3 4", self->out, sizeof(self->out)));
	EXPECT_EQ(0, strncmp(self->out, "ret=0 result=0x7 ", 17)) TH_LOG("%s", self->out);
	s = slurp(DIR "helper/sample/0");
	EXPECT_EQ(calls + 2, field(s, "calls: ")) TH_LOG("%s", s);
	EXPECT_EQ(0, field(s, "instance: ")) TH_LOG("%s", s);
}

TEST_HARNESS_MAIN
