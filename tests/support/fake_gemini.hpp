#pragma once
// An in-process fake Gemini (Google AI Studio, v1beta) upstream for integration tests, built on
// FakeOpenAI's server (FakeDialect): same threads, recording, Behavior faults and counters.
//
// Serves, as the Gemini API reference documents them:
//   POST /v1beta/models/{model}:generateContent          -> GenerateContentResponse
//   POST /v1beta/models/{model}:streamGenerateContent?alt=sse -> `data: {...}\r\n\r\n` events,
//        the last with finishReason and usageMetadata; the stream ends with the body (no [DONE])
//   POST /v1beta/models/{model}:embedContent             -> {"embedding":{"values":[...]}}
//   POST /v1beta/models/{model}:batchEmbedContents       -> {"embeddings":[{"values":[...]}...]}
// The key must come in `x-goog-api-key` (a wrong or missing key: 400 INVALID_ARGUMENT with
// reason API_KEY_INVALID, as Gemini answers). Errors are {"error":{"code","message","status"}}.
//
// Answers: text from Behavior::chunks (one stream event each). A request that declares tools and
// whose last turn is not a functionResponse is answered with a functionCall of the first declared
// function (args from setFunctionArgs). Models named "blocked-*" get promptFeedback.blockReason
// SAFETY; "unsafe-*" a candidate that finishes with SAFETY and no content. Behavior kinds: kError
// (status with a Gemini error body, or `body`), kErrorEventInStream (an error event after
// chunks_before_close chunks), kCloseMidStream, kHang, kCloseImmediately, header/chunk delays.
// Behaviors per model use the model of the path.

#include <memory>
#include <string>

#include "support/fake_openai.hpp"

namespace switchyard::test {

class FakeGemini {
 public:
  explicit FakeGemini(std::string api_key = "gemini-test-key");
  ~FakeGemini();

  // "http://127.0.0.1:PORT" (the host root; the gateway appends /v1beta/...).
  std::string baseUrl() const;
  // Recording, behaviors and counters.
  FakeOpenAI& server() { return *server_; }
  void setFunctionArgs(nlohmann::json args);

 private:
  class Dialect;
  std::shared_ptr<Dialect> dialect_;
  std::unique_ptr<FakeOpenAI> server_;
};

// A Gemini error body: {"error":{"code":status,"message":...,"status":<canonical code>}}.
std::string geminiErrorBody(unsigned status, const std::string& message);

}  // namespace switchyard::test
