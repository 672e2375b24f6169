// SPDX-License-Identifier: GPL-2.0
/*
 * ring3_exec calls: switching a CPU to a helper and back, the budget that
 * bounds every call, and the hand-over of interrupts that arrive while a
 * helper runs.
 *
 * A call runs in slices. A slice loads the helper's CR3, IDT and SYSCALL
 * MSRs, enters CPL3 and comes back on SYSCALL (exit or service), on an
 * exception (the call ends, contained) or on an interrupt, NMI or #MC. An
 * interrupt is handed to Linux at CPL0 once the kernel's state is back, the
 * way KVM hands over an interrupt that arrived in guest mode; an NMI or #MC
 * is handed over by entry.S. Then the call goes on with a new slice, unless
 * its budget is spent (R3X_VEC_TIMEOUT) or its helper is being unregistered
 * (R3X_VEC_UNREGISTERED). A caller with IRQs on runs its helper with IRQs on;
 * one with IRQs off is stopped by a per-CPU watchdog on another CPU, which
 * sends an NMI once the budget is spent.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuhotplug.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/nospec.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/wait_bit.h>
#include <asm/apic.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/invpcid.h>
#include <asm/msr.h>
#include <asm/nmi.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>
#include <kunit/visibility.h>
#include <hvsec/compat.h>
#include <hvsec/ring3_exec.h>
#include "r3x.h"

#define CREATE_TRACE_POINTS
#include "r3x_trace.h"

DEFINE_PER_CPU(struct r3x_cpu, r3x_cpu);
DEFINE_PER_CPU(struct r3x_stats, r3x_stats);
static DEFINE_PER_CPU(struct hrtimer, r3x_watchdog);

static_assert(offsetof(struct r3x_cpu, ksp) == R3X_KSP);
static_assert(offsetof(struct r3x_cpu, kregs[0]) == R3X_KRBX);
static_assert(offsetof(struct r3x_cpu, kregs[5]) == R3X_KR15);
static_assert(offsetof(struct r3x_cpu, scratch) == R3X_SCRATCH);
static_assert(offsetof(struct r3x_cpu, regs) == R3X_REGS);
static_assert(offsetof(struct r3x_cpu, vec) == R3X_VEC);
static_assert(offsetof(struct r3x_cpu, err) == R3X_ERR);
static_assert(offsetof(struct r3x_cpu, cs) == R3X_CS);
static_assert(offsetof(struct r3x_cpu, cr2) == R3X_CR2);
static_assert(offsetof(struct r3x_cpu, ucr3) == R3X_UCR3);
static_assert(R3X_CR3_USER_BITS == (BIT(PAGE_SHIFT) | BIT(X86_CR3_PTI_PCID_USER_BIT)));
static_assert(offsetof(struct r3x_gprs, rax) == R3X_G_RAX);
static_assert(offsetof(struct r3x_gprs, rdi) == R3X_G_RDI);
static_assert(offsetof(struct r3x_gprs, r8) == R3X_G_R8);
static_assert(offsetof(struct r3x_gprs, r15) == R3X_G_R15);
static_assert(offsetof(struct r3x_gprs, rip) == R3X_G_RIP);
static_assert(offsetof(struct r3x_gprs, rflags) == R3X_G_RFLAGS);
static_assert(offsetof(struct r3x_gprs, rsp) == R3X_G_RSP);
static_assert(offsetof(struct r3x_gprs, cs) == R3X_G_CS);
static_assert(sizeof(struct r3x_gprs) == R3X_G_SIZE);

/* Linux's own STAR and SYSCALL_MASK values (see syscall_init()). */
#define R3X_STAR	(((u64)__USER32_CS << 48) | ((u64)__KERNEL_CS << 32))
#define R3X_SFMASK	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_TF | \
			 X86_EFLAGS_IF | X86_EFLAGS_DF | X86_EFLAGS_OF | \
			 X86_EFLAGS_IOPL | X86_EFLAGS_NT | X86_EFLAGS_RF | \
			 X86_EFLAGS_AC | X86_EFLAGS_ID)
/* RFLAGS bits a helper may carry from one slice into the next. */
#define R3X_UFLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_TF | \
			 X86_EFLAGS_DF | X86_EFLAGS_OF | X86_EFLAGS_AC | \
			 X86_EFLAGS_RF | X86_EFLAGS_ID)
/* PTI: the user half of a PGD pair and, with PCID, the user PCID bit. */
#define R3X_CR3_USER	(BIT_ULL(PAGE_SHIFT) |					\
			 (cpu_feature_enabled(X86_FEATURE_PCID) ?			\
			  BIT_ULL(X86_CR3_PTI_PCID_USER_BIT) : 0))
#define R3X_MAX_SERVICES	BIT(20)
/* Highest return RIP that is canonical with 4- and 5-level paging. */
#define R3X_URIP_LIMIT	((1UL << 47) - PAGE_SIZE)
/* #NP error code of an external interrupt on R3X_NP_VECTOR: EXT | IDT. */
#define R3X_NP_EXT_ERR	((R3X_NP_VECTOR << 3) | 3)

static bool r3x_swap_cstar(void)
{
	return boot_cpu_has(X86_FEATURE_SYSCALL32) ||
	       boot_cpu_has(X86_FEATURE_HYPERVISOR);
}

/* An unsigned int module parameter with its accepted range. */
struct r3x_uint_param {
	unsigned int val, min, max;
};

static int r3x_uint_param_set(const char *val, const struct kernel_param *kp)
{
	struct r3x_uint_param *p = kp->arg;
	unsigned int v;

	if (kstrtouint(val, 0, &v) || v < p->min || v > p->max) {
		pr_err("%s: must be %u..%u\n", kp->name, p->min, p->max);
		return -EINVAL;
	}
	WRITE_ONCE(p->val, v);
	return 0;
}

