#!/usr/bin/env bash
# End-to-end tests: the official OpenAI SDK against the switchyard binary, with a fake OpenAI
# upstream in Node. Installs the npm dependencies when they are missing or stale, then runs
# node's test runner in tests/e2e.
#   SWITCHYARD_BIN   the gateway binary (default: <repo>/build/switchyard)
#   E2E_REPORTER     node --test reporter (default: tap, whose summary ends with "# pass N" / "# fail N")
# Arguments: options for `node --test` (e.g. --test-name-pattern=stream) and, optionally, test
# files (e.g. chat.test.mjs); by default every tests/e2e/*.test.mjs runs.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SWITCHYARD_BIN="${SWITCHYARD_BIN:-$repo/build/switchyard}"
cd "$repo/tests/e2e"

command -v node >/dev/null || { echo "e2e: node is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }
command -v npm >/dev/null || { echo "e2e: npm is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }

# node_modules is current when it was installed from this exact lock file.
stamp=node_modules/.switchyard-e2e-lock.sha256
want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ ! -d node_modules ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "e2e: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

if [ ! -x "$SWITCHYARD_BIN" ]; then
  echo "e2e: switchyard binary not found at $SWITCHYARD_BIN (build it, or set SWITCHYARD_BIN)" >&2
  exit 1
fi

opts=(); files=()
for a in "$@"; do
  case "$a" in -*) opts+=("$a") ;; *) files+=("$a") ;; esac
done
[ ${#files[@]} -gt 0 ] || files=(./*.test.mjs)

exec node --test --test-reporter="${E2E_REPORTER:-tap}" --test-concurrency=1 --test-timeout=30000 \
  ${opts[@]+"${opts[@]}"} "${files[@]}"
