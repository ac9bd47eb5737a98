// Spend of the hierarchy's levels through batched writes (deltas and resets per level, the
// customer a delta creates, deltas of missing rows dropped), the spend-log filters by team, key
// owner and customer, and the migration from the schema before the hierarchy, against both
// engines; two PostgreSQL instances writing one team's spend at once.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "hierarchy_test_util.hpp"
#include "store/pg_schema.hpp"
#include "store/sqlite_schema.hpp"

// Designated initializers name only the fields a test cares about; GCC's -Wextra would warn
// about every member left out that has no default member initializer.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace switchyard::store {
namespace {

using test::Engine;
using test::fullCustomer;
using test::fullTeam;
using test::fullUser;
using test::member;
using V = std::vector<std::string>;

constexpr UnixMs kNext = 1'800'000'000'000;
constexpr UnixMs kDay = 86'400'000;

UnixMs nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SpendDelta delta(Level level, const std::string& id, double spend, const std::string& model = "",
                 const std::string& team = "") {
  return {.id = id, .spend = spend, .model = model, .level = level, .team_id = team};
}
BudgetReset reset(Level level, const std::string& id, UnixMs next, const std::string& model = "",
                  const std::string& team = "") {
  return {.id = id, .model = model, .next_reset_at = next, .level = level, .team_id = team};
}

SpendRow spendRow(const std::string& id, const std::string& team, const std::string& user,
                  const std::string& end_user, UnixMs start, double spend) {
  SpendRow r;
  r.request_id = id;
  r.api_key = "key-" + user;
  r.team_id = team;
  r.user = user;
  r.end_user = end_user;
  r.model = "gpt4";
  r.start_time = start;
  r.spend = spend;
  r.prompt_tokens = 10;
  r.completion_tokens = 5;
  r.total_tokens = 15;
  return r;
}

class HierarchyWrite : public test::HierarchyTest {
 protected:
  void SetUp() override {
    HierarchyTest::SetUp();
    ASSERT_TRUE(store_->insertTeam(fullTeam("t")).has_value());  // spend 12.25, gpt-4o 1.5
    ASSERT_TRUE(store_->insertUser(fullUser("u")).has_value());
    ASSERT_TRUE(store_->insertCustomer(fullCustomer("c")).has_value());
    TeamMember m = member("t", "u");
    m.spend = test::fullSpendState();
    mustPut(m);
  }
  V idsOf(const SpendQuery& q) {
    V out;
    auto rows = store_->spendLogs(q);
    EXPECT_TRUE(rows.has_value()) << (rows ? "" : rows.error().detail);
    if (rows) {
      for (const SpendRow& r : *rows) out.push_back(r.request_id);
    }
    return out;
  }
};

TEST_P(HierarchyWrite, DeltasAddToEveryLevel) {
  ASSERT_TRUE(store_->insertKey(test::fullKey("k", "a")).has_value());  // spend 3.75
  mustWrite({.deltas = {delta(Level::kKey, "k", 1.0), delta(Level::kTeam, "t", 1.0),
                        delta(Level::kTeam, "t", 0.5, "gpt-4o"),
                        delta(Level::kTeam, "t", 0.25, "new-model"), delta(Level::kUser, "u", 2.0),
                        delta(Level::kUser, "u", 1.0, "claude-3"),
                        delta(Level::kTeamMember, "u", 0.75, "gpt-4o", "t"),
                        delta(Level::kTeamMember, "u", 0.25, "", "t"),
                        delta(Level::kCustomer, "c", 0.5, "gpt-4o")}});
  TeamRow t = mustTeam("t");
  EXPECT_DOUBLE_EQ(t.spend.spend, 12.25 + 1.75);
  EXPECT_DOUBLE_EQ(t.spend.model_spend["gpt-4o"].spend, 2.0);
  EXPECT_EQ(t.spend.model_spend["gpt-4o"].reset_at, 1'700'000'100'000);  // untouched
  EXPECT_DOUBLE_EQ(t.spend.model_spend["new-model"].spend, 0.25);
  EXPECT_FALSE(t.spend.model_spend["new-model"].reset_at.has_value());
  EXPECT_DOUBLE_EQ(t.spend.model_spend["claude-3"].spend, 0.25);
  EXPECT_EQ(t.spend.budget_reset_at, 1'700'000'000'123);
  EXPECT_EQ(t.team_alias, "Alias");  // nothing but the spend

  UserRow u = mustUser("u");
  EXPECT_DOUBLE_EQ(u.spend.spend, 12.25 + 3.0);
  EXPECT_DOUBLE_EQ(u.spend.model_spend["claude-3"].spend, 1.25);
  EXPECT_DOUBLE_EQ(u.spend.model_spend["gpt-4o"].spend, 1.5);

  TeamMember m = mustMember("t", "u");
  EXPECT_DOUBLE_EQ(m.spend.spend, 12.25 + 1.0);
  EXPECT_DOUBLE_EQ(m.spend.model_spend["gpt-4o"].spend, 2.25);

  CustomerRow c = mustCustomer("c");
  EXPECT_DOUBLE_EQ(c.spend.spend, 12.75);
  EXPECT_DOUBLE_EQ(c.spend.model_spend["gpt-4o"].spend, 2.0);
  EXPECT_EQ(c.alias, "Acme Corp");

  KeyRow k = mustFind("k");
  EXPECT_DOUBLE_EQ(k.spend, 4.75);
  EXPECT_DOUBLE_EQ(k.model_spend["gpt-4o"].spend, 0.5);  // the key's own model spend
}

TEST_P(HierarchyWrite, ACustomersFirstDeltaCreatesIt) {
  const UnixMs before = nowMs();
  mustWrite({.deltas = {delta(Level::kCustomer, "new-cust", 0.5),
                        delta(Level::kCustomer, "new-cust", 0.25, "gpt-4o"),
                        delta(Level::kCustomer, "model-only", 1.0, "m"),
                        delta(Level::kCustomer, "", 1.0)}});
  const UnixMs after = nowMs();
  CustomerRow c = mustCustomer("new-cust");
  EXPECT_DOUBLE_EQ(c.spend.spend, 0.75);
  EXPECT_DOUBLE_EQ(c.spend.model_spend["gpt-4o"].spend, 0.25);
  EXPECT_GE(c.created_at, before);
  EXPECT_LE(c.created_at, after);
  EXPECT_EQ(c.updated_at, c.created_at);
  EXPECT_TRUE(c.alias.empty());
  EXPECT_FALSE(c.blocked);
  EXPECT_TRUE(c.limits.empty());
  EXPECT_TRUE(c.budget_id.empty());
  CustomerRow m = mustCustomer("model-only");
  EXPECT_DOUBLE_EQ(m.spend.spend, 1.0);
  EXPECT_DOUBLE_EQ(m.spend.model_spend["m"].spend, 1.0);
  EXPECT_FALSE(store_->findCustomer("").value().has_value());  // no customer: no row

  mustWrite({.deltas = {delta(Level::kCustomer, "new-cust", 0.25)}});
  CustomerRow again = mustCustomer("new-cust");
  EXPECT_DOUBLE_EQ(again.spend.spend, 1.0);
  EXPECT_EQ(again.created_at, c.created_at);
  EXPECT_EQ(store_->listCustomers({}).value().total, 3);  // "c", "new-cust", "model-only"
}

TEST_P(HierarchyWrite, DeltasAndResetsOfMissingRowsAreDropped) {
  mustWrite(
      {.deltas = {delta(Level::kTeam, "gone", 1.0), delta(Level::kTeam, "gone", 1.0, "m"),
                  delta(Level::kUser, "ghost", 1.0), delta(Level::kUser, "ghost", 1.0, "m"),
                  delta(Level::kTeamMember, "ghost", 1.0, "", "t"),
                  delta(Level::kTeamMember, "u", 1.0, "m", "gone"), delta(Level::kTeam, "t", 1.0)},
       .resets = {reset(Level::kTeam, "gone", kNext), reset(Level::kUser, "ghost", kNext, "m"),
                  reset(Level::kCustomer, "nobody", kNext),
                  reset(Level::kCustomer, "nobody", kNext, "m"),
                  reset(Level::kTeamMember, "ghost", kNext, "", "t")}});
  EXPECT_FALSE(store_->findTeam("gone").value().has_value());
  EXPECT_FALSE(store_->findUser("ghost").value().has_value());
  EXPECT_FALSE(store_->findCustomer("nobody").value().has_value());  // a reset creates nothing
  EXPECT_EQ(store_->listTeams({}).value().total, 1);
  EXPECT_EQ(store_->listUsers({}).value().total, 1);
  EXPECT_EQ(mustTeam("t").members.size(), 1u);  // no membership appeared
  EXPECT_EQ(mustUser("u").teams, V{"t"});
  EXPECT_DOUBLE_EQ(mustTeam("t").spend.spend, 13.25);  // the batch's other deltas apply
}

TEST_P(HierarchyWrite, ResetsZeroEachLevelOncePerWindow) {
  const std::vector<BudgetReset> resets = {reset(Level::kTeam, "t", kNext),
                                           reset(Level::kUser, "u", kNext, "gpt-4o"),
                                           reset(Level::kTeamMember, "u", kNext, "", "t"),
                                           reset(Level::kCustomer, "c", kNext, "claude-3")};
  mustWrite({.resets = resets});
  TeamRow t = mustTeam("t");
  EXPECT_DOUBLE_EQ(t.spend.spend, 0);
  EXPECT_EQ(t.spend.budget_reset_at, kNext);
  EXPECT_DOUBLE_EQ(t.spend.model_spend["gpt-4o"].spend, 1.5);  // a level reset: not its models
  UserRow u = mustUser("u");
  EXPECT_DOUBLE_EQ(u.spend.spend, 12.25);  // a model reset: that model only
  EXPECT_EQ(u.spend.budget_reset_at, 1'700'000'000'123);
  EXPECT_DOUBLE_EQ(u.spend.model_spend["gpt-4o"].spend, 0);
  EXPECT_EQ(u.spend.model_spend["gpt-4o"].reset_at, kNext);
  EXPECT_DOUBLE_EQ(u.spend.model_spend["claude-3"].spend, 0.25);
  TeamMember m = mustMember("t", "u");
  EXPECT_DOUBLE_EQ(m.spend.spend, 0);
  EXPECT_EQ(m.spend.budget_reset_at, kNext);
  CustomerRow c = mustCustomer("c");
  EXPECT_DOUBLE_EQ(c.spend.spend, 12.25);
  EXPECT_DOUBLE_EQ(c.spend.model_spend["claude-3"].spend, 0);
  EXPECT_EQ(c.spend.model_spend["claude-3"].reset_at, kNext);

  // Another instance's reset of the same window comes later: the spend since stays.
  mustWrite({.deltas = {delta(Level::kTeam, "t", 0.5), delta(Level::kUser, "u", 0.5, "gpt-4o"),
                        delta(Level::kTeamMember, "u", 0.5, "", "t")}});
  mustWrite({.resets = resets});
  EXPECT_DOUBLE_EQ(mustTeam("t").spend.spend, 0.5);
  EXPECT_DOUBLE_EQ(mustUser("u").spend.model_spend["gpt-4o"].spend, 0.5);
  EXPECT_DOUBLE_EQ(mustMember("t", "u").spend.spend, 0.5);

  // The next window's reset applies, after the deltas of its batch.
  mustWrite({.deltas = {delta(Level::kTeam, "t", 2.0)},
             .resets = {reset(Level::kTeam, "t", kNext + kDay),
                        reset(Level::kUser, "u", kNext + kDay, "gpt-4o")}});
  t = mustTeam("t");
  EXPECT_DOUBLE_EQ(t.spend.spend, 0);
  EXPECT_EQ(t.spend.budget_reset_at, kNext + kDay);
  EXPECT_DOUBLE_EQ(mustUser("u").spend.model_spend["gpt-4o"].spend, 0);
}

TEST_P(HierarchyWrite, ABatchWithLevelDeltasIsAllOrNothing) {
  db_.failAuditInserts(true);
  const WriteBatch batch{
      .rows = {spendRow("r1", "t", "u", "c", 1, 1.0)},
      .deltas = {delta(Level::kTeam, "t", 1.0), delta(Level::kCustomer, "brand-new", 1.0)},
      .resets = {reset(Level::kUser, "u", kNext)},
      .audit = {{.at = 1, .actor = "master", .action = "team.update"}}};
  auto failed = store_->write(batch);
  ASSERT_FALSE(failed.has_value());
  EXPECT_DOUBLE_EQ(mustTeam("t").spend.spend, 12.25);
  EXPECT_FALSE(store_->findCustomer("brand-new").value().has_value());
  EXPECT_DOUBLE_EQ(mustUser("u").spend.spend, 12.25);
  db_.failAuditInserts(false);
  mustWrite(batch);
  EXPECT_DOUBLE_EQ(mustTeam("t").spend.spend, 13.25);
  EXPECT_DOUBLE_EQ(mustCustomer("brand-new").spend.spend, 1.0);
  EXPECT_DOUBLE_EQ(mustUser("u").spend.spend, 0);
}

TEST_P(HierarchyWrite, SpendLogsFilterByTeamKeyOwnerAndCustomer) {
  mustWrite({.rows = {spendRow("r1", "red", "ann", "acme", 10, 1.0),
                      spendRow("r2", "red", "bob", "", 20, 2.0),
                      spendRow("r3", "blue", "ann", "acme", 30, 4.0),
                      spendRow("r4", "", "", "", 40, 8.0)}});
  EXPECT_EQ(idsOf({.team_id = "red"}), (V{"r2", "r1"}));
  EXPECT_EQ(idsOf({.user = "ann"}), (V{"r3", "r1"}));
  EXPECT_EQ(idsOf({.end_user = "acme"}), (V{"r3", "r1"}));
  EXPECT_EQ(idsOf({.team_id = "red", .user = "ann"}), V{"r1"});
  EXPECT_EQ(idsOf({.team_id = "blue", .end_user = "acme", .start = 31}), V{});
  EXPECT_EQ(idsOf({.api_key = "key-bob", .team_id = "red"}), V{"r2"});
  EXPECT_EQ(idsOf({.team_id = ""}), V{"r4"});  // '' : the rows without a team
  EXPECT_EQ(idsOf({.end_user = ""}), (V{"r4", "r2"}));
  EXPECT_EQ(idsOf({.user = "nobody"}), V{});
  EXPECT_EQ(idsOf({.user = "ann", .limit = 1}), V{"r3"});
}

TEST_P(HierarchyWrite, SpendReportGroupsByUserAndFiltersByTeamAndCustomer) {
  mustWrite({.rows = {spendRow("r1", "red", "ann", "acme", 10, 1.0),
                      spendRow("r2", "red", "bob", "", 20, 2.0),
                      spendRow("r3", "blue", "ann", "acme", 30, 4.0),
                      spendRow("r4", "", "", "", 40, 8.0)}});
  auto r = store_->spendReport({.group_by = {SpendGroupBy::kUser}});
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].groups, V{""});
  EXPECT_DOUBLE_EQ((*r)[0].spend, 8.0);
  EXPECT_EQ((*r)[1].groups, V{"ann"});
  EXPECT_DOUBLE_EQ((*r)[1].spend, 5.0);
  EXPECT_EQ((*r)[1].requests, 2u);
  EXPECT_EQ((*r)[1].total_tokens, 30u);
  EXPECT_EQ((*r)[2].groups, V{"bob"});

  r = store_->spendReport({.group_by = {SpendGroupBy::kUser}, .team_id = "red"});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].groups, V{"bob"});
  EXPECT_DOUBLE_EQ((*r)[1].spend, 1.0);

  r = store_->spendReport(
      {.group_by = {SpendGroupBy::kTeam, SpendGroupBy::kUser}, .end_user = "acme"});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].groups, (V{"blue", "ann"}));
  EXPECT_EQ((*r)[1].groups, (V{"red", "ann"}));

  r = store_->spendReport({.group_by = {SpendGroupBy::kCustomer},
                           .user = "ann",
                           .team_id = "blue",
                           .end_user = "acme"});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_DOUBLE_EQ((*r)[0].spend, 4.0);
  EXPECT_TRUE(
      store_->spendReport({.group_by = {SpendGroupBy::kUser}, .team_id = "none"}).value().empty());
}

