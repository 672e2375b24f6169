/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ring3_exec internals shared by its C files and entry.S.
 */
#ifndef _R3X_INTERNAL_H
#define _R3X_INTERNAL_H

/* Offsets in struct r3x_cpu (checked by static_assert in call.c). */
#define R3X_KSP		0
#define R3X_KRBX	8
#define R3X_KRBP	16
#define R3X_KR12	24
#define R3X_KR13	32
#define R3X_KR14	40
#define R3X_KR15	48
#define R3X_SCRATCH	56
#define R3X_REGS	64
#define R3X_VEC		72
#define R3X_ERR		80
#define R3X_CS		88
#define R3X_CR2		96
#define R3X_UCR3	104

/* PTI: CR3 bits of the user half of a PGD pair (and its PCID). */
#define R3X_CR3_USER_BITS	0x1800

/* Offsets in struct r3x_gprs: the helper's registers. */
#define R3X_G_RAX	0
#define R3X_G_RBX	8
#define R3X_G_RCX	16
#define R3X_G_RDX	24
#define R3X_G_RSI	32
#define R3X_G_RDI	40
#define R3X_G_RBP	48
#define R3X_G_R8	56
#define R3X_G_R9	64
#define R3X_G_R10	72
#define R3X_G_R11	80
#define R3X_G_R12	88
#define R3X_G_R13	96
#define R3X_G_R14	104
#define R3X_G_R15	112
#define R3X_G_RIP	120
#define R3X_G_RFLAGS	128
#define R3X_G_RSP	136
#define R3X_G_CS	144	/* resume in this code segment (IRET) */
#define R3X_G_SIZE	152

/* How r3x_enter_asm() enters the helper. */
#define R3X_ENTER_SYSRET	0	/* first entry: RIP, RFLAGS, RSP, args */
#define R3X_ENTER_IRET		1	/* resume: every register */

/* r3x_enter_asm() results; r3x_syscall_c() returns 0 to resume. */
#define R3X_EXIT_NORMAL	1
#define R3X_EXIT_EVENT	2	/* exception, interrupt, NMI: see R3X_VEC */
#define R3X_EXIT_FAULT	3	/* a fault decided by r3x_syscall_c() */

#ifndef __ASSEMBLY__
#include <linux/types.h>
#include <linux/kref.h>
#include <linux/percpu-defs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <hvsec/ring3_exec.h>

struct dentry;
struct seq_file;

struct r3x_gprs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rip, rflags, rsp;
	u64 cs;		/* __USER_CS or __USER32_CS */
};

/* Per CPU: where a way out of CPL3 finds the caller, and what it saw. */
struct r3x_cpu {
	u64 ksp;
	u64 kregs[6];
	u64 scratch;
	struct r3x_gprs *regs;		/* of the call running here */
	u64 vec, err, cs, cr2;
	u64 ucr3;			/* PTI: the CR3 the helper runs on */
	/* C only */
	struct r3x_run *run;
	struct r3x_helper *helper;	/* read remotely under RCU (watchdog) */
	u64 deadline;			/* local_clock() ns; read by the watchdog */
	bool kick;			/* an NMI of ours is on its way */
	bool irq_leak;			/* a service let interrupts in */
	bool active;
	struct r3x_helper *last;	/* for the IBPB between helpers */
};

/* A symbol of a helper's image, for fault reports. */
struct r3x_sym {
	u64 addr, size;
	u32 name;			/* offset in r3x_image.strtab */
};

/*
 * What the instances of a helper share: the code and read-only data
 * (mapped by every instance), the initial data, the sizes of the
 * per-instance pages and the owner's services. Freed with its last
 * instance.
 */
struct r3x_image {
	struct kref ref;
	char name[32];
	void *text;			/* vmalloc: R3X_UVA_CODE */
	void *rodata;			/* vmalloc: R3X_UVA_RODATA */
	void *data_init;		/* vmalloc: data_pages of initial data */
	unsigned int text_pages, ro_pages, data_pages, stack_pages;
	unsigned int in_pages, out_pages;
	size_t in_max, out_max;
	u64 entry;
	unsigned int flags;		/* R3X_F_* */
	u64 budget_ns;
	const r3x_service_fn *services;
	unsigned int nr_services;
	void *priv;
	struct r3x_sym *syms;		/* sorted by address */
	unsigned int nr_syms;
	char *strtab;
	atomic_t next_id;
	struct dentry *dir;		/* debugfs helper/<name>/ */
};

/* The window offsets of struct r3x_info (the helper's view, r3x_layout.h). */
struct r3x_info {
	u64 in_len, out_size, instance, calls;
};

