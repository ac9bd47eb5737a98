// The /team/* admin routes through the real binary (docs/teams.md): /team/new, /team/info,
// /team/update, /team/delete, /team/list, /v2/team/list, /team/block, /team/unblock,
// /team/model/add, /team/model/delete. Their LiteLLM shapes, 400s naming the field, 404s for
// unknown teams, the audit trail, and that each change holds on the next request (a blocked
// team's key gets 401, a model taken from the team gets team_model_access_denied, a deleted
// team's keys stop working). Members: team_members_test.cpp; roles: team_roles_test.cpp.

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "team_test_helpers.hpp"

namespace switchyard::test {
namespace {

bool isTime(const json& v) {
  return v.is_string() &&
         std::regex_search(v.get<std::string>(), std::regex(R"(^\d{4}-\d\d-\d\dT)"));
}

TEST(TeamRoutesTest, NewTeamReturnsTheRowWithMembersAndGeneratedId) {
  SY_START_GATEWAY(gw, teamConfig());
  HttpClient c(gw->port());
  json t = newTeam(c, {{"team_alias", "Research"},
                       {"models", {"m1"}},
                       {"max_budget", 12.5},
                       {"budget_duration", "30d"},
                       {"tpm_limit", 1000},
                       {"team_member_budget", 2},
                       {"metadata", {{"owner", "ops"}, {"tags", {"a"}}}},
                       {"members_with_roles",
                        {{{"role", "user"}, {"user_id", "u-new"}},
                         {{"role", "admin"}, {"user_email", "boss@example.com"}}}}});
  ASSERT_TRUE(t.is_object());
  const std::string id = t.value("team_id", "");
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f-]{36}"))) << id;
  EXPECT_EQ(t.value("team_alias", ""), "Research");
  EXPECT_EQ(t["models"], json({"m1"}));
  EXPECT_DOUBLE_EQ(t.value("max_budget", 0.0), 12.5);
  EXPECT_EQ(t.value("budget_duration", ""), "30d");
  EXPECT_TRUE(isTime(t["budget_reset_at"])) << t.dump();
  EXPECT_EQ(t.value("tpm_limit", 0), 1000);
  EXPECT_TRUE(t["rpm_limit"].is_null());
  EXPECT_EQ(t.value("blocked", true), false);
  EXPECT_DOUBLE_EQ(t.value("spend", -1.0), 0.0);
  EXPECT_EQ(t["metadata"].value("owner", ""), "ops") << t.dump();
  EXPECT_EQ(t["metadata"]["tags"], json({"a"})) << t.dump();
  EXPECT_DOUBLE_EQ(t.value("team_member_budget", 0.0), 2.0);
  EXPECT_TRUE(isTime(t["created_at"]));
  for (const char* k : {"organization_id", "admins", "members", "model_spend", "model_max_budget",
                        "max_parallel_requests", "soft_budget", "updated_at"}) {
    EXPECT_TRUE(t.contains(k)) << k;
  }
  // Both members, the one named by email with a user id of its own; the master key is not added
  // (LiteLLM would add "default_user_id").
  ASSERT_TRUE(t["members_with_roles"].is_array());
  ASSERT_EQ(t["members_with_roles"].size(), 2u) << t.dump();
  const json* u = entryWhere(t["members_with_roles"], "user_id", "u-new");
  ASSERT_NE(u, nullptr) << t.dump();
  EXPECT_EQ(u->value("role", ""), "user");
  const json* boss = entryWhere(t["members_with_roles"], "user_email", "boss@example.com");
  ASSERT_NE(boss, nullptr) << t.dump();
  EXPECT_EQ(boss->value("role", ""), "admin");
  EXPECT_FALSE(boss->value("user_id", "").empty()) << t.dump();
  EXPECT_EQ(t.dump().find("default_user_id"), std::string::npos);

