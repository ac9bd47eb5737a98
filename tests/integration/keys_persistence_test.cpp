// Keys and spend in the database through the real binary (docs/keys.md, docs/spend.md): keys,
// spend and budget windows survive a restart; spend rows queued when SIGTERM arrives reach the
// database; a request's spend is its usage at the deployment's prices (cached prompt tokens at
// the cache-read price, reasoning tokens at the reasoning price), streamed or not; and the spend
// reports add the rows up right.

#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "support/fake_openai.hpp"
#include "support/fixed_usage_upstream.hpp"
#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<GatewayProcess> startOn(const std::string& yaml, const std::string& db_url) {
  GatewayOptions o;
  o.binary = switchyardBinary();
  o.workers = 2;
  o.env["DATABASE_URL"] = db_url;
  return std::make_unique<GatewayProcess>(yaml, o);
}

std::string mockConfig() {
  return ConfigBuilder{}
      .model("m1", "mock/m1", {}, {}, "dep-m1",
             {{"mock_response", "\"persisted\""},
              {"input_cost_per_token", "0.001"},
              {"output_cost_per_token", "0.002"}})
      .general("master_key", kMasterKey)
      .yaml();
}

void stop(GatewayProcess& gw) {
  ASSERT_TRUE(gw.sendSignal(SIGTERM));
  auto code = gw.waitExit(20s);
  ASSERT_TRUE(code.has_value()) << "no exit within 20 s of SIGTERM";
  EXPECT_EQ(*code, 0) << gw.logText();
}

// /spend/logs?<query> as the master (array; null when not 200).
json spendLogs(HttpClient& c, const std::string& query) {
  auto r = c.get("/spend/logs" + (query.empty() ? "" : "?" + query), masterAuth());
  EXPECT_EQ(r.status, 200u) << query << ": " << r.body;
  json j = r.json();
  EXPECT_TRUE(j.is_array()) << r.body;
  return j.is_array() ? j : json::array();
}

// The spend row of `request_id`, waiting (bounded) for a stream's row, written when it ends.
json spendRow(HttpClient& c, const std::string& request_id) {
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  for (;;) {
    json rows = spendLogs(c, "request_id=" + request_id);
    if (rows.size() == 1) return rows[0];
    if (rows.size() > 1 || std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << rows.size() << " spend rows for " << request_id << ": " << rows.dump();
      return json::object();
    }
    std::this_thread::sleep_for(20ms);
  }
}

