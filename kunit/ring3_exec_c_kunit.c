// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for ring3_exec's helpers written in C: the checks of an ELF
 * image, its windows and their permissions, fault reports by symbol,
 * instances (own data, initial data, parallel and serialised calls) and
 * the call windows of r3x_call_buf() (copied in read-only, length-checked
 * out, cleared after). The helper is the sample built by Kbuild from
 * drivers/ring3_exec/helper/sample.c.
 */
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/elf.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/trap_pf.h>
#include <asm/trapnr.h>
#include <hvsec/compat.h>
#include <hvsec/ring3_exec.h>
#include "../drivers/ring3_exec/helper/sample.h"

/* Services of the test's own registrations of the sample image. */
struct kt_c {
	atomic_t arrived;	/* rendezvous */
	atomic_t inside;	/* calls of one instance inside a service */
	atomic_t overlap;	/* ... seen more than one at a time */
	atomic_t last;		/* the thread of the last call */
	atomic_t switches;	/* ... changes */
};

/* 1: a0 + a1 */
static u64 kt_svc_add(void *priv, const u64 args[6])
{
	return args[0] + args[1];
}

/* 2: arrive, then wait (bounded) until @args[0] calls have arrived. */
static u64 kt_svc_rendezvous(void *priv, const u64 args[6])
{
	struct kt_c *c = priv;
	u64 end = local_clock() + 2 * NSEC_PER_SEC;

	atomic_inc(&c->arrived);
	while (atomic_read(&c->arrived) < args[0]) {
		if (local_clock() > end)
			return 0;
		cpu_relax();
	}
	return 1;
}

/*
 * 3: count calls inside this service at once, stay a while, and count
 * the changes of the calling thread (args[0]).
 */
static u64 kt_svc_inside(void *priv, const u64 args[6])
{
	struct kt_c *c = priv;

	if (atomic_inc_return(&c->inside) != 1)
		atomic_inc(&c->overlap);
	if (atomic_xchg(&c->last, args[0]) != args[0])
		atomic_inc(&c->switches);
	udelay(9);
	atomic_dec(&c->inside);
	return 0;
}

static const r3x_service_fn kt_svcs[] = {
	kt_svc_add, kt_svc_rendezvous, kt_svc_inside,
};

static struct r3x_helper *kt_register(struct kunit *test, const u8 *elf,
				      size_t size, unsigned int flags,
				      struct kt_c *priv)
{
	struct r3x_elf_desc d = {
		.name = "kt_c",
		.elf_start = elf,
		.elf_end = elf + size,
		.in_max = 8192,
		.out_max = 8192,
		.flags = flags,
		.services = kt_svcs,
		.nr_services = ARRAY_SIZE(kt_svcs),
		.priv = priv,
		.budget_us = 5 * USEC_PER_SEC,
	};

	return r3x_register_elf(&d);
}

/* Helpers of a test are unregistered when it ends, even on a failure. */
static void kt_unreg(void *h)
{
	r3x_unregister(h);
}

static struct r3x_helper *kt_keep(struct kunit *test, struct r3x_helper *h)
{
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(h));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kt_unreg, h), 0);
	return h;
}

/* Unregister one now (its test goes on). */
static void kt_drop(struct kunit *test, struct r3x_helper *h)
{
	kunit_release_action(test, kt_unreg, h);
}

static struct r3x_helper *kt_sample(struct kunit *test, unsigned int flags,
				    struct kt_c *priv)
{
	const u8 *elf;
	size_t size;

	elf = r3x_sample_image(&size);
	return kt_keep(test, kt_register(test, elf, size, flags, priv));
}

static u64 kt_call(struct kunit *test, struct r3x_helper *h, u64 a0, u64 a1,
		   u64 a2, u64 a3)
{
	u64 args[6] = { a0, a1, a2, a3 }, res = ~0ULL;
	struct r3x_fault f = {};

	KUNIT_EXPECT_EQ(test, r3x_call(h, args, &res, &f), 0);
	return res;
}

