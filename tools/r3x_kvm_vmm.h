/* SPDX-License-Identifier: GPL-2.0 */
/*
 * r3x_kvm_vmm: what the VMM (r3x_kvm_vmm.c) and its guest
 * (r3x_kvm_guest.S) share: the guest's memory layout, ports and values.
 */
#ifndef _R3X_KVM_VMM_H
#define _R3X_KVM_VMM_H

#define MEM_SIZE	0x200000UL
#define PML4		0x1000
#define PDPT		0x2000
#define PD		0x3000
#define GDT		0x4000
#define CODE		0x10000
#define DATA		0x20000
#define STACK_TOP	0x80000

/* DATA layout (the guest's asm uses the same offsets). */
#define D_SYSCALLS	0x00	/* u64, counted by the SYSCALL handler */
#define D_MXCSR		0x08	/* u32 */
#define D_FCW		0x0c	/* u16 */
#define D_STAGE		0x10	/* u32: how far the guest got (1..7) */
#define D_GPRS		0x40	/* RBX, RBP, R12..R15 */
#define D_VEC		0x100	/* 16 x 32 bytes */

#define PORT_ITER	0xe0
#define PORT_REPORT	0xe1
#define PORT_DONE	0xe2

#define G_MXCSR		0x3f80	/* round down, all masked */
#define G_FCW		0x077f	/* round down, 64-bit precision */
#define G_SFMASK	0x47700	/* TF, IF, DF, IOPL, NT, AC */
#define G_STAR		0x0023000800000000ULL
#define MSR_EFER	0xc0000080
#define MSR_STAR	0xc0000081
#define MSR_LSTAR	0xc0000082
#define MSR_SFMASK	0xc0000084
/* Scratch for the guest's register checks. */
#define D_SCRATCH	0x400	/* 32 bytes */
#define D_MXCSR_NOW	0x420
#define D_FCW_NOW	0x424

#ifndef __ASSEMBLER__
/* The guest's code: position independent, copied to CODE. */
extern const unsigned char guest_start[], guest_syscall[], guest_end[];
#endif

#endif /* _R3X_KVM_VMM_H */
