#pragma once
// A provider adapter: turns an OpenAI-format Exchange into the provider's wire format, calls it
// through the worker's Transport, and turns the answer back into an OpenAI-format Reply
// (DESIGN §5). Adapters are per worker, used from that worker's thread only.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "switchyard/api/exchange.hpp"
#include "switchyard/config/config.hpp"

namespace switchyard::providers {

class Transport;

struct CallOptions {
  std::chrono::steady_clock::duration timeout{std::chrono::seconds(600)};         // whole non-stream call
  std::chrono::steady_clock::duration stream_timeout{std::chrono::seconds(600)};  // first byte, and between chunks
  // litellm_settings.drop_params: parameters the provider does not support are dropped when set,
  // and refused with a 400 naming the parameter when not.
  bool drop_params = false;
};

class Provider {
 public:
  virtual ~Provider() = default;
  // Calls deployment `d` with `ex`'s request. May rewrite ex.body (e.g. `model`): the caller
  // must not rely on it being unchanged. A 2xx answer is a Reply (body or stream); anything else
  // an Error classified for the router (api::isRetryable), with a client-safe message.
  virtual boost::asio::awaitable<api::Result<api::Reply>> call(api::Exchange& ex,
                                                               const config::Deployment& d,
                                                               const CallOptions& opts) = 0;
  // The base URL this deployment is called at (for x-litellm-model-api-base; no credentials).
  virtual std::string apiBase(const config::Deployment& d) = 0;
};

// The adapters of one worker, by provider prefix.
class Providers {
 public:
  explicit Providers(std::shared_ptr<Transport> transport);
  ~Providers();
  // nullptr when the prefix names a provider this build does not support yet.
  Provider* find(std::string_view provider);
  // The built-in mock (also answers request-level `mock_response`).
  Provider& mock();
  Transport& transport() noexcept { return *transport_; }

 private:
  std::shared_ptr<Transport> transport_;
  std::unique_ptr<Provider> openai_, azure_, anthropic_, gemini_, mock_;
};

// True for the prefixes served by the OpenAI-compatible adapter.
bool isOpenAiCompatible(std::string_view provider) noexcept;

}  // namespace switchyard::providers