  // A given id is kept; twice the same is LiteLLM's 400.
  json named = newTeam(c, {{"team_id", "team-fixed"}});
  EXPECT_EQ(named.value("team_id", ""), "team-fixed");
  EXPECT_TRUE(named["models"].is_array() && named["models"].empty());
  auto r = c.post("/team/new", {{"team_id", "team-fixed"}}, masterAuth());
  expectRefused(r, 400, "team_id");
  EXPECT_EQ(errorMessage(r),
            "Team id = team-fixed already exists. Please use a different team id.");
}

TEST(TeamRoutesTest, NewTeamRefusesBadFieldsNamingThem) {
  SY_START_GATEWAY(gw, teamConfig());
  HttpClient c(gw->port());
  auto r = c.post("/team/new", {{"max_budget", -1}}, masterAuth());
  expectRefused(r, 400, "max_budget");
  EXPECT_EQ(errorMessage(r), "max_budget cannot be negative. Received: -1.0");
  expectRefused(c.post("/team/new", {{"models", "m1"}}, masterAuth()), 400, "models");
  expectRefused(c.post("/team/new", {{"budget_duration", "3fortnights"}}, masterAuth()), 400,
                "budget_duration");
  expectRefused(c.post("/team/new", {{"tpm_limit", "lots"}}, masterAuth()), 400, "tpm_limit");
  expectRefused(c.post("/team/new", {{"blocked", "yes"}}, masterAuth()), 400, "blocked");
  expectRefused(
      c.post("/team/new", {{"members_with_roles", {{{"role", "owner"}, {"user_id", "x"}}}}},
             masterAuth()),
      400, "members_with_roles");
  expectRefused(c.post("/team/new", {{"members_with_roles", {{{"role", "user"}}}}}, masterAuth()),
                400, "members_with_roles");
  expectRefused(c.post("/team/new", {{"budget_id", "no-such-budget"}}, masterAuth()), 400,
                "budget_id");
  expectRefused(c.request("POST", "/team/new", "{\"team_alias\": ", masterAuth()), 400);
  // Nothing of the refused bodies was created.
  json list = get200(c, "/team/list");
  EXPECT_TRUE(list.is_array() && list.empty()) << list.dump();
}

TEST(TeamRoutesTest, InfoShowsLiveSpendKeysAndMemberships) {
  SY_START_GATEWAY(gw, teamConfig());
  HttpClient c(gw->port());
  newTeam(c, {{"team_id", "t-info"},
              {"team_member_budget", 3},
              {"members_with_roles", {{{"role", "user"}, {"user_id", "ann"}}}}});
  const std::string key = teamKey(c, "t-info", "ann");
  auto chat = chatWith(c, key, "m1");
  ASSERT_EQ(chat.status, 200u) << chat.body;
  const double cost = headerNumber(chat, "x-litellm-response-cost");
  ASSERT_GT(cost, 0);

  json info = teamInfo(c, "t-info");
  ASSERT_TRUE(info.is_object());
  EXPECT_EQ(info.value("team_id", ""), "t-info");
  ASSERT_TRUE(info["team_info"].is_object()) << info.dump();
  EXPECT_EQ(info["team_info"].value("team_id", ""), "t-info");
  EXPECT_NEAR(info["team_info"].value("spend", -1.0), cost, 1e-12) << info.dump();
  ASSERT_TRUE(info["team_info"]["team_member_budget_table"].is_object()) << info.dump();
  EXPECT_DOUBLE_EQ(info["team_info"]["team_member_budget_table"].value("max_budget", 0.0), 3.0);
  ASSERT_TRUE(info["keys"].is_array());
  ASSERT_EQ(info["keys"].size(), 1u) << info.dump();
  EXPECT_EQ(info["keys"][0].value("team_id", ""), "t-info");
  EXPECT_EQ(info.dump().find(key), std::string::npos) << "/team/info shows a key";
  ASSERT_TRUE(info["team_memberships"].is_array());
  ASSERT_EQ(info["team_memberships"].size(), 1u) << info.dump();
  const json& m = info["team_memberships"][0];
  EXPECT_EQ(m.value("user_id", ""), "ann");
  EXPECT_EQ(m.value("team_id", ""), "t-info");
  EXPECT_NEAR(m.value("spend", -1.0), cost, 1e-12) << m.dump();
  EXPECT_TRUE(m.contains("litellm_budget_table"));

  expectRefused(c.get("/team/info", masterAuth()), 400, "team_id");
  auto r = c.get("/team/info?team_id=nope", masterAuth());
  expectRefused(r, 404);
  EXPECT_NE(errorMessage(r).find("nope"), std::string::npos) << r.body;
  EXPECT_EQ(c.get("/team/info?team_id=t-info").status, 401u);
}

TEST(TeamRoutesTest, UpdateChangesOnlyTheFieldsGiven) {
  SY_START_GATEWAY(gw, teamConfig());
  HttpClient c(gw->port());
  newTeam(
      c,
      {{"team_id", "t-up"}, {"team_alias", "before"}, {"models", {"m1", "m2"}}, {"max_budget", 5}});
  json u = post200(
      c, "/team/update",
      {{"team_id", "t-up"}, {"team_alias", "after"}, {"budget_duration", "1d"}, {"rpm_limit", 7}});
  ASSERT_TRUE(u.is_object());
  EXPECT_EQ(u.value("team_id", ""), "t-up");
  ASSERT_TRUE(u["data"].is_object()) << u.dump();
  EXPECT_EQ(u["data"].value("team_alias", ""), "after");
  EXPECT_EQ(u["data"]["models"], json({"m1", "m2"}));
  EXPECT_DOUBLE_EQ(u["data"].value("max_budget", 0.0), 5.0);
  EXPECT_EQ(u["data"].value("rpm_limit", 0), 7);
  EXPECT_EQ(u["data"].value("budget_duration", ""), "1d");
  EXPECT_TRUE(isTime(u["data"]["budget_reset_at"])) << u.dump();
  EXPECT_EQ(u["data"].value("updated_by", "master"), "master");

  json info = teamInfo(c, "t-up");
  EXPECT_EQ(info["team_info"].value("team_alias", ""), "after");
  // null clears; a cleared duration has no reset time.
  u = post200(c, "/team/update",
              {{"team_id", "t-up"}, {"max_budget", nullptr}, {"budget_duration", nullptr}});
  EXPECT_TRUE(u["data"]["max_budget"].is_null()) << u.dump();
  EXPECT_TRUE(u["data"]["budget_reset_at"].is_null()) << u.dump();

  expectRefused(c.post("/team/update", {{"team_alias", "x"}}, masterAuth()), 400, "team_id");
  expectRefused(c.post("/team/update", {{"team_id", "t-up"}, {"tpm_limit", -2}}, masterAuth()), 400,
                "tpm_limit");
  auto r = c.post("/team/update", {{"team_id", "ghost"}, {"team_alias", "x"}}, masterAuth());
  expectRefused(r, 404);
  EXPECT_EQ(errorMessage(r), "Team not found, passed team_id=ghost");
  EXPECT_EQ(teamInfo(c, "t-up")["team_info"].value("rpm_limit", 0), 7) << "a refusal applied";

  // The audit trail names the action and the fields, never values.
  std::string audit =
      sqliteQuery(dbFileOf(*gw), "SELECT action, object_id, detail FROM audit_log;");
  EXPECT_NE(audit.find("team.new|t-up"), std::string::npos) << audit;
  EXPECT_NE(audit.find("team.update|t-up"), std::string::npos) << audit;
  EXPECT_NE(audit.find("team_alias"), std::string::npos) << audit;
  EXPECT_EQ(audit.find("after"), std::string::npos) << audit;
}

TEST(TeamRoutesTest, DeleteTakesTheTeamsKeysAndRefusesUnknownIds) {
  SY_START_GATEWAY(gw, teamConfig());
  HttpClient c(gw->port());
  newTeam(c, {{"team_id", "t-del"}});
  newTeam(c, {{"team_id", "t-keep"}});
  const std::string gone = teamKey(c, "t-del");
  const std::string kept = teamKey(c, "t-keep");
  ASSERT_EQ(chatWith(c, gone, "m2").status, 200u);

  // One unknown id: 404 and nothing deleted.
  auto r = c.post("/team/delete", {{"team_ids", {"t-del", "ghost"}}}, masterAuth());
  expectRefused(r, 404);
  EXPECT_NE(errorMessage(r).find("ghost"), std::string::npos) << r.body;
  EXPECT_EQ(chatWith(c, gone, "m2").status, 200u);
  expectRefused(c.post("/team/delete", json::object(), masterAuth()), 400, "team_ids");
  expectRefused(c.post("/team/delete", {{"team_ids", json::array()}}, masterAuth()), 400,
                "team_ids");

  json d = post200(c, "/team/delete", {{"team_ids", {"t-del"}}});
  EXPECT_EQ(d["deleted_teams"], json({"t-del"})) << d.dump();
  EXPECT_EQ(chatWith(c, gone, "m2").status, 401u) << "a deleted team's key still works";
  EXPECT_EQ(c.get("/key/info?key=" + gone, masterAuth()).status, 404u);
  EXPECT_EQ(c.get("/team/info?team_id=t-del", masterAuth()).status, 404u);
  EXPECT_EQ(chatWith(c, kept, "m2").status, 200u);
  EXPECT_EQ(teamInfo(c, "t-keep")["keys"].size(), 1u);
}

TEST(TeamRoutesTest, ListIsPlainAndV2IsPaginated) {
  SY_START_GATEWAY(gw, teamConfig());
  HttpClient c(gw->port());
  newTeam(c, {{"team_id", "t-c"}, {"team_alias", "charlie"}});
  newTeam(c, {{"team_id", "t-a"},
              {"team_alias", "alpha"},
              {"members_with_roles", {{{"role", "user"}, {"user_id", "zed"}}}}});
  newTeam(c, {{"team_id", "t-b"}, {"team_alias", "bravo"}});
  teamKey(c, "t-a");

  json list = get200(c, "/team/list");
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.size(), 3u) << list.dump();
  EXPECT_EQ(list[0].value("team_alias", ""), "alpha");
  EXPECT_EQ(list[1].value("team_alias", ""), "bravo");
  EXPECT_EQ(list[2].value("team_alias", ""), "charlie");
  EXPECT_TRUE(list[0]["keys"].is_array() && list[0]["keys"].size() == 1u) << list[0].dump();
  EXPECT_TRUE(list[0]["team_memberships"].is_array() && list[0]["team_memberships"].size() == 1u);
  json mine = get200(c, "/team/list?user_id=zed");
  ASSERT_EQ(mine.size(), 1u) << mine.dump();
  EXPECT_EQ(mine[0].value("team_id", ""), "t-a");

