#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tpm12_drtm on a TPM 2.0 (QEMU tpm-tis + swtpm --tpm2, a PTP FIFO): host-
# hashed extends of PCR 17/18 at locality 2 reach every bank, the replay of
# our crypto-agile log equals Linux's /sys/class/tpm/tpm0/pcr-<bank>/N, the
# TPM refuses locality 0 (TPM_RC_LOCALITY) and nothing is logged then, a
# full log carries its marker, and tpm2_eventlog (tpm2-tools, staged in
# /hvsec/tpm2-tools by make check) parses the log with the same replay.
# Behind QEMU's tpm-crb, which serves locality 0 only: the default load is
# refused with its reason, and at locality 0 (forced) the CRB transport
# extends PCR 16 and the TPM refuses PCR 17; the module is left unloaded.
# Prints TAP 13; skips on a TPM 1.2. Leaves tpm12_drtm loaded.

MOD=/hvsec/modules/tpm12_drtm.ko
DBG=/sys/kernel/debug/tpm12_drtm
LOG=/sys/kernel/security/tpm12_drtm/eventlog
TPM=/sys/class/tpm/tpm0
TOOLS=/hvsec/tpm2-tools
T=/tmp/tpm12_drtm_tpm2
N=0

if [ "$(cat $TPM/tpm_version_major 2>/dev/null)" != 2 ]; then
	# One skipped case: kunit.py counts a "1..0" plan as an error.
	echo "TAP version 13"
	echo "1..1"
	echo "ok 1 - tpm12_drtm on a TPM 2.0 # SKIP not a TPM 2.0 (tpm_version_major $(cat $TPM/tpm_version_major 2>/dev/null))"
	exit 0
fi
rm -rf $T
mkdir -p $T
echo "TAP version 13"
# QEMU's CRB (testhost.sh --tpm tpm2-crb) serves locality 0 only.
crb=0
case $(readlink $TPM/device/driver 2>/dev/null) in *tpm_crb) crb=1 ;; esac
# kunit.py (make check) wants the plan first: keep in step with the tests.
if [ $crb = 1 ]; then echo "1..10"; else echo "1..29"; fi

ok() { N=$((N + 1)); echo "ok $N - $1"; }
notok() { N=$((N + 1)); echo "not ok $N - $1"; }
skip() { N=$((N + 1)); echo "ok $N - $1 # SKIP $2"; }
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
reload() { rmmod tpm12_drtm 2>/dev/null; insmod $MOD "$@"; }
events() { drtm log 2>/dev/null | grep -c '^[0-9]* pcr='; }
# The banks Linux sees, and the ones we extend (debugfs "banks:").
linux_banks() { for d in $TPM/pcr-*; do echo "${d##*/pcr-}"; done | sort | tr '\n' ' '; }
our_banks() { sed -n 's/^banks: //p' $DBG/status | tr ' ' '\n' | sort | tr '\n' ' '; }
# The digest of bank $2 of the last event for PCR $1 in drtm log.
log_digest() { drtm log | grep "^[0-9]* pcr=$1 " | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }
tpm2_eventlog() {
	$TOOLS/ld-linux-x86-64.so.2 --library-path $TOOLS $TOOLS/tpm2 eventlog "$@"
}
snapshot() { rm -rf "$1"; mkdir -p "$1"; cp -r $TPM/pcr-* "$1/"; }

