# SPDX-License-Identifier: GPL-2.0
# TAP helpers for the shell selftests (sourced from /hvsec/lib/tap.sh in the
# test host): ok/not_ok/skip/check number the results; $fails counts the
# failed ones for the script's exit status.
n=0
fails=0

ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; }
skip() { n=$((n + 1)); echo "ok $n $1 # SKIP $2"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }
