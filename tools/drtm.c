// SPDX-License-Identifier: GPL-2.0
/*
 * drtm: user-space front end of tpm12_drtm.
 *
 *   drtm measure --pcr N [--type T] [--desc TEXT] [--hash host|tpm] FILE|-
 *   drtm pcrs [--source ioctl|debugfs|tpm0]
 *   drtm log [--file LOG]
 *   drtm verify [--file LOG] [--pcrs FILE] [--start ff|zero|FILE]
 *   drtm replay [--file LOG] [--start ff|zero]
 *   drtm info
 *   drtm bench-extend --count N [--pcr N] [--tpm0]
 *
 * Exit status 0 on success; otherwise 1 with one line on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "drtm.h"

#define SECFS_LOG	"/sys/kernel/security/tpm12_drtm/eventlog"
#define DEBUGFS_PCRS	"/sys/kernel/debug/tpm12_drtm/pcrs"
#define LINUX_PCRS	"/sys/class/tpm/tpm0/pcrs"
#define LINUX_MAJOR	"/sys/class/tpm/tpm0/tpm_version_major"
/* Log-gap marker (never extended), see Documentation/tpm12_drtm.rst. */
#define EV_LOG_GAP		TPM12_DRTM_EV_LOG_GAP
#define EV_LOG_GAP_TRUNCATED	0x1
#define EV_LOG_GAP_UNKNOWN	0x2
#define MAX_INPUT	1073741824ULL	/* 1 GiB */

noreturn void die(const char *fmt, ...)
{
	va_list ap;

	fputs("drtm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ---- SHA-1 (FIPS 180-4), for replaying the log ---- */
struct sha1 {
	__u32 h[5];
	__u64 len;
	__u8 blk[64];
	size_t n;
};

static __u32 rol(__u32 x, int s)
{
	return (x << s) | (x >> (32 - s));
}

static void sha1_block(struct sha1 *c, const __u8 *p)
{
	__u32 w[80], a, b, d, e, f, k, t, cc;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (__u32)p[4 * i] << 24 | (__u32)p[4 * i + 1] << 16 |
		       (__u32)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = c->h[0]; b = c->h[1]; cc = c->h[2]; d = c->h[3]; e = c->h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & cc) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ cc ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & cc) | (b & d) | (cc & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ cc ^ d;
			k = 0xca62c1d6;
		}
		t = rol(a, 5) + f + e + k + w[i];
		e = d; d = cc; cc = rol(b, 30); b = a; a = t;
	}
	c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d; c->h[4] += e;
}

static void sha1_init(struct sha1 *c)
{
	static const __u32 iv[5] = {
		0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0
	};

	memcpy(c->h, iv, sizeof(iv));
	c->len = 0;
	c->n = 0;
}

static void sha1_update(struct sha1 *c, const void *data, size_t len)
{
	const __u8 *p = data;

	c->len += len;
	while (len) {
		size_t take = 64 - c->n < len ? 64 - c->n : len;

		memcpy(c->blk + c->n, p, take);
		c->n += take;
		p += take;
		len -= take;
		if (c->n == 64) {
			sha1_block(c, c->blk);
			c->n = 0;
		}
	}
}

static void sha1_final(struct sha1 *c, __u8 out[20])
{
	__u64 bits = c->len * 8;
	__u8 pad = 0x80, z = 0, lb[8];
	int i;

	sha1_update(c, &pad, 1);
	while (c->n != 56)
		sha1_update(c, &z, 1);
	for (i = 0; i < 8; i++)
		lb[i] = bits >> (56 - 8 * i);
	sha1_update(c, lb, 8);
	for (i = 0; i < 5; i++) {
		out[4 * i] = c->h[i] >> 24;
		out[4 * i + 1] = c->h[i] >> 16;
		out[4 * i + 2] = c->h[i] >> 8;
		out[4 * i + 3] = c->h[i];
	}
}

void sha1_digest(const void *data, size_t len, __u8 out[20])
{
	struct sha1 c;

	sha1_init(&c);
	sha1_update(&c, data, len);
	sha1_final(&c, out);
}

/* ---- helpers ---- */
void hex(const __u8 *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static int open_dev(void)
{
	int fd = open(TPM12_DRTM_DEV, O_RDWR);

	if (fd < 0)
		die("cannot open %s: %s (is tpm12_drtm loaded?)", TPM12_DRTM_DEV,
		    strerror(errno));
	return fd;
}

static unsigned long long parse_num(const char *s, unsigned long long max,
				    const char *what)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!*s || *s == '-')
		die("bad %s '%s'", what, s);
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		die("bad %s '%s' (0..%llu)", what, s, max);
	return v;
}

