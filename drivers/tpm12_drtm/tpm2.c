// SPDX-License-Identifier: GPL-2.0
/*
 * TPM 2.0 command layer of tpm12_drtm: building and checking the commands a
 * DRTM needs on a TPM 2.0 (TPM2_GetCapability(TPM_CAP_PCRS) for the active
 * PCR banks, TPM2_PCR_Extend with a digest for every bank, TPM2_PCR_Read),
 * and response codes decoded by name. Pure functions over byte buffers, so
 * that the same code serves every transport (TIS/FIFO, CRB, or Linux's own
 * driver as a witness) and KUnit checks it byte for byte; at the end, the
 * same commands sent over the TIS/PTP FIFO transport.
 *
 * Every response is checked for its exact size and for echoing what was
 * asked; anything else is -EPROTO with the reason in one line. A TPM
 * response code is returned in *@rc and as a negative errno.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/tpm.h>
#include <hvsec/compat.h>
#include <kunit/visibility.h>
#include "internal.h"

/* Names of format-zero TPM 2.0 errors (TPM_RC_VER1 + n). */
static const char * const rc_ver1[] = {
	[0x00] = "TPM_RC_INITIALIZE",	[0x01] = "TPM_RC_FAILURE",
	[0x03] = "TPM_RC_SEQUENCE",	[0x0b] = "TPM_RC_PRIVATE",
	[0x19] = "TPM_RC_HMAC",		[0x20] = "TPM_RC_DISABLED",
	[0x21] = "TPM_RC_EXCLUSIVE",	[0x24] = "TPM_RC_AUTH_TYPE",
	[0x25] = "TPM_RC_AUTH_MISSING",	[0x26] = "TPM_RC_POLICY",
	[0x27] = "TPM_RC_PCR",		[0x28] = "TPM_RC_PCR_CHANGED",
	[0x2d] = "TPM_RC_UPGRADE",	[0x2e] = "TPM_RC_TOO_MANY_CONTEXTS",
	[0x2f] = "TPM_RC_AUTH_UNAVAILABLE", [0x30] = "TPM_RC_REBOOT",
	[0x31] = "TPM_RC_UNBALANCED",	[0x42] = "TPM_RC_COMMAND_SIZE",
	[0x43] = "TPM_RC_COMMAND_CODE",	[0x44] = "TPM_RC_AUTHSIZE",
	[0x45] = "TPM_RC_AUTH_CONTEXT",	[0x46] = "TPM_RC_NV_RANGE",
	[0x47] = "TPM_RC_NV_SIZE",	[0x48] = "TPM_RC_NV_LOCKED",
	[0x49] = "TPM_RC_NV_AUTHORIZATION", [0x4a] = "TPM_RC_NV_UNINITIALIZED",
	[0x4b] = "TPM_RC_NV_SPACE",	[0x4c] = "TPM_RC_NV_DEFINED",
	[0x50] = "TPM_RC_BAD_CONTEXT",	[0x51] = "TPM_RC_CPHASH",
	[0x52] = "TPM_RC_PARENT",	[0x53] = "TPM_RC_NEEDS_TEST",
	[0x54] = "TPM_RC_NO_RESULT",	[0x55] = "TPM_RC_SENSITIVE",
};

/* Names of format-zero warnings (TPM_RC_WARN + n). */
static const char * const rc_warn[] = {
	[0x01] = "TPM_RC_CONTEXT_GAP",	[0x02] = "TPM_RC_OBJECT_MEMORY",
	[0x03] = "TPM_RC_SESSION_MEMORY", [0x04] = "TPM_RC_MEMORY",
	[0x05] = "TPM_RC_SESSION_HANDLES", [0x06] = "TPM_RC_OBJECT_HANDLES",
	[0x07] = "TPM_RC_LOCALITY",	[0x08] = "TPM_RC_YIELDED",
	[0x09] = "TPM_RC_CANCELED",	[0x0a] = "TPM_RC_TESTING",
	[0x10] = "TPM_RC_REFERENCE_H0",	[0x11] = "TPM_RC_REFERENCE_H1",
	[0x12] = "TPM_RC_REFERENCE_H2",	[0x13] = "TPM_RC_REFERENCE_H3",
	[0x14] = "TPM_RC_REFERENCE_H4",	[0x15] = "TPM_RC_REFERENCE_H5",
	[0x16] = "TPM_RC_REFERENCE_H6",	[0x18] = "TPM_RC_REFERENCE_S0",
	[0x19] = "TPM_RC_REFERENCE_S1",	[0x1a] = "TPM_RC_REFERENCE_S2",
	[0x1b] = "TPM_RC_REFERENCE_S3",	[0x1c] = "TPM_RC_REFERENCE_S4",
	[0x1d] = "TPM_RC_REFERENCE_S5",	[0x1e] = "TPM_RC_REFERENCE_S6",
	[0x20] = "TPM_RC_NV_RATE",	[0x21] = "TPM_RC_LOCKOUT",
	[0x22] = "TPM_RC_RETRY",	[0x23] = "TPM_RC_NV_UNAVAILABLE",
};

/* Names of format-one errors (TPM_RC_FMT1 + n). */
static const char * const rc_fmt1[] = {
	[0x01] = "TPM_RC_ASYMMETRIC",	[0x02] = "TPM_RC_ATTRIBUTES",
	[0x03] = "TPM_RC_HASH",		[0x04] = "TPM_RC_VALUE",
	[0x05] = "TPM_RC_HIERARCHY",	[0x07] = "TPM_RC_KEY_SIZE",
	[0x08] = "TPM_RC_MGF",		[0x09] = "TPM_RC_MODE",
	[0x0a] = "TPM_RC_TYPE",		[0x0b] = "TPM_RC_HANDLE",
	[0x0c] = "TPM_RC_KDF",		[0x0d] = "TPM_RC_RANGE",
	[0x0e] = "TPM_RC_AUTH_FAIL",	[0x0f] = "TPM_RC_NONCE",
	[0x10] = "TPM_RC_PP",		[0x12] = "TPM_RC_SCHEME",
	[0x15] = "TPM_RC_SIZE",		[0x16] = "TPM_RC_SYMMETRIC",
	[0x17] = "TPM_RC_TAG",		[0x18] = "TPM_RC_SELECTOR",
	[0x1a] = "TPM_RC_INSUFFICIENT",	[0x1b] = "TPM_RC_SIGNATURE",
	[0x1c] = "TPM_RC_KEY",		[0x1d] = "TPM_RC_POLICY_FAIL",
	[0x1f] = "TPM_RC_INTEGRITY",	[0x20] = "TPM_RC_TICKET",
	[0x21] = "TPM_RC_RESERVED_BITS", [0x22] = "TPM_RC_BAD_AUTH",
	[0x23] = "TPM_RC_EXPIRED",	[0x24] = "TPM_RC_POLICY_CC",
	[0x25] = "TPM_RC_BINDING",	[0x26] = "TPM_RC_CURVE",
	[0x27] = "TPM_RC_ECC_POINT",
};

