// Virtual-key limits under concurrency through the real binary (docs/keys.md): a budget is
// overshot by at most one reservation however many requests race for it, and an rpm limit
// admits exactly its number of requests in a clock minute.
//
// Budget reservations: a request reserves prompt_estimate x input + max_tokens x output before
// it runs (the estimate of one "Say hello" message is (9 + 3) / 4 + 4 = 7 tokens) and settles
// its real cost after. The fixed-usage upstream answers exactly that usage, so each request's
// cost equals its reservation, and a budget of 4.5 costs admits exactly 5 requests.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_openai.hpp"
#include "support/fixed_usage_upstream.hpp"
#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

using namespace std::chrono_literals;

constexpr double kInput = 0.0001, kOutput = 0.0002;
constexpr int kPromptEstimate = 7;  // "Say hello", one message
constexpr int kMaxTokens = 50;

std::string raceConfig(const FakeOpenAI& fake) {
  return ConfigBuilder{}
      .model("priced", "openai/fixed-usage", fake.baseUrl(), kUpstreamKey, "dep-priced",
             {{"input_cost_per_token", "0.0001"}, {"output_cost_per_token", "0.0002"}})
      .model("free", "mock/free", {}, {}, "dep-free", {{"mock_response", "\"free\""}})
      .router("num_retries", "0")
      .general("master_key", kMasterKey)
      .yaml();
}

// Stricter than Tally::add: a 429 counts only as the rate limit's.
Tally tally(const std::vector<HttpResponse>& rs) {
  Tally t;
  for (const HttpResponse& r : rs) {
    if (r.status == 200) {
      ++t.ok;
    } else if (r.status == 400 && errorType(r) == "budget_exceeded") {
      ++t.budget;
    } else if (r.status == 429 && errorType(r) == "rate_limit_error") {
      ++t.rate;
    } else {
      ++t.other;
      if (t.sample_other.empty())
        t.sample_other = std::to_string(r.status) + " " + r.error + " " + r.body;
    }
  }
  return t;
}

class KeysBudgetRaceTest : public ::testing::Test {
 protected:
  void start(FixedUsage usage) {
    dialect_ = std::make_shared<FixedUsageDialect>(usage);
    FakeOpenAI::Options o;
    o.dialect = dialect_;
    fake_ = std::make_unique<FakeOpenAI>(o);
    gw_ = launchGateway(raceConfig(*fake_), {}, 4);
    ASSERT_TRUE(gw_->started()) << gw_->startError();
  }
  std::shared_ptr<FixedUsageDialect> dialect_;
  std::unique_ptr<FakeOpenAI> fake_;
  std::unique_ptr<GatewayProcess> gw_;
};

TEST_F(KeysBudgetRaceTest, TwoHundredConcurrentRequestsAdmitExactlyTheBudget) {
  // Usage = the reservation's assumptions: cost == reservation.
  ASSERT_NO_FATAL_FAILURE(start({kPromptEstimate, kMaxTokens, 0, 0}));
  const double cost = kPromptEstimate * kInput + kMaxTokens * kOutput;  // 0.0107
  const double budget = 4.5 * cost;
  HttpClient c(gw_->port());
  json g = generateKey(c, {{"max_budget", budget}});
  const std::string key = g.value("key", "");
  ASSERT_FALSE(key.empty());

  const auto t0 = std::chrono::steady_clock::now();
  auto rs = burst(gw_->port(), 200, "/v1/chat/completions",
                  chatBody("priced", "Say hello", {{"max_tokens", kMaxTokens}}), bearer(key));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 60s);
  Tally t = tally(rs);
  EXPECT_EQ(t.other, 0) << t.sample_other;
  EXPECT_EQ(t.ok, 5) << "admitted " << t.ok << " requests on a budget of 4.5 requests";
  EXPECT_EQ(t.budget, 200 - t.ok);
  for (const HttpResponse& r : rs) {
    if (r.status == 200) {
      EXPECT_NEAR(headerNumber(r, "x-litellm-response-cost"), cost, 1e-12) << r.body;
    } else if (r.status == 400) {
      EXPECT_TRUE(isOpenAIError(r.json())) << r.body;
    }
  }
  EXPECT_EQ(fake_->requestCount(), static_cast<std::size_t>(t.ok))
      << "a refused request reached the upstream";

  json info = keyInfo(c, key);
  ASSERT_TRUE(info.is_object());
  const double spend = info.value("spend", -1.0);
  EXPECT_LE(spend, budget + cost + 1e-9) << "overshot by more than one reservation";
  EXPECT_NEAR(spend, t.ok * cost, 1e-9) << "spend does not match the answered requests";
  // The budget is spent: one more is refused.
  auto r = chatWith(c, key, "priced", {{"max_tokens", kMaxTokens}});
  EXPECT_EQ(r.status, 400u) << r.body;
}

