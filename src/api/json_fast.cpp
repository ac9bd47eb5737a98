// parseJsonFast, writeJsonFast (json_fast.hpp).

#include "switchyard/api/json_fast.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "json_scan.hpp"
#include "switchyard/api/json_writer.hpp"

namespace switchyard::api {
namespace {

using nlohmann::json;

// What a validating scan writes its strings to: nothing.
struct NoString {
  NoString& append(const char*, const char*) { return *this; }
  NoString& operator+=(char) { return *this; }
};
// What a validating scan writes its values to: nothing.
struct NoValue {};

template <class Str>
void appendUtf8(Str& s, std::uint32_t cp) {
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xc0 | cp >> 6);
    s += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xe0 | cp >> 12);
    s += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    s += static_cast<char>(0xf0 | cp >> 18);
    s += static_cast<char>(0x80 | (cp >> 12 & 0x3f));
    s += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// kBuild: the values are built (nlohmann::json); otherwise the text is only validated, and the
// spans of the top-level object's members are recorded when `members` is given.
template <bool kBuild>
class Reader {
  using Value = std::conditional_t<kBuild, json, NoValue>;
  using Str = std::conditional_t<kBuild, std::string, NoString>;

 public:
  Reader(std::string_view text, int max_depth, std::vector<JsonMember>* members = nullptr)
      : text_(text),
        p_(text.data()),
        end_(text.data() + text.size()),
        max_depth_(max_depth),
        members_(members) {}

  FastParse run() requires kBuild {
    FastParse out;
    json v;
    if (value(v) && (skipSpace(), p_ == end_)) out.value = std::move(v);
    out.too_deep = too_deep_;
    return out;
  }

  FastIndex index() requires(!kBuild) {
    FastIndex out;
    skipSpace();
    const bool brace = p_ < end_ && *p_ == '{';
    Value v;
    out.valid = value(v) && (skipSpace(), p_ == end_);
    out.object = out.valid && brace;
    out.too_deep = too_deep_;
    return out;
  }

 private:
  std::uint32_t offset(const char* p) const { return static_cast<std::uint32_t>(p - text_.data()); }

