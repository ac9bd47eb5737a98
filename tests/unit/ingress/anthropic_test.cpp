// POST /v1/messages translation (ingress/anthropic/{request,reply,stream}.hpp): Anthropic request
// -> OpenAI chat request, chat.completion -> message, chunk stream -> Anthropic event stream,
// errors. Fixtures follow the shapes of Anthropic's Messages API and streaming references and
// OpenAI's chat completion (chunk) objects.

#include "switchyard/ingress/anthropic/reply.hpp"
#include "switchyard/ingress/anthropic/request.hpp"
#include "switchyard/ingress/anthropic/stream.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "unit/run_await.hpp"
#include "unit/vector_source.hpp"

namespace switchyard::ingress::anthropic {

using namespace switchyard::api;  // NOLINT: the tests name api types unqualified
namespace {

namespace asio = boost::asio;
using nlohmann::json;
using test::runAwait;

// ---------------------------------------------------------------------------------------------
// Request translation

const char* kToolConversation = R"({
  "model": "claude-sonnet-4-5",
  "max_tokens": 1024,
  "system": [{"type": "text", "text": "You are a weather bot.", "cache_control": {"type": "ephemeral"}},
             {"type": "text", "text": "Be terse."}],
  "messages": [
    {"role": "user", "content": "What's the weather like in San Francisco?"},
    {"role": "assistant", "content": [
      {"type": "thinking", "thinking": "Let me look.", "signature": "sig"},
      {"type": "text", "text": "I'll check the weather."},
      {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather",
       "input": {"location": "San Francisco, CA", "unit": "celsius"}}]},
    {"role": "user", "content": [
      {"type": "tool_result", "tool_use_id": "toolu_01A09q90qw90lq917835lq9", "content": "15 degrees"},
      {"type": "text", "text": "And tomorrow?"}]}
  ],
  "tools": [{
    "name": "get_weather",
    "description": "Get the current weather in a given location",
    "input_schema": {"type": "object",
                     "properties": {"location": {"type": "string"},
                                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                     "required": ["location"]}}],
  "tool_choice": {"type": "any", "disable_parallel_tool_use": true},
  "stop_sequences": ["\n\nHuman:"],
  "temperature": 0.5,
  "top_p": 0.9,
  "top_k": 40,
  "thinking": {"type": "enabled", "budget_tokens": 2048},
  "metadata": {"user_id": "user-42"},
  "stream": true
})";

TEST(AnthropicRequestTest, TranslatesToolConversationToOpenAi) {
  auto r = toOpenAiRequest(json::parse(kToolConversation));
  ASSERT_TRUE(r) << r.error().message;
  const json expected = json::parse(R"({
    "model": "claude-sonnet-4-5",
    "max_tokens": 1024,
    "messages": [
      {"role": "system", "content": "You are a weather bot.\nBe terse."},
      {"role": "user", "content": "What's the weather like in San Francisco?"},
      {"role": "assistant", "content": "I'll check the weather.",
       "tool_calls": [{"id": "toolu_01A09q90qw90lq917835lq9", "type": "function",
                       "function": {"name": "get_weather",
                                    "arguments": "{\"location\":\"San Francisco, CA\",\"unit\":\"celsius\"}"}}]},
      {"role": "tool", "tool_call_id": "toolu_01A09q90qw90lq917835lq9", "content": "15 degrees"},
      {"role": "user", "content": "And tomorrow?"}
    ],
    "tools": [{"type": "function", "function": {
      "name": "get_weather",
      "description": "Get the current weather in a given location",
      "parameters": {"type": "object",
                     "properties": {"location": {"type": "string"},
                                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                     "required": ["location"]}}}],
    "tool_choice": "required",
    "parallel_tool_calls": false,
    "stop": ["\n\nHuman:"],
    "temperature": 0.5,
    "top_p": 0.9,
    "user": "user-42",
    "stream": true,
    "stream_options": {"include_usage": true}
  })");
  EXPECT_EQ(*r, expected) << r->dump(2);
}

TEST(AnthropicRequestTest, MinimalRequestHasNoExtraFields) {
  auto r = toOpenAiRequest(json::parse(
      R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"Hello, Claude"}]})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, json::parse(R"({"model":"m","max_tokens":5,
      "messages":[{"role":"user","content":"Hello, Claude"}]})"));
}