if [ $crb = 1 ]; then
	# The DRTM locality is refused with one line; locality 0, forced,
	# drives the CRB transport: PCR 16 extends, PCR 17 is the TPM's no.
	rmmod tpm12_drtm 2>/dev/null
	dmesg -c >/dev/null
	f "default load (locality 2) refused on a locality-0-only CRB" insmod $MOD
	if dmesg | grep -q "serves locality 0 only"; then ok "one line says why"; else notok "no 'serves locality 0 only' line"; dmesg | tail -n 5 | sed 's/^/# /'; fi
	t "load at locality 0 (force_locality=1 unrestricted=1)" reload locality=0 force_locality=1 unrestricted=1
	t "status says CRB" grep -qx "interface: CRB" $DBG/status
	snapshot $T/start
	dd if=/dev/urandom of=$T/data bs=1000 count=5 2>/dev/null
	t "PCR 16 measure over the CRB" drtm measure --pcr 16 --type 0x5f1 --desc crb-16 $T/data
	t "PCR 16 measure from stdin" sh -c 'echo crb | drtm measure --pcr 16 --type 0x5f1 --desc crb-16b -'
	t "replay of every bank equals Linux's pcr-<bank>/16" drtm verify --start $T/start
	sed 's/^/# /' $T/out
	f "PCR 17 at locality 0 fails" drtm measure --pcr 17 --desc loc0 $T/data
	if grep -q TPM_RC_LOCALITY $T/out; then ok "the TPM answered TPM_RC_LOCALITY"; else notok "no TPM_RC_LOCALITY in: $(cat $T/out)"; fi
	if [ "$(events)" = 2 ]; then ok "only the 2 extends are logged"; else notok "$(events) events logged, not 2"; fi
	rmmod tpm12_drtm
	exit 0
fi

t "tpm12_drtm loads on a TPM 2.0" reload
t "status says TPM 2.0 with a crypto-agile log" grep -qx "family: TPM 2.0" $DBG/status
lb=$(linux_banks) ob=$(our_banks)
if [ -n "$ob" ] && [ "$lb" = "$ob" ]; then ok "we extend every bank Linux sees ($ob)"; else notok "banks: ours '$ob', Linux's '$lb'"; fi
snapshot $T/start

dd if=/dev/urandom of=$T/data bs=1000 count=5 2>/dev/null
t "PCR 17 host-mode measure" drtm measure --pcr 17 --type slaunch --desc tpm2-17 $T/data
t "PCR 18 measure from stdin" sh -c 'echo hvsec | drtm measure --pcr 18 --type 0x503 --desc tpm2-18 -'
t "PCR 18 measure of nothing" sh -c ': | drtm measure --pcr 18 --type 0x504 --desc empty -'
s1=$(sha1sum $T/data | cut -d' ' -f1)
s256=$(sha256sum $T/data | cut -d' ' -f1)
s512=$(sha512sum $T/data | cut -d' ' -f1)
d1=$(log_digest 17 sha1) d256=$(log_digest 17 sha256) d512=$(log_digest 17 sha512)
if [ "$d1" = "$s1" ] && [ "$d256" = "$s256" ]; then ok "logged SHA-1 and SHA-256 digests equal sha1sum/sha256sum"; else notok "logged sha1 $d1 sha256 $d256, want $s1 $s256"; fi
case " $ob " in
*" sha512 "*) if [ "$d512" = "$s512" ]; then ok "logged SHA-512 digest equals sha512sum"; else notok "logged sha512 $d512, want $s512"; fi ;;
*) skip "logged SHA-512 digest equals sha512sum" "no SHA-512 bank" ;;
esac
n=$(events)
if [ "$n" = 3 ]; then ok "log holds 3 events"; else notok "log holds $n events, not 3"; drtm log | sed 's/^/# /'; fi
t "replay of every bank equals Linux's pcr-<bank>/N" drtm verify --start $T/start
sed 's/^/# /' $T/out
a=$(sed -n 's/^PCR-17 sha256: //p' $DBG/pcrs | tr -d ' ')
b=$(cat $TPM/pcr-sha256/17)
if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "debugfs pcrs PCR-17 sha256 equals Linux's"; else notok "debugfs '$a', Linux '$b'"; fi

# A tampered digest (the first record's first digest byte) is caught.
cp $LOG $T/tampered
hdr=$(( 32 + $(od -An -tu4 -j28 -N4 $T/tampered | tr -d ' ') ))
printf Z | dd of=$T/tampered bs=1 seek=$((hdr + 14)) conv=notrunc 2>/dev/null
f "drtm verify detects a tampered digest" drtm verify --start $T/start --file $T/tampered

