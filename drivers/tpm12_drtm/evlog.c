// SPDX-License-Identifier: GPL-2.0
/*
 * The DRTM event log: a TXT event container holding TPM 1.2 format events,
 * or, on a TPM 2.0, TCG crypto-agile records (see <hvsec/tpm12_drtm.h>).
 */
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/string.h>
#include <hvsec/compat.h>
#include <kunit/visibility.h>
#include <hvsec/tpm12_drtm.h>
#include "internal.h"

/**
 * drtm_evlog_init() - format @buf as an empty event container
 * @log: log descriptor to fill
 * @buf: memory for the container
 * @size: size of @buf in bytes
 *
 * Return: 0, or -EINVAL if @size is below DRTM_EVLOG_MIN_SIZE (the header
 * and room for the two gap markers).
 */
int drtm_evlog_init(struct drtm_evlog *log, void *buf, u32 size)
{
	struct drtm_evlog_header *hdr = buf;

	if (!buf || size < DRTM_EVLOG_MIN_SIZE)
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
	log->unusable = false;
	log->gaps = 0;
	log->tcg2 = false;
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

	if (log->tcg2)
		return log->next;
	return le32_to_cpu(hdr->next_event_offset);
}
EXPORT_SYMBOL_IF_KUNIT(drtm_evlog_used);

/* Room kept for the gap markers not yet written. */
static u32 gap_reserve(const struct drtm_evlog *log)
{
	return (log->tcg2 ? drtm_evlog2_event_size(log, DRTM_EV_LOG_GAP_SIZE) :
			    DRTM_EVLOG_GAP_EVENT) *
	       (2 - hweight32(log->gaps & (DRTM_EV_LOG_GAP_TRUNCATED |
					    DRTM_EV_LOG_GAP_UNKNOWN)));
}

static void put_event(struct drtm_evlog *log, u32 next, u32 pcr, u32 type,
		      const u8 *digest, const void *data, u32 data_size)
{
	struct drtm_evlog_header *hdr = log->buf;
	struct drtm_event_header *ev = log->buf + next;

	ev->pcr_index = cpu_to_le32(pcr);
	ev->type = cpu_to_le32(type);
	if (digest)
		memcpy(ev->digest, digest, DRTM_DIGEST_SIZE);
	else
		memset(ev->digest, 0, DRTM_DIGEST_SIZE);
	ev->data_size = cpu_to_le32(data_size);
	if (data_size)
		memcpy(ev + 1, data, data_size);
	hdr->next_event_offset = cpu_to_le32(next + DRTM_EVENT_HDR_SIZE +
					     data_size);
}

/* Size of the Spec ID header event with @nr banks. */
#define SPEC_ID_DATA(nr)	(16 + 4 + 4 + 4 + 4 * (nr) + 1)
#define SPEC_ID_EVENT(nr)	(DRTM_EVENT_HDR_SIZE + SPEC_ID_DATA(nr))

/**
 * drtm_evlog2_event_size() - bytes of a crypto-agile record
 * @log: the log (its banks)
 * @data_size: bytes of event data
 */
u32 drtm_evlog2_event_size(const struct drtm_evlog *log, u32 data_size)
{
	u32 n = 4 + 4 + 4 + 4 + data_size;
	unsigned int i;

	for (i = 0; i < log->nr_banks; i++)
		n += 2 + log->dsize[i];
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_evlog2_event_size);

/* Append a TCG_PCR_EVENT2; @digests NULL: all zero. */
static void put_event2(struct drtm_evlog *log, u32 pcr, u32 type,
		       const u8 *digests, const void *data, u32 data_size)
{
	u8 *p = log->buf + log->next;
	unsigned int i;

	put_unaligned_le32(pcr, p);
	put_unaligned_le32(type, p + 4);
	put_unaligned_le32(log->nr_banks, p + 8);
	p += 12;
	for (i = 0; i < log->nr_banks; i++) {
		put_unaligned_le16(log->alg[i], p);
		if (digests) {
			memcpy(p + 2, digests, log->dsize[i]);
			digests += log->dsize[i];
		} else {
			memset(p + 2, 0, log->dsize[i]);
		}
		p += 2 + log->dsize[i];
	}
	put_unaligned_le32(data_size, p);
	if (data_size)
		memcpy(p + 4, data, data_size);
	log->next += drtm_evlog2_event_size(log, data_size);
}

