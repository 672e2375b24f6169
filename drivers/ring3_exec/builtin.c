// SPDX-License-Identifier: GPL-2.0
/*
 * ring3_exec built-in helpers (null, sum, spin, fault, probe, loop in
 * machine code; sample in C), the debugfs "call" file that runs them from
 * user space and the "sample" file that parses text with the C helper.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/sort.h>
#include <linux/stringify.h>
#include <linux/uaccess.h>
#include <linux/umh.h>
#include <asm/segment.h>
#include <kunit/visibility.h>
#include <hvsec/ring3_exec.h>
#include "r3x.h"
#include "sample.h"

#define S(x) __stringify(x)

/* helper/sample.c, built by r3x-helper.mk: see the Kbuild file. */
R3X_EMBED_HELPER(r3x_sample_elf, "helper/sample.r3x");

/* Returns at once: the round trip cost of a call. */
R3X_DEFINE_HELPER(r3x_h_null,
		  "\txorl %edi, %edi\n"
		  "\txorl %eax, %eax\n"
		  "\tsyscall\n"
		  "\tud2");

/* Sum of the six arguments, computed with the helper's own stack. */
R3X_DEFINE_HELPER(r3x_h_sum,
		  "\tmovl $" S(R3X_UVA_STACK_TOP) ", %esp\n"
		  "\tpushq %rdi\n"
		  "\tmovq %rsi, %rax\n"
		  "\taddq %rdx, %rax\n"
		  "\taddq %r10, %rax\n"
		  "\taddq %r8, %rax\n"
		  "\taddq %r9, %rax\n"
		  "\tpopq %rdi\n"
		  "\taddq %rax, %rdi\n"
		  "\txorl %eax, %eax\n"
		  "\tsyscall\n"
		  "\tud2");

/*
 * Spins arg0 iterations (bounded by the caller) keeping a pattern on its
 * stack; returns the iterations done, or with arg1 != 0 its GS base
 * (RDGSBASE) so a test can see that GS looked like a user value all along.
 * A clobbered stack pattern returns ~0.
 */
R3X_DEFINE_HELPER(r3x_h_spin,
		  "\tmovl $" S(R3X_UVA_STACK_TOP) ", %esp\n"
		  "\tmovabs $0x5a5aa5a5c3c33c3c, %rax\n"
		  "\tpushq %rax\n"
		  "\txorl %ecx, %ecx\n"
		  "1:\tcmpq %rdi, %rcx\n"
		  "\tjae 2f\n"
		  "\tpause\n"
		  "\tincq %rcx\n"
		  "\tjmp 1b\n"
		  "2:\tpopq %rdx\n"
		  "\tcmpq %rax, %rdx\n"
		  "\tjne 4f\n"
		  "\tmovq %rcx, %rdi\n"
		  "\ttestq %rsi, %rsi\n"
		  "\tjz 3f\n"
		  "\trdgsbase %rdi\n"
		  "3:\txorl %eax, %eax\n"
		  "\tsyscall\n"
		  "\tud2\n"
		  "4:\tmovq $-1, %rdi\n"
		  "\txorl %eax, %eax\n"
		  "\tsyscall\n"
		  "\tud2");

/*
 * Jump to case 1nn for arg0 = nn (the ".long 1nn - 90b" table that follows,
 * position-independent: the code runs at R3X_UVA_CODE), or to label
 * "other" when arg0 >= n. Clobbers RAX and RCX.
 */
#define R3X_DISPATCH(n, other)						\
	"\tcmpq $" #n ", %rdi\n"						\
	"\tjae " #other "f\n"						\
	"\tleaq 90f(%rip), %rax\n"					\
	"\tmovslq (%rax,%rdi,4), %rcx\n"					\
	"\taddq %rcx, %rax\n"						\
	"\tjmpq *%rax\n"							\
	"\t.balign 4\n"							\
	"90:\t"

