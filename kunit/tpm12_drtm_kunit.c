// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for tpm12_drtm's event log container.
 */
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/module.h>
#include <hvsec/compat.h>
#include <linux/slab.h>
#include <hvsec/tpm12_drtm.h>

static void evlog_init_header(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, 256, GFP_KERNEL);
	struct drtm_evlog_header *hdr = (void *)buf;
	struct drtm_evlog log;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, sizeof(struct drtm_evlog_header), DRTM_EVLOG_HDR_SIZE);
	KUNIT_EXPECT_EQ(test, sizeof(struct drtm_event_header), DRTM_EVENT_HDR_SIZE);
	KUNIT_ASSERT_EQ(test, drtm_evlog_init(&log, buf, 256), 0);
	KUNIT_EXPECT_MEMEQ(test, hdr->signature, "TXT Event Container\0", 20);
	KUNIT_EXPECT_EQ(test, hdr->container_ver_major, 1);
	KUNIT_EXPECT_EQ(test, hdr->container_ver_minor, 0);
	KUNIT_EXPECT_EQ(test, hdr->pcr_event_ver_major, 1);
	KUNIT_EXPECT_EQ(test, hdr->pcr_event_ver_minor, 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(hdr->container_size), 256);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(hdr->pcr_events_offset), 48);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(hdr->next_event_offset), 48);
	KUNIT_EXPECT_EQ(test, drtm_evlog_init(&log, buf, 47), -EINVAL);
}

/* Room for one 4-byte event, 31 bytes and the two 48-byte gap markers. */
#define SMALL_LOG	(48 + 32 + 4 + 31 + 2 * 48)

static void evlog_append_and_full(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, SMALL_LOG, GFP_KERNEL);
	u8 digest[DRTM_DIGEST_SIZE], zero[DRTM_DIGEST_SIZE] = {};
	struct drtm_event_header *ev;
	struct drtm_evlog log;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(digest, 0xab, sizeof(digest));
	KUNIT_EXPECT_EQ(test, drtm_evlog_init(&log, buf, DRTM_EVLOG_MIN_SIZE - 1),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, drtm_evlog_init(&log, buf, SMALL_LOG), 0);
	KUNIT_ASSERT_EQ(test, drtm_evlog_append(&log, 17, DRTM_EV_SLAUNCH, digest,
						"data", 4), 0);
	ev = (void *)(buf + 48);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(ev->pcr_index), 17);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(ev->type), DRTM_EV_SLAUNCH);
	KUNIT_EXPECT_MEMEQ(test, ev->digest, digest, DRTM_DIGEST_SIZE);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(ev->data_size), 4);
	KUNIT_EXPECT_MEMEQ(test, buf + 48 + 32, "data", 4);
	KUNIT_EXPECT_EQ(test, drtm_evlog_used(&log), 48 + 32 + 4);
	KUNIT_EXPECT_FALSE(test, log.truncated);

	/* A 32-byte header does not fit in the 31 bytes left. */
	KUNIT_EXPECT_EQ(test, drtm_evlog_append(&log, 18, 0x401, digest, NULL, 0),
			-ENOSPC);
	KUNIT_EXPECT_TRUE(test, log.truncated);
	KUNIT_EXPECT_FALSE(test, log.unusable);
	/* ... but the truncation marker does, in the room kept for it. */
	KUNIT_EXPECT_EQ(test, drtm_evlog_used(&log), 48 + 32 + 4 + 48);
	ev = (void *)(buf + 48 + 32 + 4);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(ev->pcr_index), 18);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(ev->type), DRTM_EV_LOG_GAP);
	KUNIT_EXPECT_MEMEQ(test, ev->digest, zero, DRTM_DIGEST_SIZE);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(ev->data_size), DRTM_EV_LOG_GAP_SIZE);
	KUNIT_EXPECT_STREQ(test, (char *)(ev + 1), DRTM_EV_LOG_GAP_TAG);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32((u8 *)(ev + 1) + 12),
			DRTM_EV_LOG_GAP_TRUNCATED);
	/* Once only; the unknown-outcome marker still fits after it. */
	KUNIT_EXPECT_EQ(test, drtm_evlog_append(&log, 17, 0x401, digest, NULL, 0),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, drtm_evlog_used(&log), 48 + 32 + 4 + 48);
	KUNIT_EXPECT_EQ(test, drtm_evlog_mark(&log, 17, DRTM_EV_LOG_GAP_UNKNOWN), 0);
	KUNIT_EXPECT_TRUE(test, log.unusable);
	KUNIT_EXPECT_EQ(test, drtm_evlog_used(&log), 48 + 32 + 4 + 2 * 48);
	KUNIT_EXPECT_EQ(test, drtm_evlog_mark(&log, 17, DRTM_EV_LOG_GAP_UNKNOWN), 0);
	KUNIT_EXPECT_EQ(test, drtm_evlog_used(&log), 48 + 32 + 4 + 2 * 48);
	KUNIT_EXPECT_EQ(test, drtm_evlog_mark(&log, 17, 4), -EINVAL);
	/* The marker type is the log's own. */
	KUNIT_EXPECT_EQ(test, drtm_evlog_append(&log, 17, DRTM_EV_LOG_GAP, digest,
						NULL, 0), -EINVAL);
}

static struct kunit_case tpm12_drtm_evlog_cases[] = {
	KUNIT_CASE(evlog_init_header),
	KUNIT_CASE(evlog_append_and_full),
	{}
};

static struct kunit_suite tpm12_drtm_evlog_suite = {
	.name = "tpm12_drtm_evlog",
	.test_cases = tpm12_drtm_evlog_cases,
};

kunit_test_suite(tpm12_drtm_evlog_suite);

MODULE_DESCRIPTION("KUnit tests for tpm12_drtm");
MODULE_LICENSE("GPL");
HVSEC_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
