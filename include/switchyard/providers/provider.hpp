#pragma once
// A provider adapter: turns an OpenAI-format Exchange into the provider's wire format, calls it
// through the worker's Transport, and turns the answer back into an OpenAI-format Reply
// (docs/design.md §5). Adapters are per worker, used from that worker's thread only.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "switchyard/api/exchange.hpp"
#include "switchyard/config/config.hpp"

namespace switchyard::providers {

class Transport;

struct CallOptions {
  std::chrono::steady_clock::duration timeout{std::chrono::seconds(600)};  // whole non-stream call
  std::chrono::steady_clock::duration stream_timeout{
      std::chrono::seconds(600)};  // first byte, and between chunks
  // litellm_settings.drop_params: parameters the provider does not support are dropped when set,
  // and refused with a 400 naming the parameter when not.
  bool drop_params = false;
};

// Call options for deployment `d` under `cfg`: timeout and stream_timeout from the deployment,
// else router_settings, else litellm_settings.request_timeout, else 600 s; drop_params.
CallOptions callOptionsFor(const config::Config& cfg, const config::Deployment& d);

// The headers every upstream request carries for tracing and log correlation: x-request-id (the
// id the client got), and the W3C trace context: with tracing on, `traceparent` names the
// current attempt's span (ex.trace); off, the client's traceparent and tracestate pass through.
void addCorrelationHeaders(const api::Exchange& ex, std::vector<api::Header>& headers);

// Whether deployment `d` takes the Responses request `ex` as the client wrote it (its
// provider is openai or azure and the ingress kept Exchange::original_body): the adapter then
// calls the provider's own Responses API (docs/responses.md).
bool passesResponsesThrough(const api::Exchange& ex, const config::Deployment& d) noexcept;

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

// The adapters of one worker, by provider prefix: a registry. Built with a transport, it holds
// the built-in adapters (openai and the OpenAI-compatible family, azure, anthropic, gemini,
// mock); add() registers another adapter for a prefix, or replaces a built-in one (tests drive
// the router's retry loop with a scripted adapter and no sockets this way).
class Providers {
 public:
  explicit Providers(std::shared_ptr<Transport> transport);  // null: as Providers()
  Providers();  // no transport: only the mock until adapters are added
  ~Providers();
  Providers(const Providers&) = delete;
  Providers& operator=(const Providers&) = delete;

  // Serves deployments whose model is `prefix/...` with `adapter`, before any built-in adapter.
  void add(std::string prefix, std::unique_ptr<Provider> adapter);
  // nullptr when the prefix names a provider this build does not support yet.
  Provider* find(std::string_view provider);
  // The mock (also answers request-level `mock_response`): the built-in one unless "mock" was
  // added.
  Provider& mock();
  // The worker's transport (null when built without one).
  Transport& transport() noexcept { return *transport_; }

 private:
  std::shared_ptr<Transport> transport_;
  std::vector<std::pair<std::string, std::unique_ptr<Provider>>> added_;
  std::unique_ptr<Provider> openai_, azure_, anthropic_, gemini_, mock_;
};

// True for the prefixes served by the OpenAI-compatible adapter.
bool isOpenAiCompatible(std::string_view provider) noexcept;
// True for every prefix a built-in adapter serves (the others load and get 501 at request time).
bool isBuiltIn(std::string_view provider) noexcept;
// Lists each deployment whose provider no built-in adapter serves among `loaded.ignored`
// (--check-config, the startup log): it loads, and its requests get 501.
void listUnsupportedProviders(config::LoadResult& loaded);

}  // namespace switchyard::providers
