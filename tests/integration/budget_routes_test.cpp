// The /budget/* admin routes through the real binary (docs/teams.md): /budget/new, /budget/info,
// /budget/list, /budget/update, /budget/delete in LiteLLM's shapes, their 400s and 404s, the
// audit trail, and that a budget object bounds at once every team naming it (and stops doing so
// when changed or deleted).

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "team_test_helpers.hpp"

namespace switchyard::test {
namespace {

bool isTime(const json& v) {
  return v.is_string() &&
         std::regex_search(v.get<std::string>(), std::regex(R"(^\d{4}-\d\d-\d\dT)"));
}

TEST(BudgetRoutesTest, NewInfoListUpdateDeleteInLiteLLMShapes) {
  SY_START_GATEWAY(gw, teamConfig());
  HttpClient c(gw->port());
  json b = post200(c, "/budget/new",
                   {{"budget_id", "b1"},
                    {"max_budget", 10},
                    {"soft_budget", 8},
                    {"budget_duration", "1d"},
                    {"rpm_limit", 30},
                    {"model_max_budget", {{"m1", {{"max_budget", 1}}}}}});
  ASSERT_TRUE(b.is_object());
  EXPECT_EQ(b.value("budget_id", ""), "b1");
  EXPECT_DOUBLE_EQ(b.value("max_budget", 0.0), 10.0);
  EXPECT_DOUBLE_EQ(b.value("soft_budget", 0.0), 8.0);
  EXPECT_EQ(b.value("rpm_limit", 0), 30);
  EXPECT_TRUE(b["tpm_limit"].is_null());
  EXPECT_EQ(b.value("budget_duration", ""), "1d");
  EXPECT_TRUE(isTime(b["budget_reset_at"])) << b.dump();
  EXPECT_DOUBLE_EQ(b["model_max_budget"]["m1"].value("max_budget", 0.0), 1.0) << b.dump();
  EXPECT_TRUE(isTime(b["created_at"]));
  EXPECT_EQ(b.value("created_by", ""), "master");
  for (const char* k : {"max_parallel_requests", "updated_at", "updated_by"}) {
    EXPECT_TRUE(b.contains(k)) << k;
  }
  json generated = post200(c, "/budget/new", {{"max_budget", 1}});
  const std::string gen_id = generated.value("budget_id", "");
  EXPECT_TRUE(std::regex_match(gen_id, std::regex("[0-9a-f-]{36}"))) << gen_id;

  auto r = c.post("/budget/new", {{"budget_id", "b1"}}, masterAuth());
  expectRefused(r, 400, "budget_id");
  r = c.post("/budget/new", {{"max_budget", -1}}, masterAuth());
  expectRefused(r, 400, "max_budget");
  EXPECT_EQ(errorMessage(r), "max_budget cannot be negative. Received: -1.0");
  expectRefused(c.post("/budget/new", {{"soft_budget", -0.5}}, masterAuth()), 400, "soft_budget");
  expectRefused(c.post("/budget/new", {{"budget_duration", "soon"}}, masterAuth()), 400,
                "budget_duration");

  json info = post200(c, "/budget/info", {{"budgets", {"b1"}}});
  ASSERT_TRUE(info.is_array() && info.size() == 1u) << info.dump();
  EXPECT_EQ(info[0].value("budget_id", ""), "b1");
  expectRefused(c.post("/budget/info", {{"budgets", json::array()}}, masterAuth()), 400, "budgets");
  expectRefused(c.post("/budget/info", json::object(), masterAuth()), 400, "budgets");
  expectRefused(c.post("/budget/info", {{"budgets", {"b1", "ghost"}}}, masterAuth()), 404);

  json list = get200(c, "/budget/list");
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.size(), 2u) << list.dump();
  EXPECT_NE(entryWhere(list, "budget_id", "b1"), nullptr);
  EXPECT_NE(entryWhere(list, "budget_id", gen_id), nullptr);

