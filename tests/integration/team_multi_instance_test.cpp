// Team and budget changes across two gateway instances on one real PostgreSQL and one real
// redis-server (docs/multi-instance.md): a team blocked, given or denied a model, bound by a
// budget object, or deleted on one instance holds on the other within a second (the level and
// budget messages of the key-events channel), and the team routes answer the same from either.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "multi_instance_fixture.hpp"
#include "team_test_helpers.hpp"

namespace switchyard::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class TeamMultiInstanceTest : public SharedStoreInstancesTest {
 protected:
  std::string yaml() const override {
    ConfigBuilder c;
    c.model("m1", "mock/m1", {}, {}, "dep-m1", {{"mock_response", "\"one\""}})
        .model("m2", "mock/m2", {}, {}, "dep-m2", {{"mock_response", "\"two\""}});
    return redisSettings(c).general("master_key", kMasterKey).yaml();
  }

  // Polls a chat with `key` to `model` on instance i until it answers `status`; how long that
  // took (or nullopt after 3 s).
  std::optional<double> secondsUntil(std::size_t i, const std::string& key,
                                     const std::string& model, unsigned status) {
    HttpClient c(port(i));
    const auto started = Clock::now();
    while (Clock::now() - started < 3s) {
      if (chatWith(c, key, model).status == status) {
        return std::chrono::duration<double>(Clock::now() - started).count();
      }
      std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
  }
  void expectWithinASecond(std::size_t i, const std::string& key, const std::string& model,
                           unsigned status, const char* what) {
    auto took = secondsUntil(i, key, model, status);
    ASSERT_TRUE(took.has_value()) << what << ": not " << status << " on the other instance";
    EXPECT_LT(*took, 1.0) << what;
  }

};

TEST_F(TeamMultiInstanceTest, TeamChangesOnOneInstanceHoldOnTheOther) {
  launch(2);
  HttpClient a(port(0)), b(port(1));
  newTeam(a, {{"team_id", "t-x"},
              {"team_alias", "shared"},
              {"models", {"m1", "m2"}},
              {"members_with_roles", {{{"role", "user"}, {"user_id", "u1"}}}}});
  const std::string key = teamKey(a, "t-x", "u1");
  ASSERT_EQ(chatWith(b, key, "m1").status, 200u);

  post200(a, "/team/block", {{"team_id", "t-x"}});
  expectWithinASecond(1, key, "m1", 401, "block");
  post200(a, "/team/unblock", {{"team_id", "t-x"}});
  expectWithinASecond(1, key, "m1", 200, "unblock");

  post200(a, "/team/model/delete", {{"team_id", "t-x"}, {"models", {"m1"}}});
  expectWithinASecond(1, key, "m1", 401, "model/delete");
  EXPECT_EQ(chatWith(b, key, "m2").status, 200u);
  post200(a, "/team/model/add", {{"team_id", "t-x"}, {"models", {"m1"}}});
  expectWithinASecond(1, key, "m1", 200, "model/add");

  // A budget object named by the team, then changed: both reach the other instance.
  post200(a, "/budget/new", {{"budget_id", "zero"}, {"max_budget", 0}});
  post200(a, "/team/update", {{"team_id", "t-x"}, {"budget_id", "zero"}});
  expectWithinASecond(1, key, "m1", 400, "team budget_id");
  post200(a, "/budget/update", {{"budget_id", "zero"}, {"max_budget", 100}});
  expectWithinASecond(1, key, "m1", 200, "budget/update");
  post200(a, "/team/member_add",
          {{"team_id", "t-x"},
           {"member", {{"role", "user"}, {"user_id", "u2"}}},
           {"max_budget_in_team", 0}});
  const std::string member_key = teamKey(a, "t-x", "u2");
  expectWithinASecond(1, member_key, "m1", 400, "member_add with max_budget_in_team 0");

  // Both instances answer the reads alike (PostgreSQL).
  json on_b = teamInfo(b, "t-x");
  EXPECT_EQ(on_b["team_info"].value("budget_id", ""), "zero") << on_b.dump();
  EXPECT_EQ(on_b["team_memberships"].size(), 2u) << on_b.dump();
  EXPECT_EQ(on_b["keys"].size(), 2u) << on_b.dump();
  json v2 = get200(b, "/v2/team/list?team_alias=SHAR");
  EXPECT_EQ(v2.value("total", 0), 1) << v2.dump();
  EXPECT_EQ(get200(b, "/budget/list").size(), 1u);

  post200(b, "/budget/delete", {{"id", "zero"}});
  post200(b, "/team/delete", {{"team_ids", {"t-x"}}});
  expectWithinASecond(0, key, "m1", 401, "team/delete");
  EXPECT_EQ(a.get("/team/info?team_id=t-x", masterAuth()).status, 404u);
}

}  // namespace
}  // namespace switchyard::test
