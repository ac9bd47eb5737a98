#!/usr/bin/env bash
# Loads N virtual keys (default 1,000,000) into a fresh SQLite store and shows what they cost the
# gateway: startup time, RSS, and that a key is still found at once (docs/keys.md).
#   scripts/keys-scale.sh [N]        (SWITCHYARD_BIN: the binary; default build/switchyard)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${SWITCHYARD_BIN:-$here/build/switchyard}
n=${1:-1000000}
dir=$(mktemp -d /tmp/switchyard-scale-XXXXXX)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$dir/config.yaml" <<YAML
model_list:
  - model_name: m
    litellm_params: {model: mock/m, mock_response: ok}
general_settings:
  master_key: sk-scale-master
  database_url: sqlite:///$dir/keys.db
YAML
start() {
  "$bin" --config "$dir/config.yaml" --host 127.0.0.1 --port "$port" --workers 2 >"$dir/log" 2>&1 &
  pid=$!
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/health/liveliness" >/dev/null && return; sleep 0.05; done
  echo "gateway did not start"; cat "$dir/log"; exit 1
}
start
curl -sf "http://127.0.0.1:$port/key/generate" -H 'Authorization: Bearer sk-scale-master' \
  -d '{"key":"sk-scale-probe","rpm_limit":1000}' >/dev/null
rss_empty=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
kill -TERM $pid; wait $pid || true
echo "inserting $((n - 1)) more keys..."
sqlite3 "$dir/keys.db" "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < $((n - 1)))
  INSERT INTO keys (token, key_name, created_at, updated_at, rpm_limit, max_budget)
  SELECT lower(hex(randomblob(32))), 'sk-...' || substr(printf('%04d', x % 10000), 1, 4), 0, 0, 100, 10.0 FROM c;"
t0=$(date +%s%N)
start
t1=$(date +%s%N)
rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
sleep 1.2  # the log is flushed every second
loaded=$(grep -o '[0-9]* virtual key(s) loaded in [0-9]* ms' "$dir/log" || echo "?")
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/chat/completions" \
  -H 'Authorization: Bearer sk-scale-probe' -d '{"model":"m","messages":[{"role":"user","content":"hi"}]}')
t2=$(date +%s%N)
for _ in $(seq 1000); do
  curl -s -o /dev/null "http://127.0.0.1:$port/v1/models" -H 'Authorization: Bearer sk-scale-probe'
done
t3=$(date +%s%N)
echo "keys: $n; $loaded; ready after $(( (t1 - t0) / 1000000 )) ms"
echo "RSS: $((rss_empty / 1024)) MiB with 1 key, $((rss / 1024)) MiB with $n keys"
echo "a request with one of them: HTTP $code; 1000 authenticated requests (curl each): $(( (t3 - t2) / 1000000 )) ms"
[ "$code" = 200 ]
