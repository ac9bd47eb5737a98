// The budget hierarchy in the store (teams, members, internal users, end customers, budget
// objects), against both engines (a SQLite file and a real PostgreSQL database): round trips of
// every field, duplicates, updates that keep the spend state, memberships, cascading deletes.
// Lists are in hierarchy_list_test.cpp, spend writes and migration in hierarchy_write_test.cpp.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "hierarchy_test_util.hpp"

// Designated initializers name only the fields a test cares about; GCC's -Wextra would warn
// about every member left out that has no default member initializer.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace switchyard::store {
namespace {

using test::fullBudget;
using test::fullCustomer;
using test::fullTeam;
using test::fullUser;
using test::member;
using V = std::vector<std::string>;

TEST(HierarchyLimits, UnsetFieldsComeFromTheBudget) {
  Limits own;
  own.max_budget = 5;
  own.model_rpm_limit = {{"own-model", 1}};
  const Limits budget = test::fullLimits();
  Limits got = effectiveLimits(own, &budget);
  EXPECT_EQ(got.max_budget, 5);  // own wins
  EXPECT_EQ(got.model_rpm_limit, (ByModel<std::int64_t>{{"own-model", 1}}));
  EXPECT_EQ(got.soft_budget, budget.soft_budget);  // the rest from the budget
  EXPECT_EQ(got.budget_duration, "30d");
  EXPECT_EQ(got.rpm_limit, 600);
  EXPECT_EQ(got.tpm_limit, 1'000'000);
  EXPECT_EQ(got.max_parallel_requests, 8);
  EXPECT_EQ(got.model_max_budget.size(), 2u);
  EXPECT_EQ(got.model_tpm_limit, budget.model_tpm_limit);

  Limits alone = effectiveLimits(own, nullptr);
  EXPECT_EQ(alone.max_budget, 5);
  EXPECT_FALSE(alone.rpm_limit.has_value());
  EXPECT_TRUE(alone.budget_duration.empty());
  EXPECT_TRUE(effectiveLimits(Limits{}, nullptr).empty());
  EXPECT_FALSE(effectiveLimits(Limits{}, &budget).empty());
}

class Hierarchy : public test::HierarchyTest {};

TEST_P(Hierarchy, EveryKindRoundTripsEveryField) {
  const TeamRow team = fullTeam("team-1");
  const UserRow user = fullUser("user-1");
  const CustomerRow customer = fullCustomer("cust-1");
  const BudgetRow budget = fullBudget("budget-1");
  ASSERT_TRUE(store_->insertTeam(team).has_value());
  ASSERT_TRUE(store_->insertUser(user).has_value());
  ASSERT_TRUE(store_->insertCustomer(customer).has_value());
  ASSERT_TRUE(store_->insertBudget(budget).has_value());
  test::expectSameTeam(mustTeam("team-1"), team);
  test::expectSameUser(mustUser("user-1"), user);
  test::expectSameCustomer(mustCustomer("cust-1"), customer);
  test::expectSameBudget(mustBudget("budget-1"), budget);

  // Defaults stay defaults (NULL limits, empty maps and lists).
  TeamRow bare;
  bare.team_id = "team-bare";
  ASSERT_TRUE(store_->insertTeam(bare).has_value());
  TeamRow got = mustTeam("team-bare");
  test::expectSameTeam(got, bare);
  EXPECT_TRUE(got.limits.empty());
  EXPECT_FALSE(got.team_member_budget.has_value());
  EXPECT_EQ(got.metadata, "{}");

  EXPECT_FALSE(store_->findTeam("nope").value().has_value());
  EXPECT_FALSE(store_->findUser("nope").value().has_value());
  EXPECT_FALSE(store_->findCustomer("nope").value().has_value());
  EXPECT_FALSE(store_->findBudget("nope").value().has_value());
}

TEST_P(Hierarchy, DuplicateIdsAreRejected) {
  ASSERT_TRUE(store_->insertTeam(fullTeam("t")).has_value());
  ASSERT_TRUE(store_->insertUser(fullUser("u")).has_value());
  ASSERT_TRUE(store_->insertCustomer(fullCustomer("c")).has_value());
  ASSERT_TRUE(store_->insertBudget(fullBudget("b")).has_value());
  auto check = [](const api::Result<void>& r, const char* param) {
    ASSERT_FALSE(r.has_value()) << param;
    EXPECT_EQ(r.error().kind, api::ErrorKind::kInvalidRequest) << r.error().detail;
    EXPECT_EQ(r.error().code, "duplicate");
    EXPECT_EQ(r.error().param, param);
    EXPECT_NE(r.error().message.find("already exists"), std::string::npos);
  };
  check(store_->insertTeam(fullTeam("t", "other alias")), "team_id");
  check(store_->insertUser(fullUser("u")), "user_id");
  check(store_->insertCustomer(fullCustomer("c")), "user_id");
  check(store_->insertBudget(fullBudget("b")), "budget_id");
  EXPECT_EQ(mustTeam("t").team_alias, "Alias");  // the first row stays
  // Ids are case-sensitive: another id is another row.
  EXPECT_TRUE(store_->insertTeam(fullTeam("T")).has_value());
}

// The spend and per-model spend are the live counters' alone; the window end too, unless the
// update changes the budget_duration: then the row's new window end is written.
TEST_P(Hierarchy, UpdatesReplaceEverythingButTheSpendState) {
  ASSERT_TRUE(store_->insertTeam(fullTeam("t")).has_value());
  ASSERT_TRUE(store_->insertUser(fullUser("u")).has_value());
  ASSERT_TRUE(store_->insertCustomer(fullCustomer("c")).has_value());
  ASSERT_TRUE(store_->insertBudget(fullBudget("b")).has_value());
  mustPut(member("t", "u"));

  SpendState moved = test::fullSpendState();  // what the update writes of the spend state
  moved.budget_reset_at = 1'800'000'000'000;

  TeamRow team;  // every field back to its default, spend state included
  team.team_id = "t";
  team.team_alias = "renamed";
  team.spend.spend = 999;
  team.spend.budget_reset_at = moved.budget_reset_at;  // written: "30d" -> no duration
  ASSERT_TRUE(store_->updateTeam(team).value());
  TeamRow got = mustTeam("t");
  EXPECT_EQ(got.team_alias, "renamed");
  EXPECT_TRUE(got.limits.empty());
  EXPECT_TRUE(got.models.empty());
  EXPECT_FALSE(got.blocked);
  EXPECT_TRUE(got.budget_id.empty());
  EXPECT_EQ(got.created_at, 0);
  test::expectSameSpend(got.spend, moved);  // spend and model spend kept
  ASSERT_EQ(got.members.size(), 1u);        // kept

  // The same duration again: the window end stays what the counters made it.
  team.team_alias = "again";
  team.spend.budget_reset_at = 5;
  ASSERT_TRUE(store_->updateTeam(team).value());
  got = mustTeam("t");
  EXPECT_EQ(got.team_alias, "again");
  test::expectSameSpend(got.spend, moved);

  UserRow user = fullUser("u", "new@example.com");
  user.user_role = "internal_user_viewer";
  user.spend = SpendState{};  // the same limits: the stored window end stays
  ASSERT_TRUE(store_->updateUser(user).value());
  UserRow got_user = mustUser("u");
  EXPECT_EQ(got_user.user_email, "new@example.com");
  EXPECT_EQ(got_user.user_role, "internal_user_viewer");
  test::expectSameSpend(got_user.spend, test::fullSpendState());
  user.limits = Limits{};  // no duration now: the row's (none) is written
  ASSERT_TRUE(store_->updateUser(user).value());
  got_user = mustUser("u");
  EXPECT_TRUE(got_user.limits.empty());
  SpendState unwindowed = test::fullSpendState();
  unwindowed.budget_reset_at.reset();
  test::expectSameSpend(got_user.spend, unwindowed);
  EXPECT_EQ(got_user.teams, V{"t"});

  CustomerRow customer;
  customer.user_id = "c";
  customer.alias = "Acme 2";
  customer.limits.max_budget = 7;
  customer.limits.budget_duration = "1d";
  customer.spend.budget_reset_at = moved.budget_reset_at;
  ASSERT_TRUE(store_->updateCustomer(customer).value());
  CustomerRow got_customer = mustCustomer("c");
  EXPECT_EQ(got_customer.alias, "Acme 2");
  EXPECT_FALSE(got_customer.blocked);
  EXPECT_EQ(got_customer.limits.max_budget, 7);
  EXPECT_EQ(got_customer.limits.budget_duration, "1d");
  EXPECT_TRUE(got_customer.limits.model_tpm_limit.empty());
  test::expectSameSpend(got_customer.spend, moved);

  BudgetRow budget = fullBudget("b");
  budget.limits = Limits{};
  budget.limits.rpm_limit = 5;
  budget.budget_reset_at = std::nullopt;  // a budget has no spend state: every field is replaced
  ASSERT_TRUE(store_->updateBudget(budget).value());
  test::expectSameBudget(mustBudget("b"), budget);

  TeamRow missing_team = fullTeam("missing");
  EXPECT_FALSE(store_->updateTeam(missing_team).value());
  EXPECT_FALSE(store_->updateUser(fullUser("missing")).value());
  EXPECT_FALSE(store_->updateCustomer(fullCustomer("missing")).value());
  EXPECT_FALSE(store_->updateBudget(fullBudget("missing")).value());
  EXPECT_FALSE(store_->findTeam("missing").value().has_value());  // an update never inserts
}

TEST_P(Hierarchy, MembersComeWithTheirTeamAndUser) {
  ASSERT_TRUE(store_->insertTeam(fullTeam("team-b")).has_value());
  ASSERT_TRUE(store_->insertTeam(fullTeam("team-a")).has_value());
  ASSERT_TRUE(store_->insertUser(fullUser("ann")).has_value());
  TeamMember ann = member("team-b", "ann", "admin");
  ann.max_budget_in_team = 12.5;
  ann.budget_id = "member-budget";
  mustPut(ann);
  mustPut(member("team-b", "zed"));
  mustPut(member("team-b", "bob"));
  mustPut(member("team-a", "ann"));

  TeamRow b = mustTeam("team-b");
  ASSERT_EQ(b.members.size(), 3u);
  EXPECT_EQ(b.members[0].user_id, "ann");  // by user id
  EXPECT_EQ(b.members[1].user_id, "bob");
  EXPECT_EQ(b.members[2].user_id, "zed");
  EXPECT_EQ(b.members[0].team_id, "team-b");
  EXPECT_EQ(b.members[0].role, "admin");
  EXPECT_EQ(b.members[0].user_email, "ann@example.com");
  EXPECT_EQ(b.members[0].max_budget_in_team, 12.5);
  EXPECT_EQ(b.members[0].budget_id, "member-budget");
  EXPECT_EQ(b.members[1].role, "user");
  EXPECT_FALSE(b.members[1].max_budget_in_team.has_value());
  EXPECT_EQ(mustTeam("team-a").members.size(), 1u);
  EXPECT_EQ(mustUser("ann").teams, (V{"team-a", "team-b"}));  // sorted

  // putMember replaces the membership's fields but keeps its spend state.
  mustWrite({.deltas = {{.id = "ann",
                         .spend = 2.0,
                         .model = "gpt-4o",
                         .level = Level::kTeamMember,
                         .team_id = "team-b"}}});
  TeamMember changed = member("team-b", "ann", "user");
  changed.spend.spend = 100;  // ignored for an existing membership
  mustPut(changed);
  TeamMember got = mustMember("team-b", "ann");
  EXPECT_EQ(got.role, "user");
  EXPECT_FALSE(got.max_budget_in_team.has_value());
  EXPECT_TRUE(got.budget_id.empty());
  EXPECT_DOUBLE_EQ(got.spend.spend, 2.0);
  EXPECT_DOUBLE_EQ(got.spend.model_spend["gpt-4o"].spend, 2.0);
  // A new membership starts with the spend state it is given.
  TeamMember fresh = member("team-a", "cat");
  fresh.spend = test::fullSpendState();
  mustPut(fresh);
  test::expectSameSpend(mustMember("team-a", "cat").spend, test::fullSpendState());

  EXPECT_TRUE(store_->deleteMember("team-b", "zed").value());
  EXPECT_FALSE(store_->deleteMember("team-b", "zed").value());
  EXPECT_FALSE(store_->deleteMember("team-a", "bob").value());
  EXPECT_EQ(mustTeam("team-b").members.size(), 2u);

  std::vector<std::string> seen;
  ASSERT_TRUE(
      store_->forEachMember([&](TeamMember&& m) { seen.push_back(m.team_id + "/" + m.user_id); }));
  EXPECT_EQ(seen, (V{"team-a/ann", "team-a/cat", "team-b/ann", "team-b/bob"}));
}

// More rows than one page of a scan (1000): each row once, with its members and teams.
TEST_P(Hierarchy, ScansVisitEveryRowOnceAcrossPages) {
  const std::string series =
      "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1205) ";
  ASSERT_TRUE(db_.exec(series + "INSERT INTO teams (team_id) SELECT 'team-' || n FROM g"));
  ASSERT_TRUE(db_.exec(series + "INSERT INTO users (user_id) SELECT 'user-' || n FROM g"));
  ASSERT_TRUE(db_.exec(series + "INSERT INTO budgets (budget_id) SELECT 'b-' || n FROM g"));
  ASSERT_TRUE(db_.exec(series + "INSERT INTO team_members (team_id, user_id) SELECT 'team-' || n, "
                                "'user-' || n FROM g"));
  mustPut(member("team-999", "user-1"));  // near the end of the first page (byte order)
  std::size_t teams = 0, members = 0;
  std::vector<std::string> ids;
  ASSERT_TRUE(store_->forEachTeam([&](TeamRow&& t) {
    ++teams;
    members += t.members.size();
    ids.push_back(t.team_id);
    for (const TeamMember& m : t.members) EXPECT_EQ(m.team_id, t.team_id);
  }));
  EXPECT_EQ(teams, 1205u);
  EXPECT_EQ(members, 1206u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end());

  std::size_t users = 0;
  ASSERT_TRUE(store_->forEachUser([&](UserRow&& u) {
    ++users;
    if (u.user_id == "user-1") {
      EXPECT_EQ(u.teams, (V{"team-1", "team-999"}));
    } else {
      EXPECT_EQ(u.teams, V{"team-" + u.user_id.substr(5)});
    }
  }));
  EXPECT_EQ(users, 1205u);
  std::size_t budgets = 0;
  ASSERT_TRUE(store_->forEachBudget([&](BudgetRow&&) { ++budgets; }));
  EXPECT_EQ(budgets, 1205u);
  std::size_t memberships = 0;
  ASSERT_TRUE(store_->forEachMember([&](TeamMember&&) { ++memberships; }));
  EXPECT_EQ(memberships, 1206u);
}

TEST_P(Hierarchy, UsersAreFoundByEmailTrimmedAndCaseInsensitively) {
  ASSERT_TRUE(store_->insertUser(fullUser("u2", "ann@example.com")).has_value());
  ASSERT_TRUE(store_->insertUser(fullUser("u1", " Ann@Example.COM ")).has_value());
  ASSERT_TRUE(store_->insertUser(fullUser("u3", "bob@example.com")).has_value());
  ASSERT_TRUE(store_->insertUser(fullUser("u4", "")).has_value());
  mustPut(member("team-x", "u1"));
  auto found = store_->findUsersByEmail("  ANN@example.com\t");
  ASSERT_TRUE(found.has_value()) << found.error().detail;
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[0].user_id, "u1");
  EXPECT_EQ((*found)[0].teams, V{"team-x"});
  EXPECT_EQ((*found)[1].user_id, "u2");
  EXPECT_TRUE(store_->findUsersByEmail("nobody@example.com").value().empty());
  EXPECT_TRUE(store_->findUsersByEmail("  ").value().empty());  // not the users without one
  EXPECT_TRUE(store_->findUsersByEmail("ann@example").value().empty());  // whole address only
}

