// SPDX-License-Identifier: GPL-2.0
/*
 * vtd_reassign_iommufd: the user-space path of a domain switch. QEMU's edu
 * device is bound to vfio-pci and opened through its cdev; iommufd gives it
 * IOAS A, and VFIO_DEVICE_ATTACH_IOMMUFD_PT replaces A with IOAS B and back
 * (iommufd_device_replace(), iommu_group_replace_domain() in the kernel).
 * Both IOAS map the same source buffer and a destination buffer of their
 * own at the same IOVAs. Each replacement is stretched inside intel-iommu's
 * attach (vtd_reassign_edutest's "stretch": prepare_domain_attach_device()
 * is delayed, after stock has blocked the device and before the hook
 * replaces its entry), and a second thread starts a DMA once the stretch is
 * under way, so that the DMA lands inside the switch.
 *
 * Variant "direct" (vtd_reassign's hook active): every such DMA lands in
 * the old or the new IOAS's buffer, no DMAR fault, one direct switch per
 * replacement. Variant "stock" (vtd_reassign loaded with
 * intel_iommu_hook=0): the hazard the hook removes, seen through this path:
 * a DMA inside the switch faults and lands nowhere. In both, every DMA after
 * a replacement lands in the new IOAS only. Skipped where there is no edu,
 * no vfio-pci or iommufd, or no hook built for the kernel.
 */
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <time.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "hvsec_util.h"

#define EDU_ID		"0x11e8"
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_CNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_CMD_RUN	1
#define EDU_CMD_TO_RAM	2
#define EDU_BUF		0x40000
#define XFER		256
#define IOVA_SRC	0x100000ULL
#define IOVA_DST	0x200000ULL
#define PAGE		4096
#define ROUNDS		6
#define STRETCH_MS	"600"	/* longer than an edu DMA's 100 ms */
#define STATS		"/sys/kernel/debug/vtd_reassign/intel_iommu/stats"
#define STRETCH		"/sys/kernel/debug/vtd_reassign_edutest/stretch"
#define MODS		"/hvsec/modules/"
#define PCI		"/sys/bus/pci/devices/"

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* "direct N" of the hook's stats (its first line), or -1 without the hook. */
static long hook_direct(void)
{
	char *s = slurp(STATS);
	long n;

	return s && sscanf(s, "direct %ld", &n) == 1 ? n : -1;
}