TEST(KeysPersistenceTest, RestartKeepsKeysSpendAndBudgetWindow) {
  TempDir tmp;
  const std::string db = "sqlite:///" + tmp.file("keys.db");
  std::string ka, kb, kblocked, kdeleted, kexhausted, kmodel, reset_at;
  double spend = 0;
  {
    auto gw = startOn(mockConfig(), db);
    ASSERT_TRUE(gw->started()) << gw->startError();
    HttpClient c(gw->port());
    ka = generateKey(c, {{"key_alias", "persist-a"},
                         {"max_budget", 10},
                         {"budget_duration", "30d"},
                         {"rpm_limit", 100},
                         {"models", {"m1"}}})
             .value("key", "");
    kb = generateKey(c, {{"key_alias", "persist-b"}}).value("key", "");
    kblocked = generateKey(c, {{"key_alias", "persist-blocked"}}).value("key", "");
    kdeleted = generateKey(c, {{"key_alias", "persist-deleted"}}).value("key", "");
    kexhausted = generateKey(c, {{"max_budget", 0.004}}).value("key", "");
    kmodel = generateKey(c, {{"model_max_budget", {{"m1", {{"budget_limit", 0.004}}}}}})
                 .value("key", "");
    for (const std::string& k : {kexhausted, kmodel}) {
      ASSERT_EQ(chatWith(c, k, "m1").status, 200u);  // costs 0.005: over both budgets
      ASSERT_EQ(chatWith(c, k, "m1").status, 400u);
    }
    ASSERT_EQ(c.post("/key/block", {{"key", kblocked}}, masterAuth()).status, 200u);
    ASSERT_EQ(c.post("/key/delete", {{"keys", {kdeleted}}}, masterAuth()).status, 200u);
    for (int i = 0; i < 3; ++i) {
      auto r = chatWith(c, ka, "m1");
      ASSERT_EQ(r.status, 200u) << r.body;
      spend += headerNumber(r, "x-litellm-response-cost");
    }
    ASSERT_GT(spend, 0);
    json info = keyInfo(c, ka);
    EXPECT_NEAR(info.value("spend", -1.0), spend, 1e-9);
    ASSERT_TRUE(info["budget_reset_at"].is_string()) << info.dump();
    reset_at = info["budget_reset_at"].get<std::string>();
    ASSERT_NO_FATAL_FAILURE(stop(*gw));
  }
  auto gw = startOn(mockConfig(), db);
  ASSERT_TRUE(gw->started()) << gw->startError();
  HttpClient c(gw->port());
  json info = keyInfo(c, ka);
  ASSERT_TRUE(info.is_object());
  EXPECT_NEAR(info.value("spend", -1.0), spend, 1e-9) << "spend lost across the restart";
  EXPECT_EQ(info.value("budget_reset_at", ""), reset_at) << "budget window moved";
  EXPECT_EQ(info.value("budget_duration", ""), "30d");
  EXPECT_EQ(info.value("key_alias", ""), "persist-a");
  EXPECT_EQ(info["models"], json({"m1"}));
  EXPECT_EQ(info.value("rpm_limit", 0), 100);

  auto r = chatWith(c, ka, "m1");
  ASSERT_EQ(r.status, 200u) << r.body;
  // The live spend continues from the stored one.
  EXPECT_NEAR(headerNumber(r, "x-litellm-key-spend"),
              spend + headerNumber(r, "x-litellm-response-cost"), 1e-9);
  EXPECT_EQ(chatWith(c, kb, "m1").status, 200u);
  EXPECT_EQ(chatWith(c, kblocked, "m1").status, 401u) << "the block was lost";
  EXPECT_EQ(chatWith(c, kdeleted, "m1").status, 401u) << "a deleted key came back";
  r = chatWith(c, kexhausted, "m1");
  EXPECT_EQ(r.status, 400u) << "an exhausted budget was refilled by a restart: " << r.body;
  r = chatWith(c, kmodel, "m1");
  EXPECT_EQ(r.status, 400u) << "a model budget was refilled by a restart: " << r.body;
  EXPECT_EQ(errorType(r), "budget_exceeded");
  EXPECT_GT(keyInfo(c, kmodel)["model_spend"].value("m1", 0.0), 0.004);
  auto l = c.get("/key/list", masterAuth());
  EXPECT_EQ(l.json().value("total_count", -1), 5) << l.body;
}

