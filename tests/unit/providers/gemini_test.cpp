// Gemini translation both ways (no sockets): request building, responses, the SSE stream, usage,
// safety blocks, embeddings, error mapping and URL building. Fixtures follow the shapes of the
// Gemini API reference (generateContent, streamGenerateContent?alt=sse, embedContent,
// batchEmbedContents, the google.rpc error body).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "providers/gemini_endpoints.hpp"
#include "providers/gemini_translate.hpp"
#include "switchyard/providers/provider.hpp"
#include "switchyard/providers/sse.hpp"
#include "switchyard/providers/transport.hpp"

namespace switchyard::providers::gemini {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// The data of each `data:` event in an SSE byte string.
std::vector<json> frames(const std::string& sse) {
  std::vector<json> out;
  SseCutter cutter;
  cutter.feed(sse);
  while (std::optional<SseEvent> ev = cutter.next())
    out.push_back(ev->data == "[DONE]" ? json("[DONE]") : json::parse(ev->data));
  EXPECT_FALSE(cutter.rest()) << "unterminated event";
  return out;
}

TEST(GeminiUrlTest, ApiRoot) {
  auto root = [](std::string_view base) {
    Url u = apiRoot(*parseUrl(base));
    return u.origin() + u.path;
  };
  EXPECT_EQ(root(kDefaultBase), "https://generativelanguage.googleapis.com:443/v1beta");
  EXPECT_EQ(root("http://127.0.0.1:9000"), "http://127.0.0.1:9000/v1beta");
  EXPECT_EQ(root("http://127.0.0.1:9000/v1beta/"), "http://127.0.0.1:9000/v1beta");
  EXPECT_EQ(root("http://127.0.0.1:9000/v1"), "http://127.0.0.1:9000/v1");
  EXPECT_EQ(root("http://127.0.0.1:9000/v1alpha"), "http://127.0.0.1:9000/v1alpha");
  EXPECT_EQ(root("https://proxy.example.com/gemini/v1beta"),
            "https://proxy.example.com:443/gemini/v1beta");
  EXPECT_EQ(root("https://proxy.example.com/gemini"),
            "https://proxy.example.com:443/gemini/v1beta");
}

TEST(GeminiUrlTest, MethodTargets) {
  Url root = apiRoot(*parseUrl("http://h:1"));
  EXPECT_EQ(methodTarget(root, "gemini-2.0-flash", "generateContent"),
            "/v1beta/models/gemini-2.0-flash:generateContent");
  EXPECT_EQ(methodTarget(root, "models/gemini-2.0-flash", "streamGenerateContent"),
            "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
  EXPECT_EQ(methodTarget(root, "text-embedding-004", "batchEmbedContents"),
            "/v1beta/models/text-embedding-004:batchEmbedContents");
}

TEST(GeminiRequestTest, FullChatTranslation) {
  json chat = json::parse(R"({
    "model": "alias",
    "messages": [
      {"role": "system", "content": "You are terse."},
      {"role": "developer", "content": [{"type": "text", "text": "Answer in French."}]},
      {"role": "user", "content": [
        {"type": "text", "text": "What is in these pictures?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}}]},
      {"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
        {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "{\"temp\": 21}"},
      {"role": "tool", "tool_call_id": "call_2", "content": "noon"},
      {"role": "user", "content": "Thanks"}
    ],
    "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
                     "additionalProperties": false, "$schema": "http://json-schema.org/draft-07/schema#"}}},
      {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}],
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    "temperature": 0.3, "top_p": 0.9, "max_tokens": 100, "stop": "END", "n": 2, "seed": 7,
    "presence_penalty": 0.1, "frequency_penalty": 0.2,
    "response_format": {"type": "json_schema", "json_schema": {"name": "x", "strict": true,
      "schema": {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false}}},
    "user": "u-1", "stream_options": {"include_usage": true}
  })");
  auto r = toGenerateContent(chat, false);
  ASSERT_TRUE(r) << r.error().message;
  const json& g = *r;
  EXPECT_EQ(g["systemInstruction"],
            json::parse(R"({"parts":[{"text":"You are terse."},{"text":"Answer in French."}]})"));
  ASSERT_EQ(g["contents"].size(), 3u);
  EXPECT_EQ(g["contents"][0], json::parse(R"({"role":"user","parts":[
      {"text":"What is in these pictures?"},
      {"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}},
      {"fileData":{"mimeType":"image/jpeg","fileUri":"https://example.com/cat.jpg"}}]})"));
  EXPECT_EQ(g["contents"][1], json::parse(R"({"role":"model","parts":[
      {"functionCall":{"name":"get_weather","args":{"city":"Paris"}}},
      {"functionCall":{"name":"get_time","args":{}}}]})"));
  // Both tool results in one user turn, named after the calls they answer, then the next user text.
  EXPECT_EQ(g["contents"][2], json::parse(R"({"role":"user","parts":[
      {"functionResponse":{"name":"get_weather","response":{"temp":21}}},
      {"functionResponse":{"name":"get_time","response":{"content":"noon"}}},
      {"text":"Thanks"}]})"));
  EXPECT_EQ(g["tools"], json::parse(R"([{"functionDeclarations":[
      {"name":"get_weather","description":"Weather","parameters":{"type":"object",
        "properties":{"city":{"type":"string"}},"required":["city"]}},
      {"name":"get_time"}]}])"));
  EXPECT_EQ(
      g["toolConfig"],
      json::parse(
          R"({"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}})"));
  EXPECT_EQ(g["generationConfig"],
            json::parse(R"({"temperature":0.3,"topP":0.9,"maxOutputTokens":100,
      "stopSequences":["END"],"candidateCount":2,"seed":7,"presencePenalty":0.1,"frequencyPenalty":0.2,
      "responseMimeType":"application/json","responseSchema":{"type":"object","properties":{"a":{"type":"string"}}}})"));
  EXPECT_FALSE(g.contains("user"));
  EXPECT_FALSE(g.contains("model"));
}