TEST(AnthropicRequestTest, ImagesBase64AndUrlBecomeImageUrlParts) {
  auto r = toOpenAiRequest(
      json::parse(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[
      {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}},
      {"type":"image","source":{"type":"url","url":"https://example.com/cat.png"}},
      {"type":"text","text":"Describe these images."}]}]})"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["messages"][0], json::parse(R"({"role":"user","content":[
      {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}},
      {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}},
      {"type":"text","text":"Describe these images."}]})"));
}

TEST(AnthropicRequestTest, SeveralTextBlocksStayParts) {
  auto r = toOpenAiRequest(
      json::parse(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[
      {"type":"text","text":"a","cache_control":{"type":"ephemeral"}},{"type":"text","text":"b"}]}]})"));
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["messages"][0]["content"],
            json::parse(R"([{"type":"text","text":"a"},{"type":"text","text":"b"}])"));
}

TEST(AnthropicRequestTest, ToolResultBlocksContentAndSeveralResults) {
  auto r = toOpenAiRequest(json::parse(R"({"model":"m","max_tokens":5,"messages":[
      {"role":"user","content":"go"},
      {"role":"assistant","content":[
        {"type":"tool_use","id":"toolu_1","name":"a","input":{}},
        {"type":"tool_use","id":"toolu_2","name":"b","input":{"x":1}}]},
      {"role":"user","content":[
        {"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"line 1"},{"type":"text","text":"line 2"}]},
        {"type":"tool_result","tool_use_id":"toolu_2","is_error":true}]}]})"));
  ASSERT_TRUE(r) << r.error().message;
  const json& m = (*r)["messages"];
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[1]["content"], nullptr);
  EXPECT_EQ(m[1]["tool_calls"][1]["function"]["arguments"], "{\"x\":1}");
  EXPECT_EQ(m[2],
            json::parse(R"({"role":"tool","tool_call_id":"toolu_1","content":"line 1\nline 2"})"));
  EXPECT_EQ(m[3], json::parse(R"({"role":"tool","tool_call_id":"toolu_2","content":""})"));
}

TEST(AnthropicRequestTest, ToolChoiceVariants) {
  auto with = [](const char* choice) {
    json req =
        json::parse(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],
        "tools":[{"name":"t","input_schema":{"type":"object"}}]})");
    req["tool_choice"] = json::parse(choice);
    return toOpenAiRequest(req);
  };
  EXPECT_EQ((*with(R"({"type":"auto"})"))["tool_choice"], "auto");
  EXPECT_EQ((*with(R"({"type":"none"})"))["tool_choice"], "none");
  EXPECT_EQ((*with(R"({"type":"tool","name":"t"})"))["tool_choice"],
            json::parse(R"({"type":"function","function":{"name":"t"}})"));
  EXPECT_FALSE(with(R"({"type":"auto"})")->contains("parallel_tool_calls"));
  auto bad = with(R"({"type":"tool"})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().param, "tool_choice.name");
  EXPECT_FALSE(with(R"({"type":"sometimes"})"));
}

TEST(AnthropicRequestTest, GatewayControlsAreCarriedAnthropicMetadataIsNot) {
  auto r = toOpenAiRequest(
      json::parse(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],
      "mock_response":"canned","fallbacks":["b"],"metadata":{"user_id":"u"},"service_tier":"auto"})"));
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["mock_response"], "canned");
  EXPECT_EQ((*r)["fallbacks"], json::array({"b"}));
  EXPECT_FALSE(r->contains("metadata"));
  EXPECT_FALSE(r->contains("service_tier"));
  EXPECT_EQ((*r)["user"], "u");
}