#define RC_FMT1		BIT(7)
#define RC_VER1		BIT(8)
#define RC_VENDOR	BIT(10)
#define RC_WARN		BIT(11)
#define RC_FMT1_P	BIT(6)
#define RC_FMT1_ERR	GENMASK(5, 0)
#define RC_FMT1_N	GENMASK(11, 8)
#define RC_FMT0_ERR	GENMASK(6, 0)

static const char *rc_lookup(const char * const *t, size_t n, u32 i)
{
	return i < n ? t[i] : NULL;
}

/**
 * drtm_tpm2_rc_name() - a TPM 2.0 response code, by name
 * @rc: the response code
 * @buf: where to write the name
 * @len: size of @buf
 *
 * Format-zero codes are named as the TPM 2.0 library specification names
 * them (errors, warnings); format-one codes add which handle, session or
 * parameter they concern, e.g. "TPM_RC_VALUE (parameter 1)". Vendor codes,
 * TPM 1.2 codes and unknown ones are given in hex.
 *
 * Return: @buf.
 */
const char *drtm_tpm2_rc_name(u32 rc, char *buf, size_t len)
{
	const char *name;
	u32 n;

	if (rc == TPM2_RC_SUCCESS) {
		strscpy(buf, "TPM_RC_SUCCESS", len);
		return buf;
	}
	if (rc & RC_FMT1) {
		name = rc_lookup(rc_fmt1, ARRAY_SIZE(rc_fmt1),
				 FIELD_GET(RC_FMT1_ERR, rc));
		n = FIELD_GET(RC_FMT1_N, rc);
		if (!name)
			snprintf(buf, len, "TPM_RC_FMT1_%#x", rc);
		else if (rc & RC_FMT1_P)
			snprintf(buf, len, "%s (parameter %u)", name, n);
		else if (n & 8)
			snprintf(buf, len, "%s (session %u)", name, n & 7);
		else if (n)
			snprintf(buf, len, "%s (handle %u)", name, n);
		else
			strscpy(buf, name, len);
		return buf;
	}
	if (!(rc & RC_VER1) || rc > GENMASK(11, 0)) {
		snprintf(buf, len, "TPM 1.2 or unknown response code %#x", rc);
		return buf;
	}
	if (rc & RC_VENDOR) {
		snprintf(buf, len, "vendor response code %#x", rc);
		return buf;
	}
	name = rc & RC_WARN ?
	       rc_lookup(rc_warn, ARRAY_SIZE(rc_warn), rc & RC_FMT0_ERR) :
	       rc_lookup(rc_ver1, ARRAY_SIZE(rc_ver1), rc & RC_FMT0_ERR);
	if (name)
		strscpy(buf, name, len);
	else
		snprintf(buf, len, "TPM_RC_%s_%#x", rc & RC_WARN ? "WARN" : "VER1",
			 rc);
	return buf;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_rc_name);

/**
 * drtm_tpm2_rc_errno() - a negative errno for a non-zero response code
 * @rc: the response code
 *
 * Return: -EAGAIN for the warnings that ask to send the command again
 * (TPM_RC_RETRY, TPM_RC_TESTING, TPM_RC_YIELDED), -EACCES for
 * TPM_RC_LOCALITY (the command is not allowed at this locality), -EPERM for
 * authorization failures, -EINVAL for a bad handle, value or size, and
 * -EIO otherwise.
 */
int drtm_tpm2_rc_errno(u32 rc)
{
	switch (rc) {
	case TPM2_RC_RETRY:
	case TPM2_RC_TESTING:
	case TPM2_RC_YIELDED:
		return -EAGAIN;
	case TPM2_RC_LOCALITY:
		return -EACCES;
	}
	if (rc & RC_FMT1) {
		switch (FIELD_GET(RC_FMT1_ERR, rc) | RC_FMT1) {
		case TPM2_RC_AUTH_FAIL:
		case TPM2_RC_BAD_AUTH:
			return -EPERM;
		case TPM2_RC_HANDLE:
		case TPM2_RC_VALUE:
		case TPM2_RC_SIZE:
		case TPM2_RC_HASH:
			return -EINVAL;
		}
	}
	return -EIO;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_rc_errno);

/**
 * drtm_tpm2_alg_size() - digest size of a TPM 2.0 hash algorithm
 * @alg: TPM_ALG_ID
 *
 * Return: the size in bytes, or 0 for an algorithm the driver cannot hash.
 */
