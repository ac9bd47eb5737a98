// The authorisation table of docs/teams.md ("Who may do what"), route by route and role by role,
// through the real binary: each admin route is called by a proxy_admin user, a
// proxy_admin_viewer, an internal_user who is the admin of the team the call names, an
// internal_user outside it, and an internal_user_viewer who is a plain member of it. Allowed calls
// must answer 200 (they did what they asked, on objects made for each call); refused ones 403
// with an OpenAI-shaped error. The finer rules (what a team admin may change, what a list shows)
// are in team_roles_test.cpp, user_routes_test.cpp and keys_admin_test.cpp.

#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "team_test_helpers.hpp"

namespace switchyard::test {
namespace {

enum Role { kProxyAdmin, kProxyAdminViewer, kTeamAdmin, kInternalUser, kInternalUserViewer };
constexpr std::array<const char*, 5> kRoleNames = {"proxy_admin", "proxy_admin_viewer",
                                                   "internal_user (team admin)", "internal_user",
                                                   "internal_user_viewer (team member)"};

struct Call {
  std::string method;  // GET | POST
  std::string target;
  json body;
};

struct Row {
  std::string route;
  // Makes what the call needs (as the master), with ids unique to `n`; the call itself.
  std::function<Call(HttpClient&, const std::string& n)> make;
  std::array<bool, 5> allowed;  // by Role
};

// The team each call names: the team admin administers it, the viewer is a member.
json teamWithRoles(HttpClient& c, const std::string& id, json extra = json::object()) {
  json body = {{"team_id", id},
               {"models", {"m1", "m2"}},
               {"members_with_roles",
                {{{"role", "admin"}, {"user_id", "u-team-admin"}},
                 {{"role", "user"}, {"user_id", "u-user-viewer"}}}}};
  body.update(extra);
  return newTeam(c, body);
}

std::vector<Row> rows() {
  constexpr std::array<bool, 5> kAdminOnly = {true, false, false, false, false};
  constexpr std::array<bool, 5> kAdminsRead = {true, true, false, false, false};
  constexpr std::array<bool, 5> kTeamAdmins = {true, false, true, false, false};
  constexpr std::array<bool, 5> kEveryone = {true, true, true, true, true};
  auto post = [](std::string target, json body) { return Call{"POST", std::move(target), body}; };
  auto get = [](std::string target) { return Call{"GET", std::move(target), nullptr}; };
  auto team = [](HttpClient& c, const std::string& n) {
    return teamWithRoles(c, "t-" + n).value("team_id", "");
  };
  auto user = [](HttpClient& c, const std::string& n) {
    post200(c, "/user/new", {{"user_id", "x-" + n}, {"auto_create_key", false}});
    return "x-" + n;
  };
  auto customer = [](HttpClient& c, const std::string& n) {
    post200(c, "/customer/new", {{"user_id", "c-" + n}});
    return "c-" + n;
  };
  auto budget = [](HttpClient& c, const std::string& n) {
    post200(c, "/budget/new", {{"budget_id", "b-" + n}, {"max_budget", 10}});
    return "b-" + n;
  };
  return {
      {"/team/new",
       [=](HttpClient&, auto n) {
         return post("/team/new", {{"team_alias", n}});
       },
       kAdminOnly},
      {"/team/update",
       [=](HttpClient& c, auto n) {
         return post("/team/update", {{"team_id", team(c, n)}, {"max_budget", 1}});
       },
       kAdminOnly},
      {"/team/delete",
       [=](HttpClient& c, auto n) {
         return post("/team/delete", {{"team_ids", {team(c, n)}}});
       },
       kAdminOnly},
      {"/team/block",
       [=](HttpClient& c, auto n) {
         return post("/team/block", {{"team_id", team(c, n)}});
       },
       kAdminOnly},
      {"/team/unblock",
       [=](HttpClient& c, auto n) {
         return post("/team/unblock", {{"team_id", team(c, n)}});
       },
       kAdminOnly},
      {"/team/info",
       [=](HttpClient& c, auto n) { return get("/team/info?team_id=" + team(c, n)); },
       {true, true, true, false, true}},
      {"/team/list", [=](HttpClient&, auto) { return get("/team/list"); }, kEveryone},
      {"/team/member_add",
       [=](HttpClient& c, auto n) {
         return post("/team/member_add", {{"team_id", team(c, n)},
                                          {"member", {{"role", "user"}, {"user_id", "new-" + n}}}});
       },
       kTeamAdmins},
      {"/team/member_delete",
       [=](HttpClient& c, auto n) {
         const std::string id = team(c, n);
         post200(c, "/team/member_add",
                 {{"team_id", id}, {"member", {{"role", "user"}, {"user_id", "gone-" + n}}}});
         return post("/team/member_delete", {{"team_id", id}, {"user_id", "gone-" + n}});
       },
       kTeamAdmins},
      {"/team/model/add",
       [=](HttpClient& c, auto n) {
         return post("/team/model/add", {{"team_id", team(c, n)}, {"models", {"m3"}}});
       },
       kTeamAdmins},
      {"/team/model/delete",
       [=](HttpClient& c, auto n) {
         return post("/team/model/delete", {{"team_id", team(c, n)}, {"models", {"m1"}}});
       },
       kTeamAdmins},
      {"/user/new",
       [=](HttpClient&, auto n) {
         return post("/user/new", {{"user_id", "new-" + n}, {"auto_create_key", false}});
       },
       kAdminOnly},
      {"/user/update (another user)",
       [=](HttpClient& c, auto n) {
         return post("/user/update", {{"user_id", user(c, n)}, {"user_alias", "renamed"}});
       },
       kAdminOnly},
      {"/user/delete",
       [=](HttpClient& c, auto n) {
         return post("/user/delete", {{"user_ids", {user(c, n)}}});
       },
       kAdminOnly},
      {"/user/info (another user)",
       [=](HttpClient& c, auto n) { return get("/user/info?user_id=" + user(c, n)); }, kAdminsRead},
      {"/user/list", [=](HttpClient&, auto) { return get("/user/list"); }, kAdminsRead},
      {"/customer/new",
       [=](HttpClient&, auto n) {
         return post("/customer/new", {{"user_id", "new-" + n}});
       },
       kAdminOnly},
      {"/customer/update",
       [=](HttpClient& c, auto n) {
         return post("/customer/update", {{"user_id", customer(c, n)}, {"max_budget", 5}});
       },
       kAdminOnly},
      {"/customer/delete",
       [=](HttpClient& c, auto n) {
         return post("/customer/delete", {{"user_ids", {customer(c, n)}}});
       },
       kAdminOnly},
      {"/customer/block",
       [=](HttpClient& c, auto n) {
         return post("/customer/block", {{"user_ids", {customer(c, n)}}});
       },
       kAdminOnly},
      {"/customer/unblock",
       [=](HttpClient& c, auto n) {
         return post("/customer/unblock", {{"user_ids", {customer(c, n)}}});
       },
       kAdminOnly},
      {"/customer/info",
       [=](HttpClient& c, auto n) { return get("/customer/info?end_user_id=" + customer(c, n)); },
       kAdminsRead},
      {"/customer/list", [=](HttpClient&, auto) { return get("/customer/list"); }, kAdminsRead},
      {"/end_user/new",
       [=](HttpClient&, auto n) {
         return post("/end_user/new", {{"user_id", "eu-" + n}});
       },
       kAdminOnly},
      {"/budget/new",
       [=](HttpClient&, auto n) {
         return post("/budget/new", {{"budget_id", "new-" + n}});
       },
       kAdminOnly},
      {"/budget/update",
       [=](HttpClient& c, auto n) {
         return post("/budget/update", {{"budget_id", budget(c, n)}, {"max_budget", 20}});
       },
       kAdminOnly},
      {"/budget/delete",
       [=](HttpClient& c, auto n) {
         return post("/budget/delete", {{"id", budget(c, n)}});
       },
       kAdminOnly},
      {"/budget/info",
       [=](HttpClient& c, auto n) {
         return post("/budget/info", {{"budgets", {budget(c, n)}}});
       },
       kAdminsRead},
      {"/budget/list", [=](HttpClient&, auto) { return get("/budget/list"); }, kAdminsRead},
      {"/key/generate (own key)",
       [=](HttpClient&, auto) { return post("/key/generate", json::object()); },
       {true, false, true, true, false}},
      {"/key/list", [=](HttpClient&, auto) { return get("/key/list"); }, kEveryone},
      {"/spend/logs", [=](HttpClient&, auto) { return get("/spend/logs"); }, kAdminsRead},
      {"/global/spend/report",
       [=](HttpClient&, auto) {
         return get("/global/spend/report?start_date=2026-01-01&end_date=2026-12-31");
       },
       kAdminsRead},
  };
}

TEST(RoleMatrixTest, EveryRouteForEveryRole) {
  SY_START_GATEWAY(gw, teamConfig());
  HttpClient c(gw->port());
  const std::array<std::pair<const char*, const char*>, 5> users = {{
      {"u-proxy-admin", "proxy_admin"},
      {"u-proxy-viewer", "proxy_admin_viewer"},
      {"u-team-admin", "internal_user"},
      {"u-internal", "internal_user"},
      {"u-user-viewer", "internal_user_viewer"},
  }};
  std::array<Headers, 5> as;
  for (std::size_t r = 0; r < users.size(); ++r) {
    post200(
        c, "/user/new",
        {{"user_id", users[r].first}, {"user_role", users[r].second}, {"auto_create_key", false}});
    const std::string key = generateKey(c, {{"user_id", users[r].first}}).value("key", "");
    ASSERT_FALSE(key.empty()) << users[r].first;
    as[r] = bearer(key);
  }
  int n = 0;
  for (const Row& row : rows()) {
    for (std::size_t r = 0; r < as.size(); ++r) {
      SCOPED_TRACE(row.route + " as " + kRoleNames[r]);
      const Call call = row.make(c, std::to_string(++n));
      HttpResponse resp =
          call.method == "GET" ? c.get(call.target, as[r]) : c.post(call.target, call.body, as[r]);
      if (row.allowed[r]) {
        EXPECT_EQ(resp.status, 200u) << call.target << " " << resp.body;
      } else {
        EXPECT_EQ(resp.status, 403u) << call.target << " " << resp.body;
        EXPECT_TRUE(isOpenAIError(resp.json())) << resp.body;
      }
    }
  }
  // A refusal changed nothing: of the five teams made for /team/block, only the one the
  // proxy_admin blocked is blocked.
  json teams = get200(c, "/team/list");
  ASSERT_TRUE(teams.is_array());
  int blocked = 0;
  for (const json& t : teams) blocked += t.value("blocked", false) ? 1 : 0;
  EXPECT_EQ(blocked, 1) << teams.dump();
}

}  // namespace
}  // namespace switchyard::test
