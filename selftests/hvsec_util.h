/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by hvsec's selftests.
 */
#ifndef _HVSEC_SELFTEST_UTIL_H
#define _HVSEC_SELFTEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/*
 * write_read() - write @cmd to a fresh open of @path, read back one reply
 * @path: a debugfs command file (ring3_exec's "call")
 * @cmd: the command
 * @out: where the reply goes, NUL-terminated (NULL: not read)
 * @outsz: its size
 *
 * Return: 0, or -errno of the open or the write.
 */
static inline int write_read(const char *path, const char *cmd, char *out,
			     size_t outsz)
{
	int fd = open(path, O_RDWR);
	ssize_t n;
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, cmd, strlen(cmd)) < 0)
		ret = -errno;
	if (out) {
		n = read(fd, out, outsz - 1);
		out[n > 0 ? n : 0] = '\0';
	}
	close(fd);
	return ret;
}

#endif /* _HVSEC_SELFTEST_UTIL_H */