TEST(GeminiRequestTest, ContentsHaveOnlyTheMessages) {
  // 3 messages -> 3 contents, the merged user turns counted once.
  json chat = {{"messages", json::array({{{"role", "user"}, {"content", "a"}},
                                         {{"role", "assistant"}, {"content", "b"}},
                                         {{"role", "user"}, {"content", "c"}}})}};
  auto r = toGenerateContent(chat, false);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["contents"].size(), 3u);
  EXPECT_EQ((*r)["contents"][1]["role"], "model");
  EXPECT_FALSE(r->contains("generationConfig"));
  EXPECT_FALSE(r->contains("systemInstruction"));
}

TEST(GeminiRequestTest, ToolChoiceModes) {
  for (auto [choice, mode] :
       {std::pair{"auto", "AUTO"}, std::pair{"none", "NONE"}, std::pair{"required", "ANY"}}) {
    json chat = {{"messages", json::array({{{"role", "user"}, {"content", "x"}}})},
                 {"tool_choice", choice}};
    auto r = toGenerateContent(chat, false);
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["toolConfig"]["functionCallingConfig"]["mode"], mode);
  }
  json chat = {{"messages", json::array({{{"role", "user"}, {"content", "x"}}})},
               {"response_format", {{"type", "json_object"}}},
               {"max_completion_tokens", 5}};
  auto r = toGenerateContent(chat, false);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["generationConfig"]["responseMimeType"], "application/json");
  EXPECT_EQ((*r)["generationConfig"]["maxOutputTokens"], 5);
}

