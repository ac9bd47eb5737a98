// The anthropic adapter without sockets: request translation (OpenAI chat -> Messages), response
// and stream translation (Messages -> chat.completion / chat.completion.chunk), error mapping,
// and whole calls through a scripted Transport (target, headers, priming, pass-through).
// Anthropic-side fixtures follow the shapes of Anthropic's Messages API reference.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "providers/adapters.hpp"
#include "providers/anthropic_translate.hpp"
#include "switchyard/providers/provider.hpp"
#include "switchyard/providers/transport.hpp"
#include "unit/run_await.hpp"

namespace switchyard::providers {
namespace {

namespace asio = boost::asio;
using api::Error;
using api::ErrorKind;
using nlohmann::json;
using test::runAwait;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kSecret = "sk-ant-SECRET-abcdef123456";

json translate(const json& chat, bool drop = false) {
  auto r = anthropic::toMessagesRequest(chat, "claude-sonnet-4-5", drop);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : json();
}

Error refuse(const json& chat, bool drop = false) {
  auto r = anthropic::toMessagesRequest(chat, "claude-sonnet-4-5", drop);
  EXPECT_FALSE(r.has_value());
  return r ? Error{} : r.error();
}

json user(const json& content) { return {{"role", "user"}, {"content", content}}; }

// ---------------------------------------------------------------------------------------------
// Request translation

TEST(AnthropicRequestTest, MinimalGetsModelAndDefaultMaxTokens) {
  json out = translate({{"model", "alias"}, {"messages", json::array({user("Hello, Claude")})}});
  EXPECT_EQ(out, json::parse(R"({"model":"claude-sonnet-4-5","max_tokens":4096,
      "messages":[{"role":"user","content":"Hello, Claude"}]})"));
}

TEST(AnthropicRequestTest, SystemAndDeveloperMessagesBecomeSystem) {
  json out =
      translate({{"messages",
                  json::array({{{"role", "system"}, {"content", "You are terse."}}, user("Hi")})}});
  EXPECT_EQ(out["system"], "You are terse.");
  EXPECT_EQ(out["messages"].size(), 1u);

  json two = translate(
      {{"messages",
        json::array({{{"role", "system"}, {"content", "A"}},
                     {{"role", "developer"},
                      {"content", json::array({{{"type", "text"},
                                                {"text", "B"},
                                                {"cache_control", {{"type", "ephemeral"}}}}})}},
                     user("Hi")})}});
  EXPECT_EQ(two["system"], json::parse(R"([{"type":"text","text":"A"},
      {"type":"text","text":"B","cache_control":{"type":"ephemeral"}}])"));
}

TEST(AnthropicRequestTest, MultiPartContentAndImages) {
  json parts = json::array(
      {{{"type", "text"}, {"text", "What is in these images?"}},
       {{"type", "image_url"}, {"image_url", {{"url", "data:image/jpeg;base64,/9j/4AAQSkZJRg=="}}}},
       {{"type", "image_url"},
        {"image_url", {{"url", "https://upload.wikimedia.org/a.jpg"}, {"detail", "low"}}}}});
  json out = translate({{"messages", json::array({user(parts)})}});
  EXPECT_EQ(out["messages"][0]["content"], json::parse(R"([
      {"type":"text","text":"What is in these images?"},
      {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQSkZJRg=="}},
      {"type":"image","source":{"type":"url","url":"https://upload.wikimedia.org/a.jpg"}}])"));

  Error e = refuse(
      {{"messages", json::array({user(json::array(
                        {{{"type", "image_url"}, {"image_url", {{"url", "ftp://x/y.png"}}}}}))})}});
  EXPECT_EQ(e.kind, ErrorKind::kInvalidRequest);
  Error audio =
      refuse({{"messages", json::array({user(json::array({{{"type", "input_audio"}}}))})}}, true);
  EXPECT_THAT(audio.message, HasSubstr("input_audio"));
}

TEST(AnthropicRequestTest, ToolsToolChoiceToolCallsAndResults) {
  json chat = json::parse(R"({
    "messages": [
      {"role": "user", "content": "Weather in Paris and London?"},
      {"role": "assistant", "content": null, "tool_calls": [
        {"id": "toolu_01", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\":\"Paris\"}"}},
        {"id": "toolu_02", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\":\"London\"}"}}]},
      {"role": "tool", "tool_call_id": "toolu_01", "content": "15 degrees"},
      {"role": "tool", "tool_call_id": "toolu_02", "content": [{"type": "text", "text": "12 degrees"}]},
      {"role": "user", "content": "Thanks"}
    ],
    "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather",
      "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}}],
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    "parallel_tool_calls": false
  })");
  json out = translate(chat);
  EXPECT_EQ(out["tools"], json::parse(R"([{"name":"get_weather","description":"Get the weather",
      "input_schema":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}])"));
  EXPECT_EQ(
      out["tool_choice"],
      json::parse(R"({"type":"tool","name":"get_weather","disable_parallel_tool_use":true})"));
  ASSERT_EQ(out["messages"].size(), 3u) << out.dump();
  EXPECT_EQ(out["messages"][1], json::parse(R"({"role":"assistant","content":[
      {"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"location":"Paris"}},
      {"type":"tool_use","id":"toolu_02","name":"get_weather","input":{"location":"London"}}]})"));
  // Both tool results and the next user text merge into one user turn, results first.
  EXPECT_EQ(out["messages"][2], json::parse(R"({"role":"user","content":[
      {"type":"tool_result","tool_use_id":"toolu_01","content":"15 degrees"},
      {"type":"tool_result","tool_use_id":"toolu_02","content":[{"type":"text","text":"12 degrees"}]},
      {"type":"text","text":"Thanks"}]})"));
}