static int r3x_uint_param_get(char *buf, const struct kernel_param *kp)
{
	const struct r3x_uint_param *p = kp->arg;

	return sysfs_emit(buf, "%u\n", READ_ONCE(p->val));
}

static const struct kernel_param_ops r3x_uint_param_ops = {
	.set = r3x_uint_param_set,
	.get = r3x_uint_param_get,
};

static struct r3x_uint_param r3x_budget_param = { 10000, 100, 10000000 };
module_param_cb(budget_us, &r3x_uint_param_ops, &r3x_budget_param, 0644);
MODULE_PARM_DESC(budget_us, "default budget of a call in microseconds (100..10000000)");

static struct r3x_uint_param r3x_watchdog_param = { 1000, 100, 100000 };
module_param_cb(watchdog_us, &r3x_uint_param_ops, &r3x_watchdog_param, 0444);
MODULE_PARM_DESC(watchdog_us, "period of the budget watchdog in microseconds (100..100000)");

static bool r3x_verify_msrs = IS_ENABLED(CONFIG_KUNIT);
module_param_named(verify_msrs, r3x_verify_msrs, bool, 0644);
MODULE_PARM_DESC(verify_msrs, "read the SYSCALL MSRs back after every slice (stats: msr_mismatch)");

static bool r3x_ibpb;
module_param_named(ibpb, r3x_ibpb, bool, 0644);
MODULE_PARM_DESC(ibpb, "barrier for indirect branch predictions between different helpers on a CPU");

static enum cpuhp_state r3x_cpuhp;

/* ---- FPU: every call starts from the init state and leaves nothing ---- */

/*
 * An XSAVE image whose header asks for the init state of every component
 * (XSTATE_BV = 0); MXCSR is loaded from it, so it holds the default.
 */
static struct {
	u8 legacy[512];
	u8 header[64];
} r3x_fpu_init __aligned(64);
static unsigned int r3x_xsave_size;
static u64 r3x_xsave_mask;
/* Enabled XSAVE features that XFD can arm (AMX tile data). */
static u64 r3x_xfd_mask;

static void r3x_fpu_restore(const void *img)
{
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		asm volatile("xrstor64 (%0)" : : "r" (img), "a" ((u32)r3x_xsave_mask),
			     "d" ((u32)(r3x_xsave_mask >> 32)) : "memory");
	else
		asm volatile("fxrstor64 (%0)" : : "r" (img) : "memory");
}

static void r3x_fpu_save(void *img)
{
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		asm volatile("xsave64 (%0)" : : "r" (img), "a" ((u32)r3x_xsave_mask),
			     "d" ((u32)(r3x_xsave_mask >> 32)) : "memory");
	else
		asm volatile("fxsave64 (%0)" : : "r" (img) : "memory");
}

static void r3x_fpu_setup(void)
{
	u32 mxcsr = MXCSR_DEFAULT, eax, ebx, ecx, edx;

	memcpy(&r3x_fpu_init.legacy[24], &mxcsr, sizeof(mxcsr));
	r3x_xsave_size = 512;
	if (boot_cpu_has(X86_FEATURE_XSAVE)) {
		cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx);
		r3x_xsave_size = ebx;
		r3x_xsave_mask = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		/* Dynamic features (AMX) are the tasks' own: leave them out. */
		if (boot_cpu_has(X86_FEATURE_XFD)) {
			unsigned int i;

			r3x_xsave_mask &= ~GENMASK_ULL(18, 17);
			for (i = 2; i < 64; i++) {
				if (!(xgetbv(XCR_XFEATURE_ENABLED_MASK) & BIT_ULL(i)))
					continue;
				cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
				if (ecx & BIT(2))	/* XFD supported */
					r3x_xfd_mask |= BIT_ULL(i);
			}
		}
	}
}

/* A buffer for a yielded helper's FPU state (64-byte aligned inside). */
void *r3x_fpu_alloc(void)
{
	return kzalloc(r3x_xsave_size + 64, GFP_KERNEL);
}

/* ---- switching a CPU to a helper and back ---- */

/* State found at entry and put back exactly at exit. */
struct r3x_saved {
	u64 cr3;
	struct desc_ptr idt;
	struct r3x_syscall_msrs msrs;
	u64 cstar, sysenter_cs, kgs, fs_base, ucet, xfd;
	bool xfd_armed;
	unsigned long dr7;
	u32 pkru;
	u16 ds, es, fs, gs, ldt, io_bitmap_base;
};

static __always_inline u64 r3x_read_fs_base(void)
{
	u64 v;

	if (cpu_feature_enabled(X86_FEATURE_FSGSBASE))
		return rdfsbase();
	hvsec_rdmsrq(MSR_FS_BASE, v);
	return v;
}

static __always_inline void r3x_write_fs_base(u64 v)
{
	if (cpu_feature_enabled(X86_FEATURE_FSGSBASE))
		wrfsbase(v);
	else
		hvsec_wrmsrq(MSR_FS_BASE, v);
}

