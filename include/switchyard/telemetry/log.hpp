#pragma once
// Logging (spdlog). One logger for the process, writing to stdout from a thread of its own
// (a blocked stdout never blocks a request: lines past a 4 MiB backlog are dropped, counted).
// Human format by default; `json_logs: true` switches to one JSON object per line.
// Nothing here ever receives a key or a prompt: callers pass only what may be logged.

#include <spdlog/spdlog.h>

#include <string_view>
#include <vector>

#include "switchyard/api/exchange.hpp"

namespace switchyard::telemetry {

// Sets up the process logger. `level` is spdlog's name ("info", "debug", "warn"...).
// Returns false when the level name is unknown.
bool initLogging(std::string_view level, bool json);
void setJsonLogs(bool json);
// Lines dropped because stdout could not take them fast enough (switchyard_log_lines_dropped_total).
std::uint64_t droppedLogLines() noexcept;
// SIGUSR1: switches the level to debug, or back to the level logging started with. Returns the
// level now in force.
spdlog::level::level_enum toggleDebugLogging();
// GET/POST /admin/log_level: the level in force; sets it (and the level SIGUSR1 returns to).
// False when the name is unknown ("trace", "debug", "info", "warning", "error", "critical", "off").
bool setLogLevel(std::string_view level);
std::string_view logLevel();

// One access-log line for a finished request.
struct AccessRecord {
  std::string_view method;
  std::string_view path;
  unsigned status = 0;
  const api::Exchange* exchange = nullptr;  // null for routes outside the pipeline
  std::string_view key_alias;               // never the key itself
  double latency_ms = 0;
  bool stream = false;
};
void logAccess(const AccessRecord& r);

// Where a finished request is reported: the access log today; metrics and traces are further
// sinks behind the same call. Called on the worker thread that served the request, once per
// request, when its reply is complete (a stream: when it ended, broke or the client left).
// Implementations must not block.
class RequestSink {
 public:
  virtual ~RequestSink() = default;
  virtual void record(const api::Exchange& ex, unsigned status, bool stream) = 0;
};

// Reports each request to several sinks, in order (the access log, the spend log...).
class RequestSinks final : public RequestSink {
 public:
  void add(RequestSink& sink) { sinks_.push_back(&sink); }
  void record(const api::Exchange& ex, unsigned status, bool stream) override {
    for (RequestSink* s : sinks_) s->record(ex, status, stream);
  }

 private:
  std::vector<RequestSink*> sinks_;
};

// One access-log line per request (logAccess), with the caller's key alias, never the key.
class AccessLog final : public RequestSink {
 public:
  void record(const api::Exchange& ex, unsigned status, bool stream) override;
};

}  // namespace switchyard::telemetry
