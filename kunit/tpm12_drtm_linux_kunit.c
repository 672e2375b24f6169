// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit stress test on the test host's real TPM 1.2, shared with Linux's
 * TPM core: 1000 of tpm12_drtm's extends (PCR 16, locality 2, from a work
 * item) while Linux's core extends PCR 10 and reads PCRs at locality 0
 * through tpm_pcr_extend()/tpm_pcr_read(). No command may fail on either
 * side, and each PCR must equal the replay of its own extends.
 * Skipped when Linux has no TPM 1.2 chip.
 *
 * A kretprobe on tpm_tis's tpm_tis_request_locality() watches every
 * locality request of Linux's driver meanwhile, its interrupt handler's
 * too (tpm_tis in IRQ mode requests locality 0 to acknowledge each
 * interrupt, outside the chip's mutex): none may fail (a TIMEOUT_A
 * timeout), and in IRQ mode the handler must have run.
 */
#include <crypto/hash.h>
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/tpm.h>
#include <linux/workqueue.h>
#include <hvsec/tpm12_drtm.h>
#include <uapi/linux/hvsec_tpm12_drtm.h>

#define STRESS_N	1000
#define LINUX_PCR	10
#define OUR_PCR		16

struct stress_side {
	struct crypto_shash *tfm;
	u8 pcr[TPM12_DRTM_DIGEST_SIZE];		/* replay */
	unsigned int failed;
	int err;
};

struct ours {
	struct work_struct work;
	struct stress_side s;
};

/* Linux's tpm_tis locality requests, seen by a kretprobe. */
static struct {
	atomic64_t calls;
	atomic64_t irq_calls;	/* from the interrupt thread */
	atomic64_t failed;
	atomic64_t max_ns;
} loc_req;

static int loc_req_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	*(u64 *)ri->data = ktime_get_ns();
	return 0;
}

static int loc_req_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	u64 ns = ktime_get_ns() - *(u64 *)ri->data;
	s64 old = atomic64_read(&loc_req.max_ns);

	atomic64_inc(&loc_req.calls);
	if (!strncmp(current->comm, "irq/", 4))
		atomic64_inc(&loc_req.irq_calls);
	if ((int)regs_return_value(regs) < 0)
		atomic64_inc(&loc_req.failed);
	while (ns > old && !atomic64_try_cmpxchg(&loc_req.max_ns, &old, ns))
		;
	return 0;
}

static struct kretprobe loc_req_probe = {
	.kp.symbol_name = "tpm_tis_request_locality",
	.entry_handler = loc_req_entry,
	.handler = loc_req_ret,
	.data_size = sizeof(u64),
	.maxactive = 16,
};

static void replay(struct crypto_shash *tfm, u8 *pcr, const u8 *digest)
{
	SHASH_DESC_ON_STACK(d, tfm);
	u8 b[2 * TPM12_DRTM_DIGEST_SIZE];

	memcpy(b, pcr, TPM12_DRTM_DIGEST_SIZE);
	memcpy(b + TPM12_DRTM_DIGEST_SIZE, digest, TPM12_DRTM_DIGEST_SIZE);
	d->tfm = tfm;
	crypto_shash_digest(d, b, sizeof(b), pcr);
}

static void ours_fn(struct work_struct *w)
{
	struct ours *o = container_of(w, struct ours, work);
	u8 digest[TPM12_DRTM_DIGEST_SIZE];
	char data[16];
	int i, ret;

	for (i = 0; i < STRESS_N; i++) {
		snprintf(data, sizeof(data), "ours-%d", i);
		ret = tpm12_drtm_measure(OUR_PCR, TPM12_DRTM_EV_TEST, data,
					 strlen(data), NULL, 0,
					 TPM12_DRTM_HASH_HOST, digest);
		if (ret) {
			o->s.failed++;
			o->s.err = ret;
			continue;
		}
		replay(o->s.tfm, o->s.pcr, digest);
	}
}

