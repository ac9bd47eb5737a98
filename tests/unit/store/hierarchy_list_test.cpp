// GET /team/list, /user/list, /customer/list, /budget/list in the store, against both engines:
// filters, whitelisted sorting (ties by id), paging and totals; filter text is never SQL.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hierarchy_test_util.hpp"

// Designated initializers name only the fields a test cares about; GCC's -Wextra would warn
// about every member left out that has no default member initializer.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace switchyard::store {
namespace {

using test::member;
using V = std::vector<std::string>;

class HierarchyList : public test::HierarchyTest {
 protected:
  void addTeam(const std::string& id, const std::string& alias, UnixMs created, double spend) {
    TeamRow t;
    t.team_id = id;
    t.team_alias = alias;
    t.created_at = created;
    t.spend.spend = spend;
    ASSERT_TRUE(store_->insertTeam(t).has_value());
  }
  void addUser(const std::string& id, const std::string& email, const std::string& role,
               UnixMs created) {
    UserRow u;
    u.user_id = id;
    u.user_email = email;
    u.user_alias = "alias of " + id;
    u.user_role = role;
    u.created_at = created;
    ASSERT_TRUE(store_->insertUser(u).has_value());
  }

  template <class Row, class Id>
  V ids(const api::Result<Page<Row>>& page, Id id, std::int64_t* total = nullptr) {
    EXPECT_TRUE(page.has_value()) << (page ? "" : page.error().detail);
    V out;
    if (!page) return out;
    for (const Row& r : page->rows) out.push_back(id(r));
    if (total != nullptr) *total = page->total;
    return out;
  }
  V teams(const ListQuery& q, std::int64_t* total = nullptr) {
    return ids(
        store_->listTeams(q), [](const TeamRow& t) { return t.team_id; }, total);
  }
  V users(const ListQuery& q, std::int64_t* total = nullptr) {
    return ids(
        store_->listUsers(q), [](const UserRow& u) { return u.user_id; }, total);
  }
  V customers(const ListQuery& q, std::int64_t* total = nullptr) {
    return ids(
        store_->listCustomers(q), [](const CustomerRow& c) { return c.user_id; }, total);
  }
  V budgets(const ListQuery& q, std::int64_t* total = nullptr) {
    return ids(
        store_->listBudgets(q), [](const BudgetRow& b) { return b.budget_id; }, total);
  }
};

class HierarchyTeamList : public HierarchyList {
 protected:
  void SetUp() override {
    HierarchyList::SetUp();
    addTeam("t1", "Red Team", 100, 5);
    addTeam("t2", "blue team", 300, 1);
    addTeam("t3", "Green", 200, 9);
    addTeam("t4", "dark RED", 400, 0);
    addTeam("t5", "", 500, 3);
    mustPut(member("t1", "u1"));
    mustPut(member("t3", "u1"));
    mustPut(member("t2", "u2"));
  }
};

TEST_P(HierarchyTeamList, NewestFirstByDefault) {
  std::int64_t total = 0;
  EXPECT_EQ(teams({}, &total), (V{"t5", "t4", "t2", "t3", "t1"}));
  EXPECT_EQ(total, 5);
  EXPECT_EQ(teams({.descending = false}), (V{"t1", "t3", "t2", "t4", "t5"}));
}

TEST_P(HierarchyTeamList, FilterIsACaseInsensitiveContainsOnTheAlias) {
  std::int64_t total = 0;
  EXPECT_EQ(teams({.filter = "red"}, &total), (V{"t4", "t1"}));
  EXPECT_EQ(total, 2);
  EXPECT_EQ(teams({.filter = "TEAM"}), (V{"t2", "t1"}));
  EXPECT_EQ(teams({.filter = "t1"}), V{});  // the alias, not the id
  EXPECT_EQ(teams({.filter = "nothing"}, &total), V{});
  EXPECT_EQ(total, 0);
}

TEST_P(HierarchyTeamList, UserFilterKeepsTheTeamsOfThatMemberWithTheirMembers) {
  auto page = store_->listTeams({.user_id = "u1"});
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->total, 2);
  ASSERT_EQ(page->rows.size(), 2u);
  EXPECT_EQ(page->rows[0].team_id, "t3");
  EXPECT_EQ(page->rows[1].team_id, "t1");
  ASSERT_EQ(page->rows[1].members.size(), 1u);
  EXPECT_EQ(page->rows[1].members[0].user_id, "u1");
  EXPECT_EQ(teams({.filter = "red", .user_id = "u1"}), V{"t1"});
  EXPECT_EQ(teams({.user_id = "nobody"}), V{});
  // Filters of other lists do not apply.
  EXPECT_EQ(teams({.team_id = "t1", .role = "proxy_admin"}).size(), 5u);
}

