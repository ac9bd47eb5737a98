// POST /v1/messages through the real binary (docs/design.md §3): Anthropic Messages requests served
// by an OpenAI-format upstream (FakeOpenAI) and by the mock provider, translated both ways, streams
// in Anthropic's event format, tools round trip, and every error in Anthropic's shape.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

const Headers kAnthropicHeaders = {{"x-api-key", kMasterKey}, {"anthropic-version", "2023-06-01"}};

// Answers every chat request with a get_weather tool call (stream or not) in OpenAI's format;
// when the conversation already holds a tool result, answers with text quoting it.
class ToolDialect final : public FakeDialect {
 public:
  std::string modelOf(const RecordedRequest& req) const override {
    return req.json().value("model", "");
  }
  bool serve(const RecordedRequest& req, const Behavior&, FakeResponder& out) override {
    json body = req.json();
    std::string tool_result;
    for (const json& m : body["messages"])
      if (m.value("role", "") == "tool") tool_result = m.value("content", "");
    bool stream = body.value("stream", false);
    if (!tool_result.empty()) {
      json done = {
          {"id", "chatcmpl-2"},
          {"object", "chat.completion"},
          {"created", 1},
          {"model", "m"},
          {"choices",
           json::array(
               {{{"index", 0},
                 {"finish_reason", "stop"},
                 {"message", {{"role", "assistant"}, {"content", "It is " + tool_result}}}}})},
          {"usage", {{"prompt_tokens", 30}, {"completion_tokens", 4}, {"total_tokens", 34}}}};
      return out.respond(200, "application/json", done.dump());
    }
    if (!stream) {
      json call = {
          {"id", "chatcmpl-1"},
          {"object", "chat.completion"},
          {"created", 1},
          {"model", "m"},
          {"choices",
           json::array({{{"index", 0},
                         {"finish_reason", "tool_calls"},
                         {"message",
                          {{"role", "assistant"},
                           {"content", nullptr},
                           {"tool_calls",
                            json::array({{{"id", "call_w1"},
                                          {"type", "function"},
                                          {"function",
                                           {{"name", "get_weather"},
                                            {"arguments", "{\"location\":\"Paris\"}"}}}}})}}}}})},
          {"usage",
           {{"prompt_tokens", 20},
            {"completion_tokens", 9},
            {"total_tokens", 29},
            {"prompt_tokens_details", {{"cached_tokens", 5}}}}}};
      return out.respond(200, "application/json", call.dump());
    }
    auto chunk = [](const std::string& choice) {
      return "data: "
             "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":"
             "\"m\","
             "\"choices\":[" +
             choice + "]}\n\n";
    };
    if (!out.startStream("text/event-stream")) return false;
    const std::vector<std::string> events = {
        chunk(
            R"({"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_w1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null})"),
        chunk(
            R"({"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"location\""}}]},"finish_reason":null})"),
        chunk(
            R"({"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":\"Paris\"}"}}]},"finish_reason":null})"),
        chunk(R"({"index":0,"delta":{},"finish_reason":"tool_calls"})"),
        "data: "
        "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
        "\"choices\":[],"
        "\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":9,\"total_tokens\":29}}\n\n",
        "data: [DONE]\n\n"};
    for (const std::string& e : events)
      if (!out.chunk(e)) return false;
    return out.endStream();
  }
};

json messagesBody(const std::string& model, const std::string& prompt = "Hello, Claude",
                  json extra = json::object()) {
  json j = {{"model", model},
            {"max_tokens", 64},
            {"messages", json::array({{{"role", "user"}, {"content", prompt}}})}};
  for (auto& [k, v] : extra.items()) j[k] = v;
  return j;
}

// Anthropic's error shape: {"type":"error","error":{"type":str,"message":str}}.
::testing::AssertionResult isAnthropicError(const json& j, const std::string& type) {
  if (!j.is_object() || j.value("type", "") != "error" || !j["error"].is_object())
    return ::testing::AssertionFailure() << "not an Anthropic error: " << j.dump();
  if (!j["error"]["message"].is_string() || j["error"]["message"].get<std::string>().empty())
    return ::testing::AssertionFailure() << "no message: " << j.dump();
  if (j["error"].value("type", "") != type)
    return ::testing::AssertionFailure() << "type is not " << type << ": " << j.dump();
  return ::testing::AssertionSuccess();
}

std::vector<std::string> eventTypes(const StreamResult& s) {
  std::vector<std::string> out;
  for (const SseEvent& e : s.events) out.push_back(e.json().value("type", "?"));
  return out;
}

std::string streamedText(const StreamResult& s) {
  std::string text;
  for (const SseEvent& e : s.events) {
    json j = e.json();
    if (j.value("type", "") == "content_block_delta" &&
        j["delta"].value("type", "") == "text_delta")
      text += j["delta"].value("text", "");
  }
  return text;
}

class MessagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FakeOpenAI::Options tool_options;
    tool_options.dialect = std::make_shared<ToolDialect>();
    tools_ = std::make_unique<FakeOpenAI>(tool_options);
    ConfigBuilder c;
    c.model("claude-via-openai", "openai/fake-model-1", fake_.baseUrl(), kUpstreamKey, "dep-openai")
        .model("tool-model", "openai/tool-model", tools_->baseUrl(), kUpstreamKey, "dep-tools")
        .model("mock-echo", "mock/echo")
        .model("mock-canned", "mock/canned")
        .router("num_retries", "0")
        .general("master_key", kMasterKey);
    gw_ = launchGateway(c.yaml());
    ASSERT_TRUE(gw_->started()) << gw_->startError();
    client_ = std::make_unique<HttpClient>(gw_->port());
  }
  HttpResponse post(const json& body, const std::string& target = "/v1/messages") {
    return client_->post(target, body, kAnthropicHeaders);
  }

  FakeOpenAI fake_;
  std::unique_ptr<FakeOpenAI> tools_;
  std::unique_ptr<GatewayProcess> gw_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(MessagesTest, NonStreamOverOpenAiUpstreamIsTranslatedBothWays) {
  json body = messagesBody("claude-via-openai", "What is 2+2?",
                           {{"system", "You are terse."},
                            {"temperature", 0.2},
                            {"stop_sequences", {"END"}},
                            {"top_k", 5},
                            {"metadata", {{"user_id", "u-1"}}}});
  auto r = post(body);
  ASSERT_EQ(r.status, 200u) << r.error << " " << r.body;
  EXPECT_NE(r.header("content-type").find("application/json"), std::string::npos);
  EXPECT_FALSE(r.header("request-id").empty());
  json m = r.json();
  EXPECT_TRUE(m.value("id", "").starts_with("msg_")) << r.body;
  EXPECT_EQ(m["type"], "message");
  EXPECT_EQ(m["role"], "assistant");
  EXPECT_EQ(m["model"], "claude-via-openai");
  EXPECT_EQ(m["content"], json::parse(R"([{"type":"text","text":"Hello from the fake"}])"));
  EXPECT_EQ(m["stop_reason"], "end_turn");
  EXPECT_TRUE(m["stop_sequence"].is_null());
  EXPECT_TRUE(m["usage"]["input_tokens"].is_number_unsigned()) << r.body;
  EXPECT_TRUE(m["usage"]["output_tokens"].is_number_unsigned()) << r.body;

  ASSERT_EQ(fake_.requestCount(), 1u);
  RecordedRequest up = *fake_.lastRequest();
  EXPECT_EQ(up.target, "/v1/chat/completions");
  EXPECT_EQ(up.header("authorization"), std::string("Bearer ") + kUpstreamKey);
  EXPECT_EQ(up.header("x-api-key"), "");
  json ub = up.json();
  EXPECT_EQ(ub["model"], "fake-model-1");
  EXPECT_EQ(ub["messages"], json::parse(R"([{"role":"system","content":"You are terse."},
                                            {"role":"user","content":"What is 2+2?"}])"));
  EXPECT_EQ(ub["max_tokens"], 64);
  EXPECT_EQ(ub["temperature"], 0.2);
  EXPECT_EQ(ub["stop"], json::array({"END"}));
  EXPECT_EQ(ub["user"], "u-1");
  for (const char* k : {"top_k", "metadata", "system", "stop_sequences"})
    EXPECT_FALSE(ub.contains(k)) << k << " reached the upstream: " << up.body;
}

TEST_F(MessagesTest, StreamOverOpenAiUpstreamIsAnthropicEventStream) {
  auto s =
      client_->stream("/v1/messages", messagesBody("claude-via-openai", "hi", {{"stream", true}}),
                      kAnthropicHeaders);
  ASSERT_EQ(s.status, 200u) << s.error << " " << s.raw_body;
  EXPECT_NE(s.header("content-type").find("text/event-stream"), std::string::npos);
  EXPECT_TRUE(s.complete);
  std::vector<std::string> types = eventTypes(s);
  ASSERT_GE(types.size(), 6u) << s.raw_body;
  EXPECT_EQ(types.front(), "message_start");
  EXPECT_EQ(types[1], "content_block_start");
  EXPECT_EQ(types[types.size() - 3], "content_block_stop");
  EXPECT_EQ(types[types.size() - 2], "message_delta");
  EXPECT_EQ(types.back(), "message_stop");
  EXPECT_EQ(streamedText(s), "Hello from the fake");
  EXPECT_NE(s.raw_body.find("event: message_start\ndata: "), std::string::npos);
  EXPECT_EQ(s.raw_body.find("[DONE]"), std::string::npos);
  json delta = s.events[s.events.size() - 2].json();
  EXPECT_EQ(delta["delta"]["stop_reason"], "end_turn");
  EXPECT_GT(delta["usage"]["output_tokens"].get<int>(), 0) << "usage was requested upstream";
  json ub = fake_.lastRequest()->json();
  EXPECT_EQ(ub["stream"], true);
  EXPECT_EQ(ub["stream_options"], json::parse(R"({"include_usage":true})"));
}

