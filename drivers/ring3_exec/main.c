// SPDX-License-Identifier: GPL-2.0
/*
 * ring3_exec: run a registered helper at CPL3 from kernel context.
 *
 * A call SYSRETs into the helper's private address space and comes back,
 * setjmp/longjmp style, through our LSTAR entry (exit or service) or one of
 * our exception stubs (contained fault). See Documentation/ring3_exec.rst
 * for the design: private CR3 pair, private IDT, per-CPU NMI stack through
 * the kernel's per-CPU top of stack, GS/MSR save and exact restore.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cc_platform.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/current.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/msr.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>
#include <asm/fpu/types.h>
#include <kunit/visibility.h>
#include <hvsec/compat.h>
#include <hvsec/ring3_exec.h>
#include "r3x.h"

#define CREATE_TRACE_POINTS
#include "r3x_trace.h"

DEFINE_PER_CPU(struct r3x_cpu, r3x_cpu);
unsigned long r3x_kernel_gates[32];

static_assert(offsetof(struct r3x_cpu, ksp) == R3X_KSP);
static_assert(offsetof(struct r3x_cpu, kregs[0]) == R3X_KRBX);
static_assert(offsetof(struct r3x_cpu, kregs[5]) == R3X_KR15);
static_assert(offsetof(struct r3x_cpu, usp) == R3X_USP);
static_assert(offsetof(struct r3x_cpu, fvec) == R3X_FVEC);
static_assert(offsetof(struct r3x_cpu, ferr) == R3X_FERR);
static_assert(offsetof(struct r3x_cpu, frip) == R3X_FRIP);
static_assert(offsetof(struct r3x_cpu, fcs) == R3X_FCS);
static_assert(offsetof(struct r3x_cpu, fflags) == R3X_FFLAGS);
static_assert(offsetof(struct r3x_cpu, frsp) == R3X_FRSP);
static_assert(offsetof(struct r3x_cpu, fcr2) == R3X_FCR2);
static_assert(offsetof(struct r3x_entry, rip) == R3X_E_RIP);
static_assert(offsetof(struct r3x_entry, args[0]) == R3X_E_A0);
static_assert(offsetof(struct r3x_entry, args[5]) == R3X_E_A5);
static_assert(sizeof(struct r3x_uregs) == 16 * 8);

/* Linux's own STAR and SYSCALL_MASK values (see syscall_init()). */
#define R3X_STAR	(((u64)__USER32_CS << 48) | ((u64)__KERNEL_CS << 32))
#define R3X_SFMASK	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_TF | \
			 X86_EFLAGS_IF | X86_EFLAGS_DF | X86_EFLAGS_OF | \
			 X86_EFLAGS_IOPL | X86_EFLAGS_NT | X86_EFLAGS_RF | \
			 X86_EFLAGS_AC | X86_EFLAGS_ID)
/* PTI: the user half of a PGD pair and the user PCID bit. */
#define R3X_CR3_USER	(BIT_ULL(PAGE_SHIFT) | BIT_ULL(X86_CR3_PTI_PCID_USER_BIT))
#define R3X_MAX_SERVICES	BIT(20)
/* Highest return RIP that is canonical with 4- and 5-level paging. */
#define R3X_URIP_LIMIT	((1UL << 47) - PAGE_SIZE)

struct r3x_helper {
	struct list_head node;
	char name[32];
	struct page *code[R3X_MAX_CODE_PAGES];
	struct page *stack[R3X_MAX_STACK_PAGES];
	struct page *data;
	unsigned int nr_code, nr_stack, nr_data, data_order;
	unsigned long pgd;		/* order-1 PGD pair */
	unsigned long tables[4];	/* p4d (5-level), pud, pmd, pte */
	u64 cr3;
	const r3x_service_fn *services;
	unsigned int nr_services;
	void *priv;
	bool dead;
	/*
	 * A helper has one stack and one data area: its calls run one at a
	 * time, whatever CPU they come from. Taken with IRQs off.
	 */
	raw_spinlock_t lock;
	atomic64_t calls, faults;
};

/* State found at entry and put back exactly at exit. */
struct r3x_saved {
	u64 cr3;
	struct desc_ptr idt;
	struct r3x_syscall_msrs msrs;
	u64 cstar, sysenter_cs, efer, kgs, fs_base;
	unsigned long tos;
	u32 pkru;
	u16 ds, es, fs, gs;
};