/* Raises the fault selected by arg0 (R3X_FK_*); arg1 is an address. */
R3X_DEFINE_HELPER(r3x_h_fault,
		  "\tmovl $" S(R3X_UVA_STACK_TOP) ", %esp\n"
		  R3X_DISPATCH(28, 99)
		  ".long 100f - 90b, 101f - 90b, 102f - 90b, 103f - 90b\n"
		  ".long 104f - 90b, 105f - 90b, 106f - 90b, 107f - 90b\n"
		  ".long 108f - 90b, 109f - 90b, 110f - 90b, 111f - 90b\n"
		  ".long 112f - 90b, 113f - 90b, 114f - 90b, 115f - 90b\n"
		  ".long 116f - 90b, 117f - 90b, 118f - 90b, 119f - 90b\n"
		  ".long 120f - 90b, 121f - 90b, 122f - 90b, 123f - 90b\n"
		  ".long 124f - 90b, 125f - 90b, 126f - 90b, 127f - 90b\n"
		  "100:\tud2\n\tjmp 99f\n"
		  "101:\tmovq 0, %rax\n\tjmp 99f\n"
		  "102:\tmovabs $0x8000000000000000, %rax\n\tmovq (%rax), %rax\n\tjmp 99f\n"
		  "103:\txorl %ecx, %ecx\n\tdivl %ecx\n\tjmp 99f\n"
		  "104:\tint3\n\tjmp 99f\n"
		  "105:\tint $4\n\tjmp 99f\n"
		  "106:\tpushfq\n"
		  "\torl $0x40000, (%rsp)\n"
		  "\tpopfq\n"
		  "\tmovl $(" S(R3X_UVA_DATA) " + 1), %eax\n"
		  "\tmovq (%rax), %rax\n"
		  "\tpushfq\n"
		  "\tandl $~0x40000, (%rsp)\n"
		  "\tpopfq\n"
		  "\tjmp 99f\n"
		  "107:\tmovabs $0x8000000000000000, %rsp\n\tpushq %rax\n\tjmp 99f\n"
		  "108:\tint $" S(R3X_NP_VECTOR) "\n\tjmp 99f\n"
		  "109:\tfninit\n"
		  "\tsubq $8, %rsp\n"
		  "\tfnstcw (%rsp)\n"
		  "\tandw $~4, (%rsp)\n"
		  "\tfldcw (%rsp)\n"
		  "\tfldz\n"
		  "\tfld1\n"
		  "\tfdiv %st(1), %st\n"
		  "\tfwait\n"
		  "\tjmp 99f\n"
		  "110:\tsubq $8, %rsp\n"
		  "\tstmxcsr (%rsp)\n"
		  "\tandl $~0x200, (%rsp)\n"
		  "\tldmxcsr (%rsp)\n"
		  "\txorps %xmm1, %xmm1\n"
		  "\tmovl $1, %eax\n"
		  "\tcvtsi2ss %eax, %xmm0\n"
		  "\tdivss %xmm1, %xmm0\n"
		  "\tjmp 99f\n"
		  "111:\tint $0x80\n\tjmp 99f\n"
		  "112:\tcli\n\tjmp 99f\n"
		  "113:\thlt\n\tjmp 99f\n"
		  "114:\txorl %eax, %eax\n\txorl %edx, %edx\n\tmovl $0x10, %ecx\n\twrmsr\n\tjmp 99f\n"
		  "115:\tmovq %rax, %cr3\n\tjmp 99f\n"
		  "116:\tswapgs\n\tjmp 99f\n"
		  "117:\tmovl $12345, %eax\n\tsyscall\n\tjmp 99f\n"
		  "118:\tleaq 0(%rip), %rax\n\tmovb $0, (%rax)\n\tjmp 99f\n"
		  "119:\tmovl $" S(R3X_UVA_DATA) ", %eax\n\tjmpq *%rax\n\tjmp 99f\n"
		  "120:\t.byte 0xf1\n\tjmp 99f\n"
		  "121:\tmovq (%rsi), %rax\n\tjmp 99f\n"
		  "122:\tmovq $0, (%rsi)\n\tjmp 99f\n"
		  "123:\tjmpq *%rsi\n\tjmp 99f\n"
		  "124:\tleaq 3f(%rip), %rax\n"
		  "\tsubq $8, %rsp\n"
		  "\tmovl %eax, (%rsp)\n"
		  "\tmovw $" S(__USER32_CS) ", 4(%rsp)\n"
		  "\tljmpl *(%rsp)\n"
		  "\t.code32\n3:\ttestl %esi, %esi\n"
		  "\tjz 4f\n"
		  "5:\tsubl $1, %esi\n"
		  "\tjnz 5b\n"
		  "4:\tsyscall\n"
		  "\tud2\n"
		  "\t.code64\n"
		  "\tjmp 99f\n"
		  "125:\tmovb $0x80, %al\n\toutb %al, $0x80\n\tjmp 99f\n"
		  "126:\tmovl $7, %eax\n\tmovl %eax, %ds\n\tjmp 99f\n"
		  "127:\t.byte 0xc4, 0xe2, 0x78, 0x49, 0xc0\n\tjmp 99f\n"
		  "99:\tmovl $" S(R3X_NO_FAULT) ", %edi\n\txorl %eax, %eax\n\tsyscall\n\tud2");

