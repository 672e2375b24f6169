/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tpm12_drtm: DRTM measurements into a TPM 1.2 at locality 2, with a
 * TXT-format event log. In-kernel API.
 */
#ifndef _HVSEC_TPM12_DRTM_H
#define _HVSEC_TPM12_DRTM_H

#include <linux/types.h>

#define DRTM_DIGEST_SIZE	20

/* TXT event container, TPM 1.2 event format (little-endian, packed). */
#define DRTM_EVLOG_SIGNATURE	"TXT Event Container"
#define DRTM_EVLOG_HDR_SIZE	48
#define DRTM_EVENT_HDR_SIZE	32

struct drtm_evlog_header {
	char signature[20];
	u8 reserved[12];
	u8 container_ver_major;
	u8 container_ver_minor;
	u8 pcr_event_ver_major;
	u8 pcr_event_ver_minor;
	__le32 container_size;
	__le32 pcr_events_offset;
	__le32 next_event_offset;
} __packed;

struct drtm_event_header {
	__le32 pcr_index;
	__le32 type;
	u8 digest[DRTM_DIGEST_SIZE];
	__le32 data_size;
} __packed;

/* DRTM event types (base 0x400). */
#define DRTM_EV_SLAUNCH		0x502
#define DRTM_EV_SLAUNCH_START	0x503
#define DRTM_EV_SLAUNCH_END	0x504

/*
 * Log-gap marker, an EV_NO_ACTION-style event in the DRTM range: its
 * digest (all zero) is never extended into a PCR. It says that from this
 * point on the log does not describe the PCRs any more; a replay must stop
 * trusting the log (drtm verify fails). PCRIndex names the PCR concerned;
 * the data is DRTM_EV_LOG_GAP_TAG NUL-padded to 12 bytes and a le32 reason.
 * At most one marker of each reason is written; the log keeps room for
 * them, so a full log still gets its marker.
 */
#define DRTM_EV_LOG_GAP			0x5f0
#define DRTM_EV_LOG_GAP_TAG		"tpm12_drtm"
#define DRTM_EV_LOG_GAP_SIZE		16
#define DRTM_EV_LOG_GAP_TRUNCATED	0x1	/* an extended event did not fit */
#define DRTM_EV_LOG_GAP_UNKNOWN		0x2	/* an extend may have happened unlogged */
#define DRTM_EVLOG_GAP_EVENT	(DRTM_EVENT_HDR_SIZE + DRTM_EV_LOG_GAP_SIZE)
/* Smallest container: header and room for both markers. */
#define DRTM_EVLOG_MIN_SIZE	(DRTM_EVLOG_HDR_SIZE + 2 * DRTM_EVLOG_GAP_EVENT)

/*
 * On a TPM 2.0 the log is in the TCG PC Client crypto-agile format, the
 * layout of a TXT 2.0 / Secure Launch DRTM log for a TPM 2.0: a
 * TCG_PCR_EVENT (SHA-1 format) of type EV_NO_ACTION carrying the
 * "Spec ID Event03" structure with the banks, then TCG_PCR_EVENT2
 * records (PCRIndex, EventType, a digest per bank, EventSize, Event).
 * The gap marker is a TCG_PCR_EVENT2 of type DRTM_EV_LOG_GAP with all-zero
 * digests and the same 16 bytes of data.
 */
#define DRTM_EV_NO_ACTION		0x3
#define DRTM_SPEC_ID_SIGNATURE		"Spec ID Event03"
#define DRTM_TCG2_MAX_BANKS		5

/**
 * struct drtm_evlog - the event log
 * @buf: the container (TPM 1.2) or the crypto-agile records (TPM 2.0)
 * @size: its ContainerSize (TPM 1.2) or the bytes at @buf (TPM 2.0)
 * @truncated: an extended event did not fit (sticky)
 * @unusable: an extend's outcome is unknown, the log may miss it (sticky)
 * @gaps: DRTM_EV_LOG_GAP_* markers present in the container
 * @tcg2: the crypto-agile format (TPM 2.0)
 * @next: bytes in use (@tcg2)
 * @nr_banks: banks of each event (@tcg2)
 * @alg: their TPM_ALG_IDs (@tcg2)
 * @dsize: their digest sizes (@tcg2)
 */
struct drtm_evlog {
	void *buf;
	u32 size;
	bool truncated;
	bool unusable;
	u32 gaps;
	bool tcg2;
	u32 next;
	unsigned int nr_banks;
	u16 alg[DRTM_TCG2_MAX_BANKS];
	u16 dsize[DRTM_TCG2_MAX_BANKS];
};

int drtm_evlog_init(struct drtm_evlog *log, void *buf, u32 size);
int drtm_evlog_append(struct drtm_evlog *log, u32 pcr, u32 type,
		      const u8 digest[DRTM_DIGEST_SIZE], const void *data,
		      u32 data_size);
int drtm_evlog_mark(struct drtm_evlog *log, u32 pcr, u32 reason);
u32 drtm_evlog_used(const struct drtm_evlog *log);
int drtm_evlog2_init(struct drtm_evlog *log, void *buf, u32 size,
		     unsigned int nr_banks, const u16 *alg, const u16 *dsize);
int drtm_evlog2_append(struct drtm_evlog *log, u32 pcr, u32 type,
		       const u8 *digests, const void *data, u32 data_size);
u32 drtm_evlog2_event_size(const struct drtm_evlog *log, u32 data_size);

/* Where the measured data is hashed. */
enum tpm12_drtm_hash {
	TPM12_DRTM_HASH_DEFAULT = 0,	/* module parameter hash_mode */
	TPM12_DRTM_HASH_HOST = 1,	/* kernel SHA-1, then TPM_Extend */
	TPM12_DRTM_HASH_TPM = 2,	/* TPM_SHA1Start/Update/CompleteExtend */
};

#define TPM12_DRTM_NR_PCRS	24

/**
 * tpm12_drtm_measure() - measure a buffer into a PCR and log the event
 * @pcr: PCR index (0..23); the TPM enforces which the locality may extend
 * @type: event type for the log (e.g. DRTM_EV_SLAUNCH)
 * @data: bytes to measure
 * @len: size of @data
 * @event: event data stored in the log entry (may be NULL if @event_size 0)
 * @event_size: size of @event, at most 4096
 * @mode: hashing mode
 * @digest: if not NULL, receives the SHA-1 digest that was extended
 *
 * The extend and the log entry happen under one lock, so the log order is
 * the extend order. A failed extend leaves no entry. If the transport
 * fails after the TPM may have executed the extend, the PCR is read back:
 * the event is logged (and 0 returned) if the PCR moved by the digest;
 * if that cannot be established the log is marked unusable. If the log is
 * full the PCR is still extended and -ENOSPC is returned (the log is marked
 * truncated). @type DRTM_EV_LOG_GAP is refused.
 *
 * Return: 0 or a negative errno; TPM errors map to errnos (see
 * tpm12_drtm_last_error()).
 */
int tpm12_drtm_measure(u32 pcr, u32 type, const void *data, size_t len,
		       const void *event, u32 event_size,
		       enum tpm12_drtm_hash mode, u8 *digest);

/**
 * tpm12_drtm_pcr_read() - read a PCR with TPM_PCRRead
 * @pcr: PCR index (0..23)
 * @value: receives the 20-byte PCR value
 *
 * Return: 0 or a negative errno.
 */
int tpm12_drtm_pcr_read(u32 pcr, u8 *value);

#endif /* _HVSEC_TPM12_DRTM_H */
