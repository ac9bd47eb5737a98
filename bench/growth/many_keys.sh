#!/usr/bin/env bash
# Cost growth: COUNT virtual keys in the store (docs/performance.md, "Cost growth").
#   BENCH_DIR=/work/shared/bench SWITCHYARD_BIN=/tmp/growth-switchyard bench/growth/many_keys.sh COUNT
# 1. A fresh SQLite store: a gateway on it makes the schema and one key, sk-growth-0000000, through
#    POST /key/generate (budget 1,000,000, rpm limit 100,000,000: both checked on every request,
#    never reached, as in bench/gateway.sh); then COUNT - 1 copies of that row are inserted with
#    python3's sqlite3 (token = SHA-256 hex of sk-growth-<7 digits>, the gateway's own hashing;
#    key_alias empty, key_name sk-...<last 4>).
# 2. The gateway (--workers 1) on that store, the harness's mock upstream (its nginx template,
#    rendered into a temp dir on free ports), the `json` request (BENCH_DIR/payload/chat.json),
#    JSON access logs as BENCH_TELEMETRY=logs: ready after launch (polled every 10 ms), RSS when
#    ready; a request with the first key and one with the last inserted key must get 200, an
#    unknown key 401; then one pass of wrk over TOUCH keys (min(COUNT - 1, 100,000); each a first
#    use: loaded from the store) and the RSS after it.
# 3. The same under callgrind (bench/instructions.sh's method: warm-up, wrk -t1 -c4 for 10 s,
#    Ir / requests; the window cut by dumps before and after it, see measure()): (a) every request on the first key; and when
#    COUNT > 1, over SPREAD keys (min(COUNT - 1, 10,000)): (b1) each request a key's first use,
#    (b2) after a pass over them, the keys already loaded, in turn.
# GROWTH_KEEP=dir keeps the callgrind profiles (the dump numbers of each window are printed) for callgrind_annotate.
# Prints one line per figure. Bounded (wrk -d, the valgrind start waits at most 5 min); stops what
# it started by pid and removes its temp dir. The inserted store is 0.3 KB per key on disk.
set -euo pipefail
count=${1:?usage: many_keys.sh COUNT}
here=$(cd "$(dirname "$0")/../.." && pwd)
B=${BENCH_DIR:?set BENCH_DIR to the benchmark harness}
bin=${SWITCHYARD_BIN:-$here/build/switchyard}
lua=$here/bench/growth/keys.lua
command -v valgrind >/dev/null && command -v callgrind_control >/dev/null ||
  { echo "many_keys.sh needs valgrind" >&2; exit 2; }
