// Key limits and budgets shared by two gateway instances through a real redis-server
// (docs/multi-instance.md): an rpm limit, a max_parallel_requests limit and a budget hold exactly
// across both under concurrent load; with Redis dead each instance enforces the limit alone and
// no request waits on it; a killed or frozen Redis costs no request more than its timeout, and
// sharing resumes when it is back.
//
// Both instances read one SQLite file (the key made on the first is loaded by the second at its
// start): that is this test's way to give them the same keys before PostgreSQL exists.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_openai.hpp"
#include "support/fixed_usage_upstream.hpp"
#include "support/gateway_process.hpp"
#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/redis_server.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr double kInput = 0.0001, kOutput = 0.0002;
constexpr int kPromptEstimate = 7;  // "Say hello", one message (keys_budget_race_test.cpp)
constexpr int kMaxTokens = 50;

std::int64_t currentMinute() {
  return std::chrono::duration_cast<std::chrono::minutes>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class SharedLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<RedisServer>(RedisServer::Options{.password = "limitspw"});
    ASSERT_TRUE(redis_->started()) << redis_->startError();
    FakeOpenAI::Options o;
    o.dialect = std::make_shared<FixedUsageDialect>(FixedUsage{kPromptEstimate, kMaxTokens, 0, 0});
    fake_ = std::make_unique<FakeOpenAI>(o);
    db_dir_ = std::filesystem::temp_directory_path() /
              ("sy-shared-" + std::to_string(::getpid()) + "-" + std::to_string(++counter_));
    std::filesystem::create_directories(db_dir_);
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
    std::error_code ec;
    std::filesystem::remove_all(db_dir_, ec);
  }

  // `redis_timeout`: each Redis call's deadline (the gateway's default is 50 ms for counters).
  // The tests that count exactly give Redis a second: on a loaded 2-core CI machine a 50 ms
  // deadline can pass, and an instance then judges alone, as designed, and admits one too many.
  std::string yaml() const {
    return ConfigBuilder{}
        .model("priced", "openai/fixed-usage", fake_->baseUrl(), kUpstreamKey, "dep-priced",
               {{"input_cost_per_token", "0.0001"}, {"output_cost_per_token", "0.0002"}})
        .model("free", "mock/free", {}, {}, "dep-free", {{"mock_response", "\"free\""}})
        .model("limited", "mock/limited", {}, {}, "dep-limited",
               {{"mock_response", "\"limited\""}, {"rpm", "10"}})
        .model("slow", "mock/slow", {}, {}, "dep-slow",
               {{"mock_response", "\"slow\""}, {"mock_delay", "2"}})
        .router("num_retries", "0")
        .router("redis_host", "127.0.0.1")
        .router("redis_port", std::to_string(redis_->port()))
        .router("redis_password", "limitspw")
        .litellm("cache_params", redis_timeout_)
        .general("master_key", kMasterKey)
        .yaml();
  }
  void countExactly() { redis_timeout_ = exactCountRedisTimeout(); }
  std::unique_ptr<GatewayProcess> launch() {
    GatewayOptions o;
    o.binary = switchyardBinary();
    o.workers = 2;
    o.env["DATABASE_URL"] = "sqlite:///" + (db_dir_ / "shared.db").string();
    return std::make_unique<GatewayProcess>(yaml(), o);
  }
  // Starts `a`, makes a key on it with `body`, then starts `b` (which loads the key).
  std::string startBothWithKey(const json& body) {
    a_ = launch();
    EXPECT_TRUE(a_->started()) << a_->startError();
    if (!a_->started()) return "";
    HttpClient c(a_->port());
    std::string key = generateKey(c, body).value("key", "");
    b_ = launch();
    EXPECT_TRUE(b_->started()) << b_->startError();
    return b_->started() ? key : "";
  }
  // n requests to each instance at once.
  Tally burstBoth(int n, const json& body, const std::string& key) {
    std::vector<HttpResponse> ra, rb;
    std::thread ta([&] { ra = burst(a_->port(), n, "/v1/chat/completions", body, bearer(key)); });
    std::thread tb([&] { rb = burst(b_->port(), n, "/v1/chat/completions", body, bearer(key)); });
    ta.join();
    tb.join();
    Tally t;
    for (const HttpResponse& r : ra) t.add(r);
    for (const HttpResponse& r : rb) t.add(r);
    return t;
  }

  // The first Redis key matching `pattern` ("" when none).
  std::string firstKey(const std::string& pattern) const {
    std::string keys = redis_->ask({"KEYS", pattern});
    auto at = keys.find("sy:");
    return at == std::string::npos ? "" : keys.substr(at, keys.find("\r\n", at) - at);
  }

  static inline int counter_ = 0;
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<FakeOpenAI> fake_;
  std::filesystem::path db_dir_;
  std::unique_ptr<GatewayProcess> a_, b_;
  std::string redis_timeout_ = "{}";
};

