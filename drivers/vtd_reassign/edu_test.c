// SPDX-License-Identifier: GPL-2.0
/*
 * vtd_reassign_edutest: DMA proof of intel-iommu domain switches with QEMU's
 * edu device (PCI 1234:11e8), through the kernel's IOMMU API.
 *
 * Writing 1 to /sys/kernel/debug/vtd_reassign_edutest/run: two paging domains
 * map the same IOVAs (a source page shared, a destination page of their own);
 * the device is attached to A (a switch from its default domain), DMAs, is
 * switched to B without going through blocking (as iommufd does: edu_replace()), DMAs
 * again, and goes back to its default domain. The data must land in A's page,
 * then in B's page, and never again in A's after the switch (stale
 * translations). The write fails with -EIO when a check fails; "result"
 * tells which. "fail" and "unmap" prove the failure paths and the cache-tag
 * order of vtd_reassign's hook, "hotplug" a switch loop on an edu behind a
 * PCIe hot-plug port that is unplugged meanwhile (see their functions).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/iommu.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/workqueue.h>
#include <hvsec/compat.h>
/*
 * iommu_group_replace_domain() (6.12) or the group-handle functions (7.3):
 * exported to IOMMUFD_INTERNAL, declared in a private header.
 */
#include "iommu-priv.h"

/* The pre-attach check of intel-iommu's attach, which the probes stretch. */
#if HVSEC_INTEL_IOMMU_7X
#define EDU_PREPARE_SYM	"paging_domain_compatible"
#else
#define EDU_PREPARE_SYM	"prepare_domain_attach_device"
#endif

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_CNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_CMD_RUN	BIT(0)
#define EDU_CMD_TO_RAM	BIT(1)
#define EDU_BUF		0x40000
#define EDU_DMA_TIMEOUT_MS	3000

#define IOVA_SRC	0x100000UL
#define IOVA_DST	0x200000UL
#define IOVA_DST2	0x300000UL	/* the second edu's destination */
#define XFER		256

static struct {
	struct mutex lock;		/* one run at a time, @result */
	struct pci_dev *pdev;
	void __iomem *bar;
	struct pci_dev *pdev2;		/* a second edu, if any */
	void __iomem *bar2;
	struct pci_dev *hp;		/* an edu behind a hot-plug port */
	void __iomem *hp_bar;
	bool hp_removing;		/* edu_remove() of @hp has begun */
	struct dentry *dir;
	char result[160];
	int stretch;			/* stretch this many calls */
	struct device *stretch_dev;	/* ... for this device only, or any */
	bool stretch_dma;		/* ... starting a DMA in each */
	atomic_t stretch_dmas;		/* DMAs started by the probe */
	unsigned int stretch_ms;	/* ... this long (0: window_ms) */
	bool stretching;		/* a stretch is under way */
} edu;

static unsigned int window_ms = 400;
module_param(window_ms, uint, 0644);
MODULE_PARM_DESC(window_ms, "delay inside a stretched domain switch (ms)");

static void edu_dma_start_on(void __iomem *bar);

/*
 * Stretches a domain switch: EDU_PREPARE_SYM (intel-iommu's pre-attach
 * check: prepare_domain_attach_device(), on 7.3 paging_domain_compatible())
 * runs after the
 * stock path blocked the device (entry cleared) and before the direct path
 * replaces the entry (old domain still mapped). With @edu.stretch_dma, a DMA
 * is started (if the device is idle) so that it lands inside the window.
 * Its arguments are (domain, dev): @edu.stretch_dev selects the device.
 */
static int stretch_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct device *dev = READ_ONCE(edu.stretch_dev);
	int left = READ_ONCE(edu.stretch);

	if (left <= 0 ||
	    (dev && regs_get_kernel_argument(regs, 1) != (unsigned long)dev))
		return 0;
	WRITE_ONCE(edu.stretch, left - 1);
	if (READ_ONCE(edu.stretch_dma) &&
	    !(readq(edu.bar + EDU_DMA_CMD) & EDU_CMD_RUN)) {
		edu_dma_start_on(edu.bar);
		atomic_inc(&edu.stretch_dmas);
	}
	WRITE_ONCE(edu.stretching, true);
	mdelay(min(READ_ONCE(edu.stretch_ms) ?: window_ms, 2000U));
	WRITE_ONCE(edu.stretching, false);
	return 0;
}

/*
 * Stretch the next @calls switches (of @dev, or any), each by @ms (0:
 * window_ms), starting a DMA in each if @dma; stretch_arm(NULL, 0, false, 0)
 * disarms.
 */
static void stretch_arm(struct device *dev, int calls, bool dma,
			unsigned int ms)
{
	WRITE_ONCE(edu.stretch, 0);
	WRITE_ONCE(edu.stretch_dev, dev);
	WRITE_ONCE(edu.stretch_dma, dma);
	WRITE_ONCE(edu.stretch_ms, ms);
	WRITE_ONCE(edu.stretch, calls);
}

/*
 * Benchmark counters: queued-invalidation rounds (qi_submit_sync() calls,
 * each ending with a wait for the hardware) and the descriptors they carry
 * (its third argument), and DMAR fault interrupts. The invalidation probe
 * and the stretching probe are armed only while they are needed, so that
 * timed switches run without them.
 */
static atomic_t bench_rounds, bench_invs, bench_faults;

static int count_inv(struct kprobe *p, struct pt_regs *regs)
{
	atomic_inc(&bench_rounds);
	atomic_add((unsigned int)regs_get_kernel_argument(regs, 2), &bench_invs);
	return 0;
}

static int count_fault(struct kprobe *p, struct pt_regs *regs)
{
	atomic_inc(&bench_faults);
	return 0;
}

static struct kprobe bench_kps[] = {
	{ .symbol_name = "qi_submit_sync", .pre_handler = count_inv,
	  .flags = KPROBE_FLAG_DISABLED },
	{ .symbol_name = "dmar_fault", .pre_handler = count_fault },
};

