// Teams, members, users, customers and budget objects in LiteLLM's shapes
// (admin/hierarchy_request.hpp): the rows of LiteLLM_TeamTable, LiteLLM_TeamMembership,
// LiteLLM_UserTable, LiteLLM_EndUserTable and LiteLLM_BudgetTable as LiteLLM's handlers return
// them. Every field LiteLLM sends is present with its JSON type: money as numbers, times as
// ISO-8601 strings, absent values as null; fields Switchyard does not implement (organizations,
// object permissions, SSO, guardrail settings...) carry LiteLLM's empty default.
//
// model_max_budget is rendered in the form LiteLLM documents for each table: {"budget_limit",
// "time_period"} on teams and users (as on keys), {"max_budget", "budget_duration"} on budget
// tables. Teams keep tags, model_rpm_limit and model_tpm_limit inside metadata, users their model
// limits, as LiteLLM stores them. Switchyard's own fields (budget_id on every level, soft_budget
// and the model limits of a budget, the team-member defaults of a team) are added under their
// request names.

#include <string>

#include "json_render.hpp"
#include "switchyard/admin/hierarchy_request.hpp"

namespace switchyard::admin {
namespace {

using nlohmann::json;
using namespace render;

json modelSpendOf(const store::ByModel<store::ModelSpend>& spend) {
  json out = json::object();
  for (const auto& [model, s] : spend) out[model] = s.spend;
  return out;
}

// {"model": {"budget_limit": n, "time_period": "1d"}} (teams, users).
json keyFormBudgets(const store::ByModel<store::ModelBudget>& budgets) {
  json out = json::object();
  for (const auto& [model, b] : budgets) {
    out[model] = {{"budget_limit", b.budget_limit}, {"time_period", textOrNull(b.time_period)}};
  }
  return out;
}

// {"model": {"max_budget": n, "budget_duration": "1d"}} (budget tables); null when none.
json tableFormBudgets(const store::ByModel<store::ModelBudget>& budgets) {
  if (budgets.empty()) return nullptr;
  json out = json::object();
  for (const auto& [model, b] : budgets) {
    out[model] = {{"max_budget", b.budget_limit}, {"budget_duration", textOrNull(b.time_period)}};
  }
  return out;
}

// The limit columns of a LiteLLM_BudgetTable (and of the object nested as
// litellm_budget_table), with Switchyard's model rate limits.
json budgetTable(const std::string& budget_id, const store::Limits& limits,
                 const std::optional<store::UnixMs>& reset_at) {
  json out = json::object();
  out["budget_id"] = textOrNull(budget_id);
  out["max_budget"] = optionalOrNull(limits.max_budget);
  out["soft_budget"] = optionalOrNull(limits.soft_budget);
  out["max_parallel_requests"] = optionalOrNull(limits.max_parallel_requests);
  out["tpm_limit"] = optionalOrNull(limits.tpm_limit);
  out["rpm_limit"] = optionalOrNull(limits.rpm_limit);
  out["model_max_budget"] = tableFormBudgets(limits.model_max_budget);
  out["budget_duration"] = textOrNull(limits.budget_duration);
  out["budget_reset_at"] = timeOrNull(reset_at);
  out["allowed_models"] = json::array();
  out["model_rpm_limit"] = limitsOrNull(limits.model_rpm_limit);
  out["model_tpm_limit"] = limitsOrNull(limits.model_tpm_limit);
  return out;
}

}  // namespace

nlohmann::json memberJson(const store::TeamMember& member) {
  return {{"user_id", textOrNull(member.user_id)},
          {"user_email", textOrNull(member.user_email)},
          {"role", member.role}};
}

nlohmann::json teamJson(const store::TeamRow& row) {
  json out = json::object();
  out["team_id"] = row.team_id;
  out["team_alias"] = textOrNull(row.team_alias);
  out["organization_id"] = nullptr;
  out["admins"] = json::array();
  out["members"] = json::array();
  json members = json::array();
  for (const store::TeamMember& m : row.members) members.push_back(memberJson(m));
  out["members_with_roles"] = std::move(members);
  out["team_member_permissions"] = json::array();
  out["metadata"] =
      metadataWith(row.metadata, &row.tags, row.limits.model_rpm_limit, row.limits.model_tpm_limit);
  out["tpm_limit"] = optionalOrNull(row.limits.tpm_limit);
  out["rpm_limit"] = optionalOrNull(row.limits.rpm_limit);
  out["max_budget"] = optionalOrNull(row.limits.max_budget);
  out["soft_budget"] = optionalOrNull(row.limits.soft_budget);
  out["budget_duration"] = textOrNull(row.limits.budget_duration);
  out["budget_reset_at"] = timeOrNull(row.spend.budget_reset_at);
  out["budget_limits"] = nullptr;
  out["models"] = row.models;
  out["blocked"] = row.blocked;
  out["router_settings"] = json::object();
  out["access_group_ids"] = json::array();
  out["default_team_member_models"] = json::array();
  out["spend"] = row.spend.spend;
  out["max_parallel_requests"] = optionalOrNull(row.limits.max_parallel_requests);
  out["model_id"] = nullptr;
  out["model_spend"] = modelSpendOf(row.spend.model_spend);
  out["model_max_budget"] = keyFormBudgets(row.limits.model_max_budget);
  out["policies"] = json::array();
  out["allow_team_guardrail_config"] = false;
  if (row.model_aliases.empty()) {
    out["litellm_model_table"] = nullptr;
  } else {  // LiteLLM keeps a team's model aliases in a LiteLLM_ModelTable row
    out["litellm_model_table"] = {{"id", nullptr},
                                  {"model_aliases", json(row.model_aliases)},
                                  {"created_by", textOrNull(row.created_by)},
                                  {"updated_by", textOrNull(row.updated_by)}};
  }
  out["object_permission"] = nullptr;
  out["object_permission_id"] = nullptr;
  out["created_at"] = stampOrNull(row.created_at);
  out["updated_at"] = stampOrNull(row.updated_at);
  // Switchyard's: the request fields LiteLLM keeps elsewhere.
  out["budget_id"] = textOrNull(row.budget_id);
  out["model_aliases"] = json(row.model_aliases);
  out["team_member_budget"] = optionalOrNull(row.team_member_budget);
  out["team_member_rpm_limit"] = optionalOrNull(row.team_member_rpm_limit);
  out["team_member_tpm_limit"] = optionalOrNull(row.team_member_tpm_limit);
  return out;
}

nlohmann::json teamMembershipJson(const store::TeamMember& member, const store::BudgetRow* budget) {
  json out = json::object();
  out["user_id"] = member.user_id;
  out["team_id"] = member.team_id;
  std::string budget_id = member.budget_id;
  if (budget_id.empty() && budget != nullptr) budget_id = budget->budget_id;
  out["budget_id"] = textOrNull(budget_id);
  out["spend"] = member.spend.spend;
  out["total_spend"] = nullptr;  // not kept: the spend of every window, never reset
  if (budget != nullptr) {
    std::optional<store::UnixMs> reset = member.spend.budget_reset_at;
    if (!reset) reset = budget->budget_reset_at;
    out["litellm_budget_table"] = budgetTable(budget->budget_id, budget->limits, reset);
  } else if (member.max_budget_in_team) {
    store::Limits own;
    own.max_budget = member.max_budget_in_team;
    out["litellm_budget_table"] = budgetTable("", own, member.spend.budget_reset_at);
  } else {
    out["litellm_budget_table"] = nullptr;
  }
  return out;
}

nlohmann::json userJson(const store::UserRow& row) {
  json out = json::object();
  out["user_id"] = row.user_id;
  out["user_alias"] = textOrNull(row.user_alias);
  out["team_id"] = nullptr;
  out["sso_user_id"] = nullptr;
  out["organization_id"] = nullptr;
  out["object_permission_id"] = nullptr;
  out["teams"] = row.teams;
  out["user_role"] = textOrNull(row.user_role);
  out["max_budget"] = optionalOrNull(row.limits.max_budget);
  out["spend"] = row.spend.spend;
  out["user_email"] = textOrNull(row.user_email);
  out["models"] = row.models;
  out["metadata"] =
      metadataWith(row.metadata, nullptr, row.limits.model_rpm_limit, row.limits.model_tpm_limit);
  out["max_parallel_requests"] = optionalOrNull(row.limits.max_parallel_requests);
  out["tpm_limit"] = optionalOrNull(row.limits.tpm_limit);
  out["rpm_limit"] = optionalOrNull(row.limits.rpm_limit);
  out["budget_duration"] = textOrNull(row.limits.budget_duration);
  out["budget_reset_at"] = timeOrNull(row.spend.budget_reset_at);
  out["allowed_cache_controls"] = json::array();
  out["policies"] = json::array();
  out["model_spend"] = modelSpendOf(row.spend.model_spend);
  out["model_max_budget"] = keyFormBudgets(row.limits.model_max_budget);
  out["created_at"] = stampOrNull(row.created_at);
  out["updated_at"] = stampOrNull(row.updated_at);
  out["password_updated_at"] = nullptr;
  out["reset_password_required"] = false;
  out["organization_memberships"] = nullptr;
  out["object_permission"] = nullptr;
  // Switchyard's.
  out["soft_budget"] = optionalOrNull(row.limits.soft_budget);
  out["budget_id"] = textOrNull(row.budget_id);
  return out;
}

nlohmann::json customerJson(const store::CustomerRow& row, const store::BudgetRow* budget) {
  json out = json::object();
  out["user_id"] = row.user_id;
  out["blocked"] = row.blocked;
  out["alias"] = textOrNull(row.alias);
  out["spend"] = row.spend.spend;
  out["allowed_model_region"] = textOrNull(row.allowed_model_region);
  out["default_model"] = textOrNull(row.default_model);
  out["budget_id"] = textOrNull(row.budget_id);
  if (budget != nullptr) {
    std::optional<store::UnixMs> reset = row.spend.budget_reset_at;
    if (!reset) reset = budget->budget_reset_at;
    out["litellm_budget_table"] =
        budgetTable(budget->budget_id, store::effectiveLimits(row.limits, &budget->limits), reset);
  } else if (!row.limits.empty() || !row.limits.budget_duration.empty()) {
    out["litellm_budget_table"] = budgetTable("", row.limits, row.spend.budget_reset_at);
  } else {
    out["litellm_budget_table"] = nullptr;
  }
  out["object_permission_id"] = nullptr;
  out["object_permission"] = nullptr;
  return out;
}

nlohmann::json budgetJson(const store::BudgetRow& row) {
  json out = budgetTable(row.budget_id, row.limits, row.budget_reset_at);
  out["created_at"] = stampOrNull(row.created_at);
  out["created_by"] = textOrNull(row.created_by);
  out["updated_at"] = stampOrNull(row.updated_at);
  out["updated_by"] = textOrNull(row.updated_by);
  return out;
}

}  // namespace switchyard::admin
