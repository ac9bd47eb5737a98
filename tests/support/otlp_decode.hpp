#pragma once
// The test collector's reader of OTLP/HTTP protobuf: an ExportTraceServiceRequest decoded into
// the shape of its OTLP JSON encoding (resourceSpans / scopeSpans / spans; ids as lower-case hex;
// 64-bit integers and times as decimal strings; kind and status code as numbers), so that the
// tests read spans the same way whichever encoding the gateway sent. Written independently of
// the gateway's encoder, from the opentelemetry-proto field numbers; throws std::runtime_error
// on malformed input (a truncated varint, a length past the end, an unknown wire type).

#include <nlohmann/json.hpp>
#include <string_view>

namespace switchyard::test {

nlohmann::json otlpProtoToJson(std::string_view bytes);

}  // namespace switchyard::test
