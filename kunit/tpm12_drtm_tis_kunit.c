// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for tpm12_drtm's TIS transport, TPM 1.2 commands and
 * measurement core, run against a behavioural TIS model: five localities
 * with arbitration, the STS/FIFO state machine with burstCount and expect,
 * and a small TPM 1.2 responder (Extend, PCRRead, SHA1Start/Update/
 * CompleteExtend, GetCapability) with real SHA-1 and the PC Client
 * locality rules for PCR 17-22. Faults can be injected. With m->tpm2 the
 * same FIFO (a PTP FIFO then) holds a TPM 2.0 responder instead
 * (GetCapability(TPM_CAP_PCRS), PCR_Extend, PCR_Read) with a SHA-1 and a
 * SHA-256 bank: suite tpm12_drtm_tis2 runs the fault classes against it.
 */
#include <crypto/hash.h>
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/tpm.h>
#include <linux/unaligned.h>
#include <linux/workqueue.h>
#include <hvsec/compat.h>
#include "../drivers/tpm12_drtm/internal.h"

enum model_state { M_IDLE, M_READY, M_RECEPTION, M_EXECUTION, M_COMPLETION };

enum model_fault {
	F_NONE,
	F_LOC_NEVER,		/* REQUEST_USE is ignored */
	F_CMDREADY_NEVER,	/* commandReady never set */
	F_BURST_ZERO,		/* burstCount stuck at 0 */
	F_EXPECT_STUCK,		/* expect stays 1 after the last byte */
	F_EXPECT_EARLY,		/* expect 0 before the last byte */
	F_DATAAVAIL_NEVER,	/* the TPM never answers */
	F_RSP_SHORT,		/* fewer bytes than paramSize */
	F_RSP_LONG,		/* paramSize larger than any buffer */
	F_RSP_GARBLED,		/* paramSize below 10 */
	F_RSP_BADTAG,		/* response tag 0x8001 */
	F_RSP_LEFTOVER,		/* bytes after paramSize */
	F_RSP_WRONGSIZE,	/* consistent response, wrong size for ordinal */
	F_TPM_RC,		/* TPM error code inject_rc */
	F_TPM2,			/* behaves like a TPM 2.0 */
	F_EXEC_NO_RSP,		/* executes, then dataAvail never set */
};

#define MBUF 2048

struct tis_model {
	spinlock_t lock;		/* model state */
	int active;			/* active locality or -1 */
	bool pending[5];
	enum model_state state;
	u8 cmd[MBUF];
	u32 cmd_len;
	u8 rsp[MBUF];
	u32 rsp_len, rsp_pos;
	u32 max_burst;
	enum model_fault fault;
	enum model_fault cur_fault;	/* fault of the executing command */
	u32 fault_ord;			/* only this ordinal (0: every) */
	u32 fault_times;		/* this many commands (0: unlimited) */
	u32 inject_rc;
	const bool *held;		/* exclusion to check, or NULL */
	u32 unheld_cmds;		/* commands run without it */
	u32 intf_caps;			/* TPM_INTF_CAPABILITY */
	u32 intf_id;			/* TPM_INTERFACE_ID */
	u32 max_num_bytes;
	bool fifo_narrow;		/* FIFO takes 1-byte accesses only */
	u32 fifo_widths;		/* bit n: an n-byte FIFO access seen */
	u32 rep_timeout[4];		/* reported TIS timeouts */
	u32 rep_duration[3];		/* reported durations */
	u8 version[4];
	bool perm_disable, perm_deactivated, st_deactivated;
	u32 executed;
	u32 cmd_locality;
	u32 ord_count[256];		/* commands executed, by ordinal */
	bool *flag_at_update;		/* set at the flag_update_n-th SHA1Update */
	u32 flag_update_n;
	/* CRB interface instead of the FIFO (TPM 2.0 only) */
	bool crb;
	bool crb_all_loc;		/* CapLocality: five localities */
	bool crb_idle;
	bool crb_start;			/* a command is executing */
	bool crb_err;			/* CTRL_STS.tpmSts */
	u32 crb_req;			/* CTRL_REQ bits not yet acted on */
	u8 crbbuf[MBUF];		/* the command/response buffer */
	/* TPM 2.0: banks SHA-1 and SHA-256 */
	bool tpm2;
	u8 pcr2[24][2][32];
	struct crypto_shash *tfm256;
	struct shash_desc *seq[2];	/* the event sequence, if open */
	bool seq_open;
	u32 seq_flushed;		/* sequences flushed */
	u32 foreign;			/* another user's transient object, or 0 */
	u32 handle_lists;		/* TPM_CAP_HANDLES asked */
	u32 handle_list_fail;		/* refuse the one with this number */
	/* TPM */
	u8 pcr[24][20];
	bool sha1_session;
	struct crypto_shash *tfm;
	struct shash_desc *sess;
};

static bool model_expect(struct tis_model *m)
{
	if (m->fault == F_EXPECT_STUCK)
		return true;
	if (m->fault == F_EXPECT_EARLY)
		return false;
	return m->cmd_len < 6 || m->cmd_len < get_unaligned_be32(m->cmd + 2);
}

static u32 model_sts(struct tis_model *m)
{
	u32 sts = TIS_STS_VALID, burst = 0;

	switch (m->state) {
	case M_READY:
		sts |= TIS_STS_COMMAND_READY;
		burst = MBUF;
		break;
	case M_RECEPTION:
		if (model_expect(m))
			sts |= TIS_STS_EXPECT;
		burst = MBUF - m->cmd_len;
		break;
	case M_COMPLETION:
		if (m->rsp_pos < m->rsp_len)
			sts |= TIS_STS_DATA_AVAIL;
		burst = m->rsp_len - m->rsp_pos;
		break;
	default:
		break;
	}
	burst = min(burst, m->max_burst);
	if (m->fault == F_BURST_ZERO)
		burst = 0;
	sts |= burst << TIS_STS_BURST_SHIFT;
	if (m->fault == F_TPM2)
		sts |= 1 << TIS_STS_FAMILY_SHIFT;
	return sts;
}

static void rsp_hdr(struct tis_model *m, u32 size, u32 rc)
{
	put_unaligned_be16(TPM_TAG_RSP_COMMAND, m->rsp);
	put_unaligned_be32(size, m->rsp + 2);
	put_unaligned_be32(rc, m->rsp + 6);
	m->rsp_len = size;
}

static bool pcr_locality_ok(u32 pcr, u32 loc)
{
	switch (pcr) {
	case 17:
	case 18:
		return loc >= 2;
	case 19:
		return loc == 2 || loc == 3;
	case 20:
		return loc >= 1 && loc <= 3;
	case 21:
	case 22:
		return loc == 2;
	default:
		return true;
	}
}

/* Extend: returns a TPM rc. */
static u32 model_extend(struct tis_model *m, u32 pcr, const u8 *digest)
{
	SHASH_DESC_ON_STACK(d, m->tfm);
	u8 buf[40];

	if (pcr >= 24)
		return 0x02;	/* TPM_BADINDEX */
	if (!pcr_locality_ok(pcr, m->cmd_locality))
		return TPM_RC_BAD_LOCALITY;
	memcpy(buf, m->pcr[pcr], 20);
	memcpy(buf + 20, digest, 20);
	d->tfm = m->tfm;
	crypto_shash_digest(d, buf, 40, m->pcr[pcr]);
	return 0;
}

static const u16 m2_alg[2] = { TPM_ALG_SHA1, TPM_ALG_SHA256 };
static const u16 m2_size[2] = { 20, 32 };

static void rsp2_hdr(struct tis_model *m, u16 tag, u32 size, u32 rc)
{
	put_unaligned_be16(tag, m->rsp);
	put_unaligned_be32(size, m->rsp + 2);
	put_unaligned_be32(rc, m->rsp + 6);
	m->rsp_len = size;
}

/* TPM2_PCR_Extend: returns a TPM 2.0 response code. */
static u32 model2_extend(struct tis_model *m, const u8 *c, u32 size)
{
	u32 pcr = get_unaligned_be32(c + 10), auth = get_unaligned_be32(c + 14);
	u32 off = 18 + auth, n, i, b;
	u8 buf[64], new[2][32];

	if (pcr >= 24)
		return 0x18b;		/* TPM_RC_VALUE + handle 1 */
	if (off + 4 > size)
		return TPM2_RC_SIZE;
	n = get_unaligned_be32(c + off);
	off += 4;
	memcpy(new, m->pcr2[pcr], sizeof(new));
	for (i = 0; i < n; i++) {
		u16 alg;

		if (off + 2 > size)
			return TPM2_RC_SIZE;
		alg = get_unaligned_be16(c + off);
		for (b = 0; b < 2 && m2_alg[b] != alg; b++)
			;
		if (b == 2 || off + 2 + m2_size[b] > size)
			return TPM2_RC_HASH;
		memcpy(buf, m->pcr2[pcr][b], m2_size[b]);
		memcpy(buf + m2_size[b], c + off + 2, m2_size[b]);
		crypto_shash_tfm_digest(b ? m->tfm256 : m->tfm, buf,
					2 * m2_size[b], new[b]);
		off += 2 + m2_size[b];
	}
	if (off != size)
		return TPM2_RC_SIZE;
	if (!pcr_locality_ok(pcr, m->cmd_locality))
		return TPM2_RC_LOCALITY;
	memcpy(m->pcr2[pcr], new, sizeof(new));
	return 0;
}

#define M2_SEQ_HANDLE	0x80000001

/* Extend @pcr's banks with @d (SHA-1 then SHA-256 digest). */
static u32 model2_extend_with(struct tis_model *m, u32 pcr, const u8 *d)
{
	u8 buf[64];
	int b;

	if (!pcr_locality_ok(pcr, m->cmd_locality))
		return TPM2_RC_LOCALITY;
	for (b = 0; b < 2; b++) {
		memcpy(buf, m->pcr2[pcr][b], m2_size[b]);
		memcpy(buf + m2_size[b], d, m2_size[b]);
		crypto_shash_tfm_digest(b ? m->tfm256 : m->tfm, buf,
					2 * m2_size[b], m->pcr2[pcr][b]);
		d += m2_size[b];
	}
	return 0;
}

/* TPM2_HashSequenceStart/SequenceUpdate/EventSequenceComplete/FlushContext. */
static u32 model2_sequence(struct tis_model *m, u32 cc, u32 size)
{
	u8 *c = m->cmd, *r = m->rsp, d[52];
	u32 n, pcr, off, rc;
	int b;

	switch (cc) {
	case DRTM_TPM2_CC_HASH_SEQUENCE_START:
		if (m->seq_open)
			return 0x902;	/* TPM_RC_OBJECT_MEMORY */
		for (b = 0; b < 2; b++) {
			m->seq[b]->tfm = b ? m->tfm256 : m->tfm;
			crypto_shash_init(m->seq[b]);
		}
		m->seq_open = true;
		rsp2_hdr(m, TPM2_ST_NO_SESSIONS, 14, 0);
		put_unaligned_be32(M2_SEQ_HANDLE, r + 10);
		return 0;
	case DRTM_TPM2_CC_SEQUENCE_UPDATE:
		if (!m->seq_open || get_unaligned_be32(c + 10) != M2_SEQ_HANDLE)
			return 0x18b;	/* TPM_RC_HANDLE */
		off = 14 + 4 + get_unaligned_be32(c + 14);
		n = get_unaligned_be16(c + off);
		if (off + 2 + n != size || n > DRTM_TPM2_SEQ_BLOCK)
			return TPM2_RC_SIZE;
		for (b = 0; b < 2; b++)
			crypto_shash_update(m->seq[b], c + off + 2, n);
		rsp2_hdr(m, TPM2_ST_SESSIONS, 19, 0);
		memset(r + 10, 0, 9);
		return 0;
	case DRTM_TPM2_CC_EVENT_SEQUENCE_COMPLETE:
		pcr = get_unaligned_be32(c + 10);
		if (!m->seq_open || get_unaligned_be32(c + 14) != M2_SEQ_HANDLE)
			return 0x18b;
		off = 18 + 4 + get_unaligned_be32(c + 18);
		n = get_unaligned_be16(c + off);
		if (off + 2 + n != size || n > DRTM_TPM2_SEQ_BLOCK)
			return TPM2_RC_SIZE;
		/* The sequence ends here, even if the extend is refused. */
		m->seq_open = false;
		crypto_shash_finup(m->seq[0], c + off + 2, n, d);
		crypto_shash_finup(m->seq[1], c + off + 2, n, d + 20);
		if (pcr >= 24)
			return 0x18b;
		rc = model2_extend_with(m, pcr, d);
		if (rc)
			return rc;
		rsp2_hdr(m, TPM2_ST_SESSIONS, 10 + 4 + 4 + 22 + 34 + 10, 0);
		put_unaligned_be32(4 + 22 + 34, r + 10);
		put_unaligned_be32(2, r + 14);
		put_unaligned_be16(TPM_ALG_SHA1, r + 18);
		memcpy(r + 20, d, 20);
		put_unaligned_be16(TPM_ALG_SHA256, r + 40);
		memcpy(r + 42, d + 20, 32);
		memset(r + 74, 0, 10);
		return 0;
	case DRTM_TPM2_CC_FLUSH_CONTEXT:
		if (m->foreign && get_unaligned_be32(c + 10) == m->foreign)
			return 0x0b;	/* not ours to flush: TPM_RC_FAILURE */
		if (!m->seq_open || get_unaligned_be32(c + 10) != M2_SEQ_HANDLE)
			return 0x18b;
		m->seq_open = false;
		m->seq_flushed++;
		rsp2_hdr(m, TPM2_ST_NO_SESSIONS, 10, 0);
		return 0;
	}
	return 0x143;		/* TPM_RC_COMMAND_CODE */
}

/* The TPM 2.0 responder: the commands a DRTM sends. */
static void model2_execute(struct tis_model *m)
{
	u8 *c = m->cmd, *r = m->rsp;
	u32 size = get_unaligned_be32(c + 2), cc = get_unaligned_be32(c + 6);
	u32 rc = 0, pcr, b;
	u16 alg;

	if (m->cur_fault == F_TPM_RC) {
		rc = m->inject_rc;
		goto err;
	}
	switch (cc) {
	case TPM2_CC_GET_CAPABILITY:
		if (size == 22 && get_unaligned_be32(c + 10) == DRTM_TPM2_CAP_HANDLES &&
		    get_unaligned_be32(c + 14) == DRTM_TPM2_HT_TRANSIENT) {
			if (++m->handle_lists == m->handle_list_fail) {
				rc = TPM2_RC_VALUE;
				goto err;
			}
			/* the foreign object first, as the TPM sorts them */
			b = 0;
			if (m->foreign)
				put_unaligned_be32(m->foreign, r + 19 + 4 * b++);
			if (m->seq_open)
				put_unaligned_be32(M2_SEQ_HANDLE, r + 19 + 4 * b++);
			rsp2_hdr(m, TPM2_ST_NO_SESSIONS, 19 + 4 * b, 0);
			r[10] = 0;
			put_unaligned_be32(DRTM_TPM2_CAP_HANDLES, r + 11);
			put_unaligned_be32(b, r + 15);
			break;
		}
		if (size != 22 || get_unaligned_be32(c + 10) != TPM2_CAP_PCRS) {
			rc = TPM2_RC_VALUE;
			goto err;
		}
		rsp2_hdr(m, TPM2_ST_NO_SESSIONS, 10 + 1 + 4 + 4 + 2 * 6, 0);
		r[10] = 0;
		put_unaligned_be32(TPM2_CAP_PCRS, r + 11);
		put_unaligned_be32(2, r + 15);
		for (b = 0; b < 2; b++) {
			put_unaligned_be16(m2_alg[b], r + 19 + 6 * b);
			r[21 + 6 * b] = 3;
			memset(r + 22 + 6 * b, 0xff, 3);
		}
		break;
	case TPM2_CC_PCR_EXTEND:
		if (get_unaligned_be16(c) != TPM2_ST_SESSIONS) {
			rc = 0x1e;	/* TPM_RC_BAD_TAG */
			goto err;
		}
		rc = model2_extend(m, c, size);
		if (rc)
			goto err;
		rsp2_hdr(m, TPM2_ST_SESSIONS, 19, 0);
		memset(r + 10, 0, 9);
		r[16] = 1;		/* continueSession */
		break;
	case TPM2_CC_PCR_READ:
		alg = get_unaligned_be16(c + 14);
		for (b = 0; b < 2 && m2_alg[b] != alg; b++)
			;
		for (pcr = 0; pcr < 24 && !(c[17 + pcr / 8] & BIT(pcr % 8)); pcr++)
			;
		if (size != 20 || b == 2 || pcr == 24) {
			rc = TPM2_RC_VALUE;
			goto err;
		}
		rsp2_hdr(m, TPM2_ST_NO_SESSIONS, 10 + 4 + 10 + 6 + m2_size[b], 0);
		put_unaligned_be32(m->executed, r + 10);
		memcpy(r + 14, c + 10, 10);	/* the selection asked for */
		put_unaligned_be32(1, r + 24);
		put_unaligned_be16(m2_size[b], r + 28);
		memcpy(r + 30, m->pcr2[pcr][b], m2_size[b]);
		break;
	default:
		rc = model2_sequence(m, cc, size);
		if (rc)
			goto err;
		break;
	}
	return;
err:
	rsp2_hdr(m, TPM2_ST_NO_SESSIONS, 10, rc);
}

