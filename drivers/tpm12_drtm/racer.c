// SPDX-License-Identifier: GPL-2.0
/*
 * tpm12_drtm_racer: a test module, loaded by the selftests only and never
 * packaged. A kernel thread measures into one PCR through tpm12_drtm's
 * in-kernel API, call after call, until the module is unloaded. Kernel
 * threads are not frozen for a system suspend, so this is a user of the
 * TPM that keeps asking while Linux suspends and resumes the chip.
 * debugfs tpm12_drtm_racer/stats: calls, successes, failures (last
 * errno), and the longest call (a call made while the system was
 * suspended waits for the resume).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <hvsec/tpm12_drtm.h>
#include <uapi/linux/hvsec_tpm12_drtm.h>

static unsigned int pcr = 17;
module_param(pcr, uint, 0444);
MODULE_PARM_DESC(pcr, "PCR to extend (default 17)");

static unsigned int delay_us = 1000;
module_param(delay_us, uint, 0444);
MODULE_PARM_DESC(delay_us, "Pause between two measurements, 0..100000 us (default 1000)");

static struct {
	struct task_struct *task;
	struct dentry *dir;
	u64 calls, ok, failed, max_ns;
	int last_err;
} racer;

static int racer_fn(void *unused)
{
	u8 digest[TPM12_DRTM_DIGEST_SIZE];
	char data[32];
	u64 t0, ns;
	int ret, len;

	while (!kthread_should_stop()) {
		len = snprintf(data, sizeof(data), "racer-%llu", racer.calls);
		t0 = ktime_get_ns();
		ret = tpm12_drtm_measure(pcr, TPM12_DRTM_EV_TEST, data, len,
					 data, len, TPM12_DRTM_HASH_HOST, digest);
		ns = ktime_get_ns() - t0;
		WRITE_ONCE(racer.max_ns, max(racer.max_ns, ns));
		WRITE_ONCE(racer.calls, racer.calls + 1);
		if (ret) {
			WRITE_ONCE(racer.failed, racer.failed + 1);
			WRITE_ONCE(racer.last_err, ret);
		} else {
			WRITE_ONCE(racer.ok, racer.ok + 1);
		}
		if (delay_us)
			usleep_range(delay_us, delay_us + delay_us / 4 + 1);
		else
			cond_resched();
	}
	return 0;
}

static int stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "calls: %llu\nok: %llu\nfailed: %llu\nlast_error: %d\nmax_call_ns: %llu\n",
		   READ_ONCE(racer.calls), READ_ONCE(racer.ok),
		   READ_ONCE(racer.failed), READ_ONCE(racer.last_err),
		   READ_ONCE(racer.max_ns));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int __init racer_init(void)
{
	if (pcr >= TPM12_DRTM_NR_PCRS || delay_us > 100000) {
		pr_err("pcr %u or delay_us %u out of range\n", pcr, delay_us);
		return -EINVAL;
	}
	racer.dir = debugfs_create_dir("tpm12_drtm_racer", NULL);
	debugfs_create_file("stats", 0444, racer.dir, NULL, &stats_fops);
	racer.task = kthread_run(racer_fn, NULL, "tpm12_drtm_racer");
	if (IS_ERR(racer.task)) {
		debugfs_remove_recursive(racer.dir);
		return PTR_ERR(racer.task);
	}
	return 0;
}

static void __exit racer_exit(void)
{
	kthread_stop(racer.task);
	debugfs_remove_recursive(racer.dir);
	pr_info("%llu calls, %llu ok, %llu failed (last %d), longest %llu ms\n",
		racer.calls, racer.ok, racer.failed, racer.last_err,
		div_u64(racer.max_ns, NSEC_PER_MSEC));
}

module_init(racer_init);
module_exit(racer_exit);
MODULE_DESCRIPTION("Test module: tpm12_drtm measurements from a kernel thread, without pause");
MODULE_LICENSE("GPL");