TEST(AnthropicRequestTest, ToolChoiceStrings) {
  json tools = json::parse(R"([{"type":"function","function":{"name":"f"}}])");
  auto choice = [&](const char* tc) {
    return translate({{"messages", json::array({user("x")})},
                      {"tools", tools},
                      {"tool_choice", tc}})["tool_choice"];
  };
  EXPECT_EQ(choice("auto"), json::parse(R"({"type":"auto"})"));
  EXPECT_EQ(choice("required"), json::parse(R"({"type":"any"})"));
  EXPECT_EQ(choice("none"), json::parse(R"({"type":"none"})"));
  json out = translate({{"messages", json::array({user("x")})}, {"tools", tools}});
  EXPECT_EQ(out["tools"][0]["input_schema"], json::parse(R"({"type":"object","properties":{}})"));
  EXPECT_FALSE(out.contains("tool_choice"));
  json bad_args = json::parse(R"({"messages":[{"role":"assistant","tool_calls":[
      {"id":"a","type":"function","function":{"name":"f","arguments":"{oops"}}]}]})");
  EXPECT_EQ(refuse(bad_args).kind, ErrorKind::kInvalidRequest);
}

TEST(AnthropicRequestTest, SamplingStopUserStreamAndMaxTokens) {
  json out = translate({{"messages", json::array({user("x")})},
                        {"temperature", 0.2},
                        {"top_p", 0.9},
                        {"top_k", 5},
                        {"stop", "END"},
                        {"max_completion_tokens", 77},
                        {"user", "u-42"},
                        {"stream", true},
                        {"stream_options", {{"include_usage", true}}},
                        {"n", 1},
                        {"logprobs", false}});
  EXPECT_EQ(out["temperature"], 0.2);
  EXPECT_EQ(out["top_p"], 0.9);
  EXPECT_EQ(out["top_k"], 5);
  EXPECT_EQ(out["stop_sequences"], json::array({"END"}));
  EXPECT_EQ(out["max_tokens"], 77);
  EXPECT_EQ(out["metadata"], json::parse(R"({"user_id":"u-42"})"));
  EXPECT_EQ(out["stream"], true);
  for (const char* k : {"stream_options", "n", "logprobs", "user", "stop", "max_completion_tokens"})
    EXPECT_FALSE(out.contains(k)) << k;
  EXPECT_EQ(translate({{"messages", json::array({user("x")})},
                       {"stop", {"a", "b"}},
                       {"max_tokens", 5}})["stop_sequences"],
            json::array({"a", "b"}));
}

TEST(AnthropicRequestTest, ConsecutiveSameRoleTurnsMerge) {
  json out = translate({{"messages", json::array({user("a"),
                                                  user("b"),
                                                  {{"role", "assistant"}, {"content", "c"}},
                                                  {{"role", "assistant"}, {"content", ""}},
                                                  user("d")})}});
  EXPECT_EQ(out["messages"], json::parse(R"([
      {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},
      {"role":"assistant","content":"c"},
      {"role":"user","content":"d"}])"));
}

