#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the hvsec test host: QEMU q35 under TCG with intel-iommu (legacy
# mode), tpm-tis backed by a fresh swtpm in TPM 1.2 mode (--tpm tpm2: TPM
# 2.0), the edu PCI device
# and isa-debug-exit. The guest runs a job script and reports its exit status
# through isa-debug-exit; the job's output travels on a second serial port so
# kernel messages never mix into it. A job may ask the host for two things
# through QEMU's monitor, by a line in its output that
# scripts/monitor-agent.py acts on (log: monitor-agent.log): a machine check
# ("HVSEC-MCE cpu=N bank=B status=0xS mcg=0xG") and the hot-unplug of a
# device this script made unpluggable ("HVSEC-UNPLUG ID", --hotplug-edu).
#
# usage: testhost.sh [options] [JOB]
#   JOB              guest shell script to run as root after boot (the
#                    project's modules are in /hvsec/modules, tools in PATH);
#                    without JOB an interactive shell is started
#   --append ARGS    extra kernel command line (e.g. pti=off)
#   --timeout SECS   hard limit for the whole guest run (default 600)
#   --out DIR        keep console.log and output.log in DIR
#   --kernel BZIMAGE kernel image (default: the project's test kernel)
#   --stage DIR      staged guest files (default: $HVSEC_STAGE if set, else
#                    made by stage-guest.sh)
#   --add SRC=DST    also put host file SRC at DST in the guest (repeatable)
#   --cpu MODEL      QEMU -cpu model (default: $HVSEC_CPU or max,la57=off)
#   --kvm            use KVM instead of TCG (see README.md: not the default)
#   --edu TOPOLOGY   where the edu DMA device sits: root (default: on the root
#                    bus), bridge (behind a pcie-pci-bridge: it DMAs with the
#                    bridge's requester id) or bridge2 (two edus behind it)
#   --iommu MODE     intel-iommu variant: legacy (default), caching
#                    (caching-mode=on: every map and invalidation is
#                    trapped, as in a VM whose IOMMU is emulated) or
#                    scalable (x-scalable-mode=on: PASID tables, second-level
#                    translation only)
#   --hotplug-edu    one more edu, behind a PCIe root port (QEMU id
#                    hvsec-hpedu0, physical slot 16, native hot-plug), that
#                    the job may unplug with a line "HVSEC-UNPLUG
#                    hvsec-hpedu0"; the kernel command line says so with
#                    hvsec.unplug=hvsec-hpedu0@16 (ID@SLOT)
#   --ats            an ATS-capable device: intel-iommu with device-iotlb=on
#                    and a virtio-rng-pci (ats=on, iommu_platform=on,
#                    modern only) behind a PCIe root port
#   --tpm KIND       the TPM: tpm12 (default: tpm-tis, swtpm TPM 1.2), tpm2
#                    (tpm-tis with swtpm --tpm2: a TPM 2.0 behind a PTP FIFO)
#                    or tpm2-crb (tpm-crb with swtpm --tpm2: QEMU's CRB,
#                    which serves locality 0 only)
#   --tcg-single     one host thread for all vCPUs (-accel tcg,thread=single):
#                    no vCPU runs while another one rewrites kernel text
#   --quiet          do not echo the job's output
# exit status: the job's status; 124 on timeout; 125 if the guest died
# without a verdict; 126 on a host-side error.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# -cpu max without LA57: with 5-level paging, 6.12's identify_cpu() briefly
# clears the boot CPU's capabilities, and an interrupt landing in that window
# makes KASAN report a "wild-memory-access" (and turn lockdep off), at random.
edu=root iommu=legacy tpm=tpm12 hotplug_edu=0 ats=0 append="" timeout=600 outdir="" kernel="" stage="" accel=tcg cpu=${HVSEC_CPU:-max,la57=off} job="" quiet=0
adds=()
while [ $# -gt 0 ]; do
	case "$1" in
	--append) append="$append $2"; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--out) outdir=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--stage) stage=$2; shift 2 ;;
	--add) adds+=("$2"); shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	--kvm) accel=kvm; cpu=host; shift ;;
	--tcg-single) accel=tcg,thread=single; shift ;;
	--edu) edu=$2; shift 2 ;;
	--iommu) iommu=$2; shift 2 ;;
	--hotplug-edu) hotplug_edu=1; shift ;;
	--ats) ats=1; shift ;;
	--tpm) tpm=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	-h|--help) sed -n '3,/^set /p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "testhost: unknown option $1" >&2; exit 126 ;;
	*) job=$1; shift ;;
	esac
