# SPDX-License-Identifier: GPL-2.0
# `make demo`, ring3_exec: run helpers at CPL3 from the kernel -- one that
# computes, one that faults, one that never ends, and a parser written in C
# whose output the kernel checks -- and show that the kernel's SYSCALL MSRs
# are exactly as before. Witness: the MSRs read through /dev/cpu/N/msr,
# not through our module.
C=/sys/kernel/debug/ring3_exec/call
# The msr device reads MSR n at file offset n (dd seeks there; od would read).
msr() {
	dd if="/dev/cpu/$1/msr" bs=8 count=1 skip="$2" iflag=skip_bytes 2>/dev/null |
		od -A n -t x8 | tr -d ' '
}
msrs() {
	for cpu in $(seq 0 $(($(nproc) - 1))); do
		say "cpu$cpu: LSTAR=$(msr "$cpu" $((0xc0000082))) STAR=$(msr "$cpu" $((0xc0000081))) SFMASK=$(msr "$cpu" $((0xc0000084)))"
	done
}
call() {
	exec 3<>$C
	echo "$1" >&3 2>/dev/null ||
		echo "      (write(2) failed with the call's error, as documented)"
	sed 's/^/      /' <&3
	exec 3<&-
}
stat() { sed -n "s/^$1: //p" /sys/kernel/debug/ring3_exec/stats; }

echo "== 3. ring3_exec: helpers at CPL3, contained, and the kernel's state put back"
if [ ! -w $C ]; then
	say "ring3_exec is not loaded: nothing to show"
	return 0
fi
step "before: the SYSCALL MSRs as the CPUs hold them (/dev/cpu/N/msr)"
before=$(msrs)
echo "$before"
step "action: sum(1..6) at CPL3"
call "sum 1 2 3 4 5 6"
step "action: a helper that dereferences NULL: the #PF (vector 0xe) stays in the call"
call "fault 1"
step "adversary: a helper that reads kernel memory: #PF, nothing read"
call "fault 21"
step "action: a helper that never returns: ended by its budget (-ETIME)"
call "loop 0"
S=/sys/kernel/debug/ring3_exec/sample
step "action: the C helper \"sample\" (drivers/ring3_exec/helper/sample.c) parses key=value lines at CPL3"
sed 's/^/      /' /sys/kernel/debug/ring3_exec/helper/sample/image | grep -E "entry|pages|symbols"
exec 3<>$S
printf 'vcpus=2\nmemory_mb=512\nirqs=24\n' >&3
say "kernel's checked copy of its output:"
sed 's/^/      /' <&3
exec 3<&-
step "adversary: input it cannot parse -- refused with -EINVAL, the line named in the log"
printf 'vcpus=2\nmemory_mb\n' > $S 2>/dev/null || say "write(2) failed: $(dmesg | grep 'sample: line' | tail -1 | sed 's/^\[[^]]*\] //')"
step "action: a NULL write in C, reported by symbol"
call "sample 4 0"
step "after: calls=$(stat calls), faults=$(stat faults), timeouts=$(stat timeouts)"
after=$(msrs)
echo "$after"
if [ "$before" = "$after" ]; then
	say "witness: every CPU's LSTAR/STAR/SFMASK is bit-for-bit what it was"
else
	say "witness: the MSRs CHANGED -- this is a bug, please report it"
fi
