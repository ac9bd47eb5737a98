// Policy: settings resolution, failure classification, fallback targets and retry waits.

#include "switchyard/router/policy.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "router_test_util.hpp"

namespace switchyard::router::test {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kModels[] = R"yaml(model_list:
  - model_name: a
    litellm_params: {model: mock/a}
  - model_name: b
    litellm_params: {model: mock/b}
)yaml";

// --- Policy::from -----------------------------------------------------------------------------

TEST(PolicyFromTest, Defaults) {
  Policy p = Policy::from(config::Config{});
  EXPECT_EQ(p.strategy, Strategy::kSimpleShuffle);
  EXPECT_EQ(p.num_retries, 2);
  EXPECT_EQ(p.allowed_fails, 3);
  EXPECT_FALSE(p.allowed_fails_set);
  EXPECT_EQ(p.cooldown_time, std::chrono::seconds(5));
  EXPECT_EQ(p.min_retry_wait, Clock::duration::zero());
  EXPECT_EQ(p.max_fallbacks, 5);
  EXPECT_FALSE(p.pre_call_checks);
  EXPECT_DOUBLE_EQ(p.latency_buffer, 0.1);
  EXPECT_EQ(p.latency_ttl, std::chrono::seconds(60));
  EXPECT_EQ(p.backoff_initial, std::chrono::milliseconds(500));
  EXPECT_EQ(p.backoff_max, std::chrono::seconds(8));
  EXPECT_EQ(p.retry_after_cap, std::chrono::seconds(5));
  EXPECT_THAT(p.fallbacks, IsEmpty());
  EXPECT_THAT(p.context_window_fallbacks, IsEmpty());
  EXPECT_THAT(p.content_policy_fallbacks, IsEmpty());
  EXPECT_THAT(p.default_fallbacks, IsEmpty());
}

TEST(PolicyFromTest, DefaultsFromAConfigWithoutSettings) {
  Policy p = Policy::from(loadYaml(kModels));
  EXPECT_EQ(p.strategy, Strategy::kSimpleShuffle);
  EXPECT_EQ(p.num_retries, 2);
  EXPECT_EQ(p.allowed_fails, 3);
  EXPECT_EQ(p.cooldown_time, std::chrono::seconds(5));
  EXPECT_EQ(p.max_fallbacks, 5);
}

