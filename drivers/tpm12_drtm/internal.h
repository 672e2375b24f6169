/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tpm12_drtm internals shared by the driver's files and its KUnit tests:
 * the TIS transport (with a register accessor so tests can plug in a
 * behavioural TIS model), the TPM 1.2 commands and the measurement core.
 */
#ifndef _TPM12_DRTM_INTERNAL_H
#define _TPM12_DRTM_INTERNAL_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <hvsec/tpm12_drtm.h>
#include "tpm2.h"

/* TIS registers, per locality at 0x1000 * locality. */
#define TIS_LOCALITY_STRIDE	0x1000
#define TIS_ACCESS		0x00
#define TIS_INT_ENABLE		0x08
#define TIS_INT_STATUS		0x10
#define TIS_INTF_CAPS		0x14
#define TIS_STS			0x18
#define TIS_DATA_FIFO		0x24
#define TIS_INTERFACE_ID	0x30	/* PTP; CRB's INTERFACE_ID too */
#define TIS_DID_VID		0xf00
#define TIS_RID			0xf04

#define TIS_ACCESS_VALID		0x80
#define TIS_ACCESS_ACTIVE_LOCALITY	0x20
#define TIS_ACCESS_SEIZED		0x10
#define TIS_ACCESS_SEIZE		0x08
#define TIS_ACCESS_PENDING		0x04
#define TIS_ACCESS_REQUEST_USE		0x02

#define TIS_STS_VALID		0x80
#define TIS_STS_COMMAND_READY	0x40
#define TIS_STS_GO		0x20
#define TIS_STS_DATA_AVAIL	0x10
#define TIS_STS_EXPECT		0x08
#define TIS_STS_BURST_SHIFT	8
#define TIS_STS_BURST_MASK	0xffff
#define TIS_STS_FAMILY_SHIFT	26
#define TIS_STS_FAMILY_MASK	0x3

/* INTF_CAPABILITY.interfaceVersion: 0 TIS 1.2-, 2 TIS 1.3, 3 PTP FIFO (TPM 2.0) */
#define TIS_CAPS_VERSION(c)	(((c) >> 28) & 0x7)
#define TIS_CAPS_VERSION_PTP	3
/* TPM_INTERFACE_ID.InterfaceType: 0 FIFO (TPM 2.0), 1 CRB, 0xf TIS 1.3 */
#define TIS_IFID_TYPE(i)	((i) & 0xf)
#define TIS_IFID_TYPE_FIFO	0x0
#define TIS_IFID_TYPE_CRB	0x1
/*
 * TPM_INTF_CAPABILITY (TIS 1.3): bit 8 BurstCountStatic, bits 10:9
 * DataTransferSizeSupport: 0 legacy (1-byte transfers only), 1 up to 8,
 * 2 up to 32, 3 up to 64 bytes per transfer. A TIS 1.2 (interfaceVersion
 * 0) has these bits reserved: it gets 1-byte FIFO accesses.
 */
#define TIS_CAPS_BURST_STATIC	0x100
#define TIS_CAPS_XFER_SIZE(c)	(((c) >> 9) & 0x3)
#define TIS_CAPS_VERSION_TIS13	2

/* CRB registers (PTP), per locality at 0x1000 * locality. */
#define CRB_LOC_STATE		0x00
#define CRB_LOC_CTRL		0x08
#define CRB_LOC_STS		0x0c
#define CRB_INTF_ID		0x30
#define CRB_CTRL_REQ		0x40
#define CRB_CTRL_STS		0x44
#define CRB_CTRL_CANCEL		0x48
#define CRB_CTRL_START		0x4c
#define CRB_CTRL_CMD_SIZE	0x58
#define CRB_CTRL_CMD_LADDR	0x5c
#define CRB_CTRL_CMD_HADDR	0x60
#define CRB_CTRL_RSP_SIZE	0x64
#define CRB_CTRL_RSP_ADDR	0x68	/* 64 bits */
#define CRB_DATA_BUFFER		0x80