static LIST_HEAD(r3x_helpers);
static DEFINE_MUTEX(r3x_lock);
static gate_desc *r3x_idt;
static struct desc_ptr r3x_idt_desc;
static struct dentry *r3x_dir;
static DEFINE_RAW_SPINLOCK(r3x_stats_lock);
/* Where Linux's entry from user mode puts its pt_regs (hvsec/compat.h). */
static unsigned long __percpu *r3x_top_of_stack __ro_after_init;

static struct {
	u64 calls, faults, msr_checks, msr_mismatch;
	struct r3x_fault last;
	char last_helper[32];
	struct r3x_syscall_msrs saved, restored;
} r3x_stats;

/**
 * r3x_msrs_save() - read the SYSCALL MSRs of this CPU exactly as they are
 * @m: where to store them
 *
 * Inside a KVM exit path they may hold a guest's values; callers put back
 * exactly what was read with r3x_msrs_load(). Call with preemption off.
 */
void r3x_msrs_save(struct r3x_syscall_msrs *m)
{
	rdmsrl(MSR_LSTAR, m->lstar);
	rdmsrl(MSR_STAR, m->star);
	rdmsrl(MSR_SYSCALL_MASK, m->sfmask);
}
EXPORT_SYMBOL_IF_KUNIT(r3x_msrs_save);

/**
 * r3x_msrs_load() - write the SYSCALL MSRs of this CPU
 * @m: values to write
 */
void r3x_msrs_load(const struct r3x_syscall_msrs *m)
{
	wrmsrl(MSR_LSTAR, m->lstar);
	wrmsrl(MSR_STAR, m->star);
	wrmsrl(MSR_SYSCALL_MASK, m->sfmask);
}
EXPORT_SYMBOL_IF_KUNIT(r3x_msrs_load);

/**
 * r3x_cpu_supported() - can a helper run at CPL3 on this system?
 *
 * Return: 0, or a negative errno with the reason logged.
 */
int r3x_cpu_supported(void)
{
	if (!boot_cpu_has(X86_FEATURE_SYSCALL32) &&
	    !boot_cpu_has(X86_FEATURE_SYSCALL)) {
		pr_err("CPU lacks SYSCALL/SYSRET\n");
		return -ENODEV;
	}
	if (hvsec_cpu_has_fred()) {
		pr_err("FRED is enabled: SYSRET is not usable\n");
		return -EOPNOTSUPP;
	}
	if (cpu_feature_enabled(X86_FEATURE_XENPV)) {
		pr_err("Xen PV guest: not supported\n");
		return -EOPNOTSUPP;
	}
	if (cc_platform_has(CC_ATTR_GUEST_STATE_ENCRYPT) ||
	    cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT)) {
		pr_err("confidential guest: not supported\n");
		return -EOPNOTSUPP;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(r3x_cpu_supported);

/* ---- address space ---- */

static u64 r3x_leaf(struct page *pg, bool writable)
{
	u64 v = __sme_set(page_to_phys(pg)) | _PAGE_PRESENT | _PAGE_USER |
		_PAGE_ACCESSED;

	if (writable)
		v |= _PAGE_RW | _PAGE_DIRTY | (__supported_pte_mask & _PAGE_NX);
	return v;
}

static void r3x_free_mm(struct r3x_helper *h)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(h->tables); i++)
		if (h->tables[i])
			free_page(h->tables[i]);
	if (h->pgd)
		free_pages(h->pgd, 1);
}

/*
 * Build the PGD pair: the kernel half copied from the kernel's PGD (its
 * top-level entries are preallocated at boot and never change), the user
 * half mapping only the helper's pages. Both 4 KiB halves are identical, so
 * whichever one PTI's entry code selects (CR3 bit 12) maps the same.
 */
