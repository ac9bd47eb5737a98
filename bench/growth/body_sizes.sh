#!/usr/bin/env bash
# Cost growth: request body sizes (docs/performance.md, "Cost growth", "Request body sizes").
#   SWITCHYARD_BIN=/tmp/bodies-switchyard bench/growth/body_sizes.sh [check|ir|rss|all]   (default all)
# Bodies (written by python3 into a temp dir; each a valid chat request for model gpt-4o-mini,
# exact sizes in bytes): 1k = 1,024, 100k = 102,400, 1m = 1,048,576, 8m = 8,388,608 (one user
# message whose content is filler words with a `\n` escape every ~70 bytes, after a short system
# message), and 1m-msgs = 1,048,576 as 2,000 messages (user / assistant in turn, ~500 bytes each).
# Processes, all on 127.0.0.1, all stopped by pid on exit (temp dir removed):
#  - a python3 mock upstream (written into the temp dir): two ports, `fast` answers at once and
#    `slow` BODY_SIZES_HOLD_S (default 12) s after it has read the whole body; both answer a fixed
#    chat.completion and log, per request, the body's length, its SHA-256, the SHA-256 of its
#    canonical `messages` (json.dumps sort_keys, compact) and its top-level members;
#  - the gateway (--workers 1; a fresh SQLite store with one virtual key made by POST /key/generate,
#    budget 1,000,000 and rpm limit 100,000,000 as bench/gateway.sh: both checked on every
#    request, the budget reservation reads the prompt-token estimate of the whole body; JSON access
#    logs as BENCH_TELEMETRY=logs; max_request_size_mb left at its default, 10 MiB, which 8 MiB fits);
#  - a python3 client (in the temp dir): sequential requests on one keep-alive connection, or N
#    concurrent requests on N connections; every answer must be 200 with a `choices` array.
# check: one request of each body on `fast`; the upstream must have received the same `messages`
#   (hash) as sent (byte-identical bodies are counted too: the gateway may re-encode); an 11 MiB
#   body must get 413 from the gateway (and never reach the upstream).
# ir: the gateway under callgrind (--dump-instr=no, all threads); per body: warm-up (3 requests),
#   then a window of COUNT sequential requests (BODY_SIZES_COUNTS, default
#   "1k:200 100k:100 1m:40 1m-msgs:40 8m:12"), cut by `callgrind_control -d PID` before and after
#   it (every dump in between summed, as many_keys.sh); prints Ir / request and
#   (Ir - Ir(1k)) / (bytes - 1,024). Also an idle window (no request, 10 s) for the background rate.
#   BODY_SIZES_KEEP=dir keeps the profiles (the dump numbers of each window are printed).
# rss: per body in BODY_SIZES_RSS_BODIES (default "1m 8m") and N in BODY_SIZES_N (default
#   "1 8 32"): a fresh gateway, 2 requests of the body on `fast` (warm-up), 1 s, VmRSS (`base`),
#   VmHWM reset (`echo 5 > /proc/PID/clear_refs`); then N concurrent requests on `slow`; when the
#   upstream has logged all N bodies (all held by the gateway) VmRSS (`held`); after the answers
#   VmHWM (`peak`, the larger of it and `held`); then VmRSS 1 s and 5 s later. Per in-flight
#   request: (peak - base) / N, also in units of the body size. BODY_SIZES_ROUNDS (default 2)
#   rounds on the same gateway (VmHWM not reset between them: a later round's peak above the
#   first's would be growth); then VmRSS 30 s after the last round and after 20 more 1k requests
#   (is the memory returned?). Every request's body is checked at the upstream as in `check`.
# Bounded: every client run is under `timeout`, readiness polls are bounded (valgrind start: 5 min).
set -euo pipefail
what=${1:-all}
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${SWITCHYARD_BIN:-$here/build/switchyard}
hold=${BODY_SIZES_HOLD_S:-12}
counts=${BODY_SIZES_COUNTS:-"1k:200 100k:100 1m:40 1m-msgs:40 8m:12"}
rss_bodies=${BODY_SIZES_RSS_BODIES:-"1m 8m"}
rss_ns=${BODY_SIZES_N:-"1 8 32"}
rounds=${BODY_SIZES_ROUNDS:-2}
command -v python3 >/dev/null || { echo "body_sizes.sh needs python3" >&2; exit 2; }
case $what in check|rss|all) ;; ir) ;; *) echo "usage: body_sizes.sh [check|ir|rss|all]" >&2; exit 2 ;; esac
if [ "$what" = ir ] || [ "$what" = all ]; then
  command -v valgrind >/dev/null && command -v callgrind_control >/dev/null ||
    { echo "body_sizes.sh ir needs valgrind" >&2; exit 2; }
