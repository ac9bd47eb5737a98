// Cooldowns: when a failing deployment is taken out of rotation, for how long, and what is kept
// across a reload.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "router_test_util.hpp"

namespace switchyard::router::test {
namespace {

// Two deployments, so neither is the sole deployment of its alias.
config::Config twoDeps(std::string strategy = "simple-shuffle") {
  return configOf({dep("g", "a"), dep("g", "b")}, std::move(strategy));
}

TEST(CooldownTest, FourthTransientFailureInAMinuteCoolsDown) {
  Env env(twoDeps());
  EXPECT_EQ(env.router.policy().allowed_fails, 3);
  EXPECT_FALSE(env.fail("a"));
  EXPECT_FALSE(env.fail("a"));
  EXPECT_FALSE(env.fail("a"));
  EXPECT_FALSE(env.view("a").cooling);
  EXPECT_EQ(env.view("a").minute_failures, 3);
  EXPECT_TRUE(env.fail("a"));
  StateView v = env.view("a");
  EXPECT_TRUE(v.cooling);
  EXPECT_EQ(v.cooldown_left, std::chrono::seconds(5));
  EXPECT_FALSE(env.view("b").cooling);
}

TEST(CooldownTest, CoolingDeploymentIsSkipped) {
  Env env(twoDeps());
  for (int i = 0; i < 4; ++i) env.fail("a");
  ASSERT_TRUE(env.view("a").cooling);
  for (int i = 0; i < 300; ++i) {
    Selection s = env.select("g");
    ASSERT_TRUE(s);
    EXPECT_EQ(s.deployment->id, "b");
  }
  // Naming the cooling deployment directly does not get around it.
  Selection direct = env.select("a");
  EXPECT_FALSE(direct);
  EXPECT_EQ(direct.reason, NoPick::kCoolingDown);
  EXPECT_EQ(direct.retry_after, std::chrono::seconds(5));
}

TEST(CooldownTest, CooldownEndsAfterCooldownTime) {
  Env env(twoDeps());
  for (int i = 0; i < 4; ++i) env.fail("a");
  env.clock.advance(4999ms);
  EXPECT_TRUE(env.view("a").cooling);
  EXPECT_EQ(env.view("a").cooldown_left, 1ms);
  EXPECT_EQ(env.select("a").reason, NoPick::kCoolingDown);
  env.clock.advance(1ms);
  EXPECT_FALSE(env.view("a").cooling);
  EXPECT_TRUE(env.select("a"));
  auto shares = env.shares("g", 2000);
  EXPECT_EQ(shares.size(), 2u);
}

TEST(CooldownTest, CooldownTimeIsConfigurable) {
  Env env(loadYaml(R"yaml(model_list:
  - model_name: g
    litellm_params: {model: mock/a}
    model_info: {id: a}
  - model_name: g
    litellm_params: {model: mock/b}
    model_info: {id: b}
router_settings:
  cooldown_time: 30
)yaml"));
  EXPECT_EQ(env.router.policy().cooldown_time, std::chrono::seconds(30));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(env.fail("a"));
  EXPECT_TRUE(env.fail("a"));
  EXPECT_EQ(env.view("a").cooldown_left, std::chrono::seconds(30));
  env.clock.advance(29s);
  EXPECT_EQ(env.select("a").reason, NoPick::kCoolingDown);
  env.clock.advance(1s);
  EXPECT_TRUE(env.select("a"));
}

TEST(CooldownTest, AllowedFailsIsConfigurable) {
  for (int allowed : {0, 1, 5}) {
    SCOPED_TRACE(allowed);
    config::Config cfg = twoDeps();
    cfg.router_settings.allowed_fails = allowed;
    Env env(std::move(cfg));
    EXPECT_EQ(env.router.policy().allowed_fails, allowed);
    EXPECT_TRUE(env.router.policy().allowed_fails_set);
    for (int i = 0; i < allowed; ++i) EXPECT_FALSE(env.fail("a")) << i;
    EXPECT_TRUE(env.fail("a"));
  }
}

TEST(CooldownTest, FailuresInEarlierMinutesDoNotAccumulate) {
  Env env(twoDeps());
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(env.fail("a"));
  env.clock.advance(60s);
  EXPECT_EQ(env.view("a").minute_failures, 0);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(env.fail("a"));
  EXPECT_TRUE(env.fail("a"));
}

TEST(CooldownTest, SuccessesDoNotResetTheFailureCount) {
  Env env(twoDeps());
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(env.fail("a"));
    env.succeed("a", 100ms);
  }
  EXPECT_TRUE(env.fail("a"));
}

TEST(CooldownTest, CountersStartAgainAfterACooldown) {
  Env env(twoDeps());
  for (int i = 0; i < 4; ++i) env.fail("a");
  env.clock.advance(5s);  // same minute, cooldown over
  ASSERT_FALSE(env.view("a").cooling);
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(env.fail("a")) << i;  // not one failure from cooling again
  EXPECT_TRUE(env.fail("a"));
}

TEST(CooldownTest, FailureWhileCoolingDoesNotExtendIt) {
  Env env(twoDeps());
  Selection in_flight = env.select("a");  // picked before the cooldown, fails during it
  ASSERT_TRUE(in_flight);
  for (int i = 0; i < 4; ++i) env.fail("a");
  env.clock.advance(2s);
  EXPECT_FALSE(in_flight.lease.fail(1s, FailureClass::kCredentials, env.router.policy(), "late"));
  EXPECT_EQ(env.view("a").cooldown_left, std::chrono::seconds(3));
}

TEST(CooldownTest, AllCoolingReportsTheSoonestEnd) {
  Env env(configOf({dep("g", "a"), dep("g", "b"), dep("g", "c")}));
  for (int i = 0; i < 4; ++i) env.fail("a");  // cools until t0 + 5 s
  env.clock.advance(2s);
  for (int i = 0; i < 4; ++i) env.fail("b");  // cools until t0 + 7 s
  env.state("c").coolDown(env.clock.now(), 60s);
  Selection s = env.select("g");
  EXPECT_FALSE(s);
  EXPECT_FALSE(s.lease);
  EXPECT_EQ(s.reason, NoPick::kCoolingDown);
  EXPECT_EQ(s.retry_after, std::chrono::seconds(3));
  env.clock.advance(1500ms);
  EXPECT_EQ(env.select("g").retry_after, 1500ms);
  env.clock.advance(1500ms);  // a is back
  Selection back = env.select("g");
  ASSERT_TRUE(back);
  EXPECT_EQ(back.deployment->id, "a");
}

TEST(CooldownTest, CredentialFailureCoolsAtOnce) {
  Env env(twoDeps());
  EXPECT_TRUE(env.fail("a", FailureClass::kCredentials));
  EXPECT_TRUE(env.view("a").cooling);
  EXPECT_EQ(env.view("a").cooldown_left, std::chrono::seconds(5));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(env.select("g").deployment->id, "b");
}

TEST(CooldownTest, RequestFaultsNeverCool) {
  Env env(twoDeps());
  for (FailureClass c :
       {FailureClass::kRequest, FailureClass::kContextWindow, FailureClass::kContentPolicy}) {
    for (int i = 0; i < 20; ++i) EXPECT_FALSE(env.fail("a", c)) << static_cast<int>(c);
  }
  StateView v = env.view("a");
  EXPECT_FALSE(v.cooling);
  EXPECT_EQ(v.failures, 60u);       // counted as failures...
  EXPECT_EQ(v.minute_failures, 0);  // ...but not toward a cooldown
  EXPECT_EQ(env.state("a").lastError(), "boom");
  // Nor do they push a transient failure over the line early.
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(env.fail("a"));
  EXPECT_TRUE(env.fail("a"));
}

TEST(CooldownTest, SoleDeploymentOfAnAliasIsNeverCooled) {
  Env env(configOf({dep("solo", "only"), dep("g", "a"), dep("g", "b")}));
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(env.fail("only", FailureClass::kTransient));
  EXPECT_FALSE(env.fail("only", FailureClass::kCredentials));
  EXPECT_FALSE(env.view("only").cooling);
  EXPECT_EQ(env.view("only").failures, 21u);
  Selection s = env.select("solo");
  ASSERT_TRUE(s);
  EXPECT_EQ(s.deployment->id, "only");
  // The same failures on a deployment that has a sibling do cool it.
  EXPECT_TRUE(env.fail("a", FailureClass::kCredentials));
}

// With allowed_fails set explicitly the count rule applies to a lone deployment too (LiteLLM's
// allowed-fails logic); a 401 on it counts as one failure, it does not cool it at once.
TEST(CooldownTest, SoleDeploymentCoolsWhenAllowedFailsIsSet) {
  config::Config cfg = configOf({dep("solo", "only"), dep("solo2", "other")});
  cfg.router_settings.allowed_fails = 1;
  Env env(std::move(cfg));
  EXPECT_FALSE(env.fail("only"));
  EXPECT_TRUE(env.fail("only"));
  EXPECT_TRUE(env.view("only").cooling);
  Selection s = env.select("solo");
  EXPECT_FALSE(s);
  EXPECT_EQ(s.reason, NoPick::kCoolingDown);
  EXPECT_FALSE(env.fail("other", FailureClass::kCredentials));
  EXPECT_TRUE(env.fail("other", FailureClass::kCredentials));
}

TEST(CooldownTest, DisableCooldowns) {
  Env env(loadYaml(R"yaml(model_list:
  - model_name: g
    litellm_params: {model: mock/a}
    model_info: {id: a}
  - model_name: g
    litellm_params: {model: mock/b}
    model_info: {id: b}
router_settings:
  disable_cooldowns: true
  allowed_fails: 0
)yaml"));
  EXPECT_EQ(env.router.policy().cooldown_time, Clock::duration::zero());
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(env.fail("a"));
  EXPECT_FALSE(env.fail("a", FailureClass::kCredentials));
  EXPECT_FALSE(env.view("a").cooling);
  EXPECT_TRUE(env.select("a"));
}

TEST(CooldownTest, ZeroCooldownTimeDisablesCooldowns) {
  config::Config cfg = twoDeps();
  cfg.router_settings.cooldown_time_s = 0;
  Env env(std::move(cfg));
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(env.fail("a"));
  EXPECT_FALSE(env.fail("a", FailureClass::kCredentials));
  EXPECT_FALSE(env.view("a").cooling);
}

// Only the count rule decides: a high allowed_fails is respected even when every call of the
// minute failed.
TEST(CooldownTest, HighAllowedFailsIsRespectedWhateverTheFailureShare) {
  Env env(twoDeps());
  Policy p = env.router.policy();
  p.allowed_fails = 100;
  std::vector<Selection> calls;
  for (int i = 0; i < 12; ++i) calls.push_back(env.select("a"));
  for (auto& c : calls)
    EXPECT_FALSE(c.lease.fail(1s, FailureClass::kTransient, p, "x"));  // 12 of 12
  EXPECT_FALSE(env.view("a").cooling);
}

TEST(CooldownTest, CooldownSurvivesAReload) {
  ManualTime clock;
  auto states = std::make_shared<StateRegistry>();
  config::Config cfg1 = configOf({dep("g", "a"), dep("g", "b")});
  Selection in_flight;
  {
    Router r1(cfg1, states, clock);
    std::mt19937_64 rng(1);
    for (int i = 0; i < 4; ++i) {
      Selection s = r1.select("a", {}, rng);
      ASSERT_TRUE(s);
      s.lease.fail(1s, FailureClass::kTransient, r1.policy(), "down");
    }
    in_flight = r1.select("b", {}, rng);
    ASSERT_TRUE(in_flight);
  }
  clock.advance(1s);
  // A new config (reordered, one deployment added, another setting changed) over the same registry.
  config::Config cfg2 = configOf({dep("g", "c"), dep("g", "b"), dep("g", "a")}, "least-busy");
  Router r2(cfg2, states, clock);
  StateView va = r2.stateOf(cfg2.model_list[2])->view(clock.now(), r2.policy().latency_ttl);
  EXPECT_TRUE(va.cooling);
  EXPECT_EQ(va.cooldown_left, std::chrono::seconds(4));
  EXPECT_EQ(r2.stateOf(cfg2.model_list[2])->lastError(), "down");
  EXPECT_EQ(r2.stateOf(cfg2.model_list[1])->view(clock.now(), r2.policy().latency_ttl).in_flight,
            1);
  std::mt19937_64 rng(2);
  for (int i = 0; i < 200; ++i) {
    Selection s = r2.select("g", {}, rng);
    ASSERT_TRUE(s);
    EXPECT_EQ(s.deployment->id, "c");  // a cooling, b busy (least-busy)
  }
  Selection direct = r2.select("a", {}, rng);
  EXPECT_EQ(direct.reason, NoPick::kCoolingDown);
  EXPECT_EQ(direct.retry_after, std::chrono::seconds(4));

  // The lease taken under the old router releases into the shared state.
  in_flight.lease.reset();
  EXPECT_EQ(r2.stateOf(cfg2.model_list[1])->view(clock.now(), r2.policy().latency_ttl).in_flight,
            0);

  // A router over a fresh registry knows nothing of it.
  Router fresh(cfg2, std::make_shared<StateRegistry>(), clock);
  EXPECT_FALSE(
      fresh.stateOf(cfg2.model_list[2])->view(clock.now(), fresh.policy().latency_ttl).cooling);
}

TEST(CooldownTest, RegistryKeysStatesByDeploymentId) {
  StateRegistry reg;
  auto a1 = reg.get("a");
  auto a2 = reg.get("a");
  auto b = reg.get("b");
  EXPECT_EQ(a1, a2);
  EXPECT_NE(a1, b);
}

TEST(CooldownTest, CoolDownDirectly) {
  Env env(twoDeps());
  env.state("b").coolDown(env.clock.now(), 90s);
  StateView v = env.view("b");
  EXPECT_TRUE(v.cooling);
  EXPECT_EQ(v.cooldown_left, 90s);
  EXPECT_EQ(env.state("b").tryAcquire(Limits{}, env.clock.now(), 0), Admission::kCoolingDown);
  env.clock.advance(90s);
  EXPECT_EQ(env.state("b").tryAcquire(Limits{}, env.clock.now(), 0), Admission::kAdmitted);
  env.state("b").release();
}

}  // namespace
}  // namespace switchyard::router::test
