# SPDX-License-Identifier: GPL-2.0
# `make demo`, tpm12_drtm: measure into PCR 17 and 18 at locality 2 in both
# hashing modes, show the log and check it against Linux's view of the PCRs.
echo "--- drtm measure --pcr 17 --hash host /init; drtm measure --pcr 18 --hash tpm (stdin)"
drtm measure --pcr 17 --type 0x502 --desc "demo: /init" --hash host /init 2>&1 | sed 's/^/    /'
echo "hvsec demo" | drtm measure --pcr 18 --type 0x503 --desc "demo: stdin" --hash tpm - 2>&1 | sed 's/^/    /'
echo "--- drtm log"
drtm log 2>&1 | sed 's/^/    /'
echo "--- Linux's tpm_tis now reads"
grep -E '^PCR-1[78]' /sys/class/tpm/tpm0/pcrs | sed 's/^/    /'
echo "--- drtm verify (replays the log, compares with /sys/class/tpm/tpm0/pcrs)"
drtm verify 2>&1 | sed 's/^/    /'
