// SPDX-License-Identifier: GPL-2.0
/*
 * Measurement core: hash (on the host or in the TPM), extend and log under
 * one lock, so that the log and the PCRs never disagree.
 *
 * An extend whose transport fails after tpmGo may or may not have been
 * executed. The core keeps the last value the TPM returned for each PCR;
 * after such a failure it reads the PCR back and logs the event if the PCR
 * now equals SHA1(old || digest), logs nothing if it still equals old, and
 * otherwise (or if the PCR cannot be read) marks the log unusable.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/bitops.h>
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
	init_waitqueue_head(&dev->resume_wq);
	dev->suspend_wait_ms = DRTM_SUSPEND_WAIT_MS;
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

/*
 * TPM-side hashing; called with dev->lock held. The host hashes the same
 * bytes into @host, so that the digest is known even if the response of
 * TPM_SHA1CompleteExtend is lost. *@maybe is set when CompleteExtend failed
 * after the TPM may have executed it. On success @out holds the new PCR.
 */
static int hash_extend_tpm(struct drtm_dev *dev, u32 pcr,
			   const struct drtm_src *src, u8 *digest, u8 *host,
			   u8 *out, bool *maybe, u32 *tpm_rc)
{
	SHASH_DESC_ON_STACK(desc, dev->tfm);
	struct drtm_tis *tis = &dev->tis;
	u64 off = 0, left = src->size;
	u32 max_bytes, block, n;
	int ret;

	desc->tfm = dev->tfm;
	ret = crypto_shash_init(desc);
	if (ret)
		return ret;
	ret = drtm_tpm_sha1_start(tis, &max_bytes, tpm_rc);
	if (ret)
		goto out;
	block = min_t(u32, max_bytes, DRTM_SHA1_BLOCK_MAX) & ~63u;
	if (!block) {
		tis->last_what = "TPM reports SHA1Start maxNumBytes below 64";
		ret = -EIO;
		goto out;
	}
	while (left > 64) {
		n = min_t(u64, block, left & ~63ull);
		ret = src_get(src, dev->chunk, off, n);
		if (!ret)
			ret = crypto_shash_update(desc, dev->chunk, n);
		if (!ret)
			ret = drtm_tpm_sha1_update(tis, dev->chunk, n, tpm_rc);
		if (ret)
			goto out;
		off += n;
		left -= n;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out;
		}
		/*
		 * A system suspend began: stop before the TPM sees more (Linux
		 * is about to send TPM_SaveState). Nothing was extended; the
		 * TPM's SHA-1 session ends with the next command.
		 */
		if (READ_ONCE(dev->suspended)) {
			tis->last_what = "system suspend began during TPM-side hashing";
			ret = -EBUSY;
			goto out;
		}
		cond_resched();
	}
	ret = src_get(src, dev->chunk, off, left);
	if (!ret)
		ret = crypto_shash_finup(desc, dev->chunk, left, host);
	if (ret)
		goto out;
	ret = drtm_tpm_sha1_complete_extend(tis, pcr, dev->chunk, left, digest,
					    out, tpm_rc);
	*maybe = ret && tis->unclear;
out:
	shash_desc_zero(desc);
	return ret;
}

/*
 * Exclusion against another driver of the chip, held for a whole command
 * sequence (PCR read, SHA1Start..CompleteExtend, read-back), so that no
 * other command comes in between; called with dev->lock held.
 */
static int excl_lock(struct drtm_dev *dev)
{
	int ret;

	if (!dev->excl)
		return 0;
	ret = dev->excl->lock(dev->excl_ctx);
	if (ret)
		dev->tis.last_what = "Linux's TPM driver refused access";
	return ret;
}

static void excl_unlock(struct drtm_dev *dev)
{
	if (dev->excl)
		dev->excl->unlock(dev->excl_ctx);
}

