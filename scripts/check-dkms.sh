#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove hvsec's DKMS packaging on Debian's stock kernels (Documentation/
# dkms.rst) through its Debian package. For the newest
# linux-headers-6.1.0-*-amd64 and linux-headers-6.12.*+deb12-amd64 that apt
# knows:
#   1. install dkms, the headers and the matching stock linux-image package;
#   2. for a kernel of the series the intel-iommu hook supports, its private
#      headers from the matching linux-source package
#      (scripts/private-headers.sh); build hvsec-dkms (`make deb`, lintian
#      clean) and install it with `apt-get install ./hvsec-dkms_*.deb`,
#      whose postinst has DKMS build and install hvsec for both kernels;
#      the build logs must be warning-free;
#   3. modinfo of every installed module: version, description, author,
#      license, and help text for every parameter; make install/uninstall
#      (without DKMS) into a scratch root;
#   4. boot the unmodified stock kernel (/boot/vmlinuz-*) in the test host
#      with the DKMS-built modules (and the test modules that are never
#      packaged, built against the same headers): load, selftests,
#      unload/reload of every module (scripts/guest/dkms-check.sh), and no
#      splat on the console;
#   5. `apt-get purge hvsec-dkms`: no module, source or DKMS state of hvsec
#      may be left (`dkms status` without hvsec).
# Prints the time of each phase. Must run as root.
#
# usage: check-dkms.sh [--series "6.1 6.12"] [--no-boot] [--timeout SECS]
# Logs: .out/dkms-<release>/{make.log,console.log,output.log}; the package,
# lintian.txt and the apt-get logs in .out/deb/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dkms-common.sh"

series="6.1 6.12" boot=1 timeout=1800
while [ $# -gt 0 ]; do
	case "$1" in
	--series) series=$2; shift 2 ;;
	--no-boot) boot=0; shift ;;
	--timeout) timeout=$2; shift 2 ;;
	-h|--help) sed -n '3,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "check-dkms: unknown argument $1" ;;
	esac
done
[ "$(id -u)" -eq 0 ] || die "check-dkms: run as root (it installs packages and runs dkms)"
# /usr/src/hvsec-<version> and dkms's tree are shared by every checkout on
# the machine: one check-dkms at a time.
exec 9>/run/lock/hvsec-check-dkms.lock
flock -w 3600 9 || die "check-dkms: another check-dkms has held the lock for an hour"

version=$(cat "$HVSEC_TOP/VERSION")
pkg=hvsec/$version
out=$HVSEC_TOP/.out

# newest_release SERIES -- Debian's newest amd64 kernel release of a series.
newest_release() {
	local re
	case "$1" in
	6.1) re='6\.1\.0-[0-9]+-amd64' ;;
	6.12) re='6\.12\.[0-9]+\+deb12-amd64' ;;
	*) die "check-dkms: no Debian naming known for series $1" ;;
	esac
	apt-cache pkgnames "linux-headers-$1" | { grep -E "^linux-headers-$re\$" || true; } |
		sort -V | tail -n 1 | sed 's/^linux-headers-//'

}

phase "packages (apt)"
apt_update_once
releases=()
for s in $series; do
	r=$(newest_release "$s")
	[ -n "$r" ] || die "check-dkms: apt knows no linux-headers for series $s"
	releases+=("$r")
done
log "kernels: ${releases[*]}"
pkgs=(dkms "${HOST_PKGS[@]}" build-essential xz-utils zstd dpkg-dev debhelper dh-dkms lintian)
for r in "${releases[@]}"; do
	pkgs+=("linux-headers-$r" "linux-image-$r")
done
need_pkgs "${pkgs[@]}"
phase_done

# HVSEC_INTEL_IOMMU_SERIES is a space-separated list of series; the build
# log names them joined with "/".
iommu_series=$(sed -n 's/^HVSEC_INTEL_IOMMU_SERIES := //p' "$HVSEC_TOP/Kbuild")
iommu_series_note=${iommu_series// //}
# Whether release $1 is of a series the intel-iommu hook is built for.
iommu_hook_series() {
	local s
	for s in $iommu_series; do
		case "$1" in
		"$s".*|"$s"-*) return 0 ;;
		esac
	done
	return 1
}
for r in "${releases[@]}"; do
	iommu_hook_series "$r" || continue
	phase "private headers $r"
	st=ok
	"$HVSEC_TOP/scripts/private-headers.sh" --install "$r" >&2 || st="FAILED (private-headers.sh)"
	phase_done "$st"
done

