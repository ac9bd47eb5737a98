#pragma once
// What the spans of a traced request say, once for both OTLP encodings (otlp_json.cpp,
// otlp_proto.cpp): per request a SERVER span and a CLIENT span per upstream attempt, with the
// GenAI semantic-convention attributes (docs/observability.md#traces). Private to the exports
// module.
//
// An encoding is a class `Out` with
//   void begin(const SpanHead&);                  opens a span: ids, name, kind, times
//   void str(std::string_view key, std::string_view value);      (never called with "")
//   void integer(std::string_view key, std::int64_t value);
//   void number(std::string_view key, double value, int decimals);  ms to the µs, $ to 1e-12
//   void boolean(std::string_view key, bool value);
//   void end(bool failed, std::string_view error);  status ERROR with the message, else unset
// Keys are literals (no escaping needed).

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <optional>

#include <span>
#include <utility>

#include "switchyard/api/json_writer.hpp"
#include "switchyard/api/trace.hpp"
#include "switchyard/keys/spend_log.hpp"
#include "switchyard/providers/url.hpp"

namespace switchyard::exports::otlp {

using UnixNanos = std::int64_t;

// A traced request as its spans tell it, viewing the finished exchange on its worker thread
// (spans.cpp makes it; valid during that call only).
struct SpanInput {
  const decltype(keys::SpendView::row)& row;  // tokens, cost, key alias and hash, deployment...
  std::string_view method, path;
  std::string_view error;       // the error message of a failure, else ""
  std::string_view error_code;  // OpenAI's error code/type ("rate_limit_exceeded"...), else ""
  UnixNanos start_ns = 0, end_ns = 0;
  std::optional<double> overhead_ms;
  int retries = 0, fallbacks = 0;
  const api::TraceContext& trace;
  // {start, end} of trace.attempts[i] as wall-clock nanoseconds (a stream's attempt that was
  // still open ends with the request).
  std::span<const std::pair<UnixNanos, UnixNanos>> attempt_ns;
  // A stream's attempt still open when the request failed with a 5xx failed with it.
  bool open_attempt_failed = false;
  std::string_view messages_json;  // log_messages: the request's messages as JSON, else ""
  std::string_view response;       // log_messages: the answer as GenAI output messages, else ""

