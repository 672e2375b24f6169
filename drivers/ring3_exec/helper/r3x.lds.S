/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ring3_exec: the linker script of a helper written in C. Code, read-only
 * data and data+bss go to their windows (include/hvsec/r3x_layout.h), each
 * as one PT_LOAD segment with its own permissions; nothing else is loaded.
 */
#include <hvsec/r3x_layout.h>

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(_start)

PHDRS
{
	text PT_LOAD FLAGS(5);		/* R X */
	rodata PT_LOAD FLAGS(4);	/* R */
	data PT_LOAD FLAGS(6);		/* R W */
}

SECTIONS
{
	. = R3X_UVA_CODE;
	.text : {
		*(.text.r3x_start)
		*(.text .text.*)
	} :text
	ASSERT(. <= R3X_UVA_CODE + R3X_WINDOW_SIZE, "helper code above 1 MiB")

	. = R3X_UVA_RODATA;
	.rodata : {
		*(.rodata .rodata.*)
	} :rodata
	ASSERT(. <= R3X_UVA_RODATA + R3X_WINDOW_SIZE, "helper rodata above 1 MiB")

	. = R3X_UVA_DATA;
	.data : {
		*(.data .data.*)
	} :data
	.bss : {
		*(.bss .bss.*)
		*(COMMON)
	} :data
	ASSERT(. <= R3X_UVA_DATA + R3X_WINDOW_SIZE, "helper data above 1 MiB")

	/*
	 * What the linker makes for dynamic linking and PIC: must stay empty
	 * (the module refuses relocations; build helpers with -fno-pic).
	 */
	.got : { *(.got) *(.igot) }
	.got.plt : { *(.got.plt) *(.igot.plt) }
	.plt : { *(.plt) *(.iplt) }
	.rela.dyn : { *(.rela.*) }
	ASSERT(SIZEOF(.got) == 0 && SIZEOF(.got.plt) == 0 && SIZEOF(.plt) == 0 &&
	       SIZEOF(.rela.dyn) == 0, "helper needs a GOT, PLT or relocations")

	/* Not loaded; named so that no linker calls them orphans. */
	.symtab 0 : { *(.symtab) }
	.strtab 0 : { *(.strtab) }
	.shstrtab 0 : { *(.shstrtab) }

	/DISCARD/ : {
		*(.eh_frame*)
		*(.note*)
		*(.comment)
	}
}