static void pcr_learn(struct drtm_dev *dev, u32 pcr, const u8 *val)
{
	memcpy(dev->pcr_val[pcr], val, DRTM_DIGEST_SIZE);
	dev->pcr_known |= BIT(pcr);
}

/*
 * Take dev->lock for a command sequence once no system suspend is under
 * way: between the PM notifier's suspend (before Linux's TPM_SaveState)
 * and its resume no command of ours is sent. A request made meanwhile
 * waits for the resume, at most dev->suspend_wait_ms (then -EBUSY, nothing
 * sent); a signal, or the freezer stopping a user task for the suspend,
 * ends the wait with -ERESTARTSYS, so that an ioctl is restarted after
 * the resume.
 */
static int dev_lock_resumed(struct drtm_dev *dev)
{
	long left = msecs_to_jiffies(dev->suspend_wait_ms);
	bool waited = false;

	for (;;) {
		mutex_lock(&dev->lock);
		if (!dev->suspended)
			return 0;
		if (!waited)
			dev->suspend_waits++;
		waited = true;
		if (!left) {
			dev->suspend_refused++;
			dev->tis.last_what = "system suspended";
			mutex_unlock(&dev->lock);
			pr_warn_ratelimited("request refused: the system did not resume within %u ms\n",
					    dev->suspend_wait_ms);
			return -EBUSY;
		}
		mutex_unlock(&dev->lock);
		left = wait_event_interruptible_timeout(dev->resume_wq,
							!READ_ONCE(dev->suspended),
							left);
		if (left < 0)
			return left;
	}
}

/**
 * drtm_dev_suspend() - a system suspend begins (PM notifier)
 * @dev: device
 *
 * After it returns no command is sent until drtm_dev_resume(): a sequence
 * in progress finishes first (TPM-side hashing stops at its next chunk,
 * nothing extended), later requests wait.
 */
void drtm_dev_suspend(struct drtm_dev *dev)
{
	WRITE_ONCE(dev->suspended, true);
	mutex_lock(&dev->lock);
	dev->suspends++;
	dev->suspend_cmds_at = dev->tis.stats.commands;
	trace_tpm12_drtm_pm(1, dev->tis.stats.commands);
	mutex_unlock(&dev->lock);
}
EXPORT_SYMBOL_IF_KUNIT(drtm_dev_suspend);

/**
 * drtm_dev_resume() - the system resumed (PM notifier)
 * @dev: device
 *
 * A TPM 1.2 restores its resettable PCRs (17-22) not from TPM_SaveState
 * but resets them when it starts again (S3: TPM_Startup(ST_STATE)), and a
 * resume from hibernation starts it afresh: the PCRs the log covers are
 * read back before anything else is sent, and a PCR that changed marks the
 * log unusable.
 */
void drtm_dev_resume(struct drtm_dev *dev)
{
	mutex_lock(&dev->lock);
	if (dev->suspended) {
		dev->suspend_cmds += dev->tis.stats.commands -
				     dev->suspend_cmds_at;
		dev->recheck = dev->pcr_logged & dev->pcr_known;
		WRITE_ONCE(dev->suspended, false);
		trace_tpm12_drtm_pm(0, dev->tis.stats.commands);
	}
	mutex_unlock(&dev->lock);
	wake_up_all(&dev->resume_wq);
}
EXPORT_SYMBOL_IF_KUNIT(drtm_dev_resume);

/*
 * First sequence after a resume: compare the PCRs the log covers with the
 * values the TPM returned before the suspend. Called with dev->lock and
 * the exclusion held. A failed read leaves the check pending (and fails
 * the sequence: nothing is extended before the log is known to hold).
 */
