#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ring3_exec_kvm: ring3_exec's helper called from KVM's exit path on every
# exit of a guest, and the guest does not notice. Loads the test kernel's
# KVM modules (staged in /hvsec/kvm) and the test module r3x_kvm_exit
# (/hvsec/testmods), arms it for the VMM's process and runs r3x_kvm_vmm: a
# 64-bit guest that keeps patterns in its vector registers, MXCSR, FCW and
# GPRs, sets its own SYSCALL MSRs, executes SYSCALL and makes one port I/O
# exit per iteration. Checks the guest's registers and MSRs, its own report,
# the host's SYSCALL MSRs on every CPU and the module's counters (calls,
# errors, wrong results, MSRs not restored). Skips where there is no
# /dev/kvm (kvm_amd refuses a CPU whose vendor is not AMD: the check's
# Intel-vendor boot; QEMU's TCG has no VMX). Prints TAP 13; needs
# ring3_exec loaded. R3X_KVM_EXITS (default 10000) sets the number of exits.

. /hvsec/lib/tap.sh
D=/sys/kernel/debug/r3x_kvm_exit
R=/sys/kernel/debug/ring3_exec
EXITS=${R3X_KVM_EXITS:-10000}
T=/tmp/ring3_exec_kvm
PLAN=15
loaded=""

echo "TAP version 13"
echo "1..$PLAN"

skip_all() {
	while [ $n -lt $PLAN ]; do
		skip "ring3_exec from KVM's exit path" "$1"
	done
	exit 0
}

# host_msrs -- each online CPU's LSTAR/STAR/SYSCALL_MASK, as ring3_exec's
# msrs file shows them from that CPU.
host_msrs() {
	for c in $(seq 0 $(($(nproc) - 1))); do
		echo "cpu$c $(taskset -c "$c" cat $R/msrs | tr '\n' ' ')"
	done
}

cnt() { sed -n "s/^$1: //p" $D/counters; }

[ -r $R/msrs ] || skip_all "ring3_exec not loaded or no debugfs"
command -v r3x_kvm_vmm >/dev/null || skip_all "no r3x_kvm_vmm"
command -v taskset >/dev/null || skip_all "no taskset"
if [ ! -e /dev/kvm ]; then
	grep -qw svm /proc/cpuinfo || skip_all "no SVM on this CPU model"
	[ -r /hvsec/kvm/order ] || skip_all "no KVM modules staged"
	while read -r ko; do
		m=$(echo "${ko%.ko}" | tr - _)
		grep -q "^$m " /proc/modules && continue
		insmod "/hvsec/kvm/$ko" 2>/dev/null && loaded="$m $loaded"
	done < /hvsec/kvm/order
	if [ ! -e /dev/kvm ]; then
		for m in $loaded; do rmmod "$m"; done
		skip_all "KVM does not load here: $(dmesg | grep -m1 -E 'kvm(_amd)?: ' |
			sed 's/^\[[^]]*\] //' | cut -c1-100)"
	fi
fi
[ -r /hvsec/testmods/r3x_kvm_exit.ko ] || skip_all "r3x_kvm_exit not built for this kernel"
mkdir -p $T
if ! insmod /hvsec/testmods/r3x_kvm_exit.ko; then
	not_ok "insmod r3x_kvm_exit"
	for m in $loaded; do rmmod "$m"; done
	exit 1
fi
ok "insmod r3x_kvm_exit (kvm_exit tracepoint probe)"

# AVX in the guest where KVM offers it, unless a short run without the
# helper armed already fails with it while an SSE-only guest passes: then
# the hypervisor under this one does not keep a nested guest's AVX state
# (seen under QEMU's TCG: the first AVX instruction after any exit faults).
vmm_opt="" ymm_why="no AVX offered to the guest"
if ! r3x_kvm_vmm -n 20 > $T/probe.out 2>&1 && grep -q '^info avx 1' $T/probe.out &&
   r3x_kvm_vmm -n 20 -s > $T/probe-sse.out 2>&1; then
	vmm_opt=-s
	ymm_why="an AVX guest fails here without the helper armed: $(grep -m1 unexpected_exit $T/probe.out)"
	echo "# $ymm_why; running the SSE-only guest"
fi

host_msrs > $T/msrs.before
# The VMM's own process ID is the one armed (sh's $$ survives exec).
sh -c "echo \$\$ > $D/arm && exec r3x_kvm_vmm -n $EXITS $vmm_opt" > $T/vmm.out 2>&1
st=$?
echo 0 > $D/arm
host_msrs > $T/msrs.after
sed 's/^/# vmm: /' $T/vmm.out
check $(( st != 0 )) "the VMM ran the guest ($EXITS exits, status $st)"
# The VMM's own checks, in its order: end, exits, GPRs, report, FPU, YMM
# (AVX only), MSRs.
i=0
while read -r word res what; do
	[ "$word" = check ] || continue
	i=$((i + 1))
	if [ "$res" = 1 ]; then ok "$what"; else not_ok "$what"; fi
done < $T/vmm.out
grep -q '^info avx 1' $T/vmm.out ||
	{ skip "guest YMM0-15 upper halves intact" "$ymm_why"; i=$((i + 1)); }
while [ $i -lt 7 ]; do not_ok "a check of the VMM is missing"; i=$((i + 1)); done

cat $D/counters | sed 's/^/# /'
cmp -s $T/msrs.before $T/msrs.after
check $? "host LSTAR/STAR/SYSCALL_MASK unchanged on every CPU"
[ "$(cnt calls)" -ge "$EXITS" ] 2>/dev/null
check $? "at least $EXITS helper calls from the exit path ($(cnt calls))"
[ "$(cnt errors)" = 0 ] && [ "$(cnt bad_result)" = 0 ]
check $? "no failed call, no wrong result ($(cnt errors) errors, $(cnt bad_result) wrong)"
[ "$(cnt msr_mismatch)" = 0 ]
check $? "SYSCALL MSRs put back exactly around every call ($(cnt msr_mismatch) mismatches)"

# The same helper from process context, for the exit path's cost beside it.
echo 200 > $D/bench
sed 's/^/# bench: /' $D/bench
grep -q '^process_errors: 0$' $D/bench
check $? "200 calls of the same helper from process context"

rmmod r3x_kvm_exit
check $? "rmmod r3x_kvm_exit"
for m in $loaded; do rmmod "$m" || echo "# rmmod $m failed"; done
[ $fails -eq 0 ]
