/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ring3_exec transitions: SYSRET or IRET into a helper; SYSCALL, exceptions,
 * interrupts, NMIs and machine checks out.
 *
 * Entry saves the callee-saved registers and the stack pointer in the
 * per-CPU struct r3x_cpu and enters CPL3; every way out saves the helper's
 * registers in the running call's struct r3x_gprs, reloads that stack
 * pointer and returns to r3x_enter_asm()'s caller (longjmp style). At CPL3
 * the GS base is a user value and MSR_KERNEL_GS_BASE holds the kernel's, so
 * each way in from CPL3 starts with SWAPGS before any per-CPU access.
 *
 * An NMI or #MC taken at CPL3 is handed to Linux's own entry as if it had
 * arrived at CPL0 at r3x_nmi_done/r3x_mce_done: the IST frame is rewritten
 * in place, so Linux never runs its return-to-user path for the helper.
 *
 * With PTI the helper runs on the user half of its PGD pair, which maps of
 * the kernel what PTI's user page table maps plus the pages between
 * r3x_entry_start and r3x_entry_end, our IDT and r3x_kernel_gates (mm.c):
 * every way in switches to the kernel half before touching anything else,
 * and the way out switches to the user half last, on the CPU's entry stack.
 *
 * The speculation mitigations are the kernel's own for a transition to or
 * from user mode, patched in on the same feature bits, so they follow the
 * kernel's runtime choice; only the code and data they use are ours (7.x
 * exports x86_verw_sel, clear_bhb_loop and write_ibpb to KVM only).
 *
 * Everything here is in .noinstr.text: no kprobe, no tracing.
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/asm-offsets.h>
#include <asm/alternative.h>
#include <asm/cache.h>
#include <asm/cpufeatures.h>
#include <asm/msr-index.h>
#include <asm/percpu.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <asm/trapnr.h>
#include <asm/unwind_hints.h>
#include <asm/nospec-branch.h>
#include <asm/page_types.h>
#include <asm/smap.h>
#include <hvsec/compat.h>
#include <hvsec/ring3_exec.h>
#include "r3x.h"

#define CPUV(off)	PER_CPU_VAR(r3x_cpu + (off))

/*
 * The kernel's CLEAR_CPU_BUFFERS: VERW (MDS, TAA, MMIO stale data, RFDS,
 * TSA) last thing before CPL3, with our own selector in the pages the
 * helper's PTI page table maps.
 */
.macro R3X_CLEAR_CPU_BUFFERS
	ALTERNATIVE "jmp .Lskip_verw_\@", "", X86_FEATURE_CLEAR_CPU_BUF
	verw	r3x_verw_sel(%rip)
.Lskip_verw_\@:
.endm

/* The kernel's CLEAR_BRANCH_HISTORY (BHI) after an entry from CPL3. */
.macro R3X_CLEAR_BRANCH_HISTORY
	ALTERNATIVE "", "call r3x_clear_bhb_loop", X86_FEATURE_CLEAR_BHB_LOOP
.endm

/*
 * The kernel's UNTRAIN_RET after an entry from CPL3: return-thunk
 * untraining, then the entry IBPB (ours) or the call-depth reset.
 */
.macro R3X_UNTRAIN_RET
	CALL_UNTRAIN_RET
	HVSEC_ENTRY_IBPB_OR_CALL_DEPTH(r3x_write_ibpb)
.endm

/* Save the helper's GPRs (not RSP/RIP/RFLAGS) in *CPUV(R3X_REGS); RAX is pushed. */
.macro R3X_SAVE_GPRS
	pushq	%rax
	movq	CPUV(R3X_REGS), %rax
	movq	%rbx, R3X_G_RBX(%rax)
	movq	%rcx, R3X_G_RCX(%rax)
	movq	%rdx, R3X_G_RDX(%rax)
	movq	%rsi, R3X_G_RSI(%rax)
	movq	%rdi, R3X_G_RDI(%rax)
	movq	%rbp, R3X_G_RBP(%rax)
	movq	%r8, R3X_G_R8(%rax)
	movq	%r9, R3X_G_R9(%rax)
	movq	%r10, R3X_G_R10(%rax)
	movq	%r11, R3X_G_R11(%rax)
	movq	%r12, R3X_G_R12(%rax)
	movq	%r13, R3X_G_R13(%rax)
	movq	%r14, R3X_G_R14(%rax)
	movq	%r15, R3X_G_R15(%rax)
	popq	R3X_G_RAX(%rax)
.endm