static int r3x_build_mm(struct r3x_helper *h)
{
	int levels = pgtable_l5_enabled() ? 5 : 4;
	const u64 *kpgd = __va(read_cr3_pa());
	u64 *t, *top;
	unsigned int i, n = 0;
	int lvl;

	h->pgd = __get_free_pages(GFP_KERNEL | __GFP_ZERO, 1);
	if (!h->pgd)
		return -ENOMEM;
	top = (u64 *)h->pgd;
	memcpy(top + PTRS_PER_PGD / 2, kpgd + PTRS_PER_PGD / 2,
	       PTRS_PER_PGD / 2 * sizeof(u64));

	t = top;
	for (lvl = levels; lvl > 1; lvl--) {
		unsigned int idx = (R3X_UVA_CODE >> (PAGE_SHIFT + 9 * (lvl - 1))) & 511;

		h->tables[n] = get_zeroed_page(GFP_KERNEL);
		if (!h->tables[n])
			return -ENOMEM;
		t[idx] = __sme_set(__pa(h->tables[n])) | _PAGE_PRESENT |
			 _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;
		t = (u64 *)h->tables[n++];
	}
	BUILD_BUG_ON((R3X_UVA_CODE >> PMD_SHIFT) != ((R3X_UVA_STACK_TOP - 1) >> PMD_SHIFT));
	for (i = 0; i < h->nr_code; i++)
		t[((R3X_UVA_CODE >> PAGE_SHIFT) + i) & 511] = r3x_leaf(h->code[i], false);
	for (i = 0; i < h->nr_data; i++)
		t[((R3X_UVA_DATA >> PAGE_SHIFT) + i) & 511] = r3x_leaf(h->data + i, true);
	for (i = 0; i < h->nr_stack; i++)
		t[((R3X_UVA_STACK_TOP >> PAGE_SHIFT) - h->nr_stack + i) & 511] =
			r3x_leaf(h->stack[i], true);
	memcpy(top + PTRS_PER_PGD, top, PAGE_SIZE);
	h->cr3 = __sme_pa(top);
	return 0;
}

static void r3x_free_helper(struct r3x_helper *h)
{
	unsigned int i;

	r3x_free_mm(h);
	for (i = 0; i < h->nr_code; i++)
		__free_page(h->code[i]);
	for (i = 0; i < h->nr_stack; i++)
		__free_page(h->stack[i]);
	if (h->data)
		__free_pages(h->data, h->data_order);
	kfree(h);
}

/**
 * r3x_register() - register a helper
 * @d: description; the code is copied, @d need not outlive the call
 *
 * Return: the helper, or an ERR_PTR (-EINVAL, -E2BIG, -ENOMEM, -ENODEV).
 */
struct r3x_helper *r3x_register(const struct r3x_helper_desc *d)
{
	struct r3x_helper *h;
	size_t size;
	unsigned int i;
	int ret;