TEST_P(HierarchyTeamList, SortsByWhitelistedColumnsThenId) {
  // Text in byte order on both engines: upper case before lower case.
  EXPECT_EQ(teams({.sort_by = "team_alias", .descending = false}),
            (V{"t5", "t3", "t1", "t2", "t4"}));
  EXPECT_EQ(teams({.sort_by = "team_alias"}), (V{"t4", "t2", "t1", "t3", "t5"}));
  EXPECT_EQ(teams({.sort_by = "spend"}), (V{"t3", "t1", "t5", "t2", "t4"}));
  EXPECT_EQ(teams({.sort_by = "team_id", .descending = false}), (V{"t1", "t2", "t3", "t4", "t5"}));
  EXPECT_EQ(teams({.sort_by = "created_at", .descending = false}),
            (V{"t1", "t3", "t2", "t4", "t5"}));
  // Anything else: created_at.
  EXPECT_EQ(teams({.sort_by = "models"}), (V{"t5", "t4", "t2", "t3", "t1"}));
  EXPECT_EQ(teams({.sort_by = "team_id; DROP TABLE teams"}), (V{"t5", "t4", "t2", "t3", "t1"}));
  // Ties by id, in the same direction.
  addTeam("t0", "", 500, 3);
  EXPECT_EQ(teams({.size = 2}), (V{"t5", "t0"}));
  EXPECT_EQ(teams({.sort_by = "spend", .descending = false}),
            (V{"t4", "t2", "t0", "t5", "t1", "t3"}));
}

TEST_P(HierarchyTeamList, PagesAndTotals) {
  std::int64_t total = 0;
  EXPECT_EQ(teams({.page = 1, .size = 2}, &total), (V{"t5", "t4"}));
  EXPECT_EQ(total, 5);
  EXPECT_EQ(teams({.page = 2, .size = 2}, &total), (V{"t2", "t3"}));
  EXPECT_EQ(total, 5);
  EXPECT_EQ(teams({.page = 3, .size = 2}), V{"t1"});
  EXPECT_EQ(teams({.page = 4, .size = 2}, &total), V{});
  EXPECT_EQ(total, 5);  // the total counts every match, whatever the page
  EXPECT_EQ(teams({.filter = "e", .page = 3, .size = 1}, &total), V{"t3"});
  EXPECT_EQ(total, 4);
  // Out of range: size at least 1, page at least 1.
  EXPECT_EQ(teams({.page = 0, .size = 0}), V{"t5"});
  EXPECT_EQ(teams({.page = -3, .size = 100000}).size(), 5u);
}

TEST_P(HierarchyTeamList, FilterTextIsNeverSql) {
  EXPECT_EQ(teams({.filter = "' OR 1=1 --"}), V{});
  EXPECT_EQ(teams({.filter = "%"}), V{});  // not a LIKE pattern
  EXPECT_EQ(teams({.filter = "_"}), V{});
  EXPECT_EQ(teams({.user_id = "' OR ''='"}), V{});
  addTeam("t9", "100% _real_", 50, 0);
  EXPECT_EQ(teams({.filter = "0% _r"}), V{"t9"});
  EXPECT_EQ(teams({}).size(), 6u);  // nothing was dropped
}

TEST_P(HierarchyList, UsersByFilterTeamAndRole) {
  addUser("u1", "b@x.com", "internal_user", 10);
  addUser("u2", "a@x.com", "proxy_admin", 20);
  addUser("admin-3", "c@x.com", "proxy_admin", 30);
  mustPut(member("t", "u1"));
  mustPut(member("t", "u2"));
  mustPut(member("other", "admin-3"));
  std::int64_t total = 0;
  EXPECT_EQ(users({}, &total), (V{"admin-3", "u2", "u1"}));
  EXPECT_EQ(total, 3);
  EXPECT_EQ(users({.filter = "U"}), (V{"u2", "u1"}));  // user_id contains
  EXPECT_EQ(users({.filter = "ADMIN"}), V{"admin-3"});
  EXPECT_EQ(users({.filter = "x.com"}), V{});  // not the email
  auto page = store_->listUsers({.team_id = "t"});
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->total, 2);
  ASSERT_EQ(page->rows.size(), 2u);
  EXPECT_EQ(page->rows[0].user_id, "u2");
  EXPECT_EQ(page->rows[0].teams, V{"t"});
  EXPECT_EQ(users({.role = "proxy_admin"}, &total), (V{"admin-3", "u2"}));
  EXPECT_EQ(total, 2);
  EXPECT_EQ(users({.team_id = "t", .role = "proxy_admin"}), V{"u2"});
  EXPECT_EQ(users({.role = "nobody"}), V{});
  EXPECT_EQ(users({.user_id = "u1"}).size(), 3u);  // team/list's filter: not applied here

  EXPECT_EQ(users({.sort_by = "user_email", .descending = false}), (V{"u2", "u1", "admin-3"}));
  EXPECT_EQ(users({.sort_by = "user_id", .descending = false}), (V{"admin-3", "u1", "u2"}));
  EXPECT_EQ(users({.sort_by = "user_alias"}), (V{"u2", "u1", "admin-3"}));
  EXPECT_EQ(users({.sort_by = "user_role", .descending = false}), (V{"u1", "admin-3", "u2"}));
  EXPECT_EQ(users({.sort_by = "metadata"}), (V{"admin-3", "u2", "u1"}));
  EXPECT_EQ(users({.page = 2, .size = 2}, &total), V{"u1"});
  EXPECT_EQ(total, 3);
}

