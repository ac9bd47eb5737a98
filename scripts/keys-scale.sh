#!/usr/bin/env bash
# Puts N virtual keys (default 1,000,000) in a fresh store and shows what they cost the gateway:
# startup time, RSS, the first request of a key (loaded from the store) and the next ones
# (docs/keys.md, docs/multi-instance.md).
#   scripts/keys-scale.sh [N]                      SQLite file
#   ENGINE=postgresql scripts/keys-scale.sh [N]    a throwaway PostgreSQL cluster (initdb'd into a
#                                                  temp dir, as the postgres user when root)
# SWITCHYARD_BIN: the binary (default build/switchyard).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${SWITCHYARD_BIN:-$here/build/switchyard}
n=${1:-1000000}
engine=${ENGINE:-sqlite}
dir=$(mktemp -d /tmp/switchyard-scale-XXXXXX)
pid=""
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  if [ "$engine" = postgresql ] && [ -d "$dir/pg" ]; then as_pg "$pgbin/pg_ctl" -D "$dir/pg" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)

if [ "$engine" = postgresql ]; then
  pgport=$(free_port)
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  as_pg "$pgbin/initdb" -D "$dir/pg" -U switchyard -A trust --no-sync -E UTF8 --locale=C >/dev/null
  as_pg "$pgbin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -o "-p $pgport -k $dir -h 127.0.0.1 -c fsync=off" start >/dev/null
  url="postgresql://switchyard@127.0.0.1:$pgport/postgres"
  sql() { psql -q -v ON_ERROR_STOP=1 "$url" -c "$1"; }
else
  url="sqlite:///$dir/keys.db"
  sql() { sqlite3 "$dir/keys.db" "$1"; }
fi

cat >"$dir/config.yaml" <<YAML
model_list:
  - model_name: m
    litellm_params: {model: mock/m, mock_response: ok}
general_settings:
  master_key: sk-scale-master
  database_url: $url
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
pid=""
echo "inserting $((n - 1)) more keys ($engine)..."
if [ "$engine" = postgresql ]; then
  sql "INSERT INTO keys (token, key_name, created_at, updated_at, rpm_limit, max_budget)
       SELECT md5(g::text || 'a') || md5(g::text || 'b'), 'sk-...' || lpad((g % 10000)::text, 4, '0'), 0, 0, 100, 10.0
       FROM generate_series(1, $((n - 1))) g"
else
  sql "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < $((n - 1)))
    INSERT INTO keys (token, key_name, created_at, updated_at, rpm_limit, max_budget)
    SELECT lower(hex(randomblob(32))), 'sk-...' || substr(printf('%04d', x % 10000), 1, 4), 0, 0, 100, 10.0 FROM c;"
fi
t0=$(date +%s%N)
start
t1=$(date +%s%N)
rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
sleep 1.2  # the log is flushed every second
ready=$(grep -o '[0-9]* virtual key(s), ready in [0-9]* ms' "$dir/log" || echo "?")
body='{"model":"m","messages":[{"role":"user","content":"hi"}]}'
t2=$(date +%s%N)
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/chat/completions" \
  -H 'Authorization: Bearer sk-scale-probe' -d "$body")
t3=$(date +%s%N)
for _ in $(seq 1000); do
  curl -s -o /dev/null "http://127.0.0.1:$port/v1/models" -H 'Authorization: Bearer sk-scale-probe'
done
t4=$(date +%s%N)
echo "keys: $n in $engine; $ready; listening and ready after $(( (t1 - t0) / 1000000 )) ms"
echo "RSS: $((rss_empty / 1024)) MiB with 1 key, $((rss / 1024)) MiB at start with $n keys in the store"
echo "first request of a key (loaded from the store): HTTP $code in $(( (t3 - t2) / 1000000 )) ms (curl)"
echo "1000 more authenticated requests (curl each): $(( (t4 - t3) / 1000000 )) ms"
[ "$code" = 200 ]
