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
	r3x_median() {	# field (1 call, 2 getppid, 3 ratio) of the rounds
		for r3x_r in $r3x_rounds; do
			echo "$r3x_r" | awk -F: -v f="$1" \
				'{ v[1] = $1; v[2] = $2; v[3] = $2 > 0 ? $1 / $2 : 0; print v[f] }'
		done | sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'
	}
	r3x_call=$(r3x_median 1)
	r3x_sys=$(r3x_median 2)
	r3x_ratio=$(r3x_median 3)
	r3x_pipe=$(r3x_bench pipe 5000)
	r3x_true=$(command -v r3x_true)
	echo "umh 50 $r3x_true" > "$r3x_b" && r3x_umh=$(cat "$r3x_b")
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
