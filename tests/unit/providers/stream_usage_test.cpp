// Usage of streamed replies (openai_common.hpp "Stream usage"): stream_options.include_usage is
// asked for upstream only for the providers known to accept it, the usage-only chunk is kept from
// a client that did not ask, and the adapters write the usage to ex.usage whether the client sees
// it or not (OpenAI family, Azure, Anthropic and Gemini translations), all five counts included.
// Whole calls through a scripted Transport: no sockets.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "providers/adapters.hpp"
#include "providers/anthropic_translate.hpp"
#include "providers/openai_common.hpp"
#include "unit/providers/scripted_transport.hpp"
#include "unit/run_await.hpp"

namespace switchyard::providers {
namespace {

namespace asio = boost::asio;
using namespace scripted;
using nlohmann::json;
using test::runAwait;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

std::string sse(const json& j) { return "data: " + j.dump() + "\n\n"; }

// A chunk; `usage` null gives `"usage":null`, discarded (the default) no usage key.
json chunk(json choices, json usage = json(json::value_t::discarded)) {
  json c = {{"id", "c1"},
            {"object", "chat.completion.chunk"},
            {"created", 1},
            {"model", "m"},
            {"choices", std::move(choices)}};
  if (!usage.is_discarded()) c["usage"] = std::move(usage);
  return c;
}

// Every count set: cache writes as LiteLLM and OpenAI-compatible proxies of Anthropic report them.
const json kUsage = json::parse(R"({"prompt_tokens":100,"completion_tokens":50,
    "total_tokens":150,"prompt_tokens_details":{"cached_tokens":40},
    "completion_tokens_details":{"reasoning_tokens":20},"cache_creation_input_tokens":7})");

void expectAllFive(const std::optional<api::Usage>& u) {
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->prompt_tokens, 100u);
  EXPECT_EQ(u->completion_tokens, 50u);
  EXPECT_EQ(u->cached_tokens, 40u);
  EXPECT_EQ(u->cache_creation_tokens, 7u);
  EXPECT_EQ(u->reasoning_tokens, 20u);
}

// An upstream stream as OpenAI sends it when include_usage was asked for: `"usage":null` on
// every chunk, then the usage-only chunk, then [DONE].
std::string usageStream() {
  return sse(chunk(
             json::array({{{"index", 0}, {"delta", {{"role", "assistant"}, {"content", ""}}}}}),
             nullptr)) +
         sse(chunk(json::array({{{"index", 0}, {"delta", {{"content", "Hi"}}}}}), nullptr)) +
         sse(chunk(
             json::array({{{"index", 0}, {"delta", json::object()}, {"finish_reason", "stop"}}}),
             nullptr)) +
         sse(chunk(json::array(), kUsage)) + "data: [DONE]\n\n";
}

// ---------------------------------------------------------------------------------------------
// Which deployments ask, and the body they send.

TEST(StreamUsageListTest, OnlyProvidersKnownToAcceptTheOption) {
  for (const char* p :
       {"openai", "text-completion-openai", "groq", "deepseek", "xai", "openrouter"})
    EXPECT_TRUE(acceptsStreamUsage(p)) << p;
  for (const char* p : {"together_ai", "fireworks_ai", "mistral", "perplexity", "hosted_vllm",
                        "ollama", "ollama_chat", "lm_studio", "openai_compatible", "custom_openai",
                        "azure_ai", "azure", "anthropic", "gemini", "mock", ""})
    EXPECT_FALSE(acceptsStreamUsage(p)) << p;
  // Azure: from api-version 2024-09-01(-preview) on, and the v1 API.
  for (const char* v :
       {"2024-09-01-preview", "2024-10-21", "2025-04-01-preview", "preview", "latest"})
    EXPECT_TRUE(azureAcceptsStreamUsage(v)) << v;
  for (const char* v : {"2024-08-01-preview", "2024-06-01", "2024-02-01", "2023-05-15", ""})
    EXPECT_FALSE(azureAcceptsStreamUsage(v)) << v;
}

class OpenAiBodyTest : public ::testing::Test {
 protected:
  api::Exchange& exchange(json extra, bool stream = true) {
    ex_ = api::Exchange{};
    json body = {{"model", "m"}, {"messages", json::array({{{"role", "user"}, {"content", "x"}}})}};
    if (stream) body["stream"] = true;
    body.update(extra);
    ex_.body = switchyard::api::Body::fromJson(std::move(body));
    ex_.stream = stream;
    return ex_;
  }
  api::Exchange ex_;
};