TEST(GeminiRequestTest, UnsupportedParamsRefusedOrDropped) {
  json chat = {{"messages", json::array({{{"role", "user"}, {"content", "x"}}})},
               {"logit_bias", {{"50256", -100}}}};
  auto r = toGenerateContent(chat, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().httpStatus(), 400u);
  EXPECT_EQ(r.error().param, "logit_bias");
  EXPECT_THAT(r.error().message, HasSubstr("logit_bias"));
  EXPECT_THAT(r.error().message, HasSubstr("drop_params"));
  auto dropped = toGenerateContent(chat, true);
  ASSERT_TRUE(dropped);
  EXPECT_FALSE(dropped->dump().find("logit") != std::string::npos);
  // logprobs: false asks for nothing and is accepted.
  json no_lp = {{"messages", json::array({{{"role", "user"}, {"content", "x"}}})},
                {"logprobs", false}};
  EXPECT_TRUE(toGenerateContent(no_lp, false));
  json lp = {{"messages", json::array({{{"role", "user"}, {"content", "x"}}})}, {"logprobs", true}};
  EXPECT_EQ(toGenerateContent(lp, false).error().param, "logprobs");
}

TEST(GeminiRequestTest, MalformedMessages) {
  EXPECT_FALSE(toGenerateContent(json{{"messages", json::array()}}, false));
  json orphan = {
      {"messages", json::array({{{"role", "user"}, {"content", "x"}},
                                {{"role", "tool"}, {"tool_call_id", "nope"}, {"content", "r"}}})}};
  auto r = toGenerateContent(orphan, false);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("tool_call_id"));
  json bad_url = {
      {"messages",
       json::array(
           {{{"role", "user"},
             {"content", json::array({{{"type", "image_url"},
                                       {"image_url", {{"url", "file:///etc/passwd"}}}}})}}})}};
  EXPECT_FALSE(toGenerateContent(bad_url, false));
}

