// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for tpm12_drtm's TPM 2.0 command layer (tpm2.c): the commands
 * byte for byte as the TPM 2.0 library specification (part 3) lays them
 * out, the responses accepted and refused, and the response codes by name.
 * The expected bytes are written out here by hand from the specification's
 * tables, not produced by the code under test; the responses marked so are
 * what swtpm (libtpms) in TPM 2.0 mode answered to these very commands (its
 * PCR_Extend answer at locality 0 is TPM_RC_LOCALITY, 0x907; at locality 2
 * the 19-byte success below).
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/tpm.h>
#include <hvsec/compat.h>
#include "../drivers/tpm12_drtm/tpm2.h"

static void tpm2_rc_names(struct kunit *test)
{
	static const struct {
		u32 rc;
		const char *name;
	} t[] = {
		{ 0x000, "TPM_RC_SUCCESS" },
		{ 0x907, "TPM_RC_LOCALITY" },
		{ 0x922, "TPM_RC_RETRY" },
		{ 0x90a, "TPM_RC_TESTING" },
		{ 0x908, "TPM_RC_YIELDED" },
		{ 0x100, "TPM_RC_INITIALIZE" },
		{ 0x101, "TPM_RC_FAILURE" },
		{ 0x143, "TPM_RC_COMMAND_CODE" },
		{ 0x084, "TPM_RC_VALUE" },
		/* format one: error 4, parameter 1 (P, N = 1) */
		{ 0x1c4, "TPM_RC_VALUE (parameter 1)" },
		{ 0x2c4, "TPM_RC_VALUE (parameter 2)" },
		/* error 0xb, handle 1 (N = 1) */
		{ 0x18b, "TPM_RC_HANDLE (handle 1)" },
		/* error 0x22, session 1 (N = 8 + 1) */
		{ 0x9a2, "TPM_RC_BAD_AUTH (session 1)" },
		{ 0x08e, "TPM_RC_AUTH_FAIL" },
		{ 0x0bf, "TPM_RC_FMT1_0xbf" },
		{ 0x03d, "TPM 1.2 or unknown response code 0x3d" },
		{ 0x500, "vendor response code 0x500" },
		{ 0x17f, "TPM_RC_VER1_0x17f" },
		{ 0x97f, "TPM_RC_WARN_0x97f" },
		{ 0x1000, "TPM 1.2 or unknown response code 0x1000" },
	};
	char buf[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++)
		KUNIT_EXPECT_STREQ_MSG(test,
				       drtm_tpm2_rc_name(t[i].rc, buf, sizeof(buf)),
				       t[i].name, "rc %#x", t[i].rc);
	/* A short buffer is never overrun and stays terminated. */
	KUNIT_EXPECT_STREQ(test, drtm_tpm2_rc_name(0x1c4, buf, 8), "TPM_RC_");
}

static void tpm2_rc_errnos(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, drtm_tpm2_rc_errno(0x907), -EACCES);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_rc_errno(0x922), -EAGAIN);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_rc_errno(0x90a), -EAGAIN);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_rc_errno(0x908), -EAGAIN);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_rc_errno(0x9a2), -EPERM);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_rc_errno(0x08e), -EPERM);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_rc_errno(0x1c4), -EINVAL);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_rc_errno(0x18b), -EINVAL);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_rc_errno(0x101), -EIO);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_rc_errno(0x03d), -EIO);
}

static void tpm2_alg_sizes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, drtm_tpm2_alg_size(TPM_ALG_SHA1), 20);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_alg_size(TPM_ALG_SHA256), 32);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_alg_size(TPM_ALG_SHA384), 48);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_alg_size(TPM_ALG_SHA512), 64);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_alg_size(TPM_ALG_SM3_256), 32);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_alg_size(0x0027), 0);	/* SHA3-256 */
	KUNIT_EXPECT_EQ(test, drtm_tpm2_alg_size(0), 0);
}

