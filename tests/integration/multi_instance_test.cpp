// Three gateway instances on one real PostgreSQL and one real redis-server, both started by the
// test on free ports (docs/multi-instance.md): keys made, blocked and deleted on one instance
// take effect on the others within a second; a key's rpm limit and budget hold across all three
// under 300 concurrent requests, and its spend is counted once; PostgreSQL stopped and restarted
// mid-load costs no request and loses no spend row; an instance SIGKILLed mid-request frees its
// slots and reservations for the others once its leases expire.

#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_openai.hpp"
#include "support/fixed_usage_upstream.hpp"
#include "multi_instance_fixture.hpp"
#include "support/http_client.hpp"
#include "support/key_helpers.hpp"

namespace switchyard::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kPrompt = 7;  // "Say hello", one message: the gateway's estimate and the usage
constexpr int kCompletion = 50;
constexpr double kInput = 0.0001, kOutput = 0.0002;
constexpr double kCost = kPrompt * kInput + kCompletion * kOutput;  // == the reservation

class MultiInstanceTest : public SharedStoreInstancesTest {
 protected:
  void SetUp() override {
    SharedStoreInstancesTest::SetUp();
    if (HasFatalFailure()) return;
    FakeOpenAI::Options o;
    o.dialect = std::make_shared<FixedUsageDialect>(FixedUsage{kPrompt, kCompletion, 0, 0});
    fake_ = std::make_unique<FakeOpenAI>(o);
  }

  std::string yaml() const override {
    ConfigBuilder c;
    c.model("priced", "openai/fixed-usage", fake_->baseUrl(), kUpstreamKey, "dep-priced",
            {{"input_cost_per_token", "0.0001"}, {"output_cost_per_token", "0.0002"}})
        .model("free", "mock/free", {}, {}, "dep-free", {{"mock_response", "\"free\""}})
        .model("slow", "mock/slow", {}, {}, "dep-slow",
               {{"mock_response", "\"slow\""}, {"mock_delay", "30"}})
        .router("num_retries", "0");
    return redisSettings(c)
        .litellm("cache_params", exactCountRedisTimeout())
        .general("master_key", kMasterKey)
        .general("instance_lease_ttl", "2")
        .yaml();
  }

