// Wildcard deployments (router/wildcard.hpp): pattern matching, specificity, provider inference,
// resolution of the serving deployment, and the router's lookup of wildcard model groups.

#include "switchyard/router/wildcard.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "router_test_util.hpp"

namespace switchyard::router::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> captures(std::string_view pattern, std::string_view name) {
  auto m = WildcardPattern(std::string(pattern)).match(name);
  EXPECT_TRUE(m.has_value()) << pattern << " should match " << name;
  std::vector<std::string> out;
  if (m)
    for (std::string_view s : *m) out.emplace_back(s);
  return out;
}

bool matches(std::string_view pattern, std::string_view name) {
  return WildcardPattern(std::string(pattern)).match(name).has_value();
}

// --- WildcardPattern::match ----------------------------------------------------------------------

TEST(WildcardPatternTest, MatchesFromTheStart) {
  EXPECT_THAT(captures("openai/*", "openai/gpt-4o"), ElementsAre("gpt-4o"));
  EXPECT_FALSE(matches("openai/*", "azure/openai/gpt-4o"));
  EXPECT_FALSE(matches("openai/*", "xopenai/gpt-4o"));
  EXPECT_FALSE(matches("openai/*", "openai"));
  EXPECT_THAT(captures("openai/*", "openai/"), ElementsAre(""));
  EXPECT_THAT(captures("*", "anything/at-all"), ElementsAre("anything/at-all"));
  EXPECT_THAT(captures("*", ""), ElementsAre(""));
  EXPECT_EQ(WildcardPattern("openai/*").text(), "openai/*");
}

TEST(WildcardPatternTest, TheEndIsUnanchoredLikeReMatch) {
  // Python's re.match("llm/(.*)\-fast", "llm/a-fast-x") matches: only the start is anchored.
  EXPECT_THAT(captures("llm/*-fast", "llm/a-fast-x"), ElementsAre("a"));
  EXPECT_THAT(captures("a*b", "axbc"), ElementsAre("x"));
  // No '*': a prefix match with no captures.
  auto m = WildcardPattern("openai/gpt-4").match("openai/gpt-4o");
  ASSERT_TRUE(m.has_value());
  EXPECT_THAT(*m, IsEmpty());
}

TEST(WildcardPatternTest, CapturesAreGreedy) {
  EXPECT_THAT(captures("llm/*-fast", "llm/a-fast-b-fast"), ElementsAre("a-fast-b"));
  EXPECT_THAT(captures("a*b", "axbyb"), ElementsAre("xby"));
  EXPECT_THAT(captures("*/*", "openai/gpt/4"), ElementsAre("openai/gpt", "4"));
}

TEST(WildcardPatternTest, SeveralStars) {
  EXPECT_THAT(captures("team-*/*-v*", "team-red/model-v2"), ElementsAre("red", "model", "2"));
  EXPECT_THAT(captures("**", "abc"), ElementsAre("abc", ""));
  EXPECT_FALSE(matches("team-*/*-v*", "team-red/model"));
}

TEST(WildcardPatternTest, NoMatch) {
  EXPECT_FALSE(matches("anthropic/*", "openai/gpt-4o"));
  EXPECT_FALSE(matches("llm/*-fast", "llm/a-slow"));
  EXPECT_FALSE(matches("a*b", "axc"));
  EXPECT_FALSE(matches("openai/gpt-4*", "openai/gpt-3.5"));
}

TEST(WildcardPatternTest, SpecificityOrdering) {
  WildcardPattern gpt4("openai/gpt-4*"), openai("openai/*"), star("*");
  EXPECT_GT(gpt4.specificity(), openai.specificity());
  EXPECT_GT(openai.specificity(), star.specificity());
  EXPECT_GT(gpt4.specificity(), star.specificity());
  // Python: len(re.escape("openai/") + "(.*)") == 11; metacharacters '(', '*', ')'.
  EXPECT_EQ(openai.specificity(), std::make_pair(std::size_t{11}, std::size_t{3}));
  EXPECT_EQ(star.specificity(), std::make_pair(std::size_t{4}, std::size_t{3}));
}

