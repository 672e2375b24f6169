// SPDX-License-Identifier: GPL-2.0
/*
 * tpm12_drtm_ioctl: bad input through /dev/tpm12_drtm gets a clear errno
 * and changes nothing (log size and PCRs); so do requests outside the
 * default policy and requests without CAP_SYS_ADMIN; a good request works.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/types.h>
#include <linux/hvsec_tpm12_drtm.h>

#include "kselftest_harness.h"

FIXTURE(drtm) {
	int fd;
	struct tpm12_drtm_info info0;
	__u8 pcr17[TPM12_DRTM_DIGEST_SIZE];
};

static void read_pcr(struct __test_metadata *_metadata, int fd, __u32 idx,
		     __u8 *out)
{
	struct tpm12_drtm_pcr_read r = { .pcr = idx };

	ASSERT_EQ(0, ioctl(fd, TPM12_DRTM_IOC_PCR_READ, &r));
	memcpy(out, r.value, sizeof(r.value));
}

FIXTURE_SETUP(drtm)
{
	self->fd = open(TPM12_DRTM_DEV, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", TPM12_DRTM_DEV, strerror(errno));
	ASSERT_EQ(0, ioctl(self->fd, TPM12_DRTM_IOC_INFO, &self->info0));
	read_pcr(_metadata, self->fd, 17, self->pcr17);
}

FIXTURE_TEARDOWN(drtm)
{
	struct tpm12_drtm_info info;
	__u8 now[TPM12_DRTM_DIGEST_SIZE];

	/* Every bad request must have left the log and PCR 17 unchanged. */
	EXPECT_EQ(0, ioctl(self->fd, TPM12_DRTM_IOC_INFO, &info));
	EXPECT_EQ(self->info0.evlog_used, info.evlog_used);
	read_pcr(_metadata, self->fd, 17, now);
	EXPECT_EQ(0, memcmp(now, self->pcr17, sizeof(now)));
	close(self->fd);
}

static char data[256] = "tpm12_drtm ioctl selftest";

static void base(struct tpm12_drtm_measure *m)
{
	memset(m, 0, sizeof(*m));
	m->pcr = 17;
	m->type = 0x502;
	m->hash = TPM12_DRTM_HASH_MODE_HOST;
	m->data_ptr = (uintptr_t)data;
	m->data_size = sizeof(data);
	m->event_ptr = (uintptr_t)"ioctl";
	m->event_size = 5;
}

static int bad_measure(int fd, struct tpm12_drtm_measure *m)
{
	return ioctl(fd, TPM12_DRTM_IOC_MEASURE, m) == -1 ? errno : 0;
}

TEST_F(drtm, bad_requests)
{
	struct tpm12_drtm_measure m;

	base(&m);
	m.pcr = 24;
	EXPECT_EQ(EINVAL, bad_measure(self->fd, &m));
	base(&m);
	m.pcr = 0xffffffff;
	EXPECT_EQ(EINVAL, bad_measure(self->fd, &m));
	base(&m);
	m.hash = 3;
	EXPECT_EQ(EINVAL, bad_measure(self->fd, &m));
	base(&m);
	m.reserved[2] = 1;
	EXPECT_EQ(EINVAL, bad_measure(self->fd, &m));
	base(&m);
	m.event_size = TPM12_DRTM_MAX_EVENT + 1;
	EXPECT_EQ(E2BIG, bad_measure(self->fd, &m));
	base(&m);
	m.data_size = 1ULL << 40;
	EXPECT_EQ(E2BIG, bad_measure(self->fd, &m));
	base(&m);
	m.data_ptr = 16;
	EXPECT_EQ(EFAULT, bad_measure(self->fd, &m));
	base(&m);
	m.event_ptr = 16;
	EXPECT_EQ(EFAULT, bad_measure(self->fd, &m));
	base(&m);
	m.data_ptr = 0xffffffff81000000ULL;
	EXPECT_EQ(EFAULT, bad_measure(self->fd, &m));
}

/* Default policy: PCRs 17-22 and DRTM event types 0x400-0x5ff only. */
TEST_F(drtm, policy)
{
	static const __u32 bad_pcrs[] = { 0, 10, 16, 23 };
	static const __u32 bad_types[] = { 0, 3, 0x3ff, 0x600, 0x80000001 };
	struct tpm12_drtm_measure m;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_pcrs); i++) {
		base(&m);
		m.pcr = bad_pcrs[i];
		EXPECT_EQ(EPERM, bad_measure(self->fd, &m)) TH_LOG("PCR %u", m.pcr);
	}
	for (i = 0; i < ARRAY_SIZE(bad_types); i++) {
		base(&m);
		m.type = bad_types[i];
		EXPECT_EQ(EPERM, bad_measure(self->fd, &m)) TH_LOG("type %#x", m.type);
	}
	/* The log's own gap marker is never accepted. */
	base(&m);
	m.type = TPM12_DRTM_EV_LOG_GAP;
	EXPECT_EQ(EINVAL, bad_measure(self->fd, &m));
}

/* Without CAP_SYS_ADMIN (still uid 0, device open) measuring is refused. */
TEST_F(drtm, no_cap_sys_admin)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	const __u32 bit = 1U << (CAP_SYS_ADMIN % 32);
	struct tpm12_drtm_pcr_read r = { .pcr = 17 };
	struct tpm12_drtm_measure m;
	int i = CAP_SYS_ADMIN / 32;

	/* The harness runs each test in its own child: this stays here. */
	ASSERT_EQ(0, syscall(SYS_capget, &h, d));
	d[i].effective &= ~bit;
	d[i].permitted &= ~bit;
	d[i].inheritable &= ~bit;
	ASSERT_EQ(0, syscall(SYS_capset, &h, d));
	ASSERT_EQ(0, syscall(SYS_capget, &h, d));
	ASSERT_EQ(0U, d[i].effective & bit);

	base(&m);
	EXPECT_EQ(EPERM, bad_measure(self->fd, &m));
	base(&m);
	m.hash = TPM12_DRTM_HASH_MODE_TPM;
	EXPECT_EQ(EPERM, bad_measure(self->fd, &m));
	/* Reading stays possible. */
	EXPECT_EQ(0, ioctl(self->fd, TPM12_DRTM_IOC_PCR_READ, &r));
}

TEST_F(drtm, pcr_read_24)
{
	struct tpm12_drtm_pcr_read r = { .pcr = 24 };

	EXPECT_EQ(-1, ioctl(self->fd, TPM12_DRTM_IOC_PCR_READ, &r));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(drtm, unknown_ioctl)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IO(TPM12_DRTM_IOC_MAGIC, 99), 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, TPM12_DRTM_IOC_MEASURE, 16));
	EXPECT_EQ(EFAULT, errno);
}

/* A good request (PCR 20, which locality 2 may extend; not 17). */
TEST_F(drtm, good_measure_pcr20)
{
	struct tpm12_drtm_measure m;
	struct tpm12_drtm_info info;

	base(&m);
	m.pcr = 20;
	m.type = TPM12_DRTM_EV_TEST;
	ASSERT_EQ(0, ioctl(self->fd, TPM12_DRTM_IOC_MEASURE, &m))
		TH_LOG("%s %s", strerror(errno), m.tpm_rc_name);
	ASSERT_EQ(0, ioctl(self->fd, TPM12_DRTM_IOC_INFO, &info));
	EXPECT_EQ(self->info0.evlog_used + 32 + 5, info.evlog_used);
	self->info0.evlog_used = info.evlog_used;
	EXPECT_EQ(0U, m.tpm_rc);
}

TEST_HARNESS_MAIN