static void r3x_switch_in(struct r3x_saved *s, struct r3x_helper *h)
{
	struct tss_struct *tss = this_cpu_ptr(&cpu_tss_rw);

	s->cr3 = __native_read_cr3();
	store_idt(&s->idt);
	r3x_msrs_save(&s->msrs);
	/*
	 * Only where a compat SYSCALL (AMD) or SYSENTER (Intel) from CPL3 can
	 * enter the kernel does its MSR need our value. Intel CPUs raise #UD
	 * on a compat SYSCALL, but an emulator may not (QEMU's TCG enters at
	 * CSTAR, which Linux leaves 0 on Intel): under a hypervisor CSTAR is
	 * ours too.
	 */
	if (r3x_swap_cstar())
		hvsec_rdmsrq(MSR_CSTAR, s->cstar);
	if (hvsec_cpu_has_sysenter_long_mode())
		hvsec_rdmsrq(MSR_IA32_SYSENTER_CS, s->sysenter_cs);
	hvsec_rdmsrq(MSR_KERNEL_GS_BASE, s->kgs);
	s->fs_base = r3x_read_fs_base();
	savesegment(ds, s->ds);
	savesegment(es, s->es);
	savesegment(fs, s->fs);
	savesegment(gs, s->gs);
	s->pkru = cpu_feature_enabled(X86_FEATURE_OSPKE) ? rdpkru() : 0;
	/*
	 * The init-state XRSTOR leaves the dynamic features (AMX) out: a
	 * caller that uses them has them unarmed in XFD and their registers
	 * hold its data. Arm XFD for the call: the helper's first AMX
	 * instruction raises #NM (a contained fault) and its XSAVE stores
	 * the init state instead of the caller's tiles.
	 */
	s->xfd_armed = false;
	if (r3x_xfd_mask) {
		hvsec_rdmsrq(MSR_IA32_XFD, s->xfd);
		if ((s->xfd & r3x_xfd_mask) != r3x_xfd_mask) {
			hvsec_wrmsrq(MSR_IA32_XFD, s->xfd | r3x_xfd_mask);
			s->xfd_armed = true;
		}
	}

	hvsec_wrmsrq(MSR_LSTAR, (unsigned long)r3x_syscall_entry);
	/* Usually Linux's own values already: skip the slow WRMSRs then. */
	if (s->msrs.star != R3X_STAR)
		hvsec_wrmsrq(MSR_STAR, R3X_STAR);
	if (s->msrs.sfmask != R3X_SFMASK)
		hvsec_wrmsrq(MSR_SYSCALL_MASK, R3X_SFMASK);
	if (r3x_swap_cstar())
		hvsec_wrmsrq(MSR_CSTAR, (unsigned long)r3x_cstar_entry);
	/* SYSENTER from the helper raises #GP instead of entering Linux. */
	if (hvsec_cpu_has_sysenter_long_mode())
		hvsec_wrmsrq(MSR_IA32_SYSENTER_CS, 0);
	/* After SWAPGS at CPL3: GS base 0 (a user value), kernel's in KGS. */
	hvsec_wrmsrq(MSR_KERNEL_GS_BASE, 0);
	/* Nothing of the caller's user state: no TLS, LDT, ports, CET, DRs. */
	if (s->fs_base)
		r3x_write_fs_base(0);
	asm volatile("sldt %0" : "=r" (s->ldt));
	if (s->ldt)
		asm volatile("lldt %w0" : : "r" (0));
	s->io_bitmap_base = tss->x86_tss.io_bitmap_base;
	tss->x86_tss.io_bitmap_base = IO_BITMAP_OFFSET_INVALID;
#ifdef X86_FEATURE_USER_SHSTK
	if (cpu_feature_enabled(X86_FEATURE_USER_SHSTK)) {
		hvsec_rdmsrq(MSR_IA32_U_CET, s->ucet);
		if (s->ucet)
			hvsec_wrmsrq(MSR_IA32_U_CET, 0);
	}
#endif
	s->dr7 = local_db_save();
	/*
	 * AMD's SYSRET keeps the hidden SS attributes: after an interrupt SS
	 * may be the null selector, which would leave the helper (in a
	 * 32-bit segment) with an unusable stack. Load a real one first.
	 */
	if (static_cpu_has_bug(X86_BUG_SYSRET_SS_ATTRS)) {
		u16 ss;

		savesegment(ss, ss);
		if (ss != __KERNEL_DS)
			loadsegment(ss, __KERNEL_DS);
	}
	native_load_idt(&r3x_idt_desc);
	/*
	 * The helper's PCIDs, 0 (kernel half) and 0x800 (PTI's user half),
	 * are never loaded by Linux: every write of ours flushes them, so no
	 * translation of a previous helper survives. With PTI, entry.S loads
	 * the user half itself, last thing before CPL3; without PTI the
	 * kernel half is what the helper runs on.
	 */
	if (cpu_feature_enabled(X86_FEATURE_PTI))
		this_cpu_write(r3x_cpu.ucr3, h->cr3 | R3X_CR3_USER);
	else
		native_write_cr3(h->cr3);
}

/*
 * Flush this CPU's whole TLB, every PCID and global entries too, as
 * __flush_tlb_all() does (exported to KVM only from 7.x), after a service
 * let interrupts in under the helper's CR3: a TLB-flush IPI handled then
 * flushed the helper's PCID instead of the kernel's. The flushing CR3
 * write before this covers the kernel's loaded PCID; this covers whatever
 * else the IPI meant. INVPCID's all-context flush, else a CR4.PGE toggle
 * (IRQs are off; PGE is not a pinned CR4 bit and is put back at once);
 * without PGE there is no PCID and the CR3 write flushed everything.
 */
static void r3x_flush_tlb_all(void)
{
	unsigned long cr4;

	if (cpu_feature_enabled(X86_FEATURE_INVPCID)) {
		invpcid_flush_all();
	} else if (cpu_feature_enabled(X86_FEATURE_PGE)) {
		cr4 = __read_cr4();
		asm volatile("mov %0, %%cr4" : : "r" (cr4 ^ X86_CR4_PGE) : "memory");
		asm volatile("mov %0, %%cr4" : : "r" (cr4) : "memory");
	}
}

