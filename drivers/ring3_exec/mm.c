// SPDX-License-Identifier: GPL-2.0
/*
 * ring3_exec address spaces: one PGD pair per instance whose user half
 * maps only the helper's code and read-only data and the instance's data,
 * stack, info and call windows, and whose kernel half is
 * the kernel's own (init_mm), never a process's: no LDT remap or other
 * per-process kernel-half mapping of whoever registered the helper.
 *
 * Without PTI both 4 KiB halves of the pair are the same and the helper
 * runs on it. With PTI the helper runs on the second half, which maps of
 * the kernel only what PTI's user page table maps (cpu_entry_area, entry
 * text, the per-CPU TSS) plus, read-only, our IDT, the kernel gate table
 * and the transition code of entry.S, through private page-table pages:
 * nothing of the direct map, of kernel or module text and data.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <asm/pgtable.h>
#include <kunit/visibility.h>
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

/* A user page: W^X, executable only in the code window. */
static u64 r3x_leaf(struct page *pg, bool writable, bool exec)
{
	u64 v = __sme_set(page_to_phys(pg)) | _PAGE_PRESENT | _PAGE_USER |
		_PAGE_ACCESSED;

	if (writable)
		v |= _PAGE_RW | _PAGE_DIRTY;
	if (writable || !exec)
		v |= __supported_pte_mask & _PAGE_NX;
	return v;
}

void r3x_free_mm(struct r3x_helper *h)
{
	unsigned int i;

	for (i = 0; i < h->nr_tables; i++)
		free_page(h->tables[i]);
	h->nr_tables = 0;
	if (h->pgd)
		free_pages(h->pgd, 1);
}

static u64 *r3x_new_table(struct r3x_helper *h, const u64 *copy)
{
	unsigned long t;

	if (h->nr_tables == ARRAY_SIZE(h->tables))
		return NULL;
	t = get_zeroed_page(GFP_KERNEL);
	if (!t)
		return NULL;
	if (copy)
		memcpy((void *)t, copy, PAGE_SIZE);
	h->tables[h->nr_tables++] = t;
	return (u64 *)t;
}

static bool r3x_own_table(const struct r3x_helper *h, const u64 *t)
{
	unsigned int i;

	for (i = 0; i < h->nr_tables; i++)
		if (h->tables[i] == (unsigned long)t)
			return true;
	return false;
}

/*
 * Map the kernel page at @va (supervisor, read-only, executable if @exec)
 * in the page table whose top level is @top, at the same address. Tables
 * on the way that are shared with the kernel's PTI user page table are
 * replaced by private copies first, so the kernel's stay untouched.
 */
static int r3x_map_kernel_page(struct r3x_helper *h, u64 *top, unsigned long va,
			       bool exec)
{
	int levels = pgtable_l5_enabled() ? 5 : 4, lvl;
	u64 *t = top, pa;

	pa = slow_virt_to_phys((void *)va);	/* module or direct map */
	for (lvl = levels; lvl > 1; lvl--) {
		unsigned int idx = (va >> (PAGE_SHIFT + 9 * (lvl - 1))) & 511;
		u64 e = t[idx], *next;

		if ((e & (_PAGE_PRESENT | _PAGE_PSE)) == (_PAGE_PRESENT | _PAGE_PSE)) {
			pr_err("register: %#lx is in a large page of the user page table\n", va);
			return -EOPNOTSUPP;
		}
		if (!(e & _PAGE_PRESENT)) {
			next = r3x_new_table(h, NULL);
			if (!next)
				return -ENOMEM;
			t[idx] = __sme_set(__pa(next)) | _KERNPG_TABLE;
		} else {
			next = __va(__sme_clr(e) & PTE_PFN_MASK);
			if (!r3x_own_table(h, next)) {
				next = r3x_new_table(h, next);
				if (!next)
					return -ENOMEM;
				t[idx] = (e & ~PTE_PFN_MASK) | __sme_set(__pa(next));
			}
		}
		t = next;
	}
	t[(va >> PAGE_SHIFT) & 511] = __sme_set(pa) | _PAGE_PRESENT | _PAGE_ACCESSED |
		(exec ? 0 : (__supported_pte_mask & _PAGE_NX));
	return 0;
}