static void model_execute(struct tis_model *m)
{
	u8 *c = m->cmd, *r = m->rsp;
	u32 size = get_unaligned_be32(c + 2), ord = get_unaligned_be32(c + 6);
	u32 rc = 0, n, pcr;

	m->executed++;
	m->ord_count[ord & 0xff]++;
	if (ord == TPM_ORD_SHA1UPDATE && m->flag_at_update &&
	    m->ord_count[ord] == m->flag_update_n)
		WRITE_ONCE(*m->flag_at_update, true);
	if (ord != TPM_ORD_SHA1UPDATE && ord != TPM_ORD_SHA1COMPLETEEXTEND)
		m->sha1_session = false;
	if (m->tpm2) {
		model2_execute(m);
		goto faults;
	}
	if (m->cur_fault == F_TPM2) {
		rc = TPM_RC_BADTAG;
		goto err;
	}
	if (m->cur_fault == F_TPM_RC) {
		rc = m->inject_rc;
		goto err;
	}
	if (get_unaligned_be16(c) != TPM_TAG_RQU_COMMAND) {
		rc = TPM_RC_BADTAG;
		goto err;
	}
	if ((ord == TPM_ORD_EXTEND || ord == TPM_ORD_SHA1COMPLETEEXTEND) &&
	    (m->perm_disable || m->perm_deactivated || m->st_deactivated)) {
		rc = m->perm_disable ? TPM_RC_DISABLED : TPM_RC_DEACTIVATED;
		goto err;
	}
	switch (ord) {
	case TPM_ORD_EXTEND:
		if (size != 34)
			goto bad_size;
		pcr = get_unaligned_be32(c + 10);
		rc = model_extend(m, pcr, c + 14);
		if (rc)
			goto err;
		rsp_hdr(m, 30, 0);
		memcpy(r + 10, m->pcr[pcr], 20);
		break;
	case TPM_ORD_PCRREAD:
		if (size != 14)
			goto bad_size;
		pcr = get_unaligned_be32(c + 10);
		if (pcr >= 24) {
			rc = 0x02;
			goto err;
		}
		rsp_hdr(m, 30, 0);
		memcpy(r + 10, m->pcr[pcr], 20);
		break;
	case TPM_ORD_SHA1START:
		m->sha1_session = true;
		m->sess->tfm = m->tfm;
		crypto_shash_init(m->sess);
		rsp_hdr(m, 14, 0);
		put_unaligned_be32(m->max_num_bytes, r + 10);
		break;
	case TPM_ORD_SHA1UPDATE:
		n = get_unaligned_be32(c + 10);
		if (!m->sha1_session) {
			rc = 0x1a;	/* TPM_SHA_THREAD */
			goto err;
		}
		if (n % 64 || n > m->max_num_bytes || size != 14 + n)
			goto bad_size;
		crypto_shash_update(m->sess, c + 14, n);
		rsp_hdr(m, 10, 0);
		break;
	case TPM_ORD_SHA1COMPLETEEXTEND:
		pcr = get_unaligned_be32(c + 10);
		n = get_unaligned_be32(c + 14);
		if (!m->sha1_session) {
			rc = 0x1a;
			goto err;
		}
		m->sha1_session = false;
		if (n > 64 || size != 18 + n)
			goto bad_size;
		crypto_shash_finup(m->sess, c + 18, n, r + 10);
		rc = model_extend(m, pcr, r + 10);
		if (rc)
			goto err;
		rsp_hdr(m, 50, 0);
		memcpy(r + 30, m->pcr[pcr], 20);
		break;
	case TPM_ORD_GETCAPABILITY: {
		u32 cap = get_unaligned_be32(c + 10);
		u32 sub = size >= 22 ? get_unaligned_be32(c + 18) : 0;
		int i;

		if (cap == TPM_CAP_VERSION_VAL) {
			rsp_hdr(m, 14 + 9, 0);
			put_unaligned_be32(9, r + 10);
			memset(r + 14, 0, 9);
			memcpy(r + 16, m->version, 4);
		} else if (cap == TPM_CAP_PROPERTY && sub == TPM_CAP_PROP_TIS_TIMEOUT) {
			rsp_hdr(m, 14 + 16, 0);
			put_unaligned_be32(16, r + 10);
			for (i = 0; i < 4; i++)
				put_unaligned_be32(m->rep_timeout[i], r + 14 + 4 * i);
		} else if (cap == TPM_CAP_PROPERTY && sub == TPM_CAP_PROP_DURATION) {
			rsp_hdr(m, 14 + 12, 0);
			put_unaligned_be32(12, r + 10);
			for (i = 0; i < 3; i++)
				put_unaligned_be32(m->rep_duration[i], r + 14 + 4 * i);
		} else if (cap == TPM_CAP_FLAG && sub == TPM_CAP_FLAG_PERMANENT) {
			/* TPM_PERMANENT_FLAGS: tag and 20 bools */
			rsp_hdr(m, 14 + 22, 0);
			put_unaligned_be32(22, r + 10);
			memset(r + 14, 0, 22);
			put_unaligned_be16(TPM_TAG_PERMANENT_FLAGS, r + 14);
			r[16] = m->perm_disable;
			r[18] = m->perm_deactivated;
		} else if (cap == TPM_CAP_FLAG && sub == TPM_CAP_FLAG_VOLATILE) {
			/* TPM_STCLEAR_FLAGS: tag and 5 bools */
			rsp_hdr(m, 14 + 7, 0);
			put_unaligned_be32(7, r + 10);
			memset(r + 14, 0, 7);
			put_unaligned_be16(TPM_TAG_STCLEAR_FLAGS, r + 14);
			r[16] = m->st_deactivated;
		} else {
			rc = 0x03;
			goto err;
		}
		break;
	}
	default:
		rc = 0x0a;	/* TPM_BAD_ORDINAL */
		goto err;
	}
	goto faults;
bad_size:
	rc = 0x19;	/* TPM_BAD_PARAM_SIZE */
err:
	rsp_hdr(m, 10, rc);
faults:
	switch (m->cur_fault) {
	case F_RSP_SHORT:
		m->rsp_len -= 4;
		break;
	case F_RSP_LONG:
		put_unaligned_be32(4000, r + 2);
		break;
	case F_RSP_GARBLED:
		put_unaligned_be32(6, r + 2);
		break;
	case F_RSP_BADTAG:
		put_unaligned_be16(m->tpm2 ? TPM_TAG_RSP_COMMAND : 0x8001, r);
		break;
	case F_RSP_LEFTOVER:
		memset(r + m->rsp_len, 0xee, 8);
		m->rsp_len += 8;
		break;
	case F_RSP_WRONGSIZE:
		memset(r + m->rsp_len, 0, 4);
		m->rsp_len += 4;
		put_unaligned_be32(m->rsp_len, r + 2);
		break;
	default:
		break;
	}
}

/* Faults after tpmGo may be limited to one ordinal and a number of times. */
static void model_pick_fault(struct tis_model *m)
{
	u32 ord = get_unaligned_be32(m->cmd + 6);

	m->cur_fault = F_NONE;
	if (m->fault_ord && m->fault_ord != ord)
		return;
	m->cur_fault = m->fault;
	if (m->fault_times && !--m->fault_times)
		m->fault = F_NONE;
}

/*
 * Locality arbitration, the same on both interfaces: a request is granted
 * at once if no locality is active, else it pends; a release of the
 * active locality hands over to the highest pending one, a release of a
 * pending request withdraws it.
 */
static void model_locality(struct tis_model *m, int loc, bool request,
			   bool release)
{
	int i;

	if (request && m->fault != F_LOC_NEVER) {
		if (m->active < 0)
			m->active = loc;
		else if (m->active != loc)
			m->pending[loc] = true;
	}
	if (!release)
		return;
	if (m->active != loc) {
		m->pending[loc] = false;
		return;
	}
	m->active = -1;
	for (i = 4; i >= 0; i--) {
		if (m->pending[i]) {
			m->pending[i] = false;
			m->active = i;
			break;
		}
	}
}

#define MODEL_CRB_BASE	0xfed40000ULL

static u32 crb_model_read(struct tis_model *m, int loc, u32 reg)
{
	u64 buf = MODEL_CRB_BASE + loc * TIS_LOCALITY_STRIDE + CRB_DATA_BUFFER;

	switch (reg) {
	case CRB_LOC_STATE:
		return CRB_LOC_STATE_VALID | (m->active < 0 ? 0 :
		       CRB_LOC_STATE_ASSIGNED |
		       m->active << CRB_LOC_STATE_ACTIVE_SHIFT);
	case CRB_LOC_STS:
		return m->active == loc ? CRB_LOC_STS_GRANTED : 0;
	case CRB_INTF_ID:
		return TIS_IFID_TYPE_CRB | 1 << 4 | BIT(14) |
		       (m->crb_all_loc ? CRB_INTF_CAP_LOCALITY : 0);
	case CRB_INTF_ID + 4:
		return 0;
	}
	if (m->active != loc)
		return U32_MAX;
	switch (reg) {
	case CRB_CTRL_REQ:
		return m->crb_req;
	case CRB_CTRL_STS:
		return (m->crb_err ? CRB_CTRL_STS_ERROR : 0) |
		       (m->crb_idle ? CRB_CTRL_STS_IDLE : 0);
	case CRB_CTRL_START:
		return m->crb_start ? CRB_START_INVOKE : 0;
	case CRB_CTRL_CMD_SIZE:
	case CRB_CTRL_RSP_SIZE:
		return MBUF;
	case CRB_CTRL_CMD_LADDR:
	case CRB_CTRL_RSP_ADDR:
		return lower_32_bits(buf);
	case CRB_CTRL_CMD_HADDR:
	case CRB_CTRL_RSP_ADDR + 4:
		return upper_32_bits(buf);
	}
	if (reg >= CRB_DATA_BUFFER && reg + 4 <= CRB_DATA_BUFFER + MBUF)
		return get_unaligned_le32(m->crbbuf + reg - CRB_DATA_BUFFER);
	return 0;
}

/* CTRL_START: run the command in the buffer (faults as on the FIFO). */
static void crb_model_start(struct tis_model *m, int loc)
{
	u32 size = get_unaligned_be32(m->crbbuf + 2);

	if (m->crb_idle || m->crb_start)
		return;
	m->cmd_len = min_t(u32, size, MBUF);
	memcpy(m->cmd, m->crbbuf, m->cmd_len);
	m->cmd_locality = loc;
	if (m->held && !*m->held)
		m->unheld_cmds++;
	model_pick_fault(m);
	m->crb_start = true;
	if (m->cur_fault == F_DATAAVAIL_NEVER)
		return;
	model_execute(m);
	if (m->cur_fault == F_EXEC_NO_RSP)
		return;
	if (m->cur_fault == F_RSP_SHORT)
		m->crb_err = true;
	memcpy(m->crbbuf, m->rsp, min_t(u32, m->rsp_len, MBUF));
	m->crb_start = false;
}

static void crb_model_write(struct tis_model *m, int loc, u32 reg, u32 val)
{
	if (reg == CRB_LOC_CTRL) {
		model_locality(m, loc, val & CRB_LOC_CTRL_REQUEST,
			       val & CRB_LOC_CTRL_RELINQUISH);
		return;
	}
	if (m->active != loc)
		return;
	switch (reg) {
	case CRB_CTRL_REQ:
		if (val & CRB_CTRL_REQ_CMD_READY) {
			if (m->fault == F_CMDREADY_NEVER) {
				m->crb_req |= CRB_CTRL_REQ_CMD_READY;
			} else {
				m->crb_idle = false;
				m->crb_err = false;
			}
		}
		if (val & CRB_CTRL_REQ_GO_IDLE)
			m->crb_idle = true;
		return;
	case CRB_CTRL_START:
		if (val & CRB_START_INVOKE)
			crb_model_start(m, loc);
		return;
	case CRB_CTRL_CANCEL:
		if (val & CRB_CANCEL_INVOKE)
			m->crb_start = false;
		return;
	}
	if (reg >= CRB_DATA_BUFFER && reg + 4 <= CRB_DATA_BUFFER + MBUF)
		put_unaligned_le32(val, m->crbbuf + reg - CRB_DATA_BUFFER);
}

static u32 model_read(void *ctx, u32 off, unsigned int width)
{
	struct tis_model *m = ctx;
	int loc = off / TIS_LOCALITY_STRIDE, i;
	u32 reg = off % TIS_LOCALITY_STRIDE, val = 0;
	unsigned long flags;

	spin_lock_irqsave(&m->lock, flags);
	if (m->crb) {
		val = crb_model_read(m, loc, reg);
	} else if (reg == TIS_ACCESS) {
		val = TIS_ACCESS_VALID;
		if (m->active == loc)
			val |= TIS_ACCESS_ACTIVE_LOCALITY;
		if (m->pending[loc])
			val |= TIS_ACCESS_REQUEST_USE;
		for (i = 0; i < 5; i++)
			if (i != loc && m->pending[i])
				val |= TIS_ACCESS_PENDING;
	} else if (reg == TIS_INTF_CAPS) {	/* readable at any locality */
		val = m->intf_caps;
	} else if (reg == TIS_INTERFACE_ID) {
		val = m->intf_id;
	} else if (m->active != loc) {
		val = U32_MAX;
	} else if (reg >= TIS_STS && reg < TIS_STS + 4) {
		val = model_sts(m) >> (8 * (reg - TIS_STS));
	} else if (reg == TIS_DATA_FIFO && m->fifo_narrow && width > 1) {
		m->fifo_widths |= BIT(width);
		val = U32_MAX;		/* not decoded: nothing read */
	} else if (reg == TIS_DATA_FIFO) {
		m->fifo_widths |= BIT(width);
		for (i = 0; i < width; i++) {
			u8 b = 0xff;

			if (m->state == M_COMPLETION && m->rsp_pos < m->rsp_len)
				b = m->rsp[m->rsp_pos++];
			val |= (u32)b << (8 * i);
		}
	}
	spin_unlock_irqrestore(&m->lock, flags);
	if (width < 4)
		val &= (1u << (8 * width)) - 1;
	return val;
}

static void model_write(void *ctx, u32 off, unsigned int width, u32 val)
{
	struct tis_model *m = ctx;
	int loc = off / TIS_LOCALITY_STRIDE, i;
	u32 reg = off % TIS_LOCALITY_STRIDE;
	unsigned long flags;

	spin_lock_irqsave(&m->lock, flags);
	if (m->crb) {
		crb_model_write(m, loc, reg, val);
		goto out;
	}
	if (reg == TIS_ACCESS) {
		model_locality(m, loc, val & TIS_ACCESS_REQUEST_USE,
			       val & TIS_ACCESS_ACTIVE_LOCALITY);
		goto out;
	}
	if (m->active != loc)
		goto out;
	if (reg == TIS_STS) {
		if (val & TIS_STS_COMMAND_READY) {
			switch (m->state) {
			case M_IDLE:
				if (m->fault != F_CMDREADY_NEVER)
					m->state = M_READY;
				break;
			case M_READY:
			case M_COMPLETION:
				m->state = M_READY;
				break;
			default:	/* abort */
				m->state = M_IDLE;
				break;
			}
			m->cmd_len = 0;
			m->rsp_len = 0;
			m->rsp_pos = 0;
		} else if (val & TIS_STS_GO && m->state == M_RECEPTION &&
			   m->cmd_len >= TPM_HDR_SIZE &&
			   m->cmd_len == get_unaligned_be32(m->cmd + 2)) {
			m->cmd_locality = loc;
			if (m->held && !*m->held)
				m->unheld_cmds++;
			model_pick_fault(m);
			if (m->cur_fault == F_DATAAVAIL_NEVER) {
				m->state = M_EXECUTION;
			} else {
				model_execute(m);
				m->rsp_pos = 0;
				m->state = m->cur_fault == F_EXEC_NO_RSP ?
					   M_EXECUTION : M_COMPLETION;
			}
		}
	} else if (reg == TIS_DATA_FIFO) {
		m->fifo_widths |= BIT(width);
		if (m->fifo_narrow && width > 1)
			goto out;	/* not decoded: dropped */
		if (m->state == M_READY)
			m->state = M_RECEPTION;
		if (m->state == M_RECEPTION)
			for (i = 0; i < width && m->cmd_len < MBUF; i++)
				m->cmd[m->cmd_len++] = val >> (8 * i);
	}
out:
	spin_unlock_irqrestore(&m->lock, flags);
}

static const struct drtm_tis_ops model_ops = {
	.read = model_read,
	.write = model_write,
};

/* Per-test context. */
struct ctx {
	struct tis_model m;
	struct drtm_dev dev;
	u8 logbuf[4096];
};

#define MODEL_TIMEOUT_US	10000

