// /team/member_add and /team/member_delete through the real binary (docs/teams.md): members by
// user id or email become users (role internal_user) and memberships, LiteLLM's
// team_member_already_in_team refusal, max_budget_in_team holding on the member's next request,
// removal, and the 400s and 404s of both routes.

#include <gtest/gtest.h>

#include <string>

#include "team_test_helpers.hpp"

namespace switchyard::test {
namespace {

bool hasMember(const json& team, const std::string& user_id) {
  return entryWhere(team["members_with_roles"], "user_id", user_id) != nullptr;
}

TEST(TeamMembersTest, MemberAddCreatesUsersAndMemberships) {
  SY_START_GATEWAY(gw, teamConfig());
  HttpClient c(gw->port());
  newTeam(c, {{"team_id", "t-m"}});

  json a = post200(c, "/team/member_add",
                   {{"team_id", "t-m"},
                    {"member", {{"role", "user"}, {"user_id", "new-u"}}},
                    {"max_budget_in_team", 4}});
  ASSERT_TRUE(a.is_object());
  EXPECT_EQ(a.value("team_id", ""), "t-m");
  EXPECT_TRUE(hasMember(a, "new-u")) << a.dump();
  ASSERT_TRUE(a["updated_users"].is_array());
  ASSERT_EQ(a["updated_users"].size(), 1u) << a.dump();
  EXPECT_EQ(a["updated_users"][0].value("user_id", ""), "new-u");
  EXPECT_EQ(a["updated_users"][0].value("user_role", ""), "internal_user");
  EXPECT_EQ(a["updated_users"][0]["teams"], json({"t-m"})) << a.dump();
  ASSERT_EQ(a["updated_team_memberships"].size(), 1u) << a.dump();
  const json& m = a["updated_team_memberships"][0];
  EXPECT_EQ(m.value("user_id", ""), "new-u");
  EXPECT_EQ(m.value("team_id", ""), "t-m");
  ASSERT_TRUE(m["litellm_budget_table"].is_object()) << m.dump();
  EXPECT_DOUBLE_EQ(m["litellm_budget_table"].value("max_budget", 0.0), 4.0);

  // By email: a new user with an id of its own.
  json e = post200(c, "/team/member_add",
                   {{"team_id", "t-m"}, {"member", {{"role", "admin"}, {"user_email", "e@x.io"}}}});
  const json* by_email = entryWhere(e["members_with_roles"], "user_email", "e@x.io");
  ASSERT_NE(by_email, nullptr) << e.dump();
  EXPECT_FALSE(by_email->value("user_id", "").empty());
  EXPECT_EQ(by_email->value("role", ""), "admin");

  // Already a member: LiteLLM's refusal, by id and by email.
  auto r = c.post("/team/member_add",
                  {{"team_id", "t-m"}, {"member", {{"role", "user"}, {"user_id", "new-u"}}}},
                  masterAuth());
  expectRefused(r, 400, "member");
  EXPECT_EQ(errorCode(r), "team_member_already_in_team") << r.body;
  EXPECT_EQ(errorMessage(r).rfind("User already in team. Member: user_id=new-u", 0), 0u) << r.body;
  r = c.post("/team/member_add",
             {{"team_id", "t-m"}, {"member", {{"role", "user"}, {"user_email", "E@x.io"}}}},
             masterAuth());
  EXPECT_EQ(errorCode(r), "team_member_already_in_team") << r.body;
  r = c.post(
      "/team/member_add",
      {{"team_id", "t-m"},
       {"member",
        {{{"role", "user"}, {"user_id", "new-u"}}, {{"role", "user"}, {"user_email", "e@x.io"}}}}},
      masterAuth());
  expectRefused(r, 400, "member");
  EXPECT_EQ(errorMessage(r).rfind("All users are already in team.", 0), 0u) << r.body;
  // A list with new and existing members adds the new ones.
  json some = post200(
      c, "/team/member_add",
      {{"team_id", "t-m"},
       {"member",
        {{{"role", "user"}, {"user_id", "new-u"}}, {{"role", "user"}, {"user_id", "second"}}}}});
  ASSERT_EQ(some["updated_users"].size(), 1u) << some.dump();
  EXPECT_EQ(some["updated_users"][0].value("user_id", ""), "second");
  EXPECT_EQ(some["members_with_roles"].size(), 3u) << some.dump();

  // Bad inputs and unknown teams.
  expectRefused(
      c.post("/team/member_add", {{"member", {{"role", "user"}, {"user_id", "x"}}}}, masterAuth()),
      400, "team_id");
  expectRefused(c.post("/team/member_add", {{"team_id", "t-m"}}, masterAuth()), 400, "member");
  expectRefused(
      c.post("/team/member_add",
             {{"team_id", "t-m"}, {"member", {{"role", "boss"}, {"user_id", "x"}}}}, masterAuth()),
      400, "member");
  expectRefused(c.post("/team/member_add",
                       {{"team_id", "t-m"},
                        {"member", {{"role", "user"}, {"user_id", "x"}}},
                        {"max_budget_in_team", -1}},
                       masterAuth()),
                400, "max_budget_in_team");
  r = c.post("/team/member_add",
             {{"team_id", "ghost"}, {"member", {{"role", "user"}, {"user_id", "x"}}}},
             masterAuth());
  expectRefused(r, 404);
  EXPECT_EQ(errorMessage(r), "Team not found for team_id=ghost");

  // /team/info shows every membership.
  EXPECT_EQ(teamInfo(c, "t-m")["team_memberships"].size(), 3u);
}

TEST(TeamMembersTest, MaxBudgetInTeamHoldsOnTheMembersRequests) {
  SY_START_GATEWAY(gw, teamConfig());
  HttpClient c(gw->port());
  newTeam(c, {{"team_id", "t-b"}});
  post200(c, "/team/member_add",
          {{"team_id", "t-b"},
           {"member", {{"role", "user"}, {"user_id", "broke"}}},
           {"max_budget_in_team", 0}});
  post200(c, "/team/member_add",
          {{"team_id", "t-b"}, {"member", {{"role", "user"}, {"user_id", "rich"}}}});
  const std::string broke = teamKey(c, "t-b", "broke");
  const std::string rich = teamKey(c, "t-b", "rich");
  auto r = chatWith(c, broke, "m2");
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorType(r), "budget_exceeded") << r.body;
  EXPECT_NE(errorMessage(r).find("User=broke in Team=t-b"), std::string::npos) << r.body;
  EXPECT_EQ(chatWith(c, rich, "m2").status, 200u);
}

TEST(TeamMembersTest, MemberDeleteRemovesTheMember) {
  SY_START_GATEWAY(gw, teamConfig());
  HttpClient c(gw->port());
  newTeam(c, {{"team_id", "t-d"},
              {"members_with_roles",
               {{{"role", "user"}, {"user_id", "stay"}},
                {{"role", "user"}, {"user_id", "leave"}},
                {{"role", "user"}, {"user_email", "mail@x.io"}}}}});
  const std::string key = teamKey(c, "t-d", "leave");

  json d = post200(c, "/team/member_delete", {{"team_id", "t-d"}, {"user_id", "leave"}});
  EXPECT_EQ(d.value("team_id", ""), "t-d");
  EXPECT_FALSE(hasMember(d, "leave")) << d.dump();
  EXPECT_TRUE(hasMember(d, "stay")) << d.dump();
  EXPECT_EQ(teamInfo(c, "t-d")["team_memberships"].size(), 2u);
  // LiteLLM leaves the member's keys alone.
  EXPECT_EQ(chatWith(c, key, "m2").status, 200u);

  d = post200(c, "/team/member_delete", {{"team_id", "t-d"}, {"user_email", "MAIL@x.io"}});
  EXPECT_EQ(d["members_with_roles"].size(), 1u) << d.dump();

  auto r = c.post("/team/member_delete", {{"team_id", "t-d"}, {"user_id", "leave"}}, masterAuth());
  expectRefused(r, 400, "user_id");
  EXPECT_EQ(errorMessage(r), "User not found in team");
  expectRefused(c.post("/team/member_delete", {{"team_id", "t-d"}}, masterAuth()), 400, "user_id");
  expectRefused(c.post("/team/member_delete", {{"user_id", "stay"}}, masterAuth()), 400, "team_id");
  r = c.post("/team/member_delete", {{"team_id", "ghost"}, {"user_id", "stay"}}, masterAuth());
  expectRefused(r, 404);
  EXPECT_EQ(errorMessage(r), "Team id=ghost does not exist in db");
}

}  // namespace
}  // namespace switchyard::test
