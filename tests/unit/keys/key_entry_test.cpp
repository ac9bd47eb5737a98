// KeyEntry: rate windows, parallel slots, budget reservations and budget windows.

#include "switchyard/keys/key_entry.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "switchyard/keys/key_registry.hpp"

namespace switchyard::keys {
namespace {

using std::chrono::seconds;
using std::chrono::sys_days;

SysClock::time_point at(int h, int m, int s) {
  using namespace std::chrono;
  return sys_days{year{2026} / 12 / 5} + hours(h) + minutes(m) + seconds(s);
}

store::KeyRow row() {
  store::KeyRow r;
  r.token = std::string(64, 'a');
  r.key_name = "sk-...abcd";
  return r;
}

TEST(KeyEntry, RpmIsAFixedClockMinute) {
  store::KeyRow r = row();
  r.rpm_limit = 2;
  KeyEntry e(r);
  AdmitResult a = e.admit({"m"}, at(10, 0, 1));
  ASSERT_EQ(a.verdict, Verdict::kAdmitted);
  ASSERT_TRUE(a.requests);
  EXPECT_EQ(a.requests->limit, 2);
  EXPECT_EQ(a.requests->remaining, 1);
  e.finish("m", 0, 0, 0, at(10, 0, 1));
  EXPECT_EQ(e.admit({"m"}, at(10, 0, 30)).verdict, Verdict::kAdmitted);
  e.finish("m", 0, 0, 0, at(10, 0, 30));
  AdmitResult refused = e.admit({"m"}, at(10, 0, 50));
  EXPECT_EQ(refused.verdict, Verdict::kRateLimited);
  EXPECT_EQ(refused.retry_after_s, 10u);  // until 10:01:00
  EXPECT_NE(refused.message.find("rpm_limit=2"), std::string::npos);
  EXPECT_EQ(e.admit({"m"}, at(10, 1, 0)).verdict, Verdict::kAdmitted);  // a new minute
}

TEST(KeyEntry, TpmCountsTheTokensOfFinishedRequests) {
  store::KeyRow r = row();
  r.tpm_limit = 100;
  KeyEntry e(r);
  ASSERT_EQ(e.admit({"m"}, at(9, 0, 0)).verdict, Verdict::kAdmitted);
  e.finish("m", 0, 0, 120, at(9, 0, 1));
  EXPECT_EQ(e.admit({"m"}, at(9, 0, 2)).verdict, Verdict::kRateLimited);
  EXPECT_EQ(e.admit({"m"}, at(9, 1, 0)).verdict, Verdict::kAdmitted);
}

TEST(KeyEntry, ParallelSlotsFreeWhenRequestsEnd) {
  store::KeyRow r = row();
  r.max_parallel_requests = 1;
  KeyEntry e(r);
  ASSERT_EQ(e.admit({"m"}, at(8, 0, 0)).verdict, Verdict::kAdmitted);
  EXPECT_EQ(e.admit({"m"}, at(8, 0, 0)).verdict, Verdict::kRateLimited);
  e.finish("m", 0, 0, 0, at(8, 0, 1));
  EXPECT_EQ(e.inFlight(), 0);
  EXPECT_EQ(e.admit({"m"}, at(8, 0, 1)).verdict, Verdict::kAdmitted);
}

TEST(KeyEntry, ReservationsHoldTheBudgetUnderConcurrency) {
  store::KeyRow r = row();
  r.max_budget = 1.0;
  KeyEntry e(r);
  // Each request reserves 0.3: four in flight would pass 1.0, so the fourth is refused.
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(e.admit({"m", 0, 0.3}, at(7, 0, 0)).verdict, Verdict::kAdmitted) << i;
  }
  AdmitResult refused = e.admit({"m", 0, 0.3}, at(7, 0, 0));
  EXPECT_EQ(refused.verdict, Verdict::kBudgetExceeded);
  EXPECT_NE(refused.message.find("max budget: 1"), std::string::npos);
  // Settling at the real (lower) cost frees room again.
  for (int i = 0; i < 4; ++i) e.finish("m", 0.3, 0.1, 10, at(7, 0, 1));
  EXPECT_DOUBLE_EQ(e.reserved(), 0);
  EXPECT_NEAR(e.spend(), 0.4, 1e-12);
  EXPECT_EQ(e.admit({"m", 0, 0.3}, at(7, 0, 2)).verdict, Verdict::kAdmitted);
}

TEST(KeyEntry, ManyThreadsNeverOvershootByMoreThanOneReservation) {
  store::KeyRow r = row();
  r.max_budget = 0.05;
  KeyEntry e(r);
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (e.admit({"m", 0, 0.01}, SysClock::now()).verdict == Verdict::kAdmitted) {
          ++admitted;
          e.finish("m", 0.01, 0.01, 1, SysClock::now());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(e.spend(), 0.05 + 0.01 + 1e-9);
  EXPECT_EQ(admitted.load(), 5);
}

TEST(KeyEntry, BudgetWindowResetsSpendAtTheBoundary) {
  store::KeyRow r = row();
  r.max_budget = 1.0;
  r.budget_duration = "1h";
  KeyEntry e(r);
  AdmitResult first = e.admit({"m", 0, 0}, at(10, 15, 0));
  // The window is set on first use, in memory: a first window resets nothing in the store (the
  // stored spend counts in it).
  EXPECT_TRUE(first.resets.empty());
  EXPECT_EQ(e.figures(at(10, 15, 0)).budget_reset_at,
            std::chrono::duration_cast<std::chrono::milliseconds>(at(11, 0, 0).time_since_epoch())
                .count());
  e.finish("m", 0, 1.5, 0, at(10, 15, 1));
  EXPECT_EQ(e.admit({"m"}, at(10, 59, 59)).verdict, Verdict::kBudgetExceeded);
  AdmitResult next = e.admit({"m"}, at(11, 0, 0));
  EXPECT_EQ(next.verdict, Verdict::kAdmitted);
  ASSERT_EQ(next.resets.size(), 1u);
  EXPECT_DOUBLE_EQ(e.spend(), 0);
}

TEST(KeyEntry, ModelLimitsApplyToTheirModelOnly) {
  store::KeyRow r = row();
  r.model_rpm_limit["gpt-4o"] = 1;
  r.model_max_budget["cheap"] = {0.5, ""};
  KeyEntry e(r);
  ASSERT_EQ(e.admit({"gpt-4o"}, at(6, 0, 0)).verdict, Verdict::kAdmitted);
  EXPECT_EQ(e.admit({"gpt-4o"}, at(6, 0, 1)).verdict, Verdict::kRateLimited);
  EXPECT_EQ(e.admit({"other"}, at(6, 0, 1)).verdict, Verdict::kAdmitted);
  ASSERT_EQ(e.admit({"cheap", 0, 0}, at(6, 0, 2)).verdict, Verdict::kAdmitted);
  e.finish("cheap", 0, 0.6, 0, at(6, 0, 3));
  EXPECT_EQ(e.admit({"cheap"}, at(6, 0, 4)).verdict, Verdict::kBudgetExceeded);
  EXPECT_EQ(e.admit({"other"}, at(6, 0, 4)).verdict, Verdict::kAdmitted);
}

TEST(KeyEntry, UpdatingSettingsKeepsLiveSpendUnlessSet) {
  store::KeyRow r = row();
  KeyEntry e(r);
  ASSERT_EQ(e.admit({"m"}, at(5, 0, 0)).verdict, Verdict::kAdmitted);
  e.finish("m", 0, 0.25, 0, at(5, 0, 1));
  store::KeyRow changed = r;
  changed.rpm_limit = 10;
  e.setRow(changed, false);
  EXPECT_DOUBLE_EQ(e.spend(), 0.25);
  changed.spend = 0;
  e.setRow(changed, true);
  EXPECT_DOUBLE_EQ(e.spend(), 0);
}

TEST(KeyLease, ReleasingWithoutFinishFreesSlotAndReservation) {
  store::KeyRow r = row();
  r.max_budget = 1;
  auto e = std::make_shared<KeyEntry>(r);
  ASSERT_EQ(e->admit({"m", 0, 0.7}, at(4, 0, 0)).verdict, Verdict::kAdmitted);
  { KeyLease lease(e, "m", 0.7); }
  EXPECT_EQ(e->inFlight(), 0);
  EXPECT_DOUBLE_EQ(e->reserved(), 0);
  EXPECT_DOUBLE_EQ(e->spend(), 0);
}

TEST(KeyRegistry, FindsByHashAndForgetsOnErase) {
  KeyRegistry reg;
  store::KeyRow r = row();
  r.token = std::string(64, 'b');
  reg.put(r);
  EXPECT_EQ(reg.size(), 1u);
  EXPECT_NE(reg.find(std::string(64, 'b')), nullptr);
  EXPECT_EQ(reg.find(std::string(64, 'c')), nullptr);
  EXPECT_EQ(reg.find("not hex"), nullptr);
  EXPECT_TRUE(reg.erase(std::string(64, 'b')));
  EXPECT_EQ(reg.find(std::string(64, 'b')), nullptr);
  EXPECT_EQ(reg.size(), 0u);
}

TEST(KeyRegistry, RekeyKeepsTheOldHashOnlyForAGracePeriod) {
  KeyRegistry reg;
  store::KeyRow r = row();
  r.token = std::string(64, '1');
  auto entry = reg.put(r);
  store::KeyRow moved = r;
  moved.token = std::string(64, '2');
  moved.previous_token = std::string(64, '1');
  reg.rekey(std::string(64, '1'), moved);
  EXPECT_EQ(reg.find(std::string(64, '2')), entry);
  EXPECT_EQ(reg.find(std::string(64, '1')), entry);  // grace alias
  store::KeyRow again = moved;
  again.token = std::string(64, '3');
  again.previous_token.clear();
  reg.rekey(std::string(64, '2'), again);
  EXPECT_EQ(reg.find(std::string(64, '3')), entry);
  EXPECT_EQ(reg.find(std::string(64, '2')), nullptr);
  EXPECT_EQ(reg.find(std::string(64, '1')), nullptr);
  EXPECT_EQ(reg.size(), 1u);
}

TEST(KeyRegistry, HashOfKeyMatchesTheStoredHex) {
  TokenHash parsed;
  // SHA-256("abc")
  ASSERT_TRUE(parseTokenHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                            parsed));
  EXPECT_EQ(hashOfKey("abc"), parsed);
}

}  // namespace
}  // namespace switchyard::keys