#define CRB_LOC_STATE_ASSIGNED		0x02
#define CRB_LOC_STATE_ACTIVE_SHIFT	2
#define CRB_LOC_STATE_ACTIVE		0x1c
#define CRB_LOC_STATE_VALID		0x80
#define CRB_LOC_CTRL_REQUEST		0x01
#define CRB_LOC_CTRL_RELINQUISH		0x02
#define CRB_LOC_STS_GRANTED		0x01
#define CRB_INTF_CAP_LOCALITY		0x100	/* five localities, not only 0 */
#define CRB_CTRL_REQ_CMD_READY		0x01
#define CRB_CTRL_REQ_GO_IDLE		0x02
#define CRB_CTRL_STS_ERROR		0x01
#define CRB_CTRL_STS_IDLE		0x02
#define CRB_START_INVOKE		0x01
#define CRB_CANCEL_INVOKE		0x01

/* Vendor ids of DID_VID[15:0] that need a workaround. */
#define TIS_VID_INTEL		0x8086

/* TPM 1.2 wire format. */
#define TPM_TAG_RQU_COMMAND	0x00c1
#define TPM_TAG_RSP_COMMAND	0x00c4
#define TPM_HDR_SIZE		10

#define TPM_ORD_EXTEND			0x14
#define TPM_ORD_PCRREAD			0x15
#define TPM_ORD_GETCAPABILITY		0x65
#define TPM_ORD_SHA1START		0xa0
#define TPM_ORD_SHA1UPDATE		0xa1
#define TPM_ORD_SHA1COMPLETEEXTEND	0xa3

#define TPM_CAP_FLAG			0x04
#define TPM_CAP_PROPERTY		0x05
#define TPM_CAP_FLAG_PERMANENT		0x108
#define TPM_CAP_FLAG_VOLATILE		0x109
#define TPM_TAG_PERMANENT_FLAGS		0x001f
#define TPM_TAG_STCLEAR_FLAGS		0x0020
#define TPM_CAP_VERSION_VAL		0x1a
#define TPM_CAP_PROP_TIS_TIMEOUT	0x115
#define TPM_CAP_PROP_DURATION		0x120

#define TPM_RC_DEACTIVATED		0x06
#define TPM_RC_DISABLED			0x07
#define TPM_RC_BADTAG			0x1e
#define TPM_RC_BAD_LOCALITY		0x3d
#define TPM_RC_RETRY			0x800
#define TPM_RC_DOING_SELFTEST		0x802

/* Largest command/response we ever build or accept. */
#define DRTM_TPM_BUF_SIZE	1280
/* TPM_RETRY / TPM_DOING_SELFTEST at probe: retries, every probe_retry_us. */
#define DRTM_PROBE_RETRIES	50
#define DRTM_PROBE_RETRY_US	100000
/* Largest SHA1Update payload we send (TPM 1.2 must take 1101-byte commands). */
#define DRTM_SHA1_BLOCK_MAX	1024
/* How long a request made during a system suspend waits for the resume. */
#define DRTM_SUSPEND_WAIT_MS	30000

enum drtm_tis_timeout { DRTM_TO_A, DRTM_TO_B, DRTM_TO_C, DRTM_TO_D, DRTM_TO_NR };
enum drtm_tpm_duration { DRTM_DUR_SHORT, DRTM_DUR_MEDIUM, DRTM_DUR_LONG, DRTM_DUR_NR };

/**
 * struct drtm_tis_ops - register accessors for one TIS window
 * @read: read @width (1, 2 or 4) bytes at offset @off of the window
 * @write: write @width bytes of @val at offset @off
 *
 * The real driver maps the window with ioremap(); KUnit plugs in a model.
 */
struct drtm_tis_ops {
	u32 (*read)(void *ctx, u32 off, unsigned int width);
	void (*write)(void *ctx, u32 off, unsigned int width, u32 val);
};

struct drtm_tis_stats {
	u64 commands;
	u64 failed;
	u64 bytes_tx;
	u64 bytes_rx;
	u64 mmio_reads;
	u64 mmio_writes;
	u64 retries;
	u64 timeouts;
	u64 aborts;
	int last_err;
	u32 last_tpm_rc;
	u32 last_tpm_rc_ordinal;
};

