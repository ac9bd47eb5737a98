#include "scalars.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace switchyard::config {
namespace {

// `s` without '_' separators; nullopt when one is not between two digits of the given base.
std::optional<std::string> withoutSeparators(std::string_view s, int base) {
  auto digit = [base](char c) {
    if (base == 16) return std::isxdigit(static_cast<unsigned char>(c)) != 0;
    return c >= '0' && c < static_cast<char>('0' + std::min(base, 10));
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '_') {
      out += s[i];
      continue;
    }
    if (i == 0 || i + 1 == s.size() || !digit(s[i - 1]) || !(digit(s[i + 1]) || s[i + 1] == '_'))
      return std::nullopt;
  }
  return out;
}

IntParse digits(std::string_view s, int base, bool negative, std::int64_t& out) {
  if (s.empty()) return IntParse::kMalformed;
  std::optional<std::string> clean = withoutSeparators(s, base);
  if (!clean || clean->empty()) return IntParse::kMalformed;
  std::uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(clean->data(), clean->data() + clean->size(), magnitude, base);
  if (ec == std::errc::result_out_of_range) return IntParse::kOutOfRange;
  if (ec != std::errc{} || end != clean->data() + clean->size()) return IntParse::kMalformed;
  constexpr std::uint64_t kMax = static_cast<std::uint64_t>(INT64_MAX);
  if (magnitude > kMax + (negative ? 1 : 0)) return IntParse::kOutOfRange;
  out = negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
  return IntParse::kOk;
}

bool startsWithNoCase(std::string_view s, std::string_view p) {
  if (s.size() < p.size()) return false;
  for (std::size_t i = 0; i < p.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != p[i]) return false;
  return true;
}

}  // namespace

IntParse parseYamlInt(std::string_view t, bool quoted, std::int64_t& out) noexcept {
  bool negative = false;
  if (!t.empty() && (t.front() == '+' || t.front() == '-')) {
    negative = t.front() == '-';
    t.remove_prefix(1);
  }
  if (t.empty() || !std::isdigit(static_cast<unsigned char>(t.front())))
    return IntParse::kMalformed;
  if (quoted) return digits(t, 10, negative, out);
  IntParse r = IntParse::kMalformed;
  if (startsWithNoCase(t, "0x")) {
    r = digits(t.substr(2), 16, negative, out);
  } else if (startsWithNoCase(t, "0o")) {
    r = digits(t.substr(2), 8, negative, out);
  } else if (startsWithNoCase(t, "0b")) {
    r = digits(t.substr(2), 2, negative, out);
  } else if (t.size() > 1 && t.front() == '0') {
    r = digits(t.substr(1), 8, negative, out);
  }
  // Not a YAML 1.1 integer (or plain decimal): PyYAML leaves it a string, and Python's int() reads
  // "08" as 8.
  return r == IntParse::kMalformed ? digits(t, 10, negative, out) : r;
}

std::optional<double> parseYamlNumber(std::string_view t, bool quoted) noexcept {
  std::int64_t i = 0;
  if (parseYamlInt(t, quoted, i) == IntParse::kOk) return static_cast<double>(i);
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  std::optional<std::string> clean = withoutSeparators(t, 10);
  if (!clean || clean->empty()) return std::nullopt;
  char c = clean->front();
  if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-')) return std::nullopt;
  double x = 0;
  auto [end, ec] = std::from_chars(clean->data(), clean->data() + clean->size(), x);
  if (ec != std::errc{} || end != clean->data() + clean->size() || !std::isfinite(x))
    return std::nullopt;
  return x;
}

std::optional<bool> parseYamlBool(std::string_view t) noexcept {
  std::string s;
  for (char c : t) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == "true" || s == "yes" || s == "on" || s == "y") return true;
  if (s == "false" || s == "no" || s == "off" || s == "n") return false;
  return std::nullopt;
}

}  // namespace switchyard::config
