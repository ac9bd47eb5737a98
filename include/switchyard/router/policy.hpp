#pragma once
// The router's settings, resolved once per config generation from router_settings, then
// litellm_settings, then LiteLLM's defaults (docs/design.md §4), and the pure rules built on them:
// how a failure is classified, when a deployment cools down, how long to wait before a retry.

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/api/error.hpp"
#include "switchyard/config/config.hpp"
#include "switchyard/router/time_source.hpp"

namespace switchyard::router {

enum class Strategy : std::uint8_t {
  kSimpleShuffle,  // weighted random (weight, else rpm, else tpm, else equal)
  kLeastBusy,      // fewest requests in flight
  kLatency,        // lowest moving-average latency (time to first token for streams) + buffer
  kCost,           // cheapest input+output price per token; ties at random
  kUsage,          // most tpm, then rpm headroom left this minute; then least tokens, requests used
};
Strategy parseStrategy(std::string_view name) noexcept;  // unknown: kSimpleShuffle
std::string_view strategyName(Strategy s) noexcept;

// What a failed attempt says about the deployment and about the request.
enum class FailureClass : std::uint8_t {
  kRequest,        // the request is at fault (400, 404 model...): answered at once, no cooldown
  kContextWindow,  // prompt too long: context_window_fallbacks, no cooldown, no retry
  kContentPolicy,  // refused on content: content_policy_fallbacks, no cooldown, no retry
  kCredentials,    // the provider rejected this deployment (401/403): cooled down at once,
                   // other deployments and fallbacks are tried
  kTransient,      // connect error, timeout, 408, 429, 5xx, error before the first chunk:
                   // retried, counted toward cooldown
};
FailureClass classify(const api::Error& e) noexcept;

struct Policy {
  Strategy strategy = Strategy::kSimpleShuffle;
  int num_retries = 2;             // retries per model group after the first attempt
  int allowed_fails = 3;           // failures per minute tolerated before a cooldown
  bool allowed_fails_set = false;  // set explicitly: the sole deployment of an alias cools too
  Clock::duration cooldown_time = std::chrono::seconds(5);
  Clock::duration min_retry_wait{};  // router_settings.retry_after
  int max_fallbacks = 5;
  bool pre_call_checks = false;
  bool tag_filtering = false;   // router_settings.enable_tag_filtering
  bool tag_match_any = true;    // router_settings.tag_filtering_match_any
  double latency_buffer = 0.1;  // latency strategy: random among those within +10% of best
  Clock::duration latency_ttl = std::chrono::seconds(60);  // older averages count as unknown
  // Backoff before retrying a deployment already tried (LiteLLM's constants).
  Clock::duration backoff_initial = std::chrono::milliseconds(500);
  Clock::duration backoff_max = std::chrono::seconds(8);
  // A Retry-After up to this long is waited for before retrying the same deployment; a longer
  // one means that deployment is not retried for this request (the client gets the 429 and its
  // Retry-After at once instead of a wait that outlasts its patience).
  // 5 s: several retries may each wait this long, and SDKs honour Retry-After themselves.
  Clock::duration retry_after_cap = std::chrono::seconds(5);
  // Fallback rules: router_settings wins over litellm_settings, list by list.
  std::vector<config::FallbackRule> fallbacks, context_window_fallbacks, content_policy_fallbacks;
  std::vector<std::string> default_fallbacks;

  static Policy from(const config::Config& cfg);

  // The fallback targets for `group` after a failure of class `c`, at most max_fallbacks:
  // context-window and content-policy failures use their own lists first; otherwise (and when
  // those have no rule for the group) `fallbacks`, then a "*" rule, then default_fallbacks.
  std::vector<std::string> fallbacksFor(std::string_view group, FailureClass c) const;
};

// How long to wait before retry number `retry` (1-based) of a deployment that failed with `e`:
// its Retry-After when one was sent, else exponential backoff (initial * 2^(retry-1), capped)
// with up to 25% jitter; never less than min_retry_wait. nullopt: do not retry it (Retry-After
// over the cap).
std::optional<Clock::duration> retryWait(const Policy& p, const api::Error& e, int retry,
                                         std::mt19937_64& rng);

}  // namespace switchyard::router
