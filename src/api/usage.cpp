#include "switchyard/api/usage.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

namespace switchyard::api {
namespace {

using nlohmann::json;

// Characters of text in a content value: a string, or an array of parts with "text".
std::size_t textChars(const json& v) {
  if (v.is_string()) return v.get_ref<const std::string&>().size();
  std::size_t n = 0;
  if (v.is_array()) {
    for (const json& part : v) {
      if (part.is_string()) {
        n += part.get_ref<const std::string&>().size();
      } else if (part.is_object()) {
        if (auto t = part.find("text"); t != part.end() && t->is_string())
          n += t->get_ref<const std::string&>().size();
      }
    }
  }
  return n;
}

// The end of the JSON object that starts at text[open] ('{'), or npos. Strings are skipped.
std::size_t objectEnd(std::string_view text, std::size_t open) noexcept {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = open; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{')
      ++depth;
    else if (c == '}' && --depth == 0)
      return i + 1;
  }
  return std::string_view::npos;
}

// The unsigned integer after "key": inside `obj`, if any.
std::optional<std::uint64_t> numberAt(std::string_view obj, std::string_view key) noexcept {
  for (std::size_t at = 0; (at = obj.find(key, at)) != std::string_view::npos; at += key.size()) {
    if (at == 0 || obj[at - 1] != '"' || at + key.size() >= obj.size() ||
        obj[at + key.size()] != '"')
      continue;
    std::size_t i = at + key.size() + 1;
    while (i < obj.size() && (obj[i] == ' ' || obj[i] == '\t' || obj[i] == '\n' || obj[i] == '\r'))
      ++i;
    if (i >= obj.size() || obj[i] != ':') continue;
    ++i;
    while (i < obj.size() && (obj[i] == ' ' || obj[i] == '\t' || obj[i] == '\n' || obj[i] == '\r'))
      ++i;
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(obj.data() + i, obj.data() + obj.size(), n);
    if (ec == std::errc{}) return n;
  }
  return std::nullopt;
}

// The number at `key`, else at `fallback`.
std::optional<std::uint64_t> numberAt(std::string_view obj, std::string_view key,
                                      std::string_view fallback) noexcept {
  if (auto n = numberAt(obj, key)) return n;
  return numberAt(obj, fallback);
}

// The usage counts of a usage object's text, when it has the OpenAI or the Anthropic shape
// (usage.hpp: scanUsage).
std::optional<Usage> readUsage(std::string_view obj) noexcept {
  Usage u;
  auto prompt = numberAt(obj, "prompt_tokens");
  auto completion = numberAt(obj, "completion_tokens");
  if (prompt || completion) {
    u.prompt_tokens = prompt.value_or(0);
    u.completion_tokens = completion.value_or(0);
    // prompt_tokens_details.cached_tokens; LiteLLM (and the Anthropic translation) also give
    // Anthropic's cache counts at the top level.
    u.cached_tokens = numberAt(obj, "cached_tokens", "cache_read_input_tokens").value_or(0);
    // LiteLLM's names, then OpenRouter's prompt_tokens_details.cache_write_tokens.
    auto writes = numberAt(obj, "cache_creation_tokens", "cache_creation_input_tokens");
    if (!writes) writes = numberAt(obj, "cache_write_tokens");
    u.cache_creation_tokens = writes.value_or(0);
    // completion_tokens_details.reasoning_tokens
    u.reasoning_tokens = numberAt(obj, "reasoning_tokens").value_or(0);
    return u;
  }
  auto input = numberAt(obj, "input_tokens");
  auto output = numberAt(obj, "output_tokens");
  if (!input && !output) return std::nullopt;
  if (numberAt(obj, "cached_tokens") || numberAt(obj, "reasoning_tokens")) {
    // The Responses API's: input_tokens include the cached ones
    // (input_tokens_details.cached_tokens), output_tokens the reasoning ones.
    u.prompt_tokens = input.value_or(0);
    u.completion_tokens = output.value_or(0);
    u.cached_tokens = numberAt(obj, "cached_tokens").value_or(0);
    u.reasoning_tokens = numberAt(obj, "reasoning_tokens").value_or(0);
    return u;
  }
  std::uint64_t reads = numberAt(obj, "cache_read_input_tokens").value_or(0);
  std::uint64_t writes = numberAt(obj, "cache_creation_input_tokens").value_or(0);
  u.prompt_tokens = input.value_or(0) + reads + writes;
  u.completion_tokens = output.value_or(0);
  u.cached_tokens = reads;
  u.cache_creation_tokens = writes;
  return u;
}

// The usage object nearest the end of a text: where it is ([begin, end) of its braces) and its
// counts.
struct FoundUsage {
  std::size_t begin = 0, end = 0;
  Usage usage;
};
std::optional<FoundUsage> findUsage(std::string_view text) noexcept {
  static constexpr std::string_view kKey = "\"usage\"";
  for (std::size_t at = text.rfind(kKey); at != std::string_view::npos;
       at = at == 0 ? std::string_view::npos : text.rfind(kKey, at - 1)) {
    std::size_t i = at + kKey.size();
    while (i < text.size() && (text[i] == ' ' || text[i] == ':' || text[i] == '\t' ||
                               text[i] == '\n' || text[i] == '\r'))
      ++i;
    if (i >= text.size() || text[i] != '{') continue;  // "usage": null, or a string mentioning it
    std::size_t end = objectEnd(text, i);
    if (end == std::string_view::npos) continue;
    if (std::optional<Usage> u = readUsage(text.substr(i, end - i))) return FoundUsage{i, end, *u};
  }
  return std::nullopt;
}

struct Span {
  std::size_t begin = 0, end = 0;
};

// Where the value of the member `key` of the JSON object `obj` (its own members, not those of
// nested objects) is, without surrounding whitespace; nullopt when it has none.
std::optional<Span> memberValue(std::string_view obj, std::string_view key) noexcept {
  auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  int depth = 0;
  char last = 0;  // the last structural character seen at depth 1
  for (std::size_t i = 0; i < obj.size(); ++i) {
    char c = obj[i];
    if (c == '"') {
      std::size_t open = i;
      for (++i; i < obj.size() && obj[i] != '"'; ++i)
        if (obj[i] == '\\') ++i;
      if (i >= obj.size()) return std::nullopt;
      if (depth != 1 || (last != '{' && last != ',')) continue;  // a value, or nested
      std::string_view name = obj.substr(open + 1, i - open - 1);
      std::size_t j = i + 1;
      while (j < obj.size() && isSpace(obj[j])) ++j;
      if (j >= obj.size() || obj[j] != ':') return std::nullopt;
      last = ':';
      if (name != key) continue;
      for (++j; j < obj.size() && isSpace(obj[j]);) ++j;
      // The value runs to the ',' or '}' that closes it at depth 1.
      int d = 0;
      std::size_t k = j;
      for (; k < obj.size(); ++k) {
        char v = obj[k];
        if (v == '"') {
          for (++k; k < obj.size() && obj[k] != '"'; ++k)
            if (obj[k] == '\\') ++k;
        } else if (v == '{' || v == '[') {
          ++d;
        } else if (v == '}' || v == ']') {
          if (d == 0) break;
          --d;
        } else if (v == ',' && d == 0) {
          break;
        }
      }
      while (k > j && isSpace(obj[k - 1])) --k;
      return Span{j, k};
    }
    if (c == '{' || c == '[') {
      if (++depth == 1) last = '{';
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (depth == 1 && (c == ',' || c == ':')) {
      last = c;
    }
  }
  return std::nullopt;
}

}  // namespace

std::uint64_t estimateTextTokens(std::size_t chars) noexcept { return (chars + 3) / 4; }

std::uint64_t estimatePromptTokens(const json& b) {
  if (!b.is_object()) return 0;
  std::size_t chars = 0, messages = 0;
  if (auto m = b.find("messages"); m != b.end() && m->is_array()) {
    for (const json& msg : *m) {
      ++messages;
      if (!msg.is_object()) continue;
      if (auto c = msg.find("content"); c != msg.end()) chars += textChars(*c);
      if (auto tc = msg.find("tool_calls"); tc != msg.end() && tc->is_array())
        chars += tc->dump().size();
    }
  }
  if (auto p = b.find("prompt"); p != b.end()) chars += textChars(*p);
  if (auto in = b.find("input"); in != b.end()) chars += textChars(*in);
  if (auto t = b.find("tools"); t != b.end() && t->is_array()) chars += t->dump().size();
  return estimateTextTokens(chars) + 4 * messages;
}

std::optional<Usage> scanUsage(std::string_view text) noexcept {
  std::optional<FoundUsage> f = findUsage(text);
  if (!f) return std::nullopt;
  return f->usage;
}

std::string_view formatUsd(char* buf, double usd) noexcept {
  auto [p, ec] =
      std::to_chars(buf, buf + 48, std::isfinite(usd) ? usd : 0.0, std::chars_format::general, 12);
  return {buf, static_cast<std::size_t>(p - buf)};
}

bool setUsageCost(std::string& text, double cost) {
  std::optional<FoundUsage> f = findUsage(text);
  if (!f) return false;
  char buf[48];
  std::string_view number = formatUsd(buf, cost);
  std::string_view obj = std::string_view(text).substr(f->begin, f->end - f->begin);
  if (std::optional<Span> v = memberValue(obj, "cost")) {
    text.replace(f->begin + v->begin, v->end - v->begin, number);
    return true;
  }
  // Added last: after the last member, or alone in an empty object.
  std::size_t close = f->end - 1;  // the object's '}'
  std::size_t last = text.find_last_not_of(" \t\n\r", close - 1);
  std::string member = last == f->begin ? "\"cost\":" : ",\"cost\":";
  member += number;
  text.insert(last + 1, member);
  return true;
}

void mergeUsage(Usage& into, const Usage& from) noexcept {
  into.prompt_tokens = std::max(into.prompt_tokens, from.prompt_tokens);
  into.completion_tokens = std::max(into.completion_tokens, from.completion_tokens);
  into.cached_tokens = std::max(into.cached_tokens, from.cached_tokens);
  into.cache_creation_tokens = std::max(into.cache_creation_tokens, from.cache_creation_tokens);
  into.reasoning_tokens = std::max(into.reasoning_tokens, from.reasoning_tokens);
}

}  // namespace switchyard::api
