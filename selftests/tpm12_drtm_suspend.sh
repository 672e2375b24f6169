#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tpm12_drtm across a system suspend: `echo freeze > /sys/power/state` with
# /sys/power/pm_test = devices runs every device's suspend and resume
# callback (Linux's tpm_pm_suspend() sends TPM_SaveState) and resumes by
# itself. Meanwhile a kernel thread (tpm12_drtm_racer, not frozen by the
# suspend) and a user-space loop keep measuring. Then: no request failed,
# the kernel thread's request made during the suspend waited for the
# resume, and the trace (our tpm12_drtm_command events, kprobes on Linux's
# tpm_transmit/tpm_pm_resume, our PM notifier's events) shows no command of
# ours between Linux's TPM_SaveState and its resume; drtm measure and drtm
# verify work, PCR 17/18 equal the replay of the log. Prints TAP 13.
# Needs tpm12_drtm; leaves it loaded with default parameters.

MOD=/hvsec/modules/tpm12_drtm.ko
RACER=/hvsec/modules/tpm12_drtm_racer.ko
DBG=/sys/kernel/debug/tpm12_drtm
TR=/sys/kernel/tracing
LPCRS=/sys/class/tpm/tpm0/pcrs
T=/tmp/tpm12_drtm_suspend
PLAN=12
. /hvsec/lib/tap.sh

echo "TAP version 13"
# kunit.py (make check) wants the plan first: keep in step with the tests.
echo "1..$PLAN"
why=""
[ -w /sys/power/pm_test ] || why="no /sys/power/pm_test (CONFIG_PM_DEBUG)"
grep -qw freeze /sys/power/state 2>/dev/null || why="no suspend to idle (CONFIG_SUSPEND)"
[ -r $LPCRS ] || why="no Linux TPM driver ($LPCRS)"
if [ -n "$why" ]; then
	while [ $n -lt $PLAN ]; do skip "suspend test" "$why"; done
	exit 0
fi

mkdir -p $T
rmmod tpm12_drtm_racer 2>/dev/null
rmmod tpm12_drtm 2>/dev/null
# Room for a few thousand events: the racer does not pause for long.
insmod $MOD evlog_size=1048576
check $? "tpm12_drtm loaded with a 1 MiB log"
cp $LPCRS $T/start

# One timeline: our commands and PM notifier events, Linux's commands
# (the ordinal's low byte: TPM_SaveState 0x98, TPM_ContinueSelfTest 0x53)
# and Linux's resume of its chip.
traced=0
if [ -w $TR/kprobe_events ] && [ -d $TR/events/tpm12_drtm ]; then
	echo 0 > $TR/tracing_on
	echo > $TR/trace
	echo 4096 > $TR/buffer_size_kb
	echo 'p:hvsec_tpm/linux_cmd tpm_transmit ord=+9($arg2):x8' >> $TR/kprobe_events &&
	echo 'p:hvsec_tpm/linux_pm_resume tpm_pm_resume' >> $TR/kprobe_events &&
	echo 1 > $TR/events/hvsec_tpm/enable &&
	echo 1 > $TR/events/tpm12_drtm/tpm12_drtm_command/enable &&
	echo 1 > $TR/events/tpm12_drtm/tpm12_drtm_pm/enable &&
	echo 1 > $TR/tracing_on && traced=1
fi

# The racers: a kernel thread on PCR 17, a user-space loop on PCR 18.
racer=0
[ -f $RACER ] && insmod $RACER pcr=17 delay_us=2000 && racer=1
dd if=/dev/urandom of=$T/data bs=100 count=1 2>/dev/null
: > $T/ufail
touch $T/run
(i=0; while [ -f $T/run ]; do
	i=$((i + 1))
	drtm measure --pcr 18 --type test --desc "user-$i" $T/data >$T/uout 2>&1 ||
		{ echo "user-$i: $(cat $T/uout)" >> $T/ufail; }
done) &
upid=$!
sleep 2

dmesg -c > /dev/null
old_delay=$(cat /sys/module/suspend/parameters/pm_test_delay 2>/dev/null)
echo 3 > /sys/module/suspend/parameters/pm_test_delay 2>/dev/null
echo devices > /sys/power/pm_test
t0=$(date +%s)
echo freeze > /sys/power/state
st=$?
t1=$(date +%s)
echo none > /sys/power/pm_test
[ -n "$old_delay" ] && echo "$old_delay" > /sys/module/suspend/parameters/pm_test_delay
dmesg > $T/dmesg
grep -q 'suspend debug: Waiting' $T/dmesg && grep -q 'PM: suspend exit' $T/dmesg
check $((st | $?)) "suspend to idle with pm_test=devices and back ($((t1 - t0)) s)"

sleep 2
rm -f $T/run
wait $upid
if [ $racer = 1 ]; then
	cp /sys/kernel/debug/tpm12_drtm_racer/stats $T/racer
	rmmod tpm12_drtm_racer
fi
[ $traced = 1 ] && { echo 0 > $TR/tracing_on; cat $TR/trace > $T/trace; }
sed 's/^/# /' $T/racer 2>/dev/null
grep '^suspend:' $DBG/status | sed 's/^/# /'

