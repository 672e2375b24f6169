# SPDX-License-Identifier: GPL-2.0
# The `make check` job inside the test host (sourced by /init). Prints each
# KUnit suite's KTAP and each selftest's TAP between markers for the host
# side (scripts/check-report.py) to parse. Exits non-zero only when the
# harness itself cannot go on; test verdicts are the host's to make.

KMEMLEAK=/sys/kernel/debug/kmemleak
section() { echo "##hvsec-begin $1 $2"; }
endsec() { echo "##hvsec-end $1 $2"; }
# Seconds since boot; "##hvsec-time WHAT SECONDS" lines tell the host where
# the boot's time went (check-report.py sums them up).
uptime_s() { read -r up _ < /proc/uptime; echo "$up"; }
took() { echo "##hvsec-time $1 $(awk -v a="$2" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }')"; }

echo "##hvsec-boot $(cat /proc/cmdline)"
echo "##hvsec-time boot $(uptime_s)"
# Only what the tests leak counts, not what Linux's boot left behind: the
# leak report keeps the objects allocated from now on (kmemleak gives each
# object's allocation time in jiffies). Where /proc/timer_list has no
# jiffies, scan and clear the reports now instead (40-50 s of a TCG boot).
J0=$(awk '$1 == "jiffies:" { print $2; exit }' /proc/timer_list 2>/dev/null)
if [ -w $KMEMLEAK ] && [ -z "$J0" ]; then
	tk=$(uptime_s)
	echo scan > $KMEMLEAK
	echo clear > $KMEMLEAK
	took "kmemleak-clear" "$tk"
fi
# since_start -- the kmemleak report, less the objects allocated before J0.
since_start() {
	awk -v j0="${J0:-0}" '
		/^unreferenced object/ { if (keep) printf "%s", blk; blk = ""; keep = 1 }
		{ blk = blk $0 "\n" }
		/^  comm ".*", pid [0-9]+, jiffies [0-9]+/ { if ($NF + 0 < j0 + 0) keep = 0 }
		END { if (keep) printf "%s", blk }' $KMEMLEAK
}

# The boot ran with nosoftlockup; /init switched the watchdog back on.
[ "$(cat /proc/sys/kernel/soft_watchdog 2>/dev/null)" = 1 ] &&
[ "$(cat /proc/sys/kernel/watchdog_thresh 2>/dev/null)" = 30 ] ||
	{ echo "##hvsec-fatal the soft-lockup watchdog is off or not at 30 s"; exit 2; }
tk=$(uptime_s)
hvsec_load || { echo "##hvsec-fatal cannot load the modules"; exit 2; }
took "load" "$tk"

# KUnit: each module's suites run at insmod; results stay in debugfs
# until rmmod.
loaded=""
while read -r mod suite; do
	[ -n "$mod" ] || continue
	[ -r /hvsec/elsewhere ] && grep -qxF "$mod" /hvsec/elsewhere && continue
	case " $loaded " in
	*" $mod "*) ;;
	*)
		tk=$(uptime_s)
		if insmod "/hvsec/kunit/$mod.ko"; then
			loaded="$loaded $mod"
		else
			echo "##hvsec-note insmod $mod failed"
		fi
		took "kunit:$mod" "$tk" ;;
	esac
	section kunit "$suite"
	cat "/sys/kernel/debug/kunit/$suite/results" 2>/dev/null ||
		echo "##hvsec-missing"
	endsec kunit "$suite"
done < /hvsec/kunit/suites
tk=$(uptime_s)
for mod in $loaded; do
	rmmod "$mod" || echo "##hvsec-note rmmod $mod failed"
done
took "kunit-rmmod" "$tk"

# run_selftest PATH: its TAP between markers, its exit status, its time.
run_selftest() {
	local name=${1##*/} ts

	section selftest "$name"
	ts=$(uptime_s)
	timeout -s KILL 900 "$1"
	echo "##hvsec-status $?"
	endsec selftest "$name"
	took "selftest:$name" "$ts"
}

# Selftests whose subject this boot's variant does not change run in one
# boot of the check only: the host lists the others in /hvsec/elsewhere
# (as it lists the KUnit modules a boot for one module's tests leaves out,
# skipped above).
elsewhere() {
	[ -r /hvsec/elsewhere ] && grep -qxF "${1##*/}" /hvsec/elsewhere &&
		echo "##hvsec-note ${1##*/} runs in another boot"
}

for t in /hvsec/selftests/*; do
	[ -x "$t" ] || continue
	elsewhere "$t" && continue
	run_selftest "$t"
	hvsec_load || echo "##hvsec-note modules not loaded after ${t##*/}"
done

# Unload and reload every module once more, then unload for the leak scan.
t0=$(uptime_s)
hvsec_unload || echo "##hvsec-note unload failed"
hvsec_load || echo "##hvsec-note reload failed"
hvsec_unload || echo "##hvsec-note second unload failed"

if [ -w $KMEMLEAK ]; then
	# kmemleak reports objects older than 5 s that two scans saw unreferenced.
	sleep 6
	echo scan > $KMEMLEAK
	echo scan > $KMEMLEAK
	section kmemleak all
	since_start
	endsec kmemleak all
fi
took "reload+kmemleak" "$t0"

# Selftests that change the running kernel for good (tpm12_drtm_lockdown
# raises the lockdown): after everything else, the leak scan included.
for t in /hvsec/selftests-last/*; do
	[ -x "$t" ] || continue
	elsewhere "$t" && continue
	run_selftest "$t"
done
echo "##hvsec-done"
exit 0