/*
 * Reports what it found at entry (arg0: R3X_PR_*), before touching any
 * register but the one it reports through.
 */
R3X_DEFINE_HELPER(r3x_h_probe,
		  "\tmovq %rsp, %r12\n"
		  "\tmovl $" S(R3X_UVA_STACK_TOP) ", %esp\n"
		  R3X_DISPATCH(9, 98)
		  ".long 100f - 90b, 101f - 90b, 102f - 90b, 103f - 90b\n"
		  ".long 104f - 90b, 105f - 90b, 106f - 90b, 107f - 90b\n"
		  ".long 108f - 90b\n"
		  "98:\tmovq $-1, %rdi\n\tjmp 99f\n"
		  "100:\tmovq %r12, %rdi\n\tjmp 99f\n"
		  "101:\trdfsbase %rdi\n\tjmp 99f\n"
		  "102:\trdgsbase %rdi\n\tjmp 99f\n"
		  "103:\tmovq %xmm0, %rdi\n\tjmp 99f\n"
		  "104:\tvextractf128 $1, %ymm0, %xmm1\n\tmovq %xmm1, %rdi\n\tjmp 99f\n"
		  "105:\tsubq $8, %rsp\n\tstmxcsr (%rsp)\n\tmovl (%rsp), %edi\n\tjmp 99f\n"
		  "106:\tsubq $8, %rsp\n\tfnstcw (%rsp)\n\tmovzwl (%rsp), %edi\n\tjmp 99f\n"
		  "107:\tmovl $" S(R3X_UVA_DATA) ", %eax\n\tmovq %rsi, (%rax)\n"
		  "\tmovq (%rax), %rdi\n\tjmp 99f\n"
		  "108:\tmovq $-1, %rax\n\tmovq %rax, %xmm0\n"
		  "\tvinsertf128 $1, %xmm0, %ymm0, %ymm0\n"
		  "\tsubq $8, %rsp\n\tmovl $0x9fc0, (%rsp)\n\tldmxcsr (%rsp)\n"
		  "\tmovw $0x27f, (%rsp)\n\tfldcw (%rsp)\n"
		  "\txorl %edi, %edi\n"
		  "99:\txorl %eax, %eax\n\tsyscall\n\tud2");

/* Never exits (arg0: R3X_LOOP_*): only its budget ends it. */
R3X_DEFINE_HELPER(r3x_h_loop,
		  "\tcmpl $1, %edi\n\tje 2f\n"
		  "\tcmpl $2, %edi\n\tje 3f\n"
		  "1:\tjmp 1b\n"
		  "2:\tpause\n\tjmp 2b\n"
		  "3:\tmovl $1, %eax\n\tsyscall\n\tjmp 3b");

static u64 r3x_svc_nop(void *priv, const u64 args[6])
{
	return 0;
}

static const r3x_service_fn r3x_loop_services[] = { r3x_svc_nop };

static const struct {
	const char *name;
	const u8 *start, *end;
	unsigned int data_pages;
	unsigned int budget_us;
	const r3x_service_fn *services;
	unsigned int nr_services;
} r3x_builtin_desc[] = {
	/*
	 * These end within microseconds: their budget is only a safety net,
	 * wide enough for a loaded (or emulated) host. "spin" is bounded by
	 * its iteration count (at most 10^7 from debugfs); "loop" never ends
	 * and gets the module's default budget.
	 */
	{ "null", r3x_h_null_start, r3x_h_null_end, 0, USEC_PER_SEC },
	{ "sum", r3x_h_sum_start, r3x_h_sum_end, 0, USEC_PER_SEC },
	{ "spin", r3x_h_spin_start, r3x_h_spin_end, 0, 10 * USEC_PER_SEC },
	{ "fault", r3x_h_fault_start, r3x_h_fault_end, 1, USEC_PER_SEC },
	{ "probe", r3x_h_probe_start, r3x_h_probe_end, 1, USEC_PER_SEC },
	{ "loop", r3x_h_loop_start, r3x_h_loop_end, 0, 0, r3x_loop_services,
	  ARRAY_SIZE(r3x_loop_services) },
};

