// JsonWriter (json_writer.hpp).

#include "switchyard/api/json_writer.hpp"

#include "json_scan.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <cmath>

namespace switchyard::api {

std::string_view validUtf8(std::string_view s, std::string& scratch) {
  std::size_t i = 0;
  auto ascii8 = [&](std::size_t at) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + at, 8);
    return (w & 0x8080808080808080ull) == 0;
  };
  while (i < s.size()) {  // the common case: nothing to replace
    if (i + 8 <= s.size() && ascii8(i)) {
      i += 8;
      continue;
    }
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = utf8Length(s, i);
    if (n == 0) break;
    i += n;
  }
  if (i >= s.size()) return s;
  scratch.assign(s.data(), i);
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : utf8Length(s, i);
    if (n == 0) {
      scratch += "\xef\xbf\xbd";
      ++i;
    } else {
      scratch.append(s.data() + i, n);
      i += n;
    }
  }
  return scratch;
}

char* writeJsonString(char* p, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  *p++ = '"';
  std::size_t run = 0;  // start of the bytes that need no change, copied in one go
  std::size_t i = 0;
  auto flush = [&](std::size_t upto) {
    std::memcpy(p, s.data() + run, upto - run);
    p += upto - run;
  };
  while (i < s.size()) {
    // Eight plain bytes at a time (most of what is written is plain ASCII).
    if (i + 8 <= s.size()) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      const std::uint64_t m = careMask(w);
      if (m == 0) {
        i += 8;
        continue;
      }
      i += firstMarked(m);
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      std::size_t n = utf8Length(s, i);
      if (n > 0) {
        i += n;
        continue;
      }
    }
    flush(i);
    auto put = [&](std::string_view e) {
      std::memcpy(p, e.data(), e.size());
      p += e.size();
    };
    switch (c) {
      case '"': put("\\\""); break;
      case '\\': put("\\\\"); break;
      case '\n': put("\\n"); break;
      case '\r': put("\\r"); break;
      case '\t': put("\\t"); break;
      default:
        if (c < 0x20) {
          put("\\u00");
          *p++ = kHex[c >> 4];
          *p++ = kHex[c & 0xf];
        } else {
          put("\xef\xbf\xbd");  // U+FFFD for a byte that starts no valid sequence
        }
    }
    run = ++i;
  }
  flush(s.size());
  *p++ = '"';
  return p;
}

char* writeFixed(char* p, double v, int decimals) {
  static constexpr std::uint64_t kPow10[] = {1,         10,         100,         1000,
                                             10000,     100000,     1000000,     10000000,
                                             100000000, 1000000000, 10000000000, 100000000000,
                                             1000000000000};
  if (!std::isfinite(v)) {
    std::memcpy(p, "null", 4);
    return p + 4;
  }
  decimals = std::clamp(decimals, 0, 12);
  const double scaled = std::fabs(v) * static_cast<double>(kPow10[decimals]);
  if (scaled >= 9.0e18) return std::to_chars(p, p + 40, v).ptr;
  const auto units = static_cast<std::uint64_t>(scaled + 0.5);
  if (v < 0 && units != 0) *p++ = '-';
  p = std::to_chars(p, p + 24, units / kPow10[decimals]).ptr;
  std::uint64_t frac = units % kPow10[decimals];
  if (frac == 0) return p;
  int digits = decimals;
  while (frac % 10 == 0) {
    frac /= 10;
    --digits;
  }
  *p++ = '.';
  for (int i = digits - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  return p + digits;
}

void appendJsonString(std::string& out, std::string_view s) {
  const std::size_t at = out.size();
  out.resize(at + jsonStringBound(s.size()));
  char* end = writeJsonString(out.data() + at, s);
  out.resize(static_cast<std::size_t>(end - out.data()));
}

JsonWriter::JsonWriter(std::string& out) : out_(out) {
  const std::size_t used = out.size();
  out.resize(std::max(out.capacity(), used + 64));
  p_ = out.data() + used;
  end_ = out.data() + out.size();
}

void JsonWriter::finish() {
  const auto used = static_cast<std::size_t>(p_ - out_.data());
  out_.resize(used);
  p_ = end_ = out_.data() + used;  // a further write grows the string again
}

void JsonWriter::grow(std::size_t n) {
  const std::size_t used = static_cast<std::size_t>(p_ - out_.data());
  out_.resize(std::max(used + n, out_.size() * 2));
  p_ = out_.data() + used;
  end_ = out_.data() + out_.size();
}

JsonWriter& JsonWriter::open(char c) {
  need(1);
  separate();
  *p_++ = c;
  if (depth_ < 64) {
    ++depth_;
    has_items_ &= ~(std::uint64_t{1} << (depth_ - 1));
  }
  return *this;
}

JsonWriter& JsonWriter::close(char c) {
  need(1);
  *p_++ = c;
  if (depth_ > 0) --depth_;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  need(k.size() + 3);
  separate();
  *p_++ = '"';
  std::memcpy(p_, k.data(), k.size());
  p_ += k.size();
  *p_++ = '"';
  *p_++ = ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  need(jsonStringBound(s.size()));
  separate();
  p_ = writeJsonString(p_, s);
  return *this;
}

template <class Number>
JsonWriter& JsonWriter::number(Number v) {
  need(32);
  separate();
  p_ = std::to_chars(p_, p_ + 32, v).ptr;
  return *this;
}

JsonWriter& JsonWriter::value(double d) { return std::isfinite(d) ? number(d) : null(); }
JsonWriter& JsonWriter::value(std::int64_t v) { return number(v); }
JsonWriter& JsonWriter::value(std::uint64_t v) { return number(v); }

JsonWriter& JsonWriter::value(bool b) {
  need(5);
  separate();
  const std::string_view t = b ? "true" : "false";
  std::memcpy(p_, t.data(), t.size());
  p_ += t.size();
  return *this;
}

JsonWriter& JsonWriter::fixed(double d, int decimals) {
  need(40);
  separate();
  p_ = writeFixed(p_, d, decimals);
  return *this;
}

JsonWriter& JsonWriter::null() {
  need(4);
  separate();
  std::memcpy(p_, "null", 4);
  p_ += 4;
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  need(json.size());
  separate();
  std::memcpy(p_, json.data(), json.size());
  p_ += json.size();
  return *this;
}

}  // namespace switchyard::api
