// SPDX-License-Identifier: GPL-2.0
/*
 * tpm12_drtm: DRTM measurements into a TPM 1.2 through the TIS interface.
 *
 * This first stage finds the TIS, identifies the chip and keeps an empty
 * DRTM event log; debugfs shows what it found.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <hvsec/tpm12_drtm.h>

#define TIS_LOCALITY_STRIDE	0x1000
#define TIS_MAP_SIZE		(5 * TIS_LOCALITY_STRIDE)
#define TIS_ACCESS		0x00
#define TIS_INTF_CAPS		0x14
#define TIS_DID_VID		0xf00
#define TIS_RID			0xf04
#define TIS_ACCESS_VALID	0x80

static unsigned long tis_base = 0xfed40000;
module_param(tis_base, ulong, 0444);
MODULE_PARM_DESC(tis_base, "Physical base of the TIS register window (default 0xfed40000)");

static unsigned int evlog_size = 64 * 1024;
module_param(evlog_size, uint, 0444);
MODULE_PARM_DESC(evlog_size, "Size of the DRTM event log container in bytes (default 65536)");

static struct {
	void __iomem *regs;
	u32 did_vid;
	u8 rid;
	u32 intf_caps;
	struct drtm_evlog log;
	struct dentry *dir;
} drtm;

static int status_show(struct seq_file *m, void *v)
{
	seq_printf(m, "base: %#lx\n", tis_base);
	seq_printf(m, "vendor: %#06x\ndevice: %#06x\nrevision: %#04x\n",
		   drtm.did_vid & 0xffff, drtm.did_vid >> 16, drtm.rid);
	seq_printf(m, "interface_version: %u\n", (drtm.intf_caps >> 28) & 0x7);
	seq_printf(m, "evlog_size: %u\nevlog_used: %u\n", drtm.log.size,
		   drtm_evlog_used(&drtm.log));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(status);

static int __init tpm12_drtm_init(void)
{
	void *buf;
	int ret;

	if (evlog_size < DRTM_EVLOG_HDR_SIZE || evlog_size > SZ_16M) {
		pr_err("evlog_size %u out of range [%u, %u]\n", evlog_size,
		       DRTM_EVLOG_HDR_SIZE, SZ_16M);
		return -EINVAL;
	}

	drtm.regs = ioremap(tis_base, TIS_MAP_SIZE);
	if (!drtm.regs) {
		pr_err("cannot map TIS at %#lx\n", tis_base);
		return -ENOMEM;
	}
	if (!(ioread8(drtm.regs + TIS_ACCESS) & TIS_ACCESS_VALID)) {
		pr_err("no TIS at %#lx (ACCESS.tpmRegValidSts clear)\n", tis_base);
		ret = -ENODEV;
		goto err_unmap;
	}
	drtm.did_vid = ioread32(drtm.regs + TIS_DID_VID);
	drtm.rid = ioread8(drtm.regs + TIS_RID);
	drtm.intf_caps = ioread32(drtm.regs + TIS_INTF_CAPS);

	buf = vzalloc(evlog_size);
	if (!buf) {
		ret = -ENOMEM;
		goto err_unmap;
	}
	ret = drtm_evlog_init(&drtm.log, buf, evlog_size);
	if (ret)
		goto err_free;

	drtm.dir = debugfs_create_dir("tpm12_drtm", NULL);
	debugfs_create_file("status", 0444, drtm.dir, NULL, &status_fops);
	pr_info("TIS at %#lx: vendor %#06x device %#06x rev %#04x\n", tis_base,
		drtm.did_vid & 0xffff, drtm.did_vid >> 16, drtm.rid);
	return 0;

err_free:
	vfree(buf);
err_unmap:
	iounmap(drtm.regs);
	return ret;
}

static void __exit tpm12_drtm_exit(void)
{
	debugfs_remove_recursive(drtm.dir);
	vfree(drtm.log.buf);
	iounmap(drtm.regs);
}

module_init(tpm12_drtm_init);
module_exit(tpm12_drtm_exit);
MODULE_DESCRIPTION("DRTM PCR 17/18 measurements into a TPM 1.2 at locality 2");
MODULE_VERSION(HVSEC_VERSION);
MODULE_AUTHOR("hvsec developers");
MODULE_LICENSE("GPL");
