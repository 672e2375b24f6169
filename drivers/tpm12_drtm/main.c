// SPDX-License-Identifier: GPL-2.0
/*
 * tpm12_drtm: DRTM measurements into a TPM 1.2 through the TIS interface.
 *
 * Finds the TIS (ACPI, else 0xfed40000), talks to the TPM at locality 2 (by
 * default) next to Linux's tpm_tis at locality 0, extends PCRs (17/18 for
 * DRTM) and keeps a TXT-format event log. Interfaces: an in-kernel API,
 * /dev/tpm12_drtm (ioctls), securityfs tpm12_drtm/eventlog and debugfs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/acpi.h>
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/miscdevice.h>
#include <linux/ioport.h>
#include <linux/module.h>
#include <linux/security.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/suspend.h>
#include <linux/tpm.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <crypto/hash.h>
#include <uapi/linux/hvsec_tpm12_drtm.h>
#include <hvsec/compat.h>
#include <hvsec/tpm12_drtm.h>
#include <kunit/visibility.h>
#include "internal.h"

#define TIS_DEFAULT_BASE	0xfed40000UL
#define TIS_MAP_SIZE		(5 * TIS_LOCALITY_STRIDE)

/*
 * Hardware addresses: module_param_hw() makes the kernel refuse them under
 * lockdown (LOCKDOWN_MODULE_PARAMETERS), like any driver's I/O address.
 */
static unsigned long tis_base;
module_param_hw(tis_base, ulong, iomem, 0444);
MODULE_PARM_DESC(tis_base, "Physical base of the TIS window (default: ACPI, else 0xfed40000)");

static unsigned int locality = 2;
module_param(locality, uint, 0444);
MODULE_PARM_DESC(locality, "TPM locality used for every command, 1..3 (default 2)");

static bool force_locality;
module_param(force_locality, bool, 0444);
MODULE_PARM_DESC(force_locality, "Allow locality 0 (Linux's TPM driver) or 4 (default N)");

static unsigned int hash_mode = TPM12_DRTM_HASH_HOST;
module_param(hash_mode, uint, 0444);
MODULE_PARM_DESC(hash_mode, "Default hashing: 1 = host SHA-1 + TPM_Extend, 2 = TPM SHA1Start/Update/CompleteExtend");

static unsigned int fifo_width;
module_param(fifo_width, uint, 0444);
MODULE_PARM_DESC(fifo_width, "Widest FIFO access: 1 (conservative), 2 or 4 bytes, used only where TPM_INTF_CAPABILITY allows it (default 0: the widest allowed)");

static unsigned int locality_retries = 2;
module_param(locality_retries, uint, 0444);
MODULE_PARM_DESC(locality_retries, "Extra TIMEOUT_A periods to wait for the locality, 0..10 (default 2)");

static unsigned int evlog_size = 64 * 1024;
module_param(evlog_size, uint, 0444);
MODULE_PARM_DESC(evlog_size, "Size of a new event log container in bytes (default 65536)");

static unsigned long long evlog_phys;
module_param_hw(evlog_phys, ullong, iomem, 0444);
MODULE_PARM_DESC(evlog_phys, "Physical address of an existing event container to adopt, in reserved (non-RAM) memory (default 0: none)");

static unsigned int evlog_phys_size;
module_param(evlog_phys_size, uint, 0444);
MODULE_PARM_DESC(evlog_phys_size, "Size of the memory at evlog_phys in bytes");

static bool unrestricted;
module_param(unrestricted, bool, 0444);
MODULE_PARM_DESC(unrestricted, "Accept any PCR and event type from user space (default N: PCRs 17-22, types 0x400-0x5ff)");

static bool share_linux_tpm = true;
module_param(share_linux_tpm, bool, 0444);
MODULE_PARM_DESC(share_linux_tpm, "Hold Linux's TPM core for each command sequence (default Y)");

static unsigned long long max_measure_size = SZ_1G;
module_param(max_measure_size, ullong, 0444);
MODULE_PARM_DESC(max_measure_size, "Largest buffer measured through the ioctl (default 1 GiB)");

static struct {
	struct drtm_dev dev;
	void __iomem *regs;
	unsigned long base;
	const char *base_src;
	u32 did_vid;
	u8 rid;
	u32 intf_caps;
	u32 intf_id;
	u8 version[4];
	struct drtm_tpm2_banks banks;	/* TPM 2.0: the banks extended */
	u16 dsize[DRTM_TPM2_MAX_BANKS];	/* ... and their digest sizes */
	bool adopted;
	struct dentry *dir;
	struct dentry *sfs_dir;
	struct dentry *sfs_log;
	struct tpm_chip *chip;		/* Linux's chip while we hold it */
	struct notifier_block pm_nb;
	u64 linux_held;
	u64 linux_refused;
	u64 linux_irq_waits;		/* pending tpm_tis interrupts waited for */
	u64 linux_irq_timeouts;
	u64 bench_bytes;
	u64 bench_ns;
	int bench_ret;
} drtm;

static_assert(DRTM_EV_LOG_GAP == TPM12_DRTM_EV_LOG_GAP);

static const char *bank_name(u16 alg)
{
	return drtm_tpm2_alg_name(alg) ?: "?";
}

/* A TPM return code's name, of the family we drive. */
static const char *rc_name(u32 rc, char *buf, size_t len)
{
	if (drtm.dev.t2)
		return drtm_tpm2_rc_name(rc, buf, len);
	return drtm_tpm_rc_name(rc, buf, len);
}

static const char *hash_name(unsigned int mode)
{
	return mode == TPM12_DRTM_HASH_TPM ? "tpm" : "host";
}

/* Real MMIO accessors. */
static u32 mmio_read(void *ctx, u32 off, unsigned int width)
{
	void __iomem *r = (void __iomem __force *)ctx;

	if (width == 4)
		return ioread32(r + off);
	if (width == 2)
		return ioread16(r + off);
	return ioread8(r + off);
}

static void mmio_write(void *ctx, u32 off, unsigned int width, u32 val)
{
	void __iomem *r = (void __iomem __force *)ctx;

	if (width == 4)
		iowrite32(val, r + off);
	else if (width == 2)
		iowrite16(val, r + off);
	else
		iowrite8(val, r + off);
}

static const struct drtm_tis_ops mmio_ops = {
	.read = mmio_read,
	.write = mmio_write,
};

