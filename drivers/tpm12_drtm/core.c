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
#include <linux/tpm.h>
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

static void tpm2_free(struct drtm_dev *dev)
{
	unsigned int i;

	if (!dev->t2)
		return;
	for (i = 0; i < DRTM_TPM2_MAX_BANKS; i++)
		if (dev->t2->tfm[i])
			crypto_free_shash(dev->t2->tfm[i]);
	kfree(dev->t2);
	dev->t2 = NULL;
}

void drtm_dev_destroy(struct drtm_dev *dev)
{
	tpm2_free(dev);
	kvfree(dev->chunk);
	dev->chunk = NULL;
	crypto_free_shash(dev->tfm);
	dev->tfm = NULL;
	mutex_destroy(&dev->lock);
}
EXPORT_SYMBOL_IF_KUNIT(drtm_dev_destroy);

/**
 * drtm_dev_tpm2_setup() - make @dev drive a TPM 2.0 with @banks
 * @dev: device after drtm_dev_init()
 * @banks: the banks to extend (drtm_tpm2_probe())
 *
 * Every bank needs the kernel's hash of its algorithm for host-side
 * hashing: a bank left out could be extended later with anything.
 *
 * Return: 0, -ENOMEM, or -ENOENT (with one line) if a hash is missing.
 */
int drtm_dev_tpm2_setup(struct drtm_dev *dev,
			const struct drtm_tpm2_banks *banks)
{
	struct drtm_tpm2_dev *t2;
	const char *name;
	unsigned int i;
	int ret;

	if (!banks->nr || banks->nr > DRTM_TPM2_MAX_BANKS)
		return -EINVAL;
	t2 = kzalloc(sizeof(*t2), GFP_KERNEL);
	if (!t2)
		return -ENOMEM;
	dev->t2 = t2;
	t2->banks = *banks;
	for (i = 0; i < banks->nr; i++) {
		name = drtm_tpm2_alg_name(banks->alg[i]);
		t2->tfm[i] = name ? crypto_alloc_shash(name, 0, 0) :
				    ERR_PTR(-ENOENT);
		if (IS_ERR(t2->tfm[i])) {
			ret = PTR_ERR(t2->tfm[i]);
			t2->tfm[i] = NULL;
			pr_err("TPM 2.0 bank %#06x: the kernel cannot hash it (%s: %d)\n",
			       banks->alg[i], name ? name : "unknown", ret);
			tpm2_free(dev);
			return ret;
		}
		t2->size += drtm_tpm2_alg_size(banks->alg[i]);
	}
	/* Every value buffer holds at most one digest per algorithm. */
	if (t2->size > DRTM_TPM2_ALL_DIGESTS) {
		tpm2_free(dev);
		return -EINVAL;
	}
	dev->pcr_known = 0;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_dev_tpm2_setup);

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

/* One hash descriptor per bank of a TPM 2.0. */
static void descs_free(struct drtm_tpm2_dev *t2, struct shash_desc **desc)
{
	unsigned int i;

	for (i = 0; i < t2->banks.nr; i++) {
		if (!desc[i])
			continue;
		shash_desc_zero(desc[i]);
		kfree(desc[i]);
		desc[i] = NULL;
	}
}

static int descs_init(struct drtm_tpm2_dev *t2, struct shash_desc **desc)
{
	unsigned int i;
	int ret;

	for (i = 0; i < t2->banks.nr; i++) {
		desc[i] = kmalloc(sizeof(*desc[i]) +
				  crypto_shash_descsize(t2->tfm[i]), GFP_KERNEL);
		if (!desc[i]) {
			descs_free(t2, desc);
			return -ENOMEM;
		}
		desc[i]->tfm = t2->tfm[i];
		ret = crypto_shash_init(desc[i]);
		if (ret) {
			descs_free(t2, desc);
			return ret;
		}
	}
	return 0;
}

static int descs_update(struct drtm_tpm2_dev *t2, struct shash_desc **desc,
			const u8 *p, u32 n)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < t2->banks.nr && !ret; i++)
		ret = crypto_shash_update(desc[i], p, n);
	return ret;
}