	if (!r3x_idt)
		return ERR_PTR(-ENODEV);
	if (!d || !d->name || !d->code_start || d->code_end <= d->code_start ||
	    d->stack_pages < 1 || d->stack_pages > R3X_MAX_STACK_PAGES ||
	    d->data_pages > R3X_MAX_DATA_PAGES ||
	    (d->nr_services && !d->services) || d->nr_services > 64) {
		pr_err_ratelimited("register: invalid helper description\n");
		return ERR_PTR(-EINVAL);
	}
	size = d->code_end - d->code_start;
	if (size > R3X_MAX_CODE_PAGES * PAGE_SIZE) {
		pr_err_ratelimited("register: helper %s is %zu bytes, limit %lu\n",
				   d->name, size, R3X_MAX_CODE_PAGES * PAGE_SIZE);
		return ERR_PTR(-E2BIG);
	}
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return ERR_PTR(-ENOMEM);
	strscpy(h->name, d->name, sizeof(h->name));
	raw_spin_lock_init(&h->lock);
	h->services = d->services;
	h->nr_services = d->nr_services;
	h->priv = d->priv;
	ret = -ENOMEM;
	for (i = 0; i < DIV_ROUND_UP(size, PAGE_SIZE); i++) {
		size_t off = i * PAGE_SIZE;

		h->code[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!h->code[i])
			goto err;
		h->nr_code++;
		memcpy(page_address(h->code[i]), d->code_start + off,
		       min_t(size_t, PAGE_SIZE, size - off));
	}
	for (i = 0; i < d->stack_pages; i++) {
		h->stack[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!h->stack[i])
			goto err;
		h->nr_stack++;
	}
	if (d->data_pages) {
		h->data_order = get_order(d->data_pages * PAGE_SIZE);
		h->data = alloc_pages(GFP_KERNEL | __GFP_ZERO, h->data_order);
		if (!h->data)
			goto err;
		h->nr_data = d->data_pages;
	}
	ret = r3x_build_mm(h);
	if (ret)
		goto err;
	mutex_lock(&r3x_lock);
	list_add_tail(&h->node, &r3x_helpers);
	mutex_unlock(&r3x_lock);
	return h;
err:
	r3x_free_helper(h);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(r3x_register);

/**
 * r3x_unregister() - remove a helper, waiting for calls still running it
 * @h: helper from r3x_register(); NULL or an error pointer is ignored
 */
void r3x_unregister(struct r3x_helper *h)
{
	if (IS_ERR_OR_NULL(h))
		return;
	WRITE_ONCE(h->dead, true);
	/* Calls run with preemption off: this waits for all of them. */
	synchronize_rcu();
	mutex_lock(&r3x_lock);
	list_del(&h->node);
	mutex_unlock(&r3x_lock);
	r3x_free_helper(h);
}
EXPORT_SYMBOL_GPL(r3x_unregister);

/**
 * r3x_helper_data() - kernel address of the helper's data pages
 * @h: helper
 *
 * Return: the pages mapped at R3X_UVA_DATA, or NULL if it has none.
 */
void *r3x_helper_data(struct r3x_helper *h)
{
	return h->data ? page_address(h->data) : NULL;
}
EXPORT_SYMBOL_GPL(r3x_helper_data);

/* ---- the call ---- */

static void r3x_fault_set(struct r3x_cpu *c, u64 vec, u64 err, u64 rip)
{
	c->fvec = vec;
	c->ferr = err;
	c->frip = rip;
	c->fcs = 0;
	c->fflags = 0;
	c->frsp = c->usp;
	c->fcr2 = 0;
}

/* Called from r3x_syscall_entry at CPL0, IRQs off, on the caller's stack. */
long r3x_syscall_c(struct r3x_uregs *regs)
{
	struct r3x_cpu *c = this_cpu_ptr(&r3x_cpu);
	struct r3x_helper *h = c->helper;
	u64 nr = regs->rax;
	u64 args[6];

	if (nr == R3X_SVC_EXIT) {
		c->result = regs->rdi;
		return R3X_EXIT_NORMAL;
	}
	if (nr > h->nr_services || !h->services[nr - 1]) {
		r3x_fault_set(c, R3X_VEC_BAD_SERVICE, nr, regs->rcx);
		return R3X_EXIT_FAULT;
	}
	if (++c->nservices > R3X_MAX_SERVICES) {
		r3x_fault_set(c, R3X_VEC_SERVICE_BUDGET, nr, regs->rcx);
		return R3X_EXIT_FAULT;
	}
	args[0] = regs->rdi;
	args[1] = regs->rsi;
	args[2] = regs->rdx;
	args[3] = regs->r10;
	args[4] = regs->r8;
	args[5] = regs->r9;
	regs->rax = h->services[nr - 1](h->priv, args);
	/* SYSRET with a non-canonical RCX would fault at CPL0. */
	if (regs->rcx >= R3X_URIP_LIMIT) {
		r3x_fault_set(c, R3X_VEC_BAD_RETURN, nr, regs->rcx);
		return R3X_EXIT_FAULT;
	}
	regs->r11 &= ~(u64)X86_EFLAGS_IF;
	return 0;
}

static void r3x_switch_in(struct r3x_saved *s, struct r3x_cpu *c,
			  struct r3x_helper *h)
{
	s->cr3 = __native_read_cr3();
	store_idt(&s->idt);
	r3x_msrs_save(&s->msrs);
	rdmsrl(MSR_CSTAR, s->cstar);
	if (boot_cpu_has(X86_FEATURE_SEP))
		rdmsrl(MSR_IA32_SYSENTER_CS, s->sysenter_cs);
	rdmsrl(MSR_EFER, s->efer);
	rdmsrl(MSR_KERNEL_GS_BASE, s->kgs);
	rdmsrl(MSR_FS_BASE, s->fs_base);
	savesegment(ds, s->ds);
	savesegment(es, s->es);
	savesegment(fs, s->fs);
	savesegment(gs, s->gs);
	s->pkru = cpu_feature_enabled(X86_FEATURE_OSPKE) ? rdpkru() : 0;
	s->tos = this_cpu_read(*r3x_top_of_stack);

