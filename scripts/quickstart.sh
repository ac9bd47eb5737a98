#!/usr/bin/env bash
# Quick start, command 1: installs what is missing, builds, and starts the gateway on
# config/quickstart.yaml (mock models, no API keys) on port 4000 (or $PORT).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" release switchyard
exec "$root/build/switchyard" --config "${CONFIG:-$root/config/quickstart.yaml}" --port "${PORT:-4000}" "$@"
