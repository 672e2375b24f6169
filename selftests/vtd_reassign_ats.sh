#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# An ATS-capable device under vtd_reassign's hook: a virtio-rng with ATS
# behind a PCIe root port, intel-iommu with device-iotlb=on (test host
# --ats). Linux gives it a device-IOTLB context entry; a domain switch of it
# (a new default DMA domain, through the group's sysfs "type" with the
# driver unbound) must take the stock path, counted as stock:ats-pri-pasid,
# and the device's DMA must still work afterwards: /dev/hwrng, with the
# virtio-rng selected, returns data. No DMAR fault, no kernel splat.
# Prints TAP 13. Leaves vtd_reassign loaded with its default parameters.

D=/sys/kernel/debug
H=$D/vtd_reassign/intel_iommu
M=/hvsec/modules
RNG=/sys/class/misc/hw_random
. /hvsec/lib/tap.sh
splats() { dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace|INFO: task|possible .*deadlock|KASAN'; }
faults() { dmesg | grep -c 'DMAR: \[DMA'; }
hstat() { sed -n "s/^$1 //p" $H/stats; }
loaded() { grep -q "^$1 " /proc/modules; }
ctx() { sed -n "s/^$bdf: //p" $D/vtd_reassign/contexts; }

PLAN=6
echo "TAP version 13"
echo "1..$PLAN"
skip_all() {
	for i in $(seq $PLAN); do skip "ats test $i" "$1"; done
	exit 0
}

# has_ats DEVICE-DIR -- the PCIe extended capability ATS (id 0x000f) is in
# its config space.
has_ats() {
	off=256 hops=0
	while [ $off -ge 256 ] && [ $off -lt 4096 ] && [ $hops -lt 64 ]; do
		h=$(od -A n -t x4 -j $off -N 4 "$1/config" 2>/dev/null | tr -d ' ')
		[ -n "$h" ] || return 1
		[ $((0x$h & 0xffff)) = 15 ] && return 0
		off=$(((0x$h >> 20) & 0xffc)) hops=$((hops + 1))
	done
	return 1
}

# The modern virtio-rng (1af4:1044) with ATS; testhost.sh --ats adds one.
dev=""
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1af4 ] && [ "$(cat "$d/device")" = 0x1044 ] &&
		has_ats "$d" && { dev=$d; break; }
done
[ -n "$dev" ] ||
	skip_all "no ATS-capable virtio-rng on this test host (testhost.sh --ats)"
[ -f $M/vtd_reassign_edutest.ko ] ||
	skip_all "the intel-iommu hook is not built for $(uname -r)"
bdf=${dev##*/}
loaded vtd_reassign || insmod $M/vtd_reassign.ko
if [ ! -d $H ] || [ "$(readlink "$dev/driver")" = "" ]; then
	for i in $(seq $PLAN); do not_ok "ats test $i: setup (hook or virtio-pci driver missing)"; done
	exit 1
fi
echo "# ATS-capable virtio-rng $bdf"

# hwrng_read -- select the virtio-rng and read 64 bytes from /dev/hwrng
# (bounded); true if they came and are not all zero.
hwrng_read() {
	name=$(tr ' ' '\n' < $RNG/rng_available | grep -m1 '^virtio_rng')
	[ -n "$name" ] && echo "$name" > $RNG/rng_current || return 1
	timeout -s KILL 20 dd if=/dev/hwrng of=/tmp/rng bs=64 count=1 2>/dev/null
	[ "$(wc -c < /tmp/rng)" = 64 ] &&
		[ -n "$(od -A n -t x1 -v /tmp/rng | tr -d ' 0\n')" ]
}

s0=$(splats) f0=$(faults)
c0=$(ctx)
echo "# context entry: $c0"
case "$c0" in *" tt=1 "*) true ;; *) false ;; esac
check $? "Linux uses ATS for it: its context entry has translation type 1 (device-IOTLB)"

hwrng_read
check $? "its DMA works before the switch (/dev/hwrng returns data)"

# The switch: a new default DMA domain, attached while no driver is bound.
# Writing the type the default domain has reuses it; "DMA-FQ" converts a
# DMA domain in place (no attach), so "DMA" after it always makes a new one.
a0=$(hstat stock:ats-pri-pasid) d0=$(hstat direct)
drv=$(readlink -f "$dev/driver")
tf=$dev/iommu_group/type
t0=$(cat "$tf")
echo "$bdf" > "$drv/unbind" &&
	echo DMA-FQ > "$tf" && echo DMA > "$tf" &&
	echo "$bdf" > "$drv/bind"
r=$?
# Back to the type it had (DMA -> DMA-FQ is in place, with the driver bound).
[ "$t0" = DMA-FQ ] && { echo DMA-FQ > "$tf" || r=1; }
c1=$(ctx) a1=$(hstat stock:ats-pri-pasid) d1=$(hstat direct)
echo "# switch (status $r, type $t0 -> $(cat "$tf")): $c0 -> $c1; stock:ats-pri-pasid $a0 -> $a1, direct $d0 -> $d1"
grep "$bdf" $H/history | tail -n 2 | sed 's/^/# history: /'
[ $r = 0 ] && [ "$a1" -gt "$a0" ] && [ "$d1" = "$d0" ] &&
	grep "$bdf" $H/history | tail -n 1 | grep -q 'stock:ats-pri-pasid .* result=0$'
check $? "the switch takes the stock path, counted as stock:ats-pri-pasid"
# Stock blocks the device first and frees the old DID, so the new domain
# may get the same DID: its page table tells the domains apart.
[ "${c1##*pgtable=}" != "${c0##*pgtable=}" ] &&
	case "$c1" in *" tt=1 "*) true ;; *) false ;; esac
check $? "the device is in the new domain (new page table), still with ATS"

hwrng_read
check $? "its DMA works after the switch (/dev/hwrng returns data)"

f1=$(faults) s1=$(splats)
echo "# DMAR faults $f0 -> $f1, kernel splats $s0 -> $s1"
[ "$f1" = "$f0" ] && [ "$s1" = "$s0" ]
check $? "no DMAR fault, no kernel splat"
[ $fails -eq 0 ]