static void r3x_switch_out(const struct r3x_saved *s, struct r3x_syscall_msrs *after,
			   bool flush)
{
	struct tss_struct *tss = this_cpu_ptr(&cpu_tss_rw);
	u16 sel;

	/*
	 * With our CR3 loaded no flush of the kernel's PCIDs can have been
	 * lost, unless a service let an interrupt in: then flush them all.
	 */
	native_write_cr3(s->cr3 | (cpu_feature_enabled(X86_FEATURE_PCID) && !flush ?
				   X86_CR3_PCID_NOFLUSH : 0));
	if (flush)
		r3x_flush_tlb_all();
	native_load_idt(&s->idt);
	/* The helper may have loaded selectors (which also reset bases). */
	savesegment(ds, sel);
	if (sel != s->ds)
		loadsegment(ds, s->ds);
	savesegment(es, sel);
	if (sel != s->es)
		loadsegment(es, s->es);
	savesegment(fs, sel);
	if (sel != s->fs)
		loadsegment(fs, s->fs);
	savesegment(gs, sel);
	if (sel != s->gs)
		load_gs_index(s->gs);
	r3x_write_fs_base(s->fs_base);
	hvsec_wrmsrq(MSR_KERNEL_GS_BASE, s->kgs);
	if (s->ldt)
		asm volatile("lldt %w0" : : "r" (s->ldt));
	tss->x86_tss.io_bitmap_base = s->io_bitmap_base;
	if (s->ucet)
		hvsec_wrmsrq(MSR_IA32_U_CET, s->ucet);
	local_db_restore(s->dr7);
	if (cpu_feature_enabled(X86_FEATURE_OSPKE) && rdpkru() != s->pkru)
		wrpkru(s->pkru);
	if (s->xfd_armed) {
		u64 err;

		/* A helper's #NM from XFD is contained: not Linux's to see. */
		hvsec_rdmsrq(MSR_IA32_XFD_ERR, err);
		if (err)
			hvsec_wrmsrq(MSR_IA32_XFD_ERR, 0);
		hvsec_wrmsrq(MSR_IA32_XFD, s->xfd);
	}
	hvsec_wrmsrq(MSR_LSTAR, s->msrs.lstar);
	if (s->msrs.star != R3X_STAR)
		hvsec_wrmsrq(MSR_STAR, s->msrs.star);
	if (s->msrs.sfmask != R3X_SFMASK)
		hvsec_wrmsrq(MSR_SYSCALL_MASK, s->msrs.sfmask);
	if (r3x_swap_cstar())
		hvsec_wrmsrq(MSR_CSTAR, s->cstar);
	if (hvsec_cpu_has_sysenter_long_mode())
		hvsec_wrmsrq(MSR_IA32_SYSENTER_CS, s->sysenter_cs);
	if (r3x_verify_msrs)
		r3x_msrs_save(after);
	else
		*after = s->msrs;
}

/* ---- services ---- */

static void r3x_end(struct r3x_run *run, int ret, u64 vec, u64 err)
{
	run->end = ret;
	run->fault.vector = vec;
	run->fault.error_code = err;
	run->fault.rip = run->regs.rip;
	run->fault.rsp = run->regs.rsp;
	run->fault.rflags = run->regs.rflags;
	run->fault.cs = 0;
	run->fault.cr2 = 0;
}

/*
 * The budget counts the time the call spends in its slices (at CPL3, and
 * in services and the transitions), not the time it has yielded its CPU or
 * spent handing interrupts to Linux: a preempted caller is not charged for
 * the tasks that ran meanwhile.
 */
static bool r3x_out_of_budget(struct r3x_run *run)
{
	u64 used;

	if (READ_ONCE(run->h->dead)) {
		r3x_end(run, -ENOENT, R3X_VEC_UNREGISTERED, 0);
		return true;
	}
	used = run->used_ns;
	if (run->slice_start)
		used += local_clock() - run->slice_start;
	if (used >= run->budget_ns) {
		r3x_end(run, -ETIME, R3X_VEC_TIMEOUT, 0);
		return true;
	}
	return false;
}

/* Called from r3x_syscall_entry at CPL0, IRQs off, on the caller's stack. */
noinstr long r3x_syscall_c(struct r3x_gprs *regs)
{
	struct r3x_cpu *c = this_cpu_ptr(&r3x_cpu);
	struct r3x_run *run = c->run;
	struct r3x_helper *h = run->h;
	u64 nr = regs->rax, args[6];
	r3x_service_fn fn;

	instrumentation_begin();
	if (nr == R3X_SVC_EXIT) {
		run->result = regs->rdi;
		run->out_len = regs->rsi;
		run->end = 0;
		instrumentation_end();
		return R3X_EXIT_NORMAL;
	}
	fn = nr <= h->nr_services ?
	     h->services[array_index_nospec(nr - 1, (u64)h->nr_services)] : NULL;
	if (!fn) {
		r3x_end(run, -EFAULT, R3X_VEC_BAD_SERVICE, nr);
		goto fault;
	}
	if (++run->nservices > R3X_MAX_SERVICES) {
		r3x_end(run, -EFAULT, R3X_VEC_SERVICE_BUDGET, nr);
		goto fault;
	}
	/* A helper that only calls services is stopped here. */
	if (r3x_out_of_budget(run))
		goto fault;
	args[0] = regs->rdi;
	args[1] = regs->rsi;
	args[2] = regs->rdx;
	args[3] = regs->r10;
	args[4] = regs->r8;
	args[5] = regs->r9;
	regs->rax = fn(h->priv, args);
	if (!irqs_disabled()) {
		local_irq_disable();
		c->irq_leak = true;
		pr_err_ratelimited("helper %s: service %llu enabled interrupts\n",
				   h->name, nr);
		r3x_end(run, -EFAULT, R3X_VEC_SERVICE_IRQ, nr);
		goto fault;
	}
	/* SYSRET with a non-canonical RCX would fault at CPL0. */
	if (regs->rip >= R3X_URIP_LIMIT) {
		r3x_end(run, -EFAULT, R3X_VEC_BAD_RETURN, nr);
		goto fault;
	}
	regs->rflags = (regs->rflags & R3X_UFLAGS) | X86_EFLAGS_FIXED |
		       (run->irqs_on ? X86_EFLAGS_IF : 0);
	instrumentation_end();
	return 0;
fault:
	instrumentation_end();
	return R3X_EXIT_FAULT;
}

