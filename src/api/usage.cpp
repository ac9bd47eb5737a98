#include "switchyard/api/usage.hpp"

#include <charconv>
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
    std::string_view obj = text.substr(i, end - i);
    Usage u;
    auto prompt = numberAt(obj, "prompt_tokens");
    auto completion = numberAt(obj, "completion_tokens");
    if (prompt || completion) {
      u.prompt_tokens = prompt.value_or(0);
      u.completion_tokens = completion.value_or(0);
      // prompt_tokens_details.cached_tokens; LiteLLM (and the Anthropic translation) also give
      // Anthropic's cache counts at the top level.
      u.cached_tokens = numberAt(obj, "cached_tokens", "cache_read_input_tokens").value_or(0);
      u.cache_creation_tokens =
          numberAt(obj, "cache_creation_tokens", "cache_creation_input_tokens").value_or(0);
      // completion_tokens_details.reasoning_tokens
      u.reasoning_tokens = numberAt(obj, "reasoning_tokens").value_or(0);
      return u;
    }
    auto input = numberAt(obj, "input_tokens");
    auto output = numberAt(obj, "output_tokens");
    if (!input && !output) continue;
    std::uint64_t reads = numberAt(obj, "cache_read_input_tokens").value_or(0);
    std::uint64_t writes = numberAt(obj, "cache_creation_input_tokens").value_or(0);
    u.prompt_tokens = input.value_or(0) + reads + writes;
    u.completion_tokens = output.value_or(0);
    u.cached_tokens = reads;
    u.cache_creation_tokens = writes;
    return u;
  }
  return std::nullopt;
}

}  // namespace switchyard::api
