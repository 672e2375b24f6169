/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tpm12_drtm's TPM 2.0 command layer (tpm2.c): commands built into and
 * responses checked from byte buffers, independent of the transport.
 */
#ifndef _TPM12_DRTM_TPM2_H
#define _TPM12_DRTM_TPM2_H

#include <linux/types.h>

#define TPM2_HDR_SIZE		10
#define TPM2_GET_PCRS_SIZE	22
#define TPM2_PCR_READ_SIZE	20

/* The DRTM PCRs: every bank that has them is extended. */
#define DRTM_PCR_17		17
#define DRTM_PCR_18		18

/* Response codes Linux's <linux/tpm.h> does not name. */
#define TPM2_RC_VALUE		0x0084	/* format one */
#define TPM2_RC_AUTH_FAIL	0x008e
#define TPM2_RC_SIZE		0x0095
#define TPM2_RC_BAD_AUTH	0x00a2
#define TPM2_RC_LOCALITY	0x0907	/* warning */
#define TPM2_RC_YIELDED		0x0908

/* Command codes of the TPM-side hashing (not in every <linux/tpm.h>). */
#define DRTM_TPM2_CC_SEQUENCE_UPDATE		0x015c
#define DRTM_TPM2_CC_FLUSH_CONTEXT		0x0165
#define DRTM_TPM2_CC_EVENT_SEQUENCE_COMPLETE	0x0185
#define DRTM_TPM2_CC_HASH_SEQUENCE_START	0x0186
#define DRTM_TPM2_ALG_NULL			0x0010
#define DRTM_TPM2_CAP_HANDLES			0x00000001
#define DRTM_TPM2_HT_TRANSIENT			0x80000000
/* Transient objects a TPM holds at once: 3 on PC Client TPMs; room to spare. */
#define DRTM_TPM2_MAX_HANDLES			16
/* Bytes per SequenceUpdate: MAX_DIGEST_BUFFER, 1024 on PC Client TPMs. */
#define DRTM_TPM2_SEQ_BLOCK			1024

/* SHA-1, SHA-256, SHA-384, SHA-512, SM3-256. */
#define DRTM_TPM2_MAX_BANKS	5
/* The largest digest of those (SHA-512). */
#define DRTM_TPM2_MAX_DIGEST	64

/**
 * struct drtm_tpm2_banks - the PCR banks a DRTM extends
 * @nr: how many
 * @alg: their algorithms (TPM_ALG_ID), in the TPM's order
 */
struct drtm_tpm2_banks {
	unsigned int nr;
	u16 alg[DRTM_TPM2_MAX_BANKS];
};

const char *drtm_tpm2_rc_name(u32 rc, char *buf, size_t len);
int drtm_tpm2_rc_errno(u32 rc);
unsigned int drtm_tpm2_alg_size(u16 alg);
const char *drtm_tpm2_alg_name(u16 alg);
size_t drtm_tpm2_build_get_pcrs(u8 *buf);
size_t drtm_tpm2_build_get_handles(u8 *buf);
int drtm_tpm2_parse_handles(const u8 *rsp, size_t len, u32 *handles,
			    unsigned int *n, u32 *rc);
int drtm_tpm2_parse_pcrs(const u8 *rsp, size_t len,
			 struct drtm_tpm2_banks *banks, u32 *rc);
ssize_t drtm_tpm2_build_pcr_extend(u8 *buf, size_t size, u32 pcr,
				   const struct drtm_tpm2_banks *banks,
				   const u8 *digests);
int drtm_tpm2_parse_pcr_extend(const u8 *rsp, size_t len, u32 *rc);
size_t drtm_tpm2_build_pcr_read(u8 *buf, u32 pcr, u16 alg);
int drtm_tpm2_parse_pcr_read(const u8 *rsp, size_t len, u32 pcr, u16 alg,
			     u8 *out, u32 *rc);

size_t drtm_tpm2_build_hash_start(u8 *buf);
int drtm_tpm2_parse_hash_start(const u8 *rsp, size_t len, u32 *handle,
			       u32 *rc);
ssize_t drtm_tpm2_build_seq_update(u8 *buf, size_t size, u32 handle,
				   const u8 *data, u32 len);
int drtm_tpm2_parse_seq_update(const u8 *rsp, size_t len, u32 *rc);
ssize_t drtm_tpm2_build_event_complete(u8 *buf, size_t size, u32 pcr,
				       u32 handle, const u8 *data, u32 len);
int drtm_tpm2_parse_event_complete(const u8 *rsp, size_t len,
				   const struct drtm_tpm2_banks *banks,
				   u8 *digests, u32 *rc);
size_t drtm_tpm2_build_flush(u8 *buf, u32 handle);

#endif /* _TPM12_DRTM_TPM2_H */
