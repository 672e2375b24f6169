#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: lint; then, HVSEC_CHECK_JOBS (default 2) at a time, the
# test-host boots (pti=off and pti=on on the 6.12 test kernel; one boot on
# the 7.3 test kernel), a short boot with a TPM 2.0 behind tpm-crb
# (HVSEC_CHECK_CRB=0 leaves it out), a test of vm-run's exit status and
# scripts/check-dkms.sh and check-dkms-trixie.sh (DKMS on Debian's stock
# 6.1, 6.12 and 7.3 kernels). Each boot loads
# the modules, runs every KUnit suite listed in kunit/suites and the
# selftests, reloads the modules and scans for leaks. The host parses the
# results with the kernel's kunit.py and fails on any failed or missing
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
# features "x=on", never "+x"), "+vtd" (that boot runs vtd_reassign's
# KUnit modules and selftests only, HVSEC_CHECK_ONCE aside), "+tpm2"
# (a TPM 2.0 behind tpm-tis, testhost.sh --tpm tpm2, and tpm2-tools in the
# guest; with +vtd, tpm12_drtm_tpm2's tests run there too) and "+kvm"
# (with +vtd, ring3_exec_kvm.sh runs there too).
# The third boot runs intel-iommu in scalable mode (x-scalable-mode=on,
# second-level tables): vtd_reassign's switches of the RID_PASID entry,
# the edu DMA proof and the iommufd replacement there; and its TPM is a
# TPM 2.0 (tpm12_drtm_tpm2.sh). It runs with PTI and the AMD vendor of
# -cpu max, so that KVM loads: ring3_exec from a KVM exit path
# (ring3_exec_kvm.sh) with PTI there, without PTI in the first boot (the
# pti=on boot's Intel CPU model has no VMX under TCG: it skips).
# The pti=on boot presents an Intel CPU: it runs ring3_exec's Intel paths
# (SYSENTER_CS, no CSTAR) and a survivable machine check at CPL3 (selftest
# ring3_exec_mce); kvm_amd refuses that vendor and TCG has no VMX, so
# selftest ring3_exec_kvm.sh (a helper on every exit of a nested guest)
# skips there and runs in the pti=off and 7.3 boots. The pti=off boot
# keeps -cpu max's AMD vendor, runs
# intel-iommu in caching mode (vtd_reassign's caching-mode invalidation;
# measured: no cost a boot would notice beside host load) and has an edu
# behind a PCIe root port that its job unplugs (selftest
# vtd_reassign_unplug) and an ATS-capable virtio-rng (vtd_reassign_ats).
# The pti=on boot's two edus sit behind a PCIe-to-PCI bridge (@bridge2):
# they share the bridge's DMA alias, so a switch moves two context entries
# and vtd_reassign_edu.sh's alias case runs there.
# The pti=on boot reserves 64 KiB of RAM (memmap=64K$0x70000000: "Reserved"
# in /proc/iomem) where tpm12_drtm_lockdown adopts an event log, as from a
# boot loader. Linux's tpm_tis in IRQ mode (pti=off+tpm_tis.interrupts=1+
# tpm_tis.force=1) is not a default yet: tpm12_drtm_linux fails there (see
# Documentation/tpm12_drtm.rst).
read -r -a BOOTS <<< "${HVSEC_CHECK_BOOTS:-pti=off%caching+hotplug-edu+ats pti=on+memmap=64K\$0x70000000/max,la57=off,vendor=GenuineIntel@bridge2 pti=on+intel_iommu=sm_on%scalable+hotplug-edu+vtd+tpm2+kvm}"
# Selftests whose subject does not change with what the 6.12 boots vary
# (PTI, CPU vendor, IOMMU mode) run in one of them only: NAME@N runs in the
# Nth boot (the last one if there are fewer). The vtd_reassign ones need the
# first boot's devices or caching mode; the TPM's go to the second boot to
# even out the two boots' time. "" runs every selftest in every boot.
read -r -a ONCE <<< "${HVSEC_CHECK_ONCE-vtd_reassign_iommufd@1 vtd_reassign_unload.sh@1 vtd_reassign_unplug.sh@1 vtd_reassign_ats.sh@1 tpm12_drtm.sh@2 tpm12_drtm_ioctl@2 tpm12_drtm_suspend.sh@2 tpm12_drtm_tpm2.sh@3}"
GUEST_TIMEOUT=${HVSEC_GUEST_TIMEOUT:-1800}
# HVSEC_CHECK_KSERIES (default "7.3"; "" for none) adds one boot per listed
# series on that series' test kernel (scripts/build-kernel.sh --series S,
# cached like the 6.12 one; a cold build takes 13-20 minutes), with the
# modules built against it (in a copy of the tree) and every KUnit suite
# and selftest, as HVSEC_CHECK_KBOOT (same syntax as a boot above). Suites
# of test modules that a kernel does not build (vtd_reassign_hook_kunit:
# the intel-iommu hook is built for the top Kbuild's
# HVSEC_INTEL_IOMMU_SERIES only) are left out of that boot's expected
# list, with a note.
read -r -a KSERIES <<< "${HVSEC_CHECK_KSERIES-7.3}"
KBOOT=${HVSEC_CHECK_KBOOT:-pti=off%caching+hotplug-edu+ats}
# Two at a time: a TCG guest keeps about one host core busy in most tests.
JOBS=${HVSEC_CHECK_JOBS:-2}
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "HVSEC_CHECK_JOBS must be a positive number, not '$JOBS'"

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

