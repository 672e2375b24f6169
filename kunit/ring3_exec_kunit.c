// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for ring3_exec: SYSCALL MSR handling, calls and services,
 * fault containment, many and concurrent calls, NMIs at CPL3, budgets,
 * unregistration under a running call, entry state.
 */
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/sort.h>
#include <linux/module.h>
#include <hvsec/compat.h>
#include <linux/preempt.h>
#include <linux/sched/task_stack.h>
#include <linux/stringify.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/nmi.h>
#include <asm/ptrace.h>
#include <asm/trap_pf.h>
#include <asm/segment.h>
#include <asm/trapnr.h>
#include <hvsec/ring3_exec.h>

#define S(x) __stringify(x)
#define R3X_KSTAR (((u64)__USER32_CS << 48) | ((u64)__KERNEL_CS << 32))

/*
 * Calls service 1 arg0 times with (i, arg1) and returns the sum of the
 * results. Keeps its state in callee-saved registers and on its stack
 * across the SYSCALLs, and stores the count in its data page.
 */
R3X_DEFINE_HELPER(r3x_kt_svc,
		  "\tmovl $" S(R3X_UVA_STACK_TOP) ", %esp\n"
		  "\tmovq %rdi, %rbx\n"
		  "\tmovq %rsi, %r12\n"
		  "\txorl %r13d, %r13d\n"
		  "\txorl %r14d, %r14d\n"
		  "1:\tcmpq %rbx, %r14\n"
		  "\tjae 2f\n"
		  "\tpushq %r14\n"
		  "\tmovq %r14, %rdi\n"
		  "\tmovq %r12, %rsi\n"
		  "\tmovl $1, %eax\n"
		  "\tsyscall\n"
		  "\tpopq %rdx\n"
		  "\tcmpq %rdx, %r14\n"
		  "\tjne 3f\n"
		  "\taddq %rax, %r13\n"
		  "\tincq %r14\n"
		  "\tmovl $" S(R3X_UVA_DATA) ", %eax\n"
		  "\tmovq %r14, (%rax)\n"
		  "\tjmp 1b\n"
		  "2:\tmovq %r13, %rdi\n"
		  "\txorl %eax, %eax\n"
		  "\tsyscall\n"
		  "3:\tud2");

/* Sum of the six arguments (registered by this module, not built in). */
R3X_DEFINE_HELPER(r3x_kt_sum,
		  "\tleaq (%rdi,%rsi), %rdi\n"
		  "\taddq %rdx, %rdi\n"
		  "\taddq %r10, %rdi\n"
		  "\taddq %r8, %rdi\n"
		  "\taddq %r9, %rdi\n"
		  "\txorl %eax, %eax\n"
		  "\tsyscall\n"
		  "\tud2");

/*
 * Calls service 1, spins arg0 iterations, calls service 2 and exits with the
 * iteration count: services 1 and 2 mark the start and the end of a call
 * that is still running.
 */
R3X_DEFINE_HELPER(r3x_kt_span,
		  "\tmovl $" S(R3X_UVA_STACK_TOP) ", %esp\n"
		  "\tmovq %rdi, %rbx\n"
		  "\tmovl $1, %eax\n"
		  "\tsyscall\n"
		  "\txorl %r12d, %r12d\n"
		  "1:\tcmpq %rbx, %r12\n"
		  "\tjae 2f\n"
		  "\tpause\n"
		  "\tincq %r12\n"
		  "\tjmp 1b\n"
		  "2:\tmovl $2, %eax\n"
		  "\tsyscall\n"
		  "\tmovq %r12, %rdi\n"
		  "\txorl %eax, %eax\n"
		  "\tsyscall\n"
		  "\tud2");

struct svc_priv {
	unsigned long calls;
	struct r3x_helper *nested;
	int nested_ret;
};

static u64 svc_mul(void *priv, const u64 a[6])
{
	struct svc_priv *p = priv;

	p->calls++;
	return a[0] * a[1];
}

static u64 svc_nested(void *priv, const u64 a[6])
{
	struct svc_priv *p = priv;
	u64 res;

	p->calls++;
	p->nested_ret = r3x_call(p->nested, a, &res, NULL);
	return 0;
}

static struct r3x_helper *reg_helper_budget(struct kunit *test, const char *name,
					    const u8 *start, const u8 *end,
					    const r3x_service_fn *svc,
					    unsigned int nsvc, void *priv,
					    unsigned int budget_us)
{
	struct r3x_helper_desc d = {
		.name = name, .code_start = start, .code_end = end,
		.data_pages = 1, .stack_pages = 1,
		.services = svc, .nr_services = nsvc, .priv = priv,
		.budget_us = budget_us,
	};
	struct r3x_helper *h = r3x_register(&d);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, h);
	return h;
}

static struct r3x_helper *reg_helper(struct kunit *test, const char *name,
				     const u8 *start, const u8 *end,
				     const r3x_service_fn *svc, unsigned int nsvc,
				     void *priv)
{
	/* Not a test of budgets: room for a slow, loaded host. */
	return reg_helper_budget(test, name, start, end, svc, nsvc, priv,
				 5 * USEC_PER_SEC);
}

/* ---- suite ring3_exec_msrs ---- */

/*
 * Guest-like values loaded in place of the kernel's (as KVM leaves them in
 * an exit path) must read back bit for bit, and the kernel's values must be
 * back afterwards. Interrupts stay off while foreign values are loaded:
 * no SYSCALL can happen on this CPU in between.
 */
static void msrs_exact_roundtrip(struct kunit *test)
{
	struct r3x_syscall_msrs kern, guest = {
		.lstar = 0xffffffff81a00040ULL ^ 0x1000,
		.star = 0x0023001000000000ULL,
		.sfmask = 0x47700,
	}, seen, after;
	unsigned long flags;

	local_irq_save(flags);
	r3x_msrs_save(&kern);
	r3x_msrs_load(&guest);
	r3x_msrs_save(&seen);
	r3x_msrs_load(&kern);
	r3x_msrs_save(&after);
	local_irq_restore(flags);

	KUNIT_EXPECT_EQ(test, seen.lstar, guest.lstar);
	KUNIT_EXPECT_EQ(test, seen.star, guest.star);
	KUNIT_EXPECT_EQ(test, seen.sfmask, guest.sfmask);
	KUNIT_EXPECT_EQ(test, after.lstar, kern.lstar);
	KUNIT_EXPECT_EQ(test, after.star, kern.star);
	KUNIT_EXPECT_EQ(test, after.sfmask, kern.sfmask);
	KUNIT_EXPECT_NE(test, kern.lstar, 0ULL);
}

static void cpu_supported_here(struct kunit *test)
{
	/* The test host (QEMU -cpu max, FRED off) must be supported. */
	KUNIT_EXPECT_EQ(test, r3x_cpu_supported(), 0);
}