/*
 * Exclusion with Linux's TPM core: the chip has one command buffer, so
 * every command sequence of ours runs while we hold Linux's chip like one
 * of its own users (tpm_try_get_ops(): ops_sem and tpm_mutex), so that
 * Linux's commands and ours never interleave. The core takes locality 0
 * for its next command when we get the chip; we hand it back for the
 * time we hold the chip, so that our locality is granted at once, and
 * take it again for the core before tpm_put_ops() releases it. Without a
 * Linux TPM driver (no chip) we work alone.
 */
#if IS_REACHABLE(CONFIG_TCG_TPM)
/*
 * tpm_tis in IRQ mode acknowledges every interrupt from its IRQ thread,
 * outside the chip's mutex: it requests locality 0 and, its wait queue
 * being woken only by that same (masked, one-shot) interrupt, sleeps
 * TIMEOUT_A whenever the TPM is not free at once; a failed request there
 * also unbalances its locality count. Locality 0's interrupts come from
 * Linux's own commands and locality changes, and none can start while we
 * hold the chip: let the handler finish the ones still pending (locality
 * 0's TPM_INT_STATUS reads 0) while locality 0 is still Linux's, so that
 * the handler never has to compete with our locality. Bounded by TIMEOUT_A.
 */
static void linux_tpm_irqs_settle(struct tpm_chip *chip)
{
	ktime_t end = ktime_add_us(ktime_get(), drtm.dev.tis.timeout_us[DRTM_TO_A]);
	bool late;

	if (!(chip->flags & TPM_CHIP_FLAG_IRQ) ||
	    !ioread32(drtm.regs + TIS_INT_STATUS))
		return;
	drtm.linux_irq_waits++;
	for (;;) {
		late = ktime_after(ktime_get(), end);
		if (!ioread32(drtm.regs + TIS_INT_STATUS))
			return;
		if (late)
			break;
		usleep_range(50, 100);
	}
	drtm.linux_irq_timeouts++;
	pr_warn_ratelimited("Linux's tpm_tis left an interrupt unacknowledged for TIMEOUT_A\n");
}

static int linux_tpm_lock(void *ctx)
{
	struct tpm_chip *chip;
	int ret;

	if (!share_linux_tpm)
		return 0;
	chip = tpm_default_chip();
	if (!chip)
		return 0;
	ret = tpm_try_get_ops(chip);
	if (ret) {
		put_device(&chip->dev);
		drtm.linux_refused++;
		pr_warn_ratelimited("Linux's TPM driver refused access (suspended or going away): %d\n",
				    ret);
		return -EBUSY;
	}
	linux_tpm_irqs_settle(chip);
	if (chip->ops->relinquish_locality && chip->locality >= 0)
		chip->ops->relinquish_locality(chip, chip->locality);
	drtm.chip = chip;
	drtm.linux_held++;
	return 0;
}

static void linux_tpm_unlock(void *ctx)
{
	struct tpm_chip *chip = drtm.chip;

	if (!chip)
		return;
	drtm.chip = NULL;
	if (chip->ops->request_locality && chip->locality >= 0 &&
	    chip->ops->request_locality(chip, chip->locality) < 0)
		pr_warn_ratelimited("could not give locality %d back to Linux's TPM driver\n",
				    chip->locality);
	tpm_put_ops(chip);
	put_device(&chip->dev);
}
#else
static int linux_tpm_lock(void *ctx)
{
	return 0;
}

static void linux_tpm_unlock(void *ctx)
{
}
#endif

#if IS_ENABLED(CONFIG_KUNIT)
/* KUnit looks at how the parameters are declared (module_param_hw()). */
const struct module *drtm_kunit_module(void)
{
	return THIS_MODULE;
}
EXPORT_SYMBOL_IF_KUNIT(drtm_kunit_module);
#endif

static const struct drtm_excl_ops linux_tpm_excl = {
	.lock = linux_tpm_lock,
	.unlock = linux_tpm_unlock,
};

/*
 * System suspend. Linux's tpm_pm_suspend() sends TPM_SaveState, after
 * which a TPM 1.2 must get no command until it is started again: one may
 * invalidate the saved state. The TPM core's own guard is not enough: in
 * 6.12 tpm_try_get_ops() refuses a chip with TPM_CHIP_FLAG_SUSPENDED, which
 * tpm_pm_suspend() sets under the chip's mutex, but 6.1's tpm_try_get_ops()
 * does not look at the flag and its tpm_pm_suspend() sets it only after
 * tpm_put_ops(), and neither guard applies without a Linux TPM driver (or
 * with share_linux_tpm=0). The PM notifier runs before any device is
 * suspended and after every device has resumed: in between, nothing of
 * ours is sent (see drtm_dev_suspend()).
 */
static int drtm_pm_notify(struct notifier_block *nb, unsigned long action,
			  void *data)
{
	switch (action) {
	case PM_SUSPEND_PREPARE:
	case PM_HIBERNATION_PREPARE:
	case PM_RESTORE_PREPARE:
		drtm_dev_suspend(&drtm.dev);
		break;
	case PM_POST_SUSPEND:
	case PM_POST_HIBERNATION:
	case PM_POST_RESTORE:
		drtm_dev_resume(&drtm.dev);
		break;
	}
	return NOTIFY_DONE;
}

/* In-kernel API. */
int tpm12_drtm_measure(u32 pcr, u32 type, const void *data, size_t len,
		       const void *event, u32 event_size,
		       enum tpm12_drtm_hash mode, u8 *digest)
{
	struct drtm_src src = { .kbuf = data, .size = len };
	u8 d[DRTM_DIGEST_SIZE];
	u32 rc;
	int ret;

	if (mode == TPM12_DRTM_HASH_DEFAULT)
		mode = hash_mode;
	if ((mode != TPM12_DRTM_HASH_HOST && mode != TPM12_DRTM_HASH_TPM) ||
	    (len && !data))
		return -EINVAL;
	ret = drtm_dev_measure(&drtm.dev, pcr, type, mode, &src, event,
			       event_size, d, &rc);
	if (digest && (!ret || ret == -ENOSPC))
		memcpy(digest, d, DRTM_DIGEST_SIZE);
	return ret;
}
EXPORT_SYMBOL_GPL(tpm12_drtm_measure);

int tpm12_drtm_pcr_read(u32 pcr, u8 *value)
{
	u32 rc;

	return drtm_dev_pcr_read(&drtm.dev, pcr, value, &rc);
}
EXPORT_SYMBOL_GPL(tpm12_drtm_pcr_read);

