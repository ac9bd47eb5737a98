#pragma once
// The request pipeline of one worker and config generation: the Services the filters reach and
// the filters themselves, from which the server's route table builds each route's chain
// (src/server/routes.cpp lists them all). A proxied request runs
//
//   request_id -> access_log -> [ingress] -> proxy_headers -> auth -> parse -> key_limits ->
//   usage -> provider_call
//
// where an ingress filter (ingress/anthropic) translates another wire format in and out.

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "switchyard/auth/auth.hpp"
#include "switchyard/config/config.hpp"
#include "switchyard/pipeline/filter.hpp"
#include "switchyard/pipeline/filters.hpp"
#include "switchyard/pipeline/parse.hpp"
#include "switchyard/pipeline/services.hpp"
#include "switchyard/providers/provider.hpp"
#include "switchyard/router/router.hpp"
#include "switchyard/telemetry/log.hpp"

namespace switchyard::pipeline {

class Pipeline {
 public:
  // All references must outlive the pipeline (the worker's generation owns them). Without
  // `auth` the master key of `cfg` is used; without `requests`, the access log. `keys` and
  // `store` (Services) may be null: no virtual keys, no database; `cache` null: no response
  // cache; `counters` null: key limits counted by this process alone.
  Pipeline(const config::Config& cfg, const router::Router& router, providers::Providers& providers,
           const auth::Authenticator* auth = nullptr, telemetry::RequestSink* requests = nullptr,
           keys::KeyRegistry* keys = nullptr, store::StoreThread* store = nullptr,
           cache::ResponseCache* cache = nullptr, keys::SharedKeyCounters* counters = nullptr);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  Services& services() noexcept { return services_; }

  // The shared filters (filters.hpp), one instance each.
  Filter& requestId() noexcept { return *request_id_; }
  Filter& accessLog() noexcept { return *access_log_; }
  Filter& auth() noexcept { return *auth_; }
  Filter& proxyHeaders() noexcept { return *proxy_headers_; }
  Filter& usage() noexcept { return *usage_; }
  Filter& keyLimits() noexcept { return *key_limits_; }
  Filter& cache() noexcept { return *cache_; }
  Filter& parse(api::Endpoint e) noexcept { return *parse_[static_cast<std::size_t>(e)]; }
  Filter& providerCall() noexcept { return *provider_call_; }

  // Keeps `f` alive as long as the pipeline and returns it (route handlers, ingress filters).
  Filter& own(std::unique_ptr<Filter> f);

  // The proxied core, auth -> parse -> key_limits -> usage -> cache -> provider_call, on `ex` as it is (`ex.endpoint`
  // and `ex.raw_body` set; the token in `ex.auth_token` or `ex.headers`). For tests and tools.
  boost::asio::awaitable<api::Reply> run(api::Exchange& ex);

 private:
  std::unique_ptr<auth::Authenticator> own_auth_;
  std::unique_ptr<telemetry::RequestSink> own_requests_;
  Services services_;
  std::unique_ptr<Filter> request_id_, access_log_, auth_, proxy_headers_, usage_, key_limits_,
      cache_, provider_call_;
  std::unique_ptr<Filter> parse_[3], parse_as_is_;
  std::vector<std::unique_ptr<Filter>> owned_;
  std::vector<Filter*> core_;
};

// The prompt-token estimate of ex.body (api::estimatePromptTokens); 0 before parsing.
std::uint64_t estimatePromptTokens(const api::Exchange& ex);

// Call options for deployment `d` under `cfg` (providers::callOptionsFor).
providers::CallOptions callOptionsFor(const config::Config& cfg, const config::Deployment& d);

}  // namespace switchyard::pipeline