/* KVM-adjacent: a guest's SYSCALL MSRs loaded around a call survive it. */
static void msrs_guest_values_survive_call(struct kunit *test)
{
	struct r3x_helper *h = r3x_builtin("sum");
	struct r3x_syscall_msrs kern, guest = {
		.lstar = 0x00007f0012345678ULL,
		.star = 0x0023001000000000ULL | 0xdeadbeefULL,
		.sfmask = 0x257fd5,
	}, seen;
	u64 args[6] = { 1, 2, 3, 4, 5, 6 }, res = 0, kgs, kgs_after;
	unsigned long flags;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, h);
	local_irq_save(flags);
	r3x_msrs_save(&kern);
	hvsec_rdmsrq(MSR_KERNEL_GS_BASE, kgs);
	r3x_msrs_load(&guest);
	/* A guest's KERNEL_GS_BASE is live too in a KVM exit path. */
	hvsec_wrmsrq(MSR_KERNEL_GS_BASE, 0x00007fabcdef0000ULL);
	ret = r3x_call(h, args, &res, NULL);
	r3x_msrs_save(&seen);
	hvsec_rdmsrq(MSR_KERNEL_GS_BASE, kgs_after);
	r3x_msrs_load(&kern);
	hvsec_wrmsrq(MSR_KERNEL_GS_BASE, kgs);
	local_irq_restore(flags);

	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, res, 21ULL);
	KUNIT_EXPECT_EQ(test, seen.lstar, guest.lstar);
	KUNIT_EXPECT_EQ(test, seen.star, guest.star);
	KUNIT_EXPECT_EQ(test, seen.sfmask, guest.sfmask);
	KUNIT_EXPECT_EQ(test, kgs_after, 0x00007fabcdef0000ULL);
}

/* After an ordinary call (and a faulting one) the kernel's values are back. */
static void msrs_kernel_after_call(struct kunit *test)
{
	struct r3x_syscall_msrs before, after, after_fault;
	u64 res, calls, faults, mism, calls2, faults2, mism2;
	u64 args[6] = { R3X_FK_UD };
	int ret, ret2;

	migrate_disable();
	r3x_get_counters(&calls, &faults, &mism);
	preempt_disable();
	r3x_msrs_save(&before);
	ret = r3x_call(r3x_builtin("null"), NULL, &res, NULL);
	r3x_msrs_save(&after);
	ret2 = r3x_call(r3x_builtin("fault"), args, &res, NULL);
	r3x_msrs_save(&after_fault);
	preempt_enable();
	r3x_get_counters(&calls2, &faults2, &mism2);
	migrate_enable();

	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, ret2, -EFAULT);
	KUNIT_EXPECT_EQ(test, before.star, R3X_KSTAR);
	KUNIT_EXPECT_EQ(test, after.lstar, before.lstar);
	KUNIT_EXPECT_EQ(test, after.star, before.star);
	KUNIT_EXPECT_EQ(test, after.sfmask, before.sfmask);
	KUNIT_EXPECT_EQ(test, after_fault.lstar, before.lstar);
	KUNIT_EXPECT_EQ(test, after_fault.star, before.star);
	KUNIT_EXPECT_EQ(test, after_fault.sfmask, before.sfmask);
	KUNIT_EXPECT_EQ(test, calls2 - calls, 2ULL);
	KUNIT_EXPECT_EQ(test, faults2 - faults, 1ULL);
	KUNIT_EXPECT_EQ(test, mism2, mism);
}

static struct kunit_case ring3_exec_msrs_cases[] = {
	KUNIT_CASE(msrs_exact_roundtrip),
	KUNIT_CASE(cpu_supported_here),
	KUNIT_CASE(msrs_guest_values_survive_call),
	KUNIT_CASE(msrs_kernel_after_call),
	{}
};

static struct kunit_suite ring3_exec_msrs_suite = {
	.name = "ring3_exec_msrs",
	.test_cases = ring3_exec_msrs_cases,
};

/* ---- suite ring3_exec_call ---- */

static void call_sum(struct kunit *test)
{
	struct r3x_helper *h = reg_helper(test, "kt_sum", r3x_kt_sum_start,
					  r3x_kt_sum_end, NULL, 0, NULL);
	u64 args[6] = { 1, 20, 300, 4000, 50000, 600000 }, res = 0;
	u64 big[6] = { ~0ULL, 2, 0, 0, 0, 0 };

	KUNIT_EXPECT_EQ(test, r3x_call(h, args, &res, NULL), 0);
	KUNIT_EXPECT_EQ(test, res, 654321ULL);
	KUNIT_EXPECT_EQ(test, r3x_call(h, big, &res, NULL), 0);
	KUNIT_EXPECT_EQ(test, res, 1ULL);
	/* The built-in one uses its own stack. */
	KUNIT_EXPECT_EQ(test, r3x_call(r3x_builtin("sum"), args, &res, NULL), 0);
	KUNIT_EXPECT_EQ(test, res, 654321ULL);
	r3x_unregister(h);
}

static void call_service_many(struct kunit *test)
{
	static const r3x_service_fn svc[] = { svc_mul };
	struct svc_priv p = {};
	struct r3x_helper *h = reg_helper(test, "kt_svc", r3x_kt_svc_start,
					  r3x_kt_svc_end, svc, 1, &p);
	u64 args[6] = { 10, 7 }, res = 0, *data = r3x_helper_data(h);

	KUNIT_ASSERT_NOT_NULL(test, data);
	/* sum over i < 10 of i * 7 */
	KUNIT_EXPECT_EQ(test, r3x_call(h, args, &res, NULL), 0);
	KUNIT_EXPECT_EQ(test, res, 315ULL);
	KUNIT_EXPECT_EQ(test, p.calls, 10UL);
	KUNIT_EXPECT_EQ(test, data[0], 10ULL);
	args[0] = 1000;
	KUNIT_EXPECT_EQ(test, r3x_call(h, args, &res, NULL), 0);
	KUNIT_EXPECT_EQ(test, res, 7ULL * 999 * 1000 / 2);
	KUNIT_EXPECT_EQ(test, p.calls, 1010UL);
	r3x_unregister(h);
}

static void call_service_unknown(struct kunit *test)
{
	static const r3x_service_fn svc[] = { svc_mul };
	struct svc_priv p = {};
	struct r3x_fault f = {};
	struct r3x_helper *h = reg_helper(test, "kt_sum_svc", r3x_kt_sum_start,
					  r3x_kt_sum_end, svc, 1, &p);
	/* kt_sum exits with RAX=0; the built-in fault helper asks for 12345 */
	u64 args[6] = { R3X_FK_BADSVC }, res = 0;

	KUNIT_EXPECT_EQ(test, r3x_call(r3x_builtin("fault"), args, &res, &f), -EFAULT);
	KUNIT_EXPECT_EQ(test, f.vector, (u64)R3X_VEC_BAD_SERVICE);
	KUNIT_EXPECT_EQ(test, f.error_code, 12345ULL);
	KUNIT_EXPECT_GE(test, f.rip, (u64)R3X_UVA_CODE);
	KUNIT_EXPECT_LT(test, f.rip, (u64)R3X_UVA_CODE + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, p.calls, 0UL);
	r3x_unregister(h);
}

