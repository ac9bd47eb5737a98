// otlpJson (formats.hpp): OTLP/HTTP JSON ExportTraceServiceRequest, written with a raw cursor.
//
// A span is written into room reserved for its worst case (fixed text plus every dynamic value
// escaped at 6 bytes per byte), then the string is cut to what was written: literal fragments
// are fixed-size copies, values are escaped in place. This keeps a traced request's export at a
// few thousand instructions on the exporter thread (docs/performance.md).

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "formats.hpp"
#include "switchyard/api/json_writer.hpp"
#include "switchyard/providers/url.hpp"

namespace switchyard::exports {
namespace {

constexpr int kSpanKindServer = 2;
constexpr int kSpanKindClient = 3;

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

// A cursor into room the caller reserved.
class Cursor {
 public:
  explicit Cursor(char* p) : p_(p) {}
  char* end() const { return p_; }

  template <std::size_t N>
  Cursor& lit(const char (&s)[N]) {  // a literal: its size is known here
    std::memcpy(p_, s, N - 1);
    p_ += N - 1;
    return *this;
  }
  Cursor& raw(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
    return *this;
  }
  Cursor& str(std::string_view s) {
    p_ = api::writeJsonString(p_, s);
    return *this;
  }
  // "head tail" as one JSON string: `head` a plain token (an HTTP method, an operation name),
  // `tail` escaped. The opening quote of the escaped tail becomes the space between them.
  Cursor& joined(std::string_view head, std::string_view tail) {
    *p_++ = '"';
    raw(head);
    char* space = p_;
    p_ = api::writeJsonString(p_, tail);
    *space = ' ';
    return *this;
  }
  Cursor& num(std::int64_t v) {
    p_ = std::to_chars(p_, p_ + 20, v).ptr;
    return *this;
  }
  Cursor& quotedNum(std::int64_t v) {  // OTLP JSON's 64-bit integers are strings
    *p_++ = '"';
    num(v);
    *p_++ = '"';
    return *this;
  }
  Cursor& fixed(double v, int decimals) {
    if (!std::isfinite(v)) return lit("0");
    p_ = api::writeFixed(p_, v, decimals);
    return *this;
  }
  template <std::size_t N>
  Cursor& hex(const std::array<std::uint8_t, N>& id) {
    static constexpr char kHex[] = "0123456789abcdef";
    *p_++ = '"';
    for (std::uint8_t b : id) {
      *p_++ = kHex[b >> 4];
      *p_++ = kHex[b & 0xf];
    }
    *p_++ = '"';
    return *this;
  }

  // Attributes: `first` is true for the first of a list.
  template <std::size_t N>
  Cursor& attrHead(bool& first, const char (&key)[N], const char* type_head, std::size_t type_len) {
    if (!first) *p_++ = ',';
    first = false;
    lit("{\"key\":\"");
    std::memcpy(p_, key, N - 1);
    p_ += N - 1;
    std::memcpy(p_, type_head, type_len);
    p_ += type_len;
    return *this;
  }

 private:
  char* p_;
};

// The attribute list of one span.
class Attrs {
 public:
  explicit Attrs(Cursor& c) : c_(c) { c_.lit("\"attributes\":["); }
  ~Attrs() { c_.lit("]"); }

  template <std::size_t N>
  Attrs& str(const char (&key)[N], std::string_view v) {
    if (v.empty()) return *this;
    head(key, kString);
    c_.str(v).lit("}}");
    return *this;
  }
  template <std::size_t N>
  Attrs& integer(const char (&key)[N], std::int64_t v) {
    head(key, kInt);
    c_.quotedNum(v).lit("}}");
    return *this;
  }
  // Milliseconds to the microsecond, dollars to 1e-12.
  template <std::size_t N>
  Attrs& number(const char (&key)[N], double v, int decimals) {
    head(key, kDouble);
    c_.fixed(v, decimals).lit("}}");
    return *this;
  }
  template <std::size_t N>
  Attrs& boolean(const char (&key)[N], bool v) {
    head(key, kBool);
    if (v) {
      c_.lit("true}}");
    } else {
      c_.lit("false}}");
    }
    return *this;
  }