fi
dir=$(mktemp -d /tmp/switchyard-growth-bodies-XXXXXX)
up_pid= gw_pid=
# shellcheck source=lib.sh
. "$here/bench/growth/lib.sh"
cleanup() {
  stop_gw
  [ -z "$up_pid" ] || { kill -TERM "$up_pid" 2>/dev/null || true; wait "$up_pid" 2>/dev/null || true; }
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The bodies, and the hash of each one's messages (as the upstream computes it).
python3 - "$dir" <<'PY'
import hashlib, json, sys
d = sys.argv[1]
words = ("gateway latency request body token stream budget upstream provider model message "
         "router cache header filler sample text of moderate length to reach the size").split()
def filler(n):  # text of n bytes once JSON-encoded (a `\n` escape every ~70 bytes)
    out, size, line, i = [], 0, 0, 0
    while size < n + 100:
        w = words[i % len(words)]; i += 1
        line += len(w) + 1
        out.append(w + ("\n" if line > 70 else " ")); size += len(w) + 1
        if line > 70: line = 0
    s = "".join(out)
    lo, hi = 0, len(s)  # the shortest prefix whose encoding reaches n
    while lo < hi:
        k = (lo + hi) // 2
        if k + s.count("\n", 0, k) >= n: hi = k
        else: lo = k + 1
    s = s[:lo]
    if lo + s.count("\n") > n: s = s[:-1] + "x"  # it ended in a 2-byte escape
    return s
def canon(m):
    return hashlib.sha256(json.dumps(m, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()).hexdigest()
def write(name, size, build):
    # build(pad) -> request object of exactly base + pad bytes as compact JSON.
    base = len(json.dumps(build(0), separators=(",", ":")).encode())
    s = json.dumps(build(size - base), separators=(",", ":")).encode()
    assert len(s) == size, (name, len(s), size)
    open(f"{d}/{name}.json", "wb").write(s)
    open(f"{d}/{name}.sha", "w").write(canon(json.loads(s)["messages"]))
    open(f"{d}/{name}.raw", "w").write(hashlib.sha256(s).hexdigest())
sysmsg = {"role": "system", "content": "You are a concise assistant used in a gateway benchmark."}
def one(pad):
    return {"model": "gpt-4o-mini", "messages": [sysmsg, {"role": "user", "content": filler(pad)}],
            "temperature": 0.2, "max_tokens": 64, "stream": False}
for name, size in (("1k", 1024), ("100k", 102400), ("1m", 1 << 20), ("8m", 8 << 20), ("11m", 11 << 20)):
    write(name, size, one)
def many(pad):
    per, rest = divmod(pad, 2000)
    msgs = [{"role": "user" if i % 2 == 0 else "assistant",
             "content": filler(per + (rest if i == 1999 else 0))}
            for i in range(2000)]
    msgs[-1]["role"] = "user"
    return {"model": "gpt-4o-mini", "messages": msgs, "temperature": 0.2, "max_tokens": 64, "stream": False}
write("1m-msgs", 1 << 20, many)
PY
size_of() { stat -c %s "$dir/$1.json"; }

# The mock upstream.
cat >"$dir/mock.py" <<'PY'
import hashlib, json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
log_path, hold = sys.argv[1], float(sys.argv[2])
RESP = json.dumps({"id": "chatcmpl-bodies", "object": "chat.completion", "created": 1732406400,
    "model": "gpt-4o-mini-2024-07-18", "choices": [{"index": 0, "message": {"role": "assistant",
    "content": "Hello! A fixed answer from the body-size mock.", "refusal": None}, "logprobs": None,
    "finish_reason": "stop"}], "usage": {"prompt_tokens": 42, "completion_tokens": 11,
    "total_tokens": 53}}).encode()
lock = threading.Lock()
logf = open(log_path, "a")
def canon(m):
    return hashlib.sha256(json.dumps(m, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()).hexdigest()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                n = int(self.rfile.readline().split(b";")[0], 16)
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""): pass
                    return b"".join(parts), "chunked"
                parts.append(self.rfile.read(n)); self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0"))), "length"
    def do_POST(self):
        body, framing = self.read_body()
        try:
            obj = json.loads(body)
            h, n, keys = canon(obj.get("messages")), len(obj.get("messages") or []), ",".join(sorted(obj))
            del obj
        except Exception:
            h, n, keys = "invalid", -1, "-"
        with lock:
            logf.write(f"{self.server.name} {time.time():.3f} {len(body)} {h} {n} {framing} {hashlib.sha256(body).hexdigest()} {keys}\n"); logf.flush()
        del body
        if self.server.hold: time.sleep(self.server.hold)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(RESP)))
        self.end_headers()
        self.wfile.write(RESP)
