# SPDX-License-Identifier: GPL-2.0
# `make demo`, ring3_exec: run built-in helpers at CPL3 through debugfs, one
# of them faulting, and show the contained fault and the restored state.
if [ -w /sys/kernel/debug/ring3_exec/call ]; then
	for c in "sum 1 2 3 4 5 6" "fault 0" "fault 21"; do
		echo "--- call: $c"
		exec 3<>/sys/kernel/debug/ring3_exec/call
		echo "$c" >&3
		sed 's/^/    /' <&3
		exec 3<&-
	done
	show /sys/kernel/debug/ring3_exec/stats
fi
