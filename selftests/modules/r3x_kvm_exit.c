// SPDX-License-Identifier: GPL-2.0
/*
 * r3x_kvm_exit: ring3_exec called from KVM's exit path.
 *
 * A probe on kvm.ko's kvm_exit tracepoint calls this module's helper at CPL3
 * (this CPU's instance of it) on every VM exit of the armed process (its
 * vCPU threads), with IRQs off and the guest's FPU state loaded. The helper dirties every XMM/YMM
 * register and MXCSR, uses its stack and returns a checksum of its
 * arguments. Each call reads the host's SYSCALL MSRs before and after and
 * counts, per CPU, calls, errors, wrong results, MSRs not restored exactly
 * and exits that found other than Linux's SYSCALL MSRs loaded. The time of
 * each call is summed so that "bench" can compare it with the same helper
 * called from process context.
 *
 * debugfs (/sys/kernel/debug/r3x_kvm_exit/):
 *   arm       write a process ID to arm (its exits call the helper), 0 to
 *             disarm; read: the armed process ID
 *   counters  read: the sums and each CPU's counters; write "reset"
 *   bench     write N (1..1000000): N calls from process context; read:
 *             ns per call there and in the exit path
 */
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <hvsec/compat.h>
#include <hvsec/ring3_exec.h>
#include "r3x_kvm_exit.h"

#define KX_MAX_BENCH	1000000
#define KX_MXCSR	0xff80	/* FZ, round toward zero, all masked */

/*
 * Arguments: RDI, RSI, RDX, R10, R8, R9 = a0..a5; a5 bit 0: AVX usable.
 * Pushes the arguments, dirties XMM0-15 (YMM0-15 with AVX) and MXCSR, then
 * pops them into a rotating checksum plus XMM0's final low half (a0 << 15).
 */
#define KX_S(x) __stringify(x)
R3X_DEFINE_HELPER(r3x_kx_helper,
		  "\tpushq %rdi\n"
		  "\tpushq %rsi\n"
		  "\tpushq %rdx\n"
		  "\tpushq %r10\n"
		  "\tpushq %r8\n"
		  "\tpushq %r9\n"
		  "\tpushq $" KX_S(KX_MXCSR) "\n"
		  "\tldmxcsr (%rsp)\n"
		  "\tpopq %rax\n"
		  "\tmovq %rdi, %xmm0\n"
		  "\t.irp r,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
		  "\tmovdqa %xmm0, %xmm\\r\n"
		  "\tpaddq %xmm\\r, %xmm0\n"
		  "\t.endr\n"
		  "\ttestb $1, %r9b\n"
		  "\tjz 1f\n"
		  "\t.irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
		  "\tvinsertf128 $1, %xmm\\r, %ymm\\r, %ymm\\r\n"
		  "\t.endr\n"
		  "1:\txorl %eax, %eax\n"
		  "\tmovl $1, %ecx\n"
		  "\t.rept 6\n"
		  "\tpopq %rdx\n"
		  "\timulq %rcx, %rdx\n"
		  "\trolq $7, %rax\n"
		  "\taddq %rdx, %rax\n"
		  "\tincq %rcx\n"
		  "\t.endr\n"
		  "\tmovq %xmm0, %rdx\n"
		  "\taddq %rdx, %rax\n"
		  "\tmovq %rax, %rdi\n"
		  "\txorl %eax, %eax\n"
		  "\tsyscall\n"
		  "\tud2");

struct kx_count {
	u64 calls;
	u64 errors;		/* r3x_call() failed */
	u64 bad_result;		/* the helper's result was wrong */
	u64 msr_mismatch;	/* SYSCALL MSRs not put back exactly */
	u64 not_host_msrs;	/* the exit found other than Linux's MSRs */
	u64 ns;			/* time in r3x_call() */
};

static DEFINE_PER_CPU(struct kx_count, kx_count);
/*
 * One instance of the helper per CPU, as a caller that cannot sleep
 * should have (Documentation/ring3_exec.rst): exits on different CPUs
 * never wait for each other. kx_helper is the first, the registration.
 */
static struct r3x_helper *kx_helper;
static DEFINE_PER_CPU(struct r3x_helper *, kx_inst);
static struct r3x_syscall_msrs kx_host_msrs;
static pid_t kx_armed;
static bool kx_avx;
static struct dentry *kx_dir;
static DEFINE_MUTEX(kx_bench_lock);
static u64 kx_bench_ns, kx_bench_calls, kx_bench_errors;

static u64 kx_expect(const u64 a[6])
{
	u64 acc = 0;
	int i;

	for (i = 0; i < 6; i++)
		acc = rol64(acc, 7) + a[5 - i] * (i + 1);
	return acc + (a[0] << 15);
}

