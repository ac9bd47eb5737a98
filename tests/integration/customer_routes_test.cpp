// LiteLLM's /customer/* admin routes (and their /end_user/* aliases) through the real binary
// (docs/teams.md): new, info, update, delete, list, block, unblock; who may call them (proxy_admin
// changes, proxy_admin_viewer reads); their effects on requests naming the customer (body `user`
// or the x-litellm-customer-id header): blocked, over budget, spend counted; the audit trail.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

std::string customerConfig() {
  return ConfigBuilder{}
      .model("m1", "mock/m1", {}, {}, "dep-m1",
             {{"mock_response", "\"answer one\""},
              {"input_cost_per_token", "0.001"},
              {"output_cost_per_token", "0.002"}})
      .model("m2", "mock/m2", {}, {}, "dep-m2", {{"mock_response", "\"answer two\""}})
      .model("free", "mock/free", {}, {}, "dep-free",
             {{"mock_response", "\"free\""},
              {"input_cost_per_token", "0"},
              {"output_cost_per_token", "0"}})
      .model("half-free", "mock/half-free", {}, {}, "dep-half-free",
             {{"mock_response", "\"half\""}, {"input_cost_per_token", "0"}})
      .general("master_key", kMasterKey)
      .yaml();
}

json post200(HttpClient& c, const std::string& path, const json& body) {
  HttpResponse r = c.post(path, body, masterAuth());
  EXPECT_EQ(r.status, 200u) << path << " " << body.dump() << ": " << r.body;
  return r.json();
}

json customerInfo(HttpClient& c, const std::string& id) {
  HttpResponse r = c.get("/customer/info?end_user_id=" + id, masterAuth());
  EXPECT_EQ(r.status, 200u) << r.body;
  return r.json();
}

// A chat request of the master key on behalf of customer `id` (body `user`).
HttpResponse chatAs(HttpClient& c, const std::string& id, const std::string& model = "m1") {
  return chatWith(c, kMasterKey, model, {{"user", id}});
}

HttpResponse chatWithHeader(HttpClient& c, const std::string& id) {
  Headers h = masterAuth();
  h.emplace_back("x-litellm-customer-id", id);
  return c.post("/v1/chat/completions", chatBody("m1"), h);
}

