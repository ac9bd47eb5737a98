#pragma once
// What the exporters (OpenTelemetry, webhooks) get of one finished request: a self-contained
// copy made on the worker thread when the request ends, so that the exporter threads never touch
// an Exchange. Formatting (OTLP JSON, webhook payloads) happens on the exporter threads.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "switchyard/api/trace.hpp"
#include "switchyard/store/records.hpp"

namespace switchyard::api {
struct Exchange;
}

namespace switchyard::exports {

using UnixNanos = std::int64_t;

struct ExportRecord {
  store::SpendRow row;  // the spend-log row: tokens, cost, key alias and hash, deployment...
  std::string method, path;
  std::string error;       // the error message of a failure, else empty
  std::string error_code;  // OpenAI's error code/type ("rate_limit_exceeded"...), else empty
  UnixNanos start_ns = 0, end_ns = 0;
  std::optional<double> overhead_ms;
  int retries = 0, fallbacks = 0;
  // Set when the request was traced (ex.trace): the context and attempts, their times as wall
  // clock nanoseconds (attempt_ns[i] = {start, end} of trace->attempts[i]).
  std::unique_ptr<api::TraceContext> trace;
  std::vector<std::pair<UnixNanos, UnixNanos>> attempt_ns;
  // Only with log_messages: the request's messages (or prompt/input) and the answer, as JSON text.
  std::string messages_json, response_json;
};

// Fills `r` (default-constructed, in its queue's slot: no move of the record afterwards) with
// `ex` as it ended with `status`. `messages`: copy the prompt and answer too.
void recordOf(const api::Exchange& ex, unsigned status, bool stream, bool messages, ExportRecord& r);

}  // namespace switchyard::exports
