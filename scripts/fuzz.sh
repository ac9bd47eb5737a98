#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ (docs/reliability.md#fuzzing).
#   scripts/fuzz.sh                 every target, 30 s each
#   scripts/fuzz.sh sse_cutter 600  one target, 10 minutes
#   scripts/fuzz.sh all 15          every target, 15 s each (what the test script runs)
#   FUZZ_RUNS=10000000 scripts/fuzz.sh all 1800   each until 10 million executions or 30 minutes
# Each target starts from its committed seeds (fuzz/corpus/<target>) and regressions
# (fuzz/regressions/<target>), with fuzz/dict/<target>.dict when there is one, and grows a working
# corpus in build-asan/corpus/<target> (kept between runs; fuzz/corpus is never written). An input
# that crashes, trips a sanitizer, runs over 10 s or 2 GB is saved in build-asan/crashes/<target>/:
# copy it into fuzz/regressions/<target>/ once fixed, and ctest replays it on every build.
# Prints per target the executions and whether it found anything; ends with "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
want=${1:-all}
seconds=${2:-30}
"$root/scripts/install-deps.sh" >/dev/null || exit 1
JOBS=${JOBS:-$(nproc)} scripts/build.sh asan fuzz_all >/tmp/switchyard-fuzz-build.log 2>&1 || {
  tail -40 /tmp/switchyard-fuzz-build.log; echo "fuzz build failed"; echo "0 passed, 1 failed"; exit 1; }

targets=()
for f in fuzz/corpus/*/; do
  t=$(basename "$f")
  [ "$want" = all ] || [ "$want" = "$t" ] && targets+=("$t")
done
[ ${#targets[@]} -gt 0 ] || { echo "no such target: $want"; exit 2; }

passed=0 failed=0
for t in "${targets[@]}"; do
  work="build-asan/corpus/$t" crashes="build-asan/crashes/$t"
  mkdir -p "$work" "$crashes" "fuzz/regressions/$t"
  dict=(); [ -f "fuzz/dict/$t.dict" ] && dict=(-dict="fuzz/dict/$t.dict")
  log="build-asan/fuzz-$t.log"
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "build-asan/fuzz/fuzz_$t" -max_total_time="$seconds" ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$crashes/" "${dict[@]}" \
    "$work" "fuzz/corpus/$t" "fuzz/regressions/$t" >"$log" 2>&1
  rc=$?
  runs=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}')
  cov=$(grep -E '#[0-9]+.*(DONE|pulse|NEW).*cov:' "$log" | tail -1 | sed -E 's/.*cov: ([0-9]+).*/\1/')
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1))
    took=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | sed -E 's/.* in ([0-9]+) second.*/\1/')
    printf '%-22s ok      %12s executions  %6s edges  %s s\n' "$t" "${runs:-?}" "${cov:-?}" "${took:-$seconds}"
  else
    failed=$((failed + 1))
    printf '%-22s FAILED  %12s executions  (exit %s; log %s; input in %s)\n' "$t" "${runs:-?}" "$rc" "$log" "$crashes"
    grep -E 'ERROR: |SUMMARY: |runtime error' "$log" | head -5
  fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