/* Read a whole file (or stdin for "-"). */
static __u8 *slurp(const char *path, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	__u8 *buf;
	ssize_t r;
	int fd;

	fd = strcmp(path, "-") ? open(path, O_RDONLY) : 0;
	if (fd < 0)
		die("cannot open %s: %s", path, strerror(errno));
	buf = malloc(cap);
	if (!buf)
		die("out of memory");
	for (;;) {
		if (n == cap) {
			if (cap >= MAX_INPUT)
				die("%s: larger than %llu bytes", path, MAX_INPUT);
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				die("out of memory");
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("cannot read %s: %s", path, strerror(errno));
		}
		if (!r)
			break;
		n += r;
	}
	if (fd)
		close(fd);
	*len = n;
	return buf;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- measure ---- */
static __u32 parse_type(const char *s)
{
	if (!strcmp(s, "slaunch"))
		return 0x502;
	if (!strcmp(s, "slaunch_start"))
		return 0x503;
	if (!strcmp(s, "slaunch_end"))
		return 0x504;
	if (!strcmp(s, "test"))
		return TPM12_DRTM_EV_TEST;
	if (s[0] < '0' || s[0] > '9')
		die("unknown event type '%s' (slaunch, slaunch_start, slaunch_end, test, N)",
		    s);
	return parse_num(s, 0xffffffffULL, "event type");
}

static int cmd_measure(int argc, char **argv)
{
	struct tpm12_drtm_measure m;
	const char *file = NULL, *desc = NULL;
	int pcr = -1, timed = 0, fd, ret, i;
	__u32 type = 0x502, hash = 0;
	char dhex[41];
	__u8 *data;
	size_t len;
	__u64 t0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pcr") && i + 1 < argc) {
			pcr = parse_num(argv[++i], NR_PCRS - 1, "PCR");
		} else if (!strcmp(argv[i], "--type") && i + 1 < argc) {
			type = parse_type(argv[++i]);
		} else if (!strcmp(argv[i], "--desc") && i + 1 < argc) {
			desc = argv[++i];
		} else if (!strcmp(argv[i], "--time")) {
			timed = 1;
		} else if (!strcmp(argv[i], "--hash") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "host"))
				hash = TPM12_DRTM_HASH_MODE_HOST;
			else if (!strcmp(argv[i], "tpm"))
				hash = TPM12_DRTM_HASH_MODE_TPM;
			else
				die("unknown hash mode '%s' (host or tpm)", argv[i]);
		} else if (argv[i][0] == '-' && argv[i][1]) {
			die("measure: unknown or incomplete option '%s'", argv[i]);
		} else if (!file) {
			file = argv[i];
		} else {
			die("measure: more than one FILE");
		}
	}
	if (pcr < 0)
		die("measure: --pcr N is required");
	if (!file)
		die("measure: FILE (or - for stdin) is required");
	if (!desc)
		desc = file;
	if (strlen(desc) > TPM12_DRTM_MAX_EVENT)
		die("measure: --desc longer than %d bytes", TPM12_DRTM_MAX_EVENT);
	data = slurp(file, &len);
	fd = open_dev();
	memset(&m, 0, sizeof(m));
	m.pcr = pcr;
	m.type = type;
	m.hash = hash;
	m.data_ptr = (uintptr_t)data;
	m.data_size = len;
	m.event_ptr = (uintptr_t)desc;
	m.event_size = strlen(desc);
	t0 = now_ns();
	ret = ioctl(fd, TPM12_DRTM_IOC_MEASURE, &m);
	t0 = now_ns() - t0;
	if (ret && errno == ENOSPC) {
		hex(m.digest, 20, dhex);
		die("measured %s into PCR %d (%s) but the event log is full: log truncated",
		    file, pcr, dhex);
	}
	if (ret)
		die("measure %s into PCR %d failed: %s%s%s%s", file, pcr,
		    strerror(errno), m.tpm_rc_name[0] ? " (" : "",
		    m.tpm_rc_name, m.tpm_rc_name[0] ? ")" : "");
	hex(m.digest, 20, dhex);
	printf("PCR-%02d += %s (%zu bytes, %s)\n", pcr, dhex, len, desc);
	if (timed)
		printf("time_ns: %llu\n", (unsigned long long)t0);
	close(fd);
	free(data);
	return 0;
}

