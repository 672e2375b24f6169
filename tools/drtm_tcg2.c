// SPDX-License-Identifier: GPL-2.0
/*
 * drtm: the TPM 2.0 side of the tool. Reads the TCG crypto-agile log
 * tpm12_drtm writes on a TPM 2.0 (a Spec ID header event, then
 * TCG_PCR_EVENT2 records with a digest per bank), prints it, replays every
 * bank and compares the result with Linux's /sys/class/tpm/tpm0/pcr-<alg>/N.
 */
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "drtm.h"

#define EV_NO_ACTION	3
#define SPEC_ID		"Spec ID Event03"
#define MAX_BANKS	5
#define MAX_DIGEST	64
#define LINUX_BANK_DIR	"/sys/class/tpm/tpm0/pcr-"

/* ---- SHA-256 and SHA-384/512 (FIPS 180-4) ---- */
static const __u32 k256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const __u64 k512[80] = {
	0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL,
	0xe9b5dba58189dbbcULL, 0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL,
	0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL, 0xd807aa98a3030242ULL,
	0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
	0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL,
	0xc19bf174cf692694ULL, 0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL,
	0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL, 0x2de92c6f592b0275ULL,
	0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
	0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL,
	0xbf597fc7beef0ee4ULL, 0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL,
	0x06ca6351e003826fULL, 0x142929670a0e6e70ULL, 0x27b70a8546d22ffcULL,
	0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
	0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL,
	0x92722c851482353bULL, 0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL,
	0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL, 0xd192e819d6ef5218ULL,
	0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
	0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL,
	0x34b0bcb5e19b48a8ULL, 0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL,
	0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL, 0x748f82ee5defb2fcULL,
	0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
	0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL,
	0xc67178f2e372532bULL, 0xca273eceea26619cULL, 0xd186b8c721c0c207ULL,
	0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL, 0x06f067aa72176fbaULL,
	0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
	0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL,
	0x431d67c49c100d4cULL, 0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL,
	0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

static __u32 ror32(__u32 x, int s)
{
	return x >> s | x << (32 - s);
}

static __u64 ror64(__u64 x, int s)
{
	return x >> s | x << (64 - s);
}

static void sha256_block(__u32 h[8], const __u8 *p)
{
	__u32 w[64], a, b, c, d, e, f, g, k, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (__u32)p[4 * i] << 24 | p[4 * i + 1] << 16 |
		       p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 64; i++)
		w[i] = w[i - 16] + w[i - 7] +
		       (ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ w[i - 15] >> 3) +
		       (ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ w[i - 2] >> 10);
	a = h[0]; b = h[1]; c = h[2]; d = h[3];
	e = h[4]; f = h[5]; g = h[6]; k = h[7];
	for (i = 0; i < 64; i++) {
		t1 = k + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) +
		     ((e & f) ^ (~e & g)) + k256[i] + w[i];
		t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		k = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

static void sha512_block(__u64 h[8], const __u8 *p)
{
	__u64 w[80], a, b, c, d, e, f, g, k, t1, t2;
	int i, j;

	for (i = 0; i < 16; i++)
		for (w[i] = 0, j = 0; j < 8; j++)
			w[i] = w[i] << 8 | p[8 * i + j];
	for (; i < 80; i++)
		w[i] = w[i - 16] + w[i - 7] +
		       (ror64(w[i - 15], 1) ^ ror64(w[i - 15], 8) ^ w[i - 15] >> 7) +
		       (ror64(w[i - 2], 19) ^ ror64(w[i - 2], 61) ^ w[i - 2] >> 6);
	a = h[0]; b = h[1]; c = h[2]; d = h[3];
	e = h[4]; f = h[5]; g = h[6]; k = h[7];
	for (i = 0; i < 80; i++) {
		t1 = k + (ror64(e, 14) ^ ror64(e, 18) ^ ror64(e, 41)) +
		     ((e & f) ^ (~e & g)) + k512[i] + w[i];
		t2 = (ror64(a, 28) ^ ror64(a, 34) ^ ror64(a, 39)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		k = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

/*
 * One-shot SHA-256 / SHA-384 / SHA-512 of @len bytes (at most 256: the
 * tool only hashes a PCR value and a digest).
 */
static void sha2(__u16 alg, const __u8 *data, size_t len, __u8 *out)
{
	static const __u32 i256[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	static const __u64 i384[8] = {
		0xcbbb9d5dc1059ed8ULL, 0x629a292a367cd507ULL,
		0x9159015a3070dd17ULL, 0x152fecd8f70e5939ULL,
		0x67332667ffc00b31ULL, 0x8eb44a8768581511ULL,
		0xdb0c2e0d64f98fa7ULL, 0x47b5481dbefa4fa4ULL,
	};
	static const __u64 i512[8] = {
		0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL,
		0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
		0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
		0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
	};
	__u8 buf[384] = { 0 };
	unsigned int blk = alg == ALG_SHA256 ? 64 : 128, lenb = blk / 8;
	size_t n = (len + 1 + lenb + blk - 1) / blk * blk, i;
	__u64 bits = (__u64)len * 8;
	__u32 h32[8];
	__u64 h64[8];

	if (len > 256)
		die("internal: SHA-2 input of %zu bytes", len);
	memcpy(buf, data, len);
	buf[len] = 0x80;
	for (i = 0; i < 8; i++)
		buf[n - 1 - i] = bits >> (8 * i);
	if (alg == ALG_SHA256) {
		memcpy(h32, i256, sizeof(h32));
		for (i = 0; i < n; i += blk)
			sha256_block(h32, buf + i);
		for (i = 0; i < 32; i++)
			out[i] = h32[i / 4] >> (24 - 8 * (i % 4));
		return;
	}
	memcpy(h64, alg == ALG_SHA384 ? i384 : i512, sizeof(h64));
	for (i = 0; i < n; i += blk)
		sha512_block(h64, buf + i);
	for (i = 0; i < (alg == ALG_SHA384 ? 48u : 64u); i++)
		out[i] = h64[i / 8] >> (56 - 8 * (i % 8));
}

/* H(@old || @digest) into @old, for a bank of @alg and @size bytes. */
static int extend(__u16 alg, unsigned int size, __u8 *old, const __u8 *digest)
{
	__u8 cat[2 * MAX_DIGEST];

	memcpy(cat, old, size);
	memcpy(cat + size, digest, size);
	switch (alg) {
	case ALG_SHA1:
		sha1_digest(cat, 2 * size, old);
		return 0;
	case ALG_SHA256:
	case ALG_SHA384:
	case ALG_SHA512:
		sha2(alg, cat, 2 * size, old);
		return 0;
	}
	return -1;
}

const char *tcg2_bank_name(__u16 alg)
{
	switch (alg) {
	case ALG_SHA1:
		return "sha1";
	case ALG_SHA256:
		return "sha256";
	case ALG_SHA384:
		return "sha384";
	case ALG_SHA512:
		return "sha512";
	case ALG_SM3_256:
		return "sm3";
	}
	return "unknown";
}

/* ---- the log ---- */
struct tcg2_log {
	unsigned int nr;
	__u16 alg[MAX_BANKS];
	__u16 size[MAX_BANKS];
	size_t first;		/* offset of the first TCG_PCR_EVENT2 */
};

static __u16 le16(const __u8 *p)
{
	return p[0] | p[1] << 8;
}

int tcg2_is_log(const __u8 *buf, size_t len)
{
	return len >= 32 + 16 && le32(buf + 4) == EV_NO_ACTION &&
	       !memcmp(buf + 32, SPEC_ID, sizeof(SPEC_ID));
}

/* Digest size of a bank's algorithm, 0 if unknown here. */
static unsigned int alg_size(__u16 alg)
{
	switch (alg) {
	case ALG_SHA1:
		return 20;
	case ALG_SHA256:
	case ALG_SM3_256:
		return 32;
	case ALG_SHA384:
		return 48;
	case ALG_SHA512:
		return 64;
	}
	return 0;
}

/* The Spec ID header: the banks every record carries. */
static void parse_header(const __u8 *buf, size_t len, struct tcg2_log *l)
{
	__u32 dsize, n, i;
	const __u8 *p;

	if (!tcg2_is_log(buf, len))
		die("log: no Spec ID Event03 header event");
	dsize = le32(buf + 28);
	if (le32(buf) != 0 || dsize > len - 32 || dsize < 29)
		die("log: bad Spec ID header event");
	p = buf + 32;
	n = le32(p + 24);
	if (!n || n > MAX_BANKS || 28 + 4 * n + 1 > dsize)
		die("log: Spec ID header with %u banks", n);
	l->nr = n;
	for (i = 0; i < n; i++) {
		l->alg[i] = le16(p + 28 + 4 * i);
		l->size[i] = le16(p + 30 + 4 * i);
		if (!l->size[i] || l->size[i] > MAX_DIGEST ||
		    (alg_size(l->alg[i]) && alg_size(l->alg[i]) != l->size[i]))
			die("log: bank %#x with a digest of %u bytes",
			    l->alg[i], l->size[i]);
	}
	if (28 + 4 * n + 1 + p[28 + 4 * n] != dsize)
		die("log: Spec ID header event of a wrong size");
	l->first = 32 + dsize;
}

struct tcg2_ev {
	__u32 pcr, type, size;
	const __u8 *digest[MAX_BANKS];
	const __u8 *data;
};

/* Validate every record and call @fn for each one. */
static int walk(const __u8 *buf, size_t len, const struct tcg2_log *l,
		void (*fn)(const struct tcg2_log *l, const struct tcg2_ev *e,
			   int idx, void *arg), void *arg)
{
	size_t off = l->first;
	struct tcg2_ev e;
	unsigned int b;
	int n = 0;

	while (off < len) {
		if (len - off < 12)
			die("log: record %d: truncated header", n);
		e.pcr = le32(buf + off);
		e.type = le32(buf + off + 4);
		if (le32(buf + off + 8) != l->nr)
			die("log: record %d has %u digests, the header %u banks",
			    n, le32(buf + off + 8), l->nr);
		if (e.pcr >= NR_PCRS)
			die("log: record %d has PCR %u", n, e.pcr);
		off += 12;
		for (b = 0; b < l->nr; b++) {
			if (len - off < 2u + l->size[b] ||
			    le16(buf + off) != l->alg[b])
				die("log: record %d: digest %u is not of bank %#x",
				    n, b, l->alg[b]);
			e.digest[b] = buf + off + 2;
			off += 2 + l->size[b];
		}
		if (len - off < 4 || le32(buf + off) > len - off - 4)
			die("log: record %d: event data beyond the end", n);
		e.size = le32(buf + off);
		e.data = buf + off + 4;
		off += 4 + e.size;
		fn(l, &e, n++, arg);
	}
	return n;
}

static __u32 gap(const struct tcg2_ev *e)
{
	if (e->type != TPM12_DRTM_EV_LOG_GAP || e->size != 16)
		return 0;
	return le32(e->data + 12);
}

static void print_ev(const struct tcg2_log *l, const struct tcg2_ev *e,
		     int idx, void *arg)
{
	char h[2 * MAX_DIGEST + 1];
	__u32 why = gap(e), i;
	unsigned int b;

	(void)arg;
	if (why) {
		printf("%d pcr=%u type=%#x log gap:%s%s\n", idx, e->pcr, e->type,
		       why & 0x1 ? " log full, events missing" : "",
		       why & 0x2 ? " extend outcome unknown" : "");
		return;
	}
	printf("%d pcr=%u type=%#x", idx, e->pcr, e->type);
	for (b = 0; b < l->nr; b++) {
		hex(e->digest[b], l->size[b], h);
		printf(" %s=%s", tcg2_bank_name(l->alg[b]), h);
	}
	printf(" data=\"");
	for (i = 0; i < e->size && i < 256; i++)
		putchar(e->data[i] >= 32 && e->data[i] < 127 && e->data[i] != '"' ?
			e->data[i] : '.');
	printf("\"\n");
}

void tcg2_print_log(const __u8 *buf, size_t len)
{
	struct tcg2_log l;
	unsigned int b;

	parse_header(buf, len, &l);
	printf("# TCG crypto-agile log, banks:");
	for (b = 0; b < l.nr; b++)
		printf(" %s", tcg2_bank_name(l.alg[b]));
	printf("\n");
	walk(buf, len, &l, print_ev, NULL);
}

struct replay {
	__u8 pcr[NR_PCRS][MAX_BANKS][MAX_DIGEST];
	int count[NR_PCRS];
	__u32 gaps;
	int gap_pcr;
};

static void replay_ev(const struct tcg2_log *l, const struct tcg2_ev *e,
		      int idx, void *arg)
{
	struct replay *r = arg;
	unsigned int b;

	(void)idx;
	if (gap(e) || e->type == TPM12_DRTM_EV_LOG_GAP) {
		r->gaps |= gap(e) ? gap(e) : 0x2;
		r->gap_pcr = e->pcr;
		return;
	}
	if (e->type == EV_NO_ACTION)
		return;
	for (b = 0; b < l->nr; b++)
		if (extend(l->alg[b], l->size[b], r->pcr[e->pcr][b],
			   e->digest[b]))
			die("log: cannot replay bank %s here",
			    tcg2_bank_name(l->alg[b]));
	r->count[e->pcr]++;
}

/*
 * Linux's value of @pcr in the bank of @alg (hex in the sysfs file
 * @dir<bank>/<pcr>; @dir is LINUX_BANK_DIR or a copy's "DIR/pcr-").
 */
static int linux_pcr(const char *dir, __u16 alg, unsigned int size, int pcr,
		     __u8 *out)
{
	char path[4096], line[2 * MAX_DIGEST + 8];
	unsigned int i, v;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s/%d", dir, tcg2_bank_name(alg), pcr);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	for (i = 0; i < size; i++) {
		if (sscanf(line + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = v;
	}
	return 0;
}

/*
 * Replay from PCRs 17-22 all ones (@ff) or all zero, or from the values
 * in @start ("DIR/pcr-": a copy of Linux's pcr-<bank> directories taken
 * before the log began).
 */
static void replay(const __u8 *buf, size_t len, int ff, const char *start,
		   struct tcg2_log *l, struct replay *r)
{
	unsigned int b;
	int i;

	parse_header(buf, len, l);
	memset(r, 0, sizeof(*r));
	for (i = 17; i <= 22 && ff; i++)
		memset(r->pcr[i], 0xff, sizeof(r->pcr[i]));
	for (i = 0; i < NR_PCRS && start; i++)
		for (b = 0; b < l->nr; b++)
			if (linux_pcr(start, l->alg[b], l->size[b], i,
				      r->pcr[i][b]))
				die("verify: --start: no %s%s/%d", start,
				    tcg2_bank_name(l->alg[b]), i);
	walk(buf, len, l, replay_ev, r);
}

/* `drtm replay`: the replayed value of every PCR the log extends. */
void tcg2_print_replay(const __u8 *buf, size_t len, int ff)
{
	char h[2 * MAX_DIGEST + 1];
	struct tcg2_log l;
	struct replay r;
	unsigned int b;
	int i;

	replay(buf, len, ff, NULL, &l, &r);
	for (b = 0; b < l.nr; b++)
		for (i = 0; i < NR_PCRS; i++) {
			if (!r.count[i])
				continue;
			hex(r.pcr[i][b], l.size[b], h);
			printf("%s:%d: %s\n", tcg2_bank_name(l.alg[b]), i, h);
		}
}

int tcg2_verify(const __u8 *buf, size_t len, int ff, const char *startdir)
{
	char start[4096];
	char a[2 * MAX_DIGEST + 1], c[2 * MAX_DIGEST + 1];
	__u8 tpm[MAX_DIGEST];
	int i, bad = 0, checked = 0;
	struct tcg2_log l;
	struct replay r;
	unsigned int b;

	if (startdir)
		snprintf(start, sizeof(start), "%s/pcr-", startdir);
	replay(buf, len, ff, startdir ? start : NULL, &l, &r);
	for (i = 0; i < NR_PCRS; i++) {
		if (!r.count[i])
			continue;
		for (b = 0; b < l.nr; b++) {
			const char *name = tcg2_bank_name(l.alg[b]);

			if (linux_pcr(LINUX_BANK_DIR, l.alg[b], l.size[b], i,
				      tpm))
				die("verify: cannot read " LINUX_BANK_DIR "%s/%d",
				    name, i);
			checked++;
			hex(r.pcr[i][b], l.size[b], a);
			hex(tpm, l.size[b], c);
			if (memcmp(r.pcr[i][b], tpm, l.size[b])) {
				fprintf(stderr, "drtm: verify: PCR-%02d %s: replay %s, Linux %s\n",
					i, name, a, c);
				bad++;
			} else {
				printf("PCR-%02d %s: %s matches (%d events)\n",
				       i, name, a, r.count[i]);
			}
		}
	}
	if (r.gaps) {
		fprintf(stderr, "drtm: verify: log marked incomplete (PCR-%02d:%s%s)\n",
			r.gap_pcr,
			r.gaps & 0x1 ? " log full, events missing" : "",
			r.gaps & 0x2 ? " extend outcome unknown" : "");
		return 1;
	}
	if (bad)
		return 1;
	printf("verify: %d PCR bank value(s) match " LINUX_BANK_DIR "<bank>/<n>\n",
	       checked);
	return 0;
}

static void put_be16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put_be32(__u8 *p, __u32 v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v);
}

/*
 * TPM2_PCR_Extend of @pcr with a digest (all 0xa5) for every bank Linux
 * sees (its pcr-<bank> directories), authorized by an empty password: the
 * command tpm12_drtm sends, for sending through /dev/tpm0. Returns its
 * size; 0 if Linux's TPM is not a TPM 2.0.
 */
size_t tcg2_build_extend(__u8 *buf, size_t size, int pcr)
{
	static const __u16 algs[] = {
		ALG_SHA1, ALG_SHA256, ALG_SHA384, ALG_SHA512, ALG_SM3_256
	};
	static const __u16 sizes[] = { 20, 32, 48, 64, 32 };
	size_t off = 10 + 4 + 4 + 9 + 4;
	__u32 n = 0, i;
	const __u32 nr_algs = 5;
	char path[96];

	if (size < off)
		return 0;
	for (i = 0; i < nr_algs; i++) {
		snprintf(path, sizeof(path), LINUX_BANK_DIR "%s",
			 tcg2_bank_name(algs[i]));
		if (access(path, F_OK))
			continue;
		if (off + 2 + sizes[i] > size)
			die("bench-extend: command buffer too small");
		put_be16(buf + off, algs[i]);
		memset(buf + off + 2, 0xa5, sizes[i]);
		off += 2 + sizes[i];
		n++;
	}
	if (!n)
		return 0;
	put_be16(buf, 0x8002);			/* TPM_ST_SESSIONS */
	put_be32(buf + 2, off);
	put_be32(buf + 6, 0x182);		/* TPM_CC_PCR_Extend */
	put_be32(buf + 10, pcr);
	put_be32(buf + 14, 9);			/* authorization size */
	put_be32(buf + 18, 0x40000009);		/* TPM_RS_PW */
	memset(buf + 22, 0, 5);			/* nonce, attributes, hmac */
	put_be32(buf + 27, n);
	return off;
}