TEST_F(OpenAiBodyTest, AskedOnStreamsWhenTheClientDidNot) {
  for (json extra : {json::object(), json{{"stream_options", nullptr}},
                     json{{"stream_options", {{"include_usage", false}}}},
                     json{{"stream_options", {{"include_obfuscation", false}}}}}) {
    api::Exchange& ex = exchange(extra);
    const json before = ex.body.dom();
    UpstreamBody b = openAiBody(ex, true);
    EXPECT_TRUE(b.hide_usage) << extra;
    json sent = json::parse(b.text());
    EXPECT_EQ(sent["stream_options"]["include_usage"], true) << extra;
    if (extra.contains("stream_options") && extra["stream_options"].is_object() &&
        extra["stream_options"].contains("include_obfuscation"))
      EXPECT_EQ(sent["stream_options"]["include_obfuscation"], false);  // the client's keys kept
    sent.erase("stream_options");
    json rest = before;
    rest.erase("stream_options");
    EXPECT_EQ(sent, rest) << "nothing else changes";
    EXPECT_EQ(ex.body.dom(), before) << "ex.body stays as the client sent it (fallbacks): " << extra;
  }
}

TEST_F(OpenAiBodyTest, NotAskedWhenAskedAlreadyNotStreamingNotAcceptedOrEmbeddings) {
  api::Exchange& asked = exchange({{"stream_options", {{"include_usage", true}}}});
  UpstreamBody b = openAiBody(asked, true);
  EXPECT_FALSE(b.hide_usage) << "the client asked: its stream is relayed as it is";
  EXPECT_EQ(json::parse(b.text()), asked.body.dom());

  api::Exchange& whole = exchange(json::object(), /*stream=*/false);
  b = openAiBody(whole, true);
  EXPECT_FALSE(b.hide_usage);
  EXPECT_FALSE(json::parse(b.text()).contains("stream_options"));

  api::Exchange& other = exchange(json::object());
  b = openAiBody(other, /*ask_usage=*/false);
  EXPECT_FALSE(b.hide_usage);
  EXPECT_FALSE(json::parse(b.text()).contains("stream_options"));

  api::Exchange& embed = exchange(json::object());
  embed.endpoint = api::Endpoint::kEmbeddings;
  b = openAiBody(embed, true);
  EXPECT_FALSE(b.hide_usage);
  EXPECT_FALSE(json::parse(b.text()).contains("stream_options"));
}

// ---------------------------------------------------------------------------------------------
// Whole calls: OpenAI family and Azure.

class StreamUsageCallTest : public ::testing::Test {
 protected:
  config::Deployment deployment(const std::string& provider, std::string api_version = {}) {
    config::Deployment d;
    d.model_name = "m";
    d.provider = provider;
    d.model = provider + "/upstream-model";
    d.model_id = "upstream-model";
    d.id = "dep-" + provider;
    d.api_base = "http://127.0.0.1:9/v1";
    d.api_key = "sk-test-key";
    d.api_version = std::move(api_version);
    return d;
  }
  // Calls `p` with a streamed chat request (plus `extra`), drains the stream; the upstream
  // answers `upstream`, cut into pieces of `piece` bytes.
  std::string stream(Provider& p, const config::Deployment& d, json extra,
                     const std::string& upstream, std::size_t piece = 1 << 20) {
    transport_.pieces.clear();
    for (std::size_t i = 0; i < upstream.size(); i += piece)
      transport_.pieces.push_back(upstream.substr(i, piece));
    ex_ = api::Exchange{};
    json body = {{"model", "m"},
                 {"stream", true},
                 {"messages", json::array({{{"role", "user"}, {"content", "x"}}})}};
    body.update(extra);
    ex_.body = switchyard::api::Body::fromJson(std::move(body));
    ex_.stream = true;
    auto r = runAwait(io_, callIt(p, ex_, d, CallOptions{}));
    if (!r) {
      ADD_FAILURE() << r.error().message;
      return {};
    }
    EXPECT_TRUE(r->stream);
    if (!r->stream) return {};
    bool failed = false;
    std::string out = runAwait(io_, drainAll(*r->stream, &failed));
    EXPECT_FALSE(failed);
    return out;
  }
  json sentBody() const { return json::parse(transport_.sent.back().second.body); }

