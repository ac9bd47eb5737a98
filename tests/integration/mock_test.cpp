// The built-in mock/ provider (docs/contract.md "mock/ provider") and the request-body
// `mock_response` control, which never reaches an upstream.

#include <gtest/gtest.h>

#include <cmath>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

class MockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string yaml = ConfigBuilder{}
                           .model("mock-echo", "mock/echo")
                           .model("mock-canned", "mock/canned", {}, {}, {},
                                  {{"mock_response", "\"Canned answer here\""}})
                           .model("mock-default", "mock/whatever")
                           .model("mock-embed", "mock/embedder")
                           .model("gpt-test", "openai/fake-model-1", fake_.baseUrl(), kUpstreamKey)
                           .yaml();
    gw_ = launchGateway(yaml);
    ASSERT_TRUE(gw_->started()) << gw_->startError();
    client_ = std::make_unique<HttpClient>(gw_->port());
  }
  std::string answer(const json& body) {
    auto r = client_->post("/v1/chat/completions", body);
    EXPECT_EQ(r.status, 200u) << r.body;
    json j = r.json();
    if (!j.is_object() || !j.contains("choices")) return "<no choices: " + r.body + ">";
    EXPECT_EQ(j["object"], "chat.completion");
    return j["choices"][0]["message"].value("content", std::string{"<no content>"});
  }

  FakeOpenAI fake_;
  std::unique_ptr<GatewayProcess> gw_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(MockTest, EchoReturnsLastUserMessage) {
  json body = {{"model", "mock-echo"},
               {"messages", json::array({{{"role", "system"}, {"content", "be brief"}},
                                         {{"role", "user"}, {"content", "first question"}},
                                         {{"role", "assistant"}, {"content", "an answer"}},
                                         {{"role", "user"}, {"content", "echo me back please"}}})}};
  EXPECT_EQ(answer(body), "echo me back please");
}

TEST_F(MockTest, CannedAndDefaultAnswers) {
  EXPECT_EQ(answer(chatBody("mock-canned", "anything")), "Canned answer here");
  EXPECT_EQ(answer(chatBody("mock-default", "anything")),
            "This is a mock response from Switchyard.");
  // The request's mock_response wins over the default text.
  EXPECT_EQ(answer(chatBody("mock-default", "x", {{"mock_response", "per request"}})),
            "per request");
}

TEST_F(MockTest, UsageIsReported) {
  auto r = client_->post("/v1/chat/completions", chatBody("mock-echo", "twelve chars"));
  ASSERT_EQ(r.status, 200u) << r.body;
  json u = r.json()["usage"];
  ASSERT_TRUE(u.is_object()) << r.body;
  EXPECT_GT(u.value("prompt_tokens", 0), 0);
  EXPECT_GT(u.value("completion_tokens", 0), 0);
  EXPECT_EQ(u.value("total_tokens", 0),
            u.value("prompt_tokens", 0) + u.value("completion_tokens", 0));
}

TEST_F(MockTest, RequestMockResponseOnRealAliasSkipsUpstream) {
  EXPECT_EQ(answer(chatBody("gpt-test", "hello", {{"mock_response", "mocked without upstream"}})),
            "mocked without upstream");
  auto s = client_->stream(
      "/v1/chat/completions",
      chatBody("gpt-test", "hello", {{"stream", true}, {"mock_response", "streamed mock words"}}));
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  EXPECT_EQ(s.content(), "streamed mock words");
  EXPECT_TRUE(s.sawDone());
  EXPECT_EQ(fake_.requestCount(), 0u) << "mock_response must be answered without an upstream call";
}

