#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the modules, KUnit modules, tools and selftests against the test
# kernel and lay out the test host's root file system. Prints the staging
# directory. Options:
#   --kdir DIR             build the modules against DIR (default: the test kernel)
#   --no-kunit             leave the KUnit modules out
#   --modules DIR          take the driver modules (*.ko, *.ko.xz, *.ko.zst, found
#                          under DIR) ready-built instead of building them, e.g. a
#                          DKMS install for a stock kernel; implies --no-kunit
#   --kernel-release REL   also stage the modules of that installed kernel
#                          (/lib/modules/REL) that the test host needs
#                          (HVSEC_GUEST_KMODS in lib.sh) with their
#                          dependencies; the guest's /init loads them
#   --kmod-root DIR        where that kernel's lib/modules/REL is (default /;
#                          e.g. an unpacked Debian 7.x kernel's DIR/usr)
#   --ksrc DIR             kernel source for the selftest harness (default: KDIR's)
#   --out DIR              staging directory (default: .out/stage)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir="" kunit=1 prebuilt="" krel="" kroot=/ ksrc="" stage=$HVSEC_TOP/.out/stage
while [ $# -gt 0 ]; do
	case "$1" in
	--kdir) kdir=$2; shift 2 ;;
	--no-kunit) kunit=0; shift ;;
	--modules) prebuilt=$2; kunit=0; shift 2 ;;
	--kernel-release) krel=$2; shift 2 ;;
	--kmod-root) kroot=$2; shift 2 ;;
	--ksrc) ksrc=$2; shift 2 ;;
	--out) stage=$2; shift 2 ;;
	*) die "stage-guest: unknown argument $1" ;;
	esac
done
need_pkgs "${HOST_PKGS[@]}" build-essential xz-utils zstd
if [ -n "$prebuilt" ]; then
	[ -d "$prebuilt" ] || die "stage-guest: no module directory $prebuilt"
	[ -n "$ksrc" ] || ksrc=$(kselftest_src)
else
	[ -n "$kdir" ] || kdir=$("$HVSEC_TOP/scripts/build-kernel.sh")
	[ -n "$ksrc" ] || ksrc=$(readlink -f "$kdir/source" 2>/dev/null || echo "$kdir")
fi

# unpack_ko SRC DESTDIR -- copy a module, decompressed (busybox insmod
# cannot load compressed modules).
unpack_ko() {
	local name=${1##*/}
	case "$name" in
	*.ko.xz) xz -dc "$1" > "$2/${name%.xz}" ;;
	*.ko.zst) zstd -qdc "$1" > "$2/${name%.zst}" ;;
	*.ko.gz) gzip -dc "$1" > "$2/${name%.gz}" ;;
	*) cp "$1" "$2/" ;;
	esac
}

[ -n "$prebuilt" ] || make -s -C "$HVSEC_TOP" KDIR="$kdir" modules >&2
make -s -C "$HVSEC_TOP/tools" KSRC="$ksrc" >&2
make -s -C "$HVSEC_TOP/selftests" KSRC="$ksrc" >&2

rm -rf "$stage"
mkdir -p "$stage"/{bin,hvsec/modules,hvsec/kunit,hvsec/kmods,hvsec/bin,hvsec/selftests,hvsec/lib}
mkdir -p "$stage"/hvsec/{testmods,kvm}
cp /bin/busybox "$stage/bin/busybox"
install -m 0755 "$HVSEC_TOP/scripts/guest/init" "$stage/init"
cp "$HVSEC_TOP"/scripts/guest/*.sh "$stage/hvsec/lib/"
if [ -n "$prebuilt" ]; then
	find "$prebuilt" -name '*.ko*' | while read -r ko; do
		unpack_ko "$ko" "$stage/hvsec/modules"
	done
	for m in $(hvsec_driver_modules); do
		[ -f "$stage/hvsec/modules/$m.ko" ] || die "stage-guest: $m.ko is not in $prebuilt"
	done
else
	# What this build made (kbuild's modules.order), not a module an
	# earlier build for another kernel left behind: the intel-iommu hook's
	# test modules exist for its series only (6.12, 7.3).
	sed -e 's|.*/\(drivers/[^/]*/[^/]*\)$|\1|' -e 's|.*/\(kunit/[^/]*\)$|\1|' \
		-e 's|.*/\(selftests/modules/[^/]*\)$|\1|' \
		-e 's/\.k\{0,1\}o$//' "$HVSEC_TOP/modules.order" |
	while read -r m; do
		case $m in
		drivers/*) cp "$HVSEC_TOP/$m.ko" "$stage/hvsec/modules/" ;;
		kunit/*) [ $kunit -eq 0 ] || cp "$HVSEC_TOP/$m.ko" "$stage/hvsec/kunit/" ;;
		selftests/modules/*) cp "$HVSEC_TOP/$m.ko" "$stage/hvsec/testmods/" ;;
		esac
	done
	# The test kernel's own KVM modules (CONFIG_KVM=m), for the selftests
	# that run a guest (ring3_exec_kvm.sh loads them, in this order).
	for m in kvm kvm-amd kvm-intel; do
		for ko in "$kdir/arch/x86/kvm/$m.ko"*; do
			[ -f "$ko" ] || continue
			unpack_ko "$ko" "$stage/hvsec/kvm"
			echo "$m.ko" >> "$stage/hvsec/kvm/order"
		done
	done
fi
# A copy of the modules signed with the test kernel's own module-signing
# key, where this build has it (tpm12_drtm_lockdown.sh loads them with the
# kernel locked down, which refuses unsigned modules).
if [ -z "$prebuilt" ] && [ -n "$kdir" ] && [ -r "$kdir/certs/signing_key.pem" ] &&
   [ -x "$kdir/scripts/sign-file" ]; then
	hash=$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"$/\1/p' "$kdir/.config")
	mkdir -p "$stage/hvsec/signed"
	for ko in "$stage"/hvsec/modules/*.ko; do
		"$kdir/scripts/sign-file" "${hash:-sha512}" "$kdir/certs/signing_key.pem" \
			"$kdir/certs/signing_key.x509" "$ko" "$stage/hvsec/signed/${ko##*/}" ||
			die "stage-guest: signing ${ko##*/} failed"
	done
fi
if [ -n "$krel" ]; then
	# modprobe prints the insmod lines in load order, dependencies first.
	for m in "${HVSEC_GUEST_KMODS[@]}"; do
		modprobe -d "$kroot" -S "$krel" --show-depends "$m" 2>/dev/null || true
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
		unpack_ko "$ko" "$stage/hvsec/kmods"
		name=${ko##*/}
		echo "${name%%.ko*}.ko" >> "$stage/hvsec/kmods/order"
	done
fi
if [ $kunit -eq 1 ]; then
	# The suites of the KUnit modules built for this kernel.
	grep -v '^#' "$HVSEC_TOP/kunit/suites" | while read -r mod suite; do
		if [ -f "$stage/hvsec/kunit/$mod.ko" ]; then
			echo "$mod $suite"
		else
			echo "stage-guest: $mod is not built for this kernel: suite $suite left out" >&2
		fi
	done > "$stage/hvsec/kunit/suites"
fi
make -s -C "$HVSEC_TOP/tools" KSRC="$ksrc" DESTDIR="$stage/hvsec/bin" install >&2
make -s -C "$HVSEC_TOP/selftests" KSRC="$ksrc" DESTDIR="$stage/hvsec/selftests" install >&2
echo "$stage"