struct InvalidCase {
  const char* body;
  const char* param;
  const char* message;
};

TEST(AnthropicRequestTest, InvalidRequestsNameTheField) {
  const InvalidCase cases[] = {
      {R"({"max_tokens":5,"messages":[{"role":"user","content":"x"}]})", "model",
       "model: Field required"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}]})", "max_tokens",
       "max_tokens: Field required"},
      {R"({"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]})", "max_tokens",
       "max_tokens: Input should be greater than or equal to 1"},
      {R"({"model":"m","max_tokens":"5","messages":[{"role":"user","content":"x"}]})", "max_tokens",
       "max_tokens: Input should be a valid integer"},
      {R"({"model":"m","max_tokens":5})", "messages", "messages: Field required"},
      {R"({"model":"m","max_tokens":5,"messages":[]})", "messages",
       "messages: at least one message is required"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"bot","content":"x"}]})",
       "messages.0.role", "messages.0.role: Input should be 'user' or 'assistant'"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user"}]})", "messages.0.content",
       "messages.0.content: Field required"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png"}}]}]})",
       "messages.0.content.0.source.data", "messages.0.content.0.source.data: Field required"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"temperature":1.5})",
       "temperature", "temperature: Input should be less than or equal to 1"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[{"name":"t"}]})",
       "tools.0.input_schema", "tools.0.input_schema: Field required"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"stop_sequences":[1]})",
       "stop_sequences.0", "stop_sequences.0: Input should be a valid string"},
  };
  for (const InvalidCase& c : cases) {
    SCOPED_TRACE(c.body);
    auto r = toOpenAiRequest(json::parse(c.body));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidRequest);
    EXPECT_EQ(r.error().param, c.param);
    EXPECT_EQ(r.error().message, c.message);
  }
}

TEST(AnthropicRequestTest, WrongTypesAnywhereAreErrorsNotExceptions) {
  const char* bodies[] = {
      R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"document","source":{"type":5}}]}]})",
      R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":7}]}]})",
      R"({"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"x","name":"n","input":[1]}]}]})",
      R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tool_choice":"auto"})",
      R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"system":[{"type":"image"}]})",
      R"({"model":"m","max_tokens":18446744073709551615,"messages":[{"role":"user","content":"x"}]})",
  };
  for (const char* b : bodies) {
    SCOPED_TRACE(b);
    Result<json> r = Error{};
    EXPECT_NO_THROW(r = toOpenAiRequest(json::parse(b)));
    EXPECT_FALSE(r);
  }
  // Upstream answers with odd types are tolerated too.
  json odd = json::parse(
      R"({"choices":[{"finish_reason":7,"message":{"content":[{"type":1},{"type":"text","text":2},
      {"type":"text","text":"ok"}],"tool_calls":[{"id":3,"function":{"name":4,"arguments":5}}]}}],"usage":{"prompt_tokens":"x"}})");
  Result<json> m = Error{};
  EXPECT_NO_THROW(m = toAnthropicMessage(odd, "a"));
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)["content"][0]["text"], "ok");
  EXPECT_EQ((*m)["content"][1]["type"], "tool_use");
}

TEST(AnthropicRequestTest, SystemRoleAndServerToolsAreRefusedClearly) {
  auto sys = toOpenAiRequest(
      json::parse(R"({"model":"m","max_tokens":5,"messages":[{"role":"system","content":"x"}]})"));
  ASSERT_FALSE(sys);
  EXPECT_NE(sys.error().message.find("top-level `system`"), std::string::npos);
  auto tool = toOpenAiRequest(
      json::parse(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],
      "tools":[{"type":"web_search_20250305","name":"web_search"}]})"));
  ASSERT_FALSE(tool);
  EXPECT_EQ(tool.error().param, "tools.0.type");
}

