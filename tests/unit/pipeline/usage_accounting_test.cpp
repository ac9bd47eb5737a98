// OpenRouter's usage accounting, `"usage": {"include": true}` (usage_accounting.hpp): the option
// read and taken out of the body by the parse filter, the stream wrapper that puts the cost in the
// usage chunk (or adds that chunk), and the whole chain with the real OpenAI adapter over a
// scripted transport (the session's part played by the test): usage.cost equals the cost the
// gateway computed (x-litellm-response-cost), and nothing changes for a request that did not ask.

#include "switchyard/pipeline/usage_accounting.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "switchyard/api/usage.hpp"
#include "switchyard/pipeline/pipeline.hpp"
#include "unit/pipeline/scripted_pipeline.hpp"
#include "unit/run_await.hpp"

namespace switchyard::pipeline {
namespace {

namespace asio = boost::asio;
using nlohmann::json;
using test::runAwait;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

const json kMessages = json::array({{{"role", "user"}, {"content", "hi"}}});

// ---- the option --------------------------------------------------------------------------------

struct Parsed {
  api::Exchange ex;
  api::Result<void> result;
};

Parsed parse(api::Endpoint endpoint, const json& body,
             api::WireFormat ingress = api::WireFormat::kOpenAI) {
  Parsed p{api::Exchange{}, {}};
  p.ex.endpoint = endpoint;
  p.ex.ingress = ingress;
  std::string raw = body.dump();
  p.result = parseRequest(p.ex, std::string(raw));
  return p;
}

json chat(json extra) {
  json b = {{"model", "gpt-4o"}, {"messages", kMessages}};
  b.update(extra);
  return b;
}

TEST(UsageOptionTest, IncludeTrueIsReadAndTakenOutOfTheBody) {
  Parsed p = parse(api::Endpoint::kChatCompletions, chat({{"usage", {{"include", true}}}}));
  ASSERT_TRUE(p.result.has_value()) << p.result.error().message;
  EXPECT_TRUE(p.ex.options.usage_include);
  EXPECT_FALSE(p.ex.body.dom().contains("usage"));

  json completions = {{"model", "m"}, {"prompt", "hi"}, {"usage", {{"include", true}}}};
  Parsed c = parse(api::Endpoint::kCompletions, completions);
  ASSERT_TRUE(c.result.has_value());
  EXPECT_TRUE(c.ex.options.usage_include);
  EXPECT_FALSE(c.ex.body.dom().contains("usage"));
}

TEST(UsageOptionTest, FalseEmptyNullOrAbsentChangeNothingButAreNotSentOn) {
  for (const json& usage :
       {json{{"include", false}}, json::object(), json(nullptr), json{{"include", nullptr}}}) {
    Parsed p = parse(api::Endpoint::kChatCompletions, chat({{"usage", usage}}));
    ASSERT_TRUE(p.result.has_value()) << usage.dump();
    EXPECT_FALSE(p.ex.options.usage_include) << usage.dump();
    EXPECT_FALSE(p.ex.body.dom().contains("usage")) << usage.dump();
  }
  Parsed absent = parse(api::Endpoint::kChatCompletions, chat(json::object()));
  ASSERT_TRUE(absent.result.has_value());
  EXPECT_FALSE(absent.ex.options.usage_include);
  EXPECT_EQ(absent.ex.body.dom(), chat(json::object()));
}

TEST(UsageOptionTest, WrongTypesAre400) {
  for (const auto& [usage, param] :
       std::vector<std::pair<json, std::string>>{{json(true), "usage"},
                                                 {json("include"), "usage"},
                                                 {json::array(), "usage"},
                                                 {json{{"include", "yes"}}, "usage.include"},
                                                 {json{{"include", 1}}, "usage.include"}}) {
    Parsed p = parse(api::Endpoint::kChatCompletions, chat({{"usage", usage}}));
    ASSERT_FALSE(p.result.has_value()) << usage.dump();
    EXPECT_EQ(p.result.error().httpStatus(), 400u);
    EXPECT_EQ(p.result.error().param, param) << usage.dump();
  }
}

TEST(UsageOptionTest, EmbeddingsAndTheAnthropicIngressLeaveTheBodyAlone) {
  json embed = {{"model", "e"}, {"input", "hi"}, {"usage", {{"include", true}}}};
  Parsed e = parse(api::Endpoint::kEmbeddings, embed);
  ASSERT_TRUE(e.result.has_value());
  EXPECT_FALSE(e.ex.options.usage_include);
  EXPECT_TRUE(e.ex.body.dom().contains("usage"));

  Parsed a = parse(api::Endpoint::kChatCompletions, chat({{"usage", {{"include", true}}}}),
                   api::WireFormat::kAnthropic);
  ASSERT_TRUE(a.result.has_value());
  EXPECT_FALSE(a.ex.options.usage_include);
}

TEST(UsageOptionTest, WantsUsageCostOnlyForOpenAiAnswersAsked) {
  api::Exchange ex;
  api::Reply ok;
  EXPECT_FALSE(wantsUsageCost(ex, ok));
  ex.options.usage_include = true;
  EXPECT_TRUE(wantsUsageCost(ex, ok));
  api::Reply error = api::Reply::json(429, "{}");
  EXPECT_FALSE(wantsUsageCost(ex, error));
  api::Reply anthropic;
  anthropic.format = api::WireFormat::kAnthropic;
  EXPECT_FALSE(wantsUsageCost(ex, anthropic));
  ex.endpoint = api::Endpoint::kEmbeddings;
  EXPECT_FALSE(wantsUsageCost(ex, ok));
}

// ---- the stream wrapper ------------------------------------------------------------------------

std::string sse(const json& j) { return "data: " + j.dump() + "\n\n"; }

json chunk(json choices, json usage = json()) {
  json c = {{"id", "c1"},
            {"object", "chat.completion.chunk"},
            {"created", 7},
            {"model", "gpt-4o"},
            {"choices", std::move(choices)}};
  if (!usage.is_null()) c["usage"] = std::move(usage);
  return c;
}
const json kContent = json::array({{{"index", 0}, {"delta", {{"content", "Hi"}}}}});
const json kFinish =
    json::array({{{"index", 0}, {"delta", json::object()}, {"finish_reason", "stop"}}});
const json kUsage = {{"prompt_tokens", 100},
                     {"completion_tokens", 50},
                     {"total_tokens", 150},
                     {"prompt_tokens_details", {{"cached_tokens", 40}}}};
const std::string kDone = "data: [DONE]\n\n";

// Hands out `chunks`; before handing out chunk `at` (or the end, at == chunks.size()) it runs
// `before`, as an adapter writes the usage it kept back.
class Chunks final : public api::ChunkSource {
 public:
  explicit Chunks(std::vector<std::string> chunks, std::size_t at = SIZE_MAX,
                  std::function<void()> before = {})
      : chunks_(std::move(chunks)), at_(at), before_(std::move(before)) {}
  asio::awaitable<api::Result<std::optional<std::string>>> next() override {
    if (i_ == at_ && before_) before_();
    if (i_ >= chunks_.size()) {
      ++i_;
      co_return std::optional<std::string>{};
    }
    co_return std::optional<std::string>{chunks_[i_++]};
  }