  asio::io_context io_{1};
  ScriptedTransport transport_;
  api::Exchange ex_;  // outlives each reply's stream, as in the session
};

TEST_F(StreamUsageCallTest, UsageChunkHiddenWhenNotAskedButUsageKept) {
  auto p = makeOpenAiCompatible(transport_);
  const std::string upstream = usageStream();
  for (std::size_t piece : {1u, 5u, 64u, 1u << 20}) {
    std::string out = stream(*p, deployment("openai"), json::object(), upstream, piece);
    EXPECT_EQ(sentBody()["stream_options"], json({{"include_usage", true}}));
    EXPECT_THAT(out, HasSubstr("\"content\":\"Hi\"")) << piece;
    EXPECT_THAT(out, Not(HasSubstr("\"choices\":[]"))) << "usage-only chunk relayed: " << out;
    EXPECT_THAT(out, Not(HasSubstr("prompt_tokens")));
    EXPECT_THAT(out, EndsWith("data: [DONE]\n\n"));
    expectAllFive(ex_.usage);
  }
}

TEST_F(StreamUsageCallTest, UsageChunkReadWhilePriming) {
  // The usage chunk is the first event that commits the answer: prime() reads it.
  auto p = makeOpenAiCompatible(transport_);
  const std::string upstream =
      sse(chunk(json::array({{{"index", 0}, {"delta", {{"role", "assistant"}}}}}), nullptr)) +
      sse(chunk(json::array(), kUsage)) + "data: [DONE]\n\n";
  std::string out = stream(*p, deployment("groq"), json::object(), upstream);
  EXPECT_THAT(out, Not(HasSubstr("prompt_tokens")));
  EXPECT_THAT(out, EndsWith("data: [DONE]\n\n"));
  expectAllFive(ex_.usage);
}

TEST_F(StreamUsageCallTest, UsageChunkRelayedWhenTheClientAsked) {
  auto p = makeOpenAiCompatible(transport_);
  const std::string upstream = usageStream();
  std::string out =
      stream(*p, deployment("openai"), {{"stream_options", {{"include_usage", true}}}}, upstream);
  EXPECT_EQ(out, upstream) << "relayed byte for byte";
  EXPECT_EQ(sentBody()["stream_options"], json({{"include_usage", true}}));
  EXPECT_FALSE(ex_.usage) << "left to the usage filter, which reads the chunk as it passes";
}

TEST_F(StreamUsageCallTest, UsageChunkWithChoicesIsNeverHidden) {
  // Hosts that put usage on the finish chunk (choices not empty): relayed as it is.
  auto p = makeOpenAiCompatible(transport_);
  const std::string upstream =
      sse(chunk(json::array({{{"index", 0}, {"delta", {{"content", "Hi"}}}}}))) +
      sse(chunk(json::array({{{"index", 0}, {"delta", json::object()}, {"finish_reason", "stop"}}}),
                kUsage)) +
      "data: [DONE]\n\n";
  std::string out = stream(*p, deployment("openai"), json::object(), upstream);
  EXPECT_EQ(out, upstream);
  EXPECT_FALSE(ex_.usage);
}

TEST_F(StreamUsageCallTest, ProvidersNotKnownToAcceptItAreNotAsked) {
  auto p = makeOpenAiCompatible(transport_);
  const std::string upstream = usageStream();
  for (const char* provider :
       {"together_ai", "fireworks_ai", "mistral", "hosted_vllm", "openai_compatible", "ollama"}) {
    std::string out = stream(*p, deployment(provider), json::object(), upstream);
    EXPECT_FALSE(sentBody().contains("stream_options")) << provider;
    EXPECT_EQ(out, upstream) << provider << ": a usage chunk it sends anyway is relayed";
  }
}

TEST_F(StreamUsageCallTest, NotAskedWithoutStreaming) {
  auto p = makeOpenAiCompatible(transport_);
  transport_.response.status = 200;
  transport_.response.body = R"({"id":"x","object":"chat.completion","choices":[],"usage":{}})";
  ex_ = api::Exchange{};
  ex_.body = switchyard::api::Body::fromJson(
      json{{"model", "m"}, {"messages", json::array({{{"role", "user"}, {"content", "x"}}})}});
  auto r = runAwait(io_, callIt(*p, ex_, deployment("openai"), CallOptions{}));
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(sentBody().contains("stream_options"));
}