done
[[ "$timeout" =~ ^[0-9]+$ ]] || { echo "testhost: bad --timeout '$timeout'" >&2; exit 126; }
[ -z "$job" ] || [ -r "$job" ] || { echo "testhost: cannot read job '$job'" >&2; exit 126; }
case $edu in
root) edu_devs=(-device edu) ;;
bridge) edu_devs=(-device pcie-pci-bridge,id=pcibr0 -device edu,bus=pcibr0,addr=1) ;;
bridge2) edu_devs=(-device pcie-pci-bridge,id=pcibr0 -device edu,bus=pcibr0,addr=1
		-device edu,bus=pcibr0,addr=2) ;;
*) echo "testhost: bad --edu '$edu' (root, bridge or bridge2)" >&2; exit 126 ;;
esac
case $iommu in
legacy) iommu_dev=intel-iommu,intremap=on ;;
caching) iommu_dev=intel-iommu,intremap=on,caching-mode=on ;;
scalable) iommu_dev=intel-iommu,intremap=on,x-scalable-mode=on ;;
*) echo "testhost: bad --iommu '$iommu' (legacy, caching or scalable)" >&2; exit 126 ;;
esac
# Extra devices sit behind PCIe root ports at fixed root-bus slots (after
# the edus, whose automatic addresses stay as they were). Only the ids in
# $unplug_ids may be unplugged on the job's request.
unplug_ids=()
if [ $hotplug_edu -eq 1 ]; then
	# Native PCIe hot-plug (pciehp): q35's default since QEMU 6.1 is ACPI
	# hot-plug, whose _OSC keeps the root ports' slots from Linux's pciehp.
	edu_devs+=(-global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off
		-device pcie-root-port,id=hvsec-rp0,chassis=1,slot=16,addr=0x10
		-device edu,id=hvsec-hpedu0,bus=hvsec-rp0)
	unplug_ids+=(hvsec-hpedu0)
	append="$append hvsec.unplug=hvsec-hpedu0@16"
fi
if [ $ats -eq 1 ]; then
	iommu_dev+=,device-iotlb=on
	edu_devs+=(-device pcie-root-port,id=hvsec-rp1,chassis=2,slot=17,addr=0x11,hotplug=off
		-device virtio-rng-pci,id=hvsec-atsrng0,bus=hvsec-rp1,ats=on,iommu_platform=on,disable-legacy=on)
fi

need_pkgs "${HOST_PKGS[@]}"
[ -n "$kernel" ] || kernel=$("$HVSEC_TOP/scripts/build-kernel.sh")/arch/x86/boot/bzImage
[ -r "$kernel" ] || { echo "testhost: no kernel image $kernel" >&2; exit 126; }
[ -n "$stage" ] || stage=${HVSEC_STAGE:-}
if [ -z "$stage" ]; then
	stage=$("$HVSEC_TOP/scripts/stage-guest.sh") || exit 126
fi

tmp=$(mktemp -d /tmp/hvsec-host.XXXXXX)
swtpm_pid="" agent_pid=""
cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	[ -n "$swtpm_pid" ] && kill "$swtpm_pid" 2>/dev/null && wait "$swtpm_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The initramfs: staged files plus the job.
mkdir -p "$tmp/root"
cp -a "$stage/." "$tmp/root/"
[ -n "$job" ] && install -m 0755 "$job" "$tmp/root/hvsec/job"
for a in ${adds[@]+"${adds[@]}"}; do
	src=${a%%=*} dst=${a#*=}
	[ -r "$src" ] && [ -n "$dst" ] && [ "$src" != "$a" ] ||
		{ echo "testhost: bad --add '$a' (want SRC=DST, SRC readable)" >&2; exit 126; }
	install -D -m 0755 "$src" "$tmp/root/$dst"
done
(cd "$tmp/root" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) > "$tmp/initrd.gz"

# A fresh TPM for every boot.
tpm_dev=tpm-tis
case $tpm in
tpm12) tpm_family=() ;;
tpm2) tpm_family=(--tpm2) ;;
tpm2-crb) tpm_family=(--tpm2) tpm_dev=tpm-crb ;;
*) echo "testhost: bad --tpm '$tpm' (tpm12, tpm2 or tpm2-crb)" >&2; exit 126 ;;
esac
mkdir -p "$tmp/tpm"
swtpm socket --tpmstate dir="$tmp/tpm" --ctrl type=unixio,path="$tmp/swtpm.sock" \
	${tpm_family[@]+"${tpm_family[@]}"} --flags startup-clear \
	--log file="$tmp/swtpm.log" &
