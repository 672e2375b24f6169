# SPDX-License-Identifier: GPL-2.0
# Guest job of scripts/check-dkms.sh, for a stock kernel without KUnit: load
# the DKMS-built modules, run every selftest, unload and reload every module
# twice, run the selftests again, unload. Prints TAP 13; the job's status is
# the number of failed steps.

dk_n=0
dk_fail=0
dk_result() {
	dk_n=$((dk_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $dk_n $2"
	else
		echo "not ok $dk_n $2"
		dk_fail=$((dk_fail + 1))
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

# Every selftest, each with a time limit; their own TAP is indented.
dk_selftests() {
	for t in /hvsec/selftests/*; do
		[ -x "$t" ] || continue
		timeout 300 "$t" > /tmp/dk-selftest.out 2>&1
		st=$?
		sed 's/^/    /' /tmp/dk-selftest.out
		dk_result "$st" "selftest ${t##*/} ($1)"
	done
}

echo "TAP version 13"
echo "# kernel $(uname -r), modules: $HVSEC_MODULES"
[ -f /hvsec/kmods/order ] && echo "# kernel modules loaded by /init: $(tr '\n' ' ' < /hvsec/kmods/order)"

hvsec_load
dk_result $? "load $HVSEC_MODULES"
dk_all_loaded
dk_result $? "all modules loaded"

dk_selftests "first load"

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

dk_selftests "after reloads"

hvsec_unload && dk_none_loaded
dk_result $? "final unload"

echo "1..$dk_n"
echo "# $dk_fail of $dk_n failed"
[ $dk_fail -gt 127 ] && dk_fail=127
exit $dk_fail
