#include "switchyard/config/config.hpp"
#include "unit/config/load_helpers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace switchyard::config {
namespace {

using testing::deployment;
using testing::ignoredOf;
using testing::loadError;
using testing::loadOk;
using testing::ScopedEnv;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kSeed[] = R"yaml(model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
  - model_name: claude-sonnet
    litellm_params:
      model: anthropic/claude-sonnet-4-5
      api_key: os.environ/ANTHROPIC_API_KEY
  - model_name: gemini-pro
    litellm_params:
      model: gemini/gemini-2.5-pro
      api_key: os.environ/GEMINI_API_KEY
router_settings:
  routing_strategy: least-busy
  fallbacks:
    - {"gpt-4o": ["claude-sonnet", "gemini-pro"]}
litellm_settings:
  cache: true
  cache_params:
    type: redis
    host: localhost
    port: 6379
    socket_timeout: 0.08
)yaml";

// --- the seed config
// -------------------------------------------------------------------------------

TEST(ConfigTest, SeedConfigLoadsWithoutWarnings) {
  ScopedEnv openai("OPENAI_API_KEY", "sk-openai-test");
  ScopedEnv anthropic("ANTHROPIC_API_KEY", "sk-ant-test");
  ScopedEnv gemini("GEMINI_API_KEY", "gem-test");
  LoadResult r = loadOk(kSeed);
  EXPECT_THAT(r.warnings, IsEmpty());
  const Config& c = r.config;
  ASSERT_EQ(c.model_list.size(), 3u);
  EXPECT_EQ(c.model_list[0].model_name, "gpt-4o");
  EXPECT_EQ(c.model_list[0].model, "openai/gpt-4o");
  EXPECT_EQ(c.model_list[0].provider, "openai");
  EXPECT_EQ(c.model_list[0].model_id, "gpt-4o");
  EXPECT_EQ(c.model_list[0].api_key, "sk-openai-test");
  EXPECT_EQ(c.model_list[1].provider, "anthropic");
  EXPECT_EQ(c.model_list[1].model_id, "claude-sonnet-4-5");
  EXPECT_EQ(c.model_list[1].api_key, "sk-ant-test");
  EXPECT_EQ(c.model_list[2].provider, "gemini");
  EXPECT_EQ(c.model_list[2].model_id, "gemini-2.5-pro");
  EXPECT_EQ(c.model_list[2].api_key, "gem-test");
  for (const Deployment& d : c.model_list) {
    EXPECT_FALSE(d.id.empty());
    EXPECT_TRUE(d.api_base.empty());
    EXPECT_FALSE(d.rpm.has_value());
  }
  EXPECT_NE(c.model_list[0].id, c.model_list[1].id);
  EXPECT_EQ(c.router_settings.routing_strategy, "least-busy");
  ASSERT_EQ(c.router_settings.fallbacks.size(), 1u);
  EXPECT_EQ(c.router_settings.fallbacks[0].model, "gpt-4o");
  EXPECT_THAT(c.router_settings.fallbacks[0].fallbacks, ElementsAre("claude-sonnet", "gemini-pro"));
  EXPECT_TRUE(c.litellm_settings.cache);
  EXPECT_EQ(c.litellm_settings.cache_params.type, "redis");
  EXPECT_EQ(c.litellm_settings.cache_params.host, "localhost");
  EXPECT_EQ(c.litellm_settings.cache_params.port, 6379);
  EXPECT_EQ(c.litellm_settings.cache_params.socket_timeout_s, 0.08);
  EXPECT_TRUE(c.source_path.empty());
}