/* With PTI: the kernel half of the second PGD page, what the helper runs on. */
static int r3x_build_user_table(struct r3x_helper *h, u64 *user)
{
	unsigned long va;
	int ret;

	memcpy(user + PTRS_PER_PGD / 2,
	       r3x_kernel_pgd + PTRS_PER_PGD + PTRS_PER_PGD / 2,
	       PTRS_PER_PGD / 2 * sizeof(u64));
	for (va = (unsigned long)r3x_entry_start & PAGE_MASK;
	     va < (unsigned long)r3x_entry_end; va += PAGE_SIZE) {
		ret = r3x_map_kernel_page(h, user, va, true);
		if (ret)
			return ret;
	}
	ret = r3x_map_kernel_page(h, user, (unsigned long)r3x_idt_page, false);
	if (!ret)
		ret = r3x_map_kernel_page(h, user, (unsigned long)r3x_kernel_gates, false);
	return ret;
}

/**
 * r3x_lookup() - the leaf entry mapping @va in a helper's page table
 * @h: helper
 * @va: address
 * @user_table: the table the helper runs on under PTI (else the kernel's)
 *
 * Return: the PTE (or large-page PMD/PUD) value, 0 if @va is not mapped.
 */
u64 r3x_lookup(struct r3x_helper *h, unsigned long va, bool user_table)
{
	int levels = pgtable_l5_enabled() ? 5 : 4, lvl;
	const u64 *t = (const u64 *)h->pgd + (user_table ? PTRS_PER_PGD : 0);

	for (lvl = levels; lvl >= 1; lvl--) {
		u64 e = t[(va >> (PAGE_SHIFT + 9 * (lvl - 1))) & 511];

		if (!(e & _PAGE_PRESENT))
			return 0;
		if (lvl == 1 || (lvl <= 3 && (e & _PAGE_PSE)))
			return e;
		t = __va(__sme_clr(e) & PTE_PFN_MASK);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(r3x_lookup);

/* The PTE table of the user page at @uva, made on the first use. */
static u64 *r3x_user_pt(struct r3x_helper *h, u64 *pmd, unsigned long uva)
{
	u64 *e = &pmd[(uva >> PMD_SHIFT) & 511], *t;

	if (*e & _PAGE_PRESENT)
		return __va(__sme_clr(*e) & PTE_PFN_MASK);
	t = r3x_new_table(h, NULL);
	if (t)
		*e = __sme_set(__pa(t)) | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER |
		     _PAGE_ACCESSED | _PAGE_DIRTY;
	return t;
}

/* Map @n pages of the vmalloc area @kva at @uva (inside one 2 MiB table). */
static int r3x_map_user(struct r3x_helper *h, u64 *pmd, unsigned long uva,
			void *kva, unsigned int n, bool writable, bool exec)
{
	unsigned int i;
	u64 *pt;

	if (!n)
		return 0;
	pt = r3x_user_pt(h, pmd, uva);
	if (!pt)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		pt[((uva >> PAGE_SHIFT) + i) & 511] =
			r3x_leaf(vmalloc_to_page(kva + i * PAGE_SIZE), writable, exec);
	return 0;
}

/**
 * r3x_map_io() - map the first pages of an instance's call windows
 * @h: instance, owned by the caller (no call runs it)
 * @in_pages: input pages to map read-only at R3X_UVA_IN, the rest unmapped
 * @out_pages: output pages to map read/write at R3X_UVA_OUT
 *
 * The next switch to the instance's CR3 flushes its PCIDs, so no stale
 * translation of an earlier call survives.
 */
void r3x_map_io(struct r3x_helper *h, unsigned int in_pages, unsigned int out_pages)
{
	unsigned int i, base;

	if (!h->io_pt)
		return;
	/* Only the entries mapped now or before change. */
	base = (R3X_UVA_IN >> PAGE_SHIFT) & 511;
	for (i = 0; i < max(in_pages, h->io_in_pages); i++)
		WRITE_ONCE(h->io_pt[base + i], i < in_pages ?
			   r3x_leaf(vmalloc_to_page(h->in + i * PAGE_SIZE), false, false) : 0);
	base = (R3X_UVA_OUT >> PAGE_SHIFT) & 511;
	for (i = 0; i < max(out_pages, h->io_out_pages); i++)
		WRITE_ONCE(h->io_pt[base + i], i < out_pages ?
			   r3x_leaf(vmalloc_to_page(h->out + i * PAGE_SIZE), true, false) : 0);
	h->io_in_pages = in_pages;
	h->io_out_pages = out_pages;
}

/*
 * Build the PGD pair: the kernel half copied from init_mm's PGD (its
 * top-level entries are preallocated at boot), the user half mapping only
 * the instance's windows; the second 4 KiB page the same, but with PTI its
 * kernel half is PTI's user one plus the transitions.
 */
int r3x_build_mm(struct r3x_helper *h)
{
	const struct r3x_image *img = h->img;
	int levels = pgtable_l5_enabled() ? 5 : 4;
	u64 *t, *top;
	int lvl, ret;

	BUILD_BUG_ON((R3X_UVA_BASE >> PUD_SHIFT) != ((R3X_UVA_END - 1) >> PUD_SHIFT));
	BUILD_BUG_ON((R3X_UVA_IN >> PMD_SHIFT) !=
		     ((R3X_UVA_OUT + R3X_MAX_IO_SIZE - 1) >> PMD_SHIFT));
	h->pgd = __get_free_pages(GFP_KERNEL | __GFP_ZERO, 1);
	if (!h->pgd)
		return -ENOMEM;
	top = (u64 *)h->pgd;
	memcpy(top + PTRS_PER_PGD / 2, r3x_kernel_pgd + PTRS_PER_PGD / 2,
	       PTRS_PER_PGD / 2 * sizeof(u64));

	/* Down to the PMD table of the 1 GiB that holds every window. */
	t = top;
	for (lvl = levels; lvl > 2; lvl--) {
		unsigned int idx = ((u64)R3X_UVA_BASE >> (PAGE_SHIFT + 9 * (lvl - 1))) & 511;
		u64 *next = r3x_new_table(h, NULL);

		if (!next)
			return -ENOMEM;
		t[idx] = __sme_set(__pa(next)) | _PAGE_PRESENT |
			 _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;
		t = next;
	}
	ret = r3x_map_user(h, t, R3X_UVA_CODE, img->text, img->text_pages,
			   false, true);
	if (!ret)
		ret = r3x_map_user(h, t, R3X_UVA_RODATA, img->rodata, img->ro_pages,
				   false, false);
	if (!ret)
		ret = r3x_map_user(h, t, R3X_UVA_DATA, h->data, img->data_pages,
				   true, false);
	if (!ret)
		ret = r3x_map_user(h, t, R3X_UVA_STACK_TOP - img->stack_pages * PAGE_SIZE,
				   h->stack, img->stack_pages, true, false);
	if (!ret)
		ret = r3x_map_user(h, t, R3X_UVA_INFO, h->info, 1, false, false);
	if (!ret && (img->in_pages || img->out_pages)) {
		/* Mapped per call (r3x_map_io()); only the table now. */
		h->io_pt = r3x_user_pt(h, t, R3X_UVA_IN);
		if (!h->io_pt)
			ret = -ENOMEM;
	}
	if (ret)
		return ret;
	memcpy(top + PTRS_PER_PGD, top, PAGE_SIZE);
	h->cr3 = __sme_pa(top);
	if (cpu_feature_enabled(X86_FEATURE_PTI))
		return r3x_build_user_table(h, top + PTRS_PER_PGD);
	return 0;
}
