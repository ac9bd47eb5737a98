// LiteLLM's /user/* admin routes through the real binary (docs/teams.md): /user/new with its
// personal key and team memberships, /user/info, /user/update, /user/delete, /user/list; who may
// call which (a proxy_admin_viewer reads, an internal_user sees only itself); the effects on
// requests (a user's models bound its personal keys, a deleted user's keys stop at once); the
// audit trail (read with the sqlite3 CLI).

#include <gtest/gtest.h>

#include <string>

#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

std::string userConfig() {
  return ConfigBuilder{}
      .model("m1", "mock/m1", {}, {}, "dep-m1",
             {{"mock_response", "\"answer one\""},
              {"input_cost_per_token", "0.001"},
              {"output_cost_per_token", "0.002"}})
      .model("m2", "mock/m2", {}, {}, "dep-m2", {{"mock_response", "\"answer two\""}})
      .general("master_key", kMasterKey)
      .yaml();
}

// POST /user/new as the master: the answer (a failed test when not 200).
json newUser(HttpClient& c, const json& body) {
  HttpResponse r = c.post("/user/new", body, masterAuth());
  EXPECT_EQ(r.status, 200u) << "/user/new " << body.dump() << ": " << r.body;
  return r.json();
}

// A user with role `role` and its personal key.
std::string keyOfNewUser(HttpClient& c, const std::string& id, const std::string& role) {
  json u = newUser(c, {{"user_id", id}, {"user_role", role}});
  return u.value("key", "");
}

