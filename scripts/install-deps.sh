#!/usr/bin/env bash
# Installs what Switchyard needs to build and test on Debian 12, idempotently.
# Boost comes as libboost1.81-dev by name (libboost-dev would pull 1.74).
set -euo pipefail
pkgs=(build-essential cmake ninja-build ccache pkg-config libboost1.81-dev nlohmann-json3-dev
      libyaml-cpp-dev libspdlog-dev libfmt-dev libssl-dev libmimalloc-dev libgtest-dev libgmock-dev libsqlite3-dev sqlite3 openssl
      redis-server prometheus libpq-dev postgresql python3-yaml
      clang-14 libclang-rt-14-dev curl ca-certificates nodejs npm)
# kubectl renders deploy/k8s for the deploy_files test: Debian's (1.20) unless one is installed.
command -v kubectl >/dev/null || pkgs+=(kubernetes-client)
# A compose tool normalizes docker/compose.yaml for that test (`config` needs no Docker engine).
{ docker compose version || command -v docker-compose || command -v podman-compose; } >/dev/null 2>&1 \
  || pkgs+=(docker-compose)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node and npm may come from outside Debian's packages (as on the CI image): keep them.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
filtered=(); for p in "${missing[@]}"; do [ -n "$p" ] && filtered+=("$p"); done
if [ ${#filtered[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${filtered[@]}"
fi