/* Every bank's digest, back to back in the banks' order. */
static int descs_final(struct drtm_tpm2_dev *t2, struct shash_desc **desc,
		       u8 *digests)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < t2->banks.nr && !ret; i++) {
		ret = crypto_shash_final(desc[i], digests);
		digests += drtm_tpm2_alg_size(t2->banks.alg[i]);
	}
	return ret;
}

/*
 * Host-side hashing for a TPM 2.0: one pass over the data feeds every
 * bank's hash; @digests gets them back to back in the banks' order.
 */
static int hash_host2(struct drtm_dev *dev, const struct drtm_src *src,
		      u8 *digests)
{
	struct shash_desc *desc[DRTM_TPM2_MAX_BANKS] = {};
	struct drtm_tpm2_dev *t2 = dev->t2;
	const u8 *p;
	u8 *bounce = NULL;
	u64 off = 0;
	int ret;
	u32 n;

	ret = descs_init(t2, desc);
	if (ret)
		return ret;
	if (!src->kbuf && src->size) {
		bounce = kvmalloc(min_t(u64, DRTM_CHUNK, src->size), GFP_KERNEL);
		if (!bounce) {
			ret = -ENOMEM;
			goto out;
		}
	}
	while (off < src->size) {
		n = min_t(u64, DRTM_CHUNK, src->size - off);
		p = src->kbuf + off;
		if (!src->kbuf) {
			ret = src_get(src, bounce, off, n);
			if (ret)
				goto out;
			p = bounce;
		}
		ret = descs_update(t2, desc, p, n);
		if (ret)
			goto out;
		off += n;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out;
		}
		cond_resched();
	}
	ret = descs_final(t2, desc, digests);
out:
	descs_free(t2, desc);
	kvfree(bounce);
	return ret;
}

/*
 * What a clean-up command must leave as it was: the first failure stays
 * the one reported (only the traffic counters move on).
 */
struct tis_saved {
	struct drtm_tis_stats stats;
	const char *what;
	bool unclear;
};

static void tis_save(const struct drtm_tis *tis, struct tis_saved *s)
{
	s->stats = tis->stats;
	s->what = tis->last_what;
	s->unclear = tis->unclear;
}

static void tis_restore(struct drtm_tis *tis, struct tis_saved *s)
{
	s->stats.commands = tis->stats.commands;
	s->stats.mmio_reads = tis->stats.mmio_reads;
	s->stats.mmio_writes = tis->stats.mmio_writes;
	s->stats.bytes_tx = tis->stats.bytes_tx;
	s->stats.bytes_rx = tis->stats.bytes_rx;
	tis->stats = s->stats;
	tis->last_what = s->what;
	tis->unclear = s->unclear;
}

/*
 * Best effort, and the first failure stays the one reported. A sequence
 * whose flush failed is remembered and flushed again before the next one
 * starts: it would keep one of the TPM's few object slots.
 */
static void flush_sequence(struct drtm_dev *dev, u32 handle)
{
	struct tis_saved saved;
	u32 rc;
	int ret;

	tis_save(&dev->tis, &saved);
	ret = drtm_tpm2_flush(&dev->tis, handle, &rc);
	/* Flushed, or TPM_RC_HANDLE (format one, error 0xb): it is gone. */
	dev->t2->stale_seq = ret && !(rc & 0x80 && (rc & 0x3f) == 0xb) ?
			     handle : 0;
	tis_restore(&dev->tis, &saved);
}

/*
 * After a TPM2_HashSequenceStart whose answer was lost: the transient
 * objects the TPM holds now that it did not hold before are the sequence
 * it may have made (nothing else runs commands meanwhile: the exclusion
 * with Linux's driver is held), and are flushed. Best effort: while the
 * list cannot be read, lost_seq stays and this is tried again before the
 * next sequence.
 */
static void recover_sequence(struct drtm_dev *dev)
{
	struct drtm_tpm2_dev *t2 = dev->t2;
	u32 now[DRTM_TPM2_MAX_HANDLES], rc;
	unsigned int n, i, j;
	struct tis_saved saved;

	tis_save(&dev->tis, &saved);
	if (drtm_tpm2_handles(&dev->tis, now, &n, &rc)) {
		tis_restore(&dev->tis, &saved);
		return;
	}
	tis_restore(&dev->tis, &saved);
	t2->lost_seq = false;
	for (i = 0; i < n; i++) {
		for (j = 0; j < t2->nr_before && t2->before[j] != now[i]; j++)
			;
		if (j < t2->nr_before)
			continue;
		flush_sequence(dev, now[i]);
		if (!t2->stale_seq)
			t2->seqs_recovered++;
	}
}

