// SPDX-License-Identifier: GPL-2.0
/*
 * TPM 1.2 commands used by tpm12_drtm: TPM_Extend, TPM_PCRRead,
 * TPM_SHA1Start/Update/CompleteExtend and TPM_GetCapability. Every response
 * is checked for its exact size; a TPM return code becomes a negative errno
 * and is remembered (with its name) for the user.
 */
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <hvsec/compat.h>
#include <kunit/visibility.h>
#include "internal.h"

static const char * const tpm_rc_names[] = {
	[0x01] = "TPM_AUTHFAIL",		[0x02] = "TPM_BADINDEX",
	[0x03] = "TPM_BAD_PARAMETER",		[0x04] = "TPM_AUDITFAILURE",
	[0x05] = "TPM_CLEAR_DISABLED",		[0x06] = "TPM_DEACTIVATED",
	[0x07] = "TPM_DISABLED",		[0x08] = "TPM_DISABLED_CMD",
	[0x09] = "TPM_FAIL",			[0x0a] = "TPM_BAD_ORDINAL",
	[0x0b] = "TPM_INSTALL_DISABLED",	[0x0c] = "TPM_INVALID_KEYHANDLE",
	[0x0d] = "TPM_KEYNOTFOUND",		[0x0e] = "TPM_INAPPROPRIATE_ENC",
	[0x0f] = "TPM_MIGRATEFAIL",		[0x10] = "TPM_INVALID_PCR_INFO",
	[0x11] = "TPM_NOSPACE",			[0x12] = "TPM_NOSRK",
	[0x13] = "TPM_NOTSEALED_BLOB",		[0x14] = "TPM_OWNER_SET",
	[0x15] = "TPM_RESOURCES",		[0x16] = "TPM_SHORTRANDOM",
	[0x17] = "TPM_SIZE",			[0x18] = "TPM_WRONGPCRVAL",
	[0x19] = "TPM_BAD_PARAM_SIZE",		[0x1a] = "TPM_SHA_THREAD",
	[0x1b] = "TPM_SHA_ERROR",		[0x1c] = "TPM_FAILEDSELFTEST",
	[0x1d] = "TPM_AUTH2FAIL",		[0x1e] = "TPM_BADTAG",
	[0x1f] = "TPM_IOERROR",			[0x20] = "TPM_ENCRYPT_ERROR",
	[0x21] = "TPM_DECRYPT_ERROR",		[0x22] = "TPM_INVALID_AUTHHANDLE",
	[0x23] = "TPM_NO_ENDORSEMENT",		[0x24] = "TPM_INVALID_KEYUSAGE",
	[0x25] = "TPM_WRONG_ENTITYTYPE",	[0x26] = "TPM_INVALID_POSTINIT",
	[0x27] = "TPM_INAPPROPRIATE_SIG",	[0x28] = "TPM_BAD_KEY_PROPERTY",
	[0x29] = "TPM_BAD_MIGRATION",		[0x2a] = "TPM_BAD_SCHEME",
	[0x2b] = "TPM_BAD_DATASIZE",		[0x2c] = "TPM_BAD_MODE",
	[0x2d] = "TPM_BAD_PRESENCE",		[0x2e] = "TPM_BAD_VERSION",
	[0x2f] = "TPM_NO_WRAP_TRANSPORT",	[0x30] = "TPM_AUDITFAIL_UNSUCCESSFUL",
	[0x31] = "TPM_AUDITFAIL_SUCCESSFUL",	[0x32] = "TPM_NOTRESETABLE",
	[0x33] = "TPM_NOTLOCAL",		[0x34] = "TPM_BAD_TYPE",
	[0x35] = "TPM_INVALID_RESOURCE",	[0x36] = "TPM_NOTFIPS",
	[0x37] = "TPM_INVALID_FAMILY",		[0x38] = "TPM_NO_NV_PERMISSION",
	[0x39] = "TPM_REQUIRES_SIGN",		[0x3a] = "TPM_KEY_NOTSUPPORTED",
	[0x3b] = "TPM_AUTH_CONFLICT",		[0x3c] = "TPM_AREA_LOCKED",
	[0x3d] = "TPM_BAD_LOCALITY",		[0x3e] = "TPM_READ_ONLY",
	[0x3f] = "TPM_PER_NOWRITE",
};

static const char * const tpm_rc_nonfatal_names[] = {
	"TPM_RETRY", "TPM_NEEDS_SELFTEST", "TPM_DOING_SELFTEST",
	"TPM_DEFEND_LOCK_RUNNING",
};

