/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ring3_exec: run a registered helper at CPL3 from kernel context.
 * In-kernel API.
 *
 * A helper is either a freestanding C program linked by the project's
 * linker script and embedded into its owner module as an ELF image
 * (r3x_register_elf(); see Documentation/ring3_exec.rst, "Writing a
 * helper", and include/hvsec/r3x_helper.h for the helper's side), or
 * position-independent machine code in the R3X_HELPER_SECTION section
 * (R3X_DEFINE_HELPER(), r3x_register()). Its image is copied into private
 * pages at registration; each instance of it (r3x_instance_new()) has its
 * own data, stack and call windows. A call runs the helper at CPL3 with
 * IRQs off under the instance's own address space, whose user half maps
 * only these pages at the addresses of include/hvsec/r3x_layout.h.
 *
 * Helper ABI: on entry RDI, RSI, RDX, R10, R8, R9 hold the six arguments,
 * RIP is the image's entry (R3X_UVA_CODE for machine code), RSP is
 * R3X_UVA_STACK_TOP, RCX/R11 are what SYSRET used, every other register is
 * zero, the FS and GS bases are zero and the x87/SSE/AVX state is the init
 * state. It leaves with SYSCALL: RAX = R3X_SVC_EXIT, RDI = result and RSI =
 * the bytes written at R3X_UVA_OUT (r3x_call_buf() only) end the call;
 * RAX = n (1 <= n <= nr_services) runs the owner's service n with RDI, RSI,
 * RDX, R10, R8, R9 as arguments and returns to the helper with the
 * service's value in RAX (RCX and R11 clobbered, every other register
 * preserved). Anything else (exception, INT n, privileged instruction,
 * unknown service) ends the call with -EFAULT and a struct r3x_fault.
 * Interrupts may pause the helper at any point (it resumes with every
 * register intact); a call that outlives its budget ends with -ETIME.
 */
#ifndef _HVSEC_RING3_EXEC_H
#define _HVSEC_RING3_EXEC_H

#include <hvsec/r3x_layout.h>

/* Each window holds at most 1 MiB; pages are allocated as an image needs. */
#define R3X_MAX_CODE_PAGES	(R3X_WINDOW_SIZE / 4096)
#define R3X_MAX_DATA_PAGES	(R3X_WINDOW_SIZE / 4096)
#define R3X_MAX_STACK_PAGES	(R3X_WINDOW_SIZE / 4096)
#define R3X_MAX_IO_SIZE		R3X_WINDOW_SIZE
/* IDT vector whose gate is DPL3 and not present: INT n on it raises #NP. */
#define R3X_NP_VECTOR		0x7e

/* Faults that are not CPU exception vectors. */
#define R3X_VEC_BAD_SERVICE	0x100	/* SYSCALL with an unknown RAX */
#define R3X_VEC_COMPAT_SYSCALL	0x101	/* SYSCALL from a 32-bit segment */
#define R3X_VEC_BAD_RETURN	0x102	/* non-canonical return RIP */
#define R3X_VEC_SERVICE_BUDGET	0x103	/* too many service calls */
#define R3X_VEC_TIMEOUT		0x104	/* budget spent (-ETIME) */
#define R3X_VEC_UNREGISTERED	0x105	/* helper unregistered (-ENOENT) */
#define R3X_VEC_SERVICE_IRQ	0x106	/* a service enabled interrupts */
#define R3X_VEC_BAD_OUTPUT	0x107	/* output length above the window */

#ifndef __ASSEMBLY__

#include <linux/types.h>

#define R3X_HELPER_SECTION	".r3x_helpers"

/*
 * R3X_DEFINE_HELPER(name, "asm text") emits the helper's machine code into
 * R3X_HELPER_SECTION (read-only data: never executed at CPL0) between the
 * symbols name##_start and name##_end.
 */
#define R3X_DEFINE_HELPER(name, text)					\
	asm(".pushsection " R3X_HELPER_SECTION ", \"a\"\n"		\
	    ".balign 16\n"						\
	    #name "_start:\n"						\
	    text "\n"							\
	    #name "_end:\n"						\
	    ".popsection\n");						\
	extern const u8 name##_start[], name##_end[]