/*
 * DMAR fault interrupts. A fault interrupt that arrives while another probe's
 * handler runs on the same CPU (a stretched switch) skips the handler and is
 * counted as missed: those are faults too.
 */
static unsigned int edu_faults(void)
{
	return atomic_read(&bench_faults) + READ_ONCE(bench_kps[1].nmissed);
}

static struct kprobe stretch_kp = {
	.symbol_name = EDU_PREPARE_SYM,
	.pre_handler = stretch_pre,
	.flags = KPROBE_FLAG_DISABLED,
};

#define BENCH_COUNTED	100	/* switches with the invalidation probe */

/* One DMA of the edu at @bar, bounded wait. */
static int edu_dma_on(void __iomem *bar, u64 src, u64 dst, bool to_ram)
{
	unsigned long end = jiffies + msecs_to_jiffies(EDU_DMA_TIMEOUT_MS);

	writeq(src, bar + EDU_DMA_SRC);
	writeq(dst, bar + EDU_DMA_DST);
	writeq(XFER, bar + EDU_DMA_CNT);
	writeq(EDU_CMD_RUN | (to_ram ? EDU_CMD_TO_RAM : 0), bar + EDU_DMA_CMD);
	while (readq(bar + EDU_DMA_CMD) & EDU_CMD_RUN) {
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		usleep_range(1000, 2000);
	}
	return 0;
}

static int edu_dma(u64 src, u64 dst, bool to_ram)
{
	return edu_dma_on(edu.bar, src, dst, to_ram);
}

/*
 * RAM (IOVA_SRC) -> edu buffer -> RAM (IOVA_DST) in the current domain, by
 * the edu at @bar.
 */
static int edu_copy_on(void __iomem *bar)
{
	int ret = edu_dma_on(bar, IOVA_SRC, EDU_BUF, false);

	return ret ?: edu_dma_on(bar, EDU_BUF, IOVA_DST, true);
}

static int edu_copy(void)
{
	return edu_copy_on(edu.bar);
}

static bool page_has(struct page *p, u8 val)
{
	return !memchr_inv(page_address(p), val, XFER);
}

static int edu_map(struct iommu_domain *d, struct page *src, struct page *dst,
		   struct page *dst2)
{
	int ret = iommu_map(d, IOVA_SRC, page_to_phys(src), PAGE_SIZE,
			    IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);