/* The built-in "sample": code, read-only data, floating point, a service. */
static void sample_runs(struct kunit *test)
{
	struct r3x_helper *h = r3x_builtin("sample");
	const char *g = "hello from CPL3";
	u64 sum = 0;

	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_EXPECT_EQ(test, kt_call(test, h, R3X_SAMPLE_SUM, 1, 2, 3), 6ULL);
	for (; *g; g++)
		sum = sum * 31 + *g;
	KUNIT_EXPECT_EQ(test, kt_call(test, h, R3X_SAMPLE_GREETING, 0, 0, 0), sum);
	/* 1 + 1/2 + ... + 1/10 = 2.9289682... */
	KUNIT_EXPECT_EQ(test, kt_call(test, h, R3X_SAMPLE_FLOAT, 10, 0, 0), 2928968ULL);
	/* service 1 of the built-in sample adds */
	KUNIT_EXPECT_EQ(test, kt_call(test, h, R3X_SAMPLE_SVC, 1, 40, 2), 42ULL);
	KUNIT_EXPECT_EQ(test, r3x_instance_id(h), 0U);
}

/* A fault names the function it happened in, from the image's symbols. */
static void fault_names_symbol(struct kunit *test)
{
	struct r3x_helper *h = r3x_builtin("sample");
	u64 args[6] = { R3X_SAMPLE_CRASH, 0 };
	struct r3x_fault f = {};
	char at[80];

	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_EXPECT_EQ(test, r3x_call(h, args, NULL, &f), -EFAULT);
	KUNIT_EXPECT_EQ(test, f.vector, (u64)X86_TRAP_PF);
	KUNIT_EXPECT_EQ(test, f.cr2, 0ULL);
	r3x_fault_symbol(h, f.rip, at, sizeof(at));
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(at, "sample_crash+0x"), "at %s", at);

	/* .rodata is read-only: a write faults, present + write + user */
	args[0] = R3X_SAMPLE_RO_WRITE;
	KUNIT_EXPECT_EQ(test, r3x_call(h, args, NULL, &f), -EFAULT);
	KUNIT_EXPECT_EQ(test, f.vector, (u64)X86_TRAP_PF);
	KUNIT_EXPECT_EQ(test, f.error_code & (X86_PF_PROT | X86_PF_WRITE | X86_PF_USER),
			(u64)(X86_PF_PROT | X86_PF_WRITE | X86_PF_USER));
	KUNIT_EXPECT_GE(test, f.cr2, (u64)R3X_UVA_RODATA);
	KUNIT_EXPECT_LT(test, f.cr2, (u64)R3X_UVA_RODATA + R3X_WINDOW_SIZE);
	r3x_fault_symbol(h, f.rip, at, sizeof(at));
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(at, "sample_ro_write+0x"), "at %s", at);

	/* an address in no symbol: the bare address */
	r3x_fault_symbol(h, R3X_UVA_STACK, at, sizeof(at));
	KUNIT_EXPECT_STREQ(test, at, "0x40300000");
}

