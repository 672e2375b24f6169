// SPDX-License-Identifier: GPL-2.0
/*
 * The CRB transport (TCG PC Client Platform TPM Profile, Command Response
 * Buffer interface) of tpm12_drtm, for a TPM 2.0: per command, request the
 * locality, bring the TPM to the ready state, write the command into the
 * command buffer, start it, wait for the start bit to clear, read the
 * response, send the TPM idle and relinquish the locality. Every wait is
 * bounded; a command that outlives its duration is cancelled.
 *
 * Only buffers inside the locality's own register window are driven (the
 * layout of the PTP's CRB, and QEMU's): a command buffer elsewhere is
 * refused at setup.
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

/* Poll backoff as on the FIFO: 20 us doubling up to 400 us. */
#define CRB_POLL_MIN_US		20
#define CRB_POLL_MAX_US		400

static u32 crb_reg(const struct drtm_tis *tis, u32 reg)
{
	return tis->locality * TIS_LOCALITY_STRIDE + reg;
}

static u32 crb_read(struct drtm_tis *tis, u32 reg)
{
	tis->stats.mmio_reads++;
	return tis->ops->read(tis->ctx, crb_reg(tis, reg), 4);
}

static void crb_write(struct drtm_tis *tis, u32 reg, u32 val)
{
	tis->stats.mmio_writes++;
	tis->ops->write(tis->ctx, crb_reg(tis, reg), 4, val);
}

/*
 * Poll @reg until (@reg & mask) == want or @us elapse; the last read
 * happens after the deadline.
 */
static int crb_wait(struct drtm_tis *tis, u32 reg, u32 mask, u32 want, u32 us)
{
	ktime_t end = ktime_add_us(ktime_get(), us);
	unsigned int sleep = CRB_POLL_MIN_US;
	bool late;
	u32 val;

	for (;;) {
		late = ktime_after(ktime_get(), end);
		val = crb_read(tis, reg);
		if (val != U32_MAX && (val & mask) == want)
			return 0;
		if (late) {
			tis->stats.timeouts++;
			return -ETIMEDOUT;
		}
		usleep_range(sleep, 2 * sleep);
		sleep = min(2 * sleep, CRB_POLL_MAX_US);
	}
}

/*
 * After a relinquish: wait (TIMEOUT_C) until our locality is no longer
 * the assigned one, so that the next holder never acts beside us.
 */
static void crb_wait_released(struct drtm_tis *tis)
{
	ktime_t end = ktime_add_us(ktime_get(), tis->timeout_us[DRTM_TO_C]);
	unsigned int sleep = CRB_POLL_MIN_US;
	u32 st, active;
	bool late;

	for (;;) {
		late = ktime_after(ktime_get(), end);
		st = crb_read(tis, CRB_LOC_STATE);
		active = (st & CRB_LOC_STATE_ACTIVE) >> CRB_LOC_STATE_ACTIVE_SHIFT;
		if (st != U32_MAX && (!(st & CRB_LOC_STATE_ASSIGNED) ||
				      active != tis->locality))
			return;
		if (late) {
			tis->stats.timeouts++;
			return;
		}
		usleep_range(sleep, 2 * sleep);
		sleep = min(2 * sleep, CRB_POLL_MAX_US);
	}
}

static void crb_relinquish(struct drtm_tis *tis)
{
	crb_write(tis, CRB_LOC_CTRL, CRB_LOC_CTRL_RELINQUISH);
	crb_wait_released(tis);
}

static int crb_request_locality(struct drtm_tis *tis)
{
	const u32 mask = CRB_LOC_STATE_VALID | CRB_LOC_STATE_ASSIGNED |
			 CRB_LOC_STATE_ACTIVE;
	const u32 want = CRB_LOC_STATE_VALID | CRB_LOC_STATE_ASSIGNED |
			 tis->locality << CRB_LOC_STATE_ACTIVE_SHIFT;
	unsigned int attempt;
	int ret = -ETIMEDOUT;

	for (attempt = 0; attempt <= tis->locality_retries; attempt++) {
		if (attempt)
			tis->stats.retries++;
		crb_write(tis, CRB_LOC_CTRL, CRB_LOC_CTRL_REQUEST);
		ret = crb_wait(tis, CRB_LOC_STS, CRB_LOC_STS_GRANTED,
			       CRB_LOC_STS_GRANTED, tis->timeout_us[DRTM_TO_A]);
		if (!ret)
			ret = crb_wait(tis, CRB_LOC_STATE, mask, want,
				       tis->timeout_us[DRTM_TO_A]);
		if (!ret)
			return 0;
		crb_relinquish(tis);
	}
	tis->last_what = "locality not granted";
	return ret;
}