TEST(PolicyFromTest, RouterSettingsParsed) {
  Policy p = Policy::from(loadYaml(std::string(kModels) + R"yaml(router_settings:
  routing_strategy: cost-based-routing
  num_retries: 0
  allowed_fails: 7
  cooldown_time: 12.5
  retry_after: 2
  max_fallbacks: 3
  enable_pre_call_checks: true
  routing_strategy_args:
    lowest_latency_buffer: 0.25
    ttl: 90
)yaml"));
  EXPECT_EQ(p.strategy, Strategy::kCost);
  EXPECT_EQ(p.num_retries, 0);
  EXPECT_EQ(p.allowed_fails, 7);
  EXPECT_TRUE(p.allowed_fails_set);
  EXPECT_EQ(p.cooldown_time, std::chrono::milliseconds(12500));
  EXPECT_EQ(p.min_retry_wait, std::chrono::seconds(2));
  EXPECT_EQ(p.max_fallbacks, 3);
  EXPECT_TRUE(p.pre_call_checks);
  EXPECT_DOUBLE_EQ(p.latency_buffer, 0.25);
  EXPECT_EQ(p.latency_ttl, std::chrono::seconds(90));
}

TEST(PolicyFromTest, RouterSettingsWinOverLitellmSettings) {
  Policy p = Policy::from(loadYaml(std::string(kModels) + R"yaml(router_settings:
  num_retries: 4
  fallbacks: [{"a": ["b"]}]
  default_fallbacks: ["b"]
litellm_settings:
  num_retries: 7
  fallbacks: [{"a": ["c"]}]
  context_window_fallbacks: [{"a": ["d"]}]
  content_policy_fallbacks: [{"a": ["e"]}]
  default_fallbacks: ["f"]
)yaml"));
  EXPECT_EQ(p.num_retries, 4);
  ASSERT_EQ(p.fallbacks.size(), 1u);
  EXPECT_EQ(p.fallbacks[0].model, "a");
  EXPECT_THAT(p.fallbacks[0].fallbacks, ElementsAre("b"));
  EXPECT_THAT(p.default_fallbacks, ElementsAre("b"));
  // List by list: the lists router_settings does not set come from litellm_settings.
  ASSERT_EQ(p.context_window_fallbacks.size(), 1u);
  EXPECT_THAT(p.context_window_fallbacks[0].fallbacks, ElementsAre("d"));
  ASSERT_EQ(p.content_policy_fallbacks.size(), 1u);
  EXPECT_THAT(p.content_policy_fallbacks[0].fallbacks, ElementsAre("e"));
}

TEST(PolicyFromTest, LitellmSettingsWhenRouterSettingsAreSilent) {
  Policy p = Policy::from(loadYaml(std::string(kModels) + R"yaml(litellm_settings:
  num_retries: 7
  fallbacks: [{"a": ["b"]}]
  default_fallbacks: ["a"]
)yaml"));
  EXPECT_EQ(p.num_retries, 7);
  ASSERT_EQ(p.fallbacks.size(), 1u);
  EXPECT_THAT(p.fallbacks[0].fallbacks, ElementsAre("b"));
  EXPECT_THAT(p.default_fallbacks, ElementsAre("a"));
}

TEST(PolicyFromTest, DisableCooldownsZeroesTheCooldownTime) {
  config::Config cfg;
  cfg.router_settings.cooldown_time_s = 30;
  cfg.router_settings.disable_cooldowns = true;
  EXPECT_EQ(Policy::from(cfg).cooldown_time, Clock::duration::zero());
}

TEST(PolicyFromTest, StrategyNames) {
  EXPECT_EQ(parseStrategy("simple-shuffle"), Strategy::kSimpleShuffle);
  EXPECT_EQ(parseStrategy("least-busy"), Strategy::kLeastBusy);
  EXPECT_EQ(parseStrategy("latency-based-routing"), Strategy::kLatency);
  EXPECT_EQ(parseStrategy("cost-based-routing"), Strategy::kCost);
  EXPECT_EQ(parseStrategy("usage-based-routing"), Strategy::kUsage);
  EXPECT_EQ(parseStrategy("usage-based-routing-v2"), Strategy::kUsage);
  EXPECT_EQ(parseStrategy("bogus"), Strategy::kSimpleShuffle);
  EXPECT_EQ(parseStrategy(""), Strategy::kSimpleShuffle);
  for (Strategy s : {Strategy::kSimpleShuffle, Strategy::kLeastBusy, Strategy::kLatency,
                     Strategy::kCost, Strategy::kUsage}) {
    EXPECT_EQ(parseStrategy(strategyName(s)), s) << strategyName(s);
  }
  EXPECT_EQ(strategyName(Strategy::kLatency), "latency-based-routing");
}

// --- classify ---------------------------------------------------------------------------------

api::Error err(api::ErrorKind kind, unsigned upstream_status = 0) {
  api::Error e{kind, "m"};
  e.upstream_status = upstream_status;
  return e;
}

TEST(ClassifyTest, UpstreamCredentialRejections) {
  using K = api::ErrorKind;
  EXPECT_EQ(classify(err(K::kUpstreamError, 401)), FailureClass::kCredentials);
  EXPECT_EQ(classify(err(K::kUpstreamError, 403)), FailureClass::kCredentials);
  EXPECT_EQ(classify(err(K::kUnauthorized, 401)), FailureClass::kCredentials);
  EXPECT_EQ(classify(err(K::kForbidden, 403)), FailureClass::kCredentials);
  // The gateway's own 401 (no upstream status) is the client's problem, not the deployment's.
  EXPECT_NE(classify(err(K::kUnauthorized)), FailureClass::kCredentials);
}

TEST(ClassifyTest, Transient) {
  using K = api::ErrorKind;
  EXPECT_EQ(classify(err(K::kRateLimited, 429)), FailureClass::kTransient);
  EXPECT_EQ(classify(err(K::kRateLimited)), FailureClass::kTransient);
  for (unsigned s : {500u, 502u, 503u, 504u, 529u}) {
    EXPECT_EQ(classify(err(K::kUpstreamError, s)), FailureClass::kTransient) << s;
  }
  EXPECT_EQ(classify(err(K::kUpstreamError)), FailureClass::kTransient);  // connect failure
  EXPECT_EQ(classify(err(K::kUpstreamTimeout)), FailureClass::kTransient);
  EXPECT_EQ(classify(err(K::kUnavailable, 503)), FailureClass::kTransient);
  EXPECT_EQ(classify(err(K::kInvalidRequest, 408)), FailureClass::kTransient);
}

TEST(ClassifyTest, RequestFaults) {
  using K = api::ErrorKind;
  EXPECT_EQ(classify(err(K::kInvalidRequest, 400)), FailureClass::kRequest);
  EXPECT_EQ(classify(err(K::kInvalidRequest)), FailureClass::kRequest);
  // The gateway's own 503 (out of descriptors): not the deployment's failure, not retried.
  EXPECT_EQ(classify(err(K::kUnavailable)), FailureClass::kRequest);
  EXPECT_EQ(classify(err(K::kModelNotFound, 404)), FailureClass::kRequest);
  EXPECT_EQ(classify(err(K::kNotFound, 404)), FailureClass::kRequest);
  EXPECT_EQ(classify(err(K::kPayloadTooLarge, 413)), FailureClass::kRequest);
}

TEST(ClassifyTest, ContextWindowAndContentPolicy) {
  using K = api::ErrorKind;
  EXPECT_EQ(classify(err(K::kContextWindowExceeded, 400)), FailureClass::kContextWindow);
  EXPECT_EQ(classify(err(K::kContextWindowExceeded)), FailureClass::kContextWindow);
  EXPECT_EQ(classify(err(K::kContentPolicy, 400)), FailureClass::kContentPolicy);
  EXPECT_EQ(classify(err(K::kContentPolicy)), FailureClass::kContentPolicy);
}

// --- fallbacksFor -----------------------------------------------------------------------------

Policy withRules() {
  Policy p;
  p.fallbacks = {{"*", {"generic"}}, {"gpt", {"claude", "gemini"}}};
  p.context_window_fallbacks = {{"gpt", {"gpt-long"}}};
  p.content_policy_fallbacks = {{"gpt", {"claude-safe"}}};
  p.default_fallbacks = {"default-1", "default-2"};
  return p;
}

TEST(FallbacksTest, SpecificRuleWinsOverStar) {
  Policy p = withRules();
  EXPECT_THAT(p.fallbacksFor("gpt", FailureClass::kTransient), ElementsAre("claude", "gemini"));
  EXPECT_THAT(p.fallbacksFor("gpt", FailureClass::kCredentials), ElementsAre("claude", "gemini"));
}

TEST(FallbacksTest, ContextWindowAndContentPolicyListsFirst) {
  Policy p = withRules();
  EXPECT_THAT(p.fallbacksFor("gpt", FailureClass::kContextWindow), ElementsAre("gpt-long"));
  EXPECT_THAT(p.fallbacksFor("gpt", FailureClass::kContentPolicy), ElementsAre("claude-safe"));
}

TEST(FallbacksTest, SpecialListsFallThroughToTheGenericOnes) {
  Policy p = withRules();
  p.fallbacks.push_back({"claude", {"gemini"}});
  // No context-window rule for claude: its generic rule.
  EXPECT_THAT(p.fallbacksFor("claude", FailureClass::kContextWindow), ElementsAre("gemini"));
  // No rule at all for mistral: the "*" rule.
  EXPECT_THAT(p.fallbacksFor("mistral", FailureClass::kContentPolicy), ElementsAre("generic"));
  EXPECT_THAT(p.fallbacksFor("mistral", FailureClass::kTransient), ElementsAre("generic"));
}

TEST(FallbacksTest, DefaultFallbacksWhenNoRuleMatches) {
  Policy p = withRules();
  std::erase_if(p.fallbacks, [](const config::FallbackRule& r) { return r.model == "*"; });
  EXPECT_THAT(p.fallbacksFor("mistral", FailureClass::kTransient),
              ElementsAre("default-1", "default-2"));
  EXPECT_THAT(p.fallbacksFor("mistral", FailureClass::kContextWindow),
              ElementsAre("default-1", "default-2"));
  // A specific rule still wins over default_fallbacks.
  EXPECT_THAT(p.fallbacksFor("gpt", FailureClass::kTransient), ElementsAre("claude", "gemini"));
}

TEST(FallbacksTest, NothingConfigured) {
  Policy p;
  EXPECT_THAT(p.fallbacksFor("gpt", FailureClass::kTransient), IsEmpty());
  EXPECT_THAT(p.fallbacksFor("gpt", FailureClass::kContextWindow), IsEmpty());
}

TEST(FallbacksTest, TheGroupItselfIsRemoved) {
  Policy p;
  p.fallbacks = {{"gpt", {"gpt", "claude", "gpt"}}, {"*", {"gpt", "gemini"}}};
  p.default_fallbacks = {"x", "y"};
  EXPECT_THAT(p.fallbacksFor("gpt", FailureClass::kTransient), ElementsAre("claude"));
  EXPECT_THAT(p.fallbacksFor("gemini", FailureClass::kTransient), ElementsAre("gpt"));
  p.fallbacks.clear();
  EXPECT_THAT(p.fallbacksFor("x", FailureClass::kTransient), ElementsAre("y"));
}

TEST(FallbacksTest, CappedAtMaxFallbacks) {
  Policy p;
  p.fallbacks = {{"gpt", {"f1", "f2", "f3", "f4", "f5", "f6", "f7"}}};
  EXPECT_THAT(p.fallbacksFor("gpt", FailureClass::kTransient),
              ElementsAre("f1", "f2", "f3", "f4", "f5"));
  p.max_fallbacks = 2;
  EXPECT_THAT(p.fallbacksFor("gpt", FailureClass::kTransient), ElementsAre("f1", "f2"));
  p.max_fallbacks = 0;
  EXPECT_THAT(p.fallbacksFor("gpt", FailureClass::kTransient), IsEmpty());
  // The group is removed before the cap is applied.
  p.fallbacks = {{"gpt", {"gpt", "f1", "f2"}}};
  p.max_fallbacks = 2;
  EXPECT_THAT(p.fallbacksFor("gpt", FailureClass::kTransient), ElementsAre("f1", "f2"));
}

TEST(FallbacksTest, FromConfig) {
  Policy p = Policy::from(loadYaml(std::string(kModels) + R"yaml(router_settings:
  max_fallbacks: 1
  fallbacks: [{"a": ["b", "c"]}]
  context_window_fallbacks: [{"a": ["big"]}]
)yaml"));
  EXPECT_THAT(p.fallbacksFor("a", FailureClass::kTransient), ElementsAre("b"));
  EXPECT_THAT(p.fallbacksFor("a", FailureClass::kContextWindow), ElementsAre("big"));
  EXPECT_THAT(p.fallbacksFor("b", FailureClass::kTransient), IsEmpty());
}

// --- retryWait --------------------------------------------------------------------------------

double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

TEST(RetryWaitTest, ExponentialBackoffWithJitter) {
  Policy p;
  std::mt19937_64 rng(2024);
  api::Error e = err(api::ErrorKind::kUpstreamError, 503);
  // Base 0.5 s * 2^(n-1), capped at 8 s; the wait is in [75%, 100%] of the base.
  const double bases[] = {0.5, 1, 2, 4, 8, 8, 8};
  for (int retry = 1; retry <= 7; ++retry) {
    double base = bases[retry - 1];
    double lo = 1e9, hi = 0;
    for (int i = 0; i < 2000; ++i) {
      std::optional<Clock::duration> w = retryWait(p, e, retry, rng);
      ASSERT_TRUE(w) << retry;
      double s = secs(*w);
      ASSERT_GE(s, 0.75 * base - 1e-6) << retry;
      ASSERT_LE(s, base + 1e-6) << retry;
      lo = std::min(lo, s);
      hi = std::max(hi, s);
    }
    // The jitter actually spreads over the range (2000 uniform draws).
    EXPECT_LT(lo, 0.77 * base) << retry;
    EXPECT_GT(hi, 0.98 * base) << retry;
  }
}

TEST(RetryWaitTest, HugeRetryNumbersStayCapped) {
  Policy p;
  std::mt19937_64 rng(1);
  api::Error e = err(api::ErrorKind::kUpstreamTimeout);
  for (int retry : {40, 1000, std::numeric_limits<int>::max()}) {
    std::optional<Clock::duration> w = retryWait(p, e, retry, rng);
    ASSERT_TRUE(w);
    EXPECT_LE(*w, std::chrono::seconds(8));
    EXPECT_GE(*w, std::chrono::seconds(6));
  }
  // A retry number below 1 waits like the first retry.
  std::optional<Clock::duration> w0 = retryWait(p, e, 0, rng);
  ASSERT_TRUE(w0);
  EXPECT_LE(*w0, std::chrono::milliseconds(500));
}

TEST(RetryWaitTest, SeededRngIsDeterministic) {
  Policy p;
  api::Error e = err(api::ErrorKind::kRateLimited, 429);
  std::mt19937_64 r1(99), r2(99);
  for (int retry = 1; retry <= 5; ++retry)
    EXPECT_EQ(retryWait(p, e, retry, r1), retryWait(p, e, retry, r2));
}

TEST(RetryWaitTest, RetryAfterUsedUpToTheCap) {
  Policy p;
  std::mt19937_64 rng(7);
  api::Error e = err(api::ErrorKind::kRateLimited, 429);
  e.retry_after_s = 3;
  for (int retry : {1, 2, 5}) EXPECT_EQ(retryWait(p, e, retry, rng), std::chrono::seconds(3));
  e.retry_after_s = 5;  // exactly the cap
  EXPECT_EQ(retryWait(p, e, 1, rng), std::chrono::seconds(5));
  e.retry_after_s = 6;  // just over it
  EXPECT_FALSE(retryWait(p, e, 1, rng).has_value());
  e.retry_after_s = 1;  // shorter than the backoff would be on a late retry: still used
  EXPECT_EQ(retryWait(p, e, 6, rng), std::chrono::seconds(1));
}

TEST(RetryWaitTest, RetryAfterOverTheCapMeansDoNotRetry) {
  Policy p;
  std::mt19937_64 rng(7);
  api::Error e = err(api::ErrorKind::kRateLimited, 429);
  e.retry_after_s = 11;
  EXPECT_EQ(retryWait(p, e, 1, rng), std::nullopt);
  e.retry_after_s = 3600;
  EXPECT_EQ(retryWait(p, e, 1, rng), std::nullopt);
  p.retry_after_cap = std::chrono::hours(2);
  EXPECT_EQ(retryWait(p, e, 1, rng), std::chrono::seconds(3600));
}

TEST(RetryWaitTest, MinRetryWaitIsAFloor) {
  Policy p = Policy::from(loadYaml(std::string(kModels) + "router_settings:\n  retry_after: 3\n"));
  ASSERT_EQ(p.min_retry_wait, std::chrono::seconds(3));
  std::mt19937_64 rng(5);
  api::Error e = err(api::ErrorKind::kUpstreamError, 500);
  EXPECT_EQ(retryWait(p, e, 1, rng), std::chrono::seconds(3));    // backoff 0.375..0.5 s < 3 s
  std::optional<Clock::duration> late = retryWait(p, e, 5, rng);  // backoff 6..8 s > 3 s
  ASSERT_TRUE(late);
  EXPECT_GE(*late, std::chrono::seconds(6));
  e.retry_after_s = 1;
  EXPECT_EQ(retryWait(p, e, 1, rng), std::chrono::seconds(3));
  e.retry_after_s = 5;
  EXPECT_EQ(retryWait(p, e, 1, rng), std::chrono::seconds(5));
  e.retry_after_s = 30;  // over the cap: still no retry, whatever the floor
  EXPECT_EQ(retryWait(p, e, 1, rng), std::nullopt);
}

}  // namespace
}  // namespace switchyard::router::test
