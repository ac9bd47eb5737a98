#!/usr/bin/env bash
# Cost growth: N concurrent slow streams through the gateway (docs/performance.md, "Cost growth").
#   SWITCHYARD_BIN=/tmp/growth-switchyard bench/growth/slow_streams.sh N [seconds] [interval_ms]
# Builds bench/growth/slow_streams.cpp (g++, cached in $GROWTH_TOOL_DIR, default
# /tmp/switchyard-growth-tool), raises `ulimit -n` to the hard limit, and runs three processes on
# 127.0.0.1: the tool as a fake OpenAI upstream (one chat.completion.chunk every interval_ms,
# default 100, for `seconds`, default 30), the gateway (--workers 1, a fresh SQLite store, model
# `slow` -> openai/slow on that upstream, the master key, max_connections 20000), and the tool as
# the client (N streaming requests opened within min(N/2 ms, 5 s), each read to its end and
# checked: HTTP 200, every content chunk in order, finish_reason stop, [DONE]). The upstream and
# the client are separate processes so that each has its own fd limit.
# It samples the gateway every second (VmRSS, open fds) and prints one line:
#   N, streams ok, lost, RSS idle (ready + 1 s), RSS peak (VmHWM), (peak - idle) / N,
#   the gateway's CPU seconds (utime + stime) over the run, RSS 3 s after the streams end,
#   peak open fds; then the client's own figures (stream durations, first chunk, largest gap).
# SLOW_STREAMS_DIRECT=1: the client straight to the upstream, no gateway (a control: what the rig
# alone sustains on this machine).
# N = 0: no stream, the client waits `seconds` (the idle gateway's CPU over the same time).
# Bounded: the client gives up at 2 * seconds + 60 s (unfinished streams count as lost).
# Everything it starts is stopped by pid and its temp dir removed on exit; the gateway's log is
# kept in /tmp/switchyard-growth-logs/ when a stream was lost or the gateway logged a warning.
set -euo pipefail
n=${1:?usage: slow_streams.sh N [seconds] [interval_ms]}
secs=${2:-30}
interval=${3:-100}
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${SWITCHYARD_BIN:-$here/build/switchyard}
tooldir=${GROWTH_TOOL_DIR:-/tmp/switchyard-growth-tool}
tool=$tooldir/slow_streams
src=$here/bench/growth/slow_streams.cpp
mkdir -p "$tooldir"
if [ ! -x "$tool" ] || [ "$src" -nt "$tool" ]; then
  g++ -O2 -std=c++20 -pthread "$src" -o "$tool.tmp" && mv "$tool.tmp" "$tool"
