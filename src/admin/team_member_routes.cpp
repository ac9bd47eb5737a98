// LiteLLM's /team/member_add and /team/member_delete (routes.hpp), and how members named in a
// request become users (team_budget_common.hpp: resolveMembers, also used by /team/new).
//
// Who may: proxy_admin, or an internal_user who is an admin of that team (members_with_roles
// role "admin"); anyone else gets 403 ("Call not allowed. User not proxy admin OR team admin.
// route=..., team_id=..."), the viewer roles the route refusal of roles.hpp. One store job per
// request: read the team, authorize against it, resolve and check the members, write, re-read,
// audit row; then the hierarchy takes the re-read team and the users whose team list changed.

#include <algorithm>
#include <cctype>
#include <set>

#include "switchyard/api/ids.hpp"
#include "switchyard/keys/hierarchy.hpp"
#include "team_budget_common.hpp"

namespace switchyard::admin {

namespace {

bool sameEmail(std::string_view a, std::string_view b) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  a = trim(a);
  b = trim(b);
  return !a.empty() && a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

store::UserRow newUser(std::string user_id, std::string email, const std::string& actor,
                       store::UnixMs now) {
  store::UserRow u;
  u.user_id = std::move(user_id);
  u.user_email = std::move(email);
  u.user_role = "internal_user";
  u.created_at = u.updated_at = now;
  u.created_by = u.updated_by = actor;
  return u;
}

}  // namespace

namespace hier {

api::Result<ResolvedMembers> resolveMembers(store::Store& s, std::vector<store::TeamMember> members,
                                            std::string_view param, const std::string& actor,
                                            store::UnixMs now) {
  ResolvedMembers out;
  std::set<std::string, std::less<>> seen;
  auto pending = [&](auto match) {
    return std::find_if(out.create.begin(), out.create.end(), match);
  };
  for (store::TeamMember& m : members) {
    if (!m.user_id.empty()) {
      auto found = s.findUser(m.user_id);
      if (!found) return found.error();
      if (*found) {
        if (m.user_email.empty()) m.user_email = (*found)->user_email;
      } else if (pending([&](const store::UserRow& u) { return u.user_id == m.user_id; }) ==
                 out.create.end()) {
        out.create.push_back(newUser(m.user_id, m.user_email, actor, now));
      }
    } else {
      auto found = s.findUsersByEmail(m.user_email);
      if (!found) return found.error();
      if (found->size() > 1) {
        return invalid(std::string(param),
                       "Multiple users with this email found in db. Please use 'user_id' "
                       "instead.");
      }
      if (found->size() == 1) {
        m.user_id = found->front().user_id;
      } else if (auto it = pending([&](const store::UserRow& u) {
                   return sameEmail(u.user_email, m.user_email);
                 });
                 it != out.create.end()) {
        m.user_id = it->user_id;
      } else {
        out.create.push_back(newUser(api::newUuid(), m.user_email, actor, now));
        m.user_id = out.create.back().user_id;
      }
    }
    if (!seen.insert(m.user_id).second) continue;  // listed twice
    out.members.push_back(std::move(m));
  }
  return out;
}

std::optional<api::Error> writeMembers(store::Store& s, const ResolvedMembers& resolved) {
  for (const store::UserRow& u : resolved.create) {
    if (auto r = s.insertUser(u); !r) return r.error();
  }
  for (const store::TeamMember& m : resolved.members) {
    if (auto r = s.putMember(m); !r) return r.error();
  }
  return std::nullopt;
}

api::Result<std::vector<store::UserRow>> readUsers(store::Store& s,
                                                   const std::vector<std::string>& user_ids) {
  std::vector<store::UserRow> out;
  for (const std::string& id : user_ids) {
    auto found = s.findUser(id);
    if (!found) return found.error();
    if (*found) out.push_back(std::move(**found));
  }
  return out;
}

}  // namespace hier

namespace {

using hier::invalid;
using hier::onStore;
using hier::StoreJob;
using nlohmann::json;
using pipeline::fail;

std::optional<api::Error> mayManageMembers(const std::string& route, const Caller& caller,
                                           const store::TeamRow& team) {
  if (caller.admin() || isTeamAdmin(caller, team)) return std::nullopt;
  return hier::forbidden("Call not allowed. User not proxy admin OR team admin. route=" + route +
                         ", team_id=" + team.team_id);
}

bool isMember(const store::TeamRow& team, const store::TeamMember& m) {
  return std::any_of(team.members.begin(), team.members.end(), [&](const store::TeamMember& t) {
    return (!m.user_id.empty() && t.user_id == m.user_id) ||
           (!m.user_email.empty() && sameEmail(t.user_email, m.user_email));
  });
}

std::string pyText(const std::string& s) { return s.empty() ? "None" : s; }

api::Error alreadyInTeam(std::string message, const store::TeamRow& team) {
  json existing = json::array();
  for (const store::TeamMember& t : team.members) existing.push_back(memberJson(t));
  return {api::ErrorKind::kInvalidRequest,
          message + " Existing members=" + existing.dump(),
          "",
          0,
          "team_member_already_in_team",
          "member"};
}

}  // namespace

Reply addTeamMember(api::Exchange& ex, const AdminContext& c) {
  Caller caller = callerOf(ex, c.hierarchy);
  if (!caller.mayChange()) co_return fail(ex, notAllowed(ex, caller));
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  auto req = parseMemberAdd(*body);
  if (!req) co_return fail(ex, req.error());
  const std::string route(ex.path);
  const store::UnixMs now = nowMs();
  const std::string actor = actorOf(ex);

  store::TeamRow team;
  std::vector<store::UserRow> users;
  std::vector<std::string> added;
  store::AuditRow trail = hier::auditOf(ex, "team.member_add", req->team_id, *body);
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    auto found = s.findTeam(req->team_id);
    if (!found) return found.error();
    if (!*found) {
      return api::Error{api::ErrorKind::kNotFound,
                        "Team not found for team_id=" + req->team_id,
                        "",
                        0,
                        "",
                        "team_id"};
    }
    team = std::move(**found);
    if (auto e = mayManageMembers(route, caller, team)) return e;
    // Members already in the team (by id or email, as given): LiteLLM checks before resolving.
    std::vector<store::TeamMember> fresh;
    for (const store::TeamMember& m : req->members) {
      if (!isMember(team, m)) fresh.push_back(m);
    }
    if (fresh.empty()) {
      if (req->members.size() == 1) {
        const store::TeamMember& m = req->members.front();
        return alreadyInTeam("User already in team. Member: user_id=" + pyText(m.user_id) +
                                 ", user_email=" + pyText(m.user_email) + ".",
                             team);
      }
      return alreadyInTeam("All users are already in team.", team);
    }
    auto resolved = hier::resolveMembers(s, std::move(fresh), "member", actor, now);
    if (!resolved) return resolved.error();
    // A member named by email may turn out to be a member by id.
    std::erase_if(resolved->members, [&](const store::TeamMember& m) { return isMember(team, m); });
    if (resolved->members.empty()) return alreadyInTeam("All users are already in team.", team);
    for (const store::TeamMember& m : resolved->members) added.push_back(m.user_id);
    std::erase_if(resolved->create, [&](const store::UserRow& u) {
      return std::find(added.begin(), added.end(), u.user_id) == added.end();
    });
    if (auto e = hier::writeMembers(s, *resolved)) return e;
    if (auto e = hier::readTeam(s, req->team_id, team)) return e;
    auto read = hier::readUsers(s, added);
    if (!read) return read.error();
    users = std::move(*read);
    hier::writeAudit(s, {trail});
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  hier::usersChanged(c, users);
  hier::teamChanged(c, team);

  json out = hier::liveTeamJson(c, team);
  json updated_users = json::array();
  for (const store::UserRow& u : users) updated_users.push_back(userJson(u));
  json memberships = json::array();
  for (const store::TeamMember& m : team.members) {
    if (std::find(added.begin(), added.end(), m.user_id) == added.end()) continue;
    std::optional<store::BudgetRow> budget;
    if (c.hierarchy != nullptr && !m.budget_id.empty()) budget = c.hierarchy->budget(m.budget_id);
    memberships.push_back(teamMembershipJson(m, budget ? &*budget : nullptr));
  }
  out["updated_users"] = std::move(updated_users);
  out["updated_team_memberships"] = std::move(memberships);
  co_return ok(out);
}

Reply deleteTeamMember(api::Exchange& ex, const AdminContext& c) {
  Caller caller = callerOf(ex, c.hierarchy);
  if (!caller.mayChange()) co_return fail(ex, notAllowed(ex, caller));
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  auto req = parseMemberDelete(*body);
  if (!req) co_return fail(ex, req.error());
  const std::string route(ex.path);

  store::TeamRow team;
  std::vector<store::UserRow> users;
  store::AuditRow trail = hier::auditOf(ex, "team.member_delete", req->team_id, *body);
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    auto found = s.findTeam(req->team_id);
    if (!found) return found.error();
    if (!*found) {
      return api::Error{api::ErrorKind::kNotFound,
                        "Team id=" + req->team_id + " does not exist in db",
                        "",
                        0,
                        "",
                        "team_id"};
    }
    team = std::move(**found);
    if (auto e = mayManageMembers(route, caller, team)) return e;
    // The members named: by user_id, by the email of the membership, or by a user's email.
    std::set<std::string> gone;
    std::vector<std::string> by_email;
    if (!req->user_email.empty()) {
      auto users_by_email = s.findUsersByEmail(req->user_email);
      if (!users_by_email) return users_by_email.error();
      for (const store::UserRow& u : *users_by_email) by_email.push_back(u.user_id);
    }
    for (const store::TeamMember& m : team.members) {
      bool named = (!req->user_id.empty() && m.user_id == req->user_id) ||
                   (!req->user_email.empty() &&
                    (sameEmail(m.user_email, req->user_email) ||
                     std::find(by_email.begin(), by_email.end(), m.user_id) != by_email.end()));
      if (named) gone.insert(m.user_id);
    }
    if (gone.empty())
      return invalid(req->user_id.empty() ? "user_email" : "user_id", "User not found in team");
    for (const std::string& u : gone) {
      if (auto r = s.deleteMember(req->team_id, u); !r) return r.error();
    }
    if (auto e = hier::readTeam(s, req->team_id, team)) return e;
    auto read = hier::readUsers(s, {gone.begin(), gone.end()});
    if (!read) return read.error();
    users = std::move(*read);
    hier::writeAudit(s, {trail});
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  hier::usersChanged(c, users);
  hier::teamChanged(c, team);
  co_return ok(hier::liveTeamJson(c, team));
}

}  // namespace switchyard::admin
