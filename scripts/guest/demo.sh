#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make demo`: one short story per hvsec module -- the state before, what we
# do, the state after -- each told by our module and by a witness that does
# not trust it: Linux's own TPM driver, the DMAR fault log of Linux's
# intel-iommu, the CPU's MSRs read through /dev/cpu/N/msr. Runs with the
# modules loaded (scripts/vm-run.sh).

say() { echo "    $*"; }
indent() { sed 's/^/    /'; }
step() { echo "  -- $*"; }

echo "=== hvsec demo: Linux $(uname -r), $(nproc) CPUs," \
	"$(grep -o 'pti=[a-z]*' /proc/cmdline || echo 'pti as the CPU needs')"
for m in tpm12_drtm vtd_reassign ring3_exec; do
	echo
	if [ -r "/hvsec/lib/demo-$m.sh" ]; then
		. "/hvsec/lib/demo-$m.sh"
	fi
done
exit 0
