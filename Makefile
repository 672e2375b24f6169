# SPDX-License-Identifier: GPL-2.0
#
# hvsec: out-of-tree hardening modules for Linux/KVM hosts.
# `make` builds the modules against KDIR; `make check` runs every test; see
# README.md for the other targets.

HVSEC_VERSION := $(shell cat $(CURDIR)/VERSION 2>/dev/null)
HOST_KDIR := /lib/modules/$(shell uname -r)/build
ifeq ($(origin KDIR),undefined)
  ifneq ($(wildcard $(HOST_KDIR)/Makefile),)
    KDIR := $(HOST_KDIR)
  else
    KDIR = $(shell $(CURDIR)/scripts/build-kernel.sh)
  endif
endif

# The test kernel's tree, for the test host and lint (never the host's).
TEST_KDIR = $(shell $(CURDIR)/scripts/build-kernel.sh)

KBUILD_OPTS := $(if $(W),W=$(W)) $(if $(C),C=$(C))

.PHONY: all modules tools selftests check lint vm vm-run demo bench clean \
	install uninstall help

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(KBUILD_OPTS) modules

tools selftests:
	$(MAKE) -C $@ KSRC=$$($(CURDIR)/scripts/build-kernel.sh)/source

check:
	scripts/check.sh

lint:
	scripts/lint.sh

vm:
	scripts/testhost.sh $(if $(APPEND),--append "$(APPEND)")

vm-run:
	@test -n "$(SCRIPT)" || { echo "usage: make vm-run SCRIPT=path/to/script.sh" >&2; exit 2; }
	scripts/vm-run.sh $(if $(APPEND),--append "$(APPEND)") "$(SCRIPT)"

demo:
	scripts/vm-run.sh --quiet-load scripts/guest/demo.sh

bench:
	scripts/bench.sh

install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(if $(KERNELRELEASE),$(KERNELRELEASE))

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	$(MAKE) -C tools clean
	$(MAKE) -C selftests clean
	rm -rf .out

help:
	@sed -n '/^## Commands/,/^## Requirements/p' README.md