TEST(AnthropicRequestTest, CountTokensEstimatesWithoutMaxTokens) {
  auto r = countTokens(json::parse(
      R"({"model":"m","system":"abcd","messages":[{"role":"user","content":"abcdefgh"}]})"));
  ASSERT_TRUE(r) << r.error().message;
  // The gateway's one estimator (api::estimatePromptTokens) on the translated request: 12
  // characters of text ("abcd" + "abcdefgh") are 3 tokens, plus 4 for each of the 2 messages.
  EXPECT_EQ(*r, json::parse(R"({"input_tokens":11})"));
  auto bad = countTokens(json::parse(R"({"model":"m"})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().param, "messages");
}

// ---------------------------------------------------------------------------------------------
// Response translation

TEST(AnthropicResponseTest, TextCompletionBecomesMessage) {
  json completion = json::parse(R"({
    "id": "chatcmpl-abc123", "object": "chat.completion", "created": 1741569952, "model": "gpt-4.1",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello! How can I help?",
                 "refusal": null}, "logprobs": null, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29,
              "prompt_tokens_details": {"cached_tokens": 4, "audio_tokens": 0}}})");
  auto m = toAnthropicMessage(completion, "my-alias");
  ASSERT_TRUE(m);
  EXPECT_TRUE((*m)["id"].get<std::string>().starts_with("msg_"));
  json without_id = *m;
  without_id.erase("id");
  EXPECT_EQ(without_id, json::parse(R"({
    "type": "message", "role": "assistant", "model": "my-alias",
    "content": [{"type": "text", "text": "Hello! How can I help?"}],
    "stop_reason": "end_turn", "stop_sequence": null,
    "usage": {"input_tokens": 15, "output_tokens": 10, "cache_creation_input_tokens": 0,
              "cache_read_input_tokens": 4}})"));
}

TEST(AnthropicResponseTest, ToolCallsBecomeToolUseBlocks) {
  json completion = json::parse(R"({
    "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt",
    "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": null,
      "tool_calls": [{"id": "call_abc", "type": "function",
                      "function": {"name": "get_weather", "arguments": "{\"location\":\"Paris\"}"}},
                     {"id": "call_def", "type": "function", "function": {"name": "noop", "arguments": "not json"}}]}}],
    "usage": {"prompt_tokens": 7, "completion_tokens": 3}})");
  auto m = toAnthropicMessage(completion, "a");
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)["content"], json::parse(R"([
    {"type": "tool_use", "id": "call_abc", "name": "get_weather", "input": {"location": "Paris"}},
    {"type": "tool_use", "id": "call_def", "name": "noop", "input": {}}])"));
  EXPECT_EQ((*m)["stop_reason"], "tool_use");
}

TEST(AnthropicResponseTest, FinishReasonsAndStopSequence) {
  EXPECT_EQ(stopReason("stop"), "end_turn");
  EXPECT_EQ(stopReason("length"), "max_tokens");
  EXPECT_EQ(stopReason("tool_calls"), "tool_use");
  EXPECT_EQ(stopReason("function_call"), "tool_use");
  EXPECT_EQ(stopReason("content_filter"), "refusal");
  EXPECT_EQ(stopReason(""), "end_turn");
  // vLLM names the matched stop string in choices[].stop_reason.
  json completion =
      json::parse(R"({"choices":[{"index":0,"finish_reason":"stop","stop_reason":"END",
      "message":{"role":"assistant","content":"x"}}]})");
  auto m = toAnthropicMessage(completion, "a", {"END"});
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)["stop_reason"], "stop_sequence");
  EXPECT_EQ((*m)["stop_sequence"], "END");
  EXPECT_EQ((*m)["usage"]["output_tokens"], 0);
}

TEST(AnthropicResponseTest, NoChoicesIsAnUpstreamError) {
  auto m = toAnthropicMessage(json::parse(R"({"id":"x","choices":[]})"), "a");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().kind, ErrorKind::kUpstreamError);
}

// ---------------------------------------------------------------------------------------------
// Errors

