// The anthropic adapter's whole calls through a scripted Transport (no sockets): target, headers,
// priming, streams, pass-through of /v1/messages requests and of Anthropic's own error bodies.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "providers/adapters.hpp"
#include "unit/providers/anthropic_fixtures.hpp"
#include "unit/providers/scripted_transport.hpp"
#include "unit/run_await.hpp"

namespace switchyard::providers {
namespace {

namespace asio = boost::asio;
using namespace anthropic_fixtures;
using namespace scripted;
using api::Error;
using api::ErrorKind;
using nlohmann::json;
using test::runAwait;
using ::testing::HasSubstr;
using ::testing::Not;

class AnthropicCallTest : public ::testing::Test {
 protected:
  AnthropicCallTest() {
    d_.model_name = "claude";
    d_.model = "anthropic/claude-sonnet-4-5";
    d_.provider = "anthropic";
    d_.model_id = "claude-sonnet-4-5";
    d_.id = "dep-claude";
    d_.api_key = std::string(kSecret);
    provider_ = makeAnthropic(transport_);
  }
  api::Exchange exchange(json body, bool stream = false) {
    api::Exchange ex;
    ex.body = switchyard::api::Body::fromJson(std::move(body));
    ex.stream = stream;
    return ex;
  }
  api::Result<api::Reply> call(api::Exchange& ex, CallOptions o = {}) {
    return runAwait(io_, callIt(*provider_, ex, d_, o));
  }

  asio::io_context io_{1};
  ScriptedTransport transport_;
  config::Deployment d_;
  std::unique_ptr<Provider> provider_;
};

const char* kMessage =
    R"({"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
    "content":[{"type":"text","text":"Hi there"}],"stop_reason":"end_turn","stop_sequence":null,
    "usage":{"input_tokens":10,"output_tokens":3}})";

TEST_F(AnthropicCallTest, ApiBaseForms) {
  EXPECT_EQ(provider_->apiBase(d_), "https://api.anthropic.com:443");  // origin() form
  for (const char* base :
       {"http://127.0.0.1:9/", "http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1/messages"}) {
    config::Deployment d = d_;
    d.api_base = base;
    EXPECT_EQ(provider_->apiBase(d), "http://127.0.0.1:9") << base;
  }
  config::Deployment proxied = d_;
  proxied.api_base = "https://gw.example.com/anthropic/v1";
  EXPECT_EQ(provider_->apiBase(proxied), "https://gw.example.com:443/anthropic");
}

TEST_F(AnthropicCallTest, NonStreamSendsMessagesRequestWithHeaders) {
  transport_.response.status = 200;
  transport_.response.body = kMessage;
  api::Exchange ex = exchange({{"model", "claude"}, {"messages", json::array({user("Hello")})}});
  auto r = call(ex);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(transport_.sent.size(), 1u);
  const auto& [url, req] = transport_.sent[0];
  EXPECT_EQ(url.host, "api.anthropic.com");
  EXPECT_TRUE(url.tls);
  EXPECT_EQ(req.target, "/v1/messages");
  EXPECT_EQ(headerOf(req, "x-api-key"), kSecret);
  EXPECT_EQ(headerOf(req, "anthropic-version"), "2023-06-01");
  EXPECT_EQ(headerOf(req, "content-type"), "application/json");
  EXPECT_EQ(headerOf(req, "authorization"), "");
  EXPECT_EQ(json::parse(req.body)["model"], "claude-sonnet-4-5");
  json body = json::parse(r->body);
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Hi there");
  EXPECT_EQ(r->format, api::WireFormat::kOpenAI);
  ASSERT_TRUE(r->usage.has_value());
  EXPECT_EQ(r->usage->prompt_tokens, 10u);
  EXPECT_EQ(r->usage->completion_tokens, 3u);
}

