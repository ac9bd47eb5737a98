#pragma once
// Wildcard deployments (LiteLLM's pattern routing, docs/configuration.md#wildcard-deployments).
//
// A model_list entry whose model_name holds '*' ("openai/*", "*", "llm/*-fast") serves every
// requested model the pattern matches when no model group has that exact name. As in LiteLLM, a
// pattern matches from the start of the name (each '*' any text, as few constraints as a regex
// `(.*)`: greedy), and among several patterns the most specific wins: the longest (regex-escaped)
// pattern, then the one with more metacharacters. A name that matches no pattern is tried again
// with its inferred provider in front ("gpt-4o" -> "openai/gpt-4o").
//
// The deployment that serves is the entry with each '*' of its litellm_params.model replaced by
// what the '*'s of model_name matched, in order ("openai/*" for "openai/gpt-4o" -> model
// "openai/gpt-4o", model id "gpt-4o"). `model: "*"` names no provider: the resolved model's
// "provider/" prefix, else the provider inferred from its name, serves it.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "switchyard/api/error.hpp"
#include "switchyard/config/config.hpp"

namespace switchyard::router {

class WildcardPattern {
 public:
  explicit WildcardPattern(std::string pattern);

  const std::string& text() const noexcept { return pattern_; }
  // What each '*' matched, in order; nullopt when `name` does not match.
  std::optional<std::vector<std::string_view>> match(std::string_view name) const;
  // LiteLLM's ordering key (larger is more specific): the length of the pattern as a Python
  // regex (re.escape, '*' -> "(.*)") and its count of metacharacters.
  std::pair<std::size_t, std::size_t> specificity() const noexcept { return specificity_; }

 private:
  std::string pattern_;
  std::vector<std::string> literals_;  // the text between '*'s: stars = literals_.size() - 1
  std::pair<std::size_t, std::size_t> specificity_;
};

// The provider a bare model name belongs to ("gpt-4o", "o3-mini", "text-embedding-3-small" ->
// "openai"; "claude-..." -> "anthropic"; "gemini-..." -> "gemini"); empty when not known.
std::string_view inferProvider(std::string_view model);

// The deployment that serves `requested` from the wildcard deployment `d`, whose model_name
// `pattern` is (it must match, directly or with its inferred provider prefix). An error (400) when
// no provider can be told. The router keeps its patterns compiled (Router::resolveWildcard).
api::Result<config::Deployment> resolveWildcard(const WildcardPattern& pattern,
                                                const config::Deployment& d,
                                                std::string_view requested);
inline api::Result<config::Deployment> resolveWildcard(const config::Deployment& d,
                                                       std::string_view requested) {
  return resolveWildcard(WildcardPattern(d.model_name), d, requested);
}

}  // namespace switchyard::router