/* Only the image's pages are mapped, each with its window's permissions. */
static void windows_permissions(struct kunit *test)
{
	struct r3x_helper *h = r3x_builtin("sample");
	static const struct {
		u64 addr;
		int op;		/* R3X_SAMPLE_PEEK, _POKE or _JUMP */
		u64 err;	/* X86_PF_* expected, 0: no fault */
	} cases[] = {
		{ R3X_UVA_CODE, R3X_SAMPLE_PEEK, 0 },
		{ R3X_UVA_RODATA, R3X_SAMPLE_JUMP, X86_PF_PROT | X86_PF_USER | X86_PF_INSTR },
		{ R3X_UVA_DATA, R3X_SAMPLE_JUMP, X86_PF_PROT | X86_PF_USER | X86_PF_INSTR },
		{ R3X_UVA_STACK_TOP - 64, R3X_SAMPLE_JUMP,
		  X86_PF_PROT | X86_PF_USER | X86_PF_INSTR },
		{ R3X_UVA_INFO, R3X_SAMPLE_JUMP, X86_PF_PROT | X86_PF_USER | X86_PF_INSTR },
		{ R3X_UVA_CODE, R3X_SAMPLE_POKE, X86_PF_PROT | X86_PF_WRITE | X86_PF_USER },
		{ R3X_UVA_CODE + R3X_WINDOW_SIZE - 1, R3X_SAMPLE_PEEK, X86_PF_USER },
		{ R3X_UVA_RODATA, R3X_SAMPLE_PEEK, 0 },
		{ R3X_UVA_DATA, R3X_SAMPLE_POKE, 0 },
		{ R3X_UVA_DATA + R3X_WINDOW_SIZE / 2, R3X_SAMPLE_PEEK, X86_PF_USER },
		{ R3X_UVA_STACK_TOP - 8, R3X_SAMPLE_POKE, 0 },
		{ R3X_UVA_STACK, R3X_SAMPLE_PEEK, X86_PF_USER },
		{ R3X_UVA_INFO, R3X_SAMPLE_PEEK, 0 },
		{ R3X_UVA_INFO, R3X_SAMPLE_POKE, X86_PF_PROT | X86_PF_WRITE | X86_PF_USER },
		{ R3X_UVA_IN, R3X_SAMPLE_PEEK, X86_PF_USER },
		{ R3X_UVA_OUT, R3X_SAMPLE_POKE, X86_PF_WRITE | X86_PF_USER },
		{ R3X_UVA_END, R3X_SAMPLE_PEEK, X86_PF_USER },
	};
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, h);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 args[6] = { cases[i].op, cases[i].addr };
		struct r3x_fault f = {};
		int ret = r3x_call(h, args, NULL, &f);

		if (!cases[i].err) {
			KUNIT_EXPECT_EQ_MSG(test, ret, 0, "case %u", i);
			continue;
		}
		KUNIT_EXPECT_EQ_MSG(test, ret, -EFAULT, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, f.vector, (u64)X86_TRAP_PF, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, f.cr2, cases[i].addr, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, f.error_code &
				    (X86_PF_PROT | X86_PF_WRITE | X86_PF_USER |
				     X86_PF_INSTR), cases[i].err, "case %u", i);
	}
}

/* A bad image is refused at registration, whatever is wrong with it. */
struct kt_elf_case {
	const char *name;
	void (*mutate)(u8 *elf, size_t *size);
};

static struct elf64_hdr *kt_eh(u8 *elf)
{
	return (struct elf64_hdr *)elf;
}

static struct elf64_phdr *kt_ph(u8 *elf, u32 flags)
{
	struct elf64_phdr *ph = (struct elf64_phdr *)(elf + kt_eh(elf)->e_phoff);
	unsigned int i;

	for (i = 0; i < kt_eh(elf)->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_flags == flags)
			return &ph[i];
	return NULL;
}

static struct elf64_shdr *kt_sh(u8 *elf, u32 type)
{
	struct elf64_shdr *sh = (struct elf64_shdr *)(elf + kt_eh(elf)->e_shoff);
	unsigned int i;

	for (i = 0; i < kt_eh(elf)->e_shnum; i++)
		if (sh[i].sh_type == type)
			return &sh[i];
	return NULL;
}

static void m_magic(u8 *e, size_t *n) { e[1] = 'X'; }
static void m_class(u8 *e, size_t *n) { e[EI_CLASS] = ELFCLASS32; }
static void m_endian(u8 *e, size_t *n) { e[EI_DATA] = ELFDATA2MSB; }
static void m_dyn(u8 *e, size_t *n) { kt_eh(e)->e_type = ET_DYN; }
static void m_machine(u8 *e, size_t *n) { kt_eh(e)->e_machine = EM_386; }
static void m_phentsize(u8 *e, size_t *n) { kt_eh(e)->e_phentsize = 32; }
static void m_phoff(u8 *e, size_t *n) { kt_eh(e)->e_phoff = *n - 8; }
static void m_truncated(u8 *e, size_t *n) { *n = 40; }
static void m_wx(u8 *e, size_t *n) { kt_ph(e, PF_R | PF_W)->p_flags = PF_R | PF_W | PF_X; }
static void m_interp(u8 *e, size_t *n) { kt_ph(e, PF_R)->p_type = PT_INTERP; }
static void m_dynamic(u8 *e, size_t *n) { kt_ph(e, PF_R)->p_type = PT_DYNAMIC; }
static void m_tls(u8 *e, size_t *n) { kt_ph(e, PF_R)->p_type = PT_TLS; }
static void m_xstack(u8 *e, size_t *n)
{
	struct elf64_phdr *ph = kt_ph(e, PF_R);

	ph->p_type = PT_GNU_STACK;
	ph->p_flags = PF_R | PF_W | PF_X;
}