class S(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
servers = []
for name, h in (("fast", 0.0), ("slow", hold)):
    s = S(("127.0.0.1", 0), H); s.name, s.hold = name, h; servers.append(s)
    threading.Thread(target=s.serve_forever, daemon=True).start()
print("listening", servers[0].server_address[1], servers[1].server_address[1], flush=True)
threading.Event().wait()
PY

# The client.
cat >"$dir/client.py" <<'PY'
import http.client, json, sys, threading, time
mode, port, key, model, path, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
body = open(path, "rb").read()
if model != json.loads(body)["model"]:
    body = body.replace(b'"model":"gpt-4o-mini"', ('"model":"%s"' % model).encode(), 1)
hdr = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
def one(conn):
    conn.request("POST", "/v1/chat/completions", body=body, headers=hdr)
    r = conn.getresponse(); data = r.read()
    ok = False
    if r.status == 200:
        try: ok = bool(json.loads(data)["choices"])
        except Exception: pass
    return r.status, ok, data[:200]
t0 = time.time()
res = []
if mode == "seq":
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    for _ in range(n): res.append(one(conn))
elif mode == "code":
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    try: res.append(one(conn))
    except Exception as e: res.append((0, False, repr(e).encode()))
else:  # par
    bar = threading.Barrier(n)
    lock = threading.Lock()
    def run():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
        conn.connect(); bar.wait()
        try: r = one(conn)
        except Exception as e: r = (0, False, repr(e).encode())
        with lock: res.append(r)
    ts = [threading.Thread(target=run) for _ in range(n)]
    for t in ts: t.start()
    for t in ts: t.join()
bad = [r for r in res if not r[1]]
print("ok=%d fail=%d secs=%.2f status=%s%s" % (len(res) - len(bad), len(bad), time.time() - t0,
      ",".join(sorted({str(r[0]) for r in res})), (" first_error=%r" % bad[0][2]) if bad else ""))
PY

python3 "$dir/mock.py" "$dir/upstream.log" "$hold" >"$dir/up.out" 2>"$dir/up.err" &
up_pid=$!
for _ in $(seq 100); do grep -q listening "$dir/up.out" 2>/dev/null && break; sleep 0.05; done
read -r _ fast slow <"$dir/up.out" || { echo "the upstream did not start: $(cat "$dir/up.err")" >&2; exit 1; }
: >"$dir/upstream.log"

port=$(free_port)
master=sk-bodies-master
key=sk-bodies-0000000
cat >"$dir/config.yaml" <<YAML
model_list:
  - model_name: gpt-4o-mini
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: http://127.0.0.1:$fast/v1
      api_key: sk-upstream-bodies
  - model_name: slow
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: http://127.0.0.1:$slow/v1
      api_key: sk-upstream-bodies
litellm_settings:
  json_logs: true
general_settings:
  master_key: $master
  database_url: sqlite:///$dir/keys.db
YAML
url=http://127.0.0.1:$port
client() { # mode model body n [timeout s]
  timeout "${5:-900}" python3 "$dir/client.py" "$1" "$port" "$key" "$2" "$dir/$3.json" "$4"
}
kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$gw_pid/status"; }
mb() { awk -v k="$1" 'BEGIN {printf "%.1f MB", k / 1024}'; }
uplines() { wc -l <"$dir/upstream.log"; }
# check_upstream from body expected_count: the upstream log lines after line `from` must all be
# for `body` (length and messages hash), and `expected_count` of them.
check_upstream() {
  local from=$1 body=$2 want=$3 sha raw got bad same lens
  sha=$(cat "$dir/$body.sha") raw=$(cat "$dir/$body.raw")
  got=$(tail -n +"$((from + 1))" "$dir/upstream.log" | wc -l)
  bad=$(tail -n +"$((from + 1))" "$dir/upstream.log" | awk -v s="$sha" '$4 != s' | wc -l)
  same=$(tail -n +"$((from + 1))" "$dir/upstream.log" | awk -v s="$raw" '$7 == s' | wc -l)
  lens=$(tail -n +"$((from + 1))" "$dir/upstream.log" | awk '{print $3}' | sort -u | tr '\n' ' ')
  echo "upstream received $got x $body: messages intact in $((got - bad)), byte-identical $same, body bytes ${lens% } (sent $(size_of "$body"))"
  [ "$got" = "$want" ] && [ "$bad" = 0 ] || { echo "upstream check failed for $body" >&2; tail -3 "$dir/upstream.log" >&2; exit 1; }
}

# The store and the key (one gateway run, plain).
start_gw
wait_ready 1000
curl -sf "$url/key/generate" -H "Authorization: Bearer $master" -H 'Content-Type: application/json' \
  -d "{\"key\":\"$key\",\"key_alias\":\"bodies\",\"max_budget\":1000000,\"rpm_limit\":100000000}" >/dev/null

if [ "$what" = check ] || [ "$what" = all ]; then
  for b in 1k 100k 1m 1m-msgs 8m; do
    from=$(uplines)
    r=$(client seq gpt-4o-mini "$b" 1 120)
    echo "check $b ($(size_of "$b") bytes): $r"
    check_upstream "$from" "$b" 1
    echo "  upstream saw: $(tail -1 "$dir/upstream.log" | cut -d' ' -f3,5,6,8-)"
  done
  from=$(uplines)
  r=$(client code gpt-4o-mini 11m 1 120)
  echo "check 11m ($(size_of 11m) bytes, over the 10 MiB default): $r; upstream got $(( $(uplines) - from ))"
  case $r in *status=413*) ;; *) echo "expected 413 for 11 MiB" >&2; exit 1 ;; esac
