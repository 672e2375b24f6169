# SPDX-License-Identifier: GPL-2.0
# `make demo`, tpm12_drtm: a DRTM measurement lands in PCR 17/18 and in the
# event log at once; Linux's tpm_tis, at locality 0, is the witness.
S=/sys/kernel/debug/tpm12_drtm/status
pcrs() { grep -E '^PCR-1[78]' /sys/class/tpm/tpm0/pcrs | indent; }

echo "== 1. tpm12_drtm: measure into the DRTM PCRs at locality 2, and log it"
if [ ! -r $S ]; then
	say "tpm12_drtm is not loaded: nothing to show"
	return 0
fi
say "chip: $(sed -n 's/^family: //p' $S), vendor $(sed -n 's/^vendor: //p' $S);" \
	"we use locality $(sed -n 's/^locality: //p' $S), Linux's tpm_tis locality 0"
step "before: Linux's tpm_tis reads"
pcrs
say "our event log: $(drtm info | sed -n 's/^evlog: //p')"
step "action: measure /init into PCR 17 (SHA-1 on the host) and a line into PCR 18 (SHA-1 in the TPM)"
drtm measure --pcr 17 --type 0x502 --desc "demo: /init" --hash host /init 2>&1 | indent
echo "hvsec demo" | drtm measure --pcr 18 --type 0x503 --desc "demo: stdin" --hash tpm - 2>&1 | indent
step "after: Linux's tpm_tis reads"
pcrs
step "after: our event log (TXT container, TPM 1.2 events)"
drtm log 2>&1 | indent
step "witness: replay the log and compare with Linux's reading of the PCRs"
drtm verify 2>&1 | indent
step "adversary: user space asks for PCR 10, Linux's locality 0 extends PCR 17"
drtm measure --pcr 10 --desc "not a DRTM PCR" /init 2>&1 | indent
drtm bench-extend --count 1 --pcr 17 --tpm0 2>&1 | indent
step "witness again: the refused requests changed nothing the log does not show"
drtm verify 2>&1 | tail -n 1 | indent
