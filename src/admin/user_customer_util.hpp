#pragma once
// What the /user/* and /customer/* route handlers share (private to the admin module): running a
// job on the store thread, the audit row of a change, and the in-memory steps after one (the
// hierarchy, the key registry, the other instances).

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "admin_common.hpp"
#include "switchyard/api/error.hpp"
#include "switchyard/store/store.hpp"

namespace switchyard::admin::levels {

using StoreJob = std::function<std::optional<api::Error>(store::Store&)>;

// Runs `job` on the store thread: the error it returned, or the store thread's.
boost::asio::awaitable<std::optional<api::Error>> onStore(const AdminContext& c, StoreJob job);

// The audit row of a change to `object_id` by the caller; `detail` names fields, never values.
store::AuditRow auditRow(const api::Exchange& ex, std::string action, std::string object_id,
                         const nlohmann::json& detail);
// {"fields": [the names of the body's fields]}.
nlohmann::json fieldsOf(const nlohmann::json& body);

// Appends `rows` to the audit log (best effort: a change already made stays made).
void writeAudit(store::Store& s, std::vector<store::AuditRow> rows);

// After a store change: keys deleted with users dropped from this instance's registry, and the
// other instances told of them.
void dropKeys(const AdminContext& c, const std::vector<std::string>& tokens);

// A list of ids as LiteLLM prints a Python list: ['a', 'b'].
std::string pythonList(const std::vector<std::string>& ids);

}  // namespace switchyard::admin::levels
