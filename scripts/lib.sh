# SPDX-License-Identifier: GPL-2.0
# Shared helpers for hvsec's host-side scripts. Source it; do not run it.

HVSEC_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HVSEC_CACHE=${HVSEC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hvsec}
HVSEC_FRAGMENT=$HVSEC_TOP/scripts/testhost.config
# Bump when the way the kernel is configured or built changes.
HVSEC_KBUILD_RECIPE=1

die() { echo "hvsec: $*" >&2; exit 1; }
log() { echo "hvsec: $*" >&2; }

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
	if [ ! -f "$HVSEC_CACHE/.apt-updated" ] ||
	   [ -n "$(find "$HVSEC_CACHE/.apt-updated" -mmin +360 2>/dev/null)" ]; then
		apt-get update -q >&2 || die "apt-get update failed"
		mkdir -p "$HVSEC_CACHE" && touch "$HVSEC_CACHE/.apt-updated"
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
}

KBUILD_PKGS=(linux-source-6.12 build-essential flex bison bc libelf-dev libssl-dev
	     dwarves cpio kmod xz-utils python3 rsync)
HOST_PKGS=(qemu-system-x86 swtpm swtpm-tools busybox-static cpio gzip)
LINT_PKGS=(sparse perl)

# The test kernel's identity: source package version + fragment hash + recipe.
kernel_key() {
	local ver
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) ||
		die "linux-source-6.12 is not installed"
	echo "6.12-${ver}-$(sha256sum "$HVSEC_FRAGMENT" | cut -c1-12)-r$HVSEC_KBUILD_RECIPE"
}

kernel_dir() { echo "$HVSEC_CACHE/kernel-$(kernel_key)"; }
