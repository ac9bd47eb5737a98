// Every failure is an OpenAI-shaped error with the contract's status (docs/contract.md "Errors",
// "Upstream calls"): client errors, size limits, and upstream faults injected by the fake.

#include <gtest/gtest.h>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

ConfigBuilder errorsConfig(const FakeOpenAI& fake) {
  ConfigBuilder c;
  c.model("gpt-test", "openai/fake-model-1", fake.baseUrl(), kUpstreamKey, "dep-gpt-test",
          {{"timeout", "1"}, {"stream_timeout", "1"}})
      .router("num_retries", "0")
      .general("max_request_size_mb", "1");
  return c;
}

class ErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gw_ = launchGateway(errorsConfig(fake_).yaml());
    ASSERT_TRUE(gw_->started()) << gw_->startError();
    client_ = std::make_unique<HttpClient>(gw_->port());
  }
  HttpResponse chat(const json& body) { return client_->post("/v1/chat/completions", body); }

  FakeOpenAI fake_;
  std::unique_ptr<GatewayProcess> gw_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(ErrorsTest, UnknownModelIs404) {
  auto r = chat(chatBody("no-such-model"));
  EXPECT_EQ(r.status, 404u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_EQ(fake_.requestCount(), 0u);
}

TEST_F(ErrorsTest, MalformedJsonIs400) {
  auto r =
      client_->request("POST", "/v1/chat/completions", R"({"model": "gpt-test", "messages": [)");
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  r = client_->request("POST", "/v1/chat/completions", "not json at all");
  EXPECT_EQ(r.status, 400u) << r.body;
  r = client_->request("POST", "/v1/chat/completions", "[1,2,3]");
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(fake_.requestCount(), 0u);
}

TEST_F(ErrorsTest, MissingOrWrongTypedFieldsAre400) {
  auto r = chat(json{{"model", "gpt-test"}});
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  r = chat(json{{"model", "gpt-test"}, {"messages", "hello"}});
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  r = chat(json{{"model", 42}, {"messages", json::array({{{"role", "user"}, {"content", "x"}}})}});
  EXPECT_EQ(r.status, 400u) << r.body;
  r = chat(json{{"messages", json::array({{{"role", "user"}, {"content", "x"}}})}});
  EXPECT_EQ(r.status, 400u) << r.body << " (missing model)";
  // Deep nesting and invalid UTF-8 are refused with a 400, never a crash.
  std::string deep = R"({"model":"gpt-test","messages":[{"role":"user","content":"x"}],"x":)";
  deep += std::string(20000, '[') + std::string(20000, ']') + "}";
  r = client_->request("POST", "/v1/chat/completions", deep);
  EXPECT_TRUE(r.status == 400u || r.status == 200u) << r.status << " " << r.body;
  r = client_->request(
      "POST", "/v1/chat/completions",
      "{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\xfe\"}]}");
  EXPECT_EQ(r.status, 400u) << r.body << " (invalid UTF-8)";
  // Still alive.
  HttpClient fresh(gw_->port());
  EXPECT_EQ(fresh.get("/health/liveliness").status, 200u);
}

TEST_F(ErrorsTest, BodyOverMaxRequestSizeIs413) {
  std::string big(1536 * 1024, 'a');
  auto r = chat(chatBody("gpt-test", big));
  EXPECT_EQ(r.status, 413u) << r.error << " " << r.body.substr(0, 300);
  if (r.status == 413u) {
    EXPECT_TRUE(isOpenAIError(r.json()));
  }
  EXPECT_EQ(fake_.requestCount(), 0u);
  // Just under the limit passes.
  HttpClient fresh(gw_->port());
  auto ok = fresh.post("/v1/chat/completions", chatBody("gpt-test", std::string(900 * 1024, 'b')));
  EXPECT_EQ(ok.status, 200u) << ok.error << " " << ok.body.substr(0, 300);
}

TEST_F(ErrorsTest, UpstreamHangingTimesOutWith504) {
  fake_.setDefaultBehavior(Behavior::hang());
  auto t0 = Clock::now();
  auto r = chat(chatBody("gpt-test"));
  auto took = Clock::now() - t0;
  EXPECT_EQ(r.status, 504u) << r.error << " " << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_LT(took, Millis(4000));
  EXPECT_GE(took, Millis(900));
  // The gateway gave up on its upstream connection.
  EXPECT_TRUE(fake_.waitForAbortedResponses(1, Millis(2000)));
}

TEST_F(ErrorsTest, UpstreamHangingStreamTimesOutWith504) {
  fake_.setDefaultBehavior(Behavior::hang());
  auto t0 = Clock::now();
  auto s = client_->stream("/v1/chat/completions", chatBody("gpt-test", "hi", {{"stream", true}}));
  EXPECT_EQ(s.status, 504u) << s.error << " " << s.raw_body;
  EXPECT_LT(Clock::now() - t0, Millis(4000));
}

TEST_F(ErrorsTest, Upstream400IsPassedThrough) {
  fake_.setDefaultBehavior(Behavior::error(400, "Invalid value for 'temperature': must be <= 2."));
  auto r = chat(chatBody("gpt-test", "x", {{"temperature", 5}}));
  EXPECT_EQ(r.status, 400u) << r.body;
  ASSERT_TRUE(isOpenAIError(r.json()));
  EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("must be <= 2"), std::string::npos)
      << r.body;
  EXPECT_EQ(fake_.requestCount(), 1u) << "a 400 must not be retried";
}