  void skipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0)
      return false;
    p_ += word.size();
    return true;
  }

  bool value(Value& out) {
    skipSpace();
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return object(out);
      case '[':
        return array(out);
      case '"': {
        Str s;
        if (!string(s)) return false;
        if constexpr (kBuild) out = std::move(s);
        return true;
      }
      case 't':
        if constexpr (kBuild) out = true;
        return literal("true");
      case 'f':
        if constexpr (kBuild) out = false;
        return literal("false");
      case 'n':
        if constexpr (kBuild) out = nullptr;
        return literal("null");
      default:
        return number(out);
    }
  }

  bool enter() {
    if (++depth_ <= max_depth_) return true;
    too_deep_ = true;
    return false;
  }

  bool object(Value& out) {
    if (!enter()) return false;
    ++p_;  // '{'
    [[maybe_unused]] json::object_t* members = nullptr;
    if constexpr (kBuild) {
      out = json::object();
      members = &out.template get_ref<json::object_t&>();
    }
    const bool record = !kBuild && members_ != nullptr && depth_ == 1;
    skipSpace();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      --depth_;
      return true;
    }
    for (;;) {
      skipSpace();
      if (p_ == end_ || *p_ != '"') return false;
      const char* key_begin = p_ + 1;
      Str key;
      if (!string(key)) return false;
      const char* key_end = p_ - 1;
      skipSpace();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      skipSpace();
      const char* value_begin = p_;
      Value v;
      if (!value(v)) return false;
      if constexpr (kBuild) {
        members->insert_or_assign(std::move(key), std::move(v));  // the last duplicate wins
      } else if (record) {
        members_->push_back({offset(key_begin), offset(key_end), offset(value_begin), offset(p_)});
      }
      skipSpace();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ != '}') return false;
      ++p_;
      --depth_;
      return true;
    }
  }

  bool array(Value& out) {
    if (!enter()) return false;
    ++p_;  // '['
    [[maybe_unused]] json::array_t* items = nullptr;
    if constexpr (kBuild) {
      out = json::array();
      items = &out.template get_ref<json::array_t&>();
    }
    skipSpace();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      --depth_;
      return true;
    }
    for (;;) {
      if constexpr (kBuild) {
        if (!value(items->emplace_back())) return false;
      } else {
        Value v;
        if (!value(v)) return false;
      }
      skipSpace();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ != ']') return false;
      ++p_;
      --depth_;
      return true;
    }
  }

  // At the opening quote; the decoded string into `s`.
  bool string(Str& s) {
    const char* start = ++p_;
    // Plain bytes (no quote, backslash, control byte or non-ASCII) eight at a time.
    for (;;) {
      while (end_ - p_ >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p_, 8);
        if (const std::uint64_t m = careMask(w)) {
          p_ += firstMarked(m);
          break;
        }
        p_ += 8;
      }
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        s.append(start, p_);
        ++p_;
        return true;
      }
      if (c == '\\') {
        s.append(start, p_);
        if (!escape(s)) return false;
        start = p_;
        continue;
      }
      if (c < 0x20) return false;
      if (c >= 0x80) {
        const std::size_t n = utf8Length(text_, static_cast<std::size_t>(p_ - text_.data()));
        if (n == 0) return false;
        p_ += n;
        continue;
      }
      ++p_;
    }
  }

  // At a backslash: the escape decoded onto `s`, p_ past it.
  bool escape(Str& s) {
    if (end_ - p_ < 2) return false;
    const char e = p_[1];
    p_ += 2;
    switch (e) {
      case '"': s += '"'; return true;
      case '\\': s += '\\'; return true;
      case '/': s += '/'; return true;
      case 'b': s += '\b'; return true;
      case 'f': s += '\f'; return true;
      case 'n': s += '\n'; return true;
      case 'r': s += '\r'; return true;
      case 't': s += '\t'; return true;
      case 'u': break;
      default: return false;
    }
    std::uint32_t cp = 0;
    if (!hex4(cp)) return false;
    if (cp >= 0xdc00 && cp <= 0xdfff) return false;  // a low surrogate alone
    if (cp >= 0xd800 && cp <= 0xdbff) {
      std::uint32_t low = 0;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
      p_ += 2;
      if (!hex4(low) || low < 0xdc00 || low > 0xdfff) return false;
      cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    }
    appendUtf8(s, cp);
    return true;
  }
  bool hex4(std::uint32_t& cp) {
    if (end_ - p_ < 4) return false;
    for (int i = 0; i < 4; ++i) {
      const int d = hexDigit(p_[i]);
      if (d < 0) return false;
      cp = cp << 4 | static_cast<std::uint32_t>(d);
    }
    p_ += 4;
    return true;
  }

  bool number(Value& out) {
    const char* start = p_;
    auto digit = [&] { return p_ < end_ && *p_ >= '0' && *p_ <= '9'; };
    const bool negative = p_ < end_ && *p_ == '-';
    if (negative) ++p_;
    if (!digit()) return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (digit()) ++p_;
    }
    bool integral = true;
    if (p_ < end_ && *p_ == '.') {
      integral = false;
      ++p_;
      if (!digit()) return false;
      while (digit()) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digit()) return false;
      while (digit()) ++p_;
    }
    if (integral) {
      if (negative) {
        std::int64_t v = 0;
        if (std::from_chars(start, p_, v).ec == std::errc{}) {
          if constexpr (kBuild) out = v;
          return true;
        }
      } else {
        std::uint64_t v = 0;
        if (std::from_chars(start, p_, v).ec == std::errc{}) {
          if constexpr (kBuild) out = v;
          return true;
        }
      }
      // Too large for 64 bits: a double, as nlohmann keeps it.
    }
    double d = 0;
    auto r = std::from_chars(start, p_, d);
    if (r.ec == std::errc::result_out_of_range) {
      // Too small rounds to zero (or a subnormal); too large is refused, as nlohmann refuses it.
      d = std::strtod(std::string(start, p_).c_str(), nullptr);
      if (!std::isfinite(d)) return false;
    } else if (r.ec != std::errc{}) {
      return false;
    }
    if constexpr (kBuild) out = d;
    return true;
  }

  std::string_view text_;
  const char* p_;
  const char* end_;
  int max_depth_;
  std::vector<JsonMember>* members_;
  int depth_ = 0;
  bool too_deep_ = false;
};

