/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tpm12_drtm user-space interface: /dev/tpm12_drtm ioctls.
 */
#ifndef _UAPI_LINUX_HVSEC_TPM12_DRTM_H
#define _UAPI_LINUX_HVSEC_TPM12_DRTM_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define TPM12_DRTM_DEV			"/dev/tpm12_drtm"
#define TPM12_DRTM_DIGEST_SIZE		20
#define TPM12_DRTM_MAX_EVENT		4096
#define TPM12_DRTM_RC_NAME_LEN		32

/*
 * Policy for TPM12_DRTM_IOC_MEASURE (unless the module parameter
 * unrestricted=1): the DRTM PCRs and the DRTM event types only; type
 * TPM12_DRTM_EV_LOG_GAP is the log's own and always refused.
 */
#define TPM12_DRTM_USER_PCR_FIRST	17
#define TPM12_DRTM_USER_PCR_LAST	22
#define TPM12_DRTM_USER_TYPE_FIRST	0x400
#define TPM12_DRTM_USER_TYPE_LAST	0x5ff

/* Event types (see Documentation/tpm12_drtm.rst for the list). */
#define TPM12_DRTM_EV_SLAUNCH		0x502
#define TPM12_DRTM_EV_SLAUNCH_START	0x503
#define TPM12_DRTM_EV_SLAUNCH_END	0x504
#define TPM12_DRTM_EV_LOG_GAP		0x5f0	/* the log's gap marker */
#define TPM12_DRTM_EV_TEST		0x5f1	/* tests and benchmarks */

/* struct tpm12_drtm_measure.hash */
#define TPM12_DRTM_HASH_MODE_DEFAULT	0	/* module parameter hash_mode */
#define TPM12_DRTM_HASH_MODE_HOST	1	/* kernel SHA-1 + TPM_Extend */
#define TPM12_DRTM_HASH_MODE_TPM	2	/* TPM_SHA1Start/Update/CompleteExtend */

/**
 * struct tpm12_drtm_measure - TPM12_DRTM_IOC_MEASURE
 * @pcr: PCR index, 17..22 by policy (0..23 with unrestricted=1; the TPM
 *	decides what the locality may extend)
 * @type: event type stored in the log, 0x400..0x5ff by policy
 * @hash: TPM12_DRTM_HASH_MODE_*
 * @event_size: bytes at @event_ptr (<= TPM12_DRTM_MAX_EVENT)
 * @data_ptr: user address of the data to measure
 * @data_size: its size (<= the module parameter max_measure_size)
 * @event_ptr: user address of the event data for the log
 * @digest: out: the SHA-1 digest extended
 * @tpm_rc: out: TPM return code when the TPM refused (else 0)
 * @tpm_rc_name: out: its name, e.g. "TPM_BAD_LOCALITY"
 * @reserved: must be zero
 *
 * Needs CAP_SYS_ADMIN (else -EPERM); a PCR or type outside the policy gets
 * -EPERM, the gap-marker type -EINVAL.
 * Returns 0, -ENOSPC (extended, but the log is full and now marked
 * truncated) or another negative errno: nothing extended and nothing
 * logged, or, if the transport failed after the TPM may have executed the
 * extend and a read-back of the PCR could not tell, the log is now marked
 * unusable (TPM12_DRTM_INFO_UNUSABLE). A transport failure that the
 * read-back shows was executed is logged and returns 0.
 * The out fields are written back in every case but -EFAULT.
 */
struct tpm12_drtm_measure {
	__u32 pcr;
	__u32 type;
	__u32 hash;
	__u32 event_size;
	__u64 data_ptr;
	__u64 data_size;
	__u64 event_ptr;
	__u8 digest[TPM12_DRTM_DIGEST_SIZE];
	__u32 tpm_rc;
	char tpm_rc_name[TPM12_DRTM_RC_NAME_LEN];
	__u32 reserved[4];
};

/**
 * struct tpm12_drtm_pcr_read - TPM12_DRTM_IOC_PCR_READ
 * @pcr: in: PCR index, 0..23
 * @tpm_rc: out: TPM return code when the TPM refused
 * @value: out: the PCR value
 */
struct tpm12_drtm_pcr_read {
	__u32 pcr;
	__u32 tpm_rc;
	__u8 value[TPM12_DRTM_DIGEST_SIZE];
};

/**
 * struct tpm12_drtm_pcr_read2 - TPM12_DRTM_IOC_PCR_READ2 (TPM 2.0 only,
 *	else -EOPNOTSUPP)
 * @pcr: in: PCR index, 0..23
 * @alg: in: the bank's TPM_ALG_ID (0x0004 SHA-1, 0x000b SHA-256, 0x000c
 *	SHA-384, 0x000d SHA-512, 0x0012 SM3-256)
 * @size: out: the value's size
 * @tpm_rc: out: TPM return code when the TPM refused
 * @value: out: the PCR value
 */
struct tpm12_drtm_pcr_read2 {
	__u32 pcr;
	__u16 alg;
	__u16 size;
	__u32 tpm_rc;
	__u8 value[64];
};

/**
 * struct tpm12_drtm_info - TPM12_DRTM_IOC_INFO
 * @locality: locality in use
 * @flags: TPM12_DRTM_INFO_*
 * @evlog_size: container size
 * @evlog_used: bytes in use (NextEventOffset)
 * @commands: TPM commands sent
 * @mmio: MMIO accesses made
 * @last_tpm_rc: last TPM error code
 * @last_error: last transport or TPM errno (negative) or 0
 */
struct tpm12_drtm_info {
	__u32 locality;
	__u32 flags;
	__u32 evlog_size;
	__u32 evlog_used;
	__u64 commands;
	__u64 mmio;
	__u32 last_tpm_rc;
	__s32 last_error;
};

#define TPM12_DRTM_INFO_TRUNCATED	0x1	/* an event did not fit */
#define TPM12_DRTM_INFO_ADOPTED		0x2	/* log adopted from memory */
#define TPM12_DRTM_INFO_UNUSABLE	0x4	/* an extend's outcome is unknown:
						 * the log may miss it
						 */
#define TPM12_DRTM_INFO_TPM2		0x8	/* a TPM 2.0: the log is in the
						 * TCG crypto-agile format
						 */

#define TPM12_DRTM_IOC_MAGIC	0xd7
#define TPM12_DRTM_IOC_MEASURE	_IOWR(TPM12_DRTM_IOC_MAGIC, 1, struct tpm12_drtm_measure)
#define TPM12_DRTM_IOC_PCR_READ	_IOWR(TPM12_DRTM_IOC_MAGIC, 2, struct tpm12_drtm_pcr_read)
#define TPM12_DRTM_IOC_INFO	_IOR(TPM12_DRTM_IOC_MAGIC, 3, struct tpm12_drtm_info)
#define TPM12_DRTM_IOC_PCR_READ2 _IOWR(TPM12_DRTM_IOC_MAGIC, 4, struct tpm12_drtm_pcr_read2)

#endif /* _UAPI_LINUX_HVSEC_TPM12_DRTM_H */
