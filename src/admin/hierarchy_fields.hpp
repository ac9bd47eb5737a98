#pragma once
// What the team, user, customer and budget parsers (hierarchy_request.hpp) share. Private to the
// admin module.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "field_readers.hpp"
#include "switchyard/admin/hierarchy_request.hpp"

namespace switchyard::admin::field {

// Reads the fields of one body in `mode`: absent fields are skipped; a null one is skipped
// after clearing it in kUpdate (kCreate leaves the record's default).
class BodyReader {
 public:
  BodyReader(const nlohmann::json& body, BodyMode mode) : body_(body), mode_(mode) {}

  bool updating() const noexcept { return mode_ == BodyMode::kUpdate; }
  bool has(std::string_view name) const { return body_.contains(name); }

  // The value of `name`: nullptr when absent; when null, nullptr after `clear()` (kUpdate).
  template <class Clear>
  const nlohmann::json* field(std::string_view name, Clear clear) const {
    auto it = body_.find(name);
    if (it == body_.end()) return nullptr;
    if (it->is_null()) {
      if (updating()) clear();
      return nullptr;
    }
    return &*it;
  }

  // Reads `name` with `read` into `slot`; null resets `slot` (kUpdate).
  template <class T, class Read>
  api::Result<void> put(std::string_view name, T& slot, Read read) const {
    const nlohmann::json* v = field(name, [&] { slot = T{}; });
    if (v == nullptr) return {};
    auto r = read(*v, std::string(name));
    if (!r) return r.error();
    slot = std::move(*r);
    return {};
  }

 private:
  const nlohmann::json& body_;
  BodyMode mode_;
};

// A budget amount: a non-negative number, with LiteLLM's message for a negative one
// ("max_budget cannot be negative. Received: -1.0").
api::Result<double> readBudgetAmount(const nlohmann::json& v, const std::string& param);

// The id that names a new row (team_id, user_id, budget_id on create): absent or null keep
// `slot` (the caller makes one up); else a non-empty string.
api::Result<void> readNewId(const nlohmann::json& body, std::string_view name, std::string& slot);

// After applyLimits: the end of the budget window when the body gave budget_duration (set:
// keys::nextBudgetReset from now; cleared: none).
void applyWindow(const nlohmann::json& body, const store::Limits& limits, store::UnixMs now_ms,
                 std::optional<store::UnixMs>& reset_at);

// A list of ids: absent, null or empty is `missing`; anything but strings is refused.
api::Result<std::vector<std::string>> readIdList(const nlohmann::json& body, std::string_view name,
                                                 std::string_view missing);

// An optional string field: "" when absent or null.
api::Result<std::string> readOptionalString(const nlohmann::json& body, std::string_view name);

// An integer query parameter in [lo, hi]; `fallback` when absent or empty.
api::Result<std::int64_t> queryInteger(std::string_view target, std::string_view name,
                                       std::int64_t lo, std::int64_t hi, std::int64_t fallback);

}  // namespace switchyard::admin::field
