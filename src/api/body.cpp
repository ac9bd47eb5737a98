// Body (body.hpp).

#include "switchyard/api/body.hpp"

#include <limits>
#include <nlohmann/json.hpp>

#include "switchyard/api/json_fast.hpp"
#include "switchyard/api/json_guard.hpp"
#include "switchyard/api/json_writer.hpp"

namespace switchyard::api {
namespace {

bool isSpace(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Members a request body usually has, reserved at once.
constexpr std::size_t kUsualMembers = 16;
// Nesting allowed in a body the gateway made itself (a translation may add a level or two to
// what a client may send).
constexpr int kMadeDepth = 4 * kMaxJsonDepth;

}  // namespace

Body::Body() noexcept = default;
Body::~Body() = default;
Body::Body(Body&&) noexcept = default;
Body& Body::operator=(Body&&) noexcept = default;

Result<Body> Body::parse(std::string text) {
  Body b;
  b.members_.reserve(kUsualMembers);
  const bool fits = text.size() < std::numeric_limits<std::uint32_t>::max();
  FastIndex ix = fits ? indexJsonFast(text, kMaxJsonDepth, b.members_) : FastIndex{};
  if (!ix.valid || !ix.object) {
    Result<nlohmann::json> parsed = parseJsonObject(text);  // says what is wrong
    if (!parsed) return parsed.error();
    return fromJson(std::move(*parsed));  // the two readers disagree: nlohmann's value is taken
  }
  // The text from '{' to '}': whitespace around it dropped (splice moves the offsets).
  while (isSpace(text.back())) text.pop_back();
  std::uint32_t lead = 0;
  while (isSpace(text[lead])) ++lead;
  b.text_ = std::move(text);
  if (lead > 0) b.splice(0, lead, {});
  for (const JsonMember& m : b.members_) b.noteEscapes(m);
  return b;
}

void Body::noteEscapes(const JsonMember& m) noexcept {
  escaped_keys_ = escaped_keys_ || keyOf(m).find('\\') != std::string_view::npos;
}

Body Body::fromJson(nlohmann::json object) {
  Body b;
  b.members_.reserve(kUsualMembers);
  b.text_ = dumpJson(object.is_object() ? object : nlohmann::json::object());
  indexJsonFast(b.text_, kMadeDepth, b.members_);
  for (const JsonMember& m : b.members_) b.noteEscapes(m);
  if (object.is_object()) b.dom_ = std::make_unique<nlohmann::json>(std::move(object));
  return b;
}

int Body::indexOf(std::string_view key) const noexcept {
  for (std::size_t i = members_.size(); i-- > 0;) {
    if (names(members_[i], key)) return static_cast<int>(i);
  }
  return -1;
}

std::optional<JsonView> Body::find(std::string_view key) const noexcept {
  const int i = indexOf(key);
  if (i < 0) return std::nullopt;
  const JsonMember& m = members_[static_cast<std::size_t>(i)];
  return JsonView(std::string_view(text_.data() + m.value_begin, m.value_end - m.value_begin));
}

void Body::dropDom() noexcept { dom_.reset(); }

void Body::splice(std::uint32_t begin, std::uint32_t end, std::string_view with) {
  text_.replace(begin, end - begin, with);
  const auto delta = static_cast<std::int64_t>(with.size()) - static_cast<std::int64_t>(end - begin);
  if (delta == 0) return;
  auto move = [&](std::uint32_t& at) {
    if (at >= end) at = static_cast<std::uint32_t>(at + delta);
  };
  for (JsonMember& m : members_) {
    move(m.key_begin);
    move(m.key_end);
    move(m.value_begin);
    move(m.value_end);
  }
}

void Body::setRaw(std::string_view key, std::string_view json_text) {
  dropDom();
  if (const int i = indexOf(key); i >= 0) {
    const JsonMember& m = members_[static_cast<std::size_t>(i)];
    splice(m.value_begin, m.value_end, json_text);
    return;
  }
  if (text_.empty()) text_ = "{}";
  std::string member;
  member.reserve(key.size() + json_text.size() + 8);
  if (!members_.empty()) member += ',';
  appendJsonString(member, key);
  member += ':';
  member.append(json_text);
  const auto close = static_cast<std::uint32_t>(text_.size() - 1);  // the final '}'
  text_.insert(close, member);
  JsonMember added;
  added.key_begin = close + (members_.empty() ? 1 : 2);
  added.value_begin = close + static_cast<std::uint32_t>(member.size() - json_text.size());
  added.key_end = added.value_begin - 2;  // before `":`
  added.value_end = added.value_begin + static_cast<std::uint32_t>(json_text.size());
  members_.push_back(added);
  noteEscapes(added);
}

void Body::setString(std::string_view key, std::string_view value) {
  std::string quoted;
  quoted.reserve(value.size() + 2);
  appendJsonString(quoted, value);
  setRaw(key, quoted);
}

void Body::set(std::string_view key, const nlohmann::json& value) { setRaw(key, dumpJson(value)); }

bool Body::erase(std::string_view key) {
  bool erased = false;
  for (std::size_t i = members_.size(); i-- > 0;) {
    const JsonMember m = members_[i];
    if (!names(m, key)) continue;
    erased = true;
    std::uint32_t begin = 0, end = 0;
    if (i > 0) {  // `, "key": value` after the previous value
      begin = members_[i - 1].value_end;
      end = m.value_end;
    } else if (members_.size() > 1) {  // `"key": value, ` up to the next key's quote
      begin = m.key_begin - 1;
      end = members_[1].key_begin - 1;
    } else {  // the only member
      begin = m.key_begin - 1;
      end = m.value_end;
    }
    members_.erase(members_.begin() + static_cast<std::ptrdiff_t>(i));
    splice(begin, end, {});
  }
  if (erased) dropDom();
  return erased;
}

std::string Body::textWith(std::string_view key, std::string_view json_text) const {
  Body copy;
  copy.text_ = text_;
  copy.members_ = members_;
  copy.escaped_keys_ = escaped_keys_;
  copy.setRaw(key, json_text);
  return std::move(copy.text_);
}

const nlohmann::json& Body::dom() const {
  if (!dom_) {
    FastParse parsed = parseJsonFast(text_.empty() ? std::string_view("{}") : text_, kMadeDepth);
    dom_ = std::make_unique<nlohmann::json>(parsed.value ? std::move(*parsed.value)
                                                         : nlohmann::json::object());
  }
  return *dom_;
}

}  // namespace switchyard::api
