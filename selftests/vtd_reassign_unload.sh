#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rmmod vtd_reassign while domain switches run: an attach already redirected
# to the hook finishes on the direct path before the module's text goes away,
# switches that start later take the stock path, no kernel splat, and stock
# switches afterwards (the DMA inside a switch faults again). Prints TAP 13.
# Leaves vtd_reassign loaded with its default parameters.

D=/sys/kernel/debug
T=$D/vtd_reassign_edutest
H=$D/vtd_reassign/intel_iommu
M=/hvsec/modules
P=/sys/module/vtd_reassign_edutest/parameters/window_ms
. /hvsec/lib/tap.sh
faults() { dmesg | grep -c 'DMAR: \[DMA'; }
splats() { dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace|INFO: task|possible .*deadlock|KASAN'; }
hstat() { sed -n "s/^$1 //p" $H/stats; }
loaded() { grep -q "^$1 " /proc/modules; }
# Centiseconds since boot.
now() { awk '{ split($1, t, "."); print t[1] * 100 + t[2] }' /proc/uptime; }

PLAN=6
echo "TAP version 13"
echo "1..$PLAN"

if [ ! -f $M/vtd_reassign_edutest.ko ] ||
   ! grep -q 0x11e8 /sys/bus/pci/devices/*/device 2>/dev/null; then
	for i in $(seq $PLAN); do
		skip "unload test $i" "no intel-iommu hook or no edu device"
	done
	exit 0
fi
loaded vtd_reassign || insmod $M/vtd_reassign.ko
if [ ! -d $H ] || ! insmod $M/vtd_reassign_edutest.ko; then
	for i in $(seq $PLAN); do not_ok "unload test $i: setup"; done
	exit 1
fi
s0=$(splats)

# 1. An attach in flight: the window test stretches a switch for 1.5 s
# inside the hook; rmmod, started 0.5 s into it, must wait for it.
echo 1500 > $P
echo 1 > $T/window &
wpid=$!
sleep 0.5
t0=$(now)
rmmod vtd_reassign
r=$?
t1=$(now)
wait $wpid
w=$(cat $T/result)
echo "# rmmod during a stretched switch: status $r after $((t1 - t0))0 ms; $w"
[ $r = 0 ] && [ $((t1 - t0)) -ge 50 ] && ! loaded vtd_reassign &&
	{ [ "$w" = "window: landed in A" ] || [ "$w" = "window: landed in B" ]; }
check $? "rmmod waits for a redirected switch, which ends on the direct path"
echo 400 > $P

# 2. A switch loop with unloads and reloads in between.
log=/tmp/vtd_unload.log
: > $log
f0=$(faults)
(
	i=0
	while [ $i -lt 6 ]; do
		echo 1 > $T/run
		cat $T/result >> $log
		i=$((i + 1))
	done
) &
lpid=$!
cycles=0 bad=0
while kill -0 $lpid 2>/dev/null; do
	insmod $M/vtd_reassign.ko || bad=$((bad + 1))
	sleep 0.3
	rmmod vtd_reassign || bad=$((bad + 1))
	cycles=$((cycles + 1))
	sleep 0.2
done
wait $lpid
runs=$(wc -l < $log) pass=$(grep -c '^PASS' $log)
echo "# switch loop: $pass/$runs runs passed, $cycles load/unload cycles ($bad failed), DMAR faults $f0 -> $(faults)"
[ "$runs" = 6 ] && [ "$pass" = 6 ] && [ $bad = 0 ] && [ $cycles -ge 2 ]
check $? "switch loop across $cycles unloads: DMA follows every switch"

s1=$(splats)
echo "# kernel splats $s0 -> $s1"
[ "$s1" = "$s0" ]
check $? "no kernel splat"

# 3. Stock afterwards: no hook, and a DMA inside a switch faults again.
f0=$(faults)
w=$(echo 1 > $T/window && cat $T/result)
sleep 1
f1=$(faults)
echo "# after unload: $w, DMAR faults $f0 -> $f1"
[ ! -d $H ] && [ "$w" = "window: landed in none" ] && [ "$f1" -gt "$f0" ]
check $? "stock after unload: the switch blocks the device again"

# 4. Loaded again: direct, counters fresh.
insmod $M/vtd_reassign.ko && echo 1 > $T/run && grep -q '^PASS' $T/result &&
	[ "$(hstat direct)" -ge 4 ] && [ "$(hstat errors)" = 0 ]
check $? "reloaded: direct switches again"

rmmod vtd_reassign_edutest
check $? "cleanup"
[ $fails -eq 0 ]