TEST(AnthropicErrorTest, KindsMapToAnthropicTypes) {
  struct Case {
    ErrorKind kind;
    const char* type;
  };
  const Case cases[] = {
      {ErrorKind::kInvalidRequest, "invalid_request_error"},
      {ErrorKind::kContextWindowExceeded, "invalid_request_error"},
      {ErrorKind::kUnauthorized, "authentication_error"},
      {ErrorKind::kForbidden, "permission_error"},
      {ErrorKind::kModelNotFound, "not_found_error"},
      {ErrorKind::kNotFound, "not_found_error"},
      {ErrorKind::kPayloadTooLarge, "request_too_large"},
      {ErrorKind::kRateLimited, "rate_limit_error"},
      {ErrorKind::kUpstreamError, "api_error"},
      {ErrorKind::kUpstreamTimeout, "timeout_error"},
      {ErrorKind::kInternal, "api_error"},
      {ErrorKind::kUnavailable, "overloaded_error"},
      {ErrorKind::kOverloaded, "overloaded_error"},
      {ErrorKind::kMethodNotAllowed, "invalid_request_error"},
  };
  for (const Case& c : cases) EXPECT_EQ(errorType(Error{c.kind, "m"}), c.type);
  // An overloaded provider is answered 529, as Anthropic does; the type always follows the status.
  EXPECT_EQ(anthropicStatus(Error{ErrorKind::kOverloaded, "m"}), 529u);
  EXPECT_EQ(anthropicStatus(Error{ErrorKind::kUnavailable, "m"}), 503u);
  Error upstream_401{ErrorKind::kUpstreamError, "credentials rejected"};
  upstream_401.status = 401;
  EXPECT_EQ(errorType(upstream_401), "authentication_error");
  Error upstream_402{ErrorKind::kInvalidRequest, "billing"};
  upstream_402.status = 402;
  EXPECT_EQ(errorType(upstream_402), "billing_error");
  Error overloaded{ErrorKind::kUpstreamError, "Overloaded"};
  overloaded.status = 529;
  EXPECT_EQ(errorType(overloaded), "overloaded_error");
}

TEST(AnthropicErrorTest, BodyAndEventShapes) {
  Error e{ErrorKind::kModelNotFound, "model: nope"};
  EXPECT_EQ(json::parse(errorBody(e)),
            json::parse(
                R"({"type":"error","error":{"type":"not_found_error","message":"model: nope"}})"));
  EXPECT_EQ(errorEvent(e), "event: error\ndata: " + errorBody(e) + "\n\n");
}

// ---------------------------------------------------------------------------------------------
// Streams

using test::VectorSource;

struct Drained {
  std::string bytes;
  std::optional<Error> error;
};

asio::awaitable<Drained> drain(ChunkSource& s) {
  Drained d;
  for (int guard = 0; guard < 1000; ++guard) {
    Result<std::optional<std::string>> r = co_await s.next();
    if (!r) {
      d.error = r.error();
      break;
    }
    if (!*r) break;
    d.bytes += **r;
  }
  co_return d;
}

struct Event {
  std::string name;
  json data;
};

std::vector<Event> parseEvents(const std::string& bytes) {
  std::vector<Event> out;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    std::size_t end = bytes.find("\n\n", pos);
    if (end == std::string::npos) {
      ADD_FAILURE() << "unterminated event: " << bytes.substr(pos);
      break;
    }
    std::string ev = bytes.substr(pos, end - pos);
    pos = end + 2;
    EXPECT_TRUE(ev.starts_with("event: ")) << ev;
    std::size_t nl = ev.find('\n');
    std::string name = ev.substr(7, nl - 7);
    std::string data_line = ev.substr(nl + 1);
    EXPECT_TRUE(data_line.starts_with("data: ")) << ev;
    json data = json::parse(data_line.substr(6));
    EXPECT_EQ(data["type"], name) << "event name and data.type differ";
    out.push_back({name, data});
  }
  return out;
}

