// StoreThread: batched background writes, commands after earlier writes, retries, bounded buffer,
// and a final flush on stop.

#include "switchyard/store/store_thread.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

// SpendDelta{id, spend, model} leaves its level (kKey) and team_id to their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace switchyard::store {
namespace {

// Records the batches it is given; can be told to fail.
class RecordingStore final : public Store {
 public:
  std::atomic<bool> failing{false};
  std::mutex mu;
  std::vector<WriteBatch> batches;
  std::size_t rows() {
    std::lock_guard l(mu);
    std::size_t n = 0;
    for (auto& b : batches) n += b.rows.size();
    return n;
  }

  api::Result<void> migrate() override { return {}; }
  int schemaVersion() override { return 1; }
  std::string_view engine() const noexcept override { return "test"; }
  api::Result<void> forEachKey(const std::function<void(KeyRow&&)>&) override { return {}; }
  api::Result<std::optional<KeyRow>> findKey(std::string_view) override {
    return std::optional<KeyRow>{};
  }
  api::Result<std::optional<KeyRow>> findKeyByAlias(std::string_view) override {
    return std::optional<KeyRow>{};
  }
  api::Result<std::optional<KeyRow>> findKeyByPreviousToken(std::string_view) override {
    return std::optional<KeyRow>{};
  }
  api::Result<void> insertKey(const KeyRow&) override { return {}; }
  api::Result<bool> updateKey(const KeyRow&) override { return true; }
  api::Result<bool> replaceKey(std::string_view, const KeyRow&) override { return true; }
  api::Result<std::size_t> deleteKeys(const std::vector<std::string>&) override {
    return std::size_t{0};
  }
  api::Result<KeyPage> listKeys(const KeyQuery&) override { return KeyPage{}; }
  api::Result<std::int64_t> countKeys() override { return std::int64_t{0}; }
  api::Result<void> write(const WriteBatch& b) override {
    if (failing) return api::Error{api::ErrorKind::kUnavailable, "down", "test: down"};
    std::lock_guard l(mu);
    batches.push_back(b);
    return {};
  }
  api::Result<std::vector<SpendRow>> spendLogs(const SpendQuery&) override {
    return std::vector<SpendRow>{};
  }
  api::Result<std::vector<SpendGroup>> spendReport(const SpendReportQuery&) override {
    return std::vector<SpendGroup>{};
  }
  api::Result<std::vector<AuditRow>> auditLog(std::int64_t) override {
    return std::vector<AuditRow>{};
  }
  api::Result<std::optional<StoredResponse>> findResponse(std::string_view) override {
    return std::optional<StoredResponse>{};
  }
  api::Result<bool> deleteResponse(std::string_view) override { return false; }
  api::Result<std::optional<StoredResponse>> findResponseByItem(std::string_view,
                                                                std::string_view) override {
    return std::optional<StoredResponse>{};
  }
  api::Result<std::size_t> purgeResponses(UnixMs) override { return std::size_t{0}; }
  // The hierarchy: unused here.
  api::Result<void> forEachTeam(const std::function<void(TeamRow&&)>&) override { return {}; }
  api::Result<std::optional<TeamRow>> findTeam(std::string_view) override {
    return std::optional<TeamRow>{};
  }
  api::Result<void> insertTeam(const TeamRow&) override { return {}; }
  api::Result<bool> updateTeam(const TeamRow&) override { return false; }
  api::Result<Deleted> deleteTeams(const std::vector<std::string>&) override { return Deleted{}; }
  api::Result<Page<TeamRow>> listTeams(const ListQuery&) override { return Page<TeamRow>{}; }
  api::Result<void> putMember(const TeamMember&) override { return {}; }
  api::Result<bool> deleteMember(std::string_view, std::string_view) override { return false; }
  api::Result<void> forEachMember(const std::function<void(TeamMember&&)>&) override { return {}; }
  api::Result<void> forEachUser(const std::function<void(UserRow&&)>&) override { return {}; }
  api::Result<std::optional<UserRow>> findUser(std::string_view) override {
    return std::optional<UserRow>{};
  }
  api::Result<std::vector<UserRow>> findUsersByEmail(std::string_view) override {
    return std::vector<UserRow>{};
  }
  api::Result<void> insertUser(const UserRow&) override { return {}; }
  api::Result<bool> updateUser(const UserRow&) override { return false; }
  api::Result<Deleted> deleteUsers(const std::vector<std::string>&) override { return Deleted{}; }
  api::Result<Page<UserRow>> listUsers(const ListQuery&) override { return Page<UserRow>{}; }
  api::Result<std::optional<CustomerRow>> findCustomer(std::string_view) override {
    return std::optional<CustomerRow>{};
  }
  api::Result<void> insertCustomer(const CustomerRow&) override { return {}; }
  api::Result<bool> updateCustomer(const CustomerRow&) override { return false; }
  api::Result<Deleted> deleteCustomers(const std::vector<std::string>&) override {
    return Deleted{};
  }
  api::Result<Page<CustomerRow>> listCustomers(const ListQuery&) override {
    return Page<CustomerRow>{};
  }
  api::Result<void> forEachBudget(const std::function<void(BudgetRow&&)>&) override { return {}; }
  api::Result<std::optional<BudgetRow>> findBudget(std::string_view) override {
    return std::optional<BudgetRow>{};
  }
  api::Result<void> insertBudget(const BudgetRow&) override { return {}; }
  api::Result<bool> updateBudget(const BudgetRow&) override { return false; }
  api::Result<bool> deleteBudget(std::string_view) override { return false; }
  api::Result<Page<BudgetRow>> listBudgets(const ListQuery&) override { return Page<BudgetRow>{}; }
};

SpendRow rowNamed(std::string id) {
  SpendRow r;
  r.request_id = std::move(id);
  return r;
}

TEST(StoreThread, CommandsSeeEveryEarlierWrite) {
  auto owned = std::make_unique<RecordingStore>();
  RecordingStore* s = owned.get();
  StoreThreadOptions o;
  o.flush_interval = std::chrono::milliseconds(10000);  // only the command triggers the flush
  StoreThread t(std::move(owned), o);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(t.write(rowNamed("r" + std::to_string(i))));
  std::size_t seen = 0;
  ASSERT_TRUE(t.runBlocking([&](Store&) { seen = s->rows(); }));
  EXPECT_EQ(seen, 10u);
}

TEST(StoreThread, DeltasAfterAResetGoToTheNextBatch) {
  auto owned = std::make_unique<RecordingStore>();
  RecordingStore* s = owned.get();
  StoreThreadOptions o;
  o.flush_interval = std::chrono::milliseconds(10000);
  StoreThread t(std::move(owned), o);
  t.write(SpendDelta{"k", 1.0, ""});
  t.write(BudgetReset{"k", "", 123});
  t.write(SpendDelta{"k", 2.0, ""});
  ASSERT_TRUE(t.runBlocking([](Store&) {}));
  std::lock_guard l(s->mu);
  ASSERT_EQ(s->batches.size(), 2u);
  EXPECT_EQ(s->batches[0].deltas.size(), 1u);
  EXPECT_EQ(s->batches[0].resets.size(), 1u);
  ASSERT_EQ(s->batches[1].deltas.size(), 1u);
  EXPECT_DOUBLE_EQ(s->batches[1].deltas[0].spend, 2.0);
}

TEST(StoreThread, DeltasOfOneKeyAndModelAreSummedInABatch) {
  auto owned = std::make_unique<RecordingStore>();
  RecordingStore* s = owned.get();
  StoreThreadOptions o;
  o.flush_interval = std::chrono::milliseconds(10000);
  StoreThread t(std::move(owned), o);
  for (int i = 0; i < 100; ++i) t.write(SpendDelta{"k1", 0.5, ""});
  t.write(SpendDelta{"k1", 2.0, "gpt-4o"});
  t.write(SpendDelta{"k2", 1.0, ""});
  ASSERT_TRUE(t.runBlocking([](Store&) {}));
  std::lock_guard l(s->mu);
  ASSERT_EQ(s->batches.size(), 1u);
  ASSERT_EQ(s->batches[0].deltas.size(), 3u);
  EXPECT_DOUBLE_EQ(s->batches[0].deltas[0].spend, 50.0);
  EXPECT_EQ(s->batches[0].deltas[1].model, "gpt-4o");
  EXPECT_DOUBLE_EQ(s->batches[0].deltas[2].spend, 1.0);
  EXPECT_EQ(t.stats().written, 102u);
}

TEST(StoreThread, FailedWritesAreRetriedAndNothingIsLost) {
  auto owned = std::make_unique<RecordingStore>();
  RecordingStore* s = owned.get();
  s->failing = true;
  StoreThreadOptions o;
  o.flush_interval = std::chrono::milliseconds(5);
  o.retry_initial = std::chrono::milliseconds(5);
  o.retry_max = std::chrono::milliseconds(20);
  StoreThread t(std::move(owned), o);
  for (int i = 0; i < 50; ++i) t.write(rowNamed("r" + std::to_string(i)));
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_GT(t.stats().failures, 0u);
  EXPECT_EQ(s->rows(), 0u);
  s->failing = false;
  for (int i = 0; i < 200 && s->rows() < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(s->rows(), 50u);
  EXPECT_EQ(t.stats().dropped, 0u);
}

TEST(StoreThread, AFullBufferDropsAndCounts) {
  auto owned = std::make_unique<RecordingStore>();
  owned->failing = true;
  StoreThreadOptions o;
  o.max_buffered = 10;
  o.stop_timeout = std::chrono::milliseconds(50);
  StoreThread t(std::move(owned), o);
  int accepted = 0;
  for (int i = 0; i < 25; ++i) accepted += t.write(rowNamed("r")) ? 1 : 0;
  EXPECT_EQ(accepted, 10);
  EXPECT_EQ(t.stats().dropped, 15u);
  t.stop();  // the database never comes back: the ten are counted as dropped at exit
  EXPECT_EQ(t.stats().dropped, 25u);
}

TEST(StoreThread, StopWritesWhatIsBuffered) {
  auto owned = std::make_unique<RecordingStore>();
  RecordingStore* s = owned.get();
  StoreThreadOptions o;
  o.flush_interval = std::chrono::milliseconds(10000);
  StoreThread t(std::move(owned), o);
  for (int i = 0; i < 1000; ++i) t.write(rowNamed("r"));
  t.stop();
  EXPECT_EQ(s->rows(), 1000u);
  EXPECT_FALSE(t.write(rowNamed("late")));
  EXPECT_FALSE(t.runBlocking([](Store&) {}));
}

}  // namespace
}  // namespace switchyard::store