struct drtm_tis {
	const struct drtm_tis_ops *ops;
	void *ctx;
	unsigned int locality;
	unsigned int fifo_width;	/* 1, 2 or 4 */
	unsigned int locality_retries;
	u32 timeout_us[DRTM_TO_NR];
	u32 duration_us[DRTM_DUR_NR];
	u32 probe_retry_us;		/* wait before retrying the probe */
	bool timeouts_from_tpm;
	bool durations_from_tpm;
	bool timeouts_adjusted;		/* vendor fix-up or unit rule applied */
	bool durations_adjusted;
	u32 did_vid;			/* DID_VID, for the chip workarounds */
	bool itpm;			/* iTPM: STS.expect is not reliable */
	bool tpm2;			/* a TPM 2.0: its tags and durations */
	bool crb;			/* a CRB interface, not a FIFO */
	u32 crb_cmd, crb_cmd_size;	/* CRB buffers: offsets in the window */
	u32 crb_rsp, crb_rsp_size;
	bool fifo_fallback;		/* wide FIFO accesses failed at probe */
	bool perm_flags_known;		/* TPM_PERMANENT_FLAGS read at probe */
	bool stclear_flags_known;	/* TPM_STCLEAR_FLAGS read at probe */
	bool disabled;			/* TPM_PERMANENT_FLAGS.disable */
	bool deactivated;		/* TPM_PERMANENT_FLAGS.deactivated */
	bool st_deactivated;		/* TPM_STCLEAR_FLAGS.deactivated */
	u32 sts_family;			/* STS.tpmFamily seen while active */
	u32 exec_guess_us[DRTM_DUR_NR];	/* learnt execution time per class */
	struct drtm_tis_stats stats;
	const char *last_what;		/* what failed last (static string) */
	bool granted;			/* the last command got the locality */
	bool sent;			/* tpmGo written for the last command */
	bool unclear;			/* last command failed, but the TPM
					 * may have executed it
					 */
	u8 buf[DRTM_TPM_BUF_SIZE];	/* command/response buffer */
};

void drtm_tis_init(struct drtm_tis *tis, const struct drtm_tis_ops *ops,
		   void *ctx, unsigned int locality, unsigned int fifo_width);
int drtm_tis_transmit(struct drtm_tis *tis, size_t len, size_t *rsp_len);
u32 drtm_tis_read(struct drtm_tis *tis, u32 reg, unsigned int width);
int drtm_tis_identify(struct drtm_tis *tis, u32 *caps, u32 *intf_id,
		      const char **why);
unsigned int drtm_tis_fifo_width(u32 caps, unsigned int max_width);
int drtm_crb_setup(struct drtm_tis *tis, u64 base, const char **why);
int drtm_crb_xfer(struct drtm_tis *tis, size_t len, size_t *rsp_len);

/*
 * TPM 1.2 commands; on a TPM error *@tpm_rc (if given) holds its code.
 * After a failure tis->unclear says whether the TPM may have executed the
 * command all the same (the transport failed after tpmGo, or a response
 * without a TPM error had the wrong size).
 */
const char *drtm_tpm_rc_name(u32 rc, char *buf, size_t len);
int drtm_tpm_rc_errno(u32 rc);
int drtm_tpm_extend(struct drtm_tis *tis, u32 pcr, const u8 *digest,
		    u8 *out, u32 *tpm_rc);
int drtm_tpm_pcr_read(struct drtm_tis *tis, u32 pcr, u8 *out, u32 *tpm_rc);
int drtm_tpm_getcap(struct drtm_tis *tis, u32 cap, u32 subcap, bool has_sub,
		    u8 *out, u32 out_max, u32 *out_len, u32 *tpm_rc);
int drtm_tpm_sha1_start(struct drtm_tis *tis, u32 *max_bytes, u32 *tpm_rc);
int drtm_tpm_sha1_update(struct drtm_tis *tis, const u8 *data, u32 len,
			 u32 *tpm_rc);
