/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ring3_exec helper startup: the entry of every helper written in C.
 * Entered by SYSRET with the six arguments in RDI, RSI, RDX, R10, R8, R9
 * and RSP at R3X_UVA_STACK_TOP (16-byte aligned); calls r3x_main() with
 * the C calling convention and exits with its value (RDI) and r3x_out_len
 * (RSI) through SYSCALL R3X_SVC_EXIT.
 */
#include <hvsec/r3x_layout.h>

	.section .text.r3x_start, "ax"
	.globl	_start
	.type	_start, @function
_start:
	movq	$R3X_UVA_STACK_TOP, %rsp
	xorl	%ebp, %ebp
	movq	$0, r3x_out_len(%rip)
	movq	%r10, %rcx
	call	r3x_main
	movq	%rax, %rdi
	movq	r3x_out_len(%rip), %rsi
	movl	$R3X_SVC_EXIT, %eax
	syscall
	ud2
	.size	_start, . - _start

	.bss
	.balign	8
	.globl	r3x_out_len
	.type	r3x_out_len, @object
r3x_out_len:
	.quad	0
	.size	r3x_out_len, 8

	.section .note.GNU-stack, "", @progbits