static struct r3x_helper *r3x_builtins[ARRAY_SIZE(r3x_builtin_desc)];
static struct r3x_helper *r3x_sample;

/* The sample's service 1: the sum of its two arguments, computed at CPL0. */
static u64 r3x_sample_add(void *priv, const u64 args[6])
{
	return args[0] + args[1];
}

static const r3x_service_fn r3x_sample_services[] = { r3x_sample_add };

/**
 * r3x_sample_image() - the sample helper's ELF file (for tests)
 * @size: its size
 *
 * Return: the file's bytes, in this module's read-only data.
 */
const u8 *r3x_sample_image(size_t *size)
{
	*size = r3x_sample_elf_end - r3x_sample_elf_start;
	return r3x_sample_elf_start;
}
EXPORT_SYMBOL_IF_KUNIT(r3x_sample_image);

/**
 * r3x_sample_parse() - parse "key=value" lines with the sample helper
 * @h: an instance of the sample helper (registered with call windows)
 * @text: the lines
 * @len: their length
 * @lie: R3X_SAMPLE_LIE_* (tests: how the helper is to misbehave)
 * @recs: the records, one per line, each checked against @text
 * @max: room in @recs
 * @fault: as for r3x_call() (may be NULL)
 *
 * The helper's output is untrusted: its length, its count and every
 * record's key are checked before the caller sees any of it.
 *
 * Return: the number of records, -EINVAL with @fault->error_code = the
 * first bad line, -EPROTO for output that fails the checks (one line in
 * the log), or r3x_call_buf()'s error.
 */
