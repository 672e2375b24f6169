#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: boot the test host once, run every benchmark script in
# scripts/bench/ there (with the modules loaded) and print one table.
# A benchmark prints lines "BENCH|component|metric|value|goal or note".
# Ratios are measured side by side in the same run; absolute times on a
# shared TCG host are only indicative.
#
# The test kernel carries KASAN, lockdep and kmemleak, whose costs dominate
# some paths (intel-iommu's domain switch is mostly debug allocations). So
# the vtd_reassign benchmark also runs on Debian's stock 6.12 kernel when it
# is installed with its headers and the intel-iommu private headers (as
# `make check-dkms` leaves it), with the modules built for it; its lines
# are marked "vtd_reassign@stock". Both run once more with intel-iommu in
# scalable mode (rows "vtd_reassign@scalable" and "vtd_reassign@stock,scalable":
# the hook replaces the RID_PASID entry there).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

out=$HVSEC_TOP/.out/bench
rm -rf "$out"
mkdir -p "$out"
job=$out/job.sh
adds=()
{
	echo 'hvsec_load || exit 126'
	echo '. /hvsec/bench-lib.sh'
	adds+=(--add "$HVSEC_TOP/scripts/bench-lib.sh=/hvsec/bench-lib.sh")
	for b in "$HVSEC_TOP"/scripts/bench/*.sh; do
		[ -r "$b" ] || continue
		n=${b##*/}
		adds+=(--add "$b=/hvsec/bench/$n")
		echo "( . /hvsec/bench/$n ) || echo 'BENCH|${n%.sh}|benchmark script failed|-|'"
	done
} > "$job"
"$HVSEC_TOP/scripts/testhost.sh" --quiet --out "$out/boot" --timeout 3600 \
	${adds[@]+"${adds[@]}"} "$job"
rc=$?

# The test host's CPU model is not affected by Meltdown, so the boot above
# has PTI off; ring3_exec's goals differ with PTI, so it runs once more with
# pti=on (rows "ring3_exec@pti=on"), and so does its KVM exit-path
# benchmark (rows "ring3_exec_kvm@pti=on": this boot keeps the AMD vendor,
# so KVM loads).
printf '%s\n' 'hvsec_load || exit 126' '. /hvsec/bench-lib.sh' \
	'( R3X_BENCH_COMPONENT=ring3_exec@pti=on; . /hvsec/bench/ring3_exec.sh )' \
	'( RKX_BENCH_COMPONENT=ring3_exec_kvm@pti=on; . /hvsec/bench/ring3_exec_kvm.sh )' \
	> "$out/pti-job.sh"
"$HVSEC_TOP/scripts/testhost.sh" --quiet --out "$out/pti" --timeout 1800 --append pti=on \
	--add "$HVSEC_TOP/scripts/bench-lib.sh=/hvsec/bench-lib.sh" \
	--add "$HVSEC_TOP/scripts/bench/ring3_exec.sh=/hvsec/bench/ring3_exec.sh" \
	--add "$HVSEC_TOP/scripts/bench/ring3_exec_kvm.sh=/hvsec/bench/ring3_exec_kvm.sh" \
	"$out/pti-job.sh" || { echo "bench: the pti=on run failed (logs: $out/pti)" >&2; rc=1; }

# vtd_reassign on the test kernel in scalable mode.
printf '%s\n' 'hvsec_load || exit 126' \
	'( VTD_BENCH_COMPONENT=vtd_reassign@scalable; . /hvsec/bench/vtd_reassign.sh )' > "$out/sm-job.sh"
"$HVSEC_TOP/scripts/testhost.sh" --quiet --out "$out/sm" --timeout 1800 --iommu scalable \
	--add "$HVSEC_TOP/scripts/bench/vtd_reassign.sh=/hvsec/bench/vtd_reassign.sh" \
	"$out/sm-job.sh" || { echo "bench: the scalable-mode run failed (logs: $out/sm)" >&2; rc=1; }

