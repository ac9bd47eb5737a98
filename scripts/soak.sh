#!/usr/bin/env bash
# The soak test (docs/reliability.md#soak): mixed traffic against the release gateway for a
# bounded time, then the figures.
#   scripts/soak.sh          30 minutes (1800 s)
#   scripts/soak.sh 300      5 minutes
# Builds the release build (build/: chaos_tests and switchyard) first, then runs
# SoakTest.* with SY_SOAK_SECONDS=<seconds>, its whole output in build/soak.log, and prints the
# `[ soak ]` lines. SOAK_TESTS=<path of a chaos_tests binary> skips the build and runs that one
# (its own build's gateway); SY_SOAK_RPS sets the paced request rate (default 400/s, 0: unpaced).
# Exit status: the test's (0 when every check held).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-1800}
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: scripts/soak.sh [seconds]" >&2; exit 2; }
tests=${SOAK_TESTS:-}
if [ -z "$tests" ]; then
  "$root/scripts/build.sh" release switchyard >/dev/null
  "$root/scripts/build.sh" release chaos_tests >/dev/null
  tests="$root/build/tests/chaos_tests"
fi
log="$(cd "$(dirname "$tests")/.." && pwd)/soak.log"
echo "soak: ${seconds} s with $tests (output: $log)"
status=0
# Bounded: the test finishes within its duration + 30 s; the margin is for a stuck process.
SY_SOAK_SECONDS="$seconds" timeout --kill-after=10 $((seconds + 120)) \
  "$tests" --gtest_filter='SoakTest.*' >"$log" 2>&1 || status=$?
grep -F '[ soak ]' "$log" || echo "soak: no [ soak ] line (see $log)"
grep -E '^\[  (PASSED|FAILED)  \]' "$log" || true
exit "$status"
