// SPDX-License-Identifier: GPL-2.0
/*
 * TIS (TPM Interface Specification) FIFO transport for tpm12_drtm.
 *
 * One command = request the locality, commandReady handshake, FIFO writes
 * in burstCount pieces checking STS.expect, TPM_GO, wait for dataAvail,
 * read the header and then exactly paramSize bytes, check that nothing is
 * left over, commandReady, relinquish the locality. Every wait is bounded
 * (TIS timeouts A..D, ordinal durations); any error aborts the command with
 * commandReady and releases the locality.
 *
 * Registers are reached through struct drtm_tis_ops so that KUnit can run
 * the same code against a behavioural TIS model.
 */
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/tpm.h>
#include <hvsec/compat.h>
#include <kunit/visibility.h>
#include "internal.h"
#include "trace.h"

/* TIS defaults (PC Client TIS): A 750 ms, B 2 s, C 750 ms, D 750 ms. */
static const u32 tis_default_timeout_us[DRTM_TO_NR] = {
	750000, 2000000, 750000, 750000
};

/* Used until the TPM reports its own durations. */
static const u32 tpm_default_duration_us[DRTM_DUR_NR] = {
	2000000, 20000000, 120000000
};

/* Poll backoff: first poll at once, then 20 us doubling up to 400 us. */
#define TIS_POLL_MIN_US		20
#define TIS_POLL_MAX_US		400
#define TIS_POLL_RSP_MAX_US	160

void drtm_tis_init(struct drtm_tis *tis, const struct drtm_tis_ops *ops,
		   void *ctx, unsigned int locality, unsigned int fifo_width)
{
	memset(tis, 0, sizeof(*tis));
	tis->ops = ops;
	tis->ctx = ctx;
	tis->locality = locality;
	tis->fifo_width = fifo_width;
	tis->locality_retries = 2;
	tis->probe_retry_us = DRTM_PROBE_RETRY_US;
	memcpy(tis->timeout_us, tis_default_timeout_us, sizeof(tis->timeout_us));
	memcpy(tis->duration_us, tpm_default_duration_us,
	       sizeof(tis->duration_us));
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tis_init);

static u32 loc_reg(const struct drtm_tis *tis, u32 reg)
{
	return tis->locality * TIS_LOCALITY_STRIDE + reg;
}

u32 drtm_tis_read(struct drtm_tis *tis, u32 reg, unsigned int width)
{
	tis->stats.mmio_reads++;
	return tis->ops->read(tis->ctx, loc_reg(tis, reg), width);
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tis_read);

/**
 * drtm_tis_identify() - tell a TPM 2.0 interface from a TIS for a TPM 1.2
 * @tis: transport; only locality 0's read-only registers are read, no
 *	locality is requested and nothing is sent
 * @caps: receives TPM_INTF_CAPABILITY
 * @intf_id: receives TPM_INTERFACE_ID (all ones on a TIS 1.2 or earlier)
 * @why: receives what was found when it is a TPM 2.0
 *
 * A CRB interface (TPM_INTERFACE_ID.InterfaceType 1 at 0x30, where a CRB
 * has its INTERFACE_ID as well) or a PTP FIFO (interfaceVersion 3 in
 * TPM_INTF_CAPABILITY bits 30:28, i.e. "TIS 1.3 for TPM 2.0") is a TPM 2.0.
 * Any other interface may hold a TPM 1.2; STS.tpmFamily and the answer to
 * a TPM 1.2 command decide later.
 *
 * Return: 0, or -ENODEV for a TPM 2.0.
 */
int drtm_tis_identify(struct drtm_tis *tis, u32 *caps, u32 *intf_id,
		      const char **why)
{
	tis->stats.mmio_reads += 2;
	*caps = tis->ops->read(tis->ctx, TIS_INTF_CAPS, 4);
	*intf_id = tis->ops->read(tis->ctx, TIS_INTERFACE_ID, 4);
	*why = NULL;
	if (*intf_id != U32_MAX &&
	    TIS_IFID_TYPE(*intf_id) == TIS_IFID_TYPE_CRB)
		*why = "CRB interface (TPM_INTERFACE_ID.InterfaceType 1)";
	else if (*caps != U32_MAX &&
		 TIS_CAPS_VERSION(*caps) == TIS_CAPS_VERSION_PTP)
		*why = "PTP FIFO interface (TPM_INTF_CAPABILITY.interfaceVersion 3)";
	return *why ? -ENODEV : 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tis_identify);

