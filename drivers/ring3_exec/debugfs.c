// SPDX-License-Identifier: GPL-2.0
/*
 * ring3_exec debugfs: msrs, helpers, stats (and the built-in helpers' files
 * from builtin.c).
 */
#include <linux/debugfs.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <kunit/visibility.h>
#include <hvsec/ring3_exec.h>
#include "r3x.h"

static struct dentry *r3x_dir;
/* The last contained fault; written only when a call fails. */
static DEFINE_SPINLOCK(r3x_last_lock);
static struct r3x_fault r3x_last;
static char r3x_last_helper[32];

void r3x_note_fault(const struct r3x_helper *h, const struct r3x_fault *f)
{
	unsigned long flags;

	spin_lock_irqsave(&r3x_last_lock, flags);
	r3x_last = *f;
	memcpy(r3x_last_helper, h->name, sizeof(r3x_last_helper));
	spin_unlock_irqrestore(&r3x_last_lock, flags);
}

/* Counters for tests: calls, faults and MSR restore mismatches so far. */
void r3x_get_counters(u64 *calls, u64 *faults, u64 *msr_mismatch)
{
	struct r3x_stats st;

	r3x_stats_sum(&st);
	*calls = st.calls;
	*faults = st.faults;
	*msr_mismatch = st.msr_mismatch;
}
EXPORT_SYMBOL_IF_KUNIT(r3x_get_counters);

static int msrs_show(struct seq_file *m, void *v)
{
	struct r3x_syscall_msrs msrs;

	preempt_disable();
	r3x_msrs_save(&msrs);
	preempt_enable();
	seq_printf(m, "lstar: %#llx\nstar: %#llx\nsfmask: %#llx\n",
		   msrs.lstar, msrs.star, msrs.sfmask);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(msrs);

static int helpers_show(struct seq_file *m, void *v)
{
	struct r3x_helper *h;

	mutex_lock(&r3x_lock);
	list_for_each_entry(h, &r3x_helpers, node)
		seq_printf(m, "%s code_pages=%u data_pages=%u stack_pages=%u services=%u budget_us=%llu calls=%llu faults=%llu timeouts=%llu\n",
			   h->name, h->nr_code, h->nr_data, h->nr_stack,
			   h->nr_services, div_u64(h->budget_ns, NSEC_PER_USEC),
			   READ_ONCE(h->calls), READ_ONCE(h->faults),
			   READ_ONCE(h->timeouts));
	mutex_unlock(&r3x_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(helpers);

static int stats_show(struct seq_file *m, void *v)
{
	struct r3x_fault last;
	struct r3x_stats st;
	char name[32];

	r3x_stats_sum(&st);
	spin_lock_irq(&r3x_last_lock);
	last = r3x_last;
	memcpy(name, r3x_last_helper, sizeof(name));
	spin_unlock_irq(&r3x_last_lock);
	seq_printf(m, "calls: %llu\nfaults: %llu\ntimeouts: %llu\nkilled: %llu\n",
		   st.calls, st.faults, st.timeouts, st.killed);
	seq_printf(m, "slices: %llu\nirqs: %llu\nnmis: %llu\nmces: %llu\nyields: %llu\nkicks: %llu\n",
		   st.slices, st.irqs, st.nmis, st.mces, st.yields, st.kicks);
	seq_printf(m, "last_fault: helper=%s vector=%#llx error=%#llx rip=%#llx cr2=%#llx rsp=%#llx rflags=%#llx\n",
		   name[0] ? name : "-", last.vector, last.error_code, last.rip,
		   last.cr2, last.rsp, last.rflags);
	seq_printf(m, "msr_checks: %llu\nmsr_mismatch: %llu\n",
		   st.msr_checks, st.msr_mismatch);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

void r3x_debugfs_init(void)
{
	r3x_dir = debugfs_create_dir("ring3_exec", NULL);
	debugfs_create_file("msrs", 0444, r3x_dir, NULL, &msrs_fops);
	debugfs_create_file("helpers", 0444, r3x_dir, NULL, &helpers_fops);
	debugfs_create_file("stats", 0444, r3x_dir, NULL, &stats_fops);
	r3x_builtin_debugfs(r3x_dir);
}

void r3x_debugfs_exit(void)
{
	debugfs_remove_recursive(r3x_dir);
}
