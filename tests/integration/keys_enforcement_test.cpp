// What a virtual key enforces on /v1/chat/completions through the real binary (docs/keys.md):
// unknown, expired and blocked keys (401), the key's model list, aliases and access groups
// (403), rpm / tpm / max_parallel_requests (429 with Retry-After and x-ratelimit-* headers),
// max_budget and model_max_budget (400 budget_exceeded), model_rpm_limit, and the cost headers.

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <set>
#include <string>
#include <thread>

#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

using namespace std::chrono_literals;

constexpr double kInput = 0.001, kOutput = 0.002;  // m1's prices

std::string enforcementConfig() {
  return ConfigBuilder{}
      .model("m1", "mock/m1", {}, {}, "dep-m1",
             {{"mock_response", "\"ok\""},
              {"input_cost_per_token", "0.001"},
              {"output_cost_per_token", "0.002"}})
      .model("m2", "mock/m2", {}, {}, "dep-m2", {{"mock_response", "\"free answer\""}})
      .model("slow", "mock/slow", {}, {}, "dep-slow",
             {{"mock_response", "\"slow answer\""}, {"mock_delay", "1"}})
      .model("slow-stream", "mock/slow-stream", {}, {}, "dep-slow-stream",
             {{"mock_response", "\"one two three four five six seven eight\""},
              {"mock_chunk_delay", "0.3"},
              {"input_cost_per_token", "0.001"},
              {"output_cost_per_token", "0.002"}})
      .model("beta-model", "mock/beta", {}, {}, {}, {{"mock_response", "\"beta answer\""}})
      .general("master_key", kMasterKey)
      .yaml();
}

// model_info.access_groups on beta-model: ConfigBuilder writes model_info only for an id, so
// the group is spliced in after the litellm_params of that deployment.
std::string configWithAccessGroup() {
  std::string y = enforcementConfig();
  const std::string anchor = "      mock_response: \"beta answer\"\n";
  auto at = y.find(anchor);
  if (at != std::string::npos)
    y.insert(at + anchor.size(), "    model_info:\n      access_groups: [\"beta\"]\n");
  return y;
}

std::string contentOf(const HttpResponse& r) {
  json j = r.json();
  if (!j.is_object() || !j.contains("choices") || j["choices"].empty()) return {};
  return j["choices"][0]["message"].value("content", "");
}

// The cost of an m1 answer from the usage it reports.
double m1Cost(const HttpResponse& r) {
  json u = r.json()["usage"];
  return u.value("prompt_tokens", 0) * kInput + u.value("completion_tokens", 0) * kOutput;
}

TEST(KeysEnforcementTest, UnknownExpiredAndBlockedKeysAre401) {
  SY_START_GATEWAY(gw, configWithAccessGroup());
  HttpClient c(gw->port());

  auto r = chatWith(c, "sk-this-key-was-never-generated", "m2");
  EXPECT_EQ(r.status, 401u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json())) << r.body;
  EXPECT_EQ(errorType(r), "authentication_error");

  const std::string expiring = generateKey(c, {{"duration", "2s"}}).value("key", "");
  auto generated = std::chrono::steady_clock::now();  // the key expires before generated + 2s
  r = chatWith(c, expiring, "m2");
  EXPECT_EQ(r.status, 200u) << "a key valid for 2s failed at once: " << r.body;
  std::this_thread::sleep_until(generated + 2050ms);
  r = chatWith(c, expiring, "m2");
  EXPECT_EQ(r.status, 401u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json())) << r.body;
  EXPECT_NE(errorMessage(r).find("expired"), std::string::npos) << r.body;

  const std::string blocked = generateKey(c, {{"blocked", true}}).value("key", "");
  r = chatWith(c, blocked, "m2");
  EXPECT_EQ(r.status, 401u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json())) << r.body;
  EXPECT_NE(errorMessage(r).find("blocked"), std::string::npos) << r.body;
  // The error never echoes the key.
  EXPECT_EQ(r.body.find(blocked), std::string::npos);
}