/* ---- PCR sources ---- */
static int read_pcr_file(const char *path, __u8 pcrs[NR_PCRS][20],
			 int have[NR_PCRS])
{
	char line[256], *p;
	unsigned int idx, v;
	FILE *f = fopen(path, "r");
	int i, n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "PCR-%u:", &idx) != 1 || idx >= NR_PCRS)
			continue;
		p = strchr(line, ':') + 1;
		for (i = 0; i < 20; i++) {
			while (*p == ' ')
				p++;
			if (sscanf(p, "%2x", &v) != 1)
				break;
			pcrs[idx][i] = v;
			p += 2;
		}
		if (i == 20) {
			have[idx] = 1;
			n++;
		}
	}
	fclose(f);
	return n;
}

static void read_pcrs_ioctl(__u8 pcrs[NR_PCRS][20], int have[NR_PCRS])
{
	struct tpm12_drtm_pcr_read r;
	int fd = open_dev(), i;

	for (i = 0; i < NR_PCRS; i++) {
		memset(&r, 0, sizeof(r));
		r.pcr = i;
		if (ioctl(fd, TPM12_DRTM_IOC_PCR_READ, &r))
			die("reading PCR %d failed: %s (TPM rc %#x)", i,
			    strerror(errno), r.tpm_rc);
		memcpy(pcrs[i], r.value, 20);
		have[i] = 1;
	}
	close(fd);
}

static int cmd_pcrs(int argc, char **argv)
{
	__u8 pcrs[NR_PCRS][20];
	int have[NR_PCRS] = { 0 }, i;
	const char *src = "ioctl";
	char h[41];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--source") && i + 1 < argc)
			src = argv[++i];
		else
			die("pcrs: unknown argument '%s'", argv[i]);
	}
	if (!strcmp(src, "ioctl")) {
		read_pcrs_ioctl(pcrs, have);
	} else if (!strcmp(src, "debugfs") || !strcmp(src, "tpm0")) {
		const char *path = src[0] == 'd' ? DEBUGFS_PCRS : LINUX_PCRS;

		if (read_pcr_file(path, pcrs, have) <= 0)
			die("cannot read PCRs from %s", path);
	} else {
		die("pcrs: unknown source '%s' (ioctl, debugfs, tpm0)", src);
	}
	for (i = 0; i < NR_PCRS; i++) {
		if (!have[i])
			continue;
		hex(pcrs[i], 20, h);
		printf("PCR-%02d: %s\n", i, h);
	}
	return 0;
}

/* ---- the log ---- */
struct ev {
	__u32 pcr, type, size;
	const __u8 *digest, *data;
};

__u32 le32(const __u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (__u32)p[3] << 24;
}

/* Validate the container and call @fn for each event. Returns #events. */
static int walk_log(const __u8 *buf, size_t len,
		    void (*fn)(const struct ev *e, int idx, void *arg), void *arg)
{
	__u32 csize, first, next, off;
	struct ev e;
	int n = 0;

	if (len < 48 || memcmp(buf, "TXT Event Container", 20))
		die("log: not a TXT event container");
	if (buf[32] != 1 || buf[33] != 0 || buf[34] != 1 || buf[35] != 0)
		die("log: unsupported container version %u.%u / event version %u.%u",
		    buf[32], buf[33], buf[34], buf[35]);
	csize = le32(buf + 36);
	first = le32(buf + 40);
	next = le32(buf + 44);
	if (first < 48 || first > next || next > csize || next > len)
		die("log: bad offsets (events %u, next %u, size %u, read %zu)",
		    first, next, csize, len);
	for (off = first; off < next; off += 32 + e.size) {
		if (next - off < 32)
			die("log: truncated event at offset %u", off);
		e.pcr = le32(buf + off);
		e.type = le32(buf + off + 4);
		e.digest = buf + off + 8;
		e.size = le32(buf + off + 28);
		e.data = buf + off + 32;
		if (e.size > next - off - 32)
			die("log: event %d data beyond the end", n);
		if (e.pcr >= NR_PCRS)
			die("log: event %d has PCR %u", n, e.pcr);
		fn(&e, n++, arg);
	}
	return n;
}

