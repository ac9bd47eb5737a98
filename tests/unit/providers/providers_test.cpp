// The provider registry and the built-in mock, run on a local io_context (no sockets: the mock
// never touches the transport, and misconfigured deployments fail before any connection).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "switchyard/providers/provider.hpp"
#include "switchyard/providers/transport.hpp"
#include "unit/run_await.hpp"

namespace switchyard::providers {
namespace {

namespace asio = boost::asio;
using nlohmann::json;
using test::runAwait;
using ::testing::HasSubstr;

config::Deployment deployment(const std::string& model, const std::string& api_base = {}) {
  config::Deployment d;
  d.model_name = "alias";
  d.model = model;
  auto slash = model.find('/');
  d.provider = model.substr(0, slash);
  d.model_id = model.substr(slash + 1);
  d.id = "dep-1";
  d.api_base = api_base;
  return d;
}

api::Exchange exchange(api::Endpoint endpoint, json body, bool stream = false) {
  api::Exchange ex;
  ex.endpoint = endpoint;
  ex.body = switchyard::api::Body::fromJson(std::move(body));
  ex.stream = stream;
  return ex;
}

asio::awaitable<api::Result<api::Reply>> callProvider(Provider& p, api::Exchange& ex,
                                                      const config::Deployment& d) {
  co_return co_await p.call(ex, d, CallOptions{});
}

asio::awaitable<std::vector<std::string>> drain(api::ChunkSource& source) {
  std::vector<std::string> chunks;
  for (;;) {
    api::Result<std::optional<std::string>> c = co_await source.next();
    if (!c || !*c) break;
    chunks.push_back(std::move(**c));
  }
  co_return chunks;
}

class ProvidersTest : public ::testing::Test {
 protected:
  asio::io_context io_{1};
  std::shared_ptr<Transport> transport_ = Transport::create(io_.get_executor(), {});
  Providers providers_{transport_};

  api::Result<api::Reply> call(Provider& p, api::Exchange& ex, const config::Deployment& d) {
    return runAwait(io_, callProvider(p, ex, d));
  }
};

TEST(IsOpenAiCompatibleTest, Families) {
  for (const char* p : {"openai", "groq", "together_ai", "mistral", "deepseek", "hosted_vllm",
                        "ollama", "openrouter", "custom_openai", "text-completion-openai"}) {
    EXPECT_TRUE(isOpenAiCompatible(p)) << p;
  }
  for (const char* p : {"mock", "anthropic", "gemini", "", "OpenAI", "openai/"}) {
    EXPECT_FALSE(isOpenAiCompatible(p)) << p;
  }
}

TEST_F(ProvidersTest, FindByPrefix) {
  EXPECT_EQ(providers_.find("mock"), &providers_.mock());
  Provider* openai = providers_.find("openai");
  ASSERT_NE(openai, nullptr);
  EXPECT_NE(openai, &providers_.mock());
  EXPECT_EQ(providers_.find("groq"), openai);
  EXPECT_NE(providers_.find("anthropic"), nullptr);
  EXPECT_EQ(providers_.find("bedrock"), nullptr);
  EXPECT_EQ(providers_.find(""), nullptr);
}

TEST_F(ProvidersTest, OpenAiApiBaseDefaultsAndOverrides) {
  Provider& p = *providers_.find("openai");
  EXPECT_EQ(p.apiBase(deployment("openai/gpt-4o")), "https://api.openai.com:443/v1");
  config::Deployment custom = deployment("openai/gpt-4o", "http://127.0.0.1:4000/v1/?k=v");
  EXPECT_EQ(p.apiBase(custom), "http://127.0.0.1:4000/v1");  // no query: it may hold secrets
  config::Deployment ollama = deployment("ollama/llama3", "http://localhost:11434");
  EXPECT_EQ(p.apiBase(ollama), "http://localhost:11434/v1");
}

TEST_F(ProvidersTest, MissingApiBaseFailsWithoutConnecting) {
  Provider& p = *providers_.find("hosted_vllm");
  config::Deployment d = deployment("hosted_vllm/llama");
  api::Exchange ex = exchange(
      api::Endpoint::kChatCompletions,
      {{"model", "alias"}, {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}});
  api::Result<api::Reply> r = call(p, ex, d);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().httpStatus(), 500u);
  EXPECT_THAT(r.error().message, HasSubstr("api_base"));
  EXPECT_EQ(transport_->idleConnections(), 0u);
}

TEST_F(ProvidersTest, InvalidApiBaseFailsWithoutConnecting) {
  Provider& p = *providers_.find("openai");
  config::Deployment d = deployment("openai/gpt-4o", "ftp://example.com/v1");
  api::Exchange ex = exchange(
      api::Endpoint::kChatCompletions,
      {{"model", "alias"}, {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}});
  api::Result<api::Reply> r = call(p, ex, d);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().httpStatus(), 500u);
  EXPECT_THAT(r.error().message, HasSubstr("invalid api_base"));
  EXPECT_THAT(r.error().toJson(), ::testing::Not(HasSubstr("example.com")));
}

TEST_F(ProvidersTest, MockApiBase) {
  EXPECT_EQ(providers_.mock().apiBase(deployment("mock/x")), "mock://switchyard");
}

