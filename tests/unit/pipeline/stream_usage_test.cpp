// The usage of streamed replies through the whole chain (auth -> parse -> usage -> provider_call)
// with the real OpenAI adapter over a scripted transport, the session's part played by the test
// (next() until the end, each chunk shown to the reply's observers): ex.usage holds all five
// counts whether the client saw the usage chunk or not, and the usage filter's observer merges
// the counts the chunks carry (Anthropic's events included).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "switchyard/pipeline/pipeline.hpp"
#include "unit/pipeline/scripted_pipeline.hpp"
#include "unit/run_await.hpp"

namespace switchyard::pipeline {
namespace {

namespace asio = boost::asio;
using nlohmann::json;
using test::runAwait;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kMasterKey = "sk-master-usage-test";

const std::string kConfig = R"(
model_list:
  - model_name: gpt
    litellm_params:
      model: openai/gpt-4o
      api_key: sk-upstream
      api_base: http://127.0.0.1:9/v1
  - model_name: claude-raw
    litellm_params:
      model: scripted/claude
general_settings:
  master_key: )" + std::string(kMasterKey) +
                            "\n";

std::string sse(const json& j) { return "data: " + j.dump() + "\n\n"; }

json chunk(json choices, json usage) {
  return {{"id", "c1"},        {"object", "chat.completion.chunk"}, {"created", 1},
          {"model", "gpt-4o"}, {"choices", std::move(choices)},     {"usage", std::move(usage)}};
}

const json kUsage = json::parse(R"({"prompt_tokens":100,"completion_tokens":50,
    "total_tokens":150,"prompt_tokens_details":{"cached_tokens":40},
    "completion_tokens_details":{"reasoning_tokens":20},"cache_creation_input_tokens":7})");

// As OpenAI answers a stream asked for include_usage.
const std::string kUpstream =
    sse(chunk(json::array({{{"index", 0}, {"delta", {{"role", "assistant"}, {"content", ""}}}}}),
              nullptr)) +
    sse(chunk(json::array({{{"index", 0}, {"delta", {{"content", "Hi"}}}}}), nullptr)) +
    sse(chunk(json::array({{{"index", 0}, {"delta", json::object()}, {"finish_reason", "stop"}}}),
              nullptr)) +
    sse(chunk(json::array(), kUsage)) + "data: [DONE]\n\n";

// A /v1/messages stream passed through from Anthropic: usage split over message_start (input,
// cache reads and writes) and message_delta (output).
class AnthropicEvents final : public api::ChunkSource {
 public:
  asio::awaitable<api::Result<std::optional<std::string>>> next() override {
    static const char* kEvents[] = {
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\","
        "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"usage\":{\"input_tokens\":10,"
        "\"cache_read_input_tokens\":20,\"cache_creation_input_tokens\":30,\"output_tokens\":1}}}"
        "\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
        "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n",
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
        "\"end_turn\"},\"usage\":{\"output_tokens\":15}}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    };
    if (i_ == std::size(kEvents)) co_return std::optional<std::string>{};
    co_return std::optional<std::string>{std::string(kEvents[i_++])};
  }

 private:
  std::size_t i_ = 0;
};

class RawAnthropicProvider final : public providers::Provider {
 public:
  asio::awaitable<api::Result<api::Reply>> call(api::Exchange&, const config::Deployment&,
                                                const providers::CallOptions&) override {
    api::Reply r;
    r.content_type = "text/event-stream";
    r.format = api::WireFormat::kAnthropic;
    r.stream = std::make_unique<AnthropicEvents>();
    co_return r;
  }
  std::string apiBase(const config::Deployment&) override { return "http://scripted.invalid"; }
};

class StreamUsagePipelineTest : public ::testing::Test {
 protected:
  // Streams a chat request for `model` (plus `extra`) and plays the reply as the session does.
  std::string streamChat(const std::string& model, json extra = json::object()) {
    p_.transport->pieces = {kUpstream};
    ex_ = api::Exchange{};
    ex_.endpoint = api::Endpoint::kChatCompletions;
    ex_.auth_token = kMasterKey;
    json body = {{"model", model},
                 {"stream", true},
                 {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}};
    body.update(extra);
    ex_.raw_body = body.dump();
    api::Reply reply = runAwait(p_.io, p_.pipeline->run(ex_));
    EXPECT_EQ(reply.status, 200u) << reply.body;
    if (!reply.stream) return reply.body;
    return runAwait(p_.io, test::playStream(reply));
  }

  void expectAllFive() {
    ASSERT_TRUE(ex_.usage.has_value());
    EXPECT_EQ(ex_.usage->prompt_tokens, 100u);
    EXPECT_EQ(ex_.usage->completion_tokens, 50u);
    EXPECT_EQ(ex_.usage->cached_tokens, 40u);
    EXPECT_EQ(ex_.usage->cache_creation_tokens, 7u);
    EXPECT_EQ(ex_.usage->reasoning_tokens, 20u);
  }

  test::ScriptedPipeline p_{kConfig, "stream_usage_test.yaml", [](providers::Providers& p) {
                              p.add("scripted", std::make_unique<RawAnthropicProvider>());
                            }};
  api::Exchange ex_;  // outlives each reply, as in the session
};

TEST_F(StreamUsagePipelineTest, NotAskedUsageChunkHiddenButCounted) {
  std::string out = streamChat("gpt");
  json sent = json::parse(p_.transport->sent.back().second.body);
  EXPECT_EQ(sent["stream_options"], json({{"include_usage", true}}));
  EXPECT_THAT(out, HasSubstr("\"content\":\"Hi\""));
  EXPECT_THAT(out, Not(HasSubstr("prompt_tokens")));
  EXPECT_THAT(out, ::testing::EndsWith("data: [DONE]\n\n"));
  expectAllFive();
}

TEST_F(StreamUsagePipelineTest, AskedUsageChunkRelayedAndCounted) {
  std::string out = streamChat("gpt", {{"stream_options", {{"include_usage", true}}}});
  EXPECT_EQ(out, kUpstream);
  expectAllFive();
}

TEST_F(StreamUsagePipelineTest, AnthropicEventsMergedFieldByField) {
  std::string out = streamChat("claude-raw");
  EXPECT_THAT(out, HasSubstr("message_stop"));
  ASSERT_TRUE(ex_.usage.has_value());
  EXPECT_EQ(ex_.usage->prompt_tokens, 60u);  // input + cache reads + cache writes
  EXPECT_EQ(ex_.usage->completion_tokens, 15u);
  EXPECT_EQ(ex_.usage->cached_tokens, 20u);
  EXPECT_EQ(ex_.usage->cache_creation_tokens, 30u);
  EXPECT_EQ(ex_.usage->reasoning_tokens, 0u);
}

}  // namespace
}  // namespace switchyard::pipeline