TEST(GeminiResponseTest, TextAnswerWithUsage) {
  json g = json::parse(R"({
    "candidates": [{"content": {"parts": [{"text": "Hello"}, {"text": " there"}], "role": "model"},
                    "finishReason": "STOP", "index": 0,
                    "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}]}],
    "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 4, "thoughtsTokenCount": 6,
                      "cachedContentTokenCount": 3, "totalTokenCount": 20},
    "modelVersion": "gemini-2.5-flash", "responseId": "abc"})");
  api::Usage usage;
  auto r = fromGenerateContent(g, "gemini-2.5-flash", "chatcmpl-1", 1700000000, &usage);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["object"], "chat.completion");
  EXPECT_EQ((*r)["id"], "chatcmpl-1");
  EXPECT_EQ((*r)["model"], "gemini-2.5-flash");
  EXPECT_EQ((*r)["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ((*r)["choices"][0]["message"]["content"], "Hello there");
  EXPECT_EQ((*r)["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ((*r)["usage"],
            json::parse(R"({"prompt_tokens":10,"completion_tokens":10,"total_tokens":20,
      "prompt_tokens_details":{"cached_tokens":3},"completion_tokens_details":{"reasoning_tokens":6}})"));
  EXPECT_EQ(usage.prompt_tokens, 10u);
  EXPECT_EQ(usage.completion_tokens, 10u);
  EXPECT_EQ(usage.cached_tokens, 3u);
}

TEST(GeminiResponseTest, FunctionCallsAndFinishReasons) {
  json g = json::parse(R"({"candidates": [{"content": {"role": "model", "parts": [
      {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
      {"functionCall": {"name": "get_time", "args": {}}}]}, "finishReason": "STOP", "index": 0}]})");
  auto r = fromGenerateContent(g, "m", "id", 1, nullptr);
  ASSERT_TRUE(r);
  const json& msg = (*r)["choices"][0]["message"];
  EXPECT_TRUE(msg["content"].is_null());
  ASSERT_EQ(msg["tool_calls"].size(), 2u);
  EXPECT_EQ(msg["tool_calls"][0]["type"], "function");
  EXPECT_EQ(msg["tool_calls"][0]["function"]["name"], "get_weather");
  EXPECT_EQ(json::parse(msg["tool_calls"][0]["function"]["arguments"].get<std::string>()),
            json({{"city", "Paris"}}));
  EXPECT_THAT(msg["tool_calls"][0]["id"].get<std::string>(), ::testing::StartsWith("call_"));
  EXPECT_NE(msg["tool_calls"][0]["id"], msg["tool_calls"][1]["id"]);
  EXPECT_EQ((*r)["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_FALSE(r->contains("usage"));

  EXPECT_EQ(finishReason("MAX_TOKENS"), "length");
  for (const char* s : {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"})
    EXPECT_EQ(finishReason(s), "content_filter");
  EXPECT_EQ(finishReason("STOP"), "stop");
  EXPECT_EQ(finishReason(""), "");
  json partial = json::parse(
      R"({"candidates":[{"content":{"parts":[{"text":"cut"}]},"finishReason":"SAFETY"}]})");
  EXPECT_EQ((*fromGenerateContent(partial, "m", "id", 1, nullptr))["choices"][0]["finish_reason"],
            "content_filter");
}

TEST(GeminiResponseTest, SafetyBlocksAreContentPolicyErrors) {
  json blocked = json::parse(R"({"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": []},
                                 "usageMetadata": {"promptTokenCount": 5, "totalTokenCount": 5}})");
  auto r = fromGenerateContent(blocked, "m", "id", 1, nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, api::ErrorKind::kContentPolicy);
  EXPECT_EQ(r.error().httpStatus(), 400u);
  EXPECT_EQ(r.error().codeOrDefault(), "content_policy_violation");
  json empty_safety = json::parse(R"({"candidates":[{"finishReason":"SAFETY","index":0}]})");
  auto r2 = fromGenerateContent(empty_safety, "m", "id", 1, nullptr);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().kind, api::ErrorKind::kContentPolicy);
  EXPECT_FALSE(fromGenerateContent(json::parse(R"({"candidates":[]})"), "m", "id", 1, nullptr));
}

// A recorded-shape streamGenerateContent?alt=sse body (the API ends with the last event, no
// [DONE]).
constexpr const char* kRecordedStream =
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"The\"}],\"role\": "
    "\"model\"},\"index\": 0}],"
    "\"usageMetadata\": {\"promptTokenCount\": 8,\"totalTokenCount\": 8},\"modelVersion\": "
    "\"gemini-2.0-flash\"}\r\n\r\n"
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \" sky is blue\"}],\"role\": "
    "\"model\"},\"index\": 0}],"
    "\"usageMetadata\": {\"promptTokenCount\": 8,\"totalTokenCount\": 8},\"modelVersion\": "
    "\"gemini-2.0-flash\"}\r\n\r\n"
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \".\"}],\"role\": "
    "\"model\"},\"finishReason\": \"STOP\",\"index\": 0}],"
    "\"usageMetadata\": {\"promptTokenCount\": 8,\"candidatesTokenCount\": 5,\"totalTokenCount\": "
    "13},"
    "\"modelVersion\": \"gemini-2.0-flash\"}\r\n\r\n";

std::string translateAll(StreamTranslator& tr, std::string_view sse, api::Error* err = nullptr) {
  std::string out;
  SseCutter cutter;
  cutter.feed(sse);
  while (std::optional<SseEvent> ev = cutter.next()) {
    auto r = tr.feed(ev->data, out, "sekret-key");
    if (!r) {
      if (err) *err = r.error();
      return out;
    }
  }
  tr.finish(out);
  return out;
}

TEST(GeminiStreamTest, RecordedStreamBecomesChunks) {
  StreamTranslator tr("gemini-2.0-flash", "chatcmpl-x", 42, /*include_usage=*/true);
  std::vector<json> f = frames(translateAll(tr, kRecordedStream));
  ASSERT_EQ(f.size(), 6u);
  EXPECT_EQ(f[0]["object"], "chat.completion.chunk");
  EXPECT_EQ(f[0]["id"], "chatcmpl-x");
  EXPECT_EQ(f[0]["choices"][0]["delta"], json({{"role", "assistant"}, {"content", "The"}}));
  EXPECT_EQ(f[1]["choices"][0]["delta"], json({{"content", " sky is blue"}}));
  EXPECT_EQ(f[2]["choices"][0]["delta"], json({{"content", "."}}));
  EXPECT_TRUE(f[2]["choices"][0]["finish_reason"].is_null());
  EXPECT_EQ(f[3]["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(f[4]["choices"], json::array());
  EXPECT_EQ(f[4]["usage"]["prompt_tokens"], 8);
  EXPECT_EQ(f[4]["usage"]["completion_tokens"], 5);
  EXPECT_EQ(f[4]["usage"]["total_tokens"], 13);
  EXPECT_EQ(f[5], "[DONE]");
  ASSERT_TRUE(tr.usage());
  EXPECT_EQ(tr.usage()->completion_tokens, 5u);
}

TEST(GeminiStreamTest, NoUsageChunkUnlessAsked) {
  StreamTranslator tr("m", "id", 1, false);
  std::vector<json> f = frames(translateAll(tr, kRecordedStream));
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[3]["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(f[4], "[DONE]");
}

TEST(GeminiStreamTest, FunctionCallsStreamAsToolCalls) {
  StreamTranslator tr("m", "id", 1, false);
  std::string sse =
      "data: "
      "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":"
      "\"f\",\"args\":{\"a\":1}}},"
      "{\"functionCall\":{\"name\":\"g\",\"args\":{}}}]},\"finishReason\":\"STOP\",\"index\":0}]}"
      "\r\n\r\n";
  std::vector<json> f = frames(translateAll(tr, sse));
  ASSERT_EQ(f.size(), 3u);
  const json& calls = f[0]["choices"][0]["delta"]["tool_calls"];
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0]["index"], 0);
  EXPECT_EQ(calls[1]["index"], 1);
  EXPECT_EQ(calls[0]["function"]["name"], "f");
  EXPECT_EQ(calls[0]["function"]["arguments"], "{\"a\":1}");
  EXPECT_EQ(f[1]["choices"][0]["finish_reason"], "tool_calls");
}

TEST(GeminiStreamTest, ErrorsAndSafetyBeforeContent) {
  StreamTranslator tr("m", "id", 1, false);
  api::Error err;
  translateAll(tr,
               "data: {\"error\":{\"code\":503,\"message\":\"The model is "
               "overloaded.\",\"status\":\"UNAVAILABLE\"}}\r\n\r\n",
               &err);
  EXPECT_EQ(err.kind, api::ErrorKind::kOverloaded);  // 503 UNAVAILABLE: the model is overloaded
  EXPECT_EQ(err.upstream_status, 503u);
  EXPECT_TRUE(api::isRetryable(err));
  EXPECT_FALSE(tr.committed());

  StreamTranslator internal("m", "id", 1, false);
  translateAll(internal,
               "data: {\"error\":{\"code\":500,\"message\":\"boom\",\"status\":\"INTERNAL\"}}\n\n",
               &err);
  EXPECT_EQ(err.kind, api::ErrorKind::kUpstreamError);

  StreamTranslator blocked("m", "id", 1, false);
  translateAll(blocked,
               "data: {\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"}}\r\n\r\n", &err);
  EXPECT_EQ(err.kind, api::ErrorKind::kContentPolicy);

  StreamTranslator safety("m", "id", 1, false);
  translateAll(safety, "data: {\"candidates\":[{\"finishReason\":\"SAFETY\",\"index\":0}]}\r\n\r\n",
               &err);
  EXPECT_EQ(err.kind, api::ErrorKind::kContentPolicy);

  // After content a safety finish is a content_filter finish, not an error.
  StreamTranslator late("m", "id", 1, false);
  err = {};
  std::vector<json> f = frames(translateAll(
      late,
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]},\"index\":0}]}\r\n\r\n"
      "data: {\"candidates\":[{\"finishReason\":\"SAFETY\",\"index\":0}]}\r\n\r\n",
      &err));
  EXPECT_EQ(err.kind, api::ErrorKind::kInternal);  // untouched
  ASSERT_GE(f.size(), 2u);
  EXPECT_EQ(f[1]["choices"][0]["finish_reason"], "content_filter");
}