phase "make deb (lintian)"
st=ok
deb=$("$HVSEC_TOP/scripts/deb.sh" | tail -n 1) || st="FAILED (make deb)"
if [ "$st" = ok ]; then
	[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || st="FAILED (package version is not $version)"
	[ "$(dpkg-deb -f "$deb" Architecture)" = all ] || st="FAILED (package is not Architecture: all)"
	dpkg-deb -c "$deb" | grep -c " \./usr/src/hvsec-$version/dkms.conf\$" >/dev/null ||
		st="FAILED (no /usr/src/hvsec-$version/dkms.conf in the package)"
fi
phase_done "$st"
[ "$st" = ok ] || die "check-dkms: no package to install"

# Start from no hvsec at all: a package or a `make dkms-install` of an
# earlier run (the postinst would not rebuild an installed version).
phase "apt-get install ./hvsec-dkms_${version}_all.deb"
st=ok
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600 "$@"; }
if dpkg-query -W -f='${Status}' hvsec-dkms 2>/dev/null | grep -q 'ok'; then
	apt_get purge hvsec-dkms >&2
fi
if [ -n "$(dkms status hvsec 2>/dev/null)" ]; then
	dkms remove "$pkg" --all >&2 || true
fi
dpkg -S "/usr/src/hvsec-$version" >/dev/null 2>&1 || rm -rf "/usr/src/hvsec-$version"
(cd "${deb%/*}" && apt_get install --no-install-recommends "./${deb##*/}") \
	> "$out/deb/apt-install.log" 2>&1 || { cat "$out/deb/apt-install.log" >&2; st="FAILED (apt-get install)"; }
grep -E '^(Building|Module build|It is likely)' "$out/deb/apt-install.log" >&2 || true
dpkg-query -W -f='${Status}' hvsec-dkms 2>/dev/null | grep -q 'install ok installed' ||
	st="FAILED (hvsec-dkms is not installed)"
[ "$(dpkg -S "/usr/src/hvsec-$version/dkms.conf" 2>/dev/null)" = "hvsec-dkms: /usr/src/hvsec-$version/dkms.conf" ] ||
	st="FAILED (/usr/src/hvsec-$version/dkms.conf does not belong to hvsec-dkms)"
phase_done "$st"

for r in "${releases[@]}"; do
	mkdir -p "$out/dkms-$r"
	# The postinst builds for the running kernel and the newest one, or for
	# every kernel when the running one is not installed (a container or
	# a chroot, like here): build the others as an administrator would.
	phase "dkms build (package) $r"
	st=ok
	if [[ "$(dkms status "$pkg" -k "$r")" == *": installed"* ]]; then
		log "$r: built and installed by hvsec-dkms's postinst"
	else
		log "$r: not built by hvsec-dkms's postinst; dkms install"
		dkms install "$pkg" -k "$r" >&2 || st="FAILED (dkms install)"
	fi
	log_file=/var/lib/dkms/$pkg/$r/$(uname -m)/log/make.log
	[ -f "$log_file" ] || log_file=/var/lib/dkms/$pkg/build/make.log
	cp "$log_file" "$out/dkms-$r/make.log" 2>/dev/null || st="FAILED (no make.log)"
	if grep -n -i -E 'warning|error' "$out/dkms-$r/make.log" >&2; then
		st="FAILED (warnings in make.log)"
	fi
	# vtd_reassign's intel-iommu hook: built in for its series, left out
	# with a note elsewhere.
	if iommu_hook_series "$r"; then
		! grep -q "hvsec: note: .*intel-iommu" "$out/dkms-$r/make.log" ||
			st="FAILED (the intel-iommu hook was left out)"
	else
		grep -q "hvsec: note: the intel-iommu hook supports Linux $iommu_series_note only" \
			"$out/dkms-$r/make.log" || st="FAILED (no note about the intel-iommu hook)"
	fi
	phase_done "$st"

	phase "modules installed $r"
	st=ok
	for m in $(hvsec_driver_modules); do
		f=$(modinfo -k "$r" -F filename "$m" 2>/dev/null) || { st="FAILED ($m not found by modinfo)"; continue; }
		case "$f" in
		/lib/modules/$r/updates/dkms/$m.ko*) ;;
		*) st="FAILED ($m resolves to $f)"; continue ;;
		esac
		s=$(dkms_modinfo_check "$f" "$m" "$version")
		[ "$s" = ok ] || st=$s
	done
	phase_done "$st"
done

