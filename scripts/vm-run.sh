#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make vm-run SCRIPT=x.sh`: boot the test host, load the project's modules,
# run x.sh there (busybox sh, as root), print its output and exit with its
# status (0..127; 124 guest timeout, 125 guest died, 126 host or load
# error).
# usage: vm-run.sh [--append ARGS] [--timeout SECS] [--edu TOPOLOGY]
#                  [--iommu MODE] [--hotplug-edu] [--ats] [--quiet-load] SCRIPT
set -uo pipefail
. "$(dirname "$0")/lib.sh"

opts=() quiet_load=0 script=""
while [ $# -gt 0 ]; do
	case "$1" in
	--append|--timeout|--edu|--iommu) opts+=("$1" "$2"); shift 2 ;;
	--hotplug-edu|--ats) opts+=("$1"); shift ;;
	--quiet-load) quiet_load=1; shift ;;
	-*) echo "vm-run: unknown option $1" >&2; exit 126 ;;
	*) script=$1; shift ;;
	esac
done
[ -n "$script" ] && [ -r "$script" ] ||
	{ echo "vm-run: cannot read script '${script}'" >&2; exit 126; }

job=$(mktemp /tmp/hvsec-vmrun.XXXXXX)
trap 'rm -f "$job"' EXIT
cat > "$job" <<JOB
if ! hvsec_load; then
	echo "vm-run: loading the hvsec modules failed (see dmesg below)"
	dmesg | tail -n 20
	exit 126
fi
[ $quiet_load -eq 1 ] || echo "vm-run: modules loaded: \$(cut -d' ' -f1 /proc/modules | tr '\\n' ' ')"
sh /hvsec/user/script
JOB
"$HVSEC_TOP/scripts/testhost.sh" ${opts[@]+"${opts[@]}"} \
	--add "$script=/hvsec/user/script" "$job"
