// SPDX-License-Identifier: GPL-2.0
/*
 * ring3_exec: run a registered helper at CPL3 from kernel context.
 *
 * This file registers helpers and sets the module up. The rest, one concern
 * per file (see Documentation/ring3_exec.rst):
 *   mm.c       a helper's private address space
 *   idt.c      the IDT loaded while a helper runs
 *   call.c     a call: switch in/out, budget, interrupt hand-over, watchdog
 *   entry.S    the CPL0 <-> CPL3 transitions
 *   debugfs.c  msrs, helpers, stats
 *   builtin.c  the built-in helpers and the call/bench files
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cc_platform.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait_bit.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <kunit/visibility.h>
#include <hvsec/compat.h>
#include <hvsec/ring3_exec.h>
#include "r3x.h"

LIST_HEAD(r3x_helpers);
/* Protects r3x_helpers, the list of every registered helper. */
DEFINE_MUTEX(r3x_lock);
static bool r3x_ready;

/**
 * r3x_msrs_save() - read the SYSCALL MSRs of this CPU exactly as they are
 * @m: where to store them
 *
 * Inside a KVM exit path they may hold a guest's values; callers put back
 * exactly what was read with r3x_msrs_load(). Call with preemption off.
 */
void r3x_msrs_save(struct r3x_syscall_msrs *m)
{
	hvsec_rdmsrq(MSR_LSTAR, m->lstar);
	hvsec_rdmsrq(MSR_STAR, m->star);
	hvsec_rdmsrq(MSR_SYSCALL_MASK, m->sfmask);
}
EXPORT_SYMBOL_IF_KUNIT(r3x_msrs_save);

/**
 * r3x_msrs_load() - write the SYSCALL MSRs of this CPU
 * @m: values to write
 */
