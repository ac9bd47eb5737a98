// Webhooks through the binary (docs/observability.md#webhooks): a generic_api callback posts the
// finished requests as LiteLLM's StandardLoggingPayload, in batches, retried when the endpoint
// fails; prompts and answers only with log_messages; the key itself never.

#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <thread>

#include "support/collector.hpp"
#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

// `log_messages`: litellm_settings.log_messages.
std::string hookConfig(const FakeOpenAI& fake, const FakeCollector& hook, bool log_messages,
                       const std::string& format = "json_array") {
  ConfigBuilder c;
  c.model("m", "openai/fake-model", fake.baseUrl(), kUpstreamKey, "dep-1")
      .litellm("callbacks", "[\"audit\"]")
      .general("master_key", kMasterKey);
  if (log_messages) c.litellm("log_messages", "true");
  std::string yaml = c.yaml();
  yaml += "callback_settings:\n  audit:\n    callback_type: generic_api\n    endpoint: " +
          hook.url("/ingest?source=gw") +
          "\n    headers:\n      Authorization: Bearer hook-token\n    log_format: " + format + "\n";
  return yaml;
}

// Every event the hook received, in order (json_array bodies flattened).
std::vector<json> events(const FakeCollector& hook) {
  std::vector<json> out;
  for (const RecordedRequest& r : hook.posts()) {
    if (r.header("content-type") == "application/x-ndjson") {
      std::size_t pos = 0;
      while (pos < r.body.size()) {
        std::size_t end = r.body.find('\n', pos);
        out.push_back(json::parse(r.body.substr(pos, end - pos)));
        pos = end == std::string::npos ? r.body.size() : end + 1;
      }
      continue;
    }
    json b = r.json();
    if (b.is_array()) {
      for (json& e : b) out.push_back(std::move(e));
    } else if (b.is_object()) {
      out.push_back(std::move(b));
    }
  }
  return out;
}

bool waitForEvents(const FakeCollector& hook, std::size_t n) {
  for (int i = 0; i < 100; ++i) {
    if (events(hook).size() >= n) return true;
    std::this_thread::sleep_for(Millis(50));
  }
  return false;
}

TEST(WebhookTest, FinishedRequestsArePostedAsLiteLLMsStandardLoggingPayload) {
  FakeOpenAI fake;
  FakeCollector hook;
  fake.setBehaviorForModel("fake-broken", Behavior::error(500, "upstream exploded"));
  ConfigBuilder c;
  c.model("m", "openai/fake-model", fake.baseUrl(), kUpstreamKey, "dep-1",
          {{"input_cost_per_token", "0.000001"}, {"output_cost_per_token", "0.000002"}})
      .model("broken", "openai/fake-broken", fake.baseUrl(), kUpstreamKey, "dep-broken")
      .router("num_retries", "0")
      .litellm("callbacks", "[\"audit\"]")
      .general("master_key", kMasterKey);
  std::string yaml = c.yaml() + "callback_settings:\n  audit:\n    callback_type: generic_api\n    endpoint: " +
         hook.url("/ingest?source=gw") + "\n    headers:\n      Authorization: Bearer hook-token\n";
  SY_START_GATEWAY(gw, yaml);
  HttpClient client(gw->port());
  json key = generateKey(client, {{"key_alias", "team-a-key"}});
  const std::string vk = key["key"];
  auto ok = chatWith(client, vk, "m");
  ASSERT_EQ(ok.status, 200u) << ok.body;
  auto bad = chatWith(client, vk, "broken");
  ASSERT_GE(bad.status, 500u);
  ASSERT_TRUE(waitForEvents(hook, 2)) << gw->logText();
  std::vector<json> ev = events(hook);
  ASSERT_EQ(ev.size(), 2u);  // the admin call named no model: no event

  const RecordedRequest post = hook.posts().front();
  EXPECT_EQ(post.target, "/ingest?source=gw");
  EXPECT_EQ(post.header("authorization"), "Bearer hook-token");
  EXPECT_EQ(post.header("content-type"), "application/json");

  const json& s = ev[0]["status"] == "success" ? ev[0] : ev[1];
  const json& f = ev[0]["status"] == "success" ? ev[1] : ev[0];
  const json answer = json::parse(ok.body);
  EXPECT_EQ(s["id"], ok.header("x-request-id"));
  EXPECT_EQ(s["call_type"], "acompletion");
  EXPECT_EQ(s["model_group"], "m");
  EXPECT_EQ(s["model_id"], "dep-1");
  EXPECT_EQ(s["custom_llm_provider"], "openai");
  EXPECT_EQ(s["prompt_tokens"], answer["usage"]["prompt_tokens"]);
  EXPECT_EQ(s["completion_tokens"], answer["usage"]["completion_tokens"]);
  EXPECT_EQ(s["total_tokens"], answer["usage"]["total_tokens"]);
  EXPECT_GT(s["response_cost"].get<double>(), 0);
  EXPECT_NEAR(s["response_cost"].get<double>(), headerNumber(ok, "x-litellm-response-cost"), 1e-12);
  EXPECT_EQ(s["metadata"]["user_api_key_alias"], "team-a-key");
  EXPECT_EQ(s["metadata"]["user_api_key_hash"], key["token"]);
  EXPECT_LE(s["startTime"].get<double>(), s["endTime"].get<double>());
  EXPECT_EQ(s["messages"], "redacted-by-switchyard");
  EXPECT_EQ(s["response"], "redacted-by-switchyard");
  EXPECT_FALSE(s.contains("error_str"));

  EXPECT_EQ(f["status"], "failure");
  EXPECT_EQ(f["model_group"], "broken");
  EXPECT_EQ(f["http_status"], bad.status);
  EXPECT_NE(f["error_str"].get<std::string>().find("500"), std::string::npos) << f;
  EXPECT_EQ(f["error_information"]["error_code"], std::to_string(bad.status));

  for (const RecordedRequest& p : hook.posts()) {
    EXPECT_EQ(p.body.find(vk), std::string::npos) << "the key itself is never posted";
    EXPECT_EQ(p.body.find(kUpstreamKey), std::string::npos);
    EXPECT_EQ(p.body.find("Say hello"), std::string::npos) << "nor the prompt, by default";
  }
}

