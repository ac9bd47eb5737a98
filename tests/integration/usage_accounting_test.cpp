// OpenRouter's usage accounting through the real binary against the fake OpenAI upstream
// (docs/keys.md#cost): `"usage": {"include": true}` puts the gateway's cost of the request in
// usage.cost — the number of x-litellm-response-cost for a whole answer, the key's spend for a
// stream, whose usage chunk the client then gets even without stream_options.include_usage —
// and the `usage` field never reaches the provider.

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>
#include <thread>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

constexpr double kInput = 0.000003, kOutput = 0.000015;  // the deployments' prices per token

std::string configFor(const FakeOpenAI& fake) {
  ConfigBuilder c;
  const ConfigBuilder::Params prices = {{"input_cost_per_token", "0.000003"},
                                        {"output_cost_per_token", "0.000015"}};
  c.model("gpt-test", "openai/fake-model-1", fake.baseUrl(), kUpstreamKey, "dep-gpt", prices)
      .model("text-test", "openai/fake-instruct", fake.baseUrl(), kUpstreamKey, "dep-text", prices)
      .router("num_retries", "0")
      .general("master_key", kMasterKey);
  return c.yaml();
}

const json kAsk = {{"usage", {{"include", true}}}};

json with(json a, const json& b) {
  a.update(b);
  return a;
}

// The cost of a usage object at the deployments' prices.
double costOf(const json& usage) {
  return usage.value("prompt_tokens", 0) * kInput + usage.value("completion_tokens", 0) * kOutput;
}

// The events of a stream that carry a usage object (not `"usage": null`).
std::vector<json> usageEvents(const StreamResult& s) {
  std::vector<json> out;
  for (const auto& ev : s.events) {
    json j = ev.json();
    if (j.is_object() && j.contains("usage") && j["usage"].is_object()) out.push_back(j);
  }
  return out;
}

void expectNoUsageUpstream(const FakeOpenAI& fake) {
  auto up = fake.lastRequest();
  ASSERT_TRUE(up.has_value());
  json body = up->json();
  ASSERT_TRUE(body.is_object()) << up->body;
  EXPECT_FALSE(body.contains("usage")) << "sent upstream: " << up->body;
}

TEST(UsageAccountingTest, WholeAnswerCarriesTheCostOfTheHeader) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake));
  HttpClient client(gw->port());

  auto r = client.post("/v1/chat/completions", chatBody("gpt-test", "hi", kAsk), masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  expectNoUsageUpstream(fake);
  json usage = r.json()["usage"];
  ASSERT_TRUE(usage.contains("cost")) << r.body;
  ASSERT_TRUE(usage["cost"].is_number()) << r.body;
  const double header = headerNumber(r, "x-litellm-response-cost");
  ASSERT_FALSE(std::isnan(header)) << "no x-litellm-response-cost";
  EXPECT_EQ(usage["cost"].get<double>(), header) << r.body;
  EXPECT_NEAR(usage["cost"].get<double>(), costOf(usage), 1e-12);
  EXPECT_GT(usage["cost"].get<double>(), 0);

  // Legacy completions too.
  json text = with({{"model", "text-test"}, {"prompt", "Say this is a test"}}, kAsk);
  auto t = client.post("/v1/completions", text, masterAuth());
  ASSERT_EQ(t.status, 200u) << t.body;
  expectNoUsageUpstream(fake);
  EXPECT_EQ(t.json()["usage"].value("cost", -1.0), headerNumber(t, "x-litellm-response-cost"))
      << t.body;
}

TEST(UsageAccountingTest, WholeAnswerWithoutCostWhenNotAsked) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake));
  HttpClient client(gw->port());
  for (const json& extra : {json::object(), json{{"usage", {{"include", false}}}}}) {
    auto r = client.post("/v1/chat/completions", chatBody("gpt-test", "hi", extra), masterAuth());
    ASSERT_EQ(r.status, 200u) << r.body;
    expectNoUsageUpstream(fake);
    EXPECT_FALSE(r.json()["usage"].contains("cost")) << extra.dump() << ": " << r.body;
    EXPECT_FALSE(std::isnan(headerNumber(r, "x-litellm-response-cost")));  // the header stays
  }
}

