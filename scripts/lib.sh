# SPDX-License-Identifier: GPL-2.0
# Shared helpers for hvsec's host-side scripts. Source it; do not run it.

HVSEC_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HVSEC_CACHE=${HVSEC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hvsec}
HVSEC_FRAGMENT=$HVSEC_TOP/scripts/testhost.config
# Bump when the way the kernel is configured or built changes.
HVSEC_KBUILD_RECIPE=1

die() { echo "hvsec: $*" >&2; exit 1; }
log() { echo "hvsec: $*" >&2; }

# mmss SECONDS -- "4m07s".
mmss() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# with_progress LABEL COUNT_CMD TOTAL -- CMD...
# Run CMD and show that it is alive: on a terminal one status line redrawn
# every 2 s, otherwise (CI) a plain line every minute, all on stderr. With a
# COUNT_CMD (prints a number, e.g. objects built so far) the line shows
# COUNT/TOTAL, a percentage and the time left at the rate so far; TOTAL may
# be empty (unknown). HVSEC_PROGRESS_EVERY sets the CI period in seconds.
# Returns CMD's status; Ctrl-C stops CMD too.
with_progress() {
	local label=$1 count_cmd=$2 total=$3 every=${HVSEC_PROGRESS_EVERY:-60} tty=0 t0 el last=0 n pid rc line
	shift 4
	[ -t 2 ] && { tty=1; every=2; }
	t0=$(date +%s)
	setsid "$@" &
	pid=$!
	trap 'kill -TERM -- -'"$pid"' 2>/dev/null; exit 130' INT TERM
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		el=$(( $(date +%s) - t0 ))
		[ $((el - last)) -ge $every ] || continue
		last=$el
		line="$label: $(mmss "$el")"
		if [ -n "$count_cmd" ]; then
			n=$($count_cmd 2>/dev/null || echo 0)
			if [ -n "$total" ] && [ "$total" -gt 0 ] && [ "$n" -gt 0 ]; then
				[ "$n" -le "$total" ] || n=$total
				line="$label: $n/$total ($((n * 100 / total))%), $(mmss "$el"), about $(mmss $((el * (total - n) / n))) left"
			else
				line="$label: $n so far, $(mmss "$el")"
			fi
		fi
		if [ $tty -eq 1 ]; then
			printf '\r\033[Khvsec: %s' "$line" >&2
		else
			echo "hvsec: $line" >&2
		fi
	done
	wait "$pid"
	rc=$?
	trap - INT TERM
	[ $tty -eq 0 ] || printf '\r\033[K' >&2
	return $rc
}

# need_pkgs PKG... -- install missing Debian packages (root only).
need_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		die "missing packages: ${missing[*]} (run as root, or: apt-get install ${missing[*]})"
	fi
	log "installing ${missing[*]}"
	apt_update_once
	with_progress "apt-get install (${#missing[@]} packages)" "" "" -- \
		env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		-o DPkg::Lock::Timeout=600 "${missing[@]}" >&2 ||
		die "apt-get install ${missing[*]} failed"
}

# apt_update_once -- apt-get update unless done in the last 6 hours (root).
apt_update_once() {
	if [ ! -f "$HVSEC_CACHE/.apt-updated" ] ||
	   [ -n "$(find "$HVSEC_CACHE/.apt-updated" -mmin +360 2>/dev/null)" ]; then
		with_progress "apt-get update" "" "" -- \
			apt-get update -q -o DPkg::Lock::Timeout=600 >&2 || die "apt-get update failed"
		mkdir -p "$HVSEC_CACHE" && touch "$HVSEC_CACHE/.apt-updated"
	fi
}

KBUILD_PKGS=(linux-source-6.12 build-essential flex bison bc libelf-dev libssl-dev
	     gcc-12-plugin-dev
	     dwarves cpio kmod xz-utils python3 rsync)
HOST_PKGS=(qemu-system-x86 swtpm swtpm-tools busybox-static cpio gzip tpm2-tools)
LINT_PKGS=(sparse perl)

# The test kernel's series: 6.12 (Debian 12's linux-source-6.12, the
# default) or 7.3 (trixie-backports' linux-source-7.3, fetched by
# scripts/trixie-apt.sh). A series may add scripts/testhost-<series>.config,
# merged after scripts/testhost.config (its lines win).
HVSEC_KSERIES=${HVSEC_KSERIES:-6.12}
case "$HVSEC_KSERIES" in
6.12|7.3) ;;
*) die "unknown test kernel series $HVSEC_KSERIES (6.12 or 7.3)" ;;
esac