TEST(ConfigTest, DefaultsWhenSectionsAreAbsentOrEmpty) {
  ScopedEnv master("LITELLM_MASTER_KEY", nullptr);
  ScopedEnv db("DATABASE_URL", nullptr);
  LoadResult r = loadOk("model_list:\nrouter_settings:\nlitellm_settings:\ngeneral_settings:\n");
  EXPECT_THAT(r.warnings, IsEmpty());
  const Config& c = r.config;
  EXPECT_TRUE(c.model_list.empty());
  EXPECT_EQ(c.router_settings.routing_strategy, "simple-shuffle");
  EXPECT_FALSE(c.router_settings.num_retries.has_value());
  EXPECT_FALSE(c.litellm_settings.cache);
  EXPECT_EQ(c.litellm_settings.cache_params.type, "local");
  EXPECT_TRUE(c.litellm_settings.ssl_verify);
  EXPECT_TRUE(c.general_settings.master_key.empty());
  EXPECT_TRUE(c.general_settings.database_url.empty());
  EXPECT_EQ(c.general_settings.max_request_size_mb, 10);
  EXPECT_EQ(c.general_settings.request_header_timeout_s, 10);
  EXPECT_EQ(c.general_settings.max_connections, 10000u);
}

// --- os.environ/ ---------------------------------------------------------------------------------

TEST(ConfigTest, ResolvesEnvironmentReferencesEverywhere) {
  ScopedEnv key("SY_TEST_KEY", "sk-from-env");
  ScopedEnv base("SY_TEST_BASE", "https://example.test/v1");
  ScopedEnv rpm("SY_TEST_RPM", "120");
  ScopedEnv master("SY_TEST_MASTER", "sk-master");
  ScopedEnv redis("SY_TEST_REDIS_PW", "hunter2");
  ScopedEnv header("SY_TEST_HEADER", "h-value");
  LoadResult r = loadOk(R"yaml(model_list:
  - model_name: m
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/SY_TEST_KEY
      api_base: os.environ/SY_TEST_BASE
      rpm: os.environ/SY_TEST_RPM
      extra_headers:
        X-Custom: os.environ/SY_TEST_HEADER
router_settings:
  redis_password: os.environ/SY_TEST_REDIS_PW
litellm_settings:
  cache_params:
    password: os.environ/SY_TEST_REDIS_PW
general_settings:
  master_key: os.environ/SY_TEST_MASTER
  database_url: os.environ/SY_TEST_BASE
)yaml");
  const Deployment& d = r.config.model_list.at(0);
  EXPECT_EQ(d.api_key, "sk-from-env");
  EXPECT_EQ(d.api_base, "https://example.test/v1");
  EXPECT_EQ(d.rpm, 120u);
  EXPECT_EQ(d.headers.at("X-Custom"), "h-value");
  EXPECT_EQ(r.config.router_settings.redis_password, "hunter2");
  EXPECT_EQ(r.config.litellm_settings.cache_params.password, "hunter2");
  EXPECT_EQ(r.config.general_settings.master_key, "sk-master");
  EXPECT_EQ(r.config.general_settings.database_url, "https://example.test/v1");
}

TEST(ConfigTest, EnvironmentVariablesSectionWinsOverProcessEnvironment) {
  ScopedEnv key("SY_TEST_KEY", "from-process");
  LoadResult r = loadOk(R"yaml(model_list:
  - model_name: m
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/SY_TEST_KEY
      api_base: os.environ/SY_ONLY_IN_CONFIG
environment_variables:
  SY_TEST_KEY: from-config
  SY_ONLY_IN_CONFIG: "http://localhost:8080"
)yaml");
  EXPECT_THAT(r.warnings, IsEmpty());
  EXPECT_EQ(r.config.model_list.at(0).api_key, "from-config");
  EXPECT_EQ(r.config.model_list.at(0).api_base, "http://localhost:8080");
  EXPECT_EQ(r.config.environment_variables.at("SY_ONLY_IN_CONFIG"), "http://localhost:8080");
}

TEST(ConfigTest, MissingEnvironmentVariableIsAnErrorNamingPathAndLine) {
  ScopedEnv unset("SY_TEST_UNSET", nullptr);
  EXPECT_EQ(loadError(R"yaml(model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/SY_TEST_UNSET
)yaml"),
            "model_list[0].litellm_params.api_key: environment variable SY_TEST_UNSET is not set "
            "(line 5)");
  EXPECT_EQ(loadError("general_settings:\n  master_key: os.environ/SY_TEST_UNSET\n"),
            "general_settings.master_key: environment variable SY_TEST_UNSET is not set (line 2)");
  EXPECT_THAT(loadError("router_settings:\n  redis_host: os.environ/\n"),
              HasSubstr("router_settings.redis_host: os.environ/ needs a variable name (line 2)"));
}

