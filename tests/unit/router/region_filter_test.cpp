// Region routing (SelectInput::region, a customer's allowed_model_region): only deployments whose
// litellm_params.region_name is in the region serve; none in it -> kRegionMismatch.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "router_test_util.hpp"

namespace switchyard::router::test {
namespace {

using ::testing::UnorderedElementsAre;

// Group "m": one deployment per (id, region_name) ("" = none).
config::Config regions(const std::vector<std::pair<std::string, std::string>>& deps) {
  std::string yaml = "model_list:\n";
  for (const auto& [id, region] : deps) {
    yaml += "  - model_name: m\n    litellm_params: {model: mock/" + id;
    if (!region.empty()) yaml += ", region_name: " + region;
    yaml += "}\n    model_info: {id: " + id + "}\n";
  }
  return loadYaml(yaml);
}

std::set<std::string> picked(Env& env, std::string_view region) {
  SelectInput in;
  in.region = region;
  std::set<std::string> out;
  for (int i = 0; i < 200; ++i) {
    Selection s = env.select("m", in);
    EXPECT_TRUE(s) << "pick " << i;
    if (s) out.insert(s.deployment->id);
  }
  return out;
}

TEST(RegionFilterTest, OnlyDeploymentsInTheRegionServe) {
  Env env(regions({{"eu1", "eu"}, {"eu2", "westeurope"}, {"us1", "us-east-1"}, {"none", ""}}));
  EXPECT_THAT(picked(env, "eu"), UnorderedElementsAre("eu1", "eu2"));
  EXPECT_THAT(picked(env, "us"), UnorderedElementsAre("us1"));
  EXPECT_THAT(picked(env, ""), UnorderedElementsAre("eu1", "eu2", "us1", "none"));
}

TEST(RegionFilterTest, NoDeploymentInTheRegionIsAMismatchNotACooldown) {
  Env env(regions({{"us1", "us"}, {"none", ""}}));
  SelectInput in;
  in.region = "eu";
  Selection s = env.select("m", in);
  EXPECT_FALSE(s);
  EXPECT_EQ(s.reason, NoPick::kRegionMismatch);
  EXPECT_EQ(env.select("m").deployment != nullptr, true);  // without a region: served
}

TEST(RegionFilterTest, RegionNamesAreReadAsLiteLLMInfersThem) {
  using config::regionOf;
  for (const char* eu : {"eu", "EU", "eu-west-1", "westeurope", "swedencentral", "switzerlandnorth",
                         "francecentral", "uksouth", "europe-west4"}) {
    EXPECT_EQ(regionOf(eu), "eu") << eu;
  }
  for (const char* us : {"us", "us-east-1", "useast", "us-central1"}) {
    EXPECT_EQ(regionOf(us), "us") << us;
  }
  EXPECT_EQ(regionOf(""), "");
  EXPECT_EQ(regionOf("asia-east1"), "");
  // Read once at load: a deployment in the EU is not in the US, and only eu and us are regions.
  Env env(regions({{"eu1", "EU"}}));
  const config::Deployment& d = env.byId("eu1");
  EXPECT_TRUE(inRegion(d, "eu"));
  EXPECT_FALSE(inRegion(d, "us"));
  EXPECT_FALSE(inRegion(d, "apac"));
  EXPECT_FALSE(inRegion(config::Deployment{}, "eu"));
}

}  // namespace
}  // namespace switchyard::router::test