 private:
  static constexpr std::string_view kString = "\",\"value\":{\"stringValue\":";
  static constexpr std::string_view kInt = "\",\"value\":{\"intValue\":";
  static constexpr std::string_view kDouble = "\",\"value\":{\"doubleValue\":";
  static constexpr std::string_view kBool = "\",\"value\":{\"boolValue\":";
  template <std::size_t N>
  void head(const char (&key)[N], std::string_view type) {
    c_.attrHead(first_, key, type.data(), type.size());
  }
  Cursor& c_;
  bool first_ = true;
};

// Room for one span: its fixed text and every value it may hold, escaped.
std::size_t spanBound(const ExportRecord& r) {
  const store::SpendRow& row = r.row;
  std::size_t dynamic = r.method.size() + r.path.size() + row.model.size() + row.request_id.size() +
                        row.call_type.size() + row.model_group.size() + row.model_id.size() +
                        row.api_base.size() + row.key_alias.size() + row.api_key.size() +
                        row.team_id.size() + row.end_user.size() + row.custom_llm_provider.size() * 2 +
                        r.error.size() * 2 + r.error_code.size() + r.trace->tracestate.size() +
                        r.messages_json.size() + r.response_json.size() * 2;
  for (const api::TraceContext::Attempt& a : r.trace->attempts) {
    dynamic += a.model.size() * 2 + a.provider.size() * 2 + a.deployment_id.size() +
               a.api_base.size() + a.error.size() * 2 + 64;
  }
  return 4096 + 1024 * r.trace->attempts.size() + api::jsonStringBound(dynamic);
}

void requestSpan(Cursor& c, const ExportRecord& r, const std::string& response) {
  const api::TraceContext& t = *r.trace;
  const store::SpendRow& row = r.row;
  std::string_view op = operationOf(row.call_type);
  c.lit("{\"traceId\":").hex(t.trace_id).lit(",\"spanId\":").hex(t.span_id);
  if (t.parent_id) c.lit(",\"parentSpanId\":").hex(*t.parent_id);
  if (!t.tracestate.empty()) c.lit(",\"traceState\":").str(t.tracestate);
  c.lit(",\"name\":").joined(r.method, r.path);  // "POST /v1/chat/completions"
  c.lit(",\"kind\":").num(kSpanKindServer);
  c.lit(",\"startTimeUnixNano\":").quotedNum(r.start_ns);
  c.lit(",\"endTimeUnixNano\":").quotedNum(r.end_ns).lit(",");
  {
    Attrs a(c);
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
        a.integer("gen_ai.usage.cache_read.input_tokens",
                  static_cast<std::int64_t>(row.cached_tokens));
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
        .number("switchyard.cost_usd", row.spend, 12)
        .boolean("switchyard.cache_hit", row.cache_hit)
        .boolean("switchyard.stream", row.stream)
        .integer("switchyard.retries", r.retries)
        .integer("switchyard.fallbacks", r.fallbacks);
    if (row.ttft_ms) a.number("switchyard.ttft_ms", *row.ttft_ms, 3);
    if (r.overhead_ms) a.number("switchyard.overhead_ms", *r.overhead_ms, 3);
    if (!r.messages_json.empty()) a.str("gen_ai.input.messages", r.messages_json);
    if (!response.empty()) a.str("gen_ai.output.messages", response);
    if (!r.error.empty()) {
      if (!r.error_code.empty()) {
        a.str("error.type", r.error_code);
      } else {
        a.integer("error.type", row.http_status);
      }
    }
  }
  // Server spans: a 4xx is the client's error, not the span's (HTTP semantic conventions).
  if (row.http_status >= 500 || (!r.error.empty() && row.http_status == 0))
    c.lit(",\"status\":{\"code\":2,\"message\":").str(r.error).lit("}");
  c.lit("}");
}

void attemptSpan(Cursor& c, const ExportRecord& r, std::size_t i) {
  const api::TraceContext& t = *r.trace;
  const api::TraceContext::Attempt& at = t.attempts[i];
  std::string_view op = operationOf(r.row.call_type);
  c.lit(",{\"traceId\":").hex(t.trace_id).lit(",\"spanId\":").hex(at.span_id);
  c.lit(",\"parentSpanId\":").hex(t.span_id);
  c.lit(",\"name\":").joined(op, at.model);  // "chat gpt-4o"
  c.lit(",\"kind\":").num(kSpanKindClient);
  c.lit(",\"startTimeUnixNano\":").quotedNum(r.attempt_ns[i].first);
  c.lit(",\"endTimeUnixNano\":").quotedNum(r.attempt_ns[i].second).lit(",");
  {
    Attrs a(c);
    a.str("gen_ai.operation.name", op)
        .str("gen_ai.provider.name", genAiSystem(at.provider))
        .str("gen_ai.system", genAiSystem(at.provider))
        .str("gen_ai.request.model", at.model)
        .str("switchyard.deployment_id", at.deployment_id)
        .integer("switchyard.attempt", static_cast<std::int64_t>(i + 1));
    if (auto url = providers::parseUrl(at.api_base))
      a.str("server.address", url->host).integer("server.port", url->port);
    if (at.status) a.integer("http.response.status_code", at.status);
    const bool last = i + 1 == t.attempts.size();
    if (last && at.error.empty() && (r.row.prompt_tokens || r.row.completion_tokens)) {
      a.integer("gen_ai.usage.input_tokens", static_cast<std::int64_t>(r.row.prompt_tokens))
          .integer("gen_ai.usage.output_tokens",
                   static_cast<std::int64_t>(r.row.completion_tokens));
    }
    if (!at.error.empty()) {
      if (at.status) {
        a.integer("error.type", at.status);
      } else {
        a.str("error.type", "no_answer");
      }
    }
  }
  if (!at.error.empty()) c.lit(",\"status\":{\"code\":2,\"message\":").str(at.error).lit("}");
  c.lit("}");
}

}  // namespace

std::string otlpJson(std::span<const ExportRecord* const> traced, const std::string& service_name) {
  std::string out;
  out.reserve(traced.size() * 2500 + 512);
  out += R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":)";
  api::appendJsonString(out, service_name);
  out += R"(}},{"key":"telemetry.sdk.name","value":{"stringValue":"switchyard"}},)"
         R"({"key":"telemetry.sdk.language","value":{"stringValue":"cpp"}}]},)"
         R"("scopeSpans":[{"scope":{"name":"switchyard","version":"0.1.0"},"spans":[)";
  // Each span is written into a scratch buffer sized for its worst case (grown, never cleared),
  // then appended: no zero-fill of the reserve per span.
  thread_local std::string scratch;
  bool first = true;
  for (const ExportRecord* r : traced) {
    // The answer, when kept (log_messages), as the GenAI conventions' output messages.
    std::string response =
        r->response_json.empty() ? std::string() : loggedResponse(r->response_json).dump();
    const std::size_t bound = spanBound(*r) + api::jsonStringBound(response.size()) + 1;
    if (scratch.size() < bound) scratch.resize(bound);
    Cursor c(scratch.data());
    if (!first) c.lit(",");
    first = false;
    requestSpan(c, *r, response);
    for (std::size_t i = 0; i < r->trace->attempts.size(); ++i) attemptSpan(c, *r, i);
    out.append(scratch.data(), static_cast<std::size_t>(c.end() - scratch.data()));
  }
  out += "]}]}]}";
  return out;
}

}  // namespace switchyard::exports