TEST_F(AnthropicCallTest, UnsupportedParamAndEndpoint) {
  api::Exchange ex =
      exchange({{"model", "claude"}, {"messages", json::array({user("x")})}, {"seed", 3}});
  auto r = call(ex);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().param, "seed");
  EXPECT_TRUE(transport_.sent.empty());
  api::Exchange ex2 =
      exchange({{"model", "claude"}, {"messages", json::array({user("x")})}, {"seed", 3}});
  CallOptions drop;
  drop.drop_params = true;
  transport_.response.status = 200;
  transport_.response.body = kMessage;
  EXPECT_TRUE(call(ex2, drop).has_value());
  EXPECT_FALSE(json::parse(transport_.sent.back().second.body).contains("seed"));

  api::Exchange emb = exchange({{"model", "claude"}, {"input", "x"}});
  emb.endpoint = api::Endpoint::kEmbeddings;
  auto e = call(emb);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().kind, ErrorKind::kInvalidRequest);
  EXPECT_THAT(e.error().message, HasSubstr("does not support"));
}

TEST_F(AnthropicCallTest, HttpErrorIsMapped) {
  transport_.response.status = 529;
  transport_.response.body = errBody("overloaded_error", "Overloaded");
  api::Exchange ex = exchange({{"model", "claude"}, {"messages", json::array({user("x")})}});
  auto r = call(ex);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(api::isRetryable(r.error()));
  EXPECT_EQ(r.error().kind, ErrorKind::kOverloaded);
  EXPECT_EQ(r.error().upstream_status, 529u);
  EXPECT_TRUE(r.error().upstream_body.empty());  // an OpenAI-format client: translated
}

TEST_F(AnthropicCallTest, StreamTranslatedInPiecesSplitAnywhere) {
  std::string all = kToolStream;
  for (std::size_t i = 0; i < all.size(); i += 37) transport_.pieces.push_back(all.substr(i, 37));
  api::Exchange ex = exchange(
      {{"model", "claude"}, {"stream", true}, {"messages", json::array({user("x")})}}, true);
  auto r = call(ex);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->content_type, "text/event-stream");
  EXPECT_EQ(headerOf(transport_.sent[0].second, "accept"), "text/event-stream");
  EXPECT_EQ(json::parse(transport_.sent[0].second.body)["stream"], true);
  bool failed = false;
  std::string out = runAwait(io_, drainAll(*r->stream, &failed));
  EXPECT_FALSE(failed);
  EXPECT_THAT(out, HasSubstr("\"content\":\"Okay\""));
  EXPECT_THAT(out, HasSubstr("\"finish_reason\":\"tool_calls\""));
  EXPECT_THAT(out, ::testing::EndsWith("data: [DONE]\n\n"));
  EXPECT_THAT(out, Not(HasSubstr("event:")));
}

TEST_F(AnthropicCallTest, ErrorEventBeforeContentFailsTheCall) {
  std::vector<std::string> data = eventData(kToolStream);
  transport_.pieces = {"event: message_start\ndata: " + data[0] + "\n\n",
                       "event: error\ndata: "
                       "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":"
                       "\"Overloaded\"}}\n\n"};
  api::Exchange ex = exchange(
      {{"model", "claude"}, {"stream", true}, {"messages", json::array({user("x")})}}, true);
  auto r = call(ex);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(api::isRetryable(r.error()));
  EXPECT_EQ(r.error().kind, ErrorKind::kOverloaded);
  EXPECT_EQ(r.error().upstream_status, 529u);
  EXPECT_THAT(r.error().message, HasSubstr("Overloaded"));
  EXPECT_TRUE(r.error().upstream_body.empty());
}