TEST_F(StreamUsageCallTest, AzureAsksFromApiVersion20240901) {
  auto p = makeAzure(transport_);
  const std::string upstream = usageStream();
  std::string out = stream(*p, deployment("azure", "2024-10-21"), json::object(), upstream);
  EXPECT_EQ(sentBody()["stream_options"], json({{"include_usage", true}}));
  EXPECT_THAT(out, Not(HasSubstr("prompt_tokens")));
  expectAllFive(ex_.usage);

  out = stream(*p, deployment("azure", "2024-06-01"), json::object(), upstream);
  EXPECT_FALSE(sentBody().contains("stream_options")) << "older api-versions answer 400";
  EXPECT_EQ(out, upstream);

  out = stream(*p, deployment("azure_ai", "2024-10-21"), json::object(), upstream);
  EXPECT_FALSE(sentBody().contains("stream_options")) << "azure_ai: serverless models vary";
}

// ---------------------------------------------------------------------------------------------
// Anthropic: the translated stream's usage reaches ex.usage with or without include_usage.

std::string anthropicStream() {
  auto ev = [](const char* name, const json& data) {
    return std::string("event: ") + name + "\ndata: " + data.dump() + "\n\n";
  };
  return ev("message_start",
            json::parse(R"({"type":"message_start","message":{"id":"msg_1","type":"message",
                "role":"assistant","model":"claude-x","content":[],"stop_reason":null,
                "usage":{"input_tokens":10,"cache_read_input_tokens":20,
                "cache_creation_input_tokens":30,"output_tokens":1}}})")) +
         ev("content_block_start", json::parse(R"({"type":"content_block_start","index":0,
                "content_block":{"type":"text","text":""}})")) +
         ev("content_block_delta", json::parse(R"({"type":"content_block_delta","index":0,
                "delta":{"type":"text_delta","text":"Hello"}})")) +
         ev("content_block_stop", json::parse(R"({"type":"content_block_stop","index":0})")) +
         ev("message_delta", json::parse(R"({"type":"message_delta",
                "delta":{"stop_reason":"end_turn","stop_sequence":null},
                "usage":{"output_tokens":15}})")) +
         ev("message_stop", json::parse(R"({"type":"message_stop"})"));
}

void expectAnthropicUsage(const std::optional<api::Usage>& u) {
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->prompt_tokens, 60u);  // input + cache reads + cache writes
  EXPECT_EQ(u->completion_tokens, 15u);
  EXPECT_EQ(u->cached_tokens, 20u);
  EXPECT_EQ(u->cache_creation_tokens, 30u);
  EXPECT_EQ(u->reasoning_tokens, 0u);
}

TEST_F(StreamUsageCallTest, AnthropicTranslatedStreamUsage) {
  auto p = makeAnthropic(transport_);
  config::Deployment d = deployment("anthropic");
  d.api_base.clear();
  for (std::size_t piece : {7u, 1u << 20}) {
    std::string out = stream(*p, d, json::object(), anthropicStream(), piece);
    EXPECT_THAT(out, HasSubstr("Hello"));
    EXPECT_THAT(out, Not(HasSubstr("prompt_tokens"))) << "not asked: no usage chunk";
    EXPECT_THAT(out, EndsWith("data: [DONE]\n\n"));
    expectAnthropicUsage(ex_.usage);
  }
  std::string out =
      stream(*p, d, {{"stream_options", {{"include_usage", true}}}}, anthropicStream());
  EXPECT_THAT(out, HasSubstr("\"cache_creation_input_tokens\":30"));
  EXPECT_FALSE(sentBody().contains("stream_options"));  // not a Messages API parameter
  expectAnthropicUsage(ex_.usage);
}

