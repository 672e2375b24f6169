#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vtd_reassign's intel-iommu hook on the test host: QEMU's edu device DMAs
# across intel-iommu domain switches, stock (vtd_reassign loaded with
# intel_iommu_hook=0, or not loaded) and with the hook (vtd_reassign's
# default); vtd_reassign unloads and reloads cleanly. Prints TAP 13. Leaves
# vtd_reassign loaded, with its default parameters, as the harness loads it.

D=/sys/kernel/debug
T=$D/vtd_reassign_edutest
H=$D/vtd_reassign/intel_iommu
M=/hvsec/modules
. /hvsec/lib/tap.sh
faults() { dmesg | grep -c 'DMAR: \[DMA'; }
hstat() { sed -n "s/^$1 //p" $H/stats; }
stock_total() { awk '/^stock:/ { s += $2 } END { print s + 0 }' $H/stats; }
run() { echo 1 > $T/run && grep -q '^PASS' $T/result; }
window() { echo 1 > $T/window && cat $T/result; }

PLAN=22
echo "TAP version 13"
echo "1..$PLAN"

# vtd_reassign MODULE-PARAMETERS -- (re)load vtd_reassign with them.
vtd_reassign() {
	if grep -q '^vtd_reassign ' /proc/modules; then
		rmmod vtd_reassign || return 1
	fi
	insmod $M/vtd_reassign.ko "$@"
}

# The hook is built only where intel-iommu's private headers are (Linux
# 6.12 and 7.3). Elsewhere, asking for it must fail the load with a message, and the
# default load must work without it.
if [ ! -f $M/vtd_reassign_edutest.ko ]; then
	vtd_reassign intel_iommu_hook=1 2>/dev/null
	r=$?
	dmesg | tail -n 5 | grep -q 'intel_iommu_hook=1 but the hook cannot work here' &&
		[ $r != 0 ] && ! grep -q '^vtd_reassign ' /proc/modules &&
		vtd_reassign && [ ! -d $H ]
	check $? "no hook on $(uname -r): intel_iommu_hook=1 is refused, the default loads"
	for i in $(seq 2 $PLAN); do
		skip "edu test $i" "the intel-iommu hook is not built for $(uname -r)"
	done
	exit $fails
fi
if ! grep -q 0x11e8 /sys/bus/pci/devices/*/device 2>/dev/null; then
	for i in $(seq $PLAN); do skip "edu test $i" "no edu device"; done
	exit 0
fi
if ! vtd_reassign intel_iommu_hook=0 || [ -d $H ] ||
   ! insmod $M/vtd_reassign_edutest.ko; then
	for i in $(seq $PLAN); do not_ok "edu test $i: setup"; done
	exit 1
fi

# The edu the tests use (not one behind a hot-plug port: that one is
# vtd_reassign_unplug.sh's).
edu=/sys/bus/pci/devices/$(sed -n 's/^tested //p' $T/devices)
echo "# edu under test: ${edu##*/}"

run; check $? "stock: DMA follows A -> B -> A switches"

f0=$(faults)
w=$(window)
sleep 1; f1=$(faults)
echo "# stock window: $w, DMAR faults $f0 -> $f1"
[ "$f1" -gt "$f0" ] && [ "$w" = "window: landed in none" ]
check $? "stock: DMA inside the switch faults (the hazard)"

if ! vtd_reassign || [ ! -d $H ]; then
	not_ok "vtd_reassign loads with the hook active"
	for i in $(seq 4 $PLAN); do skip "hook test $i" "hook not active"; done
	rmmod vtd_reassign_edutest
	exit 1
fi
ok "vtd_reassign loads with the hook active"

# Caching mode (CAP.CM, bit 7; test host --iommu caching): each direct switch
# also invalidates the other DID's IOTLB, in the same round.
cap=$(sed -n 's/^dmar0: .* cap=\(0x[0-9a-f]*\) .*/\1/p' $D/vtd_reassign/units)
cm=$(( (${cap:-0} >> 7) & 1 ))
invs=$((3 + cm))
echo "# dmar0 cap=$cap: caching mode $cm"

