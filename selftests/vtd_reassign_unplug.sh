#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Hot-unplug during intel-iommu domain switches: an edu behind a PCIe root
# port (test host --hotplug-edu) is switched A <-> B in a loop, with DMA,
# by vtd_reassign_edutest's "hotplug" while the host unplugs it (this
# script prints "HVSEC-UNPLUG ID"; scripts/monitor-agent.py on the host
# sends "device_del ID" to QEMU's monitor, and pciehp removes the device;
# requests for another id or with more words must be refused, first).
# The loop must be stopped by the removal, its last switch complete (or fail
# with its error) and a DMA after it land in its domain; the device goes
# away within a bound, its domains are unmapped and freed after its release
# (KASAN sees any use of what was freed), no kernel splat, no DMAR fault
# from another device, and the remaining edu still switches directly.
# Prints TAP 13. Leaves vtd_reassign loaded with its default parameters.
#
# Linux's own pciehp makes lockdep report a circular dependency
# (&ctrl->reset_lock vs pci_rescan_remove_lock, in pciehp_unconfigure_device)
# on every hot-removal, with or without hvsec's modules (Linux 6.12 to 7.3;
# Documentation/testing.rst). That report is not counted as a splat when it
# names no hvsec module; lockdep is off for the rest of the boot after it,
# which is why this test has the name that makes it the last of the main
# selftests (the leak scan after them still covers it).

