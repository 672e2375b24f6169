// SPDX-License-Identifier: GPL-2.0
/*
 * vtd_reassign_edutest: DMA proof of intel-iommu domain switches with QEMU's
 * edu device (PCI 1234:11e8), through the kernel's IOMMU API.
 *
 * Writing 1 to /sys/kernel/debug/vtd_reassign_edutest/run: two paging domains
 * map the same IOVAs (a source page shared, a destination page of their own);
 * the device is attached to A (a switch from its default domain), DMAs, is
 * switched to B with iommu_group_replace_domain() (as iommufd does), DMAs
 * again, and goes back to its default domain. The data must land in A's page,
 * then in B's page, and never again in A's after the switch (stale
 * translations). The write fails with -EIO when a check fails; "result"
 * tells which.
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
#include <hvsec/compat.h>
/* iommu_group_replace_domain(): exported, declared in a private header. */
#include "iommu-priv.h"

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
#define XFER		256

static struct {
	struct mutex lock;		/* one run at a time, @result */
	struct pci_dev *pdev;
	void __iomem *bar;
	struct dentry *dir;
	char result[160];
	bool armed;			/* stretch the next switch */
} edu;

static unsigned int window_ms = 400;
module_param(window_ms, uint, 0644);
MODULE_PARM_DESC(window_ms, "delay inside a stretched domain switch (ms)");

/*
 * Stretches a domain switch: prepare_domain_attach_device() runs after the
 * stock path blocked the device (entry cleared) and before the direct path
 * replaces the entry (old domain still mapped).
 */
static int stretch_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (READ_ONCE(edu.armed)) {
		WRITE_ONCE(edu.armed, false);
		mdelay(min(window_ms, 2000U));
	}
	return 0;
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

static struct kprobe stretch_kp = {
	.symbol_name = "prepare_domain_attach_device",
	.pre_handler = stretch_pre,
	.flags = KPROBE_FLAG_DISABLED,
};

#define BENCH_COUNTED	100	/* switches with the invalidation probe */

/* One edu DMA, bounded wait. */
static int edu_dma(u64 src, u64 dst, bool to_ram)
{
	unsigned long end = jiffies + msecs_to_jiffies(EDU_DMA_TIMEOUT_MS);

	writeq(src, edu.bar + EDU_DMA_SRC);
	writeq(dst, edu.bar + EDU_DMA_DST);
	writeq(XFER, edu.bar + EDU_DMA_CNT);
	writeq(EDU_CMD_RUN | (to_ram ? EDU_CMD_TO_RAM : 0),
	       edu.bar + EDU_DMA_CMD);
	while (readq(edu.bar + EDU_DMA_CMD) & EDU_CMD_RUN) {
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		usleep_range(1000, 2000);
	}
	return 0;
}

/* RAM (IOVA_SRC) -> edu buffer -> RAM (IOVA_DST) in the current domain. */
static int edu_copy(void)
{
	int ret = edu_dma(IOVA_SRC, EDU_BUF, false);

	return ret ?: edu_dma(EDU_BUF, IOVA_DST, true);
}

static bool page_has(struct page *p, u8 val)
{
	return !memchr_inv(page_address(p), val, XFER);
}