static void call_reentry_refused(struct kunit *test)
{
	static const r3x_service_fn svc[] = { svc_nested };
	struct svc_priv p = { .nested = r3x_builtin("null"), .nested_ret = 1 };
	struct r3x_helper *h = reg_helper(test, "kt_nest", r3x_kt_svc_start,
					  r3x_kt_svc_end, svc, 1, &p);
	u64 args[6] = { 1, 0 }, res = 1;

	KUNIT_EXPECT_EQ(test, r3x_call(h, args, &res, NULL), 0);
	KUNIT_EXPECT_EQ(test, p.calls, 1UL);
	KUNIT_EXPECT_EQ(test, p.nested_ret, -EBUSY);
	KUNIT_EXPECT_EQ(test, res, 0ULL);
	r3x_unregister(h);
}

static void register_limits(struct kunit *test)
{
	size_t big = (R3X_MAX_CODE_PAGES + 1) * PAGE_SIZE;
	u8 *buf = vzalloc(big);
	struct r3x_helper_desc d = {
		.name = "kt_big", .code_start = buf, .code_end = buf + big,
		.stack_pages = 1,
	};
	struct r3x_helper *h;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, PTR_ERR(r3x_register(&d)), -E2BIG);
	d.code_end = buf + R3X_MAX_CODE_PAGES * PAGE_SIZE;
	h = r3x_register(&d);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(h));
	r3x_unregister(h);
	d.stack_pages = 0;
	KUNIT_EXPECT_EQ(test, PTR_ERR(r3x_register(&d)), -EINVAL);
	d.stack_pages = R3X_MAX_STACK_PAGES + 1;
	KUNIT_EXPECT_EQ(test, PTR_ERR(r3x_register(&d)), -EINVAL);
	d.stack_pages = 1;
	d.data_pages = R3X_MAX_DATA_PAGES + 1;
	KUNIT_EXPECT_EQ(test, PTR_ERR(r3x_register(&d)), -EINVAL);
	d.data_pages = 0;
	d.code_end = buf;
	KUNIT_EXPECT_EQ(test, PTR_ERR(r3x_register(&d)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(r3x_register(NULL)), -EINVAL);
	KUNIT_EXPECT_EQ(test, r3x_call(NULL, NULL, NULL, NULL), -EINVAL);
	vfree(buf);
}

static struct kunit_case ring3_exec_call_cases[] = {
	KUNIT_CASE(call_sum),
	KUNIT_CASE(call_service_many),
	KUNIT_CASE(call_service_unknown),
	KUNIT_CASE(call_reentry_refused),
	KUNIT_CASE(register_limits),
	{}
};

static struct kunit_suite ring3_exec_call_suite = {
	.name = "ring3_exec_call",
	.test_cases = ring3_exec_call_cases,
};

/* ---- suite ring3_exec_faults ---- */

struct fault_case {
	const char *name;
	unsigned int kind;
	u64 vec, alt_vec;	/* alt_vec: what TCG reports, or ~0 */
	s64 err;		/* -1: not checked */
	bool may_not_fault;	/* CPU models without this check */
	int kaddr;		/* 1: arg1 = kernel data, 2: kernel text */
	unsigned int idt_vec;	/* error code names this IDT vector */
};

/*
 * An error code naming IDT entry @vec: index << 3 | IDT bit. QEMU's TCG
 * scales the index by the 16-byte gate size in long mode; accept both.
 */
static bool idt_error_code(u64 err, unsigned int vec)
{
	return err == ((u64)vec << 3 | 2) || err == ((u64)vec << 4 | 2);
}

static const struct fault_case fault_cases[] = {
	{ "UD", R3X_FK_UD, 6, ~0ULL, -1 },
	{ "PF_null", R3X_FK_PF_NULL, 14, ~0ULL, 4 },
	{ "GP_noncanonical", R3X_FK_GP_NONCANON, 13, ~0ULL, 0 },
	{ "DE", R3X_FK_DE, 0, ~0ULL, -1 },
	{ "BP", R3X_FK_BP, 3, ~0ULL, -1 },
	{ "OF_int4", R3X_FK_OF, 4, ~0ULL, -1 },
	{ "AC", R3X_FK_AC, 17, ~0ULL, 0, true },
	{ "SS", R3X_FK_SS, 12, 13, 0 },
	{ "NP", R3X_FK_NP, 11, ~0ULL, -1, false, 0, R3X_NP_VECTOR },
	{ "MF", R3X_FK_MF, 16, ~0ULL, -1, true },
	{ "XM", R3X_FK_XM, 19, ~0ULL, -1, true },
	{ "INT80", R3X_FK_INT80, 13, ~0ULL, -1, false, 0, 0x80 },
	{ "CLI", R3X_FK_CLI, 13, ~0ULL, 0 },
	{ "HLT", R3X_FK_HLT, 13, ~0ULL, 0 },
	{ "WRMSR", R3X_FK_WRMSR, 13, ~0ULL, 0 },
	{ "MOV_CR3", R3X_FK_MOVCR, 13, ~0ULL, 0 },
	{ "SWAPGS", R3X_FK_SWAPGS, 13, 6, -1 },
	{ "write_code", R3X_FK_WRITE_CODE, 14, ~0ULL, 7 },
	{ "exec_data", R3X_FK_EXEC_DATA, 14, ~0ULL, 0x15 },
	{ "ICEBP", R3X_FK_ICEBP, 1, 6, -1 },
	{ "kernel_read", R3X_FK_KREAD, 14, ~0ULL, 5, false, 1 },
	{ "kernel_write", R3X_FK_KWRITE, 14, ~0ULL, 7, false, 1 },
	{ "kernel_exec", R3X_FK_KEXEC, 14, ~0ULL, 0x15, false, 2 },
	{ "compat_syscall", R3X_FK_COMPAT, R3X_VEC_COMPAT_SYSCALL, 6, -1 },
	/* #NM with AMX (XFD armed for the call), #UD without AMX */
	{ "AMX_tilerelease", R3X_FK_AMX, 7, 6, -1 },
};

static void fault_case_desc(const struct fault_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fault, fault_cases, fault_case_desc);

static u64 kt_kernel_data = 0x1122334455667788ULL;

