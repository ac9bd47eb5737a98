// The gemini/ adapter through the real binary against FakeGemini: chat (stream and not), tools,
// embeddings, the exact upstream request (path, x-goog-api-key, translated body), errors, safety
// blocks and stream faults.

#include <gtest/gtest.h>

#include "support/fake_gemini.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

constexpr const char* kGeminiKey = "AIza-gemini-SECRET-91c2";

ConfigBuilder geminiConfig(const FakeGemini& fake, bool drop_params = false) {
  ConfigBuilder c;
  c.model("gem", "gemini/gemini-2.0-flash", fake.baseUrl(), kGeminiKey, "dep-gem",
          {{"timeout", "2"}, {"stream_timeout", "2"}})
      .model("gem-v1beta", "gemini/gemini-2.0-flash", fake.baseUrl() + "/v1beta", kGeminiKey,
             "dep-gem-v1beta")
      .model("gem-blocked", "gemini/blocked-model", fake.baseUrl(), kGeminiKey, "dep-blocked")
      .model("gem-unsafe", "gemini/unsafe-model", fake.baseUrl(), kGeminiKey, "dep-unsafe")
      .model("gem-badkey", "gemini/gemini-2.0-flash", fake.baseUrl(), "AIza-wrong-key",
             "dep-badkey")
      .model("gem-embed", "gemini/text-embedding-004", fake.baseUrl(), kGeminiKey, "dep-embed")
      .router("num_retries", "0");
  if (drop_params) c.litellm("drop_params", "true");
  return c;
}

class GeminiTest : public ::testing::Test {
 protected:
  void start(bool drop_params = false) {
    gw_ = launchGateway(geminiConfig(fake_, drop_params).yaml());
    ASSERT_TRUE(gw_->started()) << gw_->startError();
    client_ = std::make_unique<HttpClient>(gw_->port());
  }
  void SetUp() override { start(); }

  FakeGemini fake_{kGeminiKey};
  std::unique_ptr<GatewayProcess> gw_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(GeminiTest, ChatNonStreamTranslatesBothWays) {
  json body = chatBody(
      "gem", "What is up?",
      {{"temperature", 0.5}, {"max_tokens", 64}, {"stop", json::array({"END"})}, {"user", "u1"}});
  body["messages"].insert(body["messages"].begin(),
                          json{{"role", "system"}, {"content", "Be brief."}});
  auto r = client_->post("/v1/chat/completions", body);
  ASSERT_EQ(r.status, 200u) << r.body;
  json j = r.json();
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "gemini-2.0-flash");
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(j["choices"][0]["message"]["content"], "Hello from the fake");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(j["usage"]["completion_tokens"], 4);
  EXPECT_GT(j["usage"]["prompt_tokens"].get<int>(), 0);
  EXPECT_EQ(r.header("x-litellm-model-api-base"), fake_.baseUrl() + "/v1beta");

  ASSERT_EQ(fake_.server().requestCount(), 1u);
  RecordedRequest up = *fake_.server().lastRequest();
  EXPECT_EQ(up.target, "/v1beta/models/gemini-2.0-flash:generateContent");
  EXPECT_EQ(up.header("x-goog-api-key"), kGeminiKey);
  EXPECT_EQ(up.header("authorization"), "");
  json ub = up.json();
  EXPECT_EQ(ub["systemInstruction"], json::parse(R"({"parts":[{"text":"Be brief."}]})"));
  EXPECT_EQ(ub["contents"], json::parse(R"([{"role":"user","parts":[{"text":"What is up?"}]}])"));
  EXPECT_EQ(ub["generationConfig"],
            json::parse(R"({"temperature":0.5,"maxOutputTokens":64,"stopSequences":["END"]})"));
  EXPECT_FALSE(ub.contains("model"));
  EXPECT_FALSE(ub.contains("user"));
}