	wrmsrl(MSR_LSTAR, (unsigned long)r3x_syscall_entry);
	/* Usually Linux's own values already: skip the slow WRMSRs then. */
	if (s->msrs.star != R3X_STAR)
		wrmsrl(MSR_STAR, R3X_STAR);
	if (s->msrs.sfmask != R3X_SFMASK)
		wrmsrl(MSR_SYSCALL_MASK, R3X_SFMASK);
	wrmsrl(MSR_CSTAR, (unsigned long)r3x_cstar_entry);
	/* SYSENTER from the helper raises #GP instead of entering Linux. */
	if (boot_cpu_has(X86_FEATURE_SEP))
		wrmsrl(MSR_IA32_SYSENTER_CS, 0);
	if (!(s->efer & EFER_SCE))
		wrmsrl(MSR_EFER, s->efer | EFER_SCE);
	/* After SWAPGS at CPL3: GS base 0 (a user value), kernel's in KGS. */
	wrmsrl(MSR_KERNEL_GS_BASE, 0);
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
	/* NMIs from CPL3 build their frame on our stack, not the caller's. */
	this_cpu_write(*r3x_top_of_stack, c->stack_top);
	native_load_idt(&r3x_idt_desc);
	/*
	 * PCID 0 (and 0x800, the PCID PTI's NMI return path switches to) are
	 * never used by Linux with the no-flush bit: flush both on entry so
	 * no translation of a previous helper survives.
	 */
	if (static_cpu_has(X86_FEATURE_PTI) && static_cpu_has(X86_FEATURE_PCID))
		native_write_cr3(h->cr3 | R3X_CR3_USER);
	native_write_cr3(h->cr3);
}

static void r3x_switch_out(const struct r3x_saved *s, struct r3x_syscall_msrs *after)
{
	u16 sel;

	native_write_cr3(s->cr3 |
			 (static_cpu_has(X86_FEATURE_PCID) ? X86_CR3_PCID_NOFLUSH : 0));
	native_load_idt(&s->idt);
	this_cpu_write(*r3x_top_of_stack, s->tos);
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
	wrmsrl(MSR_FS_BASE, s->fs_base);
	wrmsrl(MSR_KERNEL_GS_BASE, s->kgs);
	if (cpu_feature_enabled(X86_FEATURE_OSPKE) && rdpkru() != s->pkru)
		wrpkru(s->pkru);
	wrmsrl(MSR_LSTAR, s->msrs.lstar);
	if (s->msrs.star != R3X_STAR)
		wrmsrl(MSR_STAR, s->msrs.star);
	if (s->msrs.sfmask != R3X_SFMASK)
		wrmsrl(MSR_SYSCALL_MASK, s->msrs.sfmask);
	wrmsrl(MSR_CSTAR, s->cstar);
	if (boot_cpu_has(X86_FEATURE_SEP))
		wrmsrl(MSR_IA32_SYSENTER_CS, s->sysenter_cs);
	if (!(s->efer & EFER_SCE))
		wrmsrl(MSR_EFER, s->efer);
	r3x_msrs_save(after);
	/* No helper FPU state (pending x87 exception, MXCSR) leaks out. */
	asm volatile("fninit");
	if (boot_cpu_has(X86_FEATURE_XMM)) {
		u32 mxcsr = MXCSR_DEFAULT;

		asm volatile("ldmxcsr %0" :: "m" (mxcsr));
	}
}

/**
 * r3x_call() - run a helper at CPL3 on this CPU
 * @h: registered helper
 * @args: six arguments (NULL: all zero)
 * @result: the helper's EXIT value (may be NULL)
 * @fault: filled when the call ends with -EFAULT (may be NULL)
 *
 * Process context or preemption/IRQs off; not from NMI and not from a
 * service callback (re-entry on the same CPU is refused). Calls of one
 * helper from several CPUs run one after the other: the helper has a
 * single stack and data area.
 *
 * Return: 0, -EFAULT (contained fault), -EBUSY (re-entry, FPU in use),
 * -ENOENT (helper being unregistered), -EINVAL.
 */
int r3x_call(struct r3x_helper *h, const u64 args[6], u64 *result,
	     struct r3x_fault *fault)
{
	struct r3x_entry e = { .rip = R3X_UVA_CODE };
	struct r3x_syscall_msrs after;
	struct r3x_fault f = {};
	struct r3x_saved s;
	struct r3x_cpu *c;
	unsigned long flags, nsvc = 0;
	u64 res = 0;
	long rc;
	int ret;