d0=$(hstat direct) c0=$(hstat caching-mode-flushes)
run; check $? "direct: DMA follows A -> B -> A switches"
d1=$(hstat direct) c1=$(hstat caching-mode-flushes)
echo "# direct switches $d0 -> $d1, caching-mode flushes $c0 -> $c1, errors $(hstat errors)"
[ "$d1" -ge $((d0 + 4)) ] && [ "$(hstat errors)" = 0 ] &&
	grep -q "direct entries=1 invs=$invs rounds=1 result=0" $H/history
check $? "direct: every switch took the direct path, with history"
[ -n "$c1" ] && [ $((c1 - c0)) = $(( (d1 - d0) * cm )) ]
check $? "caching mode $cm: the other DID's IOTLB is flushed in caching mode only"

E=/sys/kernel/debug/tracing/events/vtd_reassign/vtd_reassign_switch
if [ -d $E ]; then
	echo > /sys/kernel/debug/tracing/trace
	echo 1 > $E/enable
	run
	grep -q "vtd_reassign_switch: .* direct entries=1 invs=$invs rounds=1 result=0" \
		/sys/kernel/debug/tracing/trace
	r=$?
	echo 0 > $E/enable
	check $r "direct: one tracepoint event per switch"
else
	not_ok "direct: one tracepoint event per switch"
fi

f0=$(faults)
w=$(window)
sleep 1; f1=$(faults)
echo "# direct window: $w, DMAR faults $f0 -> $f1"
[ "$f1" = "$f0" ] && { [ "$w" = "window: landed in A" ] ||
	[ "$w" = "window: landed in B" ]; }
check $? "direct: DMA inside the switch lands in A or B, no fault"

# Cache-tag order: an unmap on the new domain while the switch is still in
# progress must reach this unit's IOTLB (the DMA to the unmapped IOVA faults).
echo 1 > $T/unmap
r=$?
echo "# unmap during the switch: $(cat $T/result)"
check $r "direct: an unmap on the new domain during the switch invalidates this unit"

# Shared DMA aliases: two edus behind one PCIe-to-PCI bridge (the test host's
# --edu bridge2) DMA with the bridge's requester id; the second device's
# switch finds that entry already moved and goes on directly.
if [ "$(cat "$edu"/iommu_group/devices/*/device | grep -c 0x11e8)" -ge 2 ]; then
	a0=$(hstat stock:alias-state) d0=$(hstat direct) sh0=$(hstat shared-aliases)
	f0=$(faults)
	echo 1 > $T/alias
	r=$?
	f1=$(faults)
	echo "# shared alias: $(cat $T/result); direct $d0 -> $(hstat direct), shared aliases $sh0 -> $(hstat shared-aliases), stock:alias-state $a0 -> $(hstat stock:alias-state), DMAR faults $f0 -> $f1"
	[ $r = 0 ] && [ "$f1" = "$f0" ] && [ "$(hstat stock:alias-state)" = "$a0" ] &&
		[ "$(hstat shared-aliases)" -gt "$sh0" ]
	check $? "direct: two devices sharing a DMA alias switch without a fault"
else
	skip "direct: two devices sharing a DMA alias switch without a fault" \
		"one edu in the group (the test host has two with --edu bridge2)"
fi

