#!/usr/bin/env bash
# A/B of two gateway set-ups measured at the same time, so that the machine's noise (other
# tenants, CPU steal) hits both alike: both gateways and the harness's mock upstream on core 0,
# one wrk per gateway on core 1, run together for each round; gateway CPU (user+sys, all threads,
# from /proc) per request for each, and B - A. The median of the rounds' differences is the figure.
#   BENCH_DIR=../shared/bench bench/ab.sh 'BENCH_TELEMETRY=off' 'BENCH_TELEMETRY=on' [seconds] [rounds]
# Each side is a list of VAR=value for bench/gateway.sh (SWITCHYARD_BIN= to compare two builds).
# Needs the harness's mock-upstream config (run the harness once). Bounded: rounds x seconds.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
B=${BENCH_DIR:?set BENCH_DIR to the benchmark harness}
R=$B/.run
side_a=$1 side_b=$2 secs=${3:-5} rounds=${4:-6}
bin=${SWITCHYARD_BIN:-$here/build/switchyard}
out=$(mktemp -d /tmp/switchyard-ab-XXXXXX)
taskset -c 0 nginx -c "$R/mock-upstream.conf" -p "$R/" &
sleep 0.5
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM -"$p" 2>/dev/null || true; done
  sleep 1
  nginx -c "$R/mock-upstream.conf" -p "$R/" -s stop 2>/dev/null || true
}
trap cleanup EXIT
start() {  # side-settings port
  local gbin=$bin
  for kv in $1; do [[ $kv == SWITCHYARD_BIN=* ]] && gbin=${kv#SWITCHYARD_BIN=}; done
  cat >"$out/bin-$2.sh" <<W
#!/bin/sh
exec taskset -c 0 "$gbin" "\$@"
W
  chmod +x "$out/bin-$2.sh"
  # shellcheck disable=SC2086
  setsid env $1 SWITCHYARD_BIN="$out/bin-$2.sh" UPSTREAM_BASE=http://127.0.0.1:18081/v1 \
    OURS_PORT="$2" BENCH_VIRTUAL_KEY="${BENCH_VIRTUAL_KEY:-1}" "$here/bench/gateway.sh" >"$out/gateway-$2.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do curl -sf "localhost:$2/health/liveliness" >/dev/null 2>&1 && break; sleep 0.1; done
}
port_a=18211 port_b=18212
start "$side_a" $port_a
start "$side_b" $port_b
pid_a=$(pgrep -f -- "--port $port_a" | head -1)
pid_b=$(pgrep -f -- "--port $port_b" | head -1)
cpu() { awk '{print $14 + $15}' /proc/"$1"/task/*/stat | awk '{s += $1} END {print s}'; }
export BENCH_BODY_FILE=$B/payload/chat.json
auth="Authorization: Bearer ${BENCH_API_KEY:-sk-bench-0000000000000000}"
load() { taskset -c 1 wrk -t1 -c"${CONNECTIONS:-32}" -d"$1" -s "$B/wrk/post.lua" -H "$auth" "http://127.0.0.1:$2/v1/chat/completions"; }
together() {  # seconds: both loads at once
  load "$1" $port_a >"$out/wrk-a" &
  local wa=$!
  load "$1" $port_b >"$out/wrk-b" &
  wait $wa $!
}
together 2s
hz=$(getconf CLK_TCK)
echo "A: $side_a"
echo "B: $side_b"
printf '%-6s %10s %10s %10s %10s %9s\n' round A_req/s B_req/s A_us/req B_us/req B-A_us
diffs=()
for r in $(seq "$rounds"); do
  ca=$(cpu "$pid_a") cb=$(cpu "$pid_b")
  together "${secs}s"
  ca2=$(cpu "$pid_a") cb2=$(cpu "$pid_b")
  na=$(awk '/requests in/ {print $1}' "$out/wrk-a") nb=$(awk '/requests in/ {print $1}' "$out/wrk-b")
  line=$(awk -v ca="$ca" -v ca2="$ca2" -v cb="$cb" -v cb2="$cb2" -v na="$na" -v nb="$nb" -v hz="$hz" -v s="$secs" -v r="$r" \
    'BEGIN { a = (ca2 - ca) * 1e6 / hz / na; b = (cb2 - cb) * 1e6 / hz / nb
             printf "%-6s %10.0f %10.0f %10.2f %10.2f %9.2f", r, na / s, nb / s, a, b, b - a }')
  echo "$line"
  diffs+=("$(echo "$line" | awk '{print $6}')")
done
printf '%s\n' "${diffs[@]}" | sort -g | awk '{v[NR] = $1} END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "median B-A: %.2f us/req over %d rounds (min %.2f, max %.2f)\n", m, NR, v[1], v[NR] }'
