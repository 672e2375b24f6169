// SPDX-License-Identifier: GPL-2.0
/*
 * ring3_exec: the ELF image of a helper written in C.
 *
 * The image is checked before anything of it is used: a static x86-64
 * executable (ET_EXEC, no interpreter, no dynamic section, no relocations)
 * whose PT_LOAD segments are W^X and lie in their windows (executable ones
 * in the code window, writable ones in the data window, the others in the
 * read-only data window), with its entry in an executable segment. Its
 * symbols, where it has them, name the function a fault happened in.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/elf.h>
#include <linux/kernel.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <hvsec/ring3_exec.h>
#include "r3x.h"

/* Largest string table kept for fault reports. */
#define R3X_MAX_STRTAB	SZ_256K
#define R3X_MAX_SYMS	8192

enum { R3X_W_CODE, R3X_W_RODATA, R3X_W_DATA, R3X_W_NR };

static const u64 r3x_window[R3X_W_NR] = {
	R3X_UVA_CODE, R3X_UVA_RODATA, R3X_UVA_DATA,
};

static int r3x_elf_bad(const struct r3x_image *img, const char *why)
{
	pr_err_ratelimited("register: helper %s: ELF image refused: %s\n",
			   img->name, why);
	return -ENOEXEC;
}

static unsigned int r3x_seg_window(u32 flags)
{
	if (flags & PF_X)
		return R3X_W_CODE;
	return flags & PF_W ? R3X_W_DATA : R3X_W_RODATA;
}