/* Reason of a log-gap marker, 0 for any other event. */
static __u32 gap_reason(const struct ev *e)
{
	if (e->type != EV_LOG_GAP || e->size != 16)
		return 0;
	return le32(e->data + 12);
}

static void print_ev(const struct ev *e, int idx, void *arg)
{
	__u32 i, why = gap_reason(e);
	char h[41];

	(void)arg;
	if (why) {
		printf("%d pcr=%u type=%#x log gap:%s%s (not extended)\n", idx,
		       e->pcr, e->type,
		       why & EV_LOG_GAP_TRUNCATED ? " log full, events missing" : "",
		       why & EV_LOG_GAP_UNKNOWN ? " extend outcome unknown" : "");
		return;
	}
	hex(e->digest, 20, h);
	printf("%d pcr=%u type=%#x digest=%s data=\"", idx, e->pcr, e->type, h);
	for (i = 0; i < e->size && i < 256; i++)
		putchar(e->data[i] >= 32 && e->data[i] < 127 && e->data[i] != '"' ?
			e->data[i] : '.');
	printf("\"\n");
}

static int cmd_log(int argc, char **argv)
{
	const char *file = SECFS_LOG;
	__u8 *buf;
	size_t len;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--file") && i + 1 < argc)
			file = argv[++i];
		else
			die("log: unknown argument '%s'", argv[i]);
	}
	buf = slurp(file, &len);
	if (tcg2_is_log(buf, len))
		tcg2_print_log(buf, len);
	else
		walk_log(buf, len, print_ev, NULL);
	free(buf);
	return 0;
}

/* The replayed values of a TPM 2.0 log, "<bank>:<pcr>: <hex>" lines. */
static int cmd_replay(int argc, char **argv)
{
	const char *file = SECFS_LOG;
	int i, ff = 1;
	__u8 *buf;
	size_t len;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--file") && i + 1 < argc)
			file = argv[++i];
		else if (!strcmp(argv[i], "--start") && i + 1 < argc &&
			 (!strcmp(argv[i + 1], "ff") || !strcmp(argv[i + 1], "zero")))
			ff = !strcmp(argv[++i], "ff");
		else
			die("replay: unknown argument '%s'", argv[i]);
	}
	buf = slurp(file, &len);
	if (!tcg2_is_log(buf, len))
		die("replay: %s is not a TPM 2.0 (crypto-agile) log", file);
	tcg2_print_replay(buf, len, ff);
	free(buf);
	return 0;
}

struct replay {
	__u8 pcr[NR_PCRS][20];
	int count[NR_PCRS];
	__u32 gaps;
	int gap_pcr;
};

static void replay_ev(const struct ev *e, int idx, void *arg)
{
	struct replay *r = arg;
	struct sha1 c;

	(void)idx;
	if (e->type == EV_LOG_GAP) {
		/* Never extended; it says the log is incomplete. */
		r->gaps |= gap_reason(e) ? gap_reason(e) : EV_LOG_GAP_UNKNOWN;
		r->gap_pcr = e->pcr;
		return;
	}
	sha1_init(&c);
	sha1_update(&c, r->pcr[e->pcr], 20);
	sha1_update(&c, e->digest, 20);
	sha1_final(&c, r->pcr[e->pcr]);
	r->count[e->pcr]++;
}