int r3x_sample_parse(struct r3x_helper *h, const char *text, size_t len,
		     unsigned long lie, struct r3x_sample_rec *recs,
		     unsigned int max, struct r3x_fault *fault)
{
	u64 args[6] = { R3X_SAMPLE_PARSE, lie }, res = 0;
	struct r3x_fault none;
	size_t out_len = 0;
	unsigned int i, n;
	int ret;

	if (!fault)
		fault = &none;
	ret = r3x_call_buf(h, args, text, len, recs, max * sizeof(*recs),
			   &out_len, &res, fault);
	if (ret)
		return ret;
	if ((s64)res < 0) {
		memset(fault, 0, sizeof(*fault));
		fault->error_code = -(s64)res;
		return -EINVAL;
	}
	n = out_len / sizeof(*recs);
	if (out_len % sizeof(*recs) || res != n) {
		pr_warn_ratelimited("sample: output rejected: %llu records in %zu bytes\n",
				    res, out_len);
		return -EPROTO;
	}
	for (i = 0; i < n; i++) {
		if (!recs[i].key_len || recs[i].key_off > len ||
		    recs[i].key_len > len - recs[i].key_off) {
			pr_warn_ratelimited("sample: output rejected: record %u: key outside the input\n",
					    i);
			return -EPROTO;
		}
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(r3x_sample_parse);

/**
 * r3x_builtin() - a built-in helper by name
 * @name: "null", "sum", "spin", "fault", "probe", "loop" or "sample"
 *
 * Return: the helper or NULL.
 */
struct r3x_helper *r3x_builtin(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(r3x_builtin_desc); i++)
		if (!strcmp(name, r3x_builtin_desc[i].name))
			return r3x_builtins[i];
	if (!strcmp(name, "sample"))
		return r3x_sample;
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(r3x_builtin);

int r3x_builtin_init(void)
{
	struct r3x_elf_desc sd = {
		.name = "sample",
		.elf_start = r3x_sample_elf_start,
		.elf_end = r3x_sample_elf_end,
		.in_max = R3X_SAMPLE_IN_MAX,
		.out_max = R3X_SAMPLE_OUT_MAX,
		.services = r3x_sample_services,
		.nr_services = ARRAY_SIZE(r3x_sample_services),
		.budget_us = USEC_PER_SEC,
	};
	unsigned int i;

	r3x_sample = r3x_register_elf(&sd);
	if (IS_ERR(r3x_sample)) {
		int ret = PTR_ERR(r3x_sample);

		r3x_sample = NULL;
		return ret;
	}

	for (i = 0; i < ARRAY_SIZE(r3x_builtin_desc); i++) {
		struct r3x_helper_desc d = {
			.name = r3x_builtin_desc[i].name,
			.code_start = r3x_builtin_desc[i].start,
			.code_end = r3x_builtin_desc[i].end,
			.data_pages = r3x_builtin_desc[i].data_pages,
			.stack_pages = 1,
			.budget_us = r3x_builtin_desc[i].budget_us,
			.services = r3x_builtin_desc[i].services,
			.nr_services = r3x_builtin_desc[i].nr_services,
		};
		struct r3x_helper *h = r3x_register(&d);

		if (IS_ERR(h)) {
			r3x_builtin_exit();
			return PTR_ERR(h);
		}
		r3x_builtins[i] = h;
	}
	return 0;
}

void r3x_builtin_exit(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(r3x_builtins); i++) {
		r3x_unregister(r3x_builtins[i]);
		r3x_builtins[i] = NULL;
	}
	r3x_unregister(r3x_sample);
	r3x_sample = NULL;
}

/*
 * debugfs "call": write "<helper> [a0 .. a5]" (numbers in C notation) to
 * run a built-in helper on the current CPU; read back one line with the
 * outcome of the last call made through this open file.
 */
struct r3x_call_file {
	char out[320];
	size_t len;
};

static int call_open(struct inode *inode, struct file *file)
{
	struct r3x_call_file *cf = kzalloc(sizeof(*cf), GFP_KERNEL);

	if (!cf)
		return -ENOMEM;
	file->private_data = cf;
	return nonseekable_open(inode, file);
}

static int call_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

/*
 * Copies a debugfs command of 1..@size-1 bytes from user space into @buf
 * and returns it with surrounding white space stripped, or an ERR_PTR.
 */
static char *r3x_user_cmd(const char *what, char *buf, size_t size,
			  const char __user *ubuf, size_t count)
{
	if (count == 0 || count >= size) {
		pr_warn_ratelimited("%s: command must be 1..%zu bytes\n", what,
				    size - 1);
		return ERR_PTR(-EINVAL);
	}
	if (copy_from_user(buf, ubuf, count))
		return ERR_PTR(-EFAULT);
	buf[count] = '\0';
	return strim(buf);
}

static ssize_t call_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	struct r3x_call_file *cf = file->private_data;
	char buf[200], *p, *tok, at[80];
	struct r3x_helper *h = NULL;
	struct r3x_fault f = {};
	u64 args[6] = {}, res = 0;
	unsigned int n = 0;
	int ret;

	p = r3x_user_cmd("call", buf, sizeof(buf), ubuf, count);
	if (IS_ERR(p))
		return PTR_ERR(p);
	tok = strsep(&p, " \t");
	if (!tok || !*tok) {
		pr_warn_ratelimited("call: no helper name\n");
		return -EINVAL;
	}
	h = r3x_builtin(tok);
	if (!h) {
		pr_warn_ratelimited("call: no built-in helper '%.32s'\n", tok);
		return -ENOENT;
	}
	while ((tok = strsep(&p, " \t"))) {
		if (!*tok)
			continue;
		if (n == ARRAY_SIZE(args)) {
			pr_warn_ratelimited("call: more than 6 arguments\n");
			return -E2BIG;
		}
		if (kstrtou64(tok, 0, &args[n])) {
			pr_warn_ratelimited("call: bad number '%.32s'\n", tok);
			return -EINVAL;
		}
		n++;
	}
	/* "spin" is bounded here: user space must not stall a CPU for long. */
	if (h == r3x_builtin("spin") && args[0] > 10000000) {
		pr_warn_ratelimited("call: spin count above 10000000\n");
		return -ERANGE;
	}
	/* Kernel addresses for the fault helper come from us, not user space. */
	if (h == r3x_builtin("fault") && args[0] >= R3X_FK_KREAD &&
	    args[0] <= R3X_FK_KEXEC)
		args[1] = args[0] == R3X_FK_KEXEC ? (u64)(unsigned long)call_write
						  : (u64)(unsigned long)cf;
	ret = r3x_call(h, args, &res, &f);
	if (ret)
		r3x_fault_symbol(h, f.rip, at, sizeof(at));
	cf->len = scnprintf(cf->out, sizeof(cf->out),
			    "ret=%d result=%#llx vector=%#llx error=%#llx rip=%#llx cr2=%#llx at=%s\n",
			    ret, res, f.vector, f.error_code, f.rip, f.cr2,
			    ret ? at : "-");
	if (ret && ret != -EFAULT)
		return ret;
	return count;
}

