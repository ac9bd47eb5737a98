#pragma once
// What the store keeps of the budget hierarchy above keys (docs/teams.md): teams, their members,
// internal users, end customers and budget objects, in LiteLLM's field names. Plain values like
// records.hpp: no SQL, no JSON DOM (metadata is serialized JSON text).
//
// Every level carries the same set of limits (Limits) and the same live spend state
// (SpendState). A level with a budget_id also takes the limits of that budget object where its
// own are unset (effectiveLimits).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "switchyard/store/records.hpp"

namespace switchyard::store {

// Limits any level may set (LiteLLM's names). Unset: no limit at that level.
struct Limits {
  std::optional<double> max_budget, soft_budget;
  std::string budget_duration;  // "" : the budget never resets
  std::optional<std::int64_t> rpm_limit, tpm_limit, max_parallel_requests;
  ByModel<ModelBudget> model_max_budget;
  ByModel<std::int64_t> model_rpm_limit, model_tpm_limit;

  bool empty() const noexcept {
    return !max_budget && !soft_budget && !rpm_limit && !tpm_limit && !max_parallel_requests &&
           model_max_budget.empty() && model_rpm_limit.empty() && model_tpm_limit.empty();
  }
};

// `own` with every unset field taken from `budget` (a budget object's limits).
Limits effectiveLimits(const Limits& own, const Limits* budget);

// The spend of a level and its budget windows, as persisted (the live figure is in memory).
struct SpendState {
  double spend = 0;
  std::optional<UnixMs> budget_reset_at;  // end of the current budget_duration window
  ByModel<ModelSpend> model_spend;        // for model_max_budget
};

// LiteLLM_BudgetTable: limits shared by reference. Every team, user, customer or membership that
// names it is bounded by these limits with its own spend (a customer tier, a member budget).
struct BudgetRow {
  std::string budget_id;  // primary key
  Limits limits;
  std::optional<UnixMs> budget_reset_at;  // LiteLLM shows it; windows run per level
  UnixMs created_at = 0, updated_at = 0;
  std::string created_by, updated_by;
};

// A member of a team (LiteLLM's members_with_roles entry plus LiteLLM_TeamMembership): the one
// place membership is stored; TeamRow::members and UserRow::teams are read from these rows.
struct TeamMember {
  std::string team_id, user_id;  // primary key (team_id, user_id)
  std::string user_email;
  std::string role = "user";                 // "admin" | "user"
  std::optional<double> max_budget_in_team;  // else the team's team_member_budget
  std::string budget_id;                     // a budget object for this member ("" : none)
  SpendState spend;                          // the member's spend in this team
};

// LiteLLM_TeamTable.
struct TeamRow {
  std::string team_id;  // primary key
  std::string team_alias;
  std::vector<std::string> models;  // empty: every model; "all-proxy-models" too
  Limits limits;
  std::string budget_id;  // a budget object ("" : none)
  SpendState spend;
  std::string metadata = "{}";  // JSON object, as given
  std::vector<std::string> tags;
  bool blocked = false;
  ByModel<std::string> model_aliases;        // requested model -> model used, for the team's keys
  std::optional<double> team_member_budget;  // default max budget of each member in the team
  std::optional<std::int64_t> team_member_rpm_limit, team_member_tpm_limit;
  UnixMs created_at = 0, updated_at = 0;
  std::string created_by, updated_by;
  std::vector<TeamMember> members;  // read with the team; written through putMember
};

// LiteLLM_UserTable (internal users).
struct UserRow {
  std::string user_id;  // primary key
  std::string user_alias, user_email;
  std::string user_role = "internal_user";  // proxy_admin | proxy_admin_viewer | internal_user |
                                            // internal_user_viewer
  std::vector<std::string> models;          // empty: every model
  Limits limits;
  std::string budget_id;
  SpendState spend;
  std::string metadata = "{}";
  UnixMs created_at = 0, updated_at = 0;
  std::string created_by, updated_by;
  std::vector<std::string> teams;  // read from the memberships
};

// LiteLLM_EndUserTable (end customers: the `user` of an OpenAI request).
struct CustomerRow {
  std::string user_id;  // primary key: the customer id as the client sends it
  std::string alias;
  bool blocked = false;
  std::string allowed_model_region;  // "" | "eu" | "us"
  std::string default_model;
  Limits limits;  // own limits (LiteLLM keeps them in a budget row of their own)
  std::string budget_id;
  SpendState spend;
  UnixMs created_at = 0, updated_at = 0;
};

// GET /user/list, /team/list, /customer/list, /budget/list.
struct ListQuery {
  std::string filter;   // user/list: user_id contains; team/list: alias contains ("" : all)
  std::string team_id;  // user/list: members of this team only
  std::string user_id;  // team/list: teams this user is a member of only
  std::string role;     // user/list: this user_role only
  std::string sort_by;  // engine-neutral column name; "" : created_at
  bool descending = true;
  std::int64_t page = 1, size = 100;  // page >= 1, 1 <= size <= 1000
  std::string user_email;             // user/list: user_email contains (case-insensitive)
  std::vector<std::string> ids;       // user/list: exactly these user ids (empty: any)
};
template <class Row>
struct Page {
  std::vector<Row> rows;
  std::int64_t total = 0;
};

// What a delete took with it (the caller drops them from memory).
struct Deleted {
  std::size_t count = 0;                // rows of the kind asked for that existed
  std::vector<std::string> key_tokens;  // keys deleted with them (a team's or a user's keys)
};

}  // namespace switchyard::store
