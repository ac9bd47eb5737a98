// StreamAssembler and replayEvents: a stream with content, tool-call deltas and a usage chunk
// becomes the whole answer, and the whole answer replays as a stream that assembles back to it.

#include <gtest/gtest.h>

#include "pipeline/cache_stream.hpp"

namespace switchyard::pipeline {
namespace {

using nlohmann::json;

std::string ev(const json& j) { return "data: " + j.dump() + "\n\n"; }

json chunk(json delta, json finish = nullptr) {
  return {{"id", "chatcmpl-1"}, {"object", "chat.completion.chunk"}, {"created", 7},
          {"model", "gpt-x"},
          {"choices", json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}})}};
}

TEST(CacheStream, ContentToolCallsAndUsageAssembleIntoTheWholeAnswer) {
  StreamAssembler a(api::Endpoint::kChatCompletions, 1 << 20);
  std::string wire = ev(chunk({{"role", "assistant"}, {"content", ""}})) +
                     ev(chunk({{"content", "Hel"}})) + ev(chunk({{"content", "lo"}})) +
                     ev(chunk({{"tool_calls", json::array({{{"index", 0}, {"id", "call_1"},
                                                            {"type", "function"},
                                                            {"function", {{"name", "get"}, {"arguments", "{\"a\""}}}}})}})) +
                     ev(chunk({{"tool_calls", json::array({{{"index", 0}, {"function", {{"arguments", ":1}"}}}}})}})) +
                     ev(chunk(json::object(), "tool_calls")) +
                     ev({{"id", "chatcmpl-1"}, {"choices", json::array()},
                         {"usage", {{"prompt_tokens", 3}, {"completion_tokens", 4}, {"total_tokens", 7}}}}) +
                     "data: [DONE]\n\n";
  // Fed in awkward pieces.
  for (std::size_t i = 0; i < wire.size(); i += 7) a.feed(std::string_view(wire).substr(i, 7));
  auto whole = a.finish(std::nullopt);
  ASSERT_TRUE(whole.has_value());
  json j = json::parse(*whole);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["id"], "chatcmpl-1");
  const json& m = j["choices"][0]["message"];
  EXPECT_EQ(m["content"], "Hello");
  EXPECT_EQ(m["tool_calls"][0]["function"]["arguments"], "{\"a\":1}");
  EXPECT_EQ(m["tool_calls"][0]["id"], "call_1");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_EQ(j["usage"]["total_tokens"], 7);

  // Replayed, it assembles back to the same answer.
  StreamAssembler back(api::Endpoint::kChatCompletions, 1 << 20);
  for (const std::string& e : replayEvents(j, api::Endpoint::kChatCompletions, true)) back.feed(e);
  auto again = back.finish(std::nullopt);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(json::parse(*again), j);
}

TEST(CacheStream, AnErrorEventOrAnUnfinishedEventIsNotAnAnswer) {
  StreamAssembler a(api::Endpoint::kChatCompletions, 1 << 20);
  a.feed(ev(chunk({{"content", "Hi"}})));
  a.feed(ev({{"error", {{"message", "boom"}}}}));
  EXPECT_FALSE(a.finish(std::nullopt).has_value());
  StreamAssembler b(api::Endpoint::kChatCompletions, 1 << 20);
  b.feed(ev(chunk({{"content", "Hi"}})));
  b.feed("data: {\"choi");
  EXPECT_FALSE(b.finish(std::nullopt).has_value());
  StreamAssembler c(api::Endpoint::kChatCompletions, 10);
  c.feed(ev(chunk({{"content", "Hi"}})));
  EXPECT_FALSE(c.finish(std::nullopt).has_value()) << "past its bound";
}

TEST(CacheStream, TextCompletionsAndTheExchangeUsage) {
  StreamAssembler a(api::Endpoint::kCompletions, 1 << 20);
  for (const char* t : {"one ", "two"}) {
    a.feed(ev({{"id", "cmpl-1"}, {"object", "text_completion"}, {"created", 1}, {"model", "m"},
               {"choices", json::array({{{"index", 0}, {"text", t}, {"finish_reason", nullptr}}})}}));
  }
  a.feed(ev({{"id", "cmpl-1"}, {"choices", json::array({{{"index", 0}, {"text", ""}, {"finish_reason", "length"}}})}}));
  auto whole = a.finish(api::Usage{.prompt_tokens = 2, .completion_tokens = 5});
  ASSERT_TRUE(whole.has_value());
  json j = json::parse(*whole);
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_EQ(j["choices"][0]["text"], "one two");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(j["usage"]["completion_tokens"], 5);
}

}  // namespace
}  // namespace switchyard::pipeline