std::vector<std::string> names(const std::vector<Event>& evs) {
  std::vector<std::string> n;
  for (const Event& e : evs) n.push_back(e.name);
  return n;
}

std::string chunk(const std::string& choice_json, const std::string& extra = "") {
  return "data: "
         "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":"
         "\"gpt\"," +
         extra + "\"choices\":[" + choice_json + "]}\n\n";
}

class AnthropicStreamTest : public ::testing::Test {
 protected:
  Drained run(std::vector<std::string> pieces, std::optional<Error> fail = std::nullopt,
              std::vector<std::string> stops = {}) {
    AnthropicStream s(std::make_unique<VectorSource>(std::move(pieces), std::move(fail)),
                      "my-alias", std::move(stops));
    return runAwait(io_, drain(s));
  }
  asio::io_context io_;
};

TEST_F(AnthropicStreamTest, TextStreamBecomesTheDocumentedEventSequence) {
  std::string upstream =
      chunk(
          R"({"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null})") +
      chunk(R"({"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null})") +
      chunk(R"({"index":0,"delta":{"content":"!"},"logprobs":null,"finish_reason":null})") +
      chunk(R"({"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"})") +
      "data: "
      "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt\","
      "\"choices\":[],\"usage\":{\"prompt_tokens\":25,\"completion_tokens\":15,\"total_tokens\":40}"
      "}\n\n"
      "data: [DONE]\n\n";
  // Delivered in awkward pieces: split inside events and inside the blank line.
  std::vector<std::string> pieces;
  for (std::size_t i = 0; i < upstream.size(); i += 37) pieces.push_back(upstream.substr(i, 37));
  Drained d = run(pieces);
  ASSERT_FALSE(d.error) << d.error->message;
  std::vector<Event> evs = parseEvents(d.bytes);
  EXPECT_EQ(names(evs),
            (std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                      "content_block_delta", "content_block_stop", "message_delta",
                                      "message_stop"}));
  ASSERT_EQ(evs.size(), 7u);
  json start = evs[0].data["message"];
  EXPECT_TRUE(start["id"].get<std::string>().starts_with("msg_"));
  start.erase("id");
  EXPECT_EQ(start,
            json::parse(R"({"type":"message","role":"assistant","model":"my-alias","content":[],
      "stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}})"));
  EXPECT_EQ(
      evs[1].data,
      json::parse(
          R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"));
  EXPECT_EQ(
      evs[2].data,
      json::parse(
          R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}})"));
  EXPECT_EQ(
      evs[3].data,
      json::parse(
          R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"!"}})"));
  EXPECT_EQ(evs[4].data, json::parse(R"({"type":"content_block_stop","index":0})"));
  EXPECT_EQ(evs[5].data,
            json::parse(
                R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},
      "usage":{"input_tokens":25,"output_tokens":15,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}})"));
  EXPECT_EQ(evs[6].data, json::parse(R"({"type":"message_stop"})"));
}

TEST_F(AnthropicStreamTest, ToolCallStreamBecomesToolUseBlocksAfterText) {
  std::vector<std::string> pieces = {
      chunk(
          R"({"index":0,"delta":{"role":"assistant","content":"Let me check."},"finish_reason":null})"),
      chunk(
          R"({"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null})"),
      chunk(
          R"({"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"location\":"}}]},"finish_reason":null})"),
      chunk(
          R"({"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]},"finish_reason":null})"),
      chunk(
          R"({"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"noop","arguments":"{}"}}]},"finish_reason":null})"),
      chunk(R"({"index":0,"delta":{},"finish_reason":"tool_calls"})"),
      "data: [DONE]\n\n"};
  Drained d = run(pieces);
  ASSERT_FALSE(d.error);
  std::vector<Event> evs = parseEvents(d.bytes);
  EXPECT_EQ(names(evs),
            (std::vector<std::string>{
                "message_start", "content_block_start", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_delta",
                "content_block_stop", "content_block_start", "content_block_delta",
                "content_block_stop", "message_delta", "message_stop"}));
  ASSERT_EQ(evs.size(), 13u);
  EXPECT_EQ(evs[4].data, json::parse(R"({"type":"content_block_start","index":1,
      "content_block":{"type":"tool_use","id":"call_1","name":"get_weather","input":{}}})"));
  EXPECT_EQ(evs[5].data, json::parse(R"({"type":"content_block_delta","index":1,
      "delta":{"type":"input_json_delta","partial_json":"{\"location\":"}})"));
  EXPECT_EQ(evs[6].data["delta"]["partial_json"], "\"Paris\"}");
  EXPECT_EQ(evs[8].data["index"], 2);
  EXPECT_EQ(evs[8].data["content_block"]["name"], "noop");
  EXPECT_EQ(evs[11].data["delta"]["stop_reason"], "tool_use");
  EXPECT_EQ(evs[11].data["usage"]["output_tokens"], 0);  // the upstream sent no usage
}

