// `order` tiers and the per-deployment limits (rpm, tpm, max_parallel_requests).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "router_test_util.hpp"

namespace switchyard::router::test {
namespace {

config::Deployment ordered(std::string alias, std::string id, std::optional<int> order,
                           std::optional<double> weight = {}) {
  config::Deployment d = dep(std::move(alias), std::move(id), weight);
  d.order = order;
  return d;
}

// --- order tiers ------------------------------------------------------------------------------

TEST(OrderTest, LowestTierAlwaysFirstWhileAvailable) {
  // The order-2 and unordered deployments carry far more weight; the tier still wins.
  Env env(configOf({ordered("g", "second", 2, 1000.0), ordered("g", "none", std::nullopt, 1000.0),
                    ordered("g", "first", 1, 1.0)}));
  for (int i = 0; i < 500; ++i) EXPECT_EQ(env.select("g").deployment->id, "first");
}

TEST(OrderTest, StrategyChoosesWithinTheTier) {
  Env env(configOf(
      {ordered("g", "a", 1, 1.0), ordered("g", "b", 1, 3.0), ordered("g", "c", 2, 100.0)}));
  auto shares = env.shares("g");
  EXPECT_EQ(shares.count("c"), 0u);
  EXPECT_NEAR(shares["a"], 0.25, kTolerance);
  EXPECT_NEAR(shares["b"], 0.75, kTolerance);
}

TEST(OrderTest, NextTierWhenTheFirstIsCoolingDown) {
  Env env(
      configOf({ordered("g", "first", 1), ordered("g", "second", 2), ordered("g", "third", 3)}));
  env.state("first").coolDown(env.clock.now(), 5s);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(env.select("g").deployment->id, "second");
  env.clock.advance(5s);  // the cooldown is over
  for (int i = 0; i < 200; ++i) EXPECT_EQ(env.select("g").deployment->id, "first");
}

TEST(OrderTest, NextTierWhenTheFirstIsAtCapacity) {
  config::Deployment first = ordered("g", "first", 1);
  first.max_parallel_requests = 1;
  Env env(configOf({first, ordered("g", "second", 2)}));
  Selection held = env.select("g");
  ASSERT_TRUE(held);
  ASSERT_EQ(held.deployment->id, "first");
  for (int i = 0; i < 200; ++i) EXPECT_EQ(env.select("g").deployment->id, "second");
  held.lease.reset();
  for (int i = 0; i < 200; ++i) EXPECT_EQ(env.select("g").deployment->id, "first");
}

TEST(OrderTest, NextTierWhenTheFirstWasAttempted) {
  Env env(
      configOf({ordered("g", "first", 1), ordered("g", "first-b", 1), ordered("g", "second", 2)}));
  Attempts at;
  SelectInput in;
  in.attempts = &at;
  at.add(&env.byId("first"));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(env.select("g", in).deployment->id, "first-b");
  at.add(&env.byId("first-b"));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(env.select("g", in).deployment->id, "second");
  at.add(&env.byId("second"));
  EXPECT_EQ(env.select("g", in).reason, NoPick::kExhausted);
}

TEST(OrderTest, UnorderedComesAfterEveryOrderedTier) {
  Env env(
      configOf({ordered("g", "none", std::nullopt), ordered("g", "o5", 5), ordered("g", "o9", 9)}));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(env.select("g").deployment->id, "o5");
  env.state("o5").coolDown(env.clock.now(), 10s);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(env.select("g").deployment->id, "o9");
  env.state("o9").coolDown(env.clock.now(), 10s);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(env.select("g").deployment->id, "none");
}

TEST(OrderTest, TiersApplyToEveryStrategy) {
  for (const char* strategy :
       {"least-busy", "latency-based-routing", "cost-based-routing", "usage-based-routing"}) {
    SCOPED_TRACE(strategy);
    config::Deployment cheap_second = ordered("g", "second", 2);
    cheap_second.input_cost_per_token = 0.0;
    config::Deployment pricey_first = ordered("g", "first", 1);
    pricey_first.input_cost_per_token = 1.0;
    Env env(configOf({cheap_second, pricey_first}, strategy));
    std::vector<Selection> held;  // load on `first` would make least-busy / usage prefer `second`
    for (int i = 0; i < 50; ++i) {
      held.push_back(env.select("g"));
      ASSERT_EQ(held.back().deployment->id, "first");
    }
  }
}

// --- rpm / tpm / max_parallel_requests --------------------------------------------------------

TEST(LimitsTest, RpmAdmitsNPerMinute) {
  Env env(configOf({dep("a", "a1", {}, /*rpm=*/3)}));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(env.select("a")) << i;
  Selection full = env.select("a");
  EXPECT_FALSE(full);
  EXPECT_EQ(full.reason, NoPick::kAtCapacity);
  EXPECT_GT(full.retry_after, Clock::duration::zero());
  EXPECT_LE(full.retry_after, std::chrono::seconds(60));
  env.clock.advance(30s);  // same minute
  EXPECT_EQ(env.select("a").reason, NoPick::kAtCapacity);
  env.clock.advance(30s);  // next minute
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(env.select("a")) << i;
  EXPECT_EQ(env.select("a").reason, NoPick::kAtCapacity);
}

TEST(LimitsTest, RpmSpillsToTheOtherDeployments) {
  Env env(configOf({dep("a", "a1", 1.0, /*rpm=*/2), dep("a", "a2", 1.0, /*rpm=*/3)}));
  std::map<std::string, int> counts;
  for (int i = 0; i < 5; ++i) {
    Selection s = env.select("a");
    ASSERT_TRUE(s) << i;
    ++counts[s.deployment->id];
  }
  EXPECT_EQ(counts["a1"], 2);
  EXPECT_EQ(counts["a2"], 3);
  Selection full = env.select("a");
  EXPECT_FALSE(full);
  EXPECT_EQ(full.reason, NoPick::kAtCapacity);
  EXPECT_EQ(env.view("a1").minute_requests, 2u);
  EXPECT_EQ(env.view("a2").minute_requests, 3u);
}

TEST(LimitsTest, TpmAdmitsWhileThisMinutesTokensAreUnderTheLimit) {
  Env env(configOf({dep("a", "a1", {}, {}, /*tpm=*/100)}));
  SelectInput in;
  in.prompt_tokens = 60;
  ASSERT_TRUE(env.select("a", in));  // 0 used -> 60
  ASSERT_TRUE(env.select("a", in));  // 60 < 100: admitted -> 120
  EXPECT_EQ(env.view("a1").minute_tokens, 120u);
  Selection full = env.select("a", in);
  EXPECT_FALSE(full);
  EXPECT_EQ(full.reason, NoPick::kAtCapacity);
  in.prompt_tokens = 0;
  EXPECT_EQ(env.select("a", in).reason, NoPick::kAtCapacity);
  env.clock.advance(60s);
  EXPECT_TRUE(env.select("a", in));
}

TEST(LimitsTest, TpmCountsTheUsageReportedOnSuccess) {
  Env env(configOf({dep("a", "a1", {}, {}, /*tpm=*/1000)}));
  SelectInput in;
  in.prompt_tokens = 10;
  Selection s = env.select("a", in);
  ASSERT_TRUE(s);
  s.lease.succeed(100ms, false, /*extra_tokens=*/995);  // 1005 tokens in all
  s.lease.reset();
  EXPECT_EQ(env.view("a1").minute_tokens, 1005u);
  EXPECT_EQ(env.select("a", in).reason, NoPick::kAtCapacity);
}

TEST(LimitsTest, MaxParallelRequests) {
  config::Deployment d = dep("a", "a1");
  d.max_parallel_requests = 2;
  Env env(configOf({d}));
  Selection s1 = env.select("a");
  Selection s2 = env.select("a");
  ASSERT_TRUE(s1);
  ASSERT_TRUE(s2);
  Selection s3 = env.select("a");
  EXPECT_FALSE(s3);
  EXPECT_EQ(s3.reason, NoPick::kAtCapacity);
  EXPECT_GT(s3.retry_after, Clock::duration::zero());
  env.clock.advance(120s);  // time alone frees nothing
  EXPECT_EQ(env.select("a").reason, NoPick::kAtCapacity);
  s1.lease.reset();
  Selection s4 = env.select("a");
  EXPECT_TRUE(s4);
  EXPECT_EQ(env.select("a").reason, NoPick::kAtCapacity);
  s2 = Selection{};  // dropping a selection releases its lease
  EXPECT_TRUE(env.select("a"));
}

TEST(LimitsTest, AllFullIsAtCapacity) {
  config::Deployment a = dep("g", "a", {}, /*rpm=*/1);
  config::Deployment b = dep("g", "b", {}, {}, /*tpm=*/10);
  config::Deployment c = dep("g", "c");
  c.max_parallel_requests = 1;
  Env env(configOf({a, b, c}));
  SelectInput in;
  in.prompt_tokens = 10;
  ASSERT_TRUE(env.select("a", in));
  ASSERT_TRUE(env.select("b", in));
  Selection held = env.select("c", in);
  ASSERT_TRUE(held);
  Selection full = env.select("g", in);
  EXPECT_FALSE(full);
  EXPECT_FALSE(full.lease);
  EXPECT_EQ(full.reason, NoPick::kAtCapacity);
  EXPECT_GT(full.retry_after, Clock::duration::zero());
  EXPECT_LE(full.retry_after, std::chrono::seconds(60));
  // A failed selection leaves no trace on the counters.
  EXPECT_EQ(env.view("a").minute_requests, 1u);
  EXPECT_EQ(env.view("b").minute_tokens, 10u);
  EXPECT_EQ(env.view("c").in_flight, 1);
}

// A deployment at its rpm limit frees up when the clock minute rolls: Retry-After says so.
TEST(LimitsTest, RpmCapacityRetryAfterIsUntilTheMinuteRolls) {
  Env env(configOf({dep("a", "a1", {}, /*rpm=*/1)}));
  env.clock.advance(20s);
  ASSERT_TRUE(env.select("a"));
  Selection full = env.select("a");
  ASSERT_FALSE(full);
  ASSERT_EQ(full.reason, NoPick::kAtCapacity);
  EXPECT_EQ(full.retry_after, std::chrono::seconds(40));
}

TEST(LimitsTest, MaxParallelCapacityRetryAfterIsShort) {
  config::Deployment d = dep("a", "a1");
  d.max_parallel_requests = 1;
  Env env(configOf({d}));
  Selection held = env.select("a");
  ASSERT_TRUE(held);
  Selection full = env.select("a");
  ASSERT_EQ(full.reason, NoPick::kAtCapacity);
  EXPECT_EQ(full.retry_after, std::chrono::seconds(1));
}

TEST(LimitsTest, RpmHoldsUnderConcurrentSelections) {
  // Four threads race for a group whose rpm limits add up to 1000: exactly 1000 get through.
  Env env(configOf({dep("g", "a", {}, /*rpm=*/400), dep("g", "b", {}, /*rpm=*/600)}));
  std::atomic<int> admitted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(100 + t);
      for (int i = 0; i < 500; ++i) {
        Selection s = env.router.select("g", {}, rng);
        if (s)
          ++admitted;
        else if (s.reason == NoPick::kAtCapacity)
          ++refused;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(admitted.load(), 1000);
  EXPECT_EQ(refused.load(), 1000);
  EXPECT_EQ(env.view("a").minute_requests, 400u);
  EXPECT_EQ(env.view("b").minute_requests, 600u);
  EXPECT_EQ(env.view("a").in_flight + env.view("b").in_flight, 0);
}

TEST(LimitsTest, CapacityOutranksCoolingAsTheReason) {
  Env env(configOf({dep("g", "cool"), dep("g", "full", {}, /*rpm=*/1)}));
  env.state("cool").coolDown(env.clock.now(), 30s);
  ASSERT_TRUE(env.select("full"));
  Selection s = env.select("g");
  EXPECT_FALSE(s);
  EXPECT_EQ(s.reason, NoPick::kAtCapacity);
}

TEST(LimitsTest, ALimitedDeploymentIsSkippedNotBlocking) {
  Env env(configOf({dep("g", "tiny", 1000.0, /*rpm=*/1), dep("g", "roomy", 1.0)}));
  ASSERT_TRUE(env.select("tiny"));
  for (int i = 0; i < 200; ++i) {
    Selection s = env.select("g");
    ASSERT_TRUE(s);
    EXPECT_EQ(s.deployment->id, "roomy");
  }
}

}  // namespace
}  // namespace switchyard::router::test
