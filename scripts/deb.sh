#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make deb`: build the Debian package hvsec-dkms (debian/, dh-dkms) in a
# scratch copy of the tree, so that the checkout stays clean, and check it
# with lintian. Needs dpkg-dev, debhelper, dh-dkms and lintian (installed
# with apt-get when missing: root). The package's version is the VERSION
# file's; debian/changelog must say the same.
#
# usage: deb.sh [--no-lintian]
# Output: .out/deb/ (hvsec-dkms_<version>_all.deb, the source package, the
# .changes and .buildinfo, build.log and lintian.txt). Prints the .deb's path.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

lintian=1
case "${1:-}" in
--no-lintian) lintian=0; shift ;;
esac
[ $# -eq 0 ] || die "usage: deb.sh [--no-lintian]"

need_pkgs dpkg-dev debhelper dh-dkms lintian
version=$(cat "$HVSEC_TOP/VERSION")
changelog=$(dpkg-parsechangelog -l "$HVSEC_TOP/debian/changelog" -S Version)
[ "$changelog" = "$version" ] ||
	die "deb: debian/changelog says $changelog, VERSION says $version (add a changelog entry: dch -v $version)"

out=$HVSEC_TOP/.out/deb
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hvsec-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src=$tmp/hvsec-$version
mkdir -p "$src"
# The files git knows (committed or not) and no build output; a tree
# without git: everything but what .gitignore names.
if git -C "$HVSEC_TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$HVSEC_TOP" ls-files -z --cached --others --exclude-standard |
		tar -C "$HVSEC_TOP" --null -T - -cf - | tar -C "$src" -xf -
else
	tar -C "$HVSEC_TOP" -cf - --exclude-vcs --exclude=./.out \
		--exclude-from="$HVSEC_TOP/.gitignore" . | tar -C "$src" -xf -
fi

rm -rf "$out"
mkdir -p "$out"
log "building hvsec-dkms $version (log: $out/build.log)"
if ! (cd "$src" && nice -n 19 dpkg-buildpackage -us -uc) > "$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	die "deb: dpkg-buildpackage failed"
fi
cp "$tmp"/hvsec_"$version"* "$tmp"/hvsec-dkms_"$version"_all.deb "$out/"
deb=$out/hvsec-dkms_${version}_all.deb

if [ $lintian -eq 1 ]; then
	changes=$(ls "$out"/hvsec_"$version"_*.changes)
	log "lintian $(basename "$changes")"
	if ! nice -n 19 lintian --fail-on error,warning "$changes" > "$out/lintian.txt" 2>&1; then
		cat "$out/lintian.txt" >&2
		die "deb: lintian found errors or warnings"
	fi
	[ ! -s "$out/lintian.txt" ] || cat "$out/lintian.txt" >&2
	log "lintian: no errors or warnings"
fi
echo "$deb"