TEST_F(AnthropicStreamTest, CrlfFramingAndLengthFinish) {
  std::vector<std::string> pieces = {
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ab\"}}]}\r\n\r\n",
      "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\r\n\r\n"};
  Drained d = run(pieces);  // no [DONE]: a finish_reason before the end is enough
  ASSERT_FALSE(d.error);
  std::vector<Event> evs = parseEvents(d.bytes);
  ASSERT_EQ(evs.size(), 6u);
  EXPECT_EQ(evs[2].data["delta"]["text"], "ab");
  EXPECT_EQ(evs[4].data["delta"]["stop_reason"], "max_tokens");
}

TEST_F(AnthropicStreamTest, ErrorEventMidStreamEndsWithAnError) {
  std::vector<std::string> pieces = {
      chunk(R"({"index":0,"delta":{"content":"partial"},"finish_reason":null})") +
      "data: {\"error\":{\"message\":\"Overloaded\",\"type\":\"server_error\",\"code\":529}}\n\n"};
  Drained d = run(pieces);
  std::vector<Event> evs = parseEvents(d.bytes);
  EXPECT_EQ(names(evs), (std::vector<std::string>{"message_start", "content_block_start",
                                                  "content_block_delta"}));
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->message, "Overloaded");
  EXPECT_EQ(errorType(*d.error), "overloaded_error");
}

TEST_F(AnthropicStreamTest, SourceErrorIsPassedOn) {
  Drained d = run({chunk(R"({"index":0,"delta":{"content":"x"}})")},
                  Error{ErrorKind::kUpstreamTimeout, "The provider timed out."});
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->kind, ErrorKind::kUpstreamTimeout);
  EXPECT_EQ(parseEvents(d.bytes).size(), 3u);
}

TEST_F(AnthropicStreamTest, UpstreamEndingEarlyIsAnError) {
  Drained d = run({chunk(R"({"index":0,"delta":{"content":"x"}})")});
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->kind, ErrorKind::kUpstreamError);
}

TEST_F(AnthropicStreamTest, MessageAsStreamReplaysAWholeMessage) {
  json message = json::parse(R"({"id":"msg_1","type":"message","role":"assistant","model":"a",
      "content":[{"type":"text","text":"Hi"},{"type":"tool_use","id":"toolu_1","name":"t","input":{"k":"v"}}],
      "stop_reason":"tool_use","stop_sequence":null,
      "usage":{"input_tokens":3,"output_tokens":2,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}})");
  auto src = messageAsStream(message);
  Drained d = runAwait(io_, drain(*src));
  ASSERT_FALSE(d.error);
  std::vector<Event> evs = parseEvents(d.bytes);
  EXPECT_EQ(names(evs), (std::vector<std::string>{
                            "message_start", "content_block_start", "content_block_delta",
                            "content_block_stop", "content_block_start", "content_block_delta",
                            "content_block_stop", "message_delta", "message_stop"}));
  EXPECT_EQ(evs[0].data["message"]["id"], "msg_1");
  EXPECT_EQ(evs[0].data["message"]["usage"]["input_tokens"], 3);
  EXPECT_EQ(evs[5].data["delta"]["partial_json"], "{\"k\":\"v\"}");
  EXPECT_EQ(evs[7].data["delta"]["stop_reason"], "tool_use");
  EXPECT_EQ(evs[7].data["usage"]["output_tokens"], 2);
}

