// The OpenAI-format call (openai.cpp: the OpenAI-compatible family and Azure) through a scripted
// Transport (no sockets): error answers, and streams relayed event by event after priming.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "providers/adapters.hpp"
#include "unit/providers/scripted_transport.hpp"
#include "unit/run_await.hpp"

namespace switchyard::providers {
namespace {

namespace asio = boost::asio;
using namespace scripted;
using api::ErrorKind;
using nlohmann::json;
using test::runAwait;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kSecret = "sk-openai-SECRET-987654";

const std::string kChunk1 =
    R"(data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})"
    "\n\n";
const std::string kChunk2 =
    R"(data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}]})"
    "\r\n\r\n";
const std::string kChunk3 =
    R"(data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})"
    "\n\n";
const std::string kStream = ": keep-alive\n\n" + kChunk1 + kChunk2 + kChunk3 + "data: [DONE]\n\n";

class OpenAiCallTest : public ::testing::Test {
 protected:
  OpenAiCallTest() {
    d_.model_name = "gpt";
    d_.model = "openai/gpt-4o";
    d_.provider = "openai";
    d_.model_id = "gpt-4o";
    d_.id = "dep-openai";
    d_.api_base = "http://127.0.0.1:9/v1";
    d_.api_key = std::string(kSecret);
    provider_ = makeOpenAiCompatible(transport_);
  }
  api::Result<api::Reply> call(bool stream) {
    api::Exchange ex;
    ex.body = switchyard::api::Body::fromJson(
        json{{"model", "gpt"}, {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}});
    if (stream) ex.body.set("stream", true);
    ex.stream = stream;
    return runAwait(io_, callIt(*provider_, ex, d_, CallOptions{}));
  }
  std::string drain(api::ChunkSource& s, bool* failed) {
    return runAwait(io_, drainAll(s, failed));
  }

  asio::io_context io_{1};
  ScriptedTransport transport_;
  config::Deployment d_;
  std::unique_ptr<Provider> provider_;
};

TEST_F(OpenAiCallTest, ServiceUnavailableIsOverloaded) {
  const std::string body = R"({"error":{"message":"The server is overloaded )" +
                           std::string(kSecret) + R"(","type":"server_error"}})";
  transport_.response.status = 503;
  transport_.response.body = body;
  transport_.response.headers = {{"retry-after", "9"}};
  auto r = call(false);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::kOverloaded);
  EXPECT_EQ(r.error().httpStatus(), 502u);  // an upstream 5xx to OpenAI-format clients
  EXPECT_EQ(r.error().codeOrDefault(), "overloaded_error");
  EXPECT_EQ(r.error().retry_after_s, 9u);
  EXPECT_THAT(r.error().message, Not(HasSubstr(std::string(kSecret))));
  EXPECT_TRUE(r.error().upstream_body.empty());  // OpenAI format: never passed through as is

  transport_.stream_status = 503;
  transport_.stream_type = "application/json";
  transport_.stream_retry_after = "4";
  transport_.pieces = {body};
  auto s = call(true);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().kind, ErrorKind::kOverloaded);
  EXPECT_EQ(s.error().retry_after_s, 4u);
}

TEST_F(OpenAiCallTest, StreamRelayedAsReceivedWhateverThePieces) {
  for (std::size_t piece : {1u, 2u, 7u, 64u, 100000u}) {
    transport_.pieces.clear();
    for (std::size_t i = 0; i < kStream.size(); i += piece)
      transport_.pieces.push_back(kStream.substr(i, piece));
    auto r = call(true);
    ASSERT_TRUE(r.has_value()) << piece << ": " << r.error().message;
    EXPECT_EQ(r->content_type, "text/event-stream");
    bool failed = false;
    EXPECT_EQ(drain(*r->stream, &failed), kStream) << piece;  // comments and CRLF kept
    EXPECT_FALSE(failed);
  }
  EXPECT_EQ(headerOf(transport_.sent.back().second, "accept"), "text/event-stream");
}

TEST_F(OpenAiCallTest, StreamEndingWithoutBlankLineDeliversTheLastEvent) {
  transport_.pieces = {kChunk1 + kChunk2 + "data: [DONE]"};
  auto r = call(true);
  ASSERT_TRUE(r.has_value());
  bool failed = false;
  EXPECT_EQ(drain(*r->stream, &failed), kChunk1 + kChunk2 + "data: [DONE]\n\n");
  EXPECT_FALSE(failed);
}

TEST_F(OpenAiCallTest, ErrorEventBeforeContentFailsTheCall) {
  struct Case {
    std::string error;
    ErrorKind kind;
  };
  for (const Case& c :
       std::vector<Case>{{R"({"message":"Model overloaded","code":503})", ErrorKind::kOverloaded},
                         {R"({"message":"slow down","code":429})", ErrorKind::kRateLimited},
                         {R"({"message":"boom"})", ErrorKind::kUpstreamError},
                         {R"({"message":"too long","code":"context_length_exceeded","status":400})",
                          ErrorKind::kContextWindowExceeded}}) {
    // The error may come after role-only chunks and keep-alives, in pieces.
    std::string stream = ": ping\n\n" + kChunk1 + "data: {\"error\":" + c.error + "}\n\n" + kChunk2;
    transport_.pieces = {stream.substr(0, 5), stream.substr(5)};
    auto r = call(true);
    ASSERT_FALSE(r.has_value()) << c.error;
    EXPECT_EQ(r.error().kind, c.kind) << c.error;
    EXPECT_THAT(r.error().detail, HasSubstr("error event inside a 200 stream"));
  }
}