/* ---- a slice ---- */

#define R3X_COUNT(field)	this_cpu_inc(r3x_stats.field)

/*
 * Hand an interrupt that arrived at CPL3 to Linux's gate @entry, with the
 * kernel's state back. It arrived in the caller's context, which has IRQs
 * on (a helper runs with IF=1 only then), and Linux's exit code must see
 * that: Linux 7.x defers the timer's re-arm from its interrupt to the exit
 * into an IRQs-on context (as KVM, which hands over from IRQs off too,
 * re-arms itself with a helper exported to it only), so with an IRQs-off
 * frame the helper saw no timer interrupt again. Linux's IRET turns IRQs
 * on; the slices go on with them off.
 */
static void r3x_irq_to_linux(struct r3x_run *run, unsigned long entry)
{
	r3x_handover_irq(entry, X86_EFLAGS_FIXED |
				(run->irqs_on ? X86_EFLAGS_IF : 0));
	if (run->irqs_on)
		local_irq_disable();
}

/*
 * Run the helper until its next exit to CPL0. IRQs off. Returns true when
 * the call goes on (an interrupt, NMI or #MC was handed to Linux).
 */
static bool r3x_slice(struct r3x_cpu *c, struct r3x_run *run)
{
	struct r3x_helper *h = run->h;
	struct r3x_syscall_msrs after;
	struct r3x_saved s;
	long rc;
	u64 vec;

	c->run = run;
	c->regs = &run->regs;
	WRITE_ONCE(c->helper, h);
	/* Pairs with r3x_kill_calls(): either it sees us, or we see dead. */
	smp_mb();
	if (r3x_out_of_budget(run))
		goto out;
	run->slice_start = local_clock();
	/* With IRQs off only the watchdog can end the slice at its deadline. */
	if (!run->irqs_on)
		WRITE_ONCE(c->deadline,
			   run->slice_start + run->budget_ns - run->used_ns);
	if (r3x_ibpb && c->last != h) {
		/* indirect_branch_prediction_barrier(), with our IBPB */
		if (hvsec_cpu_use_ibpb())
			r3x_write_ibpb();
		c->last = h;
	}
	h->owner_cpu = smp_processor_id();
	r3x_switch_in(&s, h);
	rc = r3x_enter_asm(run->mode);
	r3x_switch_out(&s, &after, c->irq_leak);
	c->irq_leak = false;
	/* Only a helper at CPL3 needs the watchdog or an unregister's NMI. */
	WRITE_ONCE(c->deadline, 0);
	WRITE_ONCE(c->helper, NULL);
	run->used_ns += local_clock() - run->slice_start;
	run->slice_start = 0;
	R3X_COUNT(slices);
	R3X_COUNT(msr_checks);
	if (memcmp(&after, &s.msrs, sizeof(after)))
		R3X_COUNT(msr_mismatch);

	if (rc != R3X_EXIT_EVENT)
		return false;	/* exit, or a fault r3x_syscall_c() decided */
	vec = c->vec;
	run->mode = R3X_ENTER_IRET;
	/*
	 * Resume in the mode the event interrupted: a helper may far-jump to
	 * 32-bit code. Only the two user code segments of the GDT can be
	 * there; anything else resumes as 64-bit code.
	 */
	run->regs.cs = c->cs == __USER32_CS ? __USER32_CS : __USER_CS;
	run->regs.rflags = (run->regs.rflags & R3X_UFLAGS) | X86_EFLAGS_FIXED |
			   (run->irqs_on ? X86_EFLAGS_IF : 0);
	if (vec >= FIRST_EXTERNAL_VECTOR && vec < NR_VECTORS) {
		R3X_COUNT(irqs);
		r3x_irq_to_linux(run, r3x_kernel_gates[vec]);
		return true;
	}
	if (vec == X86_TRAP_NP && c->err == R3X_NP_EXT_ERR &&
	    r3x_kernel_gates[R3X_NP_VECTOR]) {
		R3X_COUNT(irqs);
		r3x_irq_to_linux(run, r3x_kernel_gates[R3X_NP_VECTOR]);
		return true;
	}
	if (vec == X86_TRAP_NMI) {
		R3X_COUNT(nmis);	/* Linux has handled it (entry.S) */
		return true;
	}
	/* A fault of the helper: the call ends, contained. */
	if (vec == X86_TRAP_MC)
		R3X_COUNT(mces);
	r3x_end(run, -EFAULT, vec, c->err);
	run->fault.cs = c->cs;
	run->fault.cr2 = vec == X86_TRAP_PF ? c->cr2 : 0;
	return false;
out:
	WRITE_ONCE(c->deadline, 0);
	WRITE_ONCE(c->helper, NULL);
	return false;
}