static void set_fast_timeouts(struct drtm_tis *tis)
{
	int i;

	for (i = 0; i < DRTM_TO_NR; i++)
		tis->timeout_us[i] = MODEL_TIMEOUT_US;
	for (i = 0; i < DRTM_DUR_NR; i++)
		tis->duration_us[i] = MODEL_TIMEOUT_US;
}

static int tis_test_init(struct kunit *test)
{
	struct ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct tis_model *m;
	int i;

	if (!c)
		return -ENOMEM;
	m = &c->m;
	spin_lock_init(&m->lock);
	m->active = -1;
	m->max_burst = 4096;
	m->max_num_bytes = 256;
	m->intf_caps = 2 << 28;		/* TIS 1.3 */
	for (i = 0; i < 4; i++)
		m->rep_timeout[i] = 11000 + i;
	for (i = 0; i < 3; i++)
		m->rep_duration[i] = 12 + i;	/* ms, as some TPMs do */
	m->version[0] = 1;
	m->version[1] = 2;
	m->version[2] = 7;
	m->version[3] = 9;
	m->intf_id = U32_MAX;		/* no TPM_INTERFACE_ID */
	for (i = 17; i <= 22; i++)
		memset(m->pcr[i], 0xff, 20);
	m->tfm = crypto_alloc_shash("sha1", 0, 0);
	if (IS_ERR(m->tfm))
		return PTR_ERR(m->tfm);
	m->sess = kzalloc(sizeof(*m->sess) + crypto_shash_descsize(m->tfm),
			  GFP_KERNEL);
	if (!m->sess) {
		crypto_free_shash(m->tfm);
		return -ENOMEM;
	}
	if (drtm_dev_init(&c->dev)) {
		kfree(m->sess);
		crypto_free_shash(m->tfm);
		return -ENOMEM;
	}
	drtm_tis_init(&c->dev.tis, &model_ops, m, 2, 4);
	set_fast_timeouts(&c->dev.tis);
	drtm_evlog_init(&c->dev.log, c->logbuf, sizeof(c->logbuf));
	test->priv = c;
	return 0;
}

static void tis_test_exit(struct kunit *test)
{
	struct ctx *c = test->priv;

	drtm_dev_destroy(&c->dev);
	kfree(c->m.sess);
	crypto_free_shash(c->m.tfm);
}

static void expect_idle(struct kunit *test, struct tis_model *m)
{
	int i;

	KUNIT_EXPECT_EQ_MSG(test, m->active, -1, "locality still active");
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_FALSE_MSG(test, m->pending[i], "request %d pending", i);
	KUNIT_EXPECT_TRUE_MSG(test, m->state == M_IDLE || m->state == M_READY,
			      "TIS not idle: state %d", m->state);
}

static void model_sha1(struct tis_model *m, const void *p, size_t n, u8 *out)
{
	SHASH_DESC_ON_STACK(d, m->tfm);

	d->tfm = m->tfm;
	crypto_shash_digest(d, p, n, out);
}

/* Expected PCR after extending @digest into @old. */
static void extended(struct tis_model *m, const u8 *old, const u8 *digest,
		     u8 *out)
{
	u8 buf[40];

	memcpy(buf, old, 20);
	memcpy(buf + 20, digest, 20);
	model_sha1(m, buf, 40, out);
}

static void tis_extend_pcr17(struct kunit *test)
{
	struct ctx *c = test->priv;
	u8 d[20], out[20], want[20], ff[20];
	u32 rc = 1;

	memset(d, 0x11, 20);
	memset(ff, 0xff, 20);
	KUNIT_ASSERT_EQ(test, drtm_tpm_extend(&c->dev.tis, 17, d, out, &rc), 0);
	KUNIT_EXPECT_EQ(test, rc, 0);
	extended(&c->m, ff, d, want);
	KUNIT_EXPECT_MEMEQ(test, out, want, 20);
	KUNIT_EXPECT_MEMEQ(test, c->m.pcr[17], want, 20);
	KUNIT_EXPECT_EQ(test, c->m.cmd_locality, 2);
	KUNIT_EXPECT_EQ(test, c->dev.tis.stats.commands, 1);
	KUNIT_EXPECT_EQ(test, c->dev.tis.stats.bytes_tx, 34);
	KUNIT_EXPECT_EQ(test, c->dev.tis.stats.bytes_rx, 30);
	expect_idle(test, &c->m);

	memset(out, 0, 20);
	KUNIT_ASSERT_EQ(test, drtm_tpm_pcr_read(&c->dev.tis, 17, out, &rc), 0);
	KUNIT_EXPECT_MEMEQ(test, out, want, 20);
	expect_idle(test, &c->m);
}

/* Narrow bursts (< 4) and every FIFO width give the same result. */
static void tis_burst_and_width(struct kunit *test)
{
	struct ctx *c = test->priv;
	static const u32 bursts[] = { 1, 2, 3, 5, 4096 };
	static const unsigned int widths[] = { 1, 2, 4 };
	u64 mmio[3] = {};
	u8 d[20], out[20];
	u32 rc;
	int b, w;

	memset(d, 0x22, 20);
	for (b = 0; b < ARRAY_SIZE(bursts); b++) {
		for (w = 0; w < ARRAY_SIZE(widths); w++) {
			u64 before;

			c->m.max_burst = bursts[b];
			c->dev.tis.fifo_width = widths[w];
			before = c->dev.tis.stats.mmio_reads +
				 c->dev.tis.stats.mmio_writes;
			KUNIT_ASSERT_EQ_MSG(test,
					    drtm_tpm_extend(&c->dev.tis, 16, d, out, &rc),
					    0, "burst %u width %u", bursts[b], widths[w]);
			KUNIT_EXPECT_MEMEQ(test, out, c->m.pcr[16], 20);
			if (bursts[b] == 4096)
				mmio[w] = c->dev.tis.stats.mmio_reads +
					  c->dev.tis.stats.mmio_writes - before;
			expect_idle(test, &c->m);
		}
	}
	/* 4-byte FIFO accesses cut the MMIO count at least in half. */
	KUNIT_EXPECT_LE(test, 2 * mmio[2], mmio[0]);
	KUNIT_EXPECT_LT(test, mmio[1], mmio[0]);
}

static void tis_probe_tpm12(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_tis *tis = &c->dev.tis;
	bool tpm2 = true;
	u8 ver[4];

	KUNIT_ASSERT_EQ(test, drtm_tpm_probe(tis, ver, &tpm2), 0);
	KUNIT_EXPECT_FALSE(test, tpm2);
	KUNIT_EXPECT_EQ(test, ver[0], 1);
	KUNIT_EXPECT_EQ(test, ver[1], 2);
	KUNIT_EXPECT_TRUE(test, tis->timeouts_from_tpm);
	KUNIT_EXPECT_TRUE(test, tis->durations_from_tpm);
	KUNIT_EXPECT_EQ(test, tis->timeout_us[DRTM_TO_A], 11000);
	KUNIT_EXPECT_EQ(test, tis->timeout_us[DRTM_TO_D], 11003);
	KUNIT_EXPECT_FALSE(test, tis->timeouts_adjusted);
	/* A short duration below 10 ms: reported in ms (Linux's rule). */
	KUNIT_EXPECT_EQ(test, tis->duration_us[DRTM_DUR_SHORT], 1000000);
	KUNIT_EXPECT_EQ(test, tis->duration_us[DRTM_DUR_MEDIUM], 13000);
	KUNIT_EXPECT_EQ(test, tis->duration_us[DRTM_DUR_LONG], 14000);
	KUNIT_EXPECT_TRUE(test, tis->durations_adjusted);
	KUNIT_EXPECT_STREQ(test, drtm_tpm_state(tis), "enabled, activated");
	KUNIT_EXPECT_FALSE(test, drtm_tpm_unusable(tis));
	KUNIT_EXPECT_FALSE(test, tis->itpm);
	KUNIT_EXPECT_FALSE(test, tis->fifo_fallback);
	expect_idle(test, &c->m);
}

static void tis_probe_tpm2_refused(struct kunit *test)
{
	struct ctx *c = test->priv;
	bool tpm2 = false;
	u8 ver[4];

	c->m.fault = F_TPM2;
	KUNIT_EXPECT_EQ(test, drtm_tpm_probe(&c->dev.tis, ver, &tpm2), -ENODEV);
	KUNIT_EXPECT_TRUE(test, tpm2);
	expect_idle(test, &c->m);
}

struct ident_case {
	const char *name;
	u32 caps, id;
	int ret;
};

static const struct ident_case ident_cases[] = {
	{ "tis12", 0x00000000, U32_MAX, 0 },
	{ "tis13_tpm12", 0x20000000, U32_MAX, 0 },
	{ "tis13_legacy_id", 0x20000000, 0x0000000f, 0 },
	{ "ptp_fifo_tpm2", 0x30000000, 0x00000000, -ENODEV },
	{ "ptp_fifo_tpm2_no_id", 0x30000000, U32_MAX, -ENODEV },
	{ "crb_tpm2", 0x00000000, 0x00004011, -ENODEV },
	{ "crb_tpm2_caps_ones", U32_MAX, 0x00000011, -ENODEV },
};