TEST(KeysEnforcementTest, ModelsAliasesAndAccessGroups) {
  SY_START_GATEWAY(gw, configWithAccessGroup());
  HttpClient c(gw->port());

  const std::string only_m1 = generateKey(c, {{"models", {"m1"}}}).value("key", "");
  EXPECT_EQ(chatWith(c, only_m1, "m1").status, 200u);
  auto r = chatWith(c, only_m1, "m2");
  EXPECT_EQ(r.status, 403u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json())) << r.body;
  EXPECT_EQ(errorType(r), "permission_error");
  EXPECT_EQ(
      c.post("/v1/chat/completions", chatBody("m2", "hi", {{"stream", true}}), bearer(only_m1))
          .status,
      403u);

  // Key aliases: "my-alias" is served as m2 (also when the key lists only m2).
  const std::string aliased =
      generateKey(c, {{"aliases", {{"my-alias", "m2"}}}, {"models", {"m2"}}}).value("key", "");
  r = chatWith(c, aliased, "my-alias");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(contentOf(r), "free answer") << r.body;
  EXPECT_EQ(r.header("x-litellm-model-group"), "m2");
  EXPECT_EQ(chatWith(c, aliased, "m1").status, 403u);
  // Another key has no such alias.
  r = chatWith(c, only_m1, "my-alias");
  EXPECT_NE(r.status, 200u) << r.body;

  // Access group: the key names "beta", a deployment of beta-model belongs to it.
  const std::string beta = generateKey(c, {{"models", {"beta"}}}).value("key", "");
  r = chatWith(c, beta, "beta-model");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(contentOf(r), "beta answer");
  r = chatWith(c, beta, "m1");
  EXPECT_EQ(r.status, 403u) << r.body;

  // No model list: every model.
  const std::string any = generateKey(c).value("key", "");
  for (const char* m : {"m1", "m2", "beta-model"}) EXPECT_EQ(chatWith(c, any, m).status, 200u);
  // Every header spelling carries a virtual key, and its limits apply through each.
  for (const char* h : {"x-api-key", "api-key", "x-litellm-api-key"}) {
    EXPECT_EQ(c.post("/v1/chat/completions", chatBody("m2"), {{h, any}}).status, 200u) << h;
    EXPECT_EQ(c.post("/v1/chat/completions", chatBody("m2"), {{h, only_m1}}).status, 403u) << h;
  }
}

TEST(KeysEnforcementTest, RpmLimitGives429WithRetryAfterAndRateHeaders) {
  SY_START_GATEWAY(gw, configWithAccessGroup());
  HttpClient c(gw->port());
  const std::string key = generateKey(c, {{"rpm_limit", 3}}).value("key", "");
  stayInOneMinute(10);
  for (int i = 1; i <= 3; ++i) {
    auto r = chatWith(c, key, "m2");
    ASSERT_EQ(r.status, 200u) << "request " << i << ": " << r.body;
    EXPECT_EQ(r.header("x-ratelimit-limit-requests"), "3") << i;
    EXPECT_EQ(r.header("x-ratelimit-remaining-requests"), std::to_string(3 - i)) << i;
  }
  auto r = chatWith(c, key, "m2");
  ASSERT_EQ(r.status, 429u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json())) << r.body;
  EXPECT_EQ(errorType(r), "rate_limit_error");
  ASSERT_TRUE(r.has("retry-after")) << r.body;
  int retry = std::stoi(r.header("retry-after"));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 60);
  EXPECT_EQ(r.header("x-ratelimit-limit-requests"), "3");
  EXPECT_EQ(r.header("x-ratelimit-remaining-requests"), "0");

  // The limit is the key's: another key is not limited.
  const std::string other = generateKey(c).value("key", "");
  EXPECT_EQ(chatWith(c, other, "m2").status, 200u);
}

