// LiteLLM's team routes that change a team as a whole (routes.hpp): /team/new, /team/update,
// /team/delete, /team/block, /team/unblock (proxy_admin only), /team/model/add and
// /team/model/delete (proxy_admin, or an internal_user who is an admin of that team).
//
// Each handler validates the body, then runs one store job (read, authorize against the stored
// team, write, re-read, audit row) and, once it succeeded, puts the re-read team into the
// hierarchy, drops deleted keys from the registry and tells the other instances.
//
// The master key creates a team without adding itself as a member: LiteLLM adds its proxy admin
// user "default_user_id" as a team admin; a key of a proxy_admin user is added, as LiteLLM does.

#include <algorithm>
#include <set>

#include "switchyard/admin/key_request.hpp"
#include "switchyard/api/ids.hpp"
#include "switchyard/keys/hierarchy.hpp"
#include "switchyard/keys/key_entry.hpp"
#include "switchyard/keys/key_events.hpp"
#include "switchyard/keys/key_registry.hpp"
#include "team_budget_common.hpp"

namespace switchyard::admin {

namespace hier {

std::optional<api::Error> checkBudgetExists(store::Store& s, const std::string& budget_id) {
  if (budget_id.empty()) return std::nullopt;
  auto found = s.findBudget(budget_id);
  if (!found) return found.error();
  if (!*found) return invalid("budget_id", "Budget not found, passed budget_id=" + budget_id);
  return std::nullopt;
}

nlohmann::json liveTeamJson(const AdminContext& c, const store::TeamRow& row) {
  nlohmann::json out = teamJson(row);
  if (c.hierarchy != nullptr) {
    if (std::optional<keys::TeamView> t = c.hierarchy->team(row.team_id); t && t->counters) {
      // As the team's next request finds them: a window past its end counts as reset, and a
      // new budget_duration's window ends where its first request will put it.
      keys::KeyFigures f = t->counters->figures(keys::SysClock::now());
      out["spend"] = f.spend;
      out["budget_reset_at"] =
          f.budget_reset_at ? nlohmann::json(isoTime(*f.budget_reset_at)) : nlohmann::json(nullptr);
    }
  }
  return out;
}

void teamChanged(const AdminContext& c, const store::TeamRow& row, bool spend_set) {
  if (c.hierarchy != nullptr) c.hierarchy->putTeam(row, spend_set);
  tellLevel(c, store::Level::kTeam, row.team_id, spend_set);
}

void usersChanged(const AdminContext& c, const std::vector<store::UserRow>& users) {
  for (const store::UserRow& u : users) {
    if (c.hierarchy != nullptr) c.hierarchy->putUser(u, false);
    tellLevel(c, store::Level::kUser, u.user_id);
  }
}

}  // namespace hier

namespace {

using hier::invalid;
using hier::onStore;
using hier::StoreJob;
using nlohmann::json;
using pipeline::fail;

// The user ids of a team's members.
std::vector<std::string> memberIds(const store::TeamRow& row) {
  std::vector<std::string> ids;
  for (const store::TeamMember& m : row.members) {
    if (!m.user_id.empty()) ids.push_back(m.user_id);
  }
  return ids;
}

// On the store thread: reads the team, lets `change` edit it, writes it back, re-reads it into
// `row` and appends `trail` to the audit log.
using TeamChange = std::function<std::optional<api::Error>(store::TeamRow&)>;
std::optional<api::Error> rewriteTeam(store::Store& s, const std::string& team_id,
                                      const TeamChange& change, store::AuditRow trail,
                                      store::TeamRow& row) {
  if (auto e = hier::readTeam(s, team_id, row)) return e;
  if (auto e = change(row)) return e;
  auto written = s.updateTeam(row);
  if (!written) return written.error();
  if (!*written) return hier::teamNotFound(team_id);
  if (auto e = hier::readTeam(s, team_id, row)) return e;
  hier::writeAudit(s, {std::move(trail)});
  return std::nullopt;
}

// The team id of /team/block, /team/unblock, /team/update.
api::Result<std::string> teamIdOf(const json& body) { return parseRequiredId(body, "team_id"); }

Reply setBlocked(api::Exchange& ex, const AdminContext& c, bool blocked) {
  Caller caller = callerOf(ex, c.hierarchy);
  if (auto e = requireAdmin(ex, caller)) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  auto team_id = teamIdOf(*body);
  if (!team_id) co_return fail(ex, team_id.error());
  const store::UnixMs now = nowMs();
  const std::string actor = actorOf(ex);
  TeamChange change = [&](store::TeamRow& r) -> std::optional<api::Error> {
    r.blocked = blocked;
    r.updated_at = now;
    r.updated_by = actor;
    return std::nullopt;
  };
  store::TeamRow row;
  store::AuditRow trail =
      hier::auditOf(ex, blocked ? "team.block" : "team.unblock", *team_id, *body);
  StoreJob job = [&](store::Store& s) { return rewriteTeam(s, *team_id, change, trail, row); };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  hier::teamChanged(c, row);
  co_return ok(hier::liveTeamJson(c, row));
}

// /team/model/add (add = true), /team/model/delete.
Reply changeModels(api::Exchange& ex, const AdminContext& c, bool add) {
  Caller caller = callerOf(ex, c.hierarchy);
  if (!caller.mayChange()) co_return fail(ex, notAllowed(ex, caller));
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  auto req = parseTeamModels(*body);
  if (!req) co_return fail(ex, req.error());
  const store::UnixMs now = nowMs();
  const std::string actor = actorOf(ex);
  TeamChange change = [&](store::TeamRow& r) -> std::optional<api::Error> {
    if (!caller.admin() && !isTeamAdmin(caller, r)) {
      return hier::forbidden("Only proxy admin or team admin can modify team models");
    }
    if (add) {
      // LiteLLM: a team with no models has every model; adding to it keeps that access.
      if (r.models.empty()) r.models.push_back("all-proxy-models");
      for (const std::string& m : req->models) {
        if (std::find(r.models.begin(), r.models.end(), m) == r.models.end()) {
          r.models.push_back(m);
        }
      }
    } else {
      // LiteLLM: removing every listed model may leave [] (= every model).
      std::erase_if(r.models, [&](const std::string& m) {
        return std::find(req->models.begin(), req->models.end(), m) != req->models.end();
      });
    }
    r.updated_at = now;
    r.updated_by = actor;
    return std::nullopt;
  };
  store::TeamRow row;
  store::AuditRow trail =
      hier::auditOf(ex, add ? "team.model_add" : "team.model_delete", req->team_id, *body);
  StoreJob job = [&](store::Store& s) { return rewriteTeam(s, req->team_id, change, trail, row); };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  hier::teamChanged(c, row);
  co_return ok(hier::liveTeamJson(c, row));
}

}  // namespace

Reply newTeam(api::Exchange& ex, const AdminContext& c) {
  Caller caller = callerOf(ex, c.hierarchy);
  if (auto e = requireAdmin(ex, caller)) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  const store::UnixMs now = nowMs();
  store::TeamRow row;
  if (auto r = applyTeamFields(*body, BodyMode::kCreate, now, row); !r) {
    co_return fail(ex, r.error());
  }
  if (row.team_id.empty()) row.team_id = api::newUuid();
  // A key of a proxy_admin user creating a team becomes one of its admins (LiteLLM's rule).
  if (!caller.user_id.empty() &&
      std::none_of(row.members.begin(), row.members.end(),
                   [&](const store::TeamMember& m) { return m.user_id == caller.user_id; })) {
    store::TeamMember self;
    self.user_id = caller.user_id;
    self.role = "admin";
    row.members.push_back(std::move(self));
  }
  for (store::TeamMember& m : row.members) m.team_id = row.team_id;
  const std::string actor = actorOf(ex);
  row.created_at = row.updated_at = now;
  row.created_by = row.updated_by = actor;

  std::vector<store::UserRow> users;
  store::AuditRow trail = hier::auditOf(ex, "team.new", row.team_id, *body);
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    const std::string exists_message =
        "Team id = " + row.team_id + " already exists. Please use a different team id.";
    auto existing = s.findTeam(row.team_id);
    if (!existing) return existing.error();
    if (*existing) return invalid("team_id", exists_message);
    if (auto e = hier::checkBudgetExists(s, row.budget_id)) return e;
    auto resolved = hier::resolveMembers(s, row.members, "members_with_roles", actor, now);
    if (!resolved) return resolved.error();
    if (auto inserted = s.insertTeam(row); !inserted) {
      api::Error e = inserted.error();
      if (e.kind == api::ErrorKind::kInvalidRequest && e.param == "team_id") {
        e.message = exists_message;
      }
      return e;
    }
    if (auto e = hier::writeMembers(s, *resolved)) return e;
    if (auto e = hier::readTeam(s, row.team_id, row)) return e;
    auto read = hier::readUsers(s, memberIds(row));
    if (!read) return read.error();
    users = std::move(*read);
    hier::writeAudit(s, {trail});
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  hier::usersChanged(c, users);
  hier::teamChanged(c, row, true);
  co_return ok(hier::liveTeamJson(c, row));
}

Reply updateTeam(api::Exchange& ex, const AdminContext& c) {
  Caller caller = callerOf(ex, c.hierarchy);
  if (auto e = requireAdmin(ex, caller)) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  auto team_id = teamIdOf(*body);
  if (!team_id) co_return fail(ex, team_id.error());
  // The whole body is checked before the team is looked up (a bad field is a 400 either way).
  {
    store::TeamRow probe;
    if (auto r = applyTeamFields(*body, BodyMode::kUpdate, 0, probe); !r) {
      co_return fail(ex, r.error());
    }
  }
  const store::UnixMs now = nowMs();
  const std::string actor = actorOf(ex);
  const bool budget_named = body->contains("budget_id");
  TeamChange change = [&](store::TeamRow& r) -> std::optional<api::Error> {
    if (auto applied = applyTeamFields(*body, BodyMode::kUpdate, now, r); !applied) {
      return applied.error();
    }
    r.updated_at = now;
    r.updated_by = actor;
    return std::nullopt;
  };
  store::TeamRow row;
  store::AuditRow trail = hier::auditOf(ex, "team.update", *team_id, *body);
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    if (budget_named) {
      auto it = body->find("budget_id");
      if (it->is_string()) {
        if (auto e = hier::checkBudgetExists(s, it->get<std::string>())) return e;
      }
    }
    return rewriteTeam(s, *team_id, change, trail, row);
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  hier::teamChanged(c, row);
  co_return ok({{"team_id", row.team_id}, {"data", hier::liveTeamJson(c, row)}});
}

Reply deleteTeams(api::Exchange& ex, const AdminContext& c) {
  Caller caller = callerOf(ex, c.hierarchy);
  if (auto e = requireAdmin(ex, caller)) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  auto ids = parseTeamIds(*body);
  if (!ids) co_return fail(ex, ids.error());
  std::vector<std::string> team_ids;
  for (std::string& id : *ids) {
    if (std::find(team_ids.begin(), team_ids.end(), id) == team_ids.end()) team_ids.push_back(id);
  }

  std::vector<store::AuditRow> trail;
  for (const std::string& id : team_ids)
    trail.push_back(hier::auditOf(ex, "team.delete", id, *body));
  store::Deleted deleted;
  std::vector<store::UserRow> users;
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    // Every team must exist: nothing is deleted otherwise (LiteLLM's rule).
    std::set<std::string> member_ids;
    for (const std::string& id : team_ids) {
      store::TeamRow row;
      if (auto e = hier::readTeam(s, id, row)) return e;
      for (std::string& u : memberIds(row)) member_ids.insert(std::move(u));
    }
    auto gone = s.deleteTeams(team_ids);
    if (!gone) return gone.error();
    deleted = std::move(*gone);
    auto read = hier::readUsers(s, {member_ids.begin(), member_ids.end()});
    if (!read) return read.error();
    users = std::move(*read);
    hier::writeAudit(s, trail);
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  for (const std::string& id : team_ids) {
    if (c.hierarchy != nullptr) c.hierarchy->eraseTeam(id);
    tellLevel(c, store::Level::kTeam, id);
  }
  for (const std::string& token : deleted.key_tokens) {
    c.keys.erase(token);
    if (c.events != nullptr) c.events->publish(token);
  }
  hier::usersChanged(c, users);
  co_return ok({{"deleted_teams", team_ids}});
}

Reply blockTeam(api::Exchange& ex, const AdminContext& c) { return setBlocked(ex, c, true); }
Reply unblockTeam(api::Exchange& ex, const AdminContext& c) { return setBlocked(ex, c, false); }
Reply addTeamModels(api::Exchange& ex, const AdminContext& c) { return changeModels(ex, c, true); }
Reply deleteTeamModels(api::Exchange& ex, const AdminContext& c) {
  return changeModels(ex, c, false);
}

}  // namespace switchyard::admin
