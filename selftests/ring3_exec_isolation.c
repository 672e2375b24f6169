// SPDX-License-Identifier: GPL-2.0
/*
 * ring3_exec_isolation: a helper learns nothing of the process that calls
 * it through debugfs, and that process cannot reach into the helper: not
 * its TLS (FS base), stack pointer, I/O port permissions (ioperm, iopl),
 * LDT or hardware watchpoints. A never-ending helper is ended by its budget,
 * on two CPUs and on one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <asm/ldt.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/io.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "hvsec_util.h"
/* The helper's addresses: numbers only, shared with the module. */
#include "../include/hvsec/r3x_layout.h"

#define DIR "/sys/kernel/debug/ring3_exec/"
#define UVA_DATA	((unsigned long)R3X_UVA_DATA)
#define UVA_STACK_TOP	((unsigned long)R3X_UVA_STACK_TOP)

/* Write @cmd to a fresh open of "call"; 0 or -errno; reply in @out. */
static int call(const char *cmd, char *out, size_t outsz)
{
	return write_read(DIR "call", cmd, out, outsz);
}

FIXTURE(iso) {
	char out[256];
};

FIXTURE_SETUP(iso)
{
	if (access(DIR "call", W_OK))
		SKIP(return, "ring3_exec not loaded or no debugfs");
}

FIXTURE_TEARDOWN(iso)
{
}

/* Our TLS pointer is in FS base; the helper must see zero, and its own stack. */
TEST_F(iso, fs_base_and_stack_not_the_callers)
{
	static __thread int tls_marker = 1;
	char want[64];

	ASSERT_NE(0, tls_marker);
	ASSERT_EQ(0, call("probe 1", self->out, sizeof(self->out)));
	EXPECT_EQ(0, strncmp(self->out, "ret=0 result=0x0 ", 17)) TH_LOG("%s", self->out);
	ASSERT_EQ(0, call("probe 2", self->out, sizeof(self->out)));
	EXPECT_EQ(0, strncmp(self->out, "ret=0 result=0x0 ", 17)) TH_LOG("%s", self->out);
	snprintf(want, sizeof(want), "ret=0 result=%#lx ", UVA_STACK_TOP);
	ASSERT_EQ(0, call("probe 0", self->out, sizeof(self->out)));
	EXPECT_EQ(0, strncmp(self->out, want, strlen(want))) TH_LOG("%s", self->out);
}

/* ioperm() and iopl(3) of the caller give the helper no port. */
TEST_F(iso, port_access_not_inherited)
{
	ASSERT_EQ(0, ioperm(0x80, 1, 1));
	outb(0x80, 0x80);	/* we may */
	ASSERT_EQ(0, call("fault 25", self->out, sizeof(self->out)));
	EXPECT_EQ(0, strncmp(self->out, "ret=-14 ", 8)) TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "vector=0xd ")) TH_LOG("%s", self->out);
	ASSERT_EQ(0, ioperm(0x80, 1, 0));
	ASSERT_EQ(0, iopl(3));
	ASSERT_EQ(0, call("fault 25", self->out, sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "vector=0xd ")) TH_LOG("%s", self->out);
	ASSERT_EQ(0, iopl(0));
}

/* An LDT of the caller is not loaded while the helper runs. */
TEST_F(iso, ldt_not_inherited)
{
	struct user_desc d = {
		.entry_number = 0, .base_addr = 0, .limit = 0xfffff,
		.seg_32bit = 1, .contents = 0, .read_exec_only = 0,
		.limit_in_pages = 1, .seg_not_present = 0,
	};
	unsigned short sel = 7;

	if (syscall(SYS_modify_ldt, 1, &d, sizeof(d)))
		SKIP(return, "modify_ldt: %s", strerror(errno));
	/* the selector works for us */
	asm volatile("movw %0, %%gs" : : "r" (sel));
	asm volatile("movw %0, %%gs" : : "r" ((unsigned short)0));
	ASSERT_EQ(0, call("fault 26", self->out, sizeof(self->out)));
	EXPECT_EQ(0, strncmp(self->out, "ret=-14 ", 8)) TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "vector=0xd ")) TH_LOG("%s", self->out);
}

/* A write watchpoint of the caller on the helper's data address stays silent. */
TEST_F(iso, watchpoint_not_armed)
{
	struct perf_event_attr pa = {
		.type = PERF_TYPE_BREAKPOINT, .size = sizeof(pa),
		.bp_type = HW_BREAKPOINT_W, .bp_addr = UVA_DATA,
		.bp_len = HW_BREAKPOINT_LEN_8, .exclude_kernel = 1,
		.exclude_hv = 1,
	};
	unsigned long long hits = 0;
	int fd = syscall(SYS_perf_event_open, &pa, 0, -1, -1, 0);

	if (fd < 0)
		SKIP(return, "perf_event_open breakpoint: %s", strerror(errno));
	ASSERT_EQ(0, call("probe 7 0x1234", self->out, sizeof(self->out)));
	EXPECT_EQ(0, strncmp(self->out, "ret=0 result=0x1234 ", 20)) TH_LOG("%s", self->out);
	ASSERT_EQ((ssize_t)sizeof(hits), read(fd, &hits, sizeof(hits)));
	EXPECT_EQ(0ULL, hits);
	close(fd);
}

/* A helper that never exits is ended by its budget, and says so. */
TEST_F(iso, never_ending_helper_times_out)
{
	static const char * const kinds[] = { "loop 0", "loop 1", "loop 2" };
	unsigned int i;
	char *s;

	for (i = 0; i < 3; i++) {
		EXPECT_EQ(-ETIME, call(kinds[i], self->out, sizeof(self->out)));
		EXPECT_EQ(0, strncmp(self->out, "ret=-62 ", 8)) TH_LOG("%s", self->out);
		EXPECT_NE(NULL, strstr(self->out, "vector=0x104 ")) TH_LOG("%s", self->out);
	}
	s = slurp(DIR "stats");
	ASSERT_NE(NULL, s);
	EXPECT_NE(NULL, strstr(s, "timeouts: ")) TH_LOG("%s", s);
	EXPECT_EQ(NULL, strstr(s, "timeouts: 0\n")) TH_LOG("%s", s);
}

static int cpu1_online(int on)
{
	int fd = open("/sys/devices/system/cpu/cpu1/online", O_WRONLY);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, on ? "1" : "0", 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * On one CPU (the other one taken offline) a never-ending helper called
 * with IRQs on is still ended by its budget: the tick, not the watchdog of
 * another CPU, brings it back.
 */
TEST_F(iso, never_ending_helper_times_out_on_one_cpu)
{
	static const char * const kinds[] = { "loop 0", "loop 1", "loop 2" };
	struct timespec t0, t1;
	unsigned int i;
	long ms;

	if (cpu1_online(0))
		SKIP(return, "cannot take CPU 1 offline");
	for (i = 0; i < 3; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		EXPECT_EQ(-ETIME, call(kinds[i], self->out, sizeof(self->out)));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		TH_LOG("%s on one CPU: %ld ms", kinds[i], ms);
		EXPECT_NE(NULL, strstr(self->out, "vector=0x104 ")) TH_LOG("%s", self->out);
		/* budget 10 ms; generous for a slow emulated host */
		EXPECT_LT(ms, 1000);
	}
	ASSERT_EQ(0, cpu1_online(1));
	EXPECT_EQ(-ETIME, call("loop 1", self->out, sizeof(self->out)));
}

TEST_HARNESS_MAIN
