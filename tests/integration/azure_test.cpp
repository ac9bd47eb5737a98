// The azure/ adapter through the real binary against FakeOpenAI serving Azure paths: the
// deployment URL with api-version, the api-key header, chat (stream and not), tools, embeddings,
// and Azure's error bodies (content filter, auth, rate limit).

#include <gtest/gtest.h>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

constexpr const char* kAzureKey = "azure-SECRET-key-0d3f";

std::string rootOf(const FakeOpenAI& fake) {
  return "http://127.0.0.1:" + std::to_string(fake.port());
}

class AzureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ConfigBuilder c;
    c.model("az", "azure/my-gpt4o", rootOf(fake_) + "/", kAzureKey, "dep-az",
            {{"api_version", "2024-06-01"}})
        .model("az-default", "azure/my-gpt4o-mini", rootOf(fake_), kAzureKey, "dep-az-default")
        .model("az-embed", "azure/my-embedding", rootOf(fake_), kAzureKey, "dep-az-embed",
               {{"api_version", "2024-10-21"}})
        .router("num_retries", "0");
    gw_ = launchGateway(c.yaml());
    ASSERT_TRUE(gw_->started()) << gw_->startError();
    client_ = std::make_unique<HttpClient>(gw_->port());
  }

  FakeOpenAI fake_;
  std::unique_ptr<GatewayProcess> gw_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(AzureTest, ChatNonStreamUsesDeploymentPathAndApiKey) {
  const json tools = json::parse(
      R"([{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}])");
  json body = chatBody("az", "hello azure", {{"tools", tools}, {"temperature", 0.1}});
  auto r = client_->post("/v1/chat/completions", body);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json()["choices"][0]["message"]["content"], "Hello from the fake");
  EXPECT_EQ(r.header("x-litellm-model-api-base"), rootOf(fake_));
  RecordedRequest up = *fake_.lastRequest();
  EXPECT_EQ(up.target, "/openai/deployments/my-gpt4o/chat/completions?api-version=2024-06-01");
  EXPECT_EQ(up.header("api-key"), kAzureKey);
  EXPECT_EQ(up.header("authorization"), "");
  json ub = up.json();
  EXPECT_EQ(ub["messages"], body["messages"]);
  EXPECT_EQ(ub["tools"], tools);
  EXPECT_EQ(ub["temperature"], 0.1);
}

TEST_F(AzureTest, DefaultApiVersion) {
  auto r = client_->post("/v1/chat/completions", chatBody("az-default"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(fake_.lastRequest()->target,
            "/openai/deployments/my-gpt4o-mini/chat/completions?api-version=2024-10-21");
}

TEST_F(AzureTest, StreamRelayed) {
  auto s = client_->stream(
      "/v1/chat/completions",
      chatBody("az", "stream", {{"stream", true}, {"stream_options", {{"include_usage", true}}}}));
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  EXPECT_EQ(s.content(), "Hello from the fake");
  EXPECT_TRUE(s.sawDone());
  EXPECT_EQ(fake_.lastRequest()->target,
            "/openai/deployments/my-gpt4o/chat/completions?api-version=2024-06-01");
  EXPECT_EQ(fake_.lastRequest()->header("accept"), "text/event-stream");
}

TEST_F(AzureTest, Embeddings) {
  auto r = client_->post("/v1/embeddings", json{{"model", "az-embed"}, {"input", {"a", "b"}}});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json()["data"].size(), 2u);
  EXPECT_EQ(fake_.lastRequest()->target,
            "/openai/deployments/my-embedding/embeddings?api-version=2024-10-21");
}

TEST_F(AzureTest, ContentFilterIsContentPolicy) {
  Behavior b = Behavior::error(400);
  b.body =
      R"({"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy.","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":true,"severity":"high"}}}}})";
  fake_.pushBehavior(b);
  auto r = client_->post("/v1/chat/completions", chatBody("az"));
  EXPECT_EQ(r.status, 400u) << r.body;
  ASSERT_TRUE(isOpenAIError(r.json())) << r.body;
  EXPECT_EQ(r.json()["error"]["code"], "content_filter") << r.body;
  EXPECT_NE(r.body.find("content management policy"), std::string::npos);
}

TEST_F(AzureTest, AuthAndRateLimitErrors) {
  Behavior denied = Behavior::error(401);
  denied.body =
      R"({"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint."}})";
  fake_.pushBehavior(denied);
  auto r = client_->post("/v1/chat/completions", chatBody("az"));
  EXPECT_EQ(r.status, 401u) << r.body;
  EXPECT_EQ(r.body.find("subscription key"), std::string::npos) << r.body;

  Behavior limited = Behavior::error(
      429, "Requests to the ChatCompletions_Create Operation have exceeded call rate limit.");
  limited.extra_headers["retry-after"] = "2";
  fake_.pushBehavior(limited);
  auto rl = client_->post("/v1/chat/completions", chatBody("az"));
  EXPECT_EQ(rl.status, 429u) << rl.body;
  EXPECT_TRUE(isOpenAIError(rl.json()));
}

TEST_F(AzureTest, ErrorEventBeforeContentIs502) {
  Behavior b;
  b.kind = Behavior::Kind::kErrorEventInStream;
  b.chunks_before_close = 0;
  fake_.pushBehavior(b);
  auto s = client_->stream("/v1/chat/completions", chatBody("az", "hi", {{"stream", true}}));
  EXPECT_EQ(s.status, 502u) << s.raw_body;
}

}  // namespace
}  // namespace switchyard::test