TEST(AnthropicRequestTest, UnsupportedParamsRefusedOrDropped) {
  const json base = {{"messages", json::array({user("x")})}};
  for (const auto& [k, v] :
       std::vector<std::pair<std::string, json>>{{"n", 2},
                                                 {"logprobs", true},
                                                 {"top_logprobs", 3},
                                                 {"presence_penalty", 0.5},
                                                 {"frequency_penalty", 0.5},
                                                 {"seed", 7},
                                                 {"logit_bias", {{"50256", -100}}},
                                                 {"response_format", {{"type", "json_object"}}},
                                                 {"some_unknown_key", 1}}) {
    json chat = base;
    chat[k] = v;
    Error e = refuse(chat);
    EXPECT_EQ(e.kind, ErrorKind::kInvalidRequest) << k;
    EXPECT_EQ(e.param, k);
    EXPECT_THAT(e.message, HasSubstr("'" + k + "'"));
    EXPECT_THAT(e.message, HasSubstr("drop_params"));
    json dropped = translate(chat, /*drop=*/true);
    EXPECT_FALSE(dropped.contains(k)) << k;
    EXPECT_EQ(dropped["messages"], json::parse(R"([{"role":"user","content":"x"}])"));
  }
  json text_format = base;
  text_format["response_format"] = {{"type", "text"}};
  EXPECT_FALSE(translate(text_format).contains("response_format"));
}

TEST(AnthropicRequestTest, MalformedMessagesRefused) {
  EXPECT_EQ(refuse({{"messages", json::array()}}).param, "messages");
  EXPECT_EQ(
      refuse({{"messages", json::array({{{"role", "function"}, {"content", "x"}}})}}, true).kind,
      ErrorKind::kInvalidRequest);
  EXPECT_EQ(refuse({{"messages", json::array({user("x")})}, {"max_tokens", 0}}).param,
            "max_tokens");
  EXPECT_EQ(
      refuse({{"messages", json::array({{{"role", "system"}, {"content", "only system"}}})}}).kind,
      ErrorKind::kInvalidRequest);
}

// ---------------------------------------------------------------------------------------------
// Response translation

TEST(AnthropicResponseTest, TextToolUseAndCacheUsage) {
  json msg = json::parse(R"({
    "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF", "type": "message", "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [{"type": "text", "text": "Let me check."},
                {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather",
                 "input": {"location": "San Francisco, CA"}}],
    "stop_reason": "tool_use", "stop_sequence": null,
    "usage": {"input_tokens": 2095, "output_tokens": 503, "cache_creation_input_tokens": 100,
              "cache_read_input_tokens": 1000}})");
  auto r = anthropic::toChatCompletion(msg, 1700000000);
  ASSERT_TRUE(r.has_value());
  const json& c = *r;
  EXPECT_EQ(c["id"], "msg_013Zva2CMHLNnXjNJJKqJ2EF");
  EXPECT_EQ(c["object"], "chat.completion");
  EXPECT_EQ(c["created"], 1700000000);
  EXPECT_EQ(c["model"], "claude-sonnet-4-5-20250929");
  EXPECT_EQ(c["choices"][0]["finish_reason"], "tool_calls");
  const json& m = c["choices"][0]["message"];
  EXPECT_EQ(m["role"], "assistant");
  EXPECT_EQ(m["content"], "Let me check.");
  ASSERT_EQ(m["tool_calls"].size(), 1u);
  EXPECT_EQ(m["tool_calls"][0]["id"], "toolu_01A09q90qw90lq917835lq9");
  EXPECT_EQ(m["tool_calls"][0]["type"], "function");
  EXPECT_EQ(m["tool_calls"][0]["function"]["name"], "get_weather");
  EXPECT_EQ(json::parse(m["tool_calls"][0]["function"]["arguments"].get<std::string>()),
            json::parse(R"({"location":"San Francisco, CA"})"));
  EXPECT_EQ(c["usage"],
            json::parse(R"({"prompt_tokens":3195,"completion_tokens":503,"total_tokens":3698,
      "prompt_tokens_details":{"cached_tokens":1000},"cache_creation_input_tokens":100,
      "cache_read_input_tokens":1000})"));
  api::Usage u = anthropic::replyUsage(c["usage"]);
  EXPECT_EQ(u.prompt_tokens, 3195u);
  EXPECT_EQ(u.completion_tokens, 503u);
  EXPECT_EQ(u.cached_tokens, 1000u);
}

