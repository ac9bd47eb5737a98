#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "switchyard/pipeline/pipeline.hpp"

namespace switchyard::pipeline {
namespace {

using api::Endpoint;
using api::ErrorKind;
using nlohmann::json;
using ::testing::HasSubstr;

const json kMessages = json::array({{{"role", "user"}, {"content", "hi"}}});

json chatBody() { return {{"model", "gpt-4o"}, {"messages", kMessages}}; }

struct Parsed {
  api::Exchange ex;
  api::Result<void> result;
};

Parsed parse(Endpoint endpoint, std::string_view raw) {
  Parsed p{api::Exchange{}, {}};
  p.ex.endpoint = endpoint;
  p.result = parseRequest(p.ex, std::string(raw));
  return p;
}
Parsed parse(Endpoint endpoint, const json& body) {
  std::string raw = body.dump();
  return parse(endpoint, std::string_view(raw));
}

// Expects a 400 kInvalidRequest naming `param` (empty: no param).
void expectBadRequest(Endpoint endpoint, const json& body, const std::string& param,
                      const std::string& message_part = "") {
  Parsed p = parse(endpoint, body);
  ASSERT_FALSE(p.result.has_value()) << "accepted: " << body.dump();
  const api::Error& e = p.result.error();
  EXPECT_EQ(e.kind, ErrorKind::kInvalidRequest) << body.dump();
  EXPECT_EQ(e.httpStatus(), 400u);
  EXPECT_EQ(e.param, param) << body.dump();
  if (!message_part.empty()) {
    EXPECT_THAT(e.message, HasSubstr(message_part)) << body.dump();
  }
  json client = json::parse(e.toJson());
  if (param.empty()) {
    EXPECT_TRUE(client["error"]["param"].is_null());
  } else {
    EXPECT_EQ(client["error"]["param"], param);
  }
}

TEST(ParseRequestTest, ChatOk) {
  json body = chatBody();
  body["temperature"] = 0.5;
  Parsed p = parse(Endpoint::kChatCompletions, body);
  ASSERT_TRUE(p.result.has_value()) << p.result.error().message;
  EXPECT_EQ(p.ex.model, "gpt-4o");
  EXPECT_FALSE(p.ex.stream);
  ASSERT_TRUE(p.ex.body);
  EXPECT_EQ(p.ex.body.dom(), body);
  EXPECT_EQ(p.ex.controls, nullptr);
}

TEST(ParseRequestTest, EmptyBody) {
  Parsed p = parse(Endpoint::kChatCompletions, std::string_view{});
  ASSERT_FALSE(p.result.has_value());
  EXPECT_EQ(p.result.error().httpStatus(), 400u);
}

TEST(ParseRequestTest, MalformedJsonAndNonObject) {
  for (std::string_view raw : {"{", "{\"model\":}", "[]", "\"x\"", "null"}) {
    Parsed p = parse(Endpoint::kChatCompletions, raw);
    ASSERT_FALSE(p.result.has_value()) << raw;
    EXPECT_EQ(p.result.error().kind, ErrorKind::kInvalidRequest) << raw;
  }
}

TEST(ParseRequestTest, MissingModel) {
  for (Endpoint ep : {Endpoint::kChatCompletions, Endpoint::kCompletions, Endpoint::kEmbeddings}) {
    expectBadRequest(ep, {{"messages", kMessages}, {"prompt", "p"}, {"input", "i"}}, "model",
                     "'model'");
    expectBadRequest(ep,
                     {{"model", nullptr}, {"messages", kMessages}, {"prompt", "p"}, {"input", "i"}},
                     "model");
  }
}

TEST(ParseRequestTest, ModelWrongType) {
  for (json model : {json(42), json(true), json::array({"a"}), json::object(), json("")}) {
    json body = chatBody();
    body["model"] = model;
    expectBadRequest(Endpoint::kChatCompletions, body, "model");
  }
}

TEST(ParseRequestTest, ChatMissingMessages) {
  expectBadRequest(Endpoint::kChatCompletions, {{"model", "m"}}, "messages", "'messages'");
  expectBadRequest(Endpoint::kChatCompletions, {{"model", "m"}, {"messages", nullptr}}, "messages");
}

TEST(ParseRequestTest, ChatMessagesWrongType) {
  expectBadRequest(Endpoint::kChatCompletions, {{"model", "m"}, {"messages", "hi"}}, "messages");
  expectBadRequest(Endpoint::kChatCompletions, {{"model", "m"}, {"messages", {{"role", "user"}}}},
                   "messages");
  expectBadRequest(Endpoint::kChatCompletions, {{"model", "m"}, {"messages", json::array()}},
                   "messages");
}

TEST(ParseRequestTest, ChatMessageElementsValidated) {
  expectBadRequest(Endpoint::kChatCompletions, {{"model", "m"}, {"messages", json::array({"hi"})}},
                   "messages[0]");
  expectBadRequest(
      Endpoint::kChatCompletions,
      {{"model", "m"},
       {"messages", json::array({{{"role", "user"}, {"content", "a"}}, {{"content", "b"}}})}},
      "messages[1].role");
  expectBadRequest(Endpoint::kChatCompletions,
                   {{"model", "m"}, {"messages", json::array({{{"role", 7}, {"content", "a"}}})}},
                   "messages[0].role");
}

TEST(ParseRequestTest, Stream) {
  json body = chatBody();
  body["stream"] = true;
  Parsed t = parse(Endpoint::kChatCompletions, body);
  ASSERT_TRUE(t.result.has_value());
  EXPECT_TRUE(t.ex.stream);
  body["stream"] = false;
  Parsed f = parse(Endpoint::kChatCompletions, body);
  ASSERT_TRUE(f.result.has_value());
  EXPECT_FALSE(f.ex.stream);
  body["stream"] = nullptr;
  Parsed n = parse(Endpoint::kChatCompletions, body);
  ASSERT_TRUE(n.result.has_value());
  EXPECT_FALSE(n.ex.stream);
}

TEST(ParseRequestTest, StreamNonBoolean) {
  for (json v : {json("true"), json(1), json(0), json::array(), json::object()}) {
    json body = chatBody();
    body["stream"] = v;
    expectBadRequest(Endpoint::kChatCompletions, body, "stream", "'stream'");
  }
}

TEST(ParseRequestTest, CompletionsPrompt) {
  Parsed s = parse(Endpoint::kCompletions, json{{"model", "m"}, {"prompt", "once upon"}});
  ASSERT_TRUE(s.result.has_value());
  EXPECT_EQ(s.ex.model, "m");
  Parsed a =
      parse(Endpoint::kCompletions, json{{"model", "m"}, {"prompt", json::array({"a", "b"})}});
  ASSERT_TRUE(a.result.has_value());
  expectBadRequest(Endpoint::kCompletions, {{"model", "m"}}, "prompt", "'prompt'");
  expectBadRequest(Endpoint::kCompletions, {{"model", "m"}, {"prompt", nullptr}}, "prompt");
  expectBadRequest(Endpoint::kCompletions, {{"model", "m"}, {"prompt", 42}}, "prompt");
  expectBadRequest(Endpoint::kCompletions, {{"model", "m"}, {"prompt", {{"a", 1}}}}, "prompt");
  // Completions do not need messages.
  EXPECT_TRUE(
      parse(Endpoint::kCompletions, json{{"model", "m"}, {"prompt", "p"}}).result.has_value());
}

TEST(ParseRequestTest, EmbeddingsInput) {
  Parsed s = parse(Endpoint::kEmbeddings, json{{"model", "e"}, {"input", "text"}});
  ASSERT_TRUE(s.result.has_value());
  EXPECT_EQ(s.ex.model, "e");
  EXPECT_TRUE(parse(Endpoint::kEmbeddings, json{{"model", "e"}, {"input", json::array({"a", "b"})}})
                  .result.has_value());
  EXPECT_TRUE(parse(Endpoint::kEmbeddings, json{{"model", "e"}, {"input", json::array({1, 2, 3})}})
                  .result.has_value());  // token ids
  expectBadRequest(Endpoint::kEmbeddings, {{"model", "e"}}, "input", "'input'");
  expectBadRequest(Endpoint::kEmbeddings, {{"model", "e"}, {"input", nullptr}}, "input");
  expectBadRequest(Endpoint::kEmbeddings, {{"model", "e"}, {"input", 3}}, "input");
  expectBadRequest(Endpoint::kEmbeddings, {{"model", "e"}, {"input", {{"a", 1}}}}, "input");
  expectBadRequest(Endpoint::kEmbeddings, {{"model", "e"}, {"input", "x"}, {"stream", true}},
                   "stream");
  EXPECT_TRUE(parse(Endpoint::kEmbeddings, json{{"model", "e"}, {"input", "x"}, {"stream", false}})
                  .result.has_value());
}

TEST(ParseRequestTest, ControlsMovedOutOfBody) {
  json body = chatBody();
  body["temperature"] = 0.2;
  body["user"] = "u-1";
  body["fallbacks"] = json::array({"claude"});
  body["models"] = json::array({"gpt-4o", "claude"});
  body["disable_fallbacks"] = true;
  body["cache"] = {{"no-cache", true}};
  body["metadata"] = {{"tag", "x"}};
  body["mock_response"] = "mocked!";
  Parsed p = parse(Endpoint::kChatCompletions, body);
  ASSERT_TRUE(p.result.has_value()) << p.result.error().message;
  ASSERT_TRUE(p.ex.body);
  ASSERT_NE(p.ex.controls, nullptr);
  for (const char* key :
       {"fallbacks", "models", "disable_fallbacks", "cache", "metadata", "mock_response"}) {
    EXPECT_FALSE(p.ex.body.dom().contains(key)) << key;
    ASSERT_TRUE(p.ex.controls->contains(key)) << key;
    EXPECT_EQ((*p.ex.controls)[key], body[key]) << key;
  }
  EXPECT_EQ(p.ex.controls->size(), 6u);
  // Everything else stays in the body.
  EXPECT_EQ(p.ex.body.dom()["temperature"], 0.2);
  EXPECT_EQ(p.ex.body.dom()["user"], "u-1");
  EXPECT_EQ(p.ex.body.dom()["model"], "gpt-4o");
  EXPECT_EQ(p.ex.body.dom()["messages"], kMessages);
  EXPECT_EQ(p.ex.body.dom().size(), 4u);
  EXPECT_EQ(p.ex.model, "gpt-4o");
}

TEST(ParseRequestTest, OnlyPresentControlsAreMoved) {
  json body = chatBody();
  body["metadata"] = {{"a", 1}};
  Parsed p = parse(Endpoint::kChatCompletions, body);
  ASSERT_TRUE(p.result.has_value());
  ASSERT_NE(p.ex.controls, nullptr);
  EXPECT_EQ(*p.ex.controls, (json{{"metadata", {{"a", 1}}}}));
}

TEST(ParseRequestTest, MockResponseMustBeString) {
  json body = chatBody();
  body["mock_response"] = 42;
  expectBadRequest(Endpoint::kChatCompletions, body, "mock_response");
}

TEST(ParseRequestTest, ModelsListAloneSetsModel) {
  json body = {{"models", json::array({"first", "second"})}, {"messages", kMessages}};
  Parsed p = parse(Endpoint::kChatCompletions, body);
  ASSERT_TRUE(p.result.has_value()) << p.result.error().message;
  EXPECT_EQ(p.ex.model, "first");
  EXPECT_FALSE(p.ex.body.dom().contains("models"));
  EXPECT_EQ((*p.ex.controls)["models"], body["models"]);
}

TEST(ParseRequestTest, ExplicitModelWinsOverModelsList) {
  json body = chatBody();
  body["models"] = json::array({"other"});
  Parsed p = parse(Endpoint::kChatCompletions, body);
  ASSERT_TRUE(p.result.has_value());
  EXPECT_EQ(p.ex.model, "gpt-4o");
}

TEST(ParseRequestTest, UnusableModelsListIsMissingModel) {
  for (json models : {json::array(), json::array({42}), json("first"), json(nullptr)}) {
    expectBadRequest(Endpoint::kChatCompletions, {{"models", models}, {"messages", kMessages}},
                     "model");
  }
}

TEST(ParseRequestTest, NestingLimitApplies) {
  std::string deep =
      "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":" + std::string(100, '[') +
      std::string(100, ']') + "}]}";
  Parsed p = parse(Endpoint::kChatCompletions, std::string_view(deep));
  ASSERT_FALSE(p.result.has_value());
  EXPECT_EQ(p.result.error().httpStatus(), 400u);
}

// --- callOptionsFor -------------------------------------------------------------------------

using std::chrono::duration_cast;
using std::chrono::milliseconds;

long long ms(std::chrono::steady_clock::duration d) {
  return duration_cast<milliseconds>(d).count();
}

TEST(CallOptionsForTest, DefaultIs600Seconds) {
  config::Config cfg;
  config::Deployment d;
  providers::CallOptions o = callOptionsFor(cfg, d);
  EXPECT_EQ(ms(o.timeout), 600000);
  EXPECT_EQ(ms(o.stream_timeout), 600000);
}

TEST(CallOptionsForTest, LitellmRequestTimeout) {
  config::Config cfg;
  cfg.litellm_settings.request_timeout_s = 30;
  config::Deployment d;
  providers::CallOptions o = callOptionsFor(cfg, d);
  EXPECT_EQ(ms(o.timeout), 30000);
  EXPECT_EQ(ms(o.stream_timeout), 30000);  // falls back to timeout
}

TEST(CallOptionsForTest, RouterTimeoutBeatsLitellm) {
  config::Config cfg;
  cfg.litellm_settings.request_timeout_s = 30;
  cfg.router_settings.timeout_s = 20;
  config::Deployment d;
  providers::CallOptions o = callOptionsFor(cfg, d);
  EXPECT_EQ(ms(o.timeout), 20000);
  EXPECT_EQ(ms(o.stream_timeout), 20000);
}

TEST(CallOptionsForTest, DeploymentTimeoutBeatsRouterAndLitellm) {
  config::Config cfg;
  cfg.litellm_settings.request_timeout_s = 30;
  cfg.router_settings.timeout_s = 20;
  config::Deployment d;
  d.timeout_s = 10;
  providers::CallOptions o = callOptionsFor(cfg, d);
  EXPECT_EQ(ms(o.timeout), 10000);
  EXPECT_EQ(ms(o.stream_timeout), 10000);
}

TEST(CallOptionsForTest, StreamTimeoutPrecedence) {
  config::Config cfg;
  cfg.router_settings.timeout_s = 20;
  cfg.router_settings.stream_timeout_s = 5;
  config::Deployment d;
  d.timeout_s = 10;
  providers::CallOptions o = callOptionsFor(cfg, d);
  EXPECT_EQ(ms(o.timeout), 10000);
  EXPECT_EQ(ms(o.stream_timeout), 5000);  // router stream_timeout
  d.stream_timeout_s = 3;
  o = callOptionsFor(cfg, d);
  EXPECT_EQ(ms(o.timeout), 10000);
  EXPECT_EQ(ms(o.stream_timeout), 3000);  // deployment stream_timeout wins
}

TEST(CallOptionsForTest, DeploymentStreamTimeoutAloneKeepsDefaultTimeout) {
  config::Config cfg;
  config::Deployment d;
  d.stream_timeout_s = 7;
  providers::CallOptions o = callOptionsFor(cfg, d);
  EXPECT_EQ(ms(o.timeout), 600000);
  EXPECT_EQ(ms(o.stream_timeout), 7000);
}

TEST(CallOptionsForTest, FractionalSeconds) {
  config::Config cfg;
  config::Deployment d;
  d.timeout_s = 0.25;
  providers::CallOptions o = callOptionsFor(cfg, d);
  EXPECT_EQ(ms(o.timeout), 250);
  EXPECT_EQ(ms(o.stream_timeout), 250);
}

TEST(CallOptionsForTest, FromLoadedConfig) {
  auto loaded = config::loadConfigText(R"(
model_list:
  - model_name: a
    litellm_params:
      model: openai/gpt-4o
      timeout: 12
  - model_name: b
    litellm_params:
      model: openai/gpt-4o
router_settings:
  timeout: 45
  stream_timeout: 9
litellm_settings:
  request_timeout: 99
general_settings:
  master_key: sk-test
)");
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  const config::Config& cfg = loaded->config;
  providers::CallOptions a = callOptionsFor(cfg, cfg.model_list[0]);
  EXPECT_EQ(ms(a.timeout), 12000);
  EXPECT_EQ(ms(a.stream_timeout), 9000);
  providers::CallOptions b = callOptionsFor(cfg, cfg.model_list[1]);
  EXPECT_EQ(ms(b.timeout), 45000);
  EXPECT_EQ(ms(b.stream_timeout), 9000);
}

}  // namespace
}  // namespace switchyard::pipeline

