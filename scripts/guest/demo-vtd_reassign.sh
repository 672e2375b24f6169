# SPDX-License-Identifier: GPL-2.0
# `make demo`, vtd_reassign: with the intel-iommu hook loaded, the edu
# device DMAs across domain switches that replace its context entry in one
# step; the hook's statistics and history show each switch.
if [ -f /hvsec/modules/vtd_reassign_iommu.ko ] &&
   insmod /hvsec/modules/vtd_reassign_edutest.ko 2>/dev/null; then
	insmod /hvsec/modules/vtd_reassign_iommu.ko
	echo "--- edu DMA across A -> B -> A switches (vtd_reassign_edutest)"
	echo 1 > /sys/kernel/debug/vtd_reassign_edutest/run
	sed 's/^/    /' /sys/kernel/debug/vtd_reassign_edutest/result
	show /sys/kernel/debug/vtd_reassign_iommu/stats
	show /sys/kernel/debug/vtd_reassign_iommu/history
	echo "--- DMAR faults recorded by Linux: $(dmesg | grep -c 'DMAR: \[DMA')"
	rmmod vtd_reassign_iommu
	rmmod vtd_reassign_edutest
fi
