// SPDX-License-Identifier: GPL-2.0
/*
 * ring3_exec's sample helper: two functions that fault on purpose, in a
 * file of their own so that the compiler cannot fold them into r3x_main()
 * (a fault report names them).
 */
#include <hvsec/r3x_helper.h>
#include "sample.h"

/* A write to @p (the test passes 0: a NULL write). */
void sample_crash(unsigned long p)
{
	r3x_poke8(p, 1);
}

/* A write to @s, a string in .rodata: read-only at CPL3. */
void sample_ro_write(const char *s)
{
	r3x_poke8((unsigned long)s, 'H');
}