/*
 * TPM-side hashing on a TPM 2.0; called with dev->lock held. An event
 * sequence (TPM2_HashSequenceStart with TPM_ALG_NULL) takes the data in
 * DRTM_TPM2_SEQ_BLOCK pieces and TPM2_EventSequenceComplete extends every
 * bank of @pcr with its digest. The host hashes the same bytes into @host,
 * so that the digests are known if the completion's answer is lost; *@maybe
 * is set when it failed after the TPM may have executed it. On success
 * @digests holds the TPM's digests. A sequence abandoned before its
 * completion is flushed, so that it does not hold one of the TPM's few
 * object slots.
 */
static int hash_extend_tpm2(struct drtm_dev *dev, u32 pcr,
			    const struct drtm_src *src, u8 *digests, u8 *host,
			    bool *maybe, u32 *tpm_rc)
{
	struct shash_desc *desc[DRTM_TPM2_MAX_BANKS] = {};
	struct drtm_tpm2_dev *t2 = dev->t2;
	struct drtm_tis *tis = &dev->tis;
	u64 off = 0, left = src->size;
	bool open = false;
	u32 handle = 0, n;
	int ret;

	ret = descs_init(t2, desc);
	if (ret)
		return ret;
	if (t2->stale_seq)
		flush_sequence(dev, t2->stale_seq);
	if (t2->lost_seq)
		recover_sequence(dev);
	/*
	 * The transient objects before the start: if its answer is lost,
	 * a new one is the sequence (recover_sequence()). Without the list
	 * (an old or failing TPM) the start goes on, as before.
	 */
	if (!t2->lost_seq) {
		struct tis_saved saved;
		u32 rc;

		tis_save(tis, &saved);
		if (drtm_tpm2_handles(tis, t2->before, &t2->nr_before, &rc))
			t2->nr_before = DRTM_TPM2_MAX_HANDLES + 1;
		tis_restore(tis, &saved);
	}
	ret = drtm_tpm2_hash_start(tis, &handle, tpm_rc);
	if (ret) {
		if (tis->unclear && t2->nr_before <= DRTM_TPM2_MAX_HANDLES) {
			t2->lost_seq = true;
			recover_sequence(dev);
		}
		goto out;
	}
	open = true;
	while (left > DRTM_TPM2_SEQ_BLOCK) {
		n = DRTM_TPM2_SEQ_BLOCK;
		ret = src_get(src, dev->chunk, off, n);
		if (!ret)
			ret = descs_update(t2, desc, dev->chunk, n);
		if (!ret)
			ret = drtm_tpm2_seq_update(tis, handle, dev->chunk, n,
						   tpm_rc);
		if (ret)
			goto out;
		off += n;
		left -= n;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out;
		}
		/* As on a TPM 1.2: stop before Linux's TPM2_Shutdown. */
		if (READ_ONCE(dev->suspended)) {
			tis->last_what = "system suspend began during TPM-side hashing";
			ret = -EBUSY;
			goto out;
		}
		cond_resched();
	}
	ret = src_get(src, dev->chunk, off, left);
	if (!ret)
		ret = descs_update(t2, desc, dev->chunk, left);
	if (!ret)
		ret = descs_final(t2, desc, host);
	if (ret)
		goto out;
	ret = drtm_tpm2_event_complete(tis, pcr, handle, &t2->banks,
				       dev->chunk, left, digests, tpm_rc);
	*maybe = ret && tis->unclear;
	/*
	 * A completion ends the sequence, unless it never reached the TPM
	 * (then the flush below frees it; else it answers TPM_RC_HANDLE).
	 */
	open = ret != 0;
out:
	if (open)
		flush_sequence(dev, handle);
	descs_free(t2, desc);
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

/*
 * A PCR's value: 20 bytes on a TPM 1.2, every bank's value back to back on
 * a TPM 2.0.
 */
