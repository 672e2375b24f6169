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
	install uninstall help check-dkms check-dkms-trixie dkms-tree dkms-add dkms-install \
	dkms-remove deb

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
	@scripts/vm-run.sh $(if $(APPEND),--append "$(APPEND)") "$(SCRIPT)"; rc=$$?; \
	[ $$rc -eq 0 ] || echo "vm-run: status $$rc (make itself exits 2; scripts/vm-run.sh exits with the status)" >&2; \
	exit $$rc

demo:
	scripts/vm-run.sh --quiet-load scripts/guest/demo.sh

bench:
	scripts/bench.sh

# `make && sudo make install`: the modules go to
# /lib/modules/<release of KDIR>/updates/hvsec/; uninstall removes them.
# (Debian's headers have the upstream version in kernel.release: use utsrelease.h.)
KVER = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
# Sign only with the kernel's own key, when the tree has it (a distribution's
# headers do not: their modules are signed by dkms with its MOK, or not at all).
SIGN_OPTS = $(if $(wildcard $(KDIR)/certs/signing_key.pem),,CONFIG_MODULE_SIG_ALL=)
INSTALL_DIR = $(INSTALL_MOD_PATH)/lib/modules/$(KVER)/updates/hvsec

install:
	@test -n "$(KVER)" || { echo "install: no kernel release in $(KDIR)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates/hvsec $(SIGN_OPTS) modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) -a $(KVER)

uninstall:
	@test -n "$(KVER)" || { echo "uninstall: no kernel release in $(KDIR)" >&2; exit 1; }
	rm -rf $(INSTALL_DIR)
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) -a $(KVER)

# DKMS (Documentation/dkms.rst): dkms-add copies the kbuild tree (no tools,
# tests or build outputs) to /usr/src/hvsec-<VERSION> and registers it;
# dkms-install also builds and installs it for the running kernel (or
# KERNELRELEASE=...); dkms-remove undoes both for every kernel. dkms-tree
# only copies (DKMS_SRC=... elsewhere; debian/rules uses it). `make deb`
# builds the Debian package hvsec-dkms into .out/deb/.
DKMS_SRC = /usr/src/hvsec-$(HVSEC_VERSION)
DKMS_FILES := dkms.conf VERSION Kbuild Makefile drivers include kunit

dkms-tree:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	tar -C $(CURDIR) -cf - --exclude-vcs --exclude-from=$(CURDIR)/.gitignore \
		$(DKMS_FILES) | tar -C $(DKMS_SRC) -xf -

dkms-add:
	@test "$$(id -u)" = 0 || { echo "$@: run as root" >&2; exit 1; }
	-dkms remove hvsec/$(HVSEC_VERSION) --all >/dev/null 2>&1
	$(MAKE) --no-print-directory dkms-tree
	dkms add hvsec/$(HVSEC_VERSION)

dkms-install: dkms-add
	dkms install hvsec/$(HVSEC_VERSION) $(if $(KERNELRELEASE),-k $(KERNELRELEASE))

dkms-remove:
	@test "$$(id -u)" = 0 || { echo "$@: run as root" >&2; exit 1; }
	-dkms remove hvsec/$(HVSEC_VERSION) --all
	rm -rf $(DKMS_SRC)

check-dkms:
	scripts/check-dkms.sh

check-dkms-trixie:
	scripts/check-dkms-trixie.sh

deb:
	scripts/deb.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	$(MAKE) -C tools clean
	$(MAKE) -C selftests clean
	rm -rf .out

help:
	@sed -n '/^## Commands/,/^## Requirements/p' README.md
