#pragma once
// What the admin route handlers share (private to the admin module).

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "switchyard/admin/routes.hpp"
#include "switchyard/api/error.hpp"
#include "switchyard/api/exchange.hpp"
#include "switchyard/api/json_guard.hpp"
#include "switchyard/pipeline/filter.hpp"
#include "switchyard/store/records.hpp"
#include "switchyard/store/store_thread.hpp"

namespace switchyard::admin {

inline store::UnixMs nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// 403 unless the caller holds the master key.
inline std::optional<api::Error> requireMaster(const api::Exchange& ex) {
  if (ex.principal.is_master) return std::nullopt;
  return api::Error{api::ErrorKind::kForbidden,
                    "Only the proxy admin (master key) may call " + std::string(ex.path) + ".",
                    "", 0, "admin_only"};
}

inline api::Error noDatabase() {
  return {api::ErrorKind::kUnavailable, "No database is configured: set database_url.",
          "admin route without a store"};
}

// The JSON object of the request body; an empty body is {}.
inline api::Result<nlohmann::json> bodyOf(const api::Exchange& ex) {
  if (ex.raw_body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return api::Result<nlohmann::json>(boost::system::in_place_value, nlohmann::json::object());
  }
  return api::parseJsonObject(ex.raw_body);
}

// Who did it, for the audit trail: "master" or the key's alias (never the key).
inline std::string actorOf(const api::Exchange& ex) {
  return ex.principal.is_master ? std::string("master") : ex.principal.key_alias;
}

// Tells the other instances that a team (its members included), user or customer changed in the
// store (`spend_set`: its stored spend replaces their live one), or a budget object.
void tellLevel(const AdminContext& c, store::Level level, std::string_view id,
               bool spend_set = false);
void tellBudget(const AdminContext& c, std::string_view budget_id);

// A route's store work: runs on the store thread, returns the error to answer with or nullopt.
// It reads and writes only through the Store it is given and the awaiting handler's locals.
using StoreJob = std::function<std::optional<api::Error>(store::Store&)>;

// Runs `job` on the store thread: the error it returned, or the store thread's.
inline boost::asio::awaitable<std::optional<api::Error>> onStore(const AdminContext& c,
                                                                 StoreJob job) {
  std::optional<api::Error> failed;
  std::function<void(store::Store&)> run = [&](store::Store& s) { failed = job(s); };
  auto ran = co_await c.store->run(std::move(run));
  if (!ran) co_return ran.error();
  co_return failed;
}

// The audit detail of a body: {"fields": [the names of the fields it set]} (values may be
// sensitive; a custom key's "key" / "new_key" are not even named).
inline nlohmann::json fieldsOf(const nlohmann::json& body) {
  nlohmann::json names = nlohmann::json::array();
  if (body.is_object()) {
    for (auto it = body.begin(); it != body.end(); ++it) {
      if (it.key() != "key" && it.key() != "new_key") names.push_back(it.key());
    }
  }
  return {{"fields", std::move(names)}};
}

// The audit row of a change to `object_id` by the caller, naming the body's fields.
inline store::AuditRow auditOf(const api::Exchange& ex, std::string action, std::string object_id,
                               const nlohmann::json& body) {
  return {nowMs(), actorOf(ex), std::move(action), std::move(object_id),
          api::dumpJson(fieldsOf(body))};
}

// Appends audit rows (a failure to write them does not undo the change already made).
inline void writeAudit(store::Store& s, std::vector<store::AuditRow> rows) {
  if (rows.empty()) return;
  (void)s.write(store::WriteBatch{{}, {}, {}, std::move(rows)});
}

inline api::Reply ok(const nlohmann::json& body) {
  return api::Reply::json(200, api::dumpJson(body));
}

inline api::Error keyNotFound() {
  return {api::ErrorKind::kNotFound, "Key not found.", "", 0, "key_not_found", "key"};
}

}  // namespace switchyard::admin