static unsigned int val_size(const struct drtm_dev *dev)
{
	return dev->t2 ? dev->t2->size : DRTM_DIGEST_SIZE;
}

static u8 *pcr_val(struct drtm_dev *dev, u32 pcr)
{
	return dev->t2 ? dev->t2->pcr_val[pcr] : dev->pcr_val[pcr];
}

static void pcr_learn(struct drtm_dev *dev, u32 pcr, const u8 *val)
{
	memcpy(pcr_val(dev, pcr), val, val_size(dev));
	dev->pcr_known |= BIT(pcr);
}

/* Read @pcr, in every bank on a TPM 2.0. */
static int read_pcr(struct drtm_dev *dev, u32 pcr, u8 *out, u32 *tpm_rc)
{
	struct drtm_tpm2_dev *t2 = dev->t2;
	unsigned int i;
	int ret;

	if (!t2)
		return drtm_tpm_pcr_read(&dev->tis, pcr, out, tpm_rc);
	for (i = 0; i < t2->banks.nr; i++) {
		ret = drtm_tpm2_pcr_read(&dev->tis, pcr, t2->banks.alg[i], out,
					 tpm_rc);
		if (ret)
			return ret;
		out += drtm_tpm2_alg_size(t2->banks.alg[i]);
	}
	return 0;
}