namespace switchyard::pipeline {
namespace {

TEST(ParseRequestTimeoutTest, BodyTimeoutIsAControlAndSetsTheRequestTimeout) {
  json body = chatBody();
  body["timeout"] = 2.5;
  Parsed p = parse(Endpoint::kChatCompletions, body);
  ASSERT_TRUE(p.result) << p.result.error().message;
  ASSERT_TRUE(p.ex.timeout_s.has_value());
  EXPECT_DOUBLE_EQ(*p.ex.timeout_s, 2.5);
  EXPECT_FALSE(p.ex.body.dom().contains("timeout")) << "removed before the provider sees it";
}

TEST(ParseRequestTimeoutTest, HeaderTimeoutWinsOverTheBody) {
  Parsed p{api::Exchange{}, {}};
  p.ex.timeout_s = 7;
  json body = chatBody();
  body["timeout"] = 1;
  std::string raw = body.dump();
  p.result = parseRequest(p.ex, std::string(raw));
  ASSERT_TRUE(p.result);
  EXPECT_DOUBLE_EQ(*p.ex.timeout_s, 7);
}

TEST(ParseRequestTimeoutTest, InvalidBodyTimeoutIsA400) {
  for (json bad : {json("10"), json(0), json(-1), json(1e9), json::array()}) {
    json body = chatBody();
    body["timeout"] = bad;
    Parsed p = parse(Endpoint::kChatCompletions, body);
    ASSERT_FALSE(p.result) << bad.dump();
    EXPECT_EQ(p.result.error().kind, ErrorKind::kInvalidRequest);
    EXPECT_EQ(p.result.error().param, "timeout");
  }
}

TEST(EstimatePromptTokensTest, CountsAboutFourCharactersPerTokenPlusPerMessage) {
  json body = {
      {"model", "m"},
      {"messages",
       json::array({{{"role", "system"}, {"content", std::string(400, 'a')}},
                    {{"role", "user"},
                     {"content",
                      json::array({{{"type", "text"}, {"text", std::string(800, 'b')}},
                                   {{"type", "image_url"}, {"image_url", {{"url", "x"}}}}})}}})}};
  Parsed p = parse(Endpoint::kChatCompletions, body);
  ASSERT_TRUE(p.result);
  EXPECT_EQ(estimatePromptTokens(p.ex), 300u + 8u);
}

TEST(EstimatePromptTokensTest, CompletionsPromptAndEmbeddingsInput) {
  Parsed c = parse(Endpoint::kCompletions, json{{"model", "m"}, {"prompt", std::string(40, 'x')}});
  ASSERT_TRUE(c.result);
  EXPECT_EQ(estimatePromptTokens(c.ex), 10u);
  Parsed e =
      parse(Endpoint::kEmbeddings, json{{"model", "m"}, {"input", json::array({"abcd", "efgh"})}});
  ASSERT_TRUE(e.result);
  EXPECT_EQ(estimatePromptTokens(e.ex), 2u);
}

TEST(EstimatePromptTokensTest, LongerPromptsEstimateMore) {
  Parsed small = parse(Endpoint::kChatCompletions, chatBody());
  json big_body = chatBody();
  big_body["messages"][0]["content"] = std::string(10000, 'z');
  Parsed big = parse(Endpoint::kChatCompletions, big_body);
  ASSERT_TRUE(small.result && big.result);
  EXPECT_LT(estimatePromptTokens(small.ex), 10u);
  EXPECT_GT(estimatePromptTokens(big.ex), 2400u);
}

}  // namespace
}  // namespace switchyard::pipeline
