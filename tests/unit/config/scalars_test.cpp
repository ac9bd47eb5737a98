// Scalars as LiteLLM reads them: YAML 1.1 plain forms (PyYAML), Python's int()/float() for quoted
// and os.environ/ values; through the loader for integer-, number-, boolean- and duration-typed
// keys.

#include "config/scalars.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "switchyard/config/config.hpp"

namespace switchyard::config {
namespace {

std::optional<std::int64_t> plainInt(std::string_view s) {
  std::int64_t x = 0;
  return parseYamlInt(s, false, x) == IntParse::kOk ? std::optional<std::int64_t>(x) : std::nullopt;
}
std::optional<std::int64_t> quotedInt(std::string_view s) {
  std::int64_t x = 0;
  return parseYamlInt(s, true, x) == IntParse::kOk ? std::optional<std::int64_t>(x) : std::nullopt;
}

TEST(YamlIntTest, PlainForms) {
  EXPECT_EQ(plainInt("20_000"), 20000);
  EXPECT_EQ(plainInt("1_000_000"), 1000000);
  EXPECT_EQ(plainInt("0x10"), 16);
  EXPECT_EQ(plainInt("0XfF"), 255);
  EXPECT_EQ(plainInt("0o17"), 15);
  EXPECT_EQ(plainInt("0b101"), 5);
  EXPECT_EQ(plainInt("017"), 15);  // YAML 1.1 octal, as PyYAML reads it
  EXPECT_EQ(plainInt("08"), 8);    // not octal: PyYAML keeps a string, Python's int() gives 8
  EXPECT_EQ(plainInt("+7"), 7);
  EXPECT_EQ(plainInt("-3"), -3);
  EXPECT_EQ(plainInt("0"), 0);
  for (const char* bad :
       {"", "_1", "1_", "1__0x", "0x", "0b102", "abc", "1.5", "1e3", "--1", "0x_"})
    EXPECT_FALSE(plainInt(bad)) << bad;
  std::int64_t x = 0;
  EXPECT_EQ(parseYamlInt("99999999999999999999", false, x), IntParse::kOutOfRange);
  EXPECT_EQ(parseYamlInt("-9223372036854775808", false, x), IntParse::kOk);
  EXPECT_EQ(x, INT64_MIN);
}

TEST(YamlIntTest, QuotedIsPythonInt) {
  EXPECT_EQ(quotedInt("30"), 30);
  EXPECT_EQ(quotedInt("017"), 17);  // int("017") is 17
  EXPECT_EQ(quotedInt("20_000"), 20000);
  EXPECT_FALSE(quotedInt("0x10"));  // int("0x10") raises
  EXPECT_FALSE(quotedInt("3.0"));
}

TEST(YamlNumberTest, Forms) {
  EXPECT_EQ(parseYamlNumber("1_000.5", false), 1000.5);
  EXPECT_EQ(parseYamlNumber("1e3", false), 1000.0);
  EXPECT_EQ(parseYamlNumber(".5", false), 0.5);
  EXPECT_EQ(parseYamlNumber("+2.5E-3", false), 0.0025);
  EXPECT_EQ(parseYamlNumber("-1.5", false), -1.5);
  EXPECT_EQ(parseYamlNumber("0x10", false), 16.0);
  EXPECT_EQ(parseYamlNumber("30", true), 30.0);
  for (const char* bad : {"", ".inf", ".nan", "inf", "nan", "1_", "abc", "1.2.3", "e3"})
    EXPECT_FALSE(parseYamlNumber(bad, false)) << bad;
}

TEST(YamlBoolTest, Forms) {
  for (const char* t : {"true", "True", "TRUE", "yes", "Yes", "on", "ON", "y", "Y"})
    EXPECT_EQ(parseYamlBool(t), true) << t;
  for (const char* f : {"false", "False", "no", "NO", "off", "Off", "n", "N"})
    EXPECT_EQ(parseYamlBool(f), false) << f;
  for (const char* bad : {"", "1", "0", "maybe", "yess"}) EXPECT_FALSE(parseYamlBool(bad)) << bad;
}

TEST(YamlScalarsInConfigTest, EveryTypedKeyReadsLiteLlmForms) {
  ::setenv("SY_TEST_SCALAR_TPM", "1_000", 1);
  auto r = loadConfigText(R"(
model_list:
  - model_name: m
    litellm_params:
      model: openai/x
      api_base: http://127.0.0.1:9/v1
      rpm: 20_000
      tpm: os.environ/SY_TEST_SCALAR_TPM
      max_parallel_requests: 0x10
      timeout: "30"
      stream_timeout: 1e1
      input_cost_per_token: 0.000_001
router_settings:
  num_retries: 0b11
  allowed_fails: 017
  cooldown_time: "5"
  enable_pre_call_checks: y
litellm_settings:
  drop_params: on
  request_timeout: 1_000.5
)",
                          "scalars.yaml");
  ::unsetenv("SY_TEST_SCALAR_TPM");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const Config& c = r->config;
  ASSERT_EQ(c.model_list.size(), 1u);
  const Deployment& d = c.model_list[0];
  EXPECT_EQ(d.rpm, 20000u);
  EXPECT_EQ(d.tpm, 1000u);  // from the environment: Python's int("1_000")
  EXPECT_EQ(d.max_parallel_requests, 16);
  EXPECT_EQ(d.timeout_s, 30.0);
  EXPECT_EQ(d.stream_timeout_s, 10.0);
  EXPECT_EQ(c.router_settings.num_retries, 3);
  EXPECT_EQ(c.router_settings.allowed_fails, 15);
  EXPECT_EQ(c.router_settings.cooldown_time_s, 5.0);
  EXPECT_TRUE(c.router_settings.enable_pre_call_checks);
  EXPECT_TRUE(c.litellm_settings.drop_params);
  EXPECT_EQ(c.litellm_settings.request_timeout_s, 1000.5);
}

TEST(YamlScalarsInConfigTest, QuotedHexIsAnErrorNamingTheKey) {
  auto r = loadConfigText("router_settings:\n  num_retries: \"0x3\"\n", "scalars.yaml");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("router_settings.num_retries: expected an integer (line 2)"),
            std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace switchyard::config

namespace switchyard::config {
namespace {

TEST(EntryLevelLimitsTest, RpmAndTpmOnTheEntryAreTheDeploymentsLimits) {
  auto r = loadConfigText(R"(
model_list:
  - model_name: a
    rpm: 100
    tpm: 20_000
    litellm_params: {model: mock/x}
  - model_name: b
    rpm: 100
    litellm_params: {model: mock/x, rpm: 5}
)",
                          "entry.yaml");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(r->warnings.empty()) << r->warnings.front();  // not "unknown key"
  EXPECT_EQ(r->config.model_list[0].rpm, 100u);
  EXPECT_EQ(r->config.model_list[0].tpm, 20000u);
  EXPECT_EQ(r->config.model_list[1].rpm, 5u);  // litellm_params wins when both are set
  auto bad = loadConfigText(
      "model_list:\n  - model_name: a\n    rpm: lots\n    litellm_params: {model: mock/x}\n",
      "entry.yaml");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("model_list[0].rpm: expected an integer (line 3)"),
            std::string::npos)
      << bad.error().message;
}

}  // namespace
}  // namespace switchyard::config