TEST_F(OpenAiCallTest, ErrorEventAfterContentBreaksTheStream) {
  // Once content went by the answer is committed: no failover, but a later error event breaks
  // the stream (what came before it is handed out, then the error), so that the request is
  // recorded as the failure it is. The word inside content does not count.
  const std::string quoted =
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"an \\\"error\\\" here\"}}]}\n\n";
  const std::string late = "data: {\"error\":{\"message\":\"late\",\"code\":503}}\n\n";
  transport_.pieces = {kChunk1 + kChunk2 + quoted + late};
  auto r = call(true);
  ASSERT_TRUE(r.has_value());
  bool failed = false;
  EXPECT_EQ(drain(*r->stream, &failed), kChunk1 + kChunk2 + quoted);
  EXPECT_TRUE(failed);
}

TEST_F(OpenAiCallTest, OversizedEventBreaksTheStream) {
  transport_.pieces = {kChunk1 + kChunk2, "data: " + std::string(5u << 20, 'x')};
  auto r = call(true);
  ASSERT_TRUE(r.has_value());  // committed by kChunk2
  bool failed = false;
  EXPECT_EQ(drain(*r->stream, &failed), kChunk1 + kChunk2);
  EXPECT_TRUE(failed);

  transport_.pieces = {": ping\n\n", "data: " + std::string(5u << 20, 'x')};
  auto early = call(true);
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().kind, ErrorKind::kUpstreamError);
  EXPECT_THAT(early.error().detail, HasSubstr("size limit"));
}

TEST_F(OpenAiCallTest, KeyFromTheEnvironmentIsScrubbedToo) {
  ScopedEnv key("OPENAI_API_KEY", "sk-from-env-ABCDEF");
  d_.api_key.clear();
  transport_.response.status = 400;
  transport_.response.body = R"({"error":{"message":"bad key sk-from-env-ABCDEF here"}})";
  auto r = call(false);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(headerOf(transport_.sent.back().second, "authorization"), "Bearer sk-from-env-ABCDEF");
  EXPECT_EQ(r.error().message, "openai error: bad key *** here");
}

// Found by tests/chaos: what an OpenAI stream may not be. A 200 JSON answer to a stream request
// that is not JSON is a 502 like the non-stream one; a stream that ends before any finish_reason
// and [DONE], or carries an event that is not a chunk, breaks (the client gets an error event);
// one that ends after a finish_reason without [DONE] is complete, and [DONE] is added.
TEST_F(OpenAiCallTest, ANonJsonAnswerToAStreamRequestIsAnUpstreamError) {
  transport_.stream_type = "application/json";
  transport_.pieces = {"<html><h1>Bad Gateway</h1></html>"};
  auto r = call(true);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::kUpstreamError);
  EXPECT_EQ(r.error().message, "The provider sent an invalid response.");
}

TEST_F(OpenAiCallTest, AStreamEndingWithoutFinishOrDoneBreaks) {
  transport_.pieces = {kChunk1 + kChunk2};
  auto r = call(true);
  ASSERT_TRUE(r.has_value());
  bool failed = false;
  EXPECT_EQ(drain(*r->stream, &failed), kChunk1 + kChunk2);
  EXPECT_TRUE(failed) << "a truncated answer ended like a complete one";
}

TEST_F(OpenAiCallTest, AStreamEndingAfterAFinishReasonWithoutDoneGetsDone) {
  transport_.pieces = {kChunk1 + kChunk2 + kChunk3};
  auto r = call(true);
  ASSERT_TRUE(r.has_value());
  bool failed = false;
  EXPECT_EQ(drain(*r->stream, &failed), kChunk1 + kChunk2 + kChunk3 + "data: [DONE]\n\n");
  EXPECT_FALSE(failed);
}

TEST_F(OpenAiCallTest, EventsThatAreNotChunksBreakTheStream) {
  for (const std::string bad : {std::string("data: <html>oops</html>\n\n"),
                                std::string("<html>\n<body>Bad Gateway</body>\n\n")}) {
    transport_.pieces = {kChunk1 + kChunk2 + bad + kChunk3 + "data: [DONE]\n\n"};
    auto r = call(true);
    ASSERT_TRUE(r.has_value());
    bool failed = false;
    const std::string got = drain(*r->stream, &failed);
    EXPECT_TRUE(failed) << bad;
    EXPECT_EQ(got, kChunk1 + kChunk2) << "nothing after the bad event is relayed";
  }
  // Before any content: the call fails, so the router can still try another deployment.
  transport_.pieces = {"<!DOCTYPE html>\n\n"};
  auto r = call(true);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "The provider sent an invalid stream.");
}

}  // namespace
}  // namespace switchyard::providers
