// SPDX-License-Identifier: GPL-2.0
/*
 * ring3_exec: run a registered helper at CPL3 from kernel context.
 *
 * This file registers helpers and sets the module up. The rest, one concern
 * per file (see Documentation/ring3_exec.rst):
 *   mm.c       an instance's private address space
 *   elf.c      the ELF image of a helper written in C
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
#include <linux/vmalloc.h>
#include <linux/wait_bit.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/pgtable.h>
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
	if (!(__supported_pte_mask & _PAGE_NX)) {
		pr_err("no NX: a helper's data would be executable (W^X cannot hold)\n");
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

static void r3x_image_free(struct kref *ref)
{
	struct r3x_image *img = container_of(ref, struct r3x_image, ref);

	r3x_debugfs_image_del(img);
	vfree(img->text);
	vfree(img->rodata);
	vfree(img->data_init);
	kvfree(img->syms);
	kvfree(img->strtab);
	kfree(img);
}

static void r3x_free_helper(struct r3x_helper *h)
{
	r3x_free_mm(h);
	vfree(h->data);
	vfree(h->stack);
	vfree(h->info);
	vfree(h->in);
	vfree(h->out);
	free_percpu(h->stats);
	kfree(h->fpu);
	if (h->img)
		kref_put(&h->img->ref, r3x_image_free);
	kfree(h);
}

/*
 * A new instance of @img, which gives it its reference (dropped here on
 * failure): its own data (the image's initial data), stack, info page and
 * call windows, and the address space mapping them with the image.
 */
static struct r3x_helper *r3x_instance_create(struct r3x_image *img)
{
	struct r3x_helper *h;
	int ret = -ENOMEM;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h) {
		kref_put(&img->ref, r3x_image_free);
		return ERR_PTR(-ENOMEM);
	}
	h->img = img;
	strscpy(h->name, img->name, sizeof(h->name));
	h->services = img->services;
	h->nr_services = img->nr_services;
	h->priv = img->priv;
	h->budget_ns = img->budget_ns;
	h->fpu = r3x_fpu_alloc();
	h->stats = alloc_percpu(struct r3x_istats);
	h->stack = vzalloc(img->stack_pages * PAGE_SIZE);
	h->info = vzalloc(PAGE_SIZE);
	if (!h->fpu || !h->stats || !h->stack || !h->info)
		goto err;
	if (img->data_pages) {
		h->data = vzalloc(img->data_pages * PAGE_SIZE);
		if (!h->data)
			goto err;
		if (img->data_init)
			memcpy(h->data, img->data_init, img->data_pages * PAGE_SIZE);
	}
	if (img->in_pages) {
		h->in = vzalloc(img->in_pages * PAGE_SIZE);
		if (!h->in)
			goto err;
	}
	if (img->out_pages) {
		h->out = vzalloc(img->out_pages * PAGE_SIZE);
		if (!h->out)
			goto err;
	}
	ret = r3x_build_mm(h);
	if (ret)
		goto err;
	h->id = atomic_inc_return(&img->next_id) - 1;
	mutex_lock(&r3x_lock);
	list_add_tail(&h->node, &r3x_helpers);
	mutex_unlock(&r3x_lock);
	r3x_debugfs_add(h);
	return h;
err:
	r3x_free_helper(h);
	return ERR_PTR(ret);
}

/* What both kinds of registration require of their description. */
static bool r3x_desc_ok(const char *name, const r3x_service_fn *services,
			unsigned int nr_services, unsigned int budget_us)
{
	return name && (!nr_services || services) && nr_services <= 64 &&
	       budget_us <= 60 * USEC_PER_SEC;
}

static struct r3x_image *r3x_image_alloc(const char *name, unsigned int budget_us,
					 const r3x_service_fn *services,
					 unsigned int nr_services, void *priv)
{
	struct r3x_image *img = kzalloc(sizeof(*img), GFP_KERNEL);

	if (!img)
		return NULL;
	kref_init(&img->ref);
	strscpy(img->name, name, sizeof(img->name));
	img->services = services;
	img->nr_services = nr_services;
	img->priv = priv;
	img->budget_ns = (u64)budget_us * NSEC_PER_USEC;
	return img;
}

