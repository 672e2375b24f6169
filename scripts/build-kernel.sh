#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the hvsec test-host kernel from Debian's linux-source-6.12
# and scripts/testhost.config. Prints the kernel build directory (usable as
# KDIR) on stdout. The result is cached in $HVSEC_CACHE, keyed by the source
# package version and the fragment's hash.
#
# HVSEC_KSERIES=7.3 (or --series 7.3) builds trixie-backports'
# linux-source-7.3 instead (scripts/trixie-apt.sh fetches it), with
# scripts/testhost-7.3.config merged after scripts/testhost.config.
# Compiles run under nice -n 19.
set -euo pipefail
if [ "${1:-}" = --series ]; then
	export HVSEC_KSERIES=$2
	shift 2
fi
. "$(dirname "$0")/lib.sh"

need_pkgs "${KBUILD_PKGS[@]}"

series=$HVSEC_KSERIES
ver=$(kernel_source_version)
src=$HVSEC_CACHE/src/linux-source-$series-$ver
out=$(kernel_dir)

# A finished build is never touched again: reuse it without the lock, so a
# build for another fragment never holds up a caller whose kernel is cached.
if [ -f "$out/.hvsec-built" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$HVSEC_CACHE/src"
# One builder at a time; later callers wait and reuse its result.
# (A lock per series: a 7.3 build never holds up a 6.12 caller.)
lock=$HVSEC_CACHE/.build-kernel.lock
[ "$series" = 6.12 ] || lock=$HVSEC_CACHE/.build-kernel-$series.lock
exec 9>"$lock"
flock 9

if [ -f "$out/.hvsec-built" ]; then
	echo "$out"
	exit 0
fi

if [ ! -f "$src/.hvsec-extracted" ]; then
	if [ "$series" = 6.12 ]; then
		tarball=/usr/src/linux-source-6.12.tar.xz
	else
		tarball=$("$HVSEC_TOP/scripts/trixie-apt.sh" source-tarball) ||
			die "cannot fetch linux-source-$series"
	fi
	log "extracting linux-source-$series $ver"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -C "$src.tmp" -xf "$tarball"
	mv "$src.tmp/linux-source-$series" "$src"
	rmdir "$src.tmp"
	touch "$src/.hvsec-extracted"
fi

log "configuring test kernel in $out"
rm -rf "$out"
mkdir -p "$out"
fragments=("$HVSEC_FRAGMENT")
over=$(kernel_fragment_override)
[ -z "$over" ] || fragments+=("$over")
make -s -C "$src" O="$out" allnoconfig >&2
(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
	"$out/.config" "${fragments[@]}" >/dev/null)
make -s -C "$src" O="$out" olddefconfig >&2

# Fail loudly if Kconfig dropped anything we asked for (the last fragment
# that sets an option wins).
wanted=$out/.hvsec-wanted
cat "${fragments[@]}" | awk '
	/^CONFIG_[A-Za-z0-9_]+=/ { o = $0; sub(/=.*/, "", o) }
	/^# CONFIG_[A-Za-z0-9_]+ is not set/ { o = $2 }
	o != "" { if (!(o in line)) order[n++] = o; line[o] = $0; o = "" }
	END { for (i = 0; i < n; i++) print line[order[i]] }' > "$wanted"
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
done < "$wanted"
[ $bad -eq 0 ] || die "the test kernel config lacks required options (see above)"

log "building test kernel $series ($(nproc) cores); this takes a few minutes once"
start=$(date +%s)
# Progress: objects built against the count of the last build of this
# series (first build: a measured count for this fragment).
objects_file=$HVSEC_CACHE/.kbuild-objects-$series
total=$(cat "$objects_file" 2>/dev/null || true)
[[ "$total" =~ ^[0-9]+$ ]] || case "$series" in 6.12) total=1520 ;; *) total=1700 ;; esac
count_objects() { find "$out" -name '*.o' 2>/dev/null | wc -l; }
with_progress "kernel $series" count_objects "$total" -- \
	nice -n 19 make -s -C "$src" O="$out" -j"$(( $(nproc) + 1 ))" bzImage modules >&2 ||
	die "test kernel build failed (log above)"
nice -n 19 make -s -C "$src" O="$out" modules_prepare >&2
count_objects > "$objects_file"
log "test kernel built in $(( $(date +%s) - start )) s ($(cat "$objects_file") objects)"
touch "$out/.hvsec-built"
echo "$out"
