/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ring3_exec internals shared by main.c and entry.S.
 */
#ifndef _R3X_INTERNAL_H
#define _R3X_INTERNAL_H

/* Offsets in struct r3x_cpu (checked by static_assert in main.c). */
#define R3X_KSP		0
#define R3X_KRBX	8
#define R3X_KRBP	16
#define R3X_KR12	24
#define R3X_KR13	32
#define R3X_KR14	40
#define R3X_KR15	48
#define R3X_USP		56
#define R3X_FVEC	64
#define R3X_FERR	72
#define R3X_FRIP	80
#define R3X_FCS		88
#define R3X_FFLAGS	96
#define R3X_FRSP	104
#define R3X_FCR2	112

/* Offsets in struct r3x_entry. */
#define R3X_E_RIP	0
#define R3X_E_A0	8
#define R3X_E_A1	16
#define R3X_E_A2	24
#define R3X_E_A3	32
#define R3X_E_A4	40
#define R3X_E_A5	48

/* r3x_enter_asm() results; r3x_syscall_c() returns 0 to resume. */
#define R3X_EXIT_NORMAL	1
#define R3X_EXIT_FAULT	2

#ifndef __ASSEMBLY__
#include <linux/types.h>
#include <linux/percpu-defs.h>

struct dentry;

struct r3x_helper;

struct r3x_cpu {
	u64 ksp;
	u64 kregs[6];
	u64 usp;
	u64 fvec, ferr, frip, fcs, fflags, frsp, fcr2;
	/* C only */
	struct r3x_helper *helper;
	u64 result;
	unsigned long nservices;
	bool active;
	unsigned long stack_top;	/* private stack for NMIs at CPL3 */
};

struct r3x_entry {
	u64 rip;
	u64 args[6];
};

/* Registers of the helper at SYSCALL, as pushed by r3x_syscall_entry. */
struct r3x_uregs {
	u64 r15, r14, r13, r12, rbp, rbx;
	u64 r9, r8, r10, rdx, rsi, rdi, rax;
	u64 rcx, r11, rsp;
};

long r3x_enter_asm(const struct r3x_entry *e);
long r3x_syscall_c(struct r3x_uregs *regs);
extern const unsigned long r3x_stub_table[32];
extern unsigned long r3x_kernel_gates[32];
void r3x_syscall_entry(void);
void r3x_cstar_entry(void);
DECLARE_PER_CPU(struct r3x_cpu, r3x_cpu);

int r3x_builtin_init(void);
void r3x_builtin_exit(void);
void r3x_builtin_debugfs(struct dentry *dir);
#endif

#endif /* _R3X_INTERNAL_H */