/**
 * drtm_tpm_rc_name() - name of a TPM 1.2 return code
 * @rc: return code
 * @buf: scratch space for unknown codes
 * @len: size of @buf
 */
const char *drtm_tpm_rc_name(u32 rc, char *buf, size_t len)
{
	if (rc == 0)
		return "TPM_SUCCESS";
	if (rc < ARRAY_SIZE(tpm_rc_names) && tpm_rc_names[rc])
		return tpm_rc_names[rc];
	if (rc >= TPM_RC_RETRY &&
	    rc < TPM_RC_RETRY + ARRAY_SIZE(tpm_rc_nonfatal_names))
		return tpm_rc_nonfatal_names[rc - TPM_RC_RETRY];
	snprintf(buf, len, "TPM_ERROR_%#x", rc);
	return buf;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm_rc_name);

/**
 * drtm_tpm_rc_errno() - negative errno for a (non-zero) TPM return code
 * @rc: return code
 */
int drtm_tpm_rc_errno(u32 rc)
{
	switch (rc) {
	case 0:
		return 0;
	case 0x3d:	/* TPM_BAD_LOCALITY */
	case 0x33:	/* TPM_NOTLOCAL */
		return -EACCES;
	case 0x06:	/* TPM_DEACTIVATED */
	case 0x07:	/* TPM_DISABLED */
	case 0x08:	/* TPM_DISABLED_CMD */
		return -EPERM;
	case 0x0a:	/* TPM_BAD_ORDINAL */
		return -EOPNOTSUPP;
	case 0x02:	/* TPM_BADINDEX */
	case 0x03:	/* TPM_BAD_PARAMETER */
	case 0x19:	/* TPM_BAD_PARAM_SIZE */
	case 0x1e:	/* TPM_BADTAG */
	case 0x2b:	/* TPM_BAD_DATASIZE */
		return -EINVAL;
	case 0x1a:	/* TPM_SHA_THREAD */
	case 0x1b:	/* TPM_SHA_ERROR */
		return -EPIPE;
	case 0x11:	/* TPM_NOSPACE */
	case 0x15:	/* TPM_RESOURCES */
		return -ENOMEM;
	case TPM_RC_RETRY:
	case TPM_RC_RETRY + 2:	/* TPM_DOING_SELFTEST */
		return -EAGAIN;
	default:
		return -EIO;
	}
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm_rc_errno);

static void tpm_hdr(u8 *buf, u32 size, u32 ordinal)
{
	put_unaligned_be16(TPM_TAG_RQU_COMMAND, buf);
	put_unaligned_be32(size, buf + 2);
	put_unaligned_be32(ordinal, buf + 6);
}

/*
 * Send the command in tis->buf; check the return code and, on success,
 * that the response has exactly @want bytes (0: at least the header).
 */
static int tpm_cmd(struct drtm_tis *tis, size_t len, size_t want,
		   size_t *got, u32 *tpm_rc)
{
	u32 ordinal = get_unaligned_be32(tis->buf + 6);
	size_t n = 0;
	u32 rc;
	int ret;

	if (tpm_rc)
		*tpm_rc = 0;
	tis->unclear = false;
	ret = drtm_tis_transmit(tis, len, &n);
	if (ret) {
		tis->unclear = tis->sent;
		return ret;
	}
	rc = get_unaligned_be32(tis->buf + 6);
	if (rc) {
		if (tpm_rc)
			*tpm_rc = rc;
		tis->stats.last_tpm_rc = rc;
		tis->stats.last_tpm_rc_ordinal = ordinal;
		ret = drtm_tpm_rc_errno(rc);
		tis->stats.failed++;
		tis->stats.last_err = ret;
		tis->last_what = "TPM returned an error";
		return ret;
	}
	if (want && n != want) {
		/* TPM_SUCCESS in a malformed response: it may have executed. */
		tis->unclear = true;
		tis->stats.failed++;
		tis->stats.last_err = -EBADMSG;
		tis->last_what = "response size wrong for the ordinal";
		return -EBADMSG;
	}
	if (got)
		*got = n;
	return 0;
}

int drtm_tpm_extend(struct drtm_tis *tis, u32 pcr, const u8 *digest,
		    u8 *out, u32 *tpm_rc)
{
	u8 *buf = tis->buf;
	int ret;

	tpm_hdr(buf, 34, TPM_ORD_EXTEND);
	put_unaligned_be32(pcr, buf + 10);
	memcpy(buf + 14, digest, DRTM_DIGEST_SIZE);
	ret = tpm_cmd(tis, 34, 30, NULL, tpm_rc);
	if (!ret && out)
		memcpy(out, buf + 10, DRTM_DIGEST_SIZE);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm_extend);