	ret = ret ?: iommu_map(d, IOVA_DST, page_to_phys(dst), PAGE_SIZE,
			       IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
	return ret ?: iommu_map(d, IOVA_DST2, page_to_phys(dst2), PAGE_SIZE,
				IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
}

/* Records the first failed check; true if @ok is false. */
static bool failed(bool ok, const char *msg, int *ret)
{
	if (ok)
		return false;
	snprintf(edu.result, sizeof(edu.result), "FAIL: %s", msg);
	*ret = -EIO;
	return true;
}

/*
 * Two paging domains, A and B, mapping the same IOVAs to pa and pb (and the
 * second edu's destination to pa2 and pb2), attached to the edu's whole
 * group (with the edu behind a PCIe-to-PCI bridge, the group also holds the
 * bridge and any other device behind it).
 */
struct edu_ab {
	struct device *dev;
	struct iommu_group *group;
	struct iommu_domain *a, *b;
	struct iommu_attach_handle ha, hb;	/* 7.3: A's and B's */
	struct page *src, *pa, *pb, *pa2, *pb2;
	bool attached;
};

/*
 * Attach, switch and detach the group of @t. The switch goes from one
 * domain straight to the other, as iommufd's does: with
 * iommu_group_replace_domain() on 6.12; 7.3 exports the group-handle
 * functions only, where the group holds an attach handle for its domain
 * (here each domain's own, in @t: reusing it for the next attach of that
 * domain is safe as nothing reads it without the group's lock but I/O page
 * fault delivery, which these domains do not have).
 */
#if HVSEC_INTEL_IOMMU_7X
static struct iommu_attach_handle *edu_handle(struct edu_ab *t,
					      struct iommu_domain *d)
{
	return d == t->a ? &t->ha : &t->hb;
}

static int edu_attach(struct edu_ab *t, struct iommu_domain *d)
{
	return iommu_attach_group_handle(d, t->group, edu_handle(t, d));
}

static int edu_replace(struct edu_ab *t, struct iommu_domain *d)
{
	return iommu_replace_group_handle(t->group, d, edu_handle(t, d));
}

static void edu_detach(struct edu_ab *t)
{
	iommu_detach_group_handle(iommu_get_domain_for_dev(t->dev), t->group);
}
#else
static int edu_attach(struct edu_ab *t, struct iommu_domain *d)
{
	return iommu_attach_group(d, t->group);
}

static int edu_replace(struct edu_ab *t, struct iommu_domain *d)
{
	return iommu_group_replace_domain(t->group, d);
}

static void edu_detach(struct edu_ab *t)
{
	iommu_detach_group(iommu_get_domain_for_dev(t->dev), t->group);
}
#endif

/*
 * Sets up A and B, fills the source page with @fill and attaches the
 * group of @pdev to A. On error edu.result says why. edu_ab_put() undoes
 * whatever was done, after success or failure alike.
 */
static int edu_ab_get_dev(struct edu_ab *t, struct pci_dev *pdev, u8 fill)
{
	int ret = 0;

	memset(t, 0, sizeof(*t));
	t->dev = &pdev->dev;
	t->group = iommu_group_get(t->dev);
	if (!t->group) {
		snprintf(edu.result, sizeof(edu.result), "FAIL: no group");
		return -ENODEV;
	}
	t->src = alloc_page(GFP_KERNEL | __GFP_ZERO);
	t->pa = alloc_page(GFP_KERNEL | __GFP_ZERO);
	t->pb = alloc_page(GFP_KERNEL | __GFP_ZERO);
	t->pa2 = alloc_page(GFP_KERNEL | __GFP_ZERO);
	t->pb2 = alloc_page(GFP_KERNEL | __GFP_ZERO);
	t->a = iommu_paging_domain_alloc(t->dev);
	t->b = iommu_paging_domain_alloc(t->dev);
	if (failed(t->src && t->pa && t->pb && t->pa2 && t->pb2, "no memory",
		   &ret) ||
	    failed(!IS_ERR(t->a) && !IS_ERR(t->b), "domain allocation", &ret) ||
	    failed(!edu_map(t->a, t->src, t->pa, t->pa2) &&
		   !edu_map(t->b, t->src, t->pb, t->pb2), "iommu_map", &ret))
		return ret;
	memset(page_address(t->src), fill, PAGE_SIZE);
	if (failed(!edu_attach(t, t->a), "attach A", &ret))
		return ret;
	t->attached = true;
	return 0;
}

/* edu_ab_get_dev() for the edu under test. */
static int edu_ab_get(struct edu_ab *t, u8 fill)
{
	return edu_ab_get_dev(t, edu.pdev, fill);
}

static void edu_ab_put(struct edu_ab *t)
{
	if (t->attached)
		edu_detach(t);
	if (!IS_ERR_OR_NULL(t->a))
		iommu_domain_free(t->a);
	if (!IS_ERR_OR_NULL(t->b))
		iommu_domain_free(t->b);
	if (t->src)
		__free_page(t->src);
	if (t->pa)
		__free_page(t->pa);
	if (t->pb)
		__free_page(t->pb);
	if (t->pa2)
		__free_page(t->pa2);
	if (t->pb2)
		__free_page(t->pb2);
	iommu_group_put(t->group);
}

static int edu_run(void)
{
	struct edu_ab t;
	int ret = 0;

	ret = edu_ab_get(&t, 0xa1);
	if (ret)
		goto out;
	if (failed(!edu_copy(), "DMA in A timed out", &ret))
		goto out;
	if (failed(page_has(t.pa, 0xa1), "DMA in A did not land in A's page", &ret))
		goto out;
	if (failed(page_has(t.pb, 0), "DMA in A reached B's page", &ret))
		goto out;

	memset(page_address(t.src), 0xb2, PAGE_SIZE);
	if (failed(!edu_replace(&t, t.b), "replace A -> B", &ret))
		goto out;
	if (failed(!edu_copy(), "DMA in B timed out", &ret))
		goto out;
	if (failed(page_has(t.pb, 0xb2), "DMA in B did not land in B's page", &ret))
		goto out;
	if (failed(page_has(t.pa, 0xa1), "DMA after the switch reached A's page", &ret))
		goto out;

	/* And back: a second direct switch, B -> A. */
	memset(page_address(t.src), 0xc3, PAGE_SIZE);
	if (failed(!edu_replace(&t, t.a), "replace B -> A", &ret))
		goto out;
	if (failed(!edu_copy(), "DMA in A (again) timed out", &ret))
		goto out;
	if (failed(page_has(t.pa, 0xc3), "DMA in A (again) did not land in A's page", &ret))
		goto out;
	if (failed(page_has(t.pb, 0xb2), "DMA after the switch back reached B's page", &ret))
		goto out;
	snprintf(edu.result, sizeof(edu.result), "PASS");
out:
	edu_ab_put(&t);
	return ret;
}

/* Starts a DMA of the edu at @bar to IOVA_DST without waiting for it. */
static void edu_dma_start_on(void __iomem *bar)
{
	writeq(EDU_BUF, bar + EDU_DMA_SRC);
	writeq(IOVA_DST, bar + EDU_DMA_DST);
	writeq(XFER, bar + EDU_DMA_CNT);
	writeq(EDU_CMD_RUN | EDU_CMD_TO_RAM, bar + EDU_DMA_CMD);
}

static void edu_dma_start(void)
{
	edu_dma_start_on(edu.bar);
}

/* Waits (bounded) for the DMA of the edu at @bar to end. */
static int edu_dma_wait_on(void __iomem *bar)
{
	unsigned long end = jiffies + msecs_to_jiffies(EDU_DMA_TIMEOUT_MS);

	while (readq(bar + EDU_DMA_CMD) & EDU_CMD_RUN) {
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		usleep_range(1000, 2000);
	}
	return 0;
}

static int edu_dma_wait(void)
{
	return edu_dma_wait_on(edu.bar);
}

/*
 * The window: a DMA issued just before a stretched A -> B switch lands while
 * the switch is in progress. The result says where the data went: "A", "B"
 * or "none" (stock: the entry was cleared, the DMA faulted).
 */
static int edu_window(void)
{
	struct edu_ab t;
	const char *where;
	int ret = 0;

	ret = edu_ab_get(&t, 0xd4);
	if (ret)
		goto out;
	/* Load the device buffer through A. */
	if (failed(!edu_dma(IOVA_SRC, EDU_BUF, false), "DMA to edu", &ret))
		goto out;

	ret = enable_kprobe(&stretch_kp);
	if (ret) {
		snprintf(edu.result, sizeof(edu.result),
			 "cannot arm the stretching probe: %d", ret);
		goto out;
	}
	edu_dma_start();
	/* The edu's switch: its group may hold a bridge and another edu. */
	stretch_arm(t.dev, 1, false, 0);
	ret = edu_replace(&t, t.b);
	stretch_arm(NULL, 0, false, 0);
	disable_kprobe(&stretch_kp);
	if (failed(!ret, "replace A -> B", &ret))
		goto out;
	if (failed(!edu_dma_wait(), "DMA timed out", &ret))
		goto out;
	if (page_has(t.pa, 0xd4))
		where = "A";
	else if (page_has(t.pb, 0xd4))
		where = "B";
	else
		where = "none";
	snprintf(edu.result, sizeof(edu.result), "window: landed in %s",
		 where);
out:
	stretch_arm(NULL, 0, false, 0);
	edu_ab_put(&t);
	return ret;
}

/*
 * A switch A -> B that fails on purpose: the caller armed a failure of the
 * second direct switch from now with vtd_reassign's intel_iommu/inject (the
 * first is the attach of A). The switch must fail and the device stay in A:
 * the IOMMU core then re-attaches A. Every call of
 * EDU_PREPARE_SYM on the way (the failing switch, and the
 * stock path if the re-attach of A takes it) is stretched with a DMA landing
 * inside: none may fault, and a DMA afterwards must land in A's page.
 */
static bool fail_strict;	/* under edu.lock */

static int edu_fail(void)
{
	unsigned int f0, faults;
	struct edu_ab t;
	int ret, sw;

	ret = edu_ab_get(&t, 0xe5);
	if (ret)
		goto out;
	if (failed(!edu_dma(IOVA_SRC, EDU_BUF, false), "DMA to edu", &ret))
		goto out;
	ret = enable_kprobe(&stretch_kp);
	if (ret) {
		snprintf(edu.result, sizeof(edu.result),
			 "cannot arm the stretching probe: %d", ret);
		goto out;
	}
	f0 = edu_faults();
	atomic_set(&edu.stretch_dmas, 0);
	stretch_arm(NULL, fail_strict ? 2 : 0, true, 0);
	sw = edu_replace(&t, t.b);
	stretch_arm(NULL, 0, false, 0);
	disable_kprobe(&stretch_kp);
	if (failed(sw, "the switch with a failure armed did not fail", &ret) ||
	    failed(!edu_dma_wait(), "DMA timed out", &ret) ||
	    failed(iommu_get_domain_for_dev(t.dev) == t.a,
		   "the group is not in A after the failed switch", &ret))
		goto out;
	memset(page_address(t.src), 0xf6, PAGE_SIZE);
	if (failed(!edu_copy(), "DMA after the failed switch timed out", &ret))
		goto out;
	faults = edu_faults() - f0;
	snprintf(edu.result, sizeof(edu.result),
		 "%s: switch=%d stretched-dmas=%u in-A=%d B-untouched=%d fault_irqs=%u",
		 (faults && fail_strict) || !page_has(t.pa, 0xf6) ||
		 !page_has(t.pb, 0) ? "FAIL" : "PASS", sw, atomic_read(&edu.stretch_dmas),
		 page_has(t.pa, 0xf6), page_has(t.pb, 0), faults);
	if (edu.result[0] == 'F')
		ret = -EIO;
out:
	stretch_arm(NULL, 0, false, 0);
	edu_ab_put(&t);
	return ret;
}

/*
 * An unmap on the new domain while a switch is still in progress: the probe
 * on cache_tag_unassign_domain() fires in the direct path after the device's
 * entries hold B and are invalidated, before the switch returns. There it
 * hands over to a worker on another CPU and waits for it: the worker DMAs
 * through B (the IOTLB caches B's translation of IOVA_DST), unmaps IOVA_DST
 * from B (iommu_unmap(), not serialised by the group mutex), clears B's page
 * (as if freed and reused) and DMAs to IOVA_DST again. That DMA must fault:
 * reaching the page means the unmap skipped this unit's IOTLB because B's
 * cache tag was not assigned yet.
 */
#define UNMAP_WAIT_MS	8000

static struct {
	struct work_struct work;
	struct iommu_domain *b;
	struct page *pb;
	bool armed;
	int cpu;
	atomic_t done;
	bool first, stale;
	int err;
} um;

static void unmap_work(struct work_struct *w)
{
	int ret = edu_dma(EDU_BUF, IOVA_DST, true);

	um.first = !ret && page_has(um.pb, 0x5a);
	if (!ret && iommu_unmap(um.b, IOVA_DST, PAGE_SIZE) != PAGE_SIZE)
		ret = -EFAULT;
	memset(page_address(um.pb), 0, PAGE_SIZE);
	if (!ret)
		ret = edu_dma(EDU_BUF, IOVA_DST, true);
	um.stale = !page_has(um.pb, 0);
	um.err = ret;
	atomic_set_release(&um.done, 1);
}

static int unmap_pre(struct kprobe *p, struct pt_regs *regs)
{
	unsigned int cpu, ms;

	/* cache_tag_unassign_domain(domain, dev, pasid): the edu's switch. */
	if (!READ_ONCE(um.armed) ||
	    regs_get_kernel_argument(regs, 1) != (unsigned long)&edu.pdev->dev)
		return 0;
	WRITE_ONCE(um.armed, false);
	cpu = cpumask_any_but(cpu_online_mask, smp_processor_id());
	if (cpu >= nr_cpu_ids) {
		um.err = -EBUSY;
		atomic_set(&um.done, 1);
		return 0;
	}
	um.cpu = cpu;
	queue_work_on(cpu, system_highpri_wq, &um.work);
	for (ms = 0; ms < UNMAP_WAIT_MS && !atomic_read_acquire(&um.done); ms++)
		mdelay(1);
	return 0;
}

static struct kprobe unmap_kp = {
	.symbol_name = "cache_tag_unassign_domain",
	.pre_handler = unmap_pre,
	.flags = KPROBE_FLAG_DISABLED,
};

static int edu_unmap(void)
{
	unsigned int f0, faults;
	struct edu_ab t;
	int ret, sw;

	ret = edu_ab_get(&t, 0x5a);
	if (ret)
		goto out;
	if (failed(!edu_dma(IOVA_SRC, EDU_BUF, false), "DMA to edu", &ret))
		goto out;
	um.b = t.b;
	um.pb = t.pb;
	um.first = false;
	um.stale = false;
	um.err = -EINPROGRESS;
	atomic_set(&um.done, 0);
	ret = enable_kprobe(&unmap_kp);
	if (ret) {
		snprintf(edu.result, sizeof(edu.result),
			 "cannot arm the unmap probe: %d", ret);
		goto out;
	}
	f0 = edu_faults();
	WRITE_ONCE(um.armed, true);
	sw = edu_replace(&t, t.b);
	WRITE_ONCE(um.armed, false);
	disable_kprobe(&unmap_kp);
	/* The worker may still run if the probe gave up waiting. */
	flush_work(&um.work);
	msleep(100);
	faults = edu_faults() - f0;
	snprintf(edu.result, sizeof(edu.result),
		 "%s: switch=%d worker=%d first-in-B=%d unmapped-page-written=%d fault_irqs=%u",
		 !sw && !um.err && um.first && !um.stale ? "PASS" : "FAIL",
		 sw, um.err, um.first, um.stale, faults);
	if (edu.result[0] == 'F')
		ret = -EIO;
out:
	WRITE_ONCE(um.armed, false);
	edu_ab_put(&t);
	return ret;
}

/*
 * Two edus behind one PCIe-to-PCI bridge: their DMA carries the bridge's
 * requester id (secondary bus, 00.0), whose context entry they share, and
 * they are in one group with the bridge. A -> B switches each device in
 * turn; the second edu's switch finds the shared entry already in B. Every
 * EDU_PREPARE_SYM on the way is stretched with a DMA of the
 * first edu landing inside: none may fault, and afterwards DMA from both
 * edus lands in B's pages. Without a second edu in the group: "SKIP".
 */
static int edu_alias(void)
{
	struct iommu_group *g2 = NULL;
	unsigned int f0, faults;
	struct edu_ab t;
	int ret, sw;

	ret = edu_ab_get(&t, 0x77);
	if (ret)
		goto out;
	if (edu.pdev2)
		g2 = iommu_group_get(&edu.pdev2->dev);
	iommu_group_put(g2);
	if (!g2 || g2 != t.group) {
		snprintf(edu.result, sizeof(edu.result),
			 "SKIP: no second edu in the first one's group");
		goto out;
	}
	if (failed(!edu_dma(IOVA_SRC, EDU_BUF, false) &&
		   !edu_dma_on(edu.bar2, IOVA_SRC, EDU_BUF, false),
		   "DMA to the edus", &ret))
		goto out;
	ret = enable_kprobe(&stretch_kp);
	if (ret) {
		snprintf(edu.result, sizeof(edu.result),
			 "cannot arm the stretching probe: %d", ret);
		goto out;
	}
	f0 = edu_faults();
	atomic_set(&edu.stretch_dmas, 0);
	stretch_arm(NULL, 8, true, 0);
	sw = edu_replace(&t, t.b);
	stretch_arm(NULL, 0, false, 0);
	disable_kprobe(&stretch_kp);
	if (failed(!sw, "replace A -> B", &ret) ||
	    failed(!edu_dma_wait(), "DMA timed out", &ret))
		goto out;
	memset(page_address(t.pb), 0, PAGE_SIZE);
	if (failed(!edu_dma(EDU_BUF, IOVA_DST, true) &&
		   !edu_dma_on(edu.bar2, EDU_BUF, IOVA_DST2, true),
		   "DMA in B timed out", &ret))
		goto out;
	faults = edu_faults() - f0;
	snprintf(edu.result, sizeof(edu.result),
		 "%s: stretched-dmas=%u edu1-in-B=%d edu2-in-B=%d A2-untouched=%d fault_irqs=%u",
		 faults || !page_has(t.pb, 0x77) || !page_has(t.pb2, 0x77) ||
		 !page_has(t.pa2, 0) ? "FAIL" : "PASS",
		 atomic_read(&edu.stretch_dmas), page_has(t.pb, 0x77),
		 page_has(t.pb2, 0x77), page_has(t.pa2, 0), faults);
	if (edu.result[0] == 'F')
		ret = -EIO;
out:
	stretch_arm(NULL, 0, false, 0);
	edu_ab_put(&t);
	return ret;
}

/*
 * Hot-unplug during domain switches: an edu behind a PCIe hot-plug port
 * (edu.hp) is switched A <-> B in a loop, a DMA started before every switch
 * when the device is idle, until its removal begins (the host's device_del
 * makes pciehp remove it; the driver's remove comes first and waits for this
 * loop, which holds edu.lock) or @secs pass. The switch in flight then
 * completes or fails with its error, the DMA in flight ends, and one more
 * copy through the current domain must land in its page only. Then the group
 * goes back to its default domain, as the IOMMU core requires before the
 * device leaves. A and B stay allocated (hp_ab) until "free", written
 * after the device is gone: they are unmapped and freed only then, when
 * intel-iommu has released the device, so that anything of the device
 * left on them (device lists, cache tags) is used after its release, for
 * KASAN to see.
 */
static int edu_count_dev(struct device *dev, void *data)
{
	(*(unsigned int *)data)++;
	return 0;
}

static struct edu_ab hp_ab;		/* under edu.lock */
static bool hp_ab_live;

#define HP_MAX_SECS	600

static int edu_hotplug(unsigned int secs)
{
	unsigned long end = jiffies + secs * HZ;
	unsigned int n = 0, dmas = 0;
	struct edu_ab *t = &hp_ab;
	struct pci_dev *pdev = edu.hp;
	void __iomem *bar = edu.hp_bar;
	struct page *cur, *other;
	int ret, sw = 0, copy;
	const char *why;

	if (!pdev) {
		snprintf(edu.result, sizeof(edu.result),
			 "FAIL: no edu behind a hot-plug port");
		return -ENODEV;
	}
	if (hp_ab_live) {
		snprintf(edu.result, sizeof(edu.result),
			 "FAIL: the last loop's domains are not freed yet (write \"free\")");
		return -EBUSY;
	}
	ret = edu_ab_get_dev(t, pdev, 0x3c);
	if (ret) {
		edu_ab_put(t);
		return ret;
	}
	/* The device outlives its removal as long as hp_ab needs it. */
	get_device(t->dev);
	hp_ab_live = true;
	while (!READ_ONCE(edu.hp_removing) && time_before(jiffies, end)) {
		if (!(readq(bar + EDU_DMA_CMD) & EDU_CMD_RUN)) {
			edu_dma_start_on(bar);
			dmas++;
		}
		sw = edu_replace(t, n & 1 ? t->a : t->b);
		if (sw) {
			dev_err(t->dev, "hotplug: switch %u failed: %d\n", n + 1, sw);
			break;
		}
		n++;
		/* Leave the CPUs to the rest (pciehp's thread) for a moment. */
		msleep(20);
	}
	why = sw ? "error" : READ_ONCE(edu.hp_removing) ? "removal" : "timeout";
	/* The DMA in flight, then one copy through the current domain. */
	ret = edu_dma_wait_on(bar);
	cur = iommu_get_domain_for_dev(t->dev) == t->b ? t->pb : t->pa;
	other = cur == t->pa ? t->pb : t->pa;
	memset(page_address(t->src), 0x4d, PAGE_SIZE);
	memset(page_address(t->pa), 0, PAGE_SIZE);
	memset(page_address(t->pb), 0, PAGE_SIZE);
	copy = ret ?: edu_copy_on(bar);
	/* Back to the default domain before the device leaves its group. */
	edu_detach(t);
	t->attached = false;
	snprintf(edu.result, sizeof(edu.result),
		 "stopped-by=%s switches=%u dmas=%u last-switch=%d dma-after=%d follows=%d",
		 why, n, dmas, sw, copy, !copy && page_has(cur, 0x4d) &&
		 page_has(other, 0));
	return 0;
}

/* "free": unmap and free the last loop's domains (after the unplug). */
static int edu_hotplug_free(void)
{
	struct edu_ab *t = &hp_ab;
	unsigned int left = 0;
	size_t a, b;

	if (!hp_ab_live) {
		snprintf(edu.result, sizeof(edu.result),
			 "FAIL: no hotplug loop to free");
		return -ENOENT;
	}
	a = iommu_unmap(t->a, IOVA_DST, PAGE_SIZE);
	b = iommu_unmap(t->b, IOVA_DST, PAGE_SIZE);
	iommu_group_for_each_dev(t->group, &left, edu_count_dev);
	snprintf(edu.result, sizeof(edu.result),
		 "freed: unmapped A %zu B %zu, devices left in the group %u, device %s",
		 a, b, left, device_is_registered(t->dev) ? "present" : "gone");
	edu_ab_put(t);
	put_device(t->dev);
	hp_ab_live = false;
	return 0;
}

/* Runs one test under the lock; its result line goes to the log on error. */
static ssize_t edu_run_locked(int (*test)(void), size_t count)
{
	int ret;

	mutex_lock(&edu.lock);
	if (!edu.pdev) {
		mutex_unlock(&edu.lock);
		return -ENODEV;
	}
	ret = test();
	if (ret)
		pr_err("%s\n", edu.result);
	mutex_unlock(&edu.lock);
	return ret ?: count;
}

/* "1": no DMA may fault; "0": faults allowed (see edu_fail()). */
static ssize_t fail_write(struct file *file, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	bool strict;
	int ret = kstrtobool_from_user(buf, count, &strict);

	if (ret)
		return ret;
	mutex_lock(&edu.lock);
	if (!edu.pdev) {
		mutex_unlock(&edu.lock);
		return -ENODEV;
	}
	fail_strict = strict;
	ret = edu_fail();
	if (ret)
		pr_err("%s\n", edu.result);
	mutex_unlock(&edu.lock);
	return ret ?: count;
}

static const struct file_operations fail_fops = {
	.owner = THIS_MODULE,
	.write = fail_write,
};

/*
 * "stretch": for a test in user space (selftests/vtd_reassign_iommufd, the
 * edu bound to vfio-pci). Writing MS (1..2000) stretches the next call of
 * EDU_PREPARE_SYM, for any device, by MS ms; writing 0
 * disarms. Reading: "active" while a stretch is under way (the user then
 * starts a DMA that lands inside the switch), "armed" before it, "idle".
 */
static ssize_t stretch_write(struct file *file, const char __user *buf,
			     size_t count, loff_t *ppos)
{
	unsigned int ms;
	int ret = kstrtouint_from_user(buf, count, 0, &ms);

	if (ret || ms > 2000) {
		pr_err_ratelimited("stretch: want MS (0..2000)\n");
		return -EINVAL;
	}
	mutex_lock(&edu.lock);
	stretch_arm(NULL, 0, false, 0);
	if (ms) {
		ret = enable_kprobe(&stretch_kp);
		if (!ret)
			stretch_arm(NULL, 1, false, ms);
	} else {
		disable_kprobe(&stretch_kp);
	}
	mutex_unlock(&edu.lock);
	return ret ?: count;
}

static int stretch_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s\n", READ_ONCE(edu.stretching) ? "active" :
		   READ_ONCE(edu.stretch) > 0 ? "armed" : "idle");
	return 0;
}

