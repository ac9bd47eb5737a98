// recordOf (record.hpp).

#include "switchyard/exports/record.hpp"

#include <nlohmann/json.hpp>

#include "switchyard/api/exchange.hpp"
#include "switchyard/api/json_guard.hpp"
#include "switchyard/keys/spend_log.hpp"

namespace switchyard::exports {
void recordOf(const api::Exchange& ex, unsigned status, bool stream, bool messages, ExportRecord& r) {
  r.row = keys::spendRowOf(ex, status, stream);
  const api::Outcome& o = ex.outcome;
  if (o.error) {
    r.error = o.error->logText();
    r.error_code = o.error->code;
  }
  if (o.overhead) r.overhead_ms = std::chrono::duration<double, std::milli>(*o.overhead).count();
  r.retries = o.attempted_retries;
  r.fallbacks = o.attempted_fallbacks;
  if (ex.trace) r.trace_id = ex.trace->trace_id;
  if (messages) {
    if (std::optional<api::JsonView> prompt = api::promptOf(ex))
      r.messages_json = api::dumpJson(prompt->parse());
    r.response_json = ex.logged_reply;
  }
}

}  // namespace switchyard::exports
