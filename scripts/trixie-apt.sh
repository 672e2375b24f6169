#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian trixie and trixie-backports packages for hvsec's Linux 7.3 work,
# through a private apt configuration: the machine's own apt sources, lists
# and cache are never touched. The archive host is the one of the machine's
# own Debian sources; everything lands in $HVSEC_CACHE/trixie/.
#
# usage: trixie-apt.sh update          refresh the private lists (at most once
#                                      every 6 hours unless --force)
#        trixie-apt.sh download PKG... fetch .debs into $HVSEC_CACHE/trixie/debs
#                                      (reused when present); prints their paths
#        trixie-apt.sh source-tarball  fetch linux-source-7.3 and print the path
#                                      of its linux-source-7.3.tar.xz
#        trixie-apt.sh version PKG     the candidate version of PKG
#        trixie-apt.sh newest REGEX    the newest package name matching REGEX
#        trixie-apt.sh apt ARGS...     run apt-get with the private options
#        trixie-apt.sh archive         the archive URL used
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$HVSEC_CACHE/trixie
debs=$dir/debs

# The archive of the machine's own Debian sources (deb822 or one-line form).
archive() {
	local f u
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		u=$(sed -n -E 's/^URIs:[[:space:]]*(\S+).*/\1/p; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?(\S+)[[:space:]]+(bookworm|trixie|stable)[[:space:]].*/\2/p' "$f" |
			grep -v -- '-security' | grep -m1 '/debian/\?$' || true)
		[ -n "$u" ] && { echo "${u%/}"; return 0; }
	done
	die "trixie-apt: no Debian archive found in /etc/apt/sources.list*"
}

setup() {
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/sources.list.d" \
		"$dir/preferences.d" "$debs"
	local url
	url=$(archive)
	cat > "$dir/sources.list.new" <<-EOF
	deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $url trixie main
	deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $url trixie-backports main
	EOF
	if ! cmp -s "$dir/sources.list.new" "$dir/sources.list"; then
		mv "$dir/sources.list.new" "$dir/sources.list"
		rm -f "$dir/.updated"
	else
		rm -f "$dir/sources.list.new"
	fi
	# An empty dpkg status: resolve as on a machine with nothing installed.
	[ -f "$dir/status" ] || : > "$dir/status"
}

apt_opts=(-o "Dir::Etc::sourcelist=$dir/sources.list"
	  -o "Dir::Etc::sourceparts=$dir/sources.list.d"
	  -o "Dir::Etc::preferencesparts=$dir/preferences.d"
	  -o "Dir::State::Lists=$dir/lists"
	  -o "Dir::State::status=$dir/status"
	  -o "Dir::Cache=$dir/cache"
	  -o "APT::Default-Release=trixie"
	  -o "Debug::NoLocking=1"
	  -o "APT::Sandbox::User=root"
	  -o "APT::Get::List-Cleanup=1")

papt() { apt-get -q "${apt_opts[@]}" "$@"; }

update() {
	setup
	if [ "${1:-}" = --force ] || [ ! -f "$dir/.updated" ] ||
	   [ -n "$(find "$dir/.updated" -mmin +360 2>/dev/null)" ]; then
		log "trixie-apt: updating the private package lists"
		papt update >&2 || die "trixie-apt: apt-get update failed"
		touch "$dir/.updated"
	fi
}

# Candidate version, with the backports suite allowed.
version() {
	apt-cache "${apt_opts[@]}" policy "$1" 2>/dev/null |
		sed -n 's/^ *Candidate: //p' | grep -v '(none)' || true
}

newest() {
	apt-cache "${apt_opts[@]}" pkgnames 2>/dev/null | grep -E "^($1)\$" | sort -V | tail -n 1
}

download() {
	local p v f
	update
	for p in "$@"; do
		v=$(version "$p")
		[ -n "$v" ] || die "trixie-apt: no candidate for $p"
		f=$(ls "$debs/${p}_${v//:/%3a}_"*.deb 2>/dev/null | head -n 1 || true)
		if [ -z "$f" ]; then
			log "trixie-apt: downloading $p $v"
			(cd "$debs" && papt download "$p=$v" >&2) ||
				die "trixie-apt: cannot download $p $v"
			f=$(ls "$debs/${p}_${v//:/%3a}_"*.deb | head -n 1)
		fi
		echo "$f"
	done
}

source_tarball() {
	local deb v tarball
	update
	v=$(version linux-source-7.3)
	[ -n "$v" ] || die "trixie-apt: no linux-source-7.3 in trixie/trixie-backports"
	tarball=$dir/src/linux-source-7.3-$v.tar.xz
	if [ ! -f "$tarball" ]; then
		deb=$(download linux-source-7.3)
		mkdir -p "$dir/src"
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO ./usr/src/linux-source-7.3.tar.xz > "$tarball.tmp" ||
			die "trixie-apt: no linux-source-7.3.tar.xz in $deb"
		mv "$tarball.tmp" "$tarball"
	fi
	echo "$tarball"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
update) update "$@" ;;
download) download "$@" ;;
source-tarball) source_tarball ;;
version) update; version "$1" ;;
newest) update; newest "$1" ;;
apt) setup; papt "$@" ;;
archive) archive ;;
*) sed -n '3,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