/**
 * r3x_register() - register a helper of position-independent machine code
 * @d: description; the code is copied, @d need not outlive the call
 *
 * Its code runs at R3X_UVA_CODE; it gets d->data_pages zeroed data pages.
 *
 * Return: the helper's first instance, or an ERR_PTR (-EINVAL, -E2BIG,
 * -ENOMEM, -ENODEV).
 */
struct r3x_helper *r3x_register(const struct r3x_helper_desc *d)
{
	struct r3x_image *img;
	size_t size;

	if (!r3x_ready)
		return ERR_PTR(-ENODEV);
	if (!d || !r3x_desc_ok(d->name, d->services, d->nr_services, d->budget_us) ||
	    !d->code_start || d->code_end <= d->code_start ||
	    d->stack_pages < 1 || d->stack_pages > R3X_MAX_STACK_PAGES ||
	    d->data_pages > R3X_MAX_DATA_PAGES) {
		pr_err_ratelimited("register: invalid helper description\n");
		return ERR_PTR(-EINVAL);
	}
	size = d->code_end - d->code_start;
	if (size > R3X_MAX_CODE_PAGES * PAGE_SIZE) {
		pr_err_ratelimited("register: helper %s is %zu bytes, limit %lu\n",
				   d->name, size, R3X_MAX_CODE_PAGES * PAGE_SIZE);
		return ERR_PTR(-E2BIG);
	}
	img = r3x_image_alloc(d->name, d->budget_us, d->services, d->nr_services,
			      d->priv);
	if (!img)
		return ERR_PTR(-ENOMEM);
	img->text_pages = DIV_ROUND_UP(size, PAGE_SIZE);
	img->text = vzalloc(img->text_pages * PAGE_SIZE);
	if (!img->text) {
		kref_put(&img->ref, r3x_image_free);
		return ERR_PTR(-ENOMEM);
	}
	memcpy(img->text, d->code_start, size);
	img->entry = R3X_UVA_CODE;
	img->data_pages = d->data_pages;
	img->stack_pages = d->stack_pages;
	return r3x_instance_create(img);
}
EXPORT_SYMBOL_GPL(r3x_register);

/**
 * r3x_register_elf() - register a helper written in C
 * @d: description; the image is checked and copied, @d need not outlive
 *     the call
 *
 * The image is refused, with one line in the log, unless it is a static
 * x86-64 ET_EXEC of PT_LOAD segments that are W^X and lie in their
 * windows (include/hvsec/r3x_layout.h), with its entry in code.
 *
 * Return: the helper's first instance, or an ERR_PTR (-EINVAL, -ENOEXEC,
 * -E2BIG, -ENOMEM, -ENODEV).
 */
struct r3x_helper *r3x_register_elf(const struct r3x_elf_desc *d)
{
	struct r3x_image *img;
	int ret;

	if (!r3x_ready)
		return ERR_PTR(-ENODEV);
	if (!d || !r3x_desc_ok(d->name, d->services, d->nr_services, d->budget_us) ||
	    !d->elf_start || d->elf_end <= d->elf_start ||
	    d->stack_pages > R3X_MAX_STACK_PAGES || (d->flags & ~R3X_F_RESET_DATA)) {
		pr_err_ratelimited("register: invalid helper description\n");
		return ERR_PTR(-EINVAL);
	}
	if (d->in_max > R3X_MAX_IO_SIZE || d->out_max > R3X_MAX_IO_SIZE) {
		pr_err_ratelimited("register: helper %s: call windows above %u bytes\n",
				   d->name, R3X_MAX_IO_SIZE);
		return ERR_PTR(-E2BIG);
	}
	img = r3x_image_alloc(d->name, d->budget_us, d->services, d->nr_services,
			      d->priv);
	if (!img)
		return ERR_PTR(-ENOMEM);
	ret = r3x_elf_load(img, d->elf_start, d->elf_end - d->elf_start);
	if (ret) {
		kref_put(&img->ref, r3x_image_free);
		return ERR_PTR(ret);
	}
	img->flags = d->flags;
	img->stack_pages = d->stack_pages ?: 4;
	img->in_max = d->in_max;
	img->out_max = d->out_max;
	img->in_pages = DIV_ROUND_UP(d->in_max, PAGE_SIZE);
	img->out_pages = DIV_ROUND_UP(d->out_max, PAGE_SIZE);
	return r3x_instance_create(img);
}
EXPORT_SYMBOL_GPL(r3x_register_elf);

