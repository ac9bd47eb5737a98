// otlpJson, webhookEvent, loggedResponse (formats.hpp).

#include "formats.hpp"

#include "switchyard/providers/url.hpp"

namespace switchyard::exports {
namespace {

using nlohmann::json;

constexpr int kSpanKindServer = 2;
constexpr int kSpanKindClient = 3;
constexpr int kStatusError = 2;

std::string hex(const api::SpanId& id) { return api::toHex(id.data(), id.size()); }
std::string hex(const api::TraceId& id) { return api::toHex(id.data(), id.size()); }

// OTLP attribute list builder.
class Attributes {
 public:
  Attributes& str(const char* key, std::string_view v) {
    if (!v.empty()) list_.push_back({{"key", key}, {"value", {{"stringValue", v}}}});
    return *this;
  }
  Attributes& integer(const char* key, std::int64_t v) {
    // OTLP JSON carries 64-bit integers as strings.
    list_.push_back({{"key", key}, {"value", {{"intValue", std::to_string(v)}}}});
    return *this;
  }
  Attributes& number(const char* key, double v) {
    list_.push_back({{"key", key}, {"value", {{"doubleValue", v}}}});
    return *this;
  }
  Attributes& boolean(const char* key, bool v) {
    list_.push_back({{"key", key}, {"value", {{"boolValue", v}}}});
    return *this;
  }
  json take() { return std::move(list_); }