D=/sys/kernel/debug
T=$D/vtd_reassign_edutest
H=$D/vtd_reassign/intel_iommu
M=/hvsec/modules
. /hvsec/lib/tap.sh
# Kernel splat lines, without Linux's pciehp lockdep report (above).
splats() {
	dmesg | awk '
		/possible circular locking dependency detected/ { blk = 1; n = 0; buf = "" }
		blk {
			buf = buf $0 "\n"
			if (!/<\/TASK>/ && ++n < 300)
				next
			blk = 0
			if (buf !~ /\(&ctrl->reset_lock\)/ || buf !~ /\(pci_rescan_remove_lock\)/ ||
			    buf ~ /\[(vtd_reassign|tpm12_drtm|ring3_exec)/)
				printf "%s", buf
			next
		}
		{ print }
		END { if (blk) printf "%s", buf }' |
		grep -cE 'WARNING:|BUG:|Oops|Call Trace|INFO: task|possible .*deadlock|KASAN'
}
hstat() { sed -n "s/^$1 //p" $H/stats; }
loaded() { grep -q "^$1 " /proc/modules; }
# DMAR fault reports of devices other than $1 (bus:dev.fn).
other_faults() { dmesg | grep 'DMAR: \[DMA' | grep -cv "device \[$1\]"; }
own_faults() { dmesg | grep 'DMAR: \[DMA' | grep -c "device \[$1\]"; }

PLAN=9
# Bounds (seconds): the loop; the device's removal after the request
# (pciehp waits 5 s for a second button press before it powers off); how
# long a refused request must leave the device in place.
LOOP_MAX=90
GONE_MAX=60
REFUSED_WAIT=8

echo "TAP version 13"
echo "1..$PLAN"
skip_all() {
	for i in $(seq $PLAN); do skip "hotplug test $i" "$1"; done
	exit 0
}

# testhost.sh --hotplug-edu puts hvsec.unplug=ID@SLOT on the command line.
spec=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^hvsec\.unplug=//p' | head -n 1)
[ -n "$spec" ] ||
	skip_all "no hot-unpluggable edu on this test host (testhost.sh --hotplug-edu)"
id=${spec%@*} slot=${spec#*@}
[ -f $M/vtd_reassign_edutest.ko ] ||
	skip_all "the intel-iommu hook is not built for $(uname -r)"
addr=$(cat "/sys/bus/pci/slots/$slot/address" 2>/dev/null)
bdf=$addr.0
if [ -z "$addr" ] || [ "$(cat "/sys/bus/pci/devices/$bdf/device" 2>/dev/null)" != 0x11e8 ]; then
	for i in $(seq $PLAN); do not_ok "hotplug test $i: no edu in PCIe slot $slot ($spec)"; done
	exit 1
fi
short=${bdf#*:}
loaded vtd_reassign || insmod $M/vtd_reassign.ko
if [ ! -d $H ] || ! insmod $M/vtd_reassign_edutest.ko; then
	for i in $(seq $PLAN); do not_ok "hotplug test $i: setup"; done
	exit 1
fi
echo "# hot-plug edu $bdf in slot $slot (QEMU id $id)"
s0=$(splats) o0=$(other_faults "$short") w0=$(own_faults "$short")
d0=$(hstat direct) e0=$(hstat errors)

log=/tmp/vtd_hotplug.log
(echo $LOOP_MAX > $T/hotplug; echo "status $?" > $log) &
lpid=$!
# Let the loop switch for a while (it counts in the hook's stats).
i=0
while [ $i -lt 40 ] && [ "$(hstat direct)" -lt $((d0 + 20)) ]; do
	sleep 0.25; i=$((i + 1))
done
d1=$(hstat direct)
echo "# direct switches before the unplug request: $((d1 - d0))"
# Requests the host must refuse: another id, and the id with more words.
echo "# HVSEC-UNPLUG ${id}x"
echo "# HVSEC-UNPLUG $id now"
sleep $REFUSED_WAIT
[ -e "/sys/bus/pci/devices/$bdf" ]
check $? "requests the host must refuse leave the device in place (${REFUSED_WAIT}s)"
echo "# HVSEC-UNPLUG $id"
t=0
while [ -e "/sys/bus/pci/devices/$bdf" ] && [ $t -lt $((GONE_MAX * 4)) ]; do
	sleep 0.25; t=$((t + 1))
done
! [ -e "/sys/bus/pci/devices/$bdf" ]
check $? "the unplug request removed $bdf within ${GONE_MAX}s"

# The loop has stopped when the removal began (bounded by LOOP_MAX).
t=0
while kill -0 $lpid 2>/dev/null && [ $t -lt $(((LOOP_MAX + 10) * 4)) ]; do
	sleep 0.25; t=$((t + 1))
done
kill -0 $lpid 2>/dev/null && kill $lpid
wait $lpid
r=$(cat $T/result)
d2=$(hstat direct) e2=$(hstat errors)
echo "# loop: $(cat $log 2>/dev/null); $r; direct $d0 -> $d2, errors $e0 -> $e2"
case "$r" in
*"stopped-by=removal "*"last-switch=0 dma-after=0 follows=1"*) ;;
*) false ;;
esac
check $? "the removal stopped the loop; its last switch completed and the DMA after it landed in that domain"
sw=$(echo "$r" | sed -n 's/.* switches=\([0-9]*\) .*/\1/p')
[ "${sw:-0}" -gt 0 ] && [ "$d2" -ge $((d0 + sw)) ] && [ "$e2" = "$e0" ]
check $? "every switch of the loop was direct, none failed ($sw switches)"

echo free > $T/hotplug
r=$?
f=$(cat $T/result)
echo "# $f"
[ $r = 0 ] && [ "$f" = "freed: unmapped A 4096 B 4096, devices left in the group 0, device gone" ]
check $? "after the release, the device's domains unmap and free cleanly (nothing of it left)"

grep -q "^$bdf:" $D/vtd_reassign/contexts
[ $? = 1 ]
check $? "the removed device's state is dropped (no context entry listed)"

o1=$(other_faults "$short") w1=$(own_faults "$short") s1=$(splats)
echo "# DMAR faults: other devices $o0 -> $o1, $short $w0 -> $w1; kernel splats $s0 -> $s1"
[ "$o1" = "$o0" ]
check $? "no DMAR fault from another device"
[ "$s1" = "$s0" ]
check $? "no kernel splat (KASAN, WARNING, BUG, lockdep)"

d0=$(hstat direct)
echo 1 > $T/run && grep -q '^PASS' $T/result && [ "$(hstat direct)" -ge $((d0 + 4)) ]
check $? "the remaining edu still switches directly, its DMA following"

rmmod vtd_reassign_edutest || fails=$((fails + 1))
[ $fails -eq 0 ]