// docs/teams.md, on one instance (no Redis: the levels are locked together in this process):
// 200 requests at once over 10 keys of one team whose budget pays for 5.5 requests admit 6 (the
// sixth while 5 are reserved, below 5.5; never a seventh: the team overshoots by at most one
// reservation), and the team's spend is exactly theirs.
TEST_F(KeysBudgetRaceTest, TwoHundredRequestsOverTenKeysHoldTheTeamBudget) {
  ASSERT_NO_FATAL_FAILURE(start({kPromptEstimate, kMaxTokens, 0, 0}));
  const double cost = kPromptEstimate * kInput + kMaxTokens * kOutput;
  HttpClient c(gw_->port());
  HttpResponse made =
      c.post("/team/new", {{"team_id", "race-team"}, {"max_budget", 5.5 * cost}}, masterAuth());
  ASSERT_EQ(made.status, 200u) << made.body;
  std::vector<std::string> keys;
  for (int i = 0; i < 10; ++i) {
    keys.push_back(generateKey(c, {{"team_id", "race-team"}}).value("key", ""));
    ASSERT_FALSE(keys.back().empty());
  }
  const json body = chatBody("priced", "Say hello", {{"max_tokens", kMaxTokens}});
  std::vector<std::vector<HttpResponse>> answers(keys.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    threads.emplace_back([&, i] {
      answers[i] = burst(gw_->port(), 20, "/v1/chat/completions", body, bearer(keys[i]));
    });
  }
  for (auto& th : threads) th.join();
  Tally t;
  for (const auto& list : answers) {
    Tally k = tally(list);
    t.ok += k.ok, t.budget += k.budget, t.rate += k.rate, t.other += k.other;
    if (t.sample_other.empty()) t.sample_other = k.sample_other;
  }
  EXPECT_EQ(t.other, 0) << t.sample_other;
  EXPECT_EQ(t.ok, 6) << "admitted " << t.ok << " on a team budget of 5.5 requests";
  EXPECT_EQ(t.budget, 200 - t.ok);
  EXPECT_EQ(fake_->requestCount(), static_cast<std::size_t>(t.ok));
  HttpResponse info = c.get("/team/info?team_id=race-team", masterAuth());
  ASSERT_EQ(info.status, 200u) << info.body;
  EXPECT_NEAR(info.json()["team_info"].value("spend", -1.0), t.ok * cost, 1e-9) << info.body;
}

TEST_F(KeysBudgetRaceTest, CheaperAnswersStillStayWithinOneReservation) {
  // Answers cost a quarter of their reservation: more fit, but never more than the budget plus
  // one reservation, and no fewer than budget / reservation.
  const int completion = 10;
  ASSERT_NO_FATAL_FAILURE(start({kPromptEstimate, completion, 0, 0}));
  const double reservation = kPromptEstimate * kInput + kMaxTokens * kOutput;
  const double cost = kPromptEstimate * kInput + completion * kOutput;  // 0.0027
  const double budget = 0.05;
  HttpClient c(gw_->port());
  const std::string key = generateKey(c, {{"max_budget", budget}}).value("key", "");

  auto rs = burst(gw_->port(), 200, "/v1/chat/completions",
                  chatBody("priced", "Say hello", {{"max_tokens", kMaxTokens}}), bearer(key));
  Tally t = tally(rs);
  EXPECT_EQ(t.other, 0) << t.sample_other;
  EXPECT_EQ(t.ok + t.budget, 200);
  EXPECT_GE(t.ok, static_cast<int>(budget / reservation)) << "refused while under budget";
  EXPECT_LE(t.ok * cost, budget + reservation + 1e-9) << t.ok << " requests answered";
  json info = keyInfo(c, key);
  const double spend = info.value("spend", -1.0);
  EXPECT_LE(spend, budget + reservation + 1e-9);
  EXPECT_NEAR(spend, t.ok * cost, 1e-9);
}

TEST_F(KeysBudgetRaceTest, HundredConcurrentRequestsOnRpm10AdmitExactlyTen) {
  ASSERT_NO_FATAL_FAILURE(start({kPromptEstimate, 1, 0, 0}));
  HttpClient c(gw_->port());
  const std::string key = generateKey(c, {{"rpm_limit", 10}}).value("key", "");
  // All hundred must fall into one clock minute.
  stayInOneMinute(8);
  const auto t0 = std::chrono::steady_clock::now();
  auto rs = burst(gw_->port(), 100, "/v1/chat/completions", chatBody("free"), bearer(key));
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_LT(took, 6s) << "the burst did not fit the minute the test aligned to";
  Tally t = tally(rs);
  EXPECT_EQ(t.other, 0) << t.sample_other;
  EXPECT_EQ(t.ok, 10);
  EXPECT_EQ(t.rate, 90);
  for (const HttpResponse& r : rs) {
    if (r.status == 429) {
      EXPECT_TRUE(r.has("retry-after")) << r.body;
      EXPECT_EQ(r.header("x-ratelimit-limit-requests"), "10");
      EXPECT_EQ(r.header("x-ratelimit-remaining-requests"), "0");
    }
  }
  // The same key on a priced upstream model is limited too (the limit is the key's).
  EXPECT_EQ(chatWith(c, key, "priced").status, 429u);
}

}  // namespace
}  // namespace switchyard::test
