// recordOf (record.hpp).

#include "switchyard/exports/record.hpp"

#include <nlohmann/json.hpp>

#include "switchyard/api/exchange.hpp"
#include "switchyard/api/json_guard.hpp"
#include "switchyard/keys/spend_log.hpp"

namespace switchyard::exports {
namespace {

UnixNanos toNanos(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

void recordOf(const api::Exchange& ex, unsigned status, bool stream, bool messages, ExportRecord& r) {
  r.row = keys::spendRowOf(ex, status, stream);
  r.method = std::string(ex.method);
  r.path = std::string(ex.path);
  const api::Outcome& o = ex.outcome;
  if (o.error) {
    r.error = o.error->logText();
    r.error_code = o.error->code;
  }
  // One reading of both clocks converts the steady times of the request to wall time.
  const auto steady_now = api::Clock::now();
  const auto wall_now = std::chrono::system_clock::now();
  auto wall = [&](api::Clock::time_point t) {
    return toNanos(wall_now - std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                  steady_now - t));
  };
  r.start_ns = wall(ex.started);
  r.end_ns = toNanos(wall_now);
  if (o.overhead) r.overhead_ms = std::chrono::duration<double, std::milli>(*o.overhead).count();
  r.retries = o.attempted_retries;
  r.fallbacks = o.attempted_fallbacks;
  if (ex.trace) {
    r.trace = std::make_unique<api::TraceContext>(*ex.trace);
    r.attempt_ns.reserve(r.trace->attempts.size());
    for (api::TraceContext::Attempt& a : r.trace->attempts) {
      // A stream's attempt lasts as long as its relay: it ends with the request.
      if (a.open) {
        a.end = steady_now;
        if (o.error && status >= 500) a.error = r.error;
      }
      r.attempt_ns.emplace_back(wall(a.start), a.end == api::Clock::time_point{} ? r.end_ns
                                                                                : wall(a.end));
    }
  }
  if (messages) {
    if (const nlohmann::json* prompt = api::promptOf(ex)) r.messages_json = api::dumpJson(*prompt);
    r.response_json = ex.logged_reply;
  }
}

}  // namespace switchyard::exports