/* /dev/tpm12_drtm */
static long ioc_measure(void __user *argp)
{
	struct tpm12_drtm_measure m;
	struct drtm_src src = {};
	void *event = NULL;
	char rcbuf[32];
	int ret, i;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&m, argp, sizeof(m)))
		return -EFAULT;
	for (i = 0; i < ARRAY_SIZE(m.reserved); i++)
		if (m.reserved[i]) {
			pr_warn_ratelimited("measure: reserved fields not zero\n");
			return -EINVAL;
		}
	if (m.pcr >= TPM12_DRTM_NR_PCRS) {
		pr_warn_ratelimited("measure: PCR %u out of range 0..23\n", m.pcr);
		return -EINVAL;
	}
	if (m.type == DRTM_EV_LOG_GAP) {
		pr_warn_ratelimited("measure: event type %#x is the log's own gap marker\n",
				    m.type);
		return -EINVAL;
	}
	if (!unrestricted && (m.pcr < TPM12_DRTM_USER_PCR_FIRST ||
			      m.pcr > TPM12_DRTM_USER_PCR_LAST)) {
		pr_warn_ratelimited("measure: PCR %u refused: policy allows PCRs %u-%u (unrestricted=0)\n",
				    m.pcr, TPM12_DRTM_USER_PCR_FIRST,
				    TPM12_DRTM_USER_PCR_LAST);
		return -EPERM;
	}
	if (!unrestricted && (m.type < TPM12_DRTM_USER_TYPE_FIRST ||
			      m.type > TPM12_DRTM_USER_TYPE_LAST)) {
		pr_warn_ratelimited("measure: event type %#x refused: policy allows DRTM types %#x-%#x (unrestricted=0)\n",
				    m.type, TPM12_DRTM_USER_TYPE_FIRST,
				    TPM12_DRTM_USER_TYPE_LAST);
		return -EPERM;
	}
	if (m.hash > TPM12_DRTM_HASH_MODE_TPM) {
		pr_warn_ratelimited("measure: unknown hash mode %u\n", m.hash);
		return -EINVAL;
	}
	if (m.event_size > TPM12_DRTM_MAX_EVENT) {
		pr_warn_ratelimited("measure: event data %u bytes > %u\n",
				    m.event_size, TPM12_DRTM_MAX_EVENT);
		return -E2BIG;
	}
	if (m.data_size > max_measure_size) {
		pr_warn_ratelimited("measure: %llu bytes > max_measure_size %llu\n",
				    m.data_size, max_measure_size);
		return -E2BIG;
	}
	if (m.event_size) {
		event = memdup_user(u64_to_user_ptr(m.event_ptr), m.event_size);
		if (IS_ERR(event))
			return PTR_ERR(event);
	}
	src.ubuf = u64_to_user_ptr(m.data_ptr);
	src.size = m.data_size;
	if (m.data_size && !access_ok(src.ubuf, m.data_size)) {
		ret = -EFAULT;
		goto out;
	}
	ret = drtm_dev_measure(&drtm.dev, m.pcr, m.type,
			       m.hash ? m.hash : hash_mode, &src, event,
			       m.event_size, m.digest, &m.tpm_rc);
	strscpy(m.tpm_rc_name, m.tpm_rc ?
		rc_name(m.tpm_rc, rcbuf, sizeof(rcbuf)) : "",
		sizeof(m.tpm_rc_name));
	if (ret && ret != -ENOSPC)
		memset(m.digest, 0, sizeof(m.digest));
	if (m.tpm_rc)
		pr_warn_ratelimited("measure PCR %u at locality %u: %s\n",
				    m.pcr, locality, m.tpm_rc_name);
	if (copy_to_user(argp, &m, sizeof(m)))
		ret = -EFAULT;
out:
	kfree(event);
	return ret;
}

static long ioc_pcr_read(void __user *argp)
{
	struct tpm12_drtm_pcr_read p;
	int ret;

	if (copy_from_user(&p, argp, sizeof(p)))
		return -EFAULT;
	if (p.pcr >= TPM12_DRTM_NR_PCRS) {
		pr_warn_ratelimited("pcr_read: PCR %u out of range 0..23\n", p.pcr);
		return -EINVAL;
	}
	ret = drtm_dev_pcr_read(&drtm.dev, p.pcr, p.value, &p.tpm_rc);
	if (copy_to_user(argp, &p, sizeof(p)))
		return -EFAULT;
	return ret;
}

static long ioc_pcr_read2(void __user *argp)
{
	struct tpm12_drtm_pcr_read2 p;
	int ret;

	if (copy_from_user(&p, argp, sizeof(p)))
		return -EFAULT;
	if (p.pcr >= TPM12_DRTM_NR_PCRS) {
		pr_warn_ratelimited("pcr_read2: PCR %u out of range 0..23\n", p.pcr);
		return -EINVAL;
	}
	if (!drtm.dev.t2)
		return -EOPNOTSUPP;
	p.size = drtm_tpm2_alg_size(p.alg);
	if (!p.size) {
		pr_warn_ratelimited("pcr_read2: unknown bank algorithm %#x\n",
				    p.alg);
		return -EINVAL;
	}
	memset(p.value, 0, sizeof(p.value));
	ret = drtm_dev_pcr_read2(&drtm.dev, p.pcr, p.alg, p.value, &p.tpm_rc);
	if (copy_to_user(argp, &p, sizeof(p)))
		return -EFAULT;
	return ret;
}

static long ioc_info(void __user *argp)
{
	struct tpm12_drtm_info info = {};
	struct drtm_dev *dev = &drtm.dev;

	mutex_lock(&dev->lock);
	info.locality = dev->tis.locality;
	info.flags = (dev->log.truncated ? TPM12_DRTM_INFO_TRUNCATED : 0) |
		     (drtm.adopted ? TPM12_DRTM_INFO_ADOPTED : 0) |
		     (dev->log.unusable ? TPM12_DRTM_INFO_UNUSABLE : 0) |
		     (dev->t2 ? TPM12_DRTM_INFO_TPM2 : 0);
	info.evlog_size = dev->log.size;
	info.evlog_used = drtm_evlog_used(&dev->log);
	info.commands = dev->tis.stats.commands;
	info.mmio = dev->tis.stats.mmio_reads + dev->tis.stats.mmio_writes;
	info.last_tpm_rc = dev->tis.stats.last_tpm_rc;
	info.last_error = dev->tis.stats.last_err;
	mutex_unlock(&dev->lock);
	return copy_to_user(argp, &info, sizeof(info)) ? -EFAULT : 0;
}