TEST(ConfigTest, EmptyEnvironmentVariableCountsAsSet) {
  ScopedEnv empty("SY_TEST_EMPTY", "");
  LoadResult r = loadOk(
      "model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/x\n"
      "      api_key: os.environ/SY_TEST_EMPTY\n");
  EXPECT_EQ(r.config.model_list.at(0).api_key, "");
}

TEST(ConfigTest, MasterKeyAndDatabaseUrlFallBackToEnvironment) {
  ScopedEnv master("LITELLM_MASTER_KEY", "sk-env-master");
  ScopedEnv db("DATABASE_URL", "postgres://env");
  LoadResult from_env = loadOk("general_settings:\n  disable_spend_logs: true\n");
  EXPECT_EQ(from_env.config.general_settings.master_key, "sk-env-master");
  EXPECT_EQ(from_env.config.general_settings.database_url, "postgres://env");

  LoadResult from_file =
      loadOk("general_settings:\n  master_key: sk-file\n  database_url: postgres://file\n");
  EXPECT_EQ(from_file.config.general_settings.master_key, "sk-file");
  EXPECT_EQ(from_file.config.general_settings.database_url, "postgres://file");

  LoadResult from_section = loadOk("environment_variables:\n  LITELLM_MASTER_KEY: sk-section\n");
  EXPECT_EQ(from_section.config.general_settings.master_key, "sk-section");
}

// --- unknown keys
// ---------------------------------------------------------------------------------

TEST(ConfigTest, UnknownKeysWarnOncEachWithPathAndLine) {
  LoadResult r = loadOk(R"yaml(model_list:
  - model_name: m
    extra: 1
    litellm_params:
      model: openai/gpt-4o
      temperature: 0.2
    model_info:
      fancy: yes
router_settings:
  what: 1
litellm_settings:
  telemetry: false
  cache_params:
    similarity_threshold: 0.8
general_settings:
  foo: bar
vector_store_registry:
  - other
)yaml");
  EXPECT_THAT(r.warnings, ElementsAre("unknown key model_list[0].extra (line 3)",
                                      "unknown key router_settings.what (line 10)",
                                      "unknown key litellm_settings.telemetry (line 12)",
                                      "unknown key general_settings.foo (line 16)"));
  // litellm_params.temperature is a default request parameter now (not unknown); model_info is
  // free-form in LiteLLM (metadata), cache settings of other cache types are LiteLLM's.
  EXPECT_THAT(ignoredOf(r),
              ElementsAre("model_list[0].extra (line 3): unknown key",
                          "model_list[0].model_info.fancy (line 8): model metadata Switchyard "
                          "does not use",
                          "router_settings.what (line 10): unknown key",
                          "litellm_settings.telemetry (line 12): unknown key",
                          "litellm_settings.cache_params.similarity_threshold (line 14): cache "
                          "setting not implemented",
                          "general_settings.foo (line 16): unknown key",
                          "vector_store_registry (line 17): not implemented (vector stores)"));
  EXPECT_EQ(r.config.model_list.at(0).model_id, "gpt-4o");
}

TEST(ConfigTest, LitellmKeysAcceptedWithoutWarning) {
  LoadResult r = loadOk(R"yaml(model_list:
  - model_name: m
    litellm_params:
      model: vertex_ai/gemini-pro
      organization: org-1
      region_name: us-east-1
      aws_region_name: us-east-1
      vertex_project: p
      vertex_location: us-central1
      drop_params: true
      use_in_pass_through: false
      stream_timeout: 30
    model_info:
      supports_function_calling: true
      supports_vision: false
      supports_response_schema: true
      description: a model
      access_groups: [beta]
      tier: paid
litellm_settings:
  success_callback: ["langfuse"]
  failure_callback: ["langfuse"]
  set_verbose: true
general_settings:
  alerting: ["slack"]
  proxy_batch_write_at: 60
  database_connection_pool_limit: 10
  store_model_in_db: true
  ui_access_mode: admin_only
  allow_requests_on_db_unavailable: true
)yaml");
  EXPECT_THAT(r.warnings, IsEmpty());
  EXPECT_EQ(r.config.model_list.at(0).stream_timeout_s, 30);
}

