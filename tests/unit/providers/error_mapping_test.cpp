// Error answers (errors.hpp): the shared skeleton mapUpstreamError, the secret scrubber, and
// mapOpenAiError, how a non-2xx OpenAI-style answer becomes an api::Error (private to the module).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "providers/errors.hpp"
#include "switchyard/api/exchange.hpp"

namespace switchyard::providers {
namespace {

using api::Error;
using api::ErrorKind;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kSecret = "sk-upstream-SECRET-123456";

std::string openAiBody(std::string_view message, std::string_view type = "invalid_request_error",
                       std::string_view param = "", std::string_view code = "") {
  json err = {{"message", message},
              {"type", type},
              {"param", param.empty() ? json(nullptr) : json(param)},
              {"code", code.empty() ? json(nullptr) : json(code)}};
  return json{{"error", err}}.dump();
}

TEST(MapOpenAiErrorTest, BadRequestPassesStatusMessageParamAndCode) {
  Error e = mapOpenAiError(
      400,
      openAiBody("temperature too high", "invalid_request_error", "temperature", "invalid_value"),
      "", "openai", kSecret);
  EXPECT_EQ(e.kind, ErrorKind::kInvalidRequest);
  EXPECT_EQ(e.httpStatus(), 400u);
  EXPECT_EQ(e.upstream_status, 400u);
  EXPECT_THAT(e.message, HasSubstr("temperature too high"));
  EXPECT_THAT(e.message, HasSubstr("openai"));
  EXPECT_EQ(e.param, "temperature");
  EXPECT_EQ(e.codeOrDefault(), "invalid_value");
  EXPECT_FALSE(api::isRetryable(e));
  json client = json::parse(e.toJson())["error"];
  EXPECT_EQ(client["param"], "temperature");
  EXPECT_EQ(client["type"], "invalid_request_error");
}

TEST(MapOpenAiErrorTest, OtherClientErrorStatusesPassThrough) {
  Error e = mapOpenAiError(422, openAiBody("unprocessable"), "", "groq", kSecret);
  EXPECT_EQ(e.httpStatus(), 422u);
  EXPECT_EQ(e.kind, ErrorKind::kInvalidRequest);
  EXPECT_THAT(e.message, HasSubstr("unprocessable"));
  EXPECT_THAT(e.message, HasSubstr("groq"));
  EXPECT_FALSE(api::isRetryable(e));
}

TEST(MapOpenAiErrorTest, NotFound) {
  Error e = mapOpenAiError(
      404,
      openAiBody("The model `x` does not exist", "invalid_request_error", "", "model_not_found"),
      "", "openai", kSecret);
  EXPECT_EQ(e.kind, ErrorKind::kNotFound);
  EXPECT_EQ(e.httpStatus(), 404u);
  EXPECT_EQ(e.codeOrDefault(), "model_not_found");
  EXPECT_FALSE(api::isRetryable(e));
}

TEST(MapOpenAiErrorTest, UnauthorizedNeverEchoesUpstreamMessage) {
  const std::string upstream =
      "Incorrect API key provided: sk-upst*****3456. You can find your key";
  for (unsigned status : {401u, 403u}) {
    Error e = mapOpenAiError(
        status, openAiBody(upstream, "invalid_request_error", "key", "invalid_api_key"), "",
        "openai", kSecret);
    SCOPED_TRACE(status);
    EXPECT_EQ(e.httpStatus(), status);
    EXPECT_EQ(e.upstream_status, status);
    EXPECT_THAT(e.message, Not(HasSubstr("Incorrect")));
    EXPECT_THAT(e.message, Not(HasSubstr("sk-upst")));
    std::string client = e.toJson();
    EXPECT_THAT(client, Not(HasSubstr("Incorrect")));
    EXPECT_THAT(client, Not(HasSubstr("sk-upst")));
    EXPECT_THAT(client, Not(HasSubstr("invalid_api_key")));  // upstream code not echoed either
    EXPECT_THAT(e.detail, Not(HasSubstr("sk-upst")));
    EXPECT_THAT(e.detail, Not(HasSubstr(std::string(kSecret))));
    // Another deployment may hold a valid key.
    EXPECT_TRUE(api::isRetryable(e));
  }
}

TEST(MapOpenAiErrorTest, UnauthorizedWithNonJsonBody) {
  Error e =
      mapOpenAiError(401, std::string("bad key ") + std::string(kSecret), "", "openai", kSecret);
  EXPECT_EQ(e.httpStatus(), 401u);
  EXPECT_THAT(e.toJson(), Not(HasSubstr(std::string(kSecret))));
}

TEST(MapOpenAiErrorTest, RateLimitedWithRetryAfter) {
  Error e =
      mapOpenAiError(429, openAiBody("Rate limit reached", "requests", "", "rate_limit_exceeded"),
                     "12", "openai", kSecret);
  EXPECT_EQ(e.kind, ErrorKind::kRateLimited);
  EXPECT_EQ(e.httpStatus(), 429u);
  EXPECT_EQ(e.retry_after_s, 12u);
  EXPECT_THAT(e.message, HasSubstr("Rate limit reached"));
  EXPECT_TRUE(api::isRetryable(e));
  api::Reply r = api::Reply::fromError(e);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].name, "retry-after");
  EXPECT_EQ(r.headers[0].value, "12");
}