TEST(CustomerRoutesTest, NewInfoUpdateShapesAndRefusals) {
  SY_START_GATEWAY(gw, customerConfig());
  HttpClient c(gw->port());
  json made = post200(c, "/customer/new",
                      {{"user_id", "acme"},
                       {"alias", "Acme Inc"},
                       {"max_budget", 10},
                       {"allowed_model_region", "eu"}});
  EXPECT_EQ(made["user_id"], "acme");
  EXPECT_EQ(made["blocked"], false);
  EXPECT_EQ(made["alias"], "Acme Inc");
  EXPECT_EQ(made["spend"], 0.0);
  EXPECT_EQ(made["allowed_model_region"], "eu");
  EXPECT_TRUE(made["default_model"].is_null());
  ASSERT_TRUE(made["litellm_budget_table"].is_object()) << made.dump();
  EXPECT_EQ(made["litellm_budget_table"]["max_budget"], 10.0);

  json info = customerInfo(c, "acme");
  EXPECT_EQ(info["alias"], "Acme Inc");
  EXPECT_EQ(info["litellm_budget_table"]["max_budget"], 10.0);
  EXPECT_EQ(c.get("/end_user/info?end_user_id=acme", masterAuth()).json()["alias"], "Acme Inc");

  json up = post200(
      c, "/customer/update",
      {{"user_id", "acme"}, {"alias", "Acme 2"}, {"max_budget", 20}, {"default_model", "m2"}});
  EXPECT_EQ(up["alias"], "Acme 2");
  EXPECT_EQ(up["default_model"], "m2");
  EXPECT_EQ(up["litellm_budget_table"]["max_budget"], 20.0);
  EXPECT_EQ(customerInfo(c, "acme")["alias"], "Acme 2");
  EXPECT_EQ(post200(c, "/end_user/update", {{"user_id", "acme"}, {"alias", "Acme 3"}})["alias"],
            "Acme 3");

  // Refusals.
  auto r = c.post("/customer/new", {{"user_id", "acme"}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorMessage(r),
            "Customer already exists, passed user_id=acme. Please pass a new user_id.")
      << r.body;
  EXPECT_EQ(errorParam(r), "user_id");
  r = c.post("/customer/new", {{"alias", "no id"}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorParam(r), "user_id");
  r = c.post("/customer/new", {{"user_id", "x"}, {"max_budget", 1}, {"budget_id", "b"}},
             masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorMessage(r), "Set either 'max_budget' or 'budget_id', not both.") << r.body;
  for (auto [field, value] : {std::pair<const char*, json>{"allowed_model_region", "asia"},
                              {"max_budget", -1},
                              {"blocked", "yes"},
                              {"budget_id", "no-such-budget"},
                              {"rpm_limit", 1.5}}) {
    r = c.post("/customer/new", {{"user_id", "x"}, {field, value}}, masterAuth());
    EXPECT_EQ(r.status, 400u) << field << ": " << r.body;
    EXPECT_EQ(errorParam(r), field) << r.body;
  }
  r = c.get("/customer/info?end_user_id=nobody", masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorMessage(r), "End User Id=nobody does not exist in db") << r.body;
  r = c.get("/customer/info", masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorParam(r), "end_user_id");
  r = c.post("/customer/update", {{"user_id", "nobody"}, {"alias", "x"}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorMessage(r), "End User Id=nobody does not exist in db") << r.body;
  r = c.post("/customer/update", {{"alias", "x"}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorParam(r), "user_id");
  r = c.post("/customer/update", {{"user_id", "acme"}, {"max_budget", "lots"}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorParam(r), "max_budget");
  EXPECT_EQ(customerInfo(c, "acme")["litellm_budget_table"]["max_budget"], 20.0);
  // Nothing of the refused creations exists.
  EXPECT_EQ(c.get("/customer/list", masterAuth()).json().size(), 1u);
}

TEST(CustomerRoutesTest, SpendIsCountedLiveAndTheBudgetRefuses) {
  SY_START_GATEWAY(gw, customerConfig());
  HttpClient c(gw->port());
  post200(c, "/customer/new", {{"user_id", "payer"}, {"max_budget", 100}});
  auto r = chatAs(c, "payer");
  ASSERT_EQ(r.status, 200u) << r.body;
  const double cost = headerNumber(r, "x-litellm-response-cost");
  ASSERT_GT(cost, 0);
  EXPECT_NEAR(customerInfo(c, "payer").value("spend", -1.0), cost, 1e-9);

  // A budget of 0: refused by body `user` and by the header.
  post200(c, "/customer/new", {{"user_id", "broke"}, {"max_budget", 0}});
  for (const HttpResponse& refused : {chatAs(c, "broke"), chatWithHeader(c, "broke")}) {
    EXPECT_EQ(refused.status, 400u) << refused.body;
    EXPECT_EQ(errorType(refused), "budget_exceeded") << refused.body;
    EXPECT_NE(errorMessage(refused).find("ExceededBudget: End User=broke over budget"),
              std::string::npos)
        << refused.body;
  }
  // Raised: at once.
  post200(c, "/customer/update", {{"user_id", "broke"}, {"max_budget", 50}});
  EXPECT_EQ(chatAs(c, "broke").status, 200u);
  // A customer the store does not know pays nothing to be served.
  EXPECT_EQ(chatAs(c, "stranger").status, 200u);
}

// LiteLLM's zero-cost models: a model priced at an explicit 0 for input and output tokens is
// served whatever the budgets of the key, its team and the customer say.
TEST(CustomerRoutesTest, ZeroCostModelsSkipEveryBudget) {
  SY_START_GATEWAY(gw, customerConfig());
  HttpClient c(gw->port());
  post200(c, "/customer/new", {{"user_id", "broke"}, {"max_budget", 0}});
  post200(c, "/team/new", {{"team_id", "broke-team"}, {"max_budget", 0}});
  const std::string key =
      generateKey(c, {{"max_budget", 0}, {"team_id", "broke-team"}}).value("key", "");
  ASSERT_FALSE(key.empty());
  for (const std::string model : {"m1", "m2", "half-free"}) {
    auto r = chatWith(c, key, model, {{"user", "broke"}});
    EXPECT_EQ(r.status, 400u) << model << ": " << r.body;
    EXPECT_EQ(errorType(r), "budget_exceeded") << model << ": " << r.body;
  }
  for (int i = 0; i < 3; ++i) {
    auto r = chatWith(c, key, "free", {{"user", "broke"}});
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.header("x-litellm-model-id"), "dep-free");
  }
  EXPECT_DOUBLE_EQ(customerInfo(c, "broke").value("spend", -1.0), 0.0);
}

TEST(CustomerRoutesTest, BlockAndUnblockTakeEffectAtOnce) {
  SY_START_GATEWAY(gw, customerConfig());
  HttpClient c(gw->port());
  post200(c, "/customer/new", {{"user_id", "known"}});
  ASSERT_EQ(chatAs(c, "known").status, 200u);  // cached by the request path

  // Block a known and an unknown customer (created blocked).
  json b = post200(c, "/customer/block", {{"user_ids", {"known", "fresh"}}});
  ASSERT_EQ(b["blocked_users"].size(), 2u) << b.dump();
  for (const json& row : b["blocked_users"]) EXPECT_EQ(row["blocked"], true) << b.dump();
  EXPECT_EQ(customerInfo(c, "fresh")["blocked"], true);
  for (const std::string id : {"known", "fresh"}) {
    auto r = chatAs(c, id);
    EXPECT_EQ(r.status, 400u) << r.body;
    EXPECT_EQ(errorMessage(r), "User blocked from making LLM API Calls. User=" + id) << r.body;
    r = chatWithHeader(c, id);
    EXPECT_EQ(r.status, 400u) << r.body;
    EXPECT_EQ(errorMessage(r), "User blocked from making LLM API Calls. User=" + id) << r.body;
  }
  // Other customers and requests without one go on.
  EXPECT_EQ(chatAs(c, "other").status, 200u);
  EXPECT_EQ(chatWith(c, kMasterKey, "m1").status, 200u);

  json u = post200(c, "/customer/unblock", {{"user_ids", {"known", "never-seen"}}});
  ASSERT_EQ(u["unblocked_users"].size(), 1u) << u.dump();
  EXPECT_EQ(u["unblocked_users"][0]["user_id"], "known");
  EXPECT_EQ(u["unblocked_users"][0]["blocked"], false);
  EXPECT_EQ(chatAs(c, "known").status, 200u);
  EXPECT_EQ(chatAs(c, "fresh").status, 400u);
  EXPECT_EQ(c.get("/customer/info?end_user_id=never-seen", masterAuth()).status, 400u)
      << "unblock created a customer";

  // /customer/update's blocked, both ways (LiteLLM drops false; Switchyard applies it).
  post200(c, "/customer/update", {{"user_id", "fresh"}, {"blocked", false}});
  EXPECT_EQ(chatAs(c, "fresh").status, 200u);
  post200(c, "/end_user/update", {{"user_id", "fresh"}, {"blocked", true}});
  EXPECT_EQ(chatAs(c, "fresh").status, 400u);
  post200(c, "/end_user/unblock", {{"user_ids", {"fresh"}}});
  EXPECT_EQ(chatAs(c, "fresh").status, 200u);

  auto r = c.post("/customer/block", json::object(), masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorParam(r), "user_ids");
  r = c.post("/customer/unblock", {{"user_ids", "known"}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorParam(r), "user_ids");
}

// allowed_model_region: the customer's requests go only to deployments whose region_name is in
// the region; none there -> a 400 naming it; changed -> at once; other requests use every one.
TEST(CustomerRoutesTest, AllowedModelRegionPicksOnlyDeploymentsThere) {
  const std::string cfg =
      ConfigBuilder{}
          .model("geo", "mock/geo-eu", {}, {}, "dep-eu",
                 {{"mock_response", "\"eu\""}, {"region_name", "westeurope"}})
          .model("geo", "mock/geo-us", {}, {}, "dep-us",
                 {{"mock_response", "\"us\""}, {"region_name", "us-east-1"}})
          .model("plain", "mock/plain", {}, {}, "dep-plain", {{"mock_response", "\"plain\""}})
          .general("master_key", kMasterKey)
          .yaml();
  SY_START_GATEWAY(gw, cfg);
  HttpClient c(gw->port());
  post200(c, "/customer/new", {{"user_id", "eu-co"}, {"allowed_model_region", "eu"}});
  EXPECT_EQ(customerInfo(c, "eu-co").value("allowed_model_region", ""), "eu");
  auto served = [&](const std::string& customer) {
    std::set<std::string> ids;
    for (int i = 0; i < 24; ++i) {
      auto r = customer.empty() ? chatWith(c, kMasterKey, "geo") : chatAs(c, customer, "geo");
      EXPECT_EQ(r.status, 200u) << r.body;
      ids.insert(r.header("x-litellm-model-id"));
    }
    return ids;
  };
  EXPECT_EQ(served("eu-co"), (std::set<std::string>{"dep-eu"}));
  EXPECT_EQ(served(""), (std::set<std::string>{"dep-eu", "dep-us"}));  // no customer: both

  // No deployment of `plain` has a region: refused, with the region named.
  auto r = chatAs(c, "eu-co", "plain");
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorType(r), "invalid_request_error") << r.body;
  EXPECT_NE(errorMessage(r).find("allowed_model_region=eu"), std::string::npos) << r.body;
  EXPECT_EQ(chatWith(c, kMasterKey, "plain").status, 200u);

  // Changed: at once. Cleared (null): every deployment again.
  post200(c, "/customer/update", {{"user_id", "eu-co"}, {"allowed_model_region", "us"}});
  EXPECT_EQ(served("eu-co"), (std::set<std::string>{"dep-us"}));
  post200(c, "/customer/update", {{"user_id", "eu-co"}, {"allowed_model_region", nullptr}});
  EXPECT_EQ(served("eu-co"), (std::set<std::string>{"dep-eu", "dep-us"}));
  EXPECT_EQ(chatAs(c, "eu-co", "plain").status, 200u);

  // Only "eu" and "us" are regions.
  r = c.post("/customer/new", {{"user_id", "x"}, {"allowed_model_region", "apac"}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
}

TEST(CustomerRoutesTest, DeleteAndList) {
  SY_START_GATEWAY(gw, customerConfig());
  HttpClient c(gw->port());
  post200(c, "/customer/new", {{"user_id", "b-one"}, {"alias", "One"}});
  post200(c, "/customer/new", {{"user_id", "a-two"}});
  post200(c, "/customer/block", {{"user_ids", {"c-blocked"}}});
  ASSERT_EQ(chatAs(c, "c-blocked").status, 400u);

  auto r = c.get("/customer/list", masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  json l = r.json();
  ASSERT_TRUE(l.is_array()) << r.body;
  ASSERT_EQ(l.size(), 3u) << r.body;
  EXPECT_EQ(l[0]["user_id"], "a-two");
  EXPECT_EQ(l[1]["alias"], "One");
  EXPECT_EQ(l[2]["blocked"], true);
  EXPECT_EQ(c.get("/end_user/list", masterAuth()).json().size(), 3u);

  // An unknown id: nothing deleted.
  r = c.post("/customer/delete", {{"user_ids", {"b-one", "nobody"}}}, masterAuth());
  EXPECT_EQ(r.status, 404u) << r.body;
  EXPECT_NE(errorMessage(r).find("nobody"), std::string::npos) << r.body;
  EXPECT_EQ(customerInfo(c, "b-one")["alias"], "One");
  r = c.post("/customer/delete", json::object(), masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorParam(r), "user_ids");

  json d = post200(c, "/customer/delete", {{"user_ids", {"b-one", "c-blocked"}}});
  EXPECT_EQ(d["deleted_customers"], 2);
  EXPECT_EQ(d["message"], "Successfully deleted customers with ids: ['b-one', 'c-blocked']");
  EXPECT_EQ(c.get("/customer/info?end_user_id=b-one", masterAuth()).status, 400u);
  // A deleted customer is no longer blocked.
  EXPECT_EQ(chatAs(c, "c-blocked").status, 200u);
  json rest = c.get("/customer/list", masterAuth()).json();
  ASSERT_TRUE(rest.is_array());
  EXPECT_EQ(entryWhere(rest, "user_id", "b-one"), nullptr) << rest.dump();
  EXPECT_NE(entryWhere(rest, "user_id", "a-two"), nullptr) << rest.dump();
}

TEST(CustomerRoutesTest, AdminsChangeViewersRead) {
  SY_START_GATEWAY(gw, customerConfig());
  HttpClient c(gw->port());
  post200(c, "/customer/new", {{"user_id", "acme"}});
  const std::string viewer =
      post200(c, "/user/new", {{"user_id", "v"}, {"user_role", "proxy_admin_viewer"}})
          .value("key", "");
  const std::string admin =
      post200(c, "/user/new", {{"user_id", "a"}, {"user_role", "proxy_admin"}}).value("key", "");
  const std::string internal = post200(c, "/user/new", {{"user_id", "i"}}).value("key", "");
  ASSERT_FALSE(viewer.empty() || admin.empty() || internal.empty());

  EXPECT_EQ(c.get("/customer/list", bearer(viewer)).status, 200u);
  EXPECT_EQ(c.get("/customer/info?end_user_id=acme", bearer(viewer)).status, 200u);
  for (const auto& [path, body] :
       {std::pair<std::string, json>{"/customer/new", {{"user_id", "v-made"}}},
        {"/customer/update", {{"user_id", "acme"}, {"alias", "x"}}},
        {"/customer/delete", {{"user_ids", {"acme"}}}},
        {"/customer/block", {{"user_ids", {"acme"}}}},
        {"/customer/unblock", {{"user_ids", {"acme"}}}},
        {"/end_user/block", {{"user_ids", {"acme"}}}}}) {
    auto r = c.post(path, body, bearer(viewer));
    EXPECT_EQ(r.status, 403u) << path << ": " << r.body;
    EXPECT_TRUE(isOpenAIError(r.json())) << r.body;
    r = c.post(path, body, bearer(internal));
    EXPECT_EQ(r.status, 403u) << path << ": " << r.body;
  }
  EXPECT_EQ(c.get("/customer/list", bearer(internal)).status, 403u);
  EXPECT_EQ(c.get("/customer/info?end_user_id=acme", bearer(internal)).status, 403u);
  EXPECT_EQ(customerInfo(c, "acme")["blocked"], false);
  EXPECT_EQ(chatAs(c, "acme").status, 200u);

  // A proxy_admin user's key changes them.
  auto r = c.post("/customer/block", {{"user_ids", {"acme"}}}, bearer(admin));
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(chatAs(c, "acme").status, 400u);
}

TEST(CustomerRoutesTest, EveryChangeIsAudited) {
  SY_START_GATEWAY(gw, customerConfig());
  HttpClient c(gw->port());
  post200(c, "/customer/new", {{"user_id", "acme"}, {"max_budget", 9}});
  post200(c, "/customer/update", {{"user_id", "acme"}, {"alias", "secret alias"}});
  post200(c, "/customer/block", {{"user_ids", {"acme"}}});
  post200(c, "/customer/unblock", {{"user_ids", {"acme"}}});
  post200(c, "/customer/delete", {{"user_ids", {"acme"}}});
  const std::string db = dbFileOf(*gw);
  EXPECT_EQ(sqliteQuery(db,
                        "select action, object_id, actor from audit_log where action like "
                        "'customer.%' order by id"),
            "customer.new|acme|master\ncustomer.update|acme|master\ncustomer.block|acme|master\n"
            "customer.unblock|acme|master\ncustomer.delete|acme|master\n");
  std::string detail =
      sqliteQuery(db, "select detail from audit_log where action='customer.update'");
  EXPECT_NE(detail.find("alias"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("secret alias"), std::string::npos) << detail;
}

}  // namespace
}  // namespace switchyard::test