dir=$(mktemp -d /tmp/switchyard-growth-keys-XXXXXX)
nginx_pid= gw_pid=
# shellcheck source=lib.sh
. "$here/bench/growth/lib.sh"
cleanup() {
  stop_gw
  [ -z "$nginx_pid" ] || { kill -QUIT "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; }
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The harness's mock upstream, on free ports.
# shellcheck source=/dev/null
source "$B/lib/common.sh"
R=$dir/run
mkdir -p "$R/logs" "$R/tmp"
fast=$(free_port) slow=$(free_port) status=$(free_port)
render_template "$B/conf/mock-upstream.conf.tmpl" "$R/mock-upstream.conf" \
  ECHO_MODULE=/usr/lib/nginx/modules/ngx_http_echo_module.so RUN="$R" WORKERS=1 LATENCY_S=0.050 \
  PORT_FAST="$fast" PORT_SLOW="$slow" PORT_STATUS="$status" \
  JSON_BODY="$(nginx_sq_escape "$(<"$B/mock/chat-completion.json")")" \
  SSE_ECHO="$(sse_echo_directives "$B/mock/chat-completion.sse")"
taskset -c 0 nginx -c "$R/mock-upstream.conf" -p "$R/" &
nginx_pid=$!

port=$(free_port)
master=sk-growth-master
cat >"$dir/config.yaml" <<YAML
model_list:
  - model_name: gpt-4o-mini
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: http://127.0.0.1:$fast/v1
      api_key: sk-upstream-bench
litellm_settings:
  json_logs: true
general_settings:
  master_key: $master
  database_url: sqlite:///$dir/keys.db
YAML
url=http://127.0.0.1:$port

# 1. The store.
start_gw
wait_ready 1000
curl -sf "$url/key/generate" -H "Authorization: Bearer $master" -H 'Content-Type: application/json' \
  -d '{"key":"sk-growth-0000000","key_alias":"growth","max_budget":1000000,"rpm_limit":100000000}' >/dev/null
stop_gw
t=$(date +%s%N)
python3 - "$dir/keys.db" "$count" <<'PY'
import hashlib, sqlite3, sys
db, count = sys.argv[1], int(sys.argv[2])
con = sqlite3.connect(db)
cols = [r[1] for r in con.execute("PRAGMA table_info(keys)")]
tmpl = con.execute("SELECT * FROM keys WHERE token = ?",
                   (hashlib.sha256(b"sk-growth-0000000").hexdigest(),)).fetchone()
assert tmpl, "the template key is missing"
ti, ni, ai = cols.index("token"), cols.index("key_name"), cols.index("key_alias")
def rows():
    for i in range(1, count):
        key = "sk-growth-%07d" % i
        r = list(tmpl)
        r[ti] = hashlib.sha256(key.encode()).hexdigest()
        r[ni] = "sk-..." + key[-4:]
        r[ai] = ""
        yield r
con.execute("BEGIN")
con.executemany("INSERT INTO keys (%s) VALUES (%s)" % (",".join(cols), ",".join("?" * len(cols))), rows())
con.commit()
assert con.execute("SELECT count(*) FROM keys").fetchone()[0] == count
con.close()
PY
echo "store: $count key(s) in $(( ($(date +%s%N) - t) / 1000000 )) ms, $(( $(stat -c %s "$dir/keys.db") / 1024 / 1024 )) MB on disk"

# 2. Startup, RSS, the keys accepted, RSS after a pass over many keys.
body=$B/payload/chat.json
export BENCH_BODY_FILE=$body
t0=$(date +%s%N)
start_gw
wait_ready 3000
t1=$(date +%s%N)
rss_ready=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$gw_pid/status")
last=$(printf 'sk-growth-%07d' $((count - 1)))
code() { curl -s -o /dev/null -w '%{http_code}' "$url/v1/chat/completions" -H "Authorization: Bearer $1" \
  -H 'Content-Type: application/json' --data-binary @"$body"; }
c_first=$(code sk-growth-0000000) c_last=$(code "$last") c_unknown=$(code sk-growth-unknown)
sleep 1.1  # the log is flushed every second
echo "ready after $(( (t1 - t0) / 1000000 )) ms ($(grep -o '[0-9]* virtual key(s), ready in [0-9]* ms' "$dir/gateway.log" | tail -1)); RSS when ready $((rss_ready / 1024)).$(( rss_ready % 1024 * 10 / 1024 )) MB"
echo "requests: sk-growth-0000000 -> $c_first, $last -> $c_last, an unknown key -> $c_unknown"
[ "$c_first" = 200 ] && [ "$c_last" = 200 ] && [ "$c_unknown" = 401 ] || { echo "the keys were not accepted as expected" >&2; exit 1; }
touch_n=$((count - 1 < 100000 ? count - 1 : 100000))
if [ "$touch_n" -gt 0 ]; then
  # wrk runs for its whole -d even after the thread stops: -d is only the bound (~2 ms a request).
  out=$(GROWTH_KEY_FIRST=1 GROWTH_KEY_COUNT="$touch_n" GROWTH_STOP_AFTER="$touch_n" \
    wrk -t1 -c8 -d$((touch_n / 1000 + 10))s --latency -s "$lua" "$url/v1/chat/completions")
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  sleep 2
  rss_after=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$gw_pid/status")
  echo "a pass over $touch_n keys (first use of each, 8 at once): $n requests, non-2xx ${non2xx:-0}, latency p50 $(awk '$1 == "50%" {print $2}' <<<"$out") p99 $(awk '$1 == "99%" {print $2}' <<<"$out"); RSS after $((rss_after / 1024)) MB: +$(( (rss_after - rss_ready) * 1024 / touch_n )) bytes per key loaded"
  [ "${n:-0}" -ge "$touch_n" ] || echo "warning: the pass did not reach every key (wrk's -d bound)" >&2
fi
stop_gw

# 3. Instructions per request under callgrind.
cg=$dir/cg
mkdir -p "$cg"
start_gw valgrind --tool=callgrind --callgrind-out-file="$cg/cg.%p" --dump-instr=no
wait_ready 30000  # 5 min: startup under valgrind
vpid=$gw_pid
# Windows are cut by dumps, not by zeroing: each dump holds what ran since the previous one. Under
# load, callgrind_control's requests were seen to be carried out twice or late (6 dumps for 3
# requests, and Ir/request below the no-key baseline), so a window is the sum of every dump made
# between the one before wrk and the one after it.
ndumps() { find "$cg" -name "cg.$vpid.*" | wc -l; }
mark() { # a dump, and waits until it is written
  local before
  before=$(ndumps)
  callgrind_control -d "$vpid" >/dev/null 2>&1
  for _ in $(seq 300); do [ "$(ndumps)" -gt "$before" ] && break; sleep 0.1; done
  sleep 1
}
measure() { # label first count secs: prints Ir / request over one wrk run
  local label=$1 first=$2 n=$3 secs=$4 out reqs non2xx ir=0 from to i t
  mark
  from=$(ndumps)
  out=$(GROWTH_KEY_FIRST=$first GROWTH_KEY_COUNT=$n wrk -t1 -c4 -d"${secs}s" -s "$lua" "$url/v1/chat/completions")
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  sleep 2  # the store thread and the log writer finish their batches
  mark
  to=$(ndumps)
  for i in $(seq $((from + 1)) "$to"); do
    t=$(awk '/^totals:/ {print $2}' "$cg/cg.$vpid.$i")
    ir=$((ir + ${t:?dump $i incomplete}))
  done
  echo "callgrind $label: requests=$reqs non-2xx=${non2xx:-0} Ir=$ir Ir/request=$((ir / reqs)) (dumps $((from + 1))..$to)"
}
GROWTH_KEY_FIRST=0 GROWTH_KEY_COUNT=1 wrk -t1 -c4 -d3s -s "$lua" "$url/v1/chat/completions" >/dev/null
measure "(a) one key, $count in the store" 0 1 10
if [ "$count" -gt 1 ]; then
  spread=$((count - 1 < 10000 ? count - 1 : 10000))
  measure "(b1) each request a new key (first use), $count in the store" 1 "$spread" 10
  # the rest of the pass, so that every one of the spread keys is loaded
  GROWTH_KEY_FIRST=1 GROWTH_KEY_COUNT="$spread" GROWTH_STOP_AFTER="$spread" \
    wrk -t1 -c4 -d$((spread / 150 + 10))s -s "$lua" "$url/v1/chat/completions" >/dev/null
  measure "(b2) $spread keys in turn, all loaded, $count in the store" 1 "$spread" 10
fi
stop_gw
if [ -n "${GROWTH_KEEP:-}" ]; then mkdir -p "$GROWTH_KEEP" && cp "$cg"/cg.* "$GROWTH_KEEP/" && echo "profiles kept in $GROWTH_KEEP"; fi
