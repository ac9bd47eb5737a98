// The Pipeline of one worker and config generation (pipeline.hpp): its Services and filters.

#include "switchyard/pipeline/pipeline.hpp"

#include "switchyard/api/usage.hpp"
#include "switchyard/auth/auth.hpp"
#include "switchyard/telemetry/log.hpp"

namespace switchyard::pipeline {

namespace {
const auth::Authenticator& authOr(const auth::Authenticator* given,
                                  std::unique_ptr<auth::Authenticator>& own,
                                  const config::Config& cfg) {
  if (given) return *given;
  own = std::make_unique<auth::MasterKeyAuthenticator>(cfg.general_settings.master_key);
  return *own;
}
telemetry::RequestSink& sinkOr(telemetry::RequestSink* given,
                               std::unique_ptr<telemetry::RequestSink>& own) {
  if (given) return *given;
  own = std::make_unique<telemetry::AccessLog>();
  return *own;
}
}  // namespace

Pipeline::Pipeline(const config::Config& cfg, const router::Router& router,
                   providers::Providers& providers, const auth::Authenticator* auth,
                   telemetry::RequestSink* requests, keys::KeyRegistry* keys,
                   store::StoreThread* store, cache::ResponseCache* cache,
                   keys::SharedKeyCounters* counters)
    : services_{cfg,  router, providers, authOr(auth, own_auth_, cfg), sinkOr(requests, own_requests_),
                nullptr, keys,   store, cache, counters} {
  request_id_ = makeRequestIdFilter(cfg.litellm_settings.otel ? &*cfg.litellm_settings.otel : nullptr);
  access_log_ = makeAccessLogFilter(services_);
  auth_ = makeAuthFilter(services_);
  proxy_headers_ = makeProxyHeadersFilter();
  usage_ = makeUsageFilter();
  key_limits_ = makeKeyLimitsFilter(services_);
  cache_ = makeCacheFilter(services_);
  for (api::Endpoint e :
       {api::Endpoint::kChatCompletions, api::Endpoint::kCompletions, api::Endpoint::kEmbeddings})
    parse_[static_cast<std::size_t>(e)] = makeParseFilter(e);
  parse_as_is_ = makeParseFilter(std::nullopt);
  provider_call_ = makeProviderCallFilter(services_);
  core_ = {auth_.get(), parse_as_is_.get(), key_limits_.get(), usage_.get(), cache_.get(),
           provider_call_.get()};
}

Pipeline::~Pipeline() = default;

Filter& Pipeline::own(std::unique_ptr<Filter> f) {
  owned_.push_back(std::move(f));
  return *owned_.back();
}

boost::asio::awaitable<api::Reply> Pipeline::run(api::Exchange& ex) {
  co_return co_await Next{core_}(ex);
}

std::uint64_t estimatePromptTokens(const api::Exchange& ex) {
  return ex.prompt_estimate ? *ex.prompt_estimate : api::estimatePromptTokens(ex.body);
}

providers::CallOptions callOptionsFor(const config::Config& cfg, const config::Deployment& d) {
  return providers::callOptionsFor(cfg, d);
}

}  // namespace switchyard::pipeline