// A key regenerated with a grace period: both keys work after a restart. Then /key/delete given
// the old key (still valid) must either delete the key for good or change nothing; what this
// instance answers must be what the database says after a restart.
TEST(KeysPersistenceTest, GracePeriodKeysAndTheirDeletionSurviveRestart) {
  TempDir tmp;
  const std::string db = "sqlite:///" + tmp.file("keys.db");
  std::string old_key, new_key;
  unsigned delete_status = 0, new_key_status = 0, old_key_status = 0;
  {
    auto gw = startOn(mockConfig(), db);
    ASSERT_TRUE(gw->started()) << gw->startError();
    HttpClient c(gw->port());
    old_key = generateKey(c, {{"key_alias", "graceful"}}).value("key", "");
    auto rg = c.post("/key/regenerate", {{"key", old_key}, {"grace_period", "1h"}}, masterAuth());
    ASSERT_EQ(rg.status, 200u) << rg.body;
    new_key = rg.json().value("key", "");
    ASSERT_NO_FATAL_FAILURE(stop(*gw));
  }
  {
    auto gw = startOn(mockConfig(), db);
    ASSERT_TRUE(gw->started()) << gw->startError();
    HttpClient c(gw->port());
    EXPECT_EQ(chatWith(c, old_key, "m1").status, 200u) << "grace period lost at restart";
    EXPECT_EQ(chatWith(c, new_key, "m1").status, 200u);

    auto d = c.post("/key/delete", {{"keys", {old_key}}}, masterAuth());
    delete_status = d.status;
    new_key_status = chatWith(c, new_key, "m1").status;
    old_key_status = chatWith(c, old_key, "m1").status;
    if (d.status != 200u) {
      EXPECT_EQ(new_key_status, 200u) << "/key/delete answered " << d.status << " (" << d.body
                                      << ") yet the key stopped working on this instance";
    }
    ASSERT_NO_FATAL_FAILURE(stop(*gw));
  }
  auto gw = startOn(mockConfig(), db);
  ASSERT_TRUE(gw->started()) << gw->startError();
  HttpClient c(gw->port());
  EXPECT_EQ(chatWith(c, new_key, "m1").status, new_key_status)
      << "after /key/delete of the grace-period key (answered " << delete_status
      << "), the new key's state changed across a restart";
  EXPECT_EQ(chatWith(c, old_key, "m1").status, old_key_status)
      << "the old key's state changed across a restart";
}

// A request in flight while its key is regenerated: its cost belongs to the key (now under its
// new hash) in the database as in memory, so that /key/info and a restart see it.
TEST(KeysPersistenceTest, SpendOfARequestInFlightDuringRegenerateIsKept) {
  const std::string yaml = ConfigBuilder{}
                               .model("slow-priced", "mock/slow", {}, {}, "dep-slow",
                                      {{"mock_response", "\"ok\""},
                                       {"mock_delay", "2"},
                                       {"input_cost_per_token", "0.001"},
                                       {"output_cost_per_token", "0.002"}})
                               .general("master_key", kMasterKey)
                               .yaml();
  SY_START_GATEWAY(gw, yaml);
  HttpClient c(gw->port());
  const std::string key = generateKey(c, {{"key_alias", "rotating"}}).value("key", "");
  auto slow = std::async(std::launch::async, [&] {
    HttpClient s(gw->port());
    return chatWith(s, key, "slow-priced");
  });
  // The request is admitted and waiting on the mock (2 s) well before this, even under the
  // sanitizers on a loaded machine.
  std::this_thread::sleep_for(1000ms);
  auto rg = c.post("/key/regenerate", {{"key", key}}, masterAuth());
  ASSERT_EQ(rg.status, 200u) << rg.body;
  const std::string fresh = rg.json().value("key", "");
  HttpResponse r = slow.get();
  ASSERT_EQ(r.status, 200u) << r.body;
  const double cost = headerNumber(r, "x-litellm-response-cost");
  ASSERT_GT(cost, 0);
  EXPECT_NEAR(keyInfo(c, fresh).value("spend", -1.0), cost, 1e-12)
      << "the in-flight request's spend was written under the retired key hash";
  // Live and stored spend agree on the next request.
  r = chatWith(c, fresh, "slow-priced");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_NEAR(headerNumber(r, "x-litellm-key-spend"), keyInfo(c, fresh).value("spend", -1.0),
              1e-12);
}