TEST(AnthropicResponseTest, FinishReasonsAndToolOnlyContentIsNull) {
  EXPECT_EQ(anthropic::finishReason("end_turn"), "stop");
  EXPECT_EQ(anthropic::finishReason("stop_sequence"), "stop");
  EXPECT_EQ(anthropic::finishReason("max_tokens"), "length");
  EXPECT_EQ(anthropic::finishReason("tool_use"), "tool_calls");
  EXPECT_EQ(anthropic::finishReason("refusal"), "content_filter");
  json msg = json::parse(R"({"id":"m","type":"message","role":"assistant","model":"c",
      "content":[{"type":"tool_use","id":"t","name":"f","input":{}}],"stop_reason":"tool_use",
      "usage":{"input_tokens":1,"output_tokens":2}})");
  auto r = anthropic::toChatCompletion(msg, 1);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE((*r)["choices"][0]["message"]["content"].is_null());
  EXPECT_EQ((*r)["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"], "{}");
  EXPECT_FALSE(anthropic::toChatCompletion(json::parse(R"({"type":"error"})"), 1).has_value());
}

// ---------------------------------------------------------------------------------------------
// Stream translation

// A recorded-shape stream from Anthropic's streaming reference: text then a tool_use block.
constexpr const char* kToolStream =
    "event: message_start\n"
    "data: "
    "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_014p7gG3wDgGV9EUtLvnow3U\",\"type\":"
    "\"message\","
    "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"stop_sequence\":null,"
    "\"usage\":"
    "{\"input_tokens\":472,\"output_tokens\":2,\"cache_read_input_tokens\":8},\"content\":[],"
    "\"stop_reason\":null}}\n\n"
    "event: content_block_start\n"
    "data: "
    "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":"
    "\"\"}}\n\n"
    "event: ping\n"
    "data: {\"type\": \"ping\"}\n\n"
    "event: content_block_delta\n"
    "data: "
    "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":"
    "\"Okay\"}}\n\n"
    "event: content_block_delta\n"
    "data: "
    "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\", "
    "checking.\"}}\n\n"
    "event: content_block_stop\n"
    "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
    "event: content_block_start\n"
    "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
    "\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"name\":\"get_weather\",\"input\":{}}}\n\n"
    "event: content_block_delta\n"
    "data: "
    "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
    "\"partial_json\":\"\"}}\n\n"
    "event: content_block_delta\n"
    "data: "
    "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
    "\"partial_json\":\"{\\\"location\\\":\"}}\n\n"
    "event: content_block_delta\n"
    "data: "
    "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
    "\"partial_json\":\" \\\"Paris\\\"}\"}}\n\n"
    "event: content_block_stop\n"
    "data: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
    "event: message_delta\n"
    "data: "
    "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},"
    "\"usage\":{\"output_tokens\":89}}\n\n"
    "event: message_stop\n"
    "data: {\"type\":\"message_stop\"}\n\n";

std::vector<std::string> eventData(std::string_view stream) {
  std::vector<std::string> out;
  while (!stream.empty()) {
    std::size_t end = stream.find("\n\n");
    std::string_view ev = stream.substr(0, end);
    stream.remove_prefix(end == std::string_view::npos ? stream.size() : end + 2);
    std::size_t d = ev.find("data: ");
    if (d != std::string_view::npos) out.emplace_back(ev.substr(d + 6));
  }
  return out;
}