/* What a contained fault looked like. */
struct r3x_fault {
	u64 vector;
	u64 error_code;
	u64 rip;
	u64 cr2;
	u64 rsp;
	u64 rflags;
	u64 cs;
	u64 used_ns;	/* CPU time charged against the budget */
};

struct r3x_helper;

/*
 * A service: runs at CPL0 with IRQs off, on the caller's stack; it must not
 * sleep, enable interrupts (the call then ends with R3X_VEC_SERVICE_IRQ) or
 * use the FPU.
 */
typedef u64 (*r3x_service_fn)(void *priv, const u64 args[6]);

struct r3x_helper_desc {
	const char *name;
	const u8 *code_start;		/* in R3X_HELPER_SECTION */
	const u8 *code_end;
	unsigned int data_pages;	/* 0..R3X_MAX_DATA_PAGES */
	unsigned int stack_pages;	/* 1..R3X_MAX_STACK_PAGES */
	const r3x_service_fn *services;	/* service n is services[n - 1] */
	unsigned int nr_services;
	void *priv;			/* passed to the services */
	unsigned int budget_us;		/* per call; 0: module parameter budget_us */
};

/*
 * Flags of struct r3x_elf_desc. R3X_F_RESET_DATA: each call starts from
 * the image's data and a zeroed stack.
 */
#define R3X_F_RESET_DATA	0x1

/*
 * A helper in C: an ELF image linked by drivers/ring3_exec/helper/r3x.lds.S
 * and embedded into the owner module (R3X_EMBED_HELPER()).
 */
struct r3x_elf_desc {
	const char *name;
	const u8 *elf_start;		/* the ELF file, as built */
	const u8 *elf_end;
	unsigned int stack_pages;	/* 1..R3X_MAX_STACK_PAGES; 0: 4 */
	unsigned int in_max;		/* bytes of r3x_call_buf() input, 0..1 MiB */
	unsigned int out_max;		/* bytes of r3x_call_buf() output, 0..1 MiB */
	unsigned int flags;		/* R3X_F_* */
	const r3x_service_fn *services;	/* service n is services[n - 1] */
	unsigned int nr_services;
	void *priv;			/* passed to the services */
	unsigned int budget_us;		/* per call; 0: module parameter budget_us */
};

/*
 * R3X_EMBED_HELPER(name, "file") puts a helper's ELF file (built by the
 * owner's Kbuild, see r3x-helper.mk) into the owner module's read-only data
 * between name##_start and name##_end. The file is looked up in the
 * assembler's include path (CFLAGS of the embedding object: -Wa,-I$(obj)),
 * after the current directory, which may be the kernel tree's top: name
 * it by a path relative to $(obj) that no kernel tree has, such as
 * "helper/foo.r3x".
 */
#define R3X_EMBED_HELPER(name, file)					\
	asm(".pushsection .rodata." #name ", \"a\"\n"			\
	    ".balign 16\n"						\
	    #name "_start:\n"						\
	    ".incbin \"" file "\"\n"					\
	    #name "_end:\n"						\
	    ".popsection\n");						\
	extern const u8 name##_start[], name##_end[]

struct r3x_helper *r3x_register(const struct r3x_helper_desc *desc);
struct r3x_helper *r3x_register_elf(const struct r3x_elf_desc *desc);
struct r3x_helper *r3x_instance_new(struct r3x_helper *h);
unsigned int r3x_instance_id(const struct r3x_helper *h);
void r3x_unregister(struct r3x_helper *h);
int r3x_call(struct r3x_helper *h, const u64 args[6], u64 *result,
	     struct r3x_fault *fault);
int r3x_call_buf(struct r3x_helper *h, const u64 args[6], const void *in,
		 size_t in_len, void *out, size_t out_size, size_t *out_len,
		 u64 *result, struct r3x_fault *fault);
void *r3x_helper_data(struct r3x_helper *h);
int r3x_fault_symbol(const struct r3x_helper *h, u64 rip, char *buf,
		     size_t size);

