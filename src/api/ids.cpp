#include "switchyard/api/ids.hpp"

#include <chrono>
#include <cstdint>
#include <random>

namespace switchyard::api {

std::string newUuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  // RFC 9562 version 7: 48-bit Unix milliseconds, then random bits. Ids made later sort later,
  // so the spend log's request_id index grows at its end instead of at random pages.
  const auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::uint64_t hi = (ms << 16) | (rng() & 0x0fffULL) | 0x7000ULL;     // version 7
  std::uint64_t lo = (rng() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  int pos = 0;
  auto put = [&](std::uint64_t v, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
      out[pos++] = kHex[(v >> (i * 4)) & 0xf];
    }
  };
  put(hi, 16);
  put(lo, 16);
  return out;
}

}  // namespace switchyard::api
