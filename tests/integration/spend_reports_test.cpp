// Spend rows and reports through the real binary (docs/keys.md#spend-logs,
// docs/keys.md#spend-reports): a stream's row has its time to first token (ttft_ms,
// completionStartTime), a whole reply's has none; the reports answer in LiteLLM's shapes
// (/global/spend/report by team, customer and api_key; /global/spend/keys and /models;
// /spend/logs summarized by day), and failed requests count as requests with spend 0.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
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

// GET `target` as the master: the JSON answer (a failed test when not 200).
json getJson(HttpClient& c, const std::string& target) {
  auto r = c.get(target, masterAuth());
  EXPECT_EQ(r.status, 200u) << target << ": " << r.body;
  return r.json();
}

// The spend row of `request_id`, waiting (bounded) for a stream's row, written when it ends.
json spendRow(HttpClient& c, const std::string& request_id) {
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  for (;;) {
    json rows = getJson(c, "/spend/logs?request_id=" + request_id);
    if (rows.is_array() && rows.size() == 1) return rows[0];
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "no single spend row for " << request_id << ": " << rows.dump();
      return json::object();
    }
    std::this_thread::sleep_for(20ms);
  }
}

// Milliseconds since the epoch of "YYYY-MM-DDTHH:MM:SS.mmmZ" (the admin API's times).
long long msOf(const json& iso) {
  int y = 0, ms = 0;
  unsigned mo = 0, d = 0, h = 0, mi = 0, s = 0;
  std::string text = iso.is_string() ? iso.get<std::string>() : "";
  if (std::sscanf(text.c_str(), "%d-%u-%uT%u:%u:%u.%dZ", &y, &mo, &d, &h, &mi, &s, &ms) != 7) {
    ADD_FAILURE() << "not an ISO time: " << iso.dump();
    return 0;
  }
  std::chrono::sys_days day = std::chrono::year_month_day{
      std::chrono::year(y), std::chrono::month(mo), std::chrono::day(d)};
  return std::chrono::duration_cast<std::chrono::milliseconds>(day.time_since_epoch()).count() +
         ((h * 60LL + mi) * 60LL + s) * 1000LL + ms;
}

TEST(SpendReportsTest, StreamRowHasItsTimeToFirstToken) {
  // The mock waits 150 ms before its first chunk, then 60 ms before each of the 5 others.
  const std::string yaml = ConfigBuilder{}
                               .model("slow", "mock/slow", {}, {}, "dep-slow",
                                      {{"mock_response", "\"one two three\""},
                                       {"mock_delay", "0.15"},
                                       {"mock_chunk_delay", "0.06"}})
                               .general("master_key", kMasterKey)
                               .yaml();
  SY_START_GATEWAY(gw, yaml);
  HttpClient c(gw->port());

  HttpClient sc(gw->port());
  auto s =
      sc.stream("/v1/chat/completions", chatBody("slow", "hi", {{"stream", true}}), masterAuth());
  ASSERT_EQ(s.status, 200u) << s.error << s.raw_body;
  ASSERT_TRUE(s.sawDone());
  json row = spendRow(c, s.header("x-request-id"));
  ASSERT_TRUE(row.contains("ttft_ms") && row["ttft_ms"].is_number()) << row.dump();
  const double ttft = row["ttft_ms"].get<double>();
  const long long start = msOf(row["startTime"]), end = msOf(row["endTime"]);
  EXPECT_GT(ttft, 0) << row.dump();
  EXPECT_GE(ttft, 140) << "the first chunk cannot come before the mock's delay: " << row.dump();
  EXPECT_LE(ttft, static_cast<double>(end - start)) << row.dump();
  EXPECT_GE(static_cast<double>(end - start) - ttft, 250) << "ttft is not the first chunk's time";
  const long long first = msOf(row["completionStartTime"]);
  EXPECT_EQ(first - start, static_cast<long long>(ttft)) << row.dump();
  EXPECT_TRUE(row.value("stream", false));

  auto whole = c.post("/v1/chat/completions", chatBody("slow", "hi"), masterAuth());
  ASSERT_EQ(whole.status, 200u) << whole.body;
  row = spendRow(c, whole.header("x-request-id"));
  EXPECT_TRUE(row.contains("ttft_ms") && row["ttft_ms"].is_null()) << row.dump();
  EXPECT_EQ(row["completionStartTime"], row["endTime"]) << "LiteLLM's fallback: " << row.dump();
  EXPECT_FALSE(row.value("stream", true));
}

