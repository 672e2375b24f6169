# SPDX-License-Identifier: GPL-2.0
# `make demo`, vtd_reassign: with its intel-iommu hook active (the default
# where it is built), the edu device DMAs across domain switches that
# replace its context entry in one step; the hook's statistics and history
# show each switch.
H=/sys/kernel/debug/vtd_reassign/intel_iommu
if [ -d $H ] && insmod /hvsec/modules/vtd_reassign_edutest.ko 2>/dev/null; then
	echo "--- edu DMA across A -> B -> A switches (vtd_reassign_edutest)"
	echo 1 > /sys/kernel/debug/vtd_reassign_edutest/run
	sed 's/^/    /' /sys/kernel/debug/vtd_reassign_edutest/result
	show $H/stats
	show $H/history
	echo "--- DMAR faults recorded by Linux: $(dmesg | grep -c 'DMAR: \[DMA')"
	rmmod vtd_reassign_edutest
fi
