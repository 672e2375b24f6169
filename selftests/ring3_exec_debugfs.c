// SPDX-License-Identifier: GPL-2.0
/*
 * ring3_exec_debugfs: drive ring3_exec's debugfs "call" file from user
 * space: built-in helpers run at CPL3 and return, faults are contained and
 * reported, bad commands are refused with the right errno.
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
	char out[256];
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
	EXPECT_NE(NULL, strstr(s, "sum code_pages=1")) TH_LOG("%s", s);
	EXPECT_NE(NULL, strstr(s, "fault code_pages=1 data_pages=1")) TH_LOG("%s", s);
}

TEST_HARNESS_MAIN