if [ $racer = 1 ]; then
	calls=$(sed -n 's/^calls: //p' $T/racer)
	failed=$(sed -n 's/^failed: //p' $T/racer)
	max=$(sed -n 's/^max_call_ns: //p' $T/racer)
	[ "${calls:-0}" -gt 0 ] && [ "$failed" = 0 ]
	check $? "kernel racer: $calls measurements, none failed"
	# A request made during the suspend waited for the resume (pm_test
	# holds the devices suspended for 3 s), then succeeded.
	[ "${max:-0}" -ge 1000000000 ] && grep -q '^suspend: running, suspends 1, waited [1-9]' $DBG/status
	check $? "a kernel request made during the suspend waited for the resume ($((max / 1000000)) ms)"
else
	skip "kernel racer" "no $RACER"
	skip "a kernel request waited for the resume" "no $RACER"
fi
if [ ! -s $T/ufail ]; then
	ok "user-space racer: no measurement failed"
else
	not_ok "user-space racer: $(wc -l < $T/ufail) measurements failed"
	sed 's/^/# /' $T/ufail | head -n 5
fi
grep -q '^suspend: running, suspends 1, waited [0-9]*, refused 0, commands_while_suspended 0, pcrs_changed 0$' $DBG/status
check $? "status: one suspend, nothing refused, no command while suspended, PCRs unchanged"

if [ $traced = 1 ]; then
	# Timestamps of: our notifier's suspend (ps) and resume (pr), Linux's
	# TPM_SaveState (sv) and tpm_pm_resume() (lr); our commands before
	# ps, between ps and pr (must be none), after pr.
	awk '{
		ts = ""
		for (i = 1; i < NF; i++)
			if ($i ~ /^[0-9]+\.[0-9]+:$/) { ts = substr($i, 1, length($i) - 1) + 0; ev = $(i + 1); break }
		if (ts == "") next
		if (ev == "tpm12_drtm_pm:" && / suspend / && ps == "") ps = ts
		if (ev == "tpm12_drtm_pm:" && / resume / && ps != "" && pr == "") pr = ts
		if (ev == "linux_cmd:" && /ord=0x98/ && sv == "") sv = ts
		if (ev == "linux_pm_resume:" && sv != "" && lr == "") lr = ts
		if (ev == "tpm12_drtm_command:") {
			if (ps == "") before++
			else if (pr == "") { during++; print "# ours while suspended: " $0 }
			else after++
		}
	} END {
		printf "# notifier suspend %s, Linux TPM_SaveState %s, Linux tpm_pm_resume %s, notifier resume %s\n", ps, sv, lr, pr
		printf "# our commands: %d before, %d while suspended, %d after\n", before, during, after
		ok = ps != "" && sv != "" && lr != "" && pr != "" && ps < sv && sv < lr && lr < pr
		exit !(ok && during == 0 && before > 0 && after > 0)
	}' $T/trace
	check $? "trace: no command of ours from before Linux's TPM_SaveState until after its resume"
	grep -c 'linux_cmd:.*ord=0x53' $T/trace > /dev/null
	check $? "trace: Linux's resume ran TPM_ContinueSelfTest"
else
	skip "trace of our commands against Linux's suspend" "no kprobe events or tracepoints"
	skip "trace: Linux's resume ran TPM_ContinueSelfTest" "no kprobe events or tracepoints"
fi
if [ $traced = 1 ]; then
	echo 0 > $TR/events/hvsec_tpm/enable
	echo 0 > $TR/events/tpm12_drtm/enable
	echo '-:hvsec_tpm/linux_cmd' >> $TR/kprobe_events
	echo '-:hvsec_tpm/linux_pm_resume' >> $TR/kprobe_events
	echo 1408 > $TR/buffer_size_kb
	echo 1 > $TR/tracing_on
fi

drtm measure --pcr 17 --type slaunch --desc after-resume $T/data > $T/out 2>&1
check $? "drtm measure PCR 17 after the resume"
drtm measure --pcr 18 --hash tpm --desc after-resume-tpm $T/data > $T/out 2>&1
check $? "drtm measure PCR 18 (TPM-side hashing) after the resume"
drtm verify --start $T/start > $T/out 2>&1 && grep -q '^PCR-17: .* matches' $T/out &&
	grep -q '^PCR-18: .* matches' $T/out
check $? "drtm verify: PCR 17 and 18 equal the replay of the log"
tail -n 3 $T/out | sed 's/^/# /'
if grep -i 'tpm' $T/dmesg | grep -qi 'error\|timed out\|refused'; then
	not_ok "no TPM error in the kernel log during the suspend"
	grep -i tpm $T/dmesg | sed 's/^/# /'
else
	ok "no TPM error in the kernel log during the suspend"
fi

rmmod tpm12_drtm && insmod $MOD
rm -rf $T
[ $n = $PLAN ] || { echo "# ran $n tests, planned $PLAN"; fails=1; }
exit $((fails > 0))
