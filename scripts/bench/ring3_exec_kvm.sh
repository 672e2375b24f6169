# SPDX-License-Identifier: GPL-2.0
# ring3_exec from KVM's exit path (sourced in the guest with the modules
# loaded): the same helper (r3x_kvm_exit's, which dirties XMM/YMM and MXCSR
# and uses its stack) called on every exit of a guest run by r3x_kvm_vmm,
# against 1000 calls from process context, side by side in five interleaved
# rounds (medians, like ring3_exec.sh); and the VMM's round trip of one
# port I/O exit with the helper armed and disarmed. Rows
# "ring3_exec_kvm" (RKX_BENCH_COMPONENT: bench.sh runs this in its pti=on
# boot too); skipped with a note where KVM does not load.
rkx_d=/sys/kernel/debug/r3x_kvm_exit
rkx_comp=${RKX_BENCH_COMPONENT:-ring3_exec_kvm}
rkx_line() { echo "BENCH|$rkx_comp|$1|$2|$3"; }
rkx_loaded=""
if [ ! -e /dev/kvm ] && [ -r /hvsec/kvm/order ]; then
	while read -r rkx_ko; do
		insmod "/hvsec/kvm/$rkx_ko" 2>/dev/null &&
			rkx_loaded="$(echo "${rkx_ko%.ko}" | tr - _) $rkx_loaded"
	done < /hvsec/kvm/order
fi
if [ ! -e /dev/kvm ] || ! command -v r3x_kvm_vmm >/dev/null ||
   ! insmod /hvsec/testmods/r3x_kvm_exit.ko; then
	rkx_line exit_path_call_ns n/a "skipped: no /dev/kvm, r3x_kvm_vmm or r3x_kvm_exit here"
else
	# An SSE-only guest where an AVX one fails without the helper (see
	# selftests/ring3_exec_kvm.sh).
	rkx_opt=""
	r3x_kvm_vmm -n 20 > /dev/null 2>&1 || rkx_opt=-s
	# rkx_vmm N ARM: ns per exit seen by the VMM, helper armed (1) or not;
	# nothing if the run failed.
	rkx_vmm() {
		if [ "$2" = 1 ]; then
			sh -c "echo \$\$ > $rkx_d/arm && exec r3x_kvm_vmm -n $1 $rkx_opt"
		else
			r3x_kvm_vmm -n "$1" $rkx_opt
		fi > /tmp/rkx_vmm.out 2>&1 && sed -n 's/^info ns_per_exit //p' /tmp/rkx_vmm.out
		echo 0 > $rkx_d/arm
	}
	rkx_rounds="" rkx_rt=""
	for rkx_i in 1 2 3 4 5; do
		echo reset > $rkx_d/counters
		rkx_armed=$(rkx_vmm 1000 1)
		rkx_e=$(sed -n 's/^exit_ns: //p' $rkx_d/counters)
		rkx_bad=$(awk '/^(errors|bad_result|msr_mismatch): / { s += $2 } END { print s + 0 }' \
			$rkx_d/counters)
		echo 1000 > $rkx_d/bench || echo "# ring3_exec_kvm: bench write failed"
		rkx_p=$(sed -n 's/^process_ns: //p' $rkx_d/bench)
		rkx_plain=$(rkx_vmm 1000 0)
		if [ "$rkx_bad" = 0 ] && [ -n "$rkx_armed" ] && [ -n "$rkx_e" ] && [ -n "$rkx_p" ]; then
			rkx_rounds="$rkx_rounds $rkx_e:$rkx_p"
		else
			echo "# ring3_exec_kvm: round $rkx_i left out (exit ${rkx_e:-?} ns," \
				"process ${rkx_p:-?} ns, $rkx_bad failed calls, VMM ${rkx_armed:-failed})"
		fi
		[ -n "$rkx_armed" ] && [ -n "$rkx_plain" ] &&
			rkx_rt="$rkx_rt $rkx_armed:$rkx_plain"
	done
	rkx_line exit_path_call_ns "$(bench_median 1 "$rkx_rounds")" \
		"helper call in kvm_exit (IRQs off, guest FPU loaded), median"
	rkx_line process_call_ns "$(bench_median 2 "$rkx_rounds")" \
		"the same helper from process context, median"
	rkx_r=$(bench_median 3 "$rkx_rounds")
	rkx_line exit_over_process "$(awk -v a="$rkx_r" 'BEGIN { printf "%.2f", a }')" \
		"median of 5 interleaved rounds (rounds with a failed call left out)"
	rkx_line vmm_exit_armed_ns "$(bench_median 1 "$rkx_rt")" \
		"one port I/O exit seen by the VMM, helper armed"
	rkx_line vmm_exit_plain_ns "$(bench_median 2 "$rkx_rt")" "the same, helper disarmed"
	[ -z "$rkx_opt" ] || rkx_line guest n/a "SSE-only guest (an AVX guest fails here without the helper)"
	rmmod r3x_kvm_exit
fi
for rkx_m in $rkx_loaded; do rmmod "$rkx_m"; done
