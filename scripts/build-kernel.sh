#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the hvsec test-host kernel from Debian's linux-source-6.12
# and scripts/testhost.config. Prints the kernel build directory (usable as
# KDIR) on stdout. The result is cached in $HVSEC_CACHE, keyed by the source
# package version and the fragment's hash.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_pkgs "${KBUILD_PKGS[@]}"

ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
src=$HVSEC_CACHE/src/linux-source-6.12-$ver
out=$(kernel_dir)

mkdir -p "$HVSEC_CACHE/src"
# One builder at a time; later callers wait and reuse its result.
exec 9>"$HVSEC_CACHE/.build-kernel.lock"
flock 9

if [ -f "$out/.hvsec-built" ]; then
	echo "$out"
	exit 0
fi

if [ ! -f "$src/.hvsec-extracted" ]; then
	log "extracting linux-source-6.12 $ver"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -C "$src.tmp" -xf /usr/src/linux-source-6.12.tar.xz
	mv "$src.tmp/linux-source-6.12" "$src"
	rmdir "$src.tmp"
	touch "$src/.hvsec-extracted"
fi

log "configuring test kernel in $out"
rm -rf "$out"
mkdir -p "$out"
make -s -C "$src" O="$out" allnoconfig >&2
(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
	"$out/.config" "$HVSEC_FRAGMENT" >/dev/null)
make -s -C "$src" O="$out" olddefconfig >&2

# Fail loudly if Kconfig dropped anything we asked for.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$out/.config" || { log "config: wanted $line, got: $(grep "^${line%%=*}=" "$out/.config" || echo unset)"; bad=1; }
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		grep -q "^$opt=" "$out/.config" && { log "config: wanted $opt unset"; bad=1; }
		;;
	esac
done < "$HVSEC_FRAGMENT"
[ $bad -eq 0 ] || die "the test kernel config lacks required options (see above)"

log "building test kernel ($(nproc) cores); this takes a few minutes once"
start=$(date +%s)
make -s -C "$src" O="$out" -j"$(( $(nproc) + 1 ))" bzImage modules >&2
make -s -C "$src" O="$out" modules_prepare >&2
log "test kernel built in $(( $(date +%s) - start )) s"
touch "$out/.hvsec-built"
echo "$out"
