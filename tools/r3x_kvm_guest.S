/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest of r3x_kvm_vmm, in 64-bit mode at CPL0 from its first
 * instruction (long mode is set up by the VMM through KVM_SET_SREGS): it
 * sets EFER.SCE and its own STAR/LSTAR/SFMASK, enables AVX in XCR0 when
 * RSI bit 0 says the VMM offered it, loads its patterns into XMM0-15 (or
 * YMM0-15), MXCSR and FCW, then RDI times: SYSCALL (the handler counts and
 * returns at CPL0), an OUT of the iteration number to PORT_ITER (an exit to
 * the VMM), and a check of RBX/RBP/R12-R15, MXCSR, FCW and every vector
 * register against the patterns in DATA. Reports iterations, SYSCALLs and
 * iterations with a mismatch on PORT_REPORT, then writes PORT_DONE.
 *
 * Position independent (RIP-relative addressing only within itself; its
 * data at absolute addresses), so the VMM can copy it to CODE. Kept in
 * .rodata: this process never executes it.
 */
#include "r3x_kvm_vmm.h"

#define DA(off)	DATA+off

	.macro SYM_START name
	.globl \name
\name:
	.endm

	.section .rodata.r3x_guest, "a"
	.balign 16
.balign 16
SYM_START guest_start
	movq %rdi, %r8
	movl $MSR_EFER, %ecx
	rdmsr
	orl $1, %eax
	wrmsr
	movl $1, DA(D_STAGE)
	movl $MSR_STAR, %ecx
	xorl %eax, %eax
	movl $0x00230008, %edx
	wrmsr
	leaq guest_syscall(%rip), %rax
	movq %rax, %rdx
	shrq $32, %rdx
	movl $MSR_LSTAR, %ecx
	wrmsr
	movl $MSR_SFMASK, %ecx
	movl $G_SFMASK, %eax
	xorl %edx, %edx
	wrmsr
	movl $2, DA(D_STAGE)
	testl $1, %esi
	jz 1f
	movq %cr4, %rax
	orq $0x40000, %rax
	movq %rax, %cr4
	xorl %ecx, %ecx
	movl $7, %eax
	xorl %edx, %edx
	xsetbv
	movl $3, DA(D_STAGE)
1:	ldmxcsr DA(D_MXCSR)
	fldcw DA(D_FCW)
	movl $4, DA(D_STAGE)
	testl $1, %esi
	jz 2f
	.irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	vmovdqu DA(D_VEC)+32*\r, %ymm\r
	.endr
	jmp 3f
2:
	.irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	movdqu DA(D_VEC)+32*\r, %xmm\r
	.endr
3:	xorl %r9d, %r9d
	movl $5, DA(D_STAGE)
	xorl %r10d, %r10d
guest_loop:
	syscall
	movl %r9d, %eax
	outl %eax, $PORT_ITER
	movl $7, DA(D_STAGE)
	xorl %edx, %edx
	movq DA(D_GPRS), %rax
	xorq %rbx, %rax
	orq %rax, %rdx
	movq DA(D_GPRS)+8, %rax
	xorq %rbp, %rax
	orq %rax, %rdx
	.irp r,12,13,14,15
	movq DA(D_GPRS)+16+8*(\r-12), %rax
	xorq %r\r, %rax
	orq %rax, %rdx
	.endr
	stmxcsr DA(D_MXCSR_NOW)
	movl DA(D_MXCSR_NOW), %eax
	xorl DA(D_MXCSR), %eax
	orq %rax, %rdx
	fnstcw DA(D_FCW_NOW)
	movzwl DA(D_FCW_NOW), %eax
	movzwl DA(D_FCW), %ecx
	xorl %ecx, %eax
	orq %rax, %rdx
	testl $1, %esi
	jz 4f
	.irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	vmovdqu %ymm\r, DA(D_SCRATCH)
	.irp q,0,8,16,24
	movq DA(D_SCRATCH)+\q, %rax
	xorq DA(D_VEC)+32*\r+\q, %rax
	orq %rax, %rdx
	.endr
	.endr
	jmp 5f
4:
	.irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	movdqu %xmm\r, DA(D_SCRATCH)
	.irp q,0,8
	movq DA(D_SCRATCH)+\q, %rax
	xorq DA(D_VEC)+32*\r+\q, %rax
	orq %rax, %rdx
	.endr
	.endr
5:	testq %rdx, %rdx
	jz 6f
	incq %r10
6:	incq %r9
	cmpq %r8, %r9
	jb guest_loop
	movl %r9d, %eax
	outl %eax, $PORT_REPORT
	movl DA(D_SYSCALLS), %eax
	outl %eax, $PORT_REPORT
	movl %r10d, %eax
	outl %eax, $PORT_REPORT
	outl %eax, $PORT_DONE
7:	hlt
	jmp 7b
SYM_START guest_syscall
	incq DA(D_SYSCALLS)
	movl $6, DA(D_STAGE)
	pushq %r11
	popfq
	jmp *%rcx
SYM_START guest_end

	.section .note.GNU-stack, "", @progbits
