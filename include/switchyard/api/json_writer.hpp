#pragma once
// A JSON text written straight into a string, for the lines and payloads the gateway makes per
// request (JSON access lines, OTLP spans): no DOM, no allocation beyond the output's growth.
// nlohmann::json builds a tree of maps first, which costs tens of microseconds per access line.
//
//   JsonWriter w(out);
//   w.beginObject().field("status", 200).field("model", model).endObject();
//
// String values are escaped as RFC 8259 asks; invalid UTF-8 becomes U+FFFD (as dumpJson does);
// keys are literals, written as they are. Doubles
// are written shortest-round-trip; NaN and infinities as null. Nesting is at most 64 deep.

#include <cstdint>
#include <string>
#include <string_view>

namespace switchyard::api {

// Appends `s` as a quoted JSON string.
void appendJsonString(std::string& out, std::string_view s);
// The most bytes writeJsonString writes for a string of `n` bytes.
constexpr std::size_t jsonStringBound(std::size_t n) { return 6 * n + 2; }
// Writes `v` with at most `decimals` (<= 12) digits after the point, trailing zeros dropped, at
// `p` (room for 40 bytes); returns the end. Several times cheaper than the shortest
// representation (std::to_chars) for the figures the logs carry (milliseconds, dollars). Values
// too large for fixed point and non-finite ones fall back to to_chars / null.
char* writeFixed(char* p, double v, int decimals);
// `s` as valid UTF-8: itself when it is (no copy), else a copy in `scratch` with each byte that
// starts no valid sequence replaced by U+FFFD (as writeJsonString does). For binary encodings
// (OTLP protobuf) whose strings must be UTF-8.
std::string_view validUtf8(std::string_view s, std::string& scratch);
// Writes `s` as a quoted JSON string at `p`, which has room for jsonStringBound(s.size()) bytes;
// returns the end of what it wrote.
char* writeJsonString(char* p, std::string_view s);

// Writes into `out` after what it holds, through a cursor into room it reserves (the string is
// grown to its capacity while writing): `out` holds exactly the text written once finish() is
// called or the writer is destroyed, not before.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out);
  ~JsonWriter() { finish(); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;
  // Cuts `out` to what was written. A further write grows it again.
  void finish();

  JsonWriter& beginObject() { return open('{'); }
  JsonWriter& endObject() { return close('}'); }
  JsonWriter& beginArray() { return open('['); }
  JsonWriter& endArray() { return close(']'); }
  // An object's key; the next call writes its value. Keys are the caller's literals and are
  // written as they are: no quote, backslash or control character in them.
  JsonWriter& key(std::string_view k);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(double d);
  JsonWriter& value(std::int64_t i);
  JsonWriter& value(std::uint64_t u);
  JsonWriter& value(int i) { return value(static_cast<std::int64_t>(i)); }
  JsonWriter& value(unsigned u) { return value(static_cast<std::uint64_t>(u)); }
  JsonWriter& value(bool b);
  // A double with at most `decimals` digits after the point (writeFixed).
  JsonWriter& fixed(double d, int decimals);
  JsonWriter& null();
  // A value that is already JSON text (not checked).
  JsonWriter& raw(std::string_view json);

  template <class T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

 private:
  // Room for `n` more bytes at p_ (and one for a separating comma).
  void need(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n + 1) grow(n + 1);
  }
  void grow(std::size_t n);
  template <class Number>
  JsonWriter& number(Number v);  // shortest round-trip (std::to_chars)
  JsonWriter& open(char c);
  JsonWriter& close(char c);
  // A comma before every element but the first of its container (room for it reserved).
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (depth_ == 0) return;
    const std::uint64_t bit = std::uint64_t{1} << (depth_ - 1);
    if (has_items_ & bit) *p_++ = ',';
    has_items_ |= bit;
  }

  std::string& out_;
  char* p_ = nullptr;    // next byte to write, in out_'s buffer
  char* end_ = nullptr;  // end of out_'s buffer
  std::uint64_t has_items_ = 0;  // bit d: the container at depth d has an element already
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace switchyard::api