TEST(UsageAccountingTest, StreamGetsTheUsageChunkWithCostWithoutIncludeUsage) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake));
  HttpClient client(gw->port());
  const std::string key = generateKey(client).value("key", "");
  ASSERT_FALSE(key.empty());

  auto s = client.stream("/v1/chat/completions",
                         chatBody("gpt-test", "hi", with({{"stream", true}}, kAsk)), bearer(key));
  ASSERT_EQ(s.status, 200u) << s.error << " " << s.raw_body;
  EXPECT_TRUE(s.sawDone());
  EXPECT_EQ(s.content(), "Hello from the fake");
  auto up = fake.lastRequest();
  ASSERT_TRUE(up.has_value());
  EXPECT_FALSE(up->json().contains("usage")) << up->body;
  EXPECT_EQ(up->json()["stream_options"], json({{"include_usage", true}}));

  std::vector<json> usage = usageEvents(s);
  ASSERT_EQ(usage.size(), 1u) << s.raw_body;
  ASSERT_GE(s.events.size(), 2u);
  EXPECT_EQ(s.events[s.events.size() - 2].json(), usage[0]) << "not the last chunk before [DONE]";
  EXPECT_EQ(usage[0]["choices"], json::array());
  EXPECT_EQ(usage[0]["object"], "chat.completion.chunk");
  EXPECT_EQ(usage[0]["id"], s.events.front().json()["id"]);
  const json& u = usage[0]["usage"];
  EXPECT_GT(u.value("prompt_tokens", 0), 0);
  EXPECT_EQ(u.value("completion_tokens", 0), 4);  // the fake's four pieces
  ASSERT_TRUE(u.contains("cost") && u["cost"].is_number()) << usage[0].dump();
  const double cost = u["cost"].get<double>();
  EXPECT_NEAR(cost, costOf(u), 1e-12);

  // The key was charged what the client was told (settled when the stream ended).
  double spend = -1;
  for (int i = 0; i < 50; ++i) {
    spend = keyInfo(client, key).value("spend", -1.0);
    if (spend > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NEAR(spend, cost, 1e-12);
}

TEST(UsageAccountingTest, StreamAskingIncludeUsageGetsCostInItsUsageChunk) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake));
  HttpClient client(gw->port());
  json body =
      chatBody("gpt-test", "hi",
               with({{"stream", true}, {"stream_options", {{"include_usage", true}}}}, kAsk));
  auto s = client.stream("/v1/chat/completions", body, masterAuth());
  ASSERT_EQ(s.status, 200u) << s.error << " " << s.raw_body;
  EXPECT_TRUE(s.sawDone());
  expectNoUsageUpstream(fake);
  std::vector<json> usage = usageEvents(s);
  ASSERT_EQ(usage.size(), 1u) << s.raw_body;
  EXPECT_NEAR(usage[0]["usage"].value("cost", -1.0), costOf(usage[0]["usage"]), 1e-12);

  // Legacy completions stream, without include_usage.
  json text =
      with({{"model", "text-test"}, {"prompt", "Say this is a test"}, {"stream", true}}, kAsk);
  auto t = client.stream("/v1/completions", text, masterAuth());
  ASSERT_EQ(t.status, 200u) << t.error << " " << t.raw_body;
  EXPECT_TRUE(t.sawDone());
  EXPECT_EQ(t.content(), "Hello from the fake");
  usage = usageEvents(t);
  ASSERT_EQ(usage.size(), 1u) << t.raw_body;
  EXPECT_EQ(usage[0]["object"], "text_completion");
  EXPECT_NEAR(usage[0]["usage"].value("cost", -1.0), costOf(usage[0]["usage"]), 1e-12);
}

TEST(UsageAccountingTest, StreamUnchangedWhenNotAsked) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake));
  HttpClient client(gw->port());

  auto s =
      client.stream("/v1/chat/completions",
                    chatBody("gpt-test", "hi", {{"stream", true}, {"usage", {{"include", false}}}}),
                    masterAuth());
  ASSERT_EQ(s.status, 200u) << s.error << " " << s.raw_body;
  EXPECT_TRUE(s.sawDone());
  expectNoUsageUpstream(fake);
  EXPECT_TRUE(usageEvents(s).empty()) << s.raw_body;

  json asked =
      chatBody("gpt-test", "hi", {{"stream", true}, {"stream_options", {{"include_usage", true}}}});
  auto a = client.stream("/v1/chat/completions", asked, masterAuth());
  ASSERT_EQ(a.status, 200u) << a.error << " " << a.raw_body;
  std::vector<json> usage = usageEvents(a);
  ASSERT_EQ(usage.size(), 1u) << a.raw_body;
  EXPECT_FALSE(usage[0]["usage"].contains("cost")) << a.raw_body;
}

}  // namespace
}  // namespace switchyard::test