TEST_F(AnthropicCallTest, ErrorEventOrCutAfterContentBreaksTheStream) {
  std::vector<std::string> data = eventData(kToolStream);
  for (bool cut : {false, true}) {
    transport_.pieces = {"event: message_start\ndata: " + data[0] + "\n\n",
                         "event: content_block_delta\ndata: " + data[3] + "\n\n"};
    if (!cut) {
      transport_.pieces.push_back(
          "event: error\ndata: "
          "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"boom\"}}\n\n");
    }
    api::Exchange ex = exchange(
        {{"model", "claude"}, {"stream", true}, {"messages", json::array({user("x")})}}, true);
    auto r = call(ex);
    ASSERT_TRUE(r.has_value());
    bool failed = false;
    std::string out = runAwait(io_, drainAll(*r->stream, &failed));
    EXPECT_TRUE(failed) << cut;
    EXPECT_THAT(out, HasSubstr("Okay"));
    EXPECT_THAT(out, Not(HasSubstr("[DONE]")));
  }
}

TEST_F(AnthropicCallTest, AnthropicIngressIsPassedThrough) {
  json original =
      json::parse(R"({"model":"claude","max_tokens":100,"system":[{"type":"text","text":"s",
      "cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"hi"}],"x_extra":1})");
  transport_.response.status = 200;
  transport_.response.body = kMessage;
  api::Exchange ex = exchange({{"model", "claude"}, {"messages", json::array({user("hi")})}});
  ex.ingress = api::WireFormat::kAnthropic;
  ex.original_body = std::make_unique<json>(original);
  auto r = call(ex);
  ASSERT_TRUE(r.has_value());
  json sent = json::parse(transport_.sent[0].second.body);
  json expect = original;
  expect["model"] = "claude-sonnet-4-5";
  EXPECT_EQ(sent, expect);
  EXPECT_EQ(r->format, api::WireFormat::kAnthropic);
  EXPECT_EQ(r->body, kMessage);

  // Streams are relayed event for event, `event:` lines included.
  transport_.pieces = {kToolStream};
  original["stream"] = true;
  api::Exchange sx = exchange(
      {{"model", "claude"}, {"stream", true}, {"messages", json::array({user("hi")})}}, true);
  sx.ingress = api::WireFormat::kAnthropic;
  sx.original_body = std::make_unique<json>(original);
  auto s = call(sx);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->format, api::WireFormat::kAnthropic);
  bool failed = false;
  EXPECT_EQ(runAwait(io_, drainAll(*s->stream, &failed)), kToolStream);
  EXPECT_FALSE(failed);
}

// Pass-through (a /v1/messages request to an Anthropic deployment): an error answer keeps
// Anthropic's own body, for the ingress to answer with as it is.
class AnthropicPassThroughErrorTest : public AnthropicCallTest {
 protected:
  api::Exchange rawExchange(bool stream = false) {
    json original = {
        {"model", "claude"}, {"max_tokens", 10}, {"messages", json::array({user("hi")})}};
    if (stream) original["stream"] = true;
    api::Exchange ex =
        exchange({{"model", "claude"}, {"messages", json::array({user("hi")})}}, stream);
    ex.ingress = api::WireFormat::kAnthropic;
    ex.original_body = std::make_unique<json>(std::move(original));
    return ex;
  }
};

TEST_F(AnthropicPassThroughErrorTest, ErrorAnswerKeepsTheProvidersBody) {
  struct Case {
    unsigned status;
    std::string type;
    ErrorKind kind;
  };
  for (const Case& c : std::vector<Case>{{529, "overloaded_error", ErrorKind::kOverloaded},
                                         {429, "rate_limit_error", ErrorKind::kRateLimited},
                                         {400, "invalid_request_error", ErrorKind::kInvalidRequest},
                                         {413, "request_too_large", ErrorKind::kPayloadTooLarge},
                                         {500, "api_error", ErrorKind::kUpstreamError}}) {
    for (bool stream : {false, true}) {
      SCOPED_TRACE(testing::Message() << c.status << (stream ? " stream" : ""));
      const std::string body = errBody(c.type, "went wrong for " + std::string(kSecret));
      transport_.response.status = c.status;
      transport_.response.body = body;
      transport_.stream_status = c.status;
      transport_.stream_type = "application/json";
      transport_.pieces = {body.substr(0, 10), body.substr(10)};
      api::Exchange ex = rawExchange(stream);
      auto r = call(ex);
      ASSERT_FALSE(r.has_value());
      EXPECT_EQ(r.error().kind, c.kind);
      EXPECT_EQ(r.error().upstream_status, c.status);
      json kept = json::parse(r.error().upstream_body, nullptr, false);
      ASSERT_TRUE(kept.is_object()) << r.error().upstream_body;
      EXPECT_EQ(kept["error"]["type"], c.type);
      EXPECT_EQ(kept["error"]["message"], "went wrong for ***");  // the key scrubbed
      EXPECT_EQ(kept["request_id"], "req_0");                     // the rest as Anthropic sent it
    }
  }
}

