#include "switchyard/server/routes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "unit/run_await.hpp"

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

// The route table of the gateway (buildRoutes), driven on a local io_context through real chains
// with the mock provider: which route answers, with and without /v1, wrong methods, unknown paths.
class RoutesTest : public ::testing::Test {
 protected:
  RoutesTest() {
    auto loaded = config::loadConfigText(R"(
model_list:
  - model_name: echo
    litellm_params:
      model: mock/echo
  - model_name: openai/gpt-4o
    litellm_params:
      model: mock/echo
general_settings:
  master_key: sk-routes-test
)",
                                         "routes_test.yaml");
    EXPECT_TRUE(loaded.has_value());
    cfg_ = std::make_unique<config::Config>(std::move(loaded->config));
    router_ = std::make_unique<router::Router>(*cfg_);
    pipeline_ = std::make_unique<pipeline::Pipeline>(*cfg_, *router_, providers_);
    table_ = std::make_unique<RouteTable>(
        buildRoutes(*pipeline_, RouteDeps{[this] { return draining_; },
                                          [](api::Exchange&) -> boost::asio::awaitable<api::Reply> {
                                            co_return api::Reply::json(200, "{\"health\":true}");
                                          }}));
  }

  struct Headers final : api::RequestHeaders {
    std::map<std::string, std::string> fields;
    std::string_view get(std::string_view name) const noexcept override {
      auto it = fields.find(std::string(name));
      return it == fields.end() ? std::string_view{} : std::string_view(it->second);
    }
  };

  // Sends one request through the chain the table picks.
  api::Reply send(std::string method, std::string target, std::string body = "",
                  bool with_key = true) {
    Headers h;
    if (with_key) h.fields["authorization"] = "Bearer sk-routes-test";
    api::Exchange ex;
    ex.method = method;
    ex.target = target;
    ex.path = ex.target.substr(0, ex.target.find('?'));
    ex.headers = &h;
    RouteTable::Match m = table_->match(ex.method, ex.path);
    ex.route_param = m.param;
    ex.raw_body = std::move(body);
    api::Reply r = test::runAwait(io_, pipeline::Next{m.chain}(ex));
    last_found_ = m.found;
    last_allowed_ = m.method_allowed;
    return r;
  }

  static std::string chat(const std::string& model) {
    return json{{"model", model},
                {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}}
        .dump();
  }
  static std::string header(const api::Reply& r, std::string_view name) {
    return std::string(r.header(name).value_or(""));
  }

  boost::asio::io_context io_{1};
  std::unique_ptr<config::Config> cfg_;
  std::unique_ptr<router::Router> router_;
  providers::Providers providers_;
  std::unique_ptr<pipeline::Pipeline> pipeline_;
  std::unique_ptr<RouteTable> table_;
  bool draining_ = false;
  bool last_found_ = false, last_allowed_ = false;
};

TEST_F(RoutesTest, EveryRouteIsListedOnce) {
  std::vector<std::string> routes = table_->describe();
  EXPECT_THAT(routes, ::testing::ElementsAre(
                          "POST /chat/completions", "POST /completions", "POST /embeddings",
                          "POST /messages", "POST /messages/count_tokens", "POST /responses",
                          "POST /responses/input_tokens", "GET /responses/{param}/input_items",
                          "GET /responses/{param}", "DELETE /responses/{param}", "GET /models",
                          "GET /models/{param}", "GET /health", "GET|HEAD /health/liveliness",
                          "GET|HEAD /health/liveness", "GET|HEAD /health/readiness",
                          "GET|POST /admin/log_level"));
}

TEST_F(RoutesTest, ProxiedRoutesWithAndWithoutV1AndTrailingSlashes) {
  for (const char* path : {"/chat/completions", "/v1/chat/completions", "/v1/chat/completions/",
                           "/chat/completions//"}) {
    api::Reply r = send("POST", path, chat("echo"));
    EXPECT_EQ(r.status, 200u) << path << r.body;
    EXPECT_EQ(json::parse(r.body)["object"], "chat.completion") << path;
    EXPECT_EQ(header(r, "x-litellm-model-group"), "echo") << path;
    EXPECT_FALSE(header(r, "x-request-id").empty());
    EXPECT_FALSE(header(r, "x-litellm-call-id").empty());
  }
  api::Reply c = send("POST", "/v1/completions", json{{"model", "echo"}, {"prompt", "hi"}}.dump());
  EXPECT_EQ(c.status, 200u) << c.body;
  EXPECT_EQ(json::parse(c.body)["object"], "text_completion");
  api::Reply e = send("POST", "/embeddings", json{{"model", "echo"}, {"input", "hi"}}.dump());
  EXPECT_EQ(e.status, 200u) << e.body;
  EXPECT_EQ(json::parse(e.body)["object"], "list");
}