static int stretch_open(struct inode *inode, struct file *file)
{
	return single_open(file, stretch_show, NULL);
}

static const struct file_operations stretch_fops = {
	.owner = THIS_MODULE,
	.open = stretch_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = stretch_write,
};

/* "SECONDS" (1..600): the hotplug loop, at most that long; "free". */
static ssize_t hotplug_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	unsigned int secs = 0;
	char buf[16];
	int ret;

	if (!count || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = 0;
	if (!sysfs_streq(buf, "free") &&
	    (kstrtouint(strim(buf), 0, &secs) || !secs || secs > HP_MAX_SECS)) {
		pr_err_ratelimited("hotplug: want SECONDS (1..%u) or \"free\"\n",
				   HP_MAX_SECS);
		return -EINVAL;
	}
	mutex_lock(&edu.lock);
	ret = secs ? edu_hotplug(secs) : edu_hotplug_free();
	if (ret)
		pr_err("%s\n", edu.result);
	mutex_unlock(&edu.lock);
	return ret ?: count;
}

static const struct file_operations hotplug_fops = {
	.owner = THIS_MODULE,
	.write = hotplug_write,
};

/*
 * @n switches A <-> B of @t; if not NULL, the time they took is added to
 * @ns and each one's time is stored in @each.
 */
