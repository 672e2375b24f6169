#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tpm12_drtm on the test host (QEMU tpm-tis + swtpm TPM 1.2): extends of
# PCR 17/18 at locality 2 in both hashing modes, Linux's own PCR view equals
# the replay of our log, locality 0 is refused by the TPM, 1000 extends
# while Linux's tpm_tis reads PCRs, unload/reload, bad input. Prints TAP 13.
# Needs tpm12_drtm loaded; leaves it loaded.

MOD=/hvsec/modules/tpm12_drtm.ko
DBG=/sys/kernel/debug/tpm12_drtm
LPCRS=/sys/class/tpm/tpm0/pcrs
T=/tmp/tpm12_drtm_st
N=0
FAIL=0

mkdir -p $T
echo "TAP version 13"
# kunit.py (make check) wants the plan first: keep in step with the tests.
echo "1..44"

ok() { N=$((N + 1)); echo "ok $N - $1"; }
notok() { N=$((N + 1)); echo "not ok $N - $1"; FAIL=1; }
# t DESC CMD...: ok when CMD succeeds; its output goes to $T/out
t() {
	d=$1; shift
	if "$@" >$T/out 2>&1; then ok "$d"; else notok "$d"; sed 's/^/# /' $T/out; fi
}
# f DESC CMD...: ok when CMD fails
f() {
	d=$1; shift
	if "$@" >$T/out 2>&1; then notok "$d (unexpectedly succeeded)"; sed 's/^/# /' $T/out; else ok "$d"; fi
}
used() { sed -n 's/^evlog_used: //p' $DBG/status; }
pcr() { grep "^PCR-$1:" $LPCRS; }
digest_of() { sed -n 's/^PCR-[0-9]* += \([0-9a-f]*\) .*/\1/p' $T/out; }
loaded() { grep -q '^tpm12_drtm ' /proc/modules; }
reload() { rmmod tpm12_drtm 2>/dev/null; insmod $MOD "$@"; }

# A fresh log, and the PCR values it starts from: an earlier run in this
# boot (or anyone else at locality 2) may have extended PCRs already, and a
# reload empties the log but not the PCRs.
reload
cp $LPCRS $T/start
t "module loaded, /dev/tpm12_drtm present" test -c /dev/tpm12_drtm

# Test data: a 5000-byte file (TPM mode: several SHA1Update chunks plus a
# non-empty final block) and an exact multiple of 64 (empty final block).
dd if=/dev/urandom of=$T/data bs=1000 count=5 2>/dev/null
dd if=/dev/urandom of=$T/data128 bs=128 count=1 2>/dev/null

t "PCR 17 host-mode measure" drtm measure --pcr 17 --type slaunch --desc host-17 --hash host $T/data
h=$(digest_of)
s=$(sha1sum $T/data | cut -d' ' -f1)
if [ -n "$h" ] && [ "$h" = "$s" ]; then ok "host digest equals sha1sum"; else notok "host digest $h != sha1sum $s"; fi

t "PCR 18 TPM-mode measure (5000 bytes)" drtm measure --pcr 18 --type slaunch_start --desc tpm-18 --hash tpm $T/data
d=$(digest_of)
if [ -n "$d" ] && [ "$d" = "$h" ]; then ok "TPM-mode digest equals host-mode digest"; else notok "TPM digest $d != host $h"; fi

t "PCR 17 TPM-mode measure (128 bytes, empty final block)" drtm measure --pcr 17 --hash tpm --desc tpm-128 $T/data128
d=$(digest_of)
if [ "$d" = "$(sha1sum $T/data128 | cut -d' ' -f1)" ]; then ok "128-byte TPM-mode digest correct"; else notok "128-byte TPM digest $d wrong"; fi

t "PCR 18 measure from stdin, empty input" sh -c ': | drtm measure --pcr 18 --type 0x504 --desc empty -'
t "replay of our log equals Linux's $LPCRS" drtm verify --start $T/start
t "replay of our log equals our debugfs pcrs" drtm verify --start $T/start --pcrs $DBG/pcrs
cp /sys/kernel/security/tpm12_drtm/eventlog $T/tampered
printf AAAAAAAAAAAAAAAAAAAA | dd of=$T/tampered bs=1 seek=56 conv=notrunc 2>/dev/null
f "drtm verify detects a tampered digest" drtm verify --start $T/start --file $T/tampered
n=$(drtm log | wc -l)
a=$(grep -c '^[0-9]* pcr=' $DBG/eventlog_ascii)
if [ "$n" = 4 ] && [ "$a" = 4 ]; then ok "log holds 4 events (drtm log and eventlog_ascii)"; else notok "log events: drtm log $n, eventlog_ascii $a"; fi