  json v2 = get200(c, "/v2/team/list?page=1&page_size=2&sort_by=team_alias&sort_order=asc");
  ASSERT_TRUE(v2.is_object());
  EXPECT_EQ(v2.value("total", 0), 3);
  EXPECT_EQ(v2.value("page", 0), 1);
  EXPECT_EQ(v2.value("page_size", 0), 2);
  EXPECT_EQ(v2.value("total_pages", 0), 2);
  ASSERT_EQ(v2["teams"].size(), 2u) << v2.dump();
  EXPECT_EQ(v2["teams"][0].value("team_alias", ""), "alpha");
  json p2 = get200(c, "/v2/team/list?page=2&page_size=2&sort_by=team_alias&sort_order=asc");
  ASSERT_EQ(p2["teams"].size(), 1u) << p2.dump();
  EXPECT_EQ(p2["teams"][0].value("team_alias", ""), "charlie");
  json found = get200(c, "/v2/team/list?team_alias=RAV");
  ASSERT_EQ(found["teams"].size(), 1u) << found.dump();
  EXPECT_EQ(found["teams"][0].value("team_id", ""), "t-b");
  json by_id = get200(c, "/v2/team/list?team_id=t-c");
  ASSERT_EQ(by_id["teams"].size(), 1u) << by_id.dump();
  EXPECT_EQ(by_id.value("total", 0), 1);
  expectRefused(c.get("/v2/team/list?page_size=500", masterAuth()), 400, "page_size");
  expectRefused(c.get("/v2/team/list?page=0", masterAuth()), 400, "page");
  expectRefused(c.get("/v2/team/list?user_id=nobody", masterAuth()), 404);
}

