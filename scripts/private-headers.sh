#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make intel-iommu's private headers available for a Debian kernel whose
# tree is a headers-only package (linux-headers-*), so that the intel-iommu
# hook (part of vtd_reassign) and its edu test module can be built for it.
#
# The headers are taken from Debian's linux-source-X.Y package of exactly the
# version the kernel was built from (the headers package's source version):
# a header of another version could describe other structure layouts, so a
# mismatch is refused. They go to
#   /usr/src/hvsec-kernel-private/RELEASE/drivers/iommu/{iommu-priv.h,intel/iommu.h,intel/pasid.h}
# where dkms.conf and `make HVSEC_PRIVATE_SRC=...` look for them.
#
# usage: private-headers.sh [--install] [--chroot DIR] RELEASE
#   --install     install the matching linux-source-X.Y with apt if missing
#   --chroot DIR  for a kernel whose headers are installed in the trixie
#                 chroot DIR (scripts/trixie-chroot.sh): the headers go to
#                 DIR/usr/src/hvsec-kernel-private/RELEASE, the source
#                 tarball comes from scripts/trixie-apt.sh (Linux 7.3)
# Prints the directory; exits 1 (with the reason) if it cannot be made.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

install=0 chroot=""
while [ $# -gt 1 ]; do
	case "$1" in
	--install) install=1; shift ;;
	--chroot) chroot=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || die "usage: private-headers.sh [--install] [--chroot DIR] RELEASE"
rel=$1
root=${HVSEC_PRIVATE_ROOT:-/usr/src/hvsec-kernel-private}
[ -z "$chroot" ] || root=$chroot/usr/src/hvsec-kernel-private
dest=$root/$rel
members=(drivers/iommu/iommu-priv.h drivers/iommu/intel/iommu.h drivers/iommu/intel/pasid.h)

srcver=$(dpkg-query ${chroot:+--admindir="$chroot/var/lib/dpkg"} -W -f='${source:Version}' \
	"linux-headers-$rel" 2>/dev/null) ||
	die "private-headers: linux-headers-$rel is not installed${chroot:+ in $chroot}"
series=$(echo "$rel" | sed -n 's/^\([0-9]*\.[0-9]*\)[.-].*/\1/p')
[ -n "$series" ] || die "private-headers: cannot tell the series of $rel"
src=linux-source-$series

have_all=1
for m in "${members[@]}"; do
	[ -f "$dest/$m" ] || have_all=0
done
if [ $have_all -eq 1 ] && [ -f "$dest/source-version" ] &&
   [ "$(cat "$dest/source-version")" = "$srcver" ]; then
	echo "$dest"
	exit 0
fi

if [ -n "$chroot" ]; then
	have=$("$HVSEC_TOP/scripts/trixie-apt.sh" version "$src")
	[ "$have" = "$srcver" ] ||
		die "private-headers: $rel was built from $srcver; trixie-backports has $src ${have:-none}"
	tarball=$("$HVSEC_TOP/scripts/trixie-apt.sh" source-tarball) ||
		die "private-headers: cannot fetch $src $srcver"
else
	have=$(dpkg-query -W -f='${Version}' "$src" 2>/dev/null || true)
fi
if [ -z "$chroot" ] && [ "$have" != "$srcver" ]; then
	[ $install -eq 1 ] ||
		die "private-headers: $rel was built from $srcver; install $src=$srcver (have: ${have:-none})"
	[ "$(id -u)" -eq 0 ] || die "private-headers: run as root to install $src=$srcver"
	apt_update_once
	with_progress "apt-get install $src=$srcver" "" "" -- \
		env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		-o DPkg::Lock::Timeout=600 "$src=$srcver" >&2 ||
		die "private-headers: apt cannot install $src=$srcver"
fi
[ -n "$chroot" ] || tarball=$(dpkg -L "$src" | grep -E "/$src\.tar\.(xz|bz2|gz)$" | head -n 1)
[ -n "$tarball" ] && [ -f "$tarball" ] || die "private-headers: no source tarball in $src"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hvsec-private.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tar -C "$tmp" -xf "$tarball" "${members[@]/#/$src/}" ||
	die "private-headers: $tarball lacks ${members[*]}"
mkdir -p "$dest"
for m in "${members[@]}"; do
	install -D -m 0644 "$tmp/$src/$m" "$dest/$m"
done
echo "$srcver" > "$dest/source-version"
log "private headers of $rel ($src $srcver) in $dest"
echo "$dest"