static void m_code_in_data(u8 *e, size_t *n) { kt_ph(e, PF_R | PF_X)->p_vaddr = R3X_UVA_DATA; }
static void m_data_in_code(u8 *e, size_t *n) { kt_ph(e, PF_R | PF_W)->p_vaddr = R3X_UVA_CODE; }
static void m_data_big(u8 *e, size_t *n) { kt_ph(e, PF_R | PF_W)->p_memsz = R3X_WINDOW_SIZE + 1; }
static void m_data_end(u8 *e, size_t *n)
{
	kt_ph(e, PF_R | PF_W)->p_vaddr = R3X_UVA_DATA + R3X_WINDOW_SIZE - 8;
}

static void m_filesz(u8 *e, size_t *n)
{
	struct elf64_phdr *ph = kt_ph(e, PF_R | PF_X);

	ph->p_filesz = ph->p_memsz + 1;
}

static void m_offset(u8 *e, size_t *n) { kt_ph(e, PF_R | PF_X)->p_offset = *n; }
static void m_entry_ro(u8 *e, size_t *n) { kt_eh(e)->e_entry = R3X_UVA_RODATA; }
static void m_entry_far(u8 *e, size_t *n) { kt_eh(e)->e_entry = 0xffffffff81000000ULL; }
static void m_rela(u8 *e, size_t *n) { kt_sh(e, SHT_STRTAB)->sh_type = SHT_RELA; }
static void m_dynsec(u8 *e, size_t *n) { kt_sh(e, SHT_STRTAB)->sh_type = SHT_DYNAMIC; }
static void m_shoff(u8 *e, size_t *n) { kt_eh(e)->e_shoff = *n; }
static void m_symtab(u8 *e, size_t *n) { kt_sh(e, SHT_SYMTAB)->sh_offset = *n - 8; }

static const struct kt_elf_case kt_elf_cases[] = {
	{ "bad_magic", m_magic }, { "elfclass32", m_class },
	{ "big_endian", m_endian }, { "et_dyn", m_dyn }, { "em_386", m_machine },
	{ "phentsize", m_phentsize }, { "phoff_beyond", m_phoff },
	{ "truncated", m_truncated }, { "w_and_x", m_wx },
	{ "pt_interp", m_interp }, { "pt_dynamic", m_dynamic }, { "pt_tls", m_tls },
	{ "exec_stack", m_xstack }, { "code_in_data_window", m_code_in_data },
	{ "data_in_code_window", m_data_in_code }, { "data_over_1mib", m_data_big },
	{ "data_past_window", m_data_end }, { "filesz_over_memsz", m_filesz },
	{ "offset_beyond", m_offset }, { "entry_in_rodata", m_entry_ro },
	{ "entry_in_kernel", m_entry_far }, { "sht_rela", m_rela },
	{ "sht_dynamic", m_dynsec }, { "shoff_beyond", m_shoff },
	{ "symtab_beyond", m_symtab },
};

static void kt_elf_desc(const struct kt_elf_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kt_elf, kt_elf_cases, kt_elf_desc);