# expected_list STAGE -- the suites and selftests a boot of STAGE must run.
expected_list() {
	sed 's/^\([^ ]*\) /kunit /' "$1/hvsec/kunit/suites"
	for t in "$1"/hvsec/selftests/* "$1"/hvsec/selftests-last/*; do
		[ -x "$t" ] && echo "selftest ${t##*/}"
	done
}
expected=$out/expected
expected_list "$stage" > "$expected"

# spec_parse SPEC -- split a boot SPEC (HVSEC_CHECK_BOOTS syntax) into
# spec_append (kernel parameters, space-separated), spec_cpu (the QEMU CPU
# model or ""), spec_edu, spec_iommu and spec_extras (testhost.sh options).
spec_parse() {
	local rest=$1
	spec_edu=root spec_iommu=legacy spec_cpu="" spec_extras=() spec_only=""
	# Trailing +hotplug-edu/+ats/+vtd/+tpm2/+kvm; a "+" before them joins kernel
	# parameters.
	while [ "${rest%+*}" != "$rest" ]; do
		case ${rest##*+} in
		hotplug-edu|ats) spec_extras=(--"${rest##*+}" ${spec_extras[@]+"${spec_extras[@]}"}) ;;
		vtd) spec_only="$spec_only vtd_reassign" ;;
		tpm2) spec_extras=(--tpm tpm2 ${spec_extras[@]+"${spec_extras[@]}"})
			spec_only="$spec_only tpm12_drtm_tpm2" ;;
		kvm) spec_only="$spec_only ring3_exec_kvm" ;;
		*) break ;;
		esac
		rest=${rest%+*}
	done
	[ "${rest%\%*}" = "$rest" ] || { spec_iommu=${rest##*%}; rest=${rest%\%*}; }
	[ "${rest%@*}" = "$rest" ] || { spec_edu=${rest##*@}; rest=${rest%@*}; }
	spec_append=${rest%%/*}
	[ "$spec_append" = "$rest" ] || spec_cpu=${rest#*/}
	spec_append=${spec_append//+/ }
}

# tpm2_tools_adds -- add to add[] tpm2-tools' tpm2 and the libraries it
# needs (with the dynamic loader), for /hvsec/tpm2-tools in the guest: a
# TPM 2.0 boot's tpm12_drtm_tpm2.sh runs tpm2_eventlog on our log.
tpm2_tools_adds() {
	local bin lib
	bin=$(readlink -f /usr/bin/tpm2)
	add+=(--add "$bin=/hvsec/tpm2-tools/tpm2")
	for lib in $(ldd "$bin" | awk '$3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }'); do
		add+=(--add "$(readlink -f "$lib")=/hvsec/tpm2-tools/${lib##*/}")
	done
}

# boot SPEC DIR STAGE [KERNEL] -- one test-host boot of check-job.sh; SPEC
# as in HVSEC_CHECK_BOOTS, KERNEL a bzImage (default: the 6.12 test kernel).
# DIR/elsewhere, if present, lists the selftests this boot leaves out.
boot() {
	local dir=$2 stage=$3 cpu=() kernel=() add=() rc
	local spec_append spec_cpu spec_edu spec_iommu spec_extras spec_only
	[ -z "${4:-}" ] || kernel=(--kernel "$4")
	[ ! -f "$dir/elsewhere" ] || add=(--add "$dir/elsewhere=/hvsec/elsewhere")
	spec_parse "$1"
	case " ${spec_extras[*]} " in
	*" tpm2 "*) tpm2_tools_adds ;;
	esac
	[ -z "$spec_cpu" ] || cpu=(--cpu "$spec_cpu")
	echo "check: booting the test host with $spec_append${spec_cpu:+ (cpu $spec_cpu)}" \
		"(edu: $spec_edu, iommu: $spec_iommu${spec_extras[*]:+, ${spec_extras[*]}})"
	"$HVSEC_TOP/scripts/testhost.sh" --quiet --stage "$stage" --out "$dir" \
		--timeout "$GUEST_TIMEOUT" --append "$spec_append" ${cpu[@]+"${cpu[@]}"} \
		${kernel[@]+"${kernel[@]}"} --edu "$spec_edu" --iommu "$spec_iommu" \
		${spec_extras[@]+"${spec_extras[@]}"} ${add[@]+"${add[@]}"} \
		"$HVSEC_TOP/scripts/guest/check-job.sh"
	rc=$?
	[ $rc -eq 0 ] || echo "check: test host ($1) ended with status $rc"
}

# series_boot SERIES DIR -- build (or reuse) the series' test kernel, build
# and stage the modules for it in a copy of the tree (the checkout's own
# objects are the 6.12 ones, and other jobs may build there), boot it.
series_boot() {
	local s=$1 dir=$2 skdir sstage tree=$HVSEC_TOP/.out/tree-$1 ts
	ts=$(date +%s)
	if ! skdir=$("$HVSEC_TOP/scripts/build-kernel.sh" --series "$s"); then
		echo "check: FAILED: the $s test kernel build"
		return 1
	fi
	rm -rf "$tree"
	mkdir -p "$tree"
	(cd "$HVSEC_TOP" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - -cf -) | tar -C "$tree" -xf -
	if ! sstage=$("$tree/scripts/stage-guest.sh" --kdir "$skdir" \
		--out "$HVSEC_TOP/.out/stage-$s"); then
		echo "check: FAILED: staging the $s test host"
		return 1
	fi
	expected_list "$sstage" > "$dir/expected"
	grep -vxFf "$dir/expected" "$expected" | sed "s/^/check: $s: not built there, not expected: /"
	echo "check: Linux $s test kernel $skdir"
	boot "$KBOOT" "$dir" "$sstage" "$skdir/arch/x86/boot/bzImage"
	echo "check: Linux $s: build, staging and boot $(( $(date +%s) - ts )) s"
}

# vmrun_status DIR -- `make vm-run` with a script that exits 3 must exit 2
# (make's own status) and name the status, 3, that scripts/vm-run.sh
# returned. Its TAP goes to DIR/output.log, judged like a boot's.
vmrun_status() {
	local dir=$1 script rc err
	script=$(mktemp /tmp/hvsec-vmrun-status.XXXXXX)
	printf 'echo "vm-run status test"\nexit 3\n' > "$script"
	HVSEC_STAGE=$stage make -s -C "$HVSEC_TOP" vm-run SCRIPT="$script" \
		> "$dir/vm-run.out" 2> "$dir/vm-run.err"
	rc=$?
	rm -f "$script"
	err=$(grep -c '^vm-run: status 3 ' "$dir/vm-run.err")
	{
		echo "##hvsec-begin selftest vm_run_status"
		echo "TAP version 13"
		echo "1..3"
		if [ $rc -eq 2 ]; then echo "ok 1 make vm-run exits 2 when the script fails"
		else echo "not ok 1 make vm-run exits 2 when the script fails (got $rc)"; fi
		if [ "$err" = 1 ]; then echo "ok 2 it names the script's status, 3, that scripts/vm-run.sh returned"
		else echo "not ok 2 it names the script's status, 3, that scripts/vm-run.sh returned"; fi
		if grep -q '^vm-run status test$' "$dir/vm-run.out"; then echo "ok 3 the script's output is shown"
		else echo "not ok 3 the script's output is shown"; fi
		echo "##hvsec-end selftest vm_run_status"
		echo "##hvsec-done"
	} > "$dir/output.log"
	echo "selftest vm_run_status" > "$dir/expected"
	echo "check: make vm-run with a failing script: exit $rc, $(head -n 1 "$dir/vm-run.err")"
}

# dkms_job -- scripts/check-dkms.sh (Debian 12's 6.1 and 6.12), then
# scripts/check-dkms-trixie.sh (trixie-backports' 7.3, in the trixie chroot)
# with the package the first one made; the first failing status in
# $out/check-dkms.status, both logs in $out/check-dkms.log.
dkms_job() {
	local rc rc7
	echo "check: DKMS on stock kernels (log: $out/check-dkms.log)"
	"$HVSEC_TOP/scripts/check-dkms.sh" > "$out/check-dkms.log" 2>&1
	rc=$?
	"$HVSEC_TOP/scripts/check-dkms-trixie.sh" \
		--deb "$HVSEC_TOP/.out/deb/hvsec-dkms_$(cat "$HVSEC_TOP/VERSION")_all.deb" \
		>> "$out/check-dkms.log" 2>&1
	rc7=$?
	[ $rc -ne 0 ] || rc=$rc7
	echo $rc > "$out/check-dkms.status"
	sed -n '/^check-dkms: hvsec/,/^check-dkms: \(all passed\|FAILED\)/p' "$out/check-dkms.log"
	sed -n '/^check-dkms-trixie: hvsec/,$p' "$out/check-dkms.log"
}

# crb_job DIR -- tpm12_drtm behind QEMU's CRB (swtpm TPM 2.0, tpm-crb,
# locality 0 only): a short boot of selftest tpm12_drtm_tpm2.sh alone,
# judged like a boot's.
crb_job() {
	local dir=$1 add=() rc
	tpm2_tools_adds
	cat > "$dir/job.sh" <<-'EOF'
	echo "##hvsec-boot $(cat /proc/cmdline)"
	echo "##hvsec-begin selftest tpm12_drtm_tpm2.sh"
	timeout -s KILL 600 /hvsec/selftests/tpm12_drtm_tpm2.sh
	echo "##hvsec-status $?"
	echo "##hvsec-end selftest tpm12_drtm_tpm2.sh"
	echo "##hvsec-done"
	EOF
	echo "selftest tpm12_drtm_tpm2.sh" > "$dir/expected"
	echo "check: booting the test host with a TPM 2.0 behind tpm-crb"
	"$HVSEC_TOP/scripts/testhost.sh" --quiet --stage "$stage" --out "$dir" \
		--timeout 900 --append pti=off --tpm tpm2-crb "${add[@]}" "$dir/job.sh"
	rc=$?
	[ $rc -eq 0 ] || echo "check: test host (tpm-crb) ended with status $rc"
}

# The jobs, longest first (the 7.3 boot runs everything the two 6.12 boots
# share out); at most $JOBS run at once. Each one's output is
# kept in $out/NAME.job and printed when all are done, in this order.
# only_others "PREFIX..." STAGE -- the KUnit modules and selftests whose
# names start with none of the PREFIXes: what a "+vtd" or "+tpm2" boot
# leaves to the others.
only_others() {
	local t p mine
	awk -v p="$1" 'BEGIN { n = split(p, pre, " ") }
		{ for (i = 1; i <= n; i++) if (index($1, pre[i]) == 1) next; print $1 }' \
		"$2/hvsec/kunit/suites" | sort -u
	for t in "$2"/hvsec/selftests/* "$2"/hvsec/selftests-last/*; do
		[ -x "$t" ] || continue
		mine=0
		for p in $1; do
			case ${t##*/} in "$p"*) mine=1 ;; esac
		done
		[ $mine = 1 ] || echo "${t##*/}"
	done
}

# in_only NAME "PREFIX..." -- whether NAME starts with one of the PREFIXes.
in_only() {
	local p
	for p in $2; do
		case $1 in "$p"*) return 0 ;; esac
	done
	return 1
}

