# SPDX-License-Identifier: GPL-2.0
#
# What scripts/check-dkms.sh and check-dkms-trixie.sh share; sourced after
# lib.sh. Both report each phase as a status string: "ok", "ok (...)" or
# "FAILED (reason)".

# phase NAME ... phase_done [STATUS]: one timed line of the summary in
# times[]; a status other than ok* adds NAME to failed[].
t_all=$(date +%s)
times=()
failed=()
phase() { ph_name=$1; ph_t=$(date +%s); log "=== $1"; }
phase_done() {
	local d=$(( $(date +%s) - ph_t ))
	times+=("$(printf '%-44s %5ss %s' "$ph_name" "$d" "${1:-ok}")")
	log "--- $ph_name: ${d}s ${1:-ok}"
	case "${1:-ok}" in ok*) ;; *) failed+=("$ph_name") ;; esac
}

# dkms_modinfo_check FILE MODULE VERSION -- an installed module's modinfo:
# version, GPL, description, author, help text for every parameter. Prints
# "ok" or "FAILED (reason)".
dkms_modinfo_check() {
	local f=$1 m=$2 version=$3 st=ok tag p d
	[ "$(modinfo -F version "$f")" = "$version" ] || st="FAILED ($m: version is not $version)"
	[ "$(modinfo -F license "$f")" = GPL ] || st="FAILED ($m: license is not GPL)"
	for tag in description author; do
		[ -n "$(modinfo -F $tag "$f")" ] || st="FAILED ($m: no $tag)"
	done
	while IFS= read -r p; do
		[ -n "$p" ] || continue
		d=$(echo "${p#*:}" | sed -E 's/ *\([a-z]+\)$//')
		[ -n "${d// /}" ] || st="FAILED ($m: parameter ${p%%:*} has no help text)"
	done < <(modinfo -F parm "$f")
	log "$m: $f, version $(modinfo -F version "$f"), $(modinfo -F parm "$f" | wc -l) parameter(s)"
	echo "$st"
}

# dkms_boot_judge KERNEL STAGE DIR TIMEOUT -- boot the stock KERNEL image
# in the test host with STAGE and scripts/guest/dkms-check.sh, then judge
# DIR as make check does (kunit.py on every TAP section, splats, missing
# selftests, an unfinished job). Prints "ok (counts)" or "FAILED (counts)".
# Debian's 6.12 and 7.x run with one TCG thread for both vCPUs: twice, on
# stock 6.12, a vCPU hit an INT3 that text patching on the other vCPU had
# already removed ("Oops: int3" at a patched static branch, in
# sched_clock_cpu() before any module of ours was loaded and in
# ttwu_do_activate()), which multi-threaded TCG allows and hardware does not.
# 6.1 keeps multi-threaded TCG: it marks the TSC unsynchronized on this CPU
# model, and on one TCG thread its suspend test once saw pm_test's 3 s
# delay end after 57 ms.
dkms_boot_judge() {
	local kimg=$1 stage=$2 dir=$3 timeout=$4 t tcg=--tcg-single
	case ${kimg##*/vmlinuz-} in 6.1.*) tcg="" ;; esac
	"$HVSEC_TOP/scripts/testhost.sh" --quiet $tcg --kernel "$kimg" --stage "$stage" \
		--append loglevel=7 --out "$dir" --timeout "$timeout" \
		"$HVSEC_TOP/scripts/guest/dkms-check.sh" >&2 || log "guest job status $?"
	{
		for t in "$stage"/hvsec/selftests/*; do
			[ -x "$t" ] && echo "selftest ${t##*/}"
		done
		echo "selftest reload"
		echo "selftest final-unload"
	} > "$dir/expected"
	if python3 "$HVSEC_TOP/scripts/check-report.py" "$(kselftest_src)/tools/testing/kunit/kunit.py" \
		"$dir/expected" "$dir" > "$dir/report.txt"; then
		cat "$dir/report.txt" >&2
		echo "ok ($(tail -n 1 "$dir/report.txt"))"
	else
		cat "$dir/report.txt" >&2
		echo "FAILED ($(tail -n 1 "$dir/report.txt"))"
	fi
}

# dkms_summary NAME WHAT -- the summary of times[]; exits 1 if a phase failed.
dkms_summary() {
	local t
	echo
	echo "$1: hvsec $(cat "$HVSEC_TOP/VERSION") on $2"
	for t in "${times[@]}"; do echo "  $t"; done
	echo "  total: $(( $(date +%s) - t_all ))s"
	if [ ${#failed[@]} -gt 0 ]; then
		echo "$1: FAILED: ${failed[*]}"
		exit 1
	fi
	echo "$1: all passed"
}