# Tracepoint on every extend.
TR=/sys/kernel/tracing
if [ -d $TR/events/tpm12_drtm ]; then
	echo > $TR/trace
	echo 1 > $TR/events/tpm12_drtm/tpm12_drtm_extend/enable
	drtm measure --pcr 18 --desc traced $T/data128 >/dev/null 2>&1
	echo 0 > $TR/events/tpm12_drtm/tpm12_drtm_extend/enable
	if grep -q 'tpm12_drtm_extend: pcr=18 locality=2' $TR/trace; then ok "tracepoint fired"; else notok "tracepoint did not fire"; fi
else
	notok "tracepoint tpm12_drtm/tpm12_drtm_extend missing"
fi

# Bad input through the CLI changes nothing.
u0=$(used); p0=$(pcr 17)
f "PCR 24 refused" drtm measure --pcr 24 $T/data
f "unknown event type refused" drtm measure --pcr 17 --type bogus $T/data
f "unknown hash mode refused" drtm measure --pcr 17 --hash md5 $T/data
f "PCR 16 refused by the default policy" drtm measure --pcr 16 $T/data
f "event type 0x4 refused by the default policy" drtm measure --pcr 17 --type 4 $T/data
f "gap-marker type 0x5f0 refused" drtm measure --pcr 17 --type 0x5f0 $T/data
f "missing file refused" drtm measure --pcr 17 $T/nonexistent
f "desc over 4096 bytes refused" drtm measure --pcr 17 --desc "$(head -c 5000 /dev/zero | tr '\0' x)" $T/data
f "unknown subcommand refused" drtm frobnicate
f "garbage size to debugfs sha1_bench refused" sh -c 'echo garbage > '$DBG'/sha1_bench'
f "huge size to debugfs sha1_bench refused" sh -c 'echo 99999999999 > '$DBG'/sha1_bench'
f "write to securityfs eventlog refused" sh -c 'echo x > /sys/kernel/security/tpm12_drtm/eventlog'
head -c 100 /dev/urandom > $T/garbage
f "drtm log rejects a garbage log" drtm log --file $T/garbage
f "drtm verify rejects a garbage log" drtm verify --file $T/garbage
if [ "$(used)" = "$u0" ] && [ "$(pcr 17)" = "$p0" ]; then ok "bad input left log and PCR 17 unchanged"; else notok "bad input changed log or PCR 17"; fi

# Interrupts of Linux's tpm_tis so far (empty when it polls).
tpm_irqs() {
	awk '$NF == "tpm0" { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }' /proc/interrupts
}

# 1000 extends of PCR 17 while Linux's tpm_tis reads PCRs at locality 0
# (in IRQ mode its interrupt handler requests locality 0 for every
# interrupt: none of those may time out either).
irq0=$(tpm_irqs)
: > $T/rfail
touch $T/run
(while [ -f $T/run ]; do cat $LPCRS >/dev/null 2>&1 || echo x >> $T/rfail; done) &
rpid=$!
dmesg -c >/dev/null
t0=$(date +%s)
t "1000 extends of PCR 17 concurrent with Linux PCR reads" drtm bench-extend --pcr 17 --count 1000
t1=$(date +%s)
rm -f $T/run
wait $rpid
echo "# 1000 extends took $((t1 - t0)) s: $(grep ns_per_extend $T/out)"
if [ ! -s $T/rfail ] && ! dmesg | grep -qi 'tpm.*\(error\|timed out\|timeout\)'; then ok "Linux's reader saw no error or timeout"; else notok "Linux reader failures: $(wc -l < $T/rfail)"; dmesg | grep -i tpm | sed 's/^/# /'; fi
irq1=$(tpm_irqs)
if [ -z "$irq0" ]; then
	N=$((N + 1)); echo "ok $N - tpm_tis interrupts counted # SKIP tpm_tis polls (no tpm0 in /proc/interrupts)"
