// Router indexing, target resolution and the selection bookkeeping (leases, attempts, dry runs).

#include "switchyard/router/router.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "router_test_util.hpp"

namespace switchyard::router::test {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(RouterIndexTest, AliasesInFirstAppearanceOrder) {
  Env env(
      configOf({dep("b", "b1"), dep("a", "a1"), dep("b", "b2"), dep("c", "c1"), dep("a", "a2")}));
  const Router& r = env.router;
  EXPECT_THAT(r.aliases(), ElementsAre("b", "a", "c"));
  EXPECT_TRUE(r.hasAlias("a"));
  EXPECT_TRUE(r.hasAlias("b"));
  EXPECT_TRUE(r.hasAlias("c"));
  EXPECT_FALSE(r.hasAlias("d"));
  EXPECT_FALSE(r.hasAlias(""));
  EXPECT_FALSE(r.hasAlias("A"));   // case-sensitive
  EXPECT_FALSE(r.hasAlias("a1"));  // a deployment id is not an alias
  EXPECT_THAT(ids(r.deployments("b")), ElementsAre("b1", "b2"));
  EXPECT_THAT(ids(r.deployments("a")), ElementsAre("a1", "a2"));
  EXPECT_THAT(ids(r.deployments("c")), ElementsAre("c1"));
  EXPECT_THAT(r.deployments("nope"), IsEmpty());
  EXPECT_THAT(r.deployments("a1"), IsEmpty());
}

TEST(RouterIndexTest, DeploymentsPointIntoTheConfig) {
  Env env(configOf({dep("a", "a1"), dep("a", "a2")}));
  ASSERT_EQ(env.router.deployments("a").size(), 2u);
  EXPECT_EQ(env.router.deployments("a")[0], &env.cfg.model_list[0]);
  EXPECT_EQ(env.router.deployments("a")[1], &env.cfg.model_list[1]);
}

TEST(RouterIndexTest, EntriesInConfigOrderWithSoleFlag) {
  Env env(configOf({dep("a", "a1"), dep("solo", "s1"), dep("a", "a2")}));
  auto entries = env.router.entries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].deployment->id, "a1");
  EXPECT_EQ(entries[1].deployment->id, "s1");
  EXPECT_EQ(entries[2].deployment->id, "a2");
  EXPECT_FALSE(entries[0].sole);
  EXPECT_TRUE(entries[1].sole);
  EXPECT_FALSE(entries[2].sole);
  for (const auto& e : entries) {
    ASSERT_NE(e.state, nullptr);
    EXPECT_EQ(env.router.stateOf(*e.deployment), e.state);
  }
  EXPECT_NE(entries[0].state, entries[2].state);  // one state per deployment
  config::Deployment stranger = dep("a", "not-in-config");
  EXPECT_EQ(env.router.stateOf(stranger), nullptr);
}

TEST(RouterIndexTest, GroupOfAliasAndDeploymentId) {
  Env env(configOf({dep("gpt", "gpt-east"), dep("gpt", "gpt-west"), dep("claude", "claude-1")}));
  const Router& r = env.router;
  EXPECT_EQ(r.groupOf("gpt"), "gpt");
  EXPECT_EQ(r.groupOf("claude"), "claude");
  EXPECT_EQ(r.groupOf("gpt-east"), "gpt");
  EXPECT_EQ(r.groupOf("gpt-west"), "gpt");
  EXPECT_EQ(r.groupOf("claude-1"), "claude");
  EXPECT_EQ(r.groupOf("nope"), "");
  EXPECT_EQ(r.groupOf(""), "");
  EXPECT_TRUE(r.knows("gpt"));
  EXPECT_TRUE(r.knows("gpt-west"));
  EXPECT_FALSE(r.knows("gemini"));
}

TEST(RouterIndexTest, EmptyConfig) {
  Env env(configOf({}));
  EXPECT_THAT(env.router.aliases(), IsEmpty());
  EXPECT_TRUE(env.router.entries().empty());
  Selection s = env.select("a");
  EXPECT_FALSE(s);
  EXPECT_EQ(s.reason, NoPick::kUnknownTarget);
}

