#pragma once
// The HTTP surface (DESIGN §3): which route a request names, and the answers of the routes that
// do not go through the provider pipeline. Every route is served with and without /v1.

#include <optional>
#include <string>
#include <string_view>

#include "switchyard/api/exchange.hpp"
#include "switchyard/router/router.hpp"

namespace switchyard::server {

enum class Route : std::uint8_t {
  kChatCompletions,
  kCompletions,
  kEmbeddings,
  kMessages,  // POST /v1/messages: Anthropic Messages ingress (api/anthropic_ingress.hpp)
  kCountTokens,  // POST /v1/messages/count_tokens: an estimate, answered without a provider
  kModels,
  kModel,  // /models/{id}
  kLiveness,
  kReadiness,
  kHealth,  // GET /health: per-deployment health (master key)
  kNotFound,
};

struct RouteMatch {
  Route route = Route::kNotFound;
  bool method_allowed = true;
  std::string param;  // kModel: the id, percent-decoded
};

// `path` is the request target without the query string.
RouteMatch matchRoute(std::string_view method, std::string_view path);

// The value of `key` in the query string of request target `target` ('+' and %XX decoded), or
// "" when absent.
std::string queryParam(std::string_view target, std::string_view key);

bool needsAuth(Route r) noexcept;  // liveness and readiness do not
// The pipeline endpoint of a proxied route (kMessages: kChatCompletions, after translation).
std::optional<api::Endpoint> endpointOf(Route r) noexcept;

api::Reply modelsReply(const router::Router& router);
api::Reply modelReply(const router::Router& router, std::string_view id);
// POST /v1/messages/count_tokens: {"input_tokens": N} (an estimate), or an Anthropic-shaped
// error (400 invalid body, 404 unknown model).
api::Reply countTokensReply(const router::Router& router, std::string_view body);
api::Reply livenessReply();
api::Reply readinessReply(bool draining);

}  // namespace switchyard::server
