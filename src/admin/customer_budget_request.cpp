// The bodies of LiteLLM's /customer/* and /budget/* routes (admin/hierarchy_request.hpp). From
// LiteLLM's customer_endpoints.py, budget_management_endpoints.py and proxy/_types.py
// (NewCustomerRequest, UpdateCustomerRequest, DeleteCustomerRequest, BudgetNewRequest,
// BudgetRequest, BudgetDeleteRequest).
//
// Unlike LiteLLM, whose /customer/update drops every value equal to 0 (so "blocked": false
// cannot unblock), every field given is applied.

#include <exception>
#include <utility>

#include "hierarchy_fields.hpp"
#include "switchyard/admin/key_request.hpp"

namespace switchyard::admin {
namespace {

using nlohmann::json;
using namespace field;

api::Result<std::string> readRegion(const json& v, const std::string& param) {
  if (v.is_string() && (v == "eu" || v == "us")) return v.get<std::string>();
  return bad(param, param + " must be \"eu\" or \"us\"");
}

bool hasValue(const json& body, std::string_view name) {
  auto it = body.find(name);
  return it != body.end() && !it->is_null();
}

api::Result<void> applyCustomer(const json& body, BodyMode mode, store::UnixMs now_ms,
                                store::CustomerRow& row) {
  BodyReader r(body, mode);
  if (!r.updating()) {
    auto id = parseRequiredId(body, "user_id");
    if (!id) return id.error();
    row.user_id = std::move(*id);
    if (hasValue(body, "max_budget") && hasValue(body, "budget_id")) {
      return bad("max_budget", "Set either 'max_budget' or 'budget_id', not both.");
    }
    if (auto it = body.find("spend"); it != body.end() && !it->is_null()) {
      auto spend = readMoney(*it, "spend");
      if (!spend) return spend.error();
      row.spend.spend = *spend;
    }
  }
  if (auto e = r.put("alias", row.alias, readString); !e) return e;
  if (auto e = r.put("blocked", row.blocked, readBool); !e) return e;
  if (auto e = r.put("allowed_model_region", row.allowed_model_region, readRegion); !e) return e;
  if (auto e = r.put("default_model", row.default_model, readString); !e) return e;
  if (auto e = r.put("budget_id", row.budget_id, readString); !e) return e;
  if (auto e = applyLimits(body, mode, row.limits); !e) return e;
  applyWindow(body, row.limits, now_ms, row.spend.budget_reset_at);
  return {};
}

api::Result<std::optional<store::UnixMs>> readResetAt(const json& v, const std::string& param) {
  if (v.is_string()) {
    if (auto t = parseIsoTime(v.get_ref<const std::string&>())) {
      return std::optional<store::UnixMs>(*t);
    }
  }
  return bad(param, param + " must be an ISO-8601 time or null");
}

api::Result<void> applyBudget(const json& body, BodyMode mode, store::UnixMs now_ms,
                              store::BudgetRow& row) {
  BodyReader r(body, mode);
  if (!r.updating()) {
    if (auto e = readNewId(body, "budget_id", row.budget_id); !e) return e;
  }
  if (auto e = applyLimits(body, mode, row.limits); !e) return e;
  if (auto e = r.put("budget_reset_at", row.budget_reset_at, readResetAt); !e) return e;
  // LiteLLM's /budget/new: no budget_reset_at given, a budget_duration given -> now + duration.
  // Switchyard does the same on /budget/update, and a cleared duration clears the time.
  if (body.contains("budget_duration") && !hasValue(body, "budget_reset_at")) {
    if (row.limits.budget_duration.empty()) {
      row.budget_reset_at.reset();
    } else {
      row.budget_reset_at = addDuration(now_ms, row.limits.budget_duration);
    }
  }
  return {};
}

}  // namespace

api::Result<void> applyCustomerFields(const json& body, BodyMode mode, store::UnixMs now_ms,
                                      store::CustomerRow& row) {
  if (!body.is_object()) return notAnObject();
  store::CustomerRow next = row;  // a failure leaves `row` as it was
  try {
    if (auto e = applyCustomer(body, mode, now_ms, next); !e) return e;
  } catch (const std::exception&) {  // nlohmann type errors: a value of an unexpected shape
    return bad("", "the request body has a value of the wrong type");
  }
  row = std::move(next);
  return {};
}

api::Result<std::vector<std::string>> parseCustomerIds(const json& body) {
  if (!body.is_object()) return notAnObject();
  return readIdList(body, "user_ids", "user_ids is required: a non-empty list of customer ids");
}

api::Result<void> applyBudgetFields(const json& body, BodyMode mode, store::UnixMs now_ms,
                                    store::BudgetRow& row) {
  if (!body.is_object()) return notAnObject();
  store::BudgetRow next = row;  // a failure leaves `row` as it was
  try {
    if (auto e = applyBudget(body, mode, now_ms, next); !e) return e;
  } catch (const std::exception&) {  // nlohmann type errors: a value of an unexpected shape
    return bad("", "the request body has a value of the wrong type");
  }
  row = std::move(next);
  return {};
}

api::Result<std::vector<std::string>> parseBudgetIds(const json& body) {
  if (!body.is_object()) return notAnObject();
  auto it = body.find("budgets");
  if (it == body.end() || it->is_null()) {
    return bad("budgets", "Specify list of budget id's to query. Passed in=None");
  }
  return readIdList(body, "budgets", "Specify list of budget id's to query. Passed in=[]");
}

api::Result<std::string> parseBudgetDelete(const json& body) { return parseRequiredId(body, "id"); }

}  // namespace switchyard::admin