fi
ulimit -n "$(ulimit -Hn)"
dir=$(mktemp -d /tmp/switchyard-growth-XXXXXX)
up_pid= gw_pid= sampler_pid=
cleanup() {
  for p in $sampler_pid $gw_pid $up_pid; do kill -TERM "$p" 2>/dev/null || true; done
  for p in $sampler_pid $gw_pid $up_pid; do wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$tool" upstream --port 0 --seconds "$secs" --interval-ms "$interval" >"$dir/up.out" 2>"$dir/up.err" &
up_pid=$!
for _ in $(seq 100); do grep -q listening "$dir/up.out" 2>/dev/null && break; sleep 0.05; done
up_port=$(awk '/listening/ {print $2}' "$dir/up.out")
[ -n "$up_port" ] || { echo "the upstream did not start: $(cat "$dir/up.err")" >&2; exit 1; }

if [ "${SLOW_STREAMS_DIRECT:-0}" = 1 ]; then
  # The control: the client straight to the upstream, no gateway (what the rig alone sustains).
  rc=0
  timeout $((2 * secs + 90)) "$tool" client --port "$up_port" --n "$n" --key none --model slow \
    --seconds "$secs" --interval-ms "$interval" >"$dir/client.out" 2>"$dir/client.err" || rc=$?
  echo "direct (no gateway): $(cat "$dir/client.out")"
  [ ! -s "$dir/client.err" ] || sed 's/^/client: /' "$dir/client.err" | head -20
  exit "$rc"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
master=sk-growth-master
cat >"$dir/config.yaml" <<YAML
model_list:
  - model_name: slow
    litellm_params:
      model: openai/slow
      api_base: http://127.0.0.1:$up_port/v1
      api_key: sk-upstream-growth
general_settings:
  master_key: $master
  database_url: sqlite:///$dir/switchyard.db
  max_connections: 20000
YAML
"$bin" --config "$dir/config.yaml" --host 127.0.0.1 --port "$port" --workers 1 >"$dir/gateway.log" 2>&1 &
gw_pid=$!
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/health/liveliness" >/dev/null 2>&1 && break; sleep 0.05; done
curl -sf "http://127.0.0.1:$port/health/liveliness" >/dev/null || { echo "gateway did not start" >&2; cat "$dir/gateway.log" >&2; exit 1; }
sleep 1
kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$gw_pid/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$gw_pid/stat"; }
rss_idle=$(kb VmRSS)
fds_idle=$(ls "/proc/$gw_pid/fd" | wc -l)
cpu0=$(cpu_ticks)
(
  peak=0 peak_fds=0
  while kill -0 "$gw_pid" 2>/dev/null; do
    r=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$gw_pid/status" 2>/dev/null || echo 0)
    f=$(ls "/proc/$gw_pid/fd" 2>/dev/null | wc -l)
    [ "${r:-0}" -gt "$peak" ] && peak=$r
    [ "$f" -gt "$peak_fds" ] && peak_fds=$f
    echo "$peak $peak_fds" >"$dir/peak.tmp" && mv "$dir/peak.tmp" "$dir/peak"
    sleep 1
  done
) &
sampler_pid=$!
t0=$(date +%s%N)
rc=0
timeout $((2 * secs + 90)) "$tool" client --port "$port" --n "$n" --key "$master" --model slow \
  --seconds "$secs" --interval-ms "$interval" >"$dir/client.out" 2>"$dir/client.err" || rc=$?
t1=$(date +%s%N)
cpu1=$(cpu_ticks)
sleep 3
rss_after=$(kb VmRSS)
hwm=$(kb VmHWM)
fds_after=$(ls "/proc/$gw_pid/fd" | wc -l)
read -r sampled_peak peak_fds <"$dir/peak"
kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=
kill -TERM "$up_pid" 2>/dev/null || true
wait "$up_pid" 2>/dev/null || true
up_pid=
hz=$(getconf CLK_TCK)
client=$(cat "$dir/client.out")
ok=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$client")
lost=$(sed -n 's/.* lost=\([0-9]*\).*/\1/p' <<<"$client")
peak=$((hwm > sampled_peak ? hwm : sampled_peak))
awk -v n="$n" -v ok="${ok:-?}" -v lost="${lost:-?}" -v idle="$rss_idle" -v peak="$peak" \
  -v after="$rss_after" -v cpu=$((cpu1 - cpu0)) -v hz="$hz" -v fds="$peak_fds" -v fdi="$fds_idle" \
  -v fda="$fds_after" -v wall=$(((t1 - t0) / 1000000)) 'BEGIN {
  printf "N=%d ok=%s lost=%s rss_idle=%.1fMB rss_peak=%.1fMB per_stream=%.1fKB cpu=%.2fs rss_after=%.1fMB fds_idle=%d fds_peak=%d fds_after=%d wall=%.1fs\n",
    n, ok, lost, idle / 1024, peak / 1024, (peak - idle) / (n > 0 ? n : 1), cpu / hz, after / 1024, fdi, fds, fda, wall / 1000 }'
echo "client: $client"
[ ! -s "$dir/client.err" ] || sed 's/^/client: /' "$dir/client.err" | head -20
warnings=$(grep -c -E '\] \[(warning|error|critical)\]|warn|error' "$dir/gateway.log" || true)
echo "gateway log: $(wc -l <"$dir/gateway.log") lines, $warnings matching warn/error; upstream: $(cat "$dir/up.err" 2>/dev/null | tr '\n' ' ')"
if [ "$rc" != 0 ] || [ "${warnings:-0}" != 0 ] || [ "${lost:-1}" != 0 ]; then
  mkdir -p /tmp/switchyard-growth-logs
  keep=/tmp/switchyard-growth-logs/slow-streams-$n-$(date +%Y%m%dT%H%M%S)
  mkdir -p "$keep"
  cp "$dir/gateway.log" "$dir/client.err" "$dir/config.yaml" "$keep/" 2>/dev/null || true
  echo "logs kept in $keep"
fi