static void elf_refused(struct kunit *test)
{
	const struct kt_elf_case *c = test->param_value;
	struct r3x_helper *h;
	const u8 *orig;
	size_t size;
	u8 *copy;

	orig = r3x_sample_image(&size);
	copy = kunit_kmalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, copy);
	memcpy(copy, orig, size);
	/* the unchanged copy is fine */
	kt_drop(test, kt_keep(test, kt_register(test, copy, size, 0, NULL)));
	c->mutate(copy, &size);
	h = kt_register(test, copy, size, 0, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(h), -ENOEXEC);
	if (!IS_ERR(h))
		r3x_unregister(h);
}

static void elf_desc_refused(struct kunit *test)
{
	struct r3x_elf_desc d = { .name = "kt_c" };
	const u8 *elf;
	size_t size;

	elf = r3x_sample_image(&size);
	KUNIT_EXPECT_EQ(test, PTR_ERR(r3x_register_elf(NULL)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(r3x_register_elf(&d)), -EINVAL);
	d.elf_start = elf;
	d.elf_end = elf + size;
	d.in_max = R3X_MAX_IO_SIZE + 1;
	KUNIT_EXPECT_EQ(test, PTR_ERR(r3x_register_elf(&d)), -E2BIG);
	d.in_max = 0;
	d.stack_pages = R3X_MAX_STACK_PAGES + 1;
	KUNIT_EXPECT_EQ(test, PTR_ERR(r3x_register_elf(&d)), -EINVAL);
	d.stack_pages = 0;
	d.flags = 0x80;
	KUNIT_EXPECT_EQ(test, PTR_ERR(r3x_register_elf(&d)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(r3x_instance_new(NULL)), -EINVAL);
}

static struct kunit_case ring3_exec_elf_cases[] = {
	KUNIT_CASE(sample_runs),
	KUNIT_CASE(fault_names_symbol),
	KUNIT_CASE(windows_permissions),
	KUNIT_CASE_PARAM(elf_refused, kt_elf_gen_params),
	KUNIT_CASE(elf_desc_refused),
	{}
};

static struct kunit_suite ring3_exec_elf_suite = {
	.name = "ring3_exec_elf",
	.test_cases = ring3_exec_elf_cases,
};

/* Each instance has its own data, starting from the image's. */
static void instance_own_data(struct kunit *test)
{
	struct r3x_helper *a = kt_sample(test, 0, NULL), *b;
	u64 *data;

	KUNIT_EXPECT_EQ(test, kt_call(test, a, R3X_SAMPLE_COUNT, 0, 0, 0), 101ULL);
	KUNIT_EXPECT_EQ(test, kt_call(test, a, R3X_SAMPLE_COUNT, 0, 0, 0), 102ULL);
	b = kt_keep(test, r3x_instance_new(a));
	KUNIT_EXPECT_EQ(test, r3x_instance_id(a), 0U);
	KUNIT_EXPECT_EQ(test, r3x_instance_id(b), 1U);
	KUNIT_EXPECT_EQ(test, kt_call(test, b, R3X_SAMPLE_COUNT, 0, 0, 0), 101ULL);
	KUNIT_EXPECT_EQ(test, kt_call(test, a, R3X_SAMPLE_COUNT, 0, 0, 0), 103ULL);
	KUNIT_EXPECT_EQ(test, kt_call(test, b, R3X_SAMPLE_INFO, 2, 0, 0), 1ULL);
	KUNIT_EXPECT_EQ(test, kt_call(test, b, R3X_SAMPLE_INFO, 3, 0, 0), 2ULL);
	/* the counter is the first word of .data, seen by the owner */
	data = r3x_helper_data(b);
	KUNIT_ASSERT_NOT_NULL(test, data);
	KUNIT_EXPECT_EQ(test, data[0], 101ULL);
	/* the image lives on with its last instance */
	kt_drop(test, a);
	KUNIT_EXPECT_EQ(test, kt_call(test, b, R3X_SAMPLE_COUNT, 0, 0, 0), 102ULL);
	KUNIT_EXPECT_EQ(test, kt_call(test, b, R3X_SAMPLE_GREETING, 0, 0, 0),
			kt_call(test, r3x_builtin("sample"), R3X_SAMPLE_GREETING, 0, 0, 0));
}

/* R3X_F_RESET_DATA: every call starts from the image's data. */
static void instance_reset_data(struct kunit *test)
{
	struct r3x_helper *h = kt_sample(test, R3X_F_RESET_DATA, NULL);
	unsigned int i;

	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, kt_call(test, h, R3X_SAMPLE_COUNT, 0, 0, 0), 101ULL);
}

/* Data in and out: parsed at CPL3, checked by the owner. */
static void call_buf_parse(struct kunit *test)
{
	static const char text[] = "a=1\nbb=22\nccc=333\n";
	struct r3x_helper *h = r3x_builtin("sample");
	struct r3x_sample_rec *recs;
	struct r3x_fault f = {};
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, h);
	recs = kunit_kcalloc(test, 16, sizeof(*recs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, recs);
	KUNIT_ASSERT_EQ(test, r3x_sample_parse(h, text, strlen(text),
					       R3X_SAMPLE_LIE_NONE, recs, 16, &f), 3);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, recs[i].key_len, i + 1);
		KUNIT_EXPECT_EQ(test, text[recs[i].key_off], 'a' + (char)i);
	}
	KUNIT_EXPECT_EQ(test, recs[0].value, 1ULL);
	KUNIT_EXPECT_EQ(test, recs[2].value, 333ULL);
	/* a bad line is the input's fault: its number comes back */
	KUNIT_EXPECT_EQ(test, r3x_sample_parse(h, "a=1\nnope\n", 9,
					       R3X_SAMPLE_LIE_NONE, recs, 16, &f), -EINVAL);
	KUNIT_EXPECT_EQ(test, f.error_code, 2ULL);
	/* more records than room: refused by the helper, not overrun */
	KUNIT_EXPECT_EQ(test, r3x_sample_parse(h, text, strlen(text),
					       R3X_SAMPLE_LIE_NONE, recs, 2, &f), -EINVAL);
}