static void linux_and_ours_extend(struct kunit *test)
{
	struct tpm_digest *digests, rd = { .alg_id = TPM_ALG_SHA1 };
	struct stress_side lin = {};
	u8 now[TPM12_DRTM_DIGEST_SIZE] = {};
	struct tpm_chip *chip;
	struct crypto_shash *tfm;
	struct ours *o;
	unsigned int reads_failed = 0;
	bool probed = false;
	char data[16];
	int i, ret;

	chip = tpm_default_chip();
	if (!chip)
		kunit_skip(test, "no Linux TPM chip");
	if (chip->flags & TPM_CHIP_FLAG_TPM2) {
		put_device(&chip->dev);
		kunit_skip(test, "Linux's chip is a TPM 2.0");
	}
	tfm = crypto_alloc_shash("sha1", 0, 0);
	o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	digests = kunit_kcalloc(test, chip->nr_allocated_banks,
				sizeof(*digests), GFP_KERNEL);
	if (IS_ERR(tfm) || !o || !digests) {
		if (!IS_ERR(tfm))
			crypto_free_shash(tfm);
		put_device(&chip->dev);
		KUNIT_FAIL(test, "out of memory or no sha1");
		return;
	}
	for (i = 0; i < chip->nr_allocated_banks; i++)
		digests[i].alg_id = chip->allocated_banks[i].alg_id;
	lin.tfm = tfm;
	o->s.tfm = tfm;

	ret = tpm_pcr_read(chip, LINUX_PCR, &rd);
	KUNIT_EXPECT_EQ(test, ret, 0);
	if (ret)
		goto out;
	memcpy(lin.pcr, rd.digest, TPM12_DRTM_DIGEST_SIZE);
	ret = tpm12_drtm_pcr_read(OUR_PCR, o->s.pcr);
	KUNIT_EXPECT_EQ(test, ret, 0);
	if (ret)
		goto out;

	atomic64_set(&loc_req.calls, 0);
	atomic64_set(&loc_req.irq_calls, 0);
	atomic64_set(&loc_req.failed, 0);
	atomic64_set(&loc_req.max_ns, 0);
	probed = !register_kretprobe(&loc_req_probe);
	if (!probed)
		kunit_info(test, "no kretprobe on tpm_tis_request_locality: Linux's locality requests not watched");

	INIT_WORK_ONSTACK(&o->work, ours_fn);
	queue_work(system_unbound_wq, &o->work);
	for (i = 0; i < STRESS_N; i++) {
		SHASH_DESC_ON_STACK(d, tfm);

		snprintf(data, sizeof(data), "linux-%d", i);
		d->tfm = tfm;
		crypto_shash_digest(d, data, strlen(data), digests[0].digest);
		ret = tpm_pcr_extend(chip, LINUX_PCR, digests);
		if (ret) {
			lin.failed++;
			lin.err = ret;
		} else {
			replay(tfm, lin.pcr, digests[0].digest);
		}
		rd.alg_id = TPM_ALG_SHA1;
		if (tpm_pcr_read(chip, i % 24, &rd))
			reads_failed++;
	}
	flush_work(&o->work);
	destroy_work_on_stack(&o->work);
	if (probed) {
		unregister_kretprobe(&loc_req_probe);
		kunit_info(test, "tpm_tis %s: %lld locality requests (%lld from the IRQ thread), %lld failed, longest %lld us, %d missed",
			   chip->flags & TPM_CHIP_FLAG_IRQ ? "in IRQ mode" : "polling",
			   atomic64_read(&loc_req.calls),
			   atomic64_read(&loc_req.irq_calls),
			   atomic64_read(&loc_req.failed),
			   atomic64_read(&loc_req.max_ns) / NSEC_PER_USEC,
			   loc_req_probe.nmissed);
		KUNIT_EXPECT_EQ_MSG(test, atomic64_read(&loc_req.failed), 0,
				    "a locality request of Linux's tpm_tis failed (TIMEOUT_A)");
		KUNIT_EXPECT_GT(test, atomic64_read(&loc_req.calls), 0);
		if (chip->flags & TPM_CHIP_FLAG_IRQ)
			KUNIT_EXPECT_GT_MSG(test, atomic64_read(&loc_req.irq_calls), 0,
					    "IRQ mode, but the interrupt handler never ran");
	}

	KUNIT_EXPECT_EQ_MSG(test, lin.failed, 0, "Linux's extends failed, last %d",
			    lin.err);
	KUNIT_EXPECT_EQ(test, reads_failed, 0);
	KUNIT_EXPECT_EQ_MSG(test, o->s.failed, 0, "our extends failed, last %d",
			    o->s.err);
	rd.alg_id = TPM_ALG_SHA1;
	KUNIT_EXPECT_EQ(test, tpm_pcr_read(chip, LINUX_PCR, &rd), 0);
	KUNIT_EXPECT_MEMEQ_MSG(test, rd.digest, lin.pcr, TPM12_DRTM_DIGEST_SIZE,
			       "PCR %d is not the replay of Linux's extends",
			       LINUX_PCR);
	KUNIT_EXPECT_EQ(test, tpm12_drtm_pcr_read(OUR_PCR, now), 0);
	KUNIT_EXPECT_MEMEQ_MSG(test, now, o->s.pcr, TPM12_DRTM_DIGEST_SIZE,
			       "PCR %d is not the replay of our extends", OUR_PCR);
out:
	crypto_free_shash(tfm);
	put_device(&chip->dev);
}

static struct kunit_case tpm12_drtm_linux_cases[] = {
	KUNIT_CASE_SLOW(linux_and_ours_extend),
	{}
};

static struct kunit_suite tpm12_drtm_linux_suite = {
	.name = "tpm12_drtm_linux",
	.test_cases = tpm12_drtm_linux_cases,
};

kunit_test_suite(tpm12_drtm_linux_suite);

MODULE_DESCRIPTION("KUnit: tpm12_drtm and Linux's TPM core extending side by side");
MODULE_LICENSE("GPL");