TEST_F(RoutesTest, WrongMethodIs405InTheRoutesFormat) {
  for (const char* method : {"GET", "PUT", "DELETE", "PATCH"}) {
    api::Reply r = send(method, "/v1/chat/completions");
    EXPECT_EQ(r.status, 405u) << method;
    EXPECT_TRUE(last_found_);
    EXPECT_FALSE(last_allowed_);
    EXPECT_EQ(json::parse(r.body)["error"]["type"], "invalid_request_error");
  }
  api::Reply m = send("GET", "/v1/messages");
  EXPECT_EQ(m.status, 405u);
  json body = json::parse(m.body);
  EXPECT_EQ(body["type"], "error");  // Anthropic's shape on an Anthropic route
  EXPECT_EQ(body["error"]["type"], "invalid_request_error");
  EXPECT_EQ(send("POST", "/health/readiness").status, 405u);
  EXPECT_EQ(send("POST", "/v1/models").status, 405u);
  EXPECT_EQ(send("DELETE", "/v1/models/gpt-4o").status, 405u);
  EXPECT_EQ(send("GET", "/embeddings").status, 405u);
}

TEST_F(RoutesTest, UnknownPathsAre404) {
  for (const char* path :
       {"/", "/v1", "/v1/", "/v2/chat/completions", "/chat", "/chat/completionsx", "/healthz",
        "/CHAT/COMPLETIONS", "/v1/v1/models", "/v1chat/completions", "/v1/messages/batches"}) {
    api::Reply r = send("GET", path);
    EXPECT_EQ(r.status, 404u) << path;
    EXPECT_FALSE(last_found_) << path;
    EXPECT_EQ(json::parse(r.body)["error"]["code"], "not_found") << path;
  }
}

TEST_F(RoutesTest, ModelsNeedAKeyAndDecodeTheId) {
  EXPECT_EQ(send("GET", "/v1/models", "", false).status, 401u);
  api::Reply list = send("GET", "/models");
  EXPECT_EQ(list.status, 200u);
  EXPECT_EQ(json::parse(list.body)["data"].size(), 2u);
  EXPECT_EQ(json::parse(send("GET", "/v1/models/echo").body)["id"], "echo");
  EXPECT_EQ(json::parse(send("GET", "/v1/models/openai%2Fgpt-4o").body)["id"], "openai/gpt-4o");
  EXPECT_EQ(json::parse(send("GET", "/v1/models/openai/gpt-4o/").body)["id"], "openai/gpt-4o");
  EXPECT_EQ(send("GET", "/v1/models/nope").status, 404u);
}

TEST_F(RoutesTest, HealthRoutes) {
  for (const char* path : {"/health/liveliness", "/health/liveness", "/v1/health/liveness/"}) {
    EXPECT_EQ(send("GET", path, "", false).status, 200u) << path;  // no key needed
    EXPECT_EQ(send("HEAD", path, "", false).status, 200u) << path;
  }
  EXPECT_EQ(send("GET", "/health/readiness", "", false).status, 200u);
  draining_ = true;
  EXPECT_EQ(send("GET", "/health/readiness", "", false).status, 503u);
  EXPECT_EQ(send("GET", "/health", "", false).status, 401u);  // master key
  api::Reply h = send("GET", "/v1/health?model=echo");
  EXPECT_EQ(h.status, 200u);
  EXPECT_EQ(h.body, "{\"health\":true}");
}