/* No helper value stays in a register the kernel may speculate on. */
.macro R3X_CLEAR_GPRS
	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%esi, %esi
	xorl	%edi, %edi
	xorl	%ebp, %ebp
	xorl	%r8d, %r8d
	xorl	%r9d, %r9d
	xorl	%r10d, %r10d
	xorl	%r11d, %r11d
	xorl	%r12d, %r12d
	xorl	%r13d, %r13d
	xorl	%r14d, %r14d
	xorl	%r15d, %r15d
.endm

/* Load every GPR but RAX from *RAX. */
.macro R3X_LOAD_GPRS
	movq	R3X_G_RBX(%rax), %rbx
	movq	R3X_G_RCX(%rax), %rcx
	movq	R3X_G_RDX(%rax), %rdx
	movq	R3X_G_RSI(%rax), %rsi
	movq	R3X_G_RDI(%rax), %rdi
	movq	R3X_G_RBP(%rax), %rbp
	movq	R3X_G_R8(%rax), %r8
	movq	R3X_G_R9(%rax), %r9
	movq	R3X_G_R10(%rax), %r10
	movq	R3X_G_R11(%rax), %r11
	movq	R3X_G_R12(%rax), %r12
	movq	R3X_G_R13(%rax), %r13
	movq	R3X_G_R14(%rax), %r14
	movq	R3X_G_R15(%rax), %r15
.endm

/* SWAPGS after an entry from CPL3, with the kernel's speculation fence. */
.macro R3X_SWAPGS_FROM_USER
	swapgs
	ALTERNATIVE "", "lfence", X86_FEATURE_FENCE_SWAPGS_USER
.endm

/* PTI: from the user half of the helper's PGD pair to its kernel half. */
.macro R3X_TO_KERNEL_CR3 scratch
	ALTERNATIVE "jmp .Lend_\@", "", X86_FEATURE_PTI
	movq	%cr3, \scratch
	andq	$(~R3X_CR3_USER_BITS), \scratch
	movq	\scratch, %cr3
.Lend_\@:
.endm

/* PTI: to the user half the helper runs on (RAX clobbered). */
.macro R3X_TO_USER_CR3
	ALTERNATIVE "jmp .Lend_\@", "", X86_FEATURE_PTI
	movq	CPUV(R3X_UCR3), %rax
	movq	%rax, %cr3
.Lend_\@:
.endm

	.section .noinstr.text, "ax"
	.balign PAGE_SIZE
	.globl	r3x_entry_start
r3x_entry_start:

/*
 * VERW's operand (the kernel's x86_verw_sel): any writable data segment
 * selector, alone in its cache line, readable at CPL0 under the helper's
 * page table.
 */
	.balign L1_CACHE_BYTES, 0xcc
SYM_CODE_START_LOCAL_NOALIGN(r3x_verw_sel)
	HVSEC_UNWIND_HINT_UNDEFINED
	ANNOTATE_NOENDBR
	.word	__KERNEL_DS
	.balign L1_CACHE_BYTES, 0xcc
SYM_CODE_END(r3x_verw_sel)

/*
 * long r3x_enter_asm(int mode): IRQs off; our CR3, IDT and MSRs loaded.
 * R3X_ENTER_SYSRET starts the helper (RIP, RFLAGS, RSP and the argument
 * registers from *CPUV(R3X_REGS), every other register zero);
 * R3X_ENTER_IRET resumes it with every register it had.
 */
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
	jmp	r3x_to_user
SYM_CODE_END(r3x_enter_asm)

/*
 * Enter the helper with the registers in *CPUV(R3X_REGS); %edi: SYSRET
 * (RCX and R11 become RIP and RFLAGS) or IRET (every register). This runs
 * on the CPU's entry stack (TSS.sp0, mapped in the helper's page table),
 * where RAX and RSP wait while the other registers are loaded; from the
 * CR3 switch to CPL3 only IST events can arrive (IF=0, no breakpoints).
 */
SYM_CODE_START_LOCAL(r3x_to_user)
	UNWIND_HINT_FUNC
	ANNOTATE_NOENDBR
	movq	CPUV(R3X_REGS), %rax
	movq	PER_CPU_VAR(cpu_tss_rw + TSS_sp0), %rsp
	HVSEC_UNWIND_HINT_END_OF_STACK
	testl	%edi, %edi
	jnz	.Lto_user_iret
	pushq	R3X_G_RSP(%rax)
	pushq	R3X_G_RAX(%rax)
	R3X_LOAD_GPRS
	movq	R3X_G_RIP(%rax), %rcx
	movq	R3X_G_RFLAGS(%rax), %r11
	R3X_TO_USER_CR3
	popq	%rax
	popq	%rsp
	R3X_CLEAR_CPU_BUFFERS
	swapgs
	sysretq
