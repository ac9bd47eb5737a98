#pragma once
// The JSON body of a proxied request, kept as text. A request that reaches an OpenAI-format
// provider with only top-level changes (`model`, the gateway's controls taken out,
// `stream_options`) is never parsed into a DOM: it is validated once, its top-level members are
// indexed, reads look at the text where it lies (JsonView), and edits splice the text in place,
// so the bytes sent upstream are the client's own but for the members the gateway changed.
// A provider that translates the request into another format asks for dom(), built then from
// the text (and dropped at the next edit).
//
// The text is always a valid JSON object; members keep the client's order; an edited or added
// member is written compactly ("key":value, added last); of duplicate keys the last one counts,
// as for every JSON parser the request may meet, and erase() removes them all.

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/api/error.hpp"
#include "switchyard/api/json_view.hpp"

namespace switchyard::api {

class Body {
 public:
  Body() noexcept;  // no body
  ~Body();
  Body(Body&&) noexcept;
  Body& operator=(Body&&) noexcept;

  // `text` as the body: a JSON object (the limits and messages of parseJsonObject, whose
  // kInvalidRequest error it returns otherwise).
  static Result<Body> parse(std::string text);
  // A body made by the gateway (an ingress translation, a health check): serialised, and kept
  // as the DOM.
  static Body fromJson(nlohmann::json object);

  explicit operator bool() const noexcept { return !text_.empty(); }

  // The value of a top-level member, or nullopt.
  std::optional<JsonView> find(std::string_view key) const noexcept;
  bool contains(std::string_view key) const noexcept { return find(key).has_value(); }
  // The whole body.
  JsonView view() const noexcept { return JsonView(text_); }

  // Sets the member `key` to `json_text` (one valid JSON value): replaces the last member of
  // that name, or adds it last.
  void setRaw(std::string_view key, std::string_view json_text);
  void setString(std::string_view key, std::string_view value);  // value escaped
  void set(std::string_view key, const nlohmann::json& value);
  // Removes every member named `key`; false when there was none.
  bool erase(std::string_view key);

  // The body as JSON text, edits applied.
  const std::string& text() const noexcept { return text_; }
  // text() with the member `key` set to `json_text` as setRaw would, the body left as it is.
  std::string textWith(std::string_view key, std::string_view json_text) const;
  // The body as a DOM, built on first use; valid until the next edit.
  const nlohmann::json& dom() const;

 private:
  // The index of the member that find(key) reads, or -1.
  int indexOf(std::string_view key) const noexcept;
  std::string_view keyOf(const JsonMember& m) const noexcept {
    return {text_.data() + m.key_begin, m.key_end - m.key_begin};
  }
  void noteEscapes(const JsonMember& m) noexcept;
  // Whether member `m` is named `key` (decoding only when some key has an escape).
  bool names(const JsonMember& m, std::string_view key) const noexcept {
    return escaped_keys_ ? jsonKeyIs(keyOf(m), key) : keyOf(m) == key;
  }
  // Replaces text_[begin, end) with `with` and moves the offsets of the members after it.
  void splice(std::uint32_t begin, std::uint32_t end, std::string_view with);
  void dropDom() noexcept;

  std::string text_;
  std::vector<JsonMember> members_;
  bool escaped_keys_ = false;  // a member's key is written with an escape
  mutable std::unique_ptr<nlohmann::json> dom_;
};

}  // namespace switchyard::api
