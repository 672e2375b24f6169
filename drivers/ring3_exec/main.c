// SPDX-License-Identifier: GPL-2.0
/*
 * ring3_exec: run a registered helper at CPL3 from kernel context.
 *
 * This first stage checks that the CPU and kernel allow a SYSRET/SYSCALL
 * round trip and provides the exact save/restore of the SYSCALL MSRs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cc_platform.h>
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <kunit/visibility.h>
#include <hvsec/compat.h>
#include <hvsec/ring3_exec.h>

static struct dentry *r3x_dir;

/**
 * r3x_msrs_save() - read the SYSCALL MSRs of this CPU exactly as they are
 * @m: where to store them
 *
 * Inside a KVM exit path they may hold a guest's values; callers put back
 * exactly what was read with r3x_msrs_load(). Call with preemption off.
 */
void r3x_msrs_save(struct r3x_syscall_msrs *m)
{
	rdmsrl(MSR_LSTAR, m->lstar);
	rdmsrl(MSR_STAR, m->star);
	rdmsrl(MSR_SYSCALL_MASK, m->sfmask);
}
EXPORT_SYMBOL_IF_KUNIT(r3x_msrs_save);

/**
 * r3x_msrs_load() - write the SYSCALL MSRs of this CPU
 * @m: values to write
 */
void r3x_msrs_load(const struct r3x_syscall_msrs *m)
{
	wrmsrl(MSR_LSTAR, m->lstar);
	wrmsrl(MSR_STAR, m->star);
	wrmsrl(MSR_SYSCALL_MASK, m->sfmask);
}
EXPORT_SYMBOL_IF_KUNIT(r3x_msrs_load);

/**
 * r3x_cpu_supported() - can a helper run at CPL3 on this system?
 *
 * Return: 0, or a negative errno with the reason logged.
 */
int r3x_cpu_supported(void)
{
	if (!boot_cpu_has(X86_FEATURE_SYSCALL32) &&
	    !boot_cpu_has(X86_FEATURE_SYSCALL)) {
		pr_err("CPU lacks SYSCALL/SYSRET\n");
		return -ENODEV;
	}
	if (hvsec_cpu_has_fred()) {
		pr_err("FRED is enabled: SYSRET is not usable\n");
		return -EOPNOTSUPP;
	}
	if (cc_platform_has(CC_ATTR_GUEST_STATE_ENCRYPT) ||
	    cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT)) {
		pr_err("confidential guest: not supported\n");
		return -EOPNOTSUPP;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(r3x_cpu_supported);

static int msrs_show(struct seq_file *m, void *v)
{
	struct r3x_syscall_msrs msrs;

	preempt_disable();
	r3x_msrs_save(&msrs);
	preempt_enable();
	seq_printf(m, "lstar: %#llx\nstar: %#llx\nsfmask: %#llx\n",
		   msrs.lstar, msrs.star, msrs.sfmask);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(msrs);

static int __init ring3_exec_init(void)
{
	int ret = r3x_cpu_supported();

	if (ret)
		return ret;
	r3x_dir = debugfs_create_dir("ring3_exec", NULL);
	debugfs_create_file("msrs", 0444, r3x_dir, NULL, &msrs_fops);
	return 0;
}

static void __exit ring3_exec_exit(void)
{
	debugfs_remove_recursive(r3x_dir);
}

module_init(ring3_exec_init);
module_exit(ring3_exec_exit);
MODULE_DESCRIPTION("Run registered helpers at CPL3 from kernel context");
MODULE_VERSION(HVSEC_VERSION);
MODULE_AUTHOR("hvsec developers");
MODULE_LICENSE("GPL");
