// api::scanUsage: the usage object of a reply body or a stream chunk, read in place;
// api::setUsageCost: its `cost` set in place (OpenRouter's usage accounting); api::mergeUsage.

#include "switchyard/api/usage.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::api {
namespace {

Usage scan(std::string_view text) {
  std::optional<Usage> u = scanUsage(text);
  EXPECT_TRUE(u.has_value()) << text;
  return u.value_or(Usage{});
}

TEST(ScanUsageTest, OpenAiPromptAndCompletion) {
  Usage u =
      scan(R"({"id":"x","usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}})");
  EXPECT_EQ(u.prompt_tokens, 12u);
  EXPECT_EQ(u.completion_tokens, 5u);
  EXPECT_EQ(u.cached_tokens, 0u);
  EXPECT_EQ(u.cache_creation_tokens, 0u);
  EXPECT_EQ(u.reasoning_tokens, 0u);
}

TEST(ScanUsageTest, OpenAiCachedAndReasoningDetails) {
  Usage u = scan(R"({"usage": {"prompt_tokens": 2006, "completion_tokens": 300,
      "total_tokens": 2306,
      "prompt_tokens_details": {"cached_tokens": 1920, "audio_tokens": 0},
      "completion_tokens_details": {"reasoning_tokens": 256, "audio_tokens": 0,
        "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}})");
  EXPECT_EQ(u.prompt_tokens, 2006u);
  EXPECT_EQ(u.completion_tokens, 300u);
  EXPECT_EQ(u.cached_tokens, 1920u);
  EXPECT_EQ(u.cache_creation_tokens, 0u);
  EXPECT_EQ(u.reasoning_tokens, 256u);
}

TEST(ScanUsageTest, LitellmCacheCreationTokensInPromptDetails) {
  Usage u = scan(R"({"usage":{"prompt_tokens":1000,"completion_tokens":10,)"
                 R"("prompt_tokens_details":{"cached_tokens":200,"cache_creation_tokens":700}}})");
  EXPECT_EQ(u.prompt_tokens, 1000u);
  EXPECT_EQ(u.cached_tokens, 200u);
  EXPECT_EQ(u.cache_creation_tokens, 700u);
}

TEST(ScanUsageTest, OpenAiShapeWithAnthropicCacheCountsAtTopLevel) {
  // What the Anthropic translation (and LiteLLM) send: prompt_tokens already count the cache.
  Usage u = scan(R"({"usage":{"prompt_tokens":1510,"completion_tokens":20,"total_tokens":1530,)"
                 R"("prompt_tokens_details":{"cached_tokens":1000},)"
                 R"("cache_creation_input_tokens":500,"cache_read_input_tokens":1000}})");
  EXPECT_EQ(u.prompt_tokens, 1510u);
  EXPECT_EQ(u.cached_tokens, 1000u);
  EXPECT_EQ(u.cache_creation_tokens, 500u);

  // Without prompt_tokens_details, the top-level read count is the cached count.
  Usage v =
      scan(R"({"usage":{"prompt_tokens":30,"completion_tokens":2,"cache_read_input_tokens":8}})");
  EXPECT_EQ(v.cached_tokens, 8u);
  EXPECT_EQ(v.cache_creation_tokens, 0u);
}

TEST(ScanUsageTest, AnthropicCacheReadsAndWritesCountIntoPrompt) {
  Usage u = scan(R"({"type":"message","usage":{"input_tokens":10,)"
                 R"("cache_creation_input_tokens":500,"cache_read_input_tokens":1000,)"
                 R"("output_tokens":42}})");
  EXPECT_EQ(u.prompt_tokens, 1510u);
  EXPECT_EQ(u.completion_tokens, 42u);
  EXPECT_EQ(u.cached_tokens, 1000u);
  EXPECT_EQ(u.cache_creation_tokens, 500u);
  EXPECT_EQ(u.reasoning_tokens, 0u);
}

TEST(ScanUsageTest, ResponsesApiShapeCountsCachedInsideInput) {
  // A Responses API response (or its response.completed event): input_tokens include the cached.
  Usage u = scan(R"({"type":"response.completed","response":{"usage":{"input_tokens":120,)"
                 R"("input_tokens_details":{"cached_tokens":100},"output_tokens":30,)"
                 R"("output_tokens_details":{"reasoning_tokens":12},"total_tokens":150}}})");
  EXPECT_EQ(u.prompt_tokens, 120u);
  EXPECT_EQ(u.completion_tokens, 30u);
  EXPECT_EQ(u.cached_tokens, 100u);
  EXPECT_EQ(u.reasoning_tokens, 12u);
  EXPECT_EQ(u.cache_creation_tokens, 0u);
}

TEST(ScanUsageTest, AnthropicStreamEvents) {
  Usage start = scan(
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\","
      "\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":7,"
      "\"cache_read_input_tokens\":0,\"output_tokens\":1}}}\n\n");
  EXPECT_EQ(start.prompt_tokens, 32u);
  EXPECT_EQ(start.cache_creation_tokens, 7u);
  Usage delta = scan(
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{},"
      "\"usage\":{\"output_tokens\":15}}\n\n");
  EXPECT_EQ(delta.prompt_tokens, 0u);
  EXPECT_EQ(delta.completion_tokens, 15u);
}

TEST(ScanUsageTest, LastUsageObjectWinsAndNullIsSkipped) {
  Usage u = scan(
      "data: {\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,"
      "\"completion_tokens_details\":{\"reasoning_tokens\":3}}}\n\n");
  EXPECT_EQ(u.prompt_tokens, 9u);
  EXPECT_EQ(u.reasoning_tokens, 3u);
  EXPECT_FALSE(scanUsage(R"({"choices":[],"usage":null})"));
  EXPECT_FALSE(scanUsage(R"({"text":"no usage here"})"));
}

// Many places the key appears at (more than the scan keeps while looking forwards): the last
// usage object still counts, wherever the others are.
TEST(ScanUsageTest, TheLastUsageObjectAmongManyMentions) {
  std::string early = R"({"usage":{"prompt_tokens":7,"completion_tokens":2}})";
  for (int i = 0; i < 12; ++i) early += R"({"usage":null})";
  EXPECT_EQ(scan(early).prompt_tokens, 7u) << "found before the last eight mentions";
  std::string late;
  for (int i = 0; i < 12; ++i) late += R"({"usage":"n/a"})";
  late += R"({"usage":{"prompt_tokens":5,"completion_tokens":1}})";
  late += R"({"usage":null})";
  EXPECT_EQ(scan(late).prompt_tokens, 5u);
  std::string none;
  for (int i = 0; i < 20; ++i) none += R"({"usage":null})";
  EXPECT_FALSE(scanUsage(none));
}

TEST(ScanUsageTest, KeysMatchWholeNamesOnly) {
  // "audio_cached_tokens" is not "cached_tokens"; a key inside a string value is not a key.
  Usage u =
      scan(R"({"usage":{"prompt_tokens":5,"completion_tokens":1,)"
           R"("prompt_tokens_details":{"audio_cached_tokens":4,"note":"reasoning_tokens"}}})");
  EXPECT_EQ(u.cached_tokens, 0u);
  EXPECT_EQ(u.reasoning_tokens, 0u);
}

TEST(ScanUsageTest, OpenRouterCacheWriteTokens) {
  // https://openrouter.ai/docs/use-cases/usage-accounting: prompt_tokens_details.cache_write_tokens
  Usage u = scan(R"({"object":"chat.completion.chunk","usage":{"completion_tokens":2,)"
                 R"("completion_tokens_details":{"reasoning_tokens":0},"cost":0.95,)"
                 R"("cost_details":{"upstream_inference_cost":19},"prompt_tokens":194,)"
                 R"("prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":100,)"
                 R"("audio_tokens":0},"total_tokens":196}})");
  EXPECT_EQ(u.prompt_tokens, 194u);
  EXPECT_EQ(u.completion_tokens, 2u);
  EXPECT_EQ(u.cached_tokens, 0u);
  EXPECT_EQ(u.cache_creation_tokens, 100u);
  // LiteLLM's names, when present, are read first.
  Usage v =
      scan(R"({"usage":{"prompt_tokens":10,"completion_tokens":1,)"
           R"("cache_creation_input_tokens":3,"prompt_tokens_details":{"cache_write_tokens":4}}})");
  EXPECT_EQ(v.cache_creation_tokens, 3u);
}

TEST(FormatUsdTest, AsPrintfTwelveSignificantDigits) {
  char buf[48];
  EXPECT_EQ(formatUsd(buf, 0.1 + 0.2), "0.3");
  EXPECT_EQ(formatUsd(buf, 0.000123), "0.000123");
  EXPECT_EQ(formatUsd(buf, 1e-7), "1e-07");
  EXPECT_EQ(formatUsd(buf, 1234.5), "1234.5");
  EXPECT_EQ(formatUsd(buf, std::numeric_limits<double>::quiet_NaN()), "0");
  EXPECT_EQ(formatUsd(buf, std::numeric_limits<double>::infinity()), "0");
}

TEST(SetUsageCostTest, AddedLastInTheUsageObject) {
  std::string body = R"({"id":"x","usage":{"prompt_tokens":12,"completion_tokens":5},"z":1})";
  ASSERT_TRUE(setUsageCost(body, 0.000123));
  EXPECT_EQ(
      body,
      R"({"id":"x","usage":{"prompt_tokens":12,"completion_tokens":5,"cost":0.000123},"z":1})");
  // Whitespace kept; the body stays valid JSON.
  std::string pretty = "{\"usage\": {\n  \"prompt_tokens\": 1,\n  \"completion_tokens\": 2\n}\n}";
  ASSERT_TRUE(setUsageCost(pretty, 2.5));
  nlohmann::json j = nlohmann::json::parse(pretty);
  EXPECT_EQ(j["usage"]["cost"], 2.5);
  EXPECT_EQ(j["usage"]["completion_tokens"], 2);
}

TEST(SetUsageCostTest, ReplacesItsOwnCostNotANestedOne) {
  // What OpenRouter itself answers: its cost is replaced by the gateway's, cost_details untouched.
  std::string body = R"({"usage":{"prompt_tokens":194,"cost_details":{"cost":19},)"
                     R"("cost" : 0.95 ,"total_tokens":196}})";
  ASSERT_TRUE(setUsageCost(body, 0.5));
  EXPECT_EQ(body, R"({"usage":{"prompt_tokens":194,"cost_details":{"cost":19},)"
                  R"("cost" : 0.5 ,"total_tokens":196}})");
  std::string last = R"({"usage":{"prompt_tokens":1,"cost":null}})";
  ASSERT_TRUE(setUsageCost(last, 1));
  EXPECT_EQ(last, R"({"usage":{"prompt_tokens":1,"cost":1}})");
}

TEST(SetUsageCostTest, TheUsageObjectScanUsageReads) {
  // A string mentioning usage, "usage": null and an earlier object are not it.
  std::string sse =
      "data: {\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"\\\"usage\\\": {}\"}}],\"usage\":null}\n\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4}}\n\n";
  std::string expected = sse;
  expected.insert(expected.rfind("}}"), ",\"cost\":0.25");
  ASSERT_TRUE(setUsageCost(sse, 0.25));
  EXPECT_EQ(sse, expected);
}

TEST(SetUsageCostTest, NoUsageObjectNoChange) {
  for (std::string text :
       {std::string(R"({"choices":[],"usage":null})"), std::string(R"({"text":"usage"})"),
        std::string(R"({"usage":{}})"), std::string()}) {
    std::string before = text;
    EXPECT_FALSE(setUsageCost(text, 1.0)) << before;
    EXPECT_EQ(text, before);
  }
}

TEST(SetUsageCostTest, WrittenAsTheCostHeaderIs) {
  std::string body = R"({"usage":{"prompt_tokens":1}})";
  ASSERT_TRUE(setUsageCost(body, 1.0 / 3.0));
  EXPECT_EQ(body, R"({"usage":{"prompt_tokens":1,"cost":0.333333333333}})");
  std::string tiny = R"({"usage":{"prompt_tokens":1}})";
  ASSERT_TRUE(setUsageCost(tiny, 2e-7));
  EXPECT_EQ(nlohmann::json::parse(tiny)["usage"]["cost"].get<double>(), 2e-7) << tiny;
  std::string bad = R"({"usage":{"prompt_tokens":1}})";
  ASSERT_TRUE(setUsageCost(bad, std::numeric_limits<double>::infinity()));
  EXPECT_EQ(bad, R"({"usage":{"prompt_tokens":1,"cost":0}})");
}

TEST(MergeUsageTest, CountsOnlyGrow) {
  Usage have{10, 0, 5, 0, 0};
  mergeUsage(have, Usage{0, 7, 2, 3, 1});
  EXPECT_EQ(have.prompt_tokens, 10u);
  EXPECT_EQ(have.completion_tokens, 7u);
  EXPECT_EQ(have.cached_tokens, 5u);
  EXPECT_EQ(have.cache_creation_tokens, 3u);
  EXPECT_EQ(have.reasoning_tokens, 1u);
}

}  // namespace
}  // namespace switchyard::api
