/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvsec: the one place for differences between the kernels hvsec builds
 * against (Debian's 6.1 and 6.12 kernels, and the 6.12 test kernel).
 *
 * Rules: code outside this file never tests the kernel version. Prefer a
 * feature test (#ifdef on the macro that a kernel introduced) to a version
 * test; where only a version test works, use HVSEC_KERNEL_AT_LEAST() and
 * say which version changed what.
 * Helpers are prefixed hvsec_ / HVSEC_ so that a backport of the kernel's
 * own name to an older stable kernel can never clash with them.
 */
#ifndef _HVSEC_COMPAT_H
#define _HVSEC_COMPAT_H

#include <linux/types.h>
#include <linux/version.h>
#include <asm/cpufeature.h>

/*
 * The one version test: HVSEC_KERNEL_AT_LEAST(6, 13) is true on 6.13 and
 * newer (Debian's stable updates keep the major.patchlevel of a series).
 */
#define HVSEC_KERNEL(major, patchlevel)	(((major) << 8) + (patchlevel))
#define HVSEC_KERNEL_AT_LEAST(major, patchlevel) \
	(HVSEC_KERNEL(major, patchlevel) <= \
	 HVSEC_KERNEL(LINUX_VERSION_MAJOR, LINUX_VERSION_PATCHLEVEL))

/*
 * MODULE_IMPORT_NS(): a bare identifier up to 6.12, a string literal from
 * 6.13 on. HVSEC_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING) works on both.
 */
#if HVSEC_KERNEL_AT_LEAST(6, 13)
#define HVSEC_IMPORT_NS(ns)	MODULE_IMPORT_NS(#ns)
#else
#define HVSEC_IMPORT_NS(ns)	MODULE_IMPORT_NS(ns)
#endif

/*
 * FRED (flexible return and event delivery, 6.9) replaces SYSCALL/SYSRET
 * entry. Kernels older than 6.9 do not know the feature and never use it.
 */
static inline bool hvsec_cpu_has_fred(void)
{
#ifdef X86_FEATURE_FRED
	return cpu_feature_enabled(X86_FEATURE_FRED);
#else
	return false;
#endif
}

/* class_create() lost its owner argument in 6.4. */
#if HVSEC_KERNEL_AT_LEAST(6, 4)
#define hvsec_class_create(name)	class_create(name)
#else
#define hvsec_class_create(name)	class_create(THIS_MODULE, name)
#endif

/* vma->vm_flags became read-only in 6.3: writers use vm_flags_set(). */
#if HVSEC_KERNEL_AT_LEAST(6, 3)
#define hvsec_vm_flags_set(vma, flags)	vm_flags_set(vma, flags)
#else
#define hvsec_vm_flags_set(vma, flags)	((vma)->vm_flags |= (flags))
#endif

#endif /* _HVSEC_COMPAT_H */