TEST(KeysPersistenceTest, SpendRowsQueuedAtSigtermReachTheDatabase) {
  TempDir tmp;
  const std::string db = "sqlite:///" + tmp.file("keys.db");
  constexpr int kRequests = 40;
  std::set<std::string> ids;
  std::string key;
  double spend = 0;
  {
    auto gw = startOn(mockConfig(), db);
    ASSERT_TRUE(gw->started()) << gw->startError();
    HttpClient c(gw->port());
    key = generateKey(c, {{"key_alias", "queued"}}).value("key", "");
    auto rs = burst(gw->port(), kRequests, "/v1/chat/completions", chatBody("m1"), bearer(key));
    for (const HttpResponse& r : rs) {
      ASSERT_EQ(r.status, 200u) << r.error << r.body;
      ids.insert(r.header("x-request-id"));
      spend += headerNumber(r, "x-litellm-response-cost");
    }
    // SIGTERM at once: the rows are still in the store thread's buffer (flushed every 100 ms).
    ASSERT_NO_FATAL_FAILURE(stop(*gw));
  }
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kRequests)) << "request ids not unique";
  auto gw = startOn(mockConfig(), db);
  ASSERT_TRUE(gw->started()) << gw->startError();
  HttpClient c(gw->port());
  json rows = spendLogs(c, "api_key=" + key);
  std::set<std::string> logged;
  double logged_spend = 0;
  for (const json& row : rows) {
    logged.insert(row.value("request_id", ""));
    logged_spend += row.value("spend", 0.0);
    EXPECT_EQ(row.value("status", ""), "success");
    EXPECT_EQ(row.value("key_alias", ""), "queued");
  }
  EXPECT_EQ(rows.size(), static_cast<std::size_t>(kRequests));
  EXPECT_EQ(logged, ids) << "spend rows lost or foreign at SIGTERM";
  EXPECT_NEAR(logged_spend, spend, 1e-9);
  EXPECT_NEAR(keyInfo(c, key).value("spend", -1.0), spend, 1e-9) << "key spend deltas lost";
}

// usage {1000 prompt (200 cached), 500 completion (100 reasoning)}.
constexpr double kIn = 1e-6, kOut = 2e-6, kCacheRead = 2.5e-7, kReasoning = 4e-6;
constexpr double kWithReasoning = 800 * kIn + 200 * kCacheRead + 400 * kOut + 100 * kReasoning;
constexpr double kWithoutReasoning = 800 * kIn + 200 * kCacheRead + 500 * kOut;

std::string pricedConfig(const FakeOpenAI& fake) {
  const ConfigBuilder::Params common = {{"input_cost_per_token", "0.000001"},
                                        {"output_cost_per_token", "0.000002"},
                                        {"cache_read_input_token_cost", "0.00000025"}};
  ConfigBuilder::Params reasoned = common;
  reasoned.push_back({"output_cost_per_reasoning_token", "0.000004"});
  return ConfigBuilder{}
      .model("reasoned", "openai/fixed-r", fake.baseUrl(), kUpstreamKey, "dep-r", reasoned)
      .model("plain", "openai/fixed-p", fake.baseUrl(), kUpstreamKey, "dep-p", common)
      .router("num_retries", "0")
      .general("master_key", kMasterKey)
      .yaml();
}

