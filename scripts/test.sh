#!/usr/bin/env bash
# Quick start, command 2: installs what is missing, builds, and runs every test:
#   1. unit + integration tests (ctest) on the RelWithDebInfo build
#   2. the same under AddressSanitizer + UndefinedBehaviorSanitizer (clang; the build also holds
#      the libFuzzer targets of step 5)
#   3. the same under ThreadSanitizer (`build-tsan/`, `SKIP_TSAN=1` skips it)
#   4. end-to-end tests with the official `openai` npm SDK against the built binary
#   5. every libFuzzer target of fuzz/ for 15 s (scripts/fuzz.sh; FUZZ_SECONDS, SKIP_FUZZ=1)
# Ends with one line "N passed, N failed". Exit status 0 only when nothing failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/install-deps.sh" || exit 1

passed=0 failed=0 status=0
logdir=$(mktemp -d /tmp/switchyard-test-XXXXXX)
timings="" stage_name="" stage_start=$SECONDS

stage() {  # $1 = the stage starting now; the one before it gets its time in the closing summary
  [ -z "$stage_name" ] || timings+="$(printf '%-24s %5d s' "$stage_name" $((SECONDS - stage_start)))"$'\n'
  stage_name=$1 stage_start=$SECONDS
  [ -z "$1" ] || echo "== $1"
}

count_ctest() {  # $1 = ctest log
  local line total nfail skipped
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -1)
  if [ -z "$line" ]; then failed=$((failed + 1)); status=1; return; fi
  nfail=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
  # A skipped test (GTEST_SKIP) is listed as not run: not counted as passed.
  skipped=$(grep -cE '^[[:space:]]*[0-9]+ - .*\(Skipped\)$' "$1")
  passed=$((passed + total - nfail - skipped)); failed=$((failed + nfail))
  [ "$nfail" = 0 ] || status=1
}

run_ctest() {  # $1 = build dir, $2 = label, $3... = more ctest arguments
  local log="$logdir/ctest-$2.log" dir=$1 label=$2
  shift 2
  stage "ctest ($label)"
  (cd "$dir" && ctest --output-on-failure -j "${CTEST_JOBS:-2}" --timeout 180 "$@") 2>&1 | tee "$log" | tail -40
  count_ctest "$log"
}

stage "build (RelWithDebInfo)"
if scripts/build.sh release >"$logdir/build-release.log" 2>&1; then
  run_ctest build release
else
  tail -60 "$logdir/build-release.log"; echo "build failed"; failed=$((failed + 1)); status=1
fi

if [ "${SKIP_ASAN:-0}" != 1 ]; then
  stage "build (ASan+UBSan, fuzz)"
  if scripts/build.sh asan >"$logdir/build-asan.log" 2>&1; then
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    run_ctest build-asan asan
  else
    tail -60 "$logdir/build-asan.log"; echo "asan build failed"; failed=$((failed + 1)); status=1
  fi
fi

if [ "${SKIP_TSAN:-0}" != 1 ]; then
  # The unit and integration tests again with every thread race-checked (the gateway binary the
  # integration tests start is the ThreadSanitizer build too). docs/reliability.md#threadsanitizer
  stage "build (ThreadSanitizer)"
  if scripts/build.sh tsan >"$logdir/build-tsan.log" 2>&1; then
    # Every process's reports (the test binaries' and the gateways' they start) go to files, so
    # that a race counts even where a test passes on its retry. The retry is for timing alone:
    # everything runs several times slower here, and a few tests hold exact timing figures.
    tsan_reports="$logdir/tsan-reports"
    mkdir -p "$tsan_reports"
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp:log_path=$tsan_reports/report}
    run_ctest build-tsan tsan --repeat until-pass:2
    races=$(find "$tsan_reports" -type f | wc -l)
    if [ "$races" -gt 0 ]; then
      echo "ThreadSanitizer reports: $races (in $tsan_reports)"; head -40 "$(find "$tsan_reports" -type f | head -1)"
      failed=$((failed + races)); status=1
    fi
    unset TSAN_OPTIONS
  else
    tail -60 "$logdir/build-tsan.log"; echo "tsan build failed"; failed=$((failed + 1)); status=1
  fi
fi

if [ -x build/switchyard ] && [ -f tests/e2e/package.json ]; then
  stage "e2e (openai SDK)"
  SWITCHYARD_BIN="$root/build/switchyard" scripts/e2e.sh 2>&1 | tee "$logdir/e2e.log" | tail -40
  p=$(grep -E '^# pass [0-9]+' "$logdir/e2e.log" | tail -1 | awk '{print $3}')
  f=$(grep -E '^# fail [0-9]+' "$logdir/e2e.log" | tail -1 | awk '{print $3}')
  if [ -z "$p" ]; then failed=$((failed + 1)); status=1; else
    passed=$((passed + p)); failed=$((failed + ${f:-0})); [ "${f:-0}" = 0 ] || status=1; fi
fi

if [ "${SKIP_FUZZ:-0}" != 1 ]; then
  # Every fuzz target for a short bounded time (the long runs: docs/reliability.md#fuzzing).
  stage "fuzz (libFuzzer, ${FUZZ_SECONDS:-15} s per target)"
  scripts/fuzz.sh all "${FUZZ_SECONDS:-15}" 2>&1 | tee "$logdir/fuzz.log" | tail -20
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logdir/fuzz.log" | tail -1)
  if [ -z "$line" ]; then failed=$((failed + 1)); status=1; else
    p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
    passed=$((passed + p)); failed=$((failed + f)); [ "$f" = 0 ] || status=1; fi
fi

stage ""
printf '== time per stage\n%s' "$timings"
echo "logs: $logdir"
echo "$passed passed, $failed failed"
exit $status