TEST(ConfigTest, DuplicateKeyWarnsAndLastWins) {
  LoadResult r = loadOk("router_settings:\n  num_retries: 1\n  num_retries: 3\n");
  EXPECT_THAT(r.warnings,
              ElementsAre("duplicate key router_settings.num_retries (line 3): the last one wins"));
  EXPECT_EQ(r.config.router_settings.num_retries, 3);
}

// --- wrong types and values
// -------------------------------------------------------------------------

struct BadCase {
  const char* yaml;
  const char* message;
};

TEST(ConfigTest, WrongTypesNamePathAndLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {deployment("      rpm: abc\n"),
       "model_list[0].litellm_params.rpm: expected an integer (line 5)"},
      {deployment("      rpm: 1.5\n"),
       "model_list[0].litellm_params.rpm: expected an integer (line 5)"},
      {deployment("      tpm: -1\n"), "model_list[0].litellm_params.tpm: must be >= 0 (line 5)"},
      {deployment("      tpm: [1]\n"),
       "model_list[0].litellm_params.tpm: expected an integer (line 5)"},
      {deployment("      rpm: 99999999999999999999999\n"),
       "model_list[0].litellm_params.rpm: is out of range (line 5)"},
      {deployment("      weight: -1\n"),
       "model_list[0].litellm_params.weight: must be >= 0 (line 5)"},
      {deployment("      weight: heavy\n"),
       "model_list[0].litellm_params.weight: expected a number (line 5)"},
      {deployment("      timeout: 0\n"),
       "model_list[0].litellm_params.timeout: must be > 0 (line 5)"},
      {deployment("      timeout: -5\n"),
       "model_list[0].litellm_params.timeout: must be > 0 (line 5)"},
      {deployment("      timeout: soon\n"),
       "model_list[0].litellm_params.timeout: expected a number of seconds or a duration such as "
       "\"30s\", \"5m\", \"1h\" (line 5)"},
      {deployment("      max_parallel_requests: 0\n"),
       "model_list[0].litellm_params.max_parallel_requests: must be >= 1 (line 5)"},
      {deployment("      input_cost_per_token: -0.1\n"),
       "model_list[0].litellm_params.input_cost_per_token: must be >= 0 (line 5)"},
      {deployment("      api_base: {a: b}\n"),
       "model_list[0].litellm_params.api_base: expected a string (line 5)"},
      {deployment("      extra_headers: [a]\n"),
       "model_list[0].litellm_params.extra_headers: expected a mapping (line 5)"},
      {deployment("    model_info:\n      output_cost_per_token: -1\n"),
       "model_list[0].model_info.output_cost_per_token: must be >= 0 (line 6)"},
      {deployment("    model_info:\n      max_tokens: lots\n"),
       "model_list[0].model_info.max_tokens: expected an integer (line 6)"},
      {"model_list: {a: b}\n", "model_list: expected a list of deployments (line 1)"},
      {"model_list:\n  - just-a-string\n",
       "model_list[0]: expected a mapping with model_name and litellm_params (line 2)"},
      {"model_list:\n  - litellm_params:\n      model: openai/x\n",
       "model_list[0].model_name: is required (line 2)"},
      {"model_list:\n  - model_name: m\n    litellm_params:\n      api_key: k\n",
       "model_list[0].litellm_params.model: is required (line 4)"},
      {"model_list:\n  - model_name: m\n",
       "model_list[0].litellm_params.model: is required (line 2)"},
      {"model_list:\n  - model_name: m\n    litellm_params: [1]\n",
       "model_list[0].litellm_params: expected a mapping (line 3)"},
      {"router_settings:\n  routing_strategy: round-robin\n",
       "router_settings.routing_strategy: unknown strategy \"round-robin\"; expected one of "
       "simple-shuffle, least-busy, latency-based-routing, cost-based-routing, "
       "usage-based-routing, usage-based-routing-v2 (line 2)"},
      {"router_settings:\n  redis_port: 70000\n",
       "router_settings.redis_port: must be <= 65535 (line 2)"},
      {"router_settings:\n  enable_pre_call_checks: maybe\n",
       "router_settings.enable_pre_call_checks: expected true or false (line 2)"},
      {"router_settings:\n  fallbacks: {gpt-4o: [a]}\n",
       "router_settings.fallbacks: expected a list like [{\"gpt-4o\": [\"claude-sonnet\"]}] (line "
       "2)"},
      {"router_settings:\n  fallbacks:\n    - gpt-4o\n",
       "router_settings.fallbacks[0]: expected a mapping like {\"gpt-4o\": [\"claude-sonnet\"]} "
       "(line 3)"},
      {"router_settings:\n  fallbacks:\n    - gpt-4o: [a, {b: c}]\n",
       "router_settings.fallbacks[0].gpt-4o[1]: expected a string (line 3)"},
      {"router_settings:\n  default_fallbacks: {a: b}\n",
       "router_settings.default_fallbacks: expected a list of strings (line 2)"},
      {"router_settings: [1, 2]\n", "router_settings: expected a mapping (line 1)"},
      {"litellm_settings:\n  cache: sometimes\n",
       "litellm_settings.cache: expected true or false (line 2)"},
      {"litellm_settings:\n  cache_params:\n    type: memcached\n",
       "litellm_settings.cache_params.type: unknown cache type \"memcached\"; expected local, "
       "redis, redis-semantic, qdrant-semantic, s3, gcs, disk (line 3)"},
      {"litellm_settings:\n  cache_params:\n    mode: sometimes\n",
       "litellm_settings.cache_params.mode: unknown mode \"sometimes\"; expected default_on or "
       "default_off (line 3)"},
      {"litellm_settings:\n  cache_params:\n    port: 0\n",
       "litellm_settings.cache_params.port: must be >= 1 (line 3)"},
      {"litellm_settings:\n  cache_params:\n    ttl: 0\n",
       "litellm_settings.cache_params.ttl: must be > 0 (line 3)"},
      {"litellm_settings:\n  callbacks: {a: b}\n",
       "litellm_settings.callbacks: expected a list of strings (line 2)"},
      {"litellm_settings:\n  ssl_verify: \"\"\n",
       "litellm_settings.ssl_verify: expected true, false or the path of a CA bundle (line 2)"},
      {"general_settings:\n  max_request_size_mb: 0\n",
       "general_settings.max_request_size_mb: must be > 0 (line 2)"},
      {"general_settings:\n  max_connections: 0\n",
       "general_settings.max_connections: must be >= 1 (line 2)"},
      {"general_settings:\n  max_header_size_kb: 5000000000\n",
       "general_settings.max_header_size_kb: must be <= 4294967295 (line 2)"},
      {"general_settings:\n  request_header_timeout: 0s\n",
       "general_settings.request_header_timeout: must be > 0 (line 2)"},
      {"general_settings:\n  drain_timeout: -1\n",
       "general_settings.drain_timeout: must be >= 0 (line 2)"},
      {"general_settings:\n  store_buffer_rows: 0\n",
       "general_settings.store_buffer_rows: must be >= 1 (line 2)"},
      {"general_settings:\n  responses_retention: -1\n",
       "general_settings.responses_retention: must be >= 0 (line 2)"},
      {"general_settings:\n  disable_spend_logs: [true]\n",
       "general_settings.disable_spend_logs: expected true or false (line 2)"},
      {"environment_variables:\n  A: [1]\n", "environment_variables.A: expected a string (line 2)"},
  };
  for (const auto& [yaml, message] : cases) {
    EXPECT_EQ(loadError(yaml), message) << yaml;
  }
}

