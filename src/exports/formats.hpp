#pragma once
// The wire formats of the exporters (private to the exports module):
//   appendSpans    on the worker thread, when a traced request ends: its spans (a SERVER span and
//                  a CLIENT span per upstream attempt, GenAI semantic-convention attributes) in
//                  OTLP protobuf or JSON, appended to the worker's pending spans
//   otlp*Request   on the exporter thread: pending spans framed as one OTLP/HTTP
//                  ExportTraceServiceRequest (protobuf, OTLP/HTTP's default, or JSON)
//   webhookEvent   on the exporter thread: one finished request as LiteLLM's
//                  StandardLoggingPayload names it (docs/observability.md#webhooks)

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "switchyard/exports/record.hpp"

namespace switchyard::exports {

namespace otlp {
struct SpanInput;
}

// The spans of the finished request `ex` (traced: ex.trace is set), appended to `out`: protobuf
// ScopeSpans.spans entries, or (json) span objects separated by commas. `log_messages`: with
// the prompt and the answer.
void appendSpans(const api::Exchange& ex, unsigned status, bool stream, bool log_messages,
                 bool json, std::string& out);
void appendProtoSpans(const otlp::SpanInput& in, std::string& out);
void appendJsonSpans(const otlp::SpanInput& in, std::string& out);

// Spans appended by appendSpans, as an OTLP/HTTP ExportTraceServiceRequest body.
std::string otlpProtoRequest(std::string_view spans, const std::string& service_name);
std::string otlpJsonRequest(std::string_view spans, const std::string& service_name);

nlohmann::json webhookEvent(const ExportRecord& r);

// The answer a record kept (log_messages): a JSON body as is; a stream's SSE events assembled
// into one chat.completion-like object (content and finish_reason); null when empty.
nlohmann::json loggedResponse(const std::string& kept);

}  // namespace switchyard::exports
