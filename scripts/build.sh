#!/usr/bin/env bash
# Builds the gateway and its tests.
#   scripts/build.sh release   -> build/        (RelWithDebInfo, line tables only: -g1)
#   scripts/build.sh asan      -> build-asan/   (clang: AddressSanitizer + UndefinedBehaviorSanitizer,
#                                                the tests and the libFuzzer targets of fuzz/)
#   scripts/build.sh fuzz      -> build-asan/   (the same build: `fuzz` is kept as a name for it)
#   scripts/build.sh tsan      -> build-tsan/   (ThreadSanitizer)
#   scripts/build.sh release switchyard   -> only the gateway binary
# Full -g costs a third of the compile time of template-heavy code; line tables (-g1) keep file:line
# in backtraces, sanitizer reports and perf, which is what these builds are read with.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:-release}
jobs=${JOBS:-$(nproc)}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# Paths relative to the checkout, so that a fresh clone elsewhere (CI) hits the same cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
# Precompiled headers (SWITCHYARD_PCH) are cached too: ccache needs these to hash them.
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
case "$kind" in
  release) dir="$root/build"; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG") ;;
  asan|fuzz) dir="$root/build-asan"; flags=(-DCMAKE_BUILD_TYPE=Debug -DSWITCHYARD_FUZZ=ON "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1"
                                            -DCMAKE_CXX_COMPILER=clang++-14) ;;
  tsan) dir="$root/build-tsan"; flags=(-DCMAKE_BUILD_TYPE=Debug -DSWITCHYARD_TSAN=ON "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1") ;;
  *) echo "usage: scripts/build.sh release|asan|tsan|fuzz [target]" >&2; exit 2 ;;
esac
cmake -S "$root" -B "$dir" -G Ninja "${flags[@]}" >/dev/null
cmake --build "$dir" -j "$jobs" ${2:+--target "$2"}
