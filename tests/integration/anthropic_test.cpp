// The anthropic adapter through the real binary, against FakeAnthropic: OpenAI requests in,
// Messages requests upstream (path, headers, translated body), answers and streams translated
// back, tools round trip, usage with cache tokens, error statuses and error events mapped,
// drop_params both ways.

#include <gtest/gtest.h>

#include "support/fake_anthropic.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

ConfigBuilder configFor(const FakeAnthropic& fake, bool drop_params = false) {
  ConfigBuilder c;
  c.model("claude", "anthropic/claude-sonnet-4-5", fake.baseUrl(), kUpstreamKey, "dep-claude")
      .model("claude-v1", "anthropic/claude-haiku", fake.baseUrl() + "/v1/", kUpstreamKey,
             "dep-claude-v1")
      .router("num_retries", "0")
      .router("allowed_fails", "1000");
  if (drop_params) c.litellm("drop_params", "true");
  return c;
}

const json kTools = json::parse(R"([{"type":"function","function":{"name":"get_weather",
    "description":"Get the weather","parameters":{"type":"object",
    "properties":{"location":{"type":"string"}},"required":["location"]}}}])");

TEST(AnthropicIntegrationTest, NonStreamTranslatesBothWays) {
  FakeAnthropic fake;
  AnthropicScript sc;
  sc.input_tokens = 20;
  sc.cache_creation_input_tokens = 5;
  sc.cache_read_input_tokens = 100;
  sc.model = "claude-sonnet-4-5-20250929";
  fake.setScript(sc);
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());
  json body = {{"model", "claude"},
               {"messages", json::array({{{"role", "system"}, {"content", "Be brief."}},
                                         {{"role", "user"}, {"content", "Hello"}}})},
               {"temperature", 0.5},
               {"stop", "END"}};
  auto r = client.post("/v1/chat/completions", body);
  ASSERT_EQ(r.status, 200u) << r.body;
  json j = r.json();
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "claude-sonnet-4-5-20250929");
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(j["choices"][0]["message"]["content"], "Hello from the fake");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(j["usage"]["prompt_tokens"], 125);
  EXPECT_EQ(j["usage"]["completion_tokens"], 4);
  EXPECT_EQ(j["usage"]["total_tokens"], 129);
  EXPECT_EQ(j["usage"]["prompt_tokens_details"]["cached_tokens"], 100);
  EXPECT_EQ(j["usage"]["cache_read_input_tokens"], 100);
  EXPECT_EQ(j["usage"]["cache_creation_input_tokens"], 5);

  auto up = fake.lastRequest();
  ASSERT_TRUE(up.has_value());
  EXPECT_EQ(up->target, "/v1/messages");
  EXPECT_EQ(up->header("x-api-key"), kUpstreamKey);
  EXPECT_EQ(up->header("anthropic-version"), "2023-06-01");
  EXPECT_EQ(up->header("authorization"), "");
  json ub = up->json();
  EXPECT_EQ(ub["model"], "claude-sonnet-4-5");
  EXPECT_EQ(ub["system"], "Be brief.");
  EXPECT_EQ(ub["max_tokens"], 4096);
  EXPECT_EQ(ub["temperature"], 0.5);
  EXPECT_EQ(ub["stop_sequences"], json::array({"END"}));
  EXPECT_EQ(ub["messages"], json::parse(R"([{"role":"user","content":"Hello"}])"));
  EXPECT_EQ(r.header("x-litellm-model-api-base"), fake.baseUrl());
}