static void ident_desc(const struct ident_case *i, char *desc)
{
	strscpy(desc, i->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ident, ident_cases, ident_desc);

/* TPM 2.0 interfaces are told from the registers, without a command. */
static void tis_identify(struct kunit *test)
{
	const struct ident_case *ic = test->param_value;
	struct ctx *c = test->priv;
	const char *why = NULL;
	u32 caps, id;

	c->m.intf_caps = ic->caps;
	c->m.intf_id = ic->id;
	KUNIT_EXPECT_EQ(test, drtm_tis_identify(&c->dev.tis, &caps, &id, &why),
			ic->ret);
	KUNIT_EXPECT_EQ(test, caps, ic->caps);
	KUNIT_EXPECT_EQ(test, id, ic->id);
	if (ic->ret)
		KUNIT_EXPECT_NOT_NULL(test, why);
	else
		KUNIT_EXPECT_NULL(test, why);
	KUNIT_EXPECT_EQ(test, c->m.executed, 0);
	expect_idle(test, &c->m);
}

/* TPM_DOING_SELFTEST / TPM_RETRY at probe: retried, within a bound. */
static void tis_probe_retry(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_tis *tis = &c->dev.tis;
	bool tpm2 = true;
	ktime_t t0;
	u8 ver[4];

	tis->probe_retry_us = 100;
	c->m.fault = F_TPM_RC;
	c->m.inject_rc = TPM_RC_DOING_SELFTEST;
	c->m.fault_times = 3;
	KUNIT_EXPECT_EQ(test, drtm_tpm_probe(tis, ver, &tpm2), 0);
	KUNIT_EXPECT_FALSE(test, tpm2);
	KUNIT_EXPECT_EQ(test, tis->stats.retries, 3);
	KUNIT_EXPECT_EQ(test, ver[1], 2);

	tis->stats.retries = 0;
	c->m.fault = F_TPM_RC;
	c->m.inject_rc = TPM_RC_RETRY;
	c->m.fault_times = 0;		/* for ever */
	t0 = ktime_get();
	KUNIT_EXPECT_EQ(test, drtm_tpm_probe(tis, ver, &tpm2), -EAGAIN);
	KUNIT_EXPECT_EQ(test, tis->stats.retries, DRTM_PROBE_RETRIES);
	/* 3 refused + 5 answered, then 1 + DRTM_PROBE_RETRIES refused. */
	KUNIT_EXPECT_EQ(test, c->m.executed, 8 + 1 + DRTM_PROBE_RETRIES);
	KUNIT_EXPECT_LT(test, ktime_us_delta(ktime_get(), t0), 2000000);
	expect_idle(test, &c->m);
}

struct fault_case {
	const char *name;
	enum model_fault fault;
	int err;
};

static const struct fault_case fault_cases[] = {
	{ "locality_never_granted", F_LOC_NEVER, -ETIMEDOUT },
	{ "command_ready_never", F_CMDREADY_NEVER, -ETIMEDOUT },
	{ "burst_count_stuck_0", F_BURST_ZERO, -ETIMEDOUT },
	{ "expect_stuck_after_last_byte", F_EXPECT_STUCK, -EIO },
	{ "expect_clear_too_early", F_EXPECT_EARLY, -EIO },
	{ "data_avail_never", F_DATAAVAIL_NEVER, -ETIMEDOUT },
	{ "short_response", F_RSP_SHORT, -ENODATA },
	{ "long_response", F_RSP_LONG, -EMSGSIZE },
	{ "garbled_param_size", F_RSP_GARBLED, -EPROTO },
	{ "bad_response_tag", F_RSP_BADTAG, -EPROTO },
	{ "left_over_data", F_RSP_LEFTOVER, -EBADMSG },
	{ "wrong_size_for_ordinal", F_RSP_WRONGSIZE, -EBADMSG },
	{ "tpm_error_code", F_TPM_RC, -EIO },
};

static void fault_desc(const struct fault_case *f, char *desc)
{
	strscpy(desc, f->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fault, fault_cases, fault_desc);

/*
 * Each fault: the right errno, within its bound, nothing extended, TIS
 * idle and the locality released; the next command works again.
 */
static void tis_fault(struct kunit *test)
{
	const struct fault_case *f = test->param_value;
	struct ctx *c = test->priv;
	struct drtm_tis *tis = &c->dev.tis;
	u8 d[20], out[20], before[20];
	/* Worst case: locality retries x TIMEOUT_A, or a few waits. */
	const s64 bound_us = (tis->locality_retries + 1) * MODEL_TIMEOUT_US +
			     4 * MODEL_TIMEOUT_US + 200000;
	u32 rc = 0;
	ktime_t t0;
	s64 us;
	int ret;

	memset(d, 0x33, 20);
	memcpy(before, c->m.pcr[17], 20);
	c->m.fault = f->fault;
	c->m.inject_rc = 0x09;	/* TPM_FAIL */
	t0 = ktime_get();
	ret = drtm_tpm_extend(tis, 17, d, out, &rc);
	us = ktime_us_delta(ktime_get(), t0);
	KUNIT_EXPECT_EQ(test, ret, f->err);
	KUNIT_EXPECT_LT(test, us, bound_us);
	KUNIT_EXPECT_EQ(test, tis->stats.last_err, f->err);
	/* Failures after tpmGo leave it open whether the TPM executed. */
	KUNIT_EXPECT_EQ(test, tis->unclear,
			f->fault >= F_DATAAVAIL_NEVER && f->fault != F_TPM_RC);
	if (f->fault == F_TPM_RC) {
		KUNIT_EXPECT_EQ(test, rc, 0x09);
		KUNIT_EXPECT_EQ(test, tis->stats.last_tpm_rc, 0x09);
	}
	if (f->fault != F_LOC_NEVER && f->fault != F_TPM_RC &&
	    f->fault != F_RSP_WRONGSIZE)
		KUNIT_EXPECT_EQ(test, tis->stats.aborts, 1);
	if (f->fault == F_LOC_NEVER)
		KUNIT_EXPECT_EQ(test, tis->stats.retries, tis->locality_retries);
	/* Only faults after execution may have changed the PCR. */
	if (f->fault <= F_DATAAVAIL_NEVER)
		KUNIT_EXPECT_MEMEQ(test, c->m.pcr[17], before, 20);
	expect_idle(test, &c->m);

	/* The transport recovers. */
	c->m.fault = F_NONE;
	if (c->m.state == M_EXECUTION)
		c->m.state = M_IDLE;
	KUNIT_EXPECT_EQ(test, drtm_tpm_extend(tis, 17, d, out, &rc), 0);
	expect_idle(test, &c->m);
}

/* A TPM error is named and mapped; PCR 17 at locality 0 is refused. */
static void tis_bad_locality(struct kunit *test)
{
	struct ctx *c = test->priv;
	u8 d[20], before[20];
	char buf[24];
	u32 rc = 0;

	memset(d, 0x44, 20);
	memcpy(before, c->m.pcr[17], 20);
	c->dev.tis.locality = 0;
	KUNIT_EXPECT_EQ(test, drtm_tpm_extend(&c->dev.tis, 17, d, NULL, &rc),
			-EACCES);
	KUNIT_EXPECT_EQ(test, rc, TPM_RC_BAD_LOCALITY);
	KUNIT_EXPECT_STREQ(test, drtm_tpm_rc_name(rc, buf, sizeof(buf)),
			   "TPM_BAD_LOCALITY");
	KUNIT_EXPECT_STREQ(test, drtm_tpm_rc_name(0x4321, buf, sizeof(buf)),
			   "TPM_ERROR_0x4321");
	KUNIT_EXPECT_MEMEQ(test, c->m.pcr[17], before, 20);
	expect_idle(test, &c->m);
	/* PCR 16 may be extended from any locality. */
	KUNIT_EXPECT_EQ(test, drtm_tpm_extend(&c->dev.tis, 16, d, NULL, &rc), 0);
}

/* Host and TPM-side hashing give the same digest and PCR value. */
static void measure_modes_agree(struct kunit *test)
{
	static const u32 sizes[] = { 0, 1, 63, 64, 65, 128, 256, 1000, 3000 };
	struct ctx *c = test->priv;
	struct drtm_src src = {};
	u8 dh[20], dt[20], ref[20];
	u8 *data;
	u32 rc;
	int i;

	data = kunit_kmalloc(test, 3000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, data);
	for (i = 0; i < 3000; i++)
		data[i] = i * 7 + 3;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		src.kbuf = data;
		src.size = sizes[i];
		KUNIT_ASSERT_EQ(test, drtm_dev_measure(&c->dev, 17, DRTM_EV_SLAUNCH,
						       TPM12_DRTM_HASH_HOST, &src,
						       "h", 1, dh, &rc), 0);
		KUNIT_ASSERT_EQ(test, drtm_dev_measure(&c->dev, 18, DRTM_EV_SLAUNCH,
						       TPM12_DRTM_HASH_TPM, &src,
						       "t", 1, dt, &rc), 0);
		model_sha1(&c->m, data, sizes[i], ref);
		KUNIT_EXPECT_MEMEQ_MSG(test, dh, ref, 20, "size %u", sizes[i]);
		KUNIT_EXPECT_MEMEQ_MSG(test, dt, ref, 20, "size %u", sizes[i]);
		KUNIT_EXPECT_MEMEQ(test, c->m.pcr[17], c->m.pcr[18], 20);
	}
	expect_idle(test, &c->m);
}

/* Reason flags of the log-gap markers (DRTM_EV_LOG_GAP events) found. */
static u32 log_gaps(struct kunit *test, struct ctx *c, u32 *gap_pcr)
{
	const struct drtm_evlog_header *hdr = (void *)c->dev.log.buf;
	const struct drtm_event_header *ev;
	static const u8 zero[20];
	u32 off, reasons = 0;
	const u8 *data;

	for (off = le32_to_cpu(hdr->pcr_events_offset);
	     off < le32_to_cpu(hdr->next_event_offset);
	     off += DRTM_EVENT_HDR_SIZE + le32_to_cpu(ev->data_size)) {
		ev = c->dev.log.buf + off;
		if (le32_to_cpu(ev->type) != DRTM_EV_LOG_GAP)
			continue;
		data = (const u8 *)(ev + 1);
		KUNIT_EXPECT_EQ(test, le32_to_cpu(ev->data_size),
				DRTM_EV_LOG_GAP_SIZE);
		KUNIT_EXPECT_MEMEQ(test, ev->digest, zero, 20);
		KUNIT_EXPECT_STREQ(test, (const char *)data, DRTM_EV_LOG_GAP_TAG);
		reasons |= get_unaligned_le32(data + 12);
		if (gap_pcr)
			*gap_pcr = le32_to_cpu(ev->pcr_index);
	}
	return reasons;
}

/*
 * Replay the log from FF (17-22) / 0, skipping gap markers (never
 * extended), and compare with the model's PCRs.
 */
static u32 replay_matches(struct kunit *test, struct ctx *c)
{
	const struct drtm_evlog_header *hdr = (void *)c->dev.log.buf;
	const struct drtm_event_header *ev;
	u8 pcr[24][20] = {};
	u32 off, n = 0, i;

	for (i = 17; i <= 22; i++)
		memset(pcr[i], 0xff, 20);
	for (off = le32_to_cpu(hdr->pcr_events_offset);
	     off < le32_to_cpu(hdr->next_event_offset);
	     off += DRTM_EVENT_HDR_SIZE + le32_to_cpu(ev->data_size)) {
		ev = c->dev.log.buf + off;
		if (le32_to_cpu(ev->type) == DRTM_EV_LOG_GAP)
			continue;
		i = le32_to_cpu(ev->pcr_index);
		KUNIT_ASSERT_LT(test, i, 24);
		extended(&c->m, pcr[i], ev->digest, pcr[i]);
		n++;
	}
	for (i = 0; i < 24; i++)
		KUNIT_EXPECT_MEMEQ_MSG(test, pcr[i], c->m.pcr[i], 20, "PCR %u", i);
	return n;
}

struct unclear_case {
	const char *name;
	enum model_fault fault;
	enum tpm12_drtm_hash mode;
	bool executed;		/* the model executes the command */
};

static const struct unclear_case unclear_cases[] = {
	{ "host_no_response_after_execution", F_EXEC_NO_RSP, TPM12_DRTM_HASH_HOST, true },
	{ "host_short_response", F_RSP_SHORT, TPM12_DRTM_HASH_HOST, true },
	{ "host_long_response", F_RSP_LONG, TPM12_DRTM_HASH_HOST, true },
	{ "host_garbled_param_size", F_RSP_GARBLED, TPM12_DRTM_HASH_HOST, true },
	{ "host_bad_response_tag", F_RSP_BADTAG, TPM12_DRTM_HASH_HOST, true },
	{ "host_left_over_data", F_RSP_LEFTOVER, TPM12_DRTM_HASH_HOST, true },
	{ "host_wrong_size_for_ordinal", F_RSP_WRONGSIZE, TPM12_DRTM_HASH_HOST, true },
	{ "host_not_executed", F_DATAAVAIL_NEVER, TPM12_DRTM_HASH_HOST, false },
	{ "tpm_no_response_after_execution", F_EXEC_NO_RSP, TPM12_DRTM_HASH_TPM, true },
	{ "tpm_short_response", F_RSP_SHORT, TPM12_DRTM_HASH_TPM, true },
	{ "tpm_long_response", F_RSP_LONG, TPM12_DRTM_HASH_TPM, true },
	{ "tpm_garbled_param_size", F_RSP_GARBLED, TPM12_DRTM_HASH_TPM, true },
	{ "tpm_bad_response_tag", F_RSP_BADTAG, TPM12_DRTM_HASH_TPM, true },
	{ "tpm_left_over_data", F_RSP_LEFTOVER, TPM12_DRTM_HASH_TPM, true },
	{ "tpm_wrong_size_for_ordinal", F_RSP_WRONGSIZE, TPM12_DRTM_HASH_TPM, true },
	{ "tpm_not_executed", F_DATAAVAIL_NEVER, TPM12_DRTM_HASH_TPM, false },
};

static void unclear_desc(const struct unclear_case *u, char *desc)
{
	strscpy(desc, u->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(unclear, unclear_cases, unclear_desc);

/*
 * A fault after the TPM may have executed TPM_Extend or
 * TPM_SHA1CompleteExtend: the driver reads the PCR back and logs the event
 * exactly when the PCR moved, so the replay of the log equals the PCRs and
 * the log stays usable.
 */
static void log_unclear_extend(struct kunit *test)
{
	const struct unclear_case *u = test->param_value;
	struct ctx *c = test->priv;
	static u8 data[300];
	struct drtm_src src = { .kbuf = data, .size = sizeof(data) };
	u8 d[20], ref[20];
	u32 rc;
	int ret;

	memset(data, 0x5c, sizeof(data));
	model_sha1(&c->m, data, sizeof(data), ref);
	KUNIT_ASSERT_EQ(test, drtm_dev_measure(&c->dev, 17, DRTM_EV_SLAUNCH, u->mode,
					       &src, "a", 1, d, &rc), 0);
	c->m.fault = u->fault;
	c->m.fault_ord = u->mode == TPM12_DRTM_HASH_TPM ?
			 TPM_ORD_SHA1COMPLETEEXTEND : TPM_ORD_EXTEND;
	c->m.fault_times = 1;
	ret = drtm_dev_measure(&c->dev, 17, DRTM_EV_SLAUNCH, u->mode, &src,
			       "b", 1, d, &rc);
	KUNIT_EXPECT_EQ(test, c->m.fault, F_NONE);
	if (u->executed) {
		/* Extended and logged: the measurement took place. */
		KUNIT_EXPECT_EQ(test, ret, 0);
		KUNIT_EXPECT_MEMEQ(test, d, ref, 20);
	} else {
		KUNIT_EXPECT_EQ(test, ret, -ETIMEDOUT);
	}
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, DRTM_EV_SLAUNCH,
					       u->mode, &src, "c", 1, d, &rc), 0);
	KUNIT_EXPECT_EQ(test, replay_matches(test, c), u->executed ? 3 : 2);
	KUNIT_EXPECT_EQ(test, log_gaps(test, c, NULL), 0);
	KUNIT_EXPECT_FALSE(test, c->dev.log.unusable);
	KUNIT_EXPECT_EQ(test, c->dev.unclear, 1);
	KUNIT_EXPECT_EQ(test, c->dev.unclear_done, u->executed ? 1 : 0);
	/* The PCR value the TPM returned last is kept. */
	KUNIT_EXPECT_TRUE(test, c->dev.pcr_known & BIT(17));
	KUNIT_EXPECT_MEMEQ(test, c->dev.pcr_val[17], c->m.pcr[17], 20);
	expect_idle(test, &c->m);
}

/*
 * The outcome cannot be established (the read-back fails as well, or the
 * PCR moved in a way the digest does not explain): the log carries a gap
 * marker naming the PCR, for good.
 */
static void log_unclear_unknown(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_src src = { .kbuf = "abc", .size = 3 };
	u32 rc, gap_pcr = 0, csize;
	const char *why;
	u8 d[20];
	int step;

	for (step = 0; step < 2; step++) {
		KUNIT_ASSERT_EQ(test, drtm_dev_measure(&c->dev, 18, 1,
						       TPM12_DRTM_HASH_HOST, &src,
						       "a", 1, d, &rc), 0);
		if (step == 0) {
			/* Every response is short, the PCRRead's too. */
			c->m.fault = F_RSP_SHORT;
		} else {
			/* Someone else extends PCR 18 behind our back. */
			memset(c->m.pcr[18], 0x77, 20);
			c->m.fault = F_RSP_LEFTOVER;
			c->m.fault_ord = TPM_ORD_EXTEND;
			c->m.fault_times = 1;
		}
		KUNIT_EXPECT_NE(test, drtm_dev_measure(&c->dev, 18, 1,
						       TPM12_DRTM_HASH_HOST, &src,
						       "b", 1, d, &rc), 0);
		c->m.fault = F_NONE;
		KUNIT_EXPECT_EQ(test, log_gaps(test, c, &gap_pcr),
				DRTM_EV_LOG_GAP_UNKNOWN);
		KUNIT_EXPECT_EQ(test, gap_pcr, 18);
		KUNIT_EXPECT_TRUE(test, c->dev.log.unusable);
		KUNIT_EXPECT_EQ(test, c->dev.unclear_unknown, step + 1);
		KUNIT_EXPECT_EQ(test, drtm_evlog_validate(c->dev.log.buf,
							  c->dev.log.size, &csize,
							  &why), 0);
		/* Later measurements still work and are logged; it sticks. */
		KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, 1,
						       TPM12_DRTM_HASH_HOST, &src,
						       "c", 1, d, &rc), 0);
		KUNIT_EXPECT_TRUE(test, c->dev.log.unusable);
		KUNIT_EXPECT_EQ(test, log_gaps(test, c, NULL),
				DRTM_EV_LOG_GAP_UNKNOWN);
		expect_idle(test, &c->m);
		/* Start over with a fresh log. */
		drtm_evlog_init(&c->dev.log, c->logbuf, sizeof(c->logbuf));
	}
}

/* A full log ends with a truncation marker in the binary log. */
static void log_full_marker(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_src src = { .kbuf = "x", .size = 1 };
	static u8 big[500];
	u32 rc, used, csize, gap_pcr = 0;
	const char *why;
	int i, ret = 0;
	u8 d[20];

	for (i = 0; i < 20 && !ret; i++)
		ret = drtm_dev_measure(&c->dev, 17 + (i & 1), 2,
				       TPM12_DRTM_HASH_HOST, &src, big,
				       sizeof(big), d, &rc);
	KUNIT_ASSERT_EQ(test, ret, -ENOSPC);
	KUNIT_EXPECT_TRUE(test, c->dev.log.truncated);
	KUNIT_EXPECT_FALSE(test, c->dev.log.unusable);
	KUNIT_EXPECT_EQ(test, log_gaps(test, c, &gap_pcr),
			DRTM_EV_LOG_GAP_TRUNCATED);
	KUNIT_EXPECT_EQ(test, gap_pcr, 17 + ((i - 1) & 1));
	KUNIT_EXPECT_EQ(test, drtm_evlog_validate(c->dev.log.buf, c->dev.log.size,
						  &csize, &why), 0);
	/* One marker only, however many events are lost. */
	used = drtm_evlog_used(&c->dev.log);
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, 2, TPM12_DRTM_HASH_HOST,
					       &src, big, sizeof(big), d, &rc),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, drtm_evlog_used(&c->dev.log), used);
	KUNIT_EXPECT_EQ(test, log_gaps(test, c, NULL), DRTM_EV_LOG_GAP_TRUNCATED);
}

/* A failed extend leaves no log entry. */
static void log_failed_extend_not_logged(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_src src = { .kbuf = "abc", .size = 3 };
	u32 used = drtm_evlog_used(&c->dev.log), rc, executed;
	u8 d[20];

	/* The PCRs are known: the faults hit the extends themselves. */
	KUNIT_ASSERT_EQ(test, drtm_dev_pcr_read(&c->dev, 17, d, &rc), 0);
	KUNIT_ASSERT_EQ(test, drtm_dev_pcr_read(&c->dev, 18, d, &rc), 0);
	c->m.fault = F_TPM_RC;
	c->m.inject_rc = TPM_RC_BAD_LOCALITY;
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, 1, TPM12_DRTM_HASH_HOST,
					       &src, "x", 1, d, &rc), -EACCES);
	KUNIT_EXPECT_EQ(test, rc, TPM_RC_BAD_LOCALITY);
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 18, 1, TPM12_DRTM_HASH_TPM,
					       &src, "x", 1, d, &rc), -EACCES);
	/* Not executed: the read-back finds the PCR unchanged. */
	c->m.fault = F_DATAAVAIL_NEVER;
	c->m.fault_times = 1;
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, 1, TPM12_DRTM_HASH_HOST,
					       &src, "x", 1, d, &rc), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, c->dev.unclear_not_done, 1);
	KUNIT_EXPECT_EQ(test, drtm_evlog_used(&c->dev.log), used);
	KUNIT_EXPECT_FALSE(test, c->dev.log.unusable);
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, 1, TPM12_DRTM_HASH_HOST,
					       &src, "x", 1, d, &rc), 0);
	KUNIT_EXPECT_EQ(test, replay_matches(test, c), 1);
	/* Bad arguments: nothing happens. */
	executed = c->m.executed;
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 24, 1, TPM12_DRTM_HASH_HOST,
					       &src, NULL, 0, d, &rc), -EINVAL);
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, 1, TPM12_DRTM_HASH_HOST,
					       &src, NULL, DRTM_MAX_EVENT_DATA + 1,
					       d, &rc), -EINVAL);
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, DRTM_EV_LOG_GAP,
					       TPM12_DRTM_HASH_HOST, &src, NULL, 0,
					       d, &rc), -EINVAL);
	KUNIT_EXPECT_EQ(test, c->m.executed, executed);
}

/* Full log: still extended, -ENOSPC, sticky truncated flag. */
static void log_overflow_still_extends(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_src src = { .kbuf = "data", .size = 4 };
	static u8 big[1000];
	u8 d[20], before[20], want[20];
	u32 rc, used;
	int i, ret;

	/* 4096-byte log: 3 events with 1000 bytes fit (48 + 3 * 1032). */
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, drtm_dev_measure(&c->dev, 17, 2,
						       TPM12_DRTM_HASH_HOST, &src,
						       big, sizeof(big), d, &rc), 0);
	used = drtm_evlog_used(&c->dev.log);
	memcpy(before, c->m.pcr[18], 20);
	ret = drtm_dev_measure(&c->dev, 18, 2, TPM12_DRTM_HASH_TPM, &src, big,
			       sizeof(big), d, &rc);
	KUNIT_EXPECT_EQ(test, ret, -ENOSPC);
	KUNIT_EXPECT_TRUE(test, c->dev.log.truncated);
	/* Only the truncation marker was added. */
	KUNIT_EXPECT_EQ(test, drtm_evlog_used(&c->dev.log),
			used + DRTM_EVLOG_GAP_EVENT);
	extended(&c->m, before, d, want);
	KUNIT_EXPECT_MEMEQ(test, c->m.pcr[18], want, 20);
	/* A small event still fits; the flag stays. */
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 16, 2, TPM12_DRTM_HASH_HOST,
					       &src, NULL, 0, d, &rc), 0);
	KUNIT_EXPECT_TRUE(test, c->dev.log.truncated);
}

struct excl {
	bool held;
	int locks, unlocks, nested, fail;
};

static int excl_lock_fn(void *ctx)
{
	struct excl *x = ctx;

	if (x->fail)
		return -EBUSY;
	if (x->held)
		x->nested++;
	x->held = true;
	x->locks++;
	return 0;
}

static void excl_unlock_fn(void *ctx)
{
	struct excl *x = ctx;

	x->held = false;
	x->unlocks++;
}

static const struct drtm_excl_ops excl_ops = {
	.lock = excl_lock_fn,
	.unlock = excl_unlock_fn,
};

/*
 * Every command of a measurement (first PCR read, SHA1Start..CompleteExtend,
 * read-back after an unclear failure) runs inside one exclusion; when the
 * exclusion is refused nothing is sent and nothing logged.
 */