TEST(MapOpenAiErrorTest, RateLimitedWithoutUsableRetryAfter) {
  for (const char* ra : {"", "soon", "Wed, 21 Oct 2015 07:28:00 GMT", "-5"}) {
    Error e = mapOpenAiError(429, "", ra, "openai", kSecret);
    SCOPED_TRACE(ra);
    EXPECT_EQ(e.kind, ErrorKind::kRateLimited);
    EXPECT_EQ(e.retry_after_s, 0u);
    EXPECT_THAT(e.message, HasSubstr("rate limited"));
  }
}

TEST(MapOpenAiErrorTest, ServerErrorsAreRetryableUpstreamErrors) {
  // 529 means "overloaded" only in Anthropic's dialect.
  for (unsigned status : {500u, 502u, 529u}) {
    Error e = mapOpenAiError(status, openAiBody("The server had an error", "server_error"), "",
                             "openai", kSecret);
    SCOPED_TRACE(status);
    EXPECT_EQ(e.kind, ErrorKind::kUpstreamError);
    EXPECT_EQ(e.upstream_status, status);
    EXPECT_EQ(e.httpStatus(), 502u);
    EXPECT_THAT(e.message, HasSubstr("The server had an error"));
    EXPECT_TRUE(api::isRetryable(e));
  }
}

TEST(MapOpenAiErrorTest, ServiceUnavailableIsOverloaded) {
  // An OpenAI-format 503 says the provider is overloaded: retryable elsewhere. An OpenAI-format
  // client gets it as any upstream 5xx after retries (502, code overloaded_error); an Anthropic
  // client on /v1/messages gets 529 overloaded_error (the ingress maps the kind).
  for (const char* provider : {"openai", "azure", "groq"}) {
    Error e = mapOpenAiError(
        503,
        openAiBody("The engine is currently overloaded, please try again later", "server_error"),
        "7", provider, kSecret);
    SCOPED_TRACE(provider);
    EXPECT_EQ(e.kind, ErrorKind::kOverloaded);
    EXPECT_EQ(e.httpStatus(), 502u);
    EXPECT_EQ(e.upstream_status, 503u);
    EXPECT_EQ(e.codeOrDefault(), "overloaded_error");
    EXPECT_EQ(e.retry_after_s, 7u);
    EXPECT_THAT(e.message,
                HasSubstr(std::string(provider) + " error: The engine is currently overloaded"));
    EXPECT_TRUE(api::isRetryable(e));
    EXPECT_EQ(json::parse(e.toJson())["error"]["code"], "overloaded_error");
  }
  // An overloaded_error type means the same at any server status.
  Error typed =
      mapOpenAiError(500, openAiBody("Overloaded", "overloaded_error"), "", "openai", kSecret);
  EXPECT_EQ(typed.kind, ErrorKind::kOverloaded);
}

TEST(MapOpenAiErrorTest, GatewayTimeoutIsRetryableTimeout) {
  Error e =
      mapOpenAiError(504, openAiBody("upstream timed out", "server_error"), "3", "openai", kSecret);
  EXPECT_EQ(e.kind, ErrorKind::kUpstreamTimeout);
  EXPECT_EQ(e.httpStatus(), 504u);
  EXPECT_EQ(e.retry_after_s, 3u);
  EXPECT_TRUE(api::isRetryable(e));
}

TEST(MapOpenAiErrorTest, PayloadTooLarge) {
  Error e = mapOpenAiError(413, openAiBody("Request too large"), "", "openai", kSecret);
  EXPECT_EQ(e.kind, ErrorKind::kPayloadTooLarge);
  EXPECT_EQ(e.httpStatus(), 413u);
  EXPECT_FALSE(api::isRetryable(e));
}

