// appendProtoSpans, otlpProtoRequest (formats.hpp): OTLP/HTTP protobuf, hand-encoded.
//
// The wire format of opentelemetry-proto (collector/trace/v1, trace/v1, common/v1), written with
// a raw cursor into room reserved for the worst case, as otlp_json.cpp does; no protobuf library.
// A span's length precedes it, so each span is written 5 bytes in (room for its length varint),
// then moved back against its tag. Strings are made valid UTF-8 first (proto3 requires it).

#include <algorithm>
#include <cstring>

#include "formats.hpp"
#include "otlp_spans.hpp"

namespace switchyard::exports {
namespace {

// Field tags: (number << 3) | wire type (0 varint, 1 fixed64, 2 length-delimited).
enum : std::uint8_t {
  kRequestResourceSpans = (1 << 3) | 2,
  kResourceSpansResource = (1 << 3) | 2,
  kResourceSpansScopeSpans = (2 << 3) | 2,
  kResourceAttributes = (1 << 3) | 2,
  kScopeSpansScope = (1 << 3) | 2,
  kScopeSpansSpans = (2 << 3) | 2,
  kScopeName = (1 << 3) | 2,
  kScopeVersion = (2 << 3) | 2,
  kSpanTraceId = (1 << 3) | 2,
  kSpanSpanId = (2 << 3) | 2,
  kSpanTraceState = (3 << 3) | 2,
  kSpanParentSpanId = (4 << 3) | 2,
  kSpanName = (5 << 3) | 2,
  kSpanKind = (6 << 3) | 0,
  kSpanStart = (7 << 3) | 1,
  kSpanEnd = (8 << 3) | 1,
  kSpanAttributes = (9 << 3) | 2,
  kSpanStatus = (15 << 3) | 2,
  kStatusMessage = (2 << 3) | 2,
  kStatusCode = (3 << 3) | 0,
  kKeyValueKey = (1 << 3) | 2,
  kKeyValueValue = (2 << 3) | 2,
  kAnyString = (1 << 3) | 2,
  kAnyBool = (2 << 3) | 0,
  kAnyInt = (3 << 3) | 0,
  kAnyDouble = (4 << 3) | 1,
};
constexpr std::uint64_t kStatusCodeError = 2;

constexpr std::size_t varintSize(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// A cursor into room the caller reserved.
class Cursor {
 public:
  explicit Cursor(char* p) : p_(p) {}
  char* at() const { return p_; }
  void seek(char* p) { p_ = p; }

  Cursor& byte(std::uint8_t b) {
    *p_++ = static_cast<char>(b);
    return *this;
  }
  Cursor& varint(std::uint64_t v) {
    while (v >= 0x80) {
      *p_++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p_++ = static_cast<char>(v);
    return *this;
  }
  Cursor& fixed64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) *p_++ = static_cast<char>(v >> (8 * i));
    return *this;
  }
  Cursor& raw(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
    return *this;
  }
  // A length-delimited field of `s`'s bytes.
  Cursor& field(std::uint8_t tag, std::string_view s) { return byte(tag).varint(s.size()).raw(s); }

 private:
  char* p_;
};

// The protobuf encoding of otlp_spans.hpp's spans: each span as ScopeSpans.spans (a tag and a
// length, then the Span message). The attribute writers are inlined into each call, where the
// key is a literal: its length and header fold into constants.
class ProtoSpans {
 public:
  explicit ProtoSpans(Cursor& c) : c_(c) {}

  void begin(const otlp::SpanHead& h) {
    c_.byte(kScopeSpansSpans);
    span_ = c_.at();
    c_.seek(span_ + 5);  // room for the length
    c_.byte(kSpanTraceId).varint(h.trace_id.size()).raw(bytes(h.trace_id));
    c_.byte(kSpanSpanId).varint(h.span_id.size()).raw(bytes(h.span_id));
    if (!h.tracestate.empty()) c_.field(kSpanTraceState, utf8(h.tracestate));
    if (h.parent) c_.byte(kSpanParentSpanId).varint(h.parent->size()).raw(bytes(*h.parent));
    std::string_view tail = utf8(h.name_tail);
    c_.byte(kSpanName).varint(h.name_head.size() + 1 + tail.size());
    c_.raw(h.name_head).byte(' ').raw(tail);
    c_.byte(kSpanKind).varint(static_cast<std::uint64_t>(h.kind));
    c_.byte(kSpanStart).fixed64(static_cast<std::uint64_t>(h.start_ns));
    c_.byte(kSpanEnd).fixed64(static_cast<std::uint64_t>(h.end_ns));
  }
  [[gnu::always_inline]] void str(std::string_view key, std::string_view v) {
    v = utf8(v);
    const std::size_t any = 1 + varintSize(v.size()) + v.size();
    keyValue(key, any).byte(kAnyString).varint(v.size()).raw(v);
  }
  [[gnu::always_inline]] void integer(std::string_view key, std::int64_t v) {
    const auto u = static_cast<std::uint64_t>(v);
    keyValue(key, 1 + varintSize(u)).byte(kAnyInt).varint(u);
  }
  [[gnu::always_inline]] void number(std::string_view key, double v, int /*decimals*/) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    keyValue(key, 9).byte(kAnyDouble).fixed64(bits);
  }
  [[gnu::always_inline]] void boolean(std::string_view key, bool v) { keyValue(key, 2).byte(kAnyBool).byte(v ? 1 : 0); }
  void end(bool failed, std::string_view error) {
    if (failed) {
      std::string_view m = utf8(error);
      const std::size_t status = 1 + varintSize(m.size()) + m.size() + 2;
      c_.byte(kSpanStatus).varint(status).field(kStatusMessage, m);
      c_.byte(kStatusCode).varint(kStatusCodeError);
    }
    // The span's length, then the span moved back against it.
    char* body = span_ + 5;
    const std::size_t n = static_cast<std::size_t>(c_.at() - body);
    c_.seek(span_);
    c_.varint(n);
    std::memmove(c_.at(), body, n);
    c_.seek(c_.at() + n);
  }