void newTeam(HttpClient& c, const std::string& id, const std::string& alias) {
  HttpResponse r = c.post("/team/new", {{"team_id", id}, {"team_alias", alias}}, masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
}

json userInfo(HttpClient& c, const std::string& id) {
  HttpResponse r = c.get("/user/info?user_id=" + id, masterAuth());
  EXPECT_EQ(r.status, 200u) << r.body;
  return r.json();
}

TEST(UserRoutesTest, NewUserCreatesTheUserAndAPersonalKeyShownOnce) {
  SY_START_GATEWAY(gw, userConfig());
  HttpClient c(gw->port());
  json u = newUser(c, {{"user_id", "ann"},
                       {"user_email", "Ann@Example.com"},
                       {"user_alias", "Ann"},
                       {"max_budget", 10},
                       {"budget_duration", "30d"},
                       {"models", {"m1"}},
                       {"key_alias", "ann-key"},
                       {"metadata", {{"dept", "ml"}}}});
  const std::string key = u.value("key", "");
  ASSERT_TRUE(key.starts_with("sk-")) << u.dump();
  EXPECT_EQ(u["user_id"], "ann");
  EXPECT_EQ(u["user_email"], "Ann@Example.com");
  EXPECT_EQ(u["user_alias"], "Ann");
  EXPECT_EQ(u["user_role"], "internal_user");
  EXPECT_EQ(u["max_budget"], 10.0);
  EXPECT_EQ(u["budget_duration"], "30d");
  EXPECT_TRUE(u["budget_reset_at"].is_string()) << u.dump();
  EXPECT_EQ(u["models"], json({"m1"}));
  EXPECT_EQ(u["teams"], json::array());
  EXPECT_EQ(u["key_alias"], "ann-key");
  EXPECT_EQ(u["metadata"]["dept"], "ml");
  EXPECT_EQ(u.value("token", "").size(), 64u) << u.dump();
  EXPECT_TRUE(u.contains("expires"));

  // The key is the user's; the user's budget stays on the user (LiteLLM's key_max_budget).
  json info = keyInfo(c, key);
  EXPECT_EQ(info["user_id"], "ann") << info.dump();
  EXPECT_TRUE(info["max_budget"].is_null()) << info.dump();
  EXPECT_EQ(info["models"], json({"m1"}));
  auto r = chatWith(c, key, "m1");
  EXPECT_EQ(r.status, 200u) << r.body;
  const double cost = headerNumber(r, "x-litellm-response-cost");
  EXPECT_GT(cost, 0);

  // /user/info shows the live spend, the key, no team.
  json ui = userInfo(c, "ann");
  EXPECT_EQ(ui["user_id"], "ann");
  EXPECT_NEAR(ui["user_info"].value("spend", -1.0), cost, 1e-9) << ui.dump();
  ASSERT_EQ(ui["keys"].size(), 1u) << ui.dump();
  EXPECT_EQ(ui["keys"][0]["token"], u["token"]);
  EXPECT_EQ(ui["keys"][0]["key_alias"], "ann-key");
  EXPECT_TRUE(ui["keys"][0]["team_alias"].is_null());
  EXPECT_EQ(ui["teams"], json::array());
  EXPECT_EQ(ui.dump().find(key), std::string::npos) << "/user/info shows the key";

  // No user_id: one is made up. auto_create_key false: no key.
  json anon = newUser(c, json::object());
  EXPECT_FALSE(anon.value("user_id", "").empty()) << anon.dump();
  EXPECT_TRUE(anon.value("key", "").starts_with("sk-")) << anon.dump();
  json bare = newUser(c, {{"user_id", "bare"}, {"auto_create_key", false}});
  EXPECT_TRUE(bare["key"].is_null()) << bare.dump();
  EXPECT_EQ(userInfo(c, "bare")["keys"], json::array());
}

TEST(UserRoutesTest, NewUserRefusalsNameTheFieldAndCreateNothing) {
  SY_START_GATEWAY(gw, userConfig());
  HttpClient c(gw->port());
  newUser(c, {{"user_id", "ann"}, {"user_email", "ann@example.com"}, {"key_alias", "taken"}});

  auto r = c.post("/user/new", {{"user_email", "  ANN@example.com "}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorMessage(r), "User with email ann@example.com already exists") << r.body;
  EXPECT_EQ(errorParam(r), "user_email");

  r = c.post("/user/new", {{"user_id", "ann"}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorParam(r), "user_id") << r.body;

  for (auto [field, value] : {std::pair<const char*, json>{"max_budget", -1},
                              {"user_role", "boss"},
                              {"budget_duration", "3fortnights"},
                              {"models", "m1"},
                              {"teams", 5},
                              {"auto_create_key", "yes"},
                              {"rpm_limit", "ten"},
                              {"duration", "5x"}}) {
    r = c.post("/user/new", {{"user_id", "x"}, {field, value}}, masterAuth());
    EXPECT_EQ(r.status, 400u) << field << ": " << r.body;
    EXPECT_TRUE(isOpenAIError(r.json())) << r.body;
    EXPECT_EQ(errorParam(r), field) << r.body;
  }
  r = c.request("POST", "/user/new", "{\"user_id\": ", masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;

  // An unknown team: 404 naming it.
  r = c.post("/user/new", {{"user_id", "x"}, {"teams", {"no-such-team"}}}, masterAuth());
  EXPECT_EQ(r.status, 404u) << r.body;
  EXPECT_NE(errorMessage(r).find("no-such-team"), std::string::npos) << r.body;
  // The key's alias is taken: the user is not created either.
  r = c.post("/user/new", {{"user_id", "x"}, {"key_alias", "taken"}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorParam(r), "key_alias") << r.body;

  auto l = c.get("/user/list", masterAuth());
  ASSERT_EQ(l.status, 200u) << l.body;
  EXPECT_EQ(l.json().value("total", -1), 1) << l.body;
  EXPECT_EQ(c.get("/user/info?user_id=x", masterAuth()).status, 404u);
  EXPECT_EQ(c.get("/key/list", masterAuth()).json().value("total_count", -1), 1);
}

TEST(UserRoutesTest, TeamsOfANewUserAreMemberships) {
  SY_START_GATEWAY(gw, userConfig());
  HttpClient c(gw->port());
  newTeam(c, "t1", "Beta");
  newTeam(c, "t2", "Alpha");
  json u = newUser(
      c, {{"user_id", "bob"},
          {"teams", {"t1", {{"team_id", "t2"}, {"user_role", "admin"}, {"max_budget_in_team", 5}}}},
          {"auto_create_key", false}});
  EXPECT_EQ(u["teams"], json({"t1", "t2"})) << u.dump();

  json ui = userInfo(c, "bob");
  EXPECT_EQ(ui["user_info"]["teams"], json({"t1", "t2"}));
  ASSERT_EQ(ui["teams"].size(), 2u) << ui.dump();
  // Team objects, by alias.
  EXPECT_EQ(ui["teams"][0]["team_id"], "t2");
  EXPECT_EQ(ui["teams"][1]["team_id"], "t1");
  const json* admin = entryWhere(ui["teams"][0]["members_with_roles"], "user_id", "bob");
  ASSERT_NE(admin, nullptr) << ui.dump();
  EXPECT_EQ((*admin)["role"], "admin");

  auto l = c.get("/user/list?team=t1", masterAuth());
  ASSERT_EQ(l.status, 200u) << l.body;
  ASSERT_EQ(l.json()["users"].size(), 1u) << l.body;
  EXPECT_EQ(l.json()["users"][0]["user_id"], "bob");

  // A team key of the user names the team in /user/info.
  json k = generateKey(c, {{"user_id", "bob"}, {"team_id", "t1"}});
  ui = userInfo(c, "bob");
  ASSERT_EQ(ui["keys"].size(), 1u) << ui.dump();
  EXPECT_EQ(ui["keys"][0]["team_alias"], "Beta");
}

TEST(UserRoutesTest, InfoWithoutUserIdAndUnknownUsers) {
  SY_START_GATEWAY(gw, userConfig());
  HttpClient c(gw->port());
  newTeam(c, "t1", "One");
  newUser(c, {{"user_id", "a"}});
  newUser(c, {{"user_id", "b"}});
  generateKey(c, {{"key_alias", "loose"}});

  // The master without user_id: every key and every team.
  auto r = c.get("/user/info", masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  json all = r.json();
  EXPECT_TRUE(all["user_id"].is_null());
  EXPECT_TRUE(all["user_info"].is_null());
  EXPECT_EQ(all["keys"].size(), 3u) << r.body;
  ASSERT_EQ(all["teams"].size(), 1u) << r.body;
  EXPECT_EQ(all["teams"][0]["team_id"], "t1");

  r = c.get("/user/info?user_id=nobody", masterAuth());
  EXPECT_EQ(r.status, 404u) << r.body;
  EXPECT_EQ(errorMessage(r), "User nobody not found") << r.body;
  EXPECT_EQ(errorParam(r), "user_id");
}

TEST(UserRoutesTest, RolesDecideWhoMayCallWhat) {
  SY_START_GATEWAY(gw, userConfig());
  HttpClient c(gw->port());
  const std::string viewer = keyOfNewUser(c, "viewer", "proxy_admin_viewer");
  const std::string admin = keyOfNewUser(c, "boss", "proxy_admin");
  const std::string iu1 = keyOfNewUser(c, "iu1", "internal_user");
  keyOfNewUser(c, "iu2", "internal_user");
  const std::string loose = generateKey(c).value("key", "");
  ASSERT_FALSE(viewer.empty() || admin.empty() || iu1.empty() || loose.empty());

  // A viewer reads every user, changes none.
  auto r = c.get("/user/list", bearer(viewer));
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().value("total", -1), 4) << r.body;
  EXPECT_EQ(c.get("/user/info?user_id=iu1", bearer(viewer)).status, 200u);
  r = c.post("/user/new", {{"user_id", "v-made"}}, bearer(viewer));
  EXPECT_EQ(r.status, 403u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json())) << r.body;
  EXPECT_NE(errorMessage(r).find("role= proxy_admin_viewer"), std::string::npos) << r.body;
  EXPECT_EQ(c.post("/user/delete", {{"user_ids", {"iu2"}}}, bearer(viewer)).status, 403u);
  EXPECT_EQ(c.post("/user/update", {{"user_id", "iu2"}, {"max_budget", 1}}, bearer(viewer)).status,
            403u);

  // A proxy_admin user's key is an admin key.
  r = c.post("/user/new", {{"user_id", "made-by-boss"}}, bearer(admin));
  EXPECT_EQ(r.status, 200u) << r.body;

  // An internal user: its own info only.
  r = c.get("/user/info", bearer(iu1));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json()["user_id"], "iu1");
  EXPECT_EQ(c.get("/user/info?user_id=iu1", bearer(iu1)).status, 200u);
  r = c.get("/user/info?user_id=iu2", bearer(iu1));
  EXPECT_EQ(r.status, 403u) << r.body;
  EXPECT_EQ(errorMessage(r),
            "key not allowed to access this user's info. user_id=iu2, key's user_id=iu1")
      << r.body;
  EXPECT_EQ(c.get("/user/list", bearer(iu1)).status, 403u);
  EXPECT_EQ(c.post("/user/new", {{"user_id", "iu-made"}}, bearer(iu1)).status, 403u);
  EXPECT_EQ(c.post("/user/delete", {{"user_ids", {"iu2"}}}, bearer(iu1)).status, 403u);

  // ...and its own alias and email, nothing else, and nobody else's.
  r = c.post("/user/update", {{"user_id", "iu1"}, {"user_alias", "Me"}}, bearer(iu1));
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json()["data"]["user_alias"], "Me") << r.body;
  const std::string refused =
      "User does not have permission to update this user. Only PROXY_ADMIN can update other "
      "users.";
  r = c.post("/user/update", {{"user_id", "iu1"}, {"max_budget", 1000}}, bearer(iu1));
  EXPECT_EQ(r.status, 403u) << r.body;
  EXPECT_EQ(errorMessage(r), refused) << r.body;
  r = c.post("/user/update", {{"user_id", "iu1"}, {"user_role", "proxy_admin"}}, bearer(iu1));
  EXPECT_EQ(r.status, 403u) << r.body;
  r = c.post("/user/update", {{"user_id", "iu2"}, {"user_alias", "Hacked"}}, bearer(iu1));
  EXPECT_EQ(r.status, 403u) << r.body;
  EXPECT_EQ(errorMessage(r), refused) << r.body;
  EXPECT_EQ(userInfo(c, "iu2")["user_info"]["user_alias"], nullptr);

  // A key without a user: no user of its own to read.
  r = c.get("/user/info", bearer(loose));
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorParam(r), "user_id");
  EXPECT_EQ(c.get("/user/info?user_id=iu1", bearer(loose)).status, 403u);
}

TEST(UserRoutesTest, UpdateByIdOrEmailAndItsEffects) {
  SY_START_GATEWAY(gw, userConfig());
  HttpClient c(gw->port());
  newUser(c, {{"user_id", "ann"},
              {"user_email", "ann@example.com"},
              {"models", {"m1"}},
              {"auto_create_key", false}});
  // A key of the user without models of its own: the user's list bounds it.
  const std::string key = generateKey(c, {{"user_id", "ann"}}).value("key", "");
  EXPECT_EQ(chatWith(c, key, "m1").status, 200u);
  auto r = chatWith(c, key, "m2");
  EXPECT_EQ(r.status, 401u) << r.body;
  EXPECT_NE(r.body.find("user_model_access_denied"), std::string::npos) << r.body;

  r = c.post(
      "/user/update",
      {{"user_id", "ann"}, {"models", {"m1", "m2"}}, {"budget_duration", "1d"}, {"max_budget", 7}},
      masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  json up = r.json();
  EXPECT_EQ(up["user_id"], "ann");
  EXPECT_EQ(up["data"]["models"], json({"m1", "m2"}));
  EXPECT_EQ(up["data"]["max_budget"], 7.0);
  EXPECT_EQ(up["data"]["budget_duration"], "1d");
  EXPECT_TRUE(up["data"]["budget_reset_at"].is_string()) << r.body;
  // At once.
  EXPECT_EQ(chatWith(c, key, "m2").status, 200u);

  // By email (the first match), then a spend set by the admin.
  r = c.post("/user/update", {{"user_email", "ANN@example.com"}, {"user_alias", "Annie"}},
             masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json()["user_id"], "ann");
  EXPECT_EQ(userInfo(c, "ann")["user_info"]["user_alias"], "Annie");
  r = c.post("/user/update", {{"user_id", "ann"}, {"spend", 5}}, masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_NEAR(userInfo(c, "ann")["user_info"].value("spend", -1.0), 5.0, 1e-9);
  // A user budget at its spend: the user's personal key is refused (LiteLLM's >=).
  r = c.post("/user/update", {{"user_id", "ann"}, {"max_budget", 5}}, masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  r = chatWith(c, key, "m1");
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_NE(errorMessage(r).find("ExceededBudget: User=ann over budget"), std::string::npos)
      << r.body;

  // Refusals.
  r = c.post("/user/update", {{"user_id", "nobody"}, {"user_alias", "x"}}, masterAuth());
  EXPECT_EQ(r.status, 404u) << r.body;
  r = c.post("/user/update", {{"user_email", "nobody@example.com"}}, masterAuth());
  EXPECT_EQ(r.status, 404u) << r.body;
  r = c.post("/user/update", {{"user_alias", "x"}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorMessage(r), "Either user id or user email must be provided") << r.body;
  r = c.post("/user/update", {{"user_id", "ann"}, {"max_budget", -3}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorParam(r), "max_budget");
  r = c.post("/user/update", {{"user_id", "ann"}, {"user_role", "root"}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorParam(r), "user_role");
  EXPECT_EQ(userInfo(c, "ann")["user_info"]["max_budget"], 5.0) << "a refused update changed it";
}

TEST(UserRoutesTest, DeleteRevokesTheUsersKeysAtOnce) {
  SY_START_GATEWAY(gw, userConfig());
  HttpClient c(gw->port());
  newTeam(c, "t1", "One");
  json ann = newUser(c, {{"user_id", "ann"}, {"teams", {"t1"}}});
  json bob = newUser(c, {{"user_id", "bob"}});
  const std::string ann_key = ann.value("key", ""), bob_key = bob.value("key", "");
  const std::string ann_team_key =
      generateKey(c, {{"user_id", "ann"}, {"team_id", "t1"}}).value("key", "");
  ASSERT_EQ(chatWith(c, ann_key, "m2").status, 200u);
  ASSERT_EQ(chatWith(c, ann_team_key, "m2").status, 200u);

  // An unknown id: nothing deleted.
  auto r = c.post("/user/delete", {{"user_ids", {"ann", "nobody"}}}, masterAuth());
  EXPECT_EQ(r.status, 404u) << r.body;
  EXPECT_NE(errorMessage(r).find("nobody"), std::string::npos) << r.body;
  EXPECT_EQ(chatWith(c, ann_key, "m2").status, 200u);
  r = c.post("/user/delete", json::object(), masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorParam(r), "user_ids");
  r = c.post("/user/delete", {{"user_ids", json::array()}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;

  r = c.post("/user/delete", {{"user_ids", {"ann"}}}, masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json(), json(1)) << r.body;
  for (const std::string& k : {ann_key, ann_team_key}) {
    auto after = chatWith(c, k, "m2");
    EXPECT_EQ(after.status, 401u) << after.body;
  }
  EXPECT_EQ(c.get("/key/info?key=" + ann_key, masterAuth()).status, 404u);
  EXPECT_EQ(c.get("/user/info?user_id=ann", masterAuth()).status, 404u);
  EXPECT_EQ(c.get("/user/list?team=t1", masterAuth()).json().value("total", -1), 0);
  // Not the others.
  EXPECT_EQ(chatWith(c, bob_key, "m2").status, 200u);
}

TEST(UserRoutesTest, ListPagesFiltersAndCountsKeys) {
  SY_START_GATEWAY(gw, userConfig());
  HttpClient c(gw->port());
  newUser(c, {{"user_id", "u-a"}, {"user_email", "a@corp.com"}});
  newUser(c, {{"user_id", "u-b"}, {"user_email", "b@home.org"}, {"user_role", "proxy_admin"}});
  newUser(c, {{"user_id", "u-c"}, {"user_email", "c@corp.com"}, {"auto_create_key", false}});
  generateKey(c, {{"user_id", "u-a"}});

  auto r = c.get("/user/list", masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  json l = r.json();
  EXPECT_EQ(l["total"], 3);
  EXPECT_EQ(l["page"], 1);
  EXPECT_EQ(l["page_size"], 25);
  EXPECT_EQ(l["total_pages"], 1);
  ASSERT_EQ(l["users"].size(), 3u);
  EXPECT_EQ(l["users"][0]["user_id"], "u-c") << "newest first";
  const json* a = entryWhere(l["users"], "user_id", "u-a");
  const json* cc = entryWhere(l["users"], "user_id", "u-c");
  ASSERT_TRUE(a && cc) << r.body;
  EXPECT_EQ((*a)["key_count"], 2);
  EXPECT_EQ((*cc)["key_count"], 0);
  EXPECT_EQ((*a)["user_email"], "a@corp.com");

  auto ids = [&](const std::string& query) {
    json out = json::array();
    auto got = c.get("/user/list" + query, masterAuth());
    EXPECT_EQ(got.status, 200u) << query << ": " << got.body;
    const json body = got.json();
    for (const json& u : body["users"]) out.push_back(u["user_id"]);
    return out;
  };
  EXPECT_EQ(ids("?role=proxy_admin"), json({"u-b"}));
  EXPECT_EQ(ids("?user_email=CORP"), json({"u-c", "u-a"}));
  EXPECT_EQ(ids("?user_ids=u-a,u-b"), json({"u-b", "u-a"}));
  EXPECT_EQ(ids("?user_ids=-c"), json({"u-c"}));  // one id: contains
  EXPECT_EQ(ids("?sort_by=user_id&sort_order=asc"), json({"u-a", "u-b", "u-c"}));
  EXPECT_EQ(ids("?sort_by=user_email&sort_order=desc&page=2&page_size=2"), json({"u-a"}));
  r = c.get("/user/list?page_size=2", masterAuth());
  EXPECT_EQ(r.json()["total_pages"], 2) << r.body;

  for (const char* bad :
       {"?sort_by=password", "?sort_by=spend&sort_order=sideways", "?page=0", "?page_size=101"}) {
    r = c.get(std::string("/user/list") + bad, masterAuth());
    EXPECT_EQ(r.status, 400u) << bad << ": " << r.body;
    EXPECT_FALSE(errorParam(r).is_null()) << bad << ": " << r.body;
  }
}

TEST(UserRoutesTest, EveryChangeIsAudited) {
  SY_START_GATEWAY(gw, userConfig());
  HttpClient c(gw->port());
  json u = newUser(c, {{"user_id", "ann"}, {"max_budget", 3}});
  const std::string key = u.value("key", "");
  ASSERT_EQ(c.post("/user/update", {{"user_id", "ann"}, {"max_budget", 4}}, masterAuth()).status,
            200u);
  ASSERT_EQ(c.post("/user/delete", {{"user_ids", {"ann"}}}, masterAuth()).status, 200u);

  const std::string db = dbFileOf(*gw);
  EXPECT_EQ(sqliteQuery(db,
                        "select action, object_id from audit_log where action like 'user.%' "
                        "order by id"),
            "user.new|ann\nuser.update|ann\nuser.delete|ann\n");
  EXPECT_EQ(sqliteQuery(db, "select object_id from audit_log where action='key.generate'"),
            u.value("token", "") + "\n");
  EXPECT_EQ(sqliteQuery(db, "select count(*) from audit_log where action='key.delete'"), "1\n");
  std::string detail = sqliteQuery(db, "select detail from audit_log where action='user.update'");
  EXPECT_NE(detail.find("max_budget"), std::string::npos) << detail;
  EXPECT_EQ(detail.find('4'), std::string::npos) << "a value in the audit log: " << detail;
  std::string all = sqliteQuery(db, "select * from audit_log");
  EXPECT_EQ(all.find(key), std::string::npos) << all;
  EXPECT_EQ(all.find("sk-"), std::string::npos) << all;
}

}  // namespace
}  // namespace switchyard::test
