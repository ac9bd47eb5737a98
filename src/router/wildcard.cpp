#include "switchyard/router/wildcard.hpp"

#include <algorithm>

namespace switchyard::router {
namespace {

constexpr std::size_t kMaxName = 512;  // longer requested names match no pattern

// Characters Python's re.escape escapes (3.7+); '*' becomes "(.*)".
constexpr std::string_view kEscaped = "()[]{}?+-|^$\\.&~# \t\n\r\v\f";
constexpr std::string_view kComplexity = "*+?\\^$|()";

// Greedy backtracking match of literals_[k..] with captures, from `pos`; the end is unanchored.
bool matchFrom(const std::vector<std::string>& lits, std::size_t k, std::string_view name,
               std::size_t pos, std::vector<std::string_view>& caps) {
  if (k == lits.size()) return true;
  // A '*' precedes literal k (k >= 1): try the longest capture first.
  const std::string& lit = lits[k];
  for (std::size_t end = name.size(); end + 1 > pos; --end) {
    if (end + lit.size() > name.size()) continue;
    if (name.compare(end, lit.size(), lit) != 0) continue;
    caps.push_back(name.substr(pos, end - pos));
    if (matchFrom(lits, k + 1, name, end + lit.size(), caps)) return true;
    caps.pop_back();
    if (end == 0) break;
  }
  return false;
}

bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

WildcardPattern::WildcardPattern(std::string pattern) : pattern_(std::move(pattern)) {
  std::size_t start = 0;
  for (;;) {
    std::size_t star = pattern_.find('*', start);
    literals_.push_back(pattern_.substr(start, star - start));
    if (star == std::string::npos) break;
    start = star + 1;
  }
  std::string regex;
  for (char c : pattern_) {
    if (c == '*') {
      regex += "(.*)";
    } else {
      if (kEscaped.find(c) != std::string_view::npos) regex += '\\';
      regex += c;
    }
  }
  std::size_t complexity = 0;
  for (char c : regex) complexity += kComplexity.find(c) != std::string_view::npos ? 1 : 0;
  specificity_ = {regex.size(), complexity};
}

std::optional<std::vector<std::string_view>> WildcardPattern::match(std::string_view name) const {
  if (name.size() > kMaxName || !startsWith(name, literals_[0])) return std::nullopt;
  std::vector<std::string_view> caps;
  if (!matchFrom(literals_, 1, name, literals_[0].size(), caps)) return std::nullopt;
  return caps;
}

std::string_view inferProvider(std::string_view model) {
  static constexpr std::string_view kOpenAi[] = {
      "gpt-",
      "chatgpt-",
      "o1",
      "o3",
      "o4",
      "text-embedding-",
      "dall-e",
      "tts-",
      "whisper-",
      "davinci",
      "babbage",
      "omni-moderation",
      "text-moderation",
      "computer-use-",
      "codex-",
  };
  for (std::string_view p : kOpenAi)
    if (startsWith(model, p)) return "openai";
  if (startsWith(model, "claude-")) return "anthropic";
  if (startsWith(model, "gemini-") || startsWith(model, "gemma-") ||
      startsWith(model, "text-embedding-004") || startsWith(model, "gemini-embedding-"))
    return "gemini";
  return {};
}

api::Result<config::Deployment> resolveWildcard(const WildcardPattern& pattern,
                                                const config::Deployment& d,
                                                std::string_view requested) {
  std::optional<std::vector<std::string_view>> caps = pattern.match(requested);
  std::string prefixed;
  if (!caps) {
    if (std::string_view p = inferProvider(requested); !p.empty()) {
      prefixed = std::string(p) + "/" + std::string(requested);
      caps = pattern.match(prefixed);
    }
  }
  config::Deployment out = d;
  out.wildcard = false;
  std::string model = d.model;
  const std::size_t stars = static_cast<std::size_t>(std::count(model.begin(), model.end(), '*'));
  if (caps && stars > 0) {
    if (caps->size() > stars) {
      model = std::string(requested);  // LiteLLM: more captures than '*': the requested name
    } else {
      for (std::string_view seg : *caps) model.replace(model.find('*'), 1, seg);
    }
  }
  out.model = model;
  if (!d.infer_provider) {
    // As the config reads `model`: the id is what follows "provider/" (custom_llm_provider: the
    // whole name when it has no such prefix).
    out.model_id = config::splitModel(model, d.provider).model_id;
    return out;
  }
  // model: "*": the resolved name says which provider serves it.
  config::ModelRef ref = config::splitModel(model);
  if (ref.provider.empty() || ref.model_id.empty()) {
    ref = {std::string(inferProvider(model)), model};
  }
  if (ref.provider.empty()) {
    return api::Error{api::ErrorKind::kInvalidRequest,
                      "LLM Provider NOT provided. Pass in the LLM provider you are trying to call. "
                      "You passed model=" +
                          model + ". Use a \"provider/model\" name, e.g. openai/" + model + ".",
                      "",
                      400,
                      "invalid_request",
                      "model"};
  }
  out.provider = std::move(ref.provider);
  out.model_id = std::move(ref.model_id);
  out.infer_provider = false;
  return out;
}

}  // namespace switchyard::router