static ssize_t call_read(struct file *file, char __user *ubuf, size_t count,
			 loff_t *ppos)
{
	struct r3x_call_file *cf = file->private_data;

	return simple_read_from_buffer(ubuf, count, ppos, cf->out, cf->len);
}

static const struct file_operations call_fops = {
	.owner = THIS_MODULE,
	.open = call_open,
	.release = call_release,
	.read = call_read,
	.write = call_write,
};

/*
 * debugfs "bench": write "null N" (N calls of the null helper) or
 * "umh N PATH" (N call_usermodehelper() runs of PATH, waiting for each);
 * read back the mean nanoseconds of one. "ipi N" and "ipi-kernel N" send N
 * IPIs (smp_call_function_single(), waiting) to another CPU that runs
 * "spin" helper calls back to back, or spins in the kernel with IRQs on;
 * read back the median nanoseconds of one IPI. "loop N" runs N calls of
 * the never-ending "loop" helper, each ended by its budget (-ETIME), and
 * reads back the mean nanoseconds of one and the mean CPU time charged.
 */
static u64 r3x_bench_ns, r3x_loop_used_ns;
static DEFINE_MUTEX(r3x_bench_lock);

#define R3X_IPI_MAX	1000

struct r3x_ipi_target {
	struct completion started, done;
	bool helper, stop;
	int ret;
};

/* The busy CPU: helper calls (or a kernel spin) until told to stop. */
static int r3x_ipi_target_fn(void *arg)
{
	struct r3x_ipi_target *t = arg;
	u64 args[6] = { 1000000 };

	complete(&t->started);
	while (!READ_ONCE(t->stop) && !READ_ONCE(t->ret)) {
		if (t->helper)
			WRITE_ONCE(t->ret, r3x_call(r3x_builtin("spin"), args,
						    NULL, NULL));
		else
			cpu_relax();
	}
	/* Not back into this module's text once the bench may return. */
	kthread_complete_and_exit(&t->done, 0);
}

static void r3x_ipi_noop(void *info)
{
}

static int r3x_ipi_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int r3x_bench_ipi(unsigned long n, bool helper)
{
	struct r3x_ipi_target t = { .helper = helper };
	struct task_struct *task;
	unsigned int cpu;
	unsigned long i;
	u64 *lat, t0;
	int ret = 0;

	if (n > R3X_IPI_MAX) {
		pr_warn_ratelimited("bench: at most %d IPIs\n", R3X_IPI_MAX);
		return -EINVAL;
	}
	lat = kmalloc_array(n, sizeof(*lat), GFP_KERNEL);
	if (!lat)
		return -ENOMEM;
	init_completion(&t.started);
	init_completion(&t.done);
	migrate_disable();
	cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	if (cpu >= nr_cpu_ids) {
		pr_warn_ratelimited("bench: ipi needs two online CPUs\n");
		ret = -ENODEV;
		goto out;
	}
	task = kthread_create_on_cpu(r3x_ipi_target_fn, &t, cpu, "r3x_ipi/%u");
	if (IS_ERR(task)) {
		ret = PTR_ERR(task);
		goto out;
	}
	wake_up_process(task);
	/* The target ends by itself only after a failed call. */
	wait_for_completion(&t.started);
	for (i = 0; i < n && !READ_ONCE(t.ret); i++) {
		t0 = ktime_get_ns();
		ret = smp_call_function_single(cpu, r3x_ipi_noop, NULL, 1);
		lat[i] = ktime_get_ns() - t0;
		if (ret)
			break;
	}
	WRITE_ONCE(t.stop, true);
	/* A "spin" call is bounded by its budget. */
	wait_for_completion(&t.done);
	if (!ret)
		ret = t.ret;
	if (!ret) {
		sort(lat, n, sizeof(*lat), r3x_ipi_cmp, NULL);
		r3x_bench_ns = lat[n / 2];
	}
out:
	migrate_enable();
	kfree(lat);
	return ret;
}

/*
 * @n parses of 1 KiB of "key=value" lines (64 of 16 bytes) by the C
 * sample through its call windows, each output checked.
 */
