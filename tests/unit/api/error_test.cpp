#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "switchyard/api/error.hpp"
#include "switchyard/api/exchange.hpp"

namespace switchyard::api {
namespace {

using nlohmann::json;

struct KindExpectation {
  ErrorKind kind;
  unsigned status;
  const char* type;
  const char* code;
  bool retryable;
};

constexpr KindExpectation kKinds[] = {
    {ErrorKind::kInvalidRequest, 400, "invalid_request_error", "invalid_request", false},
    {ErrorKind::kContextWindowExceeded, 400, "invalid_request_error", "context_length_exceeded",
     false},
    {ErrorKind::kContentPolicy, 400, "invalid_request_error", "content_policy_violation", false},
    {ErrorKind::kUnauthorized, 401, "authentication_error", "invalid_api_key", false},
    {ErrorKind::kForbidden, 403, "permission_error", "model_not_allowed", false},
    {ErrorKind::kModelNotFound, 404, "invalid_request_error", "model_not_found", false},
    {ErrorKind::kNotFound, 404, "invalid_request_error", "not_found", false},
    {ErrorKind::kMethodNotAllowed, 405, "invalid_request_error", "method_not_allowed", false},
    {ErrorKind::kPayloadTooLarge, 413, "invalid_request_error", "request_too_large", false},
    {ErrorKind::kRateLimited, 429, "rate_limit_error", "rate_limit_exceeded", true},
    {ErrorKind::kUpstreamTimeout, 504, "timeout_error", "upstream_timeout", true},
    {ErrorKind::kUpstreamError, 502, "api_error", "upstream_error", true},
    {ErrorKind::kUnavailable, 503, "api_error", "service_unavailable", true},
    {ErrorKind::kInternal, 500, "api_error", "internal_error", false},
};

TEST(ErrorTest, EveryKindHasStatusTypeCodeAndRetryability) {
  for (const KindExpectation& k : kKinds) {
    Error e{k.kind, "m"};
    SCOPED_TRACE(k.code);
    EXPECT_EQ(e.httpStatus(), k.status);
    EXPECT_EQ(e.type(), k.type);
    EXPECT_EQ(e.codeOrDefault(), k.code);
    EXPECT_EQ(isRetryable(e), k.retryable);
  }
}

TEST(ErrorTest, ExplicitStatusOverridesKindStatus) {
  Error e{ErrorKind::kInvalidRequest, "m"};
  e.status = 422;
  EXPECT_EQ(e.httpStatus(), 422u);
  EXPECT_EQ(e.type(), "invalid_request_error");  // type still follows the kind
}

TEST(ErrorTest, ExplicitCodeOverridesDefault) {
  Error e{ErrorKind::kInvalidRequest, "m"};
  e.code = "custom_code";
  EXPECT_EQ(e.codeOrDefault(), "custom_code");
}

TEST(ErrorTest, UpstreamRequestTimeoutIsRetryableWhateverTheKind) {
  Error e{ErrorKind::kInvalidRequest, "m"};
  e.upstream_status = 408;
  EXPECT_TRUE(isRetryable(e));
  e.upstream_status = 400;
  EXPECT_FALSE(isRetryable(e));
}

TEST(ErrorTest, ToJsonHasOpenAiShapeWithNullParam) {
  Error e{ErrorKind::kModelNotFound, "no such model", "secret detail"};
  json j = json::parse(e.toJson());
  ASSERT_TRUE(j.is_object());
  ASSERT_EQ(j.size(), 1u);
  ASSERT_TRUE(j.contains("error"));
  const json& err = j["error"];
  ASSERT_TRUE(err.is_object());
  EXPECT_EQ(err.size(), 4u);
  EXPECT_EQ(err["message"], "no such model");
  EXPECT_EQ(err["type"], "invalid_request_error");
  EXPECT_TRUE(err.contains("param"));
  EXPECT_TRUE(err["param"].is_null());
  EXPECT_EQ(err["code"], "model_not_found");
  // The detail is for logs only.
  EXPECT_EQ(e.toJson().find("secret detail"), std::string::npos);
}

TEST(ErrorTest, ToJsonCarriesParamAndCustomCode) {
  Error e{ErrorKind::kInvalidRequest, "bad", "", 0, "my_code", "messages"};
  json err = json::parse(e.toJson())["error"];
  EXPECT_EQ(err["param"], "messages");
  EXPECT_EQ(err["code"], "my_code");
}

TEST(ErrorTest, ToJsonEscapesAndSurvivesInvalidUtf8) {
  Error e{ErrorKind::kInvalidRequest, std::string("quote \" back \\ nl \n bad \xff\xfe end")};
  std::string text;
  ASSERT_NO_THROW(text = e.toJson());
  json j;
  ASSERT_NO_THROW(j = json::parse(text));
  std::string msg = j["error"]["message"];
  EXPECT_NE(msg.find("quote \" back \\ nl \n bad "), std::string::npos);
  EXPECT_NE(msg.find(" end"), std::string::npos);
}

TEST(ReplyTest, FromErrorSetsStatusBodyAndNoRetryAfterByDefault) {
  Error e{ErrorKind::kUnauthorized, "nope"};
  Reply r = Reply::fromError(e);
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, e.toJson());
  EXPECT_EQ(r.stream, nullptr);
  for (const Header& h : r.headers) EXPECT_NE(h.name, "retry-after");
}

TEST(ReplyTest, FromErrorSendsRetryAfter) {
  Error e{ErrorKind::kRateLimited, "slow down"};
  e.retry_after_s = 17;
  Reply r = Reply::fromError(e);
  EXPECT_EQ(r.status, 429u);
  int found = 0;
  for (const Header& h : r.headers) {
    if (h.name == "retry-after") {
      ++found;
      EXPECT_EQ(h.value, "17");
    }
  }
  EXPECT_EQ(found, 1);
}

TEST(ReplyTest, FromErrorUsesExplicitStatus) {
  Error e{ErrorKind::kUpstreamError, "provider said no"};
  e.status = 501;
  EXPECT_EQ(Reply::fromError(e).status, 501u);
}

TEST(ReplyTest, JsonBuildsBodyReply) {
  Reply r = Reply::json(201, "{}");
  EXPECT_EQ(r.status, 201u);
  EXPECT_EQ(r.body, "{}");
  EXPECT_EQ(r.content_type, "application/json");
}

TEST(EndpointTest, Paths) {
  EXPECT_EQ(endpointPath(Endpoint::kChatCompletions), "/chat/completions");
  EXPECT_EQ(endpointPath(Endpoint::kCompletions), "/completions");
  EXPECT_EQ(endpointPath(Endpoint::kEmbeddings), "/embeddings");
}

TEST(ResultTest, ValueOnErrorThrows) {
  Result<int> r = Error{ErrorKind::kInternal, "boom"};
  ASSERT_FALSE(r.has_value());
  EXPECT_THROW((void)r.value(), std::exception);
}

}  // namespace
}  // namespace switchyard::api

namespace switchyard::api {
namespace {

TEST(ReplyHeadersTest, AddedLinesAndVectorAreBothFound) {
  Reply r = Reply::fromError(Error{ErrorKind::kRateLimited, "slow down", "", 0, "", "", 7});
  r.addHeader("x-request-id", "req-1");
  r.addHeader("x-litellm-model-group", "gpt-4o");
  EXPECT_EQ(r.header_lines, "x-request-id: req-1\r\nx-litellm-model-group: gpt-4o\r\n");
  EXPECT_EQ(r.header("retry-after"), "7");  // from the vector
  EXPECT_EQ(r.header("x-request-id"), "req-1");
  EXPECT_EQ(r.header("x-litellm-model-group"), "gpt-4o");
  EXPECT_FALSE(r.header("x-litellm-model"));  // a prefix of a name is not the name
  EXPECT_FALSE(r.header("absent"));
}

}  // namespace
}  // namespace switchyard::api