static void fault_contained(struct kunit *test)
{
	const struct fault_case *c = test->param_value;
	struct r3x_helper *h = r3x_builtin("fault");
	struct r3x_syscall_msrs before, after;
	struct r3x_fault f = {};
	u64 args[6] = { c->kind }, res = 0, calls, faults, mism, c2, f2, m2;
	u64 gs, gs_after, fsb, fsb_after;
	int ret;

	if (c->kaddr == 1)
		args[1] = (u64)(unsigned long)&kt_kernel_data;
	else if (c->kaddr == 2)
		args[1] = (u64)(unsigned long)fault_contained;
	migrate_disable();
	r3x_get_counters(&calls, &faults, &mism);
	preempt_disable();
	r3x_msrs_save(&before);
	hvsec_rdmsrq(MSR_GS_BASE, gs);
	hvsec_rdmsrq(MSR_FS_BASE, fsb);
	ret = r3x_call(h, args, &res, &f);
	hvsec_rdmsrq(MSR_GS_BASE, gs_after);
	hvsec_rdmsrq(MSR_FS_BASE, fsb_after);
	r3x_msrs_save(&after);
	preempt_enable();
	r3x_get_counters(&c2, &f2, &m2);
	migrate_enable();

	KUNIT_EXPECT_EQ(test, gs_after, gs);
	KUNIT_EXPECT_EQ(test, fsb_after, fsb);
	KUNIT_EXPECT_EQ(test, after.lstar, before.lstar);
	KUNIT_EXPECT_EQ(test, after.star, before.star);
	KUNIT_EXPECT_EQ(test, after.sfmask, before.sfmask);
	KUNIT_EXPECT_EQ(test, m2, mism);
	KUNIT_EXPECT_EQ(test, kt_kernel_data, 0x1122334455667788ULL);
	if (ret == 0 && c->may_not_fault && res == R3X_NO_FAULT)
		kunit_skip(test, "this CPU model does not raise %s", c->name);
	KUNIT_ASSERT_EQ(test, ret, -EFAULT);
	KUNIT_EXPECT_EQ(test, f2 - faults, 1ULL);
	if (f.vector != c->vec)
		KUNIT_EXPECT_EQ(test, f.vector, c->alt_vec);
	/* With PTI the helper's page table does not map the kernel at all. */
	if (c->err >= 0 && f.vector == c->vec)
		KUNIT_EXPECT_EQ(test, f.error_code, (u64)c->err &
				~(c->kaddr && boot_cpu_has(X86_FEATURE_PTI) ?
				  (u64)X86_PF_PROT : 0));
	if (c->idt_vec)
		KUNIT_EXPECT_TRUE_MSG(test, idt_error_code(f.error_code, c->idt_vec),
				      "error code %#llx", f.error_code);
	if (c->kind == R3X_FK_PF_NULL)
		KUNIT_EXPECT_EQ(test, f.cr2, 0ULL);
	/* A CPU with AMX must fault through XFD, whatever the caller did. */
	if (c->kind == R3X_FK_AMX)
		KUNIT_EXPECT_EQ(test, f.vector,
				boot_cpu_has(X86_FEATURE_AMX_TILE) &&
				boot_cpu_has(X86_FEATURE_XFD) ? 7ULL : 6ULL);
	if (c->kind == R3X_FK_EXEC_DATA) {
		KUNIT_EXPECT_EQ(test, f.cr2, (u64)R3X_UVA_DATA);
		KUNIT_EXPECT_EQ(test, f.rip, (u64)R3X_UVA_DATA);
	}
	if (c->kaddr)
		KUNIT_EXPECT_EQ(test, f.cr2, args[1]);
	if (c->kaddr == 2)
		KUNIT_EXPECT_EQ(test, f.rip, args[1]);
	else if (c->kind != R3X_FK_EXEC_DATA)
		KUNIT_EXPECT_TRUE(test, f.rip >= R3X_UVA_CODE &&
				  f.rip < R3X_UVA_CODE + R3X_MAX_CODE_PAGES * PAGE_SIZE);
	if (f.vector < 32)
		KUNIT_EXPECT_EQ(test, f.cs & 3, 3ULL);
}

/* After every kind of fault the same helper still works. */
static void fault_then_call(struct kunit *test)
{
	u64 args[6] = { 5, 6, 7, 8, 9, 10 }, res = 0;
	unsigned int k;

	for (k = 0; k < R3X_FK_KREAD; k++) {
		u64 fa[6] = { k };

		r3x_call(r3x_builtin("fault"), fa, &res, NULL);
		KUNIT_EXPECT_EQ(test, r3x_call(r3x_builtin("sum"), args, &res, NULL), 0);
		KUNIT_EXPECT_EQ(test, res, 45ULL);
	}
}

/*
 * An interrupt that arrives while the helper runs 32-bit code: the helper
 * resumes in 32-bit code, so its SYSCALL still ends the call as a compat
 * SYSCALL (or #UD), not as a service call of 64-bit code.
 */
#define KT_COMPAT_SPIN	BIT(22)

static void compat_interrupted_resumes_32bit(struct kunit *test)
{
	u64 args[6] = { R3X_FK_COMPAT, KT_COMPAT_SPIN }, res = 0;
	struct r3x_stats st0, st1;
	struct r3x_fault f;
	unsigned int tries;
	int ret;

	if (irqs_disabled())
		kunit_skip(test, "needs IRQs on");
	for (tries = 0; tries < 20; tries++) {
		memset(&f, 0, sizeof(f));
		r3x_stats_sum(&st0);
		ret = r3x_call(r3x_builtin("fault"), args, &res, &f);
		r3x_stats_sum(&st1);
		KUNIT_ASSERT_EQ(test, ret, -EFAULT);
		KUNIT_ASSERT_TRUE_MSG(test, f.vector == R3X_VEC_COMPAT_SYSCALL ||
				      f.vector == X86_TRAP_UD,
				      "vector %#llx after %llu interrupts",
				      f.vector, st1.irqs - st0.irqs);
		KUNIT_EXPECT_TRUE(test, f.rip >= R3X_UVA_CODE &&
				  f.rip < R3X_UVA_CODE + R3X_MAX_CODE_PAGES * PAGE_SIZE);
		if (st1.irqs > st0.irqs)
			break;
	}
	kunit_info(test, "%u calls, the last with %llu interrupts\n",
		   tries + 1, st1.irqs - st0.irqs);
	KUNIT_EXPECT_GT(test, st1.irqs, st0.irqs);
}

static struct kunit_case ring3_exec_faults_cases[] = {
	KUNIT_CASE_PARAM(fault_contained, fault_gen_params),
	KUNIT_CASE(compat_interrupted_resumes_32bit),
	KUNIT_CASE(fault_then_call),
	{}
};

static struct kunit_suite ring3_exec_faults_suite = {
	.name = "ring3_exec_faults",
	.test_cases = ring3_exec_faults_cases,
};

/* ---- suite ring3_exec_stress ---- */

/*
 * 100 000 calls: under QEMU TCG with KASAN one call takes ~330 us, so
 * about 33 s. The task stays on one CPU throughout, so that the per-CPU
 * state read before and after (KERNEL_GS_BASE above all) is one CPU's;
 * kmemleak is scanned after the suite by make check.
 */
#define KT_MANY_CALLS	100000