static int edu_switches(struct edu_ab *t, unsigned int n, unsigned int *dmas,
			u64 *ns, u64 *each)
{
	u64 d;
	unsigned int i;
	u64 t0;
	int ret;

	for (i = 0; i < n; i++) {
		if (!(readq(edu.bar + EDU_DMA_CMD) & EDU_CMD_RUN)) {
			edu_dma_start();
			(*dmas)++;
		}
		t0 = ktime_get_ns();
		ret = edu_replace(t, i & 1 ? t->a : t->b);
		d = ktime_get_ns() - t0;
		if (ns)
			*ns += d;
		if (each)
			each[i] = d;
		if (failed(!ret, "replace", &ret))
			return ret;
		cond_resched();
	}
	return 0;
}

/*
 * @n timed switches A <-> B with DMA traffic: before each switch a DMA to
 * IOVA_DST is started if the device is idle, so DMAs land across switches.
 * Then BENCH_COUNTED more with the invalidation probe armed, which counts.
 */
static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int edu_bench(unsigned int n)
{
	unsigned int dmas = 0, rounds0, invs0, faults0;
	u64 total_ns = 0, *each;
	struct edu_ab t;
	int ret;

	/* Per-switch times, for a median that interrupts and host noise spare. */
	each = kvmalloc_array(n, sizeof(*each), GFP_KERNEL);
	if (!each)
		return -ENOMEM;
	ret = edu_ab_get(&t, 0);
	if (ret)
		goto out;
	faults0 = edu_faults();
	ret = edu_switches(&t, n, &dmas, &total_ns, each);
	if (ret)
		goto out;
	rounds0 = atomic_read(&bench_rounds);
	invs0 = atomic_read(&bench_invs);
	ret = enable_kprobe(&bench_kps[0]);
	if (ret) {
		snprintf(edu.result, sizeof(edu.result),
			 "cannot arm the invalidation probe: %d", ret);
		goto out;
	}
	ret = edu_switches(&t, BENCH_COUNTED, &dmas, NULL, NULL);
	disable_kprobe(&bench_kps[0]);
	if (ret)
		goto out;
	if (failed(!edu_dma_wait(), "DMA timed out", &ret))
		goto out;
	sort(each, n, sizeof(*each), cmp_u64, NULL);
	snprintf(edu.result, sizeof(edu.result),
		 "switches=%u mean_ns=%llu median_ns=%llu counted=%u rounds=%u invs=%u dmas=%u fault_irqs=%u",
		 n, total_ns / n, each[n / 2], BENCH_COUNTED,
		 atomic_read(&bench_rounds) - rounds0,
		 atomic_read(&bench_invs) - invs0, dmas,
		 edu_faults() - faults0);
out:
	edu_ab_put(&t);
	kvfree(each);
	return ret;
}

