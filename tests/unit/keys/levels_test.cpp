// Admission against several levels at once (admitAll, SharedKeyCounters with levels): a request is
// taken on the key, its team, member, user and customer or on none; the level that refuses is
// named with LiteLLM's words; concurrent requests over many keys of one team overshoot the team's
// budget by at most one reservation, in one process and across two "instances" on one Redis.

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <thread>
#include <vector>

#include "support/asio_run.hpp"
#include "support/redis_server.hpp"
#include "switchyard/keys/hierarchy.hpp"
#include "switchyard/keys/key_entry.hpp"
#include "switchyard/keys/key_settings.hpp"
#include "switchyard/keys/shared_counters.hpp"
#include "switchyard/redis/client.hpp"

namespace switchyard::keys {
namespace {

using store::Level;
using namespace std::chrono_literals;

std::shared_ptr<KeyEntry> keyEntry(const std::string& token, std::optional<double> budget = {}) {
  store::KeyRow r;
  r.token = token;
  r.key_name = "sk-..." + token.substr(0, 4);
  r.team_id = "eng";
  r.user_id = "ann";
  r.max_budget = budget;
  return std::make_shared<KeyEntry>(r);
}

std::shared_ptr<KeyEntry> level(Level l, const std::string& id, store::Limits limits,
                                double spend = 0, const std::string& team = {}) {
  store::SpendState s;
  s.spend = spend;
  return std::make_shared<KeyEntry>(std::make_shared<const KeySettings>(l, id, limits, team), s);
}

store::Limits budget(double max) {
  store::Limits l;
  l.max_budget = max;
  return l;
}

TEST(Levels, ARefusalByTheTeamTakesNothingFromAnyLevel) {
  auto key = keyEntry(std::string(64, 'a'), 10.0);
  auto team = level(Level::kTeam, "eng", budget(1.0), 1.0);
  std::array<KeyEntry*, 2> both{key.get(), team.get()};
  AdmitResult r = admitAll(both, {"m", 0, 0.1}, SysClock::now());
  EXPECT_EQ(r.verdict, Verdict::kBudgetExceeded);
  EXPECT_EQ(r.refused_by, 1u);
  EXPECT_NE(r.message.find("Budget has been exceeded! Team=eng Current cost: 1, Max budget: 1"),
            std::string::npos)
      << r.message;
  EXPECT_EQ(key->inFlight(), 0);
  EXPECT_EQ(key->reserved(), 0);
  EXPECT_EQ(team->inFlight(), 0);
}

TEST(Levels, AnAdmissionTakesEveryLevelAndTheLeaseSettlesEach) {
  auto key = keyEntry(std::string(64, 'b'));
  auto team = level(Level::kTeam, "eng", budget(5.0));
  auto member = level(Level::kTeamMember, "ann", budget(2.0), 0, "eng");
  auto user = level(Level::kUser, "ann", budget(3.0));
  auto customer = level(Level::kCustomer, "acme", budget(4.0));
  std::array<std::shared_ptr<KeyEntry>, 5> all{key, team, member, user, customer};
  std::array<KeyEntry*, 5> raw{key.get(), team.get(), member.get(), user.get(), customer.get()};
  AdmitResult r = admitAll(raw, {"m", 0, 0.5}, SysClock::now());
  ASSERT_EQ(r.verdict, Verdict::kAdmitted);
  for (auto& e : all) EXPECT_EQ(e->inFlight(), 1);
  KeyLease lease(all, "m", 0.5);
  lease.finish(0.25, 10, SysClock::now());
  for (auto& e : all) {
    EXPECT_EQ(e->inFlight(), 0);
    EXPECT_DOUBLE_EQ(e->reserved(), 0);
    EXPECT_DOUBLE_EQ(e->spend(), 0.25);
  }
}

TEST(Levels, EachLevelRefusesInItsOwnWords) {
  struct Case {
    Level level;
    std::string id, team, words;
  } cases[] = {
      {Level::kTeamMember, "ann", "eng", "Budget has been exceeded! User=ann in Team=eng"},
      {Level::kUser, "ann", "", "ExceededBudget: User=ann over budget. Spend=1"},
      {Level::kCustomer, "acme", "", "ExceededBudget: End User=acme over budget. Spend=1"},
  };
  for (const Case& c : cases) {
    auto e = level(c.level, c.id, budget(1.0), 1.0, c.team);
    AdmitResult r = e->admit({"m", 0, 0}, SysClock::now());
    EXPECT_EQ(r.verdict, Verdict::kBudgetExceeded);
    EXPECT_NE(r.message.find(c.words), std::string::npos) << r.message;
  }
  store::Limits rpm;
  rpm.rpm_limit = 1;
  auto team = level(Level::kTeam, "eng", rpm);
  ASSERT_EQ(team->admit({"m"}, SysClock::now()).verdict, Verdict::kAdmitted);
  AdmitResult limited = team->admit({"m"}, SysClock::now());
  EXPECT_EQ(limited.verdict, Verdict::kRateLimited);
  EXPECT_NE(limited.message.find("Rate limit exceeded for team: eng. Limit type: requests. "
                                 "Current limit: 1, Remaining: 0"),
            std::string::npos)
      << limited.message;
  EXPECT_GT(limited.retry_after_s, 0u);
}

// 200 requests from 10 threads over 10 keys of one team whose budget pays for about 5: the team
// spends at most its budget plus one reservation (each request reserves its worst case, 0.3,
// and costs 0.2).
TEST(Levels, ConcurrentKeysOfOneTeamStayWithinTheTeamBudget) {
  auto team = level(Level::kTeam, "eng", budget(1.0));
  std::vector<std::shared_ptr<KeyEntry>> keys;
  for (int i = 0; i < 10; ++i) keys.push_back(keyEntry(std::string(63, 'k') + char('0' + i)));
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 10; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        std::array<std::shared_ptr<KeyEntry>, 2> lv{keys[t], team};
        std::array<KeyEntry*, 2> raw{lv[0].get(), lv[1].get()};
        if (admitAll(raw, {"m", 0, 0.3}, SysClock::now()).verdict != Verdict::kAdmitted) continue;
        ++admitted;
        KeyLease lease(lv, "m", 0.3);
        std::this_thread::yield();
        lease.finish(0.2, 0, SysClock::now());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(team->spend(), 1.0 + 0.3 + 1e-9);
  EXPECT_GE(admitted.load(), 4);
  EXPECT_LE(admitted.load(), 6);
  double keys_spend = 0;
  for (auto& k : keys) keys_spend += k->spend();
  EXPECT_DOUBLE_EQ(keys_spend, team->spend());  // every admitted request counted on both
}

TEST(Levels, HierarchyGivesMembersTheTeamsPerMemberBudget) {
  Hierarchy h;
  store::TeamRow t;
  t.team_id = "eng";
  t.team_member_budget = 2.0;
  t.limits.budget_duration = "30d";
  store::TeamMember ann{.team_id = "eng", .user_id = "ann"};
  store::TeamMember bob{.team_id = "eng", .user_id = "bob", .max_budget_in_team = 7.0};
  t.members = {ann, bob};
  h.putTeam(t);
  ASSERT_TRUE(h.member("eng", "ann"));
  EXPECT_EQ(h.member("eng", "ann")->row()->max_budget, 2.0);
  EXPECT_EQ(h.member("eng", "bob")->row()->max_budget, 7.0);
  EXPECT_EQ(h.member("eng", "ann")->row()->budgetDuration(), "30d");
  // A budget object fills what the team leaves unset.
  store::BudgetRow tier{.budget_id = "gold"};
  tier.limits.max_budget = 50;
  tier.limits.rpm_limit = 100;
  h.putBudget(tier);
  t.budget_id = "gold";
  t.members = {ann};  // bob left
  h.putTeam(t);
  EXPECT_EQ(h.team("eng")->counters->row()->max_budget, 50.0);
  EXPECT_EQ(h.team("eng")->counters->row()->rpm_limit, 100);
  EXPECT_FALSE(h.member("eng", "bob"));
  tier.limits.max_budget = 60;
  h.putBudget(tier);
  EXPECT_EQ(h.team("eng")->counters->row()->max_budget, 60.0);
  h.eraseBudget("gold");
  EXPECT_FALSE(h.team("eng")->counters->row()->max_budget.has_value());
}

// A new budget_duration moves a level's window to the end its stored row gives (the update
// wrote it there, so that every instance agrees); the spend so far stays.
TEST(Levels, ANewDurationTakesTheStoredWindowEnd) {
  Hierarchy h;
  const store::UnixMs now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(SysClock::now().time_since_epoch())
          .count();
  store::TeamRow t;
  t.team_id = "eng";
  t.limits.max_budget = 10;
  t.limits.budget_duration = "30d";
  t.spend.spend = 2.5;
  t.spend.budget_reset_at = now_ms + 20LL * 86'400'000;
  h.putTeam(t);
  auto counters = h.team("eng")->counters;
  EXPECT_EQ(counters->figures(SysClock::now()).budget_reset_at, t.spend.budget_reset_at);

  t.limits.budget_duration = "1d";
  t.spend.budget_reset_at = now_ms + 3'600'000;  // what the update computed and stored
  h.putTeam(t);
  EXPECT_EQ(h.team("eng")->counters, counters);  // the same live counters
  KeyFigures f = counters->figures(SysClock::now());
  EXPECT_EQ(f.budget_reset_at, now_ms + 3'600'000);
  EXPECT_DOUBLE_EQ(f.spend, 2.5);

  // The same duration: the stored window end is not taken (the counters own it).
  t.spend.budget_reset_at = now_ms + 7'200'000;
  h.putTeam(t);
  EXPECT_EQ(counters->figures(SysClock::now()).budget_reset_at, now_ms + 3'600'000);

  // A stored end already past: the window rolls over at once, to the new duration's boundary.
  t.limits.budget_duration = "7d";
  t.spend.budget_reset_at = now_ms - 1000;
  h.putTeam(t);
  f = counters->figures(SysClock::now());
  ASSERT_TRUE(f.budget_reset_at.has_value());
  EXPECT_GT(*f.budget_reset_at, now_ms);

  // A duration from a budget object: no row wrote a window end; the new duration's boundary.
  store::BudgetRow tier{.budget_id = "tier"};
  tier.limits.budget_duration = "2h";
  h.putBudget(tier);
  store::UserRow u;
  u.user_id = "ann";
  u.budget_id = "tier";
  u.spend.budget_reset_at = now_ms + 90LL * 86'400'000;
  h.putUser(u);
  tier.limits.budget_duration = "1h";
  h.putBudget(tier);
  f = h.user("ann")->counters->figures(SysClock::now());
  ASSERT_TRUE(f.budget_reset_at.has_value());
  EXPECT_LE(*f.budget_reset_at, now_ms + 3'600'000 + 60'000);
}

// Two "instances" (two SharedKeyCounters with their own KeyEntry objects) on one Redis: the
// team's budget holds across both, and a refusal takes nothing from the key in Redis.
TEST(Levels, SharedCountersJudgeTheTeamAcrossInstances) {
  test::RedisServer redis;
  ASSERT_TRUE(redis.started()) << redis.startError();
  boost::asio::io_context io;
  redis::Settings s;
  s.port = redis.port();
  s.timeout = 500ms;
  auto client = std::make_shared<redis::Client>(io.get_executor(), s);
  auto a = std::make_shared<SharedKeyCounters>(client);
  auto b = std::make_shared<SharedKeyCounters>(client);
  const std::string token(64, 'c');
  std::array<std::shared_ptr<KeyEntry>, 2> on_a{keyEntry(token),
                                                level(Level::kTeam, "eng", budget(1.0))};
  std::array<std::shared_ptr<KeyEntry>, 2> on_b{keyEntry(token),
                                                level(Level::kTeam, "eng", budget(1.0))};
  int admitted = 0;
  std::vector<KeyLease> held;
  for (int i = 0; i < 10; ++i) {
    auto& lv = i % 2 == 0 ? on_a : on_b;
    auto& c = i % 2 == 0 ? a : b;
    auto r = test::runToEnd(io, c->admit(lv, {"m", 0, 0.3}, SysClock::now()));
    ASSERT_TRUE(r.has_value());
    if (r->result.verdict == Verdict::kAdmitted) {
      ++admitted;
      held.push_back(std::move(r->lease));
    } else {
      EXPECT_EQ(r->result.refused_by, 1u);
      EXPECT_NE(r->result.message.find("Team=eng"), std::string::npos) << r->result.message;
    }
  }
  // 0.3 reserved per request in flight: 4 fit under 1.0 (0.9 + 0.3 >= 1.0 refuses the 5th).
  EXPECT_EQ(admitted, 4);
  for (KeyLease& l : held) l.finish(0.25, 0, SysClock::now());
  io.restart();
  for (int i = 0; i < 50; ++i) io.run_one_for(10ms);
  EXPECT_EQ(test::bulkOf(redis.ask({"GET", "sy:team:{eng}:spend:0"})), "1");

  // A zero-cost model (AdmitRequest::budgets false) passes the spent budget, on both paths.
  auto over = test::runToEnd(io, a->admit(on_a, {"m", 0, 0.3}, SysClock::now()));
  ASSERT_TRUE(over.has_value());
  EXPECT_EQ(over->result.verdict, Verdict::kBudgetExceeded);
  auto free_shared =
      test::runToEnd(io, a->admit(on_a, {"free", 0, 0, /*budgets=*/false}, SysClock::now()));
  ASSERT_TRUE(free_shared.has_value());
  EXPECT_EQ(free_shared->result.verdict, Verdict::kAdmitted) << free_shared->result.message;
  free_shared->lease.finish(0, 0, SysClock::now());
  auto spent = level(Level::kTeam, "eng", budget(1.0), 1.0);  // without Redis
  std::array<KeyEntry*, 1> team_b{spent.get()};
  EXPECT_EQ(admitAll(team_b, {"m", 0, 0.1}, SysClock::now()).verdict, Verdict::kBudgetExceeded);
  EXPECT_EQ(admitAll(team_b, {"free", 0, 0, false}, SysClock::now()).verdict, Verdict::kAdmitted);
}

}  // namespace
}  // namespace switchyard::keys
