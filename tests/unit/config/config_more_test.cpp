// config.yaml loading, part 2: fallback lists, the provider split, deployment ids, YAML
// features, secrets in messages, files, router_settings' strategy arguments.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "switchyard/config/config.hpp"
#include "unit/config/load_helpers.hpp"

namespace switchyard::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::deployment;
using testing::ignoredOf;
using ::testing::IsEmpty;
using testing::loadError;
using testing::loadOk;
using ::testing::Not;
using testing::ScopedEnv;

// --- fallbacks
// --------------------------------------------------------------------------------------

TEST(ConfigTest, FallbacksInFlowAndBlockStyle) {
  LoadResult r = loadOk(R"yaml(router_settings:
  fallbacks:
    - {"gpt-4o": ["claude-sonnet", "gemini-pro"]}
    - claude-sonnet: [gpt-4o]
    - gemini-pro:
        - gpt-4o
        - claude-sonnet
    - {"a": ["b"], "c": ["d", "e"]}
    - single: only-one
)yaml");
  const auto& f = r.config.router_settings.fallbacks;
  ASSERT_EQ(f.size(), 6u);
  EXPECT_EQ(f[0].model, "gpt-4o");
  EXPECT_THAT(f[0].fallbacks, ElementsAre("claude-sonnet", "gemini-pro"));
  EXPECT_EQ(f[1].model, "claude-sonnet");
  EXPECT_THAT(f[1].fallbacks, ElementsAre("gpt-4o"));
  EXPECT_EQ(f[2].model, "gemini-pro");
  EXPECT_THAT(f[2].fallbacks, ElementsAre("gpt-4o", "claude-sonnet"));
  EXPECT_EQ(f[3].model, "a");
  EXPECT_THAT(f[3].fallbacks, ElementsAre("b"));
  EXPECT_EQ(f[4].model, "c");
  EXPECT_THAT(f[4].fallbacks, ElementsAre("d", "e"));
  EXPECT_EQ(f[5].model, "single");
  EXPECT_THAT(f[5].fallbacks, ElementsAre("only-one"));
}

TEST(ConfigTest, EmptyFallbackListIsAllowed) {
  LoadResult r = loadOk("router_settings:\n  fallbacks: []\n");
  EXPECT_TRUE(r.config.router_settings.fallbacks.empty());
}

// --- provider split
// ---------------------------------------------------------------------------------

Deployment loadModel(const std::string& params) {
  LoadResult r = loadOk("model_list:\n  - model_name: m\n    litellm_params:\n" + params);
  return r.config.model_list.empty() ? Deployment{} : r.config.model_list[0];
}

TEST(ConfigTest, SplitsProviderAtTheFirstSlash) {
  Deployment nested = loadModel("      model: openrouter/anthropic/claude-3\n");
  EXPECT_EQ(nested.provider, "openrouter");
  EXPECT_EQ(nested.model_id, "anthropic/claude-3");

  Deployment upper = loadModel("      model: Anthropic/Claude-X\n");
  EXPECT_EQ(upper.provider, "anthropic");
  EXPECT_EQ(upper.model_id, "Claude-X");
  EXPECT_EQ(upper.model, "Anthropic/Claude-X");

  Deployment bare = loadModel("      model: gpt-4o\n");
  EXPECT_EQ(bare.provider, "openai");
  EXPECT_EQ(bare.model_id, "gpt-4o");

  Deployment custom = loadModel("      model: my-model\n      custom_llm_provider: OpenAI\n");
  EXPECT_EQ(custom.provider, "openai");
  EXPECT_EQ(custom.model_id, "my-model");

  Deployment custom_prefixed =
      loadModel("      model: openai/my/model\n      custom_llm_provider: openai\n");
  EXPECT_EQ(custom_prefixed.provider, "openai");
  EXPECT_EQ(custom_prefixed.model_id, "my/model");

  EXPECT_EQ(loadError("model_list:\n  - model_name: m\n    litellm_params:\n      model: /gpt\n"),
            "model_list[0].litellm_params.model: expected \"provider/model-id\", got \"/gpt\" "
            "(line 4)");
  EXPECT_EQ(
      loadError("model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/\n"),
      "model_list[0].litellm_params.model: expected \"provider/model-id\", got \"openai/\" "
      "(line 4)");
}

// --- ids
// --------------------------------------------------------------------------------------------

constexpr char kTwoModels[] = R"yaml(model_list:
  - model_name: a
    litellm_params:
      model: openai/gpt-4o
  - model_name: a
    litellm_params:
      model: openai/gpt-4o
      api_base: https://other.example
  - model_name: a
    litellm_params:
      model: openai/gpt-4o
  - model_name: b
    litellm_params:
      model: openai/gpt-4o
    model_info:
      id: fixed
)yaml";