TEST_F(SharedLimitsTest, AnRpmLimitHoldsExactlyAcrossTwoInstances) {
  countExactly();
  const std::string key = startBothWithKey({{"rpm_limit", 10}});
  ASSERT_FALSE(key.empty());
  stayInOneMinute(10);
  Tally t = burstBoth(40, chatBody("free"), key);
  EXPECT_EQ(t.other, 0) << t.sample_other;
  EXPECT_EQ(t.ok, 10) << "two instances together admitted " << t.ok << " on rpm_limit 10";
  EXPECT_EQ(t.rate, 70);
  // The counters live in Redis, under the key's hash.
  EXPECT_NE(redis_->ask({"KEYS", "sy:key:*:min:*"}), "*0\r\n");
}

TEST_F(SharedLimitsTest, ABudgetHoldsWithinOneReservationAcrossTwoInstances) {
  countExactly();
  const double cost = kPromptEstimate * kInput + kMaxTokens * kOutput;  // == the reservation
  const std::string key = startBothWithKey({{"max_budget", 4.5 * cost}});
  ASSERT_FALSE(key.empty());
  Tally t = burstBoth(60, chatBody("priced", "Say hello", {{"max_tokens", kMaxTokens}}), key);
  EXPECT_EQ(t.other, 0) << t.sample_other;
  EXPECT_EQ(t.ok, 5) << "admitted " << t.ok << " requests on a budget of 4.5 across two instances";
  EXPECT_EQ(t.budget, 120 - t.ok);
  EXPECT_EQ(fake_->requestCount(), static_cast<std::size_t>(t.ok));
  // Both instances now refuse: each knows the other's spend.
  HttpClient ca(a_->port()), cb(b_->port());
  EXPECT_EQ(chatWith(ca, key, "priced", {{"max_tokens", kMaxTokens}}).status, 400u);
  EXPECT_EQ(chatWith(cb, key, "priced", {{"max_tokens", kMaxTokens}}).status, 400u);
  // The shared spend is what was answered (settled in the background).
  std::string spend;
  for (int i = 0; i < 250; ++i) {
    spend = bulkOf(redis_->ask({"GET", firstKey("sy:key:*:spend:*")}));
    if (!spend.empty() && std::abs(std::stod(spend) - t.ok * cost) < 1e-9) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_FALSE(spend.empty()) << "no shared spend counter in Redis";
  EXPECT_NEAR(std::stod(spend), t.ok * cost, 1e-9);
}

TEST_F(SharedLimitsTest, MaxParallelRequestsHoldsAcrossTwoInstances) {
  countExactly();
  const std::string key = startBothWithKey({{"max_parallel_requests", 3}});
  ASSERT_FALSE(key.empty());
  // Each holds its slot for 2 s: every request of the burst is judged while the first three are
  // in flight, even on a loaded machine.
  Tally t = burstBoth(10, chatBody("slow"), key);
  EXPECT_EQ(t.other, 0) << t.sample_other;
  EXPECT_EQ(t.ok, 3) << "in flight at once across both instances";
  EXPECT_EQ(t.rate, 17);
  // The slots are free again once the requests ended, on either instance. A slot is given back
  // to Redis after the answer is sent: allow the release its round trip (a sanitized build is
  // several times slower).
  HttpClient cb(b_->port());
  unsigned status = 0;
  for (int i = 0; i < 100 && status != 200u; ++i) {
    if (i > 0) std::this_thread::sleep_for(20ms);
    status = chatWith(cb, key, "free").status;
  }
  EXPECT_EQ(status, 200u);
}

TEST_F(SharedLimitsTest, ADeploymentRpmHoldsAcrossTwoInstancesWithinOneSyncRound) {
  a_ = launch();
  ASSERT_TRUE(a_->started()) << a_->startError();
  b_ = launch();
  ASSERT_TRUE(b_->started()) << b_->startError();
  stayInOneMinute(15);
  // Paced requests (one per 60 ms on each instance): the instances learn each other's use every
  // 100 ms, so together they may pass the deployment's rpm 10 by what they admit in one round.
  std::atomic<int> ok{0}, limited{0}, other{0};
  auto load = [&](std::uint16_t port) {
    HttpClient c(port);
    for (int i = 0; i < 25; ++i) {
      auto r = c.post("/v1/chat/completions", chatBody("limited"), masterAuth());
      (r.status == 200 ? ok : r.status == 429 ? limited : other)++;
      std::this_thread::sleep_for(60ms);
    }
  };
  std::thread la(load, a_->port()), lb(load, b_->port());
  la.join();
  lb.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_GE(ok.load(), 10);
  EXPECT_LE(ok.load(), 12) << "two instances admitted " << ok.load() << " on a deployment rpm of 10";
  EXPECT_NE(redis_->ask({"KEYS", "sy:dep:*"}), "*0\r\n");
}

TEST_F(SharedLimitsTest, WithRedisDeadEachInstanceEnforcesTheLimitAlone) {
  const std::string key = startBothWithKey({{"rpm_limit", 4}});
  ASSERT_FALSE(key.empty());
  redis_->kill();
  stayInOneMinute(10);
  const auto t0 = Clock::now();
  Tally t = burstBoth(10, chatBody("free"), key);
  EXPECT_LT(Clock::now() - t0, 5s);
  EXPECT_EQ(t.other, 0) << t.sample_other;
  EXPECT_EQ(t.ok, 8) << "each instance admits its own 4 while Redis is gone";
}

TEST_F(SharedLimitsTest, AKilledRedisCostsNoRequestAndSharingResumes) {
  const std::string key = startBothWithKey({{"rpm_limit", 100000}, {"max_budget", 1000}});
  ASSERT_FALSE(key.empty());
  std::atomic<bool> stop{false};
  std::atomic<int> failed{0}, slow{0}, answered{0};
  auto load = [&](std::uint16_t port) {
    HttpClient c(port);
    c.setTimeout(5000ms);
    while (!stop) {
      auto started = Clock::now();
      auto r = c.post("/v1/chat/completions", chatBody("free"), bearer(key));
      if (r.status != 200) ++failed;
      if (Clock::now() - started > 1s) ++slow;
      ++answered;
    }
  };
  std::thread la(load, a_->port()), lb(load, b_->port());
  std::this_thread::sleep_for(500ms);
  redis_->kill();
  std::this_thread::sleep_for(1000ms);
  ASSERT_TRUE(redis_->restart()) << redis_->startError();
  std::this_thread::sleep_for(1500ms);
  stop = true;
  la.join();
  lb.join();
  EXPECT_GT(answered.load(), 50);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(slow.load(), 0) << "requests waited on the dead Redis";
  // The restarted Redis (empty) counts again.
  EXPECT_NE(redis_->ask({"KEYS", "sy:key:*:min:*"}), "*0\r\n");
}

TEST_F(SharedLimitsTest, AFrozenRedisNeverHoldsARequestBeyondTwoSeconds) {
  const std::string key = startBothWithKey({{"rpm_limit", 1000}});
  ASSERT_FALSE(key.empty());
  HttpClient ca(a_->port());
  ASSERT_EQ(chatWith(ca, key, "free").status, 200u);
  redis_->freeze();
  for (int i = 0; i < 10; ++i) {
    auto started = Clock::now();
    auto r = chatWith(ca, key, "free");
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_LT(Clock::now() - started, 2s) << "request " << i;
  }
  redis_->thaw();
  // Shared again once the breaker lets a probe through: this minute's count grows in Redis
  // (beyond the one request made before the freeze, when still in that minute).
  const std::int64_t frozen_minute = currentMinute();
  bool grew = false;
  for (int i = 0; i < 40 && !grew; ++i) {
    chatWith(ca, key, "free");
    const std::int64_t minute = currentMinute();
    std::string r = bulkOf(
        redis_->ask({"HGET", firstKey("sy:key:*:min:" + std::to_string(minute)), "r"}));
    if (!r.empty()) grew = std::stoi(r) >= (minute == frozen_minute ? 2 : 1);
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(grew) << "shared counting did not resume after the thaw";
}

}  // namespace
}  // namespace switchyard::test