static u64 r3x_budget_ns(const struct r3x_helper *h)
{
	return h->budget_ns ?: (u64)READ_ONCE(r3x_budget_param.val) * NSEC_PER_USEC;
}

/* ---- owning a helper ---- */

/*
 * One call owns a helper at a time (busy). A caller that may sleep polls
 * for the owner; one that may not waits only while the owner runs on
 * another CPU (bounded by the owner's budget), and gives up at once if the
 * owner is this CPU's interrupted task or has yielded its CPU. No lock is
 * taken on the way: r3x_unregister() waits for the users count instead.
 */
static int r3x_acquire(struct r3x_helper *h, bool may_sleep)
{
	u64 limit = local_clock() + r3x_budget_ns(h) +
		    4ULL * r3x_watchdog_param.val * NSEC_PER_USEC;

	while (atomic_cmpxchg_acquire(&h->busy, 0, 1)) {
		if (READ_ONCE(h->dead))
			return -ENOENT;
		if (may_sleep) {
			if (local_clock() > limit + NSEC_PER_SEC)
				return -EBUSY;
			usleep_range(50, 100);
			continue;
		}
		if (READ_ONCE(h->yielded) ||
		    READ_ONCE(h->owner_cpu) == raw_smp_processor_id() ||
		    local_clock() > limit)
			return READ_ONCE(h->dead) ? -ENOENT : -EBUSY;
		cpu_relax();
	}
	if (READ_ONCE(h->dead)) {
		atomic_set_release(&h->busy, 0);
		return -ENOENT;
	}
	return 0;
}

/* The last access to @h of a call: r3x_unregister() may free it after. */
static void r3x_put_user(struct r3x_helper *h)
{
	if (atomic_dec_and_test(&h->users))
		wake_up_var(&h->users);
}

/* The buffers of an r3x_call_buf(). */
struct r3x_io {
	const void *in;
	size_t in_len;
	void *out;
	size_t out_size;
	size_t *out_len;
};

/*
 * Before a call, with the instance owned: the info page, the initial data
 * (R3X_F_RESET_DATA) and the call windows.
 */
static void r3x_prepare(struct r3x_helper *h, const struct r3x_io *io)
{
	const struct r3x_image *img = h->img;
	struct r3x_info *info = h->info;

	info->in_len = io ? io->in_len : 0;
	info->out_size = io ? io->out_size : 0;
	info->instance = h->id;
	info->calls = h->calls;
	if (img->flags & R3X_F_RESET_DATA) {
		if (img->data_pages)
			memcpy(h->data, img->data_init, img->data_pages * PAGE_SIZE);
		/* nothing of an earlier call's stack either */
		memset(h->stack, 0, img->stack_pages * PAGE_SIZE);
	}
	if (io) {
		memcpy(h->in, io->in, io->in_len);
		r3x_map_io(h, DIV_ROUND_UP(io->in_len, PAGE_SIZE),
			   DIV_ROUND_UP(io->out_size, PAGE_SIZE));
	}
}

/*
 * After a call, with the instance still owned: copy the output out (its
 * length checked before), clear both windows and unmap them.
 */
static void r3x_finish(struct r3x_helper *h, const struct r3x_io *io,
		       const struct r3x_run *run)
{
	if (!io)
		return;
	if (!run->end) {
		memcpy(io->out, h->out, run->out_len);
		*io->out_len = run->out_len;
	}
	r3x_map_io(h, 0, 0);
	memset(h->in, 0, io->in_len);
	memset(h->out, 0, round_up(io->out_size, PAGE_SIZE));
}

