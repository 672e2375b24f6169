// SPDX-License-Identifier: GPL-2.0
/*
 * vtd_reassign: re-assign PCI devices between VT-d domains in one step.
 *
 * Finds the DMA remapping units from the ACPI DMAR table and shows their
 * registers and context entries in debugfs; the one-step replacement is in
 * core.c, and the hook that makes intel-iommu's own domain switches use it
 * in hook.c (intel_iommu_hook below).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/acpi.h>
#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <kunit/visibility.h>
#include <hvsec/vtd_reassign.h>
#include "hook.h"

#define VTD_REG_VER		0x00
#define VTD_REG_CAP		0x08
#define VTD_REG_ECAP		0x10
#define VTD_REG_GSTS		0x1c
#define VTD_REG_RTADDR		0x20
#define VTD_REG_SIZE		0x1000
#define VTD_RTADDR_TTM		GENMASK_ULL(11, 10)
#define VTD_MAX_UNITS		8

struct vtd_unit {
	u64 base;
	u16 segment;
	void __iomem *regs;
};

static struct {
	struct vtd_unit units[VTD_MAX_UNITS];
	unsigned int nr_units;
	struct dentry *dir;
	bool hooked;
} vtd;

static int intel_iommu_hook = -1;
module_param(intel_iommu_hook, int, 0444);
MODULE_PARM_DESC(intel_iommu_hook,
		 "Make intel-iommu's domain switches direct: -1 where supported (default), 1 always (refuse to load where not), 0 never");

/**
 * vtd_ctx_format() - describe a context entry in one line
 * @e: the entry
 * @buf: output buffer
 * @len: size of @buf
 *
 * Return: the number of characters written, as scnprintf().
 */
int vtd_ctx_format(const struct vtd_ctx_entry *e, char *buf, size_t len)
{
	if (!vtd_ctx_present(e))
		return scnprintf(buf, len, "not-present");
	return scnprintf(buf, len, "did=%u tt=%u aw=%u pgtable=%#llx%s",
			 vtd_ctx_did(e), vtd_ctx_tt(e), vtd_ctx_aw(e),
			 vtd_ctx_pgtable(e),
			 e->lo & VTD_CTX_LO_FPD ? " fpd" : "");
}
EXPORT_SYMBOL_IF_KUNIT(vtd_ctx_format);

/* Reads the context entry of @bus/@devfn through the unit's root table. */
static int vtd_read_ctx(struct vtd_unit *u, u8 bus, u8 devfn,
			struct vtd_ctx_entry *out)
{
	u64 rta = readq(u->regs + VTD_REG_RTADDR);
	struct vtd_ctx_entry *root, *ctx;
	u64 root_lo;

	if (rta & VTD_RTADDR_TTM)
		return -EOPNOTSUPP;	/* scalable or abort mode */
	root = memremap(rta & PAGE_MASK, PAGE_SIZE, MEMREMAP_WB);
	if (!root)
		return -ENOMEM;
	root_lo = READ_ONCE(root[bus].lo);
	memunmap(root);
	if (!(root_lo & 1)) {
		out->lo = 0;
		out->hi = 0;
		return 0;
	}
	ctx = memremap(root_lo & PAGE_MASK, PAGE_SIZE, MEMREMAP_WB);
	if (!ctx)
		return -ENOMEM;
	out->lo = READ_ONCE(ctx[devfn].lo);
	out->hi = READ_ONCE(ctx[devfn].hi);
	memunmap(ctx);
	return 0;
}

