#pragma once
// W3C trace context of one request (https://www.w3.org/TR/trace-context/), and the upstream
// attempts it made, for the OpenTelemetry export (docs/observability.md#traces).
//
// Set on the Exchange by the request_id filter when tracing is on and the request is sampled:
// the client's `traceparent` names the trace and the parent span, else a new trace starts. The
// request's own span id is made here; each upstream attempt gets a child span, whose id goes to
// the provider in the `traceparent` header. Worker thread only.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::api {

using TraceId = std::array<std::uint8_t, 16>;
using SpanId = std::array<std::uint8_t, 8>;

struct TraceParent {
  TraceId trace_id{};
  SpanId parent_id{};
  std::uint8_t flags = 0;  // bit 0: sampled
  bool sampled() const noexcept { return flags & 1; }
};

// Parses a `traceparent` value ("00-<32 hex>-<16 hex>-<2 hex>"); nullopt when malformed, when an
// id is all zeros, or for version ff. Later versions are read by their first four fields.
std::optional<TraceParent> parseTraceParent(std::string_view v) noexcept;

std::string toHex(const std::uint8_t* bytes, std::size_t n);

// The TraceIdRatioBased sampler's decision: the trace id's last 8 bytes, as a big-endian number,
// below ratio * 2^64. 0 samples nothing, 1 everything.
bool sampledByRatio(const TraceId& id, double ratio) noexcept;

struct TraceContext {
  // One upstream attempt, as a child span of the request's.
  struct Attempt {
    SpanId span_id{};
    std::chrono::steady_clock::time_point start, end;
    std::string deployment_id, model, provider, api_base;
    unsigned status = 0;  // HTTP status the attempt ended with (0: no answer)
    std::string error;    // empty on success
    bool open = false;    // a stream still being relayed: ends with the request
  };

  TraceId trace_id{};
  SpanId span_id{};                  // the request's span
  std::optional<SpanId> parent_id;   // the client's span, from its traceparent
  std::string tracestate;            // the client's, passed on unchanged
  std::vector<Attempt> attempts;

  // A new context: the client's trace when `parent` is given, else a new trace id.
  static TraceContext start(const std::optional<TraceParent>& parent, std::string_view tracestate);

  // Starts an attempt span (its id is what upstream's traceparent carries from now on).
  Attempt& beginAttempt();
  // "00-<trace>-<current attempt's span, or the request's>-01".
  std::string traceparent() const;
};

}  // namespace switchyard::api
