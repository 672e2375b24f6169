#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A Debian trixie chroot for building against Debian's 7.x kernel headers,
# whose compiler (gcc-14) and host tools (libc6 >= 2.38) do not run on
# Debian 12. Made once with debootstrap (minbase, plus build-essential, dkms,
# kmod, xz-utils), kept as a tarball in $HVSEC_CACHE/trixie/ and unpacked
# from it when the working copy is missing; its apt sees trixie and
# trixie-backports on the archive of the machine's own sources. Root only.
#
# usage: trixie-chroot.sh root                  make it if needed; print its path
#        trixie-chroot.sh headers RELEASE       install linux-headers-RELEASE in it
#        trixie-chroot.sh run CMD [ARG...]      run CMD inside, with /proc, /sys,
#                                               /dev mounted for the duration
#        trixie-chroot.sh clean                 remove the working copy (the
#                                               tarball stays)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Bump when what goes into the chroot changes.
recipe=1
pkgs=build-essential,dkms,kmod,xz-utils,zstd,ca-certificates
dir=$HVSEC_CACHE/trixie
tarball=$dir/chroot-trixie-r$recipe.tar.gz
root=$dir/chroot-r$recipe

[ "$(id -u)" -eq 0 ] || die "trixie-chroot: run as root (debootstrap, chroot, mounts)"
mkdir -p "$dir"
exec 8>"$dir/.chroot.lock"
flock -w 3600 8 || die "trixie-chroot: another user has held the lock for an hour"

make_tarball() {
	local url tmp start
	need_pkgs debootstrap
	url=$("$HVSEC_TOP/scripts/trixie-apt.sh" archive)
	tmp=$dir/chroot-build.$$
	rm -rf "$tmp"
	log "trixie-chroot: debootstrap trixie from $url (once)"
	start=$(date +%s)
	debootstrap --variant=minbase --include="$pkgs" \
		--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
		trixie "$tmp" "$url" >&2 || { rm -rf "$tmp"; die "trixie-chroot: debootstrap failed"; }
	cat > "$tmp/etc/apt/sources.list" <<-EOF
	deb $url trixie main
	deb $url trixie-backports main
	EOF
	rm -f "$tmp"/etc/apt/sources.list.d/*
	rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
	tar -C "$tmp" -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
	rm -rf "$tmp"
	log "trixie-chroot: made $tarball in $(( $(date +%s) - start )) s"
}

ensure_root() {
	[ -f "$tarball" ] || make_tarball
	if [ ! -f "$root/.hvsec-unpacked" ]; then
		rm -rf "$root"
		mkdir -p "$root"
		tar -C "$root" -xzf "$tarball"
		touch "$root/.hvsec-unpacked"
	fi
}

mounted=()
umount_all() {
	local i
	for (( i = ${#mounted[@]} - 1; i >= 0; i-- )); do
		umount -l "${mounted[$i]}" 2>/dev/null || true
	done
	mounted=()
}

run() {
	local m rc=0
	ensure_root
	trap umount_all EXIT
	for m in proc sys dev dev/pts; do
		mountpoint -q "$root/$m" && continue
		case $m in
		proc) mount -t proc proc "$root/proc" ;;
		sys) mount -t sysfs sysfs "$root/sys" ;;
		dev) mount --bind /dev "$root/dev" ;;
		dev/pts) mount -t devpts devpts "$root/dev/pts" ;;
		esac
		mounted+=("$root/$m")
	done
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive chroot "$root" "$@" || rc=$?
	umount_all
	trap - EXIT
	return $rc
}

headers() {
	local rel=$1 start
	ensure_root
	if [ -f "$root/lib/modules/$rel/build/Makefile" ] ||
	   [ -f "$root/usr/src/linux-headers-$rel/Makefile" ]; then
		return 0
	fi
	start=$(date +%s)
	log "trixie-chroot: installing linux-headers-$rel"
	run apt-get -q update >&2 || die "trixie-chroot: apt-get update failed"
	run apt-get -q install -y --no-install-recommends "linux-headers-$rel" >&2 ||
		die "trixie-chroot: cannot install linux-headers-$rel"
	log "trixie-chroot: linux-headers-$rel installed in $(( $(date +%s) - start )) s"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
root) ensure_root; echo "$root" ;;
headers) [ $# -eq 1 ] || die "usage: trixie-chroot.sh headers RELEASE"; headers "$1" ;;
run) [ $# -gt 0 ] || die "usage: trixie-chroot.sh run CMD [ARG...]"; run "$@" ;;
clean) rm -rf "$root" ;;
*) sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