TEST(ConfigTest, DocumentLevelErrors) {
  EXPECT_EQ(loadError(""),
            "test.yaml: the file is empty; expected a mapping with model_list, "
            "router_settings, ...");
  EXPECT_THAT(loadError("# only a comment\n"), HasSubstr("the file is empty"));
  EXPECT_EQ(loadError("- a\n- b\n"), "test.yaml: expected a mapping at the top level (line 1)");
  EXPECT_EQ(loadError("just text\n"), "test.yaml: expected a mapping at the top level (line 1)");
  std::string syntax = loadError("model_list:\n  - model_name: [a, b\nrouter_settings: {}\n");
  EXPECT_THAT(syntax, HasSubstr("test.yaml: YAML syntax error: "));
  EXPECT_THAT(syntax, HasSubstr("(line 3)"));
}

TEST(ConfigTest, EveryErrorOfTheFileIsReported) {
  EXPECT_EQ(loadError("router_settings:\n  num_retries: x\n  timeout: y\n"
                      "model_list:\n  - model_name: a\n    litellm_params: {rpm: many}\n"
                      "  - litellm_params: {model: openai/x}\n"),
            "router_settings.num_retries: expected an integer (line 2)\n"
            "router_settings.timeout: expected a number of seconds or a duration such as \"30s\", "
            "\"5m\", \"1h\" (line 3)\n"
            "model_list[0].litellm_params.rpm: expected an integer (line 6)\n"
            "model_list[0].litellm_params.model: is required (line 6)\n"
            "model_list[1].model_name: is required (line 7)");
  CheckResult c = checkConfigText("general_settings: {max_connections: 0}\nfoo: 1\n", "t.yaml");
  EXPECT_THAT(c.errors, ElementsAre("general_settings.max_connections: must be >= 1 (line 1)"));
  EXPECT_THAT(ignoredOf(c.loaded), ElementsAre("foo (line 2): unknown key"));
}

