// POST /v1/responses, reply side (ingress/responses/reply.hpp): chat.completion -> response
// object, the echoed request settings, usage, ids. Fixtures follow OpenAI's chat completion object
// and the Responses API's response object.

#include "switchyard/ingress/responses/reply.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

namespace switchyard::ingress::responses {
namespace {

using nlohmann::json;

const ResponseHead kHead{"resp_0123456789abcdef0123456789abcdef", 1741476542, "my-alias"};

json completion(const std::string& message, const std::string& finish = "stop",
                const std::string& usage = "null") {
  return json::parse(
      R"({"id":"chatcmpl-1","object":"chat.completion","created":1741476542,"model":"gpt-4o",
      "choices":[{"index":0,"message":)" +
      message + R"(,"logprobs":null,"finish_reason":")" + finish + R"("}],"usage":)" + usage + "}");
}

const json kMinimalRequest = json::parse(R"({"model":"my-alias","input":"Hi"})");

// The output with its generated ids checked and blanked.
json withoutIds(json output) {
  static const std::regex kId("(msg|fc|rs)_[0-9a-f]{32}");
  for (json& item : output) {
    std::string id = item["id"];
    EXPECT_TRUE(std::regex_match(id, kId)) << id;
    item["id"] = "";
  }
  return output;
}

TEST(ResponsesReplyTest, IdsAre32LowercaseHexAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string id = newResponseId();
    EXPECT_TRUE(std::regex_match(id, std::regex("resp_[0-9a-f]{32}"))) << id;
    EXPECT_TRUE(seen.insert(id).second);
  }
  EXPECT_TRUE(std::regex_match(newItemId("fco_"), std::regex("fco_[0-9a-f]{32}")));
}

TEST(ResponsesReplyTest, ShellEchoesOpenAiDefaults) {
  json shell = responseShell(kMinimalRequest, kHead);
  EXPECT_EQ(shell, json::parse(R"({
    "id":"resp_0123456789abcdef0123456789abcdef","object":"response","created_at":1741476542,
    "status":"in_progress","background":false,"error":null,"incomplete_details":null,
    "instructions":null,"max_output_tokens":null,"max_tool_calls":null,"model":"my-alias",
    "output":[],"parallel_tool_calls":true,"previous_response_id":null,"prompt_cache_key":null,
    "reasoning":{"effort":null,"summary":null},"safety_identifier":null,"service_tier":"auto",
    "store":true,"temperature":1,"text":{"format":{"type":"text"}},"tool_choice":"auto",
    "tools":[],"top_logprobs":0,"top_p":1,"truncation":"disabled","usage":null,"user":null,
    "metadata":{}})"))
      << shell.dump(2);
}

TEST(ResponsesReplyTest, ShellEchoesTheRequestSettings) {
  json request = json::parse(R"({
    "model":"my-alias","input":"Hi","instructions":"Be terse.","max_output_tokens":256,
    "max_tool_calls":3,"parallel_tool_calls":false,"previous_response_id":"resp_prev",
    "reasoning":{"effort":"low","summary":"auto"},"service_tier":"flex","store":false,
    "temperature":0.2,"text":{"format":{"type":"json_schema","name":"x","schema":{"type":"object"},"strict":true},"verbosity":"low"},
    "tool_choice":{"type":"function","name":"get_weather"},
    "tools":[{"type":"function","name":"get_weather","description":"Weather","parameters":{"type":"object"},"strict":true},
             {"type":"function","function":{"name":"legacy","parameters":{"type":"object"}}}],
    "top_logprobs":2,"top_p":0.5,"truncation":"auto","user":"u-1","metadata":{"k":"v"}})");
  json shell = responseShell(request, kHead);
  EXPECT_EQ(shell["instructions"], "Be terse.");
  EXPECT_EQ(shell["max_output_tokens"], 256);
  EXPECT_EQ(shell["max_tool_calls"], 3);
  EXPECT_EQ(shell["parallel_tool_calls"], false);
  EXPECT_EQ(shell["previous_response_id"], "resp_prev");
  EXPECT_EQ(shell["reasoning"], json::parse(R"({"effort":"low","summary":"auto"})"));
  EXPECT_EQ(shell["service_tier"], "flex");
  EXPECT_EQ(shell["store"], false);
  EXPECT_EQ(shell["temperature"], 0.2);
  EXPECT_EQ(shell["text"], json::parse(R"({"format":{"type":"json_schema","name":"x",
      "schema":{"type":"object"},"strict":true},"verbosity":"low"})"));
  EXPECT_EQ(shell["tool_choice"], json::parse(R"({"type":"function","name":"get_weather"})"));
  EXPECT_EQ(shell["tools"], json::parse(R"([
      {"type":"function","name":"get_weather","description":"Weather","parameters":{"type":"object"},"strict":true},
      {"type":"function","name":"legacy","parameters":{"type":"object"}}])"));
  EXPECT_EQ(shell["top_logprobs"], 2);
  EXPECT_EQ(shell["top_p"], 0.5);
  EXPECT_EQ(shell["truncation"], "auto");
  EXPECT_EQ(shell["user"], "u-1");
  EXPECT_EQ(shell["metadata"], json::parse(R"({"k":"v"})"));
  EXPECT_EQ(shell["model"], "my-alias");
}