.Lto_user_iret:
	pushq	$__USER_DS
	pushq	R3X_G_RSP(%rax)
	pushq	R3X_G_RFLAGS(%rax)
	pushq	$__USER_CS
	pushq	R3X_G_RIP(%rax)
	pushq	R3X_G_RAX(%rax)
	R3X_LOAD_GPRS
	R3X_TO_USER_CR3
	popq	%rax
	UNWIND_HINT_IRET_REGS
	R3X_CLEAR_CPU_BUFFERS
	swapgs
	iretq
SYM_CODE_END(r3x_to_user)

/*
 * Back to r3x_enter_asm()'s caller with %r12d as its result, on the kernel
 * stack, after the kernel's return-predictor and branch-history scrubbing
 * for an entry from user mode.
 */
SYM_CODE_START_LOCAL(r3x_return_to_caller)
	HVSEC_UNWIND_HINT_END_OF_STACK
	ANNOTATE_NOENDBR
	movq	CPUV(R3X_KSP), %rsp
	UNWIND_HINT_FUNC
	R3X_UNTRAIN_RET
	R3X_CLEAR_BRANCH_HISTORY
	movl	%r12d, %eax
	movq	CPUV(R3X_KRBX), %rbx
	movq	CPUV(R3X_KRBP), %rbp
	movq	CPUV(R3X_KR12), %r12
	movq	CPUV(R3X_KR13), %r13
	movq	CPUV(R3X_KR14), %r14
	movq	CPUV(R3X_KR15), %r15
	RET
SYM_CODE_END(r3x_return_to_caller)

/* MSR_LSTAR during a call: the helper's SYSCALL (exit or service). */
/*
 * SYSCALL from CPL3: RSP is the helper's. With PTI the kernel half of the
 * page table comes first, through the per-CPU TSS (which PTI maps) as
 * Linux's own SYSCALL entry does; then the helper's registers are saved
 * (RIP from RCX, RFLAGS from R11) and cleared, on the caller's stack.
 */
.macro R3X_SYSCALL_PROLOGUE
	swapgs
	ALTERNATIVE "jmp .Lend_\@", "", X86_FEATURE_PTI
	movq	%rsp, PER_CPU_VAR(cpu_tss_rw + TSS_sp2)
	R3X_TO_KERNEL_CR3 %rsp
	movq	PER_CPU_VAR(cpu_tss_rw + TSS_sp2), %rsp
.Lend_\@:
	movq	%rsp, CPUV(R3X_SCRATCH)
	movq	CPUV(R3X_KSP), %rsp
	UNWIND_HINT_FUNC
	R3X_SAVE_GPRS
	movq	%rcx, R3X_G_RIP(%rax)
	movq	%r11, R3X_G_RFLAGS(%rax)
	movq	CPUV(R3X_SCRATCH), %rcx
	movq	%rcx, R3X_G_RSP(%rax)
	R3X_CLEAR_GPRS
.endm

SYM_CODE_START(r3x_syscall_entry)
	HVSEC_UNWIND_HINT_END_OF_STACK
	ENDBR
	R3X_SYSCALL_PROLOGUE
	R3X_UNTRAIN_RET
	R3X_CLEAR_BRANCH_HISTORY
	cld
	movq	CPUV(R3X_REGS), %rdi
	call	r3x_syscall_c
	testl	%eax, %eax
	jz	1f
	movl	%eax, %r12d
	jmp	r3x_return_to_caller
1:
	/* A service returned: back to the helper, RCX/R11 as SYSRET uses them. */
	xorl	%edi, %edi
	jmp	r3x_to_user
SYM_CODE_END(r3x_syscall_entry)

/* MSR_CSTAR during a call: SYSCALL from a 32-bit code segment. */
SYM_CODE_START(r3x_cstar_entry)
	HVSEC_UNWIND_HINT_END_OF_STACK
	ENDBR
	R3X_SYSCALL_PROLOGUE
	movq	$R3X_VEC_COMPAT_SYSCALL, CPUV(R3X_VEC)
	movq	$0, CPUV(R3X_ERR)
	movq	$0, CPUV(R3X_CS)
	movl	$R3X_EXIT_EVENT, %r12d
	jmp	r3x_return_to_caller