static bool kx_msrs_equal(const struct r3x_syscall_msrs *a,
			  const struct r3x_syscall_msrs *b)
{
	return a->lstar == b->lstar && a->star == b->star &&
	       a->sfmask == b->sfmask;
}

/* One checked, timed call; the caller has preemption off. */
static int kx_call_once(struct kx_count *c, u64 a0, u64 a1)
{
	struct r3x_syscall_msrs before, after;
	struct r3x_fault fault;
	u64 args[6] = { a0, a1, current->tgid, 0x5a5a0000c3c3ULL,
			smp_processor_id(), kx_avx };
	u64 result = 0, t0;
	int ret;

	r3x_msrs_save(&before);
	t0 = local_clock();
	ret = r3x_call(this_cpu_read(kx_inst), args, &result, &fault);
	c->ns += local_clock() - t0;
	r3x_msrs_save(&after);
	c->calls++;
	if (ret)
		c->errors++;
	else if (result != kx_expect(args))
		c->bad_result++;
	if (!kx_msrs_equal(&before, &after))
		c->msr_mismatch++;
	if (!kx_msrs_equal(&before, &kx_host_msrs))
		c->not_host_msrs++;
	return ret;
}

/* kvm_exit: vCPU thread, IRQs and preemption off, guest FPU state loaded. */
static void kx_probe(void *data, struct kvm_vcpu *vcpu, u32 isa)
{
	struct kx_count *c;
	pid_t armed = READ_ONCE(kx_armed);

	if (!armed || current->tgid != armed)
		return;
	c = this_cpu_ptr(&kx_count);
	kx_call_once(c, c->calls, isa);
}

static void kx_sum(struct kx_count *s)
{
	int cpu;

	memset(s, 0, sizeof(*s));
	for_each_possible_cpu(cpu) {
		const struct kx_count *c = per_cpu_ptr(&kx_count, cpu);

		s->calls += c->calls;
		s->errors += c->errors;
		s->bad_result += c->bad_result;
		s->msr_mismatch += c->msr_mismatch;
		s->not_host_msrs += c->not_host_msrs;
		s->ns += c->ns;
	}
}

static int kx_arm_get(void *data, u64 *val)
{
	*val = READ_ONCE(kx_armed);
	return 0;
}

