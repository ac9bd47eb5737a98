// The Anthropic ingress as filters: the request is validated and translated to an OpenAI chat
// request (the original kept, controls taken out as usual by the parse filter), the reply and
// every error come back in Anthropic's format, and a passed-through provider error is answered as
// the provider wrote it.

#include "switchyard/ingress/anthropic/filter.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "switchyard/pipeline/pipeline.hpp"
#include "unit/run_await.hpp"

namespace switchyard::ingress::anthropic {
namespace {

using nlohmann::json;
using pipeline::Filter;
using pipeline::Next;

// The terminal: records what it saw, answers with a preset reply or error.
struct Terminal final : Filter {
  std::string_view name() const noexcept override { return "terminal"; }
  boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, Next) override {
    seen_body = ex.body ? ex.body.dom() : json();
    seen_ingress = ex.ingress;
    if (error) co_return pipeline::fail(ex, *error);
    co_return api::Reply::json(200, answer);
  }
  json seen_body;
  api::WireFormat seen_ingress = api::WireFormat::kOpenAI;
  std::optional<api::Error> error;
  std::string answer;
};

class IngressFilterTest : public ::testing::Test {
 protected:
  api::Reply run(const json& body) {
    ex_ = api::Exchange{};
    ex_.raw_body = body.dump();
    std::vector<Filter*> chain{errors_.get(), ingress_.get(), parse_.get(), &terminal_};
    return test::runAwait(io_, Next{chain}(ex_));
  }
  boost::asio::io_context io_{1};
  std::unique_ptr<Filter> errors_ = makeErrorsFilter();
  std::unique_ptr<Filter> ingress_ = makeIngressFilter();
  std::unique_ptr<Filter> parse_ = pipeline::makeParseFilter(api::Endpoint::kChatCompletions);
  Terminal terminal_;
  api::Exchange ex_;
};

const json kRequest = {
    {"model", "claude"},     {"max_tokens", 10},
    {"system", "be brief"},  {"stream", false},
    {"mock_response", "hi"}, {"messages", json::array({{{"role", "user"}, {"content", "hello"}}})}};

TEST_F(IngressFilterTest, TranslatesTheRequestAndTheReply) {
  terminal_.answer =
      json{{"id", "chatcmpl-1"},
           {"object", "chat.completion"},
           {"model", "upstream"},
           {"choices", json::array({{{"index", 0},
                                     {"message", {{"role", "assistant"}, {"content", "hey"}}},
                                     {"finish_reason", "stop"}}})},
           {"usage", {{"prompt_tokens", 5}, {"completion_tokens", 1}}}}
          .dump();
  api::Reply r = run(kRequest);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(terminal_.seen_ingress, api::WireFormat::kAnthropic);
  EXPECT_EQ(terminal_.seen_body["messages"][0],
            json({{"role", "system"}, {"content", "be brief"}}));
  EXPECT_FALSE(terminal_.seen_body.contains("mock_response"));  // a control, taken out by parse
  EXPECT_EQ(ex_.options.mock_response, "hi");
  ASSERT_TRUE(ex_.original_body);
  EXPECT_EQ(*ex_.original_body, kRequest);
  json msg = json::parse(r.body);
  EXPECT_EQ(msg["type"], "message");
  EXPECT_EQ(msg["model"], "claude");
  EXPECT_EQ(msg["content"][0]["text"], "hey");
}

TEST_F(IngressFilterTest, ValidationErrorsAreAnthropicShaped) {
  json body = kRequest;
  body.erase("max_tokens");
  api::Reply r = run(body);
  EXPECT_EQ(r.status, 400u);
  json j = json::parse(r.body);
  EXPECT_EQ(j["type"], "error");
  EXPECT_EQ(j["error"]["type"], "invalid_request_error");
  EXPECT_EQ(j["error"]["message"], "max_tokens: Field required");
  EXPECT_EQ(run(json::object()).status, 400u);
}

TEST_F(IngressFilterTest, EveryErrorKindKeepsItsMeaning) {
  struct Case {
    api::ErrorKind kind;
    unsigned status;
    const char* type;
  };
  const Case cases[] = {
      {api::ErrorKind::kInvalidRequest, 400, "invalid_request_error"},
      {api::ErrorKind::kContextWindowExceeded, 400, "invalid_request_error"},
      {api::ErrorKind::kContentPolicy, 400, "invalid_request_error"},
      {api::ErrorKind::kUnauthorized, 401, "authentication_error"},
      {api::ErrorKind::kForbidden, 403, "permission_error"},
      {api::ErrorKind::kModelNotFound, 404, "not_found_error"},
      {api::ErrorKind::kRateLimited, 429, "rate_limit_error"},
      {api::ErrorKind::kUpstreamTimeout, 504, "timeout_error"},
      {api::ErrorKind::kOverloaded, 529, "overloaded_error"},
      {api::ErrorKind::kUpstreamError, 502, "api_error"},
      {api::ErrorKind::kInternal, 500, "api_error"},
  };
  for (const Case& c : cases) {
    terminal_.error = api::Error{c.kind, "what happened"};
    api::Reply r = run(kRequest);
    EXPECT_EQ(r.status, c.status) << c.type;
    json j = json::parse(r.body);
    EXPECT_EQ(j["error"]["type"], c.type);
    EXPECT_EQ(j["error"]["message"], "what happened");
  }
}

TEST_F(IngressFilterTest, PassedThroughProviderErrorIsAnsweredAsWritten) {
  api::Error e{api::ErrorKind::kOverloaded, "anthropic error: Overloaded"};
  e.upstream_status = 529;
  e.upstream_body =
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"})";
  terminal_.error = e;
  api::Reply r = run(kRequest);
  EXPECT_EQ(r.status, 529u);
  EXPECT_EQ(r.body, e.upstream_body);
}

}  // namespace
}  // namespace switchyard::ingress::anthropic