int drtm_tpm_sha1_complete_extend(struct drtm_tis *tis, u32 pcr,
				  const u8 *data, u32 len, u8 *hash, u8 *out,
				  u32 *tpm_rc);
int drtm_tpm_probe(struct drtm_tis *tis, u8 *version, bool *is_tpm2);
bool drtm_tpm_unusable(const struct drtm_tis *tis);
const char *drtm_tpm_state(const struct drtm_tis *tis);

/*
 * TPM 2.0 commands over the transport (tpm2.c). After a failure
 * tis->unclear says whether the TPM may have executed the command.
 */
int drtm_tpm2_probe(struct drtm_tis *tis, struct drtm_tpm2_banks *banks,
		    u32 *tpm_rc);
int drtm_tpm2_extend(struct drtm_tis *tis, u32 pcr,
		     const struct drtm_tpm2_banks *banks, const u8 *digests,
		     u32 *tpm_rc);
int drtm_tpm2_pcr_read(struct drtm_tis *tis, u32 pcr, u16 alg, u8 *out,
		       u32 *tpm_rc);
int drtm_tpm2_hash_start(struct drtm_tis *tis, u32 *handle, u32 *tpm_rc);
int drtm_tpm2_seq_update(struct drtm_tis *tis, u32 handle, const u8 *data,
			 u32 len, u32 *tpm_rc);
int drtm_tpm2_event_complete(struct drtm_tis *tis, u32 pcr, u32 handle,
			     const struct drtm_tpm2_banks *banks,
			     const u8 *data, u32 len, u8 *digests, u32 *tpm_rc);
int drtm_tpm2_flush(struct drtm_tis *tis, u32 handle, u32 *tpm_rc);
int drtm_tpm2_handles(struct drtm_tis *tis, u32 *handles, unsigned int *n,
		      u32 *tpm_rc);

/* Source of the bytes to measure: kernel buffer or user memory. */
struct drtm_src {
	const void *kbuf;
	const void __user *ubuf;
	u64 size;
};

/**
 * struct drtm_excl_ops - exclusion against another driver of the same chip
 * @lock: called before each command sequence; 0, or a negative errno and
 *	nothing is sent
 * @unlock: called after the sequence
 *
 * The real driver holds Linux's TPM core (tpm_try_get_ops()); KUnit checks
 * that every command happens inside one lock/unlock pair.
 */
struct drtm_excl_ops {
	int (*lock)(void *ctx);
	void (*unlock)(void *ctx);
};

/* Every bank's digest back to back, in the banks' order. */
#define DRTM_TPM2_ALL_DIGESTS	(20 + 32 + 48 + 64 + 32)

/**
 * struct drtm_tpm2_dev - what a device needs for a TPM 2.0
 * @banks: the banks extended (those with PCR 17 or 18 allocated)
 * @tfm: a hash transform per bank, for host-side hashing
 * @size: the bytes of all banks' digests back to back
 * @pcr_val: last value of each PCR, every bank back to back
 * @stale_seq: an abandoned event sequence whose flush failed, or 0
 * @lost_seq: a TPM2_HashSequenceStart whose answer was lost may have left
 *	a sequence the driver has no handle of: the transient objects that
 *	are not in @before are flushed before the next sequence starts
 * @before: the transient objects the TPM held before that start
 * @nr_before: how many
 * @seqs_recovered: sequences found and flushed that way
 */
struct drtm_tpm2_dev {
	struct drtm_tpm2_banks banks;
	struct crypto_shash *tfm[DRTM_TPM2_MAX_BANKS];
	unsigned int size;
	u32 stale_seq;
	bool lost_seq;
	u32 before[DRTM_TPM2_MAX_HANDLES];
	unsigned int nr_before;
	u32 seqs_recovered;
	u8 pcr_val[TPM12_DRTM_NR_PCRS][DRTM_TPM2_ALL_DIGESTS];
};