/* TPM2_PCR_Extend(PCR 17, {SHA-1: 0x11 x 20, SHA-256: 0x22 x 32}). */
static void tpm2_pcr_extend_command(struct kunit *test)
{
	static const u8 head[] = {
		0x80, 0x02,			/* TPM_ST_SESSIONS */
		0x00, 0x00, 0x00, 0x57,		/* 87 bytes */
		0x00, 0x00, 0x01, 0x82,		/* TPM_CC_PCR_Extend */
		0x00, 0x00, 0x00, 0x11,		/* pcrHandle 17 */
		0x00, 0x00, 0x00, 0x09,		/* authorizationSize */
		0x40, 0x00, 0x00, 0x09,		/* TPM_RS_PW */
		0x00, 0x00,			/* nonce: empty */
		0x00,				/* sessionAttributes */
		0x00, 0x00,			/* hmac: empty password */
		0x00, 0x00, 0x00, 0x02,		/* TPML_DIGEST_VALUES.count */
		0x00, 0x04,			/* TPM_ALG_SHA1 */
	};
	struct drtm_tpm2_banks banks = {
		.nr = 2, .alg = { TPM_ALG_SHA1, TPM_ALG_SHA256 },
	};
	u8 digests[52], want[87], buf[128];
	ssize_t n;

	memset(digests, 0x11, 20);
	memset(digests + 20, 0x22, 32);
	memcpy(want, head, sizeof(head));
	memset(want + sizeof(head), 0x11, 20);
	want[sizeof(head) + 20] = 0x00;		/* TPM_ALG_SHA256 */
	want[sizeof(head) + 21] = 0x0b;
	memset(want + sizeof(head) + 22, 0x22, 32);

	n = drtm_tpm2_build_pcr_extend(buf, sizeof(buf), 17, &banks, digests);
	KUNIT_ASSERT_EQ(test, n, (ssize_t)sizeof(want));
	KUNIT_EXPECT_MEMEQ(test, buf, want, sizeof(want));
	KUNIT_EXPECT_EQ(test, drtm_tpm2_build_pcr_extend(buf, sizeof(want) - 1,
							 17, &banks, digests),
			(ssize_t)-E2BIG);
}

static void tpm2_pcr_extend_responses(struct kunit *test)
{
	static const u8 ok[] = {
		0x80, 0x02, 0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,		/* parameterSize */
		0x00, 0x00, 0x01, 0x00, 0x00,	/* nonce, continue, hmac */
	};
	static const u8 locality[] = {
		0x80, 0x01, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x09, 0x07,
	};
	u8 bad[sizeof(ok) + 1];
	u32 rc;

	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcr_extend(ok, sizeof(ok), &rc), 0);
	KUNIT_EXPECT_EQ(test, rc, 0);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcr_extend(locality,
							 sizeof(locality), &rc),
			-EACCES);
	KUNIT_EXPECT_EQ(test, rc, 0x907);

	/* The size field is not what arrived. */
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcr_extend(ok, sizeof(ok) - 1, &rc),
			-EPROTO);
	/* One byte too many, size field matching. */
	memcpy(bad, ok, sizeof(ok));
	bad[sizeof(ok)] = 0;
	bad[5] = sizeof(bad);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcr_extend(bad, sizeof(bad), &rc),
			-EPROTO);
	/* Success without sessions. */
	memcpy(bad, ok, sizeof(ok));
	bad[1] = 0x01;
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcr_extend(bad, sizeof(ok), &rc),
			-EPROTO);
	/* A non-empty acknowledgment of the password session. */
	memcpy(bad, ok, sizeof(ok));
	bad[18] = 1;
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcr_extend(bad, sizeof(ok), &rc),
			-EPROTO);
	/* An error response with a body. */
	memcpy(bad, ok, sizeof(ok));
	bad[1] = 0x01;
	bad[8] = 0x09;
	bad[9] = 0x22;
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcr_extend(bad, sizeof(ok), &rc),
			-EPROTO);
	/* Shorter than a header. */
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcr_extend(ok, 9, &rc), -EPROTO);
}

static void tpm2_get_pcrs_command(struct kunit *test)
{
	static const u8 want[] = {
		0x80, 0x01, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x01, 0x7a,
		0x00, 0x00, 0x00, 0x05,		/* TPM_CAP_PCRS */
		0x00, 0x00, 0x00, 0x00,		/* property */
		0x00, 0x00, 0x00, 0x01,		/* propertyCount */
	};
	u8 buf[TPM2_GET_PCRS_SIZE];

	KUNIT_ASSERT_EQ(test, drtm_tpm2_build_get_pcrs(buf), sizeof(want));
	KUNIT_EXPECT_MEMEQ(test, buf, want, sizeof(want));
}

/* A TPM_CAP_PCRS response with @n selections of 3 bytes each. */
static size_t pcrs_rsp(u8 *buf, const u16 *alg, const u32 *sel,
		       unsigned int n)
{
	size_t len = 10 + 1 + 4 + 4 + n * 6;
	unsigned int i;

	memset(buf, 0, len);
	buf[0] = 0x80;
	buf[1] = 0x01;
	buf[5] = len;
	buf[14] = 0x05;
	buf[18] = n;
	for (i = 0; i < n; i++) {
		u8 *p = buf + 19 + i * 6;

		p[0] = alg[i] >> 8;
		p[1] = alg[i];
		p[2] = 3;
		p[3] = sel[i];
		p[4] = sel[i] >> 8;
		p[5] = sel[i] >> 16;
	}
	return len;
}