// --- lenient scalars
// ------------------------------------------------------------------------------

TEST(ConfigTest, NumbersWrittenAsStringsAndBooleanSpellings) {
  LoadResult r = loadOk(R"yaml(model_list:
  - model_name: m
    litellm_params:
      model: openai/gpt-4o
      rpm: "100"
      tpm: '2000'
      weight: "0.5"
      order: 2
      timeout: "30"
      max_retries: "3"
      input_cost_per_token: 1e-6
      output_cost_per_token: "0.000002"
router_settings:
  enable_pre_call_checks: "True"
  redis_port: "6380"
litellm_settings:
  cache: "true"
  drop_params: True
  json_logs: FALSE
general_settings:
  max_request_size_mb: "2.5"
  disable_spend_logs: "false"
  background_health_checks: yes
)yaml");
  const Deployment& d = r.config.model_list.at(0);
  EXPECT_EQ(d.rpm, 100u);
  EXPECT_EQ(d.tpm, 2000u);
  EXPECT_EQ(d.weight, 0.5);
  EXPECT_EQ(d.order, 2);
  EXPECT_EQ(d.timeout_s, 30);
  EXPECT_EQ(d.max_retries, 3);
  EXPECT_DOUBLE_EQ(d.input_cost_per_token.value(), 1e-6);
  EXPECT_DOUBLE_EQ(d.output_cost_per_token.value(), 2e-6);
  EXPECT_TRUE(r.config.router_settings.enable_pre_call_checks);
  EXPECT_EQ(r.config.router_settings.redis_port, 6380);
  EXPECT_TRUE(r.config.litellm_settings.cache);
  EXPECT_TRUE(r.config.litellm_settings.drop_params);
  EXPECT_FALSE(r.config.litellm_settings.json_logs);
  EXPECT_EQ(r.config.general_settings.max_request_size_mb, 2.5);
  EXPECT_FALSE(r.config.general_settings.disable_spend_logs);
  EXPECT_TRUE(r.config.general_settings.background_health_checks);
}

// --- every recognised key
// ---------------------------------------------------------------------------

