// SPDX-License-Identifier: GPL-2.0
/*
 * Measurement core: hash (on the host or in the TPM), extend and log under
 * one lock, so that the log and the PCRs never disagree.
 */
#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/minmax.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>
#include "internal.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

int drtm_dev_init(struct drtm_dev *dev)
{
	mutex_init(&dev->lock);
	dev->tfm = crypto_alloc_shash("sha1", 0, 0);
	if (IS_ERR(dev->tfm)) {
		int ret = PTR_ERR(dev->tfm);

		dev->tfm = NULL;
		return ret;
	}
	dev->chunk = kvmalloc(DRTM_CHUNK, GFP_KERNEL);
	if (!dev->chunk) {
		crypto_free_shash(dev->tfm);
		dev->tfm = NULL;
		return -ENOMEM;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_dev_init);

void drtm_dev_destroy(struct drtm_dev *dev)
{
	kvfree(dev->chunk);
	dev->chunk = NULL;
	crypto_free_shash(dev->tfm);
	dev->tfm = NULL;
	mutex_destroy(&dev->lock);
}
EXPORT_SYMBOL_IF_KUNIT(drtm_dev_destroy);

/* Copy @len bytes at offset @off of @src into @dst. */
static int src_get(const struct drtm_src *src, void *dst, u64 off, u32 len)
{
	if (src->kbuf) {
		memcpy(dst, src->kbuf + off, len);
		return 0;
	}
	if (copy_from_user(dst, src->ubuf + off, len))
		return -EFAULT;
	return 0;
}

int drtm_dev_hash_host(struct drtm_dev *dev, const struct drtm_src *src,
		       u8 *digest)
{
	SHASH_DESC_ON_STACK(desc, dev->tfm);
	u8 small[256], *bounce = small;
	u64 off = 0;
	u32 n;
	int ret;

	desc->tfm = dev->tfm;
	ret = crypto_shash_init(desc);
	if (ret)
		return ret;
	if (!src->kbuf && src->size > sizeof(small)) {
		bounce = kvmalloc(DRTM_CHUNK, GFP_KERNEL);
		if (!bounce)
			return -ENOMEM;
	}
	while (off < src->size) {
		n = min_t(u64, bounce == small && !src->kbuf ? sizeof(small) :
			  DRTM_CHUNK, src->size - off);
		if (src->kbuf) {
			ret = crypto_shash_update(desc, src->kbuf + off, n);
		} else {
			ret = src_get(src, bounce, off, n);
			if (!ret)
				ret = crypto_shash_update(desc, bounce, n);
		}
		if (ret)
			goto out;
		off += n;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out;
		}
		cond_resched();
	}
	ret = crypto_shash_final(desc, digest);
out:
	shash_desc_zero(desc);
	if (bounce != small)
		kvfree(bounce);
	return ret;
}

/* TPM-side hashing; called with dev->lock held. */
static int hash_extend_tpm(struct drtm_dev *dev, u32 pcr,
			   const struct drtm_src *src, u8 *digest,
			   u32 *tpm_rc)
{
	struct drtm_tis *tis = &dev->tis;
	u64 off = 0, left = src->size;
	u32 max_bytes, block, n;
	int ret;

	ret = drtm_tpm_sha1_start(tis, &max_bytes, tpm_rc);
	if (ret)
		return ret;
	block = min_t(u32, max_bytes, DRTM_SHA1_BLOCK_MAX) & ~63u;
	if (!block) {
		tis->last_what = "TPM reports SHA1Start maxNumBytes below 64";
		return -EIO;
	}
	while (left > 64) {
		n = min_t(u64, block, left & ~63ull);
		ret = src_get(src, dev->chunk, off, n);
		if (ret)
			return ret;
		ret = drtm_tpm_sha1_update(tis, dev->chunk, n, tpm_rc);
		if (ret)
			return ret;
		off += n;
		left -= n;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	ret = src_get(src, dev->chunk, off, left);
	if (ret)
		return ret;
	return drtm_tpm_sha1_complete_extend(tis, pcr, dev->chunk, left, digest,
					     NULL, tpm_rc);
}

/**
 * drtm_dev_measure() - measure @src into @pcr and log it
 * @dev: device
 * @pcr: PCR index (< 24)
 * @type: event type
 * @mode: TPM12_DRTM_HASH_HOST or _TPM (DEFAULT means host)
 * @src: bytes to measure
 * @event: event data for the log
 * @event_size: size of @event (<= DRTM_MAX_EVENT_DATA)
 * @digest: receives the extended digest (20 bytes)
 * @tpm_rc: receives the TPM return code if the TPM refused
 *
 * Return: 0; -ENOSPC if extended but the log is full; another errno if
 * nothing was extended (and nothing logged).
 */
int drtm_dev_measure(struct drtm_dev *dev, u32 pcr, u32 type,
		     enum tpm12_drtm_hash mode, const struct drtm_src *src,
		     const void *event, u32 event_size, u8 *digest, u32 *tpm_rc)
{
	int ret, lret;

	*tpm_rc = 0;
	if (pcr >= TPM12_DRTM_NR_PCRS || event_size > DRTM_MAX_EVENT_DATA ||
	    (event_size && !event) || (src->size && !src->kbuf && !src->ubuf))
		return -EINVAL;
	memset(digest, 0, DRTM_DIGEST_SIZE);
	if (mode != TPM12_DRTM_HASH_TPM) {
		ret = drtm_dev_hash_host(dev, src, digest);
		if (ret)
			return ret;
	}

	mutex_lock(&dev->lock);
	if (mode == TPM12_DRTM_HASH_TPM)
		ret = hash_extend_tpm(dev, pcr, src, digest, tpm_rc);
	else
		ret = drtm_tpm_extend(&dev->tis, pcr, digest, NULL, tpm_rc);
	if (ret) {
		trace_tpm12_drtm_extend(pcr, dev->tis.locality, type, mode,
					digest, ret, *tpm_rc);
		mutex_unlock(&dev->lock);
		return ret;
	}
	dev->measurements++;
	lret = drtm_evlog_append(&dev->log, pcr, type, digest, event,
				 event_size);
	trace_tpm12_drtm_extend(pcr, dev->tis.locality, type, mode, digest,
				lret, 0);
	mutex_unlock(&dev->lock);
	return lret;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_dev_measure);

int drtm_dev_pcr_read(struct drtm_dev *dev, u32 pcr, u8 *out, u32 *tpm_rc)
{
	int ret;

	if (pcr >= TPM12_DRTM_NR_PCRS)
		return -EINVAL;
	mutex_lock(&dev->lock);
	ret = drtm_tpm_pcr_read(&dev->tis, pcr, out, tpm_rc);
	mutex_unlock(&dev->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_dev_pcr_read);
