#!/usr/bin/env bash
# Started as OURS_CMD by the benchmark harness (bench/run.sh; its directory is given by
# BENCH_DIR): writes a config whose model `gpt-4o-mini` points at the bench's mock upstream
# ($UPSTREAM_BASE), runs the gateway on $OURS_PORT with a fresh SQLite database, and — as
# production runs it — makes $BENCH_API_KEY a virtual key with a budget and an rpm limit through
# the admin API (the master key is another one). BENCH_VIRTUAL_KEY=0: $BENCH_API_KEY is the
# master key instead (the figure a virtual key is compared with). BENCH_CACHE=local turns the
# local response cache on (the harness sends one body again and again: every request but the
# first is a hit); BENCH_CACHE=redis starts a redis-server (on a free port, on the gateway's core
# unless BENCH_REDIS_CPUS names others) and uses it as the response cache, and so also for the shared key counters (send OURS_HEADERS
# "Cache-Control: no-store" to make every request a miss: a lookup, nothing stored).
# BENCH_TELEMETRY=off turns the request metrics off (general_settings.disable_metrics) and logs at
# warning (no access lines); BENCH_TELEMETRY=on writes JSON access logs and exports a trace per
# request (callbacks: ["otel"]) to a local receiver (an nginx answering 200 on the mock's core);
# unset: the defaults (metrics on, human access lines, no traces). BENCH_STORE: below.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${SWITCHYARD_BIN:-$here/build/switchyard}
key=${BENCH_API_KEY:-sk-bench-0000000000000000}
virtual=${BENCH_VIRTUAL_KEY:-1}
master=$key
[ "$virtual" = 1 ] && master=sk-bench-master-$(date +%s%N)
dir=$(mktemp -d /tmp/switchyard-bench-XXXXXX)
redis_pid=
cache_yaml=
if [ "${BENCH_CACHE:-}" = local ]; then
  cache_yaml=$'litellm_settings:\n  cache: true\n  cache_params:\n    type: local\n    ttl: 3600\n'
elif [ "${BENCH_CACHE:-}" = redis ]; then
  redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  taskset -c "${BENCH_REDIS_CPUS:-0}" redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
    --logfile "$dir/redis.log" &
  redis_pid=$!
  for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.05; done
  cache_yaml=$'litellm_settings:\n  cache: true\n  cache_params:\n    type: redis\n    host: 127.0.0.1\n    port: '"$redis_port"$'\n    ttl: 3600\n'
fi
# BENCH_STORE=postgresql: the store is a throwaway PostgreSQL cluster (initdb'd into the run's
# temp dir, as the postgres user when root; on the gateway's core unless BENCH_PG_CPUS names
# others) instead of the SQLite file.
database_url="sqlite:///$dir/switchyard.db"
pg_data=
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "${BENCH_STORE:-sqlite}" = postgresql ]; then
  pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  pg_data="$dir/pg"
  mkdir -p "$pg_data"
  [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
  as_pg "$pgbin/initdb" -D "$pg_data" -U switchyard -A trust --no-sync -E UTF8 --locale=C >/dev/null
  as_pg taskset -c "${BENCH_PG_CPUS:-0}" "$pgbin/pg_ctl" -D "$pg_data" -l "$dir/pg.log" -w \
    -o "-p $pg_port -k $dir -h 127.0.0.1" start >/dev/null
  database_url="postgresql://switchyard@127.0.0.1:$pg_port/postgres"
fi
telemetry_litellm=
telemetry_general=
otel_pid=
# Parts, to split the cost: BENCH_TELEMETRY=logs is metrics and JSON access lines without
# traces; BENCH_TELEMETRY=otel is traces alone (metrics off, no access lines).
case "${BENCH_TELEMETRY:-}" in
  off)
    telemetry_general=$'  disable_metrics: true\n'
    export SWITCHYARD_LOG_LEVEL=warning ;;
  logs)
    telemetry_litellm=$'  json_logs: true\n' ;;
  on|otel)
    otel_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$dir/otel"
    cat >"$dir/otel/nginx.conf" <<NGINX