# make install / uninstall, without DKMS, into a scratch root (a copy of the
# tree, so that the worktree keeps its test-kernel build).
r=${releases[0]}
phase "make install/uninstall $r"
st=ok
tmp=$(mktemp -d /tmp/hvsec-install.XXXXXX)
mkdir -p "$tmp/root"
hvsec_copy_tree "$tmp/src"
kdir=/lib/modules/$r/build
if ! make -s -C "$tmp/src" KDIR="$kdir" modules >"$tmp/build.log" 2>&1 ||
   ! make -s -C "$tmp/src" KDIR="$kdir" INSTALL_MOD_PATH="$tmp/root" install >>"$tmp/build.log" 2>&1; then
	cat "$tmp/build.log" >&2
	st="FAILED (make install)"
else
	for m in $(hvsec_driver_modules); do
		[ -n "$(find "$tmp/root/lib/modules/$r/updates/hvsec" -name "$m.ko*")" ] ||
			st="FAILED ($m not installed)"
		grep -q "updates/hvsec/.*/$m.ko" "$tmp/root/lib/modules/$r/modules.dep" ||
			st="FAILED ($m not in modules.dep)"
	done
	make -s -C "$tmp/src" KDIR="$kdir" INSTALL_MOD_PATH="$tmp/root" uninstall >>"$tmp/build.log" 2>&1 ||
		st="FAILED (make uninstall)"
	[ -z "$(find "$tmp/root" -name '*.ko*')" ] || st="FAILED (modules left after uninstall)"
fi
rm -rf "$tmp"
phase_done "$st"

# The test modules (never packaged), built against each kernel's headers
# like dkms does, for the boots below.
for r in "${releases[@]}"; do
	phase "test modules $r"
	st=ok
	tmp=$(mktemp -d /tmp/hvsec-testmods.XXXXXX)
	rm -rf "$out/testmods-$r"
	mkdir -p "$out/testmods-$r"
	if hvsec_build_modules "$r" "$tmp" "$out/testmods-$r.log"; then
		for ko in "$tmp"/*.ko; do
			m=${ko##*/}
			[ -n "$(find "/var/lib/dkms/$pkg/$r/$(uname -m)/module" -name "$m*")" ] ||
				cp "$ko" "$out/testmods-$r/"
		done
		log "test modules for $r: $(ls "$out/testmods-$r" | tr '\n' ' ')"
	else
		cat "$out/testmods-$r.log" >&2
		st="FAILED (test modules)"
	fi
	rm -rf "$tmp"
	phase_done "$st"
done

if [ $boot -eq 1 ]; then
	for r in "${releases[@]}"; do
		phase "boot + selftests $r"
		st=ok
		dir=$out/dkms-$r
		stage=$("$HVSEC_TOP/scripts/stage-guest.sh" --modules "/var/lib/dkms/$pkg/$r/$(uname -m)/module" \
			--kernel-release "$r" --out "$out/stage-$r") || die "check-dkms: staging for $r failed"
		cp "$out/testmods-$r"/*.ko "$stage/hvsec/modules/" 2>/dev/null || true
		phase_done "$(dkms_boot_judge "/boot/vmlinuz-$r" "$stage" "$dir" "$timeout")"
	done
fi

# Purging the package must leave nothing of hvsec: no module in any
# kernel's tree, no DKMS state, no sources.
phase "apt-get purge hvsec-dkms"
st=ok
apt_get purge hvsec-dkms > "$out/deb/apt-purge.log" 2>&1 ||
	{ cat "$out/deb/apt-purge.log" >&2; st="FAILED (apt-get purge)"; }
[ -z "$(dpkg-query -W -f='${Status}' hvsec-dkms 2>/dev/null | grep -v not-installed)" ] ||
	st="FAILED (hvsec-dkms is still known to dpkg)"
left=$(dkms status 2>&1 | grep hvsec || true)
[ -z "$left" ] || { log "dkms status: $left"; st="FAILED (dkms status still lists hvsec)"; }
for d in "/usr/src/hvsec-$version" "/var/lib/dkms/$pkg"; do
	[ ! -e "$d" ] || st="FAILED ($d is left)"
done
for r in "${releases[@]}"; do
	for m in $(hvsec_driver_modules); do
		f=$(find "/lib/modules/$r" -name "$m.ko*" | head -n 1)
		[ -z "$f" ] || st="FAILED ($f is left)"
		! modinfo -k "$r" -F filename "$m" >/dev/null 2>&1 || st="FAILED (modinfo still finds $m for $r)"
	done
done
log "dkms status after the purge: $(dkms status | wc -l) line(s)"
phase_done "$st"

dkms_summary check-dkms "${releases[*]}"