static void many_calls_no_drift(struct kunit *test)
{
	struct r3x_helper *h = r3x_builtin("sum");
	struct r3x_syscall_msrs before, after;
	u64 calls, faults, mism, c2, f2, m2, kgs, kgs2, cr3, cr3b;
	struct desc_ptr idt, idt2;
	unsigned long __percpu *top_of_stack;
	unsigned long tos, tos2;
	unsigned long i, bad = 0;
	ktime_t t0;

	KUNIT_ASSERT_EQ(test, hvsec_top_of_stack_find(&top_of_stack), 0);
	migrate_disable();
	r3x_get_counters(&calls, &faults, &mism);
	preempt_disable();
	r3x_msrs_save(&before);
	hvsec_rdmsrq(MSR_KERNEL_GS_BASE, kgs);
	cr3 = __native_read_cr3();
	store_idt(&idt);
	tos = this_cpu_read(*top_of_stack);
	preempt_enable();
	t0 = ktime_get();
	for (i = 0; i < KT_MANY_CALLS; i++) {
		u64 args[6] = { i, 1, 2, 3, 4, 5 }, res = 0;

		if (r3x_call(h, args, &res, NULL) || res != i + 15)
			bad++;
		if (!(i & 1023))
			cond_resched();
	}
	kunit_info(test, "%d calls in %lld ms\n", KT_MANY_CALLS,
		   ktime_ms_delta(ktime_get(), t0));
	preempt_disable();
	r3x_msrs_save(&after);
	hvsec_rdmsrq(MSR_KERNEL_GS_BASE, kgs2);
	cr3b = __native_read_cr3();
	store_idt(&idt2);
	tos2 = this_cpu_read(*top_of_stack);
	preempt_enable();
	r3x_get_counters(&c2, &f2, &m2);
	migrate_enable();

	KUNIT_EXPECT_EQ(test, bad, 0UL);
	KUNIT_EXPECT_GE(test, c2 - calls, (u64)KT_MANY_CALLS);
	KUNIT_EXPECT_EQ(test, f2, faults);
	KUNIT_EXPECT_EQ(test, m2, mism);
	KUNIT_EXPECT_EQ(test, after.lstar, before.lstar);
	KUNIT_EXPECT_EQ(test, after.star, before.star);
	KUNIT_EXPECT_EQ(test, after.sfmask, before.sfmask);
	KUNIT_EXPECT_EQ(test, kgs2, kgs);
	KUNIT_EXPECT_EQ(test, cr3b, cr3);
	KUNIT_EXPECT_EQ(test, idt2.address, idt.address);
	KUNIT_EXPECT_EQ(test, tos2, tos);
}

struct kt_worker {
	struct completion done;
	struct r3x_helper *h;
	unsigned long calls, bad;
	u64 base;
	/* The first bad call: its index, return value and result. */
	unsigned long bad_i;
	int bad_ret;
	u64 bad_res;
};

static int kt_worker_fn(void *arg)
{
	struct kt_worker *w = arg;
	unsigned long i;

	for (i = 0; i < w->calls; i++) {
		u64 args[6] = { w->base, i, 0, 0, 0, 1 }, res = 0;
		int ret = r3x_call(w->h, args, &res, NULL);

		if (ret || res != w->base + i + 1) {
			if (!w->bad++) {
				w->bad_i = i;
				w->bad_ret = ret;
				w->bad_res = res;
			}
		}
		if (!(i & 255))
			cond_resched();
	}
	complete(&w->done);
	return 0;
}

static void concurrent_calls(struct kunit *test)
{
	struct kt_worker w[2] = {};
	unsigned int cpu, n = 0;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		if (n == 2)
			break;
		init_completion(&w[n].done);
		w[n].h = r3x_builtin("sum");
		w[n].calls = 5000;
		w[n].bad = 0;
		w[n].base = (u64)(n + 1) << 40;
		t = kthread_create_on_cpu(kt_worker_fn, &w[n], cpu, "r3x_kt/%u");
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		wake_up_process(t);
		n++;
	}
	for (cpu = 0; cpu < n; cpu++) {
		KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&w[cpu].done, 120 * HZ), 0UL);
		KUNIT_EXPECT_EQ_MSG(test, w[cpu].bad, 0UL,
				    "worker %u: first bad call %lu returned %d, result %#llx",
				    cpu, w[cpu].bad_i, w[cpu].bad_ret, w[cpu].bad_res);
	}
}

/* ---- NMIs while the helper runs ---- */

static atomic_t kt_nmi_armed;
static atomic_t kt_nmi_user, kt_nmi_total, kt_nmi_bad, kt_nmi_fixup;
/* The guard page after a vmalloc()ed page: never mapped. */
static void *kt_guard;
static int kt_nmi_cpu;

static int kt_nmi_handler(unsigned int type, struct pt_regs *regs)
{
	unsigned long sp = (unsigned long)regs;
	unsigned long stk = (unsigned long)task_stack_page(current);
	u64 v;

	if (!atomic_read(&kt_nmi_armed))
		return NMI_DONE;
	atomic_inc(&kt_nmi_total);
	if (smp_processor_id() != kt_nmi_cpu)
		return NMI_DONE;
	/* An NMI at CPL3 reaches Linux as one at CPL0, never as user mode. */
	if (user_mode(regs))
		atomic_inc(&kt_nmi_user);
	/*
	 * Our IDT may be live here: a #PF at CPL0 (on a vmalloc guard page)
	 * must reach the kernel's handler and its exception fixup.
	 */
	if (copy_from_kernel_nofault(&v, kt_guard, sizeof(v)) == -EFAULT)
		atomic_inc(&kt_nmi_fixup);
	else
		atomic_inc(&kt_nmi_bad);
	/* The frame must not be on the caller's (this task's) stack. */
	if (sp >= stk && sp < stk + THREAD_SIZE)
		atomic_inc(&kt_nmi_bad);
	return NMI_HANDLED;
}

struct kt_spin {
	struct completion started, done;
	int ret;
	u64 gs_seen, gs_before, gs_after;
	unsigned long canary_bad, ptregs_bad;
};

#define KT_CANARY 0xc0ffee0ddba11ULL

static int kt_spin_fn(void *arg)
{
	struct kt_spin *s = arg;
	struct pt_regs *pr = task_pt_regs(current);
	struct pt_regs saved = *pr;
	u64 canary[32];
	u64 args[6] = { 5000000, 1 };
	struct r3x_fault f;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(canary); i++)
		canary[i] = KT_CANARY ^ i;
	barrier_data(canary);
	memset(pr, 0xa5, sizeof(*pr));
	hvsec_rdmsrq(MSR_GS_BASE, s->gs_before);
	complete(&s->started);
	s->ret = r3x_call(r3x_builtin("spin"), args, &s->gs_seen, &f);
	hvsec_rdmsrq(MSR_GS_BASE, s->gs_after);
	if (memchr_inv(pr, 0xa5, sizeof(*pr)))
		s->ptregs_bad++;
	*pr = saved;
	barrier_data(canary);
	for (i = 0; i < ARRAY_SIZE(canary); i++)
		if (canary[i] != (KT_CANARY ^ i))
			s->canary_bad++;
	complete(&s->done);
	return 0;
}

