#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make demo`: show each hvsec module at work in the test host through its
# debugfs/securityfs files, beside Linux's own view of the same hardware.
# Runs with the modules loaded (scripts/vm-run.sh).

# Component demo steps: scripts/guest/demo-<module>.sh, when present.
component() {
	if [ -r "/hvsec/lib/demo-$1.sh" ]; then
		. "/hvsec/lib/demo-$1.sh"
	fi
}

show() {
	echo "--- $1"
	cat "$1" 2>&1 | sed 's/^/    /'
}

echo "=== hvsec demo on $(uname -r) ==="
echo
echo "== tpm12_drtm: the TPM 1.2 as our TIS driver sees it"
for f in /sys/kernel/debug/tpm12_drtm/*; do show "$f"; done
echo "== Linux's tpm_tis view of the DRTM PCRs (locality 0 cannot extend them)"
grep -E '^PCR-1[78]' /sys/class/tpm/tpm0/pcrs | sed 's/^/    /'
component tpm12_drtm
echo
echo "== vtd_reassign: the VT-d units and context entries"
for f in /sys/kernel/debug/vtd_reassign/*; do
	[ -f "$f" ] && show "$f"
done
echo "== Linux's IOMMU groups"
for g in /sys/kernel/iommu_groups/*; do
	echo "    group ${g##*/}: $(ls "$g/devices" | tr '\n' ' ')"
done
component vtd_reassign
echo
echo "== ring3_exec: the SYSCALL MSRs of this CPU"
for f in /sys/kernel/debug/ring3_exec/*; do
	[ -f "$f" ] && show "$f"
done
component ring3_exec
exit 0