 private:
  std::vector<std::string> chunks_;
  std::size_t at_, i_ = 0;
  std::function<void()> before_;
};

asio::awaitable<std::vector<std::string>> drain(api::ChunkSource& s) {
  std::vector<std::string> out;
  for (;;) {
    auto c = co_await s.next();
    if (!c || !*c) break;
    out.push_back(std::move(**c));
  }
  co_return out;
}

// Prices every usage at 0.001 per prompt token and 0.002 per completion token.
double priced(const api::Exchange&, const api::Usage& u) {
  return u.prompt_tokens * 0.001 + u.completion_tokens * 0.002;
}

// The usage object of the one event in `all` that has one.
json usageEvent(const std::string& all) {
  json found;
  std::size_t at = 0;
  while ((at = all.find("data: ", at)) != std::string::npos) {
    std::size_t end = all.find("\n\n", at);
    json j = json::parse(all.substr(at + 6, end - at - 6), nullptr, false);
    if (j.is_object() && j.contains("usage") && j["usage"].is_object()) {
      EXPECT_TRUE(found.is_null()) << "two usage events: " << all;
      found = j;
    }
    at = end;
  }
  return found;
}

std::string joined(const std::vector<std::string>& v) {
  std::string all;
  for (const auto& s : v) all += s;
  return all;
}

class UsageCostStreamTest : public ::testing::Test {
 protected:
  std::vector<std::string> run(std::unique_ptr<api::ChunkSource> inner,
                               std::optional<api::Usage> fallback = std::nullopt) {
    auto source = withUsageCost(std::move(inner), ex_, fallback, priced);
    return runAwait(io_, drain(*source));
  }
  asio::io_context io_{1};
  api::Exchange ex_;
};

TEST_F(UsageCostStreamTest, TheUsageChunkGetsItsCost) {
  std::vector<std::string> in = {sse(chunk(kContent)), sse(chunk(kFinish)),
                                 sse(chunk(json::array(), kUsage)) + kDone};
  std::vector<std::string> out = run(std::make_unique<Chunks>(in));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], in[0]);
  EXPECT_EQ(out[1], in[1]);
  json u = usageEvent(out[2]);
  EXPECT_DOUBLE_EQ(u["usage"]["cost"].get<double>(), 0.2);
  EXPECT_EQ(u["usage"]["prompt_tokens"], 100);
  EXPECT_THAT(out[2], EndsWith(kDone));
}