static void tpm2_pcrs_parsed(struct kunit *test)
{
	static const u16 alg[] = { TPM_ALG_SHA1, TPM_ALG_SHA256,
				   TPM_ALG_SHA384 };
	/* SHA-384 allocated but without PCRs 16-23: not a DRTM bank. */
	static const u32 sel[] = { 0xffffff, 0xffffff, 0x00ffff };
	struct drtm_tpm2_banks b;
	u8 buf[64];
	size_t len = pcrs_rsp(buf, alg, sel, 3);
	u32 rc;

	KUNIT_ASSERT_EQ(test, drtm_tpm2_parse_pcrs(buf, len, &b, &rc), 0);
	KUNIT_EXPECT_EQ(test, b.nr, 2);
	KUNIT_EXPECT_EQ(test, b.alg[0], TPM_ALG_SHA1);
	KUNIT_EXPECT_EQ(test, b.alg[1], TPM_ALG_SHA256);

	/* The literal bytes of one SHA-256 bank with PCR 18 only. */
	{
		static const u8 one[] = {
			0x80, 0x01, 0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
			0x01, 0x00, 0x0b, 0x03, 0x00, 0x00, 0x04,
		};

		KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcrs(one, sizeof(one),
							   &b, &rc), 0);
		KUNIT_EXPECT_EQ(test, b.nr, 1);
		KUNIT_EXPECT_EQ(test, b.alg[0], TPM_ALG_SHA256);
	}
}

/* swtpm 0.7 (libtpms) in TPM 2.0 mode: four banks of 24 PCRs. */
static void tpm2_pcrs_libtpms(struct kunit *test)
{
	static const u8 rsp[] = {
		0x80, 0x01, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x04, 0x03, 0xff, 0xff, 0xff, 0x00, 0x0b, 0x03, 0xff, 0xff,
		0xff, 0x00, 0x0c, 0x03, 0xff, 0xff, 0xff, 0x00, 0x0d, 0x03,
		0xff, 0xff, 0xff,
	};
	struct drtm_tpm2_banks b;
	u32 rc;

	KUNIT_ASSERT_EQ(test, drtm_tpm2_parse_pcrs(rsp, sizeof(rsp), &b, &rc),
			0);
	KUNIT_ASSERT_EQ(test, b.nr, 4);
	KUNIT_EXPECT_EQ(test, b.alg[0], TPM_ALG_SHA1);
	KUNIT_EXPECT_EQ(test, b.alg[1], TPM_ALG_SHA256);
	KUNIT_EXPECT_EQ(test, b.alg[2], TPM_ALG_SHA384);
	KUNIT_EXPECT_EQ(test, b.alg[3], TPM_ALG_SHA512);
}

static void tpm2_pcrs_refused(struct kunit *test)
{
	static const u16 sha3[] = { TPM_ALG_SHA256, 0x0027 };
	static const u16 six[] = { 4, 4, 4, 4, 4, 4 };
	static const u32 all[] = { 0xffffff, 0xffffff, 0xffffff, 0xffffff,
				   0xffffff, 0xffffff };
	static const u32 low[] = { 0x00ffff };
	struct drtm_tpm2_banks b;
	u8 buf[64];
	size_t len;
	u32 rc;

	/* A bank with the DRTM PCRs that cannot be hashed here. */
	len = pcrs_rsp(buf, sha3, all, 2);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcrs(buf, len, &b, &rc),
			-EOPNOTSUPP);
	/*
	 * The same bank listed again (here six times): the value buffers
	 * hold one digest per algorithm, so it is malformed.
	 */
	len = pcrs_rsp(buf, six, all, 6);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcrs(buf, len, &b, &rc), -EPROTO);
	len = pcrs_rsp(buf, six, all, 2);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcrs(buf, len, &b, &rc), -EPROTO);
	/* No bank with PCRs 17 and 18. */
	len = pcrs_rsp(buf, sha3, low, 1);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcrs(buf, len, &b, &rc),
			-EOPNOTSUPP);
	/* A selection cut short, and a byte after the last. */
	len = pcrs_rsp(buf, sha3, all, 1);
	buf[5] = len - 1;
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcrs(buf, len - 1, &b, &rc),
			-EPROTO);
	len = pcrs_rsp(buf, sha3, all, 1);
	buf[5] = len + 1;
	buf[len] = 0;
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcrs(buf, len + 1, &b, &rc),
			-EPROTO);
	/* Another capability. */
	len = pcrs_rsp(buf, sha3, all, 1);
	buf[14] = 0x06;
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcrs(buf, len, &b, &rc), -EPROTO);
	/* The TPM's error. */
	{
		static const u8 err[] = { 0x80, 0x01, 0x00, 0x00, 0x00, 0x0a,
					  0x00, 0x00, 0x01, 0x01 };

		KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcrs(err, sizeof(err),
							   &b, &rc), -EIO);
		KUNIT_EXPECT_EQ(test, rc, 0x101);
	}
	/*
	 * A malformed "error" (sessions tag, bytes after the header): no TPM
	 * code of it, so that a command it answers counts as may-have-run.
	 */
	{
		static const u8 bad[] = { 0x80, 0x02, 0x00, 0x00, 0x00, 0x0c,
					  0x00, 0x00, 0x01, 0x82, 0x00, 0x00 };

		KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcrs(bad, sizeof(bad),
							   &b, &rc), -EPROTO);
		KUNIT_EXPECT_EQ(test, rc, 0);
	}
}