// Deleting a team deletes its memberships, its keys and their stored responses, in one go.
TEST_P(Hierarchy, DeletingTeamsTakesTheirKeysAndMembershipsAlong) {
  ASSERT_TRUE(store_->insertTeam(fullTeam("t1")).has_value());
  ASSERT_TRUE(store_->insertTeam(fullTeam("t2")).has_value());
  ASSERT_TRUE(store_->insertUser(fullUser("u1")).has_value());
  KeyRow k1 = test::plainKey("k1"), k2 = test::plainKey("k2"), k3 = test::plainKey("k3");
  KeyRow k4 = test::plainKey("k4");
  k1.team_id = "t1";
  k2.team_id = "t1";
  k2.user_id = "u1";
  k3.team_id = "t2";
  for (const KeyRow& k : {k1, k2, k3, k4}) ASSERT_TRUE(store_->insertKey(k).has_value());
  mustPut(member("t1", "u1"));
  mustPut(member("t2", "u1"));
  mustWrite({.rows = {},
             .deltas = {},
             .resets = {},
             .audit = {},
             .responses = {{.id = "resp_1", .owner = "k1"}, {.id = "resp_3", .owner = "k3"}}});

  auto deleted = store_->deleteTeams({"t1", "missing"});
  ASSERT_TRUE(deleted.has_value()) << deleted.error().detail;
  EXPECT_EQ(deleted->count, 1u);
  V tokens = deleted->key_tokens;
  std::sort(tokens.begin(), tokens.end());
  EXPECT_EQ(tokens, (V{"k1", "k2"}));

  EXPECT_FALSE(store_->findTeam("t1").value().has_value());
  EXPECT_FALSE(store_->findKey("k1").value().has_value());
  EXPECT_FALSE(store_->findKey("k2").value().has_value());
  EXPECT_TRUE(store_->findKey("k3").value().has_value());
  EXPECT_TRUE(store_->findKey("k4").value().has_value());  // no team: not the deleted one's
  EXPECT_FALSE(store_->findResponse("resp_1").value().has_value());
  EXPECT_TRUE(store_->findResponse("resp_3").value().has_value());
  EXPECT_EQ(mustUser("u1").teams, V{"t2"});
  EXPECT_EQ(mustTeam("t2").members.size(), 1u);

  deleted = store_->deleteTeams({"t1"});  // already gone
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(deleted->count, 0u);
  EXPECT_TRUE(deleted->key_tokens.empty());
  // '' names no team: the keys without one stay.
  deleted = store_->deleteTeams({""});
  ASSERT_TRUE(deleted.has_value());
  EXPECT_TRUE(deleted->key_tokens.empty());
  EXPECT_TRUE(store_->findKey("k4").value().has_value());
}

