#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/check-dkms.sh for Debian's 7.x kernels (Documentation/dkms.rst).
# Their headers need trixie's compiler and libc, so DKMS runs in the trixie
# chroot (scripts/trixie-chroot.sh); the kernel is the newest
# linux-headers-7.3.*+deb13-amd64 of trixie-backports:
#   1. the headers in the chroot, and intel-iommu's private headers there
#      (scripts/private-headers.sh --chroot) for the vtd_reassign hook;
#   2. `apt-get install ./hvsec-dkms_*.deb` in the chroot: its postinst has
#      DKMS build and install hvsec; the build log must be warning-free and
#      the hook built in;
#   3. modinfo of every installed module (version, license, description,
#      author, help text for every parameter);
#   4. the test modules (never packaged), built against the same headers;
#   5. the stock kernel, unpacked from Debian's signed packages
#      (linux-binary, linux-modules, linux-base; cached in
#      $HVSEC_CACHE/trixie/stock-RELEASE), booted unmodified in the test host
#      with the DKMS-built modules: load, selftests, unload/reload of every
#      module (scripts/guest/dkms-check.sh), no splat on the console;
#   6. `apt-get purge hvsec-dkms` in the chroot: nothing of hvsec is left.
# Prints the time of each phase. Root only.
#
# usage: check-dkms-trixie.sh [--deb FILE] [--release REL] [--no-boot] [--timeout SECS]
#   --deb FILE   the hvsec-dkms package to install (default: `make deb`)
# Logs: .out/dkms-<release>/{make.log,console.log,output.log}.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dkms-common.sh"

deb="" rel="" boot=1 timeout=1800
while [ $# -gt 0 ]; do
	case "$1" in
	--deb) deb=$2; shift 2 ;;
	--release) rel=$2; shift 2 ;;
	--no-boot) boot=0; shift ;;
	--timeout) timeout=$2; shift 2 ;;
	-h|--help) sed -n '3,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "check-dkms-trixie: unknown argument $1" ;;
	esac
done
[ "$(id -u)" -eq 0 ] || die "check-dkms-trixie: run as root (chroot, mounts, packages)"
# The chroot's DKMS tree is shared by every checkout on the machine.
exec 9>/run/lock/hvsec-check-dkms-trixie.lock
flock -w 3600 9 || die "check-dkms-trixie: another run has held the lock for an hour"

version=$(cat "$HVSEC_TOP/VERSION")
out=$HVSEC_TOP/.out
chr() { "$HVSEC_TOP/scripts/trixie-chroot.sh" run "$@"; }

phase "chroot and headers"
if [ -z "$rel" ]; then
	rel=$("$HVSEC_TOP/scripts/trixie-apt.sh" newest 'linux-headers-7\.3\.[0-9]+\+deb13-amd64')
	rel=${rel#linux-headers-}
fi
[ -n "$rel" ] || die "check-dkms-trixie: no linux-headers-7.3.*+deb13-amd64 in trixie-backports"
log "kernel: $rel"
"$HVSEC_TOP/scripts/trixie-chroot.sh" headers "$rel"
root=$("$HVSEC_TOP/scripts/trixie-chroot.sh" root)
st=ok
"$HVSEC_TOP/scripts/private-headers.sh" --chroot "$root" "$rel" >&2 ||
	st="FAILED (private-headers.sh)"
phase_done "$st"

if [ -z "$deb" ]; then
	phase "make deb"
	deb=$("$HVSEC_TOP/scripts/deb.sh" --no-lintian | tail -n 1) || die "check-dkms-trixie: make deb failed"
	phase_done
fi
[ -f "$deb" ] || die "check-dkms-trixie: no package $deb"

# From no hvsec at all in the chroot (an earlier run may have been cut).
phase "apt-get install ./${deb##*/} (chroot)"
st=ok
mkdir -p "$out/dkms-$rel"
cp "$deb" "$root/tmp/"
chr sh -c 'dpkg-query -W -f="\${Status}" hvsec-dkms 2>/dev/null | grep -q "ok installed" &&
	apt-get -y -q purge hvsec-dkms; rm -rf /var/lib/dkms/hvsec /usr/src/hvsec-[0-9]*; true' >&2
chr apt-get -y -q install --no-install-recommends "/tmp/${deb##*/}" \
	> "$out/dkms-$rel/apt-install.log" 2>&1 ||
	{ cat "$out/dkms-$rel/apt-install.log" >&2; st="FAILED (apt-get install)"; }
grep -E '^(Building|Module build|It is likely)' "$out/dkms-$rel/apt-install.log" >&2 || true
phase_done "$st"

phase "dkms build (package) $rel"
st=ok
moddir=$root/var/lib/dkms/hvsec/$version/$rel/x86_64/module
status=$(chr dkms status hvsec -k "$rel" 2>&1 || true)
[[ "$status" == *": installed"* ]] || st="FAILED (dkms status: ${status:-nothing})"
cp "$root/var/lib/dkms/hvsec/$version/$rel/x86_64/log/make.log" "$out/dkms-$rel/make.log" ||
	st="FAILED (no make.log)"
if grep -n -i -E 'warning|error' "$out/dkms-$rel/make.log" >&2; then
	st="FAILED (warnings in make.log)"
fi
! grep -q "hvsec: note: .*intel-iommu" "$out/dkms-$rel/make.log" ||
	st="FAILED (the intel-iommu hook was left out)"
phase_done "$st"

phase "modules installed $rel"
st=ok
# The chroot has the kernel's headers but not its modules (no modules.dep
# for modinfo -k): look where DKMS installs.
for m in $(hvsec_driver_modules); do
	f=$(find "$root/lib/modules/$rel/updates/dkms" -name "$m.ko*" 2>/dev/null | head -n 1)
	[ -n "$f" ] || { st="FAILED ($m not in /lib/modules/$rel/updates/dkms)"; continue; }
	s=$(dkms_modinfo_check "$f" "$m" "$version")
	[ "$s" = ok ] || st=$s
done
phase_done "$st"

phase "test modules $rel"
st=ok
rm -rf "$root/tmp/hvsec-testmods" "$out/testmods-$rel"
mkdir -p "$out/testmods-$rel"
hvsec_copy_tree "$root/tmp/hvsec-testmods"
if chr make -s -C /tmp/hvsec-testmods KDIR="/lib/modules/$rel/build" \
	HVSEC_PRIVATE_SRC="/usr/src/hvsec-kernel-private/$rel" modules \
	> "$out/testmods-$rel.log" 2>&1; then
	for ko in "$root"/tmp/hvsec-testmods/drivers/*/*.ko; do
		m=${ko##*/}
		[ -n "$(find "$moddir" -name "$m*")" ] || cp "$ko" "$out/testmods-$rel/"
	done
	log "test modules for $rel: $(ls "$out/testmods-$rel" | tr '\n' ' ')"