static void nmi_while_spinning(struct kunit *test)
{
	struct task_struct *t;
	struct kt_spin s = {};
	struct r3x_stats st0, st1;
	unsigned int sent = 0;
	void *kt_vm;
	int ret;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	init_completion(&s.started);
	init_completion(&s.done);
	/* Stay off the helper's CPU while sending it NMIs. */
	migrate_disable();
	kt_nmi_cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	atomic_set(&kt_nmi_user, 0);
	atomic_set(&kt_nmi_total, 0);
	atomic_set(&kt_nmi_bad, 0);
	atomic_set(&kt_nmi_fixup, 0);
	kt_vm = vmalloc(PAGE_SIZE);
	if (!kt_vm)
		migrate_enable();
	KUNIT_ASSERT_NOT_NULL(test, kt_vm);
	kt_guard = kt_vm + PAGE_SIZE;
	ret = register_nmi_handler(NMI_LOCAL, kt_nmi_handler, 0, "r3x_kunit");
	if (ret) {
		vfree(kt_vm);
		migrate_enable();
	}
	KUNIT_ASSERT_EQ(test, ret, 0);
	r3x_stats_sum(&st0);
	atomic_set(&kt_nmi_armed, 1);
	t = kthread_create_on_cpu(kt_spin_fn, &s, kt_nmi_cpu, "r3x_spin/%u");
	if (IS_ERR(t)) {
		atomic_set(&kt_nmi_armed, 0);
		unregister_nmi_handler(NMI_LOCAL, "r3x_kunit");
		vfree(kt_vm);
		migrate_enable();
		KUNIT_FAIL(test, "kthread_create_on_cpu failed");
		return;
	}
	wake_up_process(t);
	wait_for_completion(&s.started);
	while (!completion_done(&s.done) && sent < 20000) {
		apic->send_IPI(kt_nmi_cpu, NMI_VECTOR);
		sent++;
		usleep_range(100, 200);
	}
	ret = wait_for_completion_timeout(&s.done, 120 * HZ);
	atomic_set(&kt_nmi_armed, 0);
	r3x_stats_sum(&st1);
	unregister_nmi_handler(NMI_LOCAL, "r3x_kunit");
	vfree(kt_vm);
	migrate_enable();
	KUNIT_ASSERT_GT(test, ret, 0);
	kunit_info(test, "NMIs sent %u, handled %d, at CPL3 %llu, seen as user mode %d\n",
		   sent, atomic_read(&kt_nmi_total), st1.nmis - st0.nmis,
		   atomic_read(&kt_nmi_user));
	KUNIT_EXPECT_EQ(test, s.ret, 0);
	KUNIT_EXPECT_EQ(test, s.gs_seen, 0ULL);
	KUNIT_EXPECT_EQ(test, s.gs_after, s.gs_before);
	KUNIT_EXPECT_EQ(test, s.gs_before, (u64)per_cpu_offset(kt_nmi_cpu));
	KUNIT_EXPECT_EQ(test, s.canary_bad, 0UL);
	KUNIT_EXPECT_EQ(test, s.ptregs_bad, 0UL);
	KUNIT_EXPECT_EQ(test, atomic_read(&kt_nmi_bad), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&kt_nmi_user), 0);
	KUNIT_EXPECT_GT(test, st1.nmis - st0.nmis, 0ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&kt_nmi_fixup), atomic_read(&kt_nmi_total));
}

static struct kunit_case ring3_exec_stress_cases[] = {
	KUNIT_CASE_SLOW(many_calls_no_drift),
	KUNIT_CASE_SLOW(concurrent_calls),
	KUNIT_CASE_SLOW(nmi_while_spinning),
	{}
};

static struct kunit_suite ring3_exec_stress_suite = {
	.name = "ring3_exec_stress",
	.test_cases = ring3_exec_stress_cases,
};

/* ---- suite ring3_exec_contain: time, unregistration, entry state ---- */

/* The module's default budget (parameter budget_us), as the tests load it. */
#define KT_BUDGET_MS	10
/*
 * What a slow, loaded TCG host may add to an end that is due (a vCPU of
 * the test host was measured descheduled for over 1 s): generous, and
 * reported. A budget that is not enforced never ends the call at all.
 */
#define KT_SLACK_MS	3000

static const unsigned int loop_kinds[] = {
	R3X_LOOP_JMP, R3X_LOOP_PAUSE, R3X_LOOP_SERVICE,
};

static void loop_kind_desc(const unsigned int *k, char *desc)
{
	static const char * const names[] = { "jmp", "pause", "service" };

	strscpy(desc, names[*k], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(loop_kind, loop_kinds, loop_kind_desc);

/* A never-ending helper called with IRQs on ends with the timeout vector. */
static void timeout_irqs_on(struct kunit *test)
{
	const unsigned int *kind = test->param_value;
	u64 args[6] = { *kind }, res = 0;
	struct r3x_fault f = {};
	ktime_t t0 = ktime_get();
	s64 ms;
	int ret;

	ret = r3x_call(r3x_builtin("loop"), args, &res, &f);
	ms = ktime_ms_delta(ktime_get(), t0);
	kunit_info(test, "ended after %lld ms, %llu us charged (budget %d ms)\n",
		   ms, div_u64(f.used_ns, NSEC_PER_USEC), KT_BUDGET_MS);
	KUNIT_EXPECT_EQ(test, ret, -ETIME);
	/* the budget was spent, no more than a loaded host's slack over it */
	KUNIT_EXPECT_GE(test, f.used_ns, KT_BUDGET_MS * NSEC_PER_MSEC);
	KUNIT_EXPECT_LT(test, f.used_ns,
			(KT_BUDGET_MS + KT_SLACK_MS) * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, f.vector, (u64)R3X_VEC_TIMEOUT);
	KUNIT_EXPECT_GE(test, f.rip, (u64)R3X_UVA_CODE);
	KUNIT_EXPECT_LT(test, f.rip, (u64)R3X_UVA_CODE + PAGE_SIZE);
	KUNIT_EXPECT_GE(test, ms, (s64)KT_BUDGET_MS - 1);
	KUNIT_EXPECT_LT(test, ms, (s64)KT_BUDGET_MS + KT_SLACK_MS);
	/* and the CPU is fine: a normal call right after */
	args[0] = 2;
	KUNIT_EXPECT_EQ(test, r3x_call(r3x_builtin("sum"), args, &res, NULL), 0);
	KUNIT_EXPECT_EQ(test, res, 2ULL);
}

/* A call running on another CPU; started once its service 1 ran. */
struct kt_busy {
	struct r3x_helper *h;
	struct completion done;
	int started, irqs_off, ret;
	bool hold_for_kick;	/* the service waits for unregister's NMI */
	u64 arg0, kicks0;
	struct r3x_fault f;
	s64 ms;
};

static u64 svc_busy_start(void *priv, const u64 a[6])
{
	struct kt_busy *b = priv;
	struct r3x_stats st;
	unsigned int ms;

	WRITE_ONCE(b->started, 1);
	if (!b->hold_for_kick)
		return 0;
	/*
	 * Stay at CPL0 (IRQs off) until r3x_unregister() has sent its NMI
	 * and that NMI has arrived here, outside the helper.
	 */
	for (ms = 0; ms < 5000; ms++) {
		r3x_stats_sum(&st);
		if (st.kicks != b->kicks0)
			break;
		mdelay(1);
	}
	mdelay(20);
	return 0;
}

static int kt_busy_fn(void *arg)
{
	struct kt_busy *b = arg;
	u64 args[6] = { b->arg0 }, res;
	unsigned long flags = 0;
	ktime_t t0 = ktime_get();

	if (b->irqs_off)
		local_irq_save(flags);
	b->ret = r3x_call(b->h, args, &res, &b->f);
	if (b->irqs_off)
		local_irq_restore(flags);
	b->ms = ktime_ms_delta(ktime_get(), t0);
	complete(&b->done);
	return 0;
}

/* Start @b on a CPU other than this one; the caller did migrate_disable(). */
static unsigned int kt_busy_start(struct kunit *test, struct kt_busy *b,
				  bool wait_started)
{
	unsigned int cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	struct task_struct *t;
	ktime_t t0;

	init_completion(&b->done);
	t = kthread_create_on_cpu(kt_busy_fn, b, cpu, "r3x_busy/%u");
	if (IS_ERR(t)) {
		KUNIT_FAIL(test, "kthread_create_on_cpu failed");
		return nr_cpu_ids;
	}
	wake_up_process(t);
	t0 = ktime_get();
	while (wait_started && !READ_ONCE(b->started) &&
	       ktime_ms_delta(ktime_get(), t0) < 10000)
		cpu_relax();
	return cpu;
}

/* A caller with IRQs off is still ended by its budget (the watchdog's NMI). */
static void timeout_irqs_off(struct kunit *test)
{
	const unsigned int *kind = test->param_value;
	struct r3x_stats st0, st1;
	struct kt_busy b = { .h = r3x_builtin("loop"), .irqs_off = 1,
			     .arg0 = *kind };

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	r3x_stats_sum(&st0);
	migrate_disable();
	if (kt_busy_start(test, &b, false) >= nr_cpu_ids) {
		migrate_enable();
		return;
	}
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&b.done, 30 * HZ), 0UL);
	migrate_enable();
	r3x_stats_sum(&st1);
	kunit_info(test, "ended after %lld ms, %llu us charged (budget %d ms), %llu kicks\n",
		   b.ms, div_u64(b.f.used_ns, NSEC_PER_USEC), KT_BUDGET_MS,
		   st1.kicks - st0.kicks);
	KUNIT_EXPECT_EQ(test, b.ret, -ETIME);
	KUNIT_EXPECT_GE(test, b.f.used_ns, KT_BUDGET_MS * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, b.f.vector, (u64)R3X_VEC_TIMEOUT);
	KUNIT_EXPECT_LT(test, b.ms, (s64)KT_BUDGET_MS + KT_SLACK_MS);
	/* A helper that keeps calling services is stopped in the service path. */
	if (*kind != R3X_LOOP_SERVICE)
		KUNIT_EXPECT_GT(test, st1.kicks - st0.kicks, 0ULL);
}

