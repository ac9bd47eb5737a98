#pragma once
// Byte-level helpers shared by the JSON reader and writers of the api module (private to it).

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace switchyard::api {

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

// True when one of the 8 bytes of `w` is below 0x20, a quote, a backslash or not ASCII: the bytes
// the scan must stop at (SWAR: "has less than" and "has byte" on all lanes at once).
inline bool needsCare(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  auto hasZero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  std::uint64_t control = (w - kOnes * 0x20) & ~w & kHigh;
  return (control | hasZero(w ^ (kOnes * '"')) | hasZero(w ^ (kOnes * '\\')) | (w & kHigh)) != 0;
}

}  // namespace switchyard::api