TEST(AnthropicIntegrationTest, ApiBaseWithV1StillPostsToV1Messages) {
  FakeAnthropic fake;
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());
  auto r = client.post("/v1/chat/completions", chatBody("claude-v1"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(fake.lastRequest()->target, "/v1/messages");
  EXPECT_EQ(fake.lastRequest()->json()["model"], "claude-haiku");
}

TEST(AnthropicIntegrationTest, StreamTranslatedWithUsage) {
  FakeAnthropic fake;
  AnthropicScript sc;
  sc.cache_read_input_tokens = 7;
  fake.setScript(sc);
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());
  StreamResult s = client.stream(
      "/v1/chat/completions",
      chatBody("claude", "hi", {{"stream", true}, {"stream_options", {{"include_usage", true}}}}));
  ASSERT_EQ(s.status, 200u) << s.error << s.raw_body;
  EXPECT_TRUE(s.complete);
  EXPECT_TRUE(s.sawDone());
  EXPECT_EQ(s.content(), "Hello from the fake");
  EXPECT_EQ(s.raw_body.find("event:"), std::string::npos);
  bool saw_role = false, saw_stop = false, saw_usage = false;
  for (const auto& ev : s.events) {
    if (ev.isDone()) continue;
    json j = ev.json();
    ASSERT_TRUE(j.is_object()) << ev.data;
    EXPECT_EQ(j["object"], "chat.completion.chunk");
    if (!j["choices"].empty()) {
      if (j["choices"][0]["delta"].value("role", "") == "assistant") saw_role = true;
      if (j["choices"][0]["finish_reason"] == "stop") saw_stop = true;
    } else if (j.contains("usage")) {
      saw_usage = true;
      EXPECT_EQ(j["usage"]["prompt_tokens"], 32);
      EXPECT_EQ(j["usage"]["completion_tokens"], 4);
      EXPECT_EQ(j["usage"]["prompt_tokens_details"]["cached_tokens"], 7);
    }
  }
  EXPECT_TRUE(saw_role);
  EXPECT_TRUE(saw_stop);
  EXPECT_TRUE(saw_usage);
  json ub = fake.lastRequest()->json();
  EXPECT_EQ(ub["stream"], true);
  EXPECT_FALSE(ub.contains("stream_options"));
}

TEST(AnthropicIntegrationTest, ToolCallRoundTrip) {
  FakeAnthropic fake;
  AnthropicScript sc;
  sc.tool_use = AnthropicScript::ToolUse{};
  fake.setScript(sc);
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());

  auto r = client.post(
      "/v1/chat/completions",
      chatBody("claude", "Weather in Paris?", {{"tools", kTools}, {"tool_choice", "required"}}));
  ASSERT_EQ(r.status, 200u) << r.body;
  json j = r.json();
  EXPECT_EQ(j["choices"][0]["finish_reason"], "tool_calls");
  const json& call = j["choices"][0]["message"]["tool_calls"][0];
  EXPECT_EQ(call["id"], "toolu_01A09q90qw90lq917835lq9");
  EXPECT_EQ(call["function"]["name"], "get_weather");
  EXPECT_EQ(json::parse(call["function"]["arguments"].get<std::string>()),
            json::parse(R"({"location":"Paris"})"));
  json ub = fake.lastRequest()->json();
  EXPECT_EQ(ub["tools"][0]["name"], "get_weather");
  EXPECT_EQ(ub["tools"][0]["input_schema"]["required"], json::array({"location"}));
  EXPECT_EQ(ub["tool_choice"], json::parse(R"({"type":"any"})"));

  // Streamed: tool call deltas as OpenAI sends them.
  StreamResult s =
      client.stream("/v1/chat/completions",
                    chatBody("claude", "Weather in Paris?", {{"tools", kTools}, {"stream", true}}));
  ASSERT_EQ(s.status, 200u);
  ASSERT_TRUE(s.sawDone());
  std::string args, id, finish;
  for (const auto& ev : s.events) {
    json e = ev.json();
    if (!e.is_object() || e["choices"].empty()) continue;
    const json& delta = e["choices"][0]["delta"];
    if (delta.contains("tool_calls")) {
      EXPECT_EQ(delta["tool_calls"][0]["index"], 0);
      if (delta["tool_calls"][0].contains("id")) id = delta["tool_calls"][0]["id"];
      args += delta["tool_calls"][0]["function"].value("arguments", "");
    }
    if (e["choices"][0]["finish_reason"].is_string()) finish = e["choices"][0]["finish_reason"];
  }
  EXPECT_EQ(id, "toolu_01A09q90qw90lq917835lq9");
  EXPECT_EQ(json::parse(args), json::parse(R"({"location":"Paris"})"));
  EXPECT_EQ(finish, "tool_calls");

  // The second turn carries the tool result back.
  fake.setScript(AnthropicScript{});
  json msgs =
      json::array({{{"role", "user"}, {"content", "Weather in Paris?"}},
                   j["choices"][0]["message"],
                   {{"role", "tool"}, {"tool_call_id", call["id"]}, {"content", "15 degrees"}}});
  auto r2 = client.post("/v1/chat/completions",
                        {{"model", "claude"}, {"messages", msgs}, {"tools", kTools}});
  ASSERT_EQ(r2.status, 200u) << r2.body;
  json ub2 = fake.lastRequest()->json();
  ASSERT_EQ(ub2["messages"].size(), 3u) << ub2.dump();
  // The assistant turn as the client replayed it: its text, then its tool call.
  EXPECT_EQ(ub2["messages"][1], json::parse(R"({"role":"assistant","content":[
      {"type":"text","text":"Hello from the fake"},
      {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather",
       "input":{"location":"Paris"}}]})"));
  EXPECT_EQ(ub2["messages"][2], json::parse(R"({"role":"user","content":[{"type":"tool_result",
      "tool_use_id":"toolu_01A09q90qw90lq917835lq9","content":"15 degrees"}]})"));
}