static void excl_whole_sequence(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct excl *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	static u8 data[3000];
	struct drtm_src src = { .kbuf = data, .size = sizeof(data) };
	u32 rc, used, executed;
	u8 d[20];

	KUNIT_ASSERT_NOT_NULL(test, x);
	c->dev.excl = &excl_ops;
	c->dev.excl_ctx = x;
	c->m.held = &x->held;
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, 1, TPM12_DRTM_HASH_TPM,
					       &src, "t", 1, d, &rc), 0);
	KUNIT_EXPECT_EQ(test, x->locks, 1);
	/*
	 * PCR read, SHA1Start, 12 SHA1Updates (11 x 256 and 128 bytes),
	 * CompleteExtend of the last 56 bytes.
	 */
	KUNIT_EXPECT_EQ(test, c->m.executed, 15);
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 18, 1, TPM12_DRTM_HASH_HOST,
					       &src, "h", 1, d, &rc), 0);
	KUNIT_EXPECT_EQ(test, drtm_dev_pcr_read(&c->dev, 17, d, &rc), 0);
	/* An unclear failure: the read-back is inside the same exclusion. */
	c->m.fault = F_RSP_LEFTOVER;
	c->m.fault_ord = TPM_ORD_EXTEND;
	c->m.fault_times = 1;
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 18, 1, TPM12_DRTM_HASH_HOST,
					       &src, "u", 1, d, &rc), 0);
	KUNIT_EXPECT_EQ(test, x->locks, 4);
	KUNIT_EXPECT_EQ(test, x->unlocks, 4);
	KUNIT_EXPECT_EQ(test, x->nested, 0);
	KUNIT_EXPECT_EQ(test, c->m.unheld_cmds, 0);
	KUNIT_EXPECT_EQ(test, replay_matches(test, c), 3);

	x->fail = 1;
	used = drtm_evlog_used(&c->dev.log);
	executed = c->m.executed;
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, 1, TPM12_DRTM_HASH_HOST,
					       &src, "f", 1, d, &rc), -EBUSY);
	KUNIT_EXPECT_EQ(test, drtm_dev_pcr_read(&c->dev, 17, d, &rc), -EBUSY);
	KUNIT_EXPECT_EQ(test, c->m.executed, executed);
	KUNIT_EXPECT_EQ(test, drtm_evlog_used(&c->dev.log), used);
	KUNIT_EXPECT_EQ(test, x->unlocks, 4);
	expect_idle(test, &c->m);
}

struct conc {
	struct work_struct work;
	struct ctx *c;
	int id, errors;
};

static void conc_fn(struct work_struct *w)
{
	struct conc *k = container_of(w, struct conc, work);
	struct drtm_src src;
	u8 data[100], d[20];
	u32 rc;
	int i;

	for (i = 0; i < 20; i++) {
		memset(data, k->id * 37 + i, sizeof(data));
		src.kbuf = data;
		src.ubuf = NULL;
		src.size = 64 + k->id + i;
		if (drtm_dev_measure(&k->c->dev, 17 + (i & 1), k->id,
				     (i + k->id) % 3 ? TPM12_DRTM_HASH_HOST :
						       TPM12_DRTM_HASH_TPM,
				     &src, data, 4, d, &rc))
			k->errors++;
	}
}

/* Concurrent measurements: log order is extend order. */
static void log_concurrent_order(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct conc *k;
	u8 *big;
	int i;

	/* 80 events of 36 bytes + header: use a bigger log. */
	big = kunit_kzalloc(test, 8192, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);
	drtm_evlog_init(&c->dev.log, big, 8192);
	k = kunit_kcalloc(test, 4, sizeof(*k), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, k);
	for (i = 0; i < 4; i++) {
		k[i].c = c;
		k[i].id = i + 1;
		INIT_WORK(&k[i].work, conc_fn);
		queue_work(system_unbound_wq, &k[i].work);
	}
	for (i = 0; i < 4; i++)
		flush_work(&k[i].work);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, k[i].errors, 0);
	KUNIT_EXPECT_EQ(test, replay_matches(test, c), 80);
	KUNIT_EXPECT_FALSE(test, c->dev.log.truncated);
	expect_idle(test, &c->m);
}

/*
 * System suspend: between drtm_dev_suspend() and drtm_dev_resume() (the PM
 * notifier) nothing reaches the TPM. A request that cannot wait for the
 * resume fails with -EBUSY, nothing sent or logged.
 */
static void suspend_refuses_when_not_resumed(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_src src = { .kbuf = "abc", .size = 3 };
	u32 rc, used, executed;
	u8 d[20], before[20];

	KUNIT_ASSERT_EQ(test, drtm_dev_measure(&c->dev, 17, 1, TPM12_DRTM_HASH_HOST,
					       &src, "a", 1, d, &rc), 0);
	c->dev.suspend_wait_ms = 20;
	drtm_dev_suspend(&c->dev);
	used = drtm_evlog_used(&c->dev.log);
	executed = c->m.executed;
	memcpy(before, c->m.pcr[17], 20);
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, 1, TPM12_DRTM_HASH_HOST,
					       &src, "b", 1, d, &rc), -EBUSY);
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, 1, TPM12_DRTM_HASH_TPM,
					       &src, "b", 1, d, &rc), -EBUSY);
	KUNIT_EXPECT_EQ(test, drtm_dev_pcr_read(&c->dev, 17, d, &rc), -EBUSY);
	KUNIT_EXPECT_EQ(test, c->m.executed, executed);
	KUNIT_EXPECT_EQ(test, drtm_evlog_used(&c->dev.log), used);
	KUNIT_EXPECT_MEMEQ(test, c->m.pcr[17], before, 20);
	KUNIT_EXPECT_EQ(test, c->dev.suspend_waits, 3);
	KUNIT_EXPECT_EQ(test, c->dev.suspend_refused, 3);
	drtm_dev_resume(&c->dev);
	KUNIT_EXPECT_EQ(test, c->dev.suspends, 1);
	KUNIT_EXPECT_EQ(test, c->dev.suspend_cmds, 0);
	/* After the resume: the check of PCR 17, then the measurement. */
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, 1, TPM12_DRTM_HASH_HOST,
					       &src, "c", 1, d, &rc), 0);
	KUNIT_EXPECT_EQ(test, replay_matches(test, c), 2);
	KUNIT_EXPECT_FALSE(test, c->dev.log.unusable);
	KUNIT_EXPECT_EQ(test, c->dev.resume_changed, 0);
	/* A resume without a suspend changes nothing. */
	drtm_dev_resume(&c->dev);
	KUNIT_EXPECT_EQ(test, c->dev.suspends, 1);
	expect_idle(test, &c->m);
}

struct waiter {
	struct work_struct work;
	struct ctx *c;
	int ret;
};

static void waiter_fn(struct work_struct *w)
{
	struct waiter *k = container_of(w, struct waiter, work);
	struct drtm_src src = { .kbuf = "wait", .size = 4 };
	u8 d[20];
	u32 rc;

	k->ret = drtm_dev_measure(&k->c->dev, 18, 1, TPM12_DRTM_HASH_HOST, &src,
				  "w", 1, d, &rc);
}

/* A request made during a suspend waits for the resume, then succeeds. */
static void suspend_request_waits_for_resume(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct waiter *k = kunit_kzalloc(test, sizeof(*k), GFP_KERNEL);
	u32 executed;

	KUNIT_ASSERT_NOT_NULL(test, k);
	c->dev.suspend_wait_ms = 10000;
	drtm_dev_suspend(&c->dev);
	executed = c->m.executed;
	k->c = c;
	k->ret = 1;
	INIT_WORK(&k->work, waiter_fn);
	queue_work(system_unbound_wq, &k->work);
	msleep(100);
	KUNIT_EXPECT_EQ(test, k->ret, 1);
	KUNIT_EXPECT_EQ(test, c->m.executed, executed);
	KUNIT_EXPECT_EQ(test, c->dev.suspend_waits, 1);
	drtm_dev_resume(&c->dev);
	flush_work(&k->work);
	KUNIT_EXPECT_EQ(test, k->ret, 0);
	KUNIT_EXPECT_EQ(test, c->dev.suspend_refused, 0);
	KUNIT_EXPECT_EQ(test, c->dev.suspend_cmds, 0);
	KUNIT_EXPECT_EQ(test, replay_matches(test, c), 1);
	expect_idle(test, &c->m);
}

/*
 * A suspend that begins during TPM-side hashing (the notifier sets the
 * flag, then waits for the sequence): the measurement stops at the next
 * chunk, before TPM_SHA1CompleteExtend, with -EBUSY; nothing is extended
 * or logged.
 */
static void suspend_stops_tpm_hashing(struct kunit *test)
{
	struct ctx *c = test->priv;
	static u8 data[3000];
	struct drtm_src src = { .kbuf = data, .size = sizeof(data) };
	u8 d[20], before[20];
	u32 rc, used;

	KUNIT_ASSERT_EQ(test, drtm_dev_pcr_read(&c->dev, 18, d, &rc), 0);
	memcpy(before, c->m.pcr[18], 20);
	used = drtm_evlog_used(&c->dev.log);
	c->m.flag_at_update = &c->dev.suspended;
	c->m.flag_update_n = 3;
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 18, 1, TPM12_DRTM_HASH_TPM,
					       &src, "t", 1, d, &rc), -EBUSY);
	KUNIT_EXPECT_EQ(test, c->m.ord_count[TPM_ORD_SHA1UPDATE], 3);
	KUNIT_EXPECT_EQ(test, c->m.ord_count[TPM_ORD_SHA1COMPLETEEXTEND], 0);
	KUNIT_EXPECT_MEMEQ(test, c->m.pcr[18], before, 20);
	KUNIT_EXPECT_EQ(test, drtm_evlog_used(&c->dev.log), used);
	KUNIT_EXPECT_FALSE(test, c->dev.log.unusable);
	/* The notifier's own call, then the resume: measuring works again. */
	drtm_dev_suspend(&c->dev);
	drtm_dev_resume(&c->dev);
	c->m.flag_at_update = NULL;
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 18, 1, TPM12_DRTM_HASH_TPM,
					       &src, "t", 1, d, &rc), 0);
	KUNIT_EXPECT_EQ(test, replay_matches(test, c), 1);
	expect_idle(test, &c->m);
}

/*
 * After a resume the PCRs the log covers are read back first: unchanged
 * PCRs leave the log as it is; a PCR that the resume reset (a TPM 1.2
 * resets PCR 17-22 on S3) marks the log unusable, naming the PCR.
 */
static void resume_detects_changed_pcrs(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_src src = { .kbuf = "abc", .size = 3 };
	u32 rc, gap_pcr = 0;
	u8 d[20];

	KUNIT_ASSERT_EQ(test, drtm_dev_measure(&c->dev, 17, 1, TPM12_DRTM_HASH_HOST,
					       &src, "a", 1, d, &rc), 0);
	KUNIT_ASSERT_EQ(test, drtm_dev_measure(&c->dev, 18, 1, TPM12_DRTM_HASH_HOST,
					       &src, "b", 1, d, &rc), 0);
	/* PCR 10 is read only, not logged: never checked. */
	KUNIT_ASSERT_EQ(test, drtm_dev_pcr_read(&c->dev, 10, d, &rc), 0);

	drtm_dev_suspend(&c->dev);
	memset(c->m.pcr[10], 0x10, 20);
	drtm_dev_resume(&c->dev);
	KUNIT_EXPECT_EQ(test, c->dev.recheck, BIT(17) | BIT(18));
	KUNIT_EXPECT_EQ(test, drtm_dev_pcr_read(&c->dev, 10, d, &rc), 0);
	KUNIT_EXPECT_EQ(test, c->dev.recheck, 0);
	KUNIT_EXPECT_FALSE(test, c->dev.log.unusable);
	KUNIT_EXPECT_EQ(test, log_gaps(test, c, NULL), 0);

	drtm_dev_suspend(&c->dev);
	memset(c->m.pcr[17], 0xff, 20);
	drtm_dev_resume(&c->dev);
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 18, 1, TPM12_DRTM_HASH_HOST,
					       &src, "c", 1, d, &rc), 0);
	KUNIT_EXPECT_TRUE(test, c->dev.log.unusable);
	KUNIT_EXPECT_EQ(test, log_gaps(test, c, &gap_pcr), DRTM_EV_LOG_GAP_UNKNOWN);
	KUNIT_EXPECT_EQ(test, gap_pcr, 17);
	KUNIT_EXPECT_EQ(test, c->dev.resume_changed, 1);
	/* The new value is known: the next extend of PCR 17 starts from it. */
	KUNIT_EXPECT_MEMEQ(test, c->dev.pcr_val[17], c->m.pcr[17], 20);
	KUNIT_EXPECT_EQ(test, c->dev.suspend_cmds, 0);
	expect_idle(test, &c->m);
}

/*
 * tis_base and evlog_phys are hardware addresses, declared with
 * module_param_hw(): a locked-down kernel refuses them when the module is
 * loaded (param_check_unsafe(), LOCKDOWN_MODULE_PARAMETERS); no other
 * parameter is marked.
 */
static void params_hw_refused_in_lockdown(struct kunit *test)
{
	const struct module *mod = drtm_kunit_module();
	unsigned int i, hw = 0;
	bool want;

	KUNIT_ASSERT_NOT_NULL(test, mod);
	KUNIT_ASSERT_GT(test, mod->num_kp, 2);
	for (i = 0; i < mod->num_kp; i++) {
		want = !strcmp(mod->kp[i].name, "tis_base") ||
		       !strcmp(mod->kp[i].name, "evlog_phys");
		KUNIT_EXPECT_EQ_MSG(test, !!(mod->kp[i].flags & KERNEL_PARAM_FL_HWPARAM),
				    want, "parameter %s", mod->kp[i].name);
		hw += want;
	}
	KUNIT_EXPECT_EQ(test, hw, 2);
}

static void make_container(u8 *buf, u32 size)
{
	struct drtm_evlog log;
	u8 d[20];

	memset(d, 0x5a, 20);
	drtm_evlog_init(&log, buf, size);
	drtm_evlog_append(&log, 17, DRTM_EV_SLAUNCH_START, d, "boot", 4);
	drtm_evlog_append(&log, 18, DRTM_EV_SLAUNCH_END, d, NULL, 0);
}

static void log_adopt_valid(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, 1024, GFP_KERNEL);
	struct drtm_evlog log;
	u8 d[20] = {};

	KUNIT_ASSERT_NOT_NULL(test, buf);
	make_container(buf, 512);	/* ContainerSize 512 inside 1024 */
	KUNIT_ASSERT_EQ(test, drtm_evlog_adopt(&log, buf, 1024), 0);
	KUNIT_EXPECT_EQ(test, log.size, 512);
	KUNIT_EXPECT_EQ(test, drtm_evlog_used(&log), 48 + 36 + 32);
	KUNIT_EXPECT_EQ(test, drtm_evlog_append(&log, 17, 0x401, d, "more", 4), 0);
	KUNIT_EXPECT_EQ(test, drtm_evlog_used(&log), 48 + 36 + 32 + 36);
	/* Appends stop at ContainerSize, not at the mapping size. */
	KUNIT_EXPECT_EQ(test, drtm_evlog_append(&log, 17, 0x401, d, NULL, 400),
			-ENOSPC);
}

/* Markers in an adopted container set the log's flags. */
static void log_adopt_keeps_gaps(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, 1024, GFP_KERNEL);
	struct drtm_evlog log;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	make_container(buf, 1024);
	KUNIT_ASSERT_EQ(test, drtm_evlog_adopt(&log, buf, 1024), 0);
	KUNIT_EXPECT_FALSE(test, log.truncated || log.unusable);
	KUNIT_EXPECT_EQ(test, drtm_evlog_mark(&log, 18, DRTM_EV_LOG_GAP_UNKNOWN), 0);
	KUNIT_ASSERT_EQ(test, drtm_evlog_adopt(&log, buf, 1024), 0);
	KUNIT_EXPECT_TRUE(test, log.unusable);
	KUNIT_EXPECT_FALSE(test, log.truncated);
	KUNIT_EXPECT_EQ(test, log.gaps, DRTM_EV_LOG_GAP_UNKNOWN);
	/* Not written twice. */
	KUNIT_EXPECT_EQ(test, drtm_evlog_mark(&log, 18, DRTM_EV_LOG_GAP_UNKNOWN), 0);
	KUNIT_EXPECT_EQ(test, drtm_evlog_used(&log), 48 + 36 + 32 + 48);
}

