#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tpm12_drtm's event log address and kernel lockdown. First, with the
# kernel not locked down: an event log to adopt (evlog_phys) must lie in
# reserved memory; an address in System RAM is refused with its reason, and
# where the boot reserved a region (memmap=SIZE$ADDR on the kernel command
# line) a container written there through /dev/mem is adopted and extended
# in place. Then the test raises the running kernel's lockdown to
# "integrity", the state lockdown=integrity gives at boot (it cannot be
# lowered again: the jobs run this test after every other one), and the
# module goes on measuring, verifying and showing its debugfs files.
# Prints TAP 13. Leaves tpm12_drtm loaded.

MOD=/hvsec/modules/tpm12_drtm.ko
DBG=/sys/kernel/debug/tpm12_drtm
LPCRS=/sys/class/tpm/tpm0/pcrs
LOCKDOWN=/sys/kernel/security/lockdown
T=/tmp/tpm12_drtm_lockdown
PLAN=8
. /hvsec/lib/tap.sh

echo "TAP version 13"
# kunit.py (make check) wants the plan first: keep in step with the tests.
echo "1..$PLAN"
if [ ! -w $LOCKDOWN ]; then
	while [ $n -lt $PLAN ]; do skip "lockdown test" "no $LOCKDOWN (CONFIG_SECURITY_LOCKDOWN_LSM)"; done
	exit 0
fi
mkdir -p $T
rmmod tpm12_drtm 2>/dev/null

# An event log in System RAM is refused, with the reason.
ram=0x100000
for r in $(sed -n 's/^\([0-9a-f]*\)-[0-9a-f]* : System RAM$/\1/p' /proc/iomem); do
	[ $((0x$r)) -ge 1048576 ] && { ram=$(printf '%#x' $((0x$r))); break; }
done
dmesg -c > /dev/null
if insmod $MOD evlog_phys=$ram evlog_phys_size=4096 2>/dev/null; then
	not_ok "event log at $ram (System RAM) refused (it was adopted)"
	rmmod tpm12_drtm
else
	dmesg | grep -q "refusing event log at $ram+0x1000: it lies in System RAM, not in reserved memory"
	check $? "event log at $ram (System RAM) refused with its reason"
fi

# A container in memory the boot reserved (memmap=SIZE$ADDR) is adopted,
# and our events go into it.
res=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^memmap=[0-9]*[KMG]\$\(0x[0-9a-fA-F]*\)$/\1/p' | head -n 1)
if [ -n "$res" ] && [ -c /dev/mem ]; then
	page=$((res / 4096))
	{
		printf 'TXT Event Container\000'
		head -c 12 /dev/zero
		# versions 1.0/1.0, ContainerSize 4096, PCREventsOffset and
		# NextEventOffset 48
		printf '\001\000\001\000\000\020\000\000\060\000\000\000\060\000\000\000'
		head -c 4048 /dev/zero
	} > $T/container
	next_off() {
		dd if=/dev/mem bs=4096 skip=$page count=1 2>/dev/null | od -A n -t u4 -j 44 -N 4 | tr -d ' '
	}
	dd if=$T/container of=/dev/mem bs=4096 seek=$page count=1 conv=notrunc 2>/dev/null &&
		[ "$(next_off)" = 48 ]
	check $? "container written to the reserved region at $res"
	dmesg -c > /dev/null
	insmod $MOD evlog_phys=$res evlog_phys_size=4096 &&
		grep -q '^evlog_adopted: 1' $DBG/status &&
		drtm measure --pcr 18 --desc adopted $T/container > $T/out 2>&1 &&
		[ "$(next_off)" -gt 48 ] && [ "$(drtm log | wc -l)" = 1 ]
	check $? "container at $res (reserved) adopted; the event is in that memory ($(next_off) bytes used)"
	rmmod tpm12_drtm
else
	skip "container written to a reserved region" "no memmap=SIZE\$ADDR on the kernel command line"
	skip "container in reserved memory adopted" "no memmap=SIZE\$ADDR on the kernel command line"
fi

# The module, loaded before, goes on working in lockdown. (Loading it in
# lockdown needs a module signature the kernel trusts; the refusal of
# tis_base and evlog_phys there is the kernel's own rule for parameters
# declared with module_param_hw(), checked by KUnit tpm12_drtm_tis.)
insmod $MOD
check $? "module loaded"
cp $LPCRS $T/start
echo integrity > $LOCKDOWN 2>/dev/null
grep -q '\[integrity\]' $LOCKDOWN
check $? "kernel locked down: $(cat $LOCKDOWN)"
dd if=/dev/urandom of=$T/data bs=100 count=1 2>/dev/null
drtm measure --pcr 17 --type slaunch --desc locked-down $T/data > $T/out 2>&1
check $? "drtm measure PCR 17 under lockdown"
drtm verify --start $T/start > $T/out 2>&1
check $? "drtm verify under lockdown"
grep -q '^evlog_used: ' $DBG/status && grep -q '^PCR-17:' $DBG/pcrs
check $? "debugfs status and pcrs readable under lockdown"

rm -rf $T
[ $n = $PLAN ] || { echo "# ran $n tests, planned $PLAN"; fails=1; }
exit $((fails > 0))