# The per-series fragment, if any.
kernel_fragment_override() {
	local f=$HVSEC_TOP/scripts/testhost-$HVSEC_KSERIES.config
	[ -f "$f" ] && echo "$f"
	return 0
}

# The source package version of the test kernel's series.
kernel_source_version() {
	if [ "$HVSEC_KSERIES" = 6.12 ]; then
		dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null ||
			die "linux-source-6.12 is not installed"
	else
		"$HVSEC_TOP/scripts/trixie-apt.sh" version "linux-source-$HVSEC_KSERIES" |
			grep . || die "no linux-source-$HVSEC_KSERIES in trixie-backports"
	fi
}

# The test kernel's identity: series, source package version, fragment hash
# (the per-series fragment included) and recipe.
kernel_key() {
	local ver hash over
	ver=$(kernel_source_version) || exit 1
	over=$(kernel_fragment_override)
	if [ -n "$over" ]; then
		hash=$(cat "$HVSEC_FRAGMENT" "$over" | sha256sum | cut -c1-12)
	else
		hash=$(sha256sum "$HVSEC_FRAGMENT" | cut -c1-12)
	fi
	echo "$HVSEC_KSERIES-${ver}-$hash-r$HVSEC_KBUILD_RECIPE"
}

kernel_dir() { echo "$HVSEC_CACHE/kernel-$(kernel_key)"; }

# The driver modules: the "obj-m += NAME.o" lines of drivers/*/Kbuild (the
# same rule dkms.conf follows).
hvsec_driver_modules() {
	sed -n 's/^obj-m[[:space:]]*+=[[:space:]]*//p' "$HVSEC_TOP"/drivers/*/Kbuild |
		tr ' ' '\n' | sed -n 's/\.o$//p'
}

# hvsec_copy_tree DEST -- copy the kbuild tree (what DKMS gets: no tools,
# tests or build outputs) to DEST.
hvsec_copy_tree() {
	mkdir -p "$1"
	tar -C "$HVSEC_TOP" -cf - --exclude-vcs --exclude-from="$HVSEC_TOP/.gitignore" \
		dkms.conf VERSION Kbuild Makefile drivers include kunit | tar -C "$1" -xf -
}

# hvsec_build_modules RELEASE DEST LOG -- build every module, the test
# modules included, in a scratch copy against an installed kernel's headers
# (with intel-iommu's private headers when scripts/private-headers.sh made
# them) and copy the .ko files to DEST. The build output goes to LOG.
hvsec_build_modules() {
	local rel=$1 dest=$2 log=$3 tmp priv=/usr/src/hvsec-kernel-private/$1 rc=0
	local opts=()
	[ -d "$priv" ] && opts+=("HVSEC_PRIVATE_SRC=$priv")
	tmp=$(mktemp -d /tmp/hvsec-build.XXXXXX)
	hvsec_copy_tree "$tmp"
	if make -s -C "$tmp" KDIR="/lib/modules/$rel/build" "${opts[@]}" modules > "$log" 2>&1; then
		mkdir -p "$dest"
		cp "$tmp"/drivers/*/*.ko "$dest/"
	else
		rc=1
	fi
	rm -rf "$tmp"
	return $rc
}

# Modules of a stock kernel that the test host needs when they are not built
# in (Debian: msr for /dev/cpu/N/msr, VFIO for device assignment tests).
HVSEC_GUEST_KMODS=(msr vfio-pci vfio_iommu_type1)

# kselftest_src -- a kernel source directory for building the tools and
# selftests without building the test kernel: the test kernel's extracted
# linux-source-6.12 if present, else its tools/ and uapi headers alone.
kselftest_src() {
	local ver dir
	need_pkgs linux-source-6.12 xz-utils
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	dir=$HVSEC_CACHE/src/linux-source-6.12-$ver
	if [ ! -f "$dir/.hvsec-extracted" ]; then
		dir=$HVSEC_CACHE/src-tools/linux-source-6.12-$ver
		if [ ! -f "$dir/.hvsec-extracted" ]; then
			log "extracting tools/ and uapi headers of linux-source-6.12 $ver"
			rm -rf "$dir" && mkdir -p "$dir"
			tar -C "$dir" --strip-components=1 -xf /usr/src/linux-source-6.12.tar.xz \
				linux-source-6.12/tools linux-source-6.12/include/uapi \
				linux-source-6.12/arch/x86/include/uapi >&2 ||
				die "cannot extract tools/ from linux-source-6.12"
			touch "$dir/.hvsec-extracted"
		fi
	fi
	echo "$dir"
}