TEST(MapOpenAiErrorTest, ServerErrorWithHtmlBodyDoesNotEchoIt) {
  Error e = mapOpenAiError(502, "<html><body>Bad Gateway from nginx</body></html>", "", "openai",
                           kSecret);
  EXPECT_EQ(e.kind, ErrorKind::kUpstreamError);
  EXPECT_THAT(e.message, HasSubstr("HTTP 502"));
  EXPECT_THAT(e.message, Not(HasSubstr("<html>")));
}

TEST(MapOpenAiErrorTest, RequestTimeoutIsRetryableTimeout) {
  Error e = mapOpenAiError(408, "", "", "openai", kSecret);
  EXPECT_EQ(e.kind, ErrorKind::kUpstreamTimeout);
  EXPECT_TRUE(api::isRetryable(e));
}

TEST(MapOpenAiErrorTest, ContextLengthExceededByCode) {
  Error e = mapOpenAiError(
      400, openAiBody("too long", "invalid_request_error", "messages", "context_length_exceeded"),
      "", "openai", kSecret);
  EXPECT_EQ(e.kind, ErrorKind::kContextWindowExceeded);
  EXPECT_EQ(e.httpStatus(), 400u);
  EXPECT_EQ(e.codeOrDefault(), "context_length_exceeded");
  EXPECT_EQ(e.param, "messages");
  EXPECT_FALSE(api::isRetryable(e));
}

TEST(MapOpenAiErrorTest, ContextLengthExceededByMessage) {
  for (const char* message :
       {"This model's maximum context length is 8192 tokens. However, you requested 9000",
        "Maximum context length exceeded"}) {
    Error e = mapOpenAiError(
        400, openAiBody(message, "invalid_request_error", "messages", "invalid_value"), "",
        "openai", kSecret);
    SCOPED_TRACE(message);
    EXPECT_EQ(e.kind, ErrorKind::kContextWindowExceeded);
    EXPECT_EQ(e.codeOrDefault(), "context_length_exceeded");  // whatever code the provider gave
  }
}

TEST(MapOpenAiErrorTest, ContentPolicy) {
  for (const char* code : {"content_filter", "content_policy_violation"}) {
    Error e = mapOpenAiError(400, openAiBody("refused", "invalid_request_error", "prompt", code),
                             "", "openai", kSecret);
    SCOPED_TRACE(code);
    EXPECT_EQ(e.kind, ErrorKind::kContentPolicy);
    EXPECT_EQ(e.httpStatus(), 400u);
  }
}

TEST(MapOpenAiErrorTest, SecretScrubbedFromMessages) {
  const std::string leaky =
      "key " + std::string(kSecret) + " is bad, again: " + std::string(kSecret);
  for (unsigned status : {400u, 404u, 422u, 429u, 500u, 503u}) {
    Error e = mapOpenAiError(status, openAiBody(leaky), "", "openai", kSecret);
    SCOPED_TRACE(status);
    EXPECT_THAT(e.message, Not(HasSubstr(std::string(kSecret))));
    EXPECT_THAT(e.message, HasSubstr("***"));
    EXPECT_THAT(e.message, HasSubstr("is bad"));
    EXPECT_THAT(e.toJson(), Not(HasSubstr(std::string(kSecret))));
    EXPECT_THAT(e.detail, Not(HasSubstr(std::string(kSecret))));
  }
}

TEST(MapOpenAiErrorTest, StringErrorAndBareMessageBodies) {
  Error a = mapOpenAiError(400, R"({"error":"plain string error"})", "", "openai", kSecret);
  EXPECT_THAT(a.message, HasSubstr("plain string error"));
  Error b = mapOpenAiError(400, R"({"message":"top-level message"})", "", "openai", kSecret);
  EXPECT_THAT(b.message, HasSubstr("top-level message"));
}

TEST(MapOpenAiErrorTest, MalformedOrOddBodies) {
  for (const char* body : {"", "not json", "[1,2]", "{\"error\":42}", "{\"error\":{\"message\":7}}",
                           "{\"error\":null}", "{\"error\":{\"message\":\"x\"", "\xff\xfe"}) {
    Error e;
    ASSERT_NO_THROW(e = mapOpenAiError(400, body, "", "openai", kSecret)) << body;
    EXPECT_EQ(e.kind, ErrorKind::kInvalidRequest) << body;
    EXPECT_EQ(e.httpStatus(), 400u);
    EXPECT_FALSE(e.message.empty());
    EXPECT_NO_THROW((void)e.toJson());
  }
}

