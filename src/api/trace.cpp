// TraceContext (trace.hpp).

#include "switchyard/api/trace.hpp"

#include <algorithm>
#include <random>

namespace switchyard::api {
namespace {

int hexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is not allowed by the spec
}

// Reads exactly `n` bytes of lower-case hex from `s`.
bool readHex(std::string_view s, std::uint8_t* out, std::size_t n) noexcept {
  if (s.size() != 2 * n) return false;
  for (std::size_t i = 0; i < n; ++i) {
    int hi = hexValue(s[2 * i]), lo = hexValue(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

template <std::size_t N>
bool allZero(const std::array<std::uint8_t, N>& a) noexcept {
  return std::all_of(a.begin(), a.end(), [](std::uint8_t b) { return b == 0; });
}

// Random ids from a per-thread generator seeded by the OS (ids are not secrets).
template <std::size_t N>
std::array<std::uint8_t, N> randomId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::array<std::uint8_t, N> id{};
  do {
    for (std::size_t i = 0; i < N; i += 8) {
      std::uint64_t v = rng();
      for (std::size_t j = 0; j < 8 && i + j < N; ++j) id[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
    }
  } while (allZero(id));
  return id;
}

}  // namespace

std::optional<TraceParent> parseTraceParent(std::string_view v) noexcept {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55 characters.
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return std::nullopt;
  std::uint8_t version = 0;
  if (!readHex(v.substr(0, 2), &version, 1) || version == 0xff) return std::nullopt;
  if (version == 0 && v.size() != 55) return std::nullopt;
  if (v.size() > 55 && v[55] != '-') return std::nullopt;
  TraceParent p;
  if (!readHex(v.substr(3, 32), p.trace_id.data(), 16) ||
      !readHex(v.substr(36, 16), p.parent_id.data(), 8) || !readHex(v.substr(53, 2), &p.flags, 1)) {
    return std::nullopt;
  }
  if (allZero(p.trace_id) || allZero(p.parent_id)) return std::nullopt;
  return p;
}

bool sampledByRatio(const TraceId& id, double ratio) noexcept {
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  std::uint64_t low = 0;
  for (std::size_t i = 8; i < 16; ++i) low = low << 8 | id[i];
  return static_cast<double>(low) < ratio * 18446744073709551616.0;
}

std::string toHex(const std::uint8_t* bytes, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xf];
  }
  return out;
}

TraceContext TraceContext::start(const std::optional<TraceParent>& parent,
                                 std::string_view tracestate) {
  TraceContext t;
  if (parent) {
    t.trace_id = parent->trace_id;
    t.parent_id = parent->parent_id;
    // tracestate is at most 32 list members of 256 bytes (512 bytes are kept, as the spec allows
    // a vendor to truncate); dropped when longer rather than cut inside a member.
    if (tracestate.size() <= 512 && tracestate.find_first_of("\r\n") == std::string_view::npos)
      t.tracestate = std::string(tracestate);
  } else {
    t.trace_id = randomId<16>();
  }
  t.span_id = randomId<8>();
  return t;
}

TraceContext::Attempt& TraceContext::beginAttempt() {
  Attempt& a = attempts.emplace_back();
  a.span_id = randomId<8>();
  a.start = std::chrono::steady_clock::now();
  return a;
}

std::string TraceContext::traceparent() const {
  const SpanId& parent = attempts.empty() ? span_id : attempts.back().span_id;
  std::string out = "00-";
  out += toHex(trace_id.data(), trace_id.size());
  out += '-';
  out += toHex(parent.data(), parent.size());
  out += "-01";
  return out;
}

}  // namespace switchyard::api