/**
 * drtm_crb_setup() - make @tis drive the CRB interface of its window
 * @tis: transport after drtm_tis_init(), at the locality to use
 * @base: physical address of the register window (locality 0's)
 * @why: receives a static reason when the interface cannot be driven
 *
 * Reads locality 0's TPM_CRB_INTF_ID: a CRB that serves locality 0 only
 * (CapLocality 0) cannot be driven at another locality. The command and
 * response buffers, read from the locality's control area while it holds
 * the locality, must lie inside the locality's window.
 *
 * Return: 0, -EOPNOTSUPP with *@why, or -ETIMEDOUT if the locality was
 * not granted.
 */
int drtm_crb_setup(struct drtm_tis *tis, u64 base, const char **why)
{
	u64 win = base + tis->locality * TIS_LOCALITY_STRIDE, cmd, rsp;
	u32 id, cmd_size, rsp_size;

	*why = NULL;
	tis->stats.mmio_reads++;
	id = tis->ops->read(tis->ctx, CRB_INTF_ID, 4);
	if (TIS_IFID_TYPE(id) != TIS_IFID_TYPE_CRB) {
		*why = "TPM_CRB_INTF_ID.InterfaceType is not CRB";
		return -EOPNOTSUPP;
	}
	if (!(id & CRB_INTF_CAP_LOCALITY) && tis->locality) {
		*why = "the CRB serves locality 0 only (TPM_CRB_INTF_ID.CapLocality 0)";
		return -EOPNOTSUPP;
	}
	/* The control area is the active locality's. */
	if (crb_request_locality(tis)) {
		*why = "locality not granted while reading the CRB's buffers";
		return -ETIMEDOUT;
	}
	cmd_size = crb_read(tis, CRB_CTRL_CMD_SIZE);
	cmd = (u64)crb_read(tis, CRB_CTRL_CMD_HADDR) << 32 |
	      crb_read(tis, CRB_CTRL_CMD_LADDR);
	rsp_size = crb_read(tis, CRB_CTRL_RSP_SIZE);
	rsp = (u64)crb_read(tis, CRB_CTRL_RSP_ADDR + 4) << 32 |
	      crb_read(tis, CRB_CTRL_RSP_ADDR);
	crb_relinquish(tis);
	/* Offsets first: a huge address must not wrap the checks. */
	if (cmd < win + CRB_DATA_BUFFER || rsp < win + CRB_DATA_BUFFER ||
	    cmd - win >= TIS_LOCALITY_STRIDE || rsp - win >= TIS_LOCALITY_STRIDE ||
	    cmd_size > TIS_LOCALITY_STRIDE - (cmd - win) ||
	    rsp_size > TIS_LOCALITY_STRIDE - (rsp - win)) {
		*why = "the CRB's command or response buffer lies outside its register window";
		return -EOPNOTSUPP;
	}
	/* 32-bit accesses, aligned, never past either buffer. */
	if ((cmd | rsp) & 3 || (cmd_size & ~3u) < TPM_HDR_SIZE + 2 ||
	    (rsp_size & ~3u) < TPM_HDR_SIZE + 2) {
		*why = "the CRB's buffers are not 4-byte aligned or too small";
		return -EOPNOTSUPP;
	}
	tis->crb = true;
	tis->tpm2 = true;
	tis->crb_cmd = cmd - win;
	tis->crb_cmd_size = min_t(u32, cmd_size & ~3u, sizeof(tis->buf));
	tis->crb_rsp = rsp - win;
	tis->crb_rsp_size = min_t(u32, rsp_size & ~3u, sizeof(tis->buf));
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_crb_setup);

/*
 * The buffers take aligned 32-bit accesses: @off is 4-byte aligned, and
 * the last partial word stays inside the buffer, whose size is a multiple
 * of 4 (drtm_crb_setup()).
 */
static void crb_buf_write(struct drtm_tis *tis, u32 off, const u8 *p, u32 n)
{
	u8 last[4] = {};

	for (; n >= 4; off += 4, p += 4, n -= 4)
		crb_write(tis, off, get_unaligned_le32(p));
	if (n) {
		memcpy(last, p, n);
		crb_write(tis, off, get_unaligned_le32(last));
	}
}

/* Bytes [@from, @to) of the response buffer into tis->buf; @from aligned. */
static void crb_buf_read(struct drtm_tis *tis, u32 from, u32 to)
{
	u8 last[4];

	for (; to - from >= 4; from += 4)
		put_unaligned_le32(crb_read(tis, tis->crb_rsp + from),
				   tis->buf + from);
	if (to > from) {
		put_unaligned_le32(crb_read(tis, tis->crb_rsp + from), last);
		memcpy(tis->buf + from, last, to - from);
	}
}