TEST(RouterSelectTest, UnknownTarget) {
  Env env(configOf({dep("a", "a1"), dep("a", "a2")}));
  for (std::string_view target : {"nope", "", "A", "mock/a1"}) {
    Selection s = env.select(target);
    EXPECT_FALSE(s) << target;
    EXPECT_EQ(s.deployment, nullptr);
    EXPECT_FALSE(s.lease);
    EXPECT_EQ(s.reason, NoPick::kUnknownTarget) << target;
    Selection d = env.dryRun(target);
    EXPECT_EQ(d.reason, NoPick::kUnknownTarget) << target;
  }
}

TEST(RouterSelectTest, SelectsOnlyWithinTheAlias) {
  Env env(configOf({dep("a", "a1"), dep("b", "b1"), dep("a", "a2"), dep("b", "b2")}));
  std::set<std::string> seen;
  for (int i = 0; i < 500; ++i) {
    Selection s = env.select("a");
    ASSERT_TRUE(s);
    EXPECT_EQ(s.deployment->model_name, "a");
    seen.insert(s.deployment->id);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"a1", "a2"}));
}

TEST(RouterSelectTest, DeploymentIdNamesExactlyThatDeployment) {
  // The weights strongly favour a1, but naming a2's id always gets a2.
  Env env(configOf({dep("a", "a1", 1000.0), dep("a", "a2", 1.0)}));
  for (int i = 0; i < 500; ++i) {
    Selection s = env.select("a2");
    ASSERT_TRUE(s);
    EXPECT_EQ(s.deployment, &env.cfg.model_list[1]);
  }
}

TEST(RouterSelectTest, LeaseHoldsOneSlotUntilReleased) {
  Env env(configOf({dep("a", "a1")}));
  {
    SelectInput in;
    in.prompt_tokens = 42;
    Selection s = env.select("a", in);
    ASSERT_TRUE(s);
    EXPECT_TRUE(s.lease);
    StateView v = env.view("a1");
    EXPECT_EQ(v.in_flight, 1);
    EXPECT_EQ(v.minute_requests, 1u);
    EXPECT_EQ(v.minute_tokens, 42u);

    Selection s2 = env.select("a");
    ASSERT_TRUE(s2);
    EXPECT_EQ(env.view("a1").in_flight, 2);
    s2.lease.reset();
    EXPECT_FALSE(s2.lease);
    EXPECT_EQ(env.view("a1").in_flight, 1);
    s2.lease.reset();  // idempotent
    EXPECT_EQ(env.view("a1").in_flight, 1);

    // Moving the lease moves the slot, it does not release it.
    Lease moved = std::move(s.lease);
    EXPECT_FALSE(s.lease);
    EXPECT_TRUE(moved);
    EXPECT_EQ(env.view("a1").in_flight, 1);
  }
  StateView v = env.view("a1");
  EXPECT_EQ(v.in_flight, 0);
  EXPECT_EQ(v.minute_requests, 2u);  // this minute's count stays after the release
}

TEST(RouterSelectTest, LeaseOutcomesAreCounted) {
  Env env(configOf({dep("a", "a1"), dep("a", "a2")}));
  env.succeed("a1", 200ms);
  env.succeed("a1", 200ms);
  EXPECT_FALSE(env.fail("a1", FailureClass::kTransient));
  StateView v = env.view("a1");
  EXPECT_EQ(v.successes, 2u);
  EXPECT_EQ(v.failures, 1u);
  EXPECT_EQ(env.state("a1").lastError(), "boom");
  EXPECT_EQ(env.view("a2").successes, 0u);

  // An empty lease records nothing.
  Lease empty;
  empty.succeed(1s, false);
  EXPECT_FALSE(empty.fail(1s, FailureClass::kCredentials, env.router.policy(), "x"));
}

TEST(RouterSelectTest, AttemptsCounting) {
  config::Deployment a = dep("a", "a1"), b = dep("a", "a2");
  Attempts at;
  EXPECT_EQ(at.of(&a), 0);
  at.add(&a);
  at.add(&a);
  at.add(&b);
  EXPECT_EQ(at.of(&a), 2);
  EXPECT_EQ(at.of(&b), 1);
  EXPECT_EQ(at.made.size(), 2u);
}

TEST(RouterSelectTest, AttemptedDeploymentIsNotPickedAgain) {
  Env env(configOf({dep("a", "a1"), dep("a", "a2"), dep("a", "a3")}));
  Attempts at;
  at.add(&env.byId("a1"));
  at.add(&env.byId("a3"));
  SelectInput in;
  in.attempts = &at;
  for (int i = 0; i < 300; ++i) {
    Selection s = env.select("a", in);
    ASSERT_TRUE(s);
    EXPECT_EQ(s.deployment->id, "a2");
  }
}

