#!/usr/bin/env bash
# Started as OURS_CMD by the benchmark harness (bench/run.sh; its directory is given by
# BENCH_DIR): writes a config whose model `gpt-4o-mini` points at the bench's mock upstream
# ($UPSTREAM_BASE), then runs the gateway in the foreground on $OURS_PORT.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${SWITCHYARD_BIN:-$here/build/switchyard}
cfg=$(mktemp /tmp/switchyard-bench-XXXXXX.yaml)
cat >"$cfg" <<YAML
model_list:
  - model_name: gpt-4o-mini
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: ${UPSTREAM_BASE:?}
      api_key: sk-upstream-bench
general_settings:
  master_key: ${BENCH_API_KEY:-sk-bench-0000000000000000}
YAML
exec "$bin" --config "$cfg" --host 127.0.0.1 --port "${OURS_PORT:?}" --workers "${SWITCHYARD_WORKERS:-1}" \
  --log-level "${SWITCHYARD_LOG_LEVEL:-info}"