static int units_show(struct seq_file *m, void *v)
{
	unsigned int i;

	for (i = 0; i < vtd.nr_units; i++) {
		struct vtd_unit *u = &vtd.units[i];
		u32 ver = readl(u->regs + VTD_REG_VER);

		seq_printf(m, "dmar%u: base=%#llx segment=%u version=%u.%u cap=%#llx ecap=%#llx gsts=%#x rtaddr=%#llx\n",
			   i, u->base, u->segment, (ver >> 4) & 0xf, ver & 0xf,
			   readq(u->regs + VTD_REG_CAP),
			   readq(u->regs + VTD_REG_ECAP),
			   readl(u->regs + VTD_REG_GSTS),
			   readq(u->regs + VTD_REG_RTADDR));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(units);

/* Context entries of every PCI device, as the first unit maps them. */
static int contexts_show(struct seq_file *m, void *v)
{
	struct pci_dev *pdev = NULL;
	struct vtd_ctx_entry e;
	char desc[96];

	if (!vtd.nr_units)
		return 0;
	for_each_pci_dev(pdev) {
		int ret = vtd_read_ctx(&vtd.units[0], pdev->bus->number,
				       pdev->devfn, &e);

		if (ret) {
			seq_printf(m, "%s: error %d\n", pci_name(pdev), ret);
			continue;
		}
		vtd_ctx_format(&e, desc, sizeof(desc));
		seq_printf(m, "%s: %s\n", pci_name(pdev), desc);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(contexts);

static int vtd_find_units(void)
{
	struct acpi_table_header *tbl;
	struct acpi_dmar_header *h;
	void *end;
	acpi_status st;

	st = acpi_get_table(ACPI_SIG_DMAR, 0, &tbl);
	if (ACPI_FAILURE(st))
		return -ENODEV;
	end = (void *)tbl + tbl->length;
	h = (void *)tbl + sizeof(struct acpi_table_dmar);
	while ((void *)h + sizeof(*h) <= end && h->length >= sizeof(*h) &&
	       (void *)h + h->length <= end) {
		if (h->type == ACPI_DMAR_TYPE_HARDWARE_UNIT &&
		    vtd.nr_units < VTD_MAX_UNITS) {
			struct acpi_dmar_hardware_unit *drhd = (void *)h;
			struct vtd_unit *u = &vtd.units[vtd.nr_units];

			u->base = drhd->address;
			u->segment = drhd->segment;
			u->regs = ioremap(u->base, VTD_REG_SIZE);
			if (u->regs)
				vtd.nr_units++;
		}
		h = (void *)h + h->length;
	}
	acpi_put_table(tbl);
	return vtd.nr_units ? 0 : -ENODEV;
}

/* Units whose root table is in scalable mode (RTADDR.TTM 01). */
static unsigned int vtd_units_scalable(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < vtd.nr_units; i++)
		if (FIELD_GET(VTD_RTADDR_TTM,
			      readq(vtd.units[i].regs + VTD_REG_RTADDR)) == 1)
			n++;
	return n;
}

static void vtd_units_put(void)
{
	unsigned int i;

	for (i = 0; i < vtd.nr_units; i++)
		iounmap(vtd.units[i].regs);
}

static int __init vtd_reassign_init(void)
{
	unsigned int sm;
	int ret;

	if (intel_iommu_hook < -1 || intel_iommu_hook > 1) {
		pr_err("intel_iommu_hook must be -1, 0 or 1, not %d\n",
		       intel_iommu_hook);
		return -EINVAL;
	}
	ret = vtd_find_units();
	if (ret) {
		pr_err("no VT-d unit in the ACPI DMAR table\n");
		vtd_units_put();
		return ret;
	}
	vtd.dir = debugfs_create_dir("vtd_reassign", NULL);
	debugfs_create_file("units", 0444, vtd.dir, NULL, &units_fops);
	debugfs_create_file("contexts", 0444, vtd.dir, NULL, &contexts_fops);
	pr_info("%u VT-d unit(s) found\n", vtd.nr_units);
	if (intel_iommu_hook) {
		ret = vtd_hook_init(vtd.dir);
		if (ret && intel_iommu_hook == 1) {
			pr_err("intel_iommu_hook=1 but the hook cannot work here: not loading (%d)\n",
			       ret);
			debugfs_remove_recursive(vtd.dir);
			vtd_units_put();
			return ret;
		}
		sm = vtd_units_scalable();
		if (ret)
			pr_info("intel-iommu's domain switches stay stock\n");
		else if (sm)
			pr_info("%u of %u VT-d unit(s) in scalable mode: switches replace the RID_PASID entry there\n",
				sm, vtd.nr_units);
		vtd.hooked = !ret;
	}
	return 0;
}

static void __exit vtd_reassign_exit(void)
{
	if (vtd.hooked)
		vtd_hook_exit();
	debugfs_remove_recursive(vtd.dir);
	vtd_units_put();
}

module_init(vtd_reassign_init);
module_exit(vtd_reassign_exit);
MODULE_DESCRIPTION("One-step re-assignment of PCI devices between VT-d domains");
MODULE_VERSION(HVSEC_VERSION);
MODULE_AUTHOR("hvsec developers");
MODULE_LICENSE("GPL");
