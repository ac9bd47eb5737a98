#pragma once
// The filters every route table is built from (docs/architecture.md shows the chains). Each is
// stateless per request and lives as long as the chains that hold it (one set per worker and
// config generation).
//
//   request_id      x-request-id (the client's if printable, else a uuid) and x-litellm-call-id,
//                   set on the exchange and added to every reply; with tracing, ex.trace from
//                   the client's traceparent (a new trace without one; none when not sampled)
//   access_log      reports the finished request to Services::requests: after the reply for a
//                   whole body, when a stream ends or the client leaves (status 499)
//   auth            the caller's token (Authorization: Bearer, x-api-key, api-key,
//                   x-litellm-api-key) -> ex.principal through Services::auth, else 401
//   proxy_headers   x-litellm-model-id, -model-group, -model-api-base, -response-duration-ms,
//                   -overhead-duration-ms, -attempted-retries, -attempted-fallbacks
//   usage           ex.usage from the reply body, or from a stream's chunks as they pass
//   parse(endpoint) the JSON body -> ex.body, ex.model, ex.stream, ex.options (parseRequest)
//   key_limits      a virtual key's models, rate limits and budget (429 / 400 / 403), then the
//                   cost of the answer (ex.outcome.cost), x-litellm-response-cost / key-spend,
//                   and usage.cost in the answer when asked (usage_accounting.hpp)
//   provider_call   terminal: router, retries, fallbacks, the provider adapters
//   reply(fn)       terminal: answers with fn(ex) (models, health, liveness...)

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>

#include "switchyard/api/exchange.hpp"
#include "switchyard/pipeline/filter.hpp"
#include "switchyard/pipeline/services.hpp"

namespace switchyard::store {
struct KeyRow;
}
namespace switchyard::config {
struct OtelSettings;
}
namespace switchyard::router {
class Router;
}

namespace switchyard::pipeline {

// `tracing` (the config's otel settings; null: off): also starts the request's trace context
// when the sampler takes it (ex.trace, api/trace.hpp). Must outlive the filter.
std::unique_ptr<Filter> makeRequestIdFilter(const config::OtelSettings* tracing = nullptr);
std::unique_ptr<Filter> makeAccessLogFilter(Services& services);
std::unique_ptr<Filter> makeAuthFilter(Services& services);
std::unique_ptr<Filter> makeProxyHeadersFilter();
std::unique_ptr<Filter> makeUsageFilter();
// `endpoint` nullopt: keep ex.endpoint as set before (Pipeline::run).
std::unique_ptr<Filter> makeParseFilter(std::optional<api::Endpoint> endpoint);
std::unique_ptr<Filter> makeProviderCallFilter(Services& services);
// A virtual key may use alias `model`: its `models` is empty, names it, names everything ("*",
// "all-proxy-models"), matches it as a pattern ("openai/*"), or names an access group
// (model_info.access_groups) of a deployment serving it.
// Whether a model list (a key's, a team's, a user's: empty = every model; "*" and
// "all-proxy-models" = every model; "openai/*" patterns; access group names) allows `model`.
bool modelsAllow(const std::vector<std::string>& models, std::string_view model,
                 const router::Router& router);
bool keyAllowsModel(const keys::KeySettings& row, std::string_view model,
                    const router::Router& router);
// After parse: a virtual key's models, limits and budget; the cost of every request (key_limits.cpp).
std::unique_ptr<Filter> makeKeyLimitsFilter(Services& services);
// After key_limits, before the provider call: answers from the response cache, stores 200
// answers in it (cache_filter.cpp; docs/caching.md). Passes through when Services::cache is null.
std::unique_ptr<Filter> makeCacheFilter(Services& services);

// A terminal filter answering with `answer(ex)`, synchronously.
using ReplyFn = std::function<api::Reply(api::Exchange&)>;
std::unique_ptr<Filter> makeReplyFilter(std::string_view name, ReplyFn answer);
// A terminal filter answering with `co_await answer(ex)` (work that waits, e.g. health checks).
using AsyncReplyFn = std::function<boost::asio::awaitable<api::Reply>(api::Exchange&)>;
std::unique_ptr<Filter> makeAsyncReplyFilter(std::string_view name, AsyncReplyFn answer);

}  // namespace switchyard::pipeline
