// The whole chain (auth -> parse -> provider_call) on a local io_context, with the mock provider:
// no sockets, no network.

#include "switchyard/pipeline/pipeline.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "switchyard/providers/transport.hpp"
#include "unit/run_await.hpp"

namespace switchyard::pipeline {
namespace {

namespace asio = boost::asio;
using nlohmann::json;
using test::runAwait;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kMasterKey = "sk-master-test-1234";

const std::string kConfig = R"(
model_list:
  - model_name: echo
    litellm_params:
      model: mock/echo
    model_info:
      id: echo-1
  - model_name: canned
    litellm_params:
      model: mock/canned
      mock_response: "one two three"
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: sk-upstream-never-used
      api_base: http://127.0.0.1:9/v1
  - model_name: unsupported
    litellm_params:
      model: bedrock/anthropic.claude-3
  - model_name: fallback
    litellm_params:
      model: hosted_vllm/llama
      weight: 1
    model_info:
      id: broken
  - model_name: fallback
    litellm_params:
      model: mock/echo
      weight: 0
    model_info:
      id: working
  - model_name: embed
    litellm_params:
      model: mock/text-embedding
    model_info:
      mode: embedding
general_settings:
  master_key: )" + std::string(kMasterKey) +
                            "\n";

asio::awaitable<std::vector<std::string>> drain(api::ChunkSource& source) {
  std::vector<std::string> chunks;
  for (;;) {
    api::Result<std::optional<std::string>> c = co_await source.next();
    if (!c) {
      chunks.push_back("ERROR: " + c.error().message);
      break;
    }
    if (!*c) break;
    chunks.push_back(std::move(**c));
  }
  co_return chunks;
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override { build(kConfig); }

  void build(const std::string& yaml) {
    pipeline_.reset();
    providers_.reset();
    router_.reset();
    auto loaded = config::loadConfigText(yaml, "pipeline_test.yaml");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    cfg_ = std::make_unique<config::Config>(std::move(loaded->config));
    router_ = std::make_unique<router::Router>(*cfg_);
    providers_ = std::make_unique<providers::Providers>(
        providers::Transport::create(io_.get_executor(), {}));
    pipeline_ = std::make_unique<Pipeline>(*cfg_, *router_, *providers_);
  }

  api::Reply run(api::Exchange& ex) { return runAwait(io_, pipeline_->run(ex)); }

  api::Reply post(api::Endpoint endpoint, const json& body, std::string token = kMasterKey) {
    ex_ = api::Exchange{};
    ex_.endpoint = endpoint;
    ex_.auth_token = std::move(token);
    ex_.raw_body = body.dump();
    return run(ex_);
  }

  static json chat(const std::string& model, const std::string& text) {
    return {{"model", model}, {"messages", json::array({{{"role", "user"}, {"content", text}}})}};
  }

  static json errorOf(const api::Reply& r) {
    json j = json::parse(r.body);
    EXPECT_TRUE(j.contains("error")) << r.body;
    return j["error"];
  }

  asio::io_context io_{1};
  std::unique_ptr<config::Config> cfg_;
  std::unique_ptr<router::Router> router_;
  std::unique_ptr<providers::Providers> providers_;
  std::unique_ptr<Pipeline> pipeline_;
  api::Exchange ex_;
};

TEST_F(PipelineTest, EchoChat) {
  api::Reply r = post(api::Endpoint::kChatCompletions, chat("echo", "hello there"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.stream, nullptr);
  json body = json::parse(r.body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["choices"][0]["message"]["content"], "hello there");
  EXPECT_EQ(ex_.outcome.model_group, "echo");
  EXPECT_EQ(ex_.outcome.deployment_id, "echo-1");
  EXPECT_EQ(ex_.outcome.provider, "mock");
  EXPECT_EQ(ex_.outcome.attempted_retries, 0);
  EXPECT_FALSE(ex_.outcome.error.has_value());
  EXPECT_TRUE(r.usage.has_value());
}

TEST_F(PipelineTest, EchoCompletionAndEmbeddings) {
  api::Reply c =
      post(api::Endpoint::kCompletions, json{{"model", "echo"}, {"prompt", "complete me"}});
  ASSERT_EQ(c.status, 200u) << c.body;
  EXPECT_EQ(json::parse(c.body)["choices"][0]["text"], "complete me");
  api::Reply e = post(api::Endpoint::kEmbeddings, json{{"model", "embed"}, {"input", "vector me"}});
  ASSERT_EQ(e.status, 200u) << e.body;
  EXPECT_EQ(json::parse(e.body)["data"][0]["object"], "embedding");
}

TEST_F(PipelineTest, WrongTokenIs401) {
  api::Reply r = post(api::Endpoint::kChatCompletions, chat("echo", "hi"), "sk-wrong");
  EXPECT_EQ(r.status, 401u);
  json err = errorOf(r);
  EXPECT_EQ(err["type"], "authentication_error");
  EXPECT_EQ(r.body.find(kMasterKey), std::string::npos);
  EXPECT_EQ(r.body.find("sk-wrong"), std::string::npos);
  ASSERT_TRUE(ex_.outcome.error.has_value());
  EXPECT_EQ(ex_.outcome.error->kind, api::ErrorKind::kUnauthorized);
}

TEST_F(PipelineTest, MissingTokenIs401) {
  EXPECT_EQ(post(api::Endpoint::kChatCompletions, chat("echo", "hi"), "").status, 401u);
}

TEST_F(PipelineTest, AuthRunsBeforeParsing) {
  ex_ = api::Exchange{};
  ex_.endpoint = api::Endpoint::kChatCompletions;
  ex_.auth_token = "sk-wrong";
  ex_.raw_body = "{not json";
  EXPECT_EQ(run(ex_).status, 401u);
}

TEST_F(PipelineTest, OpenGatewayWithoutMasterKey) {
  // The loader falls back to LITELLM_MASTER_KEY; clear it for this test.
  const char* old = std::getenv("LITELLM_MASTER_KEY");
  std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
  ::unsetenv("LITELLM_MASTER_KEY");
  build("model_list:\n  - model_name: echo\n    litellm_params:\n      model: mock/echo\n");
  if (saved) ::setenv("LITELLM_MASTER_KEY", saved->c_str(), 1);
  ASSERT_TRUE(cfg_->general_settings.master_key.empty());
  EXPECT_EQ(post(api::Endpoint::kChatCompletions, chat("echo", "hi"), "").status, 200u);
  EXPECT_EQ(post(api::Endpoint::kChatCompletions, chat("echo", "hi"), "anything").status, 200u);
}

TEST_F(PipelineTest, UnknownModelIs404) {
  api::Reply r = post(api::Endpoint::kChatCompletions, chat("no-such-model", "hi"));
  EXPECT_EQ(r.status, 404u);
  json err = errorOf(r);
  EXPECT_EQ(err["code"], "model_not_found");
  EXPECT_EQ(err["param"], "model");
  EXPECT_THAT(err["message"].get<std::string>(), HasSubstr("no-such-model"));
}

TEST_F(PipelineTest, BadRequestsAre400) {
  ex_ = api::Exchange{};
  ex_.endpoint = api::Endpoint::kChatCompletions;
  ex_.auth_token = kMasterKey;
  ex_.raw_body = "{\"model\":";
  EXPECT_EQ(run(ex_).status, 400u);

  api::Reply r = post(api::Endpoint::kChatCompletions, json{{"model", "echo"}});
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(errorOf(r)["param"], "messages");
}

TEST_F(PipelineTest, MockStream) {
  json body = chat("canned", "hi");
  body["stream"] = true;
  api::Reply r = post(api::Endpoint::kChatCompletions, body);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.content_type, "text/event-stream");
  ASSERT_NE(r.stream, nullptr);
  std::vector<std::string> chunks = runAwait(io_, drain(*r.stream));
  ASSERT_GE(chunks.size(), 3u);
  EXPECT_EQ(chunks.back(), "data: [DONE]\n\n");
  std::string text;
  for (std::size_t i = 0; i + 1 < chunks.size(); ++i) {
    ASSERT_THAT(chunks[i], StartsWith("data: {"));
    json j = json::parse(chunks[i].substr(6));
    for (const json& c : j["choices"])
      if (c["delta"].contains("content")) text += c["delta"]["content"].get<std::string>();
  }
  EXPECT_EQ(text, "one two three");
}

TEST_F(PipelineTest, RequestMockResponseNeverCallsTheProvider) {
  // gpt-4o points at a closed port; mock_response must answer without touching it.
  json body = chat("gpt-4o", "hi");
  body["mock_response"] = "from the request";
  api::Reply r = post(api::Endpoint::kChatCompletions, body);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(json::parse(r.body)["choices"][0]["message"]["content"], "from the request");
  EXPECT_EQ(ex_.outcome.provider, "mock");
  EXPECT_EQ(providers_->transport().idleConnections(), 0u);
}

TEST_F(PipelineTest, UnsupportedProviderIs501) {
  api::Reply r = post(api::Endpoint::kChatCompletions, chat("unsupported", "hi"));
  EXPECT_EQ(r.status, 501u);
  EXPECT_EQ(errorOf(r)["code"], "provider_not_supported");
}

TEST_F(PipelineTest, RetryableFailureMovesToNextDeployment) {
  // "broken" (hosted_vllm without api_base) has weight 1 and is always tried first; it fails
  // retryably before any connection and "working" answers.
  api::Reply r = post(api::Endpoint::kChatCompletions, chat("fallback", "still here"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(json::parse(r.body)["choices"][0]["message"]["content"], "still here");
  EXPECT_EQ(ex_.outcome.deployment_id, "working");
  EXPECT_EQ(ex_.outcome.attempted_retries, 1);
}

TEST_F(PipelineTest, ManyRequestsOnOneContext) {
  for (int i = 0; i < 50; ++i) {
    std::string text = "msg " + std::to_string(i);
    api::Reply r = post(api::Endpoint::kChatCompletions, chat("echo", text));
    ASSERT_EQ(r.status, 200u);
    ASSERT_EQ(json::parse(r.body)["choices"][0]["message"]["content"], text);
  }
}

// An adapter that throws (a bug in a translator): the client gets a 500 in OpenAI's shape and the
// request is recorded as failed, not a dropped connection.
class ThrowingProvider final : public providers::Provider {
 public:
  asio::awaitable<api::Result<api::Reply>> call(api::Exchange&, const config::Deployment&,
                                                const providers::CallOptions&) override {
    throw std::runtime_error("type_error.302: type must be string, but is number");
    co_return api::Reply{};
  }
  std::string apiBase(const config::Deployment&) override { return "http://127.0.0.1:9"; }
};

TEST_F(PipelineTest, AnAdapterThatThrowsIsA500NotADroppedConnection) {
  providers_->add("hosted_vllm", std::make_unique<ThrowingProvider>());
  // The chain a proxied route has: the access log filter outermost.
  Filter* const chain[] = {&pipeline_->accessLog(), &pipeline_->auth(),
                           &pipeline_->parse(api::Endpoint::kChatCompletions),
                           &pipeline_->providerCall()};
  ex_ = api::Exchange{};
  ex_.auth_token = kMasterKey;
  ex_.raw_body = chat("fallback", "hi").dump();
  api::Reply r = runAwait(io_, Next{chain}(ex_));
  ASSERT_EQ(r.status, 500u) << r.body;
  json e = errorOf(r);
  EXPECT_EQ(e["message"], "The gateway failed while handling the request.");
  EXPECT_THAT(r.body, ::testing::Not(HasSubstr("type_error")));  // the detail is for the logs
  ASSERT_TRUE(ex_.outcome.error.has_value());
  EXPECT_EQ(ex_.outcome.error->kind, api::ErrorKind::kInternal);
  EXPECT_THAT(ex_.outcome.error->detail, HasSubstr("type_error.302"));
}

}  // namespace
}  // namespace switchyard::pipeline