else
	cat "$out/testmods-$rel.log" >&2
	st="FAILED (test modules)"
fi
rm -rf "$root/tmp/hvsec-testmods"
phase_done "$st"

if [ $boot -eq 1 ]; then
	phase "stock kernel $rel"
	st=ok
	stock=$HVSEC_CACHE/trixie/stock-$rel
	if [ ! -f "$stock/.hvsec-unpacked" ]; then
		rm -rf "$stock"
		mkdir -p "$stock"
		for p in linux-binary linux-modules linux-base; do
			f=$("$HVSEC_TOP/scripts/trixie-apt.sh" download "$p-$rel") &&
				dpkg-deb -x "$f" "$stock" || { st="FAILED ($p-$rel)"; break; }
		done
		[ "$st" != ok ] || depmod -b "$stock/usr" "$rel" || st="FAILED (depmod)"
		[ "$st" != ok ] || touch "$stock/.hvsec-unpacked"
	fi
	kimg=$stock/usr/lib/modules/$rel/vmlinuz
	[ -f "$kimg" ] || st="FAILED (no $kimg)"
	phase_done "$st"
fi
if [ $boot -eq 1 ] && [ "$st" = ok ]; then
	phase "boot + selftests $rel"
	dir=$out/dkms-$rel
	stage=$("$HVSEC_TOP/scripts/stage-guest.sh" --modules "$moddir" --kernel-release "$rel" \
		--kmod-root "$stock/usr" --out "$out/stage-$rel") || die "check-dkms-trixie: staging failed"
	cp "$out/testmods-$rel"/*.ko "$stage/hvsec/modules/" 2>/dev/null || true
	phase_done "$(dkms_boot_judge "$kimg" "$stage" "$dir" "$timeout")"
fi

phase "apt-get purge hvsec-dkms (chroot)"
st=ok
chr apt-get -y -q purge hvsec-dkms > "$out/dkms-$rel/apt-purge.log" 2>&1 ||
	{ cat "$out/dkms-$rel/apt-purge.log" >&2; st="FAILED (apt-get purge)"; }
rm -f "$root/tmp/${deb##*/}"
status=$(chr dkms status 2>&1 || true)
[[ "$status" != *hvsec* ]] || st="FAILED (dkms status still lists hvsec)"
for d in "/usr/src/hvsec-$version" "/var/lib/dkms/hvsec"; do
	[ ! -e "$root$d" ] || st="FAILED ($d is left)"
done
[ -z "$(find "$root/lib/modules/$rel" -path '*/updates/*' -name '*.ko*')" ] ||
	st="FAILED (modules left in /lib/modules/$rel/updates)"
phase_done "$st"

dkms_summary check-dkms-trixie "$rel (trixie chroot)"