static int recheck_after_resume(struct drtm_dev *dev, u32 *tpm_rc)
{
	u8 now[DRTM_DIGEST_SIZE];
	u32 pcr;
	int ret;

	while (dev->recheck) {
		pcr = __ffs(dev->recheck);
		ret = drtm_tpm_pcr_read(&dev->tis, pcr, now, tpm_rc);
		if (ret)
			return ret;
		if (memcmp(now, dev->pcr_val[pcr], DRTM_DIGEST_SIZE)) {
			dev->resume_changed++;
			drtm_evlog_mark(&dev->log, pcr, DRTM_EV_LOG_GAP_UNKNOWN);
			pr_err_ratelimited("PCR %u changed while the system was suspended: event log marked unusable\n",
					   pcr);
		}
		pcr_learn(dev, pcr, now);
		dev->recheck &= ~BIT(pcr);
	}
	return 0;
}

enum extend_outcome { EXTEND_DONE, EXTEND_NOT_DONE, EXTEND_UNKNOWN };

/*
 * After an unclear failure: did the TPM extend @digest into @pcr? Reads
 * the PCR back at our locality (two attempts) and compares it with the
 * last value the TPM returned to us.
 */
static enum extend_outcome resolve_unclear(struct drtm_dev *dev, u32 pcr,
					   const u8 *digest)
{
	u8 old_new[2 * DRTM_DIGEST_SIZE], want[DRTM_DIGEST_SIZE];
	u8 now[DRTM_DIGEST_SIZE];
	bool known = dev->pcr_known & BIT(pcr);
	int ret = -EIO, i;
	u32 rc;

	dev->unclear++;
	memcpy(old_new, dev->pcr_val[pcr], DRTM_DIGEST_SIZE);
	memcpy(old_new + DRTM_DIGEST_SIZE, digest, DRTM_DIGEST_SIZE);
	if (crypto_shash_tfm_digest(dev->tfm, old_new, sizeof(old_new), want))
		known = false;
	for (i = 0; i < 2 && ret; i++)
		ret = drtm_tpm_pcr_read(&dev->tis, pcr, now, &rc);
	if (ret) {
		dev->pcr_known &= ~BIT(pcr);
		return EXTEND_UNKNOWN;
	}
	pcr_learn(dev, pcr, now);
	if (known && !memcmp(now, want, DRTM_DIGEST_SIZE))
		return EXTEND_DONE;
	if (known && !memcmp(now, old_new, DRTM_DIGEST_SIZE))
		return EXTEND_NOT_DONE;
	return EXTEND_UNKNOWN;
}

/**
 * drtm_dev_measure() - measure @src into @pcr and log it
 * @dev: device
 * @pcr: PCR index (< 24)
 * @type: event type (not DRTM_EV_LOG_GAP)
 * @mode: TPM12_DRTM_HASH_HOST or _TPM (DEFAULT means host)
 * @src: bytes to measure
 * @event: event data for the log
 * @event_size: size of @event (<= DRTM_MAX_EVENT_DATA)
 * @digest: receives the extended digest (20 bytes)
 * @tpm_rc: receives the TPM return code if the TPM refused
 *
 * If the transport fails after the TPM may have executed the extend, the
 * PCR is read back: the event is logged (return 0) if the PCR moved by the
 * digest, nothing is logged (the error is returned) if it did not move, and
 * if neither can be established the log is marked unusable (the error is
 * returned).
 *
 * Return: 0; -ENOSPC if extended but the log is full; another errno if
 * nothing was extended (and nothing logged), or the outcome is unknown.
 */
