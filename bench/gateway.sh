#!/usr/bin/env bash
# Started as OURS_CMD by the benchmark harness (bench/run.sh; its directory is given by
# BENCH_DIR): writes a config whose model `gpt-4o-mini` points at the bench's mock upstream
# ($UPSTREAM_BASE), runs the gateway on $OURS_PORT with a fresh SQLite database, and — as
# production runs it — makes $BENCH_API_KEY a virtual key with a budget and an rpm limit through
# the admin API (the master key is another one). BENCH_VIRTUAL_KEY=0: $BENCH_API_KEY is the
# master key instead (the figure a virtual key is compared with). BENCH_CACHE=local turns the
# local response cache on (the harness sends one body again and again: every request but the
# first is a hit).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${SWITCHYARD_BIN:-$here/build/switchyard}
key=${BENCH_API_KEY:-sk-bench-0000000000000000}
virtual=${BENCH_VIRTUAL_KEY:-1}
master=$key
[ "$virtual" = 1 ] && master=sk-bench-master-$(date +%s%N)
dir=$(mktemp -d /tmp/switchyard-bench-XXXXXX)
cat >"$dir/config.yaml" <<YAML
model_list:
  - model_name: gpt-4o-mini
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: ${UPSTREAM_BASE:?}
      api_key: sk-upstream-bench
$([ "${BENCH_CACHE:-}" = local ] && printf 'litellm_settings:\n  cache: true\n  cache_params:\n    type: local\n    ttl: 3600\n')
general_settings:
  master_key: $master
  database_url: sqlite:///$dir/switchyard.db
YAML
"$bin" --config "$dir/config.yaml" --host 127.0.0.1 --port "${OURS_PORT:?}" \
  --workers "${SWITCHYARD_WORKERS:-1}" --log-level "${SWITCHYARD_LOG_LEVEL:-info}" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; rm -rf "$dir"' TERM INT EXIT
if [ "$virtual" = 1 ]; then
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$OURS_PORT/health/liveliness" >/dev/null && break
    sleep 0.05
  done
  # A budget and an rpm limit the bench never reaches, so that both are checked on every request.
  curl -sf "http://127.0.0.1:$OURS_PORT/key/generate" -H "Authorization: Bearer $master" \
    -H 'Content-Type: application/json' \
    -d "{\"key\":\"$key\",\"key_alias\":\"bench\",\"max_budget\":1000000,\"rpm_limit\":100000000}" \
    >/dev/null
fi
wait $pid