TEST(AnthropicIntegrationTest, ErrorStatusesAreMapped) {
  FakeAnthropic fake;
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());
  struct Case {
    unsigned upstream;
    std::string message;
    unsigned expect;
    std::string code;
  };
  for (const Case& c : std::vector<Case>{
           {400, "max_tokens: Input should be a valid integer", 400, "invalid_request_error"},
           {400, "prompt is too long: 208310 tokens > 200000 maximum", 400,
            "context_length_exceeded"},
           {401, std::string("invalid x-api-key ") + kUpstreamKey, 401,
            "upstream_authentication_error"},
           {404, "model: claude-nope", 404, "not_found_error"},
           {429, "rate limited", 429, "rate_limit_exceeded"},
           {500, "Internal server error", 502, "upstream_error"},
           {529, "Overloaded", 503, "overloaded_error"}}) {
    Behavior b = Behavior::error(c.upstream, c.message);
    if (c.upstream == 429) b.extra_headers["retry-after"] = "9";
    fake.pushBehavior(b);
    auto r = client.post("/v1/chat/completions", chatBody("claude"));
    EXPECT_EQ(r.status, c.expect) << c.upstream << " " << r.body;
    json j = r.json();
    EXPECT_TRUE(isOpenAIError(j)) << r.body;
    EXPECT_EQ(j["error"]["code"], c.code) << r.body;
    EXPECT_EQ(r.body.find(kUpstreamKey), std::string::npos);
    if (c.upstream == 429) EXPECT_EQ(r.header("retry-after"), "9");
  }
  EXPECT_EQ(gw->logText().find(kUpstreamKey), std::string::npos);
}

TEST(AnthropicIntegrationTest, ErrorEventBeforeContentIsAnErrorStatus) {
  FakeAnthropic fake;
  Behavior b;
  b.kind = Behavior::Kind::kErrorEventInStream;
  b.chunks_before_close = 0;
  b.error_message = "Overloaded";
  fake.setDefaultBehavior(b);
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());
  auto r = client.post("/v1/chat/completions", chatBody("claude", "hi", {{"stream", true}}));
  EXPECT_EQ(r.status, 503u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json())) << r.body;
  EXPECT_NE(r.body.find("Overloaded"), std::string::npos);

  b.status = 502;  // api_error event
  b.error_message = "Internal error";
  fake.setDefaultBehavior(b);
  auto r2 = client.post("/v1/chat/completions", chatBody("claude", "hi", {{"stream", true}}));
  EXPECT_EQ(r2.status, 502u) << r2.body;
}

TEST(AnthropicIntegrationTest, ErrorOrCutAfterContentEndsTheStreamWithoutDone) {
  FakeAnthropic fake;
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  for (auto kind : {Behavior::Kind::kErrorEventInStream, Behavior::Kind::kCloseMidStream}) {
    Behavior b;
    b.kind = kind;
    b.chunks_before_close = 2;
    fake.pushBehavior(b);
    HttpClient client(gw->port());
    StreamResult s =
        client.stream("/v1/chat/completions", chatBody("claude", "hi", {{"stream", true}}));
    EXPECT_EQ(s.status, 200u);
    EXPECT_EQ(s.content(), "Hello from");
    EXPECT_FALSE(s.sawDone());
  }
}

TEST(AnthropicIntegrationTest, DropParamsBothWays) {
  FakeAnthropic fake;
  {
    SY_START_GATEWAY(gw, configFor(fake).yaml());
    HttpClient client(gw->port());
    auto r =
        client.post("/v1/chat/completions", chatBody("claude", "hi", {{"presence_penalty", 0.5}}));
    EXPECT_EQ(r.status, 400u) << r.body;
    EXPECT_EQ(r.json()["error"]["param"], "presence_penalty");
    EXPECT_EQ(fake.requestCount(), 0u);
    auto e = client.post("/v1/embeddings", {{"model", "claude"}, {"input", "x"}});
    EXPECT_EQ(e.status, 400u) << e.body;
    EXPECT_NE(e.body.find("does not support"), std::string::npos);
  }
  SY_START_GATEWAY(gw, configFor(fake, /*drop_params=*/true).yaml());
  HttpClient client(gw->port());
  auto r = client.post("/v1/chat/completions",
                       chatBody("claude", "hi", {{"presence_penalty", 0.5}, {"seed", 1}}));
  EXPECT_EQ(r.status, 200u) << r.body;
  json ub = fake.lastRequest()->json();
  EXPECT_FALSE(ub.contains("presence_penalty"));
  EXPECT_FALSE(ub.contains("seed"));
}