names=() boots=()
start_job() {
	local name=$1
	shift
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
		wait -n
	done
	echo "check: $(( $(date +%s) - t0 )) s: starting $name"
	names+=("$name")
	{
		ts=$(date +%s)
		"$@"
		echo "check: $name took $(( $(date +%s) - ts )) s"
	} > "$out/$name.job" 2>&1 &
}
for s in ${KSERIES[@]+"${KSERIES[@]}"}; do
	dir=$out/linux-${s//[^a-z0-9]/_}
	mkdir -p "$dir"
	boots+=("$dir")
	start_job "${dir##*/}" series_boot "$s" "$dir"
done
i=0
for b in "${BOOTS[@]}"; do
	i=$((i + 1))
	spec_parse "$b"
	dir=$out/${spec_append//[^a-z0-9]/_}
	mkdir -p "$dir"
	# This boot's share of ONCE: leave out what another boot runs.
	if [ -n "$spec_only" ]; then
		for o in ${ONCE[@]+"${ONCE[@]}"}; do
			n=${o##*@}
			[[ "$n" =~ ^[1-9][0-9]*$ ]] || die "HVSEC_CHECK_ONCE: '$o' is not NAME@BOOT"
			[ "$n" -le ${#BOOTS[@]} ] || n=${#BOOTS[@]}
			[ "$n" -ne $i ] || in_only "${o%@*}" "$spec_only" ||
				die "HVSEC_CHECK_ONCE: '$o' names a boot that runs only the tests of$spec_only"
		done
		only_others "$spec_only" "$stage"
	else
		for o in ${ONCE[@]+"${ONCE[@]}"}; do
			n=${o##*@}
			[[ "$n" =~ ^[1-9][0-9]*$ ]] || die "HVSEC_CHECK_ONCE: '$o' is not NAME@BOOT"
			[ "$n" -le ${#BOOTS[@]} ] || n=${#BOOTS[@]}
			[ "$n" -eq $i ] || echo "${o%@*}"
		done
	fi > "$dir/elsewhere"
	if [ -s "$dir/elsewhere" ]; then
		grep -vxF -f <(sed 's/^/selftest /' "$dir/elsewhere"
			awk 'NR == FNR { skip[$1] = 1; next }
			     skip[$1] { print "kunit " $2 }' \
				"$dir/elsewhere" "$stage/hvsec/kunit/suites") \
			"$expected" > "$dir/expected"
	else
		rm -f "$dir/elsewhere"
	fi
	boots+=("$dir")
	start_job "${dir##*/}" boot "$b" "$dir" "$stage"
done
if [ "${HVSEC_CHECK_DKMS:-1}" != 0 ]; then
	start_job check-dkms dkms_job
fi
mkdir -p "$out/vm-run"
boots+=("$out/vm-run")
start_job vm-run vmrun_status "$out/vm-run"
if [ "${HVSEC_CHECK_CRB:-1}" != 0 ]; then
	mkdir -p "$out/tpm-crb"
	boots+=("$out/tpm-crb")
	start_job tpm-crb crb_job "$out/tpm-crb"
fi
wait
t_jobs=$(date +%s)
for n in "${names[@]}"; do
	echo "--- $n"
	cat "$out/$n.job"
done

dkms_failed=0
if [ "${HVSEC_CHECK_DKMS:-1}" != 0 ] && [ "$(cat "$out/check-dkms.status" 2>/dev/null)" != 0 ]; then
	dkms_failed=1
	tail -n 5 "$out/check-dkms.log"
	echo "check: check-dkms FAILED; counted as one failure"
fi

echo "check: times: kernel $((t_kernel - t0)) s, lint $((t_lint - t_kernel)) s," \
	"jobs ($JOBS at a time) $((t_jobs - t_lint)) s, total $((t_jobs - t0)) s"
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