TEST(WebhookTest, AFailingEndpointIsRetriedAndMessagesAreSentWhenAskedFor) {
  FakeOpenAI fake;
  FakeCollector hook;
  // Two failures, then the endpoint takes the batch: delivered by the third try.
  hook.server().pushBehavior(Behavior::error(503));
  hook.server().pushBehavior(Behavior::error(502));
  SY_START_GATEWAY(gw, hookConfig(fake, hook, true, "ndjson"));
  HttpClient client(gw->port());
  auto r = client.post("/v1/chat/completions", chatBody("m", "what is the capital of France?"),
                       masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_TRUE(hook.server().waitForRequests(3, Millis(5000))) << gw->logText();
  std::this_thread::sleep_for(Millis(300));
  std::vector<RecordedRequest> posts = hook.posts();
  ASSERT_EQ(posts.size(), 3u);
  // The same batch each time: one event.
  EXPECT_EQ(posts[0].body, posts[2].body);
  std::vector<json> ev;
  for (std::size_t pos = 0; pos < posts[2].body.size();) {
    std::size_t end = posts[2].body.find('\n', pos);
    ev.push_back(json::parse(posts[2].body.substr(pos, end - pos)));
    pos = end == std::string::npos ? posts[2].body.size() : end + 1;
  }
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["messages"][0]["content"], "what is the capital of France?");
  const json answer = json::parse(r.body);
  EXPECT_EQ(ev[0]["response"]["choices"][0]["message"]["content"],
            answer["choices"][0]["message"]["content"]);
  EXPECT_EQ(hook.posts().back().header("content-type"), "application/x-ndjson");
  // The failures are counted; the record was delivered once.
  std::string m = client.get("/metrics").body;
  EXPECT_NE(m.find("switchyard_export_post_failures_total{exporter=\"webhook\",name=\"audit\"} 2"),
            std::string::npos) << m;
  EXPECT_NE(m.find("switchyard_export_records_total{exporter=\"webhook\",name=\"audit\"} 1"),
            std::string::npos) << m;
}