static void kt_noop(void *info)
{
}

static int cmp_s64(const void *a, const void *b)
{
	s64 x = *(const s64 *)a, y = *(const s64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Register a helper that calls service 1, then spins (for ever, in
 * practice), start it on the other CPU (IRQs off there if @irqs_off) and
 * wait until it runs. Returns that CPU with migration disabled, or
 * nr_cpu_ids after a failure (the helper is leaked rather than freed under
 * a call that may still begin).
 */
static unsigned int kt_busy_run(struct kunit *test, struct kt_busy *b,
				bool irqs_off)
{
	static const r3x_service_fn svc[] = { svc_busy_start, svc_busy_start };
	struct r3x_stats st;
	unsigned int cpu;

	r3x_stats_sum(&st);
	b->kicks0 = st.kicks;
	b->arg0 = 1ULL << 50;
	b->irqs_off = irqs_off;
	b->h = reg_helper_budget(test, "kt_busy", r3x_kt_span_start,
				 r3x_kt_span_end, svc, 2, b, 60 * USEC_PER_SEC);
	migrate_disable();
	cpu = kt_busy_start(test, b, true);
	if (cpu < nr_cpu_ids && READ_ONCE(b->started))
		return cpu;
	migrate_enable();
	KUNIT_FAIL(test, "the call did not start");
	return nr_cpu_ids;
}

/* r3x_unregister() under the running call of kt_busy_run() ends it. */
static void kt_busy_unregister(struct kunit *test, struct kt_busy *b)
{
	ktime_t t0 = ktime_get();
	s64 ms;

	r3x_unregister(b->h);
	ms = ktime_ms_delta(ktime_get(), t0);
	migrate_enable();
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&b->done, 30 * HZ), 0UL);
	kunit_info(test, "unregister returned after %lld ms\n", ms);
	KUNIT_EXPECT_EQ(test, b->ret, -ENOENT);
	KUNIT_EXPECT_EQ(test, b->f.vector, (u64)R3X_VEC_UNREGISTERED);
	KUNIT_EXPECT_LT(test, ms, (s64)KT_SLACK_MS);
}

/*
 * While a helper spins on another CPU (IRQs on there, budget 60 s), IPIs to
 * that CPU are served while the call goes on; then r3x_unregister() ends
 * the call and returns. The latencies are reported; the bound only
 * separates "served" from "waited for the call to end".
 */
static void busy_cpu_responsive_then_unregister(struct kunit *test)
{
	struct kt_busy b = {};
	unsigned int cpu, i;
	s64 us[21];
	ktime_t t0;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	cpu = kt_busy_run(test, &b, false);
	if (cpu >= nr_cpu_ids)
		return;
	for (i = 0; i < ARRAY_SIZE(us); i++) {
		t0 = ktime_get();
		smp_call_function_single(cpu, kt_noop, NULL, 1);
		us[i] = ktime_us_delta(ktime_get(), t0);
	}
	KUNIT_EXPECT_FALSE(test, completion_done(&b.done));
	kt_busy_unregister(test, &b);
	sort(us, ARRAY_SIZE(us), sizeof(us[0]), cmp_s64, NULL);
	kunit_info(test, "IPI to the busy CPU: median %lld us, max %lld us\n",
		   us[ARRAY_SIZE(us) / 2], us[ARRAY_SIZE(us) - 1]);
	KUNIT_EXPECT_LT(test, us[ARRAY_SIZE(us) - 1], KT_SLACK_MS * 1000LL);
}

/* The same with the caller's IRQs off: unregister ends it through an NMI. */
static void unregister_ends_irqs_off_call(struct kunit *test)
{
	struct kt_busy b = {};

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	if (kt_busy_run(test, &b, true) < nr_cpu_ids)
		kt_busy_unregister(test, &b);
}

/*
 * The same, with unregister's NMI arriving while the CPU is at CPL0 (in a
 * service) rather than in the helper: the call still ends.
 */
static void unregister_kick_outside_helper(struct kunit *test)
{
	struct kt_busy b = { .hold_for_kick = true };

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	if (kt_busy_run(test, &b, true) < nr_cpu_ids)
		kt_busy_unregister(test, &b);
}

static u64 svc_irq_on(void *priv, const u64 a[6])
{
	local_irq_enable();
	return 0;
}

/* A service that enables IRQs ends the call; IRQs are off again after it. */
static void service_enabling_irqs(struct kunit *test)
{
	static const r3x_service_fn svc[] = { svc_irq_on };
	struct r3x_helper *h = reg_helper(test, "kt_irq_on", r3x_kt_svc_start,
					  r3x_kt_svc_end, svc, 1, NULL);
	u64 args[6] = { 3, 0 }, res = 0;
	struct r3x_fault f = {};
	unsigned long flags;
	int ret;

	local_irq_save(flags);
	ret = r3x_call(h, args, &res, &f);
	KUNIT_EXPECT_TRUE(test, irqs_disabled());
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, ret, -EFAULT);
	KUNIT_EXPECT_EQ(test, f.vector, (u64)R3X_VEC_SERVICE_IRQ);
	KUNIT_EXPECT_EQ(test, f.error_code, 1ULL);
	/* with IRQs on too */
	KUNIT_EXPECT_EQ(test, r3x_call(h, args, &res, &f), -EFAULT);
	KUNIT_EXPECT_EQ(test, f.vector, (u64)R3X_VEC_SERVICE_IRQ);
	r3x_unregister(h);
}

