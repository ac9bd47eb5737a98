// LiteLLM's /user/new, /user/update and /user/delete (routes.hpp): validate, write on the store
// thread with an audit row, then update what is in memory (the hierarchy, the key registry) and
// tell the other instances. The reads (/user/info, /user/list) are in user_read_routes.cpp.
//
// Who may: /user/new and /user/delete proxy_admin; /user/update proxy_admin, or a user changing
// its own user_alias / user_email (roles.hpp).
//
// Departures from LiteLLM: /user/update of an unknown user_id or user_email is a 404 (LiteLLM
// upserts: it creates the user); with auto_create_key false /user/new answers "key": null.

#include <set>

#include "roles.hpp"
#include "switchyard/admin/hierarchy_request.hpp"
#include "switchyard/admin/key_request.hpp"
#include "switchyard/api/ids.hpp"
#include "switchyard/auth/key_hash.hpp"
#include "switchyard/keys/hierarchy.hpp"
#include "switchyard/keys/key_events.hpp"
#include "switchyard/keys/key_registry.hpp"
#include "user_customer_util.hpp"

namespace switchyard::admin {
namespace {

using nlohmann::json;
using pipeline::fail;
using namespace levels;

api::Error userNotFound(const std::string& id, std::string_view param = "user_id") {
  return {api::ErrorKind::kNotFound,
          "User not found, passed " + std::string(param) + "=" + id,
          "",
          0,
          "user_not_found",
          std::string(param)};
}

api::Error teamNotFound(const std::string& id) {
  return {api::ErrorKind::kNotFound,
          "Team not found for team_id=" + id,
          "",
          0,
          "team_not_found",
          "teams"};
}

// The body of the key /user/new creates: the request's key fields (models, key_alias, duration,
// metadata, rate limits...). The user's budget (max_budget, soft_budget, budget_duration) and
// spend stay the user's, as in LiteLLM (its key gets key_max_budget, which /user/new leaves unset).
json keyBodyOf(const json& body) {
  json key = body;
  for (const char* field :
       {"max_budget", "soft_budget", "budget_duration", "spend", "user_id", "key", "budget_id"}) {
    key.erase(field);
  }
  return key;
}

// LiteLLM's NewUserResponse: the key's fields (GenerateKeyResponse) with the user's over them, and
// the key, shown this once.
json newUserResponse(const store::UserRow& user, const store::KeyRow* key,
                     const std::string& key_text) {
  json out = key ? generateResponse(*key, key_text) : json::object();
  json fields = userJson(user);
  for (auto it = fields.begin(); it != fields.end(); ++it) out[it.key()] = it.value();
  if (key) {
    out["team_id"] = key->team_id.empty() ? json(nullptr) : json(key->team_id);
    out["key"] = key_text;
  } else {
    out["key"] = nullptr;
  }
  return out;
}

// The teams `ids` as stored now (members included), for the hierarchy; missing ones are skipped.
api::Result<std::vector<store::TeamRow>> teamsNow(store::Store& s,
                                                  const std::set<std::string>& ids) {
  std::vector<store::TeamRow> out;
  for (const std::string& id : ids) {
    auto team = s.findTeam(id);
    if (!team) return team.error();
    if (*team) out.push_back(std::move(**team));
  }
  return out;
}

// The hierarchy and the other instances after a change of `user` and of the teams it is in.
void userChanged(const AdminContext& c, const store::UserRow& user,
                 const std::vector<store::TeamRow>& teams, bool spend_set) {
  if (c.hierarchy) {
    c.hierarchy->putUser(user, spend_set);
    for (const store::TeamRow& t : teams) c.hierarchy->putTeam(t);
  }
  tellLevel(c, store::Level::kUser, user.user_id, spend_set);
  for (const store::TeamRow& t : teams) tellLevel(c, store::Level::kTeam, t.team_id);
}

}  // namespace

Reply newUser(api::Exchange& ex, const AdminContext& c) {
  const Caller caller = callerOf(ex, c.hierarchy);
  if (auto e = requireAdmin(ex, caller)) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  const store::UnixMs now = nowMs();
  const std::string actor = actorOf(ex);

  store::UserRow user;
  if (auto r = applyUserFields(*body, BodyMode::kCreate, now, user); !r) {
    co_return fail(ex, r.error());
  }
  if (user.user_id.empty()) user.user_id = api::newUuid();
  user.created_at = user.updated_at = now;
  user.created_by = user.updated_by = actor;
  auto options = parseNewUserOptions(*body);
  if (!options) co_return fail(ex, options.error());
  std::set<std::string> team_ids;
  for (store::TeamMember& m : options->teams) {
    m.user_id = user.user_id;
    m.user_email = user.user_email;
    team_ids.insert(m.team_id);
  }

  std::optional<store::KeyRow> key;
  std::string key_text;
  if (options->auto_create_key) {
    store::KeyRow row;
    if (auto r = applyKeyFields(keyBodyOf(*body), KeyBodyMode::kGenerate, now, row); !r) {
      co_return fail(ex, r.error());
    }
    try {
      key_text = auth::generateKey();
    } catch (const std::exception& e) {
      co_return fail(ex, {api::ErrorKind::kInternal, "Could not generate a key.", e.what()});
    }
    row.token = auth::hashKey(key_text);
    row.key_name = auth::abbreviateKey(key_text);
    row.user_id = user.user_id;
    row.created_at = row.updated_at = now;
    row.created_by = row.updated_by = actor;
    key = std::move(row);
  }

  std::vector<store::TeamRow> teams;
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    if (!user.user_email.empty()) {
      auto same = s.findUsersByEmail(user.user_email);
      if (!same) return same.error();
      if (!same->empty()) {
        return api::Error{api::ErrorKind::kInvalidRequest,
                          "User with email " + same->front().user_email + " already exists",
                          "",
                          0,
                          "user_exists",
                          "user_email"};
      }
    }
    for (const std::string& id : team_ids) {
      auto team = s.findTeam(id);
      if (!team) return team.error();
      if (!*team) return teamNotFound(id);
    }
    if (key && !key->key_alias.empty()) {
      auto taken = s.findKeyByAlias(key->key_alias);
      if (!taken) return taken.error();
      if (*taken) {
        return api::Error{api::ErrorKind::kInvalidRequest,
                          "key_alias '" + key->key_alias + "' already exists",
                          "",
                          0,
                          "duplicate",
                          "key_alias"};
      }
    }
    if (auto r = s.insertUser(user); !r) return r.error();
    // The memberships and the key, undone with the user when one fails.
    auto undo = [&](api::Error e) -> std::optional<api::Error> {
      (void)s.deleteUsers({user.user_id});
      return e;
    };
    for (const store::TeamMember& m : options->teams) {
      if (auto r = s.putMember(m); !r) return undo(r.error());
    }
    if (key) {
      if (auto r = s.insertKey(*key); !r) return undo(r.error());
    }
    std::vector<store::AuditRow> trail = {auditRow(ex, "user.new", user.user_id, fieldsOf(*body))};
    if (key) {
      trail.push_back(auditRow(ex, "key.generate", key->token, fieldsOf(keyBodyOf(*body))));
    }
    writeAudit(s, std::move(trail));
    if (auto stored = s.findUser(user.user_id); stored && *stored) user = std::move(**stored);
    auto now_teams = teamsNow(s, team_ids);
    if (!now_teams) return now_teams.error();
    teams = std::move(*now_teams);
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  userChanged(c, user, teams, true);
  if (key) {
    c.keys.put(*key);
    if (c.events != nullptr) c.events->publish(key->token);
  }
  co_return ok(newUserResponse(user, key ? &*key : nullptr, key_text));
}

Reply updateUser(api::Exchange& ex, const AdminContext& c) {
  const Caller caller = callerOf(ex, c.hierarchy);
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  auto ref = parseUserRef(*body);
  if (!ref) co_return fail(ex, ref.error());
  const api::Error refused{api::ErrorKind::kForbidden,
                           "User does not have permission to update this user. Only PROXY_ADMIN "
                           "can update other users.",
                           "", 0, "auth_error"};
  // Anyone else may change its own user_alias and user_email only.
  if (!caller.admin()) {
    for (auto it = body->begin(); it != body->end(); ++it) {
      if (it.key() != "user_id" && it.key() != "user_email" && it.key() != "user_alias") {
        co_return fail(ex, refused);
      }
    }
    if (caller.user_id.empty()) co_return fail(ex, refused);
  }
  const store::UnixMs now = nowMs();
  const std::string actor = actorOf(ex);
  const bool spend_set = body->contains("spend") && !(*body)["spend"].is_null();

  store::UserRow row;
  std::vector<store::TeamRow> teams;
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    if (!ref->user_id.empty()) {
      auto found = s.findUser(ref->user_id);
      if (!found) return found.error();
      if (!*found) return userNotFound(ref->user_id);
      row = std::move(**found);
    } else {
      auto found = s.findUsersByEmail(ref->user_email);
      if (!found) return found.error();
      if (found->empty()) return userNotFound(ref->user_email, "user_email");
      row = std::move(found->front());  // LiteLLM updates the first match
    }
    if (!caller.admin() && row.user_id != caller.user_id) return refused;
    const double stored_spend = row.spend.spend;
    if (auto r = applyUserFields(*body, BodyMode::kUpdate, now, row); !r) return r.error();
    row.updated_at = now;
    row.updated_by = actor;
    auto written = s.updateUser(row);
    if (!written) return written.error();
    if (!*written) return userNotFound(row.user_id);
    store::WriteBatch batch;
    if (spend_set && row.spend.spend != stored_spend) {
      // The spend state is written by deltas, never by an update.
      batch.deltas.push_back(
          {row.user_id, row.spend.spend - stored_spend, "", store::Level::kUser, ""});
    }
    batch.audit.push_back(auditRow(ex, "user.update", row.user_id, fieldsOf(*body)));
    if (auto r = s.write(batch); !r && spend_set) return r.error();
    std::set<std::string> ids(row.teams.begin(), row.teams.end());
    auto now_teams = teamsNow(s, ids);
    if (!now_teams) return now_teams.error();
    teams = std::move(*now_teams);
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  userChanged(c, row, teams, spend_set);
  // LiteLLM's answer: {"user_id", "data": the row}.
  co_return ok({{"user_id", row.user_id}, {"data", userJson(row)}});
}

Reply deleteUsers(api::Exchange& ex, const AdminContext& c) {
  const Caller caller = callerOf(ex, c.hierarchy);
  if (auto e = requireAdmin(ex, caller)) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  auto ids = parseUserIds(*body);
  if (!ids) co_return fail(ex, ids.error());

  store::Deleted deleted;
  std::set<std::string> team_ids;
  std::vector<store::TeamRow> teams;
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    // Every user must exist: otherwise nothing is deleted.
    for (const std::string& id : *ids) {
      auto found = s.findUser(id);
      if (!found) return found.error();
      if (!*found) return userNotFound(id, "user_ids");
      team_ids.insert((*found)->teams.begin(), (*found)->teams.end());
    }
    auto gone = s.deleteUsers(*ids);
    if (!gone) return gone.error();
    deleted = std::move(*gone);
    std::vector<store::AuditRow> trail;
    for (const std::string& id : *ids) {
      trail.push_back(auditRow(ex, "user.delete", id, json::object()));
    }
    for (const std::string& token : deleted.key_tokens) {
      trail.push_back(auditRow(ex, "key.delete", token, {{"with_user", true}}));
    }
    writeAudit(s, std::move(trail));
    auto now_teams = teamsNow(s, team_ids);
    if (!now_teams) return now_teams.error();
    teams = std::move(*now_teams);
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  for (const std::string& id : *ids) {
    if (c.hierarchy) c.hierarchy->eraseUser(id);
    tellLevel(c, store::Level::kUser, id);
  }
  for (const store::TeamRow& t : teams) {
    if (c.hierarchy) c.hierarchy->putTeam(t);
    tellLevel(c, store::Level::kTeam, t.team_id);
  }
  dropKeys(c, deleted.key_tokens);
  // LiteLLM answers with the count of users deleted (prisma's delete_many).
  co_return ok(json(deleted.count));
}

}  // namespace switchyard::admin
