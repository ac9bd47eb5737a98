#include "switchyard/router/policy.hpp"

#include <algorithm>
#include <cmath>

namespace switchyard::router {
namespace {

Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

const config::FallbackRule* ruleFor(const std::vector<config::FallbackRule>& rules,
                                    std::string_view group) {
  for (const auto& r : rules)
    if (r.model == group) return &r;
  return nullptr;
}

}  // namespace

Strategy parseStrategy(std::string_view name) noexcept {
  if (name == "least-busy") return Strategy::kLeastBusy;
  if (name == "latency-based-routing") return Strategy::kLatency;
  if (name == "cost-based-routing") return Strategy::kCost;
  if (name == "usage-based-routing" || name == "usage-based-routing-v2") return Strategy::kUsage;
  return Strategy::kSimpleShuffle;
}

std::string_view strategyName(Strategy s) noexcept {
  switch (s) {
    case Strategy::kSimpleShuffle:
      return "simple-shuffle";
    case Strategy::kLeastBusy:
      return "least-busy";
    case Strategy::kLatency:
      return "latency-based-routing";
    case Strategy::kCost:
      return "cost-based-routing";
    case Strategy::kUsage:
      return "usage-based-routing";
  }
  return "simple-shuffle";
}

FailureClass classify(const api::Error& e) noexcept {
  switch (e.kind) {
    case api::ErrorKind::kContextWindowExceeded:
      return FailureClass::kContextWindow;
    case api::ErrorKind::kContentPolicy:
      return FailureClass::kContentPolicy;
    case api::ErrorKind::kUnavailable:
      // Not from a provider: the gateway's own state (out of descriptors, busy), no deployment's
      // fault, and no other deployment would do better. The client gets the 503 at once.
      if (e.upstream_status == 0) return FailureClass::kRequest;
      break;
    default:
      break;
  }
  if (e.upstream_status == 401 || e.upstream_status == 403) return FailureClass::kCredentials;
  if (api::isRetryable(e)) return FailureClass::kTransient;
  return FailureClass::kRequest;
}

Policy Policy::from(const config::Config& cfg) {
  const auto& r = cfg.router_settings;
  const auto& l = cfg.litellm_settings;
  Policy p;
  p.strategy = parseStrategy(r.routing_strategy);
  if (r.num_retries)
    p.num_retries = *r.num_retries;
  else if (l.num_retries)
    p.num_retries = *l.num_retries;
  if (r.allowed_fails) {
    p.allowed_fails = *r.allowed_fails;
    p.allowed_fails_set = true;
  }
  if (r.cooldown_time_s) p.cooldown_time = seconds(*r.cooldown_time_s);
  if (r.disable_cooldowns) p.cooldown_time = Clock::duration::zero();
  if (r.retry_after_s) p.min_retry_wait = seconds(*r.retry_after_s);
  if (r.max_fallbacks) p.max_fallbacks = *r.max_fallbacks;
  p.pre_call_checks = r.enable_pre_call_checks;
  p.tag_filtering = r.enable_tag_filtering;
  p.tag_match_any = r.tag_filtering_match_any;
  if (r.lowest_latency_buffer) p.latency_buffer = *r.lowest_latency_buffer;
  if (r.latency_ttl_s) p.latency_ttl = seconds(*r.latency_ttl_s);
  p.fallbacks = !r.fallbacks.empty() ? r.fallbacks : l.fallbacks;
  p.context_window_fallbacks =
      !r.context_window_fallbacks.empty() ? r.context_window_fallbacks : l.context_window_fallbacks;
  p.content_policy_fallbacks =
      !r.content_policy_fallbacks.empty() ? r.content_policy_fallbacks : l.content_policy_fallbacks;
  p.default_fallbacks = !r.default_fallbacks.empty() ? r.default_fallbacks : l.default_fallbacks;
  return p;
}

std::vector<std::string> Policy::fallbacksFor(std::string_view group, FailureClass c) const {
  const config::FallbackRule* rule = nullptr;
  if (c == FailureClass::kContextWindow) rule = ruleFor(context_window_fallbacks, group);
  if (c == FailureClass::kContentPolicy) rule = ruleFor(content_policy_fallbacks, group);
  if (!rule) rule = ruleFor(fallbacks, group);
  if (!rule) rule = ruleFor(fallbacks, "*");
  std::vector<std::string> out;
  if (rule)
    out = rule->fallbacks;
  else
    out = default_fallbacks;
  std::erase(out, std::string(group));
  if (out.size() > static_cast<std::size_t>(std::max(max_fallbacks, 0)))
    out.resize(std::max(max_fallbacks, 0));
  return out;
}

std::optional<Clock::duration> retryWait(const Policy& p, const api::Error& e, int retry,
                                         std::mt19937_64& rng) {
  Clock::duration wait;
  if (e.retry_after_s > 0) {
    if (std::chrono::seconds(e.retry_after_s) > p.retry_after_cap) return std::nullopt;
    wait = std::chrono::seconds(e.retry_after_s);
  } else {
    int shift = std::clamp(retry - 1, 0, 30);
    double base = std::chrono::duration<double>(p.backoff_initial).count() * std::ldexp(1.0, shift);
    base = std::min(base, std::chrono::duration<double>(p.backoff_max).count());
    double jitter = std::uniform_real_distribution<double>(0.75, 1.0)(rng);
    wait = seconds(base * jitter);
  }
  return std::max(wait, p.min_retry_wait);
}

}  // namespace switchyard::router