static int r3x_sym_cmp(const void *a, const void *b)
{
	const struct r3x_sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Keep the function and object symbols inside the windows. */
static int r3x_elf_syms(struct r3x_image *img, const u8 *elf, size_t size,
			const struct elf64_shdr *symtab, const struct elf64_shdr *strsh)
{
	const struct elf64_sym *sym;
	unsigned int i, n, nr = 0;

	if (symtab->sh_entsize != sizeof(*sym) || symtab->sh_offset > size ||
	    symtab->sh_size > size - symtab->sh_offset ||
	    strsh->sh_type != SHT_STRTAB || strsh->sh_offset > size ||
	    strsh->sh_size > size - strsh->sh_offset || !strsh->sh_size)
		return r3x_elf_bad(img, "symbol table beyond the file");
	if (strsh->sh_size > R3X_MAX_STRTAB)
		return 0;	/* no names in reports, nothing else lost */
	n = min_t(u64, symtab->sh_size / sizeof(*sym), R3X_MAX_SYMS);
	sym = (const struct elf64_sym *)(elf + symtab->sh_offset);
	img->syms = kvcalloc(n, sizeof(*img->syms), GFP_KERNEL);
	img->strtab = kvmalloc(strsh->sh_size, GFP_KERNEL);
	if (!img->syms || !img->strtab)
		return -ENOMEM;
	memcpy(img->strtab, elf + strsh->sh_offset, strsh->sh_size);
	img->strtab[strsh->sh_size - 1] = '\0';
	for (i = 0; i < n; i++) {
		unsigned int type = ELF64_ST_TYPE(sym[i].st_info);

		if ((type != STT_FUNC && type != STT_OBJECT) ||
		    sym[i].st_shndx == SHN_UNDEF || !sym[i].st_name ||
		    sym[i].st_name >= strsh->sh_size ||
		    sym[i].st_value < R3X_UVA_BASE || sym[i].st_value >= R3X_UVA_END)
			continue;
		img->syms[nr].addr = sym[i].st_value;
		img->syms[nr].size = sym[i].st_size;
		img->syms[nr].name = sym[i].st_name;
		nr++;
	}
	sort(img->syms, nr, sizeof(*img->syms), r3x_sym_cmp, NULL);
	img->nr_syms = nr;
	return 0;
}

/* Section headers: no relocations or dynamic linking; find the symbols. */
static int r3x_elf_sections(struct r3x_image *img, const u8 *elf, size_t size)
{
	const struct elf64_hdr *eh = (const struct elf64_hdr *)elf;
	const struct elf64_shdr *sh, *symtab = NULL;
	unsigned int i;

	if (!eh->e_shoff || !eh->e_shnum)
		return 0;		/* stripped of sections: fine */
	if (eh->e_shentsize != sizeof(*sh) || eh->e_shoff > size ||
	    eh->e_shnum > (size - eh->e_shoff) / sizeof(*sh))
		return r3x_elf_bad(img, "section headers beyond the file");
	sh = (const struct elf64_shdr *)(elf + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++) {
		switch (sh[i].sh_type) {
		case SHT_REL:
		case SHT_RELA:
			return r3x_elf_bad(img, "has relocations");
		case SHT_DYNAMIC:
		case SHT_DYNSYM:
			return r3x_elf_bad(img, "has a dynamic section");
		case SHT_SYMTAB:
			symtab = &sh[i];
			break;
		}
	}
	if (!symtab)
		return 0;
	if (symtab->sh_link >= eh->e_shnum)
		return r3x_elf_bad(img, "symbol table without strings");
	return r3x_elf_syms(img, elf, size, symtab, &sh[symtab->sh_link]);
}

/**
 * r3x_elf_load() - check a helper's ELF image and copy its segments
 * @img: image being registered (name set); gets text, rodata, data_init,
 *	 their page counts, the entry and the symbols
 * @elf: the ELF file
 * @size: its size
 *
 * Return: 0, -ENOEXEC (image refused, one line logged) or -ENOMEM.
 */
int r3x_elf_load(struct r3x_image *img, const u8 *elf, size_t size)
{
	const struct elf64_hdr *eh = (const struct elf64_hdr *)elf;
	u64 end[R3X_W_NR] = {};
	void **dst[R3X_W_NR] = { &img->text, &img->rodata, &img->data_init };
	unsigned int *pages[R3X_W_NR] = {
		&img->text_pages, &img->ro_pages, &img->data_pages,
	};
	const struct elf64_phdr *ph;
	bool entry_ok = false;
	unsigned int i, w;
	int ret;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return r3x_elf_bad(img, "not an ELF file");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64)
		return r3x_elf_bad(img, "not x86-64 (ELFCLASS64, little endian)");
	if (eh->e_type != ET_EXEC)
		return r3x_elf_bad(img, "not ET_EXEC (a static executable)");
	if (eh->e_phentsize != sizeof(*ph) || !eh->e_phnum ||
	    eh->e_phoff > size || eh->e_phnum > (size - eh->e_phoff) / sizeof(*ph))
		return r3x_elf_bad(img, "program headers beyond the file");
	ph = (const struct elf64_phdr *)(elf + eh->e_phoff);

	/* First pass: check every segment, find each window's extent. */
	for (i = 0; i < eh->e_phnum; i++) {
		u64 off;

		switch (ph[i].p_type) {
		case PT_NULL:
			continue;
		case PT_GNU_STACK:
			if (ph[i].p_flags & PF_X)
				return r3x_elf_bad(img, "asks for an executable stack");
			continue;
		case PT_LOAD:
			break;
		case PT_INTERP:
			return r3x_elf_bad(img, "has an interpreter (PT_INTERP)");
		case PT_DYNAMIC:
			return r3x_elf_bad(img, "is dynamically linked (PT_DYNAMIC)");
		default:
			return r3x_elf_bad(img, "has a segment other than PT_LOAD");
		}
		if (!ph[i].p_memsz)
			continue;
		if (ph[i].p_filesz > ph[i].p_memsz || ph[i].p_offset > size ||
		    ph[i].p_filesz > size - ph[i].p_offset)
			return r3x_elf_bad(img, "segment beyond the file");
		if ((ph[i].p_flags & PF_W) && (ph[i].p_flags & PF_X))
			return r3x_elf_bad(img, "writable and executable segment (W^X)");
		w = r3x_seg_window(ph[i].p_flags);
		off = ph[i].p_vaddr - r3x_window[w];
		if (ph[i].p_vaddr < r3x_window[w] || ph[i].p_memsz > R3X_WINDOW_SIZE ||
		    off > R3X_WINDOW_SIZE - ph[i].p_memsz)
			return r3x_elf_bad(img, "segment outside its window");
		end[w] = max(end[w], off + ph[i].p_memsz);
		if (w == R3X_W_CODE && eh->e_entry >= ph[i].p_vaddr &&
		    eh->e_entry - ph[i].p_vaddr < ph[i].p_filesz)
			entry_ok = true;
	}
	if (!entry_ok)
		return r3x_elf_bad(img, "entry point not in an executable segment");
	ret = r3x_elf_sections(img, elf, size);
	if (ret)
		return ret;

	for (w = 0; w < R3X_W_NR; w++) {
		if (!end[w])
			continue;
		*pages[w] = DIV_ROUND_UP(end[w], PAGE_SIZE);
		*dst[w] = vzalloc(*pages[w] * PAGE_SIZE);
		if (!*dst[w])
			return -ENOMEM;
	}
	/* Second pass: copy; what a segment's file part leaves out is zero. */
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
			continue;
		w = r3x_seg_window(ph[i].p_flags);
		memcpy(*dst[w] + (ph[i].p_vaddr - r3x_window[w]),
		       elf + ph[i].p_offset, ph[i].p_filesz);
	}
	img->entry = eh->e_entry;
	return 0;
}

/**
 * r3x_image_sym() - the symbol an address of a helper lies in
 * @img: image
 * @addr: address in the helper's windows
 * @off: offset of @addr in the symbol
 * @size: the symbol's size
 *
 * Return: the symbol's name, or NULL when @addr is in none.
 */
const char *r3x_image_sym(const struct r3x_image *img, u64 addr, u64 *off,
			  u64 *size)
{
	unsigned int lo = 0, hi = img->nr_syms;
	const struct r3x_sym *s;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (img->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	s = &img->syms[lo - 1];
	if (addr - s->addr >= s->size)
		return NULL;
	*off = addr - s->addr;
	*size = s->size;
	return img->strtab + s->name;
}
