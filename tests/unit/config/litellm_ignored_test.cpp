// Keys LiteLLM accepts and Switchyard does not act on: they load and are listed as ignored with a
// reason (cache types, strategies, callbacks, teams, pass-through endpoints, guardrails).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "switchyard/config/config.hpp"
#include "unit/config/load_helpers.hpp"

namespace switchyard::config {
namespace {

using testing::ignoredOf;
using testing::loadError;
using testing::loadOk;

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

// The ignored entry for `path`; fails the test when there is none.
IgnoredKey ignoredAt(const LoadResult& r, const std::string& path) {
  for (const IgnoredKey& k : r.ignored)
    if (k.path == path) return k;
  ADD_FAILURE() << "not listed as ignored: " << path;
  return {};
}

std::string cacheConfig(const std::string& type) {
  return "litellm_settings:\n  cache: true\n  cache_params:\n    type: " + type + "\n";
}

// --- cache types ---------------------------------------------------------------------------------

TEST(IgnoredKeysTest, RedisSemanticCacheFallsBackToRedis) {
  LoadResult r = loadOk(cacheConfig("redis-semantic"));
  const CacheParams& c = r.config.litellm_settings.cache_params;
  EXPECT_EQ(c.type, "redis");
  EXPECT_EQ(c.requested_type, "redis-semantic");
  IgnoredKey k = ignoredAt(r, "litellm_settings.cache_params.type");
  EXPECT_EQ(k.line, 4);
  EXPECT_THAT(k.reason, HasSubstr("redis-semantic"));
}

TEST(IgnoredKeysTest, UnimplementedCacheTypesFallBackToLocal) {
  for (const char* type : {"s3", "gcs", "disk", "qdrant-semantic"}) {
    SCOPED_TRACE(type);
    LoadResult r = loadOk(cacheConfig(type));
    const CacheParams& c = r.config.litellm_settings.cache_params;
    EXPECT_EQ(c.type, "local");
    EXPECT_EQ(c.requested_type, type);
    EXPECT_THAT(ignoredAt(r, "litellm_settings.cache_params.type").reason, HasSubstr(type));
  }
}

TEST(IgnoredKeysTest, ImplementedCacheTypesKeepNoRequestedType) {
  for (const char* type : {"local", "redis"}) {
    LoadResult r = loadOk(cacheConfig(type));
    EXPECT_EQ(r.config.litellm_settings.cache_params.type, type);
    EXPECT_EQ(r.config.litellm_settings.cache_params.requested_type, "");
  }
}

TEST(IgnoredKeysTest, UnknownCacheTypeIsAnError) {
  std::string msg = loadError(cacheConfig("memcached"));
  EXPECT_THAT(msg, AllOf(HasSubstr("litellm_settings.cache_params.type"),
                         HasSubstr("\"memcached\""), HasSubstr("line 4")));
}

// --- routing strategy ----------------------------------------------------------------------------

TEST(IgnoredKeysTest, ProviderBudgetRoutingFallsBackToSimpleShuffle) {
  LoadResult r = loadOk("router_settings:\n  routing_strategy: provider-budget-routing\n");
  EXPECT_EQ(r.config.router_settings.routing_strategy, "simple-shuffle");
  IgnoredKey k = ignoredAt(r, "router_settings.routing_strategy");
  EXPECT_EQ(k.line, 2);
  EXPECT_THAT(k.reason, HasSubstr("simple-shuffle"));
}

TEST(IgnoredKeysTest, UnknownStrategyIsAnError) {
  std::string msg = loadError("router_settings:\n  routing_strategy: fastest-first\n");
  EXPECT_THAT(msg, AllOf(HasSubstr("router_settings.routing_strategy"),
                         HasSubstr("\"fastest-first\""), HasSubstr("line 2")));
}

// --- LiteLLM keys with reasons, unknown keys -----------------------------------------------------

TEST(IgnoredKeysTest, LitellmKeysAreListedWithTheirReason) {
  LoadResult r = loadOk(R"(model_list:
  - model_name: a
    litellm_params:
      model: openai/gpt-4o
      vertex_project: my-project
litellm_settings:
  success_callback: ["langfuse"]
general_settings:
  alerting: ["slack"]
  not_a_litellm_key: 1
)");
  IgnoredKey vertex = ignoredAt(r, "model_list[0].litellm_params.vertex_project");
  EXPECT_EQ(vertex.line, 5);
  EXPECT_THAT(vertex.reason, HasSubstr("Vertex"));
  IgnoredKey callback = ignoredAt(r, "litellm_settings.success_callback");
  EXPECT_EQ(callback.line, 7);
  EXPECT_THAT(callback.reason, HasSubstr("not implemented"));
  IgnoredKey alerting = ignoredAt(r, "general_settings.alerting");
  EXPECT_EQ(alerting.line, 9);
  EXPECT_THAT(alerting.reason, HasSubstr("alerting"));
  for (const IgnoredKey& k : {vertex, callback, alerting}) {
    EXPECT_NE(k.reason, "unknown key") << k.path;
  }
  IgnoredKey unknown = ignoredAt(r, "general_settings.not_a_litellm_key");
  EXPECT_EQ(unknown.line, 10);
  EXPECT_EQ(unknown.reason, "unknown key");
  // Listed in file order.
  std::vector<std::string> paths;
  for (const IgnoredKey& k : r.ignored) paths.push_back(k.path);
  EXPECT_THAT(paths, ElementsAre("model_list[0].litellm_params.vertex_project",
                                 "litellm_settings.success_callback", "general_settings.alerting",
                                 "general_settings.not_a_litellm_key"));
  // LiteLLM's keys are not warnings; an unknown one (a typo, most often) is one too.
  EXPECT_THAT(r.warnings, ElementsAre("unknown key general_settings.not_a_litellm_key (line 10)"));
}

TEST(IgnoredKeysTest, DescribeFormat) {
  IgnoredKey k{"general_settings.alerting", 12, "not implemented (alerting)"};
  EXPECT_EQ(describe(k), "general_settings.alerting (line 12): not implemented (alerting)");
  LoadResult r = loadOk("general_settings:\n  master_key: sk-1\n  alerting: [slack]\n");
  ASSERT_THAT(r.ignored, SizeIs(1));
  EXPECT_EQ(describe(r.ignored[0]), "general_settings.alerting (line 3): " + r.ignored[0].reason);
}

TEST(IgnoredKeysTest, LogMessagesAreWarningsThenIgnoredLines) {
  LoadResult r = loadOk(R"(general_settings:
  alerting: [slack]
  master_key: sk-a
  master_key: sk-b
  mystery: 1
)");
  ASSERT_THAT(r.warnings, SizeIs(2));  // the duplicate, the unknown key
  ASSERT_THAT(r.ignored, SizeIs(2));
  std::vector<std::string> log = logMessages(r);
  // The unknown key is logged once, as its warning.
  ASSERT_THAT(log, SizeIs(3));
  EXPECT_EQ(log[0], r.warnings[0]);
  EXPECT_EQ(log[1], "unknown key general_settings.mystery (line 5)");
  EXPECT_EQ(log[2], "ignored " + describe(r.ignored[0]));
  for (const std::string& m : log) EXPECT_THAT(m, Not(HasSubstr("sk-a")));
}

// --- kept for later features ---------------------------------------------------------------------

TEST(KeptSettingsTest, TeamsPassThroughAndGuardrailsAreKeptAsJson) {
  LoadResult r = loadOk(R"(litellm_settings:
  default_team_settings:
    - team_id: team-1
      success_callback: ["langfuse"]
general_settings:
  pass_through_endpoints:
    - path: /v1/rerank
      target: https://api.cohere.com/v1/rerank
      headers: {content-type: application/json}
guardrails:
  - guardrail_name: pii
    litellm_params: {guardrail: presidio, mode: pre_call}
)");
  const Config& c = r.config;
  ASSERT_NE(c.litellm_settings.default_team_settings, nullptr);
  EXPECT_EQ(*c.litellm_settings.default_team_settings,
            nlohmann::json::parse(R"([{"team_id": "team-1", "success_callback": ["langfuse"]}])"));
  ASSERT_NE(c.general_settings.pass_through_endpoints, nullptr);
  EXPECT_EQ((*c.general_settings.pass_through_endpoints)[0]["path"], "/v1/rerank");
  EXPECT_EQ((*c.general_settings.pass_through_endpoints)[0]["headers"]["content-type"],
            "application/json");
  ASSERT_NE(c.guardrails, nullptr);
  ASSERT_TRUE(c.guardrails->is_array());
  EXPECT_EQ((*c.guardrails)[0]["guardrail_name"], "pii");
  EXPECT_EQ((*c.guardrails)[0]["litellm_params"]["mode"], "pre_call");

  IgnoredKey teams = ignoredAt(r, "litellm_settings.default_team_settings");
  EXPECT_EQ(teams.line, 2);
  EXPECT_THAT(teams.reason, HasSubstr("not implemented yet (teams)"));
  IgnoredKey pass = ignoredAt(r, "general_settings.pass_through_endpoints");
  EXPECT_EQ(pass.line, 6);
  EXPECT_THAT(pass.reason, HasSubstr("(pass-through endpoints)"));
  IgnoredKey guard = ignoredAt(r, "guardrails");
  EXPECT_EQ(guard.line, 10);
  EXPECT_THAT(guard.reason, HasSubstr("(guardrails)"));
}

TEST(KeptSettingsTest, AbsentMeansNull) {
  LoadResult r = loadOk("model_list: []\n");
  EXPECT_EQ(r.config.litellm_settings.default_team_settings, nullptr);
  EXPECT_EQ(r.config.general_settings.pass_through_endpoints, nullptr);
  EXPECT_EQ(r.config.guardrails, nullptr);
}

TEST(KeptSettingsTest, NonListValuesAreErrors) {
  CheckResult c = checkConfigText(R"(litellm_settings:
  default_team_settings: {team_id: t}
general_settings:
  pass_through_endpoints: /v1/rerank
guardrails: 42
)");
  ASSERT_THAT(c.errors, SizeIs(3));
  EXPECT_THAT(c.errors[0], AllOf(HasSubstr("litellm_settings.default_team_settings"),
                                 HasSubstr("expected a list"), HasSubstr("line 2")));
  EXPECT_THAT(c.errors[1], AllOf(HasSubstr("general_settings.pass_through_endpoints"),
                                 HasSubstr("expected a list"), HasSubstr("line 4")));
  EXPECT_THAT(c.errors[2],
              AllOf(HasSubstr("guardrails"), HasSubstr("expected a list"), HasSubstr("line 5")));
}

TEST(KeptSettingsTest, ListItemsMustBeMappings) {
  std::string msg = loadError("guardrails:\n  - pii\n");
  EXPECT_THAT(msg, HasSubstr("guardrails[0]: expected a mapping"));
}

}  // namespace
}  // namespace switchyard::config