TEST(ConfigTest, ReadsEveryRecognisedKey) {
  LoadResult r = loadOk(R"yaml(model_list:
  - model_name: mock-echo
    litellm_params:
      model: mock/echo
      api_base: http://127.0.0.1:9999
      api_version: "2024-02-01"
      tpm: 100000
      max_parallel_requests: 8
      stream_timeout: 2m
      mock_response: hello
      mock_delay: 0.25
      mock_chunk_delay: 50ms
      headers:
        X-A: a
      extra_headers:
        X-B: b
    model_info:
      id: my-id
      mode: chat
      max_input_tokens: 128000
      max_output_tokens: 4096
      base_model: gpt-4o
      input_cost_per_token: 0.5
router_settings:
  num_retries: 2
  timeout: 600
  stream_timeout: 60
  context_window_fallbacks: [{"a": ["b"]}]
  content_policy_fallbacks: [{"c": ["d"]}]
  default_fallbacks: ["x", "y"]
  max_fallbacks: 5
  allowed_fails: 3
  cooldown_time: 60
  retry_after: 0
  redis_host: redis.local
  redis_url: redis://redis.local:6379
litellm_settings:
  num_retries: 4
  request_timeout: 90
  fallbacks: [{"a": ["z"]}]
  context_window_fallbacks: [{"e": ["f"]}]
  content_policy_fallbacks: [{"g": ["h"]}]
  default_fallbacks: "w"
  json_logs: true
  callbacks: ["prometheus", "otel"]
  cache_params:
    type: local
    namespace: sy
    ttl: 1h
    mode: default_off
    supported_call_types: ["acompletion", "aembedding"]
general_settings:
  health_check_interval: 300
  request_header_timeout: 5
  request_body_timeout: 1m
  keepalive_timeout: 75
  drain_timeout: 0
  max_connections: 500
  max_header_size_kb: 32
  max_upstream_response_mb: 16
  responses_retention: 7d
  store_buffer_rows: 5000
)yaml");
  EXPECT_THAT(r.warnings, IsEmpty());
  const Deployment& d = r.config.model_list.at(0);
  EXPECT_EQ(d.provider, "mock");
  EXPECT_EQ(d.model_id, "echo");
  EXPECT_EQ(d.api_base, "http://127.0.0.1:9999");
  EXPECT_EQ(d.api_version, "2024-02-01");
  EXPECT_EQ(d.tpm, 100000u);
  EXPECT_EQ(d.max_parallel_requests, 8);
  EXPECT_EQ(d.stream_timeout_s, 120);
  EXPECT_EQ(d.mock_response, "hello");
  EXPECT_EQ(d.mock_delay_s, 0.25);
  EXPECT_DOUBLE_EQ(d.mock_chunk_delay_s.value(), 0.05);
  EXPECT_EQ(d.headers.at("X-A"), "a");
  EXPECT_EQ(d.headers.at("X-B"), "b");
  EXPECT_EQ(d.id, "my-id");
  EXPECT_EQ(d.mode, "chat");
  EXPECT_EQ(d.max_input_tokens, 128000u);
  EXPECT_EQ(d.max_tokens, 4096u);  // from max_output_tokens
  EXPECT_EQ(d.base_model, "gpt-4o");
  EXPECT_EQ(d.input_cost_per_token, 0.5);
  EXPECT_FALSE(d.output_cost_per_token.has_value());

  const RouterSettings& rs = r.config.router_settings;
  EXPECT_EQ(rs.num_retries, 2);
  EXPECT_EQ(rs.timeout_s, 600);
  EXPECT_EQ(rs.stream_timeout_s, 60);
  ASSERT_EQ(rs.context_window_fallbacks.size(), 1u);
  EXPECT_EQ(rs.context_window_fallbacks[0].model, "a");
  ASSERT_EQ(rs.content_policy_fallbacks.size(), 1u);
  EXPECT_EQ(rs.content_policy_fallbacks[0].fallbacks, std::vector<std::string>{"d"});
  EXPECT_THAT(rs.default_fallbacks, ElementsAre("x", "y"));
  EXPECT_EQ(rs.max_fallbacks, 5);
  EXPECT_EQ(rs.allowed_fails, 3);
  EXPECT_EQ(rs.cooldown_time_s, 60);
  EXPECT_EQ(rs.retry_after_s, 0);
  EXPECT_EQ(rs.redis_host, "redis.local");
  EXPECT_EQ(rs.redis_url, "redis://redis.local:6379");

  const LitellmSettings& ls = r.config.litellm_settings;
  EXPECT_EQ(ls.num_retries, 4);
  EXPECT_EQ(ls.request_timeout_s, 90);
  ASSERT_EQ(ls.fallbacks.size(), 1u);
  EXPECT_EQ(ls.fallbacks[0].model, "a");
  EXPECT_EQ(ls.context_window_fallbacks.at(0).model, "e");
  EXPECT_EQ(ls.content_policy_fallbacks.at(0).model, "g");
  EXPECT_THAT(ls.default_fallbacks, ElementsAre("w"));
  EXPECT_TRUE(ls.json_logs);
  EXPECT_THAT(ls.callbacks, ElementsAre("prometheus", "otel"));
  EXPECT_EQ(ls.cache_params.type, "local");
  EXPECT_EQ(ls.cache_params.namespace_, "sy");
  EXPECT_EQ(ls.cache_params.ttl_s, 3600);
  EXPECT_EQ(ls.cache_params.mode, "default_off");
  EXPECT_THAT(ls.cache_params.supported_call_types, ElementsAre("acompletion", "aembedding"));

  const GeneralSettings& g = r.config.general_settings;
  EXPECT_EQ(g.health_check_interval_s, 300);
  EXPECT_EQ(g.request_header_timeout_s, 5);
  EXPECT_EQ(g.request_body_timeout_s, 60);
  EXPECT_EQ(g.keepalive_timeout_s, 75);
  EXPECT_EQ(g.drain_timeout_s, 0);
  EXPECT_EQ(g.max_connections, 500u);
  EXPECT_EQ(g.max_header_size_kb, 32u);
  EXPECT_EQ(g.max_upstream_response_mb, 16u);
  EXPECT_EQ(g.responses_retention_s, 7 * 86400);
  EXPECT_EQ(g.store_buffer_rows, 5000u);
}

