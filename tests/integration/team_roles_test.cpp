// Who may call the /team/* and /budget/* routes (admin/roles.hpp), through the real binary: an
// internal_user who is a team admin manages that team's members and models only, reads only its
// teams and creates nothing; a plain member or a key without a user manages nothing; a
// proxy_admin_viewer reads everything and changes nothing; a proxy_admin user's key is the
// master's equal and joins the teams it creates as an admin. The viewer and proxy_admin users are
// made with /user/new.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "team_test_helpers.hpp"

namespace switchyard::test {
namespace {

// A user with `role` through /user/new; false when that route is missing.
void makeUser(HttpClient& c, const std::string& user_id, const std::string& role) {
  HttpResponse r =
      c.post("/user/new", {{"user_id", user_id}, {"user_role", role}, {"auto_create_key", false}},
             masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
}

std::vector<std::string> teamIds(const json& teams) {
  std::vector<std::string> ids;
  if (teams.is_array()) {
    for (const json& t : teams) ids.push_back(t.value("team_id", ""));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(TeamRolesTest, TeamAdminManagesItsOwnTeamOnly) {
  SY_START_GATEWAY(gw, teamConfig());
  HttpClient c(gw->port());
  newTeam(c,
          {{"team_id", "t-own"},
           {"models", {"m2"}},
           {"members_with_roles",
            {{{"role", "admin"}, {"user_id", "alice"}}, {{"role", "user"}, {"user_id", "bob"}}}}});
  newTeam(c, {{"team_id", "t-other"},
              {"members_with_roles", {{{"role", "user"}, {"user_id", "zoe"}}}}});
  const Headers alice = bearer(generateKey(c, {{"user_id", "alice"}}).value("key", ""));
  const Headers bob = bearer(teamKey(c, "t-own", "bob"));
  const Headers no_user = bearer(teamKey(c, "t-own"));

  // Its team's members and models.
  json added =
      post200(c, "/team/member_add",
              {{"team_id", "t-own"}, {"member", {{"role", "user"}, {"user_id", "carl"}}}}, alice);
  EXPECT_EQ(added["members_with_roles"].size(), 3u) << added.dump();
  post200(c, "/team/member_delete", {{"team_id", "t-own"}, {"user_id", "carl"}}, alice);
  json models = post200(c, "/team/model/add", {{"team_id", "t-own"}, {"models", {"m1"}}}, alice);
  EXPECT_EQ(models["models"], json({"m2", "m1"})) << models.dump();
  post200(c, "/team/model/delete", {{"team_id", "t-own"}, {"models", {"m1"}}}, alice);

  // Not another team's.
  auto r =
      c.post("/team/member_add",
             {{"team_id", "t-other"}, {"member", {{"role", "user"}, {"user_id", "eve"}}}}, alice);
  expectRefused(r, 403);
  EXPECT_EQ(errorMessage(r),
            "Call not allowed. User not proxy admin OR team admin. route=/team/member_add, "
            "team_id=t-other");
  expectRefused(c.post("/team/member_delete", {{"team_id", "t-other"}, {"user_id", "zoe"}}, alice),
                403);
  r = c.post("/team/model/add", {{"team_id", "t-other"}, {"models", {"m1"}}}, alice);
  expectRefused(r, 403);
  EXPECT_EQ(errorMessage(r), "Only proxy admin or team admin can modify team models");
  EXPECT_EQ(teamInfo(c, "t-other")["team_info"]["models"], json::array()) << "a refusal applied";

  // Nothing a proxy admin alone may do.
  r = c.post("/team/new", {{"team_alias", "mine"}}, alice);
  expectRefused(r, 403);
  EXPECT_NE(errorMessage(r).find("role= internal_user"), std::string::npos) << r.body;
  expectRefused(c.post("/team/update", {{"team_id", "t-own"}, {"max_budget", 1}}, alice), 403);
  expectRefused(c.post("/team/block", {{"team_id", "t-own"}}, alice), 403);
  expectRefused(c.post("/team/unblock", {{"team_id", "t-own"}}, alice), 403);
  expectRefused(c.post("/team/delete", {{"team_ids", {"t-own"}}}, alice), 403);
  expectRefused(c.post("/budget/new", {{"max_budget", 1}}, alice), 403);
  expectRefused(c.get("/budget/list", alice), 403);
  expectRefused(c.post("/budget/info", {{"budgets", {"x"}}}, alice), 403);

  // Reads: its own teams only.
  EXPECT_EQ(get200(c, "/team/info?team_id=t-own", alice).value("team_id", ""), "t-own");
  r = c.get("/team/info?team_id=t-other", alice);
  expectRefused(r, 403);
  EXPECT_EQ(errorMessage(r), "User=alice not authorized to access this team=t-other");
  EXPECT_EQ(teamIds(get200(c, "/team/list", alice)), std::vector<std::string>{"t-own"});
  expectRefused(c.get("/team/list?user_id=zoe", alice), 403);
  EXPECT_EQ(teamIds(get200(c, "/v2/team/list", alice)["teams"]), std::vector<std::string>{"t-own"});

  // A plain member, and a team key without a user, manage nothing.
  expectRefused(
      c.post("/team/member_add",
             {{"team_id", "t-own"}, {"member", {{"role", "user"}, {"user_id", "eve"}}}}, bob),
      403);
  expectRefused(c.post("/team/model/add", {{"team_id", "t-own"}, {"models", {"m1"}}}, bob), 403);
  expectRefused(c.post("/team/model/add", {{"team_id", "t-own"}, {"models", {"m1"}}}, no_user),
                403);
  // ...but read their team.
  EXPECT_EQ(get200(c, "/team/info?team_id=t-own", bob).value("team_id", ""), "t-own");
  EXPECT_EQ(get200(c, "/team/info?team_id=t-own", no_user).value("team_id", ""), "t-own");
  EXPECT_EQ(teamIds(get200(c, "/v2/team/list", no_user)["teams"]),
            std::vector<std::string>{"t-own"});
  EXPECT_EQ(teamInfo(c, "t-own")["team_info"]["members_with_roles"].size(), 2u);
}

TEST(TeamRolesTest, ViewerReadsEverythingAndChangesNothing) {
  SY_START_GATEWAY(gw, teamConfig());
  HttpClient c(gw->port());
  ASSERT_NO_FATAL_FAILURE(makeUser(c, "vic", "proxy_admin_viewer"));
  newTeam(c, {{"team_id", "t-1"}});
  newTeam(c, {{"team_id", "t-2"}});
  post200(c, "/budget/new", {{"budget_id", "b-1"}, {"max_budget", 3}});
  const Headers vic = bearer(generateKey(c, {{"user_id", "vic"}}).value("key", ""));

  EXPECT_EQ(get200(c, "/team/info?team_id=t-2", vic).value("team_id", ""), "t-2");
  EXPECT_EQ(teamIds(get200(c, "/team/list", vic)), (std::vector<std::string>{"t-1", "t-2"}));
  EXPECT_EQ(get200(c, "/v2/team/list", vic).value("total", 0), 2);
  EXPECT_EQ(get200(c, "/budget/list", vic).size(), 1u);
  EXPECT_EQ(post200(c, "/budget/info", {{"budgets", {"b-1"}}}, vic).size(), 1u);

  auto r = c.post("/team/new", {{"team_alias", "v"}}, vic);
  expectRefused(r, 403);
  EXPECT_EQ(errorMessage(r),
            "user not allowed to access this route, role= proxy_admin_viewer. Trying to access: "
            "/team/new");
  expectRefused(c.post("/team/update", {{"team_id", "t-1"}, {"max_budget", 1}}, vic), 403);
  expectRefused(c.post("/team/delete", {{"team_ids", {"t-1"}}}, vic), 403);
  expectRefused(c.post("/team/block", {{"team_id", "t-1"}}, vic), 403);
  expectRefused(c.post("/team/member_add",
                       {{"team_id", "t-1"}, {"member", {{"role", "user"}, {"user_id", "x"}}}}, vic),
                403);
  expectRefused(c.post("/team/member_delete", {{"team_id", "t-1"}, {"user_id", "x"}}, vic), 403);
  expectRefused(c.post("/team/model/add", {{"team_id", "t-1"}, {"models", {"m1"}}}, vic), 403);
  expectRefused(c.post("/budget/new", {{"max_budget", 1}}, vic), 403);
  expectRefused(c.post("/budget/update", {{"budget_id", "b-1"}, {"max_budget", 1}}, vic), 403);
  expectRefused(c.post("/budget/delete", {{"id", "b-1"}}, vic), 403);
  EXPECT_EQ(get200(c, "/team/list").size(), 2u) << "a refusal applied";
  EXPECT_DOUBLE_EQ(post200(c, "/budget/info", {{"budgets", {"b-1"}}})[0].value("max_budget", 0.0),
                   3.0);
}

TEST(TeamRolesTest, ProxyAdminUserKeyJoinsTheTeamsItCreates) {
  SY_START_GATEWAY(gw, teamConfig());
  HttpClient c(gw->port());
  ASSERT_NO_FATAL_FAILURE(makeUser(c, "root", "proxy_admin"));
  const Headers root = bearer(generateKey(c, {{"user_id", "root"}}).value("key", ""));
  json t = post200(c, "/team/new", {{"team_id", "t-root"}}, root);
  const json* self = entryWhere(t["members_with_roles"], "user_id", "root");
  ASSERT_NE(self, nullptr) << t.dump();
  EXPECT_EQ(self->value("role", ""), "admin");
  post200(c, "/team/update", {{"team_id", "t-root"}, {"max_budget", 2}}, root);
  post200(c, "/budget/new", {{"budget_id", "rb"}}, root);
  post200(c, "/team/delete", {{"team_ids", {"t-root"}}}, root);
}

}  // namespace
}  // namespace switchyard::test
