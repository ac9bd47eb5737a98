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

// The shared store-job and audit helpers (admin_common.hpp).
using admin::fieldsOf;
using admin::onStore;
using admin::StoreJob;
using admin::writeAudit;

// The audit row of a change to `object_id` by the caller; `detail` names fields, never values.
store::AuditRow auditRow(const api::Exchange& ex, std::string action, std::string object_id,
                         const nlohmann::json& detail);

// After a store change: keys deleted with users dropped from this instance's registry, and the
// other instances told of them.
void dropKeys(const AdminContext& c, const std::vector<std::string>& tokens);

// A list of ids as LiteLLM prints a Python list: ['a', 'b'].
std::string pythonList(const std::vector<std::string>& ids);

}  // namespace switchyard::admin::levels