TEST(ConfigTest, SupportedEndpointsSayWhetherADeploymentHasTheResponsesApi) {
  LoadResult r = loadOk(R"yaml(model_list:
  - model_name: a
    litellm_params: {model: openai/x, api_base: "http://vllm:8000/v1"}
    model_info: {supported_endpoints: ["/v1/chat/completions", "/v1/responses"]}
  - model_name: b
    litellm_params: {model: openai/y}
    model_info: {supported_endpoints: ["/v1/chat/completions"]}
  - model_name: c
    litellm_params: {model: openai/z}
)yaml");
  EXPECT_EQ(r.config.model_list.at(0).responses_api, true);
  EXPECT_EQ(r.config.model_list.at(1).responses_api, false);
  EXPECT_FALSE(r.config.model_list.at(2).responses_api.has_value());
}

TEST(ConfigTest, LitellmParamsPricesWinOverModelInfo) {
  LoadResult r = loadOk(R"yaml(model_list:
  - model_name: m
    model_info:
      input_cost_per_token: 9
      output_cost_per_token: 8
      max_tokens: 100
      max_output_tokens: 200
    litellm_params:
      model: openai/gpt-4o
      input_cost_per_token: 1
)yaml");
  const Deployment& d = r.config.model_list.at(0);
  EXPECT_EQ(d.input_cost_per_token, 1);
  EXPECT_EQ(d.output_cost_per_token, 8);
  EXPECT_EQ(d.max_tokens, 100u);  // max_tokens wins over max_output_tokens
}

TEST(ConfigTest, SslVerifyAcceptsBooleansAndCaBundlePaths) {
  LoadResult off = loadOk("litellm_settings:\n  ssl_verify: false\n");
  EXPECT_FALSE(off.config.litellm_settings.ssl_verify);
  EXPECT_TRUE(off.config.litellm_settings.ssl_ca_file.empty());

  LoadResult path = loadOk("litellm_settings:\n  ssl_verify: /etc/ssl/ca.pem\n");
  EXPECT_TRUE(path.config.litellm_settings.ssl_verify);
  EXPECT_EQ(path.config.litellm_settings.ssl_ca_file, "/etc/ssl/ca.pem");

  LoadResult cert = loadOk("litellm_settings:\n  ssl_certificate: /ca.pem\n");
  EXPECT_TRUE(cert.config.litellm_settings.ssl_verify);
  EXPECT_EQ(cert.config.litellm_settings.ssl_ca_file, "/ca.pem");
}

}  // namespace
}  // namespace switchyard::config