static void log_adopt_malformed(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, 512, GFP_KERNEL);
	struct drtm_evlog_header *hdr = (void *)buf;
	struct drtm_event_header *ev = (void *)(buf + 48);
	struct drtm_evlog log = {};
	const char *why;
	u32 csize;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < 9; i++) {
		make_container(buf, 512);
		switch (i) {
		case 0:
			hdr->signature[0] = 'X';
			break;
		case 1:
			hdr->container_ver_major = 2;
			break;
		case 2:
			hdr->pcr_event_ver_minor = 1;
			break;
		case 3:
			hdr->container_size = cpu_to_le32(513);
			break;
		case 4:
			hdr->pcr_events_offset = cpu_to_le32(40);
			break;
		case 5:
			hdr->next_event_offset = cpu_to_le32(600);
			break;
		case 6:
			hdr->pcr_events_offset = cpu_to_le32(200);
			break;
		case 7:
			ev->data_size = cpu_to_le32(0xfffffff0);
			break;
		default:
			hdr->next_event_offset = cpu_to_le32(48 + 36 + 10);
			break;
		}
		KUNIT_EXPECT_EQ_MSG(test, drtm_evlog_validate(buf, 512, &csize, &why),
				    -EINVAL, "case %d", i);
		KUNIT_EXPECT_NOT_NULL_MSG(test, why, "case %d", i);
		KUNIT_EXPECT_EQ_MSG(test, drtm_evlog_adopt(&log, buf, 512), -EINVAL,
				    "case %d", i);
		KUNIT_EXPECT_NULL(test, log.buf);
	}
	KUNIT_EXPECT_EQ(test, drtm_evlog_validate(buf, 47, &csize, &why), -EINVAL);
}

/* TPM_INTF_CAPABILITY decides the FIFO access width (TIS 1.3, bits 10:9). */
static void fifo_width_from_caps(struct kunit *test)
{
	const u32 tis13 = TIS_CAPS_VERSION_TIS13 << 28;

	/* TIS 1.2 (bits 10:9 reserved), unreadable, "legacy transfers only" */
	KUNIT_EXPECT_EQ(test, drtm_tis_fifo_width(0, 0), 1);
	KUNIT_EXPECT_EQ(test, drtm_tis_fifo_width(3 << 9, 4), 1);
	KUNIT_EXPECT_EQ(test, drtm_tis_fifo_width(U32_MAX, 0), 1);
	KUNIT_EXPECT_EQ(test, drtm_tis_fifo_width(tis13, 0), 1);
	KUNIT_EXPECT_EQ(test, drtm_tis_fifo_width(tis13, 4), 1);
	/* 8, 32 or 64-byte transfers; fifo_width limits. */
	KUNIT_EXPECT_EQ(test, drtm_tis_fifo_width(tis13 | 1 << 9, 0), 4);
	KUNIT_EXPECT_EQ(test, drtm_tis_fifo_width(tis13 | 3 << 9, 0), 4);
	KUNIT_EXPECT_EQ(test, drtm_tis_fifo_width(tis13 | 3 << 9, 1), 1);
	KUNIT_EXPECT_EQ(test, drtm_tis_fifo_width(tis13 | 2 << 9, 2), 2);
	KUNIT_EXPECT_EQ(test, drtm_tis_fifo_width(tis13 | 3 << 9, 4), 4);
}

/* Probe and extend with the width the model's caps allow. */
static void probe_and_extend(struct kunit *test, struct ctx *c)
{
	struct drtm_tis *tis = &c->dev.tis;
	bool tpm2 = true;
	u8 ver[4], d[20], out[20];
	u32 rc;

	KUNIT_ASSERT_EQ(test, drtm_tpm_probe(tis, ver, &tpm2), 0);
	set_fast_timeouts(tis);
	memset(d, 0x5a, 20);
	KUNIT_ASSERT_EQ(test, drtm_tpm_extend(tis, 17, d, out, &rc), 0);
	KUNIT_EXPECT_MEMEQ(test, out, c->m.pcr[17], 20);
	expect_idle(test, &c->m);
}

/* A TIS advertising legacy transfers only sees 1-byte FIFO accesses. */
static void fifo_legacy_one_byte(struct kunit *test)
{
	struct ctx *c = test->priv;
	unsigned int w;

	c->m.intf_caps = TIS_CAPS_VERSION_TIS13 << 28;	/* bits 10:9 = 0 */
	w = drtm_tis_fifo_width(c->m.intf_caps, 0);
	drtm_tis_init(&c->dev.tis, &model_ops, &c->m, 2, w);
	set_fast_timeouts(&c->dev.tis);
	probe_and_extend(test, c);
	KUNIT_EXPECT_EQ(test, c->dev.tis.fifo_width, 1);
	KUNIT_EXPECT_EQ(test, c->m.fifo_widths, BIT(1));

	/* The same model with 64-byte transfers gets 4-byte accesses. */
	c->m.intf_caps |= 3 << 9;
	c->m.fifo_widths = 0;
	w = drtm_tis_fifo_width(c->m.intf_caps, 0);
	drtm_tis_init(&c->dev.tis, &model_ops, &c->m, 2, w);
	set_fast_timeouts(&c->dev.tis);
	probe_and_extend(test, c);
	KUNIT_EXPECT_EQ(test, c->dev.tis.fifo_width, 4);
	KUNIT_EXPECT_TRUE(test, c->m.fifo_widths & BIT(4));
}

/* A TIS that advertises wide transfers but drops them: 1-byte fallback. */
static void fifo_wide_rejected_fallback(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_tis *tis = &c->dev.tis;
	unsigned int w;

	c->m.intf_caps = TIS_CAPS_VERSION_TIS13 << 28 | 3 << 9;
	c->m.fifo_narrow = true;
	w = drtm_tis_fifo_width(c->m.intf_caps, 0);
	KUNIT_ASSERT_EQ(test, w, 4);
	drtm_tis_init(tis, &model_ops, &c->m, 2, w);
	set_fast_timeouts(tis);
	probe_and_extend(test, c);
	KUNIT_EXPECT_EQ(test, tis->fifo_width, 1);
	KUNIT_EXPECT_TRUE(test, tis->fifo_fallback);
	/* The wide attempt never reached the TPM: nothing executed twice. */
	KUNIT_EXPECT_EQ(test, c->m.executed, 6);
	KUNIT_EXPECT_STREQ(test, drtm_tpm_state(tis), "enabled, activated");

	/* Without the model's fault the wide width stays. */
	c->m.fifo_narrow = false;
	drtm_tis_init(tis, &model_ops, &c->m, 2, w);
	set_fast_timeouts(tis);
	probe_and_extend(test, c);
	KUNIT_EXPECT_EQ(test, tis->fifo_width, 4);
	KUNIT_EXPECT_FALSE(test, tis->fifo_fallback);
}

struct flags_case {
	bool disable, deactivated, st_deactivated;
	const char *state;
};

static const struct flags_case flags_cases[] = {
	{ false, false, false, "enabled, activated" },
	{ true, false, false, "disabled" },
	{ false, true, false, "deactivated" },
	{ false, false, true, "deactivated" },
	{ true, true, true, "disabled, deactivated" },
};

static void flags_desc(const struct flags_case *f, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "disable=%d deactivated=%d stclear=%d",
		 f->disable, f->deactivated, f->st_deactivated);
}

KUNIT_ARRAY_PARAM(flags, flags_cases, flags_desc);

/* A disabled or deactivated TPM is reported; extends fail with -EPERM. */
static void tpm_disabled_reported(struct kunit *test)
{
	const struct flags_case *f = test->param_value;
	struct ctx *c = test->priv;
	struct drtm_tis *tis = &c->dev.tis;
	struct drtm_src src = { .kbuf = "abc", .size = 3 };
	u32 used = drtm_evlog_used(&c->dev.log), rc, executed;
	bool tpm2 = true, off;
	u8 ver[4], d[20];

	c->m.perm_disable = f->disable;
	c->m.perm_deactivated = f->deactivated;
	c->m.st_deactivated = f->st_deactivated;
	KUNIT_ASSERT_EQ(test, drtm_tpm_probe(tis, ver, &tpm2), 0);
	set_fast_timeouts(tis);
	KUNIT_EXPECT_TRUE(test, tis->perm_flags_known);
	KUNIT_EXPECT_TRUE(test, tis->stclear_flags_known);
	KUNIT_EXPECT_EQ(test, tis->disabled, f->disable);
	KUNIT_EXPECT_EQ(test, tis->deactivated, f->deactivated);
	KUNIT_EXPECT_EQ(test, tis->st_deactivated, f->st_deactivated);
	KUNIT_EXPECT_STREQ(test, drtm_tpm_state(tis), f->state);
	off = f->disable || f->deactivated || f->st_deactivated;
	KUNIT_EXPECT_EQ(test, drtm_tpm_unusable(tis), off);

	executed = c->m.executed;
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, 0x5f1, TPM12_DRTM_HASH_HOST,
					       &src, "x", 1, d, &rc),
			off ? -EPERM : 0);
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 18, 0x5f1, TPM12_DRTM_HASH_TPM,
					       &src, "x", 1, d, &rc),
			off ? -EPERM : 0);
	if (off) {
		/* Refused before anything was sent; nothing logged. */
		KUNIT_EXPECT_EQ(test, c->m.executed, executed);
		KUNIT_EXPECT_EQ(test, drtm_evlog_used(&c->dev.log), used);
		KUNIT_EXPECT_FALSE(test, c->dev.log.unusable);
	} else {
		KUNIT_EXPECT_GT(test, drtm_evlog_used(&c->dev.log), used);
	}
}

/* A TPM that does not answer TPM_CAP_FLAG: state unknown, not refused. */
static void tpm_flags_unknown(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_tis *tis = &c->dev.tis;
	struct drtm_src src = { .kbuf = "abc", .size = 3 };
	bool tpm2 = true;
	u8 ver[4], d[20];
	u32 rc;

	/* The version, timeouts, durations answer; both flag queries fail. */
	c->m.fault = F_TPM_RC;
	c->m.inject_rc = 0x03;	/* TPM_BAD_PARAMETER */
	c->m.fault_ord = TPM_ORD_GETCAPABILITY;
	c->m.perm_disable = true;	/* never seen */
	KUNIT_ASSERT_EQ(test, drtm_tpm_getcap(tis, TPM_CAP_FLAG, TPM_CAP_FLAG_PERMANENT,
					      true, d, sizeof(d), &rc, NULL), -EINVAL);
	c->m.fault = F_NONE;
	c->m.fault_ord = 0;
	c->m.perm_disable = false;
	KUNIT_ASSERT_EQ(test, drtm_tpm_probe(tis, ver, &tpm2), 0);
	KUNIT_EXPECT_STREQ(test, drtm_tpm_state(tis), "enabled, activated");
	tis->perm_flags_known = false;
	tis->stclear_flags_known = false;
	KUNIT_EXPECT_STREQ(test, drtm_tpm_state(tis), "unknown");
	set_fast_timeouts(tis);
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, 0x5f1, TPM12_DRTM_HASH_HOST,
					       &src, "x", 1, d, &rc), 0);
}

/* Linux's probe_itpm(): an Intel iTPM keeps STS.expect set; work around. */
static void quirk_itpm(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_tis *tis = &c->dev.tis;
	bool tpm2 = true;
	u8 ver[4];

	c->m.fault = F_EXPECT_STUCK;
	/* Any other vendor: the wrong expect is an error. */
	tis->did_vid = 0x00011014;
	KUNIT_EXPECT_EQ(test, drtm_tpm_probe(tis, ver, &tpm2), -EIO);
	KUNIT_EXPECT_FALSE(test, tis->itpm);
	KUNIT_EXPECT_EQ(test, tis->fifo_width, 4);
	KUNIT_EXPECT_EQ(test, c->m.executed, 0);
	expect_idle(test, &c->m);

	tis->did_vid = 0x00018086;	/* Intel */
	probe_and_extend(test, c);
	KUNIT_EXPECT_TRUE(test, tis->itpm);
	KUNIT_EXPECT_FALSE(test, tis->fifo_fallback);
	KUNIT_EXPECT_EQ(test, tis->fifo_width, 4);
}

/* tpm1-cmd.c's rule: TIMEOUT_A below 1000 means all were reported in ms. */
static void quirk_timeouts_in_ms(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_tis *tis = &c->dev.tis;
	bool tpm2 = true;
	u8 ver[4];

	c->m.rep_timeout[0] = 750;
	c->m.rep_timeout[1] = 2000;
	c->m.rep_timeout[2] = 0;	/* keeps our value */
	c->m.rep_timeout[3] = 600;
	KUNIT_ASSERT_EQ(test, drtm_tpm_probe(tis, ver, &tpm2), 0);
	KUNIT_EXPECT_EQ(test, tis->timeout_us[DRTM_TO_A], 750000);
	KUNIT_EXPECT_EQ(test, tis->timeout_us[DRTM_TO_B], 2000000);
	KUNIT_EXPECT_EQ(test, tis->timeout_us[DRTM_TO_C], MODEL_TIMEOUT_US);
	KUNIT_EXPECT_EQ(test, tis->timeout_us[DRTM_TO_D], 600000);
	KUNIT_EXPECT_TRUE(test, tis->timeouts_adjusted);

	/* A in microseconds: a small B is taken as it is. */
	c->m.rep_timeout[0] = 5000;
	c->m.rep_timeout[1] = 900;
	c->m.rep_timeout[2] = 5000;
	c->m.rep_timeout[3] = 5000;
	drtm_tis_init(tis, &model_ops, &c->m, 2, 4);
	KUNIT_ASSERT_EQ(test, drtm_tpm_probe(tis, ver, &tpm2), 0);
	KUNIT_EXPECT_EQ(test, tis->timeout_us[DRTM_TO_A], 5000);
	KUNIT_EXPECT_EQ(test, tis->timeout_us[DRTM_TO_B], 900);
	KUNIT_EXPECT_FALSE(test, tis->timeouts_adjusted);
}

/* Durations: short below 10 ms means ms (Broadcom BCM0102 fix-up). */
static void quirk_durations_in_ms(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_tis *tis = &c->dev.tis;
	bool tpm2 = true;
	u8 ver[4];

	c->m.rep_duration[0] = 20000;		/* us: taken as they are */
	c->m.rep_duration[1] = 750000;
	c->m.rep_duration[2] = 2000000;
	KUNIT_ASSERT_EQ(test, drtm_tpm_probe(tis, ver, &tpm2), 0);
	KUNIT_EXPECT_EQ(test, tis->duration_us[DRTM_DUR_SHORT], 20000);
	KUNIT_EXPECT_EQ(test, tis->duration_us[DRTM_DUR_MEDIUM], 750000);
	KUNIT_EXPECT_EQ(test, tis->duration_us[DRTM_DUR_LONG], 2000000);
	KUNIT_EXPECT_FALSE(test, tis->durations_adjusted);

	c->m.rep_duration[0] = 20;		/* ms */
	c->m.rep_duration[1] = 750;
	c->m.rep_duration[2] = 5000000;		/* would overflow: clamped */
	drtm_tis_init(tis, &model_ops, &c->m, 2, 4);
	KUNIT_ASSERT_EQ(test, drtm_tpm_probe(tis, ver, &tpm2), 0);
	KUNIT_EXPECT_EQ(test, tis->duration_us[DRTM_DUR_SHORT], 1000000);
	KUNIT_EXPECT_EQ(test, tis->duration_us[DRTM_DUR_MEDIUM], 750000);
	KUNIT_EXPECT_EQ(test, tis->duration_us[DRTM_DUR_LONG], U32_MAX);
	KUNIT_EXPECT_TRUE(test, tis->durations_adjusted);
}

/* Linux's vendor overrides: Atmel 3204 timeouts, ST 0x104a durations. */
static void quirk_vendor_overrides(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_tis *tis = &c->dev.tis;
	bool tpm2 = true;
	u8 ver[4];

	tis->did_vid = 0x32041114;		/* Atmel 3204 */
	KUNIT_ASSERT_EQ(test, drtm_tpm_probe(tis, ver, &tpm2), 0);
	KUNIT_EXPECT_EQ(test, tis->timeout_us[DRTM_TO_A], 750000);
	KUNIT_EXPECT_EQ(test, tis->timeout_us[DRTM_TO_B], 2000000);
	KUNIT_EXPECT_EQ(test, tis->timeout_us[DRTM_TO_C], 750000);
	KUNIT_EXPECT_EQ(test, tis->timeout_us[DRTM_TO_D], 750000);
	KUNIT_EXPECT_TRUE(test, tis->timeouts_adjusted);

	/* ST 0x104a: only TPM version 1.2.8.28 gets 2 minutes. */
	c->m.rep_duration[0] = 20000;
	c->m.rep_duration[1] = 20000;
	c->m.rep_duration[2] = 20000;
	drtm_tis_init(tis, &model_ops, &c->m, 2, 4);
	tis->did_vid = 0x0000104a;
	KUNIT_ASSERT_EQ(test, drtm_tpm_probe(tis, ver, &tpm2), 0);
	KUNIT_EXPECT_EQ(test, tis->duration_us[DRTM_DUR_LONG], 20000);
	KUNIT_EXPECT_FALSE(test, tis->durations_adjusted);
	KUNIT_EXPECT_EQ(test, tis->timeout_us[DRTM_TO_A], 11000);
	c->m.version[2] = 8;
	c->m.version[3] = 28;
	drtm_tis_init(tis, &model_ops, &c->m, 2, 4);
	tis->did_vid = 0x0000104a;
	KUNIT_ASSERT_EQ(test, drtm_tpm_probe(tis, ver, &tpm2), 0);
	KUNIT_EXPECT_EQ(test, tis->duration_us[DRTM_DUR_SHORT], 120000000);
	KUNIT_EXPECT_EQ(test, tis->duration_us[DRTM_DUR_MEDIUM], 120000000);
	KUNIT_EXPECT_EQ(test, tis->duration_us[DRTM_DUR_LONG], 120000000);
	KUNIT_EXPECT_TRUE(test, tis->durations_adjusted);
}