static int kx_arm_set(void *data, u64 val)
{
	if (val > PID_MAX_LIMIT) {
		pr_warn("r3x_kvm_exit: arm: %llu is not a process ID\n", val);
		return -EINVAL;
	}
	WRITE_ONCE(kx_armed, (pid_t)val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(kx_arm_fops, kx_arm_get, kx_arm_set, "%llu\n");

static int kx_counters_show(struct seq_file *m, void *v)
{
	struct kx_count s;
	int cpu;

	kx_sum(&s);
	seq_printf(m, "calls: %llu\nerrors: %llu\nbad_result: %llu\n",
		   s.calls, s.errors, s.bad_result);
	seq_printf(m, "msr_mismatch: %llu\nnot_host_msrs: %llu\n",
		   s.msr_mismatch, s.not_host_msrs);
	seq_printf(m, "exit_ns: %llu\n", s.calls ? div64_u64(s.ns, s.calls) : 0);
	for_each_possible_cpu(cpu) {
		const struct kx_count *c = per_cpu_ptr(&kx_count, cpu);

		seq_printf(m, "cpu%d: calls %llu errors %llu bad_result %llu msr_mismatch %llu not_host_msrs %llu\n",
			   cpu, c->calls, c->errors, c->bad_result,
			   c->msr_mismatch, c->not_host_msrs);
	}
	return 0;
}

static int kx_counters_open(struct inode *inode, struct file *file)
{
	return single_open(file, kx_counters_show, NULL);
}

static ssize_t kx_counters_write(struct file *file, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	char buf[8] = "";
	int cpu;

	if (len >= sizeof(buf) || copy_from_user(buf, ubuf, len) ||
	    strcmp(strim(buf), "reset")) {
		pr_warn("r3x_kvm_exit: counters: only \"reset\" can be written\n");
		return -EINVAL;
	}
	if (READ_ONCE(kx_armed)) {
		pr_warn("r3x_kvm_exit: counters: disarm before a reset\n");
		return -EBUSY;
	}
	/* Disarmed: a probe that still runs counts on the old values only. */
	tracepoint_synchronize_unregister();
	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(&kx_count, cpu), 0, sizeof(struct kx_count));
	return len;
}

static const struct file_operations kx_counters_fops = {
	.owner = THIS_MODULE,
	.open = kx_counters_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = kx_counters_write,
};

static int kx_bench_show(struct seq_file *m, void *v)
{
	struct kx_count s;

	kx_sum(&s);
	mutex_lock(&kx_bench_lock);
	seq_printf(m, "process_calls: %llu\nprocess_errors: %llu\nprocess_ns: %llu\n",
		   kx_bench_calls, kx_bench_errors,
		   kx_bench_calls ? div64_u64(kx_bench_ns, kx_bench_calls) : 0);
	mutex_unlock(&kx_bench_lock);
	seq_printf(m, "exit_calls: %llu\nexit_ns: %llu\n", s.calls,
		   s.calls ? div64_u64(s.ns, s.calls) : 0);
	return 0;
}

static int kx_bench_open(struct inode *inode, struct file *file)
{
	return single_open(file, kx_bench_show, NULL);
}

/* N calls from process context, preemption off around each (as in the probe). */
static ssize_t kx_bench_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	struct kx_count c = {};
	unsigned int n, i;
	int ret;

	ret = kstrtouint_from_user(ubuf, len, 0, &n);
	if (ret || !n || n > KX_MAX_BENCH) {
		pr_warn("r3x_kvm_exit: bench: give a number of calls, 1..%d\n",
			KX_MAX_BENCH);
		return ret ? ret : -ERANGE;
	}
	for (i = 0; i < n; i++) {
		preempt_disable();
		kx_call_once(&c, i, 0);
		preempt_enable();
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	mutex_lock(&kx_bench_lock);
	kx_bench_calls = c.calls;
	kx_bench_errors = c.errors + c.bad_result + c.msr_mismatch;
	kx_bench_ns = c.ns;
	mutex_unlock(&kx_bench_lock);
	return len;
}

static const struct file_operations kx_bench_fops = {
	.owner = THIS_MODULE,
	.open = kx_bench_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = kx_bench_write,
};

/* The registration serves the first possible CPU, instances the others. */
static int kx_instances(void)
{
	struct r3x_helper *h;
	int cpu;

	for_each_possible_cpu(cpu) {
		h = cpu == cpumask_first(cpu_possible_mask) ? kx_helper :
		    r3x_instance_new(kx_helper);
		if (IS_ERR(h))
			return PTR_ERR(h);
		per_cpu(kx_inst, cpu) = h;
	}
	return 0;
}

static void kx_unregister(void)
{
	struct r3x_helper *h;
	int cpu;

	for_each_possible_cpu(cpu) {
		h = per_cpu(kx_inst, cpu);
		per_cpu(kx_inst, cpu) = NULL;
		if (h && h != kx_helper)
			r3x_unregister(h);
	}
	r3x_unregister(kx_helper);
}

static int __init kx_init(void)
{
	struct r3x_helper_desc d = {
		.name = "kvm_exit",
		.code_start = r3x_kx_helper_start,
		.code_end = r3x_kx_helper_end,
		.stack_pages = 1,
	};
	int ret;

	kx_avx = boot_cpu_has(X86_FEATURE_AVX) && boot_cpu_has(X86_FEATURE_OSXSAVE);
	r3x_msrs_save(&kx_host_msrs);
	kx_helper = r3x_register(&d);
	if (IS_ERR_OR_NULL(kx_helper)) {
		ret = kx_helper ? PTR_ERR(kx_helper) : -ENOMEM;
		pr_err("r3x_kvm_exit: cannot register the helper: %d\n", ret);
		return ret;
	}
	ret = kx_instances();
	if (!ret)
		ret = tracepoint_probe_register(&__tracepoint_kvm_exit, kx_probe, NULL);
	if (ret) {
		pr_err("r3x_kvm_exit: cannot hook kvm_exit: %d\n", ret);
		kx_unregister();
		return ret;
	}
	kx_dir = debugfs_create_dir("r3x_kvm_exit", NULL);
	debugfs_create_file_unsafe("arm", 0600, kx_dir, NULL, &kx_arm_fops);
	debugfs_create_file("counters", 0600, kx_dir, NULL, &kx_counters_fops);
	debugfs_create_file("bench", 0600, kx_dir, NULL, &kx_bench_fops);
	return 0;
}

static void __exit kx_exit(void)
{
	debugfs_remove(kx_dir);
	WRITE_ONCE(kx_armed, 0);
	tracepoint_probe_unregister(&__tracepoint_kvm_exit, kx_probe, NULL);
	tracepoint_synchronize_unregister();
	kx_unregister();
}

module_init(kx_init);
module_exit(kx_exit);
MODULE_DESCRIPTION("ring3_exec test: a helper called from KVM's exit path");
MODULE_VERSION(HVSEC_VERSION);
MODULE_AUTHOR("hvsec developers");
MODULE_LICENSE("GPL");
/* r3x_msrs_save() */
HVSEC_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
