# SPDX-License-Identifier: GPL-2.0
# Guest job of scripts/check-dkms.sh, for a stock kernel without KUnit: load
# the DKMS-built modules, run every selftest, unload and reload every module
# (all together, then one at a time), run the selftests again, unload.
# Output uses check-job.sh's markers, for scripts/check-report.py: one
# section per selftest run, and the unload/reload steps as TAP 13 in the
# section "selftest reload".

section() { echo "##hvsec-begin $1 $2"; }
endsec() { echo "##hvsec-end $1 $2"; }

echo "##hvsec-boot $(cat /proc/cmdline)"
echo "##hvsec-note kernel $(uname -r), modules $HVSEC_MODULES"
[ -f /hvsec/kmods/order ] &&
	echo "##hvsec-note kernel modules loaded by /init: $(tr '\n' ' ' < /hvsec/kmods/order)"

hvsec_load || { echo "##hvsec-fatal cannot load the modules"; exit 2; }

# dk_selftests SUFFIX -- every selftest, in its own section.
dk_selftests() {
	for t in /hvsec/selftests/*; do
		[ -x "$t" ] || continue
		section selftest "${t##*/}$1"
		timeout -s KILL 900 "$t"
		echo "##hvsec-status $?"
		endsec selftest "${t##*/}$1"
		hvsec_load || echo "##hvsec-note modules not loaded after ${t##*/}"
	done
}

dk_selftests ""

dk_n=0
dk_result() {
	dk_n=$((dk_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $dk_n $2"
	else
		echo "not ok $dk_n $2"
	fi
}
dk_all_loaded() {
	for m in $HVSEC_MODULES; do
		grep -q "^$m " /proc/modules || { echo "# $m is not loaded"; return 1; }
	done
}
dk_none_loaded() {
	for m in $HVSEC_MODULES; do
		grep -q "^$m " /proc/modules && { echo "# $m is still loaded"; return 1; }
	done
	return 0
}

section selftest reload
echo "TAP version 13"
# The plan first: kunit.py parse loops forever on a trailing plan.
set -- $HVSEC_MODULES
echo "1..$((4 + $#))"
for round in 1 2; do
	hvsec_unload && dk_none_loaded
	dk_result $? "unload all (round $round)"
	hvsec_load && dk_all_loaded
	dk_result $? "reload all (round $round)"
done
# One module at a time, the others staying loaded (unless another uses it).
for m in $HVSEC_MODULES; do
	users=$(awk -v m="$m" '$1 == m { print $3 }' /proc/modules)
	if [ "$users" != 0 ]; then
		dk_n=$((dk_n + 1))
		echo "ok $dk_n unload and reload $m alone # SKIP in use ($users)"
		continue
	fi
	rmmod "$m" && ! grep -q "^$m " /proc/modules && insmod "/hvsec/modules/$m.ko" &&
		grep -q "^$m " /proc/modules
	dk_result $? "unload and reload $m alone"
done
endsec selftest reload

dk_selftests "-after-reload"

section selftest final-unload
echo "TAP version 13"
echo "1..1"
hvsec_unload && dk_none_loaded
dk_n=0
dk_result $? "unload all"
endsec selftest final-unload
echo "##hvsec-done"
exit 0