 private:
  json list_ = json::array();
};

// gen_ai.operation.name of a call type.
std::string_view operationOf(std::string_view call_type) {
  if (call_type == "aembedding") return "embeddings";
  if (call_type == "atext_completion") return "text_completion";
  return "chat";
}

// gen_ai.provider.name (gen_ai.system) of a LiteLLM provider prefix: the semantic conventions'
// well-known values where one exists, else the prefix.
std::string_view genAiSystem(std::string_view provider) {
  if (provider == "azure" || provider == "azure_ai") return "azure.ai.openai";
  if (provider == "gemini") return "gcp.gemini";
  if (provider == "vertex_ai") return "gcp.vertex_ai";
  if (provider == "bedrock") return "aws.bedrock";
  if (provider == "mistral") return "mistral_ai";
  return provider;
}

std::string nanos(UnixNanos n) { return std::to_string(n); }

json requestSpan(const ExportRecord& r) {
  const api::TraceContext& t = *r.trace;
  const store::SpendRow& row = r.row;
  std::string_view op = operationOf(row.call_type);
  Attributes a;
  a.str("http.request.method", r.method)
      .str("url.path", r.path)
      .integer("http.response.status_code", row.http_status)
      .str("gen_ai.operation.name", op)
      .str("gen_ai.request.model", row.model);
  if (!row.custom_llm_provider.empty()) {
    a.str("gen_ai.provider.name", genAiSystem(row.custom_llm_provider))
        .str("gen_ai.system", genAiSystem(row.custom_llm_provider));
  }
  if (!t.attempts.empty()) a.str("gen_ai.response.model", t.attempts.back().model);
  if (row.prompt_tokens || row.completion_tokens) {
    a.integer("gen_ai.usage.input_tokens", static_cast<std::int64_t>(row.prompt_tokens))
        .integer("gen_ai.usage.output_tokens", static_cast<std::int64_t>(row.completion_tokens));
    if (row.cached_tokens)
      a.integer("gen_ai.usage.cache_read.input_tokens", static_cast<std::int64_t>(row.cached_tokens));
    if (row.reasoning_tokens)
      a.integer("gen_ai.usage.reasoning.output_tokens",
                static_cast<std::int64_t>(row.reasoning_tokens));
  }
  a.str("switchyard.request_id", row.request_id)
      .str("switchyard.call_type", row.call_type)
      .str("switchyard.model_group", row.model_group)
      .str("switchyard.deployment_id", row.model_id)
      .str("switchyard.api_base", row.api_base)
      .str("switchyard.key_alias", row.key_alias)
      .str("switchyard.key_hash", row.api_key)
      .str("switchyard.team_id", row.team_id)
      .str("switchyard.end_user", row.end_user)
      .number("switchyard.cost_usd", row.spend)
      .boolean("switchyard.cache_hit", row.cache_hit)
      .boolean("switchyard.stream", row.stream)
      .integer("switchyard.retries", r.retries)
      .integer("switchyard.fallbacks", r.fallbacks);
  if (row.ttft_ms) a.number("switchyard.ttft_ms", *row.ttft_ms);
  if (r.overhead_ms) a.number("switchyard.overhead_ms", *r.overhead_ms);
  if (!r.messages_json.empty()) a.str("gen_ai.input.messages", r.messages_json);
  if (!r.response_json.empty()) a.str("gen_ai.output.messages", loggedResponse(r.response_json).dump());
  const bool failed = row.http_status >= 500 || (!r.error.empty() && row.http_status == 0);
  if (!r.error.empty())
    a.str("error.type", r.error_code.empty() ? std::to_string(row.http_status) : r.error_code);
  json span = {{"traceId", hex(t.trace_id)},
               {"spanId", hex(t.span_id)},
               {"name", r.method + " " + r.path},
               {"kind", kSpanKindServer},
               {"startTimeUnixNano", nanos(r.start_ns)},
               {"endTimeUnixNano", nanos(r.end_ns)},
               {"attributes", a.take()}};
  if (t.parent_id) span["parentSpanId"] = hex(*t.parent_id);
  if (!t.tracestate.empty()) span["traceState"] = t.tracestate;
  // Server spans: a 4xx is the client's error, not the span's (HTTP semantic conventions).
  if (failed) span["status"] = {{"code", kStatusError}, {"message", r.error}};
  return span;
}

json attemptSpan(const ExportRecord& r, std::size_t i) {
  const api::TraceContext& t = *r.trace;
  const api::TraceContext::Attempt& at = t.attempts[i];
  std::string_view op = operationOf(r.row.call_type);
  Attributes a;
  a.str("gen_ai.operation.name", op)
      .str("gen_ai.provider.name", genAiSystem(at.provider))
      .str("gen_ai.system", genAiSystem(at.provider))
      .str("gen_ai.request.model", at.model)
      .str("switchyard.deployment_id", at.deployment_id)
      .integer("switchyard.attempt", static_cast<std::int64_t>(i + 1));
  if (auto url = providers::parseUrl(at.api_base)) {
    a.str("server.address", url->host).integer("server.port", url->port);
  }
  if (at.status) a.integer("http.response.status_code", at.status);
  const bool last = i + 1 == t.attempts.size();
  if (last && at.error.empty() && (r.row.prompt_tokens || r.row.completion_tokens)) {
    a.integer("gen_ai.usage.input_tokens", static_cast<std::int64_t>(r.row.prompt_tokens))
        .integer("gen_ai.usage.output_tokens", static_cast<std::int64_t>(r.row.completion_tokens));
  }
  if (!at.error.empty()) a.str("error.type", at.status ? std::to_string(at.status) : "no_answer");
  json span = {{"traceId", hex(t.trace_id)},
               {"spanId", hex(at.span_id)},
               {"parentSpanId", hex(t.span_id)},
               {"name", std::string(op) + " " + at.model},
               {"kind", kSpanKindClient},
               {"startTimeUnixNano", nanos(r.attempt_ns[i].first)},
               {"endTimeUnixNano", nanos(r.attempt_ns[i].second)},
               {"attributes", a.take()}};
  if (!at.error.empty()) span["status"] = {{"code", kStatusError}, {"message", at.error}};
  return span;
}

double seconds(store::UnixMs ms) { return static_cast<double>(ms) / 1000.0; }

}  // namespace

std::string otlpJson(std::span<const ExportRecord* const> traced, const std::string& service_name) {
  json spans = json::array();
  for (const ExportRecord* r : traced) {
    spans.push_back(requestSpan(*r));
    for (std::size_t i = 0; i < r->trace->attempts.size(); ++i) spans.push_back(attemptSpan(*r, i));
  }
  Attributes resource;
  resource.str("service.name", service_name)
      .str("telemetry.sdk.name", "switchyard")
      .str("telemetry.sdk.language", "cpp");
  json body = {
      {"resourceSpans",
       json::array({{{"resource", {{"attributes", resource.take()}}},
                     {"scopeSpans", json::array({{{"scope", {{"name", "switchyard"}, {"version", "0.1.0"}}},
                                                  {"spans", std::move(spans)}}})}}})}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

json webhookEvent(const ExportRecord& r) {
  const store::SpendRow& row = r.row;
  const bool ok = row.status == "success";
  json metadata = {{"user_api_key_hash", row.api_key.empty() ? json() : json(row.api_key)},
                   {"user_api_key_alias", row.key_alias.empty() ? json() : json(row.key_alias)},
                   {"user_api_key_user_id", row.user.empty() ? json() : json(row.user)},
                   {"user_api_key_team_id", row.team_id.empty() ? json() : json(row.team_id)}};
  json e = {
      {"id", row.request_id},
      {"call_type", row.call_type},
      {"stream", row.stream},
      {"status", row.status},
      {"http_status", row.http_status},
      {"response_cost", row.spend},
      {"prompt_tokens", row.prompt_tokens},
      {"completion_tokens", row.completion_tokens},
      {"total_tokens", row.total_tokens},
      {"cached_tokens", row.cached_tokens},
      {"reasoning_tokens", row.reasoning_tokens},
      {"startTime", seconds(row.start_time)},
      {"endTime", seconds(row.end_time)},
      {"response_time", seconds(row.end_time - row.start_time)},
      {"model", row.model},
      {"model_group", row.model_group},
      {"model_id", row.model_id},
      {"api_base", row.api_base},
      {"custom_llm_provider", row.custom_llm_provider},
      {"cache_hit", row.cache_hit},
      {"request_tags", row.request_tags},
      {"end_user", row.end_user},
      {"metadata", std::move(metadata)},
      {"hidden_params",
       {{"litellm_overhead_time_ms", r.overhead_ms ? json(*r.overhead_ms) : json()},
        {"attempted_retries", r.retries},
        {"attempted_fallbacks", r.fallbacks}}},
  };
  e["completionStartTime"] =
      row.ttft_ms ? json(seconds(row.start_time) + *row.ttft_ms / 1000.0) : json(e["endTime"]);
  if (r.trace) e["trace_id"] = hex(r.trace->trace_id);
  // Prompts and answers only when asked for (log_messages); LiteLLM's marker otherwise.
  if (!r.messages_json.empty()) {
    e["messages"] = json::parse(r.messages_json, nullptr, false);
    e["response"] = loggedResponse(r.response_json);
  } else {
    e["messages"] = "redacted-by-switchyard";
    e["response"] = "redacted-by-switchyard";
  }
  if (!ok) {
    e["error_str"] = r.error;
    e["error_information"] = {{"error_code", std::to_string(row.http_status)},
                              {"error_class", r.error_code},
                              {"llm_provider", row.custom_llm_provider},
                              {"error_message", r.error}};
  }
  return e;
}

json loggedResponse(const std::string& kept) {
  if (kept.empty()) return nullptr;
  json whole = json::parse(kept, nullptr, false);
  if (!whole.is_discarded()) return whole;
  // A stream: the data events, content assembled.
  std::string content, finish;
  json last;
  std::size_t pos = 0;
  while (pos < kept.size()) {
    std::size_t end = kept.find('\n', pos);
    if (end == std::string::npos) end = kept.size();
    std::string_view line(kept.data() + pos, end - pos);
    pos = end + 1;
    if (!line.starts_with("data:")) continue;
    line.remove_prefix(5);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    json ev = json::parse(line, nullptr, false);
    if (ev.is_discarded() || !ev.is_object()) continue;
    last = ev;
    // Anthropic's content_block_delta (a /v1/messages stream).
    if (auto d = ev.find("delta"); d != ev.end() && d->is_object()) {
      if (auto t = d->find("text"); t != d->end() && t->is_string()) content += t->get<std::string>();
    }
    auto choices = ev.find("choices");
    if (choices == ev.end() || !choices->is_array() || choices->empty()) continue;
    const json& c = (*choices)[0];
    if (auto d = c.find("delta"); d != c.end() && d->is_object()) {
      if (auto t = d->find("content"); t != d->end() && t->is_string()) content += t->get<std::string>();
    }

    if (auto t = c.find("text"); t != c.end() && t->is_string()) content += t->get<std::string>();
    if (auto f = c.find("finish_reason"); f != c.end() && f->is_string()) finish = f->get<std::string>();
  }
  json out = {{"object", "chat.completion"},
              {"choices", json::array({{{"index", 0},
                                        {"message", {{"role", "assistant"}, {"content", content}}},
                                        {"finish_reason", finish.empty() ? json() : json(finish)}}})}};
  if (last.is_object()) {
    if (last.contains("id")) out["id"] = last["id"];
    if (last.contains("model")) out["model"] = last["model"];
  }
  return out;
}

}  // namespace switchyard::exports