/* The helper's output is untrusted: each lie is caught. */
static void call_buf_lies(struct kunit *test)
{
	static const char text[] = "k=7\n";
	struct r3x_helper *h = r3x_builtin("sample");
	struct r3x_sample_rec *recs;
	struct r3x_fault f = {};

	KUNIT_ASSERT_NOT_NULL(test, h);
	recs = kunit_kcalloc(test, 4, sizeof(*recs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, recs);
	memset(recs, 0xaa, 4 * sizeof(*recs));
	KUNIT_EXPECT_EQ(test, r3x_sample_parse(h, text, 4, R3X_SAMPLE_LIE_LEN,
					       recs, 4, &f), -EFAULT);
	KUNIT_EXPECT_EQ(test, f.vector, (u64)R3X_VEC_BAD_OUTPUT);
	KUNIT_EXPECT_EQ(test, f.error_code, 4 * sizeof(*recs) + 1);
	/* nothing was copied out */
	KUNIT_EXPECT_EQ(test, recs[0].key_off, 0xaaaaaaaaU);
	KUNIT_EXPECT_EQ(test, r3x_sample_parse(h, text, 4, R3X_SAMPLE_LIE_KEY,
					       recs, 4, &f), -EPROTO);
	KUNIT_EXPECT_EQ(test, r3x_sample_parse(h, text, 4, R3X_SAMPLE_LIE_COUNT,
					       recs, 4, &f), -EPROTO);
	KUNIT_EXPECT_EQ(test, r3x_sample_parse(h, text, 4, R3X_SAMPLE_LIE_NONE,
					       recs, 4, &f), 1);
}

static int kt_buf(struct r3x_helper *h, u64 a0, u64 a1, u64 a2, const void *in,
		  size_t in_len, size_t out_size, u64 *res, struct r3x_fault *f)
{
	static u8 out[8192];
	u64 args[6] = { a0, a1, a2 };
	size_t out_len;

	return r3x_call_buf(h, args, in, in_len, out, out_size, &out_len, res, f);
}

/* The windows: read-only input, cleared and unmapped between calls. */
static void call_buf_windows(struct kunit *test)
{
	struct r3x_helper *h = kt_sample(test, 0, NULL);
	static const char secret[] = "s3cret=1\n";
	const u64 peek_in[6] = { R3X_SAMPLE_PEEK, R3X_UVA_IN };
	struct r3x_fault f = {};
	u64 res = 0;

	/* the info page tells the sizes */
	KUNIT_EXPECT_EQ(test, kt_buf(h, R3X_SAMPLE_INFO, 0, 0, secret, 9, 100, &res, &f), 0);
	KUNIT_EXPECT_EQ(test, res, 9ULL);
	KUNIT_EXPECT_EQ(test, kt_buf(h, R3X_SAMPLE_INFO, 1, 0, secret, 9, 100, &res, &f), 0);
	KUNIT_EXPECT_EQ(test, res, 100ULL);
	KUNIT_EXPECT_EQ(test, kt_buf(h, R3X_SAMPLE_PEEK, R3X_UVA_IN + 1, 0, secret, 9,
				     0, &res, &f), 0);
	KUNIT_EXPECT_EQ(test, res, (u64)'3');
	/* input is read-only */
	KUNIT_EXPECT_EQ(test, kt_buf(h, R3X_SAMPLE_POKE, R3X_UVA_IN, 0, secret, 9,
				     0, &res, &f), -EFAULT);
	KUNIT_EXPECT_EQ(test, f.cr2, (u64)R3X_UVA_IN);
	KUNIT_EXPECT_EQ(test, f.error_code & X86_PF_PROT, (u64)X86_PF_PROT);
	/* unmapped after the call */
	KUNIT_EXPECT_EQ(test, r3x_call(h, peek_in, NULL, &f), -EFAULT);
	KUNIT_EXPECT_EQ(test, f.cr2, (u64)R3X_UVA_IN);
	/* and cleared: a one-byte input does not show the secret's rest */
	KUNIT_EXPECT_EQ(test, kt_buf(h, R3X_SAMPLE_PEEK, R3X_UVA_IN + 1, 0, "x", 1,
				     0, &res, &f), 0);
	KUNIT_EXPECT_EQ(test, res, 0ULL);
	/* output: only out_size's pages are mapped, and cleared after */
	KUNIT_EXPECT_EQ(test, kt_buf(h, R3X_SAMPLE_POKE, R3X_UVA_OUT + 10, 0x55, NULL, 0,
				     64, &res, &f), 0);
	KUNIT_EXPECT_EQ(test, kt_buf(h, R3X_SAMPLE_PEEK, R3X_UVA_OUT + 10, 0, NULL, 0,
				     64, &res, &f), 0);
	KUNIT_EXPECT_EQ(test, res, 0ULL);
	KUNIT_EXPECT_EQ(test, kt_buf(h, R3X_SAMPLE_POKE, R3X_UVA_OUT + PAGE_SIZE, 1,
				     NULL, 0, 64, &res, &f), -EFAULT);
	KUNIT_EXPECT_EQ(test, f.cr2, (u64)R3X_UVA_OUT + PAGE_SIZE);
	/* sizes beyond the windows */
	KUNIT_EXPECT_EQ(test, kt_buf(h, R3X_SAMPLE_SUM, 0, 0, secret, 8193, 0, &res, &f),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kt_buf(h, R3X_SAMPLE_SUM, 0, 0, NULL, 0, 8193, &res, &f),
			-EINVAL);
}

struct kt_thread {
	struct r3x_helper *h;
	u64 args[6];
	unsigned int n;
	int ret;
	u64 res;
	u64 start, end;		/* ktime_get_ns() around the calls */
	struct completion done;
};

/* @n calls of service @svc (@arg) through R3X_SAMPLE_SVC. */
static void kt_thread_init(struct kt_thread *t, struct r3x_helper *h,
			   u64 svc, u64 arg, unsigned int n)
{
	t->h = h;
	t->args[0] = R3X_SAMPLE_SVC;
	t->args[1] = svc;
	t->args[2] = arg;
	t->n = n;
}

static int kt_thread_fn(void *arg)
{
	struct kt_thread *t = arg;
	unsigned int i;

	t->start = ktime_get_ns();
	for (i = 0; i < t->n && !t->ret; i++)
		t->ret = r3x_call(t->h, t->args, &t->res, NULL);
	t->end = ktime_get_ns();
	complete(&t->done);
	return 0;
}

static void kt_run_two(struct kunit *test, struct kt_thread t[2])
{
	struct task_struct *task[2];
	unsigned int i, cpu = cpumask_first(cpu_online_mask);

	for (i = 0; i < 2; i++) {
		init_completion(&t[i].done);
		task[i] = kthread_create_on_cpu(kt_thread_fn, &t[i], cpu, "kt_r3x/%u");
		KUNIT_ASSERT_FALSE(test, IS_ERR(task[i]));
		cpu = cpumask_next(cpu, cpu_online_mask);
	}
	/* both woken before either runs (it spins with IRQs off) */
	preempt_disable();
	for (i = 0; i < 2; i++)
		wake_up_process(task[i]);
	preempt_enable();
	for (i = 0; i < 2; i++)
		KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&t[i].done, 30 * HZ), 0UL);
}

