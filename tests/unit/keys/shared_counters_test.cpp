// SharedKeyCounters against a real redis-server: the admit script takes a slot and a reservation
// and refuses by the same rules as one process; a lease settled while Redis is frozen is queued
// and settled once Redis answers again (spend not lost, reservation freed); a frozen Redis makes
// admit() give up within the deadline (the caller judges locally).

#include "switchyard/keys/shared_counters.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "support/asio_run.hpp"
#include "support/redis_server.hpp"
#include "switchyard/redis/client.hpp"

namespace switchyard::keys {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class SharedCountersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.started()) << redis_.startError();
    redis::Settings s;
    s.port = redis_.port();
    s.timeout = 50ms;
    client_ = std::make_shared<redis::Client>(io_.get_executor(), s);
    counters_ = std::make_shared<SharedKeyCounters>(client_);
    store::KeyRow row;
    row.token = "tok";
    row.key_name = "sk-...test";
    row.max_budget = 1.0;
    row.max_parallel_requests = 2;
    key_ = std::make_shared<KeyEntry>(row);
  }

  std::optional<SharedKeyCounters::Admitted> admit(double reservation) {
    AdmitRequest r{"m", 0, reservation};
    return test::runToEnd(io_, counters_->admit(std::span(&key_, 1), r, SysClock::now()));
  }
  // Runs the io_context for `d` (background finishes and retries).
  void runFor(std::chrono::milliseconds d) {
    io_.restart();
    const auto end = Clock::now() + d;
    while (Clock::now() < end) io_.run_one_for(10ms);
  }
  std::string get(const std::string& key) { return test::bulkOf(redis_.ask({"GET", key})); }
  std::string hget(const std::string& key, const std::string& f) {
    return test::bulkOf(redis_.ask({"HGET", key, f}));
  }

  test::RedisServer redis_;
  asio::io_context io_;
  std::shared_ptr<redis::Client> client_;
  std::shared_ptr<SharedKeyCounters> counters_;
  std::shared_ptr<KeyEntry> key_;
};

TEST_F(SharedCountersTest, TakesSlotsAndReservationsAndRefusesByTheSameRules) {
  auto a = admit(0.3);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->result.verdict, Verdict::kAdmitted);
  EXPECT_DOUBLE_EQ(std::stod(hget("sy:key:{tok}:resv", "all")), 0.3);
  auto b = admit(0.3);
  ASSERT_TRUE(b && b->result.verdict == Verdict::kAdmitted);
  auto c = admit(0.3);  // two in flight: max_parallel_requests 2
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->result.verdict, Verdict::kRateLimited);
  EXPECT_NE(c->result.message.find("max_parallel_requests=2"), std::string::npos)
      << c->result.message;
  EXPECT_EQ(key_->inFlight(), 2) << "this instance's share is counted locally too";
  a->lease.finish(0.5, 10, SysClock::now());
  b->lease.finish(0.4, 10, SysClock::now());
  runFor(200ms);
  EXPECT_NEAR(std::stod(get("sy:key:{tok}:spend:0")), 0.9, 1e-12);
  EXPECT_NEAR(std::stod(hget("sy:key:{tok}:resv", "all")), 0.0, 1e-12);
  // Admitted while spend + reservations stay under the budget: 0.9 + 0 < 1, then 0.9 + 0.3 >= 1.
  auto d = admit(0.3);
  ASSERT_TRUE(d && d->result.verdict == Verdict::kAdmitted);
  auto e = admit(0.3);  // 0.9 + 0.3 >= 1.0
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->result.verdict, Verdict::kBudgetExceeded) << e->result.message;
  EXPECT_NEAR(key_->spend(), 0.9, 1e-12) << "the shared spend is adopted";
}

TEST_F(SharedCountersTest, ASettlementRedisMissedIsSentWhenItAnswersAgain) {
  auto a = admit(0.25);
  ASSERT_TRUE(a && a->result.verdict == Verdict::kAdmitted);
  redis_.freeze();
  a->lease.finish(0.2, 5, SysClock::now());
  runFor(300ms);  // the finish times out and is queued
  // Meanwhile admit() gives up within its deadline: the caller judges locally.
  auto started = Clock::now();
  EXPECT_FALSE(admit(0.1).has_value());
  EXPECT_LT(Clock::now() - started, 1s);
  redis_.thaw();
  // The queued finish (and the release of the admit Redis ran late, if it did) go through.
  std::string spend;
  for (int i = 0; i < 80; ++i) {
    runFor(100ms);
    spend = get("sy:key:{tok}:spend:0");
    if (redis_.ask({"ZCARD", "sy:key:{tok}:live"}) == ":0\r\n" && !spend.empty() &&
        std::stod(spend) > 0) {
      break;
    }
  }
  ASSERT_FALSE(spend.empty()) << "the queued settlement never reached Redis";
  EXPECT_NEAR(std::stod(spend), 0.2, 1e-12) << "counted once, however often it was sent";
  EXPECT_NEAR(std::stod(hget("sy:key:{tok}:resv", "all")), 0.0, 1e-12);
  EXPECT_EQ(redis_.ask({"ZCARD", "sy:key:{tok}:live"}), ":0\r\n");
  EXPECT_GE(counters_->stats().finish_retries, 1u);
}

}  // namespace
}  // namespace switchyard::keys
