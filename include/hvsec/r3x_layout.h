/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ring3_exec: the fixed user addresses a helper runs at, shared by the
 * module, helpers written in C (include/hvsec/r3x_helper.h) and the
 * helpers' linker script. Numbers only: usable from C, assembler and
 * linker scripts, in the kernel and in a freestanding helper.
 *
 * Every window is 1 MiB and lies in the 8 MiB at R3X_UVA_BASE; a helper's
 * image and each instance's pages are mapped where they are used, nothing
 * else (a window's unused pages fault).
 *
 *   R3X_UVA_CODE     .text          read/execute   (image, shared)
 *   R3X_UVA_RODATA   .rodata        read-only      (image, shared)
 *   R3X_UVA_DATA     .data, .bss    read/write     (per instance)
 *   R3X_UVA_STACK    stack, growing down from R3X_UVA_STACK_TOP
 *   R3X_UVA_INFO     struct r3x_info of the call    read-only (one page)
 *   R3X_UVA_IN       the call's input               read-only
 *   R3X_UVA_OUT      the call's output window       read/write
 */
#ifndef _HVSEC_R3X_LAYOUT_H
#define _HVSEC_R3X_LAYOUT_H

#define R3X_UVA_BASE		0x40000000
#define R3X_WINDOW_SIZE		0x00100000
#define R3X_UVA_CODE		0x40000000
#define R3X_UVA_RODATA		0x40100000
#define R3X_UVA_DATA		0x40200000
#define R3X_UVA_STACK		0x40300000
#define R3X_UVA_STACK_TOP	0x40400000
#define R3X_UVA_INFO		0x40400000
#define R3X_UVA_IN		0x40600000
#define R3X_UVA_OUT		0x40700000
#define R3X_UVA_END		0x40800000

/* SYSCALL numbers (RAX) of a helper: 0 exits, 1..n are the owner's services. */
#define R3X_SVC_EXIT		0

/* struct r3x_info, at R3X_UVA_INFO during a call (u64 fields). */
#define R3X_INFO_IN_LEN		0	/* bytes of input at R3X_UVA_IN */
#define R3X_INFO_OUT_SIZE	8	/* bytes the helper may write at R3X_UVA_OUT */
#define R3X_INFO_INSTANCE	16	/* the instance's number (0 = the first) */
#define R3X_INFO_CALLS		24	/* calls of the instance before this one */

#endif /* _HVSEC_R3X_LAYOUT_H */
