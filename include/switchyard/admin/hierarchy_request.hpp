#pragma once
// The bodies and query strings of LiteLLM's /team/*, /user/*, /customer/* and /budget/* admin
// routes (docs/teams.md), validated and applied to the store's hierarchy records, and those
// records rendered back in LiteLLM's response shapes. No I/O here: the route handlers look rows
// up, check who may do what, store them and update what is in memory.
//
// As for /key/* (key_request.hpp): every validation failure is an api::Error of kind
// kInvalidRequest whose `param` names the field; unknown fields are ignored; a row is changed
// only when the whole body is valid. In kCreate a field that is absent or null keeps the
// record's default; in kUpdate only the fields present change and null clears one. The id that
// names the row (team_id, user_id, budget_id) is read on create only: an update's id is the
// caller's to read (parseRequiredId).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/api/error.hpp"
#include "switchyard/store/hierarchy.hpp"

namespace switchyard::admin {

enum class BodyMode : std::uint8_t { kCreate, kUpdate };

// ---- Shared ----

// The limits every level takes: max_budget, soft_budget (non-negative numbers: "max_budget
// cannot be negative. Received: -1.0"; "" is null), budget_duration (a duration, "" / "none"
// clear it), rpm_limit, tpm_limit, max_parallel_requests (non-negative integers),
// model_max_budget ({"m": {"budget_limit": n, "time_period": "1d"}} or the budget-table form
// {"m": {"max_budget": n, "budget_duration": "1d"}}), model_rpm_limit, model_tpm_limit
// ({"m": n}). Window ends (budget_reset_at) are set by the apply* functions below.
api::Result<void> applyLimits(const nlohmann::json& body, BodyMode mode, store::Limits& limits);

// A required id field ("team_id", "budget_id"...): a non-empty string. When absent or null the
// error says `missing` (default "<field> is required").
api::Result<std::string> parseRequiredId(const nlohmann::json& body, std::string_view field,
                                         std::string_view missing = {});

// ---- Teams ----

// /team/new, /team/update: team_alias, team_id (create), models, the limits (budget_duration
// also sets spend.budget_reset_at, keys::nextBudgetReset), budget_id, metadata (object; tags,
// model_rpm_limit and model_tpm_limit inside it are moved out as for keys), tags, blocked,
// members_with_roles (create only: row.members, their team_id the row's; a member by email only
// has no user_id yet), model_aliases, team_member_budget, team_member_rpm_limit,
// team_member_tpm_limit.
api::Result<void> applyTeamFields(const nlohmann::json& body, BodyMode mode, store::UnixMs now_ms,
                                  store::TeamRow& row);

// One LiteLLM Member: {"role": "admin" | "user", "user_id"?, "user_email"?}, one of the ids
// required. `param` names it in errors ("member", "members_with_roles").
api::Result<store::TeamMember> parseMember(const nlohmann::json& v, std::string_view param);

// /team/delete: {"team_ids": [...]}, not empty ("No team id passed in").
api::Result<std::vector<std::string>> parseTeamIds(const nlohmann::json& body);

// /team/member_add: {team_id, member: Member | [Member], max_budget_in_team?}. Each member
// carries team_id and max_budget_in_team.
struct MemberAddRequest {
  std::string team_id;
  std::vector<store::TeamMember> members;
  std::optional<double> max_budget_in_team;
};
api::Result<MemberAddRequest> parseMemberAdd(const nlohmann::json& body);

// /team/member_delete: {team_id, user_id?, user_email?}, one of the ids required.
struct MemberDeleteRequest {
  std::string team_id, user_id, user_email;
};
api::Result<MemberDeleteRequest> parseMemberDelete(const nlohmann::json& body);

// /team/model/add, /team/model/delete: {team_id, models: [...]}.
struct TeamModelsRequest {
  std::string team_id;
  std::vector<std::string> models;
};
api::Result<TeamModelsRequest> parseTeamModels(const nlohmann::json& body);

// GET /team/list, /v2/team/list: user_id, team_id, team_alias (filter: contains), page >= 1,
// page_size 1..100 (default 10), sort_by team_id | team_alias | created_at with sort_order asc |
// desc (default asc). As LiteLLM, an unknown sort_by means the default order (created_at desc)
// and an unknown sort_order means asc. `target` is the request target with its query string.
api::Result<store::ListQuery> parseTeamListQuery(std::string_view target);

// ---- Internal users ----

// /user/new, /user/update: user_id (create), user_alias, user_email, user_role (proxy_admin,
// proxy_admin_viewer, internal_user, internal_user_viewer; null in kUpdate: internal_user),
// models, the limits (budget_duration also sets spend.budget_reset_at), spend, budget_id,
// metadata (object; model_rpm_limit and model_tpm_limit inside it moved out into the limits).
// The fields of the key /user/new creates are the caller's (applyKeyFields).
api::Result<void> applyUserFields(const nlohmann::json& body, BodyMode mode, store::UnixMs now_ms,
                                  store::UserRow& row);

// What else /user/new says: teams ([team_id] or [{team_id, max_budget_in_team?, user_role:
// "user" | "admin"}], as memberships whose user_id the caller fills in) and auto_create_key.
struct NewUserOptions {
  std::vector<store::TeamMember> teams;
  bool auto_create_key = true;
};
api::Result<NewUserOptions> parseNewUserOptions(const nlohmann::json& body);

// /user/update names the user by user_id or user_email ("Either user id or user email must be
// provided").
struct UserRef {
  std::string user_id, user_email;
};
api::Result<UserRef> parseUserRef(const nlohmann::json& body);

// /user/delete: {"user_ids": [...]}, not empty ("No user id passed in").
api::Result<std::vector<std::string>> parseUserIds(const nlohmann::json& body);

// GET /user/list: role, user_ids (comma list; a single id is a "contains" filter: query.filter;
// several are exact: user_ids), user_email (contains), team (query.team_id), page >= 1,
// page_size 1..100 (default 25), sort_by user_id | user_email | created_at | spend | user_alias
// | user_role with sort_order asc | desc (default asc); no sort_by: created_at desc.
struct UserListQuery {
  store::ListQuery query;
  std::vector<std::string> user_ids;  // two or more: exactly these
  std::string user_email;             // "" : any
};
api::Result<UserListQuery> parseUserListQuery(std::string_view target);

// ---- Customers (end users) ----

// /customer/new, /customer/update: user_id (required on create), alias, blocked,
// allowed_model_region ("eu" | "us"), default_model, budget_id, spend (create), the limits
// (budget_duration also sets spend.budget_reset_at). On create max_budget and budget_id together
// are refused ("Set either 'max_budget' or 'budget_id', not both.").
api::Result<void> applyCustomerFields(const nlohmann::json& body, BodyMode mode,
                                      store::UnixMs now_ms, store::CustomerRow& row);

// /customer/delete, /customer/block, /customer/unblock: {"user_ids": [...]}, not empty.
api::Result<std::vector<std::string>> parseCustomerIds(const nlohmann::json& body);

// ---- Budgets ----

// /budget/new, /budget/update: budget_id (create), the limits, budget_reset_at (ISO-8601 or
// null). A budget_duration given without budget_reset_at sets it to now + the duration
// (LiteLLM's /budget/new rule, not the calendar-aligned one of the other levels).
api::Result<void> applyBudgetFields(const nlohmann::json& body, BodyMode mode, store::UnixMs now_ms,
                                    store::BudgetRow& row);

// /budget/info: {"budgets": [...]}, not empty.
api::Result<std::vector<std::string>> parseBudgetIds(const nlohmann::json& body);

// /budget/delete: {"id": "..."}.
api::Result<std::string> parseBudgetDelete(const nlohmann::json& body);

// ---- Rendering: LiteLLM's shapes, every field it sends, null where unset ----

// LiteLLM_TeamTable (/team/new, /team/info's team_info, the items of /team/list...).
nlohmann::json teamJson(const store::TeamRow& row);
// A members_with_roles entry: {"role", "user_id", "user_email"}.
nlohmann::json memberJson(const store::TeamMember& member);
// LiteLLM_TeamMembership: {user_id, team_id, budget_id, spend, total_spend,
// litellm_budget_table}; the table is `budget` (the member's budget object) when given, else
// the member's own max_budget_in_team, else null.
nlohmann::json teamMembershipJson(const store::TeamMember& member, const store::BudgetRow* budget);
// LiteLLM_UserTable (/user/info's user_info, the items of /user/list).
nlohmann::json userJson(const store::UserRow& row);
// LiteLLM_EndUserTable. litellm_budget_table: the effective limits (store::effectiveLimits) of
// the customer over `budget` (its budget object) when given, else its own limits, else null.
nlohmann::json customerJson(const store::CustomerRow& row, const store::BudgetRow* budget);
// LiteLLM_BudgetTable row (/budget/new, /budget/info, /budget/list).
nlohmann::json budgetJson(const store::BudgetRow& row);

}  // namespace switchyard::admin