static int edu_map(struct iommu_domain *d, struct page *src, struct page *dst)
{
	int ret = iommu_map(d, IOVA_SRC, page_to_phys(src), PAGE_SIZE,
			    IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);

	return ret ?: iommu_map(d, IOVA_DST, page_to_phys(dst), PAGE_SIZE,
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

/* Two paging domains, A and B, mapping the same IOVAs to pa and pb. */
struct edu_ab {
	struct device *dev;
	struct iommu_group *group;
	struct iommu_domain *a, *b;
	struct page *src, *pa, *pb;
	bool attached;
};

/*
 * Sets up A and B, fills the source page with @fill and attaches the
 * device to A. On error edu.result says why. edu_ab_put() undoes whatever
 * was done, after success or failure alike.
 */
static int edu_ab_get(struct edu_ab *t, u8 fill)
{
	int ret = 0;

	memset(t, 0, sizeof(*t));
	t->dev = &edu.pdev->dev;
	t->group = iommu_group_get(t->dev);
	if (!t->group) {
		snprintf(edu.result, sizeof(edu.result), "FAIL: no group");
		return -ENODEV;
	}
	t->src = alloc_page(GFP_KERNEL | __GFP_ZERO);
	t->pa = alloc_page(GFP_KERNEL | __GFP_ZERO);
	t->pb = alloc_page(GFP_KERNEL | __GFP_ZERO);
	t->a = iommu_paging_domain_alloc(t->dev);
	t->b = iommu_paging_domain_alloc(t->dev);
	if (failed(t->src && t->pa && t->pb, "no memory", &ret) ||
	    failed(!IS_ERR(t->a) && !IS_ERR(t->b), "domain allocation", &ret) ||
	    failed(!edu_map(t->a, t->src, t->pa) &&
		   !edu_map(t->b, t->src, t->pb), "iommu_map", &ret))
		return ret;
	memset(page_address(t->src), fill, PAGE_SIZE);
	if (failed(!iommu_attach_device(t->a, t->dev), "attach A", &ret))
		return ret;
	t->attached = true;
	return 0;
}

static void edu_ab_put(struct edu_ab *t)
{
	if (t->attached)
		iommu_detach_device(iommu_get_domain_for_dev(t->dev), t->dev);
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
	if (failed(!iommu_group_replace_domain(t.group, t.b), "replace A -> B", &ret))
		goto out;
	if (failed(!edu_copy(), "DMA in B timed out", &ret))
		goto out;
	if (failed(page_has(t.pb, 0xb2), "DMA in B did not land in B's page", &ret))
		goto out;
	if (failed(page_has(t.pa, 0xa1), "DMA after the switch reached A's page", &ret))
		goto out;

	/* And back: a second direct switch, B -> A. */
	memset(page_address(t.src), 0xc3, PAGE_SIZE);
	if (failed(!iommu_group_replace_domain(t.group, t.a), "replace B -> A", &ret))
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

/* Starts a DMA to IOVA_DST without waiting for it. */
static void edu_dma_start(void)
{
	writeq(EDU_BUF, edu.bar + EDU_DMA_SRC);
	writeq(IOVA_DST, edu.bar + EDU_DMA_DST);
	writeq(XFER, edu.bar + EDU_DMA_CNT);
	writeq(EDU_CMD_RUN | EDU_CMD_TO_RAM, edu.bar + EDU_DMA_CMD);
}

static int edu_dma_wait(void)
{
	unsigned long end = jiffies + msecs_to_jiffies(EDU_DMA_TIMEOUT_MS);

	while (readq(edu.bar + EDU_DMA_CMD) & EDU_CMD_RUN) {
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		usleep_range(1000, 2000);
	}
	return 0;
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
	WRITE_ONCE(edu.armed, true);
	ret = iommu_group_replace_domain(t.group, t.b);
	WRITE_ONCE(edu.armed, false);
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
	WRITE_ONCE(edu.armed, false);
	edu_ab_put(&t);
	return ret;
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

static ssize_t window_write(struct file *file, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	return edu_run_locked(edu_window, count);
}

static const struct file_operations window_fops = {
	.owner = THIS_MODULE,
	.write = window_write,
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
		ret = iommu_group_replace_domain(t->group, i & 1 ? t->a : t->b);
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
	faults0 = atomic_read(&bench_faults);
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
		 atomic_read(&bench_faults) - faults0);
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

static ssize_t run_write(struct file *file, const char __user *buf,
			 size_t count, loff_t *ppos)
{
	return edu_run_locked(edu_run, count);
}

static const struct file_operations run_fops = {
	.owner = THIS_MODULE,
	.write = run_write,
};

static int result_show(struct seq_file *m, void *v)
{
	mutex_lock(&edu.lock);
	seq_printf(m, "%s\n", edu.result[0] ? edu.result : "not run");
	mutex_unlock(&edu.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(result);

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret = pcim_enable_device(pdev);

	if (ret)
		return ret;
	edu.bar = pcim_iomap(pdev, 0, 0);
	if (!edu.bar)
		return -ENOMEM;
	pci_set_master(pdev);
	mutex_lock(&edu.lock);
	edu.pdev = pdev;
	mutex_unlock(&edu.lock);
	return 0;
}

static void edu_remove(struct pci_dev *pdev)
{
	mutex_lock(&edu.lock);
	edu.pdev = NULL;
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

static int __init edu_init(void)
{
	unsigned int i;
	int ret;

	mutex_init(&edu.lock);
	edu.dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("run", 0200, edu.dir, NULL, &run_fops);
	debugfs_create_file("result", 0444, edu.dir, NULL, &result_fops);
	ret = register_kprobe(&stretch_kp);
	if (ret) {
		pr_err("cannot probe prepare_domain_attach_device: %d\n", ret);
		goto err_dir;
	}
	debugfs_create_file("window", 0200, edu.dir, NULL, &window_fops);
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
	unregister_kprobe(&stretch_kp);
err_dir:
	debugfs_remove_recursive(edu.dir);
	return ret;
}

static void __exit edu_exit(void)
{
	unsigned int i;

	debugfs_remove_recursive(edu.dir);
	pci_unregister_driver(&edu_driver);
	for (i = 0; i < ARRAY_SIZE(bench_kps); i++)
		unregister_kprobe(&bench_kps[i]);
	unregister_kprobe(&stretch_kp);
}

module_init(edu_init);
module_exit(edu_exit);
MODULE_DESCRIPTION("edu DMA proof of direct intel-iommu domain switches");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(IOMMUFD_INTERNAL);