/**
 * r3x_instance_new() - another instance of a registered helper
 * @h: any instance of the helper
 *
 * The new instance shares the helper's code and read-only data and has its
 * own data (the image's initial data), stack and call windows. Calls to
 * different instances run in parallel; one instance's calls one at a time.
 * Unregister it with r3x_unregister(); the image goes with its last one.
 * @h must stay registered until this returns (the caller's to ensure; a
 * helper already being unregistered is refused).
 *
 * Return: the instance, or an ERR_PTR (-EINVAL, -ENOMEM).
 */
struct r3x_helper *r3x_instance_new(struct r3x_helper *h)
{
	if (IS_ERR_OR_NULL(h) || READ_ONCE(h->dead))
		return ERR_PTR(-EINVAL);
	kref_get(&h->img->ref);
	return r3x_instance_create(h->img);
}
EXPORT_SYMBOL_GPL(r3x_instance_new);

/**
 * r3x_instance_id() - the number of an instance
 * @h: instance
 *
 * Return: 0 for the one registration made, 1, 2, ... for the later ones.
 */
unsigned int r3x_instance_id(const struct r3x_helper *h)
{
	return h->id;
}
EXPORT_SYMBOL_GPL(r3x_instance_id);

/**
 * r3x_unregister() - remove an instance, ending the calls still running it
 * @h: instance; NULL or an error pointer is ignored
 *
 * A running call ends with -ENOENT (R3X_VEC_UNREGISTERED) at its helper's
 * next exit to CPL0, which an NMI forces at once. Returns when no call uses
 * @h any more. No new call of @h may be started once this was called. The
 * helper's image is freed with its last instance.
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
	r3x_debugfs_del(h);
	mutex_lock(&r3x_lock);
	list_del(&h->node);
	mutex_unlock(&r3x_lock);
	r3x_free_helper(h);
}
EXPORT_SYMBOL_GPL(r3x_unregister);

/**
 * r3x_helper_data() - kernel address of an instance's data pages
 * @h: instance
 *
 * Return: what is mapped at R3X_UVA_DATA (virtually contiguous), or NULL
 * if it has none.
 */
void *r3x_helper_data(struct r3x_helper *h)
{
	return h->data;
}
EXPORT_SYMBOL_GPL(r3x_helper_data);

/**
 * r3x_fault_symbol() - name the place of a fault in a helper's image
 * @h: instance
 * @rip: address (struct r3x_fault.rip)
 * @buf: where to write "symbol+0xoff/0xsize", or the bare address
 * @size: size of @buf
 *
 * Return: the length written (as scnprintf()).
 */
int r3x_fault_symbol(const struct r3x_helper *h, u64 rip, char *buf, size_t size)
{
	u64 off, len;
	const char *name = r3x_image_sym(h->img, rip, &off, &len);

	if (!name)
		return scnprintf(buf, size, "%#llx", rip);
	return scnprintf(buf, size, "%s+%#llx/%#llx", name, off, len);
}
EXPORT_SYMBOL_GPL(r3x_fault_symbol);

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
	r3x_debugfs_early();
	ret = r3x_builtin_init();
	if (ret)
		goto err_call;
	r3x_debugfs_init();
	return 0;
err_call:
	r3x_debugfs_exit();
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
