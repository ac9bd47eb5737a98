#pragma once
// The request/response pair that flows through the pipeline (Envoy's stream, userver's request).
//
// Exchange is owned by the server session for the lifetime of one request; filters and providers
// read the request part and fill the outcome part. Reply is what goes back to the client: either
// a whole body or a ChunkSource that the session pulls chunk by chunk (Proxygen's HTTPSource).

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "switchyard/api/error.hpp"

namespace switchyard::api {

using Clock = std::chrono::steady_clock;

enum class Endpoint : std::uint8_t { kChatCompletions, kCompletions, kEmbeddings };

// The wire format of a request body or a reply. Requests enter as OpenAI (the /v1 routes) or as
// Anthropic Messages (POST /v1/messages); providers answer in OpenAI format unless they pass an
// Anthropic request through to Anthropic untouched, in which case the reply is kAnthropic.
enum class WireFormat : std::uint8_t { kOpenAI, kAnthropic };
std::string_view endpointPath(Endpoint e) noexcept;  // "/chat/completions", ...

struct Header {
  std::string name;
  std::string value;
};

struct Usage {
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  std::uint64_t cached_tokens = 0;
};

// A streamed response body. The session calls next() until it yields nullopt (clean end) or an
// Error (the stream broke: the session ends the client stream). Each value is bytes to send as
// they are (already framed, e.g. "data: {...}\n\n"). Destroying the source cancels the upstream.
class ChunkSource {
 public:
  virtual ~ChunkSource() = default;
  virtual boost::asio::awaitable<Result<std::optional<std::string>>> next() = 0;
};

struct Reply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<Header> headers;          // extra response headers
  std::string body;                     // when stream is null
  std::unique_ptr<ChunkSource> stream;  // when set: sent chunked, content_type text/event-stream
  std::optional<Usage> usage;
  WireFormat format = WireFormat::kOpenAI;  // what body/stream hold

  static Reply fromError(const Error& e);
  static Reply json(unsigned status, std::string body);
};

// Outcome of one request, filled as it goes; the access log and response headers read it.
struct Outcome {
  std::string model_group;     // alias served
  std::string deployment_id;   // model_info.id of the deployment that answered
  std::string api_base;        // its api_base (no credentials)
  std::string provider;
  Clock::duration upstream_time{};  // time spent waiting for providers (overhead = total - this)
  int attempted_retries = 0;
  int attempted_fallbacks = 0;
  std::optional<Error> error;  // set when the reply is an error
};

struct Exchange {
  // Request
  Endpoint endpoint = Endpoint::kChatCompletions;
  // kAnthropic: the client called POST /v1/messages. `body` then holds the request translated to
  // OpenAI chat format, and `anthropic_body` the original, for adapters that can pass it through.
  WireFormat ingress = WireFormat::kOpenAI;
  std::unique_ptr<nlohmann::json> anthropic_body;
  std::string raw_body;           // the request body as received (moved from the connection)
  std::string auth_token;         // from Authorization: Bearer / x-api-key / api-key / x-litellm-api-key
  std::string request_id;         // client's x-request-id or generated
  std::string call_id;            // x-litellm-call-id
  std::unique_ptr<nlohmann::json> body;      // parsed JSON body (object), controls removed
  std::unique_ptr<nlohmann::json> controls;  // request-level controls taken out of the body
                                             // (fallbacks, models, cache, metadata, mock_response...)
  std::string model;              // body.model: the alias asked for
  bool stream = false;            // body.stream == true
  // Per-request upstream timeout in seconds (header x-litellm-timeout, or body `timeout`):
  // replaces timeout and stream_timeout for every attempt.
  std::optional<double> timeout_s;
  Clock::time_point started = Clock::now();
  // Outcome
  Outcome outcome;

  Exchange();
  ~Exchange();
  Exchange(Exchange&&) noexcept;
  Exchange& operator=(Exchange&&) noexcept;
};

}  // namespace switchyard::api