SY_BOTH_ENGINES(HierarchyWrite);

// A database at the version before the hierarchy (5), with keys and spend rows, migrates: the
// rows stay, the new tables and the spend filters work on the old rows.
class HierarchyMigration : public ::testing::TestWithParam<Engine> {
 protected:
  test::TestDatabase db_{GetParam()};
};

TEST_P(HierarchyMigration, FromVersionFiveKeepsTheData) {
  const bool pg = db_.postgres();
  std::string v5 = std::string("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, ") +
                   "applied_at " + (pg ? "BIGINT" : "INTEGER") + " NOT NULL);";
  auto steps = [&](const auto& migrations) {
    for (const auto& m : migrations) {
      if (m.version > 5) break;
      v5 += std::string(m.sql) + ";\nINSERT INTO schema_migrations VALUES (" +
            std::to_string(m.version) + ", 1);\n";
    }
  };
  if (pg) {
    steps(pg::migrations());
  } else {
    steps(sqlite::migrations());
  }
  auto unmigrated = db_.openUnmigrated();  // creates the SQLite file
  ASSERT_NE(unmigrated, nullptr);
  ASSERT_TRUE(db_.exec(v5));
  ASSERT_TRUE(db_.exec(
      "INSERT INTO keys (token, key_alias, team_id, user_id, spend) VALUES ('tok-1', 'old', "
      "'red', 'ann', 1.5); INSERT INTO spend_keys (token) VALUES ('tok-1'); "
      "INSERT INTO spend_logs (request_id, key_ref, \"user\", team_id, end_user, spend, "
      "start_time) SELECT 'r1', id, 'ann', 'red', 'acme', 0.5, 10 FROM spend_keys UNION ALL "
      "SELECT 'r2', id, 'bob', 'blue', '', 0.25, 20 FROM spend_keys"));
  EXPECT_EQ(unmigrated->schemaVersion(), 5);

  auto store = db_.open();
  ASSERT_NE(store, nullptr);
  EXPECT_GE(store->schemaVersion(), 6);
  EXPECT_EQ(db_.scalar("SELECT COUNT(*) FROM schema_migrations WHERE version = 6"), "1");
  auto key = store->findKey("tok-1");
  ASSERT_TRUE(key.has_value() && key->has_value());
  EXPECT_EQ((*key)->key_alias, "old");
  EXPECT_DOUBLE_EQ((*key)->spend, 1.5);
  auto red = store->spendLogs({.team_id = "red"});
  ASSERT_TRUE(red.has_value()) << red.error().detail;
  ASSERT_EQ(red->size(), 1u);
  EXPECT_EQ((*red)[0].request_id, "r1");
  EXPECT_EQ((*red)[0].api_key, "tok-1");
  EXPECT_EQ(store->spendLogs({.end_user = "acme"}).value().size(), 1u);
  EXPECT_EQ(store->spendReport({.group_by = {SpendGroupBy::kUser}}).value().size(), 2u);
  for (const char* index : {"spend_logs_team_id", "spend_logs_user", "spend_logs_end_user",
                            "team_members_user_id", "users_user_email"}) {
    EXPECT_EQ(
        db_.scalar(pg ? std::string("SELECT indexname FROM pg_indexes WHERE indexname = '") +
                            index + "'"
                      : std::string("SELECT name FROM sqlite_master WHERE name = '") + index + "'"),
        index);
  }

  // The new tables are there, empty, and work with the old keys.
  EXPECT_EQ(store->listTeams({}).value().total, 0);
  ASSERT_TRUE(store->insertTeam(fullTeam("red")).has_value());
  ASSERT_TRUE(store->insertUser(fullUser("ann")).has_value());
  ASSERT_TRUE(store->putMember(member("red", "ann")).has_value());
  EXPECT_EQ(store->findUser("ann").value()->teams, V{"red"});
  auto deleted = store->deleteTeams({"red"});
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(deleted->key_tokens, V{"tok-1"});
}

