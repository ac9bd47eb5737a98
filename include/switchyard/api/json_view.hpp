#pragma once
// Read-only views of JSON text that has been validated (api::Body, indexJsonFast): a value is
// read where it lies, with no DOM and no allocation (simdjson's "on demand" idea). A view of text
// that is not valid JSON reads garbage but stays within the text.
//
//   JsonView msgs = *body.find("messages");
//   msgs.forEachElement([](JsonView m) { return m.find("role").has_value(); });

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::api {

// Where one member of an object is in its text: the key between its quotes (escapes as written)
// and the value, [begin, end) offsets with no surrounding whitespace.
struct JsonMember {
  std::uint32_t key_begin, key_end, value_begin, value_end;
};

enum class JsonKind : std::uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

// Past the JSON value that starts at `p` (no leading whitespace), within [p, end).
const char* skipJsonValue(const char* p, const char* end) noexcept;
// Past the closing quote of the string whose opening quote is at `p`, or null when it does not
// close before `end`. Eight bytes at a time.
const char* skipJsonString(const char* p, const char* end) noexcept;
// Past the whitespace at `p`.
inline const char* skipJsonSpace(const char* p, const char* end) noexcept {
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
  return p;
}
// jsonKeyIs for a key written with escapes.
bool jsonEscapedKeyIs(std::string_view raw, std::string_view key);
// Whether the key `raw` (between its quotes, escapes as written) names `key`. An escape makes
// the text longer than the value, so only a longer text is decoded.
inline bool jsonKeyIs(std::string_view raw, std::string_view key) {
  if (raw.size() < key.size()) return false;
  bool escaped = false;
  for (char c : raw) escaped |= c == '\\';  // keys are short: no call
  if (escaped) return jsonEscapedKeyIs(raw, key);
  return raw.size() == key.size() && raw == key;
}

class JsonView {
 public:
  // `text`: one valid JSON value; whitespace around it is ignored.
  explicit JsonView(std::string_view text) noexcept;

  JsonKind kind() const noexcept;
  std::string_view text() const noexcept { return text_; }  // the value as written
  bool isString() const noexcept { return kind() == JsonKind::kString; }
  bool isNull() const noexcept { return kind() == JsonKind::kNull; }

  // An object's member (the last one of that name, as a parser keeps); nullopt when there is
  // none or this is not an object.
  std::optional<JsonView> find(std::string_view key) const noexcept;
  // Calls fn(JsonView) on each element of an array, in order, until it returns false; false
  // when it did (true for other kinds).
  template <class Fn>
  bool forEachElement(Fn&& fn) const;
  // Calls fn(std::string_view raw_key, JsonView value) on each member of an object, in order,
  // until it returns false; false when it did.
  template <class Fn>
  bool forEachMember(Fn&& fn) const;
  // An array or object with no elements (false for other kinds).
  bool emptyContainer() const noexcept;

  std::optional<bool> boolean() const noexcept;
  // A number written as a non-negative integer that fits 64 bits (as nlohmann's
  // number_unsigned).
  std::optional<std::uint64_t> unsignedInteger() const noexcept;
  // A string's value, escapes decoded ("" for other kinds).
  std::string string() const;
  // A string's value where the text holds it as it is (no escapes); nullopt otherwise.
  std::optional<std::string_view> plainString() const noexcept;
  // A string's length in bytes once decoded, without decoding it (0 for other kinds).
  std::size_t stringLength() const noexcept;
  // Bytes of the value's text without the whitespace between its tokens.
  std::size_t compactSize() const noexcept;
  // The value as a DOM.
  nlohmann::json parse() const;

 private:
  std::string_view text_;
};

template <class Fn>
bool JsonView::forEachElement(Fn&& fn) const {
  if (kind() != JsonKind::kArray) return true;
  const char* p = text_.data() + 1;
  const char* const end = text_.data() + text_.size() - 1;  // at ']'
  for (p = skipJsonSpace(p, end); p < end;) {
    const char* v = p;
    p = skipJsonValue(p, end);
    if (!fn(JsonView(std::string_view(v, static_cast<std::size_t>(p - v))))) return false;
    p = skipJsonSpace(p, end);
    if (p < end && *p == ',') p = skipJsonSpace(p + 1, end);
  }
  return true;
}

template <class Fn>
bool JsonView::forEachMember(Fn&& fn) const {
  if (kind() != JsonKind::kObject) return true;
  const char* p = text_.data() + 1;
  const char* const end = text_.data() + text_.size() - 1;  // at '}'
  for (p = skipJsonSpace(p, end); p < end && *p == '"';) {
    const char* k = p;
    p = skipJsonValue(p, end);  // the key, quotes included
    std::string_view key(k + 1, static_cast<std::size_t>(p - k - 2));
    p = skipJsonSpace(p, end);
    p = skipJsonSpace(p + 1, end);  // past ':'
    const char* v = p;
    p = skipJsonValue(p, end);
    if (!fn(key, JsonView(std::string_view(v, static_cast<std::size_t>(p - v))))) return false;
    p = skipJsonSpace(p, end);
    if (p < end && *p == ',') p = skipJsonSpace(p + 1, end);
  }
  return true;
}

}  // namespace switchyard::api