/* DMAR fault reports in the kernel log so far. */
static int dmar_faults(void)
{
	static char log[1 << 20];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);
	int count = 0;
	char *p = log;

	if (n < 0)
		return -1;
	log[n] = '\0';
	while ((p = strstr(p, "DMAR: [DMA"))) {
		count++;
		p++;
	}
	return count;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Whether @bdf is in a PCI slot (a hot-plug port's: see /sys/bus/pci/slots). */
static int in_slot(const char *bdf)
{
	char path[PATH_MAX], *s;
	struct dirent *e;
	DIR *d = opendir("/sys/bus/pci/slots");
	int ret = 0;

	while (d && !ret && (e = readdir(d))) {
		snprintf(path, sizeof(path), "/sys/bus/pci/slots/%s/address",
			 e->d_name);
		s = slurp(path);
		/* "0000:01:00\n" holds 0000:01:00.N */
		ret = s && strlen(s) > 1 && !strncmp(s, bdf, strlen(s) - 1) &&
		      bdf[strlen(s) - 1] == '.';
	}
	if (d)
		closedir(d);
	return ret;
}

/*
 * The first edu not in a hot-plug slot (vtd_reassign_unplug.sh unplugs
 * that one), as a BDF in @bdf. 0 if found.
 */
static int find_edu(char *bdf, size_t len)
{
	struct dirent **names;
	int n, i, ret = -1;

	n = scandir(PCI, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		char path[PATH_MAX], *s;

		snprintf(path, sizeof(path), PCI "%s/device", names[i]->d_name);
		s = slurp(path);
		if (ret && s && !strncmp(s, EDU_ID "\n", strlen(EDU_ID) + 1) &&
		    !in_slot(names[i]->d_name))
			ret = snprintf(bdf, len, "%.31s", names[i]->d_name) >= (int)len;
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return ret;
}

FIXTURE(edu_vfio) {
	char bdf[32];
	char old_driver[64];
	int reloaded, loaded_edutest, bound;
	int iommufd, devfd;
	unsigned int ioas[2], devid;
	unsigned char *bar;
	size_t bar_size;
	unsigned char *src, *dst[2];
	long direct0;
	int faults0;
};

/* Whether vtd_reassign's intel-iommu hook is to be active. */
FIXTURE_VARIANT(edu_vfio) {
	int hook;
};

FIXTURE_VARIANT_ADD(edu_vfio, direct) {
	.hook = 1,
};

FIXTURE_VARIANT_ADD(edu_vfio, stock) {
	.hook = 0,
};

static int module_loaded(const char *name)
{
	char *s = slurp("/proc/modules"), *p = s;
	size_t n = strlen(name);

	while (p && *p) {
		if (!strncmp(p, name, n) && p[n] == ' ')
			return 1;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return 0;
}

/* (Re)loads vtd_reassign with intel_iommu_hook=@hook (-1: the default). */
static int load_vtd_reassign(int hook)
{
	char cmd[128];

	if (module_loaded("vtd_reassign") && system("rmmod vtd_reassign"))
		return -1;
	snprintf(cmd, sizeof(cmd), "insmod " MODS "vtd_reassign.ko intel_iommu_hook=%d",
		 hook);
	return system(cmd) ? -1 : 0;
}

/*
 * Only checks: the harness runs the teardown only after a setup that
 * completed, so everything the teardown must undo happens in
 * edu_vfio_open(), called by the test.
 */
FIXTURE_SETUP(edu_vfio)
{
	self->iommufd = -1;
	self->devfd = -1;
	self->bar = MAP_FAILED;
	if (find_edu(self->bdf, sizeof(self->bdf)))
		SKIP(return, "no edu device");
	if (access("/sys/bus/pci/drivers/vfio-pci", F_OK) ||
	    access("/dev/iommu", F_OK))
		SKIP(return, "no vfio-pci or no /dev/iommu (iommufd) in this kernel");
	if (access(MODS "vtd_reassign_edutest.ko", F_OK))
		SKIP(return, "the intel-iommu hook is not built for this kernel");
}

/*
 * vtd_reassign as the variant wants it, vtd_reassign_edutest loaded, the
 * edu bound to vfio-pci and iommufd, IOAS A and B, BAR0 mapped.
 */
static void edu_vfio_open(struct __test_metadata *_metadata,
			  struct _test_data_edu_vfio *self,	/* FIXTURE_DATA */
			  const struct _fixture_variant_edu_vfio *variant)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_region_info reg = { .argsz = sizeof(reg) };
	char path[PATH_MAX], link[PATH_MAX], *s;
	struct dirent *e;
	unsigned short cmd;
	ssize_t n;
	DIR *d;
	int i;

	self->reloaded = 1;
	ASSERT_EQ(0, load_vtd_reassign(variant->hook ? -1 : 0));
	self->direct0 = hook_direct();
	ASSERT_EQ(variant->hook, self->direct0 >= 0)
		TH_LOG("vtd_reassign's hook is %sactive", variant->hook ? "not " : "");
	if (!module_loaded("vtd_reassign_edutest")) {
		ASSERT_EQ(0, system("insmod " MODS "vtd_reassign_edutest.ko"));
		self->loaded_edutest = 1;
	}

	/* Hand the edu to vfio-pci, remembering its driver. */
	snprintf(path, sizeof(path), PCI "%s/driver", self->bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		snprintf(self->old_driver, sizeof(self->old_driver), "%s",
			 strrchr(link, '/') + 1);
		snprintf(path, sizeof(path), PCI "%s/driver/unbind", self->bdf);
		ASSERT_EQ(0, write_str(path, self->bdf));
	}
	self->bound = 1;
	snprintf(path, sizeof(path), PCI "%s/driver_override", self->bdf);
	ASSERT_EQ(0, write_str(path, "vfio-pci"));
	ASSERT_EQ(0, write_str("/sys/bus/pci/drivers_probe", self->bdf))
		TH_LOG("vfio-pci does not take %s (a group shared with a device it cannot own?)",
		       self->bdf);

	/* Its cdev: /sys/bus/pci/devices/BDF/vfio-dev/vfioN. */
	snprintf(path, sizeof(path), PCI "%s/vfio-dev", self->bdf);
	d = opendir(path);
	if (!d)
		SKIP(return, "vfio-pci has no device cdev here (CONFIG_VFIO_DEVICE_CDEV)");
	while ((e = readdir(d)) && strncmp(e->d_name, "vfio", 4))
		;
	ASSERT_NE(NULL, e);
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", e->d_name);
	closedir(d);
	self->devfd = open(path, O_RDWR);
	ASSERT_LE(0, self->devfd) TH_LOG("open %s: %s", path, strerror(errno));
	self->iommufd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, self->iommufd);
	bind.iommufd = self->iommufd;
	ASSERT_EQ(0, ioctl(self->devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		TH_LOG("VFIO_DEVICE_BIND_IOMMUFD: %s", strerror(errno));
	self->devid = bind.out_devid;

	/* IOAS A and B: the same source page, a destination of their own. */
	self->src = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->src);
	memset(self->src, 0, 3 * PAGE);
	for (i = 0; i < 2; i++) {
		struct iommu_ioas_map map = {
			.size = sizeof(map),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA |
				 IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.length = PAGE,
		};

		self->dst[i] = self->src + (i + 1) * PAGE;
		ASSERT_EQ(0, ioctl(self->iommufd, IOMMU_IOAS_ALLOC, &alloc));
		self->ioas[i] = alloc.out_ioas_id;
		map.ioas_id = self->ioas[i];
		map.user_va = (uintptr_t)self->src;
		map.iova = IOVA_SRC;
		ASSERT_EQ(0, ioctl(self->iommufd, IOMMU_IOAS_MAP, &map))
			TH_LOG("IOMMU_IOAS_MAP: %s", strerror(errno));
		map.user_va = (uintptr_t)self->dst[i];
		map.iova = IOVA_DST;
		ASSERT_EQ(0, ioctl(self->iommufd, IOMMU_IOAS_MAP, &map));
	}

	/* BAR0, and bus mastering on (vfio-pci leaves it to the user). */
	reg.index = VFIO_PCI_BAR0_REGION_INDEX;
	ASSERT_EQ(0, ioctl(self->devfd, VFIO_DEVICE_GET_REGION_INFO, &reg));
	self->bar_size = reg.size;
	self->bar = mmap(NULL, reg.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->devfd, reg.offset);
	ASSERT_NE(MAP_FAILED, self->bar);
	reg.index = VFIO_PCI_CONFIG_REGION_INDEX;
	ASSERT_EQ(0, ioctl(self->devfd, VFIO_DEVICE_GET_REGION_INFO, &reg));
	ASSERT_EQ(2, pread(self->devfd, &cmd, 2, reg.offset + 4));
	cmd |= 0x6;	/* memory space, bus master */
	ASSERT_EQ(2, pwrite(self->devfd, &cmd, 2, reg.offset + 4));
	self->faults0 = dmar_faults();
	s = slurp(STATS);
	TH_LOG("edu %s, vtd_reassign stats before:\n%s", self->bdf,
	       s ? s : "(no hook)");
}

FIXTURE_TEARDOWN(edu_vfio)
{
	char path[PATH_MAX];

	write_str(STRETCH, "0");
	if (self->bar != MAP_FAILED)
		munmap(self->bar, self->bar_size);
	/* Closing the device detaches it and gives the group back. */
	if (self->devfd >= 0)
		close(self->devfd);
	if (self->iommufd >= 0)
		close(self->iommufd);
	if (self->bound) {
		snprintf(path, sizeof(path), PCI "%s/driver_override", self->bdf);
		write_str(path, "\n");
		write_str("/sys/bus/pci/drivers/vfio-pci/unbind", self->bdf);
		if (self->old_driver[0]) {
			snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/bind",
				 self->old_driver);
			write_str(path, self->bdf);
		}
	}
	if (self->loaded_edutest)
		system("rmmod vtd_reassign_edutest");
	/* As the harness expects it: loaded, default parameters. */
	if (self->reloaded && (!variant->hook || !module_loaded("vtd_reassign")))
		load_vtd_reassign(-1);
}

/*
 * MMIO: single 64-bit accesses (plain MOVs on x86), ordered after the
 * buffer writes before them.
 */
static void reg_write(unsigned char *bar, unsigned int off,
		      unsigned long long v)
{
	__atomic_store_n((unsigned long long *)(bar + off), v, __ATOMIC_RELEASE);
}

static unsigned long long reg_read(unsigned char *bar, unsigned int off)
{
	return __atomic_load_n((unsigned long long *)(bar + off),
			       __ATOMIC_ACQUIRE);
}

static void dma_start(unsigned char *bar, unsigned long long src,
		      unsigned long long dst, int to_ram)
{
	reg_write(bar, EDU_DMA_SRC, src);
	reg_write(bar, EDU_DMA_DST, dst);
	reg_write(bar, EDU_DMA_CNT, XFER);
	reg_write(bar, EDU_DMA_CMD, EDU_CMD_RUN | (to_ram ? EDU_CMD_TO_RAM : 0));
}

/* Waits (at most 3 s) for the edu's DMA to end; 0 if it did. */
static int dma_wait(unsigned char *bar)
{
	long end = now_ms() + 3000;

	while (reg_read(bar, EDU_DMA_CMD) & EDU_CMD_RUN) {
		if (now_ms() > end)
			return -1;
		sleep_ms(1);
	}
	return 0;
}

static int has(const unsigned char *p, unsigned char v)
{
	int i;

	for (i = 0; i < XFER; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static int attach(int devfd, unsigned int pt)
{
	struct vfio_device_attach_iommufd_pt at = {
		.argsz = sizeof(at),
		.pt_id = pt,
	};

	return ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) ? -errno : 0;
}

/*
 * The DMA inside the switch: started once the stretch is under way. It
 * lands 100 ms after its start (the edu's timer), the stretch lasts 600 ms;
 * @done says whether this thread also saw it end before the stretch did
 * (only a hint: the thread may be scheduled late on a busy host).
 */
struct inside {
	unsigned char *bar;
	int started;	/* the DMA was started inside the switch */
	int done;	/* ... and seen to end while the switch still ran */
};

static int stretch_active(void)
{
	char *s = slurp(STRETCH);

	return s && !strncmp(s, "active", 6);
}

static void *dma_inside(void *arg)
{
	struct inside *in = arg;
	long end = now_ms() + 10000;

	while (!stretch_active()) {
		if (now_ms() > end)
			return NULL;
		sleep_ms(1);
	}
	dma_start(in->bar, EDU_BUF, IOVA_DST, 1);
	in->started = 1;
	in->done = !dma_wait(in->bar) && stretch_active();
	return NULL;
}

/*
 * ROUNDS replacements A -> B -> A ..., each stretched with a DMA (edu buffer
 * -> IOVA_DST) landing inside it; then one more DMA in the new domain.
 * Bounded: the harness kills it after 400 s (two variants fit in the 900 s
 * check-job.sh gives a selftest); TCG on a busy host is slow.
 */
TEST_F_TIMEOUT(edu_vfio, replace_with_dma_inside, 400)
{
	int i, cur = 0, in_old = 0, in_new = 0, lost = 0, inside = 0, faults;
	long direct;

	edu_vfio_open(_metadata, self, variant);
	if (_metadata->exit_code == KSFT_SKIP)
		return;
	ASSERT_EQ(0, attach(self->devfd, self->ioas[0]));
	/* A copy through A lands in A. */
	memset(self->src, 0xa1, XFER);
	dma_start(self->bar, IOVA_SRC, EDU_BUF, 0);
	ASSERT_EQ(0, dma_wait(self->bar));
	dma_start(self->bar, EDU_BUF, IOVA_DST, 1);
	ASSERT_EQ(0, dma_wait(self->bar));
	ASSERT_TRUE(has(self->dst[0], 0xa1));
	ASSERT_TRUE(has(self->dst[1], 0));

	for (i = 0; i < ROUNDS; i++) {
		struct inside in = { .bar = self->bar };
		unsigned char v = 0x10 + i;
		int nxt = !cur, rc;
		pthread_t th;

		/* The edu's buffer gets V through the current domain. */
		memset(self->src, v, XFER);
		dma_start(self->bar, IOVA_SRC, EDU_BUF, 0);
		ASSERT_EQ(0, dma_wait(self->bar));
		memset(self->dst[0], 0, XFER);
		memset(self->dst[1], 0, XFER);
		ASSERT_EQ(0, write_str(STRETCH, STRETCH_MS));
		ASSERT_EQ(0, pthread_create(&th, NULL, dma_inside, &in));
		rc = attach(self->devfd, self->ioas[nxt]);
		pthread_join(th, NULL);
		ASSERT_EQ(0, rc) TH_LOG("round %d: replace: %s", i, strerror(-rc));
		ASSERT_TRUE(in.started)
			TH_LOG("round %d: the switch was never stretched", i);
		ASSERT_EQ(0, dma_wait(self->bar));
		inside += in.done;
		in_old += has(self->dst[cur], v);
		in_new += has(self->dst[nxt], v);
		lost += !has(self->dst[cur], v) && !has(self->dst[nxt], v);
		ASSERT_FALSE(has(self->dst[cur], v) && has(self->dst[nxt], v));
		cur = nxt;
		/* After the replacement: the new domain only. */
		memset(self->dst[0], 0, XFER);
		memset(self->dst[1], 0, XFER);
		dma_start(self->bar, EDU_BUF, IOVA_DST, 1);
		ASSERT_EQ(0, dma_wait(self->bar));
		ASSERT_TRUE(has(self->dst[cur], v) && has(self->dst[!cur], 0))
			TH_LOG("round %d: the DMA after the replacement %s",
			       i, "is not in the new domain only");
	}
	sleep_ms(200);
	faults = dmar_faults();
	direct = hook_direct();
	TH_LOG("%s: %d replacements, each with a DMA started inside it (seen to end inside: %d)",
	       variant->hook ? "direct" : "stock", ROUNDS, inside);
	TH_LOG("... landed in the old domain %d, the new %d, nowhere %d",
	       in_old, in_new, lost);
	TH_LOG("direct switches %ld -> %ld, DMAR faults %d -> %d",
	       self->direct0, direct, self->faults0, faults);
	if (variant->hook) {
		EXPECT_EQ(0, lost);
		EXPECT_EQ(self->faults0, faults);
		/* The attach of A came from blocking: stock, not counted. */
		EXPECT_LE(self->direct0 + ROUNDS, direct);
	} else {
		/* The hazard: the entry was cleared while the DMA came. */
		EXPECT_LT(0, lost);
		EXPECT_LT(self->faults0, faults);
	}
}

TEST_HARNESS_MAIN