elif [ "$irq1" -gt "$irq0" ]; then
	ok "tpm_tis in IRQ mode: tpm0 took $((irq1 - irq0)) interrupts during the 1000 extends"
else
	notok "tpm_tis in IRQ mode, but tpm0 took no interrupt ($irq0 -> $irq1)"
fi
t "replay still equals Linux's PCRs after 1000 extends" drtm verify --start $T/start

# TPM-side hashing (SHA1Start, 256 SHA1Updates, CompleteExtend) while
# Linux's tpm_tis reads PCRs: we hold Linux's TPM core for the whole
# sequence, so no Linux command comes in between and ends the TPM's SHA-1
# session, and Linux's commands wait instead of failing.
dd if=/dev/urandom of=$T/data256k bs=1024 count=256 2>/dev/null
: > $T/rfail
touch $T/run
(while [ -f $T/run ]; do cat $LPCRS >/dev/null 2>&1 || echo x >> $T/rfail; done) &
rpid=$!
t "TPM-mode measure of 256 KiB concurrent with Linux PCR reads" drtm measure --pcr 18 --hash tpm --desc tpm-concurrent $T/data256k
rm -f $T/run
wait $rpid
if [ ! -s $T/rfail ]; then ok "Linux's reader saw no error during TPM-side hashing"; else notok "Linux reader failures: $(wc -l < $T/rfail)"; fi

# Locality 0 may not extend PCR 17: the TPM says TPM_BAD_LOCALITY.
p0=$(pcr 17)
t "reload with locality=0 force_locality=1" reload locality=0 force_locality=1
f "PCR 17 at locality 0 refused" drtm measure --pcr 17 --desc loc0 $T/data
if grep -q TPM_BAD_LOCALITY $T/out && grep -q 'TPM_BAD_LOCALITY' $DBG/status && [ "$(used)" = 48 ] && [ "$(pcr 17)" = "$p0" ]; then
	ok "refusal reported as TPM_BAD_LOCALITY, nothing logged or extended"
else
	notok "locality 0 refusal not reported cleanly"; sed 's/^/# /' $T/out
fi

# A full log carries a gap marker in the binary log; drtm verify refuses it.
t "reload with a 400-byte log" reload evlog_size=400
for i in 1 2 3 4 5 6 7 8 9 10; do drtm measure --pcr 18 --desc "fill-$i" $T/data128 >$T/out 2>&1 || break; done
if grep -q 'event log is full' $T/out && grep -q 'evlog_truncated: 1' $DBG/status; then ok "full log reported"; else notok "full log not reported"; sed 's/^/# /' $T/out; fi
drtm log > $T/log 2>&1
if grep -q 'type=0x5f0 log gap: log full' $T/log && ! drtm verify > $T/out 2>&1 && grep -q 'marked incomplete' $T/out; then
	ok "binary log ends with a gap marker; drtm verify refuses it"
else
	notok "no gap marker in the binary log, or verify accepted it"; sed 's/^/# /' $T/log $T/out
fi

# Bad module parameters are refused; reload keeps working.
rmmod tpm12_drtm
bad=0
for p in locality=7 locality=0 locality=4 hash_mode=3 fifo_width=3 evlog_size=10 locality_retries=99 \
	 "evlog_phys=0x1000 evlog_phys_size=4096"; do
	# shellcheck disable=SC2086
	if insmod $MOD $p 2>/dev/null; then bad=1; echo "# accepted: $p"; rmmod tpm12_drtm; fi
done
[ $bad = 0 ] && ok "bad module parameters refused" || notok "a bad module parameter was accepted"
if dmesg | grep -q "locality 0 refused: Linux's TPM driver uses locality 0"; then ok "locality 0 refused with its reason"; else notok "no reason given for refusing locality 0"; fi
t "reload with defaults" insmod $MOD
t "measure after reload" drtm measure --pcr 18 --desc after-reload $T/data128

loaded || insmod $MOD
rm -rf $T
[ $N = 44 ] || { echo "# ran $N tests, planned 44"; FAIL=1; }
exit $FAIL
