#include "switchyard/router/router.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace switchyard::router {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

config::Deployment dep(std::string alias, std::string id, std::optional<double> weight = {},
                       std::optional<std::uint64_t> rpm = {}, std::optional<std::uint64_t> tpm = {}) {
  config::Deployment d;
  d.model_name = std::move(alias);
  d.model = "mock/" + id;
  d.provider = "mock";
  d.model_id = id;
  d.id = std::move(id);
  d.weight = weight;
  d.rpm = rpm;
  d.tpm = tpm;
  return d;
}

std::vector<std::string> ids(const std::vector<const config::Deployment*>& v) {
  std::vector<std::string> out;
  for (const config::Deployment* d : v) out.push_back(d->id);
  return out;
}

// Fraction of `draws` plans whose first pick is each deployment id.
std::map<std::string, double> firstPickShares(const Router& router, const std::string& alias,
                                              int draws, std::uint64_t seed = 12345) {
  std::mt19937_64 rng(seed);
  std::map<std::string, int> counts;
  for (int i = 0; i < draws; ++i) {
    auto plan = router.plan(alias, rng);
    if (!plan.empty()) ++counts[plan.front()->id];
  }
  std::map<std::string, double> shares;
  for (const auto& [id, n] : counts) shares[id] = static_cast<double>(n) / draws;
  return shares;
}

constexpr int kDraws = 20000;
// Binomial standard deviation at p=0.25, n=20000 is 0.3%; +-2% is more than 6 sigma.
constexpr double kTolerance = 0.02;

TEST(RouterTest, IndexesAliasesInFirstAppearanceOrder) {
  config::Config cfg;
  cfg.model_list = {dep("b", "b1"), dep("a", "a1"), dep("b", "b2"), dep("c", "c1"), dep("a", "a2")};
  Router router(cfg);
  EXPECT_THAT(router.aliases(), ElementsAre("b", "a", "c"));
  EXPECT_TRUE(router.hasAlias("a"));
  EXPECT_TRUE(router.hasAlias("b"));
  EXPECT_TRUE(router.hasAlias("c"));
  EXPECT_FALSE(router.hasAlias("d"));
  EXPECT_FALSE(router.hasAlias(""));
  EXPECT_FALSE(router.hasAlias("A"));  // aliases are case-sensitive
  EXPECT_THAT(ids(router.deployments("b")), ElementsAre("b1", "b2"));
  EXPECT_THAT(ids(router.deployments("a")), ElementsAre("a1", "a2"));
  EXPECT_THAT(ids(router.deployments("c")), ElementsAre("c1"));
}

TEST(RouterTest, DeploymentsPointIntoTheConfig) {
  config::Config cfg;
  cfg.model_list = {dep("a", "a1"), dep("a", "a2")};
  Router router(cfg);
  ASSERT_EQ(router.deployments("a").size(), 2u);
  EXPECT_EQ(router.deployments("a")[0], &cfg.model_list[0]);
  EXPECT_EQ(router.deployments("a")[1], &cfg.model_list[1]);
}

TEST(RouterTest, UnknownAliasHasNoDeploymentsAndEmptyPlan) {
  config::Config cfg;
  cfg.model_list = {dep("a", "a1")};
  Router router(cfg);
  EXPECT_THAT(router.deployments("nope"), IsEmpty());
  std::mt19937_64 rng(1);
  EXPECT_THAT(router.plan("nope", rng), IsEmpty());
}

TEST(RouterTest, EmptyConfig) {
  config::Config cfg;
  Router router(cfg);
  EXPECT_THAT(router.aliases(), IsEmpty());
  std::mt19937_64 rng(1);
  EXPECT_THAT(router.plan("a", rng), IsEmpty());
}

TEST(RouterTest, SingleDeploymentPlan) {
  config::Config cfg;
  cfg.model_list = {dep("a", "a1", 0.0)};
  Router router(cfg);
  std::mt19937_64 rng(1);
  EXPECT_THAT(ids(router.plan("a", rng)), ElementsAre("a1"));
}