static ssize_t bench_write(struct file *file, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	unsigned int n;
	int ret = kstrtouint_from_user(buf, count, 0, &n);

	if (ret)
		return ret;
	if (!n || n > 100000) {
		pr_err_ratelimited("bench: switches must be 1..100000\n");
		return -EINVAL;
	}
	mutex_lock(&edu.lock);
	if (!edu.pdev) {
		mutex_unlock(&edu.lock);
		return -ENODEV;
	}
	ret = edu_bench(n);
	if (ret)
		pr_err("%s\n", edu.result);
	mutex_unlock(&edu.lock);
	return ret ?: count;
}

static const struct file_operations bench_fops = {
	.owner = THIS_MODULE,
	.write = bench_write,
};

/*
 * Cost of one LOCK CMPXCHG16B (the direct path's store) on this machine, to
 * tell emulator artefacts (TCG runs 128-bit atomics exclusively, stopping the
 * other vCPUs) from the module's own cost in the switch benchmark.
 */
static int cx16_show(struct seq_file *m, void *v)
{
	struct vtd_pair { hvsec_u128 v; } __aligned(16) *p;
	unsigned int i, n = 200;
	u64 t0, t1;

	if (!hvsec_system_has_cmpxchg128())
		return -EOPNOTSUPP;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		hvsec_u128 old = p->v;

		hvsec_try_cmpxchg128(&p->v, &old, old + 1);
	}
	t1 = ktime_get_ns();
	seq_printf(m, "cmpxchg16b_ns=%llu\n", (t1 - t0) / n);
	kfree(p);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cx16);

