// The routing strategies: which deployment of a group a selection lands on.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "router_test_util.hpp"

namespace switchyard::router::test {
namespace {

// --- simple-shuffle ---------------------------------------------------------------------------

TEST(SimpleShuffleTest, WeightedOneToThree) {
  Env env(configOf({dep("a", "light", 1.0), dep("a", "heavy", 3.0)}));
  auto shares = env.shares("a");
  EXPECT_NEAR(shares["light"], 0.25, kTolerance);
  EXPECT_NEAR(shares["heavy"], 0.75, kTolerance);
}

TEST(SimpleShuffleTest, WeightedDoesNotDependOnConfigOrder) {
  Env env(configOf({dep("a", "heavy", 3.0), dep("a", "light", 1.0)}), 99);
  auto shares = env.shares("a");
  EXPECT_NEAR(shares["light"], 0.25, kTolerance);
  EXPECT_NEAR(shares["heavy"], 0.75, kTolerance);
}

TEST(SimpleShuffleTest, ThreeWayWeights) {
  Env env(configOf({dep("a", "a1", 1.0), dep("a", "a2", 1.0), dep("a", "a3", 2.0)}));
  auto shares = env.shares("a");
  EXPECT_NEAR(shares["a1"], 0.25, kTolerance);
  EXPECT_NEAR(shares["a2"], 0.25, kTolerance);
  EXPECT_NEAR(shares["a3"], 0.50, kTolerance);
}

TEST(SimpleShuffleTest, RpmUsedWhenNoWeight) {
  // Dry runs: the rpm limits would otherwise stop the draws within the minute.
  Env env(configOf({dep("a", "slow", {}, 100), dep("a", "fast", {}, 300)}));
  auto shares = env.shares("a", kDraws, /*dry_run=*/true);
  EXPECT_NEAR(shares["slow"], 0.25, kTolerance);
  EXPECT_NEAR(shares["fast"], 0.75, kTolerance);
}

TEST(SimpleShuffleTest, RpmWeightedRealSelectionsWithinTheLimits) {
  // Real selections under the rpm limits: rpm 1000 and 3000, 2000 draws stay below both.
  Env env(configOf({dep("a", "slow", {}, 1000), dep("a", "fast", {}, 3000)}));
  auto shares = env.shares("a", 2000);
  // n = 2000, p = 0.25: sigma ~ 0.97%; +-4% is over 4 sigma.
  EXPECT_NEAR(shares["slow"], 0.25, 0.04);
  EXPECT_NEAR(shares["fast"], 0.75, 0.04);
}

TEST(SimpleShuffleTest, TpmUsedWhenNoWeightNorRpm) {
  Env env(configOf({dep("a", "small", {}, {}, 1000), dep("a", "big", {}, {}, 3000)}));
  auto shares = env.shares("a");
  EXPECT_NEAR(shares["small"], 0.25, kTolerance);
  EXPECT_NEAR(shares["big"], 0.75, kTolerance);
}

TEST(SimpleShuffleTest, WeightWinsOverRpm) {
  Env env(configOf({dep("a", "w1", 1.0, 1000000), dep("a", "w3", 3.0, 1000000)}));
  auto shares = env.shares("a", kDraws, true);
  EXPECT_NEAR(shares["w1"], 0.25, kTolerance);
  EXPECT_NEAR(shares["w3"], 0.75, kTolerance);
}

TEST(SimpleShuffleTest, EqualWhenNothingSet) {
  Env env(configOf({dep("a", "a1"), dep("a", "a2"), dep("a", "a3"), dep("a", "a4")}));
  auto shares = env.shares("a");
  for (const char* id : {"a1", "a2", "a3", "a4"}) EXPECT_NEAR(shares[id], 0.25, kTolerance) << id;
}

TEST(SimpleShuffleTest, ZeroWeightNeverPickedWhileAPositiveOneIsAvailable) {
  for (bool zero_first : {true, false}) {
    config::Config cfg =
        zero_first ? configOf({dep("a", "zero", 0.0), dep("a", "p1", 1.0), dep("a", "p2", 2.0)})
                   : configOf({dep("a", "p1", 1.0), dep("a", "p2", 2.0), dep("a", "zero", 0.0)});
    Env env(std::move(cfg), 42);
    auto shares = env.shares("a");
    EXPECT_EQ(shares.count("zero"), 0u) << zero_first;
    EXPECT_NEAR(shares["p1"], 1.0 / 3.0, kTolerance);
    EXPECT_NEAR(shares["p2"], 2.0 / 3.0, kTolerance);
  }
}

TEST(SimpleShuffleTest, ZeroWeightPickedWhenThePositiveOnesAreUnavailable) {
  Env env(configOf({dep("a", "zero", 0.0), dep("a", "pos", 1.0)}));
  env.state("pos").coolDown(env.clock.now(), 10s);
  for (int i = 0; i < 100; ++i) {
    Selection s = env.select("a");
    ASSERT_TRUE(s);
    EXPECT_EQ(s.deployment->id, "zero");
  }
}

TEST(SimpleShuffleTest, AllZeroWeightsAreUniform) {
  Env env(configOf({dep("a", "a1", 0.0), dep("a", "a2", 0.0), dep("a", "a3", 0.0)}));
  auto shares = env.shares("a");
  for (const char* id : {"a1", "a2", "a3"}) EXPECT_NEAR(shares[id], 1.0 / 3.0, kTolerance) << id;
}

TEST(SimpleShuffleTest, SkipsAFullDeploymentAndPicksAmongTheRest) {
  config::Deployment heavy = dep("a", "heavy", 100.0);
  heavy.max_parallel_requests = 1;
  Env env(configOf({heavy, dep("a", "l1", 1.0), dep("a", "l2", 1.0)}));
  Selection held = env.select("heavy");
  ASSERT_TRUE(held);
  auto shares = env.shares("a", 4000);
  EXPECT_EQ(shares.count("heavy"), 0u);
  // n = 4000, p = 0.5: sigma ~ 0.8%; +-4% is 5 sigma.
  EXPECT_NEAR(shares["l1"], 0.5, 0.04);
  EXPECT_NEAR(shares["l2"], 0.5, 0.04);
}

// --- least-busy -------------------------------------------------------------------------------

TEST(LeastBusyTest, PicksFewestInFlight) {
  Env env(configOf({dep("g", "a"), dep("g", "b"), dep("g", "c")}, "least-busy"));
  ASSERT_EQ(env.router.policy().strategy, Strategy::kLeastBusy);
  std::vector<Selection> held;
  held.push_back(env.select("a"));
  held.push_back(env.select("a"));
  held.push_back(env.select("b"));
  for (const Selection& s : held) ASSERT_TRUE(s);
  for (int i = 0; i < 300; ++i) {
    Selection s = env.select("g");  // released at the end of each iteration
    ASSERT_TRUE(s);
    EXPECT_EQ(s.deployment->id, "c");
  }
  // c now carries 2: b (1) is the least busy.
  held.push_back(env.select("c"));
  held.push_back(env.select("c"));
  for (int i = 0; i < 300; ++i) EXPECT_EQ(env.select("g").deployment->id, "b");
  // Releasing a's leases makes a the least busy.
  held[0].lease.reset();
  held[1].lease.reset();
  for (int i = 0; i < 300; ++i) EXPECT_EQ(env.select("g").deployment->id, "a");
}

TEST(LeastBusyTest, HeldSelectionsSpreadOverTheGroup) {
  // Holding every lease: each new pick goes to a deployment with the fewest in flight, so 30
  // held picks over 3 deployments end up 10/10/10.
  Env env(configOf({dep("g", "a"), dep("g", "b"), dep("g", "c")}, "least-busy"));
  std::vector<Selection> held;
  for (int i = 0; i < 30; ++i) {
    held.push_back(env.select("g"));
    ASSERT_TRUE(held.back());
  }
  for (const char* id : {"a", "b", "c"}) EXPECT_EQ(env.view(id).in_flight, 10) << id;
}

TEST(LeastBusyTest, TiesSpreadEvenly) {
  Env env(configOf({dep("g", "a"), dep("g", "b"), dep("g", "c")}, "least-busy"));
  auto shares = env.shares("g");
  for (const char* id : {"a", "b", "c"}) EXPECT_NEAR(shares[id], 1.0 / 3.0, kTolerance) << id;

  // a busy, b and c tied at zero: ~50/50 between them.
  Selection held = env.select("a");
  auto two = env.shares("g");
  EXPECT_EQ(two.count("a"), 0u);
  EXPECT_NEAR(two["b"], 0.5, kTolerance);
  EXPECT_NEAR(two["c"], 0.5, kTolerance);
}

TEST(LeastBusyTest, IgnoresWeights) {
  Env env(configOf({dep("g", "heavy", 100.0), dep("g", "light", 1.0)}, "least-busy"));
  Selection held = env.select("heavy");
  for (int i = 0; i < 200; ++i) EXPECT_EQ(env.select("g").deployment->id, "light");
}

// --- latency-based-routing --------------------------------------------------------------------

config::Config latencyConfig(std::vector<config::Deployment> list) {
  return configOf(std::move(list), "latency-based-routing");
}

TEST(LatencyTest, FastestWins) {
  Env env(latencyConfig({dep("g", "a"), dep("g", "b"), dep("g", "c")}));
  ASSERT_EQ(env.router.policy().strategy, Strategy::kLatency);
  env.succeed("a", 1000ms);
  env.succeed("b", 500ms);
  env.succeed("c", 2000ms);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(env.select("g").deployment->id, "b");
  EXPECT_NEAR(*env.view("b").latency_s, 0.5, 1e-9);
}

TEST(LatencyTest, MovingAverageFollowsNewSamples) {
  Env env(latencyConfig({dep("g", "a"), dep("g", "b")}));
  env.succeed("a", 500ms);
  env.succeed("b", 800ms);
  EXPECT_EQ(env.dryRun("g").deployment->id, "a");
  // a slows down: 0.5 -> 0.5 + 0.3 * (3.0 - 0.5) = 1.25 s, now slower than b.
  env.succeed("a", 3000ms);
  EXPECT_GT(*env.view("a").latency_s, 0.8 * 1.1);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(env.select("g").deployment->id, "b");
}

TEST(LatencyTest, BothPickedWithinTheDefaultBuffer) {
  Env env(latencyConfig({dep("g", "a"), dep("g", "b")}));
  EXPECT_DOUBLE_EQ(env.router.policy().latency_buffer, 0.1);
  env.succeed("a", 1000ms);
  env.succeed("b", 1050ms);  // within 10% of the best
  auto shares = env.shares("g");
  EXPECT_NEAR(shares["a"], 0.5, kTolerance);
  EXPECT_NEAR(shares["b"], 0.5, kTolerance);
}

TEST(LatencyTest, OutsideTheBufferOnlyTheFastest) {
  Env env(latencyConfig({dep("g", "a"), dep("g", "b")}));
  env.succeed("a", 1000ms);
  env.succeed("b", 1200ms);  // 20% slower
  auto shares = env.shares("g", 2000);
  EXPECT_EQ(shares["a"], 1.0);
  EXPECT_EQ(shares.count("b"), 0u);
}

TEST(LatencyTest, BufferFromRoutingStrategyArgs) {
  Env env(loadYaml(R"yaml(model_list:
  - model_name: g
    litellm_params: {model: mock/a}
    model_info: {id: a}
  - model_name: g
    litellm_params: {model: mock/b}
    model_info: {id: b}
  - model_name: g
    litellm_params: {model: mock/c}
    model_info: {id: c}
router_settings:
  routing_strategy: latency-based-routing
  routing_strategy_args:
    lowest_latency_buffer: 0.5
)yaml"));
  ASSERT_EQ(env.router.policy().strategy, Strategy::kLatency);
  EXPECT_DOUBLE_EQ(env.router.policy().latency_buffer, 0.5);
  env.succeed("a", 1000ms);
  env.succeed("b", 1400ms);  // within 50%
  env.succeed("c", 1600ms);  // beyond
  auto shares = env.shares("g");
  EXPECT_NEAR(shares["a"], 0.5, kTolerance);
  EXPECT_NEAR(shares["b"], 0.5, kTolerance);
  EXPECT_EQ(shares.count("c"), 0u);
}

TEST(LatencyTest, ZeroBufferKeepsOnlyTheBest) {
  config::Config cfg = latencyConfig({dep("g", "a"), dep("g", "b")});
  cfg.router_settings.lowest_latency_buffer = 0.0;
  Env env(std::move(cfg));
  env.succeed("a", 1000ms);
  env.succeed("b", 1010ms);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(env.select("g").deployment->id, "a");
}

TEST(LatencyTest, UnknownDeploymentsAreExploredFirst) {
  Env env(latencyConfig({dep("g", "known"), dep("g", "new1"), dep("g", "new2")}));
  env.succeed("known", 10ms);  // very fast, but the others have no sample yet
  auto shares = env.shares("g", 4000, true);
  EXPECT_EQ(shares.count("known"), 0u);
  // n = 4000, p = 0.5: sigma ~ 0.8%; +-4% is 5 sigma.
  EXPECT_NEAR(shares["new1"], 0.5, 0.04);
  EXPECT_NEAR(shares["new2"], 0.5, 0.04);
  // Once measured (slower), the fast one wins again.
  env.succeed("new1", 2s);
  env.succeed("new2", 3s);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(env.select("g").deployment->id, "known");
}

TEST(LatencyTest, SamplesOlderThanTheTtlCountAsUnknown) {
  Env env(latencyConfig({dep("g", "slow"), dep("g", "fast")}));
  EXPECT_EQ(env.router.policy().latency_ttl, std::chrono::seconds(60));
  env.succeed("slow", 2s);
  env.clock.advance(40s);
  env.succeed("fast", 500ms);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(env.dryRun("g").deployment->id, "fast");
  env.clock.advance(20s);  // slow's sample is exactly 60 s old: still valid
  EXPECT_TRUE(env.view("slow").latency_s.has_value());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(env.dryRun("g").deployment->id, "fast");
  env.clock.advance(1s);  // 61 s: stale, so unknown, so explored first
  EXPECT_FALSE(env.view("slow").latency_s.has_value());
  EXPECT_TRUE(env.view("fast").latency_s.has_value());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(env.dryRun("g").deployment->id, "slow");
}

TEST(LatencyTest, TtlFromRoutingStrategyArgs) {
  config::Config cfg = latencyConfig({dep("g", "slow"), dep("g", "fast")});
  cfg.router_settings.latency_ttl_s = 300;
  Env env(std::move(cfg));
  EXPECT_EQ(env.router.policy().latency_ttl, std::chrono::seconds(300));
  env.succeed("slow", 2s);
  env.succeed("fast", 500ms);
  env.clock.advance(120s);  // past the default 60 s, within 300 s
  for (int i = 0; i < 100; ++i) EXPECT_EQ(env.dryRun("g").deployment->id, "fast");
  env.clock.advance(181s);
  EXPECT_FALSE(env.view("slow").latency_s.has_value());
}

TEST(LatencyTest, StreamsUseTimeToFirstTokenSeparately) {
  Env env(latencyConfig({dep("g", "a"), dep("g", "b")}));
  // a: slow whole calls, quick first token; b: the opposite.
  env.succeed("a", 3000ms, /*stream=*/false);
  env.succeed("a", 100ms, /*stream=*/true);
  env.succeed("b", 500ms, /*stream=*/false);
  env.succeed("b", 800ms, /*stream=*/true);
  StateView va = env.view("a");
  ASSERT_TRUE(va.latency_s && va.ttft_s);
  EXPECT_NEAR(*va.latency_s, 3.0, 1e-9);
  EXPECT_NEAR(*va.ttft_s, 0.1, 1e-9);
  SelectInput stream;
  stream.stream = true;
  SelectInput plain;
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(env.select("g", stream).deployment->id, "a");
    EXPECT_EQ(env.select("g", plain).deployment->id, "b");
  }
}

TEST(LatencyTest, StreamSamplesDoNotCountAsNonStreamLatency) {
  Env env(latencyConfig({dep("g", "a"), dep("g", "b")}));
  env.succeed("a", 100ms, /*stream=*/true);
  EXPECT_FALSE(env.view("a").latency_s.has_value());
  env.succeed("b", 100ms, /*stream=*/false);
  EXPECT_FALSE(env.view("b").ttft_s.has_value());
}

TEST(LatencyTest, ASlowTransientFailureCountsAsSlow) {
  Env env(latencyConfig({dep("g", "a"), dep("g", "b")}));
  env.succeed("a", 500ms);
  env.succeed("b", 600ms);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(env.dryRun("g").deployment->id, "a");
  EXPECT_FALSE(env.fail("a", FailureClass::kTransient, 10s));  // a timeout
  EXPECT_GT(*env.view("a").latency_s, 0.6);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(env.dryRun("g").deployment->id, "b");
}

// --- cost-based-routing -----------------------------------------------------------------------

config::Deployment priced(std::string id, std::optional<double> in, std::optional<double> out) {
  config::Deployment d = dep("g", std::move(id));
  d.input_cost_per_token = in;
  d.output_cost_per_token = out;
  return d;
}

TEST(CostTest, CheapestInputPlusOutputWins) {
  // a has the cheapest input, c the cheapest output; b is cheapest in total.
  Env env(configOf({priced("a", 0.5e-6, 5e-6), priced("b", 2e-6, 2e-6), priced("c", 4e-6, 0.1e-6)},
                   "cost-based-routing"));
  ASSERT_EQ(env.router.policy().strategy, Strategy::kCost);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(env.select("g").deployment->id, "b");
}

TEST(CostTest, EitherPriceAloneCounts) {
  Env env(configOf({priced("in-only", 3e-6, std::nullopt), priced("out-only", std::nullopt, 2e-6)},
                   "cost-based-routing"));
  for (int i = 0; i < 200; ++i) EXPECT_EQ(env.select("g").deployment->id, "out-only");
}

TEST(CostTest, TiesSplitAtRandom) {
  Env env(configOf({priced("a", 1e-6, 2e-6), priced("b", 2e-6, 1e-6), priced("pricey", 1e-5, 1e-5)},
                   "cost-based-routing"));
  auto shares = env.shares("g");
  EXPECT_NEAR(shares["a"], 0.5, kTolerance);
  EXPECT_NEAR(shares["b"], 0.5, kTolerance);
  EXPECT_EQ(shares.count("pricey"), 0u);
}

TEST(CostTest, UnknownPriceLast) {
  Env env(configOf({priced("unknown", std::nullopt, std::nullopt), priced("pricey", 1e-3, 1e-3)},
                   "cost-based-routing"));
  for (int i = 0; i < 200; ++i) EXPECT_EQ(env.select("g").deployment->id, "pricey");
  env.state("pricey").coolDown(env.clock.now(), 10s);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(env.select("g").deployment->id, "unknown");
}

TEST(CostTest, FreeIsCheapest) {
  Env env(configOf({priced("paid", 1e-6, 1e-6), priced("free", 0.0, 0.0),
                    priced("unknown", std::nullopt, std::nullopt)},
                   "cost-based-routing"));
  for (int i = 0; i < 200; ++i) EXPECT_EQ(env.select("g").deployment->id, "free");
}

// --- usage-based-routing ----------------------------------------------------------------------

TEST(UsageTest, FewestTokensThisMinuteWins) {
  Env env(configOf({dep("g", "a"), dep("g", "b")}, "usage-based-routing"));
  ASSERT_EQ(env.router.policy().strategy, Strategy::kUsage);
  env.succeed("a", 100ms, false, 0, /*prompt_tokens=*/100);
  EXPECT_EQ(env.view("a").minute_tokens, 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(env.dryRun("g").deployment->id, "b");

  // b takes a 50-token prompt, then its usage says 250 in all: b is now the heavier one.
  SelectInput in;
  in.prompt_tokens = 50;
  Selection s = env.select("g", in);
  ASSERT_TRUE(s);
  ASSERT_EQ(s.deployment->id, "b");
  EXPECT_EQ(env.view("b").minute_tokens, 50u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(env.dryRun("g").deployment->id, "b");  // 50 < 100
  s.lease.succeed(100ms, false, /*extra_tokens=*/200);
  EXPECT_EQ(env.view("b").minute_tokens, 250u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(env.dryRun("g").deployment->id, "a");
}

TEST(UsageTest, NegativeExtraTokensCorrectTheEstimateDown) {
  Env env(configOf({dep("g", "a"), dep("g", "b")}, "usage-based-routing"));
  env.succeed("a", 100ms, false, /*extra_tokens=*/-900, /*prompt_tokens=*/1000);
  env.succeed("b", 100ms, false, 0, 500);
  EXPECT_EQ(env.view("a").minute_tokens, 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(env.dryRun("g").deployment->id, "a");
  env.succeed("a", 100ms, false, -100000, 0);  // never below zero
  EXPECT_EQ(env.view("a").minute_tokens, 0u);
}

TEST(UsageTest, RequestsBreakTokenTies) {
  Env env(configOf({dep("g", "a"), dep("g", "b")}, "usage-based-routing"));
  env.succeed("a", 100ms);  // one request, no tokens
  EXPECT_EQ(env.view("a").minute_requests, 1u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(env.dryRun("g").deployment->id, "b");
}

TEST(UsageTest, MinuteWindowResetsAtTheMinuteBoundary) {
  for (const char* strategy : {"usage-based-routing", "usage-based-routing-v2"}) {
    SCOPED_TRACE(strategy);
    Env env(configOf({dep("g", "heavy"), dep("g", "light")}, strategy));
    ASSERT_EQ(env.router.policy().strategy, Strategy::kUsage);
    env.succeed("heavy", 100ms, false, 0, 1000);
    env.succeed("light", 100ms, false, 0, 10);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(env.dryRun("g").deployment->id, "light");
    env.clock.advance(59s);  // the ManualTime starts on a minute boundary: still this minute
    EXPECT_EQ(env.view("heavy").minute_tokens, 1000u);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(env.dryRun("g").deployment->id, "light");
    env.clock.advance(1s);  // the next minute: both start again from zero
    EXPECT_EQ(env.view("heavy").minute_tokens, 0u);
    EXPECT_EQ(env.view("light").minute_tokens, 0u);
    auto shares = env.shares("g", 4000, true);
    // n = 4000, p = 0.5: sigma ~ 0.8%; +-4% is 5 sigma.
    EXPECT_NEAR(shares["heavy"], 0.5, 0.04);
    EXPECT_NEAR(shares["light"], 0.5, 0.04);
  }
}

// Headroom first: the deployment with the most tokens left under its tpm wins, even when it has
// used more; an unlimited deployment has unbounded headroom.
TEST(UsageTest, MostTpmHeadroomWins) {
  Env env(
      configOf({dep("g", "small", {}, {}, /*tpm=*/1000), dep("g", "big", {}, {}, /*tpm=*/100000)},
               "usage-based-routing-v2"));
  env.succeed("small", 100ms, false, 0, 100);  // 900 left
  env.succeed("big", 100ms, false, 0, 5000);   // 95000 left
  for (int i = 0; i < 100; ++i) EXPECT_EQ(env.dryRun("g").deployment->id, "big");
}

TEST(UsageTest, RpmHeadroomWhenNoTpm) {
  Env env(configOf({dep("g", "r10", {}, /*rpm=*/10), dep("g", "r100", {}, /*rpm=*/100)},
                   "usage-based-routing"));
  for (int i = 0; i < 50; ++i) {
    Selection s = env.select("g");
    ASSERT_TRUE(s);
    EXPECT_EQ(s.deployment->id, "r100") << i;  // 100-i left > 10 left while i < 90
  }
}

TEST(UsageTest, UnlimitedHasMostHeadroom) {
  Env env(configOf({dep("g", "limited", {}, {}, /*tpm=*/1000000), dep("g", "open")},
                   "usage-based-routing"));
  env.succeed("open", 100ms, false, 0, 500000);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(env.dryRun("g").deployment->id, "open");
}

TEST(UsageTest, BalancesHeldSelections) {
  Env env(configOf({dep("g", "a"), dep("g", "b")}, "usage-based-routing"));
  SelectInput in;
  in.prompt_tokens = 100;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(env.select("g", in));
  EXPECT_EQ(env.view("a").minute_tokens, 1000u);
  EXPECT_EQ(env.view("b").minute_tokens, 1000u);
}

}  // namespace
}  // namespace switchyard::router::test