/**
 * struct drtm_dev - one DRTM measurement device (real or test model)
 * @lock: serializes TPM access and the log: log order is extend order
 * @tis: TIS transport
 * @log: the event log
 * @chunk: bounce buffer for user data (DRTM_CHUNK bytes)
 * @measurements: measurements logged
 * @t2: the TPM 2.0 state, NULL for a TPM 1.2
 * @pcr_val: last value of each PCR the TPM returned to us (TPM 1.2)
 * @pcr_known: bit n set: @pcr_val[n] is valid
 * @unclear: extends whose outcome the transport left unclear
 * @unclear_done: ... that the read-back found executed (and were logged)
 * @unclear_not_done: ... that the read-back found not executed
 * @unclear_unknown: ... whose outcome stayed unknown (log marked unusable)
 * @excl: exclusion against another driver of the chip, or NULL
 * @excl_ctx: its context
 * @suspended: a system suspend is under way (PM notifier): no command is
 *	sent until the resume; set without @lock so that TPM-side hashing in
 *	progress stops at its next chunk, read under @lock by every sequence
 * @resume_wq: requests made while @suspended wait here
 * @suspend_wait_ms: how long they wait before failing with -EBUSY
 * @pcr_logged: bit n set: the log holds an extend of PCR n
 * @recheck: PCRs to read back after a resume before anything else is sent
 * @suspends: system suspends seen
 * @suspend_waits: requests that waited for a resume
 * @suspend_refused: requests that gave up waiting (-EBUSY)
 * @suspend_cmds: TPM commands sent between a suspend and its resume
 *	(always 0: counted by the transport, as a check)
 * @resume_changed: PCRs found changed across a suspend (log marked)
 */
struct drtm_dev {
	struct mutex lock;		/* TPM access and the log */
	struct drtm_tis tis;
	struct drtm_evlog log;
	struct crypto_shash *tfm;
	struct drtm_tpm2_dev *t2;
	u8 *chunk;
	u64 measurements;
	u8 pcr_val[TPM12_DRTM_NR_PCRS][DRTM_DIGEST_SIZE];
	u32 pcr_known;
	u64 unclear;
	u64 unclear_done;
	u64 unclear_not_done;
	u64 unclear_unknown;
	const struct drtm_excl_ops *excl;
	void *excl_ctx;
	bool suspended;
	wait_queue_head_t resume_wq;
	unsigned int suspend_wait_ms;
	u32 pcr_logged;
	u32 recheck;
	u64 suspends;
	u64 suspend_waits;
	u64 suspend_refused;
	u64 suspend_cmds;
	u64 suspend_cmds_at;		/* tis.stats.commands at the suspend */
	u64 resume_changed;
};

#define DRTM_CHUNK		(64 * 1024)
#define DRTM_MAX_EVENT_DATA	4096

int drtm_dev_init(struct drtm_dev *dev);
void drtm_dev_destroy(struct drtm_dev *dev);
int drtm_dev_measure(struct drtm_dev *dev, u32 pcr, u32 type,
		     enum tpm12_drtm_hash mode, const struct drtm_src *src,
		     const void *event, u32 event_size, u8 *digest, u32 *tpm_rc);
int drtm_dev_hash_host(struct drtm_dev *dev, const struct drtm_src *src,
		       u8 *digest);
int drtm_dev_pcr_read(struct drtm_dev *dev, u32 pcr, u8 *out, u32 *tpm_rc);
int drtm_dev_tpm2_setup(struct drtm_dev *dev,
			const struct drtm_tpm2_banks *banks);
int drtm_dev_pcr_read2(struct drtm_dev *dev, u32 pcr, u16 alg, u8 *out,
		       u32 *tpm_rc);
void drtm_dev_suspend(struct drtm_dev *dev);
void drtm_dev_resume(struct drtm_dev *dev);

struct module;
const struct module *drtm_kunit_module(void);

int drtm_evlog_validate(const void *buf, u64 size, u32 *container_size,
			const char **why);
int drtm_evlog_adopt(struct drtm_evlog *log, void *buf, u64 size);

#endif /* _TPM12_DRTM_INTERNAL_H */