/**
 * drtm_tis_fifo_width() - FIFO access width the interface allows
 * @caps: TPM_INTF_CAPABILITY (U32_MAX: not readable)
 * @max_width: the user's limit: 0 none, 1, 2 or 4
 *
 * Accesses wider than one byte only on a TIS 1.3 interface
 * (interfaceVersion 2) or a PTP FIFO (3, TPM 2.0) whose DataTransferSizeSupport (bits 10:9) is not
 * 0 ("legacy transfers only"): every other value allows at least 8-byte
 * transfers, so 4-byte accesses. A TIS 1.2 has bits 10:9 reserved.
 *
 * Return: 1, 2 or 4.
 */
unsigned int drtm_tis_fifo_width(u32 caps, unsigned int max_width)
{
	if (caps == U32_MAX || !TIS_CAPS_XFER_SIZE(caps) ||
	    (TIS_CAPS_VERSION(caps) != TIS_CAPS_VERSION_TIS13 &&
	     TIS_CAPS_VERSION(caps) != TIS_CAPS_VERSION_PTP))
		return 1;
	if (max_width == 1 || max_width == 2)
		return max_width;
	return 4;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tis_fifo_width);

static void tis_write(struct drtm_tis *tis, u32 reg, unsigned int width,
		      u32 val)
{
	tis->stats.mmio_writes++;
	tis->ops->write(tis->ctx, loc_reg(tis, reg), width, val);
}

/* STS reads all ones when our locality is not active: never a match. */
static bool sts_ok(u32 sts, u32 mask, u32 want)
{
	return sts != U32_MAX && (sts & mask) == want;
}

/*
 * Poll STS until (STS & mask) == want or @us elapse; the last read happens
 * after the deadline so a slow guest cannot cause a false timeout.
 */
static int tis_wait_sts(struct drtm_tis *tis, u32 mask, u32 want, u32 us,
			u32 *sts)
{
	ktime_t end = ktime_add_us(ktime_get(), us);
	unsigned int sleep = TIS_POLL_MIN_US;
	bool late;

	for (;;) {
		late = ktime_after(ktime_get(), end);
		*sts = drtm_tis_read(tis, TIS_STS, 4);
		if (sts_ok(*sts, mask, want))
			return 0;
		if (late) {
			tis->stats.timeouts++;
			return -ETIMEDOUT;
		}
		usleep_range(sleep, 2 * sleep);
		sleep = min(2 * sleep, TIS_POLL_MAX_US);
	}
}

static u32 sts_burst(u32 sts)
{
	return (sts >> TIS_STS_BURST_SHIFT) & TIS_STS_BURST_MASK;
}

static int tis_request_locality(struct drtm_tis *tis)
{
	const u32 mask = TIS_ACCESS_VALID | TIS_ACCESS_ACTIVE_LOCALITY |
			 TIS_ACCESS_REQUEST_USE;
	const u32 want = TIS_ACCESS_VALID | TIS_ACCESS_ACTIVE_LOCALITY;
	unsigned int attempt, sleep;
	ktime_t end;
	bool late;
	u32 acc;

	for (attempt = 0; attempt <= tis->locality_retries; attempt++) {
		if (attempt)
			tis->stats.retries++;
		tis_write(tis, TIS_ACCESS, 1, TIS_ACCESS_REQUEST_USE);
		end = ktime_add_us(ktime_get(), tis->timeout_us[DRTM_TO_A]);
		sleep = TIS_POLL_MIN_US;
		for (;;) {
			late = ktime_after(ktime_get(), end);
			acc = drtm_tis_read(tis, TIS_ACCESS, 1);
			if ((acc & mask) == want)
				return 0;
			if (late)
				break;
			usleep_range(sleep, 2 * sleep);
			sleep = min(2 * sleep, TIS_POLL_MAX_US);
		}
		tis->stats.timeouts++;
		/* Withdraw the pending request (or give up if just granted). */
		tis_write(tis, TIS_ACCESS, 1, TIS_ACCESS_ACTIVE_LOCALITY);
	}
	tis->last_what = "locality not granted";
	return -ETIMEDOUT;
}

