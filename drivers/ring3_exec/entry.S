/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ring3_exec transitions: SYSRET into a helper, SYSCALL and exceptions out.
 *
 * Entry saves the callee-saved registers and the stack pointer in the
 * per-CPU struct r3x_cpu and SYSRETs; every way out reloads that stack
 * pointer and returns to r3x_enter_asm()'s caller (longjmp style). At CPL3
 * the GS base is a user value and MSR_KERNEL_GS_BASE holds the kernel's, so
 * each way in from CPL3 starts with SWAPGS before any per-CPU access, and
 * switches to a known kernel stack before touching memory through RSP.
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/percpu.h>
#include <asm/unwind_hints.h>
#include <asm/nospec-branch.h>
#include <asm/smap.h>
#include <hvsec/compat.h>
#include "r3x.h"

#define CPUV(off)	PER_CPU_VAR(r3x_cpu + (off))

	.text

/* long r3x_enter_asm(const struct r3x_entry *e): IRQs off, our CR3/IDT. */
SYM_CODE_START(r3x_enter_asm)
	UNWIND_HINT_FUNC
	ANNOTATE_NOENDBR
	movq	%rbx, CPUV(R3X_KRBX)
	movq	%rbp, CPUV(R3X_KRBP)
	movq	%r12, CPUV(R3X_KR12)
	movq	%r13, CPUV(R3X_KR13)
	movq	%r14, CPUV(R3X_KR14)
	movq	%r15, CPUV(R3X_KR15)
	movq	%rsp, CPUV(R3X_KSP)
	movq	R3X_E_RIP(%rdi), %rcx
	movq	R3X_E_A1(%rdi), %rsi
	movq	R3X_E_A2(%rdi), %rdx
	movq	R3X_E_A3(%rdi), %r10
	movq	R3X_E_A4(%rdi), %r8
	movq	R3X_E_A5(%rdi), %r9
	movq	R3X_E_A0(%rdi), %rdi
	xorl	%eax, %eax
	xorl	%ebx, %ebx
	xorl	%ebp, %ebp
	xorl	%r12d, %r12d
	xorl	%r13d, %r13d
	xorl	%r14d, %r14d
	xorl	%r15d, %r15d
	/* RFLAGS at CPL3: IF=0, IOPL=0, AC=0, TF=0. */
	movl	$2, %r11d
	swapgs
	sysretq
SYM_CODE_END(r3x_enter_asm)

/* Back to r3x_enter_asm()'s caller with %eax as its result. */
SYM_CODE_START_LOCAL(r3x_return_to_caller)
	HVSEC_UNWIND_HINT_END_OF_STACK
	ANNOTATE_NOENDBR
	movq	CPUV(R3X_KSP), %rsp
	UNWIND_HINT_FUNC
	movq	CPUV(R3X_KRBX), %rbx
	movq	CPUV(R3X_KRBP), %rbp
	movq	CPUV(R3X_KR12), %r12
	movq	CPUV(R3X_KR13), %r13
	movq	CPUV(R3X_KR14), %r14
	movq	CPUV(R3X_KR15), %r15
	RET
SYM_CODE_END(r3x_return_to_caller)

/* MSR_LSTAR during a call: the helper's SYSCALL (exit or service). */
SYM_CODE_START(r3x_syscall_entry)
	HVSEC_UNWIND_HINT_END_OF_STACK
	ENDBR
	swapgs
	movq	%rsp, CPUV(R3X_USP)
	movq	CPUV(R3X_KSP), %rsp
	UNWIND_HINT_FUNC
	pushq	CPUV(R3X_USP)
	pushq	%r11
	pushq	%rcx
	pushq	%rax
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%r10
	pushq	%r8
	pushq	%r9
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
	call	r3x_syscall_c
	testl	%eax, %eax
	jnz	r3x_return_to_caller
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	popq	%r9
	popq	%r8
	popq	%r10
	popq	%rdx
	popq	%rsi
	popq	%rdi
	popq	%rax
	popq	%rcx
	popq	%r11
	movq	(%rsp), %rsp
	HVSEC_UNWIND_HINT_END_OF_STACK
	swapgs
	sysretq
SYM_CODE_END(r3x_syscall_entry)

/* MSR_CSTAR during a call: SYSCALL from a 32-bit code segment. */
SYM_CODE_START(r3x_cstar_entry)
	HVSEC_UNWIND_HINT_END_OF_STACK
	ENDBR
	swapgs
	movq	$0x101, CPUV(R3X_FVEC)
	movq	$0, CPUV(R3X_FERR)
	movq	%rcx, CPUV(R3X_FRIP)
	movq	$0, CPUV(R3X_FCS)
	movq	%r11, CPUV(R3X_FFLAGS)
	movq	%rsp, CPUV(R3X_FRSP)
	movq	$0, CPUV(R3X_FCR2)
	movl	$R3X_EXIT_FAULT, %eax
	jmp	r3x_return_to_caller
SYM_CODE_END(r3x_cstar_entry)

/*
 * Exception from the helper. Stack (TSS.sp0 or the #DB IST stack): vector,
 * error code, then the hardware frame. The helper's registers are dropped.
 */
SYM_CODE_START_LOCAL(r3x_fault_common)
	UNWIND_HINT_IRET_REGS offset=16
	swapgs
	cld
	ASM_CLAC
	movq	%cr2, %rax
	movq	%rax, CPUV(R3X_FCR2)
	movq	0(%rsp), %rax
	movq	%rax, CPUV(R3X_FVEC)
	movq	8(%rsp), %rax
	movq	%rax, CPUV(R3X_FERR)
	movq	16(%rsp), %rax
	movq	%rax, CPUV(R3X_FRIP)
	movq	24(%rsp), %rax
	movq	%rax, CPUV(R3X_FCS)
	movq	32(%rsp), %rax
	movq	%rax, CPUV(R3X_FFLAGS)
	movq	40(%rsp), %rax
	movq	%rax, CPUV(R3X_FRSP)
	movl	$R3X_EXIT_FAULT, %eax
	jmp	r3x_return_to_caller
SYM_CODE_END(r3x_fault_common)

/*
 * One stub per exception vector. From CPL0 (an NMI handler or our own
 * transition code faulting while our IDT is loaded) the event is handed,
 * frame untouched, to the kernel's own handler for that vector.
 */
.macro R3X_STUB vec err
SYM_CODE_START_LOCAL(r3x_stub_\vec)
	UNWIND_HINT_IRET_REGS offset=\err*8
	ENDBR
	testb	$3, (8 + \err * 8)(%rsp)
	jnz	1f
	ANNOTATE_RETPOLINE_SAFE
	jmp	*(r3x_kernel_gates + \vec * 8)(%rip)
1:
	.if \err == 0
	pushq	$-1
	.endif
	pushq	$\vec
	jmp	r3x_fault_common
SYM_CODE_END(r3x_stub_\vec)
.endm

/* Vectors with an error code: 8, 10-14, 17, 21, 29, 30. */
.irp v, 0, 1, 2, 3, 4, 5, 6, 7, 9, 15, 16, 18, 19, 20, 22, 23, 24, 25, 26, 27, 28, 31
	R3X_STUB \v 0
.endr
.irp v, 8, 10, 11, 12, 13, 14, 17, 21, 29, 30
	R3X_STUB \v 1
.endr

	.section .rodata
	.balign 8
SYM_DATA_START(r3x_stub_table)
.irp v, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.quad	r3x_stub_\v
.endr
.irp v, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	.quad	r3x_stub_\v
.endr
SYM_DATA_END(r3x_stub_table)