TEST_F(MockTest, StreamingMockShape) {
  const std::string text = "one two three four five";
  auto s =
      client_->stream("/v1/chat/completions",
                      chatBody("mock-echo", text,
                               {{"stream", true}, {"stream_options", {{"include_usage", true}}}}));
  ASSERT_EQ(s.status, 200u) << s.error << " " << s.raw_body;
  EXPECT_NE(s.header("content-type").find("text/event-stream"), std::string::npos);
  ASSERT_GE(s.events.size(), 4u) << s.raw_body;
  EXPECT_TRUE(s.complete);
  EXPECT_TRUE(s.sawDone()) << s.raw_body;
  EXPECT_EQ(s.content(), text);

  json first = s.events.front().json();
  ASSERT_TRUE(first.is_object()) << s.events.front().data;
  EXPECT_EQ(first["object"], "chat.completion.chunk");
  EXPECT_EQ(first["choices"][0]["delta"]["role"], "assistant");

  // More than one content chunk (split into words).
  int content_chunks = 0;
  bool saw_stop = false, saw_usage = false;
  std::string id = first.value("id", std::string{});
  for (std::size_t i = 0; i + 1 < s.events.size(); ++i) {
    json j = s.events[i].json();
    ASSERT_TRUE(j.is_object()) << s.events[i].data;
    EXPECT_EQ(j.value("id", std::string{}), id) << "chunks of one stream share an id";
    if (!j["choices"].empty()) {
      const json& c = j["choices"][0];
      if (c["delta"].is_object() && c["delta"].contains("content") &&
          c["delta"]["content"].is_string() && !c["delta"]["content"].get<std::string>().empty())
        ++content_chunks;
      if (c.contains("finish_reason") && c["finish_reason"] == "stop") saw_stop = true;
    }
    if (j.contains("usage") && j["usage"].is_object()) {
      saw_usage = true;
      EXPECT_GT(j["usage"].value("completion_tokens", 0), 0);
    }
  }
  EXPECT_GE(content_chunks, 2);
  EXPECT_TRUE(saw_stop);
  EXPECT_TRUE(saw_usage) << "stream_options.include_usage asks for a usage chunk";
}

TEST_F(MockTest, StreamingMockWithoutUsageHasNoUsageChunk) {
  auto s =
      client_->stream("/v1/chat/completions", chatBody("mock-canned", "x", {{"stream", true}}));
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  EXPECT_EQ(s.content(), "Canned answer here");
  EXPECT_TRUE(s.sawDone());
  for (const auto& ev : s.events) {
    json j = ev.json();
    if (j.is_object() && j.contains("choices")) {
      EXPECT_FALSE(j["choices"].empty()) << ev.data;
    }
  }
}

TEST_F(MockTest, Embeddings) {
  json body = {
      {"model", "mock-embed"}, {"input", json::array({"hello", "world"})}, {"dimensions", 16}};
  auto r = client_->post("/v1/embeddings", body);
  ASSERT_EQ(r.status, 200u) << r.body;
  json j = r.json();
  EXPECT_EQ(j["object"], "list");
  ASSERT_EQ(j["data"].size(), 2u) << r.body;
  for (const auto& d : j["data"]) {
    EXPECT_EQ(d["object"], "embedding");
    ASSERT_EQ(d["embedding"].size(), 16u);
    double norm = 0;
    for (const auto& x : d["embedding"]) norm += x.get<double>() * x.get<double>();
    EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-3);
  }
  EXPECT_NE(j["data"][0]["embedding"], j["data"][1]["embedding"]);
  // Deterministic.
  auto again = client_->post("/v1/embeddings", body);
  ASSERT_EQ(again.status, 200u);
  EXPECT_EQ(again.json()["data"], j["data"]);
  // Default dimension 1536.
  auto d = client_->post("/v1/embeddings", json{{"model", "mock-embed"}, {"input", "x"}});
  ASSERT_EQ(d.status, 200u) << d.body;
  EXPECT_EQ(d.json()["data"][0]["embedding"].size(), 1536u);
}

TEST(MockDelayTest, ChunkDelaySpacesStreamEvents) {
  SY_START_GATEWAY(gw, ConfigBuilder{}
                           .model("slow-mock", "mock/slow", {}, {}, {},
                                  {{"mock_response", "\"a b c d\""}, {"mock_chunk_delay", "0.1"}})
                           .yaml());
  HttpClient client(gw->port());
  auto s = client.stream("/v1/chat/completions", chatBody("slow-mock", "x", {{"stream", true}}));
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  EXPECT_EQ(s.content(), "a b c d");
  ASSERT_GE(s.events.size(), 4u);
  // Events spread over time rather than arriving as one buffer.
  EXPECT_GE(s.events.back().at - s.events.front().at, Millis(250));
}

}  // namespace
}  // namespace switchyard::test
