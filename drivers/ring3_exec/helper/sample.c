// SPDX-License-Identifier: GPL-2.0
/*
 * ring3_exec's sample helper: a small parser and a few probes, written as
 * a helper author would. It runs at CPL3 in its own address space; the
 * kernel trusts none of its output (see r3x_sample_parse() in builtin.c).
 */
#include <hvsec/r3x_helper.h>
#include "sample.h"

static const char greeting[] = "hello from CPL3";
static unsigned long counter = 100;	/* .data: each instance has its own */
static double weights[64];		/* .bss */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Parse lines "key=value" (value decimal) from the input into records in
 * the output window. Returns the number of records, or -(line number) of
 * the first bad line.
 */
static long sample_parse(unsigned long lie)
{
	const char *in = r3x_in();
	unsigned long len = r3x_info()->in_len, i = 0, line = 0;
	struct r3x_sample_rec *rec = r3x_out();
	unsigned long max = r3x_info()->out_size / sizeof(*rec), n = 0;

	while (i < len) {
		unsigned long start = i, value = 0;

		line++;
		while (i < len && in[i] != '=' && in[i] != '\n')
			i++;
		if (i == len || in[i] != '=' || i == start || n == max)
			return -(long)line;
		rec[n].key_off = start;
		rec[n].key_len = i - start;
		i++;
		if (i == len || !is_digit(in[i]))
			return -(long)line;
		while (i < len && is_digit(in[i]))
			value = value * 10 + (in[i++] - '0');
		if (i < len && in[i++] != '\n')
			return -(long)line;
		rec[n++].value = value;
	}
	r3x_out_len = n * sizeof(*rec);
	if (lie == R3X_SAMPLE_LIE_LEN)
		r3x_out_len = r3x_info()->out_size + 1;
	if (lie == R3X_SAMPLE_LIE_KEY && n)
		rec[0].key_off = len;
	if (lie == R3X_SAMPLE_LIE_COUNT)
		return n + 1;
	return n;
}

static long sample_float(unsigned long n)
{
	double sum = 0;
	unsigned long i;

	if (n > 64)
		n = 64;
	for (i = 1; i <= n; i++)
		weights[i - 1] = 1.0 / (double)i;
	for (i = 0; i < n; i++)
		sum += weights[i];
	return (long)(sum * 1000000.0);
}

long r3x_main(unsigned long a0, unsigned long a1, unsigned long a2,
	      unsigned long a3, unsigned long a4, unsigned long a5)
{
	const unsigned long long *info = (const void *)r3x_info();
	unsigned long sum = 0, i;

	switch (a0) {
	case R3X_SAMPLE_SUM:
		return a1 + a2 + a3 + a4 + a5;
	case R3X_SAMPLE_PARSE:
		return sample_parse(a1);
	case R3X_SAMPLE_COUNT:
		return ++counter;
	case R3X_SAMPLE_SVC:
		return r3x_svc(a1, a2, a3, a4, a5, 0, 0);
	case R3X_SAMPLE_CRASH:
		sample_crash(a1);
		return 0;
	case R3X_SAMPLE_RO_WRITE:
		sample_ro_write(greeting);
		return 0;
	case R3X_SAMPLE_PEEK:
		return r3x_peek8(a1);
	case R3X_SAMPLE_POKE:
		r3x_poke8(a1, a2);
		return 0;
	case R3X_SAMPLE_INFO:
		return a1 < 4 ? (long)info[a1] : -1;
	case R3X_SAMPLE_FLOAT:
		return sample_float(a1);
	case R3X_SAMPLE_JUMP:
		((void (*)(void))a1)();
		return 0;
	case R3X_SAMPLE_GREETING:
		for (i = 0; greeting[i]; i++)
			sum = sum * 31 + greeting[i];
		return sum;
	}
	return -1;
}
