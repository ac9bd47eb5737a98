// The shared field readers of the admin request parsers (field_readers.hpp), as key_request
// first had them.

#include "field_readers.hpp"

#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <utility>

#include "switchyard/api/json_guard.hpp"
#include "switchyard/config/config.hpp"
#include "switchyard/keys/budget_window.hpp"

namespace switchyard::admin::field {
namespace {

using nlohmann::json;
using namespace std::chrono;

constexpr int kMaxMonths = 12000;  // "Nmo" beyond a thousand years is not an expiry

}  // namespace

api::Error bad(std::string param, std::string message) {
  api::Error e{api::ErrorKind::kInvalidRequest, std::move(message)};
  e.param = std::move(param);
  return e;
}

api::Error notAnObject() { return bad("", "the request body must be a JSON object"); }

std::optional<double> asNumber(const json& v) {
  if (!v.is_number()) return std::nullopt;
  double d = v.get<double>();
  if (!std::isfinite(d)) return std::nullopt;
  return d;
}

std::optional<std::int64_t> asInteger(const json& v) {
  if (v.is_number_integer() && !v.is_number_unsigned()) return v.get<std::int64_t>();
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    // 2^63 is exactly representable; anything at or above it does not fit.
    if (!std::isfinite(d) || std::trunc(d) != d || d >= 9223372036854775808.0 ||
        d < -9223372036854775808.0) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

bool hasDurationForm(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == 0 || i > 9) return false;
  std::string_view unit = s.substr(i);
  return unit == "s" || unit == "m" || unit == "h" || unit == "d" || unit == "w" || unit == "mo";
}

bool isNoneText(std::string_view s) {
  if (s.empty()) return true;
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "none" || lower == "null";
}

// "Nmo" is N calendar months (same day, clamped to the month's end) as LiteLLM's
// duration_in_seconds computes it; the other units are fixed lengths.
std::optional<store::UnixMs> addDuration(store::UnixMs now_ms, const std::string& text) {
  if (!hasDurationForm(text)) return std::nullopt;
  if (text.ends_with("mo")) {
    int n = std::stoi(text.substr(0, text.size() - 2));
    if (n > kMaxMonths) return std::nullopt;
    sys_time<milliseconds> now{milliseconds(now_ms)};
    sys_days today = floor<days>(now);
    year_month_day ymd(today);
    year_month ym = year_month(ymd.year(), ymd.month()) + months(n);
    day last = year_month_day_last(ym.year(), month_day_last(ym.month())).day();
    day d = ymd.day() > last ? last : ymd.day();
    sys_days target = sys_days(ym / d);
    return now_ms + duration_cast<milliseconds>(target - today).count();
  }
  std::optional<double> s = config::parseDurationSeconds(text);
  if (!s) return std::nullopt;
  return now_ms + static_cast<store::UnixMs>(std::llround(*s * 1000));
}

std::optional<store::UnixMs> nextResetMs(const std::string& duration, store::UnixMs now_ms) {
  if (!hasDurationForm(duration)) return std::nullopt;
  auto reset =
      keys::nextBudgetReset(duration, floor<seconds>(sys_time<milliseconds>(milliseconds(now_ms))));
  if (!reset) return std::nullopt;
  return duration_cast<milliseconds>(reset->time_since_epoch()).count();
}

api::Result<std::string> readString(const json& v, const std::string& param) {
  if (!v.is_string()) return bad(param, param + " must be a string");
  return v.get<std::string>();
}

api::Result<std::vector<std::string>> readStringList(const json& v, const std::string& param) {
  if (!v.is_array()) return bad(param, param + " must be a list of strings");
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const json& item : v) {
    if (!item.is_string()) return bad(param, param + " must be a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

api::Result<double> readMoney(const json& v, const std::string& param) {
  std::optional<double> d = asNumber(v);
  if (!d || *d < 0) return bad(param, param + " must be a non-negative number");
  return *d;
}

api::Result<std::int64_t> readCount(const json& v, const std::string& param) {
  std::optional<std::int64_t> n = asInteger(v);
  if (!n || *n < 0) return bad(param, param + " must be a non-negative integer");
  return *n;
}

api::Result<bool> readBool(const json& v, const std::string& param) {
  if (!v.is_boolean()) return bad(param, param + " must be true or false");
  return v.get<bool>();
}

api::Result<store::ByModel<std::string>> readAliases(const json& v, const std::string& param) {
  const std::string what = param + " must be an object of model names to model names";
  if (!v.is_object()) return bad(param, what);
  store::ByModel<std::string> out;
  for (const auto& [from, to] : v.items()) {
    if (!to.is_string()) return bad(param, what);
    out[from] = to.get<std::string>();
  }
  return out;
}

api::Result<store::ByModel<std::int64_t>> readModelLimits(const json& v, const std::string& param) {
  const std::string what = param + " must be an object of model names to non-negative integers";
  if (!v.is_object()) return bad(param, what);
  store::ByModel<std::int64_t> out;
  for (const auto& [model, limit] : v.items()) {
    std::optional<std::int64_t> n = asInteger(limit);
    if (!n || *n < 0) return bad(param, what);
    out[model] = *n;
  }
  return out;
}

// LiteLLM's BudgetConfig takes budget_limit or max_budget, time_period or budget_duration, and a
// budget_limit given as a numeric string. A bare number per model is refused, as LiteLLM's
// validate_model_max_budget refuses it.
api::Result<store::ByModel<store::ModelBudget>> readModelMaxBudget(const json& v,
                                                                   const std::string& param) {
  const std::string what =
      "model_max_budget must be an object of model names to "
      "{\"budget_limit\": <non-negative number>, \"time_period\": <duration>}";
  if (!v.is_object()) return bad(param, what);
  store::ByModel<store::ModelBudget> out;
  for (const auto& [model, entry] : v.items()) {
    if (!entry.is_object()) return bad(param, what);
    const json* limit = nullptr;
    if (auto it = entry.find("budget_limit"); it != entry.end()) limit = &*it;
    if (limit == nullptr) {
      if (auto it = entry.find("max_budget"); it != entry.end()) limit = &*it;
    }
    if (limit == nullptr) return bad(param, what);
    std::optional<double> amount = asNumber(*limit);
    if (!amount && limit->is_string()) {  // LiteLLM float()s a string budget_limit
      const std::string& s = limit->get_ref<const std::string&>();
      double d = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
      if (!s.empty() && ec == std::errc{} && end == s.data() + s.size() && std::isfinite(d)) {
        amount = d;
      }
    }
    if (!amount || *amount < 0) return bad(param, what);
    store::ModelBudget budget;
    budget.budget_limit = *amount;
    const json* period = nullptr;
    if (auto it = entry.find("time_period"); it != entry.end()) period = &*it;
    if (period == nullptr) {
      if (auto it = entry.find("budget_duration"); it != entry.end()) period = &*it;
    }
    if (period != nullptr && !period->is_null()) {
      if (!period->is_string()) return bad(param, what);
      std::string p = period->get<std::string>();
      if (!isNoneText(p)) {
        if (!keys::nextBudgetReset(p, keys::SysSeconds{})) {
          return bad(param, "model_max_budget." + model + ".time_period must be " +
                                std::string(kDurationHelp));
        }
        budget.time_period = std::move(p);
      }
    }
    out[model] = std::move(budget);
  }
  return out;
}

api::Result<MetadataParts> splitMetadata(const json& meta_in, bool take_tags) {
  if (!meta_in.is_object()) return bad("metadata", "metadata must be an object");
  json meta = meta_in;
  MetadataParts parts;
  if (take_tags) {
    if (auto it = meta.find("tags"); it != meta.end() && !it->is_null()) {
      auto r = readStringList(*it, "metadata.tags");
      if (!r) return r.error();
      parts.tags = std::move(*r);
    }
  }
  if (auto it = meta.find("model_rpm_limit"); it != meta.end() && !it->is_null()) {
    auto r = readModelLimits(*it, "metadata.model_rpm_limit");
    if (!r) return r.error();
    parts.model_rpm_limit = std::move(*r);
  }
  if (auto it = meta.find("model_tpm_limit"); it != meta.end() && !it->is_null()) {
    auto r = readModelLimits(*it, "metadata.model_tpm_limit");
    if (!r) return r.error();
    parts.model_tpm_limit = std::move(*r);
  }
  if (take_tags) meta.erase("tags");
  meta.erase("model_rpm_limit");
  meta.erase("model_tpm_limit");
  parts.text = api::dumpJson(meta);
  return parts;
}

}  // namespace switchyard::admin::field