TEST_P(HierarchyList, UsersByEmailAndByIdList) {
  addUser("u1", "Ann.Lee@Example.com", "internal_user", 10);
  addUser("u2", "bob@example.org", "internal_user", 20);
  addUser("u3", "carol@EXAMPLE.com", "proxy_admin", 30);
  addUser("u4", "", "internal_user", 40);
  std::int64_t total = 0;
  // user_email: a case-insensitive "contains".
  EXPECT_EQ(users({.user_email = "example.COM"}, &total), (V{"u3", "u1"}));
  EXPECT_EQ(total, 2);
  EXPECT_EQ(users({.user_email = "ann.lee@example.com"}), V{"u1"});
  EXPECT_EQ(users({.user_email = "nobody"}), V{});
  // ids: exactly these, with the other filters.
  EXPECT_EQ(users({.ids = {"u1", "u4", "missing"}}, &total), (V{"u4", "u1"}));
  EXPECT_EQ(total, 2);
  EXPECT_EQ(users({.ids = {"U1"}}), V{});  // exact, not "contains"
  EXPECT_EQ(users({.role = "proxy_admin", .ids = {"u1", "u3"}}), V{"u3"});
  EXPECT_EQ(users({.user_email = "example", .ids = {"u2", "u4"}}), V{"u2"});
  EXPECT_EQ(users({.filter = "u", .user_email = "example.com", .ids = {"u1", "u2", "u3"}}),
            (V{"u3", "u1"}));
  EXPECT_EQ(users({.sort_by = "user_id",
                   .descending = false,
                   .page = 2,
                   .size = 1,
                   .ids = {"u1", "u2", "u3"}},
                  &total),
            V{"u2"});
  EXPECT_EQ(total, 3);
  // Never SQL.
  EXPECT_EQ(users({.user_email = "' OR 1=1 --"}), V{});
  EXPECT_EQ(users({.user_email = "%"}), V{});
  EXPECT_EQ(users({.ids = {"u1') OR ('1'='1", "\"]"}}), V{});
  EXPECT_EQ(users({}).size(), 4u);
}

TEST_P(HierarchyList, CustomersByFilterAndSort) {
  for (auto [id, alias, created, spend] :
       {std::tuple{"c-acme", "Acme", 1, 2.0}, std::tuple{"c-beta", "beta", 2, 7.0},
        std::tuple{"other", "zzz", 3, 1.0}}) {
    CustomerRow c;
    c.user_id = id;
    c.alias = alias;
    c.created_at = created;
    c.spend.spend = spend;
    ASSERT_TRUE(store_->insertCustomer(c).has_value());
  }
  std::int64_t total = 0;
  EXPECT_EQ(customers({}, &total), (V{"other", "c-beta", "c-acme"}));
  EXPECT_EQ(total, 3);
  EXPECT_EQ(customers({.filter = "C-"}, &total), (V{"c-beta", "c-acme"}));
  EXPECT_EQ(total, 2);
  EXPECT_EQ(customers({.filter = "acme"}), V{"c-acme"});
  EXPECT_EQ(customers({.sort_by = "alias", .descending = false}), (V{"c-acme", "c-beta", "other"}));
  EXPECT_EQ(customers({.sort_by = "spend"}), (V{"c-beta", "c-acme", "other"}));
  EXPECT_EQ(customers({.sort_by = "user_id", .descending = false, .page = 2, .size = 2}),
            V{"other"});
}

TEST_P(HierarchyList, BudgetsByFilterAndSort) {
  for (auto [id, created, updated] :
       {std::tuple{"gold", 1, 30}, std::tuple{"Silver", 2, 10}, std::tuple{"gold-eu", 3, 20}}) {
    BudgetRow b;
    b.budget_id = id;
    b.created_at = created;
    b.updated_at = updated;
    ASSERT_TRUE(store_->insertBudget(b).has_value());
  }
  std::int64_t total = 0;
  EXPECT_EQ(budgets({}, &total), (V{"gold-eu", "Silver", "gold"}));
  EXPECT_EQ(total, 3);
  EXPECT_EQ(budgets({.filter = "GOLD"}, &total), (V{"gold-eu", "gold"}));
  EXPECT_EQ(total, 2);
  EXPECT_EQ(budgets({.filter = "silver"}), V{"Silver"});
  EXPECT_EQ(budgets({.sort_by = "budget_id", .descending = false}),
            (V{"Silver", "gold", "gold-eu"}));
  EXPECT_EQ(budgets({.sort_by = "updated_at"}), (V{"gold", "gold-eu", "Silver"}));
  EXPECT_EQ(budgets({.size = 1}, &total), V{"gold-eu"});
  EXPECT_EQ(total, 3);
}

SY_BOTH_ENGINES(HierarchyList);
SY_BOTH_ENGINES(HierarchyTeamList);

}  // namespace
}  // namespace switchyard::store