fi
stop_gw

if [ "$what" = ir ] || [ "$what" = all ]; then
  cg=$dir/cg
  mkdir -p "$cg"
  start_gw valgrind --tool=callgrind --callgrind-out-file="$cg/cg.%p" --dump-instr=no
  wait_ready 30000
  vpid=$gw_pid
  ndumps() { find "$cg" -name "cg.$vpid.*" | wc -l; }
  mark() { # a dump of this pid only, and waits until it is written
    local before
    before=$(ndumps)
    callgrind_control -d "$vpid" >/dev/null 2>&1
    for _ in $(seq 300); do [ "$(ndumps)" -gt "$before" ] && break; sleep 0.1; done
    sleep 1
  }
  window_ir() { # from to: Ir summed over dumps from+1..to
    local ir=0 i t
    for i in $(seq $(($1 + 1)) "$2"); do
      t=$(awk '/^totals:/ {print $2}' "$cg/cg.$vpid.$i")
      ir=$((ir + ${t:?dump $i incomplete}))
    done
    echo "$ir"
  }
  mark
  from=$(ndumps); t0=$(date +%s%N); sleep 10; mark; to=$(ndumps); t1=$(date +%s%N)
  idle=$(window_ir "$from" "$to")
  echo "callgrind idle: Ir=$idle over $(( (t1 - t0) / 1000000 )) ms (dumps $((from + 1))..$to)"
  ir1k=
  for spec in $counts; do
    b=${spec%%:*} n=${spec#*:}
    client seq gpt-4o-mini "$b" 3 900 >/dev/null
    mark
    from=$(ndumps); up0=$(uplines); t0=$(date +%s%N)
    r=$(client seq gpt-4o-mini "$b" "$n" 1800)
    sleep 2  # the store thread and the log writer finish their batches
    mark
    to=$(ndumps); t1=$(date +%s%N)
    case $r in "ok=$n fail=0"*) ;; *) echo "requests failed: $r" >&2; exit 1 ;; esac
    check_upstream "$up0" "$b" "$n" >/dev/null
    ir=$(window_ir "$from" "$to")
    per=$((ir / n))
    s=$(size_of "$b")
    [ "$b" = 1k ] && ir1k=$per
    slope=
    [ -n "$ir1k" ] && [ "$s" -gt 1024 ] && slope=$(awk -v a="$per" -v b="$ir1k" -v s="$s" 'BEGIN {printf " (Ir/req - Ir/req(1k)) / (bytes - 1024) = %.2f", (a - b) / (s - 1024)}')
    echo "callgrind $b ($s bytes): requests=$n Ir=$ir Ir/request=$per Ir/byte=$(awk -v a="$per" -v s="$s" 'BEGIN {printf "%.2f", a / s}')$slope window $(( (t1 - t0) / 1000000 )) ms (dumps $((from + 1))..$to); upstream: intact"
  done
  stop_gw
  if [ -n "${BODY_SIZES_KEEP:-}" ]; then mkdir -p "$BODY_SIZES_KEEP" && cp "$cg"/cg.* "$BODY_SIZES_KEEP/" && echo "profiles kept in $BODY_SIZES_KEEP"; fi