TEST_F(UsageCostStreamTest, AddedBeforeDoneFromTheUsageTheAdapterKeptBack) {
  std::vector<std::string> in = {sse(chunk(kContent)), sse(chunk(kFinish)) + kDone};
  auto inner = std::make_unique<Chunks>(in, 1, [this] {
    ex_.usage = api::Usage{100, 50, 40, 10, 5};
  });
  std::vector<std::string> out = run(std::move(inner));
  std::string all = joined(out);
  EXPECT_THAT(all, EndsWith(kDone));
  EXPECT_EQ(all.find(sse(chunk(kFinish))), in[0].size()) << all;
  json u = usageEvent(all);
  EXPECT_EQ(u["id"], "c1");
  EXPECT_EQ(u["object"], "chat.completion.chunk");
  EXPECT_EQ(u["created"], 7);
  EXPECT_EQ(u["model"], "gpt-4o");
  EXPECT_EQ(u["choices"], json::array());
  EXPECT_EQ(u["usage"]["prompt_tokens"], 100);
  EXPECT_EQ(u["usage"]["completion_tokens"], 50);
  EXPECT_EQ(u["usage"]["total_tokens"], 150);
  EXPECT_EQ(u["usage"]["prompt_tokens_details"]["cached_tokens"], 40);
  EXPECT_EQ(u["usage"]["prompt_tokens_details"]["cache_write_tokens"], 10);
  EXPECT_EQ(u["usage"]["completion_tokens_details"]["reasoning_tokens"], 5);
  EXPECT_DOUBLE_EQ(u["usage"]["cost"].get<double>(), 0.2);
  // What the usage filter reads back from the added chunk is what was priced.
  std::optional<api::Usage> read = api::scanUsage(all);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->cache_creation_tokens, 10u);
}

TEST_F(UsageCostStreamTest, DoneHeldBackUntilTheSourceWroteTheUsage) {
  // The usage is written only as the source ends (after [DONE] went by).
  std::vector<std::string> in = {sse(chunk(kContent)), kDone};
  auto inner = std::make_unique<Chunks>(in, 2, [this] { ex_.usage = api::Usage{10, 5}; });
  std::vector<std::string> out = run(std::move(inner));
  std::string all = joined(out);
  EXPECT_THAT(all, EndsWith(kDone));
  json u = usageEvent(all);
  EXPECT_DOUBLE_EQ(u["usage"]["cost"].get<double>(), 0.02);
  EXPECT_EQ(all.find(kDone), all.size() - kDone.size()) << all;  // once, last
}

TEST_F(UsageCostStreamTest, FallbackUsageWhenTheExchangeHasNone) {
  std::vector<std::string> in = {sse(chunk(kContent)), kDone};
  std::vector<std::string> out = run(std::make_unique<Chunks>(in), api::Usage{1, 2});
  json u = usageEvent(joined(out));
  EXPECT_DOUBLE_EQ(u["usage"]["cost"].get<double>(), 0.005);
}