TEST(TeamRoutesTest, BlockedTeamKeysGet401UntilUnblocked) {
  SY_START_GATEWAY(gw, teamConfig());
  HttpClient c(gw->port());
  newTeam(c, {{"team_id", "t-blk"}});
  const std::string key = teamKey(c, "t-blk");
  ASSERT_EQ(chatWith(c, key, "m2").status, 200u);

  json b = post200(c, "/team/block", {{"team_id", "t-blk"}});
  EXPECT_EQ(b.value("blocked", false), true) << b.dump();
  EXPECT_EQ(b.value("team_id", ""), "t-blk");
  auto r = chatWith(c, key, "m2");
  EXPECT_EQ(r.status, 401u) << r.body;
  EXPECT_NE(errorMessage(r).find("Team=t-blk is blocked"), std::string::npos) << r.body;

  json u = post200(c, "/team/unblock", {{"team_id", "t-blk"}});
  EXPECT_EQ(u.value("blocked", true), false) << u.dump();
  EXPECT_EQ(chatWith(c, key, "m2").status, 200u);

  expectRefused(c.post("/team/block", {{"team_id", "ghost"}}, masterAuth()), 404);
  expectRefused(c.post("/team/unblock", json::object(), masterAuth()), 400, "team_id");
  std::string audit = sqliteQuery(dbFileOf(*gw), "SELECT action FROM audit_log;");
  EXPECT_NE(audit.find("team.block"), std::string::npos) << audit;
  EXPECT_NE(audit.find("team.unblock"), std::string::npos) << audit;
}