fi

if [ "$what" = rss ] || [ "$what" = all ]; then
  for b in $rss_bodies; do
    s=$(size_of "$b")
    for n in $rss_ns; do
      start_gw
      wait_ready 1000
      client seq gpt-4o-mini "$b" 2 120 >/dev/null
      sleep 1
      base=$(kb VmRSS)
      echo 5 >"/proc/$gw_pid/clear_refs"  # VmHWM := VmRSS
      for round in $(seq "$rounds"); do
        up0=$(uplines)
        client par slow "$b" "$n" $((hold * 4 + 120)) >"$dir/par.out" &
        cpid=$!
        held=0
        for _ in $(seq $(( (hold + 60) * 20 ))); do
          if [ $(( $(uplines) - up0 )) -ge "$n" ]; then held=$(kb VmRSS); break; fi
          kill -0 "$cpid" 2>/dev/null || break
          sleep 0.05
        done
        wait "$cpid" || true
        r=$(cat "$dir/par.out")
        peak=$(kb VmHWM)  # since the reset: over this round and the ones before
        [ "$held" -gt "$peak" ] && peak=$held
        sleep 1; after1=$(kb VmRSS)
        sleep 4; after5=$(kb VmRSS)
        case $r in "ok=$n fail=0"*) ;; *) echo "requests failed: $r" >&2; exit 1 ;; esac
        check_upstream "$up0" "$b" "$n" >/dev/null
        awk -v b="$b" -v s="$s" -v n="$n" -v base="$base" -v held="$held" -v peak="$peak" \
          -v a1="$after1" -v a5="$after5" -v r="$r" -v round="$round" 'BEGIN {
          per = (peak - base) * 1024 / n
          printf "rss %s x %d in flight, round %d: base %.1f MB, held %.1f MB, peak so far %.1f MB, (peak - base) / N = %.2f MB = %.2f x body; after 1 s %.1f MB, 5 s %.1f MB; client %s; upstream: intact\n",
            b, n, round, base / 1024, held / 1024, peak / 1024, per / 1048576, per / s, a1 / 1024, a5 / 1024, r }'
      done
      sleep 25; idle30=$(kb VmRSS)
      client seq gpt-4o-mini 1k 20 60 >/dev/null
      sleep 1; small=$(kb VmRSS)
      echo "rss $b x $n: 30 s after the last round $(mb "$idle30"); after 20 more 1k requests $(mb "$small")"
      stop_gw
    done
  done
fi
w=$(grep -c -E '"level":"(warning|error|critical)"|\] \[(warning|error|critical)\]' "$dir/gateway.log" || true)
echo "gateway log: $(wc -l <"$dir/gateway.log") lines, $w warning/error; upstream errors: $(wc -c <"$dir/up.err") bytes"
[ "${w:-0}" = 0 ] || grep -E '"level":"(warning|error|critical)"|\] \[(warning|error|critical)\]' "$dir/gateway.log" | head -5