/* The transition code cannot be kprobed. */
static void transitions_not_kprobed(struct kunit *test)
{
	static const char * const syms[] = {
		"r3x_enter_asm", "r3x_syscall_entry", "r3x_cstar_entry",
		"r3x_syscall_c",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(syms); i++) {
		struct kprobe kp = { .symbol_name = syms[i] };
		int ret = register_kprobe(&kp);

		if (!ret)
			unregister_kprobe(&kp);
		KUNIT_EXPECT_NE_MSG(test, ret, 0, "kprobe on %s accepted", syms[i]);
	}
}

static u64 probe(struct kunit *test, unsigned int what, int *ret)
{
	u64 args[6] = { what }, res = ~0ULL;

	*ret = r3x_call(r3x_builtin("probe"), args, &res, NULL);
	return res;
}

/*
 * At entry the helper sees nothing of its caller or of the previous
 * helper: its own stack, zero FS/GS bases, the FPU init state.
 */
static void entry_state_clean(struct kunit *test)
{
	u64 args[6] = { R3X_PR_DIRTY }, res;
	int ret;

	KUNIT_EXPECT_EQ(test, probe(test, R3X_PR_RSP, &ret), (u64)R3X_UVA_STACK_TOP);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, probe(test, R3X_PR_FSBASE, &ret), 0ULL);
	KUNIT_EXPECT_EQ(test, probe(test, R3X_PR_GSBASE, &ret), 0ULL);
	/* A previous helper leaves its vector and control registers dirty. */
	ret = r3x_call(r3x_builtin("probe"), args, &res, NULL);
	if (boot_cpu_has(X86_FEATURE_AVX))
		KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, probe(test, R3X_PR_XMM0, &ret), 0ULL);
	KUNIT_EXPECT_EQ(test, probe(test, R3X_PR_MXCSR, &ret), 0x1f80ULL);
	KUNIT_EXPECT_EQ(test, probe(test, R3X_PR_FCW, &ret), 0x37fULL);
	if (boot_cpu_has(X86_FEATURE_AVX)) {
		KUNIT_EXPECT_EQ(test, probe(test, R3X_PR_YMM0_HI, &ret), 0ULL);
		KUNIT_EXPECT_EQ(test, ret, 0);
	}
}

struct kt_walk {
	struct r3x_helper *h;
	void *heap;
	u64 idt_user, lstar_user, stack_user, task_user, heap_user, text_user;
	u64 heap_kernel, text_kernel;
};

/*
 * Runs while the helper's page table is live (our IDT and LSTAR loaded):
 * looks up in the table the helper runs on what it maps of the kernel.
 */
static u64 svc_walk(void *priv, const u64 a[6])
{
	struct kt_walk *w = priv;
	struct desc_ptr idt;
	u64 lstar;

	store_idt(&idt);
	hvsec_rdmsrq(MSR_LSTAR, lstar);
	w->idt_user = r3x_lookup(w->h, idt.address, true);
	w->lstar_user = r3x_lookup(w->h, lstar, true);
	w->stack_user = r3x_lookup(w->h, current_stack_pointer, true);
	w->task_user = r3x_lookup(w->h, (unsigned long)current, true);
	w->heap_user = r3x_lookup(w->h, (unsigned long)w->heap, true);
	w->text_user = r3x_lookup(w->h, (unsigned long)kfree, true);
	w->heap_kernel = r3x_lookup(w->h, (unsigned long)w->heap, false);
	w->text_kernel = r3x_lookup(w->h, (unsigned long)kfree, false);
	return 0;
}

/*
 * With PTI the helper runs on a page table that maps nothing of the direct
 * map, kernel or module text, the caller's stack or task: only what PTI's
 * user page table maps plus our IDT and transition code.
 */
static void pti_user_table_minimal(struct kunit *test)
{
	static const r3x_service_fn svc[] = { svc_walk };
	struct kt_walk w = {};
	u64 args[6] = { 1, 0 }, res;

	if (!boot_cpu_has(X86_FEATURE_PTI))
		kunit_skip(test, "PTI is off");
	w.heap = kunit_kzalloc(test, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w.heap);
	w.h = reg_helper(test, "kt_walk", r3x_kt_svc_start, r3x_kt_svc_end,
			 svc, 1, &w);
	KUNIT_EXPECT_EQ(test, r3x_call(w.h, args, &res, NULL), 0);
	KUNIT_EXPECT_NE(test, w.idt_user, 0ULL);
	KUNIT_EXPECT_EQ(test, w.idt_user & _PAGE_RW, 0ULL);
	KUNIT_EXPECT_NE(test, w.lstar_user, 0ULL);
	KUNIT_EXPECT_EQ(test, w.lstar_user & (_PAGE_RW | _PAGE_USER), 0ULL);
	KUNIT_EXPECT_EQ(test, w.stack_user, 0ULL);
	KUNIT_EXPECT_EQ(test, w.task_user, 0ULL);
	KUNIT_EXPECT_EQ(test, w.heap_user, 0ULL);
	KUNIT_EXPECT_EQ(test, w.text_user, 0ULL);
	KUNIT_EXPECT_EQ(test, r3x_lookup(w.h, (unsigned long)&kt_kernel_data, true), 0ULL);
	KUNIT_EXPECT_EQ(test, r3x_lookup(w.h, (unsigned long)pti_user_table_minimal, true), 0ULL);
	KUNIT_EXPECT_NE(test, r3x_lookup(w.h, R3X_UVA_CODE, true), 0ULL);
	/* the kernel half, used only at CPL0, maps them */
	KUNIT_EXPECT_NE(test, w.heap_kernel, 0ULL);
	KUNIT_EXPECT_NE(test, w.text_kernel, 0ULL);
	r3x_unregister(w.h);
}

static struct kunit_case ring3_exec_contain_cases[] = {
	KUNIT_CASE_PARAM(timeout_irqs_on, loop_kind_gen_params),
	KUNIT_CASE_PARAM(timeout_irqs_off, loop_kind_gen_params),
	KUNIT_CASE_SLOW(busy_cpu_responsive_then_unregister),
	KUNIT_CASE_SLOW(unregister_ends_irqs_off_call),
	KUNIT_CASE_SLOW(unregister_kick_outside_helper),
	KUNIT_CASE(service_enabling_irqs),
	KUNIT_CASE(transitions_not_kprobed),
	KUNIT_CASE(entry_state_clean),
	KUNIT_CASE(pti_user_table_minimal),
	{}
};

static struct kunit_suite ring3_exec_contain_suite = {
	.name = "ring3_exec_contain",
	.test_cases = ring3_exec_contain_cases,
};

kunit_test_suites(&ring3_exec_msrs_suite, &ring3_exec_call_suite,
		  &ring3_exec_faults_suite, &ring3_exec_stress_suite,
		  &ring3_exec_contain_suite);

MODULE_DESCRIPTION("KUnit tests for ring3_exec");
MODULE_LICENSE("GPL");
HVSEC_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