TEST(KeysEnforcementTest, MaxParallelRequestsRefusesTheSecondConcurrentRequest) {
  SY_START_GATEWAY(gw, configWithAccessGroup());
  HttpClient setup(gw->port());
  const std::string key = generateKey(setup, {{"max_parallel_requests", 1}}).value("key", "");

  auto first = std::async(std::launch::async, [&] {
    HttpClient c(gw->port());
    c.setTimeout(10s);
    return chatWith(c, key, "slow");
  });
  std::this_thread::sleep_for(300ms);  // the slow mock holds the slot for 1 s
  HttpClient c(gw->port());
  auto second = chatWith(c, key, "m2");
  EXPECT_EQ(second.status, 429u) << second.body;
  EXPECT_TRUE(isOpenAIError(second.json())) << second.body;
  EXPECT_NE(errorMessage(second).find("max_parallel_requests"), std::string::npos) << second.body;
  HttpResponse a = first.get();
  EXPECT_EQ(a.status, 200u) << a.body;
  // The slot is free again.
  EXPECT_EQ(chatWith(c, key, "m2").status, 200u);
}

TEST(KeysEnforcementTest, TpmLimitCountsTheTokensOfFinishedRequests) {
  SY_START_GATEWAY(gw, configWithAccessGroup());
  HttpClient c(gw->port());
  stayInOneMinute(10);
  const std::string key = generateKey(c, {{"tpm_limit", 5}}).value("key", "");
  auto r = chatWith(c, key, "m2");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-ratelimit-limit-tokens"), "5");
  json usage = r.json()["usage"];
  ASSERT_GE(usage.value("total_tokens", 0), 5) << "the test needs >= 5 tokens per answer";
  r = chatWith(c, key, "m2");
  EXPECT_EQ(r.status, 429u) << r.body;
  EXPECT_TRUE(r.has("retry-after"));
  EXPECT_NE(errorMessage(r).find("tpm"), std::string::npos) << r.body;
  EXPECT_EQ(r.header("x-ratelimit-limit-tokens"), "5");
}

TEST(KeysEnforcementTest, BudgetExhaustedIs400WithSpendAndBudget) {
  SY_START_GATEWAY(gw, configWithAccessGroup());
  HttpClient c(gw->port());
  const double budget = 0.01;
  const std::string key = generateKey(c, {{"max_budget", budget}}).value("key", "");

  auto r1 = chatWith(c, key, "m1");
  ASSERT_EQ(r1.status, 200u) << r1.body;
  const double cost = m1Cost(r1);
  ASSERT_GT(cost, 0);
  ASSERT_LT(cost, budget) << "the test needs two requests under the budget";
  EXPECT_NEAR(headerNumber(r1, "x-litellm-response-cost"), cost, 1e-12);
  EXPECT_NEAR(headerNumber(r1, "x-litellm-key-spend"), cost, 1e-12);
  EXPECT_NEAR(headerNumber(r1, "x-litellm-key-max-budget"), budget, 1e-12);

  double spend = cost;
  HttpResponse refused;
  for (int i = 0; i < 10; ++i) {
    auto r = chatWith(c, key, "m1");
    if (r.status != 200u) {
      refused = r;
      break;
    }
    spend += m1Cost(r);
    EXPECT_NEAR(headerNumber(r, "x-litellm-key-spend"), spend, 1e-9);
  }
  ASSERT_EQ(refused.status, 400u) << refused.body;
  EXPECT_GE(spend, budget);
  EXPECT_LT(spend, budget + cost + 1e-12) << "admitted past the budget";
  EXPECT_TRUE(isOpenAIError(refused.json())) << refused.body;
  EXPECT_EQ(errorType(refused), "budget_exceeded") << refused.body;
  const std::string msg = errorMessage(refused);
  char spend_text[48], budget_text[48];
  std::snprintf(spend_text, sizeof spend_text, "%.10g", spend);
  std::snprintf(budget_text, sizeof budget_text, "%.10g", budget);
  EXPECT_NE(msg.find(spend_text), std::string::npos) << msg << " lacks the spend " << spend_text;
  EXPECT_NE(msg.find(budget_text), std::string::npos) << msg << " lacks the budget";
  EXPECT_EQ(refused.body.find(key), std::string::npos);
  // A free model is refused too: the budget is the key's.
  EXPECT_EQ(chatWith(c, key, "m2").status, 400u);
  // Raising the budget lets it through again.
  ASSERT_EQ(c.post("/key/update", {{"key", key}, {"max_budget", 1.0}}, masterAuth()).status, 200u);
  EXPECT_EQ(chatWith(c, key, "m1").status, 200u);
}