TEST_F(ErrorsTest, Upstream401And404ArePassedThrough) {
  fake_.pushBehavior(Behavior::error(401, "Incorrect API key provided"));
  auto r = chat(chatBody("gpt-test"));
  EXPECT_EQ(r.status, 401u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  fake_.pushBehavior(Behavior::error(404, "The model does not exist"));
  r = chat(chatBody("gpt-test"));
  EXPECT_EQ(r.status, 404u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
}

TEST_F(ErrorsTest, Upstream500Is502) {
  fake_.setDefaultBehavior(Behavior::error(500, "The server had an error"));
  auto r = chat(chatBody("gpt-test"));
  EXPECT_EQ(r.status, 502u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
}

TEST_F(ErrorsTest, Upstream429Is429) {
  fake_.setDefaultBehavior(Behavior::error(429, "Rate limit reached"));
  auto r = chat(chatBody("gpt-test"));
  EXPECT_EQ(r.status, 429u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
}

TEST_F(ErrorsTest, UpstreamGarbageIs502) {
  Behavior b = Behavior::error(200, "");
  b.body = "<html>definitely not json</html>";
  fake_.setDefaultBehavior(b);
  auto r = chat(chatBody("gpt-test"));
  EXPECT_EQ(r.status, 502u) << r.body;
}

TEST_F(ErrorsTest, UpstreamClosingWithoutAnswerIs502) {
  Behavior b;
  b.kind = Behavior::Kind::kCloseImmediately;
  fake_.setDefaultBehavior(b);
  auto r = chat(chatBody("gpt-test"));
  EXPECT_EQ(r.status, 502u) << r.error << " " << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
}

TEST_F(ErrorsTest, ErrorEventBeforeFirstContentIs502) {
  // 200 + an error event before any content: a failure (docs/design.md §4), decided before the
  // client sees a 200.
  Behavior b;
  b.kind = Behavior::Kind::kErrorEventInStream;
  b.chunks_before_close = 0;
  b.error_message = "overloaded";
  fake_.setDefaultBehavior(b);
  auto s = client_->stream("/v1/chat/completions", chatBody("gpt-test", "hi", {{"stream", true}}));
  EXPECT_EQ(s.status, 502u) << s.error << " " << s.raw_body;
}

TEST_F(ErrorsTest, UpstreamDropMidStreamEndsClientStream) {
  Behavior b;
  b.kind = Behavior::Kind::kCloseMidStream;
  b.chunks_before_close = 2;
  fake_.setDefaultBehavior(b);
  client_->setTimeout(Millis(5000));
  auto t0 = Clock::now();
  auto s = client_->stream("/v1/chat/completions", chatBody("gpt-test", "hi", {{"stream", true}}));
  EXPECT_EQ(s.status, 200u) << s.error << " " << s.raw_body;
  EXPECT_EQ(s.content(), "Hello from") << s.raw_body;
  EXPECT_LT(Clock::now() - t0, Millis(4000)) << "the client stream was not ended";
  EXPECT_FALSE(s.sawDone()) << "a truncated upstream stream was presented as complete";
}

TEST(ErrorsStandaloneTest, UpstreamDownIs502) {
  const std::uint16_t port = closedPort();
  std::string base = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  SY_START_GATEWAY(gw, ConfigBuilder{}
                           .model("gpt-test", "openai/fake-model-1", base, kUpstreamKey)
                           .router("num_retries", "0")
                           .yaml());
  HttpClient client(gw->port());
  auto t0 = Clock::now();
  auto r = client.post("/v1/chat/completions", chatBody("gpt-test"));
  EXPECT_EQ(r.status, 502u) << r.error << " " << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_LT(Clock::now() - t0, Millis(3000));
  auto s = client.stream("/v1/chat/completions", chatBody("gpt-test", "hi", {{"stream", true}}));
  EXPECT_EQ(s.status, 502u) << s.error << " " << s.raw_body;
}

}  // namespace
}  // namespace switchyard::test
