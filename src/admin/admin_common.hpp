#pragma once
// What the admin route handlers share (private to the admin module).

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "switchyard/admin/routes.hpp"
#include "switchyard/api/error.hpp"
#include "switchyard/api/exchange.hpp"
#include "switchyard/api/json_guard.hpp"
#include "switchyard/pipeline/filter.hpp"
#include "switchyard/store/records.hpp"

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

inline api::Reply ok(const nlohmann::json& body) {
  return api::Reply::json(200, api::dumpJson(body));
}

inline api::Error keyNotFound() {
  return {api::ErrorKind::kNotFound, "Key not found.", "", 0, "key_not_found", "key"};
}

}  // namespace switchyard::admin
