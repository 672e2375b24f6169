# SPDX-License-Identifier: GPL-2.0
# `make demo`, vtd_reassign: the edu device moves between two IOMMU domains
# while it DMAs. With our intel-iommu hook the context entry is replaced in
# one step and the DMA lands; with Linux's stock path (module unloaded) the
# device is blocked in the middle of the switch. Witness: Linux's DMAR
# fault log.
H=/sys/kernel/debug/vtd_reassign/intel_iommu
T=/sys/kernel/debug/vtd_reassign_edutest
faults() { dmesg | grep -c 'DMAR: \[DMA'; }
hstat() { sed -n "s/^$1 //p" $H/stats; }

echo "== 2. vtd_reassign: switch a DMA-ing device between IOMMU domains, hitless"
if [ ! -d $H ] || ! insmod /hvsec/modules/vtd_reassign_edutest.ko 2>/dev/null; then
	say "no intel-iommu hook or no edu device here: nothing to show"
	return 0
fi
edu=$(grep -l 0x11e8 /sys/bus/pci/devices/*/device | head -n 1)
edu=${edu%/device}
say "edu ${edu##*/} in IOMMU group $(basename "$(readlink "$edu/iommu_group")")"
step "before: hook switches direct=$(hstat direct), stock fallbacks=$(grep '^stock:' $H/stats | awk '{ s += $2 } END { print s + 0 }'); DMAR faults so far: $(faults)"
step "action: DMA in domain A, switch to B, DMA, switch back to A, DMA"
echo 1 > $T/run
say "result: $(cat $T/result)"
step "action: a DMA issued just before a switch A -> B that is held open for a while"
echo 1 > $T/window
say "with the hook: $(cat $T/result)"
step "after: direct=$(hstat direct), errors=$(hstat errors); DMAR faults: $(faults)"
sed -n '$p' $H/history | indent
step "contrast: the same switch through Linux's stock path (vtd_reassign unloaded)"
f0=$(faults)
if rmmod vtd_reassign 2>/dev/null; then
	echo 1 > $T/window
	sleep 1
	say "stock: $(cat $T/result); DMAR faults $f0 -> $(faults):"
	dmesg | grep 'DMAR: \[DMA' | tail -n 1 | sed 's/^\[[ 0-9.]*\] //' | indent
	insmod /hvsec/modules/vtd_reassign.ko
else
	say "vtd_reassign is in use: the stock contrast is skipped"
fi
rmmod vtd_reassign_edutest