TEST(MapOpenAiErrorTest, VeryLongMessageIsBounded) {
  Error e = mapOpenAiError(400, openAiBody(std::string(100000, 'x')), "", "openai", kSecret);
  EXPECT_LT(e.message.size(), 2100u);
  EXPECT_GE(e.message.size(), 2000u);
}

TEST(ScrubSecretTest, EveryOccurrenceOfKeysOfFourCharactersOrMore) {
  std::string text = "key sk-abcd and sk-abcd again";
  scrubSecret(text, "sk-abcd");
  EXPECT_EQ(text, "key *** and *** again");
  std::string short_key = "abc abc";
  scrubSecret(short_key, "abc");  // too short to tell from ordinary text
  EXPECT_EQ(short_key, "abc abc");
  std::string none = "nothing here";
  scrubSecret(none, "");
  EXPECT_EQ(none, "nothing here");
  std::string overlapping = "aaaaaaaa";
  scrubSecret(overlapping, "aaaa");
  EXPECT_EQ(overlapping, "******");
}

TEST(RetryAfterSecondsTest, DeltaSecondsOnly) {
  EXPECT_EQ(retryAfterSeconds("12"), 12u);
  EXPECT_EQ(retryAfterSeconds("0"), 0u);
  for (const char* v : {"", "soon", "-5", "Wed, 21 Oct 2015 07:28:00 GMT"})
    EXPECT_EQ(retryAfterSeconds(v), 0u) << v;
}

// The skeleton with a dialect of its own: the per-provider parts are the table's.
TEST(MapUpstreamErrorTest, DialectDecidesOverloadContextPhrasesAndCode) {
  static constexpr std::string_view kPhrases[] = {"too many words"};
  const ErrorDialect dialect{"acme", 529, kPhrases, /*type_is_code=*/true};
  auto map = [&](unsigned status, std::string message, std::string type = "",
                 std::string code = "") {
    return mapUpstreamError(
        UpstreamFailure{status, std::move(message), std::move(type), std::move(code), "", "4"},
        dialect, kSecret);
  };
  Error over = map(529, "busy");
  EXPECT_EQ(over.kind, ErrorKind::kOverloaded);
  EXPECT_EQ(over.retry_after_s, 4u);
  EXPECT_EQ(over.message, "acme error: busy");
  EXPECT_EQ(map(503, "busy").kind,
            ErrorKind::kUpstreamError);  // 503 is not this dialect's overload

  Error ctx = map(400, "Too Many Words in the prompt", "invalid_request_error");
  EXPECT_EQ(ctx.kind, ErrorKind::kContextWindowExceeded);  // phrases match whatever the case
  EXPECT_EQ(ctx.code, "context_length_exceeded");
  EXPECT_EQ(ctx.retry_after_s, 0u);  // not retryable: Retry-After not kept

  Error bad = map(400, "nope", "invalid_request_error");
  EXPECT_EQ(bad.kind, ErrorKind::kInvalidRequest);
  EXPECT_EQ(bad.code, "invalid_request_error");                                   // type_is_code
  EXPECT_EQ(map(400, "nope", "invalid_request_error", "custom").code, "custom");  // a code wins

  Error policy = map(400, "refused", "", "content_policy_violation");
  EXPECT_EQ(policy.kind, ErrorKind::kContentPolicy);
  EXPECT_EQ(map(404, "gone").kind, ErrorKind::kNotFound);
  EXPECT_EQ(map(400, "big", "request_too_large").kind, ErrorKind::kPayloadTooLarge);
  EXPECT_EQ(map(408, "").kind, ErrorKind::kUpstreamTimeout);
  EXPECT_EQ(map(504, "").kind, ErrorKind::kUpstreamTimeout);
  EXPECT_EQ(map(429, "").message, "acme error: rate limited");
  EXPECT_EQ(map(500, "").message, "acme error: HTTP 500");

  Error creds = map(401, "bad key " + std::string(kSecret), std::string(kSecret));
  EXPECT_EQ(creds.httpStatus(), 401u);
  EXPECT_EQ(creds.retry_after_s, 0u);
  EXPECT_THAT(creds.message, Not(HasSubstr("bad key")));
  EXPECT_THAT(creds.detail, Not(HasSubstr(std::string(kSecret))));  // the type is scrubbed too
  EXPECT_THAT(creds.detail, HasSubstr("upstream acme answered 401"));
}

}  // namespace
}  // namespace switchyard::providers