/* The SYSCALL MSRs that a ring 3 call swaps and must restore exactly. */
struct r3x_syscall_msrs {
	u64 lstar;
	u64 star;
	u64 sfmask;
};

void r3x_msrs_save(struct r3x_syscall_msrs *m);
void r3x_msrs_load(const struct r3x_syscall_msrs *m);
int r3x_cpu_supported(void);

/* Test hooks (EXPORT_SYMBOL_IF_KUNIT). */
struct r3x_helper *r3x_builtin(const char *name);
struct r3x_sample_rec;
const u8 *r3x_sample_image(size_t *size);
int r3x_sample_parse(struct r3x_helper *h, const char *text, size_t len,
		     unsigned long lie, struct r3x_sample_rec *recs,
		     unsigned int max, struct r3x_fault *fault);
void r3x_get_counters(u64 *calls, u64 *faults, u64 *msr_mismatch);

/* Counters of the whole module (per CPU, summed by r3x_stats_sum()). */
struct r3x_stats {
	u64 calls, faults, timeouts, killed, slices, irqs, nmis, mces;
	u64 yields, kicks, msr_checks, msr_mismatch;
};

void r3x_stats_sum(struct r3x_stats *sum);
u64 r3x_lookup(struct r3x_helper *h, unsigned long va, bool user_table);

/* Kinds understood by the built-in "fault" helper (argument 0). */
#define R3X_FK_UD		0
#define R3X_FK_PF_NULL	1
#define R3X_FK_GP_NONCANON	2
#define R3X_FK_DE		3
#define R3X_FK_BP		4
#define R3X_FK_OF		5
#define R3X_FK_AC		6
#define R3X_FK_SS		7
#define R3X_FK_NP		8
#define R3X_FK_MF		9
#define R3X_FK_XM		10
#define R3X_FK_INT80	11
#define R3X_FK_CLI		12
#define R3X_FK_HLT		13
#define R3X_FK_WRMSR	14
#define R3X_FK_MOVCR	15
#define R3X_FK_SWAPGS	16
#define R3X_FK_BADSVC	17
#define R3X_FK_WRITE_CODE	18
#define R3X_FK_EXEC_DATA	19
#define R3X_FK_ICEBP	20
#define R3X_FK_KREAD	21
#define R3X_FK_KWRITE	22
#define R3X_FK_KEXEC	23
#define R3X_FK_COMPAT	24	/* SYSCALL in 32-bit code after arg1 loops */
#define R3X_FK_OUTB	25	/* outb to port 0x80 */
#define R3X_FK_LDT	26	/* load selector 0x7 (LDT entry 0) into DS */
#define R3X_FK_AMX	27	/* TILERELEASE: #NM (XFD armed) or #UD (no AMX) */
#define R3X_FK_NR	28

/* What the built-in "probe" helper returns (argument 0). */
#define R3X_PR_RSP	0	/* RSP at entry */
#define R3X_PR_FSBASE	1
#define R3X_PR_GSBASE	2
#define R3X_PR_XMM0	3	/* low 64 bits */
#define R3X_PR_YMM0_HI	4	/* bits 128..191 of YMM0 (AVX) */
#define R3X_PR_MXCSR	5
#define R3X_PR_FCW	6
#define R3X_PR_DATA_WRITE 7	/* writes arg1 to R3X_UVA_DATA, returns it */
#define R3X_PR_DIRTY	8	/* leaves XMM0/YMM0/MXCSR dirty, returns 0 */

/* What the built-in "loop" helper does forever (argument 0). */
#define R3X_LOOP_JMP	0	/* 1: jmp 1b */
#define R3X_LOOP_PAUSE	1	/* pause in a loop */
#define R3X_LOOP_SERVICE 2	/* calls service 1 in a loop */
/* Result of the "fault" helper when the instruction did not fault. */
#define R3X_NO_FAULT		0xdead

#endif /* __ASSEMBLY__ */
#endif /* _HVSEC_RING3_EXEC_H */