static void tpm2_pcr_read(struct kunit *test)
{
	static const u8 cmd[] = {
		0x80, 0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x01, 0x7e,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x0b, 0x03, 0x00, 0x00, 0x02,
	};
	static const u8 empty[] = {
		0x80, 0x01, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00,
	};
	/* libtpms's answer for a PCR its SHA-256 bank does not have. */
	static const u8 unallocated[] = {
		0x80, 0x01, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x01, 0x00, 0x0b,
		0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	/* ... and for a bank it does not have (TPM_RC_HASH, parameter 1). */
	static const u8 nobank[] = {
		0x80, 0x01, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0xc3,
	};
	u8 buf[64], rsp[62], val[32];
	u32 rc;

	KUNIT_ASSERT_EQ(test, drtm_tpm2_build_pcr_read(buf, 17, TPM_ALG_SHA256),
			sizeof(cmd));
	KUNIT_EXPECT_MEMEQ(test, buf, cmd, sizeof(cmd));

	/* Counter 7, PCR 17 of SHA-256, one digest of 32 bytes 0x5a. */
	memset(rsp, 0, sizeof(rsp));
	rsp[0] = 0x80;
	rsp[1] = 0x01;
	rsp[5] = sizeof(rsp);
	rsp[13] = 7;
	rsp[17] = 1;
	rsp[19] = 0x0b;
	rsp[20] = 3;
	rsp[23] = 0x02;
	rsp[27] = 1;
	rsp[29] = 32;
	memset(rsp + 30, 0x5a, 32);
	KUNIT_ASSERT_EQ(test, drtm_tpm2_parse_pcr_read(rsp, sizeof(rsp), 17,
						       TPM_ALG_SHA256, val, &rc),
			0);
	KUNIT_EXPECT_EQ(test, val[0], 0x5a);
	KUNIT_EXPECT_EQ(test, val[31], 0x5a);

	/* Another PCR, another bank, a short digest: refused. */
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcr_read(rsp, sizeof(rsp), 18,
						       TPM_ALG_SHA256, val, &rc),
			-EPROTO);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcr_read(rsp, sizeof(rsp), 17,
						       TPM_ALG_SM3_256, val, &rc),
			-EPROTO);
	rsp[29] = 20;
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcr_read(rsp, sizeof(rsp), 17,
						       TPM_ALG_SHA256, val, &rc),
			-EPROTO);
	/* No such PCR in the bank: no digest. */
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcr_read(empty, sizeof(empty), 17,
						       TPM_ALG_SHA256, val, &rc),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcr_read(unallocated,
						       sizeof(unallocated), 17,
						       TPM_ALG_SHA256, val, &rc),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcr_read(nobank, sizeof(nobank),
						       17, TPM_ALG_SM3_256, val,
						       &rc),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, rc, 0x1c3);
	/* Bad arguments. */
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcr_read(rsp, sizeof(rsp), 24,
						       TPM_ALG_SHA256, val, &rc),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, drtm_tpm2_parse_pcr_read(rsp, sizeof(rsp), 17,
						       0x0027, val, &rc),
			-EINVAL);
}

static struct kunit_case tpm12_drtm_tpm2_cases[] = {
	KUNIT_CASE(tpm2_rc_names),
	KUNIT_CASE(tpm2_rc_errnos),
	KUNIT_CASE(tpm2_alg_sizes),
	KUNIT_CASE(tpm2_pcr_extend_command),
	KUNIT_CASE(tpm2_pcr_extend_responses),
	KUNIT_CASE(tpm2_get_pcrs_command),
	KUNIT_CASE(tpm2_pcrs_parsed),
	KUNIT_CASE(tpm2_pcrs_libtpms),
	KUNIT_CASE(tpm2_pcrs_refused),
	KUNIT_CASE(tpm2_pcr_read),
	{}
};

static struct kunit_suite tpm12_drtm_tpm2_suite = {
	.name = "tpm12_drtm_tpm2",
	.test_cases = tpm12_drtm_tpm2_cases,
};

kunit_test_suite(tpm12_drtm_tpm2_suite);

MODULE_DESCRIPTION("KUnit tests for tpm12_drtm's TPM 2.0 command layer");
MODULE_LICENSE("GPL");
HVSEC_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