static long drtm_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case TPM12_DRTM_IOC_MEASURE:
		return ioc_measure(argp);
	case TPM12_DRTM_IOC_PCR_READ:
		return ioc_pcr_read(argp);
	case TPM12_DRTM_IOC_INFO:
		return ioc_info(argp);
	case TPM12_DRTM_IOC_PCR_READ2:
		return ioc_pcr_read2(argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations drtm_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = drtm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice drtm_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "tpm12_drtm",
	.fops = &drtm_fops,
	.mode = 0600,
};

/* securityfs eventlog: the binary container up to NextEventOffset. */
static ssize_t eventlog_read(struct file *f, char __user *ubuf, size_t count,
			     loff_t *ppos)
{
	struct drtm_dev *dev = &drtm.dev;
	ssize_t ret;

	mutex_lock(&dev->lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, dev->log.buf,
				      drtm_evlog_used(&dev->log));
	mutex_unlock(&dev->lock);
	return ret;
}

static const struct file_operations eventlog_fops = {
	.owner = THIS_MODULE,
	.read = eventlog_read,
	.llseek = default_llseek,
};

/* debugfs */
static int status_show(struct seq_file *m, void *v)
{
	struct drtm_dev *dev = &drtm.dev;
	struct drtm_tis_stats *s = &dev->tis.stats;
	char rcbuf[32];

	mutex_lock(&dev->lock);
	seq_printf(m, "base: %#lx (%s)\n", drtm.base, drtm.base_src);
	seq_printf(m, "vendor: %#06x\ndevice: %#06x\nrevision: %#04x\n",
		   drtm.did_vid & 0xffff, drtm.did_vid >> 16, drtm.rid);
	seq_printf(m, "interface: %s\n", dev->tis.crb ? "CRB" :
		   dev->t2 ? "PTP FIFO" : "TIS FIFO");
	seq_printf(m, "interface_version: %u\ninterface_id: %#010x\n",
		   TIS_CAPS_VERSION(drtm.intf_caps), drtm.intf_id);
	if (dev->t2) {
		unsigned int i;

		seq_puts(m, "family: TPM 2.0\nbanks:");
		for (i = 0; i < drtm.banks.nr; i++)
			seq_printf(m, " %s", bank_name(drtm.banks.alg[i]));
		seq_puts(m, "\nevlog_format: TCG crypto-agile (Spec ID Event03)\n");
	} else {
		seq_printf(m, "family: TPM 1.2 (version %u.%u.%u.%u)\n",
			   drtm.version[0], drtm.version[1], drtm.version[2],
			   drtm.version[3]);
	}
	seq_printf(m, "interface_caps: %#010x (DataTransferSizeSupport %u, BurstCountStatic %u)\n",
		   drtm.intf_caps, TIS_CAPS_XFER_SIZE(drtm.intf_caps),
		   !!(drtm.intf_caps & TIS_CAPS_BURST_STATIC));
	if (!dev->t2)
		seq_printf(m, "tpm_state: %s (disable=%u deactivated=%u stclear_deactivated=%u)\n",
			   drtm_tpm_state(&dev->tis), dev->tis.disabled,
			   dev->tis.deactivated, dev->tis.st_deactivated);
	seq_printf(m, "locality: %u\nfifo_width: %u%s\nhash_mode: %s\n",
		   dev->tis.locality, dev->tis.fifo_width,
		   dev->tis.fifo_fallback ? " (wide accesses failed)" : "",
		   hash_name(hash_mode));
	seq_printf(m, "itpm_workaround: %s\n", dev->tis.itpm ? "yes" : "no");
	seq_printf(m, "timeouts_us: a=%u b=%u c=%u d=%u (%s%s)\n",
		   dev->tis.timeout_us[DRTM_TO_A], dev->tis.timeout_us[DRTM_TO_B],
		   dev->tis.timeout_us[DRTM_TO_C], dev->tis.timeout_us[DRTM_TO_D],
		   dev->tis.timeouts_from_tpm ? "tpm" : "tis default",
		   dev->tis.timeouts_adjusted ? ", adjusted" : "");
	seq_printf(m, "durations_us: short=%u medium=%u long=%u (%s%s)\n",
		   dev->tis.duration_us[DRTM_DUR_SHORT],
		   dev->tis.duration_us[DRTM_DUR_MEDIUM],
		   dev->tis.duration_us[DRTM_DUR_LONG],
		   dev->tis.durations_from_tpm ? "tpm" : "default",
		   dev->tis.durations_adjusted ? ", adjusted" : "");
	seq_printf(m, "exec_guess_us: short=%u medium=%u long=%u\n",
		   dev->tis.exec_guess_us[DRTM_DUR_SHORT],
		   dev->tis.exec_guess_us[DRTM_DUR_MEDIUM],
		   dev->tis.exec_guess_us[DRTM_DUR_LONG]);
	seq_printf(m, "commands: %llu\nfailed: %llu\nbytes_tx: %llu\nbytes_rx: %llu\n",
		   s->commands, s->failed, s->bytes_tx, s->bytes_rx);
	seq_printf(m, "mmio_accesses: %llu\nmmio_reads: %llu\nmmio_writes: %llu\n",
		   s->mmio_reads + s->mmio_writes, s->mmio_reads, s->mmio_writes);
	seq_printf(m, "retries: %llu\ntimeouts: %llu\naborts: %llu\n",
		   s->retries, s->timeouts, s->aborts);
	seq_printf(m, "last_error: %d (%s)\n", s->last_err,
		   dev->tis.last_what ? dev->tis.last_what : "none");
	seq_printf(m, "last_tpm_error: %#x %s (ordinal %#x)\n", s->last_tpm_rc,
		   rc_name(s->last_tpm_rc, rcbuf, sizeof(rcbuf)),
		   s->last_tpm_rc_ordinal);
	seq_printf(m, "measurements: %llu\n", dev->measurements);
	seq_printf(m, "linux_tpm_core: %s, held %llu, refused %llu, irq_waits %llu, irq_timeouts %llu\n",
		   !share_linux_tpm ? "not shared" :
		   IS_REACHABLE(CONFIG_TCG_TPM) ? "shared" : "not built",
		   drtm.linux_held, drtm.linux_refused, drtm.linux_irq_waits,
		   drtm.linux_irq_timeouts);
	seq_printf(m, "suspend: %s, suspends %llu, waited %llu, refused %llu, commands_while_suspended %llu, pcrs_changed %llu\n",
		   dev->suspended ? "suspended" : "running", dev->suspends,
		   dev->suspend_waits, dev->suspend_refused, dev->suspend_cmds,
		   dev->resume_changed);
	seq_printf(m, "unclear_extends: %llu (executed %llu, not executed %llu, unknown %llu)\n",
		   dev->unclear, dev->unclear_done, dev->unclear_not_done,
		   dev->unclear_unknown);
	if (dev->t2)
		seq_printf(m, "tpm2_sequences: stale %#x, lost %d, recovered %u\n",
			   dev->t2->stale_seq, dev->t2->lost_seq,
			   dev->t2->seqs_recovered);
	seq_printf(m, "evlog_size: %u\nevlog_used: %u\nevlog_truncated: %d\nevlog_unusable: %d\nevlog_adopted: %d\n",
		   dev->log.size, drtm_evlog_used(&dev->log), dev->log.truncated,
		   dev->log.unusable, drtm.adopted);
	mutex_unlock(&dev->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(status);

/* TPM 2.0: one line per PCR and bank, "PCR-NN <bank>: XX XX ...". */
static int pcrs2_show(struct seq_file *m)
{
	u8 val[DRTM_TPM2_MAX_DIGEST];
	unsigned int b, i, ds;
	char rcbuf[32];
	u32 pcr, rc;
	int ret;

	for (pcr = 0; pcr < TPM12_DRTM_NR_PCRS; pcr++) {
		for (b = 0; b < drtm.banks.nr; b++) {
			ds = drtm.dsize[b];
			seq_printf(m, "PCR-%02u %s:", pcr,
				   bank_name(drtm.banks.alg[b]));
			ret = drtm_dev_pcr_read2(&drtm.dev, pcr,
						 drtm.banks.alg[b], val, &rc);
			if (ret) {
				seq_printf(m, " error %d %s\n", ret, rc ?
					   drtm_tpm2_rc_name(rc, rcbuf, sizeof(rcbuf)) : "");
				continue;
			}
			for (i = 0; i < ds; i++)
				seq_printf(m, " %02X", val[i]);
			seq_putc(m, '\n');
		}
	}
	return 0;
}

static int pcrs_show(struct seq_file *m, void *v)
{
	u8 val[DRTM_DIGEST_SIZE];
	char rcbuf[24];
	u32 pcr, rc;
	int ret, i;

	if (drtm.dev.t2)
		return pcrs2_show(m);
	for (pcr = 0; pcr < TPM12_DRTM_NR_PCRS; pcr++) {
		ret = drtm_dev_pcr_read(&drtm.dev, pcr, val, &rc);
		if (ret) {
			seq_printf(m, "PCR-%02u: error %d %s\n", pcr, ret,
				   rc ? drtm_tpm_rc_name(rc, rcbuf, sizeof(rcbuf)) : "");
			continue;
		}
		/* Same layout as Linux's /sys/class/tpm/tpm0/pcrs. */
		seq_printf(m, "PCR-%02u:", pcr);
		for (i = 0; i < DRTM_DIGEST_SIZE; i++)
			seq_printf(m, " %02X", val[i]);
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pcrs);

/* The crypto-agile records we wrote, one line each (with every bank). */
static void eventlog2_ascii(struct seq_file *m, const struct drtm_evlog *log)
{
	const u8 *p = log->buf, *d;
	u32 off, dsize, n = 0;
	unsigned int b;

	off = DRTM_EVENT_HDR_SIZE + get_unaligned_le32(p + 28);
	while (off + 16 <= log->next) {
		d = p + off + 12;
		seq_printf(m, "%u pcr=%u type=%#x", n++,
			   get_unaligned_le32(p + off),
			   get_unaligned_le32(p + off + 4));
		for (b = 0; b < log->nr_banks; b++) {
			seq_printf(m, " %s=%*phN", bank_name(log->alg[b]),
				   log->dsize[b], d + 2);
			d += 2 + log->dsize[b];
		}
		dsize = get_unaligned_le32(d);
		seq_printf(m, " size=%u data=\"%*pE\"\n", dsize,
			   (int)min_t(u32, dsize, 256), d + 4);
		off = d + 4 + dsize - p;
	}
}

static int eventlog_ascii_show(struct seq_file *m, void *v)
{
	struct drtm_dev *dev = &drtm.dev;
	const struct drtm_event_header *ev;
	u32 off, next, dsize, n = 0;

	mutex_lock(&dev->lock);
	if (dev->log.tcg2) {
		eventlog2_ascii(m, &dev->log);
		goto flags;
	}
	next = drtm_evlog_used(&dev->log);
	/* Entries were written by us (or validated at adoption). */
	for (off = le32_to_cpu(((struct drtm_evlog_header *)dev->log.buf)->pcr_events_offset);
	     off + DRTM_EVENT_HDR_SIZE <= next;
	     off += DRTM_EVENT_HDR_SIZE + dsize) {
		ev = dev->log.buf + off;
		dsize = le32_to_cpu(ev->data_size);
		if (dsize > next - off - DRTM_EVENT_HDR_SIZE)
			break;
		seq_printf(m, "%u pcr=%u type=%#x digest=%*phN size=%u data=\"%*pE\"\n",
			   n++, le32_to_cpu(ev->pcr_index), le32_to_cpu(ev->type),
			   DRTM_DIGEST_SIZE, ev->digest, dsize,
			   (int)min_t(u32, dsize, 256), (const u8 *)(ev + 1));
	}
flags:
	if (dev->log.truncated)
		seq_puts(m, "# log truncated: later measurements were extended but not logged\n");
	if (dev->log.unusable)
		seq_puts(m, "# log unusable: an extend may have happened without an event\n");
	mutex_unlock(&dev->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(eventlog_ascii);

/*
 * sha1_bench: write N (bytes) to hash N bytes of kernel memory the way
 * host mode hashes (drtm_dev_hash_host(): 64 KiB updates of the same
 * transform, rescheduling between them and stopping on a fatal signal, so
 * that a large size neither hogs the CPU nor ignores kill); read back the
 * time. Benchmark aid (plain kernel SHA-1 baseline, no copy from user).
 */
static ssize_t sha1_bench_write(struct file *f, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	u8 digest[DRTM_DIGEST_SIZE];
	struct drtm_src src = {};
	u64 n, t0;
	void *buf;
	int ret;

	ret = kstrtoull_from_user(ubuf, count, 0, &n);
	if (ret)
		return ret;
	if (!n || n > SZ_256M) {
		pr_warn_ratelimited("sha1_bench: size %llu out of range 1..256M\n", n);
		return -EINVAL;
	}
	buf = vmalloc(n);
	if (!buf)
		return -ENOMEM;
	memset(buf, 0x5a, n);
	src.kbuf = buf;
	src.size = n;
	t0 = ktime_get_ns();
	ret = drtm_dev_hash_host(&drtm.dev, &src, digest);
	drtm.bench_ns = ktime_get_ns() - t0;
	drtm.bench_bytes = n;
	drtm.bench_ret = ret;
	vfree(buf);
	return ret ? ret : count;
}

static int sha1_bench_show(struct seq_file *m, void *v)
{
	seq_printf(m, "bytes: %llu\nns: %llu\nret: %d\n", drtm.bench_bytes,
		   drtm.bench_ns, drtm.bench_ret);
	return 0;
}

static int sha1_bench_open(struct inode *inode, struct file *f)
{
	return single_open(f, sha1_bench_show, NULL);
}

static const struct file_operations sha1_bench_fops = {
	.owner = THIS_MODULE,
	.open = sha1_bench_open,
	.read = seq_read,
	.write = sha1_bench_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/*
 * bank_bench (TPM 2.0): write N to hash N bytes of kernel memory with each
 * bank's transform alone, in 64 KiB updates; read back each one's time.
 * The baseline of a host-mode measurement, which feeds every bank.
 */
static u64 bank_bench_ns[DRTM_TPM2_MAX_BANKS];
static u64 bank_bench_bytes;

static int bank_hash(struct crypto_shash *tfm, const u8 *buf, u64 n)
{
	struct shash_desc *desc;
	u8 out[DRTM_TPM2_MAX_DIGEST];
	u64 off;
	int ret;

	desc = kmalloc(sizeof(*desc) + crypto_shash_descsize(tfm), GFP_KERNEL);
	if (!desc)
		return -ENOMEM;
	desc->tfm = tfm;
	ret = crypto_shash_init(desc);
	for (off = 0; off < n && !ret; off += DRTM_CHUNK) {
		ret = crypto_shash_update(desc, buf + off,
					  min_t(u64, DRTM_CHUNK, n - off));
		cond_resched();
	}
	if (!ret)
		ret = crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	kfree(desc);
	return ret;
}

static ssize_t bank_bench_write(struct file *f, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct drtm_tpm2_dev *t2 = drtm.dev.t2;
	unsigned int i;
	u64 n, t0;
	u8 *buf;
	int ret;

	ret = kstrtoull_from_user(ubuf, count, 0, &n);
	if (ret)
		return ret;
	if (!n || n > SZ_256M) {
		pr_warn_ratelimited("bank_bench: size %llu out of range 1..256M\n", n);
		return -EINVAL;
	}
	buf = vmalloc(n);
	if (!buf)
		return -ENOMEM;
	memset(buf, 0x5a, n);
	for (i = 0; i < t2->banks.nr && !ret; i++) {
		t0 = ktime_get_ns();
		ret = bank_hash(t2->tfm[i], buf, n);
		bank_bench_ns[i] = ktime_get_ns() - t0;
	}
	bank_bench_bytes = n;
	vfree(buf);
	return ret ? ret : count;
}

static int bank_bench_show(struct seq_file *m, void *v)
{
	unsigned int i;

	seq_printf(m, "bytes: %llu\n", bank_bench_bytes);
	for (i = 0; i < drtm.banks.nr; i++)
		seq_printf(m, "%s_ns: %llu\n", bank_name(drtm.banks.alg[i]),
			   bank_bench_ns[i]);
	return 0;
}

static int bank_bench_open(struct inode *inode, struct file *f)
{
	return single_open(f, bank_bench_show, NULL);
}

static const struct file_operations bank_bench_fops = {
	.owner = THIS_MODULE,
	.open = bank_bench_open,
	.read = seq_read,
	.write = bank_bench_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static unsigned long find_tis_base(void)
{
#ifdef CONFIG_ACPI
	static const char * const hids[] = { "PNP0C31", "MSFT0101" };
	struct resource_entry *entry;
	struct acpi_device *adev;
	unsigned long base = 0;
	LIST_HEAD(res);
	int i;

	for (i = 0; i < ARRAY_SIZE(hids) && !base; i++) {
		adev = acpi_dev_get_first_match_dev(hids[i], NULL, -1);
		if (!adev)
			continue;
		if (acpi_dev_get_resources(adev, &res, NULL, NULL) > 0) {
			resource_list_for_each_entry(entry, &res) {
				if (resource_type(entry->res) == IORESOURCE_MEM &&
				    resource_size(entry->res) >= TIS_MAP_SIZE) {
					base = entry->res->start;
					break;
				}
			}
			acpi_dev_free_resource_list(&res);
		}
		acpi_dev_put(adev);
	}
	if (base) {
		drtm.base_src = "acpi";
		return base;
	}
#endif
	drtm.base_src = "default";
	return TIS_DEFAULT_BASE;
}

static int check_params(void)
{
	if (locality > 4) {
		pr_err("locality %u out of range 0..4\n", locality);
		return -EINVAL;
	}
	/* Linux's TPM core always requests locality 0; 4 is the CPU's. */
	if ((locality < 1 || locality > 3) && !force_locality) {
		pr_err("locality %u refused: %s; use 1..3 or force_locality=1\n",
		       locality, locality ? "locality 4 belongs to the CPU's DRTM" :
		       "Linux's TPM driver uses locality 0");
		return -EINVAL;
	}
	if (hash_mode != TPM12_DRTM_HASH_HOST && hash_mode != TPM12_DRTM_HASH_TPM) {
		pr_err("hash_mode %u invalid (1 = host, 2 = tpm)\n", hash_mode);
		return -EINVAL;
	}
	if (fifo_width != 0 && fifo_width != 1 && fifo_width != 2 &&
	    fifo_width != 4) {
		pr_err("fifo_width %u invalid (0, 1, 2 or 4)\n", fifo_width);
		return -EINVAL;
	}
	if (locality_retries > 10) {
		pr_err("locality_retries %u out of range 0..10\n", locality_retries);
		return -EINVAL;
	}
	if (!evlog_phys && (evlog_size < DRTM_EVLOG_MIN_SIZE || evlog_size > SZ_16M)) {
		pr_err("evlog_size %u out of range [%u, %u]\n", evlog_size,
		       DRTM_EVLOG_MIN_SIZE, SZ_16M);
		return -EINVAL;
	}
	if (evlog_phys && (evlog_phys_size < DRTM_EVLOG_HDR_SIZE ||
			   evlog_phys_size > SZ_16M)) {
		pr_err("evlog_phys_size %u out of range [%u, %u]\n",
		       evlog_phys_size, DRTM_EVLOG_HDR_SIZE, SZ_16M);
		return -EINVAL;
	}
	if (evlog_phys > U64_MAX - evlog_phys_size) {
		pr_err("evlog_phys %#llx + evlog_phys_size %#x wraps around\n",
		       evlog_phys, evlog_phys_size);
		return -EINVAL;
	}
	if (!max_measure_size) {
		pr_err("max_measure_size must not be 0\n");
		return -EINVAL;
	}
	return 0;
}

static int setup_log(void)
{
	const char *why;
	void *buf;
	u32 csize;
	int ret;

	if (evlog_phys) {
		/*
		 * A container a boot loader left lies in memory it reserved
		 * (firmware-reserved, e.g. the TXT heap), never in the kernel's
		 * own RAM, which anything may have reused since.
		 */
		if (region_intersects(evlog_phys, evlog_phys_size,
				      IORESOURCE_SYSTEM_RAM,
				      IORES_DESC_NONE) != REGION_DISJOINT) {
			pr_err("refusing event log at %#llx+%#x: it lies in System RAM, not in reserved memory\n",
			       evlog_phys, evlog_phys_size);
			return -EINVAL;
		}
		buf = memremap(evlog_phys, evlog_phys_size, MEMREMAP_WB);
		if (!buf) {
			pr_err("cannot map event log at %#llx+%#x\n", evlog_phys,
			       evlog_phys_size);
			return -ENOMEM;
		}
		ret = drtm_evlog_validate(buf, evlog_phys_size, &csize, &why);
		if (ret) {
			pr_err("refusing event log at %#llx: %s\n", evlog_phys, why);
			memunmap(buf);
			return ret;
		}
		drtm_evlog_adopt(&drtm.dev.log, buf, evlog_phys_size);
		drtm.adopted = true;
		pr_info("adopted event log at %#llx (%u bytes, %u used%s%s)\n",
			evlog_phys, csize, drtm_evlog_used(&drtm.dev.log),
			drtm.dev.log.truncated ? ", truncated" : "",
			drtm.dev.log.unusable ? ", unusable" : "");
		return 0;
	}
	buf = vzalloc(evlog_size);
	if (!buf)
		return -ENOMEM;
	if (drtm.dev.t2)
		ret = drtm_evlog2_init(&drtm.dev.log, buf, evlog_size,
				       drtm.banks.nr, drtm.banks.alg,
				       drtm.dsize);
	else
		ret = drtm_evlog_init(&drtm.dev.log, buf, evlog_size);
	if (ret)
		pr_err("evlog_size %u: too small for the log's header and markers\n",
		       evlog_size);
	if (ret)
		vfree(buf);
	return ret;
}

static void free_log(void)
{
	if (drtm.adopted)
		memunmap(drtm.dev.log.buf);
	else
		vfree(drtm.dev.log.buf);
	drtm.dev.log.buf = NULL;
}

/*
 * A TPM 2.0: after drtm_tpm2_probe() returned @ret (and the TPM @rc),
 * hash transforms for its banks.
 */
static int tpm2_setup(int ret, u32 rc)
{
	char rcbuf[32];
	unsigned int i;

	if (ret) {
		pr_err("TPM 2.0 probe at locality %u failed: %d (%s%s%s)\n",
		       locality, ret,
		       drtm.dev.tis.last_what ? drtm.dev.tis.last_what : "?",
		       rc ? ": " : "",
		       rc ? drtm_tpm2_rc_name(rc, rcbuf, sizeof(rcbuf)) : "");
		return ret;
	}
	if (evlog_phys) {
		pr_err("evlog_phys: adopting a TPM 2.0 log is not supported yet\n");
		return -EOPNOTSUPP;
	}
	ret = drtm_dev_tpm2_setup(&drtm.dev, &drtm.banks);
	if (ret)
		return ret;
	for (i = 0; i < drtm.banks.nr; i++)
		drtm.dsize[i] = drtm_tpm2_alg_size(drtm.banks.alg[i]);
	drtm.version[0] = 2;
	drtm.version[1] = 0;
	return 0;
}

static int __init tpm12_drtm_init(void)
{
	struct drtm_tis *tis = &drtm.dev.tis;
	unsigned int width;
	const char *why;
	bool is_tpm2 = false;
	u32 rc = 0;
	int ret;

	ret = check_params();
	if (ret)
		return ret;
	if (tis_base) {
		drtm.base = tis_base;
		drtm.base_src = "parameter";
	} else {
		drtm.base = find_tis_base();
	}

	drtm.regs = ioremap(drtm.base, TIS_MAP_SIZE);
	if (!drtm.regs) {
		pr_err("cannot map TIS at %#lx\n", drtm.base);
		return -ENOMEM;
	}
	if (ioread8(drtm.regs + TIS_ACCESS) == 0xff ||
	    !(ioread8(drtm.regs + TIS_ACCESS) & TIS_ACCESS_VALID)) {
		pr_err("no TIS at %#lx (ACCESS.tpmRegValidSts clear)\n", drtm.base);
		ret = -ENODEV;
		goto err_unmap;
	}
	drtm.did_vid = ioread32(drtm.regs + TIS_DID_VID);
	drtm.rid = ioread8(drtm.regs + TIS_RID);
	drtm_tis_init(tis, &mmio_ops, (void __force *)drtm.regs, locality, 1);
	if (drtm_tis_identify(tis, &drtm.intf_caps, &drtm.intf_id, &why))
		is_tpm2 = true;

	width = drtm_tis_fifo_width(drtm.intf_caps, fifo_width);
	if (fifo_width > width)
		pr_info("fifo_width %u: TPM_INTF_CAPABILITY %#x allows %u-byte FIFO accesses only\n",
			fifo_width, drtm.intf_caps, width);
	ret = drtm_dev_init(&drtm.dev);
	if (ret) {
		pr_err("cannot set up SHA-1: %d\n", ret);
		goto err_unmap;
	}
	drtm_tis_init(tis, &mmio_ops, (void __force *)drtm.regs, locality,
		      width);
	tis->locality_retries = locality_retries;
	tis->did_vid = drtm.did_vid;
	drtm.dev.excl = &linux_tpm_excl;

	ret = linux_tpm_lock(NULL);
	/* The CRB's control area is read while holding our locality. */
	if (!ret && is_tpm2 && drtm.intf_id != U32_MAX &&
	    TIS_IFID_TYPE(drtm.intf_id) == TIS_IFID_TYPE_CRB) {
		ret = drtm_crb_setup(tis, drtm.base, &why);
		if (ret) {
			linux_tpm_unlock(NULL);
			pr_err("TPM 2.0 CRB at %#lx, locality %u: %s\n",
			       drtm.base, locality, why);
			goto err_dev;
		}
	}
	if (!ret) {
		if (!is_tpm2)
			ret = drtm_tpm_probe(tis, drtm.version, &is_tpm2);
		/* A TIS 1.3 may hold a TPM 2.0 too: its answer tells. */
		if (is_tpm2)
			ret = drtm_tpm2_probe(tis, &drtm.banks, &rc);
		linux_tpm_unlock(NULL);
	}
	if (is_tpm2) {
		ret = tpm2_setup(ret, rc);
		if (ret)
			goto err_dev;
	} else if (ret) {
		pr_err("TPM 1.2 probe at locality %u failed: %d (%s)\n", locality,
		       ret, tis->last_what ? tis->last_what : "?");
		goto err_dev;
	}
	if (!is_tpm2 && (drtm.version[0] != 1 || drtm.version[1] != 2)) {
		pr_err("unexpected TPM version %u.%u\n", drtm.version[0],
		       drtm.version[1]);
		ret = -ENODEV;
		goto err_dev;
	}

	if (tis->fifo_fallback)
		pr_warn("%u-byte FIFO accesses failed at probe: using 1-byte accesses\n",
			width);
	if (tis->itpm)
		pr_info("iTPM found: STS.expect not checked\n");
	if (tis->timeouts_adjusted || tis->durations_adjusted)
		pr_info("adjusted reported TIS timeouts/durations: a=%u b=%u c=%u d=%u short=%u medium=%u long=%u us\n",
			tis->timeout_us[DRTM_TO_A], tis->timeout_us[DRTM_TO_B],
			tis->timeout_us[DRTM_TO_C], tis->timeout_us[DRTM_TO_D],
			tis->duration_us[DRTM_DUR_SHORT],
			tis->duration_us[DRTM_DUR_MEDIUM],
			tis->duration_us[DRTM_DUR_LONG]);
	if (drtm_tpm_unusable(tis))
		pr_warn("TPM is %s (TPM_PERMANENT_FLAGS disable=%u deactivated=%u, TPM_STCLEAR_FLAGS deactivated=%u): extends will fail with -EPERM\n",
			drtm_tpm_state(tis), tis->disabled, tis->deactivated,
			tis->st_deactivated);

	ret = setup_log();
	if (ret)
		goto err_dev;

	drtm.pm_nb.notifier_call = drtm_pm_notify;
	ret = register_pm_notifier(&drtm.pm_nb);
	if (ret) {
		pr_err("cannot register a PM notifier: %d\n", ret);
		goto err_log;
	}

	ret = misc_register(&drtm_misc);
	if (ret) {
		pr_err("cannot register /dev/tpm12_drtm: %d\n", ret);
		goto err_pm;
	}

	drtm.sfs_dir = securityfs_create_dir("tpm12_drtm", NULL);
	if (IS_ERR(drtm.sfs_dir)) {
		ret = PTR_ERR(drtm.sfs_dir);
		pr_err("cannot create securityfs directory: %d\n", ret);
		goto err_misc;
	}
	drtm.sfs_log = securityfs_create_file("eventlog", 0440, drtm.sfs_dir,
					      NULL, &eventlog_fops);
	if (IS_ERR(drtm.sfs_log)) {
		ret = PTR_ERR(drtm.sfs_log);
		pr_err("cannot create securityfs eventlog: %d\n", ret);
		goto err_sfs;
	}

	drtm.dir = debugfs_create_dir("tpm12_drtm", NULL);
	debugfs_create_file("status", 0444, drtm.dir, NULL, &status_fops);
	debugfs_create_file("pcrs", 0444, drtm.dir, NULL, &pcrs_fops);
	debugfs_create_file("eventlog_ascii", 0444, drtm.dir, NULL,
			    &eventlog_ascii_fops);
	debugfs_create_file("sha1_bench", 0600, drtm.dir, NULL,
			    &sha1_bench_fops);
	if (drtm.dev.t2)
		debugfs_create_file("bank_bench", 0600, drtm.dir, NULL,
				    &bank_bench_fops);
	if (tis->crb)
		pr_info("TPM 2.0 CRB at %#lx (%s), locality %u, PCR 17/18 in every bank\n",
			drtm.base, drtm.base_src, locality);
	else
		pr_info("TPM %u.%u at %#lx (%s): vendor %#06x device %#06x rev %#04x, locality %u, %u-byte FIFO access, %s\n",
			drtm.version[0], drtm.version[1], drtm.base,
			drtm.base_src, drtm.did_vid & 0xffff,
			drtm.did_vid >> 16, drtm.rid, locality,
			tis->fifo_width, drtm.dev.t2 ?
			"PCR 17/18 in every bank" : drtm_tpm_state(tis));
	return 0;

err_sfs:
	securityfs_remove(drtm.sfs_dir);
err_misc:
	misc_deregister(&drtm_misc);
err_pm:
	unregister_pm_notifier(&drtm.pm_nb);
err_log:
	free_log();
err_dev:
	drtm_dev_destroy(&drtm.dev);
err_unmap:
	iounmap(drtm.regs);
	return ret;
}

static void __exit tpm12_drtm_exit(void)
{
	debugfs_remove_recursive(drtm.dir);
	securityfs_remove(drtm.sfs_log);
	securityfs_remove(drtm.sfs_dir);
	misc_deregister(&drtm_misc);
	unregister_pm_notifier(&drtm.pm_nb);
	free_log();
	drtm_dev_destroy(&drtm.dev);
	iounmap(drtm.regs);
}

module_init(tpm12_drtm_init);
module_exit(tpm12_drtm_exit);
MODULE_DESCRIPTION("DRTM PCR 17/18 measurements into a TPM 1.2 at locality 2");
MODULE_VERSION(HVSEC_VERSION);
MODULE_AUTHOR("hvsec developers");
MODULE_LICENSE("GPL");