TEST(GeminiEmbeddingsTest, RequestShapes) {
  bool batch = true;
  auto one =
      toEmbedRequest(json{{"input", "hello"}, {"dimensions", 256}}, "text-embedding-004", &batch);
  ASSERT_TRUE(one);
  EXPECT_FALSE(batch);
  EXPECT_EQ(
      *one,
      json::parse(R"({"model":"models/text-embedding-004","content":{"parts":[{"text":"hello"}]},
                                  "outputDimensionality":256})"));
  auto many = toEmbedRequest(json{{"input", {"a", "b"}}}, "text-embedding-004", &batch);
  ASSERT_TRUE(many);
  EXPECT_TRUE(batch);
  ASSERT_EQ((*many)["requests"].size(), 2u);
  EXPECT_EQ((*many)["requests"][1]["content"]["parts"][0]["text"], "b");
  EXPECT_EQ((*many)["requests"][1]["model"], "models/text-embedding-004");
  EXPECT_FALSE(toEmbedRequest(json{{"input", {1, 2, 3}}}, "m", &batch));
  EXPECT_FALSE(toEmbedRequest(json::object(), "m", &batch));
}

TEST(GeminiEmbeddingsTest, ResponseShapes) {
  auto one =
      fromEmbedResponse(json::parse(R"({"embedding":{"values":[0.5,-0.25]}})"), "m", false, 3);
  ASSERT_TRUE(one);
  EXPECT_EQ((*one)["object"], "list");
  EXPECT_EQ((*one)["data"][0],
            json::parse(R"({"object":"embedding","index":0,"embedding":[0.5,-0.25]})"));
  EXPECT_EQ((*one)["usage"]["prompt_tokens"], 3);
  auto batch = fromEmbedResponse(
      json::parse(R"({"embeddings":[{"values":[1.0]},{"values":[0.5,-0.25]}]})"), "m", true, 1);
  ASSERT_TRUE(batch);
  ASSERT_EQ((*batch)["data"].size(), 2u);
  EXPECT_EQ((*batch)["data"][0]["embedding"], "AACAPw==");  // 1.0f little-endian
  EXPECT_EQ((*batch)["data"][1]["embedding"], "AAAAPwAAgL4=");
  EXPECT_EQ((*batch)["data"][1]["index"], 1);
  EXPECT_FALSE(fromEmbedResponse(json::parse(R"({"embeddings":[]})"), "m", false, 1));
}