TEST_F(GeminiTest, ApiBaseEndingInV1betaIsNotDoubled) {
  auto r = client_->post("/v1/chat/completions", chatBody("gem-v1beta"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(fake_.server().lastRequest()->target,
            "/v1beta/models/gemini-2.0-flash:generateContent");
}

TEST_F(GeminiTest, StreamBecomesChatCompletionChunks) {
  auto s =
      client_->stream("/v1/chat/completions",
                      chatBody("gem", "stream it",
                               {{"stream", true}, {"stream_options", {{"include_usage", true}}}}));
  ASSERT_EQ(s.status, 200u) << s.error << " " << s.raw_body;
  EXPECT_NE(s.header("content-type").find("text/event-stream"), std::string::npos);
  EXPECT_EQ(s.content(), "Hello from the fake");
  EXPECT_TRUE(s.sawDone());
  ASSERT_GE(s.events.size(), 4u);
  json first = s.events[0].json();
  EXPECT_EQ(first["object"], "chat.completion.chunk");
  EXPECT_EQ(first["choices"][0]["delta"]["role"], "assistant");
  json usage = s.events[s.events.size() - 2].json();
  EXPECT_EQ(usage["choices"], json::array());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 4);
  bool saw_stop = false;
  for (const auto& e : s.events)
    if (!e.isDone() && e.json()["choices"].size() == 1 &&
        e.json()["choices"][0]["finish_reason"] == "stop")
      saw_stop = true;
  EXPECT_TRUE(saw_stop);
  RecordedRequest up = *fake_.server().lastRequest();
  EXPECT_EQ(up.target, "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
  EXPECT_EQ(up.header("x-goog-api-key"), kGeminiKey);
}

TEST_F(GeminiTest, ToolCallRoundTrip) {
  const json tools =
      json::parse(R"([{"type":"function","function":{"name":"get_weather","description":"Weather",
      "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}])");
  auto r = client_->post(
      "/v1/chat/completions",
      chatBody("gem", "Weather in Paris?", {{"tools", tools}, {"tool_choice", "auto"}}));
  ASSERT_EQ(r.status, 200u) << r.body;
  json msg = r.json()["choices"][0]["message"];
  ASSERT_EQ(msg["tool_calls"].size(), 1u) << r.body;
  EXPECT_EQ(msg["tool_calls"][0]["function"]["name"], "get_weather");
  EXPECT_EQ(json::parse(msg["tool_calls"][0]["function"]["arguments"].get<std::string>()),
            json({{"city", "Paris"}}));
  EXPECT_EQ(r.json()["choices"][0]["finish_reason"], "tool_calls");
  json ub = fake_.server().lastRequest()->json();
  EXPECT_EQ(ub["tools"][0]["functionDeclarations"][0]["name"], "get_weather");
  EXPECT_EQ(ub["toolConfig"]["functionCallingConfig"]["mode"], "AUTO");

  // Second turn: the tool result goes back as a functionResponse named after the call.
  json body = chatBody("gem", "Weather in Paris?", {{"tools", tools}});
  body["messages"].push_back(msg);
  body["messages"].push_back({{"role", "tool"},
                              {"tool_call_id", msg["tool_calls"][0]["id"]},
                              {"content", "{\"temp\":21}"}});
  auto r2 = client_->post("/v1/chat/completions", body);
  ASSERT_EQ(r2.status, 200u) << r2.body;
  EXPECT_EQ(r2.json()["choices"][0]["message"]["content"], "Hello from the fake");
  json ub2 = fake_.server().lastRequest()->json();
  ASSERT_EQ(ub2["contents"].size(), 3u) << ub2.dump();
  EXPECT_EQ(ub2["contents"][1]["role"], "model");
  EXPECT_EQ(ub2["contents"][1]["parts"][0]["functionCall"]["name"], "get_weather");
  EXPECT_EQ(ub2["contents"][2]["parts"][0]["functionResponse"],
            json::parse(R"({"name":"get_weather","response":{"temp":21}})"));
}

TEST_F(GeminiTest, StreamedToolCall) {
  const json tools =
      json::parse(R"([{"type":"function","function":{"name":"lookup","parameters":{"type":"object",
      "properties":{"q":{"type":"string"}}}}}])");
  fake_.setFunctionArgs({{"q", "switchyard"}});
  auto s = client_->stream("/v1/chat/completions",
                           chatBody("gem", "look it up", {{"stream", true}, {"tools", tools}}));
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  json calls = s.events[0].json()["choices"][0]["delta"]["tool_calls"];
  ASSERT_EQ(calls.size(), 1u) << s.raw_body;
  EXPECT_EQ(calls[0]["index"], 0);
  EXPECT_EQ(calls[0]["function"]["name"], "lookup");
  EXPECT_EQ(calls[0]["function"]["arguments"], "{\"q\":\"switchyard\"}");
  EXPECT_EQ(s.events[1].json()["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_TRUE(s.sawDone());
}

TEST_F(GeminiTest, Embeddings) {
  auto one = client_->post("/v1/embeddings",
                           json{{"model", "gem-embed"}, {"input", "hello"}, {"dimensions", 4}});
  ASSERT_EQ(one.status, 200u) << one.body;
  EXPECT_EQ(one.json()["object"], "list");
  EXPECT_EQ(one.json()["data"][0]["embedding"].size(), 4u);
  RecordedRequest up = *fake_.server().lastRequest();
  EXPECT_EQ(up.target, "/v1beta/models/text-embedding-004:embedContent");
  EXPECT_EQ(up.json()["outputDimensionality"], 4);
  EXPECT_EQ(up.json()["content"]["parts"][0]["text"], "hello");

  auto many =
      client_->post("/v1/embeddings", json{{"model", "gem-embed"}, {"input", {"a", "b", "c"}}});
  ASSERT_EQ(many.status, 200u) << many.body;
  ASSERT_EQ(many.json()["data"].size(), 3u);
  EXPECT_EQ(many.json()["data"][2]["index"], 2);
  EXPECT_EQ(fake_.server().lastRequest()->target,
            "/v1beta/models/text-embedding-004:batchEmbedContents");

  auto b64 = client_->post("/v1/embeddings", json{{"model", "gem-embed"},
                                                  {"input", "x"},
                                                  {"dimensions", 2},
                                                  {"encoding_format", "base64"}});
  ASSERT_EQ(b64.status, 200u) << b64.body;
  EXPECT_EQ(b64.json()["data"][0]["embedding"], "AACAvgAAAL4=");  // [-0.25, -0.125] as float32 LE
}

TEST_F(GeminiTest, SafetyBlocksAreContentPolicyErrors) {
  for (const char* alias : {"gem-blocked", "gem-unsafe"}) {
    auto r = client_->post("/v1/chat/completions", chatBody(alias));
    EXPECT_EQ(r.status, 400u) << alias << " " << r.body;
    ASSERT_TRUE(isOpenAIError(r.json())) << r.body;
    EXPECT_EQ(r.json()["error"]["code"], "content_policy_violation") << r.body;
    auto s = client_->stream("/v1/chat/completions", chatBody(alias, "hi", {{"stream", true}}));
    EXPECT_EQ(s.status, 400u) << alias << " " << s.raw_body;
  }
}

TEST_F(GeminiTest, WrongKeyIs401WithoutEchoingTheUpstream) {
  auto r = client_->post("/v1/chat/completions", chatBody("gem-badkey"));
  EXPECT_EQ(r.status, 401u) << r.body;
  ASSERT_TRUE(isOpenAIError(r.json()));
  EXPECT_EQ(r.body.find("API key not valid"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("AIza"), std::string::npos) << r.body;
}

TEST_F(GeminiTest, UpstreamErrorsMapped) {
  fake_.server().pushBehavior(
      Behavior::error(400, "Invalid value at 'generation_config.temperature'"));
  auto bad = client_->post("/v1/chat/completions", chatBody("gem"));
  EXPECT_EQ(bad.status, 400u) << bad.body;
  EXPECT_NE(bad.body.find("generation_config.temperature"), std::string::npos) << bad.body;

  Behavior limited = Behavior::error(429, "Resource has been exhausted (e.g. check quota).");
  limited.extra_headers["retry-after"] = "3";
  fake_.server().pushBehavior(limited);
  auto rl = client_->post("/v1/chat/completions", chatBody("gem"));
  EXPECT_EQ(rl.status, 429u) << rl.body;
  ASSERT_TRUE(isOpenAIError(rl.json()));

  fake_.server().pushBehavior(
      Behavior::error(503, "The model is overloaded. Please try again later."));
  auto down = client_->post("/v1/chat/completions", chatBody("gem"));
  EXPECT_EQ(down.status, 502u) << down.body;
  ASSERT_TRUE(isOpenAIError(down.json()));

  fake_.server().pushBehavior(Behavior::error(
      400,
      "The input token count (2000000) exceeds the maximum number of tokens allowed (1048576)."));
  auto ctx = client_->post("/v1/chat/completions", chatBody("gem"));
  EXPECT_EQ(ctx.status, 400u) << ctx.body;
  EXPECT_EQ(ctx.json()["error"]["code"], "context_length_exceeded") << ctx.body;
}

TEST_F(GeminiTest, UnsupportedParamIs400NamingIt) {
  auto r =
      client_->post("/v1/chat/completions", chatBody("gem", "x", {{"logit_bias", {{"1", 2}}}}));
  EXPECT_EQ(r.status, 400u) << r.body;
  ASSERT_TRUE(isOpenAIError(r.json()));
  EXPECT_EQ(r.json()["error"]["param"], "logit_bias") << r.body;
  EXPECT_EQ(fake_.server().requestCount(), 0u);
}

TEST(GeminiDropParamsTest, DroppedWhenConfigured) {
  FakeGemini fake(kGeminiKey);
  SY_START_GATEWAY(gw, geminiConfig(fake, /*drop_params=*/true).yaml());
  HttpClient client(gw->port());
  auto r = client.post("/v1/chat/completions",
                       chatBody("gem", "x", {{"logit_bias", {{"1", 2}}}, {"logprobs", true}}));
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(fake.server().lastRequest()->body.find("logit"), std::string::npos);
}

TEST_F(GeminiTest, ErrorEventBeforeContentIs502AndDropMidStreamEndsStream) {
  Behavior b;
  b.kind = Behavior::Kind::kErrorEventInStream;
  b.chunks_before_close = 0;
  b.status = 503;
  b.error_message = "overloaded";
  fake_.server().pushBehavior(b);
  auto s = client_->stream("/v1/chat/completions", chatBody("gem", "hi", {{"stream", true}}));
  EXPECT_EQ(s.status, 502u) << s.raw_body;

  Behavior cut;
  cut.kind = Behavior::Kind::kCloseMidStream;
  cut.chunks_before_close = 2;
  fake_.server().pushBehavior(cut);
  auto s2 = client_->stream("/v1/chat/completions", chatBody("gem", "hi", {{"stream", true}}));
  EXPECT_EQ(s2.status, 200u) << s2.raw_body;
  EXPECT_EQ(s2.content(), "Hello from");
  EXPECT_FALSE(s2.sawDone());
}

TEST_F(GeminiTest, EmptyStreamIs502) {
  Behavior empty;
  empty.chunks.clear();
  fake_.server().pushBehavior(empty);
  auto s = client_->stream("/v1/chat/completions", chatBody("gem", "hi", {{"stream", true}}));
  EXPECT_EQ(s.status, 502u) << s.raw_body;
}

TEST_F(GeminiTest, HangingUpstreamTimesOut) {
  fake_.server().pushBehavior(Behavior::hang());
  auto t0 = Clock::now();
  auto r = client_->post("/v1/chat/completions", chatBody("gem"));
  EXPECT_EQ(r.status, 504u) << r.body;
  EXPECT_LT(Clock::now() - t0, Millis(5000));
}

TEST_F(GeminiTest, LegacyCompletionsRefused) {
  auto r = client_->post("/v1/completions", json{{"model", "gem"}, {"prompt", "Once"}});
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
}

}  // namespace
}  // namespace switchyard::test
