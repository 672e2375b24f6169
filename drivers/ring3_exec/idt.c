// SPDX-License-Identifier: GPL-2.0
/*
 * ring3_exec's IDT, loaded only while a helper runs. Every vector has a
 * stub (entry.S): at CPL3 it ends or pauses the helper, at CPL0 it jumps to
 * the kernel's own gate. #DF keeps the kernel's gate; NMI, #DB and #MC keep
 * the kernel's IST stacks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <asm/desc.h>
#include <asm/trapnr.h>
#include <hvsec/ring3_exec.h>
#include "r3x.h"

struct desc_ptr r3x_idt_desc;
/*
 * The kernel's gate of each vector, for the stubs' CPL0 path, and our IDT:
 * each in a page of its own, since with PTI the helper's page table maps
 * them (read-only) and nothing else of this module's data.
 */
unsigned long r3x_kernel_gates[256] __aligned(PAGE_SIZE);
gate_desc r3x_idt_page[IDT_ENTRIES] __aligned(PAGE_SIZE);
static gate_desc *r3x_idt = r3x_idt_page;

int r3x_idt_init(void)
{
	struct desc_ptr kdesc;
	const gate_desc *k;
	unsigned int v;

	store_idt(&kdesc);
	k = (const gate_desc *)kdesc.address;
	for (v = 0; v < IDT_ENTRIES; v++) {
		unsigned long a = r3x_stub_table[v];
		gate_desc *g = &r3x_idt[v];

		if (v == X86_TRAP_DF) {
			*g = k[v];
			continue;
		}
		/*
		 * A vector the kernel leaves empty stays empty; R3X_NP_VECTOR
		 * is a DPL3 gate that is not present, so that INT n on it
		 * raises #NP (an external interrupt on it is told apart by
		 * the EXT bit of the error code).
		 */
		if (!k[v].bits.p || v == R3X_NP_VECTOR) {
			if (v == R3X_NP_VECTOR) {
				g->bits.type = GATE_INTERRUPT;
				g->bits.dpl = 3;
				r3x_kernel_gates[v] = k[v].bits.p ? gate_offset(&k[v]) : 0;
			}
			continue;
		}
		r3x_kernel_gates[v] = gate_offset(&k[v]);
		g->offset_low = (u16)a;
		g->offset_middle = (u16)(a >> 16);
		g->offset_high = (u32)(a >> 32);
		g->segment = __KERNEL_CS;
		g->bits.ist = k[v].bits.ist;	/* NMI, #DB, #MC: IST stacks */
		g->bits.type = GATE_INTERRUPT;
		/* #BP and #OF stay DPL3; INT n on any other vector is #GP. */
		g->bits.dpl = v < 32 ? k[v].bits.dpl : 0;
		g->bits.p = 1;
	}
	r3x_idt_desc.address = (unsigned long)r3x_idt;
	r3x_idt_desc.size = IDT_ENTRIES * sizeof(gate_desc) - 1;
	return 0;
}
