#pragma once
// What the webhook exporters get of one finished request: a self-contained copy made on the
// worker thread when the request ends, so that the exporter threads never touch an Exchange.
// Formatting (the webhook payloads) happens on the exporter threads. (Spans need no copy: they are
// encoded on the worker, formats.hpp.)

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

struct ExportRecord {
  store::SpendRow row;  // the spend-log row: tokens, cost, key alias and hash, deployment...
  std::string error;       // the error message of a failure, else empty
  std::string error_code;  // OpenAI's error code/type ("rate_limit_exceeded"...), else empty
  std::optional<double> overhead_ms;
  int retries = 0, fallbacks = 0;
  std::optional<api::TraceId> trace_id;  // set when the request was traced
  // Only with log_messages: the request's messages (or prompt/input) and the answer, as JSON text.
  std::string messages_json, response_json;
};

// Fills `r` (default-constructed, in its queue's slot: no move of the record afterwards) with
// `ex` as it ended with `status`. `messages`: copy the prompt and answer too.
void recordOf(const api::Exchange& ex, unsigned status, bool stream, bool messages, ExportRecord& r);

}  // namespace switchyard::exports