# tpm12_drtm on a TPM 2.0 (rows "tpm12_drtm@tpm2"): the same test kernel
# with swtpm in TPM 2.0 mode.
printf '%s\n' 'hvsec_load tpm12_drtm || exit 126' \
	'( . /hvsec/bench/tpm12_drtm.sh )' > "$out/tpm2-job.sh"
"$HVSEC_TOP/scripts/testhost.sh" --quiet --out "$out/tpm2" --timeout 1800 --tpm tpm2 \
	--add "$HVSEC_TOP/scripts/bench/tpm12_drtm.sh=/hvsec/bench/tpm12_drtm.sh" \
	"$out/tpm2-job.sh" || { echo "bench: the TPM 2.0 run failed (logs: $out/tpm2)" >&2; rc=1; }

# The stock-kernel runs (see above), legacy and scalable mode; skipped with
# a note when not possible.
stock_bench() {
	local rel tmp stage mode comp
	rel=$(cd /boot && ls vmlinuz-6.12.*+deb12-amd64 2>/dev/null | sed 's/^vmlinuz-//' | sort -V | tail -n 1)
	if [ -z "$rel" ] || [ ! -d "/lib/modules/$rel/build" ] ||
	   [ ! -d "/usr/src/hvsec-kernel-private/$rel" ]; then
		echo "BENCH|vtd_reassign@stock|domain switches|-|skipped: run make check-dkms first" > "$out/stock.log"
		return 0
	fi
	tmp=$(mktemp -d /tmp/hvsec-bench.XXXXXX)
	if ! hvsec_build_modules "$rel" "$tmp/ko" "$out/stock-build.log"; then
		rm -rf "$tmp"
		echo "BENCH|vtd_reassign@stock|domain switches|-|FAILED: build (see $out/stock-build.log)" > "$out/stock.log"
		return 1
	fi
	stage=$("$HVSEC_TOP/scripts/stage-guest.sh" --modules "$tmp/ko" --kernel-release "$rel" \
		--out "$out/stage-stock") || { rm -rf "$tmp"; return 1; }
	rm -rf "$tmp"
	: > "$out/stock.log"
	for mode in legacy scalable; do
		comp=vtd_reassign@stock
		[ $mode = legacy ] || comp=$comp,$mode
		printf '%s\n' 'hvsec_load || exit 126' \
			"( VTD_BENCH_COMPONENT=$comp VTD_BENCH_ROUNDS=15 VTD_BENCH_SWITCHES=7500; . /hvsec/bench/vtd_reassign.sh )" \
			> "$out/stock-$mode-job.sh"
		"$HVSEC_TOP/scripts/testhost.sh" --quiet --kernel "/boot/vmlinuz-$rel" --stage "$stage" \
			--out "$out/stock-$mode" --timeout 1800 --iommu "$mode" --tcg-single \
			--add "$HVSEC_TOP/scripts/bench/vtd_reassign.sh=/hvsec/bench/vtd_reassign.sh" \
			"$out/stock-$mode-job.sh" || return 1
		grep '^BENCH|' "$out/stock-$mode/output.log" >> "$out/stock.log"
	done
}
stock_bench || { echo "bench: a stock-kernel run failed (logs: $out/stock-*)" >&2; rc=1; }
printf '| %-18s | %-52s | %-14s | %-30s |\n' component metric value "goal / note"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..20})" "$(printf -- '-%.0s' {1..54})" \
	"$(printf -- '-%.0s' {1..16})" "$(printf -- '-%.0s' {1..32})"
cat "$out/boot/output.log" "$out/pti/output.log" "$out/sm/output.log" "$out/tpm2/output.log" "$out/stock.log" 2>/dev/null |
	grep '^BENCH|' |
while IFS='|' read -r _ c m v g; do
	printf '| %-18s | %-52s | %-14s | %-30s |\n' "$c" "$m" "$v" "$g"
done
[ $rc -eq 0 ] || { echo "bench: test host ended with status $rc (logs: $out/boot)" >&2; exit 1; }