TEST_F(MessagesTest, MockEchoNonStreamAndStreamOnEveryPathSpelling) {
  for (const char* target : {"/v1/messages", "/messages", "/v1/messages?beta=true"}) {
    SCOPED_TRACE(target);
    auto r = post(messagesBody("mock-echo", "echo me please"), target);
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.json()["content"][0]["text"], "echo me please");
    EXPECT_EQ(r.json()["model"], "mock-echo");
  }
  auto s = client_->stream("/v1/messages?beta=true",
                           messagesBody("mock-echo", "one two three", {{"stream", true}}),
                           {{"authorization", std::string("Bearer ") + kMasterKey}});
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  EXPECT_EQ(streamedText(s), "one two three");
  EXPECT_EQ(eventTypes(s).back(), "message_stop");
  json delta = s.events[s.events.size() - 2].json();
  EXPECT_GT(delta["usage"]["input_tokens"].get<int>(), 0);
  EXPECT_GT(delta["usage"]["output_tokens"].get<int>(), 0);
}

TEST_F(MessagesTest, MockResponseControlAndSystemBlocks) {
  json body = messagesBody(
      "mock-canned", "x",
      {{"mock_response", "canned answer"},
       {"system",
        json::parse(R"([{"type":"text","text":"s","cache_control":{"type":"ephemeral"}}])")}});
  auto r = post(body);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json()["content"][0]["text"], "canned answer");
}

TEST_F(MessagesTest, ToolsRoundTripNonStream) {
  json tools = json::parse(R"([{"name":"get_weather","description":"Weather for a city",
      "input_schema":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}])");
  json body = messagesBody("tool-model", "Weather in Paris?",
                           {{"tools", tools}, {"tool_choice", {{"type", "auto"}}}});
  auto r = post(body);
  ASSERT_EQ(r.status, 200u) << r.body;
  json m = r.json();
  EXPECT_EQ(m["stop_reason"], "tool_use");
  ASSERT_EQ(m["content"].size(), 1u) << r.body;
  EXPECT_EQ(m["content"][0], json::parse(R"({"type":"tool_use","id":"call_w1","name":"get_weather",
                                             "input":{"location":"Paris"}})"));
  EXPECT_EQ(m["usage"]["input_tokens"], 15);
  EXPECT_EQ(m["usage"]["cache_read_input_tokens"], 5);
  json up = tools_->lastRequest()->json();
  EXPECT_EQ(up["tools"][0]["function"]["parameters"], tools[0]["input_schema"]);
  EXPECT_EQ(up["tool_choice"], "auto");

  // Second turn: the assistant's tool_use and the user's tool_result go back.
  body["messages"].push_back({{"role", "assistant"}, {"content", m["content"]}});
  body["messages"].push_back({{"role", "user"},
                              {"content", json::array({{{"type", "tool_result"},
                                                        {"tool_use_id", "call_w1"},
                                                        {"content", "18 degrees"}}})}});
  auto r2 = post(body);
  ASSERT_EQ(r2.status, 200u) << r2.body;
  EXPECT_EQ(r2.json()["content"][0]["text"], "It is 18 degrees");
  EXPECT_EQ(r2.json()["stop_reason"], "end_turn");
  json up2 = tools_->lastRequest()->json();
  ASSERT_EQ(up2["messages"].size(), 3u) << up2.dump();
  EXPECT_EQ(up2["messages"][1]["tool_calls"][0]["id"], "call_w1");
  EXPECT_EQ(up2["messages"][1]["tool_calls"][0]["function"]["arguments"],
            "{\"location\":\"Paris\"}");
  EXPECT_EQ(up2["messages"][2],
            json::parse(R"({"role":"tool","tool_call_id":"call_w1","content":"18 degrees"})"));
}

TEST_F(MessagesTest, ToolsStreamAsInputJsonDeltas) {
  json tools = json::parse(R"([{"name":"get_weather","input_schema":{"type":"object"}}])");
  auto s = client_->stream(
      "/v1/messages", messagesBody("tool-model", "Weather?", {{"tools", tools}, {"stream", true}}),
      kAnthropicHeaders);
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  EXPECT_EQ(eventTypes(s),
            (std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                      "content_block_delta", "content_block_stop", "message_delta",
                                      "message_stop"}))
      << s.raw_body;
  ASSERT_EQ(s.events.size(), 7u);
  EXPECT_EQ(s.events[1].json()["content_block"],
            json::parse(R"({"type":"tool_use","id":"call_w1","name":"get_weather","input":{}})"));
  std::string partial = s.events[2].json()["delta"].value("partial_json", "") +
                        s.events[3].json()["delta"].value("partial_json", "");
  EXPECT_EQ(json::parse(partial), json::parse(R"({"location":"Paris"})"));
  EXPECT_EQ(s.events[5].json()["delta"]["stop_reason"], "tool_use");
  EXPECT_EQ(s.events[5].json()["usage"]["output_tokens"], 9);
}