TEST_F(ProvidersTest, MockChatCanned) {
  config::Deployment d = deployment("mock/gpt-4o-mini");
  api::Exchange ex = exchange(
      api::Endpoint::kChatCompletions,
      {{"model", "alias"}, {"messages", json::array({{{"role", "user"}, {"content", "hello"}}})}});
  api::Result<api::Reply> r = call(providers_.mock(), ex, d);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->stream, nullptr);
  json body = json::parse(r->body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["model"], "gpt-4o-mini");
  EXPECT_THAT(body["id"].get<std::string>(), ::testing::StartsWith("chatcmpl-"));
  EXPECT_EQ(body["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(body["choices"][0]["message"]["content"], "This is a mock response from Switchyard.");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(
      body["usage"]["total_tokens"].get<int>(),
      body["usage"]["prompt_tokens"].get<int>() + body["usage"]["completion_tokens"].get<int>());
  ASSERT_TRUE(r->usage.has_value());
  EXPECT_EQ(r->usage->prompt_tokens, body["usage"]["prompt_tokens"].get<std::uint64_t>());
}

TEST_F(ProvidersTest, MockConfiguredResponseAndEcho) {
  config::Deployment canned = deployment("mock/x");
  canned.mock_response = "configured answer";
  json body = {
      {"model", "alias"},
      {"messages",
       json::array({{{"role", "system"}, {"content", "sys"}},
                    {{"role", "user"}, {"content", "first"}},
                    {{"role", "assistant"}, {"content", "mid"}},
                    {{"role", "user"},
                     {"content", json::array({{{"type", "text"}, {"text", "last "}},
                                              {{"type", "text"}, {"text", "words"}}})}}})}};
  api::Exchange ex1 = exchange(api::Endpoint::kChatCompletions, body);
  api::Result<api::Reply> r1 = call(providers_.mock(), ex1, canned);
  ASSERT_TRUE(r1.has_value());
  EXPECT_EQ(json::parse(r1->body)["choices"][0]["message"]["content"], "configured answer");

  config::Deployment echo = deployment("mock/echo");
  api::Exchange ex2 = exchange(api::Endpoint::kChatCompletions, body);
  api::Result<api::Reply> r2 = call(providers_.mock(), ex2, echo);
  ASSERT_TRUE(r2.has_value());
  EXPECT_EQ(json::parse(r2->body)["choices"][0]["message"]["content"], "last words");
}

TEST_F(ProvidersTest, MockCompletion) {
  config::Deployment d = deployment("mock/echo");
  api::Exchange ex =
      exchange(api::Endpoint::kCompletions, {{"model", "alias"}, {"prompt", "say this"}});
  api::Result<api::Reply> r = call(providers_.mock(), ex, d);
  ASSERT_TRUE(r.has_value());
  json body = json::parse(r->body);
  EXPECT_EQ(body["object"], "text_completion");
  EXPECT_EQ(body["choices"][0]["text"], "say this");
}

TEST_F(ProvidersTest, MockEmbeddingsAreDeterministicUnitVectors) {
  config::Deployment d = deployment("mock/text-embedding-3-small");
  auto embed = [&](json input, std::optional<int> dims) {
    json body = {{"model", "alias"}, {"input", std::move(input)}};
    if (dims) body["dimensions"] = *dims;
    // Round-trip through text: parsed JSON holds non-negative integers as unsigned, as in a
    // request.
    api::Exchange ex = exchange(api::Endpoint::kEmbeddings, json::parse(body.dump()));
    api::Result<api::Reply> r = call(providers_.mock(), ex, d);
    EXPECT_TRUE(r.has_value());
    return r.has_value() ? json::parse(r->body) : json();
  };
  json a = embed(json::array({"one", "two"}), 8);
  ASSERT_EQ(a["data"].size(), 2u);
  EXPECT_EQ(a["object"], "list");
  for (std::size_t i = 0; i < 2; ++i) {
    const json& v = a["data"][i]["embedding"];
    ASSERT_EQ(v.size(), 8u);
    EXPECT_EQ(a["data"][i]["index"], i);
    double norm = 0;
    for (const json& x : v) norm += x.get<double>() * x.get<double>();
    EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-4);
  }
  EXPECT_NE(a["data"][0]["embedding"], a["data"][1]["embedding"]);
  json b = embed("one", 8);
  EXPECT_EQ(b["data"][0]["embedding"], a["data"][0]["embedding"]);
  EXPECT_EQ(embed("x", std::nullopt)["data"][0]["embedding"].size(), 1536u);
}

TEST_F(ProvidersTest, MockStreamChat) {
  config::Deployment d = deployment("mock/x");
  d.mock_response = "one two three";
  api::Exchange ex = exchange(api::Endpoint::kChatCompletions,
                              {{"model", "alias"},
                               {"stream", true},
                               {"stream_options", {{"include_usage", true}}},
                               {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}},
                              true);
  api::Result<api::Reply> r = call(providers_.mock(), ex, d);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->content_type, "text/event-stream");
  ASSERT_NE(r->stream, nullptr);
  std::vector<std::string> chunks = runAwait(io_, drain(*r->stream));
  ASSERT_GE(chunks.size(), 4u);
  EXPECT_EQ(chunks.back(), "data: [DONE]\n\n");
  std::string text;
  bool saw_usage = false, saw_stop = false;
  for (std::size_t i = 0; i + 1 < chunks.size(); ++i) {
    ASSERT_THAT(chunks[i], ::testing::StartsWith("data: "));
    ASSERT_THAT(chunks[i], ::testing::EndsWith("\n\n"));
    json j = json::parse(chunks[i].substr(6));
    EXPECT_EQ(j["object"], "chat.completion.chunk");
    if (j.contains("usage")) saw_usage = true;
    for (const json& c : j["choices"]) {
      if (c["delta"].contains("content")) text += c["delta"]["content"].get<std::string>();
      if (c["finish_reason"] == "stop") saw_stop = true;
    }
  }
  EXPECT_EQ(text, "one two three");
  EXPECT_TRUE(saw_usage);
  EXPECT_TRUE(saw_stop);
}

}  // namespace
}  // namespace switchyard::providers