static struct kunit_case tpm12_drtm_tis_cases[] = {
	KUNIT_CASE(tis_extend_pcr17),
	KUNIT_CASE(tis_burst_and_width),
	KUNIT_CASE(tis_probe_tpm12),
	KUNIT_CASE(tis_probe_tpm2_refused),
	KUNIT_CASE_PARAM(tis_identify, ident_gen_params),
	KUNIT_CASE(tis_probe_retry),
	KUNIT_CASE_PARAM(tis_fault, fault_gen_params),
	KUNIT_CASE(tis_bad_locality),
	KUNIT_CASE(measure_modes_agree),
	KUNIT_CASE(log_failed_extend_not_logged),
	KUNIT_CASE(log_overflow_still_extends),
	KUNIT_CASE_PARAM(log_unclear_extend, unclear_gen_params),
	KUNIT_CASE(log_unclear_unknown),
	KUNIT_CASE(log_full_marker),
	KUNIT_CASE(log_concurrent_order),
	KUNIT_CASE(excl_whole_sequence),
	KUNIT_CASE(suspend_refuses_when_not_resumed),
	KUNIT_CASE(suspend_request_waits_for_resume),
	KUNIT_CASE(suspend_stops_tpm_hashing),
	KUNIT_CASE(resume_detects_changed_pcrs),
	KUNIT_CASE(params_hw_refused_in_lockdown),
	KUNIT_CASE(log_adopt_valid),
	KUNIT_CASE(log_adopt_keeps_gaps),
	KUNIT_CASE(log_adopt_malformed),
	KUNIT_CASE(fifo_width_from_caps),
	KUNIT_CASE(fifo_legacy_one_byte),
	KUNIT_CASE(fifo_wide_rejected_fallback),
	KUNIT_CASE_PARAM(tpm_disabled_reported, flags_gen_params),
	KUNIT_CASE(tpm_flags_unknown),
	KUNIT_CASE(quirk_itpm),
	KUNIT_CASE(quirk_timeouts_in_ms),
	KUNIT_CASE(quirk_durations_in_ms),
	KUNIT_CASE(quirk_vendor_overrides),
	{}
};

static struct kunit_suite tpm12_drtm_tis_suite = {
	.name = "tpm12_drtm_tis",
	.init = tis_test_init,
	.exit = tis_test_exit,
	.test_cases = tpm12_drtm_tis_cases,
};

/*
 * The same TIS/PTP FIFO with a TPM 2.0 behind it: the driver finds the
 * banks, extends every one of them, logs crypto-agile records, and keeps
 * the log and the PCRs in agreement under the same fault classes.
 */
/* The TPM 2.0 responder's SHA-256 and sequence state. */
static int model2_alloc(struct tis_model *m)
{
	int b;

	m->tfm256 = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(m->tfm256)) {
		int ret = PTR_ERR(m->tfm256);

		m->tfm256 = NULL;
		return ret;
	}
	for (b = 0; b < 2; b++) {
		m->seq[b] = kzalloc(sizeof(*m->seq[b]) +
				    crypto_shash_descsize(b ? m->tfm256 : m->tfm),
				    GFP_KERNEL);
		if (!m->seq[b])
			return -ENOMEM;
	}
	return 0;
}

/*
 * A context whose model holds a TPM 2.0 behind a PTP FIFO, or behind a
 * CRB (@crb) serving every locality; the device probed, set up for its
 * banks, with a crypto-agile log.
 */
static int tpm2_test_init(struct kunit *test, bool crb)
{
	struct drtm_tpm2_banks banks;
	const char *why;
	struct ctx *c;
	int ret, i;
	u32 rc;

	ret = tis_test_init(test);
	if (ret)
		return ret;
	c = test->priv;
	c->m.tpm2 = true;
	if (crb) {
		c->m.crb = true;
		c->m.crb_all_loc = true;
		c->m.crb_idle = true;
	} else {
		c->m.intf_caps = 3 << 28 | 3 << 9;	/* PTP FIFO, 64-byte transfers */
		c->m.intf_id = 0;			/* InterfaceType FIFO */
	}
	for (i = 17; i <= 22; i++)
		memset(c->m.pcr2[i], 0xff, sizeof(c->m.pcr2[i]));
	ret = model2_alloc(&c->m);
	if (ret)
		return ret;
	if (crb) {
		ret = drtm_crb_setup(&c->dev.tis, MODEL_CRB_BASE, &why);
		if (ret)
			return ret;
	}
	ret = drtm_tpm2_probe(&c->dev.tis, &banks, &rc);
	if (ret)
		return ret;
	set_fast_timeouts(&c->dev.tis);
	ret = drtm_dev_tpm2_setup(&c->dev, &banks);
	if (ret)
		return ret;
	return drtm_evlog2_init(&c->dev.log, c->logbuf, sizeof(c->logbuf),
				banks.nr, banks.alg, m2_size);
}

static int tis2_test_init(struct kunit *test)
{
	return tpm2_test_init(test, false);
}

static void tis2_test_exit(struct kunit *test)
{
	struct ctx *c = test->priv;

	kfree(c->m.seq[0]);
	kfree(c->m.seq[1]);
	if (c->m.tfm256)
		crypto_free_shash(c->m.tfm256);
	tis_test_exit(test);
}

/* Each crypto-agile record of the log, by @fn; returns the gap reasons. */
static u32 log2_walk(struct kunit *test, struct ctx *c,
		     void (*fn)(struct ctx *c, u32 pcr, const u8 *d, void *arg),
		     void *arg, u32 *events)
{
	const u8 *p = c->dev.log.buf, *d;
	u32 off, pcr, type, dsize, gaps = 0;

	*events = 0;
	off = DRTM_EVENT_HDR_SIZE + get_unaligned_le32(p + 28);
	while (off < c->dev.log.next) {
		pcr = get_unaligned_le32(p + off);
		type = get_unaligned_le32(p + off + 4);
		KUNIT_ASSERT_EQ(test, get_unaligned_le32(p + off + 8), 2);
		KUNIT_ASSERT_EQ(test, get_unaligned_le16(p + off + 12), TPM_ALG_SHA1);
		KUNIT_ASSERT_EQ(test, get_unaligned_le16(p + off + 34), TPM_ALG_SHA256);
		d = p + off + 12;
		dsize = get_unaligned_le32(d + 2 + 20 + 2 + 32);
		if (type == DRTM_EV_LOG_GAP) {
			KUNIT_EXPECT_EQ(test, dsize, DRTM_EV_LOG_GAP_SIZE);
			gaps |= get_unaligned_le32(d + 56 + 4 + 12);
		} else {
			fn(c, pcr, d, arg);
			(*events)++;
		}
		off += 12 + 2 + 20 + 2 + 32 + 4 + dsize;
	}
	KUNIT_EXPECT_EQ(test, off, c->dev.log.next);
	return gaps;
}

static void count_ev(struct ctx *c, u32 pcr, const u8 *d, void *arg)
{
}

static void replay2_ev(struct ctx *c, u32 pcr, const u8 *d, void *arg)
{
	u8 (*v)[2][32] = arg, buf[64];
	int b;

	for (b = 0; b < 2; b++) {
		memcpy(buf, v[pcr][b], m2_size[b]);
		memcpy(buf + m2_size[b], d + 2, m2_size[b]);
		crypto_shash_tfm_digest(b ? c->m.tfm256 : c->m.tfm, buf,
					2 * m2_size[b], v[pcr][b]);
		d += 2 + m2_size[b];
	}
}

/* Replay every bank of the log; compare with the model. Returns #events. */
static u32 replay2_matches(struct kunit *test, struct ctx *c, u32 *gaps)
{
	static u8 v[24][2][32];
	u32 n, i;

	memset(v, 0, sizeof(v));
	for (i = 17; i <= 22; i++)
		memset(v[i], 0xff, sizeof(v[i]));
	*gaps = log2_walk(test, c, replay2_ev, v, &n);
	for (i = 0; i < 24; i++)
		KUNIT_EXPECT_MEMEQ_MSG(test, v[i], c->m.pcr2[i], sizeof(v[i]),
				       "PCR %u", i);
	return n;
}

static void tis2_probe_banks(struct kunit *test)
{
	struct ctx *c = test->priv;

	KUNIT_EXPECT_TRUE(test, c->dev.tis.tpm2);
	KUNIT_ASSERT_NOT_NULL(test, c->dev.t2);
	KUNIT_EXPECT_EQ(test, c->dev.t2->banks.nr, 2);
	KUNIT_EXPECT_EQ(test, c->dev.t2->banks.alg[0], TPM_ALG_SHA1);
	KUNIT_EXPECT_EQ(test, c->dev.t2->banks.alg[1], TPM_ALG_SHA256);
	KUNIT_EXPECT_EQ(test, c->dev.t2->size, 52);
	KUNIT_EXPECT_EQ(test, drtm_tis_fifo_width(c->m.intf_caps, 0), 4);
	expect_idle(test, &c->m);
}

/* One measurement reaches both banks, with the data's SHA-1 and SHA-256. */
static void tis2_measure_every_bank(struct kunit *test)
{
	struct ctx *c = test->priv;
	static u8 data[3000];
	struct drtm_src src = { .kbuf = data, .size = sizeof(data) };
	const u8 *p = c->dev.log.buf;
	u8 d[20], s1[20], s256[32];
	u32 rc, gaps, off;

	memset(data, 0x3c, sizeof(data));
	crypto_shash_tfm_digest(c->m.tfm, data, sizeof(data), s1);
	crypto_shash_tfm_digest(c->m.tfm256, data, sizeof(data), s256);
	KUNIT_ASSERT_EQ(test, drtm_dev_measure(&c->dev, 17, DRTM_EV_SLAUNCH,
					       TPM12_DRTM_HASH_HOST, &src, "x", 1,
					       d, &rc), 0);
	KUNIT_EXPECT_MEMEQ(test, d, s1, 20);
	off = DRTM_EVENT_HDR_SIZE + get_unaligned_le32(p + 28);
	KUNIT_EXPECT_MEMEQ(test, p + off + 14, s1, 20);
	KUNIT_EXPECT_MEMEQ(test, p + off + 36, s256, 32);
	KUNIT_ASSERT_EQ(test, drtm_dev_measure(&c->dev, 18, DRTM_EV_SLAUNCH,
					       TPM12_DRTM_HASH_HOST, &src, "y", 1,
					       d, &rc), 0);
	KUNIT_EXPECT_EQ(test, replay2_matches(test, c, &gaps), 2);
	KUNIT_EXPECT_EQ(test, gaps, 0);
	KUNIT_EXPECT_EQ(test, c->m.cmd_locality, 2);
	/* The value it keeps moved with the extend, without a read-back. */
	KUNIT_EXPECT_MEMEQ(test, c->dev.t2->pcr_val[17], c->m.pcr2[17][0], 20);
	KUNIT_EXPECT_MEMEQ(test, c->dev.t2->pcr_val[17] + 20, c->m.pcr2[17][1], 32);
	expect_idle(test, &c->m);
}

/* At locality 0 the TPM refuses PCR 17: -EACCES, nothing logged. */
static void tis2_locality_refused(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_src src = { .kbuf = "abc", .size = 3 };
	u32 rc, used = drtm_evlog_used(&c->dev.log), gaps;
	u8 d[20], before[2][32];

	memcpy(before, c->m.pcr2[17], sizeof(before));
	c->dev.tis.locality = 0;
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, DRTM_EV_SLAUNCH,
					       TPM12_DRTM_HASH_HOST, &src, "x", 1,
					       d, &rc), -EACCES);
	KUNIT_EXPECT_EQ(test, rc, TPM2_RC_LOCALITY);
	KUNIT_EXPECT_EQ(test, drtm_evlog_used(&c->dev.log), used);
	KUNIT_EXPECT_MEMEQ(test, c->m.pcr2[17], before, sizeof(before));
	KUNIT_EXPECT_EQ(test, c->dev.unclear, 0);
	KUNIT_EXPECT_EQ(test, replay2_matches(test, c, &gaps), 0);
	expect_idle(test, &c->m);
}

/*
 * TPM-side hashing (an event sequence over several SequenceUpdates) gives
 * the digests host hashing gives, in both banks, and leaves no sequence.
 */
static void tis2_modes_agree(struct kunit *test)
{
	struct ctx *c = test->priv;
	static u8 data[3000];
	struct drtm_src src = { .kbuf = data, .size = sizeof(data) };
	u32 rc, gaps, used;
	const u8 *p = c->dev.log.buf;
	u8 d[20];
	int i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = i * 7;
	KUNIT_ASSERT_EQ(test, drtm_dev_measure(&c->dev, 17, DRTM_EV_SLAUNCH,
					       TPM12_DRTM_HASH_HOST, &src, "h", 1,
					       d, &rc), 0);
	used = drtm_evlog_used(&c->dev.log);
	KUNIT_ASSERT_EQ(test, drtm_dev_measure(&c->dev, 17, DRTM_EV_SLAUNCH,
					       TPM12_DRTM_HASH_TPM, &src, "h", 1,
					       d, &rc), 0);
	/* Two identical records: same digests in both banks. */
	KUNIT_EXPECT_EQ(test, drtm_evlog_used(&c->dev.log) - used,
			used - (DRTM_EVENT_HDR_SIZE + get_unaligned_le32(p + 28)));
	KUNIT_EXPECT_MEMEQ(test, p + used, p + used - (drtm_evlog_used(&c->dev.log) - used),
			   drtm_evlog_used(&c->dev.log) - used);
	KUNIT_EXPECT_EQ(test, c->m.ord_count[DRTM_TPM2_CC_SEQUENCE_UPDATE & 0xff], 2);
	KUNIT_EXPECT_FALSE(test, c->m.seq_open);
	KUNIT_EXPECT_EQ(test, replay2_matches(test, c, &gaps), 2);
	KUNIT_EXPECT_EQ(test, gaps, 0);
	/* Exactly one block, and nothing: the last piece may be empty or full. */
	src.size = DRTM_TPM2_SEQ_BLOCK;
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 18, 1, TPM12_DRTM_HASH_TPM,
					       &src, "b", 1, d, &rc), 0);
	src.size = 0;
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 18, 1, TPM12_DRTM_HASH_TPM,
					       &src, "0", 1, d, &rc), 0);
	KUNIT_EXPECT_EQ(test, replay2_matches(test, c, &gaps), 4);
	expect_idle(test, &c->m);
}

/* A sequence abandoned on an error is flushed; nothing is extended. */
static void tis2_sequence_flushed(struct kunit *test)
{
	struct ctx *c = test->priv;
	static u8 data[3000];
	struct drtm_src src = { .kbuf = data, .size = sizeof(data) };
	u32 rc, gaps;
	u8 d[20];

	c->m.fault = F_TPM_RC;
	c->m.inject_rc = TPM2_RC_SIZE;
	c->m.fault_ord = DRTM_TPM2_CC_SEQUENCE_UPDATE;
	c->m.fault_times = 1;
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, 1, TPM12_DRTM_HASH_TPM,
					       &src, "x", 1, d, &rc), -EINVAL);
	KUNIT_EXPECT_EQ(test, rc, TPM2_RC_SIZE);
	KUNIT_EXPECT_FALSE(test, c->m.seq_open);
	KUNIT_EXPECT_EQ(test, c->m.seq_flushed, 1);
	KUNIT_EXPECT_EQ(test, replay2_matches(test, c, &gaps), 0);
	/* The next one works (the TPM's object slot is free). */
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, 1, TPM12_DRTM_HASH_TPM,
					       &src, "y", 1, d, &rc), 0);
	KUNIT_EXPECT_EQ(test, replay2_matches(test, c, &gaps), 1);
	expect_idle(test, &c->m);
}

/*
 * The answer of TPM2_HashSequenceStart is lost after the TPM made the
 * sequence: the driver has no handle, finds the new transient object by
 * the list it took before, and flushes it -- not another user's object --
 * so the next TPM-side measurement gets the TPM's object slot.
 */
