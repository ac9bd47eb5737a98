#include "switchyard/api/usage.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>


namespace switchyard::api {
namespace {

using nlohmann::json;

// Characters of text in a content value: a string, or an array of parts with "text".
std::size_t textChars(JsonView v) {
  if (v.isString()) return v.stringLength();
  std::size_t n = 0;
  v.forEachElement([&](JsonView part) {
    if (part.isString()) {
      n += part.stringLength();
    } else if (std::optional<JsonView> t = part.find("text")) {
      n += t->stringLength();
    }
    return true;
  });
  return n;
}

// The end of the JSON object that starts at text[open] ('{'), or npos when it does not close.
std::size_t objectEnd(std::string_view text, std::size_t open) noexcept {
  const char* const end = text.data() + text.size();
  int depth = 0;
  for (const char* p = text.data() + open; p < end; ++p) {
    if (*p == '"') {
      p = skipJsonString(p, end);
      if (p == nullptr) return std::string_view::npos;
      --p;  // at the closing quote
    } else if (*p == '{') {
      ++depth;
    } else if (*p == '}' && --depth == 0) {
      return static_cast<std::size_t>(p + 1 - text.data());
    }
  }
  return std::string_view::npos;
}

// The names usage objects count under (OpenAI's, Anthropic's, the Responses API's, LiteLLM's and
// OpenRouter's), at any depth of the object.
enum Count : std::size_t {
  kPromptTokens,
  kCompletionTokens,
  kCachedTokens,
  kCacheReadInputTokens,
  kCacheCreationTokens,
  kCacheCreationInputTokens,
  kCacheWriteTokens,
  kReasoningTokens,
  kInputTokens,
  kOutputTokens,
  kCounts
};
constexpr std::string_view kCountNames[kCounts] = {
    "prompt_tokens",         "completion_tokens",           "cached_tokens",
    "cache_read_input_tokens", "cache_creation_tokens",     "cache_creation_input_tokens",
    "cache_write_tokens",    "reasoning_tokens",            "input_tokens",
    "output_tokens"};

// The first unsigned integer under each name in the text of a usage object, in one pass.
struct Counts {
  std::optional<std::uint64_t> at[kCounts];
  std::optional<std::uint64_t> operator[](Count c) const { return at[c]; }
};

// Which count `name` is, or kCounts: every count's name ends with "tokens" (checked first).
Count countNamed(std::string_view name) noexcept {
  if (name.size() < 12 || !name.ends_with("tokens")) return kCounts;
  for (std::size_t c = 0; c < kCounts; ++c)
    if (name.size() == kCountNames[c].size() && name == kCountNames[c]) return static_cast<Count>(c);
  return kCounts;
}

Counts countsOf(std::string_view obj) noexcept {
  Counts out;
  auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  const char* p = obj.data();
  const char* const end = p + obj.size();
  while (p < end) {
    const char* open = static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(end - p)));
    if (!open) break;
    const char* past = skipJsonString(open, end);
    if (past == nullptr) break;
    const std::string_view name(open + 1, static_cast<std::size_t>(past - open - 2));
    p = past;
    while (p < end && isSpace(*p)) ++p;
    if (p >= end || *p != ':') continue;  // a value, not a name
    ++p;
    while (p < end && isSpace(*p)) ++p;
    if (p >= end || *p < '0' || *p > '9') continue;
    const Count c = countNamed(name);
    if (c == kCounts || out.at[c]) continue;
    std::uint64_t n = 0;
    auto r = std::from_chars(p, end, n);
    if (r.ec == std::errc{}) out.at[c] = n;
    p = r.ptr;
  }
  return out;
}