unsigned int drtm_tpm2_alg_size(u16 alg)
{
	switch (alg) {
	case TPM_ALG_SHA1:
		return 20;
	case TPM_ALG_SHA256:
	case TPM_ALG_SM3_256:
		return 32;
	case TPM_ALG_SHA384:
		return 48;
	case TPM_ALG_SHA512:
		return 64;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_alg_size);

/**
 * drtm_tpm2_alg_name() - the kernel's name of a bank's hash
 * @alg: TPM_ALG_ID
 *
 * Also the name of Linux's /sys/class/tpm/tpm0/pcr-<name> directory.
 *
 * Return: "sha1", "sha256", "sha384", "sha512", "sm3", or NULL.
 */
const char *drtm_tpm2_alg_name(u16 alg)
{
	switch (alg) {
	case TPM_ALG_SHA1:
		return "sha1";
	case TPM_ALG_SHA256:
		return "sha256";
	case TPM_ALG_SHA384:
		return "sha384";
	case TPM_ALG_SHA512:
		return "sha512";
	case TPM_ALG_SM3_256:
		return "sm3";
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_alg_name);

static void put_hdr(u8 *buf, u16 tag, u32 size, u32 cc)
{
	put_unaligned_be16(tag, buf);
	put_unaligned_be32(size, buf + 2);
	put_unaligned_be32(cc, buf + 6);
}

/*
 * Checks a response header: its tag, that its size field is the number of
 * bytes received, and its code. Return: 0 for success, the TPM's errno
 * (with *@rc) for a TPM error, -EPROTO for a malformed header.
 */
static int check_hdr(const u8 *rsp, size_t len, u16 tag, u32 *rc)
{
	u16 t;

	*rc = 0;
	if (len < TPM2_HDR_SIZE) {
		pr_err_ratelimited("TPM 2.0 response of %zu bytes: shorter than its header\n",
				   len);
		return -EPROTO;
	}
	t = get_unaligned_be16(rsp);
	if (get_unaligned_be32(rsp + 2) != len) {
		pr_err_ratelimited("TPM 2.0 response says %u bytes, %zu received\n",
				   get_unaligned_be32(rsp + 2), len);
		return -EPROTO;
	}
	if (get_unaligned_be32(rsp + 6)) {
		/*
		 * An error response has no sessions and nothing after it;
		 * anything else is malformed, and its "code" no TPM error
		 * (a command that may have run: the caller reads back).
		 */
		if (t != TPM2_ST_NO_SESSIONS || len != TPM2_HDR_SIZE) {
			pr_err_ratelimited("TPM 2.0 error response %#x with tag %#x and %zu bytes\n",
					   get_unaligned_be32(rsp + 6), t, len);
			return -EPROTO;
		}
		*rc = get_unaligned_be32(rsp + 6);
		return drtm_tpm2_rc_errno(*rc);
	}
	if (t != tag) {
		pr_err_ratelimited("TPM 2.0 response tag %#x, expected %#x\n",
				   t, tag);
		return -EPROTO;
	}
	return 0;
}

/**
 * drtm_tpm2_build_get_pcrs() - TPM2_GetCapability(TPM_CAP_PCRS)
 * @buf: the command, at least TPM2_GET_PCRS_SIZE bytes
 *
 * Return: the command's size.
 */
size_t drtm_tpm2_build_get_pcrs(u8 *buf)
{
	put_hdr(buf, TPM2_ST_NO_SESSIONS, TPM2_GET_PCRS_SIZE,
		TPM2_CC_GET_CAPABILITY);
	put_unaligned_be32(TPM2_CAP_PCRS, buf + 10);
	put_unaligned_be32(0, buf + 14);	/* property */
	put_unaligned_be32(1, buf + 18);	/* propertyCount */
	return TPM2_GET_PCRS_SIZE;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_build_get_pcrs);

/**
 * drtm_tpm2_build_get_handles() - TPM2_GetCapability(TPM_CAP_HANDLES) of
 * the transient objects
 * @buf: the command, at least TPM2_GET_PCRS_SIZE bytes
 *
 * Return: the command's size.
 */
size_t drtm_tpm2_build_get_handles(u8 *buf)
{
	put_hdr(buf, TPM2_ST_NO_SESSIONS, TPM2_GET_PCRS_SIZE,
		TPM2_CC_GET_CAPABILITY);
	put_unaligned_be32(DRTM_TPM2_CAP_HANDLES, buf + 10);
	put_unaligned_be32(DRTM_TPM2_HT_TRANSIENT, buf + 14);
	put_unaligned_be32(DRTM_TPM2_MAX_HANDLES, buf + 18);
	return TPM2_GET_PCRS_SIZE;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_build_get_handles);

/**
 * drtm_tpm2_parse_handles() - the transient objects the TPM holds
 * @rsp: TPM2_GetCapability(TPM_CAP_HANDLES)'s response
 * @len: its size
 * @handles: set to the handles (DRTM_TPM2_MAX_HANDLES)
 * @n: set to how many
 * @rc: set to the TPM's response code
 *
 * Return: 0, the TPM's errno, or -EPROTO (malformed, not transient handles,
 * more than asked for, or more to come: one line).
 */
int drtm_tpm2_parse_handles(const u8 *rsp, size_t len, u32 *handles,
			    unsigned int *n, u32 *rc)
{
	size_t off = TPM2_HDR_SIZE + 1 + 4 + 4;
	u32 count, i;
	int ret;

	*n = 0;
	ret = check_hdr(rsp, len, TPM2_ST_NO_SESSIONS, rc);
	if (ret)
		return ret;
	if (len < off ||
	    get_unaligned_be32(rsp + TPM2_HDR_SIZE + 1) != DRTM_TPM2_CAP_HANDLES) {
		pr_err_ratelimited("TPM2_GetCapability: not a TPM_CAP_HANDLES answer\n");
		return -EPROTO;
	}
	count = get_unaligned_be32(rsp + off - 4);
	if (rsp[TPM2_HDR_SIZE] || count > DRTM_TPM2_MAX_HANDLES ||
	    len != off + 4 * count) {
		pr_err_ratelimited("TPM2_GetCapability: %u handles in %zu bytes (more: %u)\n",
				   count, len, rsp[TPM2_HDR_SIZE]);
		return -EPROTO;
	}
	for (i = 0; i < count; i++) {
		handles[i] = get_unaligned_be32(rsp + off + 4 * i);
		if (handles[i] >> 24 != DRTM_TPM2_HT_TRANSIENT >> 24) {
			pr_err_ratelimited("TPM2_GetCapability: handle %#x is not transient\n",
					   handles[i]);
			return -EPROTO;
		}
	}
	*n = count;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_parse_handles);

/*
 * Whether a TPMS_PCR_SELECTION's bitmap (@sel, @n bytes) selects @pcr.
 */
static bool pcr_selected(const u8 *sel, unsigned int n, u32 pcr)
{
	return pcr / 8 < n && sel[pcr / 8] & BIT(pcr % 8);
}

/**
 * drtm_tpm2_parse_pcrs() - the banks a DRTM must extend
 * @rsp: TPM2_GetCapability(TPM_CAP_PCRS)'s response
 * @len: its size
 * @banks: set to the banks in which PCR 17 or 18 is allocated
 * @rc: set to the TPM's response code
 *
 * A bank that has PCR 17 or 18 allocated must be extended with every
 * event, or its value could be forged later: a bank of an algorithm the
 * driver cannot hash, or more such banks than it keeps, is refused.
 *
 * Return: 0, -EPROTO (malformed, with a one-line reason), -EOPNOTSUPP
 * (such a bank of an unknown algorithm, or no bank at all) or -E2BIG.
 */
int drtm_tpm2_parse_pcrs(const u8 *rsp, size_t len,
			 struct drtm_tpm2_banks *banks, u32 *rc)
{
	size_t off = TPM2_HDR_SIZE + 1 + 4;
	u32 count, i;
	int ret;

	memset(banks, 0, sizeof(*banks));
	ret = check_hdr(rsp, len, TPM2_ST_NO_SESSIONS, rc);
	if (ret)
		return ret;
	if (len < off + 4 ||
	    get_unaligned_be32(rsp + TPM2_HDR_SIZE + 1) != TPM2_CAP_PCRS) {
		pr_err_ratelimited("TPM2_GetCapability: not a TPM_CAP_PCRS answer\n");
		return -EPROTO;
	}
	count = get_unaligned_be32(rsp + off);
	off += 4;
	for (i = 0; i < count; i++) {
		unsigned int n, j;
		u16 alg;

		if (len < off + 3 || len < off + 3 + rsp[off + 2]) {
			pr_err_ratelimited("TPM2_GetCapability: PCR selection %u of %u cut short\n",
					   i, count);
			return -EPROTO;
		}
		alg = get_unaligned_be16(rsp + off);
		n = rsp[off + 2];
		if (pcr_selected(rsp + off + 3, n, DRTM_PCR_17) ||
		    pcr_selected(rsp + off + 3, n, DRTM_PCR_18)) {
			if (!drtm_tpm2_alg_size(alg)) {
				pr_err_ratelimited("TPM 2.0 bank of algorithm %#x has the DRTM PCRs, and it cannot be hashed here\n",
						   alg);
				return -EOPNOTSUPP;
			}
			for (j = 0; j < banks->nr; j++) {
				if (banks->alg[j] == alg) {
					pr_err_ratelimited("TPM2_GetCapability: bank %#x listed twice\n",
							   alg);
					return -EPROTO;
				}
			}
			if (banks->nr == DRTM_TPM2_MAX_BANKS) {
				pr_err_ratelimited("TPM 2.0 has more than %u PCR banks\n",
						   DRTM_TPM2_MAX_BANKS);
				return -E2BIG;
			}
			banks->alg[banks->nr++] = alg;
		}
		off += 3 + n;
	}
	if (off != len) {
		pr_err_ratelimited("TPM2_GetCapability: %zu bytes after the PCR selections\n",
				   len - off);
		return -EPROTO;
	}
	if (!banks->nr) {
		pr_err_ratelimited("TPM 2.0 has no bank with PCRs 17 and 18\n");
		return -EOPNOTSUPP;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_parse_pcrs);

/*
 * The authorization area of a command on a PCR: one password session
 * (TPM_RS_PW) with an empty nonce, no attributes and an empty password,
 * the authorization PCRs 17 and 18 have.
 */
#define PW_SESSION_SIZE	(4 + 2 + 1 + 2)

static void put_pw(u8 *p)
{
	put_unaligned_be32(TPM2_RS_PW, p);
	put_unaligned_be16(0, p + 4);		/* nonce */
	p[6] = 0;				/* sessionAttributes */
	put_unaligned_be16(0, p + 7);		/* hmac: empty password */
}

/* An authorization area of one password session. */
static size_t put_pw_session(u8 *p)
{
	put_unaligned_be32(PW_SESSION_SIZE, p);
	put_pw(p + 4);
	return 4 + PW_SESSION_SIZE;
}

/**
 * drtm_tpm2_build_pcr_extend() - TPM2_PCR_Extend of one PCR in every bank
 * @buf: the command
 * @size: size of @buf
 * @pcr: the PCR
 * @banks: the banks, in the order of @digests
 * @digests: one digest per bank, each of its algorithm's size, back to back
 *
 * Return: the command's size, or -E2BIG when @buf is too small.
 */
ssize_t drtm_tpm2_build_pcr_extend(u8 *buf, size_t size, u32 pcr,
				   const struct drtm_tpm2_banks *banks,
				   const u8 *digests)
{
	size_t off = TPM2_HDR_SIZE, need = TPM2_HDR_SIZE + 4 + 4 +
		     PW_SESSION_SIZE + 4;
	unsigned int i, ds;

	for (i = 0; i < banks->nr; i++)
		need += 2 + drtm_tpm2_alg_size(banks->alg[i]);
	if (need > size)
		return -E2BIG;
	put_hdr(buf, TPM2_ST_SESSIONS, need, TPM2_CC_PCR_EXTEND);
	put_unaligned_be32(pcr, buf + off);
	off += 4;
	off += put_pw_session(buf + off);
	put_unaligned_be32(banks->nr, buf + off);
	off += 4;
	for (i = 0; i < banks->nr; i++) {
		ds = drtm_tpm2_alg_size(banks->alg[i]);
		put_unaligned_be16(banks->alg[i], buf + off);
		memcpy(buf + off + 2, digests, ds);
		digests += ds;
		off += 2 + ds;
	}
	return off;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_build_pcr_extend);

/**
 * drtm_tpm2_parse_pcr_extend() - check TPM2_PCR_Extend's response
 * @rsp: the response
 * @len: its size
 * @rc: set to the TPM's response code
 *
 * A successful response carries no parameters and the password session's
 * empty acknowledgment: exactly 19 bytes.
 *
 * Return: 0, the TPM's errno, or -EPROTO.
 */
int drtm_tpm2_parse_pcr_extend(const u8 *rsp, size_t len, u32 *rc)
{
	int ret = check_hdr(rsp, len, TPM2_ST_SESSIONS, rc);

	if (ret)
		return ret;
	/* parameterSize 0; nonce size 0, attributes, hmac size 0 */
	if (len != TPM2_HDR_SIZE + 4 + 2 + 1 + 2 ||
	    get_unaligned_be32(rsp + 10) || get_unaligned_be16(rsp + 14) ||
	    get_unaligned_be16(rsp + 17)) {
		pr_err_ratelimited("TPM2_PCR_Extend: malformed response of %zu bytes\n",
				   len);
		return -EPROTO;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_parse_pcr_extend);

/**
 * drtm_tpm2_build_pcr_read() - TPM2_PCR_Read of one PCR in one bank
 * @buf: the command, at least TPM2_PCR_READ_SIZE bytes
 * @pcr: the PCR (0..23)
 * @alg: the bank's algorithm
 *
 * Return: the command's size.
 */
size_t drtm_tpm2_build_pcr_read(u8 *buf, u32 pcr, u16 alg)
{
	put_hdr(buf, TPM2_ST_NO_SESSIONS, TPM2_PCR_READ_SIZE,
		TPM2_CC_PCR_READ);
	put_unaligned_be32(1, buf + 10);	/* one TPMS_PCR_SELECTION */
	put_unaligned_be16(alg, buf + 14);
	buf[16] = 3;				/* sizeofSelect */
	buf[17] = 0;
	buf[18] = 0;
	buf[19] = 0;
	buf[17 + pcr / 8] = BIT(pcr % 8);
	return TPM2_PCR_READ_SIZE;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_build_pcr_read);

/**
 * drtm_tpm2_parse_pcr_read() - the value from TPM2_PCR_Read's response
 * @rsp: the response
 * @len: its size
 * @pcr: the PCR asked for
 * @alg: the bank asked for
 * @out: set to the value (the algorithm's digest size)
 * @rc: set to the TPM's response code
 *
 * The response must select exactly the PCR and bank asked for and carry
 * one digest of the bank's size. A TPM whose bank lacks the PCR answers
 * with no digest (libtpms: the bank's selection with no bit set), which is
 * -ENOENT here; one without the bank answers TPM_RC_HASH.
 *
 * Return: 0, the TPM's errno, -ENOENT, -EINVAL (unknown @alg) or -EPROTO.
 */
int drtm_tpm2_parse_pcr_read(const u8 *rsp, size_t len, u32 pcr, u16 alg,
			     u8 *out, u32 *rc)
{
	unsigned int ds = drtm_tpm2_alg_size(alg);
	size_t off = TPM2_HDR_SIZE + 4;
	u8 sel[3] = {};
	int ret;

	if (!ds || pcr >= 24)
		return -EINVAL;
	ret = check_hdr(rsp, len, TPM2_ST_NO_SESSIONS, rc);
	if (ret)
		return ret;
	sel[pcr / 8] = BIT(pcr % 8);
	/* pcrUpdateCounter, then TPML_PCR_SELECTION, then TPML_DIGEST */
	if ((len == off + 4 + 4 && !get_unaligned_be32(rsp + off) &&
	     !get_unaligned_be32(rsp + off + 4)) ||
	    (len == off + 4 + 6 + 4 && get_unaligned_be32(rsp + off) == 1 &&
	     get_unaligned_be16(rsp + off + 4) == alg && rsp[off + 6] == 3 &&
	     !rsp[off + 7] && !rsp[off + 8] && !rsp[off + 9] &&
	     !get_unaligned_be32(rsp + off + 10)))
		return -ENOENT;
	if (len != off + 4 + 2 + 1 + 3 + 4 + 2 + ds ||
	    get_unaligned_be32(rsp + off) != 1 ||
	    get_unaligned_be16(rsp + off + 4) != alg || rsp[off + 6] != 3 ||
	    memcmp(rsp + off + 7, sel, 3) ||
	    get_unaligned_be32(rsp + off + 10) != 1 ||
	    get_unaligned_be16(rsp + off + 14) != ds) {
		pr_err_ratelimited("TPM2_PCR_Read: response of %zu bytes does not answer PCR %u of bank %#x\n",
				   len, pcr, alg);
		return -EPROTO;
	}
	memcpy(out, rsp + off + 16, ds);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_parse_pcr_read);

/**
 * drtm_tpm2_build_hash_start() - TPM2_HashSequenceStart of an event sequence
 * @buf: the command (at least 16 bytes)
 *
 * An empty authorization value and hashAlg TPM_ALG_NULL: an event
 * sequence, which hashes with every algorithm the TPM implements.
 *
 * Return: the command's size.
 */
size_t drtm_tpm2_build_hash_start(u8 *buf)
{
	put_hdr(buf, TPM2_ST_NO_SESSIONS, 14, DRTM_TPM2_CC_HASH_SEQUENCE_START);
	put_unaligned_be16(0, buf + 10);		/* auth: empty */
	put_unaligned_be16(DRTM_TPM2_ALG_NULL, buf + 12);
	return 14;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_build_hash_start);

/**
 * drtm_tpm2_parse_hash_start() - the sequence handle of the answer
 * @rsp: the response
 * @len: its size
 * @handle: set to the sequence object's handle (a transient object)
 * @rc: set to the TPM's response code
 *
 * Return: 0, the TPM's errno, or -EPROTO.
 */
int drtm_tpm2_parse_hash_start(const u8 *rsp, size_t len, u32 *handle,
			       u32 *rc)
{
	int ret = check_hdr(rsp, len, TPM2_ST_NO_SESSIONS, rc);

	if (ret)
		return ret;
	if (len != TPM2_HDR_SIZE + 4 || get_unaligned_be32(rsp + 10) >> 24 != 0x80) {
		pr_err_ratelimited("TPM2_HashSequenceStart: no transient handle in %zu bytes\n",
				   len);
		return -EPROTO;
	}
	*handle = get_unaligned_be32(rsp + 10);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_parse_hash_start);

/**
 * drtm_tpm2_build_seq_update() - TPM2_SequenceUpdate with @len bytes
 * @buf: the command
 * @size: size of @buf
 * @handle: the sequence
 * @data: the bytes
 * @len: how many (at most DRTM_TPM2_SEQ_BLOCK)
 *
 * Return: the command's size, -EINVAL for @len, or -E2BIG.
 */
ssize_t drtm_tpm2_build_seq_update(u8 *buf, size_t size, u32 handle,
				   const u8 *data, u32 len)
{
	size_t need = TPM2_HDR_SIZE + 4 + 4 + PW_SESSION_SIZE + 2 + len;
	size_t off = TPM2_HDR_SIZE;

	if (len > DRTM_TPM2_SEQ_BLOCK)
		return -EINVAL;
	if (need > size)
		return -E2BIG;
	put_hdr(buf, TPM2_ST_SESSIONS, need, DRTM_TPM2_CC_SEQUENCE_UPDATE);
	put_unaligned_be32(handle, buf + off);
	off += 4;
	off += put_pw_session(buf + off);
	put_unaligned_be16(len, buf + off);
	memcpy(buf + off + 2, data, len);
	return need;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_build_seq_update);

/*
 * A response with no parameters and @n password acknowledgments (an
 * empty nonce, attributes, an empty hmac each), after @params bytes of
 * parameters that start at offset 14.
 */
static bool acks_ok(const u8 *rsp, size_t len, size_t params, unsigned int n)
{
	size_t off = TPM2_HDR_SIZE + 4 + params;
	unsigned int i;

	if (len != off + 5 * n || get_unaligned_be32(rsp + 10) != params)
		return false;
	for (i = 0; i < n; i++, off += 5)
		if (get_unaligned_be16(rsp + off) ||
		    get_unaligned_be16(rsp + off + 3))
			return false;
	return true;
}

/**
 * drtm_tpm2_parse_seq_update() - check TPM2_SequenceUpdate's response
 * @rsp: the response
 * @len: its size
 * @rc: set to the TPM's response code
 *
 * Return: 0, the TPM's errno, or -EPROTO.
 */
int drtm_tpm2_parse_seq_update(const u8 *rsp, size_t len, u32 *rc)
{
	int ret = check_hdr(rsp, len, TPM2_ST_SESSIONS, rc);

	if (ret)
		return ret;
	if (!acks_ok(rsp, len, 0, 1)) {
		pr_err_ratelimited("TPM2_SequenceUpdate: malformed response of %zu bytes\n",
				   len);
		return -EPROTO;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_parse_seq_update);

/**
 * drtm_tpm2_build_event_complete() - TPM2_EventSequenceComplete into @pcr
 * @buf: the command
 * @size: size of @buf
 * @pcr: the PCR every bank of which is extended with the sequence's digest
 * @handle: the sequence
 * @data: its last bytes
 * @len: how many (at most DRTM_TPM2_SEQ_BLOCK)
 *
 * Two password sessions: the PCR's (empty) and the sequence's (empty).
 *
 * Return: the command's size, -EINVAL for @len, or -E2BIG.
 */
ssize_t drtm_tpm2_build_event_complete(u8 *buf, size_t size, u32 pcr,
				       u32 handle, const u8 *data, u32 len)
{
	size_t need = TPM2_HDR_SIZE + 8 + 4 + 2 * PW_SESSION_SIZE + 2 + len;
	size_t off = TPM2_HDR_SIZE;

	if (len > DRTM_TPM2_SEQ_BLOCK)
		return -EINVAL;
	if (need > size)
		return -E2BIG;
	put_hdr(buf, TPM2_ST_SESSIONS, need,
		DRTM_TPM2_CC_EVENT_SEQUENCE_COMPLETE);
	put_unaligned_be32(pcr, buf + off);
	put_unaligned_be32(handle, buf + off + 4);
	off += 8;
	/* One authorization area of two sessions. */
	put_unaligned_be32(2 * PW_SESSION_SIZE, buf + off);
	put_pw(buf + off + 4);
	put_pw(buf + off + 4 + PW_SESSION_SIZE);
	off += 4 + 2 * PW_SESSION_SIZE;
	put_unaligned_be16(len, buf + off);
	memcpy(buf + off + 2, data, len);
	return need;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_build_event_complete);

/*
 * Digest size of any hash algorithm a TPM may list (TCG algorithm
 * registry), also those the driver cannot hash: to step over them.
 */
static unsigned int any_hash_size(u16 alg)
{
	switch (alg) {
	case 0x0027:	/* TPM_ALG_SHA3_256 */
		return 32;
	case 0x0028:	/* TPM_ALG_SHA3_384 */
		return 48;
	case 0x0029:	/* TPM_ALG_SHA3_512 */
		return 64;
	}
	return drtm_tpm2_alg_size(alg);
}

/**
 * drtm_tpm2_parse_event_complete() - the digests of each bank
 * @rsp: TPM2_EventSequenceComplete's response
 * @len: its size
 * @banks: the banks to take, in this order
 * @digests: set to their digests, back to back
 * @rc: set to the TPM's response code
 *
 * The TPM lists a digest for every algorithm it implements; each bank's
 * must be there, once. Others are skipped.
 *
 * Return: 0, the TPM's errno, or -EPROTO.
 */
int drtm_tpm2_parse_event_complete(const u8 *rsp, size_t len,
				   const struct drtm_tpm2_banks *banks,
				   u8 *digests, u32 *rc)
{
	size_t off = TPM2_HDR_SIZE + 4 + 4, params;
	unsigned int i, b, ds, found = 0;
	u32 count;
	u16 alg;
	u8 *d;
	int ret = check_hdr(rsp, len, TPM2_ST_SESSIONS, rc);

	if (ret)
		return ret;
	if (len < off)
		goto bad;
	params = get_unaligned_be32(rsp + 10);
	count = get_unaligned_be32(rsp + 14);
	if (!acks_ok(rsp, len, params, 2) || count > 8)
		goto bad;
	for (i = 0; i < count; i++) {
		if (off + 2 > TPM2_HDR_SIZE + 4 + params)
			goto bad;
		alg = get_unaligned_be16(rsp + off);
		ds = any_hash_size(alg);
		if (!ds && alg != DRTM_TPM2_ALG_NULL) {
			/* An algorithm we cannot size: the list is unreadable. */
			goto bad;
		}
		if (off + 2 + ds > TPM2_HDR_SIZE + 4 + params)
			goto bad;
		for (b = 0, d = digests; b < banks->nr; b++) {
			if (banks->alg[b] == alg) {
				if (found & BIT(b))
					goto bad;
				memcpy(d, rsp + off + 2, ds);
				found |= BIT(b);
			}
			d += drtm_tpm2_alg_size(banks->alg[b]);
		}
		off += 2 + ds;
	}
	if (off != TPM2_HDR_SIZE + 4 + params || found != BIT(banks->nr) - 1)
		goto bad;
	return 0;
bad:
	pr_err_ratelimited("TPM2_EventSequenceComplete: response of %zu bytes does not carry every bank's digest\n",
			   len);
	return -EPROTO;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_parse_event_complete);

/**
 * drtm_tpm2_build_flush() - TPM2_FlushContext of @handle
 * @buf: the command (at least 14 bytes)
 * @handle: a transient object, e.g. an abandoned sequence
 *
 * Return: the command's size.
 */
size_t drtm_tpm2_build_flush(u8 *buf, u32 handle)
{
	put_hdr(buf, TPM2_ST_NO_SESSIONS, 14, DRTM_TPM2_CC_FLUSH_CONTEXT);
	put_unaligned_be32(handle, buf + 10);
	return 14;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_build_flush);

/* Durations on a TPM 2.0: Linux's, with room for an emulated TPM. */
static const u32 tpm2_duration_us[DRTM_DUR_NR] = {
	750000, 2000000, 20000000
};

/*
 * Send the command in tis->buf (@len bytes); on success *@n is the size of
 * the response in tis->buf. A transport failure after tpmGo leaves the
 * outcome unclear.
 */
static int tpm2_send(struct drtm_tis *tis, size_t len, size_t *n)
{
	int ret;

	tis->unclear = false;
	ret = drtm_tis_transmit(tis, len, n);
	if (ret)
		tis->unclear = tis->sent;
	return ret;
}

/*
 * After the command layer checked a response: record a TPM error, and
 * treat a malformed response without one as "may have been executed".
 */
static int tpm2_done(struct drtm_tis *tis, u32 cc, int ret, u32 rc)
{
	if (!ret)
		return 0;
	tis->stats.failed++;
	tis->stats.last_err = ret;
	if (rc) {
		tis->stats.last_tpm_rc = rc;
		tis->stats.last_tpm_rc_ordinal = cc;
		tis->last_what = "TPM returned an error";
	} else {
		tis->unclear = true;
		tis->last_what = "malformed TPM 2.0 response";
	}
	return ret;
}

/**
 * drtm_tpm2_probe() - set the transport up for a TPM 2.0, read its banks
 * @tis: transport
 * @banks: set to the banks a DRTM extends
 * @tpm_rc: set to the TPM's response code on a TPM error
 *
 * TPM_RC_RETRY, TPM_RC_TESTING and TPM_RC_YIELDED are retried
 * DRTM_PROBE_RETRIES times, tis->probe_retry_us apart.
 *
 * Return: 0, -EAGAIN if the TPM stayed busy, or the errno of the transport
 * or of drtm_tpm2_parse_pcrs().
 */
int drtm_tpm2_probe(struct drtm_tis *tis, struct drtm_tpm2_banks *banks,
		    u32 *tpm_rc)
{
	unsigned int tries = 0;
	size_t n = 0;
	int ret;

	tis->tpm2 = true;
	memcpy(tis->duration_us, tpm2_duration_us, sizeof(tis->duration_us));
	for (;;) {
		ret = tpm2_send(tis, drtm_tpm2_build_get_pcrs(tis->buf), &n);
		if (ret)
			return ret;
		ret = drtm_tpm2_parse_pcrs(tis->buf, n, banks, tpm_rc);
		ret = tpm2_done(tis, TPM2_CC_GET_CAPABILITY, ret, *tpm_rc);
		if (ret != -EAGAIN || ++tries > DRTM_PROBE_RETRIES)
			return ret;
		tis->stats.retries++;
		fsleep(tis->probe_retry_us);
	}
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_probe);

/**
 * drtm_tpm2_extend() - TPM2_PCR_Extend of @pcr in every bank
 * @tis: transport
 * @pcr: the PCR
 * @banks: the banks
 * @digests: one digest per bank, back to back in the banks' order
 * @tpm_rc: set to the TPM's response code on a TPM error
 *
 * Return: 0 or a negative errno; tis->unclear tells whether the TPM may
 * have executed a failed extend.
 */
int drtm_tpm2_extend(struct drtm_tis *tis, u32 pcr,
		     const struct drtm_tpm2_banks *banks, const u8 *digests,
		     u32 *tpm_rc)
{
	ssize_t len;
	size_t n = 0;
	int ret;

	*tpm_rc = 0;
	len = drtm_tpm2_build_pcr_extend(tis->buf, sizeof(tis->buf), pcr, banks,
					 digests);
	if (len < 0)
		return len;
	ret = tpm2_send(tis, len, &n);
	if (ret)
		return ret;
	ret = drtm_tpm2_parse_pcr_extend(tis->buf, n, tpm_rc);
	return tpm2_done(tis, TPM2_CC_PCR_EXTEND, ret, *tpm_rc);
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_extend);

/**
 * drtm_tpm2_pcr_read() - TPM2_PCR_Read of @pcr in the bank of @alg
 * @tis: transport
 * @pcr: the PCR
 * @alg: the bank
 * @out: set to the value
 * @tpm_rc: set to the TPM's response code on a TPM error
 *
 * Return: 0 or a negative errno.
 */
int drtm_tpm2_pcr_read(struct drtm_tis *tis, u32 pcr, u16 alg, u8 *out,
		       u32 *tpm_rc)
{
	size_t n = 0;
	int ret;

	*tpm_rc = 0;
	if (pcr >= TPM12_DRTM_NR_PCRS || !drtm_tpm2_alg_size(alg))
		return -EINVAL;
	ret = tpm2_send(tis, drtm_tpm2_build_pcr_read(tis->buf, pcr, alg), &n);
	if (ret)
		return ret;
	ret = drtm_tpm2_parse_pcr_read(tis->buf, n, pcr, alg, out, tpm_rc);
	return tpm2_done(tis, TPM2_CC_PCR_READ, ret, *tpm_rc);
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_pcr_read);

/**
 * drtm_tpm2_hash_start() - start an event sequence
 * @tis: transport
 * @handle: set to the sequence's handle
 * @tpm_rc: set to the TPM's response code on a TPM error
 *
 * Return: 0 or a negative errno.
 */
int drtm_tpm2_hash_start(struct drtm_tis *tis, u32 *handle, u32 *tpm_rc)
{
	size_t n = 0;
	int ret;

	*tpm_rc = 0;
	ret = tpm2_send(tis, drtm_tpm2_build_hash_start(tis->buf), &n);
	if (ret)
		return ret;
	ret = drtm_tpm2_parse_hash_start(tis->buf, n, handle, tpm_rc);
	return tpm2_done(tis, DRTM_TPM2_CC_HASH_SEQUENCE_START, ret, *tpm_rc);
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_hash_start);

/**
 * drtm_tpm2_seq_update() - feed @len bytes to the sequence @handle
 * @tis: transport
 * @handle: the sequence
 * @data: the bytes
 * @len: at most DRTM_TPM2_SEQ_BLOCK
 * @tpm_rc: set to the TPM's response code on a TPM error
 *
 * Return: 0 or a negative errno.
 */
int drtm_tpm2_seq_update(struct drtm_tis *tis, u32 handle, const u8 *data,
			 u32 len, u32 *tpm_rc)
{
	ssize_t cl;
	size_t n = 0;
	int ret;

	*tpm_rc = 0;
	cl = drtm_tpm2_build_seq_update(tis->buf, sizeof(tis->buf), handle,
					data, len);
	if (cl < 0)
		return cl;
	ret = tpm2_send(tis, cl, &n);
	if (ret)
		return ret;
	ret = drtm_tpm2_parse_seq_update(tis->buf, n, tpm_rc);
	return tpm2_done(tis, DRTM_TPM2_CC_SEQUENCE_UPDATE, ret, *tpm_rc);
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_seq_update);

/**
 * drtm_tpm2_event_complete() - end the sequence, extend @pcr with it
 * @tis: transport
 * @pcr: the PCR (every bank)
 * @handle: the sequence (gone afterwards, whatever the outcome)
 * @banks: the banks whose digests to return
 * @data: the last bytes
 * @len: at most DRTM_TPM2_SEQ_BLOCK
 * @digests: set to the banks' digests, back to back
 * @tpm_rc: set to the TPM's response code on a TPM error
 *
 * Return: 0 or a negative errno; tis->unclear tells whether the TPM may
 * have extended the PCR all the same.
 */
int drtm_tpm2_event_complete(struct drtm_tis *tis, u32 pcr, u32 handle,
			     const struct drtm_tpm2_banks *banks,
			     const u8 *data, u32 len, u8 *digests, u32 *tpm_rc)
{
	ssize_t cl;
	size_t n = 0;
	int ret;

	*tpm_rc = 0;
	cl = drtm_tpm2_build_event_complete(tis->buf, sizeof(tis->buf), pcr,
					    handle, data, len);
	if (cl < 0)
		return cl;
	ret = tpm2_send(tis, cl, &n);
	if (ret)
		return ret;
	ret = drtm_tpm2_parse_event_complete(tis->buf, n, banks, digests,
					     tpm_rc);
	return tpm2_done(tis, DRTM_TPM2_CC_EVENT_SEQUENCE_COMPLETE, ret,
			 *tpm_rc);
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_event_complete);

/**
 * drtm_tpm2_handles() - the transient objects the TPM holds
 * @tis: transport
 * @handles: set to their handles (DRTM_TPM2_MAX_HANDLES)
 * @n: set to how many
 * @tpm_rc: set to the TPM's response code on a TPM error
 *
 * Return: 0 or a negative errno.
 */
int drtm_tpm2_handles(struct drtm_tis *tis, u32 *handles, unsigned int *n,
		      u32 *tpm_rc)
{
	size_t len = 0;
	int ret;

	*tpm_rc = 0;
	*n = 0;
	ret = tpm2_send(tis, drtm_tpm2_build_get_handles(tis->buf), &len);
	if (ret)
		return ret;
	ret = drtm_tpm2_parse_handles(tis->buf, len, handles, n, tpm_rc);
	return tpm2_done(tis, TPM2_CC_GET_CAPABILITY, ret, *tpm_rc);
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_handles);

/**
 * drtm_tpm2_flush() - drop an abandoned sequence (best effort)
 * @tis: transport
 * @handle: the sequence
 * @tpm_rc: set to the TPM's response code on a TPM error
 *
 * Return: 0 or a negative errno.
 */
int drtm_tpm2_flush(struct drtm_tis *tis, u32 handle, u32 *tpm_rc)
{
	size_t n = 0;
	int ret;

	*tpm_rc = 0;
	ret = tpm2_send(tis, drtm_tpm2_build_flush(tis->buf, handle), &n);
	if (ret)
		return ret;
	ret = check_hdr(tis->buf, n, TPM2_ST_NO_SESSIONS, tpm_rc);
	if (!ret && n != TPM2_HDR_SIZE)
		ret = -EPROTO;
	return tpm2_done(tis, DRTM_TPM2_CC_FLUSH_CONTEXT, ret, *tpm_rc);
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm2_flush);