TEST(ConfigTest, DeploymentIdsAreStableAndUnique) {
  LoadResult first = loadOk(kTwoModels);
  LoadResult second = loadOk(kTwoModels);
  ASSERT_EQ(first.config.model_list.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(first.config.model_list[i].id, second.config.model_list[i].id);
  }
  const auto& l = first.config.model_list;
  EXPECT_EQ(l[0].id.size(), 16u);
  EXPECT_NE(l[0].id, l[1].id);         // api_base differs
  EXPECT_EQ(l[2].id, l[0].id + "-2");  // identical entry: disambiguated
  EXPECT_EQ(l[3].id, "fixed");

  // The hash does not depend on the api_key (a secret) nor on unrelated edits.
  Deployment with_key = loadModel("      model: openai/gpt-4o\n      api_key: sk-1\n");
  Deployment other_key =
      loadModel("      model: openai/gpt-4o\n      api_key: sk-2\n      rpm: 5\n");
  EXPECT_EQ(with_key.id, other_key.id);
}

TEST(ConfigTest, DuplicateExplicitIdIsAnError) {
  EXPECT_EQ(loadError(R"yaml(model_list:
  - model_name: a
    litellm_params: {model: openai/x}
    model_info: {id: same}
  - model_name: b
    litellm_params: {model: openai/y}
    model_info:
      id: same
)yaml"),
            "model_list[1].model_info.id: duplicate id \"same\" (also model_list[0]) (line 8)");
}

// --- YAML features
// ----------------------------------------------------------------------------------

TEST(ConfigTest, MergeKeysAndAnchors) {
  LoadResult r = loadOk(R"yaml(x-defaults: &defaults
  api_key: sk-shared
  rpm: 10
  timeout: 30
model_list:
  - model_name: a
    litellm_params:
      <<: *defaults
      model: openai/gpt-4o
      rpm: 20
)yaml");
  EXPECT_THAT(ignoredOf(r), ElementsAre("x-defaults (line 1): unknown key"));
  const Deployment& d = r.config.model_list.at(0);
  EXPECT_EQ(d.api_key, "sk-shared");
  EXPECT_EQ(d.rpm, 20u);  // the explicit key wins
  EXPECT_EQ(d.timeout_s, 30);
}

// --- secrets
// ----------------------------------------------------------------------------------------

TEST(ConfigTest, SecretsNeverAppearInMessages) {
  const std::string secret = "sk-very-secret-123";
  ScopedEnv env("SY_TEST_SECRET", secret.c_str());
  const std::vector<std::string> bad = {
      deployment("      api_key: [" + secret + "]\n"),
      deployment("      api_key: {" + secret + ": 1}\n"),
      deployment("      rpm: os.environ/SY_TEST_SECRET\n"),
      deployment("      timeout: os.environ/SY_TEST_SECRET\n"),
      "general_settings:\n  master_key: [" + secret + "]\n",
      "general_settings:\n  max_connections: " + secret + "\n",
      "router_settings:\n  redis_password: {a: " + secret + "}\n",
      "litellm_settings:\n  cache_params:\n    password: [" + secret + "]\n",
      "litellm_settings:\n  cache: os.environ/SY_TEST_SECRET\n",
  };
  for (const std::string& yaml : bad) {
    api::Result<LoadResult> r = loadConfigText(yaml, "test.yaml");
    ASSERT_FALSE(r.has_value()) << yaml;
    EXPECT_THAT(r.error().message, Not(HasSubstr(secret))) << yaml;
    EXPECT_THAT(r.error().detail, Not(HasSubstr(secret))) << yaml;
  }
  LoadResult ok =
      loadOk(deployment("      api_key: " + secret + "\n      unknown_thing: " + secret +
                        "\ngeneral_settings:\n  master_key: " + secret + "\n"));
  for (const std::string& w : ok.warnings) EXPECT_THAT(w, Not(HasSubstr(secret)));
}

// --- files
// ------------------------------------------------------------------------------------------

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("sy_config_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::filesystem::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::filesystem::path dir_;
};

TEST_F(ConfigFileTest, LoadsAFileAndRecordsItsPath) {
  std::string path = write("config.yaml",
                           "model_list:\n  - model_name: m\n    litellm_params:\n"
                           "      model: mock/echo\n");
  api::Result<LoadResult> r = loadConfigFile(path);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->config.source_path, path);
  EXPECT_EQ(r->config.model_list.at(0).provider, "mock");
}

TEST_F(ConfigFileTest, UnreadableFileNamesThePath) {
  std::string missing = (dir_ / "nope.yaml").string();
  api::Result<LoadResult> r = loadConfigFile(missing);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, api::ErrorKind::kInvalidRequest);
  EXPECT_THAT(r.error().message, HasSubstr(missing));
  EXPECT_THAT(r.error().message, HasSubstr("No such file"));

  api::Result<LoadResult> d = loadConfigFile(dir_.string());
  ASSERT_FALSE(d.has_value());
  EXPECT_THAT(d.error().message, HasSubstr(dir_.string()));
}

