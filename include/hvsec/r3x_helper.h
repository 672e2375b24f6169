/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ring3_exec: the helper's side. Include this in a helper written in C
 * (a freestanding program: no libc, no kernel headers) and define
 *
 *	long r3x_main(unsigned long a0, unsigned long a1, unsigned long a2,
 *		      unsigned long a3, unsigned long a4, unsigned long a5);
 *
 * which gets the six arguments of r3x_call() and whose return value is the
 * call's result. The startup code (drivers/ring3_exec/helper/start.S) runs
 * it on the instance's stack and exits through SYSCALL. See
 * Documentation/ring3_exec.rst, "Writing a helper".
 */
#ifndef _HVSEC_R3X_HELPER_H
#define _HVSEC_R3X_HELPER_H

#include <hvsec/r3x_layout.h>

/* One byte at @p, read or written as one instruction (no compiler games). */
static inline unsigned char r3x_peek8(unsigned long p)
{
	unsigned char v;

	asm volatile("movb (%1), %0" : "=q" (v) : "r" (p) : "memory");
	return v;
}

static inline void r3x_poke8(unsigned long p, unsigned char v)
{
	asm volatile("movb %0, (%1)" : : "q" (v), "r" (p) : "memory");
}

long r3x_main(unsigned long a0, unsigned long a1, unsigned long a2,
	      unsigned long a3, unsigned long a4, unsigned long a5);

/* The call this helper runs in (read-only). */
struct r3x_info {
	unsigned long long in_len;	/* bytes at r3x_in() */
	unsigned long long out_size;	/* bytes r3x_out() may take */
	unsigned long long instance;	/* 0 = the first instance */
	unsigned long long calls;	/* calls of this instance before */
};

static inline const struct r3x_info *r3x_info(void)
{
	return (const struct r3x_info *)R3X_UVA_INFO;
}

/* r3x_call_buf()'s input (read-only) and output window. */
static inline const void *r3x_in(void)
{
	return (const void *)R3X_UVA_IN;
}

static inline void *r3x_out(void)
{
	return (void *)R3X_UVA_OUT;
}

/* Bytes of output to hand back (reset to 0 at each call's start). */
extern unsigned long r3x_out_len;

/*
 * Service @n of the owner (1..nr_services) with up to six arguments; it
 * runs at CPL0 and its value comes back. An unknown @n ends the call.
 */
static inline long r3x_svc(unsigned long n, unsigned long a0, unsigned long a1,
			   unsigned long a2, unsigned long a3, unsigned long a4,
			   unsigned long a5)
{
	register unsigned long r10 asm("r10") = a3;
	register unsigned long r8 asm("r8") = a4;
	register unsigned long r9 asm("r9") = a5;
	long ret;

	asm volatile("syscall"
		     : "=a" (ret)
		     : "0" (n), "D" (a0), "S" (a1), "d" (a2), "r" (r10),
		       "r" (r8), "r" (r9)
		     : "rcx", "r11", "memory");
	return ret;
}

/* What a freestanding compiler may call on its own. */
void *memcpy(void *dst, const void *src, unsigned long n);
void *memset(void *dst, int c, unsigned long n);
void *memmove(void *dst, const void *src, unsigned long n);
int memcmp(const void *a, const void *b, unsigned long n);

#endif /* _HVSEC_R3X_HELPER_H */