	if (IS_ERR_OR_NULL(h))
		return -EINVAL;
	if (args)
		memcpy(e.args, args, sizeof(e.args));
	if (in_nmi() || !irq_fpu_usable())
		return -EBUSY;
	kernel_fpu_begin();
	local_irq_save(flags);
	rcu_read_lock();
	c = this_cpu_ptr(&r3x_cpu);
	if (c->active) {
		ret = -EBUSY;
		goto out;
	}
	if (READ_ONCE(h->dead)) {
		ret = -ENOENT;
		goto out;
	}
	c->active = true;
	c->helper = h;
	c->nservices = 0;
	raw_spin_lock(&h->lock);
	r3x_switch_in(&s, c, h);
	rc = r3x_enter_asm(&e);
	r3x_switch_out(&s, &after);
	raw_spin_unlock(&h->lock);
	nsvc = c->nservices;
	if (rc == R3X_EXIT_NORMAL) {
		res = c->result;
		ret = 0;
	} else {
		f.vector = c->fvec;
		f.error_code = c->ferr;
		f.rip = c->frip;
		/* CR2 is only meaningful for #PF. */
		f.cr2 = c->fvec == X86_TRAP_PF ? c->fcr2 : 0;
		f.rsp = c->frsp;
		f.rflags = c->fflags;
		f.cs = c->fcs;
		ret = -EFAULT;
	}
	c->helper = NULL;
	c->active = false;

	atomic64_inc(&h->calls);
	if (ret)
		atomic64_inc(&h->faults);
	raw_spin_lock(&r3x_stats_lock);
	r3x_stats.calls++;
	r3x_stats.msr_checks++;
	if (memcmp(&after, &s.msrs, sizeof(after)))
		r3x_stats.msr_mismatch++;
	r3x_stats.saved = s.msrs;
	r3x_stats.restored = after;
	if (ret) {
		r3x_stats.faults++;
		r3x_stats.last = f;
		memcpy(r3x_stats.last_helper, h->name, sizeof(h->name));
	}
	raw_spin_unlock(&r3x_stats_lock);
out:
	/* Still inside the RCU section: @h cannot be freed under us. */
	trace_r3x_call(h->name, ret, res, f.vector, nsvc);
	rcu_read_unlock();
	local_irq_restore(flags);
	kernel_fpu_end();
	if (ret == -EBUSY)
		pr_warn_ratelimited("call: re-entry on CPU refused\n");
	if (!ret && result)
		*result = res;
	if (ret == -EFAULT && fault)
		*fault = f;
	return ret;
}
EXPORT_SYMBOL_GPL(r3x_call);

/* Counters for tests: calls, faults and MSR restore mismatches so far. */
void r3x_get_counters(u64 *calls, u64 *faults, u64 *msr_mismatch)
{
	raw_spin_lock_irq(&r3x_stats_lock);
	*calls = r3x_stats.calls;
	*faults = r3x_stats.faults;
	*msr_mismatch = r3x_stats.msr_mismatch;
	raw_spin_unlock_irq(&r3x_stats_lock);
}
EXPORT_SYMBOL_IF_KUNIT(r3x_get_counters);

/* ---- setup ---- */

static int r3x_build_idt(void)
{
	struct desc_ptr kdesc;
	const gate_desc *k;
	gate_desc *g;
	unsigned int v;

	store_idt(&kdesc);
	k = (const gate_desc *)kdesc.address;
	r3x_idt = (gate_desc *)get_zeroed_page(GFP_KERNEL);
	if (!r3x_idt)
		return -ENOMEM;
	for (v = 0; v < 32; v++) {
		unsigned long a = (unsigned long)r3x_stub_table[v];

		/* NMI, #DF, #MC: the kernel's gates, IST and all. */
		if (v == X86_TRAP_NMI || v == X86_TRAP_DF || v == X86_TRAP_MC) {
			r3x_idt[v] = k[v];
			continue;
		}
		if (!k[v].bits.p)
			continue;
		r3x_kernel_gates[v] = gate_offset(&k[v]);
		g = &r3x_idt[v];
		g->offset_low = (u16)a;
		g->offset_middle = (u16)(a >> 16);
		g->offset_high = (u32)(a >> 32);
		g->segment = __KERNEL_CS;
		g->bits.ist = k[v].bits.ist;	/* #DB keeps its IST stack */
		g->bits.type = GATE_INTERRUPT;
		g->bits.dpl = k[v].bits.dpl;	/* #BP, #OF: DPL3 */
		g->bits.p = 1;
	}
	/* Not present, DPL3: INT R3X_NP_VECTOR at CPL3 raises #NP. */
	r3x_idt[R3X_NP_VECTOR].bits.type = GATE_INTERRUPT;
	r3x_idt[R3X_NP_VECTOR].bits.dpl = 3;
	r3x_idt_desc.address = (unsigned long)r3x_idt;
	r3x_idt_desc.size = IDT_ENTRIES * sizeof(gate_desc) - 1;
	return 0;
}

static void r3x_free_stacks(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct r3x_cpu *c = per_cpu_ptr(&r3x_cpu, cpu);

		if (c->stack_top)
			free_pages(c->stack_top - THREAD_SIZE, THREAD_SIZE_ORDER);
		c->stack_top = 0;
	}
}

