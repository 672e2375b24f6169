# SPDX-License-Identifier: GPL-2.0
# Benchmark (guest, sourced in a subshell with the modules loaded): edu
# domain switches A <-> B with DMA traffic, stock intel-iommu and with
# vtd_reassign's intel-iommu hook (vtd_reassign loaded with
# intel_iommu_hook=0, then with its default), interleaved in rounds in the same boot so that host
# load affects both alike. The switches are timed without probes; each
# round then counts invalidation rounds and descriptors over 100 more switches
# with a kprobe on qi_submit_sync (edu_test.c).
N=${VTD_BENCH_SWITCHES:-1000}
R=${VTD_BENCH_ROUNDS:-5}
T=/sys/kernel/debug/vtd_reassign_edutest
M=/hvsec/modules
C=${VTD_BENCH_COMPONENT:-vtd_reassign}

if ! insmod $M/vtd_reassign_edutest.ko 2>/dev/null; then
	echo "BENCH|$C|domain switches|-|skipped: no edu device"
	exit 0
fi
field() { echo "$1" | sed -n "s/.*$2=\([0-9]*\).*/\1/p"; }
per() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# vtd_reassign MODULE-PARAMETERS -- (re)load vtd_reassign with them.
vtd_reassign() {
	if grep -q '^vtd_reassign ' /proc/modules; then
		rmmod vtd_reassign || return 1
	fi
	insmod $M/vtd_reassign.ko "$@"
}

n=$((N / R))
s_ns=0 s_med=0 d_med=0 s_cnt=0 d_cnt=0 s_rnd=0 d_rnd=0 s_inv=0 s_dma=0 s_flt=0 d_ns=0 d_inv=0 d_dma=0 d_flt=0 bad=""
r=0
while [ $r -lt "$R" ]; do
	r=$((r + 1))
	if vtd_reassign intel_iommu_hook=0 && echo "$n" > $T/bench; then
		x=$(cat $T/result)
		s_ns=$((s_ns + $(field "$x" mean_ns) * n))
		s_med=$((s_med + $(field "$x" median_ns)))
		s_cnt=$((s_cnt + $(field "$x" counted)))
		s_rnd=$((s_rnd + $(field "$x" rounds)))
		s_inv=$((s_inv + $(field "$x" invs)))
		s_dma=$((s_dma + $(field "$x" dmas)))
		s_flt=$((s_flt + $(field "$x" fault_irqs)))
	else
		bad="stock round $r"
	fi
	if vtd_reassign && [ -d /sys/kernel/debug/vtd_reassign/intel_iommu ] &&
	   echo "$n" > $T/bench; then
		x=$(cat $T/result)
		d_ns=$((d_ns + $(field "$x" mean_ns) * n))
		d_med=$((d_med + $(field "$x" median_ns)))
		d_cnt=$((d_cnt + $(field "$x" counted)))
		d_rnd=$((d_rnd + $(field "$x" rounds)))
		d_inv=$((d_inv + $(field "$x" invs)))
		d_dma=$((d_dma + $(field "$x" dmas)))
		d_flt=$((d_flt + $(field "$x" fault_irqs)))
	else
		bad="module round $r"
	fi
done
cx=$(sed -n 's/^cmpxchg16b_ns=//p' $T/cx16 2>/dev/null)
rmmod vtd_reassign_edutest
if [ -n "$bad" ]; then
	echo "BENCH|$C|domain switches|-|FAILED: $bad"
	exit 0
fi
t=$((n * R))
echo "BENCH|$C|DMAR fault IRQs, $((t + s_cnt)) switches + $s_dma DMAs, stock|$s_flt|reported"
echo "BENCH|$C|DMAR fault IRQs, $((t + d_cnt)) switches + $d_dma DMAs, module|$d_flt|goal 0"
echo "BENCH|$C|mean switch time, stock|$((s_ns / t)) ns|TCG, indicative"
echo "BENCH|$C|mean switch time, module|$((d_ns / t)) ns|TCG, indicative"
echo "BENCH|$C|mean switch time module/stock|$(per "$d_ns" "$s_ns")|reported (noisy: host, interrupts)"
echo "BENCH|$C|median switch time, stock|$((s_med / R)) ns|mean of $R rounds' medians"
echo "BENCH|$C|median switch time, module|$((d_med / R)) ns|mean of $R rounds' medians"
echo "BENCH|$C|median switch time module/stock|$(per "$d_med" "$s_med")|goal <= 1.00"
echo "BENCH|$C|one LOCK CMPXCHG16B|${cx:--} ns|TCG runs it exclusively"
echo "BENCH|$C|invalidation rounds per switch, stock|$(per "$s_rnd" "$s_cnt")|qi_submit_sync waits"
echo "BENCH|$C|invalidation rounds per switch, module|$(per "$d_rnd" "$d_cnt")|goal < stock"
echo "BENCH|$C|invalidation descriptors per switch, stock|$(per "$s_inv" "$s_cnt")|context-cache + IOTLB"
echo "BENCH|$C|invalidation descriptors per switch, module|$(per "$d_inv" "$d_cnt")|reported"
