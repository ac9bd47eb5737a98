#include "switchyard/server/routes.hpp"

#include <nlohmann/json.hpp>

#include "switchyard/api/json_guard.hpp"
#include "switchyard/ingress/anthropic/filter.hpp"
#include "switchyard/ingress/anthropic/request.hpp"

namespace switchyard::server {
namespace {

constexpr std::int64_t kModelCreated = 1677610602;  // LiteLLM's constant

nlohmann::json modelObject(std::string_view id) {
  return {{"id", id}, {"object", "model"}, {"created", kModelCreated}, {"owned_by", "openai"}};
}

}  // namespace

RouteTable buildRoutes(pipeline::Pipeline& p, RouteDeps deps) {
  using pipeline::makeAsyncReplyFilter;
  using pipeline::makeReplyFilter;
  using E = api::Endpoint;
  const router::Router& router = p.services().router;
  auto& anthropic_errors = p.own(ingress::anthropic::makeErrorsFilter());
  auto& anthropic_ingress = p.own(ingress::anthropic::makeIngressFilter());

  // Edges: what every answer on a route passes through, its own error format included.
  RouteTable::Chain openai = {&p.requestId(), &p.accessLog()};
  RouteTable::Chain anthropic = {&p.requestId(), &p.accessLog(), &anthropic_errors};

  // Handlers of the routes that answer without a provider.
  auto& models =
      p.own(makeReplyFilter("models", [&router](api::Exchange&) { return modelsReply(router); }));
  auto& model = p.own(makeReplyFilter(
      "model", [&router](api::Exchange& ex) { return modelReply(router, ex.route_param); }));
  auto& count_tokens = p.own(makeReplyFilter("count_tokens", [&router](api::Exchange& ex) {
    return countTokensReply(ex, router, ex.raw_body);
  }));
  auto& liveness =
      p.own(makeReplyFilter("liveness", [](api::Exchange&) { return livenessReply(); }));
  auto& readiness = p.own(makeReplyFilter("readiness", [draining = deps.draining](api::Exchange&) {
    return readinessReply(draining && draining());
  }));
  auto& health = p.own(makeAsyncReplyFilter("health", std::move(deps.health)));

  RouteTable t(openai);
  // clang-format off
  //     method     path                      edge       handler
  t.add("POST",     "/chat/completions",      openai,    {&p.proxyHeaders(), &p.auth(), &p.parse(E::kChatCompletions), &p.usage(), &p.providerCall()});
  t.add("POST",     "/completions",           openai,    {&p.proxyHeaders(), &p.auth(), &p.parse(E::kCompletions), &p.usage(), &p.providerCall()});
  t.add("POST",     "/embeddings",            openai,    {&p.proxyHeaders(), &p.auth(), &p.parse(E::kEmbeddings), &p.usage(), &p.providerCall()});
  t.add("POST",     "/messages",              anthropic, {&p.proxyHeaders(), &p.auth(), &anthropic_ingress, &p.parse(E::kChatCompletions), &p.usage(), &p.providerCall()});
  t.add("POST",     "/messages/count_tokens", anthropic, {&p.auth(), &count_tokens});
  t.add("GET",      "/models",                openai,    {&p.auth(), &models});
  t.add("GET",      "/models/{id}",           openai,    {&p.auth(), &model});
  t.add("GET",      "/health",                openai,    {&p.auth(), &health});
  t.add("GET|HEAD", "/health/liveliness",     openai,    {&liveness});
  t.add("GET|HEAD", "/health/liveness",       openai,    {&liveness});
  t.add("GET|HEAD", "/health/readiness",      openai,    {&readiness});
  // clang-format on
  return t;
}

api::Reply modelsReply(const router::Router& router) {
  nlohmann::json data = nlohmann::json::array();
  for (const std::string& alias : router.aliases()) data.push_back(modelObject(alias));
  return api::Reply::json(200, api::dumpJson({{"object", "list"}, {"data", std::move(data)}}));
}

api::Reply modelReply(const router::Router& router, std::string_view id) {
  if (!router.hasAlias(id) && !router.matchesWildcard(id)) {
    return api::Reply::fromError(
        {api::ErrorKind::kModelNotFound,
         "The model `" + std::string(id) + "` does not exist or you do not have access to it.", "",
         0, "model_not_found", "model"});
  }
  return api::Reply::json(200, api::dumpJson(modelObject(id)));
}

api::Reply countTokensReply(api::Exchange& ex, const router::Router& router,
                            std::string_view body) {
  auto parsed = api::parseJsonObject(body);
  if (!parsed) return pipeline::fail(ex, parsed.error());
  auto counted = ingress::anthropic::countTokens(*parsed);
  if (!counted) return pipeline::fail(ex, counted.error());
  std::string model = (*parsed)["model"].get<std::string>();
  if (!router.knows(model)) {
    return pipeline::fail(
        ex, {api::ErrorKind::kModelNotFound, "model: " + model + " does not exist", "", 0,
             "model_not_found", "model"});
  }
  return api::Reply::json(200, api::dumpJson(*counted));
}

api::Reply livenessReply() { return api::Reply::json(200, "\"I'm alive!\""); }

api::Reply readinessReply(bool draining) {
  nlohmann::json j = {{"status", draining ? "draining" : "connected"},
                      {"db", "Not connected"},
                      {"cache", nullptr},
                      {"switchyard_version", "0.1.0"}};
  return api::Reply::json(draining ? 503 : 200, api::dumpJson(j));
}

}  // namespace switchyard::server