// The usage counts of a usage object's text, when it has the OpenAI or the Anthropic shape
// (usage.hpp: scanUsage).
std::optional<Usage> readUsage(std::string_view obj) noexcept {
  const Counts n = countsOf(obj);
  auto either = [&](Count a, Count b) { return n[a] ? n[a] : n[b]; };
  Usage u;
  if (n[kPromptTokens] || n[kCompletionTokens]) {
    u.prompt_tokens = n[kPromptTokens].value_or(0);
    u.completion_tokens = n[kCompletionTokens].value_or(0);
    // prompt_tokens_details.cached_tokens; LiteLLM (and the Anthropic translation) also give
    // Anthropic's cache counts at the top level.
    u.cached_tokens = either(kCachedTokens, kCacheReadInputTokens).value_or(0);
    // LiteLLM's names, then OpenRouter's prompt_tokens_details.cache_write_tokens.
    auto writes = either(kCacheCreationTokens, kCacheCreationInputTokens);
    if (!writes) writes = n[kCacheWriteTokens];
    u.cache_creation_tokens = writes.value_or(0);
    // completion_tokens_details.reasoning_tokens
    u.reasoning_tokens = n[kReasoningTokens].value_or(0);
    return u;
  }
  auto input = n[kInputTokens];
  auto output = n[kOutputTokens];
  if (!input && !output) return std::nullopt;
  if (n[kCachedTokens] || n[kReasoningTokens]) {
    // The Responses API's: input_tokens include the cached ones
    // (input_tokens_details.cached_tokens), output_tokens the reasoning ones.
    u.prompt_tokens = input.value_or(0);
    u.completion_tokens = output.value_or(0);
    u.cached_tokens = n[kCachedTokens].value_or(0);
    u.reasoning_tokens = n[kReasoningTokens].value_or(0);
    return u;
  }
  std::uint64_t reads = n[kCacheReadInputTokens].value_or(0);
  std::uint64_t writes = n[kCacheCreationInputTokens].value_or(0);
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

// The usage object whose "usage" key is at text[at], if its value is one.
std::optional<FoundUsage> usageAt(std::string_view text, std::size_t at) noexcept {
  std::size_t i = at + 7;  // past "usage"
  while (i < text.size() && (text[i] == ' ' || text[i] == ':' || text[i] == '\t' ||
                             text[i] == '\n' || text[i] == '\r'))
    ++i;
  if (i >= text.size() || text[i] != '{') return std::nullopt;  // "usage": null, or a string
  std::size_t end = objectEnd(text, i);
  if (end == std::string_view::npos) return std::nullopt;
  if (std::optional<Usage> u = readUsage(text.substr(i, end - i))) return FoundUsage{i, end, *u};
  return std::nullopt;
}

// The last `"usage"` in text[0, before), or npos: from quote to quote (memrchr), where
// string_view::rfind compares the whole key at every position.
std::size_t rfindUsageKey(std::string_view text, std::size_t before) noexcept {
  static constexpr std::string_view kKey = "\"usage\"";
  while (before >= kKey.size()) {
    const void* hit = memrchr(text.data(), '"', before);
    if (hit == nullptr) return std::string_view::npos;
    const auto close = static_cast<std::size_t>(static_cast<const char*>(hit) - text.data());
    if (close + 1 >= kKey.size() && text.compare(close + 1 - kKey.size(), kKey.size(), kKey) == 0)
      return close + 1 - kKey.size();
    before = close;
  }
  return std::string_view::npos;
}

std::optional<FoundUsage> findUsage(std::string_view text) noexcept {
  // From the end: the usage object closes an answer (and the last event of a stream).
  for (std::size_t at = rfindUsageKey(text, text.size()); at != std::string_view::npos;
       at = rfindUsageKey(text, at)) {
    if (auto u = usageAt(text, at)) return u;
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

std::optional<JsonView> PromptEstimate::message(JsonView msg) {
  ++messages_;
  std::optional<JsonView> role, content, tool_calls;  // one pass; the last of duplicates counts
  msg.forEachMember([&](std::string_view key, JsonView value) {
    if (jsonKeyIs(key, "content")) content = value;
    else if (jsonKeyIs(key, "role")) role = value;
    else if (jsonKeyIs(key, "tool_calls")) tool_calls = value;
    return true;
  });
  if (content) chars_ += textChars(*content);
  if (tool_calls && tool_calls->kind() == JsonKind::kArray) chars_ += tool_calls->compactSize();
  return role;
}

void PromptEstimate::rest(const Body& b) {
  if (std::optional<JsonView> p = b.find("prompt")) chars_ += textChars(*p);
  if (std::optional<JsonView> in = b.find("input")) chars_ += textChars(*in);
  if (std::optional<JsonView> t = b.find("tools"); t && t->kind() == JsonKind::kArray)
    chars_ += t->compactSize();
}

std::uint64_t PromptEstimate::tokens() const noexcept {
  return estimateTextTokens(chars_) + 4 * messages_;
}

std::uint64_t estimatePromptTokens(const Body& b) {
  PromptEstimate estimate;
  if (std::optional<JsonView> m = b.find("messages")) {
    m->forEachElement([&](JsonView msg) {
      estimate.message(msg);
      return true;
    });
  }
  estimate.rest(b);
  return estimate.tokens();
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
