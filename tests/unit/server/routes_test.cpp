#include "switchyard/server/routes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace switchyard::server {
namespace {

using nlohmann::json;

config::Deployment dep(std::string alias) {
  config::Deployment d;
  d.model_name = std::move(alias);
  d.model = "mock/x";
  d.provider = "mock";
  d.model_id = "x";
  d.id = d.model_name + "-id";
  return d;
}

TEST(MatchRouteTest, ProxiedRoutesWithAndWithoutV1) {
  struct Case {
    const char* path;
    Route route;
  } cases[] = {
      {"/chat/completions", Route::kChatCompletions}, {"/v1/chat/completions", Route::kChatCompletions},
      {"/completions", Route::kCompletions},          {"/v1/completions", Route::kCompletions},
      {"/embeddings", Route::kEmbeddings},            {"/v1/embeddings", Route::kEmbeddings},
  };
  for (const Case& c : cases) {
    RouteMatch m = matchRoute("POST", c.path);
    EXPECT_EQ(m.route, c.route) << c.path;
    EXPECT_TRUE(m.method_allowed) << c.path;
    EXPECT_TRUE(m.param.empty());
  }
}

TEST(MatchRouteTest, TrailingSlash) {
  EXPECT_EQ(matchRoute("POST", "/v1/chat/completions/").route, Route::kChatCompletions);
  EXPECT_EQ(matchRoute("POST", "/chat/completions//").route, Route::kChatCompletions);
  EXPECT_EQ(matchRoute("GET", "/v1/models/").route, Route::kModels);
  EXPECT_EQ(matchRoute("GET", "/health/liveliness/").route, Route::kLiveness);
}

TEST(MatchRouteTest, WrongMethodIsMatchedButNotAllowed) {
  for (const char* method : {"GET", "PUT", "DELETE", "PATCH", "HEAD", "post"}) {
    RouteMatch m = matchRoute(method, "/v1/chat/completions");
    EXPECT_EQ(m.route, Route::kChatCompletions) << method;
    EXPECT_FALSE(m.method_allowed) << method;
  }
  RouteMatch models = matchRoute("POST", "/v1/models");
  EXPECT_EQ(models.route, Route::kModels);
  EXPECT_FALSE(models.method_allowed);
  RouteMatch model = matchRoute("DELETE", "/v1/models/gpt-4o");
  EXPECT_EQ(model.route, Route::kModel);
  EXPECT_FALSE(model.method_allowed);
  EXPECT_FALSE(matchRoute("POST", "/health/readiness").method_allowed);
  EXPECT_FALSE(matchRoute("GET", "/embeddings").method_allowed);
}

TEST(MatchRouteTest, Models) {
  RouteMatch m = matchRoute("GET", "/v1/models");
  EXPECT_EQ(m.route, Route::kModels);
  EXPECT_TRUE(m.method_allowed);
  EXPECT_EQ(matchRoute("GET", "/models").route, Route::kModels);
}

TEST(MatchRouteTest, ModelIdPercentDecoded) {
  RouteMatch plain = matchRoute("GET", "/v1/models/gpt-4o");
  EXPECT_EQ(plain.route, Route::kModel);
  EXPECT_TRUE(plain.method_allowed);
  EXPECT_EQ(plain.param, "gpt-4o");
  EXPECT_EQ(matchRoute("GET", "/models/gpt-4o").param, "gpt-4o");
  EXPECT_EQ(matchRoute("GET", "/v1/models/openai%2Fgpt-4o").param, "openai/gpt-4o");
  EXPECT_EQ(matchRoute("GET", "/v1/models/openai%2fgpt-4o").param, "openai/gpt-4o");
  EXPECT_EQ(matchRoute("GET", "/v1/models/my%20model").param, "my model");
  EXPECT_EQ(matchRoute("GET", "/v1/models/a/b").param, "a/b");
  EXPECT_EQ(matchRoute("GET", "/v1/models/gpt-4o/").param, "gpt-4o");
  EXPECT_EQ(matchRoute("GET", "/v1/models/100%25").param, "100%");
}

TEST(MatchRouteTest, MalformedPercentEscapesKeptLiterally) {
  EXPECT_EQ(matchRoute("GET", "/v1/models/a%").param, "a%");
  EXPECT_EQ(matchRoute("GET", "/v1/models/a%2").param, "a%2");
  EXPECT_EQ(matchRoute("GET", "/v1/models/a%zz").param, "a%zz");
  EXPECT_EQ(matchRoute("GET", "/v1/models/%4").param, "%4");
}

TEST(MatchRouteTest, PercentEscapeAtEndDecoded) {
  EXPECT_EQ(matchRoute("GET", "/v1/models/a%41").param, "aA");
  EXPECT_EQ(matchRoute("GET", "/v1/models/%41").param, "A");
}

TEST(MatchRouteTest, Health) {
  for (const char* path : {"/health/liveliness", "/health/liveness", "/v1/health/liveliness"}) {
    RouteMatch m = matchRoute("GET", path);
    EXPECT_EQ(m.route, Route::kLiveness) << path;
    EXPECT_TRUE(m.method_allowed);
    EXPECT_TRUE(matchRoute("HEAD", path).method_allowed);
  }
  EXPECT_EQ(matchRoute("GET", "/health/readiness").route, Route::kReadiness);
  EXPECT_TRUE(matchRoute("HEAD", "/health/readiness").method_allowed);
  for (const char* path : {"/health", "/v1/health", "/health/"}) {
    RouteMatch m = matchRoute("GET", path);
    EXPECT_EQ(m.route, Route::kHealth) << path;
    EXPECT_TRUE(m.method_allowed);
  }
  EXPECT_FALSE(matchRoute("POST", "/health").method_allowed);
  EXPECT_TRUE(needsAuth(Route::kHealth));
}

TEST(QueryParamTest, FindsAndDecodesTheValue) {
  EXPECT_EQ(queryParam("/health?model=gpt-4o", "model"), "gpt-4o");
  EXPECT_EQ(queryParam("/health?x=1&model=my%2Fmodel+v2&y=2", "model"), "my/model v2");
  EXPECT_EQ(queryParam("/health?models=a&model", "model"), "");  // no '=': absent
  EXPECT_EQ(queryParam("/health", "model"), "");
  EXPECT_EQ(queryParam("/health?", "model"), "");
}

TEST(MatchRouteTest, NotFound) {
  for (const char* path : {"/", "", "/v1", "/v1/", "/v2/chat/completions", "/chat", "/chat/completionsx",
                           "/healthz", "/CHAT/COMPLETIONS", "/v1/v1/models", "/v1chat/completions"}) {
    RouteMatch m = matchRoute("GET", path);
    EXPECT_EQ(m.route, Route::kNotFound) << path;
  }
}

TEST(NeedsAuthTest, OnlyHealthIsOpen) {
  for (Route r : {Route::kChatCompletions, Route::kCompletions, Route::kEmbeddings, Route::kModels,
                  Route::kModel, Route::kNotFound}) {
    EXPECT_TRUE(needsAuth(r)) << static_cast<int>(r);
  }
  EXPECT_FALSE(needsAuth(Route::kLiveness));
  EXPECT_FALSE(needsAuth(Route::kReadiness));
}

TEST(EndpointOfTest, ProxiedRoutesOnly) {
  EXPECT_EQ(endpointOf(Route::kChatCompletions), api::Endpoint::kChatCompletions);
  EXPECT_EQ(endpointOf(Route::kCompletions), api::Endpoint::kCompletions);
  EXPECT_EQ(endpointOf(Route::kEmbeddings), api::Endpoint::kEmbeddings);
  for (Route r : {Route::kModels, Route::kModel, Route::kLiveness, Route::kReadiness, Route::kNotFound}) {
    EXPECT_FALSE(endpointOf(r).has_value());
  }
}

TEST(ModelsReplyTest, ListsAliasesOnceInConfigOrder) {
  config::Config cfg;
  cfg.model_list = {dep("b"), dep("a"), dep("b"), dep("c")};
  router::Router router(cfg);
  api::Reply r = modelsReply(router);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/json");
  json j = json::parse(r.body);
  EXPECT_EQ(j["object"], "list");
  ASSERT_TRUE(j["data"].is_array());
  ASSERT_EQ(j["data"].size(), 3u);
  const char* expected[] = {"b", "a", "c"};
  for (std::size_t i = 0; i < 3; ++i) {
    const json& m = j["data"][i];
    EXPECT_EQ(m["id"], expected[i]);
    EXPECT_EQ(m["object"], "model");
    EXPECT_TRUE(m["created"].is_number_integer());
    EXPECT_TRUE(m["owned_by"].is_string());
  }
}

TEST(ModelsReplyTest, EmptyList) {
  config::Config cfg;
  router::Router router(cfg);
  json j = json::parse(modelsReply(router).body);
  EXPECT_EQ(j["object"], "list");
  EXPECT_TRUE(j["data"].is_array());
  EXPECT_TRUE(j["data"].empty());
}

TEST(ModelReplyTest, KnownModel) {
  config::Config cfg;
  cfg.model_list = {dep("gpt-4o"), dep("openai/gpt-4o")};
  router::Router router(cfg);
  api::Reply r = modelReply(router, "gpt-4o");
  EXPECT_EQ(r.status, 200u);
  json j = json::parse(r.body);
  EXPECT_EQ(j["id"], "gpt-4o");
  EXPECT_EQ(j["object"], "model");
  EXPECT_TRUE(j["created"].is_number_integer());
  EXPECT_TRUE(j["owned_by"].is_string());
  EXPECT_EQ(json::parse(modelReply(router, "openai/gpt-4o").body)["id"], "openai/gpt-4o");
}

TEST(ModelReplyTest, UnknownModelIs404ModelNotFound) {
  config::Config cfg;
  cfg.model_list = {dep("gpt-4o")};
  router::Router router(cfg);
  api::Reply r = modelReply(router, "nope");
  EXPECT_EQ(r.status, 404u);
  json err = json::parse(r.body)["error"];
  EXPECT_EQ(err["code"], "model_not_found");
  EXPECT_EQ(err["type"], "invalid_request_error");
  EXPECT_EQ(err["param"], "model");
  EXPECT_NE(err["message"].get<std::string>().find("nope"), std::string::npos);
}

TEST(ModelReplyTest, HostileIdIsSafelyEncoded) {
  config::Config cfg;
  router::Router router(cfg);
  api::Reply r = modelReply(router, std::string("\"}<script>\xff"));
  EXPECT_EQ(r.status, 404u);
  EXPECT_TRUE(json::accept(r.body));
}

TEST(HealthReplyTest, Liveness) {
  api::Reply r = livenessReply();
  EXPECT_EQ(r.status, 200u);
  EXPECT_TRUE(json::accept(r.body));
}

TEST(HealthReplyTest, ReadinessReady) {
  api::Reply r = readinessReply(false);
  EXPECT_EQ(r.status, 200u);
  json j = json::parse(r.body);
  EXPECT_EQ(j["status"], "connected");
  EXPECT_TRUE(j.contains("db"));
  EXPECT_TRUE(j.contains("cache"));
  EXPECT_TRUE(j["switchyard_version"].is_string());
}

TEST(HealthReplyTest, ReadinessDraining) {
  api::Reply r = readinessReply(true);
  EXPECT_EQ(r.status, 503u);
  json j = json::parse(r.body);
  EXPECT_EQ(j["status"], "draining");
}

}  // namespace
}  // namespace switchyard::server