TEST(RouterTest, PlanContainsEveryDeploymentOnce) {
  config::Config cfg;
  cfg.model_list = {dep("a", "a1", 1.0), dep("a", "a2", 0.0),  dep("x", "x1"),
                    dep("a", "a3", {}, 60), dep("a", "a4", {}, {}, 1000), dep("a", "a5"),
                    dep("a", "a6", 5.5)};
  Router router(cfg);
  const std::set<std::string> expected = {"a1", "a2", "a3", "a4", "a5", "a6"};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::string> plan = ids(router.plan("a", rng));
    ASSERT_EQ(plan.size(), expected.size());
    ASSERT_EQ(std::set<std::string>(plan.begin(), plan.end()), expected);
  }
}

TEST(RouterTest, PlanWithAllZeroWeightsStillContainsEveryDeploymentOnce) {
  config::Config cfg;
  cfg.model_list = {dep("a", "a1", 0.0), dep("a", "a2", 0.0), dep("a", "a3", 0.0)};
  Router router(cfg);
  std::mt19937_64 rng(3);
  std::map<std::string, int> first;
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::string> plan = ids(router.plan("a", rng));
    ASSERT_EQ(std::set<std::string>(plan.begin(), plan.end()),
              (std::set<std::string>{"a1", "a2", "a3"}));
    ++first[plan.front()];
  }
  // With no positive weight the order is uniform: every deployment leads sometimes.
  EXPECT_EQ(first.size(), 3u);
}

TEST(RouterTest, WeightOf) {
  EXPECT_EQ(Router::weightOf(dep("a", "a", 2.5, 100, 1000)), 2.5);  // weight first
  EXPECT_EQ(Router::weightOf(dep("a", "a", {}, 100, 1000)), 100.0);  // then rpm
  EXPECT_EQ(Router::weightOf(dep("a", "a", {}, {}, 1000)), 1000.0);  // then tpm
  EXPECT_EQ(Router::weightOf(dep("a", "a")), 1.0);                   // else equal
  EXPECT_EQ(Router::weightOf(dep("a", "a", 0.0, 100)), 0.0);         // an explicit 0 stays 0
}

TEST(RouterTest, WeightedFirstPickOneToThree) {
  config::Config cfg;
  cfg.model_list = {dep("a", "light", 1.0), dep("a", "heavy", 3.0)};
  Router router(cfg);
  auto shares = firstPickShares(router, "a", kDraws);
  EXPECT_NEAR(shares["light"], 0.25, kTolerance);
  EXPECT_NEAR(shares["heavy"], 0.75, kTolerance);
}

TEST(RouterTest, WeightedFirstPickDoesNotDependOnConfigOrder) {
  config::Config cfg;
  cfg.model_list = {dep("a", "heavy", 3.0), dep("a", "light", 1.0)};
  Router router(cfg);
  auto shares = firstPickShares(router, "a", kDraws, 99);
  EXPECT_NEAR(shares["light"], 0.25, kTolerance);
  EXPECT_NEAR(shares["heavy"], 0.75, kTolerance);
}

TEST(RouterTest, RpmUsedWhenNoWeight) {
  config::Config cfg;
  cfg.model_list = {dep("a", "slow", {}, 100), dep("a", "fast", {}, 300)};
  Router router(cfg);
  auto shares = firstPickShares(router, "a", kDraws);
  EXPECT_NEAR(shares["slow"], 0.25, kTolerance);
  EXPECT_NEAR(shares["fast"], 0.75, kTolerance);
}

TEST(RouterTest, TpmUsedWhenNoWeightNorRpm) {
  config::Config cfg;
  cfg.model_list = {dep("a", "small", {}, {}, 1000), dep("a", "big", {}, {}, 3000)};
  Router router(cfg);
  auto shares = firstPickShares(router, "a", kDraws);
  EXPECT_NEAR(shares["small"], 0.25, kTolerance);
  EXPECT_NEAR(shares["big"], 0.75, kTolerance);
}

TEST(RouterTest, WeightWinsOverRpm) {
  config::Config cfg;
  cfg.model_list = {dep("a", "w1", 1.0, 1000), dep("a", "w3", 3.0, 1)};
  Router router(cfg);
  auto shares = firstPickShares(router, "a", kDraws);
  EXPECT_NEAR(shares["w1"], 0.25, kTolerance);
  EXPECT_NEAR(shares["w3"], 0.75, kTolerance);
}