TEST(AnthropicStreamTest, TranslatesRecordedToolStream) {
  anthropic::StreamTranslator tr(/*include_usage=*/true, 1700000000);
  std::string out;
  for (const std::string& data : eventData(kToolStream)) {
    ASSERT_TRUE(tr.onEvent(data, out).has_value()) << data;
  }
  EXPECT_TRUE(tr.finished());
  std::vector<std::string> chunks = eventData(out);
  ASSERT_FALSE(chunks.empty());
  EXPECT_EQ(chunks.back(), "[DONE]");
  chunks.pop_back();
  std::vector<json> js;
  for (const auto& c : chunks) js.push_back(json::parse(c));
  for (const json& j : js) {
    EXPECT_EQ(j["object"], "chat.completion.chunk");
    EXPECT_EQ(j["id"], "msg_014p7gG3wDgGV9EUtLvnow3U");
    EXPECT_EQ(j["model"], "claude-sonnet-4-5-20250929");
    EXPECT_EQ(j["created"], 1700000000);
  }
  ASSERT_EQ(js.size(), 8u) << out;
  EXPECT_EQ(js[0]["choices"][0]["delta"], json::parse(R"({"role":"assistant","content":""})"));
  EXPECT_EQ(js[1]["choices"][0]["delta"]["content"], "Okay");
  EXPECT_EQ(js[2]["choices"][0]["delta"]["content"], ", checking.");
  EXPECT_EQ(js[3]["choices"][0]["delta"], json::parse(R"({"tool_calls":[{"index":0,
      "id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","type":"function","function":{"name":"get_weather","arguments":""}}]})"));
  EXPECT_EQ(
      js[4]["choices"][0]["delta"],
      json::parse(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"location\":"}}]})"));
  EXPECT_EQ(js[5]["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"], " \"Paris\"}");
  EXPECT_EQ(js[6]["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_EQ(js[6]["choices"][0]["delta"], json::object());
  EXPECT_EQ(js[7]["choices"], json::array());
  EXPECT_EQ(js[7]["usage"]["prompt_tokens"], 480);
  EXPECT_EQ(js[7]["usage"]["completion_tokens"], 89);
  EXPECT_EQ(js[7]["usage"]["prompt_tokens_details"]["cached_tokens"], 8);
}

TEST(AnthropicStreamTest, CommitsOnlyOnContentAndMapsErrorEvents) {
  anthropic::StreamTranslator tr(false, 1);
  std::string out;
  std::vector<std::string> data = eventData(kToolStream);
  ASSERT_TRUE(tr.onEvent(data[0], out).has_value());  // message_start
  ASSERT_TRUE(tr.onEvent(data[1], out).has_value());  // empty text block start
  ASSERT_TRUE(tr.onEvent(data[2], out).has_value());  // ping
  EXPECT_FALSE(tr.committed());
  auto err = tr.onEvent(
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})", out);
  ASSERT_FALSE(err.has_value());
  EXPECT_TRUE(api::isRetryable(err.error()));
  EXPECT_EQ(err.error().httpStatus(), 503u);
  ASSERT_TRUE(tr.onEvent(data[3], out).has_value());
  EXPECT_TRUE(tr.committed());
  EXPECT_FALSE(tr.finished());
  // Without include_usage: no usage chunk, [DONE] last.
  for (std::size_t i = 4; i < data.size(); ++i) ASSERT_TRUE(tr.onEvent(data[i], out).has_value());
  EXPECT_THAT(out, Not(HasSubstr("\"usage\"")));
  EXPECT_THAT(out, ::testing::EndsWith("data: [DONE]\n\n"));
  EXPECT_EQ(tr.usage()["completion_tokens"], 89);
}

// ---------------------------------------------------------------------------------------------
// Error mapping

std::string errBody(std::string_view type, std::string_view message) {
  return json{
      {"type", "error"}, {"error", {{"type", type}, {"message", message}}}, {"request_id", "req_0"}}
      .dump();
}

TEST(AnthropicErrorTest, StatusesAndTypes) {
  Error bad = anthropic::mapAnthropicError(
      400, errBody("invalid_request_error", "messages: field required"), "", kSecret);
  EXPECT_EQ(bad.kind, ErrorKind::kInvalidRequest);
  EXPECT_EQ(bad.httpStatus(), 400u);
  EXPECT_EQ(bad.code, "invalid_request_error");
  EXPECT_THAT(bad.message, HasSubstr("messages: field required"));
  EXPECT_FALSE(api::isRetryable(bad));

  Error ctx = anthropic::mapAnthropicError(
      400, errBody("invalid_request_error", "prompt is too long: 208310 tokens > 200000 maximum"),
      "", kSecret);
  EXPECT_EQ(ctx.kind, ErrorKind::kContextWindowExceeded);
  EXPECT_EQ(ctx.codeOrDefault(), "context_length_exceeded");

  for (unsigned s : {401u, 403u}) {
    Error auth = anthropic::mapAnthropicError(
        s,
        errBody(s == 401 ? "authentication_error" : "permission_error",
                std::string("invalid x-api-key ") + std::string(kSecret)),
        "", kSecret);
    EXPECT_EQ(auth.httpStatus(), s);
    EXPECT_THAT(auth.message, Not(HasSubstr("x-api-key")));
    EXPECT_THAT(auth.message, Not(HasSubstr(std::string(kSecret))));
  }

  Error nf =
      anthropic::mapAnthropicError(404, errBody("not_found_error", "model: claude-x"), "", kSecret);
  EXPECT_EQ(nf.kind, ErrorKind::kNotFound);
  EXPECT_EQ(nf.httpStatus(), 404u);

  Error big = anthropic::mapAnthropicError(
      413, errBody("request_too_large", "Request exceeds the maximum size"), "", kSecret);
  EXPECT_EQ(big.kind, ErrorKind::kPayloadTooLarge);
  EXPECT_EQ(big.httpStatus(), 413u);

  Error rl = anthropic::mapAnthropicError(
      429, errBody("rate_limit_error", "Number of request tokens has exceeded"), "17", kSecret);
  EXPECT_EQ(rl.kind, ErrorKind::kRateLimited);
  EXPECT_EQ(rl.retry_after_s, 17u);
  EXPECT_TRUE(api::isRetryable(rl));

  Error api_err =
      anthropic::mapAnthropicError(500, errBody("api_error", "Internal server error"), "", kSecret);
  EXPECT_EQ(api_err.kind, ErrorKind::kUpstreamError);
  EXPECT_TRUE(api::isRetryable(api_err));

  Error over =
      anthropic::mapAnthropicError(529, errBody("overloaded_error", "Overloaded"), "3", kSecret);
  EXPECT_TRUE(api::isRetryable(over));
  EXPECT_EQ(over.retry_after_s, 3u);
  EXPECT_EQ(over.httpStatus(), 503u);
  EXPECT_THAT(over.message, HasSubstr("Overloaded"));

  Error html = anthropic::mapAnthropicError(502, "<html>bad gateway</html>", "", kSecret);
  EXPECT_EQ(html.kind, ErrorKind::kUpstreamError);
  EXPECT_THAT(html.message, HasSubstr("HTTP 502"));

  Error leak = anthropic::mapAnthropicError(
      400, errBody("invalid_request_error", std::string("bad ") + std::string(kSecret)), "",
      kSecret);
  EXPECT_THAT(leak.message, Not(HasSubstr(std::string(kSecret))));

  EXPECT_EQ(anthropic::statusForErrorType("overloaded_error"), 529u);
  EXPECT_EQ(anthropic::statusForErrorType("rate_limit_error"), 429u);
  EXPECT_EQ(anthropic::statusForErrorType("something_new"), 500u);
}