/* Command sent: wait for it, at most the class's duration; else cancel. */
static int crb_wait_done(struct drtm_tis *tis, u32 cc)
{
	enum drtm_tpm_duration cls = cc == TPM2_CC_GET_CAPABILITY ?
				     DRTM_DUR_SHORT : DRTM_DUR_MEDIUM;
	int ret;

	ret = crb_wait(tis, CRB_CTRL_START, CRB_START_INVOKE, 0,
		       tis->duration_us[cls]);
	if (ret) {
		tis->last_what = "no response (CRB start never cleared)";
		crb_write(tis, CRB_CTRL_CANCEL, CRB_CANCEL_INVOKE);
		crb_wait(tis, CRB_CTRL_START, CRB_START_INVOKE, 0,
			 tis->timeout_us[DRTM_TO_B]);
		crb_write(tis, CRB_CTRL_CANCEL, 0);
		return ret;
	}
	if (crb_read(tis, CRB_CTRL_STS) & CRB_CTRL_STS_ERROR) {
		tis->last_what = "CRB reports a fatal error (tpmSts)";
		return -EIO;
	}
	return 0;
}

/**
 * drtm_crb_xfer() - one command over the CRB interface
 * @tis: transport set up by drtm_crb_setup(); the command in tis->buf
 * @len: its length
 * @rsp_len: receives the response length (response in tis->buf)
 *
 * Sets tis->granted and tis->sent as the FIFO transport does.
 *
 * Return: 0, -ETIMEDOUT (a wait ran out), -EIO (the CRB reported an
 * error), -E2BIG (command larger than the buffer), -EPROTO (bad tag or
 * size), -EMSGSIZE (response larger than the buffer).
 */
int drtm_crb_xfer(struct drtm_tis *tis, size_t len, size_t *rsp_len)
{
	u32 cc = get_unaligned_be32(tis->buf + 6), size;
	u16 tag;
	int ret;

	if (len > tis->crb_cmd_size) {
		tis->last_what = "command larger than the CRB's buffer";
		return -E2BIG;
	}
	ret = crb_request_locality(tis);
	if (ret)
		return ret;
	tis->granted = true;
	crb_write(tis, CRB_CTRL_REQ, CRB_CTRL_REQ_CMD_READY);
	ret = crb_wait(tis, CRB_CTRL_REQ, CRB_CTRL_REQ_CMD_READY, 0,
		       tis->timeout_us[DRTM_TO_C]);
	if (!ret)
		ret = crb_wait(tis, CRB_CTRL_STS, CRB_CTRL_STS_IDLE, 0,
			       tis->timeout_us[DRTM_TO_C]);
	if (ret) {
		tis->last_what = "CRB did not become ready";
		goto out;
	}
	crb_buf_write(tis, tis->crb_cmd, tis->buf, len);
	/* Another driver's cancel may still be set (Linux clears it late). */
	crb_write(tis, CRB_CTRL_CANCEL, 0);
	crb_write(tis, CRB_CTRL_START, CRB_START_INVOKE);
	tis->sent = true;
	tis->stats.bytes_tx += len;
	ret = crb_wait_done(tis, cc);
	if (ret)
		goto out;
	crb_buf_read(tis, 0, TPM_HDR_SIZE);
	tag = get_unaligned_be16(tis->buf);
	size = get_unaligned_be32(tis->buf + 2);
	if (tag != TPM2_ST_NO_SESSIONS && tag != TPM2_ST_SESSIONS) {
		tis->last_what = "bad response tag";
		ret = -EPROTO;
	} else if (size < TPM_HDR_SIZE) {
		tis->last_what = "response paramSize below 10";
		ret = -EPROTO;
	} else if (size > tis->crb_rsp_size) {
		tis->last_what = "response too long";
		ret = -EMSGSIZE;
	} else {
		/* From the aligned word that holds byte 10 on. */
		crb_buf_read(tis, TPM_HDR_SIZE & ~3u, size);
		tis->stats.bytes_rx += size;
		*rsp_len = size;
	}
out:
	/*
	 * A complete response stands even if the TPM is slow to go idle. A
	 * command still running after its cancel is not sent idle.
	 */
	if (!(crb_read(tis, CRB_CTRL_START) & CRB_START_INVOKE)) {
		crb_write(tis, CRB_CTRL_REQ, CRB_CTRL_REQ_GO_IDLE);
		if (crb_wait(tis, CRB_CTRL_REQ, CRB_CTRL_REQ_GO_IDLE, 0,
			     tis->timeout_us[DRTM_TO_C]) && !ret)
			tis->last_what = "CRB did not go idle";
	}
	crb_relinquish(tis);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_crb_xfer);