TEST(KeysPersistenceTest, SpendIsTheUsageAtTheDeploymentPricesStreamedOrNot) {
  auto dialect = std::make_shared<FixedUsageDialect>(FixedUsage{1000, 500, 200, 100});
  FakeOpenAI::Options o;
  o.dialect = dialect;
  FakeOpenAI fake(o);
  SY_START_GATEWAY(gw, pricedConfig(fake));
  HttpClient c(gw->port());
  const std::string key = generateKey(c, {{"key_alias", "acc"}}).value("key", "");
  double total = 0;
  for (const auto& [model, expected] :
       std::map<std::string, double>{{"reasoned", kWithReasoning}, {"plain", kWithoutReasoning}}) {
    SCOPED_TRACE(model);
    auto r = chatWith(c, key, model);
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_NEAR(headerNumber(r, "x-litellm-response-cost"), expected, 1e-12);
    json row = spendRow(c, r.header("x-request-id"));
    EXPECT_NEAR(row.value("spend", -1.0), expected, 1e-12) << row.dump();
    EXPECT_EQ(row.value("prompt_tokens", 0), 1000);
    EXPECT_EQ(row.value("completion_tokens", 0), 500);
    EXPECT_EQ(row.value("cached_tokens", 0), 200);
    EXPECT_EQ(row.value("reasoning_tokens", 0), 100);
    EXPECT_FALSE(row.value("stream", true));
    EXPECT_EQ(row.value("model", ""), model);
    total += expected;

    HttpClient sc(gw->port());
    auto s = sc.stream("/v1/chat/completions", chatBody(model, "Say hello", {{"stream", true}}),
                       bearer(key));
    ASSERT_EQ(s.status, 200u) << s.error << s.raw_body;
    EXPECT_TRUE(s.sawDone());
    EXPECT_EQ(s.content(), "fixed answer");
    const std::string id = s.header("x-request-id");
    ASSERT_FALSE(id.empty());
    row = spendRow(c, id);
    EXPECT_NEAR(row.value("spend", -1.0), expected, 1e-12) << "stream: " << row.dump();
    EXPECT_EQ(row.value("cached_tokens", 0), 200) << row.dump();
    EXPECT_EQ(row.value("reasoning_tokens", 0), 100) << row.dump();
    EXPECT_TRUE(row.value("stream", false));
    total += expected;
  }
  // The upstream was asked for the usage chunk of the streams.
  int asked = 0;
  for (const auto& req : fake.requests()) {
    json b = req.json();
    if (b.is_object() && b.value("stream", false) && b.contains("stream_options") &&
        b["stream_options"].is_object() && b["stream_options"].value("include_usage", false))
      ++asked;
  }
  EXPECT_EQ(asked, 2);
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  double spend = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    spend = keyInfo(c, key).value("spend", -1.0);
    if (std::abs(spend - total) < 1e-12) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_NEAR(spend, total, 1e-12) << "the key's spend is not the sum of its requests";
}

// A stream the upstream breaks after its 200 head (an error event, or a dropped connection) is a
// failure in the spend log, not a success; a complete one is a success.
TEST(KeysPersistenceTest, AStreamTheUpstreamBreaksIsLoggedAsAFailure) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, ConfigBuilder{}
                           .model("gpt-test", "openai/fake-model-1", fake.baseUrl(), kUpstreamKey)
                           .router("num_retries", "0")
                           .general("master_key", kMasterKey)
                           .yaml());
  HttpClient c(gw->port());
  const std::string key = generateKey(c, {{"key_alias", "broken"}}).value("key", "");
  for (auto kind : {Behavior::Kind::kErrorEventInStream, Behavior::Kind::kCloseMidStream,
                    Behavior::Kind::kNormal}) {
    Behavior b;
    b.kind = kind;
    fake.pushBehavior(b);
    HttpClient sc(gw->port());
    auto s = sc.stream("/v1/chat/completions", chatBody("gpt-test", "hi", {{"stream", true}}),
                       bearer(key));
    ASSERT_EQ(s.status, 200u) << s.error << s.raw_body;
    const std::string id = s.header("x-request-id");
    ASSERT_FALSE(id.empty());
    json row = spendRow(c, id);
    const bool complete = kind == Behavior::Kind::kNormal;
    EXPECT_EQ(row.value("status", ""), complete ? "success" : "failure") << row.dump();
    EXPECT_EQ(row.value("http_status", 0), complete ? 200 : 502) << row.dump();
  }
}

// A mock_response stream the client asked no usage of still has its tokens in the spend row
// (and its cost in the key's spend), as a stream from a real provider does.
TEST(KeysPersistenceTest, AMockStreamWithoutUsageStillCountsItsTokens) {
  SY_START_GATEWAY(gw, mockConfig());
  HttpClient c(gw->port());
  const std::string key = generateKey(c, {{"key_alias", "mock-stream"}}).value("key", "");
  HttpClient sc(gw->port());
  auto s = sc.stream("/v1/chat/completions", chatBody("m1", "Say hello", {{"stream", true}}),
                     bearer(key));
  ASSERT_EQ(s.status, 200u) << s.error << s.raw_body;
  EXPECT_EQ(s.content(), "persisted");
  EXPECT_EQ(s.raw_body.find("\"usage\":{"), std::string::npos) << "usage the client did not ask for";
  json row = spendRow(c, s.header("x-request-id"));
  const int prompt = row.value("prompt_tokens", 0), completion = row.value("completion_tokens", 0);
  EXPECT_GT(prompt, 0) << row.dump();
  EXPECT_GT(completion, 0) << row.dump();
  EXPECT_NEAR(row.value("spend", -1.0), prompt * 0.001 + completion * 0.002, 1e-12) << row.dump();
}

