#pragma once
// The wire formats of the exporters, made on their threads (private to the exports module):
//   otlpJson       an OTLP/HTTP JSON ExportTraceServiceRequest: per traced request, a SERVER span
//                  and a CLIENT span per upstream attempt, GenAI semantic-convention attributes
//   otlpProto      the same request in protobuf (OTLP/HTTP's default encoding)
//   webhookEvent   one finished request as LiteLLM's StandardLoggingPayload names it
//                  (docs/observability.md#webhooks)

#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "switchyard/exports/record.hpp"

namespace switchyard::exports {

std::string otlpJson(std::span<const ExportRecord* const> traced, const std::string& service_name);
// The same spans as an OTLP/HTTP protobuf ExportTraceServiceRequest (application/x-protobuf).
std::string otlpProto(std::span<const ExportRecord* const> traced, const std::string& service_name);

nlohmann::json webhookEvent(const ExportRecord& r);

// The answer a record kept (log_messages): a JSON body as is; a stream's SSE events assembled
// into one chat.completion-like object (content and finish_reason); null when empty.
nlohmann::json loggedResponse(const std::string& kept);

}  // namespace switchyard::exports
