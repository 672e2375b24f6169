# SPDX-License-Identifier: GPL-2.0
# Shared by the benchmarks in scripts/bench/ (make bench's job sources this
# first, in the guest, as /hvsec/bench-lib.sh).

# bench_median FIELD ROUNDS -- the median of field FIELD (1: the first
# number, 2: the second, 3: first/second) of ROUNDS, "a:b a:b ...": the
# measurements of interleaved rounds, judged by their median because the
# guest's speed under TCG drifts.
bench_median() {
	for _r in $2; do
		echo "$_r" | awk -F: -v f="$1" \
			'{ v[1] = $1; v[2] = $2; v[3] = $2 > 0 ? $1 / $2 : 0; print v[f] }'
	done | sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'
}
