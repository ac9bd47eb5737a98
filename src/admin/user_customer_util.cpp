// The shared steps of the /user/* and /customer/* routes (user_customer_util.hpp).

#include "user_customer_util.hpp"

#include "switchyard/keys/key_events.hpp"
#include "switchyard/keys/key_registry.hpp"
#include "switchyard/store/store_thread.hpp"

namespace switchyard::admin::levels {

using nlohmann::json;

store::AuditRow auditRow(const api::Exchange& ex, std::string action, std::string object_id,
                         const json& detail) {
  return {nowMs(), actorOf(ex), std::move(action), std::move(object_id), api::dumpJson(detail)};
}

void dropKeys(const AdminContext& c, const std::vector<std::string>& tokens) {
  for (const std::string& t : tokens) {
    c.keys.erase(t);
    if (c.events != nullptr && !t.empty()) c.events->publish(t);
  }
}

std::string pythonList(const std::vector<std::string>& ids) {
  std::string out = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ", ";
    out += "'" + ids[i] + "'";
  }
  return out + "]";
}

}  // namespace switchyard::admin::levels