namespace switchyard::config {
namespace {

TEST(RequestDefaultsTest, OpenAiParametersInLitellmParamsBecomeDefaults) {
  auto r = loadConfigText(R"(
model_list:
  - model_name: a
    litellm_params:
      model: openai/x
      temperature: 0.2
      max_tokens: 1_000
      stop: ["\n\n", END]
      seed: "7"
      extra_body: {top_k: 40, safe_mode: yes, note: ~}
  - model_name: b
    litellm_params: {model: openai/y}
)",
                          "defaults.yaml");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(r->warnings.empty()) << r->warnings.front();
  const auto& a = r->config.model_list[0].request_defaults;
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, nlohmann::json::parse(
                    R"({"temperature":0.2,"max_tokens":1000,"stop":["\n\n","END"],"seed":"7",
                        "top_k":40,"safe_mode":true,"note":null})"));
  EXPECT_FALSE(r->config.model_list[1].request_defaults);
  auto bad = loadConfigText(
      "model_list:\n  - model_name: a\n    litellm_params:\n      model: openai/x\n      "
      "extra_body: [1]\n",
      "defaults.yaml");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("model_list[0].litellm_params.extra_body: expected a mapping"),
            std::string::npos)
      << bad.error().message;
}

}  // namespace
}  // namespace switchyard::config