TEST(ResponsesReplyTest, TextCompletionBecomesAMessageItem) {
  auto r = toResponse(
      completion(R"({"role":"assistant","content":"Hello there!","refusal":null})", "stop",
                 R"({"prompt_tokens":19,"completion_tokens":10,"total_tokens":29})"),
      kMinimalRequest, kHead);
  ASSERT_TRUE(r) << r.error().message;
  json expected = responseShell(kMinimalRequest, kHead);
  expected["status"] = "completed";
  expected["output"] = json::parse(R"([{"id":"","type":"message","status":"completed",
      "content":[{"type":"output_text","annotations":[],"logprobs":[],"text":"Hello there!"}],
      "role":"assistant"}])");
  expected["usage"] = json::parse(R"({"input_tokens":19,"input_tokens_details":{"cached_tokens":0},
      "output_tokens":10,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":29})");
  json got = *r;
  got["output"] = withoutIds(got["output"]);
  EXPECT_EQ(got, expected) << got.dump(2);
}

TEST(ResponsesReplyTest, ToolCallsBecomeFunctionCallItemsAfterText) {
  auto r = toResponse(completion(R"({"role":"assistant","content":"Checking.","tool_calls":[
      {"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
      {"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{}"}}]})",
                                 "tool_calls"),
                      kMinimalRequest, kHead);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["status"], "completed");
  EXPECT_EQ(withoutIds((*r)["output"]), json::parse(R"([
    {"id":"","type":"message","status":"completed","role":"assistant",
     "content":[{"type":"output_text","annotations":[],"logprobs":[],"text":"Checking."}]},
    {"id":"","type":"function_call","status":"completed","arguments":"{\"city\":\"Paris\"}",
     "call_id":"call_a","name":"get_weather"},
    {"id":"","type":"function_call","status":"completed","arguments":"{}","call_id":"call_b",
     "name":"get_time"}])"));
  std::string id0 = (*r)["output"][1]["id"], id1 = (*r)["output"][2]["id"];
  EXPECT_TRUE(id0.starts_with("fc_"));
  EXPECT_NE(id0, id1);
}

TEST(ResponsesReplyTest, ToolCallOnlyHasNoMessageItem) {
  auto r = toResponse(completion(R"({"role":"assistant","content":null,"tool_calls":[
      {"id":"call_a","type":"function","function":{"name":"f","arguments":"{}"}}]})",
                                 "tool_calls"),
                      kMinimalRequest, kHead);
  ASSERT_TRUE(r);
  ASSERT_EQ((*r)["output"].size(), 1u);
  EXPECT_EQ((*r)["output"][0]["type"], "function_call");
}

