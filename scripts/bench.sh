#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: boot the test host once, run every benchmark script in
# scripts/bench/ there (with the modules loaded) and print one table.
# A benchmark prints lines "BENCH|component|metric|value|goal or note".
# Ratios are measured side by side in the same run; absolute times on a
# shared TCG host are only indicative.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

out=$HVSEC_TOP/.out/bench
rm -rf "$out"
mkdir -p "$out"
job=$out/job.sh
adds=()
{
	echo 'hvsec_load || exit 126'
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
printf '| %-14s | %-52s | %-14s | %-30s |\n' component metric value "goal / note"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..16})" "$(printf -- '-%.0s' {1..54})" \
	"$(printf -- '-%.0s' {1..16})" "$(printf -- '-%.0s' {1..32})"
grep '^BENCH|' "$out/boot/output.log" | while IFS='|' read -r _ c m v g; do
	printf '| %-14s | %-52s | %-14s | %-30s |\n' "$c" "$m" "$v" "$g"
done
[ $rc -eq 0 ] || { echo "bench: test host ended with status $rc (logs: $out/boot)" >&2; exit 1; }
