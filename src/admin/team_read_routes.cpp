// LiteLLM's team reads (routes.hpp): GET /team/info, GET /team/list (a plain list, each team
// with its keys and memberships) and GET /v2/team/list (paginated).
//
// Who may: proxy_admin and proxy_admin_viewer read every team; internal_user and
// internal_user_viewer only the teams they belong to (isTeamMember: the key's team, or a
// members_with_roles entry with the key's user_id): /team/info of another team is 403, the lists
// show only their teams, and naming another user_id is 403. Spend is this instance's live figure
// (the hierarchy's counters), the rest as stored.

#include <algorithm>

#include "switchyard/admin/key_request.hpp"
#include "switchyard/api/query.hpp"
#include "switchyard/keys/hierarchy.hpp"
#include "switchyard/keys/key_entry.hpp"
#include "team_budget_common.hpp"

namespace switchyard::admin {
namespace {

using hier::onStore;
using hier::StoreJob;
using nlohmann::json;
using pipeline::fail;

// On the store thread: the team's keys that have not expired.
std::optional<api::Error> keysOf(store::Store& s, const std::string& team_id, store::UnixMs now,
                                 std::vector<store::KeyRow>& out) {
  store::KeyQuery q;
  q.team_id = team_id;
  q.sort_by = "created_at";
  q.descending = false;
  q.size = 100;
  for (q.page = 1;; ++q.page) {
    auto page = s.listKeys(q);
    if (!page) return page.error();
    for (store::KeyRow& k : page->rows) {
      if (!k.expires || *k.expires > now) out.push_back(std::move(k));
    }
    if (static_cast<std::int64_t>(page->rows.size()) < q.size || q.page * q.size >= page->total) {
      return std::nullopt;
    }
  }
}

json keysJson(const std::vector<store::KeyRow>& keys) {
  json out = json::array();
  for (const store::KeyRow& k : keys) out.push_back(keyInfo(k));
  return out;
}

// LiteLLM_TeamMembership rows of the team, with each member's live spend.
json membershipsJson(const AdminContext& c, const store::TeamRow& team) {
  json out = json::array();
  for (const store::TeamMember& m : team.members) {
    std::optional<store::BudgetRow> budget;
    if (c.hierarchy != nullptr && !m.budget_id.empty()) budget = c.hierarchy->budget(m.budget_id);
    json row = teamMembershipJson(m, budget ? &*budget : nullptr);
    if (c.hierarchy != nullptr) {
      if (auto counters = c.hierarchy->member(m.team_id, m.user_id)) {
        row["spend"] = counters->spend();
      }
    }
    out.push_back(std::move(row));
  }
  return out;
}

// The budget a member of the team gets by default (LiteLLM's team_member_budget_table).
json memberBudgetJson(const store::TeamRow& team) {
  if (!team.team_member_budget && !team.team_member_rpm_limit && !team.team_member_tpm_limit) {
    return nullptr;
  }
  store::BudgetRow b;
  b.limits.max_budget = team.team_member_budget;
  b.limits.rpm_limit = team.team_member_rpm_limit;
  b.limits.tpm_limit = team.team_member_tpm_limit;
  b.limits.budget_duration = team.limits.budget_duration;
  return budgetJson(b);
}

// A non-reader asking for another user's teams.
std::optional<api::Error> otherUser(const Caller& caller, const std::string& user_id) {
  if (caller.readsAll() || user_id.empty() || user_id == caller.user_id) return std::nullopt;
  return hier::forbidden("Only admin users can query all teams/other teams. Your user role=" +
                         std::string(nameOf(caller.role)));
}

}  // namespace

Reply teamInfo(api::Exchange& ex, const AdminContext& c) {
  Caller caller = callerOf(ex, c.hierarchy);
  if (!c.store) co_return fail(ex, noDatabase());
  const std::string team_id = api::queryParam(ex.target, "team_id");
  if (team_id.empty()) {
    co_return fail(ex, hier::invalid("team_id", "Malformed request. No team id passed in."));
  }
  store::TeamRow team;
  std::vector<store::KeyRow> keys;
  const store::UnixMs now = nowMs();
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    auto found = s.findTeam(team_id);
    if (!found) return found.error();
    if (!*found) {
      return api::Error{api::ErrorKind::kNotFound,
                        "Team not found, passed team id: " + team_id + ".",
                        "",
                        0,
                        "",
                        "team_id"};
    }
    team = std::move(**found);
    if (!caller.readsAll() && !isTeamMember(caller, team)) {
      return hier::forbidden("User=" + caller.user_id +
                             " not authorized to access this team=" + team_id);
    }
    return keysOf(s, team_id, now, keys);
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  json info = hier::liveTeamJson(c, team);
  info["team_member_budget_table"] = memberBudgetJson(team);
  co_return ok({{"team_id", team.team_id},
                {"team_info", std::move(info)},
                {"keys", keysJson(keys)},
                {"team_memberships", membershipsJson(c, team)}});
}

Reply listTeams(api::Exchange& ex, const AdminContext& c) {
  Caller caller = callerOf(ex, c.hierarchy);
  if (!c.store) co_return fail(ex, noDatabase());
  const std::string user_id = api::queryParam(ex.target, "user_id");
  if (auto e = otherUser(caller, user_id)) co_return fail(ex, std::move(*e));
  std::vector<store::TeamRow> teams;
  std::vector<std::vector<store::KeyRow>> keys;
  const store::UnixMs now = nowMs();
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    store::ListQuery q;
    q.user_id = user_id;
    q.sort_by = "team_alias";
    q.descending = false;
    q.size = 1000;
    for (q.page = 1;; ++q.page) {
      auto page = s.listTeams(q);
      if (!page) return page.error();
      for (store::TeamRow& t : page->rows) {
        if (caller.readsAll() || isTeamMember(caller, t)) teams.push_back(std::move(t));
      }
      if (static_cast<std::int64_t>(page->rows.size()) < q.size || q.page * q.size >= page->total) {
        break;
      }
    }
    keys.resize(teams.size());
    for (std::size_t i = 0; i < teams.size(); ++i) {
      if (auto e = keysOf(s, teams[i].team_id, now, keys[i])) return e;
    }
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  json out = json::array();
  for (std::size_t i = 0; i < teams.size(); ++i) {
    json t = hier::liveTeamJson(c, teams[i]);
    t["team_memberships"] = membershipsJson(c, teams[i]);
    t["keys"] = keysJson(keys[i]);
    out.push_back(std::move(t));
  }
  co_return ok(out);
}

Reply listTeamsV2(api::Exchange& ex, const AdminContext& c) {
  Caller caller = callerOf(ex, c.hierarchy);
  if (!c.store) co_return fail(ex, noDatabase());
  auto query = parseTeamListQuery(ex.target);
  if (!query) co_return fail(ex, query.error());
  store::ListQuery q = std::move(*query);
  if (auto e = otherUser(caller, q.user_id)) co_return fail(ex, std::move(*e));
  // A non-admin sees its own teams (LiteLLM forces user_id to the caller's); a key without a
  // user sees the team of the key.
  bool key_team_only = false;
  if (!caller.readsAll()) {
    if (!caller.user_id.empty()) {
      q.user_id = caller.user_id;
    } else {
      key_team_only = true;
    }
  }
  store::Page<store::TeamRow> page;
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    if (!q.user_id.empty()) {
      auto user = s.findUser(q.user_id);
      if (!user) return user.error();
      if (!*user && caller.readsAll()) {
        return api::Error{api::ErrorKind::kNotFound,
                          "User not found, passed user_id=" + q.user_id,
                          "",
                          0,
                          "",
                          "user_id"};
      }
    }
    if (key_team_only || !q.team_id.empty()) {
      // One team at most: the one asked for (or the key's), if it passes the other filters.
      const std::string id = key_team_only ? caller.team_id : q.team_id;
      if (key_team_only && !q.team_id.empty() && q.team_id != id) return std::nullopt;
      if (id.empty()) return std::nullopt;
      auto found = s.findTeam(id);
      if (!found) return found.error();
      if (!*found) return std::nullopt;
      const store::TeamRow& t = **found;
      bool member = q.user_id.empty() ||
                    std::any_of(t.members.begin(), t.members.end(),
                                [&](const store::TeamMember& m) { return m.user_id == q.user_id; });
      std::string alias = t.team_alias, filter = q.filter;
      for (std::string* s : {&alias, &filter}) {
        std::transform(s->begin(), s->end(), s->begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      }
      if (!member || alias.find(filter) == std::string::npos) return std::nullopt;
      page.total = 1;
      if (q.page == 1) page.rows.push_back(std::move(**found));
      return std::nullopt;
    }
    auto listed = s.listTeams(q);
    if (!listed) return listed.error();
    page = std::move(*listed);
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  json teams = json::array();
  for (const store::TeamRow& t : page.rows) teams.push_back(hier::liveTeamJson(c, t));
  co_return ok({{"teams", std::move(teams)},
                {"total", page.total},
                {"page", q.page},
                {"page_size", q.size},
                {"total_pages", (page.total + q.size - 1) / q.size}});
}

}  // namespace switchyard::admin