  // Polls `key` on instance i until it answers `status`; how long that took (or nullopt).
  std::optional<double> secondsUntil(std::size_t i, const std::string& key, unsigned status,
                                     std::chrono::milliseconds limit = 3000ms) {
    HttpClient c(port(i));
    const auto started = Clock::now();
    while (Clock::now() - started < limit) {
      if (chatWith(c, key, "free").status == status) {
        return std::chrono::duration<double>(Clock::now() - started).count();
      }
      std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
  }

  std::unique_ptr<FakeOpenAI> fake_;
};

TEST_F(MultiInstanceTest, AKeyMadeOnOneInstanceWorksOnEveryOther) {
  launch(3);
  HttpClient a(port(0)), b(port(1)), c(port(2));
  const std::string key = generateKey(a, {{"key_alias", "shared"}}).value("key", "");
  ASSERT_FALSE(key.empty());
  EXPECT_EQ(chatWith(b, key, "free").status, 200u);
  EXPECT_EQ(chatWith(c, key, "free").status, 200u);
  EXPECT_EQ(chatWith(a, key, "free").status, 200u);
  // An unknown key is refused everywhere, as on one instance.
  EXPECT_EQ(chatWith(b, "sk-not-a-key", "free").status, 401u);
  EXPECT_EQ(sql("SELECT key_alias FROM keys"), "shared");
}

TEST_F(MultiInstanceTest, ABlockOrADeleteOnOneInstanceTakesEffectEverywhereWithinASecond) {
  launch(3);
  HttpClient a(port(0)), b(port(1));
  const std::string key = generateKey(a).value("key", "");
  ASSERT_FALSE(key.empty());
  HttpClient c(port(2));
  ASSERT_EQ(chatWith(a, key, "free").status, 200u);  // loaded on A and C
  ASSERT_EQ(chatWith(c, key, "free").status, 200u);

  ASSERT_EQ(b.post("/key/block", {{"key", key}}, masterAuth()).status, 200u);
  auto on_a = secondsUntil(0, key, 401), on_c = secondsUntil(2, key, 401);
  ASSERT_TRUE(on_a && on_c) << "a blocked key still works on another instance after 3 s";
  EXPECT_LT(*on_a, 1.0);
  EXPECT_LT(*on_c, 1.0);

  ASSERT_EQ(c.post("/key/unblock", {{"key", key}}, masterAuth()).status, 200u);
  auto back = secondsUntil(0, key, 200);
  ASSERT_TRUE(back.has_value());
  EXPECT_LT(*back, 1.0);

  ASSERT_EQ(a.post("/key/delete", {{"keys", {key}}}, masterAuth()).status, 200u);
  auto gone = secondsUntil(2, key, 401);
  ASSERT_TRUE(gone.has_value());
  EXPECT_LT(*gone, 1.0);
}

TEST_F(MultiInstanceTest, LimitsBudgetAndSpendHoldAcrossThreeInstances) {
  launch(3);
  HttpClient a(port(0));
  const std::string key =
      generateKey(a, {{"max_budget", 4.5 * kCost}, {"rpm_limit", 10}}).value("key", "");
  ASSERT_FALSE(key.empty());
  stayInOneMinute(20);
  const json body = chatBody("priced", "Say hello", {{"max_tokens", kCompletion}});
  std::vector<std::vector<HttpResponse>> answers(3);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      answers[i] = burst(port(i), 100, "/v1/chat/completions", body, bearer(key));
    });
  }
  for (auto& t : threads) t.join();
  Tally t;
  for (const auto& list : answers) {
    for (const HttpResponse& r : list) t.add(r);
  }
  EXPECT_EQ(t.other, 0) << t.sample_other;
  EXPECT_LE(t.ok, 10) << "rpm_limit 10 across three instances";
  // The budget holds within one reservation (each request reserves its full cost).
  EXPECT_LE(t.ok * kCost, 4.5 * kCost + kCost + 1e-12) << t.ok << " admitted";
  EXPECT_GE(t.ok, 4);
  EXPECT_EQ(t.ok + t.budget + t.rate, 300);
  EXPECT_EQ(fake_->requestCount(), static_cast<std::size_t>(t.ok));

  // Spend counted once: the key's spend and its rows equal what the upstream reported.
  const double expected = t.ok * kCost;
  std::string spend, rows;
  for (int i = 0; i < 100; ++i) {
    spend = sql("SELECT spend FROM keys");
    rows = sql("SELECT COUNT(*) FROM spend_logs WHERE status = 'success'");
    if (!spend.empty() && std::abs(std::stod(spend) - expected) < 1e-9 &&
        rows == std::to_string(t.ok)) {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_FALSE(spend.empty());
  EXPECT_NEAR(std::stod(spend), expected, 1e-9);
  EXPECT_EQ(rows, std::to_string(t.ok));
  EXPECT_NEAR(std::stod(sql("SELECT COALESCE(SUM(spend), 0) FROM spend_logs")), expected, 1e-9);
  EXPECT_EQ(sql("SELECT COALESCE(SUM(prompt_tokens), 0) FROM spend_logs WHERE status = 'success'"),
            std::to_string(t.ok * kPrompt));
}

// docs/teams.md: 200 requests at once over 10 keys of one team whose budget pays for about 5,
// sent to two instances: the team spends at most its budget plus one request, counted once in
// PostgreSQL; a team blocked on one instance is refused on the other within a second.
TEST_F(MultiInstanceTest, ATeamBudgetHoldsOverTenKeysAcrossTwoInstances) {
  launch(2);
  HttpClient a(port(0)), b(port(1));
  HttpResponse made =
      a.post("/team/new", {{"team_alias", "mi-team"}, {"max_budget", 5.5 * kCost}}, masterAuth());
  ASSERT_EQ(made.status, 200u) << made.body;
  const std::string team = made.json().value("team_id", "");
  ASSERT_FALSE(team.empty());
  std::vector<std::string> keys;
  for (int i = 0; i < 10; ++i) {
    keys.push_back(generateKey(i % 2 ? b : a, {{"team_id", team}}).value("key", ""));
    ASSERT_FALSE(keys.back().empty());
  }
  const json body = chatBody("priced", "Say hello", {{"max_tokens", kCompletion}});
  std::vector<std::vector<HttpResponse>> answers(10);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < 10; ++i) {
    threads.emplace_back([&, i] {
      answers[i] = burst(port(i % 2), 20, "/v1/chat/completions", body, bearer(keys[i]));
    });
  }
  for (auto& t : threads) t.join();
  Tally t;
  for (const auto& list : answers) {
    for (const HttpResponse& r : list) t.add(r);
  }
  EXPECT_EQ(t.other, 0) << t.sample_other;
  EXPECT_EQ(t.ok + t.budget, 200);
  EXPECT_GE(t.ok, 4);
  EXPECT_LE(t.ok * kCost, 5.5 * kCost + kCost + 1e-12) << t.ok << " admitted";
  EXPECT_EQ(fake_->requestCount(), static_cast<std::size_t>(t.ok));
  std::string spend;
  for (int i = 0; i < 100; ++i) {
    spend = sql("SELECT spend FROM teams");
    if (!spend.empty() && std::abs(std::stod(spend) - t.ok * kCost) < 1e-9) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_FALSE(spend.empty());
  EXPECT_NEAR(std::stod(spend), t.ok * kCost, 1e-9) << "team spend counted once";

  // A change made on one instance reaches the other within a second (a team with no budget).
  HttpResponse other = a.post("/team/new", {{"team_alias", "mi-open"}}, masterAuth());
  ASSERT_EQ(other.status, 200u) << other.body;
  const std::string open = other.json().value("team_id", "");
  const std::string free_key = generateKey(a, {{"team_id", open}}).value("key", "");
  ASSERT_EQ(chatWith(b, free_key, "free").status, 200u);
  ASSERT_EQ(a.post("/team/block", {{"team_id", open}}, masterAuth()).status, 200u);
  auto blocked = secondsUntil(1, free_key, 401);
  ASSERT_TRUE(blocked.has_value()) << "a blocked team still serves on the other instance";
  EXPECT_LT(*blocked, 1.0);
}

TEST_F(MultiInstanceTest, PostgresRestartedMidLoadCostsNoRequestAndLosesNoSpendRow) {
  launch(3);
  HttpClient a(port(0));
  const std::string key = generateKey(a).value("key", "");
  ASSERT_FALSE(key.empty());
  for (std::size_t i = 0; i < 3; ++i) {  // the key is cached everywhere
    HttpClient c(port(i));
    ASSERT_EQ(chatWith(c, key, "free").status, 200u);
  }
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0}, failed{0}, slow{0};
  std::atomic<long long> max_ms{0};
  auto load = [&](std::uint16_t p) {
    HttpClient c(p);
    c.setTimeout(10s);
    while (!stop) {
      const auto started = Clock::now();
      auto r = c.post("/v1/chat/completions", chatBody("free"), bearer(key));
      const auto took = Clock::now() - started;
      if (r.status != 200) ++failed;
      if (took > 2s) ++slow;
      const long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
      for (long long m = max_ms; ms > m && !max_ms.compare_exchange_weak(m, ms);) {
      }
      ++answered;
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < 3; ++i) threads.emplace_back(load, port(i));
  std::this_thread::sleep_for(700ms);
  ASSERT_TRUE(pg_->stop());
  std::this_thread::sleep_for(2000ms);
  // Meanwhile: an admin write fails at once with a clear 503, nothing hangs.
  {
    HttpClient admin(port(1));
    admin.setTimeout(10s);
    const auto started = Clock::now();
    HttpResponse r = admin.post("/key/generate", json::object(), masterAuth());
    EXPECT_EQ(r.status, 503u) << r.body;
    EXPECT_LT(Clock::now() - started, 5s);
    // Still ready (it serves with the keys it has), and says the database is out.
    HttpResponse ready = admin.get("/health/readiness");
    EXPECT_EQ(ready.status, 200u);
    EXPECT_EQ(ready.json().value("db", ""), "Not connected") << ready.body;
  }
  ASSERT_TRUE(pg_->restart()) << pg_->startError();
  std::this_thread::sleep_for(1000ms);
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(slow.load(), 0);
  ASSERT_GT(answered.load(), 30);
  // Every answered request has its spend row once the store is back (buffered meanwhile).
  const int expected = answered.load() + 3;  // and the three warm-up requests
  std::string rows;
  for (int i = 0; i < 200; ++i) {
    rows = sql("SELECT COUNT(*) FROM spend_logs");
    if (rows == std::to_string(expected)) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(rows, std::to_string(expected));
  std::printf(
      "[ chaos ] PostgreSQL stopped 2 s and restarted under 3 instances: %d requests, %d "
      "failed, max %lld ms, %s of %d spend rows written\n",
      answered.load(), failed.load(), max_ms.load(), rows.c_str(), expected);
  HttpClient ready(port(2));
  EXPECT_EQ(ready.get("/health/readiness").json().value("db", ""), "connected");
}

TEST_F(MultiInstanceTest, AKilledInstanceFreesItsSlotsAndReservationsForTheOthers) {
  launch(2);
  HttpClient a(port(0));
  const json made = generateKey(a, {{"max_parallel_requests", 2}});
  const std::string key = made.value("key", ""), token = made.value("token", "");
  ASSERT_FALSE(key.empty());
  ASSERT_FALSE(token.empty());
  const std::string live = "sy:key:{" + token + "}:live";  // the leases in flight (Redis)
  // Two slow requests on A hold both slots. Whatever happens below, A is killed before the
  // holders are joined (their requests then end at once).
  std::vector<std::thread> holders;
  struct KillThenJoin {
    GatewayProcess& a;
    std::vector<std::thread>& threads;
    ~KillThenJoin() {
      a.sendSignal(SIGKILL);
      for (auto& t : threads) {
        if (t.joinable()) t.join();
      }
    }
  } guard{*gw_[0], holders};
  for (int i = 0; i < 2; ++i) {
    holders.emplace_back([&] {
      HttpClient c(port(0));
      c.setTimeout(40s);
      // Refused only while the other holder's request is being admitted: try again.
      for (int attempt = 0; attempt < 50; ++attempt) {
        if (c.post("/v1/chat/completions", chatBody("slow"), bearer(key)).status != 429) return;
        std::this_thread::sleep_for(20ms);
      }
    });
  }
  bool full = false;
  for (int i = 0; i < 500 && !full; ++i) {
    full = redis_->ask({"ZCARD", live}) == ":2\r\n";
    if (!full) std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(full) << "the slow requests on A never held the key's two slots";
  HttpClient b(port(1));
  EXPECT_EQ(chatWith(b, key, "free").status, 429u);
  // Still held a lease TTL later: A renews its leases while it lives.
  std::this_thread::sleep_for(3000ms);
  EXPECT_EQ(chatWith(b, key, "free").status, 429u);

  gw_[0]->sendSignal(SIGKILL);
  gw_[0]->waitExit(5s);
  for (auto& t : holders) t.join();
  holders.clear();
  // A's leases expire (instance_lease_ttl 2 s) and B may use the slots again.
  auto freed = secondsUntil(1, key, 200, 8000ms);
  ASSERT_TRUE(freed.has_value()) << "the dead instance's slots were never freed";
  EXPECT_LT(*freed, 4.0);
}

}  // namespace
}  // namespace switchyard::test