static void tis2_lost_sequence_start(struct kunit *test)
{
	struct ctx *c = test->priv;
	static u8 data[1500];
	struct drtm_src src = { .kbuf = data, .size = sizeof(data) };
	u32 rc, gaps;
	u8 d[20];

	c->m.foreign = 0x80000005;
	c->m.fault = F_EXEC_NO_RSP;
	c->m.fault_ord = DRTM_TPM2_CC_HASH_SEQUENCE_START;
	c->m.fault_times = 1;
	KUNIT_EXPECT_NE(test, drtm_dev_measure(&c->dev, 17, 1, TPM12_DRTM_HASH_TPM,
					       &src, "x", 1, d, &rc), 0);
	KUNIT_EXPECT_EQ(test, c->m.fault, F_NONE);
	KUNIT_EXPECT_FALSE(test, c->m.seq_open);
	KUNIT_EXPECT_EQ(test, c->m.seq_flushed, 1);
	KUNIT_EXPECT_EQ(test, c->dev.t2->seqs_recovered, 1);
	KUNIT_EXPECT_FALSE(test, c->dev.t2->lost_seq);
	KUNIT_EXPECT_EQ(test, replay2_matches(test, c, &gaps), 0);
	/* the slot is free again; the other user's object was left alone */
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, 1, TPM12_DRTM_HASH_TPM,
					       &src, "y", 1, d, &rc), 0);
	KUNIT_EXPECT_EQ(test, replay2_matches(test, c, &gaps), 1);
	KUNIT_EXPECT_EQ(test, c->m.seq_flushed, 1);
	KUNIT_EXPECT_GE(test, c->m.handle_lists, 3);
	expect_idle(test, &c->m);
}

/* The list cannot be read at once: the recovery comes at the next start. */
static void tis2_lost_sequence_later(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_src src = { .kbuf = "abc", .size = 3 };
	u32 rc, gaps;
	u8 d[20];

	c->m.fault = F_EXEC_NO_RSP;
	c->m.fault_ord = DRTM_TPM2_CC_HASH_SEQUENCE_START;
	c->m.fault_times = 1;
	c->m.handle_list_fail = 2;	/* the list after the lost answer */
	KUNIT_EXPECT_NE(test, drtm_dev_measure(&c->dev, 18, 1, TPM12_DRTM_HASH_TPM,
					       &src, "x", 1, d, &rc), 0);
	KUNIT_EXPECT_TRUE(test, c->m.seq_open);
	KUNIT_EXPECT_TRUE(test, c->dev.t2->lost_seq);
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 18, 1, TPM12_DRTM_HASH_TPM,
					       &src, "y", 1, d, &rc), 0);
	KUNIT_EXPECT_FALSE(test, c->dev.t2->lost_seq);
	KUNIT_EXPECT_EQ(test, c->dev.t2->seqs_recovered, 1);
	KUNIT_EXPECT_EQ(test, replay2_matches(test, c, &gaps), 1);
	expect_idle(test, &c->m);
}

static const struct unclear_case unclear2_cases[] = {
	{ "no_response_after_execution", F_EXEC_NO_RSP, TPM12_DRTM_HASH_HOST, true },
	{ "short_response", F_RSP_SHORT, TPM12_DRTM_HASH_HOST, true },
	{ "long_response", F_RSP_LONG, TPM12_DRTM_HASH_HOST, true },
	{ "garbled_param_size", F_RSP_GARBLED, TPM12_DRTM_HASH_HOST, true },
	{ "bad_response_tag", F_RSP_BADTAG, TPM12_DRTM_HASH_HOST, true },
	{ "left_over_data", F_RSP_LEFTOVER, TPM12_DRTM_HASH_HOST, true },
	{ "wrong_size_for_command", F_RSP_WRONGSIZE, TPM12_DRTM_HASH_HOST, true },
	{ "not_executed", F_DATAAVAIL_NEVER, TPM12_DRTM_HASH_HOST, false },
	{ "tpm_no_response_after_execution", F_EXEC_NO_RSP, TPM12_DRTM_HASH_TPM, true },
	{ "tpm_short_response", F_RSP_SHORT, TPM12_DRTM_HASH_TPM, true },
	{ "tpm_bad_response_tag", F_RSP_BADTAG, TPM12_DRTM_HASH_TPM, true },
	{ "tpm_wrong_size_for_command", F_RSP_WRONGSIZE, TPM12_DRTM_HASH_TPM, true },
	{ "tpm_not_executed", F_DATAAVAIL_NEVER, TPM12_DRTM_HASH_TPM, false },
};

KUNIT_ARRAY_PARAM(unclear2, unclear2_cases, unclear_desc);

/*
 * A fault after the TPM may have executed TPM2_PCR_Extend: the driver
 * reads every bank back and logs the event exactly when all of them moved
 * by their digests; the replay of every bank equals the TPM.
 */
static void tis2_unclear_extend(struct kunit *test)
{
	const struct unclear_case *u = test->param_value;
	struct ctx *c = test->priv;
	struct drtm_src src = { .kbuf = "data", .size = 4 };
	u32 rc, gaps;
	int ret;
	u8 d[20];

	KUNIT_ASSERT_EQ(test, drtm_dev_measure(&c->dev, 17, DRTM_EV_SLAUNCH,
					       u->mode, &src, "a", 1, d, &rc), 0);
	c->m.fault = u->fault;
	c->m.fault_ord = u->mode == TPM12_DRTM_HASH_TPM ?
			 DRTM_TPM2_CC_EVENT_SEQUENCE_COMPLETE :
			 TPM2_CC_PCR_EXTEND;
	c->m.fault_times = 1;
	ret = drtm_dev_measure(&c->dev, 17, DRTM_EV_SLAUNCH, u->mode, &src,
			       "b", 1, d, &rc);
	KUNIT_EXPECT_EQ(test, c->m.fault, F_NONE);
	KUNIT_EXPECT_EQ(test, ret, u->executed ? 0 : -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, DRTM_EV_SLAUNCH,
					       u->mode, &src, "c", 1, d, &rc), 0);
	KUNIT_EXPECT_EQ(test, replay2_matches(test, c, &gaps),
			u->executed ? 3 : 2);
	KUNIT_EXPECT_EQ(test, gaps, 0);
	KUNIT_EXPECT_FALSE(test, c->dev.log.unusable);
	KUNIT_EXPECT_EQ(test, c->dev.unclear, 1);
	KUNIT_EXPECT_EQ(test, c->dev.unclear_done, u->executed ? 1 : 0);
	expect_idle(test, &c->m);
}

/*
 * The outcome cannot be established (every response is short, the
 * read-back's too): the crypto-agile log gets its gap marker, for good.
 */
static void tis2_unclear_unknown(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_src src = { .kbuf = "abc", .size = 3 };
	u32 rc, gaps;
	u8 d[20];

	KUNIT_ASSERT_EQ(test, drtm_dev_measure(&c->dev, 18, 1,
					       TPM12_DRTM_HASH_HOST, &src, "a", 1,
					       d, &rc), 0);
	c->m.fault = F_RSP_SHORT;
	KUNIT_EXPECT_NE(test, drtm_dev_measure(&c->dev, 18, 1,
					       TPM12_DRTM_HASH_HOST, &src, "b", 1,
					       d, &rc), 0);
	c->m.fault = F_NONE;
	KUNIT_EXPECT_TRUE(test, c->dev.log.unusable);
	KUNIT_EXPECT_EQ(test, c->dev.unclear_unknown, 1);
	/* The model executed it; the log has the marker instead. */
	KUNIT_EXPECT_EQ(test, log2_walk(test, c, count_ev, NULL, &rc),
			DRTM_EV_LOG_GAP_UNKNOWN);
	KUNIT_EXPECT_EQ(test, rc, 1);
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, 1,
					       TPM12_DRTM_HASH_HOST, &src, "c", 1,
					       d, &rc), 0);
	KUNIT_EXPECT_TRUE(test, c->dev.log.unusable);
	gaps = log2_walk(test, c, count_ev, NULL, &rc);
	KUNIT_EXPECT_EQ(test, gaps, DRTM_EV_LOG_GAP_UNKNOWN);
	KUNIT_EXPECT_EQ(test, rc, 2);
	expect_idle(test, &c->m);
}

/* A full crypto-agile log: extended all the same, one truncation marker. */
static void tis2_log_full_marker(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_src src = { .kbuf = "x", .size = 1 };
	static u8 big[500];
	u32 rc, used, gaps, n;
	int i, ret = 0;
	u8 d[20];

	for (i = 0; i < 20 && !ret; i++)
		ret = drtm_dev_measure(&c->dev, 17 + (i & 1), 2,
				       TPM12_DRTM_HASH_HOST, &src, big,
				       sizeof(big), d, &rc);
	KUNIT_ASSERT_EQ(test, ret, -ENOSPC);
	KUNIT_EXPECT_TRUE(test, c->dev.log.truncated);
	used = drtm_evlog_used(&c->dev.log);
	KUNIT_EXPECT_LE(test, used, sizeof(c->logbuf));
	KUNIT_EXPECT_EQ(test, drtm_dev_measure(&c->dev, 17, 2,
					       TPM12_DRTM_HASH_HOST, &src, big,
					       sizeof(big), d, &rc), -ENOSPC);
	KUNIT_EXPECT_EQ(test, drtm_evlog_used(&c->dev.log), used);
	/* One marker, and every event that fitted. */
	gaps = log2_walk(test, c, count_ev, NULL, &n);
	KUNIT_EXPECT_EQ(test, gaps, DRTM_EV_LOG_GAP_TRUNCATED);
	KUNIT_EXPECT_EQ(test, n, i - 1);
}

static struct kunit_case tpm12_drtm_tis2_cases[] = {
	KUNIT_CASE(tis2_probe_banks),
	KUNIT_CASE(tis2_measure_every_bank),
	KUNIT_CASE(tis2_locality_refused),
	KUNIT_CASE(tis2_modes_agree),
	KUNIT_CASE(tis2_sequence_flushed),
	KUNIT_CASE(tis2_lost_sequence_start),
	KUNIT_CASE(tis2_lost_sequence_later),
	KUNIT_CASE_PARAM(tis2_unclear_extend, unclear2_gen_params),
	KUNIT_CASE(tis2_unclear_unknown),
	KUNIT_CASE(tis2_log_full_marker),
	{}
};

static struct kunit_suite tpm12_drtm_tis2_suite = {
	.name = "tpm12_drtm_tis2",
	.init = tis2_test_init,
	.exit = tis2_test_exit,
	.test_cases = tpm12_drtm_tis2_cases,
};

/*
 * The CRB interface with the same TPM 2.0 behind it: the transport's own
 * waits, the locality rule, and the TPM 2.0 cases above over the CRB.
 */
static int crb_test_init(struct kunit *test)
{
	return tpm2_test_init(test, true);
}

static void crb_expect_idle(struct kunit *test, struct tis_model *m)
{
	KUNIT_EXPECT_EQ_MSG(test, m->active, -1, "locality still active");
	KUNIT_EXPECT_TRUE_MSG(test, m->crb_idle, "CRB not idle");
	KUNIT_EXPECT_FALSE_MSG(test, m->crb_start, "CRB start still set");
}

/* The buffers are found, the banks read, every access 32 bits wide. */
static void crb_probe(struct kunit *test)
{
	struct ctx *c = test->priv;

	KUNIT_EXPECT_TRUE(test, c->dev.tis.crb);
	KUNIT_EXPECT_TRUE(test, c->dev.tis.tpm2);
	/* Offsets within locality 2's window. */
	KUNIT_EXPECT_EQ(test, c->dev.tis.crb_cmd, CRB_DATA_BUFFER);
	KUNIT_EXPECT_EQ(test, c->dev.tis.crb_rsp, CRB_DATA_BUFFER);
	KUNIT_EXPECT_EQ(test, c->dev.tis.crb_cmd_size, DRTM_TPM_BUF_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, c->dev.t2);
	KUNIT_EXPECT_EQ(test, c->dev.t2->banks.nr, 2);
	KUNIT_EXPECT_EQ(test, c->m.cmd_locality, 2);
	crb_expect_idle(test, &c->m);
}

/* A CRB of locality 0 only cannot serve a DRTM: refused at setup. */
static void crb_locality0_only(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_tis tis;
	const char *why;

	c->m.crb_all_loc = false;
	drtm_tis_init(&tis, &model_ops, &c->m, 2, 4);
	KUNIT_EXPECT_EQ(test, drtm_crb_setup(&tis, MODEL_CRB_BASE, &why),
			-EOPNOTSUPP);
	KUNIT_EXPECT_NOT_NULL(test, strstr(why, "locality 0 only"));
	KUNIT_EXPECT_FALSE(test, tis.crb);
	drtm_tis_init(&tis, &model_ops, &c->m, 0, 4);
	KUNIT_EXPECT_EQ(test, drtm_crb_setup(&tis, MODEL_CRB_BASE, &why), 0);
	KUNIT_EXPECT_EQ(test, tis.crb_cmd, CRB_DATA_BUFFER);
}

/* Buffers outside the window are refused, not mapped blindly. */
static void crb_buffer_outside_window(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct drtm_tis tis;
	const char *why;

	drtm_tis_init(&tis, &model_ops, &c->m, 2, 4);
	KUNIT_EXPECT_EQ(test, drtm_crb_setup(&tis, MODEL_CRB_BASE + 0x10000,
					     &why), -EOPNOTSUPP);
	KUNIT_EXPECT_NOT_NULL(test, strstr(why, "outside"));
}

static const struct fault_case crb_fault_cases[] = {
	{ "locality_never_granted", F_LOC_NEVER, -ETIMEDOUT },
	{ "command_ready_never", F_CMDREADY_NEVER, -ETIMEDOUT },
	{ "start_never_clears", F_DATAAVAIL_NEVER, -ETIMEDOUT },
	{ "tpm_sts_error", F_RSP_SHORT, -EIO },
	{ "long_response", F_RSP_LONG, -EMSGSIZE },
	{ "garbled_param_size", F_RSP_GARBLED, -EPROTO },
	{ "bad_response_tag", F_RSP_BADTAG, -EPROTO },
};

KUNIT_ARRAY_PARAM(crb_fault, crb_fault_cases, fault_desc);

/* Each transport fault: its errno, bounded, and the CRB left idle. */
static void crb_fault(struct kunit *test)
{
	const struct fault_case *f = test->param_value;
	struct ctx *c = test->priv;
	u8 out[32];
	u32 rc;

	c->m.fault = f->fault;
	KUNIT_EXPECT_EQ(test, drtm_tpm2_pcr_read(&c->dev.tis, 17, TPM_ALG_SHA256,
						 out, &rc), f->err);
	c->m.fault = F_NONE;
	c->m.crb_req = 0;
	crb_expect_idle(test, &c->m);
	/* The next command works. */
	KUNIT_EXPECT_EQ(test, drtm_tpm2_pcr_read(&c->dev.tis, 17, TPM_ALG_SHA256,
						 out, &rc), 0);
	KUNIT_EXPECT_MEMEQ(test, out, c->m.pcr2[17][1], 32);
}

static const struct unclear_case crb_unclear_cases[] = {
	{ "no_response_after_execution", F_EXEC_NO_RSP, TPM12_DRTM_HASH_HOST, true },
	{ "tpm_sts_error_after_execution", F_RSP_SHORT, TPM12_DRTM_HASH_HOST, true },
	{ "long_response", F_RSP_LONG, TPM12_DRTM_HASH_HOST, true },
	{ "garbled_param_size", F_RSP_GARBLED, TPM12_DRTM_HASH_HOST, true },
	{ "bad_response_tag", F_RSP_BADTAG, TPM12_DRTM_HASH_HOST, true },
	{ "wrong_size_for_command", F_RSP_WRONGSIZE, TPM12_DRTM_HASH_HOST, true },
	{ "not_executed", F_DATAAVAIL_NEVER, TPM12_DRTM_HASH_HOST, false },
	{ "tpm_no_response_after_execution", F_EXEC_NO_RSP, TPM12_DRTM_HASH_TPM, true },
	{ "tpm_sts_error_after_execution", F_RSP_SHORT, TPM12_DRTM_HASH_TPM, true },
	{ "tpm_not_executed", F_DATAAVAIL_NEVER, TPM12_DRTM_HASH_TPM, false },
};

KUNIT_ARRAY_PARAM(crb_unclear, crb_unclear_cases, unclear_desc);

static void crb_unclear_extend(struct kunit *test)
{
	struct ctx *c = test->priv;

	tis2_unclear_extend(test);
	crb_expect_idle(test, &c->m);
}

static struct kunit_case tpm12_drtm_crb_cases[] = {
	KUNIT_CASE(crb_probe),
	KUNIT_CASE(crb_locality0_only),
	KUNIT_CASE(crb_buffer_outside_window),
	KUNIT_CASE_PARAM(crb_fault, crb_fault_gen_params),
	KUNIT_CASE(tis2_measure_every_bank),
	KUNIT_CASE(tis2_locality_refused),
	KUNIT_CASE(tis2_modes_agree),
	KUNIT_CASE_PARAM(crb_unclear_extend, crb_unclear_gen_params),
	KUNIT_CASE(tis2_unclear_unknown),
	KUNIT_CASE(tis2_log_full_marker),
	{}
};

static struct kunit_suite tpm12_drtm_crb_suite = {
	.name = "tpm12_drtm_crb",
	.init = crb_test_init,
	.exit = tis2_test_exit,
	.test_cases = tpm12_drtm_crb_cases,
};

kunit_test_suites(&tpm12_drtm_tis_suite, &tpm12_drtm_tis2_suite,
		  &tpm12_drtm_crb_suite);

MODULE_DESCRIPTION("KUnit tests for tpm12_drtm against a TIS model");
MODULE_LICENSE("GPL");
HVSEC_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