TEST(GeminiErrorTest, StatusesAndBodies) {
  auto body = [](int code, const char* status, const char* message, const char* details = "[]") {
    return std::string("{\"error\":{\"code\":") + std::to_string(code) + ",\"message\":\"" +
           message + "\",\"status\":\"" + status + "\",\"details\":" + details + "}}";
  };
  api::Error bad =
      mapGeminiError(400, body(400, "INVALID_ARGUMENT", "Invalid JSON payload received."), "", "k");
  EXPECT_EQ(bad.kind, api::ErrorKind::kInvalidRequest);
  EXPECT_EQ(bad.httpStatus(), 400u);
  EXPECT_THAT(bad.message, HasSubstr("Invalid JSON payload"));
  EXPECT_FALSE(api::isRetryable(bad));

  api::Error key = mapGeminiError(
      400,
      body(
          400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key. AIzaSECRETKEY",
          R"([{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}])"),
      "", "AIzaSECRETKEY");
  EXPECT_EQ(key.httpStatus(), 401u);
  EXPECT_THAT(key.message, Not(HasSubstr("AIza")));
  EXPECT_THAT(key.message, Not(HasSubstr("API key not valid")));

  api::Error denied = mapGeminiError(
      403, body(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers."), "", "k");
  EXPECT_EQ(denied.httpStatus(), 403u);
  EXPECT_THAT(denied.message, Not(HasSubstr("unregistered")));

  api::Error limited = mapGeminiError(
      429,
      body(429, "RESOURCE_EXHAUSTED", "Quota exceeded.",
           R"([{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}])"),
      "", "k");
  EXPECT_EQ(limited.kind, api::ErrorKind::kRateLimited);
  EXPECT_EQ(limited.retry_after_s, 37u);
  EXPECT_TRUE(api::isRetryable(limited));
  EXPECT_EQ(mapGeminiError(429, "{}", "5", "k").retry_after_s, 5u);

  for (unsigned s : {500u, 503u}) {
    api::Error e = mapGeminiError(
        s, body(static_cast<int>(s), "UNAVAILABLE", "The model is overloaded."), "", "k");
    EXPECT_TRUE(api::isRetryable(e)) << s;
  }
  // 503 UNAVAILABLE is Gemini's "overloaded": kOverloaded (OpenAI-format clients: 502
  // overloaded_error, as any upstream 5xx; Anthropic clients: 529).
  api::Error over = mapGeminiError(
      503, body(503, "UNAVAILABLE", "The model is overloaded. Please try again later."), "2", "k");
  EXPECT_EQ(over.kind, api::ErrorKind::kOverloaded);
  EXPECT_EQ(over.httpStatus(), 502u);
  EXPECT_EQ(over.codeOrDefault(), "overloaded_error");
  EXPECT_EQ(over.retry_after_s, 2u);
  EXPECT_EQ(over.message, "gemini error: The model is overloaded. Please try again later.");
  EXPECT_THAT(over.detail, HasSubstr("UNAVAILABLE"));
  EXPECT_EQ(mapGeminiError(500, body(500, "INTERNAL", "x"), "", "k").kind,
            api::ErrorKind::kUpstreamError);
  EXPECT_EQ(mapGeminiError(504, body(504, "DEADLINE_EXCEEDED", "x"), "", "k").kind,
            api::ErrorKind::kUpstreamTimeout);
  // Some proxies wrap the error body in a list.
  api::Error listed =
      mapGeminiError(400, "[" + body(400, "INVALID_ARGUMENT", "Bad field AIzaSECRETKEY") + "]", "",
                     "AIzaSECRETKEY");
  EXPECT_EQ(listed.message, "gemini error: Bad field ***");
  api::Error unauthenticated =
      mapGeminiError(400, body(400, "UNAUTHENTICATED", "who are you"), "", "k");
  EXPECT_EQ(unauthenticated.httpStatus(), 401u);
  EXPECT_THAT(unauthenticated.message, Not(HasSubstr("who are you")));
  // Fractions of a second round up.
  EXPECT_EQ(
      mapGeminiError(
          429,
          body(429, "RESOURCE_EXHAUSTED", "q",
               R"([{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"0.5s"}])"),
          "", "k")
          .retry_after_s,
      1u);
  api::Error ctx = mapGeminiError(400,
                                  body(400, "INVALID_ARGUMENT",
                                       "The input token count (1200000) exceeds the maximum number "
                                       "of tokens allowed (1048576)."),
                                  "", "k");
  EXPECT_EQ(ctx.kind, api::ErrorKind::kContextWindowExceeded);
  api::Error missing = mapGeminiError(
      404, body(404, "NOT_FOUND", "models/nope is not found for API version v1beta"), "", "k");
  EXPECT_EQ(missing.httpStatus(), 404u);
  api::Error html = mapGeminiError(502, "<html>bad gateway</html>", "", "k");
  EXPECT_TRUE(api::isRetryable(html));
}

TEST(GeminiProviderTest, RegisteredWithApiBase) {
  boost::asio::io_context io{1};
  Providers providers(Transport::create(io.get_executor(), {}));
  Provider* p = providers.find("gemini");
  ASSERT_NE(p, nullptr);
  config::Deployment d;
  d.provider = "gemini";
  d.model_id = "gemini-2.0-flash";
  d.id = "g1";
  EXPECT_EQ(p->apiBase(d), "https://generativelanguage.googleapis.com:443/v1beta");
  d.api_base = "http://127.0.0.1:8080/v1beta?key=SECRET";
  EXPECT_EQ(p->apiBase(d), "http://127.0.0.1:8080/v1beta");
}

}  // namespace
}  // namespace switchyard::providers::gemini
