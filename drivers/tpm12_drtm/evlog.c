// SPDX-License-Identifier: GPL-2.0
/*
 * The DRTM event log: a TXT event container holding TPM 1.2 format events.
 */
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/string.h>
#include <kunit/visibility.h>
#include <hvsec/tpm12_drtm.h>
#include "internal.h"

/**
 * drtm_evlog_init() - format @buf as an empty event container
 * @log: log descriptor to fill
 * @buf: memory for the container
 * @size: size of @buf in bytes
 *
 * Return: 0, or -EINVAL if @size cannot hold the container header.
 */
int drtm_evlog_init(struct drtm_evlog *log, void *buf, u32 size)
{
	struct drtm_evlog_header *hdr = buf;

	if (!buf || size < DRTM_EVLOG_HDR_SIZE)
		return -EINVAL;

	memset(buf, 0, size);
	memcpy(hdr->signature, DRTM_EVLOG_SIGNATURE, sizeof(DRTM_EVLOG_SIGNATURE));
	hdr->container_ver_major = 1;
	hdr->container_ver_minor = 0;
	hdr->pcr_event_ver_major = 1;
	hdr->pcr_event_ver_minor = 0;
	hdr->container_size = cpu_to_le32(size);
	hdr->pcr_events_offset = cpu_to_le32(DRTM_EVLOG_HDR_SIZE);
	hdr->next_event_offset = cpu_to_le32(DRTM_EVLOG_HDR_SIZE);

	log->buf = buf;
	log->size = size;
	log->truncated = false;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_evlog_init);

/**
 * drtm_evlog_used() - bytes of the container in use
 * @log: the log
 */
u32 drtm_evlog_used(const struct drtm_evlog *log)
{
	const struct drtm_evlog_header *hdr = log->buf;

	return le32_to_cpu(hdr->next_event_offset);
}
EXPORT_SYMBOL_IF_KUNIT(drtm_evlog_used);

/**
 * drtm_evlog_append() - append one event
 * @log: the log
 * @pcr: PCR index the digest was extended into
 * @type: event type
 * @digest: the SHA-1 digest that was extended
 * @data: event data
 * @data_size: size of @data
 *
 * Return: 0, or -ENOSPC if the event does not fit; the log is then marked
 * truncated and left unchanged otherwise.
 */
int drtm_evlog_append(struct drtm_evlog *log, u32 pcr, u32 type,
		      const u8 digest[DRTM_DIGEST_SIZE], const void *data,
		      u32 data_size)
{
	struct drtm_evlog_header *hdr = log->buf;
	struct drtm_event_header *ev;
	u32 next = le32_to_cpu(hdr->next_event_offset);
	u64 end = (u64)next + DRTM_EVENT_HDR_SIZE + data_size;

	if (end > log->size) {
		log->truncated = true;
		return -ENOSPC;
	}

	ev = log->buf + next;
	ev->pcr_index = cpu_to_le32(pcr);
	ev->type = cpu_to_le32(type);
	memcpy(ev->digest, digest, DRTM_DIGEST_SIZE);
	ev->data_size = cpu_to_le32(data_size);
	if (data_size)
		memcpy(ev + 1, data, data_size);
	hdr->next_event_offset = cpu_to_le32((u32)end);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_evlog_append);

/**
 * drtm_evlog_validate() - check an existing container before trusting it
 * @buf: the container
 * @size: bytes available at @buf
 * @container_size: receives the header's ContainerSize
 * @why: receives a static description of the first problem found
 *
 * Checks the signature, the versions (1.0 / 1.0), that ContainerSize fits
 * in @size, PCREventsOffset >= 48, PCREventsOffset <= NextEventOffset <=
 * ContainerSize, and that every event lies inside [PCREventsOffset,
 * NextEventOffset).
 *
 * Return: 0 or -EINVAL.
 */
int drtm_evlog_validate(const void *buf, u64 size, u32 *container_size,
			const char **why)
{
	const struct drtm_evlog_header *hdr = buf;
	const struct drtm_event_header *ev;
	u32 csize, first, next, off, dsize;

	*why = NULL;
	if (!buf || size < DRTM_EVLOG_HDR_SIZE) {
		*why = "smaller than the container header";
		return -EINVAL;
	}
	if (memcmp(hdr->signature, DRTM_EVLOG_SIGNATURE,
		   sizeof(DRTM_EVLOG_SIGNATURE))) {
		*why = "bad signature";
		return -EINVAL;
	}
	if (hdr->container_ver_major != 1 || hdr->container_ver_minor != 0 ||
	    hdr->pcr_event_ver_major != 1 || hdr->pcr_event_ver_minor != 0) {
		*why = "unsupported container or event version";
		return -EINVAL;
	}
	csize = le32_to_cpu(hdr->container_size);
	first = le32_to_cpu(hdr->pcr_events_offset);
	next = le32_to_cpu(hdr->next_event_offset);
	if (csize > size || csize < DRTM_EVLOG_HDR_SIZE) {
		*why = "ContainerSize outside the given size";
		return -EINVAL;
	}
	if (first < DRTM_EVLOG_HDR_SIZE || first > next || next > csize) {
		*why = "event offsets outside the container";
		return -EINVAL;
	}
	/* Every step advances >= 32 bytes, so this walk ends. */
	for (off = first; off < next; off += DRTM_EVENT_HDR_SIZE + dsize) {
		if (next - off < DRTM_EVENT_HDR_SIZE) {
			*why = "truncated event header";
			return -EINVAL;
		}
		ev = buf + off;
		dsize = le32_to_cpu(ev->data_size);
		if (dsize > next - off - DRTM_EVENT_HDR_SIZE) {
			*why = "event data beyond NextEventOffset";
			return -EINVAL;
		}
	}
	*container_size = csize;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_evlog_validate);

/**
 * drtm_evlog_adopt() - use an existing, valid container as the log
 * @log: log descriptor to fill
 * @buf: the container
 * @size: bytes available at @buf
 *
 * Return: 0 or -EINVAL (nothing adopted).
 */
int drtm_evlog_adopt(struct drtm_evlog *log, void *buf, u64 size)
{
	const char *why;
	u32 csize;
	int ret;

	ret = drtm_evlog_validate(buf, size, &csize, &why);
	if (ret)
		return ret;
	log->buf = buf;
	log->size = csize;
	log->truncated = false;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_evlog_adopt);