TEST(ResponsesReplyTest, RefusalBecomesARefusalPart) {
  auto r = toResponse(
      completion(R"({"role":"assistant","content":null,"refusal":"I can't help with that."})"),
      kMinimalRequest, kHead);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["output"][0]["content"],
            json::parse(R"([{"type":"refusal","refusal":"I can't help with that."}])"));
}

TEST(ResponsesReplyTest, ReasoningComesFirstAsASummary) {
  for (const char* key : {"reasoning_content", "reasoning"}) {
    auto r = toResponse(completion(std::string(R"({"role":"assistant","content":"4",")") + key +
                                   R"(":"2+2 is 4."})"),
                        kMinimalRequest, kHead);
    ASSERT_TRUE(r);
    json out = withoutIds((*r)["output"]);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0], json::parse(R"({"id":"","type":"reasoning",
        "summary":[{"type":"summary_text","text":"2+2 is 4."}],"content":[]})"));
    EXPECT_TRUE((*r)["output"][0]["id"].get<std::string>().starts_with("rs_"));
    EXPECT_EQ(out[1]["type"], "message");
  }
}

TEST(ResponsesReplyTest, LengthIsIncompleteMaxOutputTokens) {
  auto r = toResponse(completion(R"({"role":"assistant","content":"Once upon"})", "length"),
                      kMinimalRequest, kHead);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["status"], "incomplete");
  EXPECT_EQ((*r)["incomplete_details"], json::parse(R"({"reason":"max_output_tokens"})"));
  EXPECT_EQ((*r)["output"][0]["status"], "incomplete");
}

TEST(ResponsesReplyTest, ContentFilterIsIncompleteContentFilter) {
  auto r = toResponse(completion(R"({"role":"assistant","content":"Some"})", "content_filter"),
                      kMinimalRequest, kHead);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["status"], "incomplete");
  EXPECT_EQ((*r)["incomplete_details"], json::parse(R"({"reason":"content_filter"})"));
  EXPECT_EQ((*r)["output"][0]["status"], "incomplete");
}

TEST(ResponsesReplyTest, UsageMapsCachedAndReasoningTokens) {
  EXPECT_EQ(responseUsage(json::parse(R"({"prompt_tokens":2006,"completion_tokens":300,
      "total_tokens":2306,"prompt_tokens_details":{"cached_tokens":1920,"audio_tokens":0},
      "completion_tokens_details":{"reasoning_tokens":256,"audio_tokens":0}})")),
            json::parse(R"({"input_tokens":2006,"input_tokens_details":{"cached_tokens":1920},
      "output_tokens":300,"output_tokens_details":{"reasoning_tokens":256},"total_tokens":2306})"));
  // LiteLLM's top-level cache_read_input_tokens; no total: the sum.
  EXPECT_EQ(responseUsage(json::parse(
                R"({"prompt_tokens":10,"completion_tokens":5,"cache_read_input_tokens":4})")),
            json::parse(R"({"input_tokens":10,"input_tokens_details":{"cached_tokens":4},
      "output_tokens":5,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":15})"));
  EXPECT_EQ(responseUsage(nullptr),
            json::parse(R"({"input_tokens":0,"input_tokens_details":{"cached_tokens":0},
      "output_tokens":0,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":0})"));
}

TEST(ResponsesReplyTest, NoUsageCountsZeros) {
  auto r = toResponse(completion(R"({"role":"assistant","content":"x"})"), kMinimalRequest, kHead);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["usage"], responseUsage(nullptr));
}

TEST(ResponsesReplyTest, NoChoicesIsAnUpstreamError) {
  for (const char* body : {R"({"id":"x","choices":[]})", R"({"id":"x"})",
                           R"({"choices":[{"index":0,"finish_reason":"stop"}]})", "[]"}) {
    auto r = toResponse(json::parse(body), kMinimalRequest, kHead);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().kind, api::ErrorKind::kUpstreamError);
  }
}

}  // namespace
}  // namespace switchyard::ingress::responses