# TPM-side hashing: an event sequence (5000 bytes: four SequenceUpdates
# and a last piece), completed into every bank; same digests as the host.
t "PCR 17 TPM-mode measure (event sequence)" drtm measure --pcr 17 --hash tpm --desc tpm2-seq $T/data
d256=$(log_digest 17 sha256)
if [ "$d256" = "$s256" ] && [ "$(log_digest 17 sha1)" = "$s1" ]; then ok "TPM-mode digests equal sha1sum/sha256sum"; else notok "TPM-mode sha256 $d256, want $s256"; fi
t "log still verifies (4 events)" drtm verify --start $T/start

# Locality 0 (Linux's): the TPM itself refuses PCR 17, nothing is logged.
t "reload at locality 0 (force_locality=1)" reload locality=0 force_locality=1
snapshot $T/before
f "PCR 17 extend at locality 0 fails" drtm measure --pcr 17 --desc loc0 $T/data
if grep -q TPM_RC_LOCALITY $T/out; then ok "the TPM answered TPM_RC_LOCALITY"; else notok "no TPM_RC_LOCALITY in: $(cat $T/out)"; fi
snapshot $T/after
if [ "$(events)" = 0 ] && diff -r $T/before $T/after >/dev/null; then ok "nothing logged, no PCR moved"; else notok "locality 0: $(events) events, or a PCR moved"; fi

# tpm2_eventlog parses our log, and its replay (from zero: it knows no
# DRTM reset value) is ours.
t "reload at locality 2" reload
snapshot $T/start
drtm measure --pcr 17 --desc ev-17 $T/data >/dev/null 2>&1
echo second | drtm measure --pcr 18 --desc ev-18 - >/dev/null 2>&1
cp $LOG $T/log
if [ ! -x $TOOLS/tpm2 ]; then
	skip "tpm2_eventlog parses the log" "tpm2-tools not staged in $TOOLS"
	skip "tpm2_eventlog's replay equals drtm replay" "tpm2-tools not staged"
else
	t "tpm2_eventlog parses the log" tpm2_eventlog $T/log
	cp $T/out $T/evlog.yaml
	awk '/^pcrs:/ { p = 1; next } p && /^  [a-z0-9_]+:$/ { b = $1; sub(":", "", b); next }
	     p && /^    [0-9]+ : 0x/ { v = tolower($3); sub("^0x", "", v); print b ":" $1 ": " v }' \
		$T/evlog.yaml | sort > $T/theirs
	drtm replay --start zero --file $T/log | sort > $T/ours
	if [ -s $T/ours ] && cmp -s $T/ours $T/theirs; then
		ok "tpm2_eventlog's replay equals drtm replay ($(wc -l < $T/ours) bank values)"
	else
		notok "tpm2_eventlog's replay differs"; diff $T/ours $T/theirs | sed 's/^/# /'
	fi
fi
t "the same log verifies against the TPM" drtm verify --start $T/start --file $T/log

# A full log: the extend happens, the log gets its marker, verify fails.
t "reload with a small log" reload evlog_size=1024
snapshot $T/start
i=0
while [ $i -lt 20 ] && drtm measure --pcr 18 --desc fill-the-log $T/data >/dev/null 2>&1; do
	i=$((i + 1))
done
drtm measure --pcr 18 --desc one-more $T/data >$T/out 2>&1
if grep -q "log is full" $T/out && grep -q "^evlog_truncated: 1" $DBG/status; then ok "a full log is marked truncated after $i events"; else notok "no truncation after $i events: $(cat $T/out)"; fi
if drtm log | grep -q "log gap: log full"; then ok "the binary log carries the gap marker"; else notok "no gap marker in the binary log"; fi
f "drtm verify fails on a log marked incomplete" drtm verify --start $T/start
if [ -x $TOOLS/tpm2 ]; then
	cp $LOG $T/full
	t "tpm2_eventlog parses the full log too" tpm2_eventlog $T/full
else
	skip "tpm2_eventlog parses the full log too" "tpm2-tools not staged"
fi

t "reload with the defaults" reload
exit 0
