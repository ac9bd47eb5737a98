#pragma once
// The field readers the admin request parsers share (key_request, and the team, user, customer
// and budget bodies of hierarchy_request). Private to the admin module.
//
// Every reader returns the value or an api::Error of kind kInvalidRequest whose `param` names
// the field ("max_budget must be a non-negative number").

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/api/error.hpp"
#include "switchyard/store/records.hpp"

namespace switchyard::admin::field {

inline constexpr std::string_view kDurationHelp =
    "a duration such as \"30s\", \"30m\", \"1h\", \"7d\" or \"1mo\"";

// A 400 naming `param` (empty: the body as a whole).
api::Error bad(std::string param, std::string message);
api::Error notAnObject();

// A JSON number usable as a finite double (bool is not a number here).
std::optional<double> asNumber(const nlohmann::json& v);
// A JSON integer, or a float with an integral value, within int64.
std::optional<std::int64_t> asInteger(const nlohmann::json& v);

// "<N><unit>" with unit s, m, h, d, w or mo (LiteLLM's duration units); a bare number has none.
bool hasDurationForm(std::string_view s);
// The text LiteLLM reads as "no duration": "", "none", "null" (any case).
bool isNoneText(std::string_view s);
// now + duration, "Nmo" as N calendar months; nullopt when `text` is not a duration.
std::optional<store::UnixMs> addDuration(store::UnixMs now_ms, const std::string& text);
// The end of the budget window containing `now_ms` (keys::nextBudgetReset), nullopt when
// `duration` is not a duration.
std::optional<store::UnixMs> nextResetMs(const std::string& duration, store::UnixMs now_ms);

api::Result<std::string> readString(const nlohmann::json& v, const std::string& param);
api::Result<std::vector<std::string>> readStringList(const nlohmann::json& v,
                                                     const std::string& param);
api::Result<double> readMoney(const nlohmann::json& v, const std::string& param);
api::Result<std::int64_t> readCount(const nlohmann::json& v, const std::string& param);
api::Result<bool> readBool(const nlohmann::json& v, const std::string& param);
// {"model": "model"}.
api::Result<store::ByModel<std::string>> readAliases(const nlohmann::json& v,
                                                     const std::string& param);
// {"model": <non-negative integer>}.
api::Result<store::ByModel<std::int64_t>> readModelLimits(const nlohmann::json& v,
                                                          const std::string& param);
// {"model": {"budget_limit": n, "time_period": "1d"}}, or the budget-table names
// {"model": {"max_budget": n, "budget_duration": "1d"}}; budget_limit may be a numeric string.
api::Result<store::ByModel<store::ModelBudget>> readModelMaxBudget(const nlohmann::json& v,
                                                                   const std::string& param);

// A `metadata` object with the LiteLLM fields it may carry taken out of it: model_rpm_limit,
// model_tpm_limit and, with `take_tags`, tags. `text` is what is left, serialized.
struct MetadataParts {
  std::string text;
  std::vector<std::string> tags;
  store::ByModel<std::int64_t> model_rpm_limit, model_tpm_limit;
};
api::Result<MetadataParts> splitMetadata(const nlohmann::json& meta, bool take_tags);

}  // namespace switchyard::admin::field
