# SPDX-License-Identifier: GPL-2.0
#
# ring3_exec: build helpers written in C from a Kbuild file. A helper is
# compiled for user mode with flags of its own -- none of the kernel's
# (no -mcmodel=kernel, %gs stack protector, retpoline thunks, fentry or
# CET notes) -- and linked by r3x.lds.S at the fixed helper addresses
# with the startup code (start.S) and the memory functions (lib.c):
#
#   R3X_DIR := $(src)/<path to drivers/ring3_exec/helper>
#   include $(R3X_DIR)/r3x-helper.mk
#   $(obj)/foo.r3x: $(obj)/foo.r3x.o $(r3x-runtime) FORCE
#   	$(call if_changed,r3x_ld)
#   targets += foo.r3x foo.r3x.o
#   # embed it: R3X_EMBED_HELPER(foo_elf, "<path from $(obj)>/foo.r3x")
#   # in owner.c (a path no kernel tree has at its top), and
#   $(obj)/owner.o: $(obj)/foo.r3x
#   CFLAGS_owner.o += -Wa,-I$(obj)
#
# foo.r3x.o is built from foo.c (or foo.S) in $(src).

R3X_INCLUDE := $(R3X_DIR)/../../../include
R3X_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Wno-unused-parameter \
	-nostdinc -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns \
	-fno-pic -fno-pie -mcmodel=small -mno-red-zone \
	-fno-stack-protector -fcf-protection=none -fno-common \
	-fno-asynchronous-unwind-tables -fno-unwind-tables \
	-I$(R3X_INCLUDE) -I$(R3X_DIR)
R3X_LDFLAGS := -static -nostdlib --no-dynamic-linker --build-id=none \
	-z noexecstack -z max-page-size=4096 -z norelro --orphan-handling=error

r3x-runtime := $(obj)/r3x_start.r3x.o $(obj)/r3x_lib.r3x.o $(obj)/r3x.lds
targets += r3x_start.r3x.o r3x_lib.r3x.o r3x.lds

quiet_cmd_r3x_cc = R3XCC   $@
      cmd_r3x_cc = $(CC) -Wp,-MMD,$(depfile) $(R3X_CFLAGS) -c -o $@ $<
quiet_cmd_r3x_lds = R3XLDS  $@
      cmd_r3x_lds = $(CPP) -Wp,-MMD,$(depfile) -P -undef -D__ASSEMBLY__ \
		-I$(R3X_INCLUDE) -o $@ $<
quiet_cmd_r3x_ld = R3XLD   $@
      cmd_r3x_ld = $(LD) $(R3X_LDFLAGS) -T $(obj)/r3x.lds -o $@ \
		$(filter %.r3x.o,$^)

$(obj)/%.r3x.o: $(src)/%.c FORCE
	$(call if_changed_dep,r3x_cc)
$(obj)/%.r3x.o: $(src)/%.S FORCE
	$(call if_changed_dep,r3x_cc)
$(obj)/r3x_start.r3x.o: $(R3X_DIR)/start.S FORCE
	$(call if_changed_dep,r3x_cc)
$(obj)/r3x_lib.r3x.o: $(R3X_DIR)/lib.c FORCE
	$(call if_changed_dep,r3x_cc)
$(obj)/r3x.lds: $(R3X_DIR)/r3x.lds.S FORCE
	$(call if_changed_dep,r3x_lds)
