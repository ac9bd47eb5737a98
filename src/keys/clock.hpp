#pragma once
// The clock readings the keys module takes (private to the module).

#include <chrono>
#include <cstdint>

#include "switchyard/keys/key_entry.hpp"

namespace switchyard::keys {

// Milliseconds since the epoch of `t` (the store's UnixMs).
inline std::int64_t msOf(SysClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// The steady clock in milliseconds (ages and intervals, never wall time).
inline std::int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace switchyard::keys