/**
 * drtm_evlog2_init() - start a crypto-agile log in @buf
 * @log: log descriptor to fill
 * @buf: memory for the records
 * @size: size of @buf in bytes
 * @nr_banks: the banks every record carries (1..DRTM_TCG2_MAX_BANKS)
 * @alg: their TPM_ALG_IDs
 * @dsize: their digest sizes
 *
 * Writes the Spec ID header event (TCG_PCR_EVENT, EV_NO_ACTION, PCR 0,
 * zero digest): "Spec ID Event03", platform class 0 (client), spec
 * version 2.0 errata 0, UINTN size 2 (64-bit), the banks, no vendor data.
 *
 * Return: 0, or -EINVAL for bad banks or a @size without room for the
 * header and both gap markers.
 */
int drtm_evlog2_init(struct drtm_evlog *log, void *buf, u32 size,
		     unsigned int nr_banks, const u16 *alg, const u16 *dsize)
{
	u8 *p = buf;
	unsigned int i;

	if (!buf || !nr_banks || nr_banks > DRTM_TCG2_MAX_BANKS)
		return -EINVAL;
	memset(log, 0, sizeof(*log));
	log->tcg2 = true;
	log->nr_banks = nr_banks;
	for (i = 0; i < nr_banks; i++) {
		if (!dsize[i] || dsize[i] > 64)
			return -EINVAL;
		log->alg[i] = alg[i];
		log->dsize[i] = dsize[i];
	}
	if ((u64)SPEC_ID_EVENT(nr_banks) +
	    2 * drtm_evlog2_event_size(log, DRTM_EV_LOG_GAP_SIZE) > size)
		return -EINVAL;
	memset(buf, 0, size);
	put_unaligned_le32(0, p);
	put_unaligned_le32(DRTM_EV_NO_ACTION, p + 4);
	put_unaligned_le32(SPEC_ID_DATA(nr_banks), p + 28);
	p += DRTM_EVENT_HDR_SIZE;
	memcpy(p, DRTM_SPEC_ID_SIGNATURE, sizeof(DRTM_SPEC_ID_SIGNATURE));
	put_unaligned_le32(0, p + 16);		/* platformClass: client */
	p[20] = 0;				/* specVersionMinor */
	p[21] = 2;				/* specVersionMajor */
	p[22] = 0;				/* specErrata */
	p[23] = 2;				/* uintnSize: 64-bit */
	put_unaligned_le32(nr_banks, p + 24);
	p += 28;
	for (i = 0; i < nr_banks; i++, p += 4) {
		put_unaligned_le16(alg[i], p);
		put_unaligned_le16(dsize[i], p + 2);
	}
	*p = 0;					/* vendorInfoSize */
	log->buf = buf;
	log->size = size;
	log->next = SPEC_ID_EVENT(nr_banks);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_evlog2_init);

/**
 * drtm_evlog2_append() - append one crypto-agile record
 * @log: a log made by drtm_evlog2_init()
 * @pcr: PCR index the digests were extended into
 * @type: event type (not DRTM_EV_LOG_GAP)
 * @digests: one digest per bank, back to back in the banks' order
 * @data: event data
 * @data_size: size of @data
 *
 * Return: as drtm_evlog_append().
 */
int drtm_evlog2_append(struct drtm_evlog *log, u32 pcr, u32 type,
		       const u8 *digests, const void *data, u32 data_size)
{
	u64 end = (u64)log->next + drtm_evlog2_event_size(log, data_size);

	if (type == DRTM_EV_LOG_GAP || !log->tcg2)
		return -EINVAL;
	if (end + gap_reserve(log) > log->size) {
		drtm_evlog_mark(log, pcr, DRTM_EV_LOG_GAP_TRUNCATED);
		return -ENOSPC;
	}
	put_event2(log, pcr, type, digests, data, data_size);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_evlog2_append);

/**
 * drtm_evlog_mark() - record in the log that it no longer matches the PCRs
 * @log: the log
 * @pcr: the PCR concerned
 * @reason: DRTM_EV_LOG_GAP_TRUNCATED or DRTM_EV_LOG_GAP_UNKNOWN
 *
 * Sets the sticky flag and appends a DRTM_EV_LOG_GAP event, once per
 * reason, into the room the log keeps for it.
 *
 * Return: 0, -EINVAL for a bad @reason, or -ENOSPC if an adopted container
 * had no room left for the marker (the flag is set all the same).
 */
