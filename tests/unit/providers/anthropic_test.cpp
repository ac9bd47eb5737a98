// The anthropic adapter's translation without sockets: request translation (OpenAI chat ->
// Messages), response and stream translation (Messages -> chat.completion /
// chat.completion.chunk) and error mapping. Whole calls: anthropic_call_test.cpp.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "providers/anthropic_translate.hpp"
#include "unit/providers/anthropic_fixtures.hpp"

namespace switchyard::providers {
namespace {

using namespace anthropic_fixtures;
using api::Error;
using api::ErrorKind;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

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
  EXPECT_EQ(err.error().kind, ErrorKind::kOverloaded);
  EXPECT_EQ(err.error().httpStatus(), 503u);
  EXPECT_EQ(err.error().upstream_status, 529u);  // the status Anthropic uses for overloaded_error
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

  // Overloaded (529, or the overloaded_error type at another status): kOverloaded, which an
  // OpenAI-format client gets as 503 overloaded_error (529 is not a standard status) and an
  // Anthropic-format one as 529.
  Error over =
      anthropic::mapAnthropicError(529, errBody("overloaded_error", "Overloaded"), "3", kSecret);
  EXPECT_EQ(over.kind, ErrorKind::kOverloaded);
  EXPECT_TRUE(api::isRetryable(over));
  EXPECT_EQ(over.retry_after_s, 3u);
  EXPECT_EQ(over.status, 0u);
  EXPECT_EQ(over.httpStatus(), 503u);
  EXPECT_EQ(over.upstream_status, 529u);
  EXPECT_EQ(over.codeOrDefault(), "overloaded_error");
  EXPECT_EQ(over.message, "anthropic error: Overloaded");
  EXPECT_TRUE(over.upstream_body.empty());  // only the adapter sets it, for pass-through
  EXPECT_EQ(
      anthropic::mapAnthropicError(503, errBody("overloaded_error", "Overloaded"), "", kSecret)
          .kind,
      ErrorKind::kOverloaded);
  EXPECT_EQ(anthropic::mapAnthropicError(529, "", "", kSecret).kind, ErrorKind::kOverloaded);
  // A 503 without the type is a plain upstream error in Anthropic's dialect.
  EXPECT_EQ(anthropic::mapAnthropicError(503, errBody("api_error", "x"), "", kSecret).kind,
            ErrorKind::kUpstreamError);

  Error timeout = anthropic::mapAnthropicError(504, errBody("timeout_error", "slow"), "", kSecret);
  EXPECT_EQ(timeout.kind, ErrorKind::kUpstreamTimeout);
  Error big_type =
      anthropic::mapAnthropicError(400, errBody("request_too_large", "big"), "", kSecret);
  EXPECT_EQ(big_type.kind, ErrorKind::kPayloadTooLarge);
  EXPECT_EQ(big_type.code, "request_too_large");

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

}  // namespace
}  // namespace switchyard::providers
