/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by hvsec's selftests.
 */
#ifndef _HVSEC_SELFTEST_UTIL_H
#define _HVSEC_SELFTEST_UTIL_H

#include <stdio.h>

/*
 * slurp() - read a (debugfs) file into a static buffer
 * @path: the file
 *
 * Return: the NUL-terminated contents, or NULL if @path cannot be opened.
 * The buffer is reused by the next call.
 */
static inline char *slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

#endif /* _HVSEC_SELFTEST_UTIL_H */
