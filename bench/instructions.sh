#!/usr/bin/env bash
# Instructions per request of the gateway (all threads, user space), under valgrind's callgrind:
# a figure the machine's noise does not move, for A/B comparisons the bench cannot resolve.
#   BENCH_DIR=../shared/bench BENCH_TELEMETRY=on|off bench/instructions.sh
# Starts the harness's mock upstream (its nginx config must exist: run the harness once) and the
# gateway through bench/gateway.sh under callgrind, warms up for 3 s, zeroes the counters, runs
# `wrk -c4` for 10 s, dumps them and prints Ir / requests.
set -euo pipefail
command -v valgrind >/dev/null && command -v callgrind_control >/dev/null ||
  { echo "bench/instructions.sh needs valgrind (apt-get install valgrind)" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
B=${BENCH_DIR:?set BENCH_DIR to the benchmark harness}
R=$B/.run
bin=${SWITCHYARD_BIN:-$here/build-release/switchyard}
out=$(mktemp -d /tmp/switchyard-callgrind-XXXXXX)
taskset -c 0 nginx -c "$R/mock-upstream.conf" -p "$R/" &
sleep 0.5
cat >"$out/bin.sh" <<W
#!/bin/sh
exec valgrind --tool=callgrind --callgrind-out-file=$out/cg.%p --dump-instr=no "$bin" "\$@" 2>$out/valgrind.err
W
chmod +x "$out/bin.sh"
export UPSTREAM_BASE=http://127.0.0.1:18081/v1 OURS_PORT=${OURS_PORT:-18201} BENCH_VIRTUAL_KEY=${BENCH_VIRTUAL_KEY:-1}
setsid env SWITCHYARD_BIN="$out/bin.sh" "$here/bench/gateway.sh" >"$out/gateway.out" 2>&1 &
gpid=$!
cleanup() { kill -TERM -"$gpid" 2>/dev/null || true; sleep 1; nginx -c "$R/mock-upstream.conf" -p "$R/" -s stop 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 900); do curl -sf "localhost:$OURS_PORT/health/liveliness" >/dev/null 2>&1 && break; sleep 0.2; done  # 3 min: a big config under valgrind
sleep 2
export BENCH_BODY_FILE=$B/payload/chat.json
auth="Authorization: Bearer ${BENCH_API_KEY:-sk-bench-0000000000000000}"
url=http://127.0.0.1:$OURS_PORT/v1/chat/completions
wrk -t1 -c4 -d3s -s "$B/wrk/post.lua" -H "$auth" "$url" >/dev/null
# Only this run's gateway (other callgrind runs on the machine keep their counters).
cg_pid=$(pgrep -f -- "--callgrind-out-file=$out/cg" | head -1)
callgrind_control -z "$cg_pid" >/dev/null 2>&1
n=$(wrk -t1 -c4 -d10s -s "$B/wrk/post.lua" -H "$auth" "$url" | awk '/requests in/ {print $1}')
sleep 2  # the exporters and the log writer finish their batches
callgrind_control -d "$cg_pid" >/dev/null 2>&1
sleep 1
ir=$(cat "$out"/cg.*.1 | awk '/^(summary|totals):/ {print $2}' | tail -1)
echo "telemetry=${BENCH_TELEMETRY:-default} requests=$n Ir=$ir Ir/request=$((ir / n)) (profile: $(ls "$out"/cg.*.1))"
