#pragma once
// Byte-level helpers shared by the JSON reader and writers of the api module (private to it).

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace switchyard::api {

// The value of a hex digit, or -1.
inline int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
inline std::size_t utf8Length(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  std::size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
  if (n == 0 || c > 0xf4 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  // Overlong, surrogate and out-of-range forms.
  if (c == 0xe0 && b(i + 1) < 0xa0) return 0;
  if (c == 0xed && b(i + 1) >= 0xa0) return 0;
  if (c == 0xf0 && b(i + 1) < 0x90) return 0;
  if (c == 0xf4 && b(i + 1) >= 0x90) return 0;
  return n;
}

// Eight bytes loaded with memcpy: byte 0 in the low bits.
static_assert(std::endian::native == std::endian::little, "the SWAR scans assume little-endian");

inline constexpr std::uint64_t kSwarOnes = 0x0101010101010101ull;
inline constexpr std::uint64_t kSwarHigh = 0x8080808080808080ull;
// The high bit of each zero byte of `v` (above the first zero byte, borrows may mark more).
inline std::uint64_t zeroBytes(std::uint64_t v) { return (v - kSwarOnes) & ~v & kSwarHigh; }

// Marks the bytes of `w` below 0x20, quotes, backslashes and non-ASCII bytes: those a scan must
// stop at (SWAR: "has less than" and "has byte" on all lanes at once). 0 when there is none;
// otherwise its lowest set bit is in the first such byte (firstMarked).
inline std::uint64_t careMask(std::uint64_t w) {
  std::uint64_t control = (w - kSwarOnes * 0x20) & ~w & kSwarHigh;
  return control | zeroBytes(w ^ (kSwarOnes * '"')) | zeroBytes(w ^ (kSwarOnes * '\\')) |
         (w & kSwarHigh);
}
inline bool needsCare(std::uint64_t w) { return careMask(w) != 0; }
// Marks the quotes and backslashes of `w`, as careMask.
inline std::uint64_t quoteMask(std::uint64_t w) {
  return zeroBytes(w ^ (kSwarOnes * '"')) | zeroBytes(w ^ (kSwarOnes * '\\'));
}
// The index (0..7) of the first byte a nonzero mask marks.
inline std::size_t firstMarked(std::uint64_t mask) {
  return static_cast<std::size_t>(std::countr_zero(mask)) / 8;
}

}  // namespace switchyard::api