TEST_F(ConfigFileTest, SyntaxErrorNamesTheFileAndLine) {
  std::string path =
      write("bad.yaml", "model_list:\n  - model_name: m\n    litellm_params: {model: [a\n");
  api::Result<LoadResult> r = loadConfigFile(path);
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message, HasSubstr(path + ": YAML syntax error"));
  EXPECT_THAT(r.error().message, HasSubstr("(line "));
}

}  // namespace
}  // namespace switchyard::config

namespace switchyard::config {
namespace {

TEST(ConfigRouterTest, RoutingStrategyArgsAndDisableCooldowns) {
  LoadResult r = loadOk(R"yaml(
model_list: []
router_settings:
  routing_strategy: latency-based-routing
  routing_strategy_args: {lowest_latency_buffer: 0.5, ttl: 2m}
  disable_cooldowns: true
)yaml");
  EXPECT_THAT(r.warnings, IsEmpty());
  const RouterSettings& s = r.config.router_settings;
  EXPECT_EQ(s.routing_strategy, "latency-based-routing");
  ASSERT_TRUE(s.lowest_latency_buffer.has_value());
  EXPECT_DOUBLE_EQ(*s.lowest_latency_buffer, 0.5);
  ASSERT_TRUE(s.latency_ttl_s.has_value());
  EXPECT_DOUBLE_EQ(*s.latency_ttl_s, 120);
  EXPECT_TRUE(s.disable_cooldowns);
}

TEST(ConfigRouterTest, RoutingStrategyArgsErrorsNameThePath) {
  EXPECT_THAT(loadError("router_settings:\n  routing_strategy_args: {lowest_latency_buffer: -1}\n"),
              HasSubstr("router_settings.routing_strategy_args.lowest_latency_buffer"));
  LoadResult r = loadOk("router_settings:\n  routing_strategy_args: {frobnicate: 1}\n");
  ASSERT_EQ(r.ignored.size(), 1u);
  EXPECT_EQ(r.ignored[0].path, "router_settings.routing_strategy_args.frobnicate");
}

}  // namespace
}  // namespace switchyard::config

namespace switchyard::config {
namespace {

// general_settings.alerting: ["webhook"] sends budget alerts to WEBHOOK_URL (LiteLLM's variable),
// here from the config's environment_variables; alert_types can turn them off.
TEST(ConfigAlertingTest, WebhookAlertingReadsWebhookUrl) {
  const std::string env = "environment_variables:\n  WEBHOOK_URL: http://127.0.0.1:9/hook\n";
  LoadResult on = testing::loadOk(env + "general_settings:\n  alerting: [\"webhook\"]\n");
  EXPECT_EQ(on.config.general_settings.budget_alert_webhook, "http://127.0.0.1:9/hook");
  EXPECT_TRUE(on.ignored.empty());

  LoadResult typed = testing::loadOk(
      env + "general_settings:\n  alerting: [webhook, slack]\n  alert_types: [budget_alerts]\n");
  EXPECT_EQ(typed.config.general_settings.budget_alert_webhook, "http://127.0.0.1:9/hook");
  ASSERT_EQ(typed.ignored.size(), 1u);  // slack: listed as not acted on
  EXPECT_EQ(typed.ignored[0].path, "general_settings.alerting");

  LoadResult other_types = testing::loadOk(
      env + "general_settings:\n  alerting: [webhook]\n  alert_types: [llm_exceptions]\n");
  EXPECT_TRUE(other_types.config.general_settings.budget_alert_webhook.empty());

  LoadResult no_webhook = testing::loadOk(env + "general_settings:\n  alerting: [slack]\n");
  EXPECT_TRUE(no_webhook.config.general_settings.budget_alert_webhook.empty());

  ::unsetenv("WEBHOOK_URL");  // this test's process alone (ctest runs each test by itself)
  LoadResult no_url = testing::loadOk("general_settings:\n  alerting: [webhook]\n");
  EXPECT_TRUE(no_url.config.general_settings.budget_alert_webhook.empty());
  ASSERT_EQ(no_url.warnings.size(), 1u);
  EXPECT_NE(no_url.warnings[0].find("WEBHOOK_URL"), std::string::npos) << no_url.warnings[0];
}

}  // namespace
}  // namespace switchyard::config

namespace switchyard::config {
namespace {

// A duration beyond 1e9 s (or infinite) is refused: it would not fit in 64-bit milliseconds or
// nanoseconds where the gateway converts it (undefined behaviour).
TEST(ConfigDurationTest, AbsurdDurationsAreRefused) {
  EXPECT_FALSE(testing::loadError("litellm_settings:\n  request_timeout: .inf\n").empty());
  for (const char* v : {"1e300", "1000000001"}) {
    std::string err =
        testing::loadError(std::string("litellm_settings:\n  request_timeout: ") + v + "\n");
    EXPECT_NE(err.find("at most 1e9 seconds"), std::string::npos) << v << ": " << err;
  }
  LoadResult ok = testing::loadOk("litellm_settings:\n  request_timeout: 1e9\n");
  EXPECT_TRUE(ok.warnings.empty());
}

}  // namespace
}  // namespace switchyard::config