int drtm_tpm_pcr_read(struct drtm_tis *tis, u32 pcr, u8 *out, u32 *tpm_rc)
{
	u8 *buf = tis->buf;
	int ret;

	tpm_hdr(buf, 14, TPM_ORD_PCRREAD);
	put_unaligned_be32(pcr, buf + 10);
	ret = tpm_cmd(tis, 14, 30, NULL, tpm_rc);
	if (!ret)
		memcpy(out, buf + 10, DRTM_DIGEST_SIZE);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm_pcr_read);

int drtm_tpm_getcap(struct drtm_tis *tis, u32 cap, u32 subcap, bool has_sub,
		    u8 *out, u32 out_max, u32 *out_len, u32 *tpm_rc)
{
	u8 *buf = tis->buf;
	size_t len = has_sub ? 22 : 18, n;
	u32 rsize;
	int ret;

	tpm_hdr(buf, len, TPM_ORD_GETCAPABILITY);
	put_unaligned_be32(cap, buf + 10);
	put_unaligned_be32(has_sub ? 4 : 0, buf + 14);
	if (has_sub)
		put_unaligned_be32(subcap, buf + 18);
	ret = tpm_cmd(tis, len, 0, &n, tpm_rc);
	if (ret)
		return ret;
	if (n < 14)
		goto bad;
	rsize = get_unaligned_be32(buf + 10);
	if (rsize > out_max || n != 14 + (size_t)rsize)
		goto bad;
	memcpy(out, buf + 14, rsize);
	*out_len = rsize;
	return 0;
bad:
	tis->stats.failed++;
	tis->stats.last_err = -EBADMSG;
	tis->last_what = "malformed GetCapability response";
	return -EBADMSG;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm_getcap);

int drtm_tpm_sha1_start(struct drtm_tis *tis, u32 *max_bytes, u32 *tpm_rc)
{
	int ret;

	tpm_hdr(tis->buf, 10, TPM_ORD_SHA1START);
	ret = tpm_cmd(tis, 10, 14, NULL, tpm_rc);
	if (!ret)
		*max_bytes = get_unaligned_be32(tis->buf + 10);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm_sha1_start);

int drtm_tpm_sha1_update(struct drtm_tis *tis, const u8 *data, u32 len,
			 u32 *tpm_rc)
{
	u8 *buf = tis->buf;

	if (len % 64 || len > DRTM_SHA1_BLOCK_MAX)
		return -EINVAL;
	tpm_hdr(buf, 14 + len, TPM_ORD_SHA1UPDATE);
	put_unaligned_be32(len, buf + 10);
	memcpy(buf + 14, data, len);
	return tpm_cmd(tis, 14 + len, 10, NULL, tpm_rc);
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm_sha1_update);

int drtm_tpm_sha1_complete_extend(struct drtm_tis *tis, u32 pcr,
				  const u8 *data, u32 len, u8 *hash, u8 *out,
				  u32 *tpm_rc)
{
	u8 *buf = tis->buf;
	int ret;

	if (len > 64)
		return -EINVAL;
	tpm_hdr(buf, 18 + len, TPM_ORD_SHA1COMPLETEEXTEND);
	put_unaligned_be32(pcr, buf + 10);
	put_unaligned_be32(len, buf + 14);
	memcpy(buf + 18, data, len);
	ret = tpm_cmd(tis, 18 + len, 50, NULL, tpm_rc);
	if (ret)
		return ret;
	memcpy(hash, buf + 10, DRTM_DIGEST_SIZE);
	if (out)
		memcpy(out, buf + 30, DRTM_DIGEST_SIZE);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm_sha1_complete_extend);

/* TIS 1.2 defaults (750 ms, 2 s, 750 ms, 750 ms) for the Atmel 3204. */
static const u32 tis_atmel_timeout_us[DRTM_TO_NR] = {
	750000, 2000000, 750000, 750000
};

#define TIS_DID_VID_ATMEL_3204	0x32041114
#define TIS_DID_VID_ST_104A	0x0000104a
#define TPM_ST_DURATION_US	120000000	/* 2 minutes */
#define TPM_MIN_SHORT_US	10000		/* below: reported in ms */

static u32 mul1000(u32 v)
{
	return v > U32_MAX / 1000 ? U32_MAX : v * 1000;
}

