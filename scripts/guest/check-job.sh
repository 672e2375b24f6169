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
if [ -w $KMEMLEAK ]; then
	# Forget what boot left behind; only what the tests leak counts.
	echo scan > $KMEMLEAK
	echo clear > $KMEMLEAK
fi

# The boot ran with nosoftlockup; /init switched the watchdog back on.
[ "$(cat /proc/sys/kernel/soft_watchdog 2>/dev/null)" = 1 ] ||
	{ echo "##hvsec-fatal the soft-lockup watchdog is off"; exit 2; }
hvsec_load || { echo "##hvsec-fatal cannot load the modules"; exit 2; }

# KUnit: each module's suites run at insmod; results stay in debugfs
# until rmmod.
loaded=""
while read -r mod suite; do
	[ -n "$mod" ] || continue
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
for mod in $loaded; do
	rmmod "$mod" || echo "##hvsec-note rmmod $mod failed"
done

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

for t in /hvsec/selftests/*; do
	[ -x "$t" ] || continue
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
	cat $KMEMLEAK
	endsec kmemleak all
fi
took "reload+kmemleak" "$t0"

# Selftests that change the running kernel for good (tpm12_drtm_lockdown
# raises the lockdown): after everything else, the leak scan included.
for t in /hvsec/selftests-last/*; do
	[ -x "$t" ] || continue
	run_selftest "$t"
done
echo "##hvsec-done"
exit 0
