// appendJsonSpans, otlpJsonRequest (formats.hpp): OTLP/HTTP JSON, written with a raw cursor.
//
// A span is written into room reserved for its worst case (fixed text plus every dynamic value
// escaped at 6 bytes per byte), then the string is cut to what was written: literal fragments
// are fixed-size copies, values are escaped in place. This keeps a traced request's export at a
// few thousand instructions on the worker thread (docs/performance.md).

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "formats.hpp"
#include "otlp_spans.hpp"
#include "switchyard/api/json_writer.hpp"

namespace switchyard::exports {
namespace {

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

 private:
  char* p_;
};

// The JSON encoding of otlp_spans.hpp's spans, into room reserved by spanBound.
class JsonSpans {
 public:
  explicit JsonSpans(Cursor& c) : c_(c) {}

  void begin(const otlp::SpanHead& h) {
    if (!first_span_) c_.lit(",");
    first_span_ = false;
    c_.lit("{\"traceId\":").hex(h.trace_id).lit(",\"spanId\":").hex(h.span_id);
    if (h.parent) c_.lit(",\"parentSpanId\":").hex(*h.parent);
    if (!h.tracestate.empty()) c_.lit(",\"traceState\":").str(h.tracestate);
    c_.lit(",\"name\":").joined(h.name_head, h.name_tail);
    c_.lit(",\"kind\":").num(h.kind);
    c_.lit(",\"startTimeUnixNano\":").quotedNum(h.start_ns);
    c_.lit(",\"endTimeUnixNano\":").quotedNum(h.end_ns).lit(",\"attributes\":[");
    first_attr_ = true;
  }
  void str(std::string_view key, std::string_view v) {
    head(key, kString);
    c_.str(v).lit("}}");
  }
  void integer(std::string_view key, std::int64_t v) {
    head(key, kInt);
    c_.quotedNum(v).lit("}}");
  }
  void number(std::string_view key, double v, int decimals) {
    head(key, kDouble);
    c_.fixed(v, decimals).lit("}}");
  }
  void boolean(std::string_view key, bool v) {
    head(key, kBool);
    if (v) {
      c_.lit("true}}");
    } else {
      c_.lit("false}}");
    }
  }
  void end(bool failed, std::string_view error) {
    c_.lit("]");
    if (failed) c_.lit(",\"status\":{\"code\":2,\"message\":").str(error).lit("}");
    c_.lit("}");
  }

 private:
  static constexpr std::string_view kString = "\",\"value\":{\"stringValue\":";
  static constexpr std::string_view kInt = "\",\"value\":{\"intValue\":";
  static constexpr std::string_view kDouble = "\",\"value\":{\"doubleValue\":";
  static constexpr std::string_view kBool = "\",\"value\":{\"boolValue\":";
  void head(std::string_view key, std::string_view type) {
    if (!first_attr_) c_.lit(",");
    first_attr_ = false;
    c_.lit("{\"key\":\"").raw(key).raw(type);
  }
  Cursor& c_;
  bool first_span_ = true, first_attr_ = true;
};

}  // namespace

void appendJsonSpans(const otlp::SpanInput& r, std::string& out) {
  // Written into a scratch buffer sized for the worst case (grown, never cleared), then appended:
  // no zero-fill of the reserve per request.
  thread_local std::string scratch;
  const std::size_t bound = otlp::spanBound(r) + 1;
  if (scratch.size() < bound) scratch.resize(std::max(bound, scratch.size() * 2));
  Cursor c(scratch.data());
  if (!out.empty()) c.lit(",");
  JsonSpans spans(c);
  otlp::requestSpan(spans, r);
  for (std::size_t i = 0; i < r.trace.attempts.size(); ++i) otlp::attemptSpan(spans, r, i);
  out.append(scratch.data(), static_cast<std::size_t>(c.end() - scratch.data()));
}

std::string otlpJsonRequest(std::string_view spans, const std::string& service_name) {
  std::string out;
  out.reserve(spans.size() + 512);
  out += R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":)";
  api::appendJsonString(out, service_name);
  out += R"(}},{"key":"telemetry.sdk.name","value":{"stringValue":"switchyard"}},)"
         R"({"key":"telemetry.sdk.language","value":{"stringValue":"cpp"}}]},)"
         R"("scopeSpans":[{"scope":{"name":"switchyard","version":"0.1.0"},"spans":[)";
  out += spans;
  out += "]}]}]}";
  return out;
}

}  // namespace switchyard::exports
