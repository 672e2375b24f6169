#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build hvsec's modules with W=1 against Debian's stock 7.x headers in the
# trixie chroot (scripts/trixie-chroot.sh), as DKMS would there. Default
# kernel: the newest linux-headers-7.3.*+deb13-amd64 of trixie-backports.
# A warning or error in the log fails. Root only.
#
# usage: trixie-build.sh [RELEASE]
# Log: .out/trixie-<release>/make.log
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rel=${1:-}
if [ -z "$rel" ]; then
	rel=$("$HVSEC_TOP/scripts/trixie-apt.sh" newest 'linux-headers-7\.3\.[0-9]+\+deb13-amd64')
	rel=${rel#linux-headers-}
fi
[ -n "$rel" ] || die "trixie-build: no linux-headers-7.3.*+deb13-amd64 in trixie-backports"
"$HVSEC_TOP/scripts/trixie-chroot.sh" headers "$rel"
root=$("$HVSEC_TOP/scripts/trixie-chroot.sh" root)
out=$HVSEC_TOP/.out/trixie-$rel
mkdir -p "$out"
rm -rf "$root/tmp/hvsec"
hvsec_copy_tree "$root/tmp/hvsec"
start=$(date +%s)
rc=0
"$HVSEC_TOP/scripts/trixie-chroot.sh" run make -C /tmp/hvsec \
	KDIR="/lib/modules/$rel/build" W=1 modules > "$out/make.log" 2>&1 || rc=$?
log "trixie-build: $rel in $(( $(date +%s) - start )) s, log $out/make.log"
if [ $rc -ne 0 ] || grep -q -i -E 'warning|error' "$out/make.log"; then
	grep -i -E 'warning|error' "$out/make.log" >&2 || tail -n 20 "$out/make.log" >&2
	echo "trixie-build: FAILED on $rel"
	exit 1
fi
echo "trixie-build: $rel clean ($(ls "$root"/tmp/hvsec/drivers/*/*.ko | wc -l) modules)"
