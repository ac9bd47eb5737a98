// LiteLLM's /key/* routes (routes.hpp): validate, write on the store thread, then update the
// in-memory registry so the change holds on this instance at once.

#include <boost/asio/use_awaitable.hpp>

#include "admin_common.hpp"
#include "roles.hpp"
#include "switchyard/admin/key_request.hpp"
#include "switchyard/admin/routes.hpp"
#include "switchyard/api/query.hpp"
#include "switchyard/auth/key_hash.hpp"
#include "switchyard/keys/hierarchy.hpp"
#include "switchyard/keys/key_entry.hpp"
#include "switchyard/keys/key_events.hpp"
#include "switchyard/keys/key_registry.hpp"
#include "switchyard/store/store_thread.hpp"

namespace switchyard::admin {
namespace {

using nlohmann::json;
using pipeline::fail;

// Tells the other instances the key changed in the store (key_events.hpp), once it has.
void tell(const AdminContext& c, std::string_view token, bool spend_set = false) {
  if (c.events != nullptr && !token.empty()) c.events->publish(token, spend_set);
}

store::AuditRow audit(const api::Exchange& ex, std::string action, const std::string& token,
                      const json& detail) {
  return {nowMs(), actorOf(ex), std::move(action), token, api::dumpJson(detail)};
}

std::string newKey(const std::optional<std::string>& custom) {
  return custom ? *custom : auth::generateKey();
}

using KeyChange = std::function<std::optional<api::Error>(store::KeyRow&)>;

// On the store thread: reads the key `token` into `row`, lets `change` edit it and writes it
// back (under its new token when `change` gave it one) with `trail` (about the written token)
// in the audit log. Unknown key -> 404.
std::optional<api::Error> rewriteKey(store::Store& s, const std::string& token,
                                     const KeyChange& change, store::AuditRow trail,
                                     store::KeyRow& row) {
  auto found = s.findKey(token);
  if (!found) return found.error();
  if (!*found) return keyNotFound();
  row = std::move(**found);
  if (auto e = change(row)) return e;
  auto written = row.token == token ? s.updateKey(row) : s.replaceKey(token, row);
  if (!written) return written.error();
  if (!*written) return keyNotFound();
  trail.object_id = row.token;
  s.write(store::WriteBatch{{}, {}, {}, {std::move(trail)}});
  return std::nullopt;
}

// Who may change a key owned by `user_id` in `team_id` (docs/teams.md#who-may-do-what): a proxy
// admin any; an internal user its own keys and every key of a team it administers.
std::optional<api::Error> mayChangeKey(const api::Exchange& ex, const AdminContext& c,
                                       const Caller& caller, const std::string& user_id,
                                       const std::string& team_id) {
  if (caller.admin()) return std::nullopt;
  if (caller.mayChange()) {
    if (!team_id.empty() && c.hierarchy) {
      if (auto team = c.hierarchy->team(team_id); team && isTeamAdmin(caller, *team->row)) {
        return std::nullopt;
      }
    }
    if (team_id.empty() && !caller.user_id.empty() && user_id == caller.user_id) {
      return std::nullopt;
    }
  }
  return notAllowed(ex, caller);
}

// The key `row` as it stands and as changed must both be the caller's to change.
KeyChange guarded(const api::Exchange& ex, const AdminContext& c, const Caller& caller,
                  KeyChange change) {
  return
      [&ex, &c, caller, change = std::move(change)](store::KeyRow& r) -> std::optional<api::Error> {
        if (auto e = mayChangeKey(ex, c, caller, r.user_id, r.team_id)) return e;
        if (auto e = change(r)) return e;
        return mayChangeKey(ex, c, caller, r.user_id, r.team_id);
      };
}

}  // namespace

Reply generateKey(api::Exchange& ex, const AdminContext& c) {
  const Caller caller = callerOf(ex, c.hierarchy);
  if (!caller.mayChange()) co_return fail(ex, notAllowed(ex, caller));
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  store::UnixMs now = nowMs();
  store::KeyRow row;
  if (auto r = applyKeyFields(*body, KeyBodyMode::kGenerate, now, row); !r) {
    co_return fail(ex, r.error());
  }
  // An internal user's own key (no team) belongs to it.
  if (!caller.admin() && row.team_id.empty() && row.user_id.empty()) row.user_id = caller.user_id;
  if (auto e = mayChangeKey(ex, c, caller, row.user_id, row.team_id)) {
    co_return fail(ex, std::move(*e));
  }
  auto custom = customKey(*body);
  if (!custom) co_return fail(ex, custom.error());
  std::string key;
  try {
    key = newKey(*custom);
  } catch (const std::exception& e) {
    co_return fail(ex, {api::ErrorKind::kInternal, "Could not generate a key.", e.what()});
  }
  row.token = auth::hashKey(key);
  row.key_name = auth::abbreviateKey(key);
  row.created_at = row.updated_at = now;
  row.created_by = row.updated_by = actorOf(ex);

  store::AuditRow trail = audit(ex, "key.generate", row.token, fieldsOf(*body));
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    if (auto inserted = s.insertKey(row); !inserted) return inserted.error();
    s.write(store::WriteBatch{{}, {}, {}, {trail}});
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  c.keys.put(row);
  tell(c, row.token);
  co_return ok(generateResponse(row, key));
}

Reply keyInfo(api::Exchange& ex, const AdminContext& c) {
  std::string asked = api::queryParam(ex.target, "key");
  std::string token;
  if (asked.empty()) {
    if (!ex.principal.key_row) {
      co_return fail(ex, {api::ErrorKind::kInvalidRequest,
                          "Pass the key to look up as ?key=, or call with a virtual key.", "", 0,
                          "", "key"});
    }
    token = ex.principal.key_row->token;
  } else {
    token = tokenOf(asked);
  }
  // A virtual key may read its own info only.
  if (!ex.principal.is_master && (!ex.principal.key_row || ex.principal.key_row->token != token)) {
    co_return fail(ex, {api::ErrorKind::kForbidden,
                        "A virtual key may only read its own /key/info.", "", 0, "admin_only"});
  }
  if (!c.store) co_return fail(ex, noDatabase());
  store::KeyRow row;
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    auto found = s.findKey(token);
    if (!found) return found.error();
    if (!*found) return keyNotFound();
    row = std::move(**found);
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  json info = admin::keyInfo(row);
  info.erase("token");  // LiteLLM's /key/info does not show the hash either
  co_return ok({{"key", asked.empty() ? row.key_name : asked}, {"info", std::move(info)}});
}

Reply updateKey(api::Exchange& ex, const AdminContext& c) {
  const Caller caller = callerOf(ex, c.hierarchy);
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  auto key = parseKeyParam(*body);
  if (!key) co_return fail(ex, key.error());
  std::string token = tokenOf(*key);
  store::UnixMs now = nowMs();

  store::KeyRow row;
  const std::string actor = actorOf(ex);
  KeyChange change = [&](store::KeyRow& r) -> std::optional<api::Error> {
    if (auto applied = applyKeyFields(*body, KeyBodyMode::kUpdate, now, r); !applied) {
      return applied.error();
    }
    r.updated_at = now;
    r.updated_by = actor;
    return std::nullopt;
  };
  change = guarded(ex, c, caller, std::move(change));
  store::AuditRow trail = audit(ex, "key.update", token, fieldsOf(*body));
  StoreJob job = [&](store::Store& s) { return rewriteKey(s, token, change, trail, row); };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  c.keys.put(row, body->contains("spend"));
  tell(c, row.token, body->contains("spend"));
  json info = admin::keyInfo(row);
  info["key"] = *key;
  co_return ok(info);
}

Reply deleteKeys(api::Exchange& ex, const AdminContext& c) {
  const Caller caller = callerOf(ex, c.hierarchy);
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  auto req = parseDeleteRequest(*body);
  if (!req) co_return fail(ex, req.error());

  std::vector<std::string> tokens;
  std::size_t deleted = 0;
  for (const std::string& k : req->keys) tokens.push_back(tokenOf(k));
  std::string actor = actorOf(ex);
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    // The previous key of a regeneration (in its grace period) names the key it became.
    for (std::string& t : tokens) {
      auto found = s.findKey(t);
      if (!found) return found.error();
      if (*found) continue;
      auto renamed = s.findKeyByPreviousToken(t);
      if (!renamed) return renamed.error();
      if (*renamed) t = (*renamed)->token;
    }
    for (const std::string& alias : req->key_aliases) {
      auto found = s.findKeyByAlias(alias);
      if (!found) return found.error();
      if (*found) tokens.push_back((*found)->token);
    }
    if (!caller.admin()) {  // each key must be the caller's to change; else nothing is deleted
      for (const std::string& t : tokens) {
        auto found = s.findKey(t);
        if (!found) return found.error();
        if (!*found) continue;
        if (auto e = mayChangeKey(ex, c, caller, (*found)->user_id, (*found)->team_id)) return e;
      }
    }
    auto n = s.deleteKeys(tokens);
    if (!n) return n.error();
    deleted = *n;
    store::WriteBatch trail;
    for (const std::string& t : tokens) {
      trail.audit.push_back({nowMs(), actor, "key.delete", t, "{}"});
    }
    s.write(trail);
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  if (deleted == 0) co_return fail(ex, keyNotFound());
  for (const std::string& t : tokens) {
    c.keys.erase(t);
    tell(c, t);
  }
  json shown = req->keys;
  for (const std::string& a : req->key_aliases) shown.push_back(a);
  co_return ok({{"deleted_keys", std::move(shown)}});
}

Reply listKeys(api::Exchange& ex, const AdminContext& c) {
  const Caller caller = callerOf(ex, c.hierarchy);
  if (!c.store) co_return fail(ex, noDatabase());
  store::KeyQuery q;
  auto text = [&](const char* name) -> std::optional<std::string> {
    std::string v = api::queryParam(ex.target, name);
    if (v.empty()) return std::nullopt;
    return v;
  };
  auto integer = [&](const char* name, std::int64_t lo, std::int64_t hi,
                     std::int64_t& out) -> std::optional<api::Error> {
    auto v = text(name);
    if (!v) return std::nullopt;
    try {
      std::size_t used = 0;
      long long n = std::stoll(*v, &used);
      if (used == v->size() && n >= lo && n <= hi) {
        out = n;
        return std::nullopt;
      }
    } catch (...) {
    }
    return api::Error{api::ErrorKind::kInvalidRequest,
                      std::string(name) + " must be an integer from " + std::to_string(lo) +
                          " to " + std::to_string(hi) + ".",
                      "", 0, "", name};
  };
  if (auto e = integer("page", 1, 1'000'000'000, q.page)) co_return fail(ex, std::move(*e));
  if (auto e = integer("size", 1, 100, q.size)) co_return fail(ex, std::move(*e));
  q.key_alias = text("key_alias");
  q.user_id = text("user_id");
  q.team_id = text("team_id");
  // A user that does not read everything sees its own keys (LiteLLM's rule), and the keys of a
  // team it administers when it asks for that team.
  if (!caller.readsAll()) {
    bool team_admin = false;
    if (q.team_id && c.hierarchy) {
      auto team = c.hierarchy->team(*q.team_id);
      team_admin = team && isTeamAdmin(caller, *team->row);
    }
    if (!team_admin) {
      if (caller.user_id.empty()) co_return fail(ex, notAllowed(ex, caller));
      q.user_id = caller.user_id;
    }
  }
  if (auto s = text("sort_by")) {
    static constexpr std::string_view kSortable[] = {"created_at", "updated_at", "spend",
                                                     "key_alias", "expires"};
    if (std::find(std::begin(kSortable), std::end(kSortable), *s) == std::end(kSortable)) {
      co_return fail(ex, {api::ErrorKind::kInvalidRequest,
                          "sort_by must be one of created_at, updated_at, spend, key_alias, "
                          "expires.",
                          "", 0, "", "sort_by"});
    }
    q.sort_by = *s;
  }
  if (auto o = text("sort_order")) {
    if (*o != "asc" && *o != "desc") {
      co_return fail(ex, {api::ErrorKind::kInvalidRequest, "sort_order must be asc or desc.", "",
                          0, "", "sort_order"});
    }
    q.descending = *o == "desc";
  }
  bool full = api::queryParam(ex.target, "return_full_object") == "true";

  store::KeyPage page;
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    auto listed = s.listKeys(q);
    if (!listed) return listed.error();
    page = std::move(*listed);
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  json keys = json::array();
  for (const store::KeyRow& row : page.rows) {
    if (full) {
      keys.push_back(admin::keyInfo(row));
    } else {
      keys.push_back(row.token);  // LiteLLM lists the hashes, never a key
    }
  }
  std::int64_t pages = (page.total + q.size - 1) / q.size;
  co_return ok({{"keys", std::move(keys)},
                {"total_count", page.total},
                {"current_page", q.page},
                {"total_pages", pages}});
}

Reply regenerateKey(api::Exchange& ex, const AdminContext& c) {
  const Caller caller = callerOf(ex, c.hierarchy);
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  auto req = parseRegenerateRequest(*body);
  if (!req) co_return fail(ex, req.error());
  std::string old_key = ex.route_param.empty() ? req->key : ex.route_param;
  if (old_key.empty()) {
    co_return fail(ex, {api::ErrorKind::kInvalidRequest, "Pass the key to regenerate as \"key\".",
                        "", 0, "", "key"});
  }
  std::string old_token = tokenOf(old_key);
  std::string key;
  try {
    key = newKey(req->new_key);
  } catch (const std::exception& e) {
    co_return fail(ex, {api::ErrorKind::kInternal, "Could not generate a key.", e.what()});
  }
  store::UnixMs now = nowMs();

  store::KeyRow row;
  const std::string actor = actorOf(ex);
  KeyChange change = [&](store::KeyRow& r) -> std::optional<api::Error> {
    if (auto applied = applyKeyFields(*body, KeyBodyMode::kUpdate, now, r); !applied) {
      return applied.error();
    }
    r.token = auth::hashKey(key);
    r.key_name = auth::abbreviateKey(key);
    r.updated_at = now;
    r.updated_by = actor;
    if (req->grace_period_s && *req->grace_period_s > 0) {
      r.previous_token = old_token;
      r.previous_token_expires = now + static_cast<store::UnixMs>(*req->grace_period_s * 1000);
    } else {
      r.previous_token.clear();
      r.previous_token_expires.reset();
    }
    return std::nullopt;
  };
  store::AuditRow trail = audit(ex, "key.regenerate", old_token, fieldsOf(*body));
  change = guarded(ex, c, caller, std::move(change));
  StoreJob job = [&](store::Store& s) { return rewriteKey(s, old_token, change, trail, row); };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  c.keys.rekey(old_token, row);
  tell(c, old_token);
  tell(c, row.token);
  co_return ok(generateResponse(row, key));
}

namespace {

Reply setBlocked(api::Exchange& ex, const AdminContext& c, bool blocked) {
  const Caller caller = callerOf(ex, c.hierarchy);
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  auto key = parseKeyParam(*body);
  if (!key) co_return fail(ex, key.error());
  std::string token = tokenOf(*key);
  store::UnixMs now = nowMs();
  store::KeyRow row;
  const std::string actor = actorOf(ex);
  KeyChange change = [&](store::KeyRow& r) -> std::optional<api::Error> {
    r.blocked = blocked;
    r.updated_at = now;
    r.updated_by = actor;
    return std::nullopt;
  };
  store::AuditRow trail = audit(ex, blocked ? "key.block" : "key.unblock", token, json::object());
  change = guarded(ex, c, caller, std::move(change));
  StoreJob job = [&](store::Store& s) { return rewriteKey(s, token, change, trail, row); };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  c.keys.put(row, false);
  tell(c, row.token);
  co_return ok(admin::keyInfo(row));
}

}  // namespace

Reply blockKey(api::Exchange& ex, const AdminContext& c) { return setBlocked(ex, c, true); }
Reply unblockKey(api::Exchange& ex, const AdminContext& c) { return setBlocked(ex, c, false); }

}  // namespace switchyard::admin