// ---------------------------------------------------------------------------------------------
// Whole calls through a scripted Transport

class ScriptedStream final : public UpstreamStream {
 public:
  ScriptedStream(unsigned status, std::string content_type, std::deque<std::string> pieces)
      : status_(status), content_type_(std::move(content_type)), pieces_(std::move(pieces)) {}
  unsigned status() const noexcept override { return status_; }
  std::string_view header(std::string_view name) const noexcept override {
    return name == "content-type" ? std::string_view(content_type_) : std::string_view();
  }
  asio::awaitable<api::Result<std::optional<std::string>>> read(
      std::chrono::steady_clock::duration) override {
    if (pieces_.empty()) co_return std::optional<std::string>{};
    std::string p = std::move(pieces_.front());
    pieces_.pop_front();
    co_return std::optional<std::string>{std::move(p)};
  }
  asio::awaitable<api::Result<std::string>> readAll(std::chrono::steady_clock::duration,
                                                    std::size_t) override {
    std::string all;
    for (auto& p : pieces_) all += p;
    pieces_.clear();
    co_return all;
  }

 private:
  unsigned status_;
  std::string content_type_;
  std::deque<std::string> pieces_;
};

class ScriptedTransport final : public Transport {
 public:
  ScriptedTransport() : Transport(Options{}) {}
  std::vector<std::pair<Url, UpstreamRequest>> sent;
  UpstreamResponse response;
  unsigned stream_status = 200;
  std::string stream_type = "text/event-stream; charset=utf-8";
  std::deque<std::string> pieces;

  asio::awaitable<api::Result<UpstreamResponse>> send(
      const Url& url, const UpstreamRequest& req, std::chrono::steady_clock::duration) override {
    sent.emplace_back(url, req);
    co_return response;
  }
  asio::awaitable<api::Result<std::unique_ptr<UpstreamStream>>> open(
      const Url& url, const UpstreamRequest& req, std::chrono::steady_clock::duration) override {
    sent.emplace_back(url, req);
    co_return std::unique_ptr<UpstreamStream>(
        std::make_unique<ScriptedStream>(stream_status, stream_type, pieces));
  }
  std::size_t idleConnections() const noexcept override { return 0; }
};

std::string headerOf(const UpstreamRequest& r, std::string_view name) {
  for (const auto& h : r.headers)
    if (h.name == name) return h.value;
  return {};
}

asio::awaitable<api::Result<api::Reply>> callIt(Provider& p, api::Exchange& ex,
                                                const config::Deployment& d, const CallOptions& o) {
  co_return co_await p.call(ex, d, o);
}

asio::awaitable<std::string> drainAll(api::ChunkSource& s, bool* failed) {
  std::string all;
  for (;;) {
    auto c = co_await s.next();
    if (!c) {
      *failed = true;
      co_return all;
    }
    if (!*c) co_return all;
    all += **c;
  }
}

