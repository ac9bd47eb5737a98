#!/usr/bin/env bash
# Builds the gateway (Release) and runs the benchmark harness, whose directory is given by
# BENCH_DIR, with it beside nginx and Portkey. Targets: docs/design.md#12-performance-budget.
#   bench/run.sh                 # all scenarios, targets direct nginx portkey ours
#   bench/run.sh --no-install    # skip the harness's apt/npm step
# Results: the harness's results/<run>/results.tsv and chart.png (bench/chart.py); bench/RESULTS.md
# records the figures.
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
# The charts (bench/chart.py) need Debian's matplotlib.
if [[ " $* " != *" --no-install "* ]] && ! /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
  sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y python3-matplotlib >/dev/null
fi
"$harness/run.sh" "${args[@]}"
latest="$harness/results/latest/results.tsv"
if [ -f "$latest" ] && /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
  /usr/bin/python3 "$here/bench/chart.py" "$latest" -o "$(dirname "$(readlink -f "$latest")")/chart.png"
fi