TEST(RouterSelectTest, ExhaustedWhenEveryDeploymentWasAttempted) {
  Env env(configOf({dep("a", "a1"), dep("a", "a2")}));
  Attempts at;
  at.add(&env.byId("a1"));
  at.add(&env.byId("a2"));
  SelectInput in;
  in.attempts = &at;
  Selection s = env.select("a", in);
  EXPECT_FALSE(s);
  EXPECT_EQ(s.reason, NoPick::kExhausted);
  EXPECT_FALSE(s.lease);
  EXPECT_EQ(env.view("a1").in_flight, 0);
  EXPECT_EQ(env.dryRun("a", in).reason, NoPick::kExhausted);
  // A deployment id target is exhausted the same way.
  EXPECT_EQ(env.select("a1", in).reason, NoPick::kExhausted);

  // Allowing a second attempt of each makes them pickable again.
  in.max_attempts_each = 2;
  EXPECT_TRUE(env.select("a", in));
}

TEST(RouterSelectTest, MaxRetriesCapsAttemptsPerDeployment) {
  config::Deployment strict = dep("a", "strict");
  strict.max_retries = 0;  // one attempt, never retried
  config::Deployment loose = dep("a", "loose");
  loose.max_retries = 1;                         // at most two attempts
  config::Deployment plain = dep("a", "plain");  // the request's budget only
  Env env(configOf({strict, loose, plain}));
  Attempts at;
  at.add(&env.byId("strict"));
  at.add(&env.byId("loose"));
  at.add(&env.byId("plain"));
  SelectInput in;
  in.attempts = &at;
  in.max_attempts_each = 5;
  std::set<std::string> seen;
  for (int i = 0; i < 300; ++i) {
    Selection s = env.dryRun("a", in);
    ASSERT_TRUE(s);
    seen.insert(s.deployment->id);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"loose", "plain"}));  // strict is used up

  at.add(&env.byId("loose"));  // loose: 2 attempts = 1 + max_retries
  for (int i = 0; i < 300; ++i) {
    Selection s = env.select("a", in);
    ASSERT_TRUE(s);
    EXPECT_EQ(s.deployment->id, "plain");
  }
  for (int i = 0; i < 4; ++i) at.add(&env.byId("plain"));  // plain: 5 = max_attempts_each
  EXPECT_EQ(env.select("a", in).reason, NoPick::kExhausted);
}

TEST(RouterSelectTest, MaxRetriesNeverRaisesTheRequestBudget) {
  config::Deployment d = dep("a", "a1");
  d.max_retries = 10;
  Env env(configOf({d, dep("a", "a2")}));
  Attempts at;
  at.add(&env.byId("a1"));
  SelectInput in;
  in.attempts = &at;
  in.max_attempts_each = 1;  // the caller asks for an untried deployment only
  for (int i = 0; i < 200; ++i) {
    Selection s = env.dryRun("a", in);
    ASSERT_TRUE(s);
    EXPECT_EQ(s.deployment->id, "a2");
  }
}

TEST(RouterSelectTest, DryRunTakesNoSlot) {
  config::Deployment d = dep("a", "a1", {}, /*rpm=*/1);
  d.max_parallel_requests = 1;
  Env env(configOf({d}));
  SelectInput in;
  in.prompt_tokens = 500;
  for (int i = 0; i < 10; ++i) {
    Selection s = env.dryRun("a", in);
    ASSERT_TRUE(s);
    EXPECT_EQ(s.deployment->id, "a1");
    EXPECT_FALSE(s.lease);
  }
  StateView v = env.view("a1");
  EXPECT_EQ(v.in_flight, 0);
  EXPECT_EQ(v.minute_requests, 0u);
  EXPECT_EQ(v.minute_tokens, 0u);
  // The one request this minute is still available to a real selection.
  Selection real = env.select("a", in);
  ASSERT_TRUE(real);
  EXPECT_TRUE(real.lease);
  EXPECT_EQ(env.view("a1").in_flight, 1);
}