static int cmd_verify(int argc, char **argv)
{
	const char *file = SECFS_LOG, *pcrfile = NULL, *startfile = NULL;
	__u8 tpm[NR_PCRS][20], start[NR_PCRS][20];
	int have[NR_PCRS] = { 0 }, have_start[NR_PCRS] = { 0 };
	int ff = 1, i, bad = 0, checked = 0;
	struct replay r;
	char a[41], b[41];
	__u8 *buf;
	size_t len;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--file") && i + 1 < argc) {
			file = argv[++i];
		} else if (!strcmp(argv[i], "--pcrs") && i + 1 < argc) {
			pcrfile = argv[++i];
		} else if (!strcmp(argv[i], "--start") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "zero"))
				ff = 0;
			else if (strcmp(argv[i], "ff"))
				startfile = argv[i];
		} else {
			die("verify: unknown argument '%s'", argv[i]);
		}
	}
	buf = slurp(file, &len);
	if (tcg2_is_log(buf, len)) {
		struct stat st;

		if (pcrfile)
			die("verify: --pcrs does not apply to a TPM 2.0 log");
		if (startfile && (stat(startfile, &st) || !S_ISDIR(st.st_mode)))
			die("verify: TPM 2.0 log: --start ff, zero or DIR (a copy of pcr-<bank>/)");
		i = tcg2_verify(buf, len, ff, startfile);
		free(buf);
		return i;
	}
	memset(&r, 0, sizeof(r));
	for (i = 17; i <= 22 && ff; i++)
		memset(r.pcr[i], 0xff, 20);
	/* A log begun when the PCRs already held values: start from those. */
	if (startfile) {
		if (read_pcr_file(startfile, start, have_start) <= 0)
			die("verify: --start ff|zero|FILE: cannot read PCR-NN: lines from %s",
			    startfile);
		for (i = 0; i < NR_PCRS; i++)
			if (have_start[i])
				memcpy(r.pcr[i], start[i], 20);
	}
	walk_log(buf, len, replay_ev, &r);
	if (!pcrfile)
		pcrfile = access(LINUX_PCRS, R_OK) == 0 ? LINUX_PCRS : DEBUGFS_PCRS;
	if (read_pcr_file(pcrfile, tpm, have) <= 0)
		die("verify: cannot read PCR values from %s", pcrfile);
	for (i = 0; i < NR_PCRS; i++) {
		if (!r.count[i])
			continue;
		if (!have[i])
			die("verify: %s has no PCR-%02d", pcrfile, i);
		checked++;
		hex(r.pcr[i], 20, a);
		hex(tpm[i], 20, b);
		if (memcmp(r.pcr[i], tpm[i], 20)) {
			fprintf(stderr, "drtm: verify: PCR-%02d mismatch: log replay %s, %s %s\n",
				i, a, pcrfile, b);
			bad++;
		} else {
			printf("PCR-%02d: %s matches (%d events)\n", i, a, r.count[i]);
		}
	}
	free(buf);
	if (r.gaps) {
		fprintf(stderr,
			"drtm: verify: log marked incomplete (PCR-%02d:%s%s)\n",
			r.gap_pcr,
			r.gaps & EV_LOG_GAP_TRUNCATED ? " log full, events missing" : "",
			r.gaps & EV_LOG_GAP_UNKNOWN ? " extend outcome unknown" : "");
		exit(1);
	}
	if (bad)
		exit(1);
	printf("verify: %d PCR(s) match %s\n", checked, pcrfile);
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	struct tpm12_drtm_info info;
	int fd;

	if (argc > 1)
		die("info: unknown argument '%s'", argv[1]);
	fd = open_dev();
	if (ioctl(fd, TPM12_DRTM_IOC_INFO, &info))
		die("info: %s", strerror(errno));
	printf("locality: %u\nevlog: %u/%u bytes%s%s%s\n", info.locality,
	       info.evlog_used, info.evlog_size,
	       info.flags & TPM12_DRTM_INFO_TRUNCATED ? " (truncated)" : "",
	       info.flags & TPM12_DRTM_INFO_UNUSABLE ? " (unusable)" : "",
	       info.flags & TPM12_DRTM_INFO_ADOPTED ? " (adopted)" : "");
	printf("commands: %llu\nmmio: %llu\nlast_error: %d\nlast_tpm_rc: %#x\n",
	       (unsigned long long)info.commands, (unsigned long long)info.mmio,
	       info.last_error, info.last_tpm_rc);
	close(fd);
	return 0;
}

/* Whether Linux's TPM is a TPM 2.0. */
static int linux_tpm2(void)
{
	FILE *f = fopen(LINUX_MAJOR, "r");
	int v = 0;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v == 2;
}

/*
 * TPM_Extend of PCR 16 (or --pcr N) N times: through us (events of type
 * TPM12_DRTM_EV_TEST; PCR 16 needs unrestricted=1) or through Linux's
 * /dev/tpm0 (on a TPM 2.0: TPM2_PCR_Extend of every bank, as we send it).
 */