// A double as nlohmann's dump writes it: the shortest digits that read back the same, in fixed
// notation when the decimal exponent allows (".0" added to an integral value), else d.ddde+XX.
void writeDouble(double v, std::string& out) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  if (v == 0) {
    out += std::signbit(v) ? "-0.0" : "0.0";
    return;
  }
  char sci[40];
  const char* end = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific).ptr;
  // sci: [-]d[.ddd]e[+-]XX -> the digits and the decimal exponent.
  const char* p = sci;
  if (*p == '-') {
    out += '-';
    ++p;
  }
  char digits[24];
  int n = 0;
  while (p < end && *p != 'e') {
    if (*p != '.') digits[n++] = *p;
    ++p;
  }
  int exp10 = 0;
  std::from_chars(*(p + 1) == '+' ? p + 2 : p + 1, end, exp10);
  // As Grisu's format: value = 0.d1d2...dn x 10^k10 with k10 = exp10 + 1.
  const int k = exp10 + 1 - n;  // value = digits x 10^k
  const int nk = n + k;         // position of the decimal point
  if (k >= 0 && nk <= 15) {
    out.append(digits, static_cast<std::size_t>(n)).append(static_cast<std::size_t>(k), '0') += ".0";
  } else if (0 < nk && nk <= 15) {
    out.append(digits, static_cast<std::size_t>(nk)) += '.';
    out.append(digits + nk, static_cast<std::size_t>(n - nk));
  } else if (-4 < nk && nk <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-nk), '0').append(digits, static_cast<std::size_t>(n));
  } else {
    out += digits[0];
    if (n > 1) out.append(".", 1).append(digits + 1, static_cast<std::size_t>(n - 1));
    const int e = nk - 1;
    out += e < 0 ? "e-" : "e+";
    const int a = e < 0 ? -e : e;
    if (a < 10) out += '0';
    char buf[8];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, a).ptr);
  }
}

void write(const json& j, std::string& out) {
  switch (j.type()) {
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : j.get_ref<const json::object_t&>()) {
        if (!first) out += ',';
        first = false;
        appendJsonString(out, key);
        out += ':';
        write(value, out);
      }
      out += '}';
      return;
    }
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const json& v : j.get_ref<const json::array_t&>()) {
        if (!first) out += ',';
        first = false;
        write(v, out);
      }
      out += ']';
      return;
    }
    case json::value_t::string:
      appendJsonString(out, j.get_ref<const std::string&>());
      return;
    case json::value_t::boolean:
      out += j.get<bool>() ? "true" : "false";
      return;
    case json::value_t::number_integer: {
      char buf[24];
      out.append(buf, std::to_chars(buf, buf + sizeof buf, j.get<std::int64_t>()).ptr);
      return;
    }
    case json::value_t::number_unsigned: {
      char buf[24];
      out.append(buf, std::to_chars(buf, buf + sizeof buf, j.get<std::uint64_t>()).ptr);
      return;
    }
    case json::value_t::number_float:
      writeDouble(j.get<double>(), out);
      return;
    case json::value_t::null:
      out += "null";
      return;
    default:  // binary, discarded: never in a request or an answer; nlohmann's own form
      out += j.dump(-1, ' ', false, json::error_handler_t::replace);
      return;
  }
}

}  // namespace

FastParse parseJsonFast(std::string_view text, int max_depth) {
  return Reader<true>(text, max_depth).run();
}

FastIndex indexJsonFast(std::string_view text, int max_depth, std::vector<JsonMember>& members) {
  return Reader<false>(text, max_depth, &members).index();
}

void writeJsonFast(const nlohmann::json& j, std::string& out) { write(j, out); }

}  // namespace switchyard::api
