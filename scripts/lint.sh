#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lint the project's sources: checkpatch.pl --strict (from the test kernel's
# source tree), sparse (C=2) and a W=1 build of every module, and -Werror
# builds of the tools and selftests; debian/changelog's version must be
# VERSION's. Any finding fails.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_pkgs "${LINT_PKGS[@]}"
kdir=${KDIR:-$("$HVSEC_TOP/scripts/build-kernel.sh")} || exit 1
ksrc=$(readlink -f "$kdir/source")
cd "$HVSEC_TOP" || exit 1
fail=0

mapfile -t files < <(git ls-files --cached --others --exclude-standard -- \
	'*.c' '*.h' '*.S' | grep -E '^(drivers|include|kunit|selftests|tools)/')
echo "lint: checkpatch --strict on ${#files[@]} files"
if ! out=$(perl "$ksrc/scripts/checkpatch.pl" --no-tree --strict --terse \
	--show-types -f "${files[@]}" 2>&1); then
	fail=1
fi
findings=$(printf '%s\n' "$out" | grep -E ': (ERROR|WARNING|CHECK):' || true)
if [ -n "$findings" ]; then
	printf '%s\n' "$findings"
	fail=1
fi

echo "lint: W=1 build with sparse (C=2)"
log=$(mktemp)
make -s -C "$kdir" M="$HVSEC_TOP" clean >/dev/null 2>&1
make -C "$kdir" M="$HVSEC_TOP" W=1 C=2 CHECK="sparse -Wsparse-error" modules >"$log" 2>&1 || fail=1
if grep -E '(warning|error):' "$log"; then
	fail=1
elif [ $fail -ne 0 ]; then
	tail -n 30 "$log"
fi
rm -f "$log"

echo "lint: tools and selftests with -Werror"
make -s -C tools KSRC="$ksrc" >/dev/null || fail=1
make -s -C selftests KSRC="$ksrc" >/dev/null || fail=1

# The Debian package's version is VERSION's (scripts/deb.sh refuses too).
echo "lint: debian/changelog names VERSION"
chver=$(sed -n '1s/^hvsec (\([^)]*\)).*/\1/p' debian/changelog)
if [ "$chver" != "$(cat VERSION)" ]; then
	echo "debian/changelog: version ${chver:-?} is not VERSION's $(cat VERSION) (dch -v $(cat VERSION))"
	fail=1
fi

if [ $fail -ne 0 ]; then
	echo "lint: FAILED"
	exit 1
fi
echo "lint: clean"
