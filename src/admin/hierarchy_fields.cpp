// The limits every level of the hierarchy takes, and the helpers the team, user, customer and
// budget parsers share (hierarchy_fields.hpp).

#include "hierarchy_fields.hpp"

#include <charconv>
#include <cmath>
#include <exception>

#include "switchyard/api/query.hpp"

namespace switchyard::admin {
namespace field {
namespace {

using nlohmann::json;

// A double as Python's repr prints a float: "-1.0", "-0.5", "-1e+20".
std::string pythonFloat(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  if (ec != std::errc{}) return std::to_string(d);
  std::string s(buf, end);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

api::Result<double> readBudgetAmount(const json& v, const std::string& param) {
  std::optional<double> d = asNumber(v);
  if (!d) return bad(param, param + " must be a non-negative number");
  if (*d < 0) return bad(param, param + " cannot be negative. Received: " + pythonFloat(*d));
  return *d;
}

api::Result<void> readNewId(const json& body, std::string_view name, std::string& slot) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return {};
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return bad(std::string(name), std::string(name) + " must be a non-empty string");
  }
  slot = it->get<std::string>();
  return {};
}

void applyWindow(const json& body, const store::Limits& limits, store::UnixMs now_ms,
                 std::optional<store::UnixMs>& reset_at) {
  if (!body.contains("budget_duration")) return;
  if (limits.budget_duration.empty()) {
    reset_at.reset();
  } else {
    reset_at = nextResetMs(limits.budget_duration, now_ms);
  }
}

api::Result<std::vector<std::string>> readIdList(const json& body, std::string_view name,
                                                 std::string_view missing) {
  const std::string param(name);
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return bad(param, std::string(missing));
  auto ids = readStringList(*it, param);
  if (!ids) return ids.error();
  if (ids->empty()) return bad(param, std::string(missing));
  for (const std::string& id : *ids) {
    if (id.empty()) return bad(param, param + " must not contain an empty id");
  }
  return ids;
}

api::Result<std::string> readOptionalString(const json& body, std::string_view name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::string();
  return readString(*it, std::string(name));
}

api::Result<std::int64_t> queryInteger(std::string_view target, std::string_view name,
                                       std::int64_t lo, std::int64_t hi, std::int64_t fallback) {
  std::string v = api::queryParam(target, name);
  if (v.empty()) return fallback;
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || end != v.data() + v.size() || n < lo || n > hi) {
    return bad(std::string(name), std::string(name) + " must be an integer from " +
                                      std::to_string(lo) + " to " + std::to_string(hi) + ".");
  }
  return n;
}

}  // namespace field

using nlohmann::json;
using namespace field;

api::Result<void> applyLimits(const json& body, BodyMode mode, store::Limits& limits) {
  if (!body.is_object()) return notAnObject();
  store::Limits next = limits;
  try {
    BodyReader r(body, mode);
    auto max_budget = body.find("max_budget");
    if (max_budget != body.end() && max_budget->is_string() &&
        max_budget->get_ref<const std::string&>().empty()) {
      if (r.updating()) next.max_budget.reset();  // LiteLLM: "" means null
    } else if (auto e = r.put("max_budget", next.max_budget, readBudgetAmount); !e) {
      return e;
    }
    if (auto e = r.put("soft_budget", next.soft_budget, readBudgetAmount); !e) return e;
    if (const json* v = r.field("budget_duration", [&] { next.budget_duration.clear(); })) {
      if (!v->is_string()) return bad("budget_duration", "budget_duration must be a string");
      std::string s = v->get<std::string>();
      if (isNoneText(s)) {
        next.budget_duration.clear();
      } else if (!nextResetMs(s, 0)) {
        return bad("budget_duration", "budget_duration must be " + std::string(kDurationHelp));
      } else {
        next.budget_duration = std::move(s);
      }
    }
    if (auto e = r.put("rpm_limit", next.rpm_limit, readCount); !e) return e;
    if (auto e = r.put("tpm_limit", next.tpm_limit, readCount); !e) return e;
    if (auto e = r.put("max_parallel_requests", next.max_parallel_requests, readCount); !e) {
      return e;
    }
    if (auto e = r.put("model_max_budget", next.model_max_budget, readModelMaxBudget); !e) {
      return e;
    }
    if (auto e = r.put("model_rpm_limit", next.model_rpm_limit, readModelLimits); !e) return e;
    if (auto e = r.put("model_tpm_limit", next.model_tpm_limit, readModelLimits); !e) return e;
  } catch (const std::exception&) {  // nlohmann type errors: a value of an unexpected shape
    return bad("", "the request body has a value of the wrong type");
  }
  limits = std::move(next);
  return {};
}

api::Result<std::string> parseRequiredId(const json& body, std::string_view name,
                                         std::string_view missing) {
  if (!body.is_object()) return notAnObject();
  const std::string param(name);
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    return bad(param, missing.empty() ? param + " is required" : std::string(missing));
  }
  if (!it->is_string()) return bad(param, param + " must be a string");
  if (it->get_ref<const std::string&>().empty()) {
    return bad(param, missing.empty() ? param + " must not be empty" : std::string(missing));
  }
  return it->get<std::string>();
}

}  // namespace switchyard::admin