swtpm_pid=$!
for _ in $(seq 50); do [ -S "$tmp/swtpm.sock" ] && break; sleep 0.1; done
[ -S "$tmp/swtpm.sock" ] || { echo "testhost: swtpm did not start" >&2; cat "$tmp/swtpm.log" >&2; exit 126; }

qemu=(qemu-system-x86_64 -machine q35,kernel-irqchip=split -accel "$accel" -cpu "$cpu"
	-smp 2 -m 2048 -nodefaults -no-reboot -display none
	-device "$iommu_dev"
	-chardev socket,id=chrtpm,path="$tmp/swtpm.sock"
	-tpmdev emulator,id=tpm0,chardev=chrtpm -device "$tpm_dev",tpmdev=tpm0
	"${edu_devs[@]}" -device isa-debug-exit,iobase=0xf4,iosize=0x04
	-kernel "$kernel" -initrd "$tmp/initrd.gz")
# no_timer_check: the IO-APIC timer check counts ticks against a busy-wait
# and panics ("timer doesn't work through Interrupt-remapped IO-APIC") when
# a loaded host slows TCG down.
# nosoftlockup: the debug kernel's ACPI enumeration runs 20-50 s of guest
# time without scheduling under TCG, so on a loaded host the boot alone can
# trip the 20 s soft-lockup watchdog. The guest's /init switches it back on
# (kernel.soft_watchdog) before anything of ours loads.
cmdline="console=ttyS0 panic=-1 intel_iommu=on no_timer_check nosoftlockup loglevel=6 $append"

if [ -z "$job" ]; then
	# Interactive: console and shell on this terminal.
	exec_status=0
	"${qemu[@]}" -serial mon:stdio -append "$cmdline" || exec_status=$?
	exit 0
fi

[ -n "$outdir" ] || outdir=$tmp/out
mkdir -p "$outdir"
: > "$outdir/output.log"
if [ $quiet -eq 0 ]; then
	tail -n +1 -F "$outdir/output.log" 2>/dev/null &
	tail_pid=$!
fi
python3 "$HVSEC_TOP/scripts/monitor-agent.py" "$tmp/monitor.sock" "$outdir/output.log" \
	"$outdir/monitor-agent.log" ${unplug_ids[@]+"${unplug_ids[@]}"} &
agent_pid=$!
timeout --foreground -k 5 "$timeout" "${qemu[@]}" \
	-monitor unix:"$tmp/monitor.sock",server=on,wait=off \
	-serial file:"$outdir/console.log" -serial file:"$outdir/output.log" \
	-append "$cmdline" </dev/null
rc=$?
sleep 0.3
[ $quiet -eq 0 ] && kill "$tail_pid" 2>/dev/null
case $rc in
124|137)
	echo "testhost: guest timed out after ${timeout}s (console: $outdir/console.log)" >&2
	status=124 ;;
0)
	echo "testhost: guest died without a verdict (console: $outdir/console.log)" >&2
	status=125 ;;
*)
	if [ $((rc & 1)) -eq 1 ]; then
		status=$(( (rc - 1) / 2 ))
	else
		echo "testhost: qemu failed with status $rc" >&2
		status=126
	fi ;;
esac
if [ "$outdir" = "$tmp/out" ] && [ $status -ge 124 ]; then
	echo "testhost: last console lines:" >&2
	tail -n 40 "$outdir/console.log" >&2
fi
exit $status