SY_BOTH_ENGINES(HierarchyMigration);

// Two instances add spend to one team, one membership and one new customer at once: every delta
// counts once, the customer is created once.
TEST(PostgresHierarchy, ConcurrentLevelSpendFromTwoInstancesIsCountedOnce) {
  test::TestDatabase db(Engine::kPostgres);
  auto a = db.open(), b = db.open();
  ASSERT_TRUE(a && b);
  TeamRow team;
  team.team_id = "t";
  ASSERT_TRUE(a->insertTeam(team).has_value());
  ASSERT_TRUE(a->putMember(member("t", "u")).has_value());
  std::atomic<int> lost{0};
  auto writer = [&lost](Store* s, int n) {
    for (int i = 0; i < n; ++i) {
      WriteBatch batch{
          .rows = {},
          .deltas = {delta(Level::kCustomer, "cust", 0.25, "m"),
                     delta(Level::kTeamMember, "u", 0.25, "m", "t"),
                     delta(Level::kTeam, "t", 0.25, "m"), delta(Level::kUser, "missing", 0.25)},
          .resets = {},
          .audit = {}};
      bool ok = false;
      for (int attempt = 0; attempt < 20 && !ok; ++attempt) ok = s->write(batch).has_value();
      if (!ok) ++lost;
    }
  };
  std::thread ta(writer, a.get(), 100), tb(writer, b.get(), 100);
  ta.join();
  tb.join();
  EXPECT_EQ(lost, 0);
  auto t = a->findTeam("t").value();
  ASSERT_TRUE(t.has_value());
  EXPECT_DOUBLE_EQ(t->spend.spend, 50.0);
  EXPECT_DOUBLE_EQ(t->spend.model_spend["m"].spend, 50.0);
  ASSERT_EQ(t->members.size(), 1u);
  EXPECT_DOUBLE_EQ(t->members[0].spend.spend, 50.0);
  EXPECT_DOUBLE_EQ(t->members[0].spend.model_spend["m"].spend, 50.0);
  auto c = b->findCustomer("cust").value();
  ASSERT_TRUE(c.has_value());
  EXPECT_DOUBLE_EQ(c->spend.spend, 50.0);
  EXPECT_DOUBLE_EQ(c->spend.model_spend["m"].spend, 50.0);
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM customers"), "1");
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM users"), "0");
}

}  // namespace
}  // namespace switchyard::store