void r3x_msrs_load(const struct r3x_syscall_msrs *m)
{
	hvsec_wrmsrq(MSR_LSTAR, m->lstar);
	hvsec_wrmsrq(MSR_STAR, m->star);
	hvsec_wrmsrq(MSR_SYSCALL_MASK, m->sfmask);
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
		pr_err("FRED is active: no SYSRET/SYSCALL path to run helpers on; boot with fred=off to use ring3_exec\n");
		return -EOPNOTSUPP;
	}
	if (cpu_feature_enabled(X86_FEATURE_XENPV)) {
		pr_err("Xen PV guest: not supported\n");
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

static void r3x_free_helper(struct r3x_helper *h)
{
	unsigned int i;

	r3x_free_mm(h);
	for (i = 0; i < h->nr_code; i++)
		__free_page(h->code[i]);
	for (i = 0; i < h->nr_stack; i++)
		__free_page(h->stack[i]);
	if (h->data)
		__free_pages(h->data, h->data_order);
	kfree(h->fpu);
	kfree(h);
}

/**
 * r3x_register() - register a helper
 * @d: description; the code is copied, @d need not outlive the call
 *
 * Return: the helper, or an ERR_PTR (-EINVAL, -E2BIG, -ENOMEM, -ENODEV).
 */
struct r3x_helper *r3x_register(const struct r3x_helper_desc *d)
{
	struct r3x_helper *h;
	size_t size;
	unsigned int i;
	int ret;

	if (!r3x_ready)
		return ERR_PTR(-ENODEV);
	if (!d || !d->name || !d->code_start || d->code_end <= d->code_start ||
	    d->stack_pages < 1 || d->stack_pages > R3X_MAX_STACK_PAGES ||
	    d->data_pages > R3X_MAX_DATA_PAGES ||
	    (d->nr_services && !d->services) || d->nr_services > 64 ||
	    d->budget_us > 60 * USEC_PER_SEC) {
		pr_err_ratelimited("register: invalid helper description\n");
		return ERR_PTR(-EINVAL);
	}
	size = d->code_end - d->code_start;
	if (size > R3X_MAX_CODE_PAGES * PAGE_SIZE) {
		pr_err_ratelimited("register: helper %s is %zu bytes, limit %lu\n",
				   d->name, size, R3X_MAX_CODE_PAGES * PAGE_SIZE);
		return ERR_PTR(-E2BIG);
	}
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return ERR_PTR(-ENOMEM);
	strscpy(h->name, d->name, sizeof(h->name));
	h->services = d->services;
	h->nr_services = d->nr_services;
	h->priv = d->priv;
	h->budget_ns = (u64)d->budget_us * NSEC_PER_USEC;
	ret = -ENOMEM;
	h->fpu = r3x_fpu_alloc();
	if (!h->fpu)
		goto err;
	for (i = 0; i < DIV_ROUND_UP(size, PAGE_SIZE); i++) {
		size_t off = i * PAGE_SIZE;

		h->code[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!h->code[i])
			goto err;
		h->nr_code++;
		memcpy(page_address(h->code[i]), d->code_start + off,
		       min_t(size_t, PAGE_SIZE, size - off));
	}
	for (i = 0; i < d->stack_pages; i++) {
		h->stack[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!h->stack[i])
			goto err;
		h->nr_stack++;
	}
	if (d->data_pages) {
		h->data_order = get_order(d->data_pages * PAGE_SIZE);
		h->data = alloc_pages(GFP_KERNEL | __GFP_ZERO, h->data_order);
		if (!h->data)
			goto err;
		h->nr_data = d->data_pages;
	}
	ret = r3x_build_mm(h);
	if (ret)
		goto err;
	mutex_lock(&r3x_lock);
	list_add_tail(&h->node, &r3x_helpers);
	mutex_unlock(&r3x_lock);
	return h;
err:
	r3x_free_helper(h);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(r3x_register);

/**
 * r3x_unregister() - remove a helper, ending the calls still running it
 * @h: helper from r3x_register(); NULL or an error pointer is ignored
 *
 * A running call ends with -ENOENT (R3X_VEC_UNREGISTERED) at its helper's
 * next exit to CPL0, which an NMI forces at once. Returns when no call uses
 * @h any more. No new call of @h may be started once this was called.
 */
void r3x_unregister(struct r3x_helper *h)
{
	if (IS_ERR_OR_NULL(h))
		return;
	WRITE_ONCE(h->dead, true);
	r3x_kill_calls(h);
	/* Each call ends as soon as it sees dead, within its budget anyway. */
	wait_var_event(&h->users, !atomic_read(&h->users));
	/* The watchdog may still look at it, from hardirq context. */
	synchronize_rcu();
	mutex_lock(&r3x_lock);
	list_del(&h->node);
	mutex_unlock(&r3x_lock);
	r3x_free_helper(h);
}
EXPORT_SYMBOL_GPL(r3x_unregister);

/**
 * r3x_helper_data() - kernel address of the helper's data pages
 * @h: helper
 *
 * Return: the pages mapped at R3X_UVA_DATA, or NULL if it has none.
 */
void *r3x_helper_data(struct r3x_helper *h)
{
	return h->data ? page_address(h->data) : NULL;
}
EXPORT_SYMBOL_GPL(r3x_helper_data);

static int __init ring3_exec_init(void)
{
	int ret = r3x_cpu_supported();

	if (ret)
		return ret;
	ret = r3x_mm_init();
	if (ret)
		return ret;
	ret = r3x_idt_init();
	if (ret)
		return ret;
	ret = r3x_call_init();
	if (ret)
		return ret;
	r3x_ready = true;
	ret = r3x_builtin_init();
	if (ret)
		goto err_call;
	r3x_debugfs_init();
	return 0;
err_call:
	r3x_ready = false;
	r3x_call_exit();
	return ret;
}

static void __exit ring3_exec_exit(void)
{
	r3x_debugfs_exit();
	r3x_builtin_exit();
	r3x_call_exit();
}

module_init(ring3_exec_init);
module_exit(ring3_exec_exit);
MODULE_DESCRIPTION("Run registered helpers at CPL3 from kernel context");
MODULE_VERSION(HVSEC_VERSION);
MODULE_AUTHOR("hvsec developers");
MODULE_LICENSE("GPL");