TEST(RouterSelectTest, DryRunSkipsCoolingAndAttempted) {
  Env env(configOf({dep("a", "a1"), dep("a", "a2"), dep("a", "a3")}));
  env.state("a1").coolDown(env.clock.now(), 10s);
  Attempts at;
  at.add(&env.byId("a2"));
  SelectInput in;
  in.attempts = &at;
  for (int i = 0; i < 200; ++i) {
    Selection s = env.dryRun("a", in);
    ASSERT_TRUE(s);
    EXPECT_EQ(s.deployment->id, "a3");
  }
  at.add(&env.byId("a3"));
  Selection none = env.dryRun("a", in);
  EXPECT_FALSE(none);
  EXPECT_EQ(none.reason, NoPick::kCoolingDown);  // a1 could be picked once it cools off
  EXPECT_EQ(none.retry_after, 10s);
}

TEST(RouterSelectTest, SameSeedSamePicks) {
  config::Config cfg = configOf({dep("a", "a1", 1.0), dep("a", "a2", 2.0), dep("a", "a3", 3.0)});
  Env e1(cfg, 77), e2(cfg, 77);
  std::vector<std::string> p1, p2;
  for (int i = 0; i < 200; ++i) {
    p1.push_back(e1.select("a").deployment->id);
    p2.push_back(e2.select("a").deployment->id);
  }
  EXPECT_EQ(p1, p2);
  EXPECT_EQ(std::set<std::string>(p1.begin(), p1.end()).size(), 3u);
}

TEST(RouterSelectTest, SelectDoesNotReorderTheIndex) {
  Env env(configOf({dep("a", "a1", 1.0), dep("a", "a2", 100.0)}));
  for (int i = 0; i < 100; ++i) (void)env.select("a");
  EXPECT_THAT(ids(env.router.deployments("a")), ElementsAre("a1", "a2"));
}

TEST(RouterSelectTest, PreCallChecksSkipDeploymentsTooSmallForThePrompt) {
  config::Deployment small = dep("a", "small");
  small.max_input_tokens = 1000;
  config::Deployment big = dep("a", "big");
  big.max_input_tokens = 100000;
  config::Config cfg = configOf({small, big});
  cfg.router_settings.enable_pre_call_checks = true;
  Env env(std::move(cfg));
  SelectInput in;
  in.prompt_tokens = 5000;
  for (int i = 0; i < 200; ++i) {
    Selection s = env.select("a", in);
    ASSERT_TRUE(s);
    EXPECT_EQ(s.deployment->id, "big");
  }
  in.prompt_tokens = 200000;
  Selection none = env.select("a", in);
  EXPECT_FALSE(none);
  EXPECT_EQ(none.reason, NoPick::kTooLarge);
  in.prompt_tokens = 1000;  // exactly the limit fits
  EXPECT_EQ(env.shares("a", 2000, true, in).size(), 2u);
}

TEST(RouterSelectTest, WithoutPreCallChecksMaxInputTokensIsIgnored) {
  config::Deployment small = dep("a", "small");
  small.max_input_tokens = 10;
  Env env(configOf({small}));
  SelectInput in;
  in.prompt_tokens = 5000;
  Selection s = env.select("a", in);
  ASSERT_TRUE(s);
  EXPECT_EQ(s.deployment->id, "small");
}

TEST(RouterStaticTest, WeightOf) {
  EXPECT_EQ(Router::weightOf(dep("a", "a", 2.5, 100, 1000)), 2.5);   // weight first
  EXPECT_EQ(Router::weightOf(dep("a", "a", {}, 100, 1000)), 100.0);  // then rpm
  EXPECT_EQ(Router::weightOf(dep("a", "a", {}, {}, 1000)), 1000.0);  // then tpm
  EXPECT_EQ(Router::weightOf(dep("a", "a")), 1.0);                   // else equal
  EXPECT_EQ(Router::weightOf(dep("a", "a", 0.0, 100)), 0.0);         // an explicit 0 stays 0
}

TEST(RouterStaticTest, LimitsOf) {
  config::Deployment d = dep("a", "a", {}, 60, 1000);
  d.max_parallel_requests = 4;
  Limits l = Router::limitsOf(d);
  EXPECT_EQ(l.rpm, 60u);
  EXPECT_EQ(l.tpm, 1000u);
  EXPECT_EQ(l.max_parallel, 4);
  Limits none = Router::limitsOf(dep("a", "b"));
  EXPECT_FALSE(none.rpm);
  EXPECT_FALSE(none.tpm);
  EXPECT_FALSE(none.max_parallel);
}

}  // namespace
}  // namespace switchyard::router::test
