# SPDX-License-Identifier: GPL-2.0
# Benchmark: unload + load time of each hvsec module in the test host
# (/proc/uptime: 10 ms resolution, hence 10 rounds).
uptime_cs() { read -r up _ < /proc/uptime; echo "${up%.*}${up#*.}"; }
for m in tpm12_drtm vtd_reassign ring3_exec; do
	t0=$(uptime_cs)
	for i in 1 2 3 4 5 6 7 8 9 10; do
		rmmod "$m" && insmod "/hvsec/modules/$m.ko" || break
	done
	t1=$(uptime_cs)
	echo "BENCH|modules|rmmod+insmod $m (mean of 10)|$(( (t1 - t0) )) ms|indicative only"
done