// ---------------------------------------------------------------------------------------------
// toAnthropicReply

Exchange messagesExchange(bool stream) {
  Exchange ex;
  ex.ingress = WireFormat::kAnthropic;
  ex.model = "alias";
  ex.stream = stream;
  ex.request_id = "req-1";
  return ex;
}

TEST(AnthropicReplyTest, ErrorRepliesBecomeAnthropicErrors) {
  Exchange ex = messagesExchange(false);
  Error e{ErrorKind::kRateLimited, "Slow down."};
  e.retry_after_s = 3;
  ex.outcome.error = e;
  Reply r = toAnthropicReply(ex, Reply::fromError(e));
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(json::parse(r.body),
            json::parse(
                R"({"type":"error","error":{"type":"rate_limit_error","message":"Slow down."}})"));
  bool retry_after = false, request_id = false;
  for (const Header& h : r.headers) {
    retry_after |= h.name == "retry-after" && h.value == "3";
    request_id |= h.name == "request-id" && h.value == "req-1";
  }
  EXPECT_TRUE(retry_after);
  EXPECT_TRUE(request_id);
}

TEST(AnthropicReplyTest, NonSuccessStatusWithoutErrorIsMapped) {
  Exchange ex = messagesExchange(false);
  Reply up =
      Reply::json(404, R"({"error":{"message":"no such thing","type":"invalid_request_error"}})");
  Reply r = toAnthropicReply(ex, std::move(up));
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(json::parse(r.body)["error"]["type"], "not_found_error");
  EXPECT_EQ(json::parse(r.body)["error"]["message"], "no such thing");
}

TEST(AnthropicReplyTest, AnthropicFormatRepliesPassThrough) {
  Exchange ex = messagesExchange(false);
  Reply up = Reply::json(200, R"({"id":"msg_x","type":"message"})");
  up.format = WireFormat::kAnthropic;
  Reply r = toAnthropicReply(ex, std::move(up));
  EXPECT_EQ(r.body, R"({"id":"msg_x","type":"message"})");
}

TEST(AnthropicReplyTest, JsonBodyBecomesMessageOrStream) {
  const std::string body =
      R"({"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"Hi"}}],
      "usage":{"prompt_tokens":2,"completion_tokens":1}})";
  Exchange ex = messagesExchange(false);
  Reply r = toAnthropicReply(ex, Reply::json(200, body));
  EXPECT_EQ(r.format, WireFormat::kAnthropic);
  json m = json::parse(r.body);
  EXPECT_EQ(m["type"], "message");
  EXPECT_EQ(m["model"], "alias");
  EXPECT_EQ(m["content"][0]["text"], "Hi");

  Exchange sex = messagesExchange(true);  // an upstream that ignored stream: true
  Reply s = toAnthropicReply(sex, Reply::json(200, body));
  ASSERT_TRUE(s.stream);
  EXPECT_EQ(s.content_type, "text/event-stream");
  asio::io_context io;
  Drained d = runAwait(io, drain(*s.stream));
  EXPECT_EQ(parseEvents(d.bytes).size(), 6u);
}

TEST(AnthropicReplyTest, InvalidUpstreamBodyIsAnApiError) {
  Exchange ex = messagesExchange(false);
  Reply r = toAnthropicReply(ex, Reply::json(200, "{\"object\":\"chat.completion\"}"));
  EXPECT_EQ(r.status, 502u);
  EXPECT_EQ(json::parse(r.body)["error"]["type"], "api_error");
}

}  // namespace
}  // namespace switchyard::ingress::anthropic