/*
 * The TIS timeouts A..D the TPM reported, with the workarounds of Linux's
 * TPM core: the Atmel 3204 reports wrong values and gets the TIS
 * defaults; a 0 keeps our default; if TIMEOUT_A is below 1000 the TPM
 * reported milliseconds instead of microseconds and every value is scaled.
 */
static void tpm_set_timeouts(struct drtm_tis *tis, const u8 *rep)
{
	bool ms = false;
	u32 v, i;

	if (tis->did_vid == TIS_DID_VID_ATMEL_3204) {
		memcpy(tis->timeout_us, tis_atmel_timeout_us,
		       sizeof(tis->timeout_us));
		tis->timeouts_adjusted = true;
		return;
	}
	v = get_unaligned_be32(rep);
	if (v && v < 1000)
		ms = true;
	for (i = 0; i < DRTM_TO_NR; i++) {
		v = get_unaligned_be32(rep + 4 * i);
		if (!v) {
			tis->timeouts_adjusted = true;
			continue;
		}
		tis->timeout_us[i] = ms ? mul1000(v) : v;
	}
	if (ms)
		tis->timeouts_adjusted = true;
}

/*
 * The command durations the TPM reported, with the workarounds of Linux's
 * TPM core: the STMicroelectronics 0x104a TPM 1.2.8.28 needs 2 minutes for
 * every class; a short duration below 10 ms means the TPM reported
 * milliseconds (the Broadcom BCM0102): short becomes 1 s, medium and long
 * are scaled by 1000. A 0 keeps our default.
 */
static void tpm_set_durations(struct drtm_tis *tis, const u8 *rep,
			      const u8 *version)
{
	static const u8 st_version[4] = { 1, 2, 8, 28 };
	u32 v, i;

	if (tis->did_vid == TIS_DID_VID_ST_104A &&
	    !memcmp(version, st_version, sizeof(st_version))) {
		for (i = 0; i < DRTM_DUR_NR; i++)
			tis->duration_us[i] = TPM_ST_DURATION_US;
		tis->durations_adjusted = true;
		return;
	}
	for (i = 0; i < DRTM_DUR_NR; i++) {
		v = get_unaligned_be32(rep + 4 * i);
		if (v)
			tis->duration_us[i] = v;
	}
	if (tis->duration_us[DRTM_DUR_SHORT] < TPM_MIN_SHORT_US) {
		tis->duration_us[DRTM_DUR_SHORT] = 1000000;
		tis->duration_us[DRTM_DUR_MEDIUM] =
			mul1000(tis->duration_us[DRTM_DUR_MEDIUM]);
		tis->duration_us[DRTM_DUR_LONG] =
			mul1000(tis->duration_us[DRTM_DUR_LONG]);
		tis->durations_adjusted = true;
	}
}

/* TPM_GetCapability(TPM_CAP_VERSION_VAL), retrying a busy TPM. */
static int tpm_probe_version(struct drtm_tis *tis, u8 *out, u32 size,
			     u32 *n, u32 *rc)
{
	unsigned int i;
	int ret;

	/* A TPM busy with its self-test answers TPM_DOING_SELFTEST for a while. */
	for (i = 0;; i++) {
		*rc = 0;
		ret = drtm_tpm_getcap(tis, TPM_CAP_VERSION_VAL, 0, false, out,
				      size, n, rc);
		if ((*rc != TPM_RC_RETRY && *rc != TPM_RC_DOING_SELFTEST) ||
		    i == DRTM_PROBE_RETRIES)
			return ret;
		tis->stats.retries++;
		fsleep(tis->probe_retry_us);
	}
}

/* A TPM 2.0 answers TPM 1.2 commands with TPM_RC_BAD_TAG (0x1e). */
static bool tpm_looks_tpm2(struct drtm_tis *tis, int ret, u32 rc)
{
	return rc == TPM_RC_BADTAG || tis->sts_family == 1 ||
	       (ret == -EPROTO && get_unaligned_be16(tis->buf) == 0x8001);
}

/* TPM_CAP_FLAG: TPM_PERMANENT_FLAGS and TPM_STCLEAR_FLAGS. */
static void tpm_probe_flags(struct drtm_tis *tis, u8 *out, u32 size)
{
	u32 n;

	/* tag, disable, ownership, deactivated, ... (one byte each) */
	if (!drtm_tpm_getcap(tis, TPM_CAP_FLAG, TPM_CAP_FLAG_PERMANENT, true,
			     out, size, &n, NULL) && n >= 5 &&
	    get_unaligned_be16(out) == TPM_TAG_PERMANENT_FLAGS) {
		tis->disabled = out[2];
		tis->deactivated = out[4];
		tis->perm_flags_known = true;
	}
	/* tag, deactivated, disableForceClear, ... */
	if (!drtm_tpm_getcap(tis, TPM_CAP_FLAG, TPM_CAP_FLAG_VOLATILE, true,
			     out, size, &n, NULL) && n >= 3 &&
	    get_unaligned_be16(out) == TPM_TAG_STCLEAR_FLAGS) {
		tis->st_deactivated = out[2];
		tis->stclear_flags_known = true;
	}
}

