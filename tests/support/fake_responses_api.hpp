#pragma once
// An in-process fake of the OpenAI Responses API (POST /v1/responses) for integration tests, a
// FakeDialect over FakeOpenAI's server. Also answers Azure's Responses paths
// (/openai/responses?api-version=..., /openai/v1/responses).
//  - requires `authorization: Bearer <key>` or `api-key: <key>` (else 401), a JSON body with
//    `model` and `input` (else 400, OpenAI's error body);
//  - answers a `response` object (one message item whose output_text is Behavior::chunks joined,
//    usage with input_tokens_details.cached_tokens 3 and output_tokens_details.reasoning_tokens 2),
//    or with "stream": true the typed event stream (response.created, response.in_progress,
//    response.output_item.added, response.content_part.added, one response.output_text.delta per
//    chunk, response.output_text.done, response.content_part.done, response.output_item.done,
//    response.completed), each with its `event:` line and sequence_number;
//  - Behavior kErrorEventInStream: after `chunks_before_close` deltas an `error` event and
//    response.failed; kCloseMidStream: the connection drops after that many deltas; kError: the
//    status with an OpenAI error body.
// Requests are recorded as RecordedRequest (server()).

#include <memory>
#include <string>

#include "support/fake_openai.hpp"

namespace switchyard::test {

class FakeResponsesApi {
 public:
  explicit FakeResponsesApi(std::string api_key = "sk-upstream-responses");
  ~FakeResponsesApi();
  // "http://127.0.0.1:PORT/v1" (OpenAI's api_base shape); azureBase() is the host root.
  std::string baseUrl() const;
  std::string azureBase() const;
  FakeOpenAI& server() { return *server_; }

 private:
  class Dialect;
  std::shared_ptr<Dialect> dialect_;
  std::unique_ptr<FakeOpenAI> server_;
};

}  // namespace switchyard::test