/* @want = H(@old || @digest) in every bank. */
static int predict(struct drtm_dev *dev, const u8 *old, const u8 *digest,
		   u8 *want)
{
	struct drtm_tpm2_dev *t2 = dev->t2;
	u8 cat[2 * DRTM_TPM2_MAX_DIGEST];
	unsigned int i, ds;
	int ret;

	if (!t2) {
		memcpy(cat, old, DRTM_DIGEST_SIZE);
		memcpy(cat + DRTM_DIGEST_SIZE, digest, DRTM_DIGEST_SIZE);
		return crypto_shash_tfm_digest(dev->tfm, cat,
					       2 * DRTM_DIGEST_SIZE, want);
	}
	for (i = 0; i < t2->banks.nr; i++) {
		ds = drtm_tpm2_alg_size(t2->banks.alg[i]);
		memcpy(cat, old, ds);
		memcpy(cat + ds, digest, ds);
		ret = crypto_shash_tfm_digest(t2->tfm[i], cat, 2 * ds, want);
		if (ret)
			return ret;
		old += ds;
		digest += ds;
		want += ds;
	}
	return 0;
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
	u8 now[DRTM_TPM2_ALL_DIGESTS];
	u32 pcr;
	int ret;

	while (dev->recheck) {
		pcr = __ffs(dev->recheck);
		ret = read_pcr(dev, pcr, now, tpm_rc);
		if (ret)
			return ret;
		if (memcmp(now, pcr_val(dev, pcr), val_size(dev))) {
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
	u8 old[DRTM_TPM2_ALL_DIGESTS], want[DRTM_TPM2_ALL_DIGESTS];
	u8 now[DRTM_TPM2_ALL_DIGESTS];
	bool known = dev->pcr_known & BIT(pcr);
	unsigned int size = val_size(dev);
	int ret = -EIO, i;
	u32 rc;

	dev->unclear++;
	memcpy(old, pcr_val(dev, pcr), size);
	if (predict(dev, old, digest, want))
		known = false;
	for (i = 0; i < 2 && ret; i++)
		ret = read_pcr(dev, pcr, now, &rc);
	if (ret) {
		dev->pcr_known &= ~BIT(pcr);
		return EXTEND_UNKNOWN;
	}
	pcr_learn(dev, pcr, now);
	if (known && !memcmp(now, want, size))
		return EXTEND_DONE;
	if (known && !memcmp(now, old, size))
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
	u8 host[DRTM_DIGEST_SIZE], out[DRTM_TPM2_ALL_DIGESTS];
	u8 all[DRTM_TPM2_ALL_DIGESTS], host2[DRTM_TPM2_ALL_DIGESTS];
	struct drtm_tpm2_dev *t2 = dev->t2;
	unsigned int i, off;
	u8 *d = t2 ? all : digest;
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
	if (t2 && mode != TPM12_DRTM_HASH_TPM)
		ret = hash_host2(dev, src, all);
	else if (t2)
		ret = 0;
	else if (mode != TPM12_DRTM_HASH_TPM)
		ret = drtm_dev_hash_host(dev, src, digest);
	else
		ret = 0;
	if (ret)
		return ret;

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
		ret = read_pcr(dev, pcr, out, tpm_rc);
		if (ret)
			goto fail;
		pcr_learn(dev, pcr, out);
	}
	if (t2 && mode == TPM12_DRTM_HASH_TPM) {
		ret = hash_extend_tpm2(dev, pcr, src, all, host2, &maybe,
				       tpm_rc);
		if (maybe)
			memcpy(all, host2, t2->size);
		if (!ret && predict(dev, pcr_val(dev, pcr), all, out))
			dev->pcr_known &= ~BIT(pcr);
	} else if (t2) {
		ret = drtm_tpm2_extend(&dev->tis, pcr, &t2->banks, all, tpm_rc);
		maybe = ret && dev->tis.unclear;
		/* TPM2_PCR_Extend returns no value: the known one moves. */
		if (!ret && predict(dev, pcr_val(dev, pcr), all, out))
			dev->pcr_known &= ~BIT(pcr);
	} else if (mode == TPM12_DRTM_HASH_TPM) {
		ret = hash_extend_tpm(dev, pcr, src, digest, host, out, &maybe,
				      tpm_rc);
		if (maybe)
			memcpy(digest, host, DRTM_DIGEST_SIZE);
	} else {
		ret = drtm_tpm_extend(&dev->tis, pcr, digest, out, tpm_rc);
		maybe = ret && dev->tis.unclear;
	}
	if (!ret) {
		if (!t2 || dev->pcr_known & BIT(pcr))
			pcr_learn(dev, pcr, out);
	} else if (maybe) {
		switch (resolve_unclear(dev, pcr, d)) {
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
	if (t2) {
		lret = drtm_evlog2_append(&dev->log, pcr, type, all, event,
					  event_size);
		/* The SHA-1 bank's digest, if the TPM has one. */
		for (i = 0, off = 0; i < t2->banks.nr; i++) {
			if (t2->banks.alg[i] == TPM_ALG_SHA1) {
				memcpy(digest, all + off, DRTM_DIGEST_SIZE);
				break;
			}
			off += drtm_tpm2_alg_size(t2->banks.alg[i]);
		}
	} else {
		lret = drtm_evlog_append(&dev->log, pcr, type, digest, event,
					 event_size);
	}
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
		if (!ret && dev->t2)
			ret = drtm_tpm2_pcr_read(&dev->tis, pcr, TPM_ALG_SHA1,
						 out, tpm_rc);
		else if (!ret)
			ret = drtm_tpm_pcr_read(&dev->tis, pcr, out, tpm_rc);
		excl_unlock(dev);
	}
	if (!ret && !dev->t2)
		pcr_learn(dev, pcr, out);
	mutex_unlock(&dev->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_dev_pcr_read);

/**
 * drtm_dev_pcr_read2() - read a PCR of one bank of a TPM 2.0
 * @dev: device
 * @pcr: PCR index (< 24)
 * @alg: the bank's TPM_ALG_ID
 * @out: receives the value (the algorithm's digest size)
 * @tpm_rc: receives the TPM return code if the TPM refused
 *
 * Return: 0, -EOPNOTSUPP on a TPM 1.2, or another negative errno.
 */
int drtm_dev_pcr_read2(struct drtm_dev *dev, u32 pcr, u16 alg, u8 *out,
		       u32 *tpm_rc)
{
	int ret;

	*tpm_rc = 0;
	if (!dev->t2)
		return -EOPNOTSUPP;
	if (pcr >= TPM12_DRTM_NR_PCRS || !drtm_tpm2_alg_size(alg))
		return -EINVAL;
	ret = dev_lock_resumed(dev);
	if (ret)
		return ret;
	ret = excl_lock(dev);
	if (!ret) {
		ret = recheck_after_resume(dev, tpm_rc);
		if (!ret)
			ret = drtm_tpm2_pcr_read(&dev->tis, pcr, alg, out,
						 tpm_rc);
		excl_unlock(dev);
	}
	mutex_unlock(&dev->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_dev_pcr_read2);