static int r3x_alloc_stacks(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		unsigned long s = __get_free_pages(GFP_KERNEL | __GFP_ZERO,
						   THREAD_SIZE_ORDER);

		if (!s) {
			r3x_free_stacks();
			return -ENOMEM;
		}
		per_cpu_ptr(&r3x_cpu, cpu)->stack_top = s + THREAD_SIZE;
	}
	return 0;
}

/* ---- debugfs ---- */

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
		seq_printf(m, "%s code_pages=%u data_pages=%u stack_pages=%u services=%u calls=%lld faults=%lld\n",
			   h->name, h->nr_code, h->nr_data, h->nr_stack,
			   h->nr_services, atomic64_read(&h->calls),
			   atomic64_read(&h->faults));
	mutex_unlock(&r3x_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(helpers);

static int stats_show(struct seq_file *m, void *v)
{
	typeof(r3x_stats) st;

	raw_spin_lock_irq(&r3x_stats_lock);
	st = r3x_stats;
	raw_spin_unlock_irq(&r3x_stats_lock);
	seq_printf(m, "calls: %llu\nfaults: %llu\n", st.calls, st.faults);
	seq_printf(m, "last_fault: helper=%s vector=%#llx error=%#llx rip=%#llx cr2=%#llx rsp=%#llx rflags=%#llx\n",
		   st.last_helper[0] ? st.last_helper : "-", st.last.vector,
		   st.last.error_code, st.last.rip, st.last.cr2, st.last.rsp,
		   st.last.rflags);
	seq_printf(m, "msr_checks: %llu\nmsr_mismatch: %llu\n",
		   st.msr_checks, st.msr_mismatch);
	seq_printf(m, "last_saved: lstar=%#llx star=%#llx sfmask=%#llx\n",
		   st.saved.lstar, st.saved.star, st.saved.sfmask);
	seq_printf(m, "last_restored: lstar=%#llx star=%#llx sfmask=%#llx\n",
		   st.restored.lstar, st.restored.star, st.restored.sfmask);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int __init ring3_exec_init(void)
{
	int ret = r3x_cpu_supported();

	if (ret)
		return ret;
	ret = hvsec_top_of_stack_find(&r3x_top_of_stack);
	if (ret)
		return ret;
	ret = r3x_alloc_stacks();
	if (ret)
		return ret;
	ret = r3x_build_idt();
	if (ret)
		goto err_stacks;
	ret = r3x_builtin_init();
	if (ret)
		goto err_idt;
	r3x_dir = debugfs_create_dir("ring3_exec", NULL);
	debugfs_create_file("msrs", 0444, r3x_dir, NULL, &msrs_fops);
	debugfs_create_file("helpers", 0444, r3x_dir, NULL, &helpers_fops);
	debugfs_create_file("stats", 0444, r3x_dir, NULL, &stats_fops);
	r3x_builtin_debugfs(r3x_dir);
	return 0;
err_idt:
	free_page((unsigned long)r3x_idt);
	r3x_idt = NULL;
err_stacks:
	r3x_free_stacks();
	return ret;
}

static void __exit ring3_exec_exit(void)
{
	debugfs_remove_recursive(r3x_dir);
	r3x_builtin_exit();
	free_page((unsigned long)r3x_idt);
	r3x_free_stacks();
}

module_init(ring3_exec_init);
module_exit(ring3_exec_exit);
MODULE_DESCRIPTION("Run registered helpers at CPL3 from kernel context");
MODULE_VERSION(HVSEC_VERSION);
MODULE_AUTHOR("hvsec developers");
MODULE_LICENSE("GPL");
