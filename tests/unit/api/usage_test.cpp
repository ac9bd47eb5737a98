// api::scanUsage: the usage object of a reply body or a stream chunk, read in place.

#include "switchyard/api/usage.hpp"

#include <gtest/gtest.h>

#include <optional>
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

TEST(ScanUsageTest, KeysMatchWholeNamesOnly) {
  // "audio_cached_tokens" is not "cached_tokens"; a key inside a string value is not a key.
  Usage u =
      scan(R"({"usage":{"prompt_tokens":5,"completion_tokens":1,)"
           R"("prompt_tokens_details":{"audio_cached_tokens":4,"note":"reasoning_tokens"}}})");
  EXPECT_EQ(u.cached_tokens, 0u);
  EXPECT_EQ(u.reasoning_tokens, 0u);
}

}  // namespace
}  // namespace switchyard::api