std::string dayShift(const std::string& ymd, int days) {
  int y = 0;
  unsigned m = 0, d = 0;
  std::sscanf(ymd.c_str(), "%d-%u-%u", &y, &m, &d);
  std::chrono::sys_days day =
      std::chrono::year_month_day{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
  std::chrono::year_month_day shifted{day + std::chrono::days(days)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(shifted.year()),
                static_cast<unsigned>(shifted.month()), static_cast<unsigned>(shifted.day()));
  return buf;
}

TEST(KeysPersistenceTest, SpendReportsAddUp) {
  auto dialect = std::make_shared<FixedUsageDialect>(FixedUsage{1000, 500, 0, 0});
  FakeOpenAI::Options o;
  o.dialect = dialect;
  FakeOpenAI fake(o);
  const std::string yaml =
      ConfigBuilder{}
          .model("pa", "openai/fixed-a", fake.baseUrl(), kUpstreamKey, "dep-a",
                 {{"input_cost_per_token", "0.000001"}, {"output_cost_per_token", "0.000002"}})
          .model("pb", "openai/fixed-b", fake.baseUrl(), kUpstreamKey, "dep-b",
                 {{"input_cost_per_token", "0.000003"}, {"output_cost_per_token", "0.000001"}})
          .router("num_retries", "0")
          .general("master_key", kMasterKey)
          .yaml();
  const double pa = 1000 * 1e-6 + 500 * 2e-6, pb = 1000 * 3e-6 + 500 * 1e-6;
  SY_START_GATEWAY(gw, yaml);
  HttpClient c(gw->port());
  json g1 = generateKey(c, {{"key_alias", "r1"}, {"team_id", "t1"}, {"user_id", "u1"}});
  json g2 = generateKey(c, {{"key_alias", "r2"}, {"team_id", "t2"}});
  const std::string k1 = g1.value("key", ""), h1 = g1.value("token", "");
  const std::string k2 = g2.value("key", ""), h2 = g2.value("token", "");
  for (const auto& [k, m] : std::vector<std::pair<std::string, std::string>>{
           {k1, "pa"}, {k1, "pa"}, {k1, "pb"}, {k2, "pa"}}) {
    ASSERT_EQ(chatWith(c, k, m).status, 200u);
  }
  const double s1 = 2 * pa + pb, s2 = pa;

  auto get = [&](const std::string& target) {
    auto r = c.get(target, masterAuth());
    EXPECT_EQ(r.status, 200u) << target << ": " << r.body;
    return r.json();
  };
  // /global/spend/keys and /models say total_spend, /global/spend/report total_cost (LiteLLM's).
  auto expectGroup = [&](const json& arr, const std::string& field, const std::string& value,
                         double spend, int requests, const char* spend_field = "total_spend") {
    const json* e = entryWhere(arr, field, value);
    ASSERT_NE(e, nullptr) << field << "=" << value << " missing in " << arr.dump();
    EXPECT_NEAR(e->value(spend_field, -1.0), spend, 1e-12) << e->dump();
    EXPECT_EQ(e->value("total_requests", -1), requests) << e->dump();
  };

  json keys = get("/global/spend/keys");
  EXPECT_EQ(keys.size(), 2u) << keys.dump();
  expectGroup(keys, "api_key", h1, s1, 3);
  expectGroup(keys, "api_key", h2, s2, 1);
  if (const json* e = entryWhere(keys, "api_key", h1)) EXPECT_EQ(e->value("key_alias", ""), "r1");
  json models = get("/global/spend/models");
  EXPECT_EQ(models.size(), 2u) << models.dump();
  expectGroup(models, "model", "pa", 3 * pa, 3);
  expectGroup(models, "model", "pb", pb, 1);
  if (const json* e = entryWhere(models, "model", "pa")) {
    EXPECT_EQ(e->value("prompt_tokens", 0), 3000);
    EXPECT_EQ(e->value("completion_tokens", 0), 1500);
  }
  json by_model = get("/global/spend/report?group_by=model");
  expectGroup(by_model, "model", "pa", 3 * pa, 3, "total_cost");
  expectGroup(by_model, "model", "pb", pb, 1, "total_cost");
  json by_team = get("/global/spend/report?group_by=team");  // per day, then per team
  ASSERT_TRUE(by_team.is_array() && !by_team.empty()) << by_team.dump();
  std::map<std::string, double> team_spend;
  for (const json& day : by_team) {
    for (const json& t : day.value("teams", json::array())) {
      team_spend[t.value("team_name", "")] += t.value("total_spend", 0.0);
    }
  }
  EXPECT_NEAR(team_spend["t1"], s1, 1e-12) << by_team.dump();
  EXPECT_NEAR(team_spend["t2"], s2, 1e-12) << by_team.dump();
  json by_key = get("/global/spend/report?group_by=api_key");
  expectGroup(by_key, "api_key", h1, s1, 3, "total_cost");
  expectGroup(by_key, "api_key", h2, s2, 1, "total_cost");
  EXPECT_EQ(c.get("/global/spend/report?group_by=colour", masterAuth()).status, 400u);
  for (const std::string& body : {keys.dump(), by_key.dump()}) {
    EXPECT_EQ(body.find(k1), std::string::npos) << "a report shows a key";
  }

  // /spend/logs by key (plaintext or hash) and by date.
  json rows = spendLogs(c, "api_key=" + k1);
  ASSERT_EQ(rows.size(), 3u) << rows.dump();
  double sum = 0;
  for (const json& r : rows) sum += r.value("spend", 0.0);
  EXPECT_NEAR(sum, s1, 1e-12);
  EXPECT_EQ(spendLogs(c, "api_key=" + h1).size(), 3u);
  EXPECT_EQ(spendLogs(c, "api_key=" + k2).size(), 1u);
  EXPECT_EQ(spendLogs(c, "").size(), 4u);
  const std::string day = rows[0].value("startTime", "").substr(0, 10);
  ASSERT_EQ(day.size(), 10u) << rows[0].dump();
  EXPECT_EQ(
      spendLogs(c, "summarize=false&api_key=" + k1 + "&start_date=" + day + "&end_date=" + day)
          .size(),
      3u);
  EXPECT_EQ(spendLogs(c, "api_key=" + k1 + "&start_date=" + dayShift(day, 1)).size(), 0u);
  EXPECT_EQ(spendLogs(c, "api_key=" + k1 + "&end_date=" + dayShift(day, -1)).size(), 0u);
  EXPECT_EQ(c.get("/spend/logs?start_date=yesterday", masterAuth()).status, 400u);

  json summary = spendLogs(c, "summarize=true&start_date=" + day + "&end_date=" + day);
  ASSERT_EQ(summary.size(), 1u) << summary.dump();
  EXPECT_EQ(summary[0].value("startTime", ""), day);
  EXPECT_NEAR(summary[0].value("spend", -1.0), s1 + s2, 1e-12) << summary.dump();
  EXPECT_NEAR(summary[0]["models"].value("pa", -1.0), 3 * pa, 1e-12);
  EXPECT_NEAR(summary[0]["models"].value("pb", -1.0), pb, 1e-12);
  EXPECT_NEAR(summary[0]["api_keys"].value(h1, -1.0), s1, 1e-12);
  json only2 = spendLogs(c, "summarize=true&api_key=" + k2);
  ASSERT_EQ(only2.size(), 1u) << only2.dump();
  EXPECT_NEAR(only2[0].value("spend", -1.0), s2, 1e-12);
}

}  // namespace
}  // namespace switchyard::test
