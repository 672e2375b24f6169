#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ring3_exec_mce: a machine check that arrives while a helper runs at CPL3
# is handed to Linux's #MC handler as one taken in the kernel, ends the
# call with fault vector 18, and leaves the machine usable. The machine
# check comes from QEMU's monitor (scripts/monitor-agent.py on the host
# injects what the "HVSEC-MCE" line asks for): an uncorrected, signalled error
# that needs no action (MCi_STATUS VAL|UC|EN|S, Linux's "action optional,
# unknown MCACOD") raised on one CPU only (MCG_STATUS RIPV|MCIP|LMCES).
# Linux recovers from that only on an Intel CPU model with software error
# recovery; on others (the AMD vendor of the test
# host's default "-cpu max", no SUCCOR) any uncorrected error panics, so
# the cases are skipped there. Prints TAP 13; needs ring3_exec loaded.

D=/sys/kernel/debug/ring3_exec
BUDGET=/sys/module/ring3_exec/parameters/budget_us
T=/tmp/ring3_exec_mce
N=0
STATUS=0xb100000000000000
MCG=0xd

echo "TAP version 13"
echo "1..4"
ok() { N=$((N + 1)); echo "ok $N - $1"; }
notok() { N=$((N + 1)); echo "not ok $N - $1"; FAIL=1; }
skip() { N=$((N + 1)); echo "ok $N - $1 # SKIP $2"; }
stat() { sed -n "s/^$1: //p" $D/stats; }
FAIL=0

why=""
[ -w $D/call ] || why="ring3_exec not loaded or no debugfs"
[ -z "$why" ] && ! grep -q '^vendor_id.*GenuineIntel' /proc/cpuinfo &&
	why="no survivable machine check on this CPU model (not Intel)"
[ -z "$why" ] && ! grep -q '^flags.* mca' /proc/cpuinfo && why="no MCA"
[ -z "$why" ] && ! command -v taskset >/dev/null && why="no taskset"
if [ -n "$why" ]; then
	for d in "machine check at CPL3 ends the call with vector 18" \
		 "Linux's handler saw it as a kernel-mode error and logged it" \
		 "a call after the machine check works" \
		 "budget restored"; do
		skip "$d" "$why"
	done
	exit 0
fi
mkdir -p $T
old=$(cat $BUDGET)
# Long enough for the helper to be running (a fork and exec take a while
# under TCG) when the machine check arrives from the host agent.
echo 8000000 > $BUDGET
mces0=$(stat mces)

# The machine check may land while the helper is briefly at CPL0 (handing
# an interrupt to Linux): then Linux logs it and the call goes on to its
# budget (under TCG with KASAN, interrupts take a good share of a call).
# Try a few times; each attempt waits for its call to end.
hit=0
for attempt in 1 2 3 4 5 6 7 8; do
	taskset 2 sh -c "echo 'loop 0' > $D/call" 2>$T/err &
	pid=$!
	sleep 3
	echo "# HVSEC-MCE cpu=1 bank=1 status=$STATUS mcg=$MCG"
	wait $pid
	if [ "$(stat mces)" != "$mces0" ]; then
		hit=$attempt
		break
	fi
	echo "# attempt $attempt: the call ended without a machine check at CPL3"
	stat last_fault | sed 's/^/# /'
done
last=$(stat last_fault)
echo "# after $attempt attempt(s): mces $mces0 -> $(stat mces); last_fault: $last"
case "$hit $last" in
0\ *) notok "machine check at CPL3 ends the call with vector 18" ;;
*"helper=loop vector=0x12 "*) ok "machine check at CPL3 ends the call with vector 18" ;;
*) notok "machine check at CPL3 ends the call with vector 18" ;;
esac
# Linux logs the event with the RIP of the frame it got: CPL0 (CS 0x10),
# where ring3_exec resumes after the handler, never the helper's.
if dmesg | grep -q "Hardware Error\]: RIP .*10:<[0-9a-f]*> {r3x_mce_done"; then
	ok "Linux's handler saw it as a kernel-mode error and logged it"
else
	notok "Linux's handler saw it as a kernel-mode error and logged it"
	dmesg | grep -i -E "mce|machine check" | tail -n 5 | sed 's/^/# /'
fi
if echo "null" > $D/call; then
	ok "a call after the machine check works"
else
	notok "a call after the machine check works"
fi
echo "$old" > $BUDGET
if [ "$(cat $BUDGET)" = "$old" ]; then ok "budget restored"; else notok "budget restored"; fi
exit $FAIL