  std::string_view attemptError(std::size_t i) const {
    const api::TraceContext::Attempt& a = trace.attempts[i];
    return a.open && open_attempt_failed && a.error.empty() ? error : std::string_view(a.error);
  }
};

constexpr int kSpanKindServer = 2;
constexpr int kSpanKindClient = 3;

struct SpanHead {
  const api::TraceId& trace_id;
  const api::SpanId& span_id;
  const api::SpanId* parent;     // null: a root span
  std::string_view tracestate;   // "" when none
  std::string_view name_head;    // the name is "name_head name_tail"
  std::string_view name_tail;
  int kind;
  std::int64_t start_ns, end_ns;
};

// Room for the spans of `r` in either encoding: their fixed text and every value they may hold,
// escaped (JSON's worst case, 6 bytes per byte, bounds protobuf's too).
inline std::size_t spanBound(const SpanInput& r) {
  const auto& row = r.row;
  std::size_t dynamic = r.method.size() + r.path.size() + row.model.size() + row.request_id.size() +
                        row.call_type.size() + row.model_group.size() + row.model_id.size() +
                        row.api_base.size() + row.key_alias.size() + row.api_key.size() +
                        row.team_id.size() + row.end_user.size() + row.custom_llm_provider.size() * 2 +
                        r.error.size() * 2 + r.error_code.size() + r.trace.tracestate.size() +
                        r.messages_json.size() + r.response.size();
  for (std::size_t i = 0; i < r.trace.attempts.size(); ++i) {
    const api::TraceContext::Attempt& a = r.trace.attempts[i];
    dynamic += a.model.size() * 2 + a.provider.size() * 2 + a.deployment_id.size() +
               a.api_base.size() + r.attemptError(i).size() * 2 + 64;
  }
  return 4096 + 1024 * r.trace.attempts.size() + api::jsonStringBound(dynamic);
}

// gen_ai.operation.name of a call type.
inline std::string_view operationOf(std::string_view call_type) {
  if (call_type == "aembedding") return "embeddings";
  if (call_type == "atext_completion") return "text_completion";
  return "chat";
}

// gen_ai.provider.name (gen_ai.system) of a LiteLLM provider prefix: the semantic conventions'
// well-known values where one exists, else the prefix.
inline std::string_view genAiSystem(std::string_view provider) {
  if (provider == "azure" || provider == "azure_ai") return "azure.ai.openai";
  if (provider == "gemini") return "gcp.gemini";
  if (provider == "vertex_ai") return "gcp.vertex_ai";
  if (provider == "bedrock") return "aws.bedrock";
  if (provider == "mistral") return "mistral_ai";
  return provider;
}

// The parsed URL of a deployment's api_base (null when it does not parse), remembered by the
// exporter thread: a gateway has a handful of deployments and each attempt names one.
inline const providers::Url* serverOf(const std::string& api_base) {
  thread_local std::unordered_map<std::string, std::optional<providers::Url>> known;
  auto it = known.find(api_base);
  if (it == known.end()) {
    if (known.size() >= 1024) known.clear();  // bounded, whatever the config holds
    it = known.emplace(api_base, providers::parseUrl(api_base)).first;
  }
  return it->second ? &*it->second : nullptr;
}

// The request's SERVER span.
template <class Out>
void requestSpan(Out& out, const SpanInput& r) {
  const api::TraceContext& t = r.trace;
  const auto& row = r.row;
  const std::string_view op = operationOf(row.call_type);
  out.begin(SpanHead{t.trace_id, t.span_id, t.parent_id ? &*t.parent_id : nullptr, t.tracestate,
                     r.method, r.path, kSpanKindServer, r.start_ns, r.end_ns});
  auto str = [&](std::string_view key, std::string_view v) {
    if (!v.empty()) out.str(key, v);
  };
  str("http.request.method", r.method);
  str("url.path", r.path);
  out.integer("http.response.status_code", row.http_status);
  str("gen_ai.operation.name", op);
  str("gen_ai.request.model", row.model);
  if (!row.custom_llm_provider.empty()) {
    str("gen_ai.provider.name", genAiSystem(row.custom_llm_provider));
    str("gen_ai.system", genAiSystem(row.custom_llm_provider));
  }
  if (!t.attempts.empty()) str("gen_ai.response.model", t.attempts.back().model);
  if (row.prompt_tokens || row.completion_tokens) {
    out.integer("gen_ai.usage.input_tokens", static_cast<std::int64_t>(row.prompt_tokens));
    out.integer("gen_ai.usage.output_tokens", static_cast<std::int64_t>(row.completion_tokens));
    if (row.cached_tokens)
      out.integer("gen_ai.usage.cache_read.input_tokens", static_cast<std::int64_t>(row.cached_tokens));
    if (row.reasoning_tokens)
      out.integer("gen_ai.usage.reasoning.output_tokens",
                  static_cast<std::int64_t>(row.reasoning_tokens));
  }
  str("switchyard.request_id", row.request_id);
  str("switchyard.call_type", row.call_type);
  str("switchyard.model_group", row.model_group);
  str("switchyard.deployment_id", row.model_id);
  str("switchyard.api_base", row.api_base);
  str("switchyard.key_alias", row.key_alias);
  str("switchyard.key_hash", row.api_key);
  str("switchyard.team_id", row.team_id);
  str("switchyard.end_user", row.end_user);
  out.number("switchyard.cost_usd", row.spend, 12);
  out.boolean("switchyard.cache_hit", row.cache_hit);
  out.boolean("switchyard.stream", row.stream);
  out.integer("switchyard.retries", r.retries);
  out.integer("switchyard.fallbacks", r.fallbacks);
  if (row.ttft_ms) out.number("switchyard.ttft_ms", *row.ttft_ms, 3);
  if (r.overhead_ms) out.number("switchyard.overhead_ms", *r.overhead_ms, 3);
  str("gen_ai.input.messages", r.messages_json);
  str("gen_ai.output.messages", r.response);
  if (!r.error.empty()) {
    if (!r.error_code.empty()) {
      out.str("error.type", r.error_code);
    } else {
      out.integer("error.type", row.http_status);
    }
  }
  // Server spans: a 4xx is the client's error, not the span's (HTTP semantic conventions).
  const bool failed = row.http_status >= 500 || (!r.error.empty() && row.http_status == 0);
  out.end(failed, r.error);
}

// The CLIENT span of upstream attempt `i`.
template <class Out>
void attemptSpan(Out& out, const SpanInput& r, std::size_t i) {
  const api::TraceContext& t = r.trace;
  const api::TraceContext::Attempt& at = t.attempts[i];
  const std::string_view op = operationOf(r.row.call_type);
  out.begin(SpanHead{t.trace_id, at.span_id, &t.span_id, {}, op, at.model, kSpanKindClient,
                     r.attempt_ns[i].first, r.attempt_ns[i].second});  // "chat gpt-4o"
  auto str = [&](std::string_view key, std::string_view v) {
    if (!v.empty()) out.str(key, v);
  };
  str("gen_ai.operation.name", op);
  str("gen_ai.provider.name", genAiSystem(at.provider));
  str("gen_ai.system", genAiSystem(at.provider));
  str("gen_ai.request.model", at.model);
  str("switchyard.deployment_id", at.deployment_id);
  out.integer("switchyard.attempt", static_cast<std::int64_t>(i + 1));
  if (const providers::Url* url = serverOf(at.api_base)) {
    str("server.address", url->host);
    out.integer("server.port", url->port);
  }
  if (at.status) out.integer("http.response.status_code", at.status);
  const bool last = i + 1 == t.attempts.size();
  const std::string_view error = r.attemptError(i);
  if (last && error.empty() && (r.row.prompt_tokens || r.row.completion_tokens)) {
    out.integer("gen_ai.usage.input_tokens", static_cast<std::int64_t>(r.row.prompt_tokens));
    out.integer("gen_ai.usage.output_tokens", static_cast<std::int64_t>(r.row.completion_tokens));
  }
  if (!error.empty()) {
    if (at.status) {
      out.integer("error.type", at.status);
    } else {
      out.str("error.type", "no_answer");
    }
  }
  out.end(!error.empty(), error);
}

}  // namespace switchyard::exports::otlp