TEST_F(StreamUsageCallTest, AnthropicWholeReplyUsage) {
  auto p = makeAnthropic(transport_);
  config::Deployment d = deployment("anthropic");
  d.api_base.clear();
  transport_.response.status = 200;
  transport_.response.body = R"({"id":"msg_1","type":"message","role":"assistant",
      "model":"claude-x","content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn",
      "usage":{"input_tokens":10,"cache_read_input_tokens":20,"cache_creation_input_tokens":30,
      "output_tokens":15}})";
  ex_ = api::Exchange{};
  ex_.body = switchyard::api::Body::fromJson(
      json{{"model", "m"}, {"messages", json::array({{{"role", "user"}, {"content", "x"}}})}});
  auto r = runAwait(io_, callIt(*p, ex_, d, CallOptions{}));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  expectAnthropicUsage(r->usage);
  json body = json::parse(r->body);
  EXPECT_EQ(body["usage"]["prompt_tokens_details"]["cached_tokens"], 20);
  EXPECT_EQ(body["usage"]["cache_creation_input_tokens"], 30);

  api::Usage u = anthropic::replyUsage(anthropic::openAiUsage(
      json::parse(R"({"input_tokens":1,"cache_creation_input_tokens":2,"output_tokens":3})")));
  EXPECT_EQ(u.prompt_tokens, 3u);
  EXPECT_EQ(u.cache_creation_tokens, 2u);
  EXPECT_EQ(u.cached_tokens, 0u);
}

// ---------------------------------------------------------------------------------------------
// Gemini: cached and thinking tokens, stream or not.

const char* kGeminiStream =
    "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hi\"}]},"
    "\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":10,\"candidatesTokenCount\":1,"
    "\"totalTokenCount\":11}}\r\n\r\n"
    "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"!\"}]},"
    "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":10,"
    "\"candidatesTokenCount\":2,\"thoughtsTokenCount\":5,\"cachedContentTokenCount\":4,"
    "\"totalTokenCount\":17}}\r\n\r\n";

void expectGeminiUsage(const std::optional<api::Usage>& u) {
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->prompt_tokens, 10u);
  EXPECT_EQ(u->completion_tokens, 7u);  // candidates + thoughts
  EXPECT_EQ(u->cached_tokens, 4u);
  EXPECT_EQ(u->cache_creation_tokens, 0u);
  EXPECT_EQ(u->reasoning_tokens, 5u);
}

TEST_F(StreamUsageCallTest, GeminiStreamUsage) {
  auto p = makeGemini(transport_);
  config::Deployment d = deployment("gemini");
  d.api_base = "http://127.0.0.1:9";
  for (std::size_t piece : {9u, 1u << 20}) {
    std::string out = stream(*p, d, json::object(), kGeminiStream, piece);
    EXPECT_THAT(out, HasSubstr("\"content\":\"Hi\""));
    EXPECT_THAT(out, Not(HasSubstr("prompt_tokens"))) << "not asked: no usage chunk";
    EXPECT_THAT(out, EndsWith("data: [DONE]\n\n"));
    expectGeminiUsage(ex_.usage);
  }
  std::string out = stream(*p, d, {{"stream_options", {{"include_usage", true}}}}, kGeminiStream);
  std::vector<json> frames;
  for (std::size_t at = 0; (at = out.find("data: {", at)) != std::string::npos; ++at)
    frames.push_back(json::parse(out.substr(at + 6, out.find("\n\n", at) - at - 6)));
  ASSERT_FALSE(frames.empty());
  const json& last = frames.back();
  EXPECT_EQ(last["choices"], json::array());
  EXPECT_EQ(last["usage"]["prompt_tokens_details"]["cached_tokens"], 4);
  EXPECT_EQ(last["usage"]["completion_tokens_details"]["reasoning_tokens"], 5);
  expectGeminiUsage(ex_.usage);
}

TEST_F(StreamUsageCallTest, GeminiWholeReplyUsage) {
  auto p = makeGemini(transport_);
  config::Deployment d = deployment("gemini");
  d.api_base = "http://127.0.0.1:9";
  transport_.response.status = 200;
  transport_.response.body =
      R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},
      "finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":10,
      "candidatesTokenCount":2,"thoughtsTokenCount":5,"cachedContentTokenCount":4,
      "totalTokenCount":17}})";
  ex_ = api::Exchange{};
  ex_.body = switchyard::api::Body::fromJson(
      json{{"model", "m"}, {"messages", json::array({{{"role", "user"}, {"content", "x"}}})}});
  auto r = runAwait(io_, callIt(*p, ex_, d, CallOptions{}));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  expectGeminiUsage(r->usage);
  json body = json::parse(r->body);
  EXPECT_EQ(body["usage"]["prompt_tokens_details"]["cached_tokens"], 4);
  EXPECT_EQ(body["usage"]["completion_tokens_details"]["reasoning_tokens"], 5);
  EXPECT_EQ(body["usage"]["completion_tokens"], 7);
}

}  // namespace
}  // namespace switchyard::providers