TEST_F(AnthropicPassThroughErrorTest, CredentialsAndForeignBodiesAreNotPassedThrough) {
  for (unsigned status : {401u, 403u}) {
    transport_.response.status = status;
    transport_.response.body =
        errBody(status == 401 ? "authentication_error" : "permission_error", "invalid x-api-key");
    api::Exchange ex = rawExchange();
    auto r = call(ex);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().httpStatus(), status);
    EXPECT_TRUE(r.error().upstream_body.empty()) << status;
  }
  // Not Anthropic's error shape (a proxy's page, a foreign JSON): the ingress writes its own.
  for (const char* body :
       {"<html>bad gateway</html>", "{\"message\":\"no\"}", "{\"error\":\"x\"}"}) {
    transport_.response.status = 502;
    transport_.response.body = body;
    api::Exchange ex = rawExchange();
    auto r = call(ex);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, ErrorKind::kUpstreamError);
    EXPECT_TRUE(r.error().upstream_body.empty()) << body;
  }
}

TEST_F(AnthropicPassThroughErrorTest, ErrorEventBeforeContentKeepsTheEventData) {
  std::vector<std::string> data = eventData(kToolStream);
  const std::string error_data =
      "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded " +
      std::string(kSecret) + "\"}}";
  transport_.pieces = {
      "event: message_start\ndata: " + data[0] + "\n\nevent: ping\ndata: " + data[2] + "\n\n",
      "event: error\r\ndata: " + error_data + "\r\n\r\n"};
  api::Exchange ex = rawExchange(true);
  auto r = call(ex);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::kOverloaded);
  EXPECT_EQ(r.error().upstream_status, 529u);  // statusForErrorType("overloaded_error")
  json kept = json::parse(r.error().upstream_body, nullptr, false);
  ASSERT_TRUE(kept.is_object()) << r.error().upstream_body;
  EXPECT_EQ(kept["type"], "error");
  EXPECT_EQ(kept["error"]["type"], "overloaded_error");
  EXPECT_EQ(kept["error"]["message"], "Overloaded ***");

  // Other error types keep their own status; an authentication error is never passed through.
  for (auto [type, status] : std::vector<std::pair<std::string, unsigned>>{
           {"rate_limit_error", 429}, {"api_error", 500}, {"authentication_error", 401}}) {
    transport_.pieces = {"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"" + type +
                         "\",\"message\":\"m\"}}\n\n"};
    api::Exchange sx = rawExchange(true);
    auto e = call(sx);
    ASSERT_FALSE(e.has_value()) << type;
    EXPECT_EQ(e.error().upstream_status, status) << type;
    EXPECT_EQ(e.error().upstream_body.empty(), status == 401) << type;
  }
}

TEST_F(AnthropicPassThroughErrorTest, PassedThroughStreamEndingWithoutBlankLine) {
  // The last event arrives without its blank line: still relayed, as a whole event.
  std::string stream = kToolStream;
  stream.resize(stream.size() - 2);
  transport_.pieces = {stream};
  api::Exchange sx = rawExchange(true);
  auto s = call(sx);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  bool failed = false;
  EXPECT_EQ(runAwait(io_, drainAll(*s->stream, &failed)), kToolStream);
  EXPECT_FALSE(failed);
}

}  // namespace
}  // namespace switchyard::providers