static int result_show(struct seq_file *m, void *v)
{
	mutex_lock(&edu.lock);
	seq_printf(m, "%s\n", edu.result[0] ? edu.result : "not run");
	mutex_unlock(&edu.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(result);

/* Which edu each test uses: "tested", "second" (alias), "hotplug". */
static int devices_show(struct seq_file *m, void *v)
{
	mutex_lock(&edu.lock);
	if (edu.pdev)
		seq_printf(m, "tested %s\n", pci_name(edu.pdev));
	if (edu.pdev2)
		seq_printf(m, "second %s\n", pci_name(edu.pdev2));
	if (edu.hp)
		seq_printf(m, "hotplug %s\n", pci_name(edu.hp));
	mutex_unlock(&edu.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(devices);

/* Whether @pdev sits in the slot of a PCIe port with a hot-plug controller. */
static bool edu_hotpluggable(struct pci_dev *pdev)
{
	struct pci_dev *port = pci_upstream_bridge(pdev);
	u32 sltcap = 0;

	if (!port || !pci_is_pcie(port) ||
	    (pci_pcie_type(port) != PCI_EXP_TYPE_ROOT_PORT &&
	     pci_pcie_type(port) != PCI_EXP_TYPE_DOWNSTREAM))
		return false;
	pcie_capability_read_dword(port, PCI_EXP_SLTCAP, &sltcap);
	return sltcap & PCI_EXP_SLTCAP_HPC;
}

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret = pcim_enable_device(pdev);
	void __iomem *bar;

	if (ret)
		return ret;
	bar = pcim_iomap(pdev, 0, 0);
	if (!bar)
		return -ENOMEM;
	pci_set_master(pdev);
	/*
	 * The first edu is the one tested; a second one joins "alias"; one
	 * behind a hot-plug port is only for "hotplug".
	 */
	mutex_lock(&edu.lock);
	if (edu_hotpluggable(pdev)) {
		if (!edu.hp) {
			edu.hp = pdev;
			edu.hp_bar = bar;
			WRITE_ONCE(edu.hp_removing, false);
		}
	} else if (!edu.pdev) {
		edu.pdev = pdev;
		edu.bar = bar;
	} else if (!edu.pdev2) {
		edu.pdev2 = pdev;
		edu.bar2 = bar;
	}
	mutex_unlock(&edu.lock);
	return 0;
}

/*
 * A test using the device holds edu.lock: a hotplug loop on it is told to
 * stop first, then the lock waits for whatever test runs to end.
 */
static void edu_remove(struct pci_dev *pdev)
{
	if (READ_ONCE(edu.hp) == pdev)
		WRITE_ONCE(edu.hp_removing, true);
	mutex_lock(&edu.lock);
	if (edu.pdev == pdev)
		edu.pdev = NULL;
	if (edu.pdev2 == pdev)
		edu.pdev2 = NULL;
	if (edu.hp == pdev)
		WRITE_ONCE(edu.hp, NULL);
	mutex_unlock(&edu.lock);
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR, EDU_DEVICE) },
	{}
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = KBUILD_MODNAME,
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
};

/* The test files: writing anything runs the test, under edu.lock. */
struct edu_cmd {
	int (*test)(void);
};

static struct edu_cmd cmd_run = { edu_run }, cmd_window = { edu_window },
		      cmd_alias = { edu_alias }, cmd_unmap = { edu_unmap };

static ssize_t cmd_write(struct file *file, const char __user *buf,
			 size_t count, loff_t *ppos)
{
	const struct edu_cmd *cmd = file->private_data;

	return edu_run_locked(cmd->test, count);
}

static const struct file_operations cmd_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = cmd_write,
};