/* An instance's counters, per CPU. */
struct r3x_istats {
	u64 calls, faults, timeouts, ns;
};

/*
 * An instance: what a call runs. Its own data, stack, info and call
 * windows, and the address space that maps them with the image.
 */
struct r3x_helper {
	struct list_head node;
	struct r3x_image *img;
	char name[32];			/* the image's */
	unsigned int id;
	void *data;			/* vmalloc, data_pages */
	void *stack;			/* vmalloc, stack_pages */
	void *info;			/* one page: struct r3x_info */
	void *in;			/* vmalloc, in_pages */
	void *out;			/* vmalloc, out_pages */
	u64 *io_pt;			/* PTE table of the in and out windows */
	unsigned int io_in_pages;	/* of them mapped now (r3x_map_io()) */
	unsigned int io_out_pages;
	unsigned long pgd;		/* order-1 PGD pair */
	unsigned long tables[32];	/* private page-table pages */
	unsigned int nr_tables;
	u64 cr3;
	u64 budget_ns;
	void *fpu;			/* XSAVE image of a yielded call */
	const r3x_service_fn *services;
	unsigned int nr_services;
	void *priv;
	bool dead;
	/*
	 * An instance has one stack and one data area: one call at a time
	 * owns it (busy). The owner may yield its CPU (yielded) between
	 * slices. users counts the calls between their entry and their last
	 * access to the instance; r3x_unregister() waits for it to drop to 0.
	 */
	atomic_t busy;
	atomic_t users;
	bool yielded;
	unsigned int owner_cpu;
	u64 calls;			/* written by the owning call */
	struct r3x_istats __percpu *stats;
	struct dentry *file;		/* debugfs helper/<name>/<id> */
};

/* One call, on the caller's stack. */
struct r3x_run {
	struct r3x_gprs regs;
	struct r3x_helper *h;
	u64 budget_ns;			/* CPU time the helper may use */
	u64 used_ns;			/* used in the slices that ended */
	u64 slice_start;		/* local_clock() at entry; 0 between slices */
	u64 result;
	unsigned long nservices;
	struct r3x_fault fault;
	u64 out_len;			/* RSI at exit */
	int mode;			/* R3X_ENTER_* */
	int end;			/* 0 while running, else the call's result */
	bool irqs_on;
};

long r3x_enter_asm(int mode);
long r3x_syscall_c(struct r3x_gprs *regs);
void r3x_handover_irq(unsigned long entry, unsigned long rflags);
void r3x_write_ibpb(void);
extern const unsigned long r3x_stub_table[256];
void r3x_syscall_entry(void);
void r3x_cstar_entry(void);
DECLARE_PER_CPU(struct r3x_cpu, r3x_cpu);
DECLARE_PER_CPU(struct r3x_stats, r3x_stats);

/* idt.c */
extern struct desc_ptr r3x_idt_desc;
extern unsigned long r3x_kernel_gates[256];
extern struct gate_struct r3x_idt_page[256];
int r3x_idt_init(void);

/* entry.S: the transition code the helper's PTI page table maps */
extern const char r3x_entry_start[], r3x_entry_end[];

/* mm.c */
int r3x_mm_init(void);
int r3x_build_mm(struct r3x_helper *h);
void r3x_free_mm(struct r3x_helper *h);
void r3x_map_io(struct r3x_helper *h, unsigned int in_pages,
		unsigned int out_pages);

/* elf.c */
int r3x_elf_load(struct r3x_image *img, const u8 *elf, size_t size);
const char *r3x_image_sym(const struct r3x_image *img, u64 addr, u64 *off,
			  u64 *size);

/* call.c */
int r3x_call_init(void);
void r3x_call_exit(void);
void r3x_kill_calls(struct r3x_helper *h);
void *r3x_fpu_alloc(void);

/* main.c */
extern struct list_head r3x_helpers;
extern struct mutex r3x_lock;

/* debugfs.c */
void r3x_debugfs_early(void);
void r3x_debugfs_init(void);
void r3x_debugfs_exit(void);
void r3x_note_fault(const struct r3x_helper *h, const struct r3x_fault *f);
void r3x_debugfs_add(struct r3x_helper *h);
void r3x_debugfs_del(struct r3x_helper *h);
void r3x_debugfs_image_del(struct r3x_image *img);

/* builtin.c */
int r3x_builtin_init(void);
void r3x_builtin_exit(void);
void r3x_builtin_debugfs(struct dentry *dir);
#endif

#endif /* _R3X_INTERNAL_H */
