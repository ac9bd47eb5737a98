// parseDurationSeconds: LiteLLM's duration strings ("30s", "5m", "1mo") -> seconds.

#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "switchyard/config/config.hpp"

namespace switchyard::config {
namespace {

struct Unit {
  std::string_view suffix;
  double seconds;
};

// Longer suffixes first: "mo" and "ms" must win over "m" and "s".
constexpr Unit kUnits[] = {
    {"mo", 30.0 * 86400}, {"ms", 0.001}, {"s", 1},         {"m", 60},
    {"h", 3600},          {"d", 86400},  {"w", 7 * 86400},
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<double> parseDurationSeconds(const std::string& text) {
  std::string_view s = trim(text);
  double scale = 1;
  for (const Unit& unit : kUnits) {
    if (s.size() > unit.suffix.size() && s.ends_with(unit.suffix)) {
      s.remove_suffix(unit.suffix.size());
      scale = unit.seconds;
      break;
    }
  }
  // A plain non-negative decimal: no sign, no hex, no inner spaces, nothing after the number.
  if (s.empty() || !((s.front() >= '0' && s.front() <= '9') || s.front() == '.')) {
    return std::nullopt;
  }
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  double seconds = value * scale;
  if (!std::isfinite(seconds)) return std::nullopt;
  return seconds;
}

}  // namespace switchyard::config