static void tis_release_locality(struct drtm_tis *tis)
{
	tis_write(tis, TIS_ACCESS, 1, TIS_ACCESS_ACTIVE_LOCALITY);
}

/* Widest access allowed for @n bytes. */
static unsigned int fifo_step(const struct drtm_tis *tis, u32 n)
{
	if (tis->fifo_width >= 4 && n >= 4)
		return 4;
	if (tis->fifo_width >= 2 && n >= 2)
		return 2;
	return 1;
}

static void fifo_write(struct drtm_tis *tis, const u8 *p, u32 n)
{
	unsigned int w;
	u32 val;

	while (n) {
		w = fifo_step(tis, n);
		if (w == 4)
			val = get_unaligned_le32(p);
		else if (w == 2)
			val = get_unaligned_le16(p);
		else
			val = *p;
		tis_write(tis, TIS_DATA_FIFO, w, val);
		p += w;
		n -= w;
	}
}

static void fifo_read(struct drtm_tis *tis, u8 *p, u32 n)
{
	unsigned int w;
	u32 val;

	while (n) {
		w = fifo_step(tis, n);
		val = drtm_tis_read(tis, TIS_DATA_FIFO, w);
		if (w == 4)
			put_unaligned_le32(val, p);
		else if (w == 2)
			put_unaligned_le16(val, p);
		else
			*p = val;
		p += w;
		n -= w;
	}
}

/* Wait until burstCount > 0 (TIMEOUT_D); @sts holds the last STS read. */
static int tis_wait_burst(struct drtm_tis *tis, u32 *sts)
{
	ktime_t end = ktime_add_us(ktime_get(), tis->timeout_us[DRTM_TO_D]);
	unsigned int sleep = TIS_POLL_MIN_US;
	bool late;

	for (;;) {
		if (*sts != U32_MAX && sts_burst(*sts))
			return 0;
		late = ktime_after(ktime_get(), end);
		if (late) {
			tis->stats.timeouts++;
			tis->last_what = "burstCount stuck at 0";
			return -ETIMEDOUT;
		}
		usleep_range(sleep, 2 * sleep);
		sleep = min(2 * sleep, TIS_POLL_MAX_US);
		*sts = drtm_tis_read(tis, TIS_STS, 4);
	}
}

static int tis_send(struct drtm_tis *tis, size_t len)
{
	const u8 *buf = tis->buf;
	size_t pos = 0;
	u32 sts, n;
	int ret;

	sts = drtm_tis_read(tis, TIS_STS, 4);
	if (sts != U32_MAX)
		tis->sts_family = (sts >> TIS_STS_FAMILY_SHIFT) &
				  TIS_STS_FAMILY_MASK;
	if (!sts_ok(sts, TIS_STS_COMMAND_READY, TIS_STS_COMMAND_READY)) {
		tis_write(tis, TIS_STS, 1, TIS_STS_COMMAND_READY);
		ret = tis_wait_sts(tis, TIS_STS_COMMAND_READY,
				   TIS_STS_COMMAND_READY,
				   tis->timeout_us[DRTM_TO_B], &sts);
		if (ret) {
			tis->last_what = "commandReady not set";
			return ret;
		}
	}

	/* All but the last byte, in burstCount pieces. */
	while (pos < len - 1) {
		ret = tis_wait_burst(tis, &sts);
		if (ret)
			return ret;
		n = min_t(size_t, sts_burst(sts), len - 1 - pos);
		fifo_write(tis, buf + pos, n);
		pos += n;
		ret = tis_wait_sts(tis, TIS_STS_VALID, TIS_STS_VALID,
				   tis->timeout_us[DRTM_TO_C], &sts);
		if (ret) {
			tis->last_what = "stsValid not set while sending";
			return ret;
		}
		if (!(sts & TIS_STS_EXPECT) && !tis->itpm) {
			tis->last_what = "TPM expects no more data before the last byte";
			return -EIO;
		}
	}

	fifo_write(tis, buf + pos, 1);
	ret = tis_wait_sts(tis, TIS_STS_VALID, TIS_STS_VALID,
			   tis->timeout_us[DRTM_TO_C], &sts);
	if (ret) {
		tis->last_what = "stsValid not set after the last byte";
		return ret;
	}
	if ((sts & TIS_STS_EXPECT) && !tis->itpm) {
		tis->last_what = "TPM still expects data after the last byte";
		return -EIO;
	}
	tis_write(tis, TIS_STS, 1, TIS_STS_GO);
	tis->stats.bytes_tx += len;
	return 0;
}