TEST_P(Hierarchy, DeletingUsersTakesTheirKeysAndMembershipsAlong) {
  ASSERT_TRUE(store_->insertUser(fullUser("u1")).has_value());
  ASSERT_TRUE(store_->insertUser(fullUser("u2")).has_value());
  ASSERT_TRUE(store_->insertTeam(fullTeam("t1")).has_value());
  KeyRow mine = test::plainKey("mine"), theirs = test::plainKey("theirs");
  KeyRow nobodys = test::plainKey("nobodys");
  mine.user_id = "u1";
  mine.team_id = "t1";
  theirs.user_id = "u2";
  for (const KeyRow& k : {mine, theirs, nobodys}) ASSERT_TRUE(store_->insertKey(k).has_value());
  mustPut(member("t1", "u1"));
  mustPut(member("t1", "u2"));
  mustWrite({.rows = {},
             .deltas = {},
             .resets = {},
             .audit = {},
             .responses = {{.id = "resp_mine", .owner = "mine"}}});

  auto deleted = store_->deleteUsers({"u1", "u1", ""});
  ASSERT_TRUE(deleted.has_value()) << deleted.error().detail;
  EXPECT_EQ(deleted->count, 1u);
  EXPECT_EQ(deleted->key_tokens, V{"mine"});
  EXPECT_FALSE(store_->findUser("u1").value().has_value());
  EXPECT_FALSE(store_->findKey("mine").value().has_value());
  EXPECT_TRUE(store_->findKey("theirs").value().has_value());
  EXPECT_TRUE(store_->findKey("nobodys").value().has_value());
  EXPECT_FALSE(store_->findResponse("resp_mine").value().has_value());
  TeamRow t1 = mustTeam("t1");
  ASSERT_EQ(t1.members.size(), 1u);
  EXPECT_EQ(t1.members[0].user_id, "u2");
}

