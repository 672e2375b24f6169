#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the modules, KUnit modules, tools and selftests against the test
# kernel and lay out the test host's root file system. Prints the staging
# directory. Options: --kdir DIR (default: the test kernel), --no-kunit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir="" kunit=1
while [ $# -gt 0 ]; do
	case "$1" in
	--kdir) kdir=$2; shift 2 ;;
	--no-kunit) kunit=0; shift ;;
	*) die "stage-guest: unknown argument $1" ;;
	esac
done
need_pkgs "${HOST_PKGS[@]}" build-essential
[ -n "$kdir" ] || kdir=$("$HVSEC_TOP/scripts/build-kernel.sh")
ksrc=$(readlink -f "$kdir/source" 2>/dev/null || echo "$kdir")

make -s -C "$HVSEC_TOP" KDIR="$kdir" modules >&2
make -s -C "$HVSEC_TOP/tools" KSRC="$ksrc" >&2
make -s -C "$HVSEC_TOP/selftests" KSRC="$ksrc" >&2

stage=$HVSEC_TOP/.out/stage
rm -rf "$stage"
mkdir -p "$stage"/{bin,hvsec/modules,hvsec/kunit,hvsec/bin,hvsec/selftests,hvsec/lib}
cp /bin/busybox "$stage/bin/busybox"
install -m 0755 "$HVSEC_TOP/scripts/guest/init" "$stage/init"
cp "$HVSEC_TOP"/scripts/guest/*.sh "$stage/hvsec/lib/"
cp "$HVSEC_TOP"/drivers/*/*.ko "$stage/hvsec/modules/"
if [ $kunit -eq 1 ]; then
	cp "$HVSEC_TOP"/kunit/*.ko "$stage/hvsec/kunit/"
	grep -v '^#' "$HVSEC_TOP/kunit/suites" > "$stage/hvsec/kunit/suites"
fi
make -s -C "$HVSEC_TOP/tools" KSRC="$ksrc" DESTDIR="$stage/hvsec/bin" install >&2
make -s -C "$HVSEC_TOP/selftests" KSRC="$ksrc" DESTDIR="$stage/hvsec/selftests" install >&2
echo "$stage"