static int cmd_bench_extend(int argc, char **argv)
{
	unsigned long long count = 0, mmio0 = 0;
	struct tpm12_drtm_info info;
	__u8 cmd[512], rsp[64];
	int tpm0 = 0, fd, i, pcr = 16;
	size_t len = 34, rlen = 30;
	__u64 t0, t;
	unsigned long long k;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = parse_num(argv[++i], 1000000, "count");
		else if (!strcmp(argv[i], "--tpm0"))
			tpm0 = 1;
		else if (!strcmp(argv[i], "--pcr") && i + 1 < argc)
			pcr = parse_num(argv[++i], NR_PCRS - 1, "PCR");
		else
			die("bench-extend: unknown argument '%s'", argv[i]);
	}
	if (!count)
		die("bench-extend: --count N (1..1000000) is required");
	if (tpm0) {
		static const __u8 hdr[14] = {
			0x00, 0xc1, 0, 0, 0, 34, 0, 0, 0, 0x14, 0, 0, 0, 16
		};

		memcpy(cmd, hdr, sizeof(hdr));
		cmd[13] = pcr;
		memset(cmd + 14, 0xa5, 20);
		/* A TPM 2.0: TPM2_PCR_Extend of every bank, as we send it. */
		if (linux_tpm2()) {
			len = tcg2_build_extend(cmd, sizeof(cmd), pcr);
			rlen = 19;
			if (!len)
				die("bench-extend: Linux's TPM 2.0 shows no PCR bank");
		}
		fd = open("/dev/tpm0", O_RDWR);
		if (fd < 0)
			die("cannot open /dev/tpm0: %s", strerror(errno));
		t0 = now_ns();
		for (k = 0; k < count; k++) {
			if (write(fd, cmd, len) != (ssize_t)len)
				die("/dev/tpm0 write: %s", strerror(errno));
			if (read(fd, rsp, sizeof(rsp)) != (ssize_t)rlen ||
			    rsp[6] | rsp[7] | rsp[8] | rsp[9])
				die("/dev/tpm0: the extend failed");
		}
		t = now_ns() - t0;
		close(fd);
		printf("extends: %llu\nns_per_extend: %llu\n", count,
		       (unsigned long long)(t / count));
		return 0;
	}
	fd = open_dev();
	if (ioctl(fd, TPM12_DRTM_IOC_INFO, &info))
		die("info: %s", strerror(errno));
	mmio0 = info.mmio;
	t0 = now_ns();
	for (k = 0; k < count; k++) {
		struct tpm12_drtm_measure m;

		memset(&m, 0, sizeof(m));
		m.pcr = pcr;
		m.type = TPM12_DRTM_EV_TEST;
		m.hash = TPM12_DRTM_HASH_MODE_HOST;
		if (ioctl(fd, TPM12_DRTM_IOC_MEASURE, &m))
			die("extend %llu of PCR %d failed: %s %s", k, pcr,
			    strerror(errno), m.tpm_rc_name);
	}
	t = now_ns() - t0;
	if (ioctl(fd, TPM12_DRTM_IOC_INFO, &info))
		die("info: %s", strerror(errno));
	close(fd);
	printf("extends: %llu\nns_per_extend: %llu\nmmio_per_extend: %.1f\n",
	       count, (unsigned long long)(t / count),
	       (double)(info.mmio - mmio0) / count);
	return 0;
}

static void print_help(void)
{
	fputs("Usage: drtm measure --pcr N [--type T] [--desc TEXT] [--hash host|tpm]\n"
	      "                    [--time] FILE|-\n"
	      "       drtm pcrs [--source ioctl|debugfs|tpm0]\n"
	      "       drtm log [--file LOG]\n"
	      "       drtm verify [--file LOG] [--pcrs FILE] [--start ff|zero|FILE]\n"
	      "       drtm replay [--file LOG] [--start ff|zero]   (TPM 2.0 log)\n"
	      "       drtm info\n"
	      "       drtm bench-extend --count N [--pcr N] [--tpm0]\n", stderr);
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		print_help();
	argc--;
	argv++;
	if (!strcmp(argv[0], "measure"))
		return cmd_measure(argc, argv);
	if (!strcmp(argv[0], "pcrs"))
		return cmd_pcrs(argc, argv);
	if (!strcmp(argv[0], "log"))
		return cmd_log(argc, argv);
	if (!strcmp(argv[0], "verify"))
		return cmd_verify(argc, argv);
	if (!strcmp(argv[0], "replay"))
		return cmd_replay(argc, argv);
	if (!strcmp(argv[0], "info"))
		return cmd_info(argc, argv);
	if (!strcmp(argv[0], "bench-extend"))
		return cmd_bench_extend(argc, argv);
	if (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))
		print_help();
	die("unknown command '%s' (see drtm --help)", argv[0]);
	return 1;
}