TEST_F(UsageCostStreamTest, NoUsageKnownLeavesTheStreamAsItWas) {
  std::vector<std::string> in = {sse(chunk(kContent)), sse(chunk(kFinish)), kDone};
  EXPECT_EQ(joined(run(std::make_unique<Chunks>(in))), joined(in));
}

TEST_F(UsageCostStreamTest, DoneInsideTheTextIsNotTheEnd) {
  json says_done = json::array({{{"index", 0}, {"delta", {{"content", "data: [DONE]"}}}}});
  std::vector<std::string> in = {sse(chunk(says_done)), kDone};
  ex_.usage = api::Usage{1, 1};
  std::string all = joined(run(std::make_unique<Chunks>(in)));
  EXPECT_EQ(all.find(sse(chunk(says_done))), 0u) << all;
  EXPECT_THAT(all, EndsWith(kDone));
  EXPECT_FALSE(usageEvent(all).is_null());
}

TEST_F(UsageCostStreamTest, StreamWithoutDoneGetsTheChunkAtTheEnd) {
  ex_.endpoint = api::Endpoint::kCompletions;
  std::string text = R"(data: {"id":"t1","object":"text_completion","created":1,"model":"m",)"
                     R"("choices":[{"index":0,"text":"Hi"}]})"
                     "\n\n";
  ex_.usage = api::Usage{3, 4};
  std::vector<std::string> out = run(std::make_unique<Chunks>(std::vector<std::string>{text}));
  ASSERT_EQ(out.size(), 2u);
  json u = usageEvent(out[1]);
  EXPECT_EQ(u["object"], "text_completion");
  EXPECT_EQ(u["id"], "t1");
  EXPECT_DOUBLE_EQ(u["usage"]["cost"].get<double>(), 0.011);
}

// ---- the whole chain ---------------------------------------------------------------------------

constexpr const char* kMasterKey = "sk-master-usage-accounting";
constexpr double kIn = 0.000002, kOut = 0.000008, kCached = 0.000001;  // gpt's, per token

const std::string kConfig = R"(
model_list:
  - model_name: gpt
    litellm_params:
      model: openai/gpt-4o
      api_key: sk-upstream
      api_base: http://127.0.0.1:9/v1
      input_cost_per_token: 0.000002
      output_cost_per_token: 0.000008
      cache_read_input_token_cost: 0.000001
  - model_name: free-mock
    litellm_params:
      model: mock/free
      mock_response: "one two three"
general_settings:
  master_key: )" + std::string(kMasterKey) +
                            "\n";

const std::string kUpstreamStream =
    sse(chunk(json::array({{{"index", 0}, {"delta", {{"role", "assistant"}, {"content", ""}}}}}),
              nullptr)) +
    sse(chunk(kContent, nullptr)) + sse(chunk(kFinish, nullptr)) +
    sse(chunk(json::array(), kUsage)) + kDone;

class UsageAccountingPipelineTest : public ::testing::Test {
 protected:
  api::Reply call(const std::string& model, json extra) {
    p_.transport->pieces = {kUpstreamStream};
    p_.transport->response.status = 200;
    p_.transport->response.body = json{
        {"id", "c1"},
        {"object", "chat.completion"},
        {"created", 7},
        {"model", "gpt-4o"},
        {"choices", json::array({{{"index", 0},
                                  {"message", {{"role", "assistant"}, {"content", "Hi"}}},
                                  {"finish_reason", "stop"}}})},
        {"usage", kUsage}}.dump();
    ex_ = api::Exchange{};
    ex_.endpoint = api::Endpoint::kChatCompletions;
    ex_.auth_token = kMasterKey;
    json body = {{"model", model}, {"messages", kMessages}};
    body.update(extra);
    ex_.raw_body = body.dump();
    api::Reply reply = runAwait(p_.io, p_.pipeline->run(ex_));
    EXPECT_EQ(reply.status, 200u) << reply.body;
    return reply;
  }
  std::string stream(const std::string& model, json extra) {
    extra["stream"] = true;
    api::Reply reply = call(model, extra);
    if (!reply.stream) return reply.body;
    return runAwait(p_.io, test::playStream(reply));
  }
  json sentUpstream() const { return json::parse(p_.transport->sent.back().second.body); }

