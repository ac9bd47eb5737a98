// LiteLLM's GET /user/info and GET /user/list (routes.hpp): read on the store thread, shown with
// the live spend this instance counts.
//
// Who may: /user/info proxy_admin and proxy_admin_viewer any user, anyone else only its own
// (LiteLLM's 403 "key not allowed to access this user's info..."); /user/list proxy_admin and
// proxy_admin_viewer.
//
// /user/list's key_count is one indexed COUNT per user of the page (at most 100).

#include <algorithm>
#include <map>

#include "roles.hpp"
#include "switchyard/admin/hierarchy_request.hpp"
#include "switchyard/admin/key_request.hpp"
#include "switchyard/api/query.hpp"
#include "switchyard/keys/hierarchy.hpp"
#include "switchyard/keys/key_entry.hpp"
#include "user_customer_util.hpp"

namespace switchyard::admin {
namespace {

using nlohmann::json;
using pipeline::fail;
using namespace levels;

constexpr std::int64_t kKeyPage = 100;    // store::KeyQuery's largest page
constexpr std::int64_t kTeamPage = 1000;  // store::ListQuery's largest page

// The user as LiteLLM renders it, its spend the live figure when this instance counts it.
json userShown(const AdminContext& c, const store::UserRow& row) {
  json out = userJson(row);
  if (c.hierarchy) {
    if (auto live = c.hierarchy->user(row.user_id); live && live->counters) {
      out["spend"] = live->counters->spend();
    }
  }
  return out;
}

// Every key of `user_id` (every key when empty), newest first.
api::Result<std::vector<store::KeyRow>> keysOf(store::Store& s, const std::string& user_id) {
  std::vector<store::KeyRow> out;
  store::KeyQuery q;
  if (!user_id.empty()) q.user_id = user_id;
  q.size = kKeyPage;
  for (q.page = 1;; ++q.page) {
    auto page = s.listKeys(q);
    if (!page) return page.error();
    for (store::KeyRow& k : page->rows) out.push_back(std::move(k));
    if (page->rows.size() < static_cast<std::size_t>(q.size) ||
        static_cast<std::int64_t>(out.size()) >= page->total) {
      break;
    }
  }
  return out;
}

api::Result<std::vector<store::TeamRow>> allTeams(store::Store& s) {
  std::vector<store::TeamRow> out;
  store::ListQuery q;
  q.sort_by = "team_alias";
  q.descending = false;
  q.size = kTeamPage;
  for (q.page = 1;; ++q.page) {
    auto page = s.listTeams(q);
    if (!page) return page.error();
    for (store::TeamRow& t : page->rows) out.push_back(std::move(t));
    if (page->rows.size() < static_cast<std::size_t>(q.size) ||
        static_cast<std::int64_t>(out.size()) >= page->total) {
      break;
    }
  }
  return out;
}

// Keys as /key/info shows them, with LiteLLM's team_alias.
json keysShown(const std::vector<store::KeyRow>& keys,
               const std::map<std::string, std::string>& team_alias) {
  json out = json::array();
  for (const store::KeyRow& k : keys) {
    json info = keyInfo(k);
    auto alias = team_alias.find(k.team_id);
    info["team_alias"] =
        alias == team_alias.end() || alias->second.empty() ? json(nullptr) : json(alias->second);
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace

Reply userInfo(api::Exchange& ex, const AdminContext& c) {
  const Caller caller = callerOf(ex, c.hierarchy);
  const std::string asked = api::queryParam(ex.target, "user_id");
  const bool everything = asked.empty() && caller.admin();
  const std::string id = asked.empty() ? caller.user_id : asked;
  if (!everything && !caller.readsAll() && id != caller.user_id) {
    co_return fail(ex, {api::ErrorKind::kForbidden,
                        "key not allowed to access this user's info. user_id=" + id +
                            ", key's user_id=" + caller.user_id,
                        "", 0, "auth_error"});
  }
  if (!c.store) co_return fail(ex, noDatabase());
  if (!everything && id.empty()) {
    co_return fail(ex, {api::ErrorKind::kInvalidRequest,
                        "Pass the user to look up as ?user_id= (this key has no user).", "", 0, "",
                        "user_id"});
  }

  std::optional<store::UserRow> user;
  std::vector<store::KeyRow> keys;
  std::vector<store::TeamRow> teams;
  std::map<std::string, std::string> team_alias;
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    if (everything) {
      auto all_teams = allTeams(s);
      if (!all_teams) return all_teams.error();
      teams = std::move(*all_teams);
    } else {
      auto found = s.findUser(id);
      if (!found) return found.error();
      if (!*found) {
        return api::Error{api::ErrorKind::kNotFound,
                          "User " + id + " not found",
                          "",
                          0,
                          "user_not_found",
                          "user_id"};
      }
      user = std::move(*found);
      for (const std::string& t : user->teams) {
        auto team = s.findTeam(t);
        if (!team) return team.error();
        if (*team) teams.push_back(std::move(**team));
      }
      std::stable_sort(teams.begin(), teams.end(),
                       [](const auto& a, const auto& b) { return a.team_alias < b.team_alias; });
    }
    auto found_keys = keysOf(s, everything ? std::string() : id);
    if (!found_keys) return found_keys.error();
    keys = std::move(*found_keys);
    for (const store::TeamRow& t : teams) team_alias[t.team_id] = t.team_alias;
    for (const store::KeyRow& k : keys) {
      if (k.team_id.empty() || team_alias.contains(k.team_id)) continue;
      auto team = s.findTeam(k.team_id);
      if (!team) return team.error();
      team_alias[k.team_id] = *team ? (*team)->team_alias : std::string();
    }
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));

  json teams_shown = json::array();
  for (const store::TeamRow& t : teams) teams_shown.push_back(teamJson(t));
  json out;
  out["user_id"] = user ? json(user->user_id) : json(nullptr);
  out["user_info"] = user ? userShown(c, *user) : json(nullptr);
  out["keys"] = keysShown(keys, team_alias);
  out["teams"] = std::move(teams_shown);
  co_return ok(out);
}

Reply listUsers(api::Exchange& ex, const AdminContext& c) {
  const Caller caller = callerOf(ex, c.hierarchy);
  if (auto e = requireReader(ex, caller)) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  auto parsed = parseUserListQuery(ex.target);
  if (!parsed) co_return fail(ex, parsed.error());
  store::ListQuery q = parsed->query;
  q.user_email = parsed->user_email;
  q.ids = parsed->user_ids;

  store::Page<store::UserRow> page;
  std::vector<std::int64_t> key_counts;
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    auto listed = s.listUsers(q);
    if (!listed) return listed.error();
    page = std::move(*listed);
    for (const store::UserRow& u : page.rows) {
      store::KeyQuery kq;
      kq.user_id = u.user_id;
      kq.size = 1;
      auto keys = s.listKeys(kq);
      if (!keys) return keys.error();
      key_counts.push_back(keys->total);
    }
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));

  json users = json::array();
  for (std::size_t i = 0; i < page.rows.size(); ++i) {
    json u = userShown(c, page.rows[i]);
    u["key_count"] = key_counts[i];
    users.push_back(std::move(u));
  }
  const std::int64_t pages = (page.total + q.size - 1) / q.size;
  co_return ok({{"users", std::move(users)},
                {"total", page.total},
                {"page", q.page},
                {"page_size", q.size},
                {"total_pages", pages}});
}

}  // namespace switchyard::admin
