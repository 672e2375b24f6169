// SPDX-License-Identifier: GPL-2.0
/*
 * ring3_exec address spaces: one PGD pair per helper whose user half maps
 * only the helper's code, data and stack pages, and whose kernel half is
 * the kernel's own (init_mm), never a process's: no LDT remap or other
 * per-process kernel-half mapping of whoever registered the helper.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/string.h>
#include <asm/pgtable.h>
#include <hvsec/compat.h>
#include <hvsec/ring3_exec.h>
#include "r3x.h"

/* init_mm.pgd: init_mm is not exported to modules. */
static const u64 *r3x_kernel_pgd;

int r3x_mm_init(void)
{
	hvsec_kallsyms_fn lookup = hvsec_kallsyms_lookup_fn();
	struct mm_struct *mm;

	if (IS_ERR(lookup)) {
		pr_err("cannot find init_mm: kallsyms_lookup_name not callable (%ld)\n",
		       PTR_ERR(lookup));
		return PTR_ERR(lookup);
	}
	mm = (struct mm_struct *)lookup("init_mm");
	if (!mm || !mm->pgd) {
		pr_err("cannot find init_mm in kallsyms (CONFIG_KALLSYMS_ALL off?)\n");
		return -ENOENT;
	}
	r3x_kernel_pgd = (const u64 *)mm->pgd;
	return 0;
}

static u64 r3x_leaf(struct page *pg, bool writable)
{
	u64 v = __sme_set(page_to_phys(pg)) | _PAGE_PRESENT | _PAGE_USER |
		_PAGE_ACCESSED;

	if (writable)
		v |= _PAGE_RW | _PAGE_DIRTY | (__supported_pte_mask & _PAGE_NX);
	return v;
}

void r3x_free_mm(struct r3x_helper *h)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(h->tables); i++)
		if (h->tables[i])
			free_page(h->tables[i]);
	if (h->pgd)
		free_pages(h->pgd, 1);
}

/*
 * Build the PGD pair: the kernel half copied from init_mm's PGD (its
 * top-level entries are preallocated at boot), the user half mapping only
 * the helper's pages. Both 4 KiB halves are identical, so whichever one
 * PTI's entry code selects (CR3 bit 12) maps the same.
 */
int r3x_build_mm(struct r3x_helper *h)
{
	int levels = pgtable_l5_enabled() ? 5 : 4;
	u64 *t, *top;
	unsigned int i, n = 0;
	int lvl;

	h->pgd = __get_free_pages(GFP_KERNEL | __GFP_ZERO, 1);
	if (!h->pgd)
		return -ENOMEM;
	top = (u64 *)h->pgd;
	memcpy(top + PTRS_PER_PGD / 2, r3x_kernel_pgd + PTRS_PER_PGD / 2,
	       PTRS_PER_PGD / 2 * sizeof(u64));

	t = top;
	for (lvl = levels; lvl > 1; lvl--) {
		unsigned int idx = (R3X_UVA_CODE >> (PAGE_SHIFT + 9 * (lvl - 1))) & 511;

		h->tables[n] = get_zeroed_page(GFP_KERNEL);
		if (!h->tables[n])
			return -ENOMEM;
		t[idx] = __sme_set(__pa(h->tables[n])) | _PAGE_PRESENT |
			 _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;
		t = (u64 *)h->tables[n++];
	}
	BUILD_BUG_ON((R3X_UVA_CODE >> PMD_SHIFT) != ((R3X_UVA_STACK_TOP - 1) >> PMD_SHIFT));
	for (i = 0; i < h->nr_code; i++)
		t[((R3X_UVA_CODE >> PAGE_SHIFT) + i) & 511] = r3x_leaf(h->code[i], false);
	for (i = 0; i < h->nr_data; i++)
		t[((R3X_UVA_DATA >> PAGE_SHIFT) + i) & 511] = r3x_leaf(h->data + i, true);
	for (i = 0; i < h->nr_stack; i++)
		t[((R3X_UVA_STACK_TOP >> PAGE_SHIFT) - h->nr_stack + i) & 511] =
			r3x_leaf(h->stack[i], true);
	memcpy(top + PTRS_PER_PGD, top, PAGE_SIZE);
	h->cr3 = __sme_pa(top);
	return 0;
}
