/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvsec: the one place for differences between the kernels hvsec builds
 * against (Debian's 6.1, 6.12 and 7.3 kernels, and the 6.12 and 7.3 test
 * kernels).
 *
 * Rules: code outside this file never tests the kernel version. Prefer a
 * feature test (#ifdef on the macro that a kernel introduced) to a version
 * test; where only a version test works, use HVSEC_KERNEL_AT_LEAST() and
 * say which version changed what.
 * Helpers are prefixed hvsec_ / HVSEC_ so that a backport of the kernel's
 * own name to an older stable kernel can never clash with them.
 * Assembly (.S) files include it too: they see only the part for them.
 */
#ifndef _HVSEC_COMPAT_H
#define _HVSEC_COMPAT_H

#include <linux/version.h>

/*
 * The one version test: HVSEC_KERNEL_AT_LEAST(6, 13) is true on 6.13 and
 * newer (Debian's stable updates keep the major.patchlevel of a series).
 */
#define HVSEC_KERNEL(major, patchlevel)	(((major) << 8) + (patchlevel))
#define HVSEC_KERNEL_AT_LEAST(major, patchlevel) \
	(HVSEC_KERNEL(major, patchlevel) <= \
	 HVSEC_KERNEL(LINUX_VERSION_MAJOR, LINUX_VERSION_PATCHLEVEL))

#ifdef __ASSEMBLY__
#include <linux/objtool.h>
#include <asm/unwind_hints.h>

/*
 * The unwind hint for "the kernel stack ends here" was UNWIND_HINT_EMPTY
 * until 6.4 split it into UNWIND_HINT_END_OF_STACK and
 * UNWIND_HINT_UNDEFINED.
 */
#ifdef UNWIND_HINT_TYPE_END_OF_STACK
#define HVSEC_UNWIND_HINT_END_OF_STACK	UNWIND_HINT_END_OF_STACK
#define HVSEC_UNWIND_HINT_UNDEFINED	UNWIND_HINT_UNDEFINED
#else
#define HVSEC_UNWIND_HINT_END_OF_STACK	UNWIND_HINT_EMPTY
#define HVSEC_UNWIND_HINT_UNDEFINED	UNWIND_HINT_EMPTY
#endif

#include <linux/stringify.h>
#include <asm/alternative.h>
#include <asm/cpufeatures.h>
#include <asm/nospec-branch.h>

/*
 * The end of the kernel's UNTRAIN_RET (for an entry from user mode, after
 * CALL_UNTRAIN_RET) with an IBPB function of the caller's: the kernel's own
 * (entry_ibpb(), later write_ibpb()) is exported to KVM only from 7.x. On
 * X86_FEATURE_ENTRY_IBPB a call of ibpb or, with call-depth tracking (6.2,
 * X86_FEATURE_CALL_DEPTH), the reset of its counter. (The kernel's
 * UNRET_END annotation is left out: objtool checks it in vmlinux only.)
 */
#ifdef X86_FEATURE_CALL_DEPTH
#define HVSEC_ENTRY_IBPB_OR_CALL_DEPTH(ibpb)					\
	ALTERNATIVE_2 "", __stringify(call ibpb), X86_FEATURE_ENTRY_IBPB,	\
		      __stringify(RESET_CALL_DEPTH), X86_FEATURE_CALL_DEPTH
#else
#define HVSEC_ENTRY_IBPB_OR_CALL_DEPTH(ibpb)					\
	ALTERNATIVE "", __stringify(call ibpb), X86_FEATURE_ENTRY_IBPB
#endif

#else /* !__ASSEMBLY__ */
#include <linux/types.h>
#include <asm/cpufeature.h>

/*
 * MODULE_IMPORT_NS(): a bare identifier up to 6.12, a string literal from
 * 6.13 on. HVSEC_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING) works on both.
 */
#if HVSEC_KERNEL_AT_LEAST(6, 13)
#define HVSEC_IMPORT_NS(ns)	MODULE_IMPORT_NS(#ns)
#else
#define HVSEC_IMPORT_NS(ns)	MODULE_IMPORT_NS(ns)
#endif

/*
 * FRED (flexible return and event delivery, 6.9) replaces SYSCALL/SYSRET
 * entry. Kernels older than 6.9 do not know the feature and never use it.
 */
static inline bool hvsec_cpu_has_fred(void)
{
#ifdef X86_FEATURE_FRED
	return cpu_feature_enabled(X86_FEATURE_FRED);
#else
	return false;
#endif
}

/*
 * Does the kernel use IBPB, i.e. would its indirect_branch_prediction_barrier()
 * issue one? Where X86_FEATURE_USE_IBPB exists (6.1, 6.12), only with it
 * (off with spectre_v2_user=off or mitigations=off); once it is gone (7.x:
 * the callers decide for themselves), wherever the CPU has IBPB.
 */
static inline bool hvsec_cpu_use_ibpb(void)
{
#ifdef X86_FEATURE_USE_IBPB
	return cpu_feature_enabled(X86_FEATURE_USE_IBPB);
#else
	return cpu_feature_enabled(X86_FEATURE_IBPB);
#endif
}

/*
 * Trace events: __assign_str() takes only the field from 6.10 on and copies
 * the source given to __string(); hvsec_assign_str(field, source) drops the
 * source there.
 */
#if HVSEC_KERNEL_AT_LEAST(6, 10)
#define hvsec_assign_str(dst, ...)	__assign_str(dst)
#else
#define hvsec_assign_str(dst, src)	__assign_str(dst, src)
#endif

/*
 * load_gs_index() moved from <asm/special_insns.h> (or <asm/paravirt.h>,
 * which it includes) to <asm/gsseg.h> in 6.2.
 */
#if HVSEC_KERNEL_AT_LEAST(6, 2)
#include <asm/gsseg.h>
#else
#include <asm/special_insns.h>
#endif

#include <linux/err.h>
#include <linux/kprobes.h>
#include <asm/ibt.h>

/*
 * Can an indirect call land on insn under IBT, i.e. is it ENDBR64? The
 * kernel's is_endbr() cannot tell: it also accepts the poison that boot
 * writes over sealed ENDBRs (functions never called indirectly), where an
 * indirect call raises #CP. From 7.x it also takes a pointer and is not
 * exported. Compare with the ENDBR64 encoding itself (gen_endbr() keeps it
 * out of our own text). Without kernel IBT there is no ENDBR to find.
 */
static inline bool hvsec_is_endbr(const void *insn)
{
#ifdef CONFIG_X86_KERNEL_IBT
	return *(const u32 *)insn == gen_endbr();
#else
	return false;
#endif
}

/*
 * kallsyms_lookup_name() is not exported (since 5.7): a kprobe on it tells
 * its address. With IBT the kprobe sits after the function's ENDBR, while an
 * indirect call must land on the ENDBR, so step back to it; a function whose
 * ENDBR was sealed at boot cannot be called indirectly on a CPU enforcing
 * IBT. Returns the function or an ERR_PTR (-EOPNOTSUPP for the latter).
 */

typedef unsigned long (*hvsec_kallsyms_fn)(const char *name);

static inline hvsec_kallsyms_fn hvsec_kallsyms_lookup_fn(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long fn;
	int ret;

	ret = register_kprobe(&kp);
	if (ret)
		return ERR_PTR(ret);
	fn = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	if (ENDBR_INSN_SIZE && hvsec_is_endbr((void *)(fn - ENDBR_INSN_SIZE)))
		fn -= ENDBR_INSN_SIZE;
	else if (cpu_feature_enabled(X86_FEATURE_IBT))
		return ERR_PTR(-EOPNOTSUPP);
	return (hvsec_kallsyms_fn)fn;
}

/*
 * The per-CPU top of the current task's stack, where Linux's entry code from
 * user mode (NMI, #MC, sync_regs()) builds its pt_regs: from 6.2 to 6.14 it
 * is pcpu_hot.top_of_stack, exported. Before 6.2, and again from 6.15 on
 * (pcpu_hot was dissolved into cache-hot per-CPU variables, declared with
 * DECLARE_PER_CPU_CACHE_HOT()), it is cpu_current_top_of_stack, declared in
 * <asm/processor.h> but not exported: its per-CPU address comes from
 * kallsyms (per-CPU symbols are listed with CONFIG_KALLSYMS_ALL), through
 * hvsec_kallsyms_lookup_fn().
 *
 * hvsec_top_of_stack_find(&tos) points tos at that per-CPU variable (use
 * this_cpu_read(*tos) and this_cpu_write(*tos, val)) and returns 0, or logs
 * in one line why it cannot and returns a negative errno. Process context.
 */
#include <linux/percpu.h>

#if HVSEC_KERNEL_AT_LEAST(6, 2) && !defined(DECLARE_PER_CPU_CACHE_HOT)
#include <asm/current.h>

static inline int hvsec_top_of_stack_find(unsigned long __percpu **tos)
{
	*tos = &pcpu_hot.top_of_stack;
	return 0;
}
#else
#include <linux/errno.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/sched/task_stack.h>
#include <asm/processor.h>

static inline int hvsec_top_of_stack_find(unsigned long __percpu **tos)
{
	static const char sym[] = "cpu_current_top_of_stack";
	hvsec_kallsyms_fn lookup = hvsec_kallsyms_lookup_fn();
	unsigned long __percpu *p;
	bool current_task_top;
	unsigned long addr;

	if (IS_ERR(lookup)) {
		pr_err("cannot find %s: kallsyms_lookup_name not callable (%ld)\n",
		       sym, PTR_ERR(lookup));
		return PTR_ERR(lookup);
	}
	addr = lookup(sym);
	if (!addr) {
		pr_err("cannot find %s in kallsyms (CONFIG_KALLSYMS_ALL off?)\n",
		       sym);
		return -ENOENT;
	}
	/* Check that it is what its name says before anyone writes to it. */
	p = (unsigned long __force __percpu *)addr;
	preempt_disable();
	current_task_top = this_cpu_read(*p) == task_top_of_stack(current);
	preempt_enable();
	if (!current_task_top) {
		pr_err("%s does not hold the current task's top of stack\n",
		       sym);
		return -ENOENT;
	}
	*tos = p;
	return 0;
}
#endif

/*
 * rdmsrl()/wrmsrl() were renamed rdmsrq()/wrmsrq() in 6.16 (rdmsrq() is a
 * macro there, with or without paravirt).
 */
#include <asm/msr.h>

#ifdef rdmsrq
#define hvsec_rdmsrq(msr, val)	rdmsrq(msr, val)
#define hvsec_wrmsrq(msr, val)	wrmsrq(msr, val)
#else
#define hvsec_rdmsrq(msr, val)	rdmsrl(msr, val)
#define hvsec_wrmsrq(msr, val)	wrmsrl(msr, val)
#endif

/*
 * cpuid_count() moved from <asm/processor.h> (6.1; via <asm/cpuid.h> on
 * 6.12) to <asm/cpuid/api.h>, which processor.h no longer includes (6.15).
 */
#if HVSEC_KERNEL_AT_LEAST(6, 15)
#include <asm/cpuid/api.h>
#else
#include <asm/processor.h>
#endif

/*
 * Does SYSENTER work outside 32-bit legacy mode (Intel, Centaur, Zhaoxin;
 * not AMD)? That was X86_FEATURE_SYSENTER32 until it became
 * X86_FEATURE_SYSFAST32, which every 64-bit CPU has; ask the vendor there.
 */
static inline bool hvsec_cpu_has_sysenter_long_mode(void)
{
#ifdef X86_FEATURE_SYSENTER32
	return boot_cpu_has(X86_FEATURE_SYSENTER32);
#else
	switch (boot_cpu_data.x86_vendor) {
	case X86_VENDOR_INTEL:
	case X86_VENDOR_CENTAUR:
	case X86_VENDOR_ZHAOXIN:
		return true;
	default:
		return false;
	}
#endif
}

/*
 * hrtimer_setup() (6.13) sets the callback with the rest; hrtimer_init()
 * is gone from 6.15.
 */
#include <linux/hrtimer.h>

#if HVSEC_KERNEL_AT_LEAST(6, 13)
#define hvsec_hrtimer_setup(timer, fn, clock, mode) \
	hrtimer_setup(timer, fn, clock, mode)
#else
static inline void hvsec_hrtimer_setup(struct hrtimer *timer,
				       enum hrtimer_restart (*fn)(struct hrtimer *),
				       clockid_t clock, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
}
#endif

/*
 * The next CPU of mask after cpu, wrapping around (cpu itself or
 * >= nr_cpu_ids when there is no other): cpumask_next_wrap() took a start
 * and a wrap flag until 6.14.
 */
#include <linux/cpumask.h>

#if HVSEC_KERNEL_AT_LEAST(6, 14)
#define hvsec_cpumask_next_wrap(cpu, mask)	cpumask_next_wrap(cpu, mask)
#else
static inline unsigned int hvsec_cpumask_next_wrap(int cpu,
						   const struct cpumask *mask)
{
	return cpumask_next_wrap(cpu, mask, cpu, false);
}
#endif

/* class_create() lost its owner argument in 6.4. */
#if HVSEC_KERNEL_AT_LEAST(6, 4)
#define hvsec_class_create(name)	class_create(name)
#else
#define hvsec_class_create(name)	class_create(THIS_MODULE, name)
#endif

/* vma->vm_flags became read-only in 6.3: writers use vm_flags_set(). */
#if HVSEC_KERNEL_AT_LEAST(6, 3)
#define hvsec_vm_flags_set(vma, flags)	vm_flags_set(vma, flags)
#else
#define hvsec_vm_flags_set(vma, flags)	((vma)->vm_flags |= (flags))
#endif

/*
 * The unaligned accessors moved from <asm/unaligned.h> in 6.12 (a version
 * test: sparse does not know __has_include).
 */
#if HVSEC_KERNEL_AT_LEAST(6, 12)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * 128-bit compare-and-exchange: u128, system_has_cmpxchg128() and
 * try_cmpxchg128() came in 6.5; before, the same LOCK CMPXCHG16B by hand.
 */
#ifdef system_has_cmpxchg128
#define hvsec_u128			u128
#define hvsec_system_has_cmpxchg128()	system_has_cmpxchg128()
#define hvsec_try_cmpxchg128(ptr, oldp, new) try_cmpxchg128(ptr, oldp, new)
#else
#include <asm/asm.h>

#define hvsec_u128			__uint128_t
#define hvsec_system_has_cmpxchg128()	boot_cpu_has(X86_FEATURE_CX16)

/* A 128-bit value in memory, as x86 (little-endian) lays it out. */
struct hvsec_u128_mem {
	u64 lo;
	u64 hi;
};

static __always_inline bool __hvsec_cmpxchg16b(void *ptr, void *oldp,
					       u64 new_lo, u64 new_hi)
{
	struct hvsec_u128_mem *p = ptr, *o = oldp;
	u64 lo = o->lo, hi = o->hi;
	bool ok;

	asm volatile("lock cmpxchg16b %[ptr]"
		     CC_SET(e)
		     : CC_OUT(e) (ok), [ptr] "+m" (*p), "+a" (lo), "+d" (hi)
		     : "b" (new_lo), "c" (new_hi)
		     : "memory");
	if (!ok) {
		o->lo = lo;
		o->hi = hi;
	}
	return ok;
}

#define hvsec_try_cmpxchg128(ptr, oldp, new) ({				\
	hvsec_u128 __hvsec_new = (new);					\
	__hvsec_cmpxchg16b(ptr, oldp, (u64)__hvsec_new,			\
			   (u64)(__hvsec_new >> 64));			\
})
#endif

#endif /* !__ASSEMBLY__ */
#endif /* _HVSEC_COMPAT_H */