static int __init edu_init(void)
{
	unsigned int i;
	int ret;

	mutex_init(&edu.lock);
	INIT_WORK(&um.work, unmap_work);
	edu.dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("run", 0200, edu.dir, &cmd_run, &cmd_fops);
	debugfs_create_file("result", 0444, edu.dir, NULL, &result_fops);
	debugfs_create_file("devices", 0444, edu.dir, NULL, &devices_fops);
	ret = register_kprobe(&stretch_kp);
	if (ret) {
		pr_err("cannot probe %s: %d\n", EDU_PREPARE_SYM, ret);
		goto err_dir;
	}
	debugfs_create_file("window", 0200, edu.dir, &cmd_window, &cmd_fops);
	debugfs_create_file("fail", 0200, edu.dir, NULL, &fail_fops);
	debugfs_create_file("alias", 0200, edu.dir, &cmd_alias, &cmd_fops);
	debugfs_create_file("hotplug", 0200, edu.dir, NULL, &hotplug_fops);
	debugfs_create_file("stretch", 0600, edu.dir, NULL, &stretch_fops);
	ret = register_kprobe(&unmap_kp);
	if (ret) {
		pr_err("cannot probe cache_tag_unassign_domain: %d\n", ret);
		goto err_stretch;
	}
	debugfs_create_file("unmap", 0200, edu.dir, &cmd_unmap, &cmd_fops);
	for (i = 0; i < ARRAY_SIZE(bench_kps); i++) {
		ret = register_kprobe(&bench_kps[i]);
		if (ret) {
			pr_err("cannot probe %s: %d\n",
			       bench_kps[i].symbol_name, ret);
			goto err_bench;
		}
	}
	debugfs_create_file("bench", 0200, edu.dir, NULL, &bench_fops);
	debugfs_create_file("cx16", 0444, edu.dir, NULL, &cx16_fops);
	ret = pci_register_driver(&edu_driver);
	if (ret)
		goto err_bench;
	return 0;

err_bench:
	while (i--)
		unregister_kprobe(&bench_kps[i]);
	unregister_kprobe(&unmap_kp);
err_stretch:
	unregister_kprobe(&stretch_kp);
err_dir:
	debugfs_remove_recursive(edu.dir);
	return ret;
}

static void __exit edu_exit(void)
{
	unsigned int i;

	/* A hotplug loop running in a write ends now (debugfs waits for it). */
	WRITE_ONCE(edu.hp_removing, true);
	debugfs_remove_recursive(edu.dir);
	pci_unregister_driver(&edu_driver);
	if (hp_ab_live) {
		edu_ab_put(&hp_ab);
		put_device(hp_ab.dev);
	}
	for (i = 0; i < ARRAY_SIZE(bench_kps); i++)
		unregister_kprobe(&bench_kps[i]);
	unregister_kprobe(&unmap_kp);
	unregister_kprobe(&stretch_kp);
}

module_init(edu_init);
module_exit(edu_exit);
MODULE_DESCRIPTION("edu DMA proof of direct intel-iommu domain switches");
MODULE_LICENSE("GPL");
HVSEC_IMPORT_NS(IOMMUFD_INTERNAL);