// --- inferProvider -------------------------------------------------------------------------------

TEST(InferProviderTest, KnownFamilies) {
  EXPECT_EQ(inferProvider("gpt-4o"), "openai");
  EXPECT_EQ(inferProvider("o3-mini"), "openai");
  EXPECT_EQ(inferProvider("text-embedding-3-small"), "openai");
  EXPECT_EQ(inferProvider("claude-3-5-sonnet"), "anthropic");
  EXPECT_EQ(inferProvider("gemini-2.0-flash"), "gemini");
  EXPECT_EQ(inferProvider("llama-3"), "");
  EXPECT_EQ(inferProvider(""), "");
}

// --- resolveWildcard -----------------------------------------------------------------------------

config::Deployment loadOne(const std::string& model_name, const std::string& params) {
  config::Config cfg = loadYaml("model_list:\n  - model_name: \"" + model_name +
                                "\"\n    litellm_params: " + params + "\n");
  EXPECT_EQ(cfg.model_list.size(), 1u);
  return cfg.model_list.empty() ? config::Deployment{} : cfg.model_list[0];
}

TEST(ResolveWildcardTest, ProviderWildcard) {
  config::Deployment d = loadOne("openai/*", R"({model: "openai/*", api_key: sk-x})");
  auto r = resolveWildcard(d, "openai/gpt-4o");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->model, "openai/gpt-4o");
  EXPECT_EQ(r->model_id, "gpt-4o");
  EXPECT_EQ(r->provider, "openai");
  EXPECT_FALSE(r->wildcard);
  EXPECT_EQ(r->api_key, "sk-x");
  EXPECT_EQ(r->model_name, "openai/*");
}

TEST(ResolveWildcardTest, BareNameThroughItsInferredProvider) {
  config::Deployment d = loadOne("openai/*", R"({model: "openai/*"})");
  auto r = resolveWildcard(d, "gpt-4o");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->model_id, "gpt-4o");
  EXPECT_EQ(r->provider, "openai");
  EXPECT_EQ(r->model, "openai/gpt-4o");
}

TEST(ResolveWildcardTest, RenamingPattern) {
  config::Deployment d = loadOne("team/*", R"({model: "openai/*"})");
  auto r = resolveWildcard(d, "team/x");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->provider, "openai");
  EXPECT_EQ(r->model_id, "x");
  EXPECT_EQ(r->model, "openai/x");
}

TEST(ResolveWildcardTest, StarTakesTheProviderFromTheRequestedName) {
  config::Deployment d = loadOne("*", R"({model: "*"})");
  auto r = resolveWildcard(d, "anthropic/claude-x");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->model, "anthropic/claude-x");
  EXPECT_EQ(r->provider, "anthropic");
  EXPECT_EQ(r->model_id, "claude-x");
  EXPECT_FALSE(r->infer_provider);
  EXPECT_FALSE(r->wildcard);
}

TEST(ResolveWildcardTest, StarInfersTheProviderOfABareName) {
  config::Deployment d = loadOne("*", R"({model: "*"})");
  auto r = resolveWildcard(d, "claude-3");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->provider, "anthropic");
  EXPECT_EQ(r->model_id, "claude-3");
  EXPECT_FALSE(r->infer_provider);
}

TEST(ResolveWildcardTest, StarWithAnUnknownNameIsA400) {
  config::Deployment d = loadOne("*", R"({model: "*"})");
  auto r = resolveWildcard(d, "mystery");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, api::ErrorKind::kInvalidRequest);
  EXPECT_EQ(r.error().httpStatus(), 400u);
  EXPECT_THAT(r.error().message, HasSubstr("LLM Provider NOT provided"));
  EXPECT_THAT(r.error().message, HasSubstr("mystery"));
}

TEST(ResolveWildcardTest, CustomProviderIsKept) {
  config::Deployment d = loadOne("*", R"({model: "*", custom_llm_provider: openai})");
  auto r = resolveWildcard(d, "my-model");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->provider, "openai");
  EXPECT_EQ(r->model_id, "my-model");
  auto claude = resolveWildcard(d, "claude-3");
  ASSERT_TRUE(claude.has_value()) << claude.error().message;
  EXPECT_EQ(claude->provider, "openai") << "custom_llm_provider wins over inference";
  EXPECT_EQ(claude->model_id, "claude-3");
}

// --- Router lookups ------------------------------------------------------------------------------

constexpr char kWildcards[] = R"(model_list:
  - model_name: "*"
    litellm_params: {model: "*"}
    model_info: {id: any}
  - model_name: "openai/*"
    litellm_params: {model: "openai/*"}
    model_info: {id: openai-any}
  - model_name: "openai/gpt-4*"
    litellm_params: {model: "openai/gpt-4*"}
    model_info: {id: openai-gpt4}
  - model_name: openai/gpt-4o
    litellm_params: {model: openai/gpt-4o}
    model_info: {id: exact}
)";

TEST(RouterWildcardTest, MostSpecificPatternWinsWhateverTheConfigOrder) {
  Env env(loadYaml(kWildcards));
  const Router& r = env.router;
  EXPECT_EQ(r.groupOf("openai/gpt-4-turbo"), "openai/gpt-4*");
  EXPECT_EQ(r.groupOf("openai/o3-mini"), "openai/*");
  EXPECT_EQ(r.groupOf("anthropic/claude-x"), "*");
  EXPECT_EQ(r.groupOf("mystery"), "*");
  Selection s = env.select("openai/gpt-4-turbo");
  ASSERT_TRUE(s);
  EXPECT_EQ(s.deployment->id, "openai-gpt4");
  s = env.select("openai/o3-mini");
  ASSERT_TRUE(s);
  EXPECT_EQ(s.deployment->id, "openai-any");
}

TEST(RouterWildcardTest, ExactNameBeatsWildcard) {
  Env env(loadYaml(kWildcards));
  EXPECT_EQ(env.router.groupOf("openai/gpt-4o"), "openai/gpt-4o");
  Selection s = env.select("openai/gpt-4o");
  ASSERT_TRUE(s);
  EXPECT_EQ(s.deployment->id, "exact");
}

TEST(RouterWildcardTest, KnowsWildcardMatchesButTheyAreNotAliases) {
  Env env(loadYaml(R"(model_list:
  - model_name: gpt-4o-mini
    litellm_params: {model: openai/gpt-4o-mini}
  - model_name: "openai/*"
    litellm_params: {model: "openai/*"}
)"));
  const Router& r = env.router;
  EXPECT_THAT(r.aliases(), ElementsAre("gpt-4o-mini", "openai/*"));
  EXPECT_TRUE(r.hasAlias("openai/*"));
  EXPECT_FALSE(r.hasAlias("openai/gpt-4o"));
  EXPECT_TRUE(r.knows("openai/gpt-4o"));
  EXPECT_EQ(r.groupOf("openai/gpt-4o"), "openai/*");
  // A bare name matches through its inferred provider.
  EXPECT_TRUE(r.knows("gpt-4o"));
  EXPECT_EQ(r.groupOf("gpt-4o"), "openai/*");
  EXPECT_FALSE(r.knows("llama-3"));
  EXPECT_FALSE(r.knows("anthropic/claude-3"));
  EXPECT_EQ(env.select("llama-3").reason, NoPick::kUnknownTarget);
  Selection s = env.select("gpt-4o");
  ASSERT_TRUE(s);
  EXPECT_EQ(s.deployment->model_name, "openai/*");
}

TEST(RouterWildcardTest, NoWildcardsNoMatches) {
  Env env(loadYaml("model_list:\n  - model_name: a\n    litellm_params: {model: openai/a}\n"));
  EXPECT_FALSE(env.router.knows("openai/gpt-4o"));
  EXPECT_FALSE(env.router.knows("gpt-4o"));
}

}  // namespace
}  // namespace switchyard::router::test