class AnthropicCallTest : public ::testing::Test {
 protected:
  AnthropicCallTest() {
    d_.model_name = "claude";
    d_.model = "anthropic/claude-sonnet-4-5";
    d_.provider = "anthropic";
    d_.model_id = "claude-sonnet-4-5";
    d_.id = "dep-claude";
    d_.api_key = std::string(kSecret);
    provider_ = makeAnthropic(transport_);
  }
  api::Exchange exchange(json body, bool stream = false) {
    api::Exchange ex;
    ex.body = std::make_unique<json>(std::move(body));
    ex.stream = stream;
    return ex;
  }
  api::Result<api::Reply> call(api::Exchange& ex, CallOptions o = {}) {
    return runAwait(io_, callIt(*provider_, ex, d_, o));
  }

  asio::io_context io_{1};
  ScriptedTransport transport_;
  config::Deployment d_;
  std::unique_ptr<Provider> provider_;
};

const char* kMessage =
    R"({"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
    "content":[{"type":"text","text":"Hi there"}],"stop_reason":"end_turn","stop_sequence":null,
    "usage":{"input_tokens":10,"output_tokens":3}})";

TEST_F(AnthropicCallTest, ApiBaseForms) {
  EXPECT_EQ(provider_->apiBase(d_), "https://api.anthropic.com:443");  // origin() form
  for (const char* base :
       {"http://127.0.0.1:9/", "http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1/messages"}) {
    config::Deployment d = d_;
    d.api_base = base;
    EXPECT_EQ(provider_->apiBase(d), "http://127.0.0.1:9") << base;
  }
  config::Deployment proxied = d_;
  proxied.api_base = "https://gw.example.com/anthropic/v1";
  EXPECT_EQ(provider_->apiBase(proxied), "https://gw.example.com:443/anthropic");
}

TEST_F(AnthropicCallTest, NonStreamSendsMessagesRequestWithHeaders) {
  transport_.response.status = 200;
  transport_.response.body = kMessage;
  api::Exchange ex = exchange({{"model", "claude"}, {"messages", json::array({user("Hello")})}});
  auto r = call(ex);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(transport_.sent.size(), 1u);
  const auto& [url, req] = transport_.sent[0];
  EXPECT_EQ(url.host, "api.anthropic.com");
  EXPECT_TRUE(url.tls);
  EXPECT_EQ(req.target, "/v1/messages");
  EXPECT_EQ(headerOf(req, "x-api-key"), kSecret);
  EXPECT_EQ(headerOf(req, "anthropic-version"), "2023-06-01");
  EXPECT_EQ(headerOf(req, "content-type"), "application/json");
  EXPECT_EQ(headerOf(req, "authorization"), "");
  EXPECT_EQ(json::parse(req.body)["model"], "claude-sonnet-4-5");
  json body = json::parse(r->body);
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Hi there");
  EXPECT_EQ(r->format, api::WireFormat::kOpenAI);
  ASSERT_TRUE(r->usage.has_value());
  EXPECT_EQ(r->usage->prompt_tokens, 10u);
  EXPECT_EQ(r->usage->completion_tokens, 3u);
}

TEST_F(AnthropicCallTest, UnsupportedParamAndEndpoint) {
  api::Exchange ex =
      exchange({{"model", "claude"}, {"messages", json::array({user("x")})}, {"seed", 3}});
  auto r = call(ex);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().param, "seed");
  EXPECT_TRUE(transport_.sent.empty());
  api::Exchange ex2 =
      exchange({{"model", "claude"}, {"messages", json::array({user("x")})}, {"seed", 3}});
  CallOptions drop;
  drop.drop_params = true;
  transport_.response.status = 200;
  transport_.response.body = kMessage;
  EXPECT_TRUE(call(ex2, drop).has_value());
  EXPECT_FALSE(json::parse(transport_.sent.back().second.body).contains("seed"));

  api::Exchange emb = exchange({{"model", "claude"}, {"input", "x"}});
  emb.endpoint = api::Endpoint::kEmbeddings;
  auto e = call(emb);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().kind, ErrorKind::kInvalidRequest);
  EXPECT_THAT(e.error().message, HasSubstr("does not support"));
}

TEST_F(AnthropicCallTest, HttpErrorIsMapped) {
  transport_.response.status = 529;
  transport_.response.body = errBody("overloaded_error", "Overloaded");
  api::Exchange ex = exchange({{"model", "claude"}, {"messages", json::array({user("x")})}});
  auto r = call(ex);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(api::isRetryable(r.error()));
}