TEST(KeysEnforcementTest, CostHeadersOnSuccessAndNoneWithoutABudget) {
  SY_START_GATEWAY(gw, configWithAccessGroup());
  HttpClient c(gw->port());
  const std::string key = generateKey(c, {{"max_budget", 50}}).value("key", "");
  auto r = chatWith(c, key, "m1");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_NEAR(headerNumber(r, "x-litellm-response-cost"), m1Cost(r), 1e-12) << r.body;
  EXPECT_NEAR(headerNumber(r, "x-litellm-key-spend"), m1Cost(r), 1e-12);
  EXPECT_EQ(r.header("x-litellm-key-max-budget"), "50");
  r = chatWith(c, key, "m2");
  EXPECT_EQ(headerNumber(r, "x-litellm-response-cost"), 0.0) << "the mock m2 is free";

  const std::string unbudgeted = generateKey(c).value("key", "");
  r = chatWith(c, unbudgeted, "m1");
  ASSERT_EQ(r.status, 200u);
  EXPECT_TRUE(r.has("x-litellm-key-spend"));
  EXPECT_FALSE(r.has("x-litellm-key-max-budget"));
  EXPECT_FALSE(r.has("x-ratelimit-limit-requests")) << "no rpm_limit, yet rate headers";
}

TEST(KeysEnforcementTest, PerModelBudgetAndRpmLimit) {
  SY_START_GATEWAY(gw, configWithAccessGroup());
  HttpClient c(gw->port());
  stayInOneMinute(10);
  const std::string key = generateKey(c, {{"model_max_budget", {{"m1", {{"budget_limit", 0.004}}}}},
                                          {"model_rpm_limit", {{"m2", 2}}}})
                              .value("key", "");
  // m1: the first answer costs more than its budget, so the second is refused.
  auto r = chatWith(c, key, "m1");
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_GT(m1Cost(r), 0.004);
  r = chatWith(c, key, "m1");
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorType(r), "budget_exceeded") << r.body;
  EXPECT_NE(errorMessage(r).find("m1"), std::string::npos) << r.body;

  // m2 has no budget but two requests a minute.
  EXPECT_EQ(chatWith(c, key, "m2").status, 200u);
  EXPECT_EQ(chatWith(c, key, "m2").status, 200u);
  r = chatWith(c, key, "m2");
  EXPECT_EQ(r.status, 429u) << r.body;
  EXPECT_TRUE(r.has("retry-after"));
  EXPECT_NE(errorMessage(r).find("m2"), std::string::npos) << r.body;
  // Neither limit touches the other model or beta-model.
  EXPECT_EQ(chatWith(c, key, "beta-model").status, 200u);

  // /key/info shows the per-model spend.
  json info = keyInfo(c, key);
  ASSERT_TRUE(info.is_object());
  EXPECT_GT(info["model_spend"].value("m1", 0.0), 0.004) << info.dump();
}

// design.md (GET /v1/models): with virtual keys, only the aliases the key may use.
TEST(KeysEnforcementTest, ModelListShowsOnlyTheKeysModels) {
  SY_START_GATEWAY(gw, configWithAccessGroup());
  HttpClient c(gw->port());
  const std::string key = generateKey(c, {{"models", {"m1", "beta"}}}).value("key", "");
  auto r = c.get("/v1/models", bearer(key));
  ASSERT_EQ(r.status, 200u) << r.body;
  std::set<std::string> ids;
  const json listed = r.json();
  for (const json& m : listed["data"]) ids.insert(m.value("id", ""));
  EXPECT_EQ(ids, (std::set<std::string>{"m1", "beta-model"})) << r.body;
  EXPECT_EQ(c.get("/v1/models/m2", bearer(key)).status, 404u);
  EXPECT_EQ(c.get("/v1/models/m1", bearer(key)).status, 200u);
  // The master key sees every alias.
  r = c.get("/v1/models", masterAuth());
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.json()["data"].size(), 5u) << r.body;
}