TEST_P(Hierarchy, DeletingCustomersDeletesOnlyThem) {
  ASSERT_TRUE(store_->insertCustomer(fullCustomer("c1")).has_value());
  ASSERT_TRUE(store_->insertCustomer(fullCustomer("c2")).has_value());
  ASSERT_TRUE(store_->insertCustomer(fullCustomer("c3")).has_value());
  auto deleted = store_->deleteCustomers({"c1", "c3", "c9"});
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(deleted->count, 2u);
  EXPECT_TRUE(deleted->key_tokens.empty());
  EXPECT_FALSE(store_->findCustomer("c1").value().has_value());
  EXPECT_TRUE(store_->findCustomer("c2").value().has_value());
  EXPECT_EQ(store_->deleteCustomers({}).value().count, 0u);
}

TEST_P(Hierarchy, DeletingABudgetClearsEveryReferenceToIt) {
  ASSERT_TRUE(store_->insertBudget(fullBudget("gold")).has_value());
  ASSERT_TRUE(store_->insertBudget(fullBudget("silver")).has_value());
  TeamRow t1 = fullTeam("t1"), t2 = fullTeam("t2");
  t1.budget_id = "gold";
  t2.budget_id = "silver";
  UserRow u = fullUser("u");
  u.budget_id = "gold";
  CustomerRow c = fullCustomer("c");
  c.budget_id = "gold";
  TeamMember m = member("t2", "u");
  m.budget_id = "gold";
  ASSERT_TRUE(store_->insertTeam(t1).has_value());
  ASSERT_TRUE(store_->insertTeam(t2).has_value());
  ASSERT_TRUE(store_->insertUser(u).has_value());
  ASSERT_TRUE(store_->insertCustomer(c).has_value());
  mustPut(m);

  EXPECT_TRUE(store_->deleteBudget("gold").value());
  EXPECT_FALSE(store_->findBudget("gold").value().has_value());
  EXPECT_EQ(mustTeam("t1").budget_id, "");
  EXPECT_EQ(mustUser("u").budget_id, "");
  EXPECT_EQ(mustCustomer("c").budget_id, "");
  TeamRow got_t2 = mustTeam("t2");
  EXPECT_EQ(got_t2.budget_id, "silver");  // another budget's references stay
  ASSERT_EQ(got_t2.members.size(), 1u);
  EXPECT_EQ(got_t2.members[0].budget_id, "");
  EXPECT_TRUE(store_->findBudget("silver").value().has_value());
  EXPECT_EQ(mustTeam("t1").team_alias, "Alias");  // nothing else changed

  EXPECT_FALSE(store_->deleteBudget("gold").value());
  EXPECT_FALSE(store_->deleteBudget("").value());
  EXPECT_EQ(mustTeam("t2").budget_id, "silver");
}

TEST_P(Hierarchy, CorruptJsonIsAnInternalErrorNamingTheColumn) {
  ASSERT_TRUE(store_->insertTeam(fullTeam("t")).has_value());
  ASSERT_TRUE(db_.exec("UPDATE teams SET model_aliases = 'not json' WHERE team_id = 't'"));
  auto found = store_->findTeam("t");
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().kind, api::ErrorKind::kInternal);
  EXPECT_NE(found.error().detail.find("model_aliases"), std::string::npos);
  EXPECT_FALSE(store_->forEachTeam([](TeamRow&&) {}).has_value());
  EXPECT_FALSE(store_->listTeams({}).has_value());
}

SY_BOTH_ENGINES(Hierarchy);

}  // namespace
}  // namespace switchyard::store
