# SPDX-License-Identifier: GPL-2.0
# Helpers for jobs running inside the hvsec test host. Sourced by /init.

# The driver modules, in load order.
HVSEC_MODULES="tpm12_drtm vtd_reassign ring3_exec"

# hvsec_exit STATUS -- power off with STATUS (0..127) as QEMU's verdict.
hvsec_exit() {
	sync
	st=$(( $1 & 127 ))
	# isa-debug-exit at 0xf4: QEMU exits with (value << 1) | 1. /init
	# opens /dev/port as fd 9 before the job runs: a job may raise the
	# kernel's lockdown, after which /dev/port cannot be opened.
	if [ -e /proc/self/fd/9 ]; then
		printf "\\$(printf %03o "$st")" | dd bs=1 seek=244 count=1 >&9 2>/dev/null
	else
		printf "\\$(printf %03o "$st")" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
	fi
	poweroff -f
}

# hvsec_load [MODULE...] -- insmod the project's modules (all by default).
hvsec_load() {
	for m in ${*:-$HVSEC_MODULES}; do
		grep -q "^$m " /proc/modules && continue
		insmod "/hvsec/modules/$m.ko" || { echo "hvsec: insmod $m failed"; return 1; }
	done
}

# hvsec_unload [MODULE...] -- rmmod in reverse order.
hvsec_unload() {
	r=""
	for m in ${*:-$HVSEC_MODULES}; do r="$m $r"; done
	for m in $r; do
		grep -q "^$m " /proc/modules || continue
		rmmod "$m" || { echo "hvsec: rmmod $m failed"; return 1; }
	done
}