  test::ScriptedPipeline p_{kConfig, "usage_accounting_test.yaml"};
  api::Exchange ex_;  // outlives each reply, as in the session
};

const double kGptCost = 60 * kIn + 40 * kCached + 50 * kOut;  // kUsage: 40 of 100 cached

TEST_F(UsageAccountingPipelineTest, WholeAnswerGetsTheCostOfTheHeader) {
  api::Reply r = call("gpt", {{"usage", {{"include", true}}}});
  EXPECT_FALSE(sentUpstream().contains("usage")) << p_.transport->sent.back().second.body;
  json body = json::parse(r.body);
  ASSERT_TRUE(body["usage"].contains("cost")) << r.body;
  std::optional<std::string_view> header = r.header("x-litellm-response-cost");
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(body["usage"]["cost"].get<double>(), std::stod(std::string(*header)));
  EXPECT_NEAR(body["usage"]["cost"].get<double>(), kGptCost, 1e-15);
  EXPECT_EQ(body["usage"]["prompt_tokens"], 100);  // the rest as the provider sent it
}

TEST_F(UsageAccountingPipelineTest, WholeAnswerUnchangedWhenNotAsked) {
  for (json extra : {json::object(), json{{"usage", {{"include", false}}}}}) {
    api::Reply r = call("gpt", extra);
    EXPECT_EQ(r.body, p_.transport->response.body) << extra.dump();
    EXPECT_FALSE(sentUpstream().contains("usage"));
  }
}

TEST_F(UsageAccountingPipelineTest, StreamNotAskingIncludeUsageGetsTheUsageChunkWithCost) {
  std::string out = stream("gpt", {{"usage", {{"include", true}}}});
  json sent = sentUpstream();
  EXPECT_FALSE(sent.contains("usage"));
  EXPECT_EQ(sent["stream_options"], json({{"include_usage", true}}));
  json u = usageEvent(out);
  ASSERT_TRUE(u.is_object()) << out;
  EXPECT_EQ(u["choices"], json::array());
  EXPECT_NEAR(u["usage"]["cost"].get<double>(), kGptCost, 1e-15);
  EXPECT_THAT(out, EndsWith(kDone));
  // The cost settled at the end is the one the client got.
  ASSERT_TRUE(ex_.outcome.cost.has_value());
  EXPECT_NEAR(*ex_.outcome.cost, u["usage"]["cost"].get<double>(), 1e-15);
}

TEST_F(UsageAccountingPipelineTest, StreamAskingIncludeUsageGetsCostInTheRelayedChunk) {
  std::string out = stream(
      "gpt", {{"usage", {{"include", true}}}, {"stream_options", {{"include_usage", true}}}});
  json u = usageEvent(out);
  ASSERT_TRUE(u.is_object()) << out;
  EXPECT_NEAR(u["usage"]["cost"].get<double>(), kGptCost, 1e-15);
  EXPECT_EQ(u["usage"]["prompt_tokens_details"]["cached_tokens"], 40);
}

TEST_F(UsageAccountingPipelineTest, StreamUnchangedWhenNotAsked) {
  std::string out = stream("gpt", {{"stream_options", {{"include_usage", true}}}});
  EXPECT_EQ(out, kUpstreamStream);
  std::string hidden = stream("gpt", {{"usage", {{"include", false}}}});
  EXPECT_THAT(hidden, Not(HasSubstr("prompt_tokens")));
}

TEST_F(UsageAccountingPipelineTest, FreeAnswersCostZero) {
  api::Reply r = call("free-mock", {{"usage", {{"include", true}}}});
  EXPECT_EQ(json::parse(r.body)["usage"]["cost"], 0) << r.body;
  if (auto header = r.header("x-litellm-response-cost")) EXPECT_EQ(*header, "0");

  std::string out = stream("free-mock", {{"usage", {{"include", true}}}});
  json u = usageEvent(out);
  ASSERT_TRUE(u.is_object()) << out;
  EXPECT_EQ(u["usage"]["cost"], 0);
  EXPECT_GT(u["usage"]["completion_tokens"].get<int>(), 0);
}

}  // namespace
}  // namespace switchyard::pipeline