 private:
  template <std::size_t N>
  static std::string_view bytes(const std::array<std::uint8_t, N>& id) {
    return {reinterpret_cast<const char*>(id.data()), N};
  }
  std::string_view utf8(std::string_view s) { return api::validUtf8(s, scratch_); }
  // A KeyValue's tag, length and key, then the tag and length of its AnyValue of `any` bytes.
  [[gnu::always_inline]] Cursor& keyValue(std::string_view key, std::size_t any) {
    const std::size_t kv = 1 + varintSize(key.size()) + key.size() + 1 + varintSize(any) + any;
    return c_.byte(kSpanAttributes).varint(kv).field(kKeyValueKey, key).byte(kKeyValueValue).varint(any);
  }

  Cursor& c_;
  char* span_ = nullptr;
  std::string scratch_;  // a string made valid UTF-8
};

// A KeyValue with a string value, appended (the resource's attributes).
void appendStringAttribute(std::string& out, std::uint8_t tag, std::string_view key,
                           std::string_view value) {
  const std::size_t any = 1 + varintSize(value.size()) + value.size();
  const std::size_t kv = 1 + varintSize(key.size()) + key.size() + 1 + varintSize(any) + any;
  char buf[32];
  Cursor c(buf);
  c.byte(tag).varint(kv).byte(kKeyValueKey).varint(key.size());
  out.append(buf, static_cast<std::size_t>(c.at() - buf)).append(key);
  c.seek(buf);
  c.byte(kKeyValueValue).varint(any).byte(kAnyString).varint(value.size());
  out.append(buf, static_cast<std::size_t>(c.at() - buf)).append(value);
}

void appendLengthDelimited(std::string& out, std::uint8_t tag, std::size_t size) {
  char buf[16];
  Cursor c(buf);
  c.byte(tag).varint(size);
  out.append(buf, static_cast<std::size_t>(c.at() - buf));
}

}  // namespace

void appendProtoSpans(const otlp::SpanInput& r, std::string& out) {
  // Written into a buffer kept by the thread, sized for the worst case (grown, never shrunk: no
  // zero-fill per request), then appended.
  thread_local std::string scratch;
  const std::size_t room = otlp::spanBound(r);
  if (scratch.size() < room) scratch.resize(std::max(room, scratch.size() * 2));
  Cursor c(scratch.data());
  ProtoSpans spans(c);
  otlp::requestSpan(spans, r);
  for (std::size_t i = 0; i < r.trace.attempts.size(); ++i) otlp::attemptSpan(spans, r, i);
  out.append(scratch.data(), static_cast<std::size_t>(c.at() - scratch.data()));
}

std::string otlpProtoRequest(std::string_view spans, const std::string& service_name) {
  const std::size_t used = spans.size();
  std::string service_scratch;
  std::string resource;  // Resource.attributes
  appendStringAttribute(resource, kResourceAttributes, "service.name",
                        api::validUtf8(service_name, service_scratch));
  appendStringAttribute(resource, kResourceAttributes, "telemetry.sdk.name", "switchyard");
  appendStringAttribute(resource, kResourceAttributes, "telemetry.sdk.language", "cpp");
  std::string scope;  // InstrumentationScope
  appendLengthDelimited(scope, kScopeName, 10);
  scope += "switchyard";
  appendLengthDelimited(scope, kScopeVersion, 5);
  scope += "0.1.0";

  const std::size_t scope_spans = 1 + varintSize(scope.size()) + scope.size() + used;
  const std::size_t resource_spans = 1 + varintSize(resource.size()) + resource.size() + 1 +
                                     varintSize(scope_spans) + scope_spans;
  std::string out;
  out.reserve(resource_spans + 16);
  appendLengthDelimited(out, kRequestResourceSpans, resource_spans);
  appendLengthDelimited(out, kResourceSpansResource, resource.size());
  out += resource;
  appendLengthDelimited(out, kResourceSpansScopeSpans, scope_spans);
  appendLengthDelimited(out, kScopeSpansScope, scope.size());
  out += scope;
  out.append(spans);
  return out;
}

}  // namespace switchyard::exports