TEST_F(MessagesTest, ClientErrorsAreAnthropicShaped) {
  json no_max = messagesBody("mock-echo");
  no_max.erase("max_tokens");
  auto r = post(no_max);
  EXPECT_EQ(r.status, 400u);
  EXPECT_TRUE(isAnthropicError(r.json(), "invalid_request_error"));
  EXPECT_EQ(r.json()["error"]["message"], "max_tokens: Field required");

  r = client_->request("POST", "/v1/messages", "{not json", kAnthropicHeaders);
  EXPECT_EQ(r.status, 400u);
  EXPECT_TRUE(isAnthropicError(r.json(), "invalid_request_error"));

  r = post(messagesBody("no-such-model"));
  EXPECT_EQ(r.status, 404u);
  EXPECT_TRUE(isAnthropicError(r.json(), "not_found_error"));

  r = client_->post("/v1/messages", messagesBody("mock-echo"), {{"x-api-key", "sk-wrong"}});
  EXPECT_EQ(r.status, 401u);
  EXPECT_TRUE(isAnthropicError(r.json(), "authentication_error"));
  // Authentication comes first: an invalid body with a wrong key is still a 401.
  r = client_->post("/v1/messages", json{{"model", "x"}}, {{"x-api-key", "sk-wrong"}});
  EXPECT_EQ(r.status, 401u);

  r = client_->get("/v1/messages", kAnthropicHeaders);
  EXPECT_EQ(r.status, 405u);
  EXPECT_TRUE(isAnthropicError(r.json(), "invalid_request_error"));
  EXPECT_EQ(fake_.requestCount(), 0u);
}

TEST_F(MessagesTest, CountTokensEstimatesWithoutCallingTheProvider) {
  json body = messagesBody("claude-via-openai", std::string(400, 'x'));
  body.erase("max_tokens");
  auto r = post(body, "/v1/messages/count_tokens?beta=true");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_GE(r.json()["input_tokens"].get<int>(), 100) << r.body;
  EXPECT_EQ(fake_.requestCount(), 0u);

  r = post(messagesBody("no-such-model"), "/v1/messages/count_tokens");
  EXPECT_EQ(r.status, 404u);
  EXPECT_TRUE(isAnthropicError(r.json(), "not_found_error"));
  r = client_->post("/v1/messages/count_tokens", body, {{"x-api-key", "sk-wrong"}});
  EXPECT_EQ(r.status, 401u);
  EXPECT_TRUE(isAnthropicError(r.json(), "authentication_error"));
}

TEST_F(MessagesTest, UpstreamErrorsAreAnthropicShaped) {
  fake_.pushBehavior(Behavior::error(429, "slow down"));
  auto r = post(messagesBody("claude-via-openai"));
  EXPECT_EQ(r.status, 429u) << r.body;
  EXPECT_TRUE(isAnthropicError(r.json(), "rate_limit_error"));

  fake_.pushBehavior(Behavior::error(500, "boom"));
  r = post(messagesBody("claude-via-openai"));
  EXPECT_GE(r.status, 500u) << r.body;
  EXPECT_TRUE(isAnthropicError(r.json(), "api_error"));

  fake_.pushBehavior(Behavior::error(400, "bad thing"));
  r = post(messagesBody("claude-via-openai"));
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_TRUE(isAnthropicError(r.json(), "invalid_request_error"));
}

TEST_F(MessagesTest, ErrorInsideStreamBecomesAnErrorEvent) {
  Behavior b;
  b.kind = Behavior::Kind::kErrorEventInStream;
  b.chunks_before_close = 2;
  fake_.pushBehavior(b);
  auto s =
      client_->stream("/v1/messages", messagesBody("claude-via-openai", "hi", {{"stream", true}}),
                      kAnthropicHeaders);
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  ASSERT_FALSE(s.events.empty());
  EXPECT_EQ(eventTypes(s).front(), "message_start");
  json last = s.events.back().json();
  EXPECT_TRUE(isAnthropicError(last, "api_error")) << s.raw_body;
  EXPECT_NE(s.raw_body.find("event: error\ndata: "), std::string::npos);
  EXPECT_EQ(s.raw_body.find("message_stop"), std::string::npos);
}

}  // namespace
}  // namespace switchyard::test
