#!/usr/bin/env bash
# Gateway CPU per request, split by thread (user and system time from /proc), and the kernel's
# counts of context switches: the bench's gateway_cpu_us_per_req taken apart, for A/B work on one
# feature. Same layout as the harness: mock upstream and gateway on core 0, wrk on core 1.
#   BENCH_DIR=../shared/bench BENCH_TELEMETRY=on|off bench/threads.sh [seconds]
# Needs the harness's mock-upstream config (run the harness once).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
B=${BENCH_DIR:?set BENCH_DIR to the benchmark harness}
R=$B/.run
secs=${1:-8}
bin=${SWITCHYARD_BIN:-$here/build/switchyard}
out=$(mktemp -d /tmp/switchyard-threads-XXXXXX)
taskset -c 0 nginx -c "$R/mock-upstream.conf" -p "$R/" &
sleep 0.5
cat >"$out/bin.sh" <<W
#!/bin/sh
exec taskset -c 0 "$bin" "\$@"
W
chmod +x "$out/bin.sh"
export UPSTREAM_BASE=http://127.0.0.1:18081/v1 OURS_PORT=${OURS_PORT:-18202} BENCH_VIRTUAL_KEY=${BENCH_VIRTUAL_KEY:-1}
setsid env SWITCHYARD_BIN="$out/bin.sh" "$here/bench/gateway.sh" >"$out/gateway.out" 2>&1 &
gpid=$!
cleanup() { kill -TERM -"$gpid" 2>/dev/null || true; sleep 1; nginx -c "$R/mock-upstream.conf" -p "$R/" -s stop 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 200); do curl -sf "localhost:$OURS_PORT/health/liveliness" >/dev/null 2>&1 && break; sleep 0.1; done
pid=$(pgrep -f -- "--port $OURS_PORT" | head -1)
export BENCH_BODY_FILE=$B/payload/chat.json
auth="Authorization: Bearer ${BENCH_API_KEY:-sk-bench-0000000000000000}"
url=http://127.0.0.1:$OURS_PORT/v1/chat/completions
taskset -c 1 wrk -t1 -c64 -d2s -s "$B/wrk/post.lua" -H "$auth" "$url" >/dev/null
snap() {
  for t in /proc/"$pid"/task/*; do
    printf '%s %s %s\n' "$(cat "$t/comm" | tr ' ' _)" \
      "$(awk '{print $14, $15, $10}' "$t/stat")" \
      "$(awk '/^(voluntary|nonvoluntary)_ctxt_switches/ {s += $2} END {print s}' "$t/status")"
  done | sort
}
snap >"$out/before"
n=$(taskset -c 1 wrk -t1 -c64 -d"${secs}s" -s "$B/wrk/post.lua" -H "$auth" "$url" | awk '/requests in/ {print $1}')
snap >"$out/after"
hz=$(getconf CLK_TCK)
sum='{a[$1]+=$2; b[$1]+=$3; f[$1]+=$4; c[$1]+=$5} END {for (k in a) print k, a[k], b[k], f[k], c[k]}'
join -j1 <(awk "$sum" "$out/before" | sort) <(awk "$sum" "$out/after" | sort) |
  awk -v n="$n" -v hz="$hz" -v t="${BENCH_TELEMETRY:-default}" '
    BEGIN { printf "telemetry=%s requests=%d\n%-16s %9s %9s %9s %9s\n", t, n, "thread", "user_us", "sys_us", "cs/req", "flt/req" }
    { u = ($6 - $2) * 1e6 / hz / n; s = ($7 - $3) * 1e6 / hz / n; f = ($8 - $4) / n; c = ($9 - $5) / n; U += u; S += s
      if (u + s > 0.05 || c > 0.001) printf "%-16s %9.2f %9.2f %9.3f %9.3f\n", $1, u, s, c, f }
    END { printf "%-16s %9.2f %9.2f  total %.2f us/req\n", "all", U, S, U + S }'
