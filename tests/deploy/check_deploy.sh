#!/usr/bin/env bash
# Checks the deployment files (docs/deploy.md): the kustomize base deploy/k8s as kubectl renders
# it, docker/compose.yaml (normalized by a compose tool when one works, else read directly),
# docker/nginx.conf, docker/Dockerfile, and both gateway configs with `switchyard --check-config`.
#   tests/deploy/check_deploy.sh [REPO_ROOT]        (ctest: deploy_files, label deploy)
# Env: KUBECTL (default kubectl), SWITCHYARD_BIN (default REPO_ROOT/build/switchyard).
# Needs python3 with PyYAML and kubectl: missing ones are installed from Debian's packages
# (python3-yaml, kubernetes-client) when running as root. Prints PASS/FAIL/SKIP per check and
# ends with "N passed, N failed, N skipped"; exit 1 on any failure. A SKIP is not a pass.
set -uo pipefail
root=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/switchyard-deploy-check-XXXXXX)
trap 'rm -rf "$work"' EXIT
out="$work/results"
: >"$out"

pass() { echo "PASS $1" | tee -a "$out"; }
fail() { echo "FAIL $1: $2" | tee -a "$out"; }
skip() { echo "SKIP $1: $2" | tee -a "$out"; }

apt_install() {  # Debian packages, idempotently, as root only
  [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null || return 1
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "$@" >"$work/apt.log" 2>&1 && return 0
  apt-get update -qq >>"$work/apt.log" 2>&1 &&
    apt-get install -y -qq --no-install-recommends "$@" >>"$work/apt.log" 2>&1
}

# python3 with PyYAML: Debian's first (python3-yaml), then whatever python3 is on PATH.
py=""
for p in /usr/bin/python3 "$(command -v python3 2>/dev/null)"; do
  if [ -n "$p" ] && [ -x "$p" ] && "$p" -c 'import yaml' 2>/dev/null; then py=$p; break; fi
done
if [ -z "$py" ] && apt_install python3-yaml && /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
  py=/usr/bin/python3
fi
if [ -z "$py" ]; then
  fail "setup: python3 with PyYAML" "not found and python3-yaml could not be installed"
  echo "0 passed, 1 failed"; exit 1
fi
run_py() {  # a crash of the checker is a failure, not fewer checks
  "$py" "$here/check_deploy.py" "$@" 2>&1 | tee -a "$out"
  [ "${PIPESTATUS[0]}" -eq 0 ] || fail "check_deploy.py $1" "the checker itself failed (above)"
}

# --- Kubernetes: render the base and check the objects ----------------------------------------
kubectl=${KUBECTL:-kubectl}
if [ -z "${KUBECTL:-}" ] && ! command -v kubectl >/dev/null; then
  apt_install kubernetes-client || true  # Debian's kubectl 1.20 (scripts/install-deps.sh does too)
fi
if ! command -v "$kubectl" >/dev/null; then
  fail "k8s: kubectl kustomize deploy/k8s" "$kubectl not found (and Debian's kubernetes-client not installed)"
elif "$kubectl" kustomize "$root/deploy/k8s" >"$work/k8s.yaml" 2>"$work/k8s.err"; then
  kv=$("$kubectl" version --client 2>/dev/null | grep -o -E 'v?[0-9]+\.[0-9]+\.[0-9]+' | head -1)
  pass "k8s: kubectl kustomize deploy/k8s renders (kubectl ${kv:-?})"
  run_py k8s "$root" "$work/k8s.yaml"
else
  fail "k8s: kubectl kustomize deploy/k8s" "$(head -5 "$work/k8s.err" | tr '\n' ' ')"
fi

# --- Compose: normalize with a compose tool when one works, else read the file ------------------
compose=()
if docker compose version >/dev/null 2>&1; then compose=(docker compose)
elif docker-compose version >/dev/null 2>&1; then compose=(docker-compose)
elif podman-compose version >/dev/null 2>&1; then compose=(podman-compose)
fi
file="$root/docker/compose.yaml"
unset_local=(-u POSTGRES_USER -u POSTGRES_PASSWORD -u POSTGRES_DB -u REDIS_PASSWORD -u SWITCHYARD_PORT)
if [ ${#compose[@]} -gt 0 ]; then
  name="compose: ${compose[*]} config"
  if env "${unset_local[@]}" LITELLM_MASTER_KEY=sk-deploy-check-master \
      OPENAI_API_KEY=sk-deploy-check-openai "${compose[@]}" -f "$file" config \
      >"$work/compose.yaml" 2>"$work/compose.err"; then
    pass "$name"
    run_py compose "$root" "$work/compose.yaml"
    refusal=1
  else
    fail "$name" "$(head -5 "$work/compose.err" | tr '\n' ' ')"
    refusal=0  # it fails with every variable set: says nothing about missing ones
  fi
  if [ "$refusal" = 1 ]; then
    missing=()
    for v in LITELLM_MASTER_KEY OPENAI_API_KEY; do  # each one missing in turn: config must fail
      others=()
      for w in LITELLM_MASTER_KEY OPENAI_API_KEY; do [ "$w" = "$v" ] || others+=("$w=sk-deploy-check"); done
      if env -u "$v" "${unset_local[@]}" "${others[@]}" "${compose[@]}" -f "$file" config \
          >/dev/null 2>&1; then
        missing+=("$v")
      fi
    done
    name="compose: refuses to start without LITELLM_MASTER_KEY / OPENAI_API_KEY"
    if [ ${#missing[@]} -eq 0 ]; then pass "$name"; else fail "$name" "starts without ${missing[*]}"; fi
  fi
else
  run_py compose "$root" -
fi

# --- Dockerfile -----------------------------------------------------------------------------
run_py dockerfile "$root"

# --- Both gateway configs, by the gateway itself --------------------------------------------
bin=${SWITCHYARD_BIN:-$root/build/switchyard}
for cfg in docker/compose-config.yaml deploy/k8s/config.yaml; do
  name="config: switchyard --check-config $cfg"
  if [ ! -x "$bin" ]; then
    skip "$name" "no gateway binary at $bin (build it, or set SWITCHYARD_BIN)"
    continue
  fi
  # The environment the deployments give it (compose.yaml, secret.yaml), with dummy values.
  if env LITELLM_MASTER_KEY=sk-deploy-check-master OPENAI_API_KEY=sk-deploy-check-openai \
      DATABASE_URL=postgresql://switchyard:x@postgres:5432/switchyard \
      REDIS_HOST=redis REDIS_PORT=6379 REDIS_PASSWORD=x \
      "$bin" --config "$root/$cfg" --check-config >"$work/check.out" 2>&1 &&
      grep -q '^config OK' "$work/check.out"; then
    pass "$name"
  else
    fail "$name" "$(grep -E '^(error|config)' "$work/check.out" | head -5 | tr '\n' ' ')"
  fi
done

p=$(grep -c '^PASS ' "$out"); f=$(grep -c '^FAIL ' "$out"); s=$(grep -c '^SKIP ' "$out")
if [ "$((p + f))" -eq 0 ]; then
  echo "no check ran"; f=1
fi
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
