/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ring3_exec's sample helper in C: its commands (argument 0) and output
 * record, shared by the helper (sample.c) and its owner (builtin.c).
 */
#ifndef _R3X_SAMPLE_H
#define _R3X_SAMPLE_H

#define R3X_SAMPLE_SUM		0	/* a1 + .. + a5 */
#define R3X_SAMPLE_PARSE	1	/* "key=value" lines -> records; a1: lie */
#define R3X_SAMPLE_COUNT	2	/* ++counter (.data, starts at 100) */
#define R3X_SAMPLE_SVC		3	/* service a1 (a2, a3, a4, a5) */
#define R3X_SAMPLE_CRASH	4	/* NULL write in sample_crash() */
#define R3X_SAMPLE_RO_WRITE	5	/* write to a string in .rodata */
#define R3X_SAMPLE_PEEK		6	/* the byte at address a1 */
#define R3X_SAMPLE_POKE		7	/* write a2 to the byte at a1 */
#define R3X_SAMPLE_INFO		8	/* struct r3x_info word a1 */
#define R3X_SAMPLE_FLOAT	9	/* sum of 1/i, i = 1..a1, times 1000000 */
#define R3X_SAMPLE_GREETING	10	/* checksum of a string in .rodata */
#define R3X_SAMPLE_JUMP		11	/* call the code at address a1 */

/* How R3X_SAMPLE_PARSE lies when a1 asks it to (for the owner's checks). */
#define R3X_SAMPLE_LIE_NONE	0
#define R3X_SAMPLE_LIE_LEN	1	/* output length past the window */
#define R3X_SAMPLE_LIE_KEY	2	/* a key outside the input */
#define R3X_SAMPLE_LIE_COUNT	3	/* result != records written */

/* The owner's call windows. */
#define R3X_SAMPLE_IN_MAX	65536
#define R3X_SAMPLE_OUT_MAX	65536

/* One "key=value" line: the key's place in the input, the value. */
struct r3x_sample_rec {
	unsigned int key_off;
	unsigned int key_len;
	unsigned long long value;
};

#ifndef __KERNEL__
/* sample_fault.c: faults on purpose, reported by name. */
void sample_crash(unsigned long p);
void sample_ro_write(const char *s);
#endif

#endif /* _R3X_SAMPLE_H */
