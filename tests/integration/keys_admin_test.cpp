// The /key/* admin routes through the real binary (docs/keys.md): generate, info, update,
// delete, list, regenerate, block/unblock; who may call them (master only, except a key's own
// /key/info); LiteLLM's validation errors (400 naming the field); the audit trail in the
// database (read with the sqlite3 CLI) without key material.

#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

std::string adminConfig() {
  return ConfigBuilder{}
      .model("m1", "mock/m1", {}, {}, "dep-m1",
             {{"mock_response", "\"answer one\""},
              {"input_cost_per_token", "0.001"},
              {"output_cost_per_token", "0.002"}})
      .model("m2", "mock/m2", {}, {}, "dep-m2", {{"mock_response", "\"answer two\""}})
      .general("master_key", kMasterKey)
      .yaml();
}

bool isHex64(const std::string& s) { return std::regex_match(s, std::regex("[0-9a-f]{64}")); }

TEST(KeysAdminTest, GenerateReturnsKeyHashAndAliasAndTheKeyWorks) {
  SY_START_GATEWAY(gw, adminConfig());
  HttpClient c(gw->port());
  json g = generateKey(c, {{"key_alias", "alpha"}, {"models", {"m1"}}, {"max_budget", 5}});
  const std::string key = g.value("key", "");
  ASSERT_TRUE(key.starts_with("sk-")) << g.dump();
  EXPECT_GE(key.size(), 20u);
  EXPECT_TRUE(isHex64(g.value("token", ""))) << g.dump();
  EXPECT_EQ(g.value("token_id", ""), g.value("token", ""));
  EXPECT_EQ(g.value("key_alias", ""), "alpha");
  EXPECT_EQ(g["models"], json({"m1"}));
  EXPECT_DOUBLE_EQ(g.value("max_budget", -1.0), 5.0);
  EXPECT_EQ(g.value("key_name", "").find(key), std::string::npos) << "key_name shows the key";

  auto r = chatWith(c, key, "m1");
  EXPECT_EQ(r.status, 200u) << r.body;

  // A custom key is taken as given.
  const std::string custom = "sk-custom-admin-test-0001";
  json g2 = generateKey(c, {{"key", custom}});
  EXPECT_EQ(g2.value("key", ""), custom);
  EXPECT_NE(g2.value("token", ""), g.value("token", ""));
  r = chatWith(c, custom, "m2");
  EXPECT_EQ(r.status, 200u) << r.body;
  // Twice the same custom key is refused.
  r = c.post("/key/generate", {{"key", custom}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
}

TEST(KeysAdminTest, GenerateValidationErrorsAre400NamingTheField) {
  SY_START_GATEWAY(gw, adminConfig());
  HttpClient c(gw->port());
  generateKey(c, {{"key_alias", "dup"}});

  auto r = c.post("/key/generate", {{"key_alias", "dup"}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_EQ(errorParam(r), "key_alias") << r.body;

  r = c.post("/key/generate", {{"max_budget", -1}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorParam(r), "max_budget") << r.body;
  EXPECT_NE(errorMessage(r).find("max_budget"), std::string::npos) << r.body;

  r = c.post("/key/generate", {{"duration", "5x"}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorParam(r), "duration") << r.body;

  r = c.post("/key/generate", {{"budget_duration", "3fortnights"}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorParam(r), "budget_duration") << r.body;

  r = c.post("/key/generate", {{"rpm_limit", "ten"}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorParam(r), "rpm_limit") << r.body;

  r = c.request("POST", "/key/generate", "{\"key_alias\": ", masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json())) << r.body;

  r = c.post("/key/generate", {{"key", "custom-without-prefix"}}, masterAuth());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorParam(r), "key") << r.body;
  EXPECT_EQ(r.body.find("custom-without-prefix"), std::string::npos) << "echoes the key";

  // Nothing of the refused bodies was created: only the first key exists.
  auto l = c.get("/key/list", masterAuth());
  ASSERT_EQ(l.status, 200u) << l.body;
  EXPECT_EQ(l.json().value("total_count", -1), 1) << l.body;
}

TEST(KeysAdminTest, InfoByKeyByHashOwnKeyAndRefusals) {
  SY_START_GATEWAY(gw, adminConfig());
  HttpClient c(gw->port());
  json a = generateKey(c, {{"key_alias", "ka"}, {"max_budget", 100}});
  json b = generateKey(c, {{"key_alias", "kb"}});
  const std::string ka = a.value("key", ""), kb = b.value("key", "");

  auto chat = chatWith(c, ka, "m1");
  ASSERT_EQ(chat.status, 200u) << chat.body;
  const double cost = headerNumber(chat, "x-litellm-response-cost");
  ASSERT_GT(cost, 0) << "a priced deployment answered without a cost header";

  json by_key = keyInfo(c, ka);
  ASSERT_TRUE(by_key.is_object());
  EXPECT_EQ(by_key.value("key_alias", ""), "ka");
  EXPECT_NEAR(by_key.value("spend", -1.0), cost, 1e-12) << by_key.dump();
  EXPECT_FALSE(by_key.contains("token")) << "/key/info shows the hash";

  json by_hash = keyInfo(c, a.value("token", ""));
  ASSERT_TRUE(by_hash.is_object());
  EXPECT_EQ(by_hash.value("key_alias", ""), "ka");
  EXPECT_NEAR(by_hash.value("spend", -1.0), cost, 1e-12);

  // A virtual key without ?key= reads its own info, and may name itself.
  auto own = c.get("/key/info", bearer(kb));
  ASSERT_EQ(own.status, 200u) << own.body;
  EXPECT_EQ(own.json()["info"].value("key_alias", ""), "kb") << own.body;
  EXPECT_EQ(own.body.find(ka), std::string::npos);
  own = c.get("/key/info?key=" + kb, bearer(kb));
  EXPECT_EQ(own.status, 200u) << own.body;

  // ...but not another key's, by key or by hash.
  auto other = c.get("/key/info?key=" + ka, bearer(kb));
  EXPECT_EQ(other.status, 403u) << other.body;
  EXPECT_TRUE(isOpenAIError(other.json()));
  EXPECT_EQ(other.body.find("\"ka\""), std::string::npos) << "leaks the other key's alias";
  other = c.get("/key/info?key=" + a.value("token", ""), bearer(kb));
  EXPECT_EQ(other.status, 403u) << other.body;

  auto unknown = c.get("/key/info?key=sk-no-such-key-123", masterAuth());
  EXPECT_EQ(unknown.status, 404u) << unknown.body;
  EXPECT_TRUE(isOpenAIError(unknown.json()));
  unknown = c.get("/key/info?key=" + std::string(64, 'a'), masterAuth());
  EXPECT_EQ(unknown.status, 404u) << unknown.body;

  auto no_auth = c.get("/key/info?key=" + ka);
  EXPECT_EQ(no_auth.status, 401u) << no_auth.body;
}

TEST(KeysAdminTest, UpdateChangesFieldsAndTakesEffectAtOnce) {
  SY_START_GATEWAY(gw, adminConfig());
  HttpClient c(gw->port());
  json g = generateKey(c, {{"key_alias", "before"}});
  const std::string key = g.value("key", "");
  ASSERT_EQ(chatWith(c, key, "m2").status, 200u);

  auto u = c.post("/key/update",
                  {{"key", key},
                   {"key_alias", "after"},
                   {"models", {"m1"}},
                   {"max_budget", 7.5},
                   {"rpm_limit", 40},
                   {"metadata", {{"owner", "team-x"}}},
                   {"user_id", "user-9"}},
                  masterAuth());
  ASSERT_EQ(u.status, 200u) << u.body;
  json info = keyInfo(c, key);
  ASSERT_TRUE(info.is_object());
  EXPECT_EQ(info.value("key_alias", ""), "after");
  EXPECT_EQ(info["models"], json({"m1"}));
  EXPECT_DOUBLE_EQ(info.value("max_budget", 0.0), 7.5);
  EXPECT_EQ(info.value("rpm_limit", 0), 40);
  EXPECT_EQ(info["metadata"].value("owner", ""), "team-x") << info.dump();
  EXPECT_EQ(info.value("user_id", ""), "user-9");
  EXPECT_EQ(info.value("updated_by", ""), "master");

  // The new model list holds at once on this instance.
  auto r = chatWith(c, key, "m2");
  EXPECT_EQ(r.status, 403u) << r.body;
  EXPECT_EQ(chatWith(c, key, "m1").status, 200u);

  // By hash too; null clears.
  u = c.post("/key/update", {{"key", g.value("token", "")}, {"models", nullptr}}, masterAuth());
  ASSERT_EQ(u.status, 200u) << u.body;
  EXPECT_EQ(chatWith(c, key, "m2").status, 200u);

  u = c.post("/key/update", {{"key", "sk-not-a-real-key-42"}, {"max_budget", 1}}, masterAuth());
  EXPECT_EQ(u.status, 404u) << u.body;
  EXPECT_TRUE(isOpenAIError(u.json()));
  u = c.post("/key/update", {{"key", key}, {"max_budget", -3}}, masterAuth());
  EXPECT_EQ(u.status, 400u) << u.body;
  EXPECT_EQ(errorParam(u), "max_budget");
  EXPECT_DOUBLE_EQ(keyInfo(c, key).value("max_budget", 0.0), 7.5) << "a refused update applied";
  u = c.post("/key/update", {{"max_budget", 1}}, masterAuth());
  EXPECT_EQ(u.status, 400u) << u.body;
}

TEST(KeysAdminTest, DeleteByKeyAndAliasIs401AtOnce) {
  SY_START_GATEWAY(gw, adminConfig());
  HttpClient c(gw->port());
  const std::string k1 = generateKey(c, {{"key_alias", "del-1"}}).value("key", "");
  const std::string k2 = generateKey(c, {{"key_alias", "del-2"}}).value("key", "");
  const std::string k3 = generateKey(c, {{"key_alias", "keep"}}).value("key", "");
  for (const auto& k : {k1, k2, k3}) ASSERT_EQ(chatWith(c, k, "m2").status, 200u);

  auto d = c.post("/key/delete", {{"keys", {k1}}, {"key_aliases", {"del-2"}}}, masterAuth());
  ASSERT_EQ(d.status, 200u) << d.body;
  json deleted = d.json()["deleted_keys"];
  EXPECT_EQ(deleted.size(), 2u) << d.body;

  for (const auto& k : {k1, k2}) {
    auto r = chatWith(c, k, "m2");
    EXPECT_EQ(r.status, 401u) << r.body;
    EXPECT_TRUE(isOpenAIError(r.json())) << r.body;
    EXPECT_EQ(c.get("/key/info?key=" + k, masterAuth()).status, 404u);
  }
  EXPECT_EQ(chatWith(c, k3, "m2").status, 200u) << "deleting two keys touched a third";

  d = c.post("/key/delete", {{"keys", {k1}}}, masterAuth());
  EXPECT_EQ(d.status, 404u) << d.body;
  d = c.post("/key/delete", json::object(), masterAuth());
  EXPECT_EQ(d.status, 400u) << d.body;
  auto l = c.get("/key/list", masterAuth());
  EXPECT_EQ(l.json().value("total_count", -1), 1) << l.body;
}

TEST(KeysAdminTest, ListPagesFiltersAndNeverShowsAKey) {
  SY_START_GATEWAY(gw, adminConfig());
  HttpClient c(gw->port());
  std::vector<std::string> keys, hashes;
  auto add = [&](json body) {
    json g = generateKey(c, body);
    keys.push_back(g.value("key", ""));
    hashes.push_back(g.value("token", ""));
  };
  add({{"key_alias", "l-a"}, {"user_id", "u1"}, {"team_id", "t1"}});
  add({{"key_alias", "l-b"}, {"user_id", "u1"}, {"team_id", "t2"}});
  add({{"key_alias", "l-c"}, {"user_id", "u2"}, {"team_id", "t1"}});
  add({{"key_alias", "l-d"}, {"user_id", "u3"}});
  add({{"key_alias", "l-e"}});
  auto noKeyIn = [&](const HttpResponse& r) {
    for (const auto& k : keys) EXPECT_EQ(r.body.find(k), std::string::npos) << "plaintext key";
    EXPECT_EQ(r.body.find(kMasterKey), std::string::npos);
  };

  auto r = c.get("/key/list?page=1&size=2", masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  json j = r.json();
  EXPECT_EQ(j.value("total_count", -1), 5);
  EXPECT_EQ(j.value("total_pages", -1), 3);
  EXPECT_EQ(j.value("current_page", -1), 1);
  ASSERT_EQ(j["keys"].size(), 2u) << r.body;
  noKeyIn(r);
  std::set<std::string> seen;
  for (int page = 1; page <= 3; ++page) {
    auto p = c.get("/key/list?page=" + std::to_string(page) + "&size=2", masterAuth());
    ASSERT_EQ(p.status, 200u) << p.body;
    noKeyIn(p);
    const json page_body = p.json();
    for (const json& h : page_body["keys"]) {
      ASSERT_TRUE(h.is_string()) << p.body;
      EXPECT_TRUE(seen.insert(h.get<std::string>()).second) << "key on two pages";
    }
  }
  EXPECT_EQ(seen, std::set<std::string>(hashes.begin(), hashes.end()));

  auto countOf = [&](const std::string& query) {
    auto f = c.get("/key/list?" + query, masterAuth());
    EXPECT_EQ(f.status, 200u) << query << ": " << f.body;
    noKeyIn(f);
    return f.json().value("total_count", -1);
  };
  EXPECT_EQ(countOf("key_alias=l-c"), 1);
  EXPECT_EQ(countOf("user_id=u1"), 2);
  EXPECT_EQ(countOf("team_id=t1"), 2);
  EXPECT_EQ(countOf("team_id=t1&user_id=u2"), 1);
  EXPECT_EQ(countOf("user_id=nobody"), 0);

  auto full = c.get("/key/list?return_full_object=true&team_id=t2", masterAuth());
  ASSERT_EQ(full.status, 200u) << full.body;
  noKeyIn(full);
  json items = full.json()["keys"];
  ASSERT_EQ(items.size(), 1u) << full.body;
  ASSERT_TRUE(items[0].is_object()) << full.body;
  EXPECT_EQ(items[0].value("key_alias", ""), "l-b");
  EXPECT_EQ(items[0].value("user_id", ""), "u1");
  EXPECT_EQ(items[0].value("token", ""), hashes[1]);

  EXPECT_EQ(c.get("/key/list?size=0", masterAuth()).status, 400u);
  EXPECT_EQ(c.get("/key/list?page=abc", masterAuth()).status, 400u);
}

TEST(KeysAdminTest, RegenerateRetiresTheOldKeyUnlessAGracePeriodIsGiven) {
  SY_START_GATEWAY(gw, adminConfig());
  HttpClient c(gw->port());
  json g = generateKey(c, {{"key_alias", "rot"}, {"max_budget", 9}});
  const std::string old_key = g.value("key", "");
  ASSERT_EQ(chatWith(c, old_key, "m1").status, 200u);

  auto r = c.post("/key/regenerate", {{"key", old_key}}, masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  const std::string new_key = r.json().value("key", "");
  ASSERT_TRUE(new_key.starts_with("sk-")) << r.body;
  EXPECT_NE(new_key, old_key);
  EXPECT_EQ(r.json().value("key_alias", ""), "rot") << "regeneration lost the settings";
  EXPECT_EQ(chatWith(c, old_key, "m1").status, 401u) << "old key still works";
  EXPECT_EQ(chatWith(c, new_key, "m1").status, 200u);
  json info = keyInfo(c, new_key);
  EXPECT_DOUBLE_EQ(info.value("max_budget", 0.0), 9.0);
  EXPECT_GT(info.value("spend", 0.0), 0.0) << "regeneration reset the spend";

  // The path form, with a grace period: the old key keeps working, the new one works too.
  auto p = c.post("/key/" + new_key + "/regenerate", {{"grace_period", "1h"}}, masterAuth());
  ASSERT_EQ(p.status, 200u) << p.body;
  const std::string newer = p.json().value("key", "");
  ASSERT_TRUE(newer.starts_with("sk-")) << p.body;
  EXPECT_EQ(chatWith(c, new_key, "m1").status, 200u) << "grace period not honoured";
  EXPECT_EQ(chatWith(c, newer, "m1").status, 200u);
  EXPECT_EQ(chatWith(c, old_key, "m1").status, 401u) << "the first key came back";

  // A custom new key; an unknown key is 404.
  auto cst = c.post("/key/regenerate", {{"key", newer}, {"new_key", "sk-rotated-custom-77"}},
                    masterAuth());
  ASSERT_EQ(cst.status, 200u) << cst.body;
  EXPECT_EQ(cst.json().value("key", ""), "sk-rotated-custom-77");
  EXPECT_EQ(chatWith(c, "sk-rotated-custom-77", "m1").status, 200u);
  EXPECT_EQ(chatWith(c, newer, "m1").status, 401u);
  EXPECT_EQ(c.post("/key/regenerate", {{"key", "sk-unknown-zzz"}}, masterAuth()).status, 404u);
  EXPECT_EQ(
      c.post("/key/regenerate", {{"key", newer}, {"grace_period", "soon"}}, masterAuth()).status,
      400u);
}

TEST(KeysAdminTest, BlockAndUnblock) {
  SY_START_GATEWAY(gw, adminConfig());
  HttpClient c(gw->port());
  json g = generateKey(c, {{"key_alias", "blk"}});
  const std::string key = g.value("key", "");
  ASSERT_EQ(chatWith(c, key, "m2").status, 200u);

  auto b = c.post("/key/block", {{"key", key}}, masterAuth());
  ASSERT_EQ(b.status, 200u) << b.body;
  EXPECT_TRUE(b.json().value("blocked", false)) << b.body;
  auto r = chatWith(c, key, "m2");
  EXPECT_EQ(r.status, 401u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_TRUE(keyInfo(c, key).value("blocked", false));

  b = c.post("/key/unblock", {{"key", g.value("token", "")}}, masterAuth());
  ASSERT_EQ(b.status, 200u) << b.body;
  EXPECT_FALSE(b.json().value("blocked", true));
  EXPECT_EQ(chatWith(c, key, "m2").status, 200u);

  EXPECT_EQ(c.post("/key/block", {{"key", "sk-unknown-qqq"}}, masterAuth()).status, 404u);
  EXPECT_EQ(c.post("/key/block", json::object(), masterAuth()).status, 400u);
}

TEST(KeysAdminTest, VirtualKeyIs403AndNoKeyIs401OnAdminRoutes) {
  SY_START_GATEWAY(gw, adminConfig());
  HttpClient c(gw->port());
  json g = generateKey(c, {{"key_alias", "plain"}});
  const std::string key = g.value("key", "");
  const json key_body = {{"key", key}};
  struct Call {
    std::string method, target;
    json body;
  };
  const std::vector<Call> calls = {
      {"POST", "/key/generate", json::object()}, {"GET", "/key/list", nullptr},
      {"POST", "/key/update", key_body},         {"POST", "/key/delete", {{"keys", {key}}}},
      {"POST", "/key/regenerate", key_body},     {"POST", "/key/block", key_body},
      {"POST", "/key/unblock", key_body},        {"GET", "/spend/logs", nullptr},
      {"GET", "/global/spend/keys", nullptr},    {"GET", "/global/spend/models", nullptr},
      {"GET", "/global/spend/report", nullptr},  {"POST", "/key/" + key + "/regenerate", {}},
  };
  for (const Call& call : calls) {
    std::string body = call.body.is_null() ? std::string() : call.body.dump();
    auto r = c.request(call.method, call.target, body, bearer(key));
    EXPECT_EQ(r.status, 403u) << call.target << ": " << r.body;
    EXPECT_TRUE(isOpenAIError(r.json())) << call.target;
    r = c.request(call.method, call.target, body);
    EXPECT_EQ(r.status, 401u) << call.target << ": " << r.body;
    r = c.request(call.method, call.target, body, bearer("sk-wrong"));
    EXPECT_EQ(r.status, 401u) << call.target << ": " << r.body;
  }
  // None of the refused calls changed anything.
  EXPECT_EQ(chatWith(c, key, "m2").status, 200u);
  auto l = c.get("/key/list", masterAuth());
  EXPECT_EQ(l.json().value("total_count", -1), 1) << l.body;
}

TEST(KeysAdminTest, AuditTrailIsWrittenWithoutKeyMaterial) {
  SY_START_GATEWAY(gw, adminConfig());
  HttpClient c(gw->port());
  const std::string custom = "sk-audit-custom-key-31337";
  json g = generateKey(c, {{"key_alias", "aud"}, {"key", custom}, {"max_budget", 3}});
  json g2 = generateKey(c, {{"key_alias", "aud2"}});
  const std::string key2 = g2.value("key", "");
  ASSERT_EQ(c.post("/key/update", {{"key", custom}, {"max_budget", 4}}, masterAuth()).status, 200u);
  ASSERT_EQ(c.post("/key/block", {{"key", key2}}, masterAuth()).status, 200u);
  auto rg =
      c.post("/key/regenerate", {{"key", key2}, {"new_key", "sk-audit-rotated-555"}}, masterAuth());
  ASSERT_EQ(rg.status, 200u) << rg.body;
  ASSERT_EQ(c.post("/key/delete", {{"keys", {custom}}}, masterAuth()).status, 200u);

  const std::string db = dbFileOf(*gw);
  std::string actions = sqliteQuery(db, "select action from audit_log order by id");
  for (const char* a :
       {"key.generate", "key.update", "key.block", "key.regenerate", "key.delete"}) {
    EXPECT_NE(actions.find(a), std::string::npos) << "no " << a << " row in:\n" << actions;
  }
  std::string generated = sqliteQuery(db,
                                      "select count(*) from audit_log where "
                                      "action='key.generate'");
  EXPECT_EQ(generated, "2\n");
  EXPECT_EQ(sqliteQuery(db, "select actor from audit_log where action='key.update'"), "master\n");
  // Which key: the hash; never the key itself, the custom keys or the master key.
  std::string object = sqliteQuery(db,
                                   "select object_id from audit_log where "
                                   "action='key.update'");
  EXPECT_EQ(object, g.value("token", "") + "\n");
  std::string all = sqliteQuery(db, "select * from audit_log");
  ASSERT_FALSE(all.empty());
  for (const std::string& secret : {custom, key2, std::string("sk-audit-rotated-555"),
                                    std::string(kMasterKey), std::string("sk-")}) {
    EXPECT_EQ(all.find(secret), std::string::npos) << secret << " in the audit log:\n" << all;
  }
  // The detail names the fields set, not their values.
  std::string detail = sqliteQuery(db, "select detail from audit_log where action='key.update'");
  EXPECT_NE(detail.find("max_budget"), std::string::npos) << detail;
}

TEST(KeysAdminTest, ConcurrentGeneratesWithOneAliasCreateOneKey) {
  SY_START_GATEWAY(gw, adminConfig());
  auto rs = burst(gw->port(), 20, "/key/generate", {{"key_alias", "contended"}}, masterAuth());
  int ok = 0, dup = 0;
  for (const HttpResponse& r : rs) {
    if (r.status == 200u) ++ok;
    if (r.status == 400u && errorParam(r) == "key_alias") ++dup;
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(dup, 19);
  HttpClient c(gw->port());
  EXPECT_EQ(c.get("/key/list", masterAuth()).json().value("total_count", -1), 1);
}

// Regeneration keeps the live spend: an exhausted key stays exhausted under its new value, and
// /key/update {"spend": 0} opens it again.
TEST(KeysAdminTest, RegenerateKeepsTheSpendAndUpdateCanResetIt) {
  SY_START_GATEWAY(gw, adminConfig());
  HttpClient c(gw->port());
  const std::string key = generateKey(c, {{"max_budget", 0.001}}).value("key", "");
  ASSERT_EQ(chatWith(c, key, "m1").status, 200u);
  auto r = chatWith(c, key, "m1");
  ASSERT_EQ(r.status, 400u) << r.body;
  auto rg = c.post("/key/regenerate", {{"key", key}}, masterAuth());
  ASSERT_EQ(rg.status, 200u) << rg.body;
  const std::string fresh = rg.json().value("key", "");
  r = chatWith(c, fresh, "m1");
  EXPECT_EQ(r.status, 400u) << "regeneration reset the budget: " << r.body;
  EXPECT_EQ(errorType(r), "budget_exceeded");

  ASSERT_EQ(c.post("/key/update", {{"key", fresh}, {"spend", 0}}, masterAuth()).status, 200u);
  r = chatWith(c, fresh, "m1");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_NEAR(headerNumber(r, "x-litellm-key-spend"), headerNumber(r, "x-litellm-response-cost"),
              1e-12);
}

TEST(KeysAdminTest, GracePeriodEndsAndTheOldKeyStops) {
  SY_START_GATEWAY(gw, adminConfig());
  HttpClient c(gw->port());
  const std::string old_key = generateKey(c).value("key", "");
  auto rg = c.post("/key/regenerate", {{"key", old_key}, {"grace_period", "1s"}}, masterAuth());
  ASSERT_EQ(rg.status, 200u) << rg.body;
  const auto regenerated = std::chrono::steady_clock::now();
  const std::string fresh = rg.json().value("key", "");
  EXPECT_EQ(chatWith(c, old_key, "m2").status, 200u);
  std::this_thread::sleep_until(regenerated + std::chrono::milliseconds(1100));
  EXPECT_EQ(chatWith(c, old_key, "m2").status, 401u) << "grace period never ended";
  EXPECT_EQ(chatWith(c, fresh, "m2").status, 200u);
}

}  // namespace
}  // namespace switchyard::test
