// Usage of streamed replies through the real binary against the fake OpenAI upstream: the gateway
// asks for stream_options.include_usage upstream even when the client did not, keeps the usage
// chunk from that client, and still counts the tokens (the access log line carries them).

#include <gtest/gtest.h>

#include <string>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

ConfigBuilder configFor(const FakeOpenAI& fake) {
  ConfigBuilder c;
  c.model("gpt-test", "openai/fake-model-1", fake.baseUrl(), kUpstreamKey, "dep-gpt-test")
      .model("text-test", "openai/fake-instruct", fake.baseUrl(), kUpstreamKey, "dep-text")
      .model("vllm-test", "hosted_vllm/fake-model-2", fake.baseUrl(), kUpstreamKey, "dep-vllm")
      .router("num_retries", "0");
  return c;
}

// The chunks of a stream that carry a usage object (not `"usage": null`).
int usageChunks(const StreamResult& s) {
  int n = 0;
  for (const auto& ev : s.events) {
    json j = ev.json();
    if (j.is_object() && j.contains("usage") && j["usage"].is_object()) ++n;
  }
  return n;
}

// The access log's token counts for a reply of the fake to `upstream`: it counts the request
// body's size / 4 + 1 prompt tokens and one completion token per streamed piece (4 by default).
std::string tokensLogged(const RecordedRequest& upstream) {
  return "tokens=" + std::to_string(upstream.body.size() / 4 + 1) + "/4";
}

TEST(StreamUsageTest, AskedUpstreamAndHiddenWhenTheClientDidNotAsk) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());

  auto s = client.stream("/v1/chat/completions", chatBody("gpt-test", "hi", {{"stream", true}}));
  ASSERT_EQ(s.status, 200u) << s.error << " " << s.raw_body;
  EXPECT_TRUE(s.sawDone());
  EXPECT_EQ(s.content(), "Hello from the fake");
  EXPECT_EQ(usageChunks(s), 0) << s.raw_body;
  for (const auto& ev : s.events) {
    if (ev.isDone()) continue;
    json j = ev.json();
    ASSERT_TRUE(j.is_object()) << ev.data;
    EXPECT_FALSE(j["choices"].empty()) << "usage-only chunk reached the client: " << ev.data;
  }

  auto up = fake.lastRequest();
  ASSERT_TRUE(up.has_value());
  json ub = up->json();
  EXPECT_EQ(ub["stream_options"], json({{"include_usage", true}})) << up->body;

  // The gateway still counted the tokens of the usage chunk it kept: the access line has them.
  EXPECT_TRUE(gw->waitForLog(tokensLogged(*up), Millis(5000))) << gw->logText();
}

TEST(StreamUsageTest, RelayedWhenTheClientAsked) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());

  json body =
      chatBody("gpt-test", "hi", {{"stream", true}, {"stream_options", {{"include_usage", true}}}});
  auto s = client.stream("/v1/chat/completions", body);
  ASSERT_EQ(s.status, 200u) << s.error << " " << s.raw_body;
  EXPECT_TRUE(s.sawDone());
  ASSERT_EQ(usageChunks(s), 1) << s.raw_body;
  ASSERT_GE(s.events.size(), 2u);
  json last = s.events[s.events.size() - 2].json();  // before [DONE]
  EXPECT_EQ(last["choices"], json::array());
  EXPECT_GT(last["usage"].value("prompt_tokens", 0), 0);
  auto up = fake.lastRequest();
  ASSERT_TRUE(up.has_value());
  EXPECT_EQ(up->json()["stream_options"], body["stream_options"]);
  EXPECT_TRUE(gw->waitForLog(tokensLogged(*up), Millis(5000))) << gw->logText();
}

TEST(StreamUsageTest, ExplicitFalseIsOverriddenUpstreamAndHidden) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());
  json body = chatBody("gpt-test", "hi",
                       {{"stream", true}, {"stream_options", {{"include_usage", false}}}});
  auto s = client.stream("/v1/chat/completions", body);
  ASSERT_EQ(s.status, 200u) << s.error << " " << s.raw_body;
  EXPECT_EQ(usageChunks(s), 0) << s.raw_body;
  EXPECT_EQ(fake.lastRequest()->json()["stream_options"], json({{"include_usage", true}}));
}

TEST(StreamUsageTest, LegacyCompletionsStreamToo) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());
  json body = {{"model", "text-test"}, {"prompt", "Say this is a test"}, {"stream", true}};
  auto s = client.stream("/v1/completions", body);
  ASSERT_EQ(s.status, 200u) << s.error << " " << s.raw_body;
  EXPECT_TRUE(s.sawDone());
  EXPECT_EQ(s.content(), "Hello from the fake");
  EXPECT_EQ(usageChunks(s), 0) << s.raw_body;
  EXPECT_EQ(fake.lastRequest()->json()["stream_options"], json({{"include_usage", true}}));
}

TEST(StreamUsageTest, NotAskedOfHostsNotKnownToAcceptIt) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());
  auto s = client.stream("/v1/chat/completions", chatBody("vllm-test", "hi", {{"stream", true}}));
  ASSERT_EQ(s.status, 200u) << s.error << " " << s.raw_body;
  EXPECT_TRUE(s.sawDone());
  EXPECT_FALSE(fake.lastRequest()->json().contains("stream_options"));

  // Nor on whole replies.
  auto r = client.post("/v1/chat/completions", chatBody("gpt-test"));
  ASSERT_EQ(r.status, 200u) << r.error << " " << r.body;
  EXPECT_FALSE(fake.lastRequest()->json().contains("stream_options"));
}

}  // namespace
}  // namespace switchyard::test
