// SPDX-License-Identifier: GPL-2.0
/*
 * r3x_bench: user-space side of ring3_exec's benchmark.
 *   r3x_bench getppid N   ns per getppid() round trip
 *   r3x_bench pipe N      ns per round trip to a process waiting on a pipe
 * Prints one number (nanoseconds, integer) on success.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int bench_getppid(unsigned long n)
{
	unsigned long long t0 = now_ns();
	unsigned long i;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	printf("%llu\n", (now_ns() - t0) / n);
	return 0;
}

static int bench_pipe(unsigned long n)
{
	int to[2], from[2], st;
	unsigned long long t0, v = 0;
	unsigned long i;
	pid_t pid;

	if (pipe(to) || pipe(from)) {
		perror("pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		close(to[1]);
		close(from[0]);
		while (read(to[0], &v, sizeof(v)) == sizeof(v)) {
			v++;
			if (write(from[1], &v, sizeof(v)) != sizeof(v))
				_exit(1);
		}
		_exit(0);
	}
	close(to[0]);
	close(from[1]);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (write(to[1], &v, sizeof(v)) != sizeof(v) ||
		    read(from[0], &v, sizeof(v)) != sizeof(v)) {
			fprintf(stderr, "pipe round trip failed\n");
			return 1;
		}
	}
	t0 = now_ns() - t0;
	close(to[1]);
	waitpid(pid, &st, 0);
	if (v != n) {
		fprintf(stderr, "child answered %llu times, expected %lu\n", v, n);
		return 1;
	}
	printf("%llu\n", t0 / n);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long n;
	char *end;

	if (argc != 3) {
		fprintf(stderr, "usage: r3x_bench getppid|pipe N\n");
		return 2;
	}
	errno = 0;
	n = strtoul(argv[2], &end, 0);
	if (errno || *end || n == 0 || n > 100000000) {
		fprintf(stderr, "r3x_bench: bad count '%s'\n", argv[2]);
		return 2;
	}
	if (!strcmp(argv[1], "getppid"))
		return bench_getppid(n);
	if (!strcmp(argv[1], "pipe"))
		return bench_pipe(n);
	fprintf(stderr, "r3x_bench: unknown benchmark '%s'\n", argv[1]);
	return 2;
}