/*
 * Read @n bytes; *@avail is the number of bytes the TPM said may be read
 * without waiting (burstCount), consumed as we go to save STS reads.
 */
static int tis_read_bytes(struct drtm_tis *tis, u8 *p, u32 n, u32 *avail)
{
	const u32 want = TIS_STS_VALID | TIS_STS_DATA_AVAIL;
	u32 sts, chunk;
	int ret;

	while (n) {
		if (!*avail) {
			ret = tis_wait_sts(tis, want, want,
					   tis->timeout_us[DRTM_TO_C], &sts);
			if (ret) {
				tis->last_what = "short response";
				return -ENODATA;
			}
			ret = tis_wait_burst(tis, &sts);
			if (ret)
				return ret;
			*avail = sts_burst(sts);
		}
		chunk = min(*avail, n);
		fifo_read(tis, p, chunk);
		p += chunk;
		n -= chunk;
		*avail -= chunk;
	}
	return 0;
}

/* TPM 2.0 response tags: TPM_ST_NO_SESSIONS, TPM_ST_SESSIONS. */
static bool tag_ok(const struct drtm_tis *tis, u16 tag)
{
	if (tis->tpm2)
		return tag == 0x8001 || tag == 0x8002;
	return tag == TPM_TAG_RSP_COMMAND;
}

static enum drtm_tpm_duration ordinal_class(const struct drtm_tis *tis,
					    u32 ordinal)
{
	/* The commands a DRTM sends to a TPM 2.0 all take medium time. */
	if (tis->tpm2)
		return ordinal == TPM2_CC_GET_CAPABILITY ? DRTM_DUR_SHORT :
							    DRTM_DUR_MEDIUM;
	switch (ordinal) {
	case TPM_ORD_EXTEND:
		return DRTM_DUR_MEDIUM;
	case TPM_ORD_PCRREAD:
	case TPM_ORD_GETCAPABILITY:
	case TPM_ORD_SHA1START:
	case TPM_ORD_SHA1UPDATE:
	case TPM_ORD_SHA1COMPLETEEXTEND:
		return DRTM_DUR_SHORT;
	default:
		return DRTM_DUR_LONG;
	}
}

/*
 * Wait for the response, at most the ordinal's duration. To keep both the
 * latency and the number of STS reads (each one a trap in a VM) low, first
 * sleep for a learnt guess of this command class's execution time, then
 * poll with a short backoff. The guess shrinks by a quarter whenever the
 * first poll already finds the response (we slept too long) and moves a
 * quarter of the way towards the observed time otherwise.
 */
static int tis_wait_response(struct drtm_tis *tis, u32 ordinal, u32 *sts)
{
	const u32 want = TIS_STS_VALID | TIS_STS_DATA_AVAIL;
	enum drtm_tpm_duration cls = ordinal_class(tis, ordinal);
	u32 us = tis->duration_us[cls];
	ktime_t start = ktime_get(), end = ktime_add_us(start, us);
	u32 guess = min(tis->exec_guess_us[cls], us / 2);
	unsigned int sleep = TIS_POLL_MIN_US, polls = 0;
	u32 took;
	bool late;

	if (guess >= TIS_POLL_MIN_US)
		usleep_range(guess, guess + TIS_POLL_MIN_US);
	for (;;) {
		late = ktime_after(ktime_get(), end);
		*sts = drtm_tis_read(tis, TIS_STS, 4);
		polls++;
		if (sts_ok(*sts, want, want))
			break;
		if (late) {
			tis->stats.timeouts++;
			return -ETIMEDOUT;
		}
		usleep_range(sleep, 2 * sleep);
		sleep = min(2 * sleep, TIS_POLL_RSP_MAX_US);
	}
	took = min_t(s64, ktime_us_delta(ktime_get(), start), us / 2);
	if (polls == 1)
		tis->exec_guess_us[cls] = guess / 4 * 3;
	else if (took > guess)
		tis->exec_guess_us[cls] = guess + (took - guess) / 4;
	return 0;
}

