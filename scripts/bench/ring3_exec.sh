# SPDX-License-Identifier: GPL-2.0
# ring3_exec benchmark (sourced in the guest with the modules loaded).
# Null helper call round trip (in kernel) against, in the same boot: a null
# system call from user space (getppid), call_usermodehelper() of a trivial
# static program, and a pipe round trip to a waiting user process.
# R3X_BENCH_COMPONENT names the rows (bench.sh runs this in a pti=on boot too).
r3x_b=/sys/kernel/debug/ring3_exec/bench
r3x_comp=${R3X_BENCH_COMPONENT:-ring3_exec}
r3x_bench_line() { echo "BENCH|$r3x_comp|$1|$2|$3"; }
# The goal for call/getppid: a null syscall costs more under PTI (CR3 writes).
if dmesg | grep -q 'page tables isolation: enabled'; then
	r3x_goal=2 r3x_pti=on
else
	r3x_goal=4 r3x_pti=off
fi
if [ ! -w "$r3x_b" ] || ! command -v r3x_bench >/dev/null; then
	r3x_bench_line error n/a "ring3_exec debugfs or r3x_bench missing"
else
	# The guest's speed under TCG drifts by 2x within a minute: measure
	# the two side by side in short interleaved rounds and take medians
	# (the ratio of each round, and each time).
	r3x_rounds=""
	for r3x_i in 1 2 3 4 5 6 7 8 9; do
		echo "null 2000" > "$r3x_b" && r3x_c=$(cat "$r3x_b") || r3x_c=""
		r3x_s=$(r3x_bench getppid 20000)
		[ -n "$r3x_c" ] && [ -n "$r3x_s" ] &&
			r3x_rounds="$r3x_rounds $r3x_c:$r3x_s"
	done
	r3x_call=$(bench_median 1 "$r3x_rounds")
	r3x_sys=$(bench_median 2 "$r3x_rounds")
	r3x_ratio=$(bench_median 3 "$r3x_rounds")
	r3x_pipe=$(r3x_bench pipe 5000)
	r3x_true=$(command -v r3x_true)
	echo "umh 50 $r3x_true" > "$r3x_b" && r3x_umh=$(cat "$r3x_b")
	# IPIs to a CPU that runs helper calls back to back, against IPIs to
	# a CPU spinning in the kernel, in interleaved rounds: the helper must
	# not make its CPU unresponsive (issue goal: served within 10 ms).
	r3x_ipi_rounds=""
	for r3x_i in 1 2 3 4 5; do
		echo "ipi-kernel 100" > "$r3x_b" && r3x_k=$(cat "$r3x_b") || r3x_k=""
		echo "ipi 100" > "$r3x_b" && r3x_h=$(cat "$r3x_b") || r3x_h=""
		[ -n "$r3x_k" ] && [ -n "$r3x_h" ] &&
			r3x_ipi_rounds="$r3x_ipi_rounds $r3x_h:$r3x_k"
	done
	r3x_ipi_h=$(bench_median 1 "$r3x_ipi_rounds")
	r3x_ipi_k=$(bench_median 2 "$r3x_ipi_rounds")
	r3x_ipi_ratio=$(bench_median 3 "$r3x_ipi_rounds")
	r3x_bench_line ipi_to_helper_cpu_ns "${r3x_ipi_h:-n/a}" \
		"median IPI round trip to a CPU running helpers; goal <= 10000000"
	r3x_bench_line ipi_to_kernel_spin_ns "${r3x_ipi_k:-n/a}" \
		"the same to a CPU spinning in the kernel, IRQs on"
	[ -n "$r3x_ipi_h" ] && r3x_bench_line ipi_helper_over_kernel \
		"$(awk -v a="$r3x_ipi_ratio" 'BEGIN{printf "%.2f", a}')" \
		"median of 5 interleaved rounds (indicative)"
	# A never-ending helper, ended by its budget. The budget counts the
	# helper's own time, not the interrupts handed to Linux meanwhile, so
	# the wall time is the budget plus those (counted in stats "irqs").
	r3x_budget=$(cat /sys/module/ring3_exec/parameters/budget_us 2>/dev/null)
	r3x_irqs() { sed -n 's/^irqs: //p' /sys/kernel/debug/ring3_exec/stats; }
	r3x_i0=$(r3x_irqs)
	echo "loop 20" > "$r3x_b" && read -r r3x_loop r3x_used < "$r3x_b" ||
		r3x_loop="" r3x_used=""
	r3x_i1=$(r3x_irqs)
	r3x_bench_line budget_end_charged_ns "${r3x_used:-n/a}" \
		"mean CPU time charged to a call ended by its budget of ${r3x_budget:-?} us; goal <= budget + 1 ms (watchdog period)"
	r3x_bench_line budget_end_wall_ns "${r3x_loop:-n/a}" \
		"mean wall time of such a call"
	[ -n "$r3x_loop" ] && [ -n "$r3x_i0" ] && [ -n "$r3x_i1" ] &&
		r3x_bench_line budget_end_irqs_per_call \
			"$(awk -v a="$r3x_i0" -v b="$r3x_i1" 'BEGIN{printf "%.1f", (b - a) / 20}')" \
			"interrupts handed to Linux during one such call (not charged)"
	# The C sample (a call of its SUM command; a parse of 1 KiB through
	# the call windows, output checked) against the null machine-code
	# helper, side by side in interleaved rounds.
	r3x_c_rounds=""
	for r3x_i in 1 2 3 4 5; do
		echo "null 1000" > "$r3x_b" && r3x_n=$(cat "$r3x_b") || r3x_n=""
		echo "sample 1000" > "$r3x_b" && r3x_s=$(cat "$r3x_b") || r3x_s=""
		echo "sample-buf 200" > "$r3x_b" && r3x_p=$(cat "$r3x_b") || r3x_p=""
		[ -n "$r3x_n" ] && [ -n "$r3x_s" ] && [ -n "$r3x_p" ] &&
			r3x_c_rounds="$r3x_c_rounds $r3x_s:$r3x_n $r3x_p:$r3x_n"
	done
	r3x_c_call=$(bench_median 1 "$(echo $r3x_c_rounds | tr ' ' '\n' | awk 'NR % 2 == 1')")
	r3x_c_ratio=$(bench_median 3 "$(echo $r3x_c_rounds | tr ' ' '\n' | awk 'NR % 2 == 1')")
	r3x_c_buf=$(bench_median 1 "$(echo $r3x_c_rounds | tr ' ' '\n' | awk 'NR % 2 == 0')")
	r3x_c_bratio=$(bench_median 3 "$(echo $r3x_c_rounds | tr ' ' '\n' | awk 'NR % 2 == 0')")
	r3x_bench_line c_helper_call_ns "${r3x_c_call:-n/a}" "C sample helper call (SUM), median of 5 rounds"
	[ -n "$r3x_c_ratio" ] && r3x_bench_line c_call_over_null \
		"$(awk -v a="$r3x_c_ratio" 'BEGIN{printf "%.2f", a}')" \
		"C sample call / null machine-code call, interleaved (median)"
	r3x_bench_line call_buf_parse_1k_ns "${r3x_c_buf:-n/a}" \
		"r3x_call_buf: 1 KiB in, 64 records out, checked (median)"
	[ -n "$r3x_c_bratio" ] && r3x_bench_line call_buf_1k_over_null \
		"$(awk -v a="$r3x_c_bratio" 'BEGIN{printf "%.2f", a}')" \
		"that / null machine-code call, interleaved (median)"
	r3x_bench_line null_call_ns "${r3x_call:-n/a}" "null helper call+return, in kernel (median)"
	r3x_bench_line getppid_ns "${r3x_sys:-n/a}" "user-space null syscall (median)"
	r3x_bench_line pipe_roundtrip_ns "${r3x_pipe:-n/a}" "user process over two pipes"
	r3x_bench_line umh_ns "${r3x_umh:-n/a}" "call_usermodehelper of a static true"
	if [ -n "$r3x_call" ] && [ "$r3x_call" -gt 0 ] 2>/dev/null; then
		r3x_bench_line call_over_getppid \
			"$(awk -v a="$r3x_ratio" 'BEGIN{printf "%.2f", a}')" \
			"median of 9 interleaved rounds; goal <= $r3x_goal (pti=$r3x_pti)"
		r3x_bench_line umh_over_call \
			"$(awk -v a="$r3x_umh" -v b="$r3x_call" 'BEGIN{printf "%.1f", a/b}')" "goal >= 100"
		r3x_bench_line pipe_over_call \
			"$(awk -v a="$r3x_pipe" -v b="$r3x_call" 'BEGIN{printf "%.1f", a/b}')" "goal >= 5"
	fi
fi
