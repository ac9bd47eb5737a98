#pragma once
// An in-process fake Anthropic Messages upstream for integration tests: an Anthropic FakeDialect
// over FakeOpenAI's server (127.0.0.1:<ephemeral>, HTTP or HTTPS, keep-alive, recording, faults).
// Serves POST /v1/messages in Anthropic's documented wire format:
//  - requires `x-api-key` (== the configured key: else 401 authentication_error) and
//    `anthropic-version` (else 400), a JSON body with `model`, `max_tokens` and non-empty
//    `messages` (else 400 invalid_request_error);
//  - answers a `message` object (text block, optional tool_use block, stop_reason, usage with
//    cache_creation_input_tokens / cache_read_input_tokens), or with "stream": true the SSE
//    sequence message_start, content_block_start, ping, content_block_delta..., content_block_stop,
//    [tool_use block with input_json_delta...], message_delta, message_stop, each with its
//    `event:` line;
//  - errors as {"type":"error","error":{"type":..,"message":..},"request_id":..} with the type
//    Anthropic uses for the status (529 overloaded_error...).
// Any other target answers 404 not_found_error.
//
// Faults are fake_openai.hpp's Behavior (one-shot queue, then per model, then default):
// kError (status, body), kHang, header/chunk delays, kCloseMidStream, kErrorEventInStream (an
// `event: error` after `chunks_before_close` text deltas; its type follows `status`, 529 by
// default -> overloaded_error), kCloseImmediately. Text comes from Behavior::chunks. Requests are
// recorded as RecordedRequest.

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/fake_openai.hpp"

namespace switchyard::test {

// What a normal answer holds besides Behavior::chunks.
struct AnthropicScript {
  struct ToolUse {
    std::string id = "toolu_01A09q90qw90lq917835lq9";
    std::string name = "get_weather";
    nlohmann::json input = {{"location", "Paris"}};
  };
  std::optional<ToolUse> tool_use;  // set: a tool_use block follows the text, stop_reason tool_use
  std::string stop_reason = "end_turn";  // when there is no tool_use
  std::uint64_t input_tokens = 25;
  std::uint64_t cache_creation_input_tokens = 0;
  std::uint64_t cache_read_input_tokens = 0;
  std::string model;  // reported model; empty: the request's
};

class FakeAnthropic {
 public:
  // Requests must carry x-api-key: `api_key`. `tls` needs cert_file/key_file (see TestPki).
  explicit FakeAnthropic(std::string api_key = "sk-upstream-SECRET-7f3a9c51",
                         FakeOpenAI::Options tls = {});
  ~FakeAnthropic();
  FakeAnthropic(const FakeAnthropic&) = delete;
  FakeAnthropic& operator=(const FakeAnthropic&) = delete;

  std::uint16_t port() const;
  std::string baseUrl() const;  // "http(s)://127.0.0.1:PORT" (the host root, as LiteLLM takes it)

  void setDefaultBehavior(Behavior b);
  void setBehaviorForModel(const std::string& model, Behavior b);
  void pushBehavior(Behavior b);
  void setScript(AnthropicScript s);

  std::vector<RecordedRequest> requests() const;
  std::size_t requestCount() const;
  std::optional<RecordedRequest> lastRequest() const;
  bool waitForRequests(std::size_t n, Millis timeout) const;
  int abortedResponses() const;
  bool waitForAbortedResponses(int n, Millis timeout) const;
  FakeOpenAI& server() { return *server_; }  // connection counters, stream event times

 private:
  class Dialect;
  std::shared_ptr<Dialect> dialect_;
  std::unique_ptr<FakeOpenAI> server_;
};

// The error type Anthropic uses for an HTTP status (400 invalid_request_error, 529
// overloaded_error...), and its error body.
std::string anthropicErrorType(unsigned status);
std::string anthropicErrorBody(unsigned status, const std::string& message);

}  // namespace switchyard::test