/**
 * drtm_tpm_unusable() - the probe found the TPM disabled or deactivated
 * @tis: transport after drtm_tpm_probe()
 */
bool drtm_tpm_unusable(const struct drtm_tis *tis)
{
	return tis->disabled || tis->deactivated || tis->st_deactivated;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm_unusable);

/**
 * drtm_tpm_state() - the TPM's state from its flags, for messages
 * @tis: transport after drtm_tpm_probe()
 */
const char *drtm_tpm_state(const struct drtm_tis *tis)
{
	bool deact = tis->deactivated || tis->st_deactivated;

	if (!tis->perm_flags_known && !tis->stclear_flags_known)
		return "unknown";
	if (tis->disabled && deact)
		return "disabled, deactivated";
	if (tis->disabled)
		return "disabled";
	if (deact)
		return "deactivated";
	return "enabled, activated";
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm_state);

/**
 * drtm_tpm_probe() - identify the TPM and take its timeouts and durations
 * @tis: transport; tis->did_vid selects the chip workarounds
 * @version: receives major, minor, revMajor, revMinor (4 bytes)
 * @is_tpm2: set if the chip is a TPM 2.0
 *
 * TPM_RETRY and TPM_DOING_SELFTEST are retried DRTM_PROBE_RETRIES times,
 * tis->probe_retry_us apart. If the first command fails in the transport:
 * an Intel iTPM whose STS.expect is wrong is retried without the expect
 * checks (tis->itpm), then a chip that does not take wide FIFO accesses is
 * retried with 1-byte accesses (tis->fifo_fallback). The timeouts and
 * durations get Linux's chip workarounds (tis->*_adjusted); the TPM's
 * disable/deactivated flags end up in tis (drtm_tpm_state()).
 *
 * Return: 0 for a TPM 1.2 (also when it reports no timeouts/durations),
 * -ENODEV for a TPM 2.0, -EAGAIN if the TPM stayed busy, or the
 * transport's errno.
 */
int drtm_tpm_probe(struct drtm_tis *tis, u8 *version, bool *is_tpm2)
{
	u8 out[64];
	u32 rc = 0, n;
	unsigned int width;
	int ret;

	*is_tpm2 = false;
	ret = tpm_probe_version(tis, out, sizeof(out), &n, &rc);
	if (ret == -EIO && !rc && tis->granted && !tis->sent && !tis->itpm &&
	    (tis->did_vid & 0xffff) == TIS_VID_INTEL &&
	    !tpm_looks_tpm2(tis, ret, rc)) {
		tis->itpm = true;
		ret = tpm_probe_version(tis, out, sizeof(out), &n, &rc);
		if (ret)
			tis->itpm = false;
	}
	if (ret && !rc && tis->granted && tis->fifo_width > 1 &&
	    !tpm_looks_tpm2(tis, ret, rc)) {
		width = tis->fifo_width;
		tis->fifo_width = 1;
		ret = tpm_probe_version(tis, out, sizeof(out), &n, &rc);
		if (ret)
			tis->fifo_width = width;
		else
			tis->fifo_fallback = true;
	}
	if (tpm_looks_tpm2(tis, ret, rc)) {
		*is_tpm2 = true;
		return -ENODEV;
	}
	if (ret)
		return ret;
	if (n < 6)
		return -EBADMSG;
	memcpy(version, out + 2, 4);

	if (!drtm_tpm_getcap(tis, TPM_CAP_PROPERTY, TPM_CAP_PROP_TIS_TIMEOUT,
			     true, out, sizeof(out), &n, NULL) && n == 16) {
		tpm_set_timeouts(tis, out);
		tis->timeouts_from_tpm = true;
	}
	if (!drtm_tpm_getcap(tis, TPM_CAP_PROPERTY, TPM_CAP_PROP_DURATION,
			     true, out, sizeof(out), &n, NULL) && n == 12) {
		tpm_set_durations(tis, out, version);
		tis->durations_from_tpm = true;
	}
	tpm_probe_flags(tis, out, sizeof(out));
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tpm_probe);