SYM_CODE_END(r3x_cstar_entry)

/*
 * Save what an event at CPL3 interrupted. Stack (TSS.sp0 or an IST stack):
 * vector, error code, then the hardware frame.
 */
.macro R3X_SAVE_EVENT
	R3X_SWAPGS_FROM_USER
	pushq	%rax
	R3X_TO_KERNEL_CR3 %rax
	popq	%rax
	cld
	ASM_CLAC
	R3X_SAVE_GPRS
	movq	0(%rsp), %rcx
	movq	%rcx, CPUV(R3X_VEC)
	movq	8(%rsp), %rcx
	movq	%rcx, CPUV(R3X_ERR)
	movq	16(%rsp), %rcx
	movq	%rcx, R3X_G_RIP(%rax)
	movq	24(%rsp), %rcx
	movq	%rcx, CPUV(R3X_CS)
	movq	32(%rsp), %rcx
	movq	%rcx, R3X_G_RFLAGS(%rax)
	movq	40(%rsp), %rcx
	movq	%rcx, R3X_G_RSP(%rax)
	movq	%cr2, %rcx
	movq	%rcx, CPUV(R3X_CR2)
	R3X_CLEAR_GPRS
.endm

/* An exception or interrupt from the helper: leave it. */
SYM_CODE_START_LOCAL(r3x_event_common)
	UNWIND_HINT_IRET_REGS offset=16
	R3X_SAVE_EVENT
	movl	$R3X_EXIT_EVENT, %r12d
	jmp	r3x_return_to_caller
SYM_CODE_END(r3x_event_common)

/*
 * An NMI or #MC from the helper, on its IST stack: after saving the helper,
 * turn the hardware frame into the one the CPU would have pushed for the
 * same event at CPL0 at \done, with the caller's stack, and enter Linux's
 * gate for that vector. Linux returns with IRET to \done, which also ends
 * NMI blocking.
 */
.macro R3X_IST_HANDOVER vec done
	R3X_SAVE_EVENT
	addq	$16, %rsp
	UNWIND_HINT_IRET_REGS
	leaq	\done(%rip), %rcx
	movq	%rcx, 0(%rsp)
	movq	$__KERNEL_CS, 8(%rsp)
	movq	$X86_EFLAGS_FIXED, 16(%rsp)
	movq	CPUV(R3X_KSP), %rcx
	movq	%rcx, 24(%rsp)
	movq	$__KERNEL_DS, 32(%rsp)
	/* Linux's NMI entry keeps its "NMI executing" flag just below. */
	movq	$0, -8(%rsp)
	movq	$0, -16(%rsp)
	xorl	%ecx, %ecx
	xorl	%eax, %eax
	ANNOTATE_RETPOLINE_SAFE
	jmp	*(r3x_kernel_gates + \vec * 8)(%rip)
.endm

SYM_CODE_START_LOCAL(r3x_nmi_user)
	UNWIND_HINT_IRET_REGS offset=16
	R3X_IST_HANDOVER X86_TRAP_NMI r3x_nmi_done
SYM_CODE_END(r3x_nmi_user)

SYM_CODE_START_LOCAL(r3x_mce_user)
	UNWIND_HINT_IRET_REGS offset=16
	R3X_IST_HANDOVER X86_TRAP_MC r3x_mce_done
SYM_CODE_END(r3x_mce_user)

/* Where Linux's NMI/#MC handler returns, at CPL0 on the caller's stack. */
SYM_CODE_START_LOCAL(r3x_nmi_done)
	UNWIND_HINT_FUNC
	ANNOTATE_NOENDBR
	movl	$R3X_EXIT_EVENT, %r12d
	jmp	r3x_return_to_caller
SYM_CODE_END(r3x_nmi_done)

SYM_CODE_START_LOCAL(r3x_mce_done)
	UNWIND_HINT_FUNC
	ANNOTATE_NOENDBR
	movl	$R3X_EXIT_EVENT, %r12d
	jmp	r3x_return_to_caller
SYM_CODE_END(r3x_mce_done)

/*
 * One stub per IDT vector. From CPL0 (an NMI handler, a service, or our own
 * transition code while our IDT is loaded) the event goes, frame untouched,
 * to the kernel's own gate for that vector.
 */
.macro R3X_STUB vec err target
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
	jmp	\target
SYM_CODE_END(r3x_stub_\vec)
.endm