/* Two instances of one image run at the same time on two CPUs. */
static void instances_parallel(struct kunit *test)
{
	struct kt_c c = {};
	struct kt_thread t[2] = {};
	struct r3x_helper *a, *b;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	a = kt_sample(test, 0, &c);
	b = kt_keep(test, r3x_instance_new(a));
	/* service 2: each waits inside its call for both to have arrived */
	kt_thread_init(&t[0], a, 2, 2, 1);
	kt_thread_init(&t[1], b, 2, 2, 1);
	kt_run_two(test, t);
	KUNIT_EXPECT_EQ(test, t[0].ret, 0);
	KUNIT_EXPECT_EQ(test, t[1].ret, 0);
	KUNIT_EXPECT_EQ(test, t[0].res, 1ULL);
	KUNIT_EXPECT_EQ(test, t[1].res, 1ULL);
}

/* One instance's calls from two CPUs never overlap, and none is lost. */
static void instance_serialised(struct kunit *test)
{
	struct kt_c c = {};
	struct kt_thread t[2] = {};
	struct r3x_helper *h;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	h = kt_sample(test, 0, &c);
	kt_thread_init(&t[0], h, 3, 0, 200);
	kt_thread_init(&t[1], h, 3, 1, 200);
	kt_run_two(test, t);
	KUNIT_EXPECT_EQ(test, t[0].ret, 0);
	KUNIT_EXPECT_EQ(test, t[1].ret, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c.overlap), 0);
	/* they did contend: each thread's calls began before the other's ended */
	KUNIT_EXPECT_LT(test, max(t[0].start, t[1].start), min(t[0].end, t[1].end));
	KUNIT_EXPECT_GE(test, atomic_read(&c.switches), 1);
	/* every call counted */
	KUNIT_EXPECT_EQ(test, kt_call(test, h, R3X_SAMPLE_INFO, 3, 0, 0), 400ULL);
}

static struct kunit_case ring3_exec_instance_cases[] = {
	KUNIT_CASE(instance_own_data),
	KUNIT_CASE(instance_reset_data),
	KUNIT_CASE(call_buf_parse),
	KUNIT_CASE(call_buf_lies),
	KUNIT_CASE(call_buf_windows),
	KUNIT_CASE(instances_parallel),
	KUNIT_CASE(instance_serialised),
	{}
};

static struct kunit_suite ring3_exec_instance_suite = {
	.name = "ring3_exec_instance",
	.test_cases = ring3_exec_instance_cases,
};

kunit_test_suites(&ring3_exec_elf_suite, &ring3_exec_instance_suite);

MODULE_DESCRIPTION("KUnit tests for ring3_exec's helpers in C");
MODULE_LICENSE("GPL");
HVSEC_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
