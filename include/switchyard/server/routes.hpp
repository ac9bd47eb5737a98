#pragma once
// Every route of the gateway and its chain (docs/design.md §3; docs/architecture.md draws them).
// buildRoutes() is the one place to read them all, and to add one: a line here plus its handler.

#include <functional>
#include <optional>
#include <string_view>

#include "switchyard/admin/routes.hpp"
#include "switchyard/api/exchange.hpp"
#include "switchyard/pipeline/filters.hpp"
#include "switchyard/pipeline/pipeline.hpp"
#include "switchyard/router/router.hpp"
#include "switchyard/server/route_table.hpp"

namespace switchyard::server {

// What routes need from the server beyond the pipeline.
struct RouteDeps {
  std::function<bool()> draining;  // readiness answers 503 while true
  pipeline::AsyncReplyFn health;   // GET /health
  std::optional<admin::AdminContext> admin;  // the /key/* and spend routes (none: not served)
  // GET /metrics: the Prometheus text (null: not served); with `metrics_auth`, only for the
  // master key.
  std::function<std::string()> metrics;
  bool metrics_auth = false;
};

// The route table of one worker and config generation. Filters and handlers are owned by
// `pipeline` (Pipeline::own), so the table lives as long as it.
RouteTable buildRoutes(pipeline::Pipeline& pipeline, RouteDeps deps);

// The answers of the routes that do not call a provider.
// With a virtual key: only the aliases the key may use.
api::Reply modelsReply(const router::Router& router, const api::Principal& caller = {});
api::Reply modelReply(const router::Router& router, std::string_view id,
                      const api::Principal& caller = {});
// POST /v1/messages/count_tokens: {"input_tokens": N} (an estimate), or an error (400 invalid
// body, 404 unknown model) that the route's Anthropic error filter shapes.
api::Reply countTokensReply(api::Exchange& ex, const router::Router& router, std::string_view body);
api::Reply livenessReply();
api::Reply readinessReply(bool draining, bool db = false);

}  // namespace switchyard::server