worker_processes 1;
pid $dir/otel/nginx.pid;
error_log $dir/otel/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $dir/otel;
  client_max_body_size 64m;
  server { listen 127.0.0.1:$otel_port; location / { default_type application/json; return 200 '{}'; } }
}
NGINX
    # Its own session: the harness counts its CPU as another process's, not the gateway's.
    setsid taskset -c "${UPSTREAM_CPUS:-0}" nginx -c "$dir/otel/nginx.conf" -g 'daemon off;' &
    otel_pid=$!
    export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$otel_port
    if [ "$BENCH_TELEMETRY" = otel ]; then
      telemetry_general=$'  disable_metrics: true\n'
      export SWITCHYARD_LOG_LEVEL=warning
      telemetry_litellm=$'  callbacks: ["otel"]\n'
    else
      telemetry_litellm=$'  json_logs: true\n  callbacks: ["otel"]\n'
    fi ;;
esac
if [ -n "$telemetry_litellm" ]; then
  if [ -n "$cache_yaml" ]; then cache_yaml+="$telemetry_litellm"; else cache_yaml=$'litellm_settings:\n'"$telemetry_litellm"; fi
fi
# BENCH_ALIASES=N: N - 1 more aliases in the model list (each one deployment on the same
# upstream), to see that choosing a deployment costs the same however long the list is.
extra_models=
if [ "${BENCH_ALIASES:-1}" -gt 1 ]; then
  extra_models=$(awk -v n="$BENCH_ALIASES" -v base="${UPSTREAM_BASE:?}" 'BEGIN {
    for (i = 1; i < n; i++)
      printf "  - model_name: alias-%d\n    litellm_params:\n      model: openai/model-%d\n      api_base: %s\n      api_key: sk-upstream-bench\n", i, i, base }')
fi
cat >"$dir/config.yaml" <<YAML
model_list:
  - model_name: gpt-4o-mini
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: ${UPSTREAM_BASE:?}
      api_key: sk-upstream-bench
$extra_models
$cache_yaml
general_settings:
  master_key: $master
  database_url: $database_url
$telemetry_general
YAML
if [ "$virtual" = 1 ]; then
  # The key is made first, by a gateway on a private port, and stored in the database the real one
  # then loads: the harness probes $OURS_PORT as soon as it listens, and must find the key there.
  setup_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$bin" --config "$dir/config.yaml" --host 127.0.0.1 --port "$setup_port" --workers 1 \
    --log-level warning >"$dir/setup.log" 2>&1 &
  setup_pid=$!
  for _ in $(seq 200); do
    curl -sf "http://127.0.0.1:$setup_port/health/liveliness" >/dev/null && break
    sleep 0.05
  done
  # A budget and an rpm limit the bench never reaches, so that both are checked on every request.
  curl -sf "http://127.0.0.1:$setup_port/key/generate" -H "Authorization: Bearer $master" \
    -H 'Content-Type: application/json' \
    -d "{\"key\":\"$key\",\"key_alias\":\"bench\",\"max_budget\":1000000,\"rpm_limit\":100000000}" \
    >/dev/null
  kill -TERM $setup_pid; wait $setup_pid || true
fi
"$bin" --config "$dir/config.yaml" --host 127.0.0.1 --port "${OURS_PORT:?}" \
  --workers "${SWITCHYARD_WORKERS:-1}" --log-level "${SWITCHYARD_LOG_LEVEL:-info}" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; wait $pid || true; [ -z "$redis_pid" ] || kill $redis_pid 2>/dev/null || true; [ -z "$otel_pid" ] || kill $otel_pid 2>/dev/null || true; [ -z "$pg_data" ] || as_pg "$pgbin/pg_ctl" -D "$pg_data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$dir"' TERM INT EXIT
wait $pid
