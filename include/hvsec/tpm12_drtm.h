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

struct drtm_evlog {
	void *buf;
	u32 size;
	bool truncated;
};

int drtm_evlog_init(struct drtm_evlog *log, void *buf, u32 size);
int drtm_evlog_append(struct drtm_evlog *log, u32 pcr, u32 type,
		      const u8 digest[DRTM_DIGEST_SIZE], const void *data,
		      u32 data_size);
u32 drtm_evlog_used(const struct drtm_evlog *log);

#endif /* _HVSEC_TPM12_DRTM_H */
