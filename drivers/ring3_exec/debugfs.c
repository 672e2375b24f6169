// SPDX-License-Identifier: GPL-2.0
/*
 * ring3_exec debugfs: msrs, helpers, stats (and the built-in helpers' files
 * from builtin.c).
 */
#include <linux/debugfs.h>
#include <linux/math64.h>
#include <linux/percpu.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <kunit/visibility.h>
#include <hvsec/ring3_exec.h>
#include "r3x.h"

static struct dentry *r3x_dir, *r3x_helper_dir;
static bool r3x_debugfs_gone;
/* The last contained fault; written only when a call fails. */
static DEFINE_SPINLOCK(r3x_last_lock);
static struct r3x_fault r3x_last;
static char r3x_last_helper[32];
static char r3x_last_sym[80];

void r3x_note_fault(const struct r3x_helper *h, const struct r3x_fault *f)
{
	unsigned long flags;
	char sym[80];

	r3x_fault_symbol(h, f->rip, sym, sizeof(sym));
	spin_lock_irqsave(&r3x_last_lock, flags);
	r3x_last = *f;
	memcpy(r3x_last_helper, h->name, sizeof(r3x_last_helper));
	memcpy(r3x_last_sym, sym, sizeof(r3x_last_sym));
	spin_unlock_irqrestore(&r3x_last_lock, flags);
}

/* An instance's counters, summed over the CPUs. */
static void r3x_istats_sum(const struct r3x_helper *h, struct r3x_istats *sum)
{
	unsigned int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct r3x_istats *st = per_cpu_ptr(h->stats, cpu);

		sum->calls += READ_ONCE(st->calls);
		sum->faults += READ_ONCE(st->faults);
		sum->timeouts += READ_ONCE(st->timeouts);
		sum->ns += READ_ONCE(st->ns);
	}
}

/* helper/<name>/<id>: one instance. */
static int instance_show(struct seq_file *m, void *v)
{
	struct r3x_helper *h = m->private;
	struct r3x_istats st;

	r3x_istats_sum(h, &st);
	seq_printf(m, "instance: %u\ncalls: %llu\nfaults: %llu\ntimeouts: %llu\n",
		   h->id, st.calls, st.faults, st.timeouts);
	seq_printf(m, "ns_per_call: %llu\nbusy: %d\n",
		   st.calls ? div64_u64(st.ns, st.calls) : 0, atomic_read(&h->busy));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(instance);

/* helper/<name>/image: what the instances share. */
static int image_show(struct seq_file *m, void *v)
{
	struct r3x_image *img = m->private;

	seq_printf(m, "entry: %#llx\ntext_pages: %u\nrodata_pages: %u\ndata_pages: %u\nstack_pages: %u\n",
		   img->entry, img->text_pages, img->ro_pages, img->data_pages,
		   img->stack_pages);
	seq_printf(m, "in_max: %zu\nout_max: %zu\nreset_data: %d\nsymbols: %u\nservices: %u\n",
		   img->in_max, img->out_max, !!(img->flags & R3X_F_RESET_DATA),
		   img->nr_syms, img->nr_services);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(image);

/*
 * helper/<name>/ for an image (at its first instance) and a file per
 * instance. Two images of one name share nothing here: the second gets
 * no directory (debugfs is for looking, never needed to work).
 */
void r3x_debugfs_add(struct r3x_helper *h)
{
	struct r3x_image *img = h->img;
	char id[16];

	if (!r3x_helper_dir)
		return;
	if (!h->id) {
		img->dir = debugfs_create_dir(img->name, r3x_helper_dir);
		if (IS_ERR(img->dir)) {
			img->dir = NULL;
			return;
		}
		debugfs_create_file("image", 0444, img->dir, img, &image_fops);
	}
	if (!img->dir)
		return;
	snprintf(id, sizeof(id), "%u", h->id);
	h->file = debugfs_create_file(id, 0444, img->dir, h, &instance_fops);
}

void r3x_debugfs_del(struct r3x_helper *h)
{
	if (!r3x_debugfs_gone)
		debugfs_remove(h->file);
	h->file = NULL;
}

void r3x_debugfs_image_del(struct r3x_image *img)
{
	if (!r3x_debugfs_gone)
		debugfs_remove_recursive(img->dir);
	img->dir = NULL;
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
	list_for_each_entry(h, &r3x_helpers, node) {
		struct r3x_istats st;

		r3x_istats_sum(h, &st);
		seq_printf(m, "%s instance=%u code_pages=%u rodata_pages=%u data_pages=%u stack_pages=%u services=%u budget_us=%llu calls=%llu faults=%llu timeouts=%llu\n",
			   h->name, h->id, h->img->text_pages, h->img->ro_pages,
			   h->img->data_pages, h->img->stack_pages,
			   h->nr_services, div_u64(h->budget_ns, NSEC_PER_USEC),
			   st.calls, st.faults, st.timeouts);
	}
	mutex_unlock(&r3x_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(helpers);

static int stats_show(struct seq_file *m, void *v)
{
	struct r3x_fault last;
	struct r3x_stats st;
	char name[32], sym[80];

	r3x_stats_sum(&st);
	spin_lock_irq(&r3x_last_lock);
	last = r3x_last;
	memcpy(name, r3x_last_helper, sizeof(name));
	memcpy(sym, r3x_last_sym, sizeof(sym));
	spin_unlock_irq(&r3x_last_lock);
	seq_printf(m, "calls: %llu\nfaults: %llu\ntimeouts: %llu\nkilled: %llu\n",
		   st.calls, st.faults, st.timeouts, st.killed);
	seq_printf(m, "slices: %llu\nirqs: %llu\nnmis: %llu\nmces: %llu\nyields: %llu\nkicks: %llu\n",
		   st.slices, st.irqs, st.nmis, st.mces, st.yields, st.kicks);
	seq_printf(m, "last_fault: helper=%s vector=%#llx error=%#llx rip=%#llx cr2=%#llx rsp=%#llx rflags=%#llx at=%s\n",
		   name[0] ? name : "-", last.vector, last.error_code, last.rip,
		   last.cr2, last.rsp, last.rflags, sym[0] ? sym : "-");
	seq_printf(m, "msr_checks: %llu\nmsr_mismatch: %llu\n",
		   st.msr_checks, st.msr_mismatch);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

void r3x_debugfs_init(void)
{
	debugfs_create_file("msrs", 0444, r3x_dir, NULL, &msrs_fops);
	debugfs_create_file("helpers", 0444, r3x_dir, NULL, &helpers_fops);
	debugfs_create_file("stats", 0444, r3x_dir, NULL, &stats_fops);
	r3x_builtin_debugfs(r3x_dir);
}

/* Before any helper registers: helper/ holds one directory per image. */
void r3x_debugfs_early(void)
{
	r3x_dir = debugfs_create_dir("ring3_exec", NULL);
	r3x_helper_dir = debugfs_create_dir("helper", r3x_dir);
	if (IS_ERR(r3x_helper_dir))
		r3x_helper_dir = NULL;
}

/*
 * At unload, before the built-in helpers go: their files go with the tree,
 * and their unregistration then has nothing left to remove.
 */
void r3x_debugfs_exit(void)
{
	debugfs_remove_recursive(r3x_dir);
	r3x_dir = NULL;
	r3x_helper_dir = NULL;
	r3x_debugfs_gone = true;
}
