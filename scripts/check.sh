#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: lint, then boot the test host with pti=on and pti=off; each
# boot loads the modules, runs every KUnit suite listed in kunit/suites and
# every selftest, reloads the modules and scans for leaks; then
# scripts/check-dkms.sh (DKMS on Debian's stock kernels). The host parses
# the results with the kernel's kunit.py and fails on any failed or missing
# test, kernel splat, kmemleak report or guest timeout. The last line is
# "N passed, N failed[, N skipped]".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# HVSEC_CHECK_BOOTS="pti=on" limits a local run to fewer boots. A boot is
# its extra kernel command line ("+" between two parameters), optionally
# followed by "/" and the QEMU CPU model, then optionally by "@" and the edu
# topology (testhost.sh --edu), then optionally by "%" and the intel-iommu
# mode (testhost.sh --iommu), then by any of "+hotplug-edu" and "+ats"
# (those testhost.sh options; a CPU model in a boot therefore names
# features "x=on", never "+x").
# The pti=on boot presents an Intel CPU: it runs ring3_exec's Intel paths
# (SYSENTER_CS, no CSTAR) and a survivable machine check at CPL3 (selftest
# ring3_exec_mce); the pti=off boot keeps -cpu max's AMD vendor, runs
# intel-iommu in caching mode (vtd_reassign's caching-mode invalidation;
# measured: no cost a boot would notice beside host load) and has an edu
# behind a PCIe root port that its job unplugs (selftest
# vtd_reassign_unplug) and an ATS-capable virtio-rng (vtd_reassign_ats).
# The two-edu bridge boot (pti=off@bridge2) is not a default, to keep the
# check's time: a third boot costs about six minutes.
# The pti=on boot reserves 64 KiB of RAM (memmap=64K$0x70000000: "Reserved"
# in /proc/iomem) where tpm12_drtm_lockdown adopts an event log, as from a
# boot loader. Linux's tpm_tis in IRQ mode (pti=off+tpm_tis.interrupts=1+
# tpm_tis.force=1) is not a default yet: tpm12_drtm_linux fails there (see
# Documentation/tpm12_drtm.rst).
read -r -a BOOTS <<< "${HVSEC_CHECK_BOOTS:-pti=on+memmap=64K\$0x70000000/max,la57=off,vendor=GenuineIntel pti=off%caching+hotplug-edu+ats}"
GUEST_TIMEOUT=${HVSEC_GUEST_TIMEOUT:-1200}

t0=$(date +%s)
need_pkgs "${KBUILD_PKGS[@]}" "${HOST_PKGS[@]}" "${LINT_PKGS[@]}"
kdir=$("$HVSEC_TOP/scripts/build-kernel.sh") || die "test kernel build failed"
ksrc=$(readlink -f "$kdir/source")
t_kernel=$(date +%s)

lint_failed=0
KDIR=$kdir "$HVSEC_TOP/scripts/lint.sh" || lint_failed=1
t_lint=$(date +%s)

out=$HVSEC_TOP/.out/check
rm -rf "$out"
mkdir -p "$out"
stage=$("$HVSEC_TOP/scripts/stage-guest.sh" --kdir "$kdir") || die "staging the test host failed"

expected=$out/expected
sed 's/^\([^ ]*\) /kunit /' "$stage/hvsec/kunit/suites" > "$expected"
for t in "$stage"/hvsec/selftests/* "$stage"/hvsec/selftests-last/*; do
	[ -x "$t" ] && echo "selftest ${t##*/}" >> "$expected"
done

boots=()
for b in "${BOOTS[@]}"; do
	edu=root iommu=legacy rest=$b extras=()
	# Trailing +hotplug-edu/+ats; a "+" before them joins kernel parameters.
	while [ "${rest%+*}" != "$rest" ]; do
		case ${rest##*+} in
		hotplug-edu|ats) extras=(--"${rest##*+}" ${extras[@]+"${extras[@]}"}) ;;
		*) break ;;
		esac
		rest=${rest%+*}
	done
	[ "${rest%\%*}" = "$rest" ] || { iommu=${rest##*%}; rest=${rest%\%*}; }
	[ "${rest%@*}" = "$rest" ] || { edu=${rest##*@}; rest=${rest%@*}; }
	append=${rest%%/*} cpu=()
	[ "$append" = "$rest" ] || cpu=(--cpu "${rest#*/}")
	append=${append//+/ }
	dir=$out/${append//[^a-z0-9]/_}
	echo "check: booting the test host with $append${cpu[1]:+ (cpu ${cpu[1]})} (edu: $edu, iommu: $iommu${extras[*]:+, ${extras[*]}})"
	"$HVSEC_TOP/scripts/testhost.sh" --quiet --stage "$stage" --out "$dir" \
		--timeout "$GUEST_TIMEOUT" --append "$append" ${cpu[@]+"${cpu[@]}"} \
		--edu "$edu" --iommu "$iommu" ${extras[@]+"${extras[@]}"} \
		"$HVSEC_TOP/scripts/guest/check-job.sh"
	rc=$?
	[ $rc -eq 0 ] || echo "check: test host ($b) ended with status $rc"
	boots+=("$dir")
done
t_boots=$(date +%s)

# DKMS on Debian's stock 6.1 and 6.12 kernels (root; HVSEC_CHECK_DKMS=0 skips).
dkms_failed=0
if [ "${HVSEC_CHECK_DKMS:-1}" != 0 ]; then
	echo "check: DKMS on stock kernels (log: $out/check-dkms.log)"
	"$HVSEC_TOP/scripts/check-dkms.sh" > "$out/check-dkms.log" 2>&1 || dkms_failed=1
	sed -n '/^check-dkms: hvsec/,$p' "$out/check-dkms.log"
	[ $dkms_failed -eq 0 ] || { tail -n 5 "$out/check-dkms.log"; echo "check: check-dkms FAILED; counted as one failure"; }
fi
t_dkms=$(date +%s)

echo "check: times: kernel $((t_kernel - t0)) s, lint $((t_lint - t_kernel)) s," \
	"boots $((t_boots - t_lint)) s, dkms $((t_dkms - t_boots)) s, total $((t_dkms - t0)) s"
echo "check: logs in $out"
failed=()
[ $lint_failed -eq 0 ] || {
	echo "check: lint FAILED (see above); counted as one failure"
	failed+=(--failed "lint (scripts/lint.sh; output above)")
}
[ $dkms_failed -eq 0 ] || failed+=(--failed "check-dkms: $({ grep -m1 FAILED "$out/check-dkms.log" ||
	tail -n 1 "$out/check-dkms.log"; } | tr -s ' ' | cut -c1-150)")
python3 "$HVSEC_TOP/scripts/check-report.py" ${failed[@]+"${failed[@]}"} \
	"$ksrc/tools/testing/kunit/kunit.py" "$expected" "${boots[@]}"