static int r3x_bench_parse(unsigned long n)
{
	struct r3x_sample_rec *recs;
	unsigned long i;
	char *text;
	int ret = 0;

	text = kmalloc(1024 + 1, GFP_KERNEL);
	recs = kmalloc_array(64, sizeof(*recs), GFP_KERNEL);
	if (!text || !recs) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < 64; i++)
		scnprintf(text + 16 * i, 17, "key%03lu=%08lu\n", i, i * 1000);
	for (i = 0; i < n && ret >= 0; i++) {
		ret = r3x_sample_parse(r3x_sample, text, 1024, R3X_SAMPLE_LIE_NONE,
				       recs, 64, NULL);
		if (ret >= 0 && ret != 64)
			ret = -EPROTO;
		if (!(i & 255))
			cond_resched();
	}
out:
	kfree(recs);
	kfree(text);
	return ret < 0 ? ret : 0;
}

static ssize_t bench_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char buf[160], *p, *kind, *num, *path;
	unsigned long n, i;
	ktime_t t0;
	int ret = 0;

	p = r3x_user_cmd("bench", buf, sizeof(buf), ubuf, count);
	if (IS_ERR(p))
		return PTR_ERR(p);
	kind = strsep(&p, " ");
	num = strsep(&p, " ");
	path = p;
	if (!kind || !num || kstrtoul(num, 0, &n) || n == 0 || n > 1000000) {
		pr_warn_ratelimited("bench: expected \"null N\", \"sample N\", \"sample-buf N\", \"loop N\", \"umh N PATH\", \"ipi N\" or \"ipi-kernel N\", N in 1..1000000\n");
		return -EINVAL;
	}
	mutex_lock(&r3x_bench_lock);
	r3x_loop_used_ns = 0;
	if ((!strcmp(kind, "ipi") || !strcmp(kind, "ipi-kernel")) && !path) {
		ret = r3x_bench_ipi(n, !strcmp(kind, "ipi"));
		mutex_unlock(&r3x_bench_lock);
		return ret ? ret : count;
	}
	t0 = ktime_get();
	if (!strcmp(kind, "null") && !path) {
		struct r3x_helper *h = r3x_builtin("null");

		for (i = 0; i < n && !ret; i++) {
			ret = r3x_call(h, NULL, NULL, NULL);
			if (!(i & 1023))
				cond_resched();
		}
	} else if (!strcmp(kind, "sample") && !path) {
		u64 args[6] = { R3X_SAMPLE_SUM, 1, 2, 3, 4, 5 };

		for (i = 0; i < n && !ret; i++) {
			ret = r3x_call(r3x_sample, args, NULL, NULL);
			if (!(i & 1023))
				cond_resched();
		}
	} else if (!strcmp(kind, "sample-buf") && !path && n <= 100000) {
		ret = r3x_bench_parse(n);
	} else if (!strcmp(kind, "loop") && !path && n <= 100) {
		struct r3x_helper *h = r3x_builtin("loop");
		u64 args[6] = { R3X_LOOP_JMP }, used = 0;
		struct r3x_fault f = {};

		for (i = 0; i < n && !ret; i++) {
			ret = r3x_call(h, args, NULL, &f);
			ret = ret == -ETIME ? 0 : ret ?: -EPROTO;
			used += f.used_ns;
			cond_resched();
		}
		if (!ret)
			r3x_loop_used_ns = div_u64(used, n);
	} else if (!strcmp(kind, "umh") && path && *path == '/' && n <= 1000) {
		char env0[] = "PATH=/sbin:/bin:/usr/bin";
		char *argv[2], *envp[2];

		argv[0] = path;
		argv[1] = NULL;
		envp[0] = env0;
		envp[1] = NULL;
		for (i = 0; i < n && !ret; i++)
			ret = call_usermodehelper(path, argv, envp, UMH_WAIT_PROC);
		if (ret > 0)
			ret = -ECHILD;
	} else {
		pr_warn_ratelimited("bench: bad command '%.16s'\n", kind);
		ret = -EINVAL;
	}
	if (!ret)
		r3x_bench_ns = div_u64(ktime_to_ns(ktime_sub(ktime_get(), t0)), n);
	mutex_unlock(&r3x_bench_lock);
	return ret ? ret : count;
}