static int tis_recv(struct drtm_tis *tis, u32 ordinal, size_t *rsp_len)
{
	u8 *buf = tis->buf;
	u32 sts, avail, size;
	int ret;

	ret = tis_wait_response(tis, ordinal, &sts);
	if (ret) {
		tis->last_what = "no response (dataAvail never set)";
		return ret;
	}
	avail = sts_burst(sts);
	ret = tis_read_bytes(tis, buf, TPM_HDR_SIZE, &avail);
	if (ret)
		return ret;
	size = get_unaligned_be32(buf + 2);
	if (!tag_ok(tis, get_unaligned_be16(buf))) {
		tis->last_what = "bad response tag";
		return -EPROTO;
	}
	if (size < TPM_HDR_SIZE) {
		tis->last_what = "response paramSize below 10";
		return -EPROTO;
	}
	if (size > sizeof(tis->buf)) {
		tis->last_what = "response too long";
		return -EMSGSIZE;
	}
	ret = tis_read_bytes(tis, buf + TPM_HDR_SIZE, size - TPM_HDR_SIZE,
			     &avail);
	if (ret)
		return ret;

	ret = tis_wait_sts(tis, TIS_STS_VALID, TIS_STS_VALID,
			   tis->timeout_us[DRTM_TO_C], &sts);
	if (ret) {
		tis->last_what = "stsValid not set after the response";
		return ret;
	}
	if (sts & TIS_STS_DATA_AVAIL) {
		tis->last_what = "left-over data after the response";
		return -EBADMSG;
	}
	tis->stats.bytes_rx += size;
	*rsp_len = size;
	return 0;
}

/**
 * drtm_tis_transmit() - send the command in tis->buf, receive the response
 *	(over the FIFO, or the CRB after drtm_crb_setup())
 * @tis: transport
 * @len: command length (10..sizeof(tis->buf))
 * @rsp_len: receives the response length (response is in tis->buf)
 *
 * Return: 0, or -ETIMEDOUT (a wait ran out), -EIO (STS.expect wrong),
 * -ENODATA (short response), -EPROTO (bad tag or paramSize), -EMSGSIZE
 * (response larger than the buffer), -EBADMSG (left-over data), -EINVAL.
 * The TPM return code is not looked at here. tis->sent tells whether tpmGo
 * was written (the TPM may then have executed the command even on error).
 */
int drtm_tis_transmit(struct drtm_tis *tis, size_t len, size_t *rsp_len)
{
	u32 ordinal;
	int ret;

	if (len < TPM_HDR_SIZE || len > sizeof(tis->buf))
		return -EINVAL;
	ordinal = get_unaligned_be32(tis->buf + 6);
	trace_tpm12_drtm_command(ordinal, tis->locality);
	tis->stats.commands++;
	tis->last_what = NULL;
	tis->sent = false;
	tis->granted = false;

	if (tis->crb) {
		ret = drtm_crb_xfer(tis, len, rsp_len);
		if (ret && tis->sent)
			tis->stats.aborts++;
		goto out;
	}
	ret = tis_request_locality(tis);
	if (ret)
		goto out;
	tis->granted = true;
	ret = tis_send(tis, len);
	if (!ret) {
		/* From here on a failure may follow the command's execution. */
		tis->sent = true;
		ret = tis_recv(tis, ordinal, rsp_len);
	}
	/* commandReady: finishes a good command, aborts a bad one. */
	tis_write(tis, TIS_STS, 1, TIS_STS_COMMAND_READY);
	if (ret)
		tis->stats.aborts++;
	tis_release_locality(tis);
out:
	if (ret) {
		tis->stats.failed++;
		tis->stats.last_err = ret;
	}
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_tis_transmit);