TEST_F(RoutesTest, CountTokensIsAnthropicShaped) {
  json body = {{"model", "echo"},
               {"messages", json::array({{{"role", "user"}, {"content", std::string(400, 'a')}}})}};
  api::Reply r = send("POST", "/v1/messages/count_tokens", body.dump());
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_GE(json::parse(r.body)["input_tokens"].get<int>(), 100);
  api::Reply unknown = send("POST", "/messages/count_tokens",
                            json{{"model", "nope"}, {"messages", body["messages"]}}.dump());
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(json::parse(unknown.body)["error"]["type"], "not_found_error");
  api::Reply noauth = send("POST", "/messages/count_tokens", body.dump(), false);
  EXPECT_EQ(noauth.status, 401u);
  EXPECT_EQ(json::parse(noauth.body)["error"]["type"], "authentication_error");
}

TEST_F(RoutesTest, RejectChainKeepsTheRoutesFormat) {
  auto reject = [&](std::string method, std::string path) {
    api::Exchange ex;
    ex.method = method;
    ex.path = path;
    ex.outcome.error = api::Error{api::ErrorKind::kPayloadTooLarge, "too large"};
    return test::runAwait(io_, pipeline::Next{table_->rejectChain(method, path)}(ex));
  };
  api::Reply a = reject("POST", "/v1/messages");
  EXPECT_EQ(a.status, 413u);
  EXPECT_EQ(json::parse(a.body)["error"]["type"], "request_too_large");
  api::Reply o = reject("POST", "/v1/chat/completions");
  EXPECT_EQ(o.status, 413u);
  EXPECT_EQ(json::parse(o.body)["error"]["code"], "request_too_large");
  EXPECT_EQ(reject("POST", "/nowhere").status, 413u);
}

TEST(RouteTableTest, PatternsAndOrder) {
  struct Answer final : pipeline::Filter {
    explicit Answer(std::string n) : n_(std::move(n)) {}
    std::string_view name() const noexcept override { return n_; }
    boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, pipeline::Next) override {
      co_return api::Reply::json(200, n_ + ":" + ex.route_param);
    }
    std::string n_;
  };
  Answer a("a"), b("b"), c("c");
  RouteTable t({});
  t.add("GET", "/things", {}, {&a});
  t.add("GET|DELETE", "/things/{id}", {}, {&b});
  t.add("POST", "/things/{id}", {}, {&c});
  auto run = [&](std::string method, std::string path) {
    boost::asio::io_context io;
    api::Exchange ex;
    ex.method = method;
    ex.path = path;
    RouteTable::Match m = t.match(method, path);
    ex.route_param = m.param;
    return test::runAwait(io, pipeline::Next{m.chain}(ex)).body;
  };
  EXPECT_EQ(run("GET", "/v1/things"), "a:");
  EXPECT_EQ(run("GET", "/things/x%20y/z"), "b:x y/z");
  EXPECT_EQ(run("DELETE", "/v1/things/1"), "b:1");
  EXPECT_EQ(run("POST", "/things/2"), "c:2");
  EXPECT_FALSE(t.match("PUT", "/things/2").method_allowed);
  EXPECT_TRUE(t.match("PUT", "/things/2").found);
  EXPECT_EQ(run("GET", "/things/"), "a:");  // trailing slash: the list, not an empty id
  EXPECT_FALSE(t.match("GET", "/thingsx").found);
}

TEST(PercentDecodeTest, MalformedEscapesKeptLiterally) {
  EXPECT_EQ(percentDecode("a%"), "a%");
  EXPECT_EQ(percentDecode("a%2"), "a%2");
  EXPECT_EQ(percentDecode("a%zz"), "a%zz");
  EXPECT_EQ(percentDecode("%4"), "%4");
  EXPECT_EQ(percentDecode("a%41"), "aA");
  EXPECT_EQ(percentDecode("100%25"), "100%");
  EXPECT_EQ(percentDecode("openai%2fgpt-4o"), "openai/gpt-4o");
}

TEST(QueryParamTest, FindsAndDecodesTheValue) {
  EXPECT_EQ(queryParam("/health?model=gpt-4o", "model"), "gpt-4o");
  EXPECT_EQ(queryParam("/health?x=1&model=my%2Fmodel+v2&y=2", "model"), "my/model v2");
  EXPECT_EQ(queryParam("/health?models=a&model", "model"), "");  // no '=': absent
  EXPECT_EQ(queryParam("/health", "model"), "");
  EXPECT_EQ(queryParam("/health?", "model"), "");
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
