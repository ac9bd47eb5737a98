// JsonView (json_view.hpp).

#include "switchyard/api/json_view.hpp"

#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

#include "json_scan.hpp"
#include "switchyard/api/json_fast.hpp"
#include "switchyard/api/json_guard.hpp"

namespace switchyard::api {
namespace {

const char* skipString(const char* p, const char* end) noexcept {
  const char* past = skipJsonString(p, end);
  return past != nullptr ? past : end;
}

// Four hex digits of validated text.
std::uint32_t hex4(const char* p) noexcept {
  std::uint32_t cp = 0;
  for (int i = 0; i < 4; ++i) cp = cp << 4 | static_cast<std::uint32_t>(hexDigit(p[i]));
  return cp;
}

// The decoded value of a quoted JSON string's text (valid), quotes included.
std::string decodeString(std::string_view quoted) {
  FastParse parsed = parseJsonFast(quoted, 1);
  if (!parsed.value || !parsed.value->is_string()) return {};
  return std::move(parsed.value->get_ref<std::string&>());
}

}  // namespace

const char* skipJsonString(const char* p, const char* end) noexcept {
  ++p;
  for (;;) {  // to the next quote or backslash, eight bytes at a time
    while (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      if (const std::uint64_t m = quoteMask(w)) {
        p += firstMarked(m);
        break;
      }
      p += 8;
    }
    if (p >= end) return nullptr;
    if (*p == '"') return p + 1;
    p += *p == '\\' ? 2 : 1;
  }
}

const char* skipJsonValue(const char* p, const char* end) noexcept {
  if (p >= end) return end;
  switch (*p) {
    case '"':
      return skipString(p, end);
    case '{':
    case '[': {
      int depth = 0;
      while (p < end) {
        const char c = *p;
        if (c == '"') {
          p = skipString(p, end);
          continue;
        }
        if (c == '{' || c == '[') {
          ++depth;
        } else if ((c == '}' || c == ']') && --depth == 0) {
          return p + 1;
        }
        ++p;
      }
      return end;
    }
    default:  // a number or a literal
      while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' &&
             *p != '\r' && *p != '\t')
        ++p;
      return p;
  }
}

bool jsonEscapedKeyIs(std::string_view raw, std::string_view key) {
  std::string quoted;
  quoted.reserve(raw.size() + 2);
  quoted.append(1, '"').append(raw).append(1, '"');
  return decodeString(quoted) == key;
}

JsonView::JsonView(std::string_view text) noexcept {
  const char* b = skipJsonSpace(text.data(), text.data() + text.size());
  const char* e = text.data() + text.size();
  while (e > b && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\r' || e[-1] == '\t')) --e;
  text_ = std::string_view(b, static_cast<std::size_t>(e - b));
}

JsonKind JsonView::kind() const noexcept {
  if (text_.empty()) return JsonKind::kNull;
  switch (text_.front()) {
    case '{': return JsonKind::kObject;
    case '[': return JsonKind::kArray;
    case '"': return JsonKind::kString;
    case 't':
    case 'f': return JsonKind::kBool;
    case 'n': return JsonKind::kNull;
    default: return JsonKind::kNumber;
  }
}

std::optional<JsonView> JsonView::find(std::string_view key) const noexcept {
  std::optional<JsonView> found;
  forEachMember([&](std::string_view raw, JsonView value) {
    if (jsonKeyIs(raw, key)) found = value;
    return true;
  });
  return found;
}

bool JsonView::emptyContainer() const noexcept {
  const JsonKind k = kind();
  if (k != JsonKind::kArray && k != JsonKind::kObject) return false;
  const char* p = skipJsonSpace(text_.data() + 1, text_.data() + text_.size());
  return p == text_.data() + text_.size() - 1;
}

std::optional<bool> JsonView::boolean() const noexcept {
  if (text_ == "true") return true;
  if (text_ == "false") return false;
  return std::nullopt;
}

std::optional<std::uint64_t> JsonView::unsignedInteger() const noexcept {
  if (text_.empty() || text_.front() < '0' || text_.front() > '9') return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), v);
  if (ec != std::errc{} || p != text_.data() + text_.size()) return std::nullopt;
  return v;
}

std::optional<std::string_view> JsonView::plainString() const noexcept {
  if (!isString() || text_.size() < 2) return std::nullopt;
  std::string_view raw = text_.substr(1, text_.size() - 2);
  if (raw.find('\\') != std::string_view::npos) return std::nullopt;
  return raw;
}

std::string JsonView::string() const {
  if (std::optional<std::string_view> plain = plainString()) return std::string(*plain);
  return isString() ? decodeString(text_) : std::string();
}

std::size_t JsonView::stringLength() const noexcept {
  if (!isString() || text_.size() < 2) return 0;
  const char* p = text_.data() + 1;
  const char* const end = text_.data() + text_.size() - 1;
  std::size_t n = 0;
  while (p < end) {
    const void* hit = std::memchr(p, '\\', static_cast<std::size_t>(end - p));
    const char* slash = hit ? static_cast<const char*>(hit) : end;
    n += static_cast<std::size_t>(slash - p);
    if (slash + 1 >= end) break;
    if (slash[1] != 'u' || end - slash < 6) {
      n += 1;
      p = slash + 2;
      continue;
    }
    const std::uint32_t cp = hex4(slash + 2);
    p = slash + 6;
    if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
      n += 4;  // a surrogate pair: one code point past U+FFFF
      p += 6;
    } else {
      n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
    }
  }
  return n;
}

std::size_t JsonView::compactSize() const noexcept {
  std::size_t n = 0;
  const char* p = text_.data();
  const char* const end = p + text_.size();
  while (p < end) {
    if (*p == '"') {
      const char* close = skipString(p, end);
      n += static_cast<std::size_t>(close - p);
      p = close;
    } else {
      if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t') ++n;
      ++p;
    }
  }
  return n;
}

nlohmann::json JsonView::parse() const {
  FastParse parsed = parseJsonFast(text_, kMaxJsonDepth);
  return parsed.value ? std::move(*parsed.value) : nlohmann::json();
}

}  // namespace switchyard::api
