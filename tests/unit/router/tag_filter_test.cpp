// Tag filtering (router_settings.enable_tag_filtering, SelectInput::tags): LiteLLM's tag routing.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "router_test_util.hpp"

namespace switchyard::router::test {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr int kPicks = 300;

// model_list of group "m" with the given tags per deployment id ("" = no tags), in order.
std::string modelList(const std::vector<std::pair<std::string, std::string>>& deps) {
  std::string yaml = "model_list:\n";
  for (const auto& [id, tags] : deps) {
    yaml += "  - model_name: m\n    litellm_params: {model: mock/" + id;
    if (!tags.empty()) yaml += ", tags: [" + tags + "]";
    yaml += "}\n    model_info: {id: " + id + "}\n";
  }
  return yaml;
}

config::Config tagged(const std::vector<std::pair<std::string, std::string>>& deps,
                      bool filtering = true, bool match_any = true) {
  std::string yaml = modelList(deps) +
                     "router_settings:\n  enable_tag_filtering: " + (filtering ? "true" : "false") +
                     "\n  tag_filtering_match_any: " + (match_any ? "true" : "false") + "\n";
  return loadYaml(yaml);
}

// The ids picked over kPicks selections of "m" with `tags` (null: none).
std::set<std::string> picked(Env& env, const std::vector<std::string>* tags) {
  SelectInput in;
  in.tags = tags;
  std::set<std::string> out;
  for (int i = 0; i < kPicks; ++i) {
    Selection s = env.select("m", in);
    EXPECT_TRUE(s) << "pick " << i;
    if (s) out.insert(s.deployment->id);
  }
  return out;
}

const std::vector<std::pair<std::string, std::string>> kWithDefault = {
    {"fast1", "fast"}, {"cheap1", "cheap"}, {"dflt", "default"}, {"plain", ""}};
const std::vector<std::pair<std::string, std::string>> kNoDefault = {
    {"fast1", "fast"}, {"cheap1", "cheap"}, {"plain", ""}};

TEST(TagFilterTest, TaggedRequestPicksOnlyMatchingDeployments) {
  Env env(tagged(kWithDefault));
  const std::vector<std::string> fast = {"fast"};
  EXPECT_THAT(picked(env, &fast), ElementsAre("fast1"));
  const std::vector<std::string> cheap = {"cheap"};
  EXPECT_THAT(picked(env, &cheap), ElementsAre("cheap1"));
  const std::vector<std::string> either = {"fast", "cheap"};
  EXPECT_THAT(picked(env, &either), UnorderedElementsAre("fast1", "cheap1"));
  const std::vector<std::string> with_unknown = {"nope", "cheap"};
  EXPECT_THAT(picked(env, &with_unknown), ElementsAre("cheap1"));
}

TEST(TagFilterTest, UntaggedRequestGoesToDefaultDeployments) {
  Env env(tagged(kWithDefault));
  EXPECT_THAT(picked(env, nullptr), ElementsAre("dflt"));
  const std::vector<std::string> none;
  EXPECT_THAT(picked(env, &none), ElementsAre("dflt")) << "an empty list is no tags";
}

TEST(TagFilterTest, UntaggedRequestWithoutDefaultsGoesToAll) {
  Env env(tagged(kNoDefault));
  EXPECT_THAT(picked(env, nullptr), UnorderedElementsAre("fast1", "cheap1", "plain"));
}

TEST(TagFilterTest, UnknownTagGoesToDefaultDeployments) {
  Env env(tagged(kWithDefault));
  const std::vector<std::string> nope = {"nope"};
  EXPECT_THAT(picked(env, &nope), ElementsAre("dflt"));
}

TEST(TagFilterTest, UnknownTagWithoutDefaultIsATagMismatch) {
  Env env(tagged(kNoDefault));
  const std::vector<std::string> nope = {"nope"};
  SelectInput in;
  in.tags = &nope;
  Selection s = env.select("m", in);
  EXPECT_FALSE(s);
  EXPECT_EQ(s.reason, NoPick::kTagMismatch);
  in.dry_run = true;
  EXPECT_EQ(env.select("m", in).reason, NoPick::kTagMismatch);
}

TEST(TagFilterTest, MatchAllNeedsEveryTag) {
  Env env(tagged({{"both", "fast, cheap"}, {"fast1", "fast"}, {"cheap1", "cheap"}},
                 /*filtering=*/true, /*match_any=*/false));
  const std::vector<std::string> fast_cheap = {"fast", "cheap"};
  EXPECT_THAT(picked(env, &fast_cheap), ElementsAre("both"));
  const std::vector<std::string> fast = {"fast"};
  EXPECT_THAT(picked(env, &fast), UnorderedElementsAre("both", "fast1"));
  const std::vector<std::string> three = {"fast", "cheap", "gpu"};
  SelectInput in;
  in.tags = &three;
  EXPECT_EQ(env.select("m", in).reason, NoPick::kTagMismatch);
}

TEST(TagFilterTest, MatchAnyIsTheDefault) {
  Env env(loadYaml(modelList({{"fast1", "fast"}, {"cheap1", "cheap"}}) +
                   "router_settings:\n  enable_tag_filtering: true\n"));
  const std::vector<std::string> either = {"fast", "cheap"};
  EXPECT_THAT(picked(env, &either), UnorderedElementsAre("fast1", "cheap1"));
}

TEST(TagFilterTest, FilteringOffIgnoresTags) {
  Env env(tagged(kWithDefault, /*filtering=*/false));
  const std::vector<std::string> fast = {"fast"};
  EXPECT_THAT(picked(env, &fast), UnorderedElementsAre("fast1", "cheap1", "dflt", "plain"));
  EXPECT_THAT(picked(env, nullptr), UnorderedElementsAre("fast1", "cheap1", "dflt", "plain"));
  const std::vector<std::string> nope = {"nope"};
  EXPECT_TRUE(env.select("m", SelectInput{.tags = &nope}));
}

TEST(TagFilterTest, TaggedRequestWaitsForItsCoolingDeploymentRatherThanDefault) {
  Env env(tagged(kWithDefault));
  env.state("fast1").coolDown(env.clock.now(), 30s);
  const std::vector<std::string> fast = {"fast"};
  SelectInput in;
  in.tags = &fast;
  Selection s = env.select("m", in);
  EXPECT_FALSE(s);
  EXPECT_EQ(s.reason, NoPick::kCoolingDown);
}

TEST(TagFilterTest, DeploymentIdTargetIsFilteredToo) {
  Env env(tagged(kNoDefault));
  const std::vector<std::string> fast = {"fast"};
  SelectInput in;
  in.tags = &fast;
  Selection s = env.select("fast1", in);
  ASSERT_TRUE(s);
  EXPECT_EQ(s.deployment->id, "fast1");
  EXPECT_EQ(env.select("cheap1", in).reason, NoPick::kTagMismatch);
}

}  // namespace
}  // namespace switchyard::router::test