TEST_F(AnthropicCallTest, StreamTranslatedInPiecesSplitAnywhere) {
  std::string all = kToolStream;
  for (std::size_t i = 0; i < all.size(); i += 37) transport_.pieces.push_back(all.substr(i, 37));
  api::Exchange ex = exchange(
      {{"model", "claude"}, {"stream", true}, {"messages", json::array({user("x")})}}, true);
  auto r = call(ex);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->content_type, "text/event-stream");
  EXPECT_EQ(headerOf(transport_.sent[0].second, "accept"), "text/event-stream");
  EXPECT_EQ(json::parse(transport_.sent[0].second.body)["stream"], true);
  bool failed = false;
  std::string out = runAwait(io_, drainAll(*r->stream, &failed));
  EXPECT_FALSE(failed);
  EXPECT_THAT(out, HasSubstr("\"content\":\"Okay\""));
  EXPECT_THAT(out, HasSubstr("\"finish_reason\":\"tool_calls\""));
  EXPECT_THAT(out, ::testing::EndsWith("data: [DONE]\n\n"));
  EXPECT_THAT(out, Not(HasSubstr("event:")));
}

TEST_F(AnthropicCallTest, ErrorEventBeforeContentFailsTheCall) {
  std::vector<std::string> data = eventData(kToolStream);
  transport_.pieces = {"event: message_start\ndata: " + data[0] + "\n\n",
                       "event: error\ndata: "
                       "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":"
                       "\"Overloaded\"}}\n\n"};
  api::Exchange ex = exchange(
      {{"model", "claude"}, {"stream", true}, {"messages", json::array({user("x")})}}, true);
  auto r = call(ex);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(api::isRetryable(r.error()));
  EXPECT_THAT(r.error().message, HasSubstr("Overloaded"));
}

TEST_F(AnthropicCallTest, ErrorEventOrCutAfterContentBreaksTheStream) {
  std::vector<std::string> data = eventData(kToolStream);
  for (bool cut : {false, true}) {
    transport_.pieces = {"event: message_start\ndata: " + data[0] + "\n\n",
                         "event: content_block_delta\ndata: " + data[3] + "\n\n"};
    if (!cut) {
      transport_.pieces.push_back(
          "event: error\ndata: "
          "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"boom\"}}\n\n");
    }
    api::Exchange ex = exchange(
        {{"model", "claude"}, {"stream", true}, {"messages", json::array({user("x")})}}, true);
    auto r = call(ex);
    ASSERT_TRUE(r.has_value());
    bool failed = false;
    std::string out = runAwait(io_, drainAll(*r->stream, &failed));
    EXPECT_TRUE(failed) << cut;
    EXPECT_THAT(out, HasSubstr("Okay"));
    EXPECT_THAT(out, Not(HasSubstr("[DONE]")));
  }
}

TEST_F(AnthropicCallTest, AnthropicIngressIsPassedThrough) {
  json original =
      json::parse(R"({"model":"claude","max_tokens":100,"system":[{"type":"text","text":"s",
      "cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"hi"}],"x_extra":1})");
  transport_.response.status = 200;
  transport_.response.body = kMessage;
  api::Exchange ex = exchange({{"model", "claude"}, {"messages", json::array({user("hi")})}});
  ex.ingress = api::WireFormat::kAnthropic;
  ex.anthropic_body = std::make_unique<json>(original);
  auto r = call(ex);
  ASSERT_TRUE(r.has_value());
  json sent = json::parse(transport_.sent[0].second.body);
  json expect = original;
  expect["model"] = "claude-sonnet-4-5";
  EXPECT_EQ(sent, expect);
  EXPECT_EQ(r->format, api::WireFormat::kAnthropic);
  EXPECT_EQ(r->body, kMessage);

  // Streams are relayed event for event, `event:` lines included.
  transport_.pieces = {kToolStream};
  original["stream"] = true;
  api::Exchange sx = exchange(
      {{"model", "claude"}, {"stream", true}, {"messages", json::array({user("hi")})}}, true);
  sx.ingress = api::WireFormat::kAnthropic;
  sx.anthropic_body = std::make_unique<json>(original);
  auto s = call(sx);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->format, api::WireFormat::kAnthropic);
  bool failed = false;
  EXPECT_EQ(runAwait(io_, drainAll(*s->stream, &failed)), kToolStream);
  EXPECT_FALSE(failed);
}

}  // namespace
}  // namespace switchyard::providers
