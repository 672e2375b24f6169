/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ring3_exec internals shared by its C files and entry.S.
 */
#ifndef _R3X_INTERNAL_H
#define _R3X_INTERNAL_H

/* Offsets in struct r3x_cpu (checked by static_assert in call.c). */
#define R3X_KSP		0
#define R3X_KRBX	8
#define R3X_KRBP	16
#define R3X_KR12	24
#define R3X_KR13	32
#define R3X_KR14	40
#define R3X_KR15	48
#define R3X_SCRATCH	56
#define R3X_REGS	64
#define R3X_VEC		72
#define R3X_ERR		80
#define R3X_CS		88
#define R3X_CR2		96
#define R3X_UCR3	104

/* PTI: CR3 bits of the user half of a PGD pair (and its PCID). */
#define R3X_CR3_USER_BITS	0x1800

/* Offsets in struct r3x_gprs: the helper's registers. */
#define R3X_G_RAX	0
#define R3X_G_RBX	8
#define R3X_G_RCX	16
#define R3X_G_RDX	24
#define R3X_G_RSI	32
#define R3X_G_RDI	40
#define R3X_G_RBP	48
#define R3X_G_R8	56
#define R3X_G_R9	64
#define R3X_G_R10	72
#define R3X_G_R11	80
#define R3X_G_R12	88
#define R3X_G_R13	96
#define R3X_G_R14	104
#define R3X_G_R15	112
#define R3X_G_RIP	120
#define R3X_G_RFLAGS	128
#define R3X_G_RSP	136
#define R3X_G_SIZE	144

/* How r3x_enter_asm() enters the helper. */
#define R3X_ENTER_SYSRET	0	/* first entry: RIP, RFLAGS, RSP, args */
#define R3X_ENTER_IRET		1	/* resume: every register */

/* r3x_enter_asm() results; r3x_syscall_c() returns 0 to resume. */
#define R3X_EXIT_NORMAL	1
#define R3X_EXIT_EVENT	2	/* exception, interrupt, NMI: see R3X_VEC */
#define R3X_EXIT_FAULT	3	/* a fault decided by r3x_syscall_c() */

#ifndef __ASSEMBLY__
#include <linux/types.h>
#include <linux/percpu-defs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <hvsec/ring3_exec.h>

struct dentry;
struct seq_file;

struct r3x_gprs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rip, rflags, rsp;
};

/* Per CPU: where a way out of CPL3 finds the caller, and what it saw. */
struct r3x_cpu {
	u64 ksp;
	u64 kregs[6];
	u64 scratch;
	struct r3x_gprs *regs;		/* of the call running here */
	u64 vec, err, cs, cr2;
	u64 ucr3;			/* PTI: the CR3 the helper runs on */
	/* C only */
	struct r3x_run *run;
	struct r3x_helper *helper;	/* read remotely under RCU (watchdog) */
	u64 deadline;			/* local_clock() ns; read by the watchdog */
	bool kick;			/* an NMI of ours is on its way */
	bool irq_leak;			/* a service let interrupts in */
	bool active;
	struct r3x_helper *last;	/* for the IBPB between helpers */
};

struct r3x_helper {
	struct list_head node;
	char name[32];
	struct page *code[R3X_MAX_CODE_PAGES];
	struct page *stack[R3X_MAX_STACK_PAGES];
	struct page *data;
	unsigned int nr_code, nr_stack, nr_data, data_order;
	unsigned long pgd;		/* order-1 PGD pair */
	unsigned long tables[16];	/* private page-table pages */
	unsigned int nr_tables;
	u64 cr3;
	u64 budget_ns;
	void *fpu;			/* XSAVE image of a yielded call */
	const r3x_service_fn *services;
	unsigned int nr_services;
	void *priv;
	bool dead;
	/*
	 * A helper has one stack and one data area: one call at a time owns
	 * it (busy). The owner may yield its CPU (yielded) between slices.
	 * users counts the calls between their entry and their last access
	 * to the helper; r3x_unregister() waits for it to drop to 0.
	 */
	atomic_t busy;
	atomic_t users;
	bool yielded;
	unsigned int owner_cpu;
	u64 calls, faults, timeouts;	/* written by the owning call */
};

/* One call, on the caller's stack. */
struct r3x_run {
	struct r3x_gprs regs;
	struct r3x_helper *h;
	u64 budget_ns;			/* CPU time the helper may use */
	u64 used_ns;			/* used in the slices that ended */
	u64 slice_start;		/* local_clock() at entry; 0 between slices */
	u64 result;
	unsigned long nservices;
	struct r3x_fault fault;
	int mode;			/* R3X_ENTER_* */
	int end;			/* 0 while running, else the call's result */
	bool irqs_on;
};

long r3x_enter_asm(int mode);
long r3x_syscall_c(struct r3x_gprs *regs);
void r3x_handover_irq(unsigned long entry);
void r3x_write_ibpb(void);
extern const unsigned long r3x_stub_table[256];
void r3x_syscall_entry(void);
void r3x_cstar_entry(void);
DECLARE_PER_CPU(struct r3x_cpu, r3x_cpu);
DECLARE_PER_CPU(struct r3x_stats, r3x_stats);

/* idt.c */
extern struct desc_ptr r3x_idt_desc;
extern unsigned long r3x_kernel_gates[256];
extern struct gate_struct r3x_idt_page[256];
int r3x_idt_init(void);

/* entry.S: the transition code the helper's PTI page table maps */
extern const char r3x_entry_start[], r3x_entry_end[];

/* mm.c */
int r3x_mm_init(void);
int r3x_build_mm(struct r3x_helper *h);
void r3x_free_mm(struct r3x_helper *h);

/* call.c */
int r3x_call_init(void);
void r3x_call_exit(void);
void r3x_kill_calls(struct r3x_helper *h);
void *r3x_fpu_alloc(void);

/* main.c */
extern struct list_head r3x_helpers;
extern struct mutex r3x_lock;

/* debugfs.c */
void r3x_debugfs_init(void);
void r3x_debugfs_exit(void);
void r3x_note_fault(const struct r3x_helper *h, const struct r3x_fault *f);

/* builtin.c */
int r3x_builtin_init(void);
void r3x_builtin_exit(void);
void r3x_builtin_debugfs(struct dentry *dir);
#endif

#endif /* _R3X_INTERNAL_H */