static int r3x_call_io(struct r3x_helper *h, const u64 args[6], const struct r3x_io *io,
		       u64 *result, struct r3x_fault *fault)
{
	struct r3x_run run = {};
	struct r3x_cpu *c;
	unsigned long flags;
	bool may_sleep;
	int ret;

	if (in_nmi() || !irq_fpu_usable())
		return -EBUSY;
	may_sleep = IS_ENABLED(CONFIG_PREEMPT_COUNT) && preemptible();
	run.irqs_on = !irqs_disabled();
	run.h = h;
	run.mode = R3X_ENTER_SYSRET;
	run.regs.rip = h->img->entry;
	run.regs.rsp = R3X_UVA_STACK_TOP;
	run.regs.cs = __USER_CS;
	run.regs.rflags = X86_EFLAGS_FIXED | (run.irqs_on ? X86_EFLAGS_IF : 0);
	if (args) {
		run.regs.rdi = args[0];
		run.regs.rsi = args[1];
		run.regs.rdx = args[2];
		run.regs.r10 = args[3];
		run.regs.r8 = args[4];
		run.regs.r9 = args[5];
	}
	if (this_cpu_read(r3x_cpu.active)) {
		pr_warn_ratelimited("call: re-entry on CPU refused\n");
		return -EBUSY;
	}
	atomic_inc(&h->users);
	ret = r3x_acquire(h, may_sleep);
	if (ret) {
		if (ret == -EBUSY)
			pr_warn_ratelimited("call: helper %s is busy\n", h->name);
		r3x_put_user(h);
		return ret;
	}
	run.budget_ns = r3x_budget_ns(h);
	/*
	 * Outside the slices (preparing, finishing) the owner may be
	 * preempted or interrupted: a caller that cannot sleep must not spin
	 * for it then, and one on this CPU never.
	 */
	WRITE_ONCE(h->owner_cpu, raw_smp_processor_id());
	WRITE_ONCE(h->yielded, true);
	r3x_prepare(h, io);

	/*
	 * No RCU read lock: the users count keeps @h, and IRQs are off in
	 * every slice, which r3x_unregister()'s grace period also waits for.
	 * Preemption is off too, on every kernel: the per-CPU state of the call
	 * must stay this CPU's even when an interrupt comes in while a service
	 * wrongly turned interrupts on. (7.x's kernel_fpu_begin() holds
	 * nothing against preemption when it is called with IRQs off, and a
	 * PREEMPT_LAZY kernel then preempts on that interrupt's exit.)
	 */
	preempt_disable();
	kernel_fpu_begin();
	local_irq_save(flags);
	c = this_cpu_ptr(&r3x_cpu);
	c->active = true;
	WRITE_ONCE(h->yielded, false);
	r3x_fpu_restore(&r3x_fpu_init);
	while (r3x_slice(c, &run)) {
		if (r3x_out_of_budget(&run))
			break;
		if (!may_sleep || !need_resched())
			continue;
		/* Give the CPU away between slices, keeping the helper's FPU. */
		r3x_fpu_save(PTR_ALIGN(h->fpu, 64));
		c->active = false;
		WRITE_ONCE(h->yielded, true);
		local_irq_restore(flags);
		kernel_fpu_end();
		preempt_enable();
		this_cpu_inc(r3x_stats.yields);
		cond_resched();
		preempt_disable();
		kernel_fpu_begin();
		local_irq_save(flags);
		WRITE_ONCE(h->yielded, false);
		c = this_cpu_ptr(&r3x_cpu);
		c->active = true;
		r3x_fpu_restore(PTR_ALIGN(h->fpu, 64));
	}
	/* Nothing the helper left in vector registers leaks out. */
	r3x_fpu_restore(&r3x_fpu_init);
	c->active = false;
	c->run = NULL;
	c->regs = NULL;
	/* The helper's output length is untrusted: above the window, a fault. */
	if (!run.end && io && run.out_len > io->out_size)
		r3x_end(&run, -EFAULT, R3X_VEC_BAD_OUTPUT, run.out_len);
	R3X_COUNT(calls);
	if (run.end) {
		R3X_COUNT(faults);
		if (run.end == -ETIME)
			R3X_COUNT(timeouts);
		else if (run.end == -ENOENT)
			R3X_COUNT(killed);
	}
	WRITE_ONCE(h->owner_cpu, raw_smp_processor_id());
	WRITE_ONCE(h->yielded, true);
	local_irq_restore(flags);
	kernel_fpu_end();
	preempt_enable();

	/* The instance's own counters: per CPU, no lock. */
	ret = run.end;
	r3x_finish(h, io, &run);
	WRITE_ONCE(h->calls, h->calls + 1);
	this_cpu_inc(h->stats->calls);
	this_cpu_add(h->stats->ns, run.used_ns);
	if (ret) {
		this_cpu_inc(h->stats->faults);
		if (ret == -ETIME)
			this_cpu_inc(h->stats->timeouts);
		r3x_note_fault(h, &run.fault);
	}
	trace_r3x_call(h->name, ret, run.result, run.fault.vector, run.nservices);
	WRITE_ONCE(h->yielded, false);
	atomic_set_release(&h->busy, 0);
	r3x_put_user(h);
	if (!ret && result)
		*result = run.result;
	if (ret && fault) {
		*fault = run.fault;
		fault->used_ns = run.used_ns;
	}
	return ret;
}

/**
 * r3x_call() - run a helper at CPL3 on this CPU
 * @h: instance of a registered helper
 * @args: six arguments (NULL: all zero)
 * @result: the helper's EXIT value (may be NULL)
 * @fault: filled when the call ends with an error other than -EINVAL or
 *	   -EBUSY (may be NULL)
 *
 * Any context but NMI, and not from a service callback (re-entry on the
 * same CPU is refused). A caller with IRQs on runs the helper with IRQs on;
 * one that may sleep also lets the helper yield its CPU. Every call is
 * bounded by the helper's budget.
 *
 * Return: 0, -EFAULT (contained fault), -ETIME (budget spent), -ENOENT
 * (helper unregistered), -EBUSY (re-entry, FPU in use, instance owned by a
 * call that cannot be waited for), -EINVAL.
 */
int r3x_call(struct r3x_helper *h, const u64 args[6], u64 *result,
	     struct r3x_fault *fault)
{
	if (IS_ERR_OR_NULL(h))
		return -EINVAL;
	return r3x_call_io(h, args, NULL, result, fault);
}
EXPORT_SYMBOL_GPL(r3x_call);

/**
 * r3x_call_buf() - run a helper with data in and out
 * @h: instance of a helper registered with call windows (in_max, out_max)
 * @args: six arguments (NULL: all zero)
 * @in: input, copied to R3X_UVA_IN (mapped read-only) for the call
 * @in_len: its length, at most the helper's in_max
 * @out: where the output goes
 * @out_size: bytes the helper may write at R3X_UVA_OUT, at most out_max
 * @out_len: the output's length, on success
 * @result: the helper's EXIT value (may be NULL)
 * @fault: as for r3x_call()
 *
 * As r3x_call(), and: the helper's struct r3x_info (R3X_UVA_INFO) holds
 * @in_len and @out_size; the helper returns the output's length in RSI at
 * exit, which must be at most @out_size (else -EFAULT,
 * R3X_VEC_BAD_OUTPUT); only then is the output copied to @out. Both
 * windows are cleared and unmapped after the call. The output is the
 * helper's: check it like any untrusted input.
 *
 * Return: as r3x_call(); -EINVAL also for buffers larger than the windows.
 */