/* Exceptions; vectors with an error code: 8, 10-14, 17, 21, 29, 30. */
.irp v, 0, 1, 3, 4, 5, 6, 7, 9, 15, 16, 19, 20, 22, 23, 24, 25, 26, 27, 28, 31
	R3X_STUB \v 0 r3x_event_common
.endr
.irp v, 8, 10, 11, 12, 13, 14, 17, 21, 29, 30
	R3X_STUB \v 1 r3x_event_common
.endr
	R3X_STUB 2 0 r3x_nmi_user
	R3X_STUB 18 0 r3x_mce_user

/* Interrupt vectors 32..255: the same, one 32-byte stub each. */
	.balign 32
SYM_CODE_START_LOCAL(r3x_irq_stubs)
	vector = 32
	.rept 224
	UNWIND_HINT_IRET_REGS
	ENDBR
	testb	$3, 8(%rsp)
	jnz	1f
	ANNOTATE_RETPOLINE_SAFE
	jmp	*(r3x_kernel_gates + vector * 8)(%rip)
1:	pushq	$-1
	pushq	$vector
	jmp	r3x_event_common
	.balign 32, 0xcc
	vector = vector + 1
	.endr
SYM_CODE_END(r3x_irq_stubs)
	.globl	r3x_entry_end
r3x_entry_end:

/*
 * The kernel's write_ibpb(): an IBPB, then RSB stuffing where IBPB leaves
 * return predictions alone (X86_BUG_IBPB_NO_RET). Always the full IBPB:
 * the kernel's x86_pred_cmd (SBPB on some AMD CPUs without the SRSO
 * mitigation) is not exported from 7.x. Clobbers RAX, RCX, RDX: callable
 * from C too.
 */
SYM_FUNC_START(r3x_write_ibpb)
	ANNOTATE_NOENDBR
	movl	$MSR_IA32_PRED_CMD, %ecx
	movl	$PRED_CMD_IBPB, %eax
	xorl	%edx, %edx
	wrmsr
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_BUG_IBPB_NO_RET
	RET
SYM_FUNC_END(r3x_write_ibpb)

/*
 * The kernel's clear_bhb_loop(), instruction for instruction (see there):
 * branches that overwrite the branch history the helper left, on parts
 * before Alder Lake (newer ones use BHI_DIS_S). CALLs and RETs keep the
 * loop stream detector out; the RETs sit in the upper half of a cache line
 * (ITS). The stack is not constant: a frame pointer for ORC. Clobbers
 * RAX, RCX.
 */
SYM_FUNC_START_LOCAL(r3x_clear_bhb_loop)
	ANNOTATE_NOENDBR
	push	%rbp
	mov	%rsp, %rbp
	movl	$5, %ecx
	ANNOTATE_INTRA_FUNCTION_CALL
	call	1f
	jmp	5f
	.align 64, 0xcc
	.skip 32 - (.Lret1 - 1f), 0xcc
	ANNOTATE_INTRA_FUNCTION_CALL
1:	call	2f
.Lret1:	RET
	.align 64, 0xcc
	.skip 32 - 18, 0xcc
2:	movl	$5, %eax
3:	jmp	4f
	nop
4:	sub	$1, %eax
	jnz	3b
	sub	$1, %ecx
	jnz	1b
.Lret2:	RET
5:	lfence
	pop	%rbp
	RET
SYM_FUNC_END(r3x_clear_bhb_loop)
STACK_FRAME_NON_STANDARD(r3x_clear_bhb_loop)

	.section .rodata
	.balign 8
SYM_DATA_START(r3x_stub_table)
.irp v, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.quad	r3x_stub_\v
.endr
.irp v, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	.quad	r3x_stub_\v
.endr
	vector = 0
	.rept 224
	.quad	r3x_irq_stubs + vector * 32
	vector = vector + 1
	.endr
SYM_DATA_END(r3x_stub_table)

	.text
/*
 * void r3x_handover_irq(unsigned long entry): run Linux's handler for an
 * interrupt that arrived at CPL3, as if it had arrived here at CPL0 with
 * IRQs off (the frame an interrupt gate pushes, then a call of the entry).
 */
SYM_FUNC_START(r3x_handover_irq)
	pushq	%rbp
	movq	%rsp, %rbp
	andq	$-16, %rsp
	pushq	$__KERNEL_DS
	pushq	%rbp
	pushfq
	pushq	$__KERNEL_CS
	CALL_NOSPEC rdi
	movq	%rbp, %rsp
	popq	%rbp
	RET
SYM_FUNC_END(r3x_handover_irq)