TEST(WebhookTest, SuccessCallbackSendsOnlySuccessesAndABadEndpointIsAConfigError) {
  FakeOpenAI fake;
  FakeCollector hook;
  fake.setBehaviorForModel("fake-broken", Behavior::error(500, "no"));
  ConfigBuilder c;
  c.model("m", "openai/fake-model", fake.baseUrl(), kUpstreamKey, "dep-1")
      .model("broken", "openai/fake-broken", fake.baseUrl(), kUpstreamKey, "dep-2")
      .router("num_retries", "0")
      .litellm("success_callback", "[\"generic_api\"]");
  GatewayOptions o;
  o.binary = switchyardBinary();
  o.env = {{"GENERIC_LOGGER_ENDPOINT", hook.url("/log")}, {"GENERIC_LOGGER_HEADERS", "x-api-key=abc"}};
  GatewayProcess gw(c.yaml(), o);
  ASSERT_TRUE(gw.started()) << gw.startError();
  HttpClient client(gw.port());
  EXPECT_GE(client.post("/v1/chat/completions", chatBody("broken")).status, 500u);
  EXPECT_EQ(client.post("/v1/chat/completions", chatBody("m")).status, 200u);
  ASSERT_TRUE(waitForEvents(hook, 1));
  std::this_thread::sleep_for(Millis(1500));  // a second batch would have come by now
  std::vector<json> ev = events(hook);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["status"], "success");
  EXPECT_EQ(hook.posts()[0].header("x-api-key"), "abc");

  // An endpoint that is not a URL fails --check-config with the setting's name.
  std::string bad = c.yaml() + "callback_settings:\n  generic_api:\n    callback_type: generic_api\n"
                               "    endpoint: not-a-url\n";
  TempDir dir;
  writeFile(dir.file("c.yaml"), bad);
  RunResult run = runBinary(switchyardBinary(), {"--config", dir.file("c.yaml"), "--check-config"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE((run.out + run.err).find("callback_settings.generic_api.endpoint"), std::string::npos)
      << run.out << run.err;
}

// Budget alerts (general_settings.alerting: ["webhook"], WEBHOOK_URL): a soft budget crossed by
// a key and by its team each posts one LiteLLM WebhookEvent "soft_budget_crossed"; requests go on.
TEST(WebhookTest, SoftBudgetsCrossedArePostedAsLiteLLMBudgetAlerts) {
  FakeCollector hook;
  ConfigBuilder c;
  c.model("m", "mock/m", {}, {}, "dep-m",
          {{"mock_response", "\"hello there\""},
           {"input_cost_per_token", "0.001"},
           {"output_cost_per_token", "0.002"}})
      .general("master_key", kMasterKey)
      .general("alerting", "[\"webhook\", \"slack\"]")
      .general("alert_types", "[\"budget_alerts\"]");
  const std::string yaml =
      c.yaml() + "environment_variables:\n  WEBHOOK_URL: " + hook.url("/alerts?token=s3cret") +
      "\n";
  SY_START_GATEWAY(gw, yaml);
  HttpClient client(gw->port());
  ASSERT_EQ(
      client.post("/team/new", {{"team_id", "eng"}, {"soft_budget", 0.0001}}, masterAuth()).status,
      200u);
  json key = generateKey(
      client,
      {{"key_alias", "alerted"}, {"team_id", "eng"}, {"soft_budget", 0.0001}, {"max_budget", 100}});
  const std::string vk = key.value("key", "");
  ASSERT_FALSE(vk.empty());
  for (int i = 0; i < 3; ++i) {  // crossed by the first; the next two cross nothing again
    auto r = chatWith(client, vk, "m");
    ASSERT_EQ(r.status, 200u) << r.body;
  }
  for (int i = 0; i < 100 && hook.posts().size() < 2; ++i) std::this_thread::sleep_for(Millis(50));
  std::this_thread::sleep_for(Millis(300));  // a third alert would have come by now
  std::vector<RecordedRequest> posts = hook.posts();
  ASSERT_EQ(posts.size(), 2u);
  std::map<std::string, json> by_group;
  for (const RecordedRequest& p : posts) {
    EXPECT_EQ(p.target, "/alerts?token=s3cret");
    EXPECT_EQ(p.header("content-type"), "application/json");
    json e = p.json();
    ASSERT_TRUE(e.is_object()) << p.body;
    EXPECT_EQ(e["event"], "soft_budget_crossed") << p.body;
    EXPECT_GT(e.value("spend", 0.0), 0.0001) << p.body;
    EXPECT_DOUBLE_EQ(e.value("soft_budget", 0.0), 0.0001) << p.body;
    EXPECT_NE(e.value("event_message", "").find("Soft Budget Crossed"), std::string::npos);
    for (const char* k :
         {"max_budget", "token", "customer_id", "user_id", "team_id", "team_alias", "user_email",
          "key_alias", "projected_exceeded_date", "projected_spend"}) {
      EXPECT_TRUE(e.contains(k)) << k << ": " << p.body;
    }
    EXPECT_EQ(p.body.find(vk), std::string::npos) << "the key itself was posted";
    by_group[e.value("event_group", "")] = e;
  }
  ASSERT_TRUE(by_group.contains("key")) << posts[0].body;
  ASSERT_TRUE(by_group.contains("team")) << posts[0].body;
  EXPECT_EQ(by_group["key"]["key_alias"], "alerted");
  EXPECT_EQ(by_group["key"]["team_id"], "eng");
  EXPECT_DOUBLE_EQ(by_group["key"].value("max_budget", 0.0), 100.0);
  EXPECT_TRUE(by_group["key"]["token"].is_string());
  EXPECT_EQ(by_group["team"]["team_id"], "eng");
  EXPECT_TRUE(by_group["team"]["token"].is_null());

  // Counted on /metrics, and the address's token never reaches the log.
  HttpResponse m = client.get("/metrics");
  EXPECT_NE(
      m.body.find("switchyard_export_records_total{exporter=\"alert\",name=\"budget_alerts\"} 2"),
      std::string::npos)
      << m.body.substr(0, 400);
  ASSERT_TRUE(gw->sendSignal(SIGTERM));
  ASSERT_TRUE(gw->waitExit(Millis(10000)).has_value());
  EXPECT_EQ(gw->logText().find("s3cret"), std::string::npos);
  EXPECT_NE(gw->logText().find("general_settings.alerting (line"), std::string::npos)
      << gw->logText();
}

}  // namespace
}  // namespace switchyard::test