// A stream holds its parallel slot and its budget reservation until it ends; a client that
// leaves mid-stream frees both.
TEST(KeysEnforcementTest, StreamHoldsSlotAndReservationUntilItEndsOrTheClientLeaves) {
  SY_START_GATEWAY(gw, configWithAccessGroup());
  HttpClient c(gw->port());
  // No max_tokens: the reservation assumes 4096 output tokens at 0.002 = 8.19 > the budget, so
  // while a stream is in flight every other request of the key is over budget.
  const std::string key =
      generateKey(c, {{"max_budget", 1.0}, {"max_parallel_requests", 2}}).value("key", "");
  {
    HttpClient s(gw->port());
    auto head =
        s.startStream("/v1/chat/completions",
                      chatBody("slow-stream", "Say hello", {{"stream", true}}), bearer(key));
    ASSERT_EQ(head.status, 200u) << head.body;
    ASSERT_TRUE(s.nextEvent(3s).has_value());
    auto r = chatWith(c, key, "m2");
    EXPECT_EQ(r.status, 400u) << "a stream in flight did not hold its reservation: " << r.body;
    EXPECT_EQ(errorType(r), "budget_exceeded");
    EXPECT_NE(errorMessage(r).find("in flight"), std::string::npos) << r.body;
    s.close();  // the client leaves mid-stream
  }
  HttpResponse after;
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < deadline) {
    after = chatWith(c, key, "m2");
    if (after.status == 200u) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(after.status, 200u) << "reservation leaked after the client left: " << after.body;

  // A stream read to its end is charged its usage.
  const double before = keyInfo(c, key).value("spend", -1.0);
  HttpClient s(gw->port());
  auto full = s.stream("/v1/chat/completions",
                       chatBody("slow-stream", "Say hello",
                                {{"stream", true}, {"stream_options", {{"include_usage", true}}}}),
                       bearer(key));
  ASSERT_EQ(full.status, 200u) << full.error;
  ASSERT_TRUE(full.sawDone());
  json usage;
  for (const auto& ev : full.events) {
    json j = ev.json();
    if (j.is_object() && j.contains("usage") && j["usage"].is_object()) usage = j["usage"];
  }
  ASSERT_TRUE(usage.is_object()) << full.raw_body;
  const double cost =
      usage.value("prompt_tokens", 0) * kInput + usage.value("completion_tokens", 0) * kOutput;
  double spend = -1;
  for (auto until = std::chrono::steady_clock::now() + 3s; std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(20ms)) {
    spend = keyInfo(c, key).value("spend", -1.0);
    if (spend >= before + cost - 1e-12) break;
  }
  EXPECT_NEAR(spend, before + cost, 1e-9) << "the stream was not charged its usage";
  EXPECT_EQ(chatWith(c, key, "m2").status, 200u) << "the finished stream kept its slot";
}

TEST(KeysEnforcementTest, BudgetDurationWindowResetsTheSpend) {
  SY_START_GATEWAY(gw, configWithAccessGroup());
  HttpClient c(gw->port());
  const std::string key =
      generateKey(c, {{"max_budget", 0.004}, {"budget_duration", "2s"}}).value("key", "");
  auto r = chatWith(c, key, "m1");
  ASSERT_EQ(r.status, 200u) << r.body;
  const double cost = m1Cost(r);
  ASSERT_GT(cost, 0.004);
  json info = keyInfo(c, key);
  ASSERT_TRUE(info["budget_reset_at"].is_string()) << info.dump();
  const std::string first_reset = info["budget_reset_at"].get<std::string>();
  r = chatWith(c, key, "m1");
  if (r.status == 200u) GTEST_SKIP() << "the 2 s window rolled between two requests";
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(errorType(r), "budget_exceeded");

  // The window ends at most 2 s after it started.
  HttpResponse again;
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < deadline) {
    again = chatWith(c, key, "m1");
    if (again.status == 200u) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(again.status, 200u) << "the budget window never reset: " << again.body;
  EXPECT_NEAR(headerNumber(again, "x-litellm-key-spend"), cost, 1e-9) << "spend not reset";
  info = keyInfo(c, key);
  EXPECT_NEAR(info.value("spend", -1.0), cost, 1e-9) << "stored spend not reset: " << info.dump();
  EXPECT_GT(info.value("budget_reset_at", ""), first_reset) << info.dump();
}

}  // namespace
}  // namespace switchyard::test
