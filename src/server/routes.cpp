#include "switchyard/server/routes.hpp"

#include "switchyard/store/store_thread.hpp"

#include <nlohmann/json.hpp>

#include "switchyard/api/json_guard.hpp"
#include "switchyard/telemetry/log.hpp"
#include "switchyard/ingress/anthropic/filter.hpp"
#include "switchyard/ingress/anthropic/request.hpp"
#include "switchyard/ingress/responses/filter.hpp"

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
  store::StoreThread* store = p.services().store;
  auto& responses_ingress = p.own(ingress::responses::makeIngressFilter(store));

  // Edges: what every answer on a route passes through, its own error format included.
  RouteTable::Chain openai = {&p.requestId(), &p.accessLog()};
  RouteTable::Chain anthropic = {&p.requestId(), &p.accessLog(), &anthropic_errors};

  // Handlers of the routes that answer without a provider.
  auto& models =
      p.own(makeReplyFilter("models", [&router](api::Exchange& ex) { return modelsReply(router, ex.principal); }));
  auto& model = p.own(makeReplyFilter(
      "model", [&router](api::Exchange& ex) { return modelReply(router, ex.route_param, ex.principal); }));
  auto& count_tokens = p.own(makeReplyFilter("count_tokens", [&router](api::Exchange& ex) {
    return countTokensReply(ex, router, ex.raw_body);
  }));
  auto& liveness =
      p.own(makeReplyFilter("liveness", [](api::Exchange&) { return livenessReply(); }));
  const store::StoreThread* db = deps.admin ? deps.admin->store : nullptr;
  auto& readiness =
      p.own(makeReplyFilter("readiness", [draining = deps.draining, db](api::Exchange&) {
        // Ready while the database is out (requests go on with the keys loaded); it says so.
        return readinessReply(draining && draining(), db != nullptr && db->writing());
      }));
  auto& health = p.own(makeAsyncReplyFilter("health", std::move(deps.health)));
  auto& metrics = p.own(makeReplyFilter(
      "metrics", [scrape = deps.metrics, only_master = deps.metrics_auth](api::Exchange& ex) {
        if (only_master && !ex.principal.is_master) {
          return pipeline::fail(ex, {api::ErrorKind::kForbidden,
                                     "GET /metrics needs the master key (metrics_require_auth)."});
        }
        api::Reply r = api::Reply::json(200, scrape ? scrape() : std::string());
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        return r;
      }));

  // The Responses API's stored responses (ingress/responses/filter.hpp).
  auto& response_get = p.own(makeAsyncReplyFilter(
      "response_get", [store](api::Exchange& ex) { return ingress::responses::getResponse(ex, store); }));
  auto& response_delete = p.own(makeAsyncReplyFilter(
      "response_delete", [store](api::Exchange& ex) { return ingress::responses::deleteResponse(ex, store); }));
  auto& response_items = p.own(makeAsyncReplyFilter(
      "response_input_items", [store](api::Exchange& ex) { return ingress::responses::listInputItems(ex, store); }));
  auto& response_tokens = p.own(makeAsyncReplyFilter(
      "response_input_tokens", [store, &router](api::Exchange& ex) {
        return ingress::responses::countInputTokens(ex, store, router);
      }));

  // The log level at runtime (as SIGUSR1 does): GET reads it, POST {"level": "debug"} sets it.
  auto& log_level = p.own(makeReplyFilter("log_level", [](api::Exchange& ex) {
    if (!ex.principal.is_master) {
      return pipeline::fail(ex, {api::ErrorKind::kForbidden, "The log level needs the master key."});
    }
    if (ex.method == "POST") {
      auto body = api::parseJsonObject(ex.raw_body);
      if (!body) return pipeline::fail(ex, body.error());
      auto it = body->find("level");
      if (it == body->end() || !it->is_string() ||
          !telemetry::setLogLevel(it->get<std::string>() == "warn" ? "warning"
                                                                   : it->get<std::string>())) {
        return pipeline::fail(ex, {api::ErrorKind::kInvalidRequest,
                                   "level: expected one of trace, debug, info, warning, error, "
                                   "critical, off",
                                   "", 0, "invalid_log_level", "level"});
      }
    }
    return api::Reply::json(200, api::dumpJson({{"level", telemetry::logLevel()}}));
  }));

  // The admin routes: handlers in admin/, each a coroutine of (exchange, context).
  using AdminFn = admin::Reply (*)(api::Exchange&, const admin::AdminContext&);
  auto adminRoute = [&p, &deps](std::string_view name, AdminFn fn) -> pipeline::Filter& {
    return p.own(makeAsyncReplyFilter(
        name, [fn, ctx = *deps.admin](api::Exchange& ex) { return fn(ex, ctx); }));
  };

  // The proxied OpenAI routes; the response cache only while the config turns it on (a
  // generation is rebuilt on reload), so that it costs nothing otherwise.
  const bool cache_on = p.services().config.litellm_settings.cache;
  // `ingress`: a filter that translates another API's request into this endpoint's (Responses).
  auto proxied = [&p, cache_on](E e, pipeline::Filter* ingress = nullptr) {
    RouteTable::Chain c{&p.proxyHeaders(), &p.auth()};
    if (ingress) c.push_back(ingress);
    for (pipeline::Filter* f : {&p.parse(e), &p.keyLimits(), &p.usage()}) c.push_back(f);
    if (cache_on) c.push_back(&p.cache());
    c.push_back(&p.providerCall());
    return c;
  };

  RouteTable t(openai);
  // clang-format off
  //     method     path                      edge       handler
  t.add("POST",     "/chat/completions",      openai,    proxied(E::kChatCompletions));
  t.add("POST",     "/completions",           openai,    proxied(E::kCompletions));
  t.add("POST",     "/embeddings",            openai,    proxied(E::kEmbeddings));
  t.add("POST",     "/messages",              anthropic, {&p.proxyHeaders(), &p.auth(), &anthropic_ingress, &p.parse(E::kChatCompletions), &p.keyLimits(), &p.usage(), &p.providerCall()});
  t.add("POST",     "/messages/count_tokens", anthropic, {&p.auth(), &count_tokens});
  t.add("POST",     "/responses",             openai,    proxied(E::kChatCompletions, &responses_ingress));
  t.add("POST",     "/responses/input_tokens",  openai,  {&p.auth(), &response_tokens});
  t.add("GET",      "/responses/{id}/input_items", openai, {&p.auth(), &response_items});
  t.add("GET",      "/responses/{id}",        openai,    {&p.auth(), &response_get});
  t.add("DELETE",   "/responses/{id}",        openai,    {&p.auth(), &response_delete});
  t.add("GET",      "/models",                openai,    {&p.auth(), &models});
  t.add("GET",      "/models/{id}",           openai,    {&p.auth(), &model});
  t.add("GET",      "/health",                openai,    {&p.auth(), &health});
  t.add("GET|HEAD", "/health/liveliness",     openai,    {&liveness});
  t.add("GET|HEAD", "/health/liveness",       openai,    {&liveness});
  t.add("GET|HEAD", "/health/readiness",      openai,    {&readiness});
  t.add("GET|POST", "/admin/log_level",       openai,    {&p.auth(), &log_level});
  if (deps.metrics) {
    RouteTable::Chain scrape = deps.metrics_auth ? RouteTable::Chain{&p.auth(), &metrics}
                                                 : RouteTable::Chain{&metrics};
    t.add("GET",    "/metrics",               openai,    scrape);
  }
  if (deps.admin) {
    //     method  path                      edge    handler
    t.add("POST",  "/key/generate",          openai, {&p.auth(), &adminRoute("key_generate", admin::generateKey)});
    t.add("GET",   "/key/info",              openai, {&p.auth(), &adminRoute("key_info", admin::keyInfo)});
    t.add("POST",  "/key/update",            openai, {&p.auth(), &adminRoute("key_update", admin::updateKey)});
    t.add("POST",  "/key/delete",            openai, {&p.auth(), &adminRoute("key_delete", admin::deleteKeys)});
    t.add("GET",   "/key/list",              openai, {&p.auth(), &adminRoute("key_list", admin::listKeys)});
    t.add("POST",  "/key/regenerate",        openai, {&p.auth(), &adminRoute("key_regenerate", admin::regenerateKey)});
    t.add("POST",  "/key/{key}/regenerate",  openai, {&p.auth(), &adminRoute("key_regenerate", admin::regenerateKey)});
    t.add("POST",  "/key/block",             openai, {&p.auth(), &adminRoute("key_block", admin::blockKey)});
    t.add("POST",  "/key/unblock",           openai, {&p.auth(), &adminRoute("key_unblock", admin::unblockKey)});
    t.add("GET",   "/spend/logs",            openai, {&p.auth(), &adminRoute("spend_logs", admin::spendLogs)});
    t.add("GET",   "/global/spend/report",   openai, {&p.auth(), &adminRoute("spend_report", admin::spendReport)});
    t.add("GET",   "/global/spend/keys",     openai, {&p.auth(), &adminRoute("spend_keys", admin::spendKeys)});
    t.add("GET",   "/global/spend/models",   openai, {&p.auth(), &adminRoute("spend_models", admin::spendModels)});
    t.add("POST",  "/team/new",              openai, {&p.auth(), &adminRoute("team_new", admin::newTeam)});
    t.add("GET",   "/team/info",             openai, {&p.auth(), &adminRoute("team_info", admin::teamInfo)});
    t.add("POST",  "/team/update",           openai, {&p.auth(), &adminRoute("team_update", admin::updateTeam)});
    t.add("POST",  "/team/delete",           openai, {&p.auth(), &adminRoute("team_delete", admin::deleteTeams)});
    t.add("GET",   "/team/list",             openai, {&p.auth(), &adminRoute("team_list", admin::listTeams)});
    t.add("GET",   "/v2/team/list",          openai, {&p.auth(), &adminRoute("team_list_v2", admin::listTeamsV2)});
    t.add("POST",  "/team/member_add",       openai, {&p.auth(), &adminRoute("team_member_add", admin::addTeamMember)});
    t.add("POST",  "/team/member_delete",    openai, {&p.auth(), &adminRoute("team_member_delete", admin::deleteTeamMember)});
    t.add("POST",  "/team/block",            openai, {&p.auth(), &adminRoute("team_block", admin::blockTeam)});
    t.add("POST",  "/team/unblock",          openai, {&p.auth(), &adminRoute("team_unblock", admin::unblockTeam)});
    t.add("POST",  "/team/model/add",        openai, {&p.auth(), &adminRoute("team_model_add", admin::addTeamModels)});
    t.add("POST",  "/team/model/delete",     openai, {&p.auth(), &adminRoute("team_model_delete", admin::deleteTeamModels)});
    t.add("POST",  "/budget/new",            openai, {&p.auth(), &adminRoute("budget_new", admin::newBudget)});
    t.add("POST",  "/budget/update",         openai, {&p.auth(), &adminRoute("budget_update", admin::updateBudget)});
    t.add("POST",  "/budget/info",           openai, {&p.auth(), &adminRoute("budget_info", admin::budgetInfo)});
    t.add("GET",   "/budget/list",           openai, {&p.auth(), &adminRoute("budget_list", admin::listBudgets)});
    t.add("POST",  "/budget/delete",         openai, {&p.auth(), &adminRoute("budget_delete", admin::deleteBudget)});
    t.add("POST",  "/user/new",              openai, {&p.auth(), &adminRoute("user_new", admin::newUser)});
    t.add("GET",   "/user/info",             openai, {&p.auth(), &adminRoute("user_info", admin::userInfo)});
    t.add("POST",  "/user/update",           openai, {&p.auth(), &adminRoute("user_update", admin::updateUser)});
    t.add("POST",  "/user/delete",           openai, {&p.auth(), &adminRoute("user_delete", admin::deleteUsers)});
    t.add("GET",   "/user/list",             openai, {&p.auth(), &adminRoute("user_list", admin::listUsers)});
    // /end_user/* are LiteLLM's hidden aliases of /customer/*.
    for (std::string_view base : {"/customer/", "/end_user/"}) {
      t.add("POST", std::string(base) + "new", openai, {&p.auth(), &adminRoute("customer_new", admin::newCustomer)});
      t.add("GET", std::string(base) + "info", openai, {&p.auth(), &adminRoute("customer_info", admin::customerInfo)});
      t.add("POST", std::string(base) + "update", openai, {&p.auth(), &adminRoute("customer_update", admin::updateCustomer)});
      t.add("POST", std::string(base) + "delete", openai, {&p.auth(), &adminRoute("customer_delete", admin::deleteCustomers)});
      t.add("GET", std::string(base) + "list", openai, {&p.auth(), &adminRoute("customer_list", admin::listCustomers)});
      t.add("POST", std::string(base) + "block", openai, {&p.auth(), &adminRoute("customer_block", admin::blockCustomers)});
      t.add("POST", std::string(base) + "unblock", openai, {&p.auth(), &adminRoute("customer_unblock", admin::unblockCustomers)});
    }
  }
  // clang-format on
  return t;
}

api::Reply modelsReply(const router::Router& router, const api::Principal& caller) {
  nlohmann::json data = nlohmann::json::array();
  for (const std::string& alias : router.aliases()) {
    if (caller.key_row && !pipeline::keyAllowsModel(*caller.key_row, alias, router)) continue;
    data.push_back(modelObject(alias));
  }
  return api::Reply::json(200, api::dumpJson({{"object", "list"}, {"data", std::move(data)}}));
}

api::Reply modelReply(const router::Router& router, std::string_view id,
                      const api::Principal& caller) {
  bool allowed = !caller.key_row || pipeline::keyAllowsModel(*caller.key_row, id, router);
  if (!allowed || (!router.hasAlias(id) && !router.matchesWildcard(id))) {
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

api::Reply readinessReply(bool draining, bool db) {
  nlohmann::json j = {{"status", draining ? "draining" : "connected"},
                      {"db", db ? "connected" : "Not connected"},
                      {"cache", nullptr},
                      {"switchyard_version", "0.1.0"}};
  return api::Reply::json(draining ? 503 : 200, api::dumpJson(j));
}

}  // namespace switchyard::server