TEST(RouterTest, EqualWhenNothingSet) {
  config::Config cfg;
  cfg.model_list = {dep("a", "a1"), dep("a", "a2"), dep("a", "a3"), dep("a", "a4")};
  Router router(cfg);
  auto shares = firstPickShares(router, "a", kDraws);
  for (const char* id : {"a1", "a2", "a3", "a4"}) EXPECT_NEAR(shares[id], 0.25, kTolerance) << id;
}

TEST(RouterTest, ThreeWayWeights) {
  config::Config cfg;
  cfg.model_list = {dep("a", "a1", 1.0), dep("a", "a2", 1.0), dep("a", "a3", 2.0)};
  Router router(cfg);
  auto shares = firstPickShares(router, "a", kDraws);
  EXPECT_NEAR(shares["a1"], 0.25, kTolerance);
  EXPECT_NEAR(shares["a2"], 0.25, kTolerance);
  EXPECT_NEAR(shares["a3"], 0.50, kTolerance);
}

TEST(RouterTest, SecondPickIsWeightedAmongTheRest) {
  // Weights 1:1:2. Given a3 is not first, the second pick is a3 with P = 2/3, so overall
  // P(second == a3) = P(a1 first) * 2/3 + P(a2 first) * 2/3 = 0.25*2/3*2 = 1/3.
  config::Config cfg;
  cfg.model_list = {dep("a", "a1", 1.0), dep("a", "a2", 1.0), dep("a", "a3", 2.0)};
  Router router(cfg);
  std::mt19937_64 rng(2024);
  int second_a3 = 0;
  for (int i = 0; i < kDraws; ++i) {
    if (router.plan("a", rng)[1]->id == "a3") ++second_a3;
  }
  EXPECT_NEAR(static_cast<double>(second_a3) / kDraws, 1.0 / 3.0, kTolerance);
}

TEST(RouterTest, ZeroWeightNeverFirstWhenOthersPositive) {
  config::Config cfg;
  cfg.model_list = {dep("a", "zero", 0.0), dep("a", "p1", 1.0), dep("a", "p2", 2.0)};
  Router router(cfg);
  std::mt19937_64 rng(42);
  for (int i = 0; i < kDraws; ++i) {
    std::vector<std::string> plan = ids(router.plan("a", rng));
    ASSERT_EQ(plan.size(), 3u);
    ASSERT_NE(plan.front(), "zero");
    ASSERT_EQ(plan.back(), "zero");  // only after every positive one
  }
}

TEST(RouterTest, ZeroWeightLastInTwoWay) {
  for (bool zero_first_in_config : {true, false}) {
    config::Config cfg;
    if (zero_first_in_config) cfg.model_list = {dep("a", "zero", 0.0), dep("a", "pos", 1.0)};
    else cfg.model_list = {dep("a", "pos", 1.0), dep("a", "zero", 0.0)};
    Router router(cfg);
    std::mt19937_64 rng(5);
    for (int i = 0; i < 5000; ++i) {
      ASSERT_THAT(ids(router.plan("a", rng)), ElementsAre("pos", "zero"));
    }
  }
}

TEST(RouterTest, SameSeedSamePlans) {
  config::Config cfg;
  cfg.model_list = {dep("a", "a1", 1.0), dep("a", "a2", 2.0), dep("a", "a3", 3.0)};
  Router router(cfg);
  std::mt19937_64 r1(77), r2(77);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(ids(router.plan("a", r1)), ids(router.plan("a", r2)));
}

TEST(RouterTest, PlanDoesNotReorderTheIndex) {
  config::Config cfg;
  cfg.model_list = {dep("a", "a1", 1.0), dep("a", "a2", 100.0)};
  Router router(cfg);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 100; ++i) (void)router.plan("a", rng);
  EXPECT_THAT(ids(router.deployments("a")), ElementsAre("a1", "a2"));
}

}  // namespace
}  // namespace switchyard::router