TEST(AnthropicIntegrationTest, MessagesIngressIsPassedThroughUntouched) {
  FakeAnthropic fake;
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());
  const json body = json::parse(R"({"model":"claude","max_tokens":64,
      "system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],
      "messages":[{"role":"user","content":[{"type":"text","text":"Hello"}]}],
      "metadata":{"user_id":"u-1"},"top_k":3})");
  auto r = client.post("/v1/messages", body, {{"anthropic-version", "2023-06-01"}});
  ASSERT_EQ(r.status, 200u) << r.body;
  json j = r.json();
  EXPECT_EQ(j["type"], "message");
  EXPECT_EQ(j["content"][0]["text"], "Hello from the fake");
  EXPECT_EQ(j["usage"]["input_tokens"], 25);
  json expect = body;
  expect["model"] = "claude-sonnet-4-5";
  EXPECT_EQ(fake.lastRequest()->json(), expect);

  json sbody = body;
  sbody["stream"] = true;
  StreamResult s = client.stream("/v1/messages", sbody, {{"anthropic-version", "2023-06-01"}});
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  EXPECT_NE(s.raw_body.find("event: message_start\n"), std::string::npos);
  EXPECT_NE(s.raw_body.find("event: message_stop\n"), std::string::npos);
  EXPECT_EQ(s.raw_body.find("chat.completion.chunk"), std::string::npos);
  EXPECT_EQ(fake.lastRequest()->json()["stream"], true);
}

// Failures before the client saw anything (an error event ahead of content, a 529) move the
// request to the alias's next deployment.
TEST(AnthropicIntegrationTest, ErrorEventBeforeContentFailsOverToTheNextDeployment) {
  FakeAnthropic fake;
  ConfigBuilder c;
  c.model("claude-ha", "anthropic/claude-flaky", fake.baseUrl(), kUpstreamKey, "dep-flaky",
          {{"weight", "1"}})
      .model("claude-ha", "anthropic/claude-steady", fake.baseUrl(), kUpstreamKey, "dep-steady",
             {{"weight", "0"}})
      .router("num_retries", "1")  // one retry: on the other deployment, at once
      .router("allowed_fails", "1000");
  Behavior b;
  b.kind = Behavior::Kind::kErrorEventInStream;
  b.chunks_before_close = 0;
  fake.setBehaviorForModel("claude-flaky", b);
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  StreamResult s =
      client.stream("/v1/chat/completions", chatBody("claude-ha", "hi", {{"stream", true}}));
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  EXPECT_TRUE(s.sawDone());
  EXPECT_EQ(s.content(), "Hello from the fake");
  std::vector<std::string> models;
  for (const auto& r : fake.requests()) models.push_back(r.json()["model"]);
  EXPECT_EQ(models, (std::vector<std::string>{"claude-flaky", "claude-steady"}));

  fake.setBehaviorForModel("claude-flaky", Behavior::error(529, "Overloaded"));
  auto r = client.post("/v1/chat/completions", chatBody("claude-ha"));
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(fake.lastRequest()->json()["model"], "claude-steady");
}

TEST(AnthropicIntegrationTest, OverHttpsWithConfiguredCa) {
  const TestPki& pki = testPki();
  FakeOpenAI::Options tls;
  tls.tls = true;
  tls.cert_file = pki.server_cert_file;
  tls.key_file = pki.server_key_file;
  FakeAnthropic fake(kUpstreamKey, tls);
  ASSERT_EQ(fake.baseUrl().rfind("https://", 0), 0u);
  auto cfg = configFor(fake);
  cfg.litellm("ssl_verify", pki.ca_file);
  SY_START_GATEWAY(gw, cfg.yaml());
  HttpClient client(gw->port());
  auto r = client.post("/v1/chat/completions", chatBody("claude"));
  ASSERT_EQ(r.status, 200u) << r.error << " " << r.body;
  EXPECT_EQ(r.json()["choices"][0]["message"]["content"], "Hello from the fake");
  auto s = client.stream("/v1/chat/completions", chatBody("claude", "hi", {{"stream", true}}));
  ASSERT_EQ(s.status, 200u) << s.error << " " << s.raw_body;
  EXPECT_TRUE(s.sawDone());
  EXPECT_EQ(s.content(), "Hello from the fake");
}

}  // namespace
}  // namespace switchyard::test