int drtm_evlog_mark(struct drtm_evlog *log, u32 pcr, u32 reason)
{
	u32 next = drtm_evlog_used(log);
	u8 data[DRTM_EV_LOG_GAP_SIZE] = {};
	u32 gap_event = log->tcg2 ?
		drtm_evlog2_event_size(log, DRTM_EV_LOG_GAP_SIZE) :
		DRTM_EVLOG_GAP_EVENT;

	if (reason == DRTM_EV_LOG_GAP_TRUNCATED)
		log->truncated = true;
	else if (reason == DRTM_EV_LOG_GAP_UNKNOWN)
		log->unusable = true;
	else
		return -EINVAL;
	if (log->gaps & reason)
		return 0;
	if ((u64)next + gap_event > log->size)
		return -ENOSPC;
	memcpy(data, DRTM_EV_LOG_GAP_TAG, sizeof(DRTM_EV_LOG_GAP_TAG));
	put_unaligned_le32(reason, data + 12);
	if (log->tcg2)
		put_event2(log, pcr, DRTM_EV_LOG_GAP, NULL, data, sizeof(data));
	else
		put_event(log, next, pcr, DRTM_EV_LOG_GAP, NULL, data,
			  sizeof(data));
	log->gaps |= reason;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_evlog_mark);

/**
 * drtm_evlog_append() - append one event
 * @log: the log
 * @pcr: PCR index the digest was extended into
 * @type: event type (not DRTM_EV_LOG_GAP)
 * @digest: the SHA-1 digest that was extended
 * @data: event data
 * @data_size: size of @data
 *
 * Return: 0, -EINVAL for @type DRTM_EV_LOG_GAP, or -ENOSPC if the event
 * does not fit (beside the room kept for the gap markers); the log is then
 * marked truncated (flag and marker) and left unchanged otherwise.
 */
int drtm_evlog_append(struct drtm_evlog *log, u32 pcr, u32 type,
		      const u8 digest[DRTM_DIGEST_SIZE], const void *data,
		      u32 data_size)
{
	struct drtm_evlog_header *hdr = log->buf;
	u32 next = le32_to_cpu(hdr->next_event_offset);
	u64 end = (u64)next + DRTM_EVENT_HDR_SIZE + data_size;

	if (type == DRTM_EV_LOG_GAP)
		return -EINVAL;
	if (end + gap_reserve(log) > log->size) {
		drtm_evlog_mark(log, pcr, DRTM_EV_LOG_GAP_TRUNCATED);
		return -ENOSPC;
	}
	put_event(log, next, pcr, type, digest, data, data_size);
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
 * Gap markers already in the container set the log's flags. Appends need
 * room for the markers not yet written; a nearly full container may get
 * no marker (the flags are set all the same).
 *
 * Return: 0 or -EINVAL (nothing adopted).
 */
int drtm_evlog_adopt(struct drtm_evlog *log, void *buf, u64 size)
{
	const char *why;
	u32 csize;
	int ret;

	const struct drtm_evlog_header *hdr = buf;
	const struct drtm_event_header *ev;
	u32 off, next, dsize, reason;
	const u8 *data;

	ret = drtm_evlog_validate(buf, size, &csize, &why);
	if (ret)
		return ret;
	log->buf = buf;
	log->size = csize;
	log->truncated = false;
	log->unusable = false;
	log->gaps = 0;
	log->tcg2 = false;
	/* Keep the flags of markers already in the container. */
	next = le32_to_cpu(hdr->next_event_offset);
	for (off = le32_to_cpu(hdr->pcr_events_offset); off < next;
	     off += DRTM_EVENT_HDR_SIZE + dsize) {
		ev = buf + off;
		dsize = le32_to_cpu(ev->data_size);
		data = (const u8 *)(ev + 1);
		if (le32_to_cpu(ev->type) != DRTM_EV_LOG_GAP ||
		    dsize != DRTM_EV_LOG_GAP_SIZE)
			continue;
		reason = get_unaligned_le32(data + 12);
		if (reason & DRTM_EV_LOG_GAP_TRUNCATED)
			log->truncated = true;
		if (reason & DRTM_EV_LOG_GAP_UNKNOWN)
			log->unusable = true;
		log->gaps |= reason;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_evlog_adopt);