int drtm_dev_measure(struct drtm_dev *dev, u32 pcr, u32 type,
		     enum tpm12_drtm_hash mode, const struct drtm_src *src,
		     const void *event, u32 event_size, u8 *digest, u32 *tpm_rc)
{
	u8 host[DRTM_DIGEST_SIZE], out[DRTM_DIGEST_SIZE];
	bool maybe = false;
	int ret, lret;

	*tpm_rc = 0;
	if (pcr >= TPM12_DRTM_NR_PCRS || event_size > DRTM_MAX_EVENT_DATA ||
	    (event_size && !event) || (src->size && !src->kbuf && !src->ubuf) ||
	    type == DRTM_EV_LOG_GAP)
		return -EINVAL;
	/* The probe found TPM_PERMANENT_FLAGS/TPM_STCLEAR_FLAGS against it. */
	if (drtm_tpm_unusable(&dev->tis)) {
		pr_err_ratelimited("PCR %u: extend refused: the TPM is %s\n", pcr,
				   drtm_tpm_state(&dev->tis));
		return -EPERM;
	}
	memset(digest, 0, DRTM_DIGEST_SIZE);
	if (mode != TPM12_DRTM_HASH_TPM) {
		ret = drtm_dev_hash_host(dev, src, digest);
		if (ret)
			return ret;
	}

	ret = dev_lock_resumed(dev);
	if (ret)
		goto fail_nolock;
	ret = excl_lock(dev);
	if (ret)
		goto fail_unlocked;
	ret = recheck_after_resume(dev, tpm_rc);
	if (ret)
		goto fail;
	/* Know the PCR before extending it, for a read-back after a failure. */
	if (!(dev->pcr_known & BIT(pcr))) {
		ret = drtm_tpm_pcr_read(&dev->tis, pcr, out, tpm_rc);
		if (ret)
			goto fail;
		pcr_learn(dev, pcr, out);
	}
	if (mode == TPM12_DRTM_HASH_TPM) {
		ret = hash_extend_tpm(dev, pcr, src, digest, host, out, &maybe,
				      tpm_rc);
		if (maybe)
			memcpy(digest, host, DRTM_DIGEST_SIZE);
	} else {
		ret = drtm_tpm_extend(&dev->tis, pcr, digest, out, tpm_rc);
		maybe = ret && dev->tis.unclear;
	}
	if (!ret) {
		pcr_learn(dev, pcr, out);
	} else if (maybe) {
		switch (resolve_unclear(dev, pcr, digest)) {
		case EXTEND_DONE:
			dev->unclear_done++;
			ret = 0;
			break;
		case EXTEND_NOT_DONE:
			dev->unclear_not_done++;
			break;
		case EXTEND_UNKNOWN:
			dev->unclear_unknown++;
			drtm_evlog_mark(&dev->log, pcr, DRTM_EV_LOG_GAP_UNKNOWN);
			pr_err_ratelimited("PCR %u: outcome of an extend unknown (%d): event log marked unusable\n",
					   pcr, ret);
			break;
		}
	}
	if (ret)
		goto fail;
	excl_unlock(dev);
	dev->measurements++;
	dev->pcr_logged |= BIT(pcr);
	lret = drtm_evlog_append(&dev->log, pcr, type, digest, event,
				 event_size);
	trace_tpm12_drtm_extend(pcr, dev->tis.locality, type, mode, digest,
				lret, 0);
	mutex_unlock(&dev->lock);
	return lret;

fail:
	excl_unlock(dev);
fail_unlocked:
	mutex_unlock(&dev->lock);
fail_nolock:
	trace_tpm12_drtm_extend(pcr, dev->tis.locality, type, mode, digest,
				ret, *tpm_rc);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_dev_measure);

int drtm_dev_pcr_read(struct drtm_dev *dev, u32 pcr, u8 *out, u32 *tpm_rc)
{
	int ret;

	*tpm_rc = 0;
	if (pcr >= TPM12_DRTM_NR_PCRS)
		return -EINVAL;
	ret = dev_lock_resumed(dev);
	if (ret)
		return ret;
	ret = excl_lock(dev);
	if (!ret) {
		ret = recheck_after_resume(dev, tpm_rc);
		if (!ret)
			ret = drtm_tpm_pcr_read(&dev->tis, pcr, out, tpm_rc);
		excl_unlock(dev);
	}
	if (!ret)
		pcr_learn(dev, pcr, out);
	mutex_unlock(&dev->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_dev_pcr_read);