TEST(SpendReportsTest, ReportsHaveLiteLLMShapesAndCountFailures) {
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
          .model("broken", "mock/broken", {}, {}, "dep-broken",
                 {{"mock_response", "\"litellm.InternalServerError\""}})
          .router("num_retries", "0")
          .general("master_key", kMasterKey)
          .yaml();
  const double pa = 1000 * 1e-6 + 500 * 2e-6, pb = 1000 * 3e-6 + 500 * 1e-6;
  SY_START_GATEWAY(gw, yaml);
  HttpClient c(gw->port());
  json g1 = generateKey(c, {{"key_alias", "r1"}, {"team_id", "t1"}, {"user_id", "u1"}});
  json g2 = generateKey(c, {{"key_alias", "r2"}});
  const std::string k1 = g1.value("key", ""), h1 = g1.value("token", "");
  const std::string k2 = g2.value("key", ""), h2 = g2.value("token", "");
  ASSERT_EQ(chatWith(c, k1, "pa", {{"user", "acme"}}).status, 200u);
  ASSERT_EQ(chatWith(c, k1, "pa").status, 200u);
  ASSERT_EQ(chatWith(c, k1, "pb").status, 200u);
  ASSERT_EQ(chatWith(c, k2, "pa", {{"user", "acme"}}).status, 200u);
  ASSERT_EQ(chatWith(c, k1, "broken").status, 502u);  // a failure: a row, spend 0
  const double s1 = 2 * pa + pb, s2 = pa;
  const std::string day = getJson(c, "/spend/logs?api_key=" + k2)[0].value("startTime", "");
  ASSERT_GE(day.size(), 10u);
  const std::string today = day.substr(0, 10);
  const std::string range = "start_date=" + today + "&end_date=" + today;

  // group_by=team (LiteLLM's default): per day, per team, the spend per model and key.
  json teams = getJson(c, "/global/spend/report?" + range);
  ASSERT_EQ(teams.size(), 1u) << teams.dump();
  EXPECT_EQ(teams[0].value("group_by_day", ""), today + "T00:00:00+00:00");
  const json& tl = teams[0]["teams"];
  ASSERT_EQ(tl.size(), 2u) << teams.dump();
  EXPECT_EQ(tl[0].value("team_name", ""), "t1");  // biggest spend first
  EXPECT_NEAR(tl[0].value("total_spend", -1.0), s1, 1e-12);
  EXPECT_EQ(tl[0].value("total_requests", 0), 4) << "the failure counts as a request";
  ASSERT_EQ(tl[0]["metadata"].size(), 3u) << tl[0].dump();
  const json* broken = entryWhere(tl[0]["metadata"], "model", "broken");
  ASSERT_NE(broken, nullptr) << tl[0].dump();
  EXPECT_EQ(broken->value("api_key", ""), h1);
  EXPECT_EQ(broken->value("spend", -1.0), 0.0);
  const json* pa1 = entryWhere(tl[0]["metadata"], "model", "pa");
  ASSERT_NE(pa1, nullptr);
  EXPECT_NEAR(pa1->value("spend", -1.0), 2 * pa, 1e-12);
  EXPECT_EQ(pa1->value("total_tokens", 0), 3000);
  EXPECT_EQ(tl[1].value("team_name", ""), "Unassigned Team");
  EXPECT_TRUE(tl[1]["team_id"].is_null());
  EXPECT_NEAR(tl[1].value("total_spend", -1.0), s2, 1e-12);

  // group_by=customer: the request's `user`.
  json customers = getJson(c, "/global/spend/report?group_by=customer&" + range);
  ASSERT_EQ(customers.size(), 1u) << customers.dump();
  const json& cl = customers[0]["customers"];
  const json* acme = entryWhere(cl, "customer", "acme");
  ASSERT_NE(acme, nullptr) << customers.dump();
  EXPECT_NEAR(acme->value("total_spend", -1.0), 2 * pa, 1e-12);
  EXPECT_EQ(acme->value("metadata", json::array()).size(), 2u);  // (pa, k1) and (pa, k2)
  const json* nobody = entryWhere(cl, "customer", "");
  ASSERT_NE(nobody, nullptr) << customers.dump();
  EXPECT_NEAR(nobody->value("total_spend", -1.0), pa + pb, 1e-12);
  EXPECT_EQ(nobody->value("total_requests", 0), 3);

  // group_by=api_key: per key, its cost per model.
  json by_key = getJson(c, "/global/spend/report?group_by=api_key&" + range);
  ASSERT_EQ(by_key.size(), 2u) << by_key.dump();
  EXPECT_EQ(by_key[0].value("api_key", ""), h1);
  EXPECT_EQ(by_key[0].value("key_alias", ""), "r1");
  EXPECT_NEAR(by_key[0].value("total_cost", -1.0), s1, 1e-12);
  EXPECT_EQ(by_key[0].value("total_input_tokens", 0), 3000);
  EXPECT_EQ(by_key[0].value("total_output_tokens", 0), 1500);
  EXPECT_EQ(by_key[0].value("total_requests", 0), 4);
  const json& details = by_key[0]["model_details"];
  ASSERT_EQ(details.size(), 3u) << by_key.dump();
  const json* pb1 = entryWhere(details, "model", "pb");
  ASSERT_NE(pb1, nullptr);
  EXPECT_NEAR(pb1->value("total_cost", -1.0), pb, 1e-12);
  EXPECT_EQ(pb1->value("total_input_tokens", 0), 1000);
  EXPECT_EQ(by_key[1].value("api_key", ""), h2);
  for (const std::string& q : {"api_key=" + k2, std::string("internal_user_id=u1")}) {
    json one = getJson(c, "/global/spend/report?" + q + "&" + range);
    ASSERT_EQ(one.size(), 1u) << q << ": " << one.dump();
    EXPECT_EQ(one[0].value("api_key", ""), q.starts_with("api_key") ? h2 : h1);
  }
  EXPECT_EQ(c.get("/global/spend/report?group_by=colour", masterAuth()).status, 400u);

  // The last 30 days by key and by model, biggest spend first.
  json keys = getJson(c, "/global/spend/keys");
  ASSERT_EQ(keys.size(), 2u) << keys.dump();
  EXPECT_EQ(keys[0].value("api_key", ""), h1);
  EXPECT_EQ(keys[0].value("key_alias", ""), "r1");
  EXPECT_EQ(keys[0].value("key_name", ""), g1.value("key_name", "?"));
  EXPECT_NEAR(keys[0].value("total_spend", -1.0), s1, 1e-12);
  EXPECT_EQ(keys[0].value("total_requests", 0), 4);
  EXPECT_EQ(getJson(c, "/global/spend/keys?limit=1").size(), 1u);
  json models = getJson(c, "/global/spend/models");
  ASSERT_EQ(models.size(), 3u) << models.dump();
  EXPECT_EQ(models[0].value("model", ""), "pa");
  EXPECT_NEAR(models[0].value("total_spend", -1.0), 3 * pa, 1e-12);
  const json* failed = entryWhere(models, "model", "broken");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->value("total_spend", -1.0), 0.0);
  EXPECT_EQ(failed->value("total_requests", 0), 1);

  // /spend/logs with both dates: summarized per day (LiteLLM's default), the days after the last
  // one with rows up to end_date with spend 0; summarize=false gives the rows.
  json summary = getJson(c, "/spend/logs?start_date=" + today + "&end_date=" + today);
  ASSERT_EQ(summary.size(), 1u) << summary.dump();
  EXPECT_EQ(summary[0].value("startTime", ""), today);
  EXPECT_NEAR(summary[0].value("spend", -1.0), s1 + s2, 1e-12);
  EXPECT_NEAR(summary[0].value(h1, -1.0), s1, 1e-12) << "LiteLLM: each key's spend at the top";
  EXPECT_NEAR(summary[0]["api_keys"].value(h2, -1.0), s2, 1e-12);
  EXPECT_NEAR(summary[0]["users"].value("u1", -1.0), s1, 1e-12);
  EXPECT_NEAR(summary[0]["models"].value("pb", -1.0), pb, 1e-12);
  int y = 0;
  unsigned m = 0, d = 0;
  std::sscanf(today.c_str(), "%d-%u-%u", &y, &m, &d);
  const std::chrono::year_month_day ymd{
      std::chrono::sys_days(std::chrono::year_month_day{std::chrono::year(y), std::chrono::month(m),
                                                        std::chrono::day(d)}) +
      std::chrono::days(2)};
  char later[16];
  std::snprintf(later, sizeof later, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  summary = getJson(c, "/spend/logs?start_date=" + today + "&end_date=" + later);
  ASSERT_EQ(summary.size(), 3u) << summary.dump();
  EXPECT_EQ(summary[2].value("startTime", ""), later);
  EXPECT_EQ(summary[2].value("spend", -1.0), 0.0);
  json rows = getJson(c, "/spend/logs?summarize=false&" + range);
  EXPECT_EQ(rows.size(), 5u) << rows.dump();
  const json* failure = entryWhere(rows, "status", "failure");
  ASSERT_NE(failure, nullptr) << rows.dump();
  EXPECT_EQ(failure->value("http_status", 0), 502);
  EXPECT_EQ(failure->value("spend", -1.0), 0.0);
  EXPECT_EQ(c.get("/spend/logs?summarize=maybe", masterAuth()).status, 400u);
}

}  // namespace
}  // namespace switchyard::test
