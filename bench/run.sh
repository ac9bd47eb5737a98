#!/usr/bin/env bash
# Builds the gateway (Release) and runs the benchmark harness, whose directory is given by
# BENCH_DIR, with it beside nginx and Portkey. Targets: docs/design.md#12-performance-budget.
#   bench/run.sh                 # all scenarios, targets direct nginx portkey ours
#   bench/run.sh --no-install    # skip the harness's apt/npm step
# Results: the harness's results/<run>/results.tsv; bench/RESULTS.md records the figures.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
harness=${BENCH_DIR:-$here/../shared/bench}
cmake -S "$here" -B "$here/build-release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSWITCHYARD_TESTS=OFF >/dev/null
cmake --build "$here/build-release" --target switchyard
export SWITCHYARD_BIN="$here/build-release/switchyard"
export OURS_NAME=switchyard
export OURS_CMD="$here/bench/gateway.sh"
args=("$@")
[ ${#args[@]} -gt 0 ] && [[ "${args[0]}" != -* ]] || args+=(direct nginx portkey ours)
exec "$harness/run.sh" "${args[@]}"