int r3x_call_buf(struct r3x_helper *h, const u64 args[6], const void *in,
		 size_t in_len, void *out, size_t out_size, size_t *out_len,
		 u64 *result, struct r3x_fault *fault)
{
	struct r3x_io io = {
		.in = in, .in_len = in_len,
		.out = out, .out_size = out_size, .out_len = out_len,
	};

	if (IS_ERR_OR_NULL(h) || !out_len || (in_len && !in) || (out_size && !out))
		return -EINVAL;
	if (in_len > h->img->in_max || out_size > h->img->out_max) {
		pr_warn_ratelimited("call: helper %s: in %zu/%zu, out %zu/%zu bytes: above its windows\n",
				    h->name, in_len, h->img->in_max, out_size,
				    h->img->out_max);
		return -EINVAL;
	}
	*out_len = 0;
	return r3x_call_io(h, args, &io, result, fault);
}
EXPORT_SYMBOL_GPL(r3x_call_buf);

/* ---- ending calls: the watchdog and unregistration ---- */

/*
 * Interrupt the helper running on @cpu with an NMI: its slice ends, and the
 * call's own checks (budget spent, helper dead) decide whether it goes on.
 * Nothing else is written to @cpu's state, so a kick that arrives late, in
 * a later call, only ends one slice of that call early.
 */
static void r3x_kick_cpu(unsigned int cpu)
{
	struct r3x_cpu *c = per_cpu_ptr(&r3x_cpu, cpu);

	if (!xchg(&c->kick, true)) {
		this_cpu_inc(r3x_stats.kicks);
		apic->send_IPI(cpu, NMI_VECTOR);
	}
}

/* Claims the NMIs r3x_kick_cpu() sent. */
static int r3x_nmi(unsigned int type, struct pt_regs *regs)
{
	return this_cpu_xchg(r3x_cpu.kick, false) ? NMI_HANDLED : NMI_DONE;
}

/**
 * r3x_kill_calls() - end every running call of a helper being unregistered
 * @h: the helper, already marked dead
 */
void r3x_kill_calls(struct r3x_helper *h)
{
	unsigned int cpu;

	/* Pairs with r3x_slice(): either we see its helper, or it sees dead. */
	smp_mb();
	cpus_read_lock();
	for_each_online_cpu(cpu)
		if (READ_ONCE(per_cpu_ptr(&r3x_cpu, cpu)->helper) == h)
			r3x_kick_cpu(cpu);
	cpus_read_unlock();
}

/*
 * Each CPU watches the next online one: a call with IRQs off past its
 * deadline, or of a helper being unregistered, gets an NMI, which brings
 * its helper back to CPL0. Unregistration kicks once; if that NMI arrived
 * while the CPU was still at CPL0 (entering the helper, or in a service),
 * it ended nothing, and this repeats it. The helper is not freed under us:
 * r3x_unregister() waits for RCU readers, this hardirq callback included.
 */
static enum hrtimer_restart r3x_watchdog_fn(struct hrtimer *t)
{
	unsigned int cpu = smp_processor_id();
	unsigned int buddy = hvsec_cpumask_next_wrap(cpu, cpu_online_mask);
	struct r3x_cpu *bc;
	struct r3x_helper *h;
	u64 deadline;

	if (buddy < nr_cpu_ids && buddy != cpu) {
		bc = per_cpu_ptr(&r3x_cpu, buddy);
		deadline = READ_ONCE(bc->deadline);
		h = READ_ONCE(bc->helper);
		if ((deadline && local_clock() > deadline) ||
		    (h && READ_ONCE(h->dead)))
			r3x_kick_cpu(buddy);
	}
	hrtimer_forward_now(t, ns_to_ktime((u64)r3x_watchdog_param.val * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static int r3x_cpu_online(unsigned int cpu)
{
	struct hrtimer *t = this_cpu_ptr(&r3x_watchdog);

	hvsec_hrtimer_setup(t, r3x_watchdog_fn, CLOCK_MONOTONIC,
			    HRTIMER_MODE_REL_PINNED_HARD);
	hrtimer_start(t, ns_to_ktime((u64)r3x_watchdog_param.val * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_PINNED_HARD);
	return 0;
}

static int r3x_cpu_offline(unsigned int cpu)
{
	hrtimer_cancel(this_cpu_ptr(&r3x_watchdog));
	return 0;
}

void r3x_stats_sum(struct r3x_stats *sum)
{
	unsigned int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const u64 *src = (const u64 *)per_cpu_ptr(&r3x_stats, cpu);

		for (i = 0; i < sizeof(*sum) / sizeof(u64); i++)
			((u64 *)sum)[i] += READ_ONCE(src[i]);
	}
}
EXPORT_SYMBOL_IF_KUNIT(r3x_stats_sum);

int r3x_call_init(void)
{
	u64 efer;
	int ret;

	/* Linux sets EFER.SCE once for good (VMX/SVM restore it on exit). */
	hvsec_rdmsrq(MSR_EFER, efer);
	if (!(efer & EFER_SCE)) {
		pr_err("EFER.SCE is clear: SYSCALL is off\n");
		return -EOPNOTSUPP;
	}
	r3x_fpu_setup();
	ret = register_nmi_handler(NMI_LOCAL, r3x_nmi, 0, "ring3_exec");
	if (ret)
		return ret;
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "ring3_exec:online",
				r3x_cpu_online, r3x_cpu_offline);
	if (ret < 0) {
		unregister_nmi_handler(NMI_LOCAL, "ring3_exec");
		return ret;
	}
	r3x_cpuhp = ret;
	return 0;
}

void r3x_call_exit(void)
{
	cpuhp_remove_state(r3x_cpuhp);
	unregister_nmi_handler(NMI_LOCAL, "ring3_exec");
}