# Forced failures (intel_iommu/inject): the first direct switch of A -> B
# fails (attaching A switches each device of the edu's group once before);
# the device keeps A, the core's re-attach of A returns at once
# (same-domain), no DMA faults.
nth=$(($(ls "$edu/iommu_group/devices" | wc -l) + 1))
for p in tag flush undo-flush; do
	s0=$(hstat same-domain) i0=$(hstat injected) p0=$(hstat dids-pinned)
	f0=$(faults)
	echo "$p $nth" > $H/inject && echo 1 > $T/fail
	r=$?
	f1=$(faults)
	echo "# inject $p: $(cat $T/result); same-domain $s0 -> $(hstat same-domain), pinned DIDs $p0 -> $(hstat dids-pinned), DMAR faults $f0 -> $f1"
	[ $r = 0 ] && [ "$f1" = "$f0" ] && [ "$(hstat injected)" -gt "$i0" ] &&
		[ "$(hstat same-domain)" -gt "$s0" ] && [ "$(cat $H/inject)" = none ] &&
		{ [ $p != undo-flush ] || [ "$(hstat dids-pinned)" -gt "$p0" ]; }
	check $? "forced failure ($p): the device keeps A, its DMA never faults"
done

# An entry the undo cannot put back (forced): the new DID stays reserved and
# the core's re-attach of A takes the stock path, which rewrites the entry;
# DMA lands in A afterwards (faults are allowed while stock re-attaches).
s0=$(stock_total) p0=$(hstat dids-pinned)
echo "undo-store $nth" > $H/inject && echo 0 > $T/fail
r=$?
echo "# inject undo-store: $(cat $T/result); stock paths $s0 -> $(stock_total), pinned DIDs $p0 -> $(hstat dids-pinned)"
[ $r = 0 ] && [ "$(stock_total)" -gt "$s0" ] && [ "$(hstat dids-pinned)" -gt "$p0" ]
check $? "forced failure (undo-store): new DID kept, stock re-attach restores A"

# Bad input: an unknown failure point is refused with one line.
! echo bogus > $H/inject 2>/dev/null &&
	dmesg | tail -n 3 | grep -q 'inject: want POINT' &&
	[ "$(cat $H/inject)" = none ]
check $? "an unknown failure point is refused with a message"
# ... and so is bad input to the edu test's hotplug and stretch files.
! echo 601 > $T/hotplug 2>/dev/null &&
	dmesg | tail -n 3 | grep -q 'hotplug: want SECONDS' &&
	! echo soon > $T/stretch 2>/dev/null &&
	dmesg | tail -n 3 | grep -q 'stretch: want MS' &&
	[ "$(cat $T/stretch)" = idle ]
check $? "bad input to the edu test's hotplug and stretch is refused with a message"

rmmod vtd_reassign; check $? "vtd_reassign unloads"
run; check $? "stock again after unload"
vtd_reassign && run && [ "$(hstat direct)" -ge 4 ]
check $? "reload: direct again"
# A fallback, counted: with the identity domain as the group's default, the
# first attach (identity -> A) takes the stock path, the switches between A
# and B are direct.
tf=$edu/iommu_group/type
s0=$(stock_total) d0=$(hstat direct)
rmmod vtd_reassign_edutest && echo identity > "$tf" &&
	insmod $M/vtd_reassign_edutest.ko && run
r=$?
s1=$(stock_total) d1=$(hstat direct)
echo "# identity default domain ($(cat "$tf")): stock paths $s0 -> $s1, direct $d0 -> $d1"
echo "# fallbacks: $(grep '^stock:' $H/stats | grep -v ' 0$' | tr '\n' ' ')"
[ $r = 0 ] && [ "$s1" -gt "$s0" ] && [ "$d1" -gt "$d0" ]
check $? "fallback: the attach from the identity domain takes the stock path, counted"
grep -q '^vtd_reassign_edutest ' /proc/modules && rmmod vtd_reassign_edutest
echo DMA > "$tf" && insmod $M/vtd_reassign_edutest.ko

# Bad input: an out-of-range parameter is refused, the hook stays as it was.
rmmod vtd_reassign && ! insmod $M/vtd_reassign.ko intel_iommu_hook=2 2>/dev/null &&
	dmesg | tail -n 5 | grep -q 'intel_iommu_hook must be -1, 0 or 1' &&
	! grep -q '^vtd_reassign ' /proc/modules
check $? "intel_iommu_hook=2 is refused with a message"

rmmod vtd_reassign_edutest && vtd_reassign
check $? "cleanup"
[ $fails -eq 0 ]