TEST(TeamRoutesTest, ModelAddAndDeleteChangeWhatTheTeamsKeysMayCall) {
  SY_START_GATEWAY(gw, teamConfig());
  HttpClient c(gw->port());
  newTeam(c, {{"team_id", "t-mod"}, {"models", {"m1", "m2"}}});
  const std::string key = teamKey(c, "t-mod");
  ASSERT_EQ(chatWith(c, key, "m1").status, 200u);

  json d = post200(c, "/team/model/delete", {{"team_id", "t-mod"}, {"models", {"m1"}}});
  EXPECT_EQ(d["models"], json({"m2"})) << d.dump();
  auto r = chatWith(c, key, "m1");
  EXPECT_EQ(r.status, 401u) << r.body;
  EXPECT_EQ(errorCode(r), "team_model_access_denied") << r.body;
  EXPECT_EQ(chatWith(c, key, "m2").status, 200u);

  json a = post200(c, "/team/model/add", {{"team_id", "t-mod"}, {"models", {"m1"}}});
  EXPECT_EQ(a["models"], json({"m2", "m1"})) << a.dump();
  EXPECT_EQ(chatWith(c, key, "m1").status, 200u);

  // A team with no models has every model: adding keeps that (LiteLLM's all-proxy-models).
  newTeam(c, {{"team_id", "t-all"}});
  json all = post200(c, "/team/model/add", {{"team_id", "t-all"}, {"models", {"m1"}}});
  EXPECT_EQ(all["models"], json({"all-proxy-models", "m1"})) << all.dump();
  const std::string all_key = teamKey(c, "t-all");
  EXPECT_EQ(chatWith(c, all_key, "m2").status, 200u);

  expectRefused(c.post("/team/model/add", {{"team_id", "ghost"}, {"models", {"m1"}}}, masterAuth()),
                404);
  expectRefused(c.post("/team/model/add", {{"team_id", "t-mod"}}, masterAuth()), 400, "models");
  expectRefused(
      c.post("/team/model/delete", {{"team_id", "t-mod"}, {"models", "m1"}}, masterAuth()), 400,
      "models");
  expectRefused(c.post("/team/model/delete", {{"models", {"m1"}}}, masterAuth()), 400, "team_id");
}

}  // namespace
}  // namespace switchyard::test