  json u = post200(c, "/budget/update", {{"budget_id", "b1"}, {"max_budget", 20}});
  EXPECT_DOUBLE_EQ(u.value("max_budget", 0.0), 20.0) << u.dump();
  EXPECT_EQ(u.value("rpm_limit", 0), 30) << "an absent field changed";
  EXPECT_EQ(u.value("budget_duration", ""), "1d");
  u = post200(c, "/budget/update", {{"budget_id", "b1"}, {"rpm_limit", nullptr}});
  EXPECT_TRUE(u["rpm_limit"].is_null()) << u.dump();
  r = c.post("/budget/update", {{"max_budget", 1}}, masterAuth());
  expectRefused(r, 400, "budget_id");
  EXPECT_EQ(errorMessage(r), "budget_id is required");
  expectRefused(c.post("/budget/update", {{"budget_id", "ghost"}, {"max_budget", 1}}, masterAuth()),
                404);
  expectRefused(c.post("/budget/update", {{"budget_id", "b1"}, {"tpm_limit", -1}}, masterAuth()),
                400, "tpm_limit");

  json d = post200(c, "/budget/delete", {{"id", "b1"}});
  EXPECT_EQ(d.value("budget_id", ""), "b1") << d.dump();
  expectRefused(c.post("/budget/info", {{"budgets", {"b1"}}}, masterAuth()), 404);
  expectRefused(c.post("/budget/delete", {{"id", "b1"}}, masterAuth()), 404);
  expectRefused(c.post("/budget/delete", json::object(), masterAuth()), 400, "id");
  EXPECT_EQ(get200(c, "/budget/list").size(), 1u);

  std::string audit = sqliteQuery(dbFileOf(*gw), "SELECT action, object_id FROM audit_log;");
  for (const char* a : {"budget.new|b1", "budget.update|b1", "budget.delete|b1"}) {
    EXPECT_NE(audit.find(a), std::string::npos) << a << "\n" << audit;
  }
}

TEST(BudgetRoutesTest, ABudgetObjectBoundsTheTeamsThatNameIt) {
  SY_START_GATEWAY(gw, teamConfig());
  HttpClient c(gw->port());
  post200(c, "/budget/new", {{"budget_id", "zero"}, {"max_budget", 0}});
  json t = newTeam(c, {{"team_id", "t-zero"}, {"budget_id", "zero"}});
  EXPECT_EQ(t.value("budget_id", ""), "zero") << t.dump();
  const std::string key = teamKey(c, "t-zero");

  auto r = chatWith(c, key, "m2");
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorType(r), "budget_exceeded") << r.body;
  EXPECT_NE(errorMessage(r).find("Budget has been exceeded! Team=t-zero"), std::string::npos)
      << r.body;

  // A change of the budget holds at once for the team.
  post200(c, "/budget/update", {{"budget_id", "zero"}, {"max_budget", 100}});
  EXPECT_EQ(chatWith(c, key, "m2").status, 200u);
  post200(c, "/budget/update", {{"budget_id", "zero"}, {"max_budget", 0}});
  EXPECT_EQ(chatWith(c, key, "m2").status, 400u);

  // The team's own limit wins over its budget's.
  post200(c, "/team/update", {{"team_id", "t-zero"}, {"max_budget", 50}});
  EXPECT_EQ(chatWith(c, key, "m2").status, 200u);
  post200(c, "/team/update", {{"team_id", "t-zero"}, {"max_budget", nullptr}});
  EXPECT_EQ(chatWith(c, key, "m2").status, 400u);

  // Deleted: the team keeps its own limits only (none).
  post200(c, "/budget/delete", {{"id", "zero"}});
  EXPECT_EQ(chatWith(c, key, "m2").status, 200u);
  EXPECT_TRUE(teamInfo(c, "t-zero")["team_info"]["budget_id"].is_null());

  // A team may not name a budget that does not exist.
  expectRefused(
      c.post("/team/update", {{"team_id", "t-zero"}, {"budget_id", "zero"}}, masterAuth()), 400,
      "budget_id");
}

}  // namespace
}  // namespace switchyard::test
