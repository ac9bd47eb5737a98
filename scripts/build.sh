#!/usr/bin/env bash
# Builds the gateway and its tests.
#   scripts/build.sh release   -> build/        (RelWithDebInfo)
#   scripts/build.sh asan      -> build-asan/   (AddressSanitizer + UndefinedBehaviorSanitizer)
#   scripts/build.sh tsan      -> build-tsan/   (ThreadSanitizer)
#   scripts/build.sh fuzz      -> build-fuzz/   (clang: libFuzzer targets of fuzz/, ASan + UBSan)
#   scripts/build.sh release switchyard   -> only the gateway binary
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:-release}
jobs=${JOBS:-$(nproc)}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# Paths relative to the checkout, so that a fresh clone elsewhere (CI) hits the same cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
case "$kind" in
  release) dir="$root/build"; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) dir="$root/build-asan"; flags=(-DCMAKE_BUILD_TYPE=Debug -DSWITCHYARD_SANITIZE=ON "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g") ;;
  tsan) dir="$root/build-tsan"; flags=(-DCMAKE_BUILD_TYPE=Debug -DSWITCHYARD_TSAN=ON "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1") ;;
  fuzz) dir="$root/build-fuzz"; flags=(-DCMAKE_BUILD_TYPE=Debug -DSWITCHYARD_FUZZ=ON "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1"
                                       -DCMAKE_CXX_COMPILER=clang++-14) ;;
  *) echo "usage: scripts/build.sh release|asan|tsan|fuzz [target]" >&2; exit 2 ;;
esac
cmake -S "$root" -B "$dir" -G Ninja "${flags[@]}" >/dev/null
cmake --build "$dir" -j "$jobs" ${2:+--target "$2"}