static ssize_t bench_read(struct file *file, char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	char out[48];
	int len;

	mutex_lock(&r3x_bench_lock);
	len = r3x_loop_used_ns ?
	      scnprintf(out, sizeof(out), "%llu %llu\n", r3x_bench_ns,
			r3x_loop_used_ns) :
	      scnprintf(out, sizeof(out), "%llu\n", r3x_bench_ns);
	mutex_unlock(&r3x_bench_lock);

	return simple_read_from_buffer(ubuf, count, ppos, out, len);
}

static const struct file_operations bench_fops = {
	.owner = THIS_MODULE,
	.read = bench_read,
	.write = bench_write,
};

/*
 * debugfs "sample": write "key=value" lines (value decimal, at most
 * R3X_SAMPLE_IN_MAX bytes) to have the C sample helper parse them at
 * CPL3; read back what the kernel accepted of its output, one line per
 * record and "records: N".
 */
struct r3x_sample_file {
	struct mutex lock;	/* out, len: a write's result, for reads */
	char *out;
	size_t len;
};

static int sample_open(struct inode *inode, struct file *file)
{
	struct r3x_sample_file *sf = kzalloc(sizeof(*sf), GFP_KERNEL);

	if (!sf)
		return -ENOMEM;
	mutex_init(&sf->lock);
	file->private_data = sf;
	return nonseekable_open(inode, file);
}

static int sample_release(struct inode *inode, struct file *file)
{
	struct r3x_sample_file *sf = file->private_data;

	kvfree(sf->out);
	kfree(sf);
	return 0;
}

static ssize_t sample_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct r3x_sample_file *sf = file->private_data;
	const unsigned int max = R3X_SAMPLE_OUT_MAX / sizeof(struct r3x_sample_rec);
	struct r3x_sample_rec *recs = NULL;
	struct r3x_fault f = {};
	size_t size, len = 0;
	char *text, *out = NULL;
	int n, i;

	if (!count || count > R3X_SAMPLE_IN_MAX) {
		pr_warn_ratelimited("sample: input must be 1..%u bytes\n",
				    R3X_SAMPLE_IN_MAX);
		return -EINVAL;
	}
	text = vmemdup_user(ubuf, count);
	if (IS_ERR(text))
		return PTR_ERR(text);
	recs = kvmalloc_array(max, sizeof(*recs), GFP_KERNEL);
	/* "key=value\n" for a key of up to count bytes, values of 20 digits */
	size = count + max * 22 + 32;
	out = kvmalloc(size, GFP_KERNEL);
	if (!recs || !out) {
		n = -ENOMEM;
		goto out;
	}
	n = r3x_sample_parse(r3x_sample, text, count, R3X_SAMPLE_LIE_NONE, recs,
			     max, &f);
	if (n == -EINVAL)
		pr_info_ratelimited("sample: line %llu is not key=value\n",
				    f.error_code);
	if (n < 0)
		goto out;
	for (i = 0; i < n; i++) {
		/* a key may be longer than a printf precision takes */
		size_t k = min_t(size_t, recs[i].key_len, size - len - 1);

		memcpy(out + len, text + recs[i].key_off, k);
		len += k;
		len += scnprintf(out + len, size - len, "=%llu\n", recs[i].value);
	}
	len += scnprintf(out + len, size - len, "records: %d\n", n);
	mutex_lock(&sf->lock);
	swap(sf->out, out);
	sf->len = len;
	mutex_unlock(&sf->lock);
out:
	kvfree(out);
	kvfree(recs);
	kvfree(text);
	return n < 0 ? n : count;
}

static ssize_t sample_read(struct file *file, char __user *ubuf, size_t count,
			   loff_t *ppos)
{
	struct r3x_sample_file *sf = file->private_data;
	ssize_t ret;

	mutex_lock(&sf->lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, sf->out, sf->len);
	mutex_unlock(&sf->lock);
	return ret;
}

static const struct file_operations sample_fops = {
	.owner = THIS_MODULE,
	.open = sample_open,
	.release = sample_release,
	.read = sample_read,
	.write = sample_write,
};

void r3x_builtin_debugfs(struct dentry *dir)
{
	debugfs_create_file("sample", 0600, dir, NULL, &sample_fops);
	debugfs_create_file("call", 0600, dir, NULL, &call_fops);
	debugfs_create_file("bench", 0600, dir, NULL, &bench_fops);
}
