// The proxy path through the real binary: chat (stream and not, HTTP and HTTPS upstreams), legacy
// completions, embeddings, models, route aliases without /v1, health, response headers, and the
// exact shape of the request the upstream receives (docs/contract.md "Upstream calls").

#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

ConfigBuilder configFor(const FakeOpenAI& fake) {
  ConfigBuilder c;
  c.model("gpt-test", "openai/fake-model-1", fake.baseUrl(), kUpstreamKey, "dep-gpt-test")
      .model("gpt-backup", "openai/fake-model-2", fake.baseUrl(), kUpstreamKey, "dep-gpt-backup")
      .model("text-test", "openai/fake-instruct", fake.baseUrl(), kUpstreamKey, "dep-text")
      .model("embed-test", "openai/fake-embed", fake.baseUrl(), kUpstreamKey, "dep-embed")
      .router("num_retries", "0");
  return c;
}

TEST(ProxyTest, ChatNonStreamOverHttpForwardsRequestExactly) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());

  const json tools = json::parse(R"([{"type":"function","function":{"name":"get_weather",
      "description":"d","parameters":{"type":"object","properties":{"city":{"type":"string"}},
      "required":["city"]}}}])");
  const json response_format = {{"type", "json_object"}};
  json body = chatBody("gpt-test", "What is the weather in Paris?",
                       {{"tools", tools},
                        {"tool_choice", "auto"},
                        {"response_format", response_format},
                        {"n", 1},
                        {"logprobs", true},
                        {"top_logprobs", 2},
                        {"temperature", 0.25},
                        {"max_tokens", 50},
                        {"seed", 7},
                        {"user", "user-123"},
                        {"x_custom_field", {{"nested", json::array({1, 2, 3})}}},
                        {"metadata", {{"tags", json::array({"t1"})}, {"trace", "abc"}}},
                        {"fallbacks", json::array({"gpt-backup"})},
                        {"disable_fallbacks", false}});
  auto r = client.post("/v1/chat/completions", body);
  ASSERT_EQ(r.status, 200u) << r.error << " " << r.body;
  EXPECT_NE(r.header("content-type").find("application/json"), std::string::npos);
  json j = r.json();
  ASSERT_TRUE(j.is_object()) << r.body;
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(j["choices"][0]["message"]["content"], "Hello from the fake");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  EXPECT_TRUE(j["usage"].is_object());

  ASSERT_EQ(fake.requestCount(), 1u);
  RecordedRequest up = *fake.lastRequest();
  EXPECT_EQ(up.method, "POST");
  EXPECT_EQ(up.target, "/v1/chat/completions");
  EXPECT_EQ(up.header("authorization"), std::string("Bearer ") + kUpstreamKey);
  EXPECT_NE(up.header("content-type").find("application/json"), std::string::npos);
  json ub = up.json();
  ASSERT_TRUE(ub.is_object()) << up.body;
  EXPECT_EQ(ub["model"], "fake-model-1");
  EXPECT_EQ(ub["messages"], body["messages"]);
  EXPECT_EQ(ub["tools"], tools);
  EXPECT_EQ(ub["tool_choice"], "auto");
  EXPECT_EQ(ub["response_format"], response_format);
  EXPECT_EQ(ub["n"], 1);
  EXPECT_EQ(ub["logprobs"], true);
  EXPECT_EQ(ub["top_logprobs"], 2);
  EXPECT_EQ(ub["temperature"], 0.25);
  EXPECT_EQ(ub["max_tokens"], 50);
  EXPECT_EQ(ub["seed"], 7);
  EXPECT_EQ(ub["user"], "user-123");
  EXPECT_EQ(ub["x_custom_field"], body["x_custom_field"]);
  for (const char* control :
       {"metadata", "fallbacks", "disable_fallbacks", "mock_response", "cache", "models"})
    EXPECT_FALSE(ub.contains(control))
        << "request-level control '" << control << "' reached the upstream: " << up.body;
  // The client's credentials never go upstream (there are none here, but no x-api-key invented).
  EXPECT_EQ(up.header("x-api-key"), "");
}

TEST(ProxyTest, ChatStreamIsRelayedEventByEvent) {
  FakeOpenAI fake;
  fake.setDefaultBehavior(Behavior::slowStream(5, Millis(200)));
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());

  json body = chatBody("gpt-test", "stream please",
                       {{"stream", true}, {"stream_options", {{"include_usage", true}}}});
  auto head = client.startStream("/v1/chat/completions", body);
  ASSERT_EQ(head.status, 200u) << head.error << " " << head.body;
  EXPECT_NE(head.header("content-type").find("text/event-stream"), std::string::npos);

  std::vector<SseEvent> events;
  Clock::time_point first_content_at{};
  while (auto ev = client.nextEvent(Millis(5000))) {
    auto j = ev->json();
    if (first_content_at == Clock::time_point{} && j.is_object() && j.contains("choices") &&
        !j["choices"].empty() && j["choices"][0]["delta"].value("content", std::string{}) == "c0 ")
      first_content_at = ev->at;
    events.push_back(std::move(*ev));
  }
  ASSERT_FALSE(events.empty());
  EXPECT_TRUE(client.streamComplete());
  EXPECT_TRUE(events.back().isDone()) << "last event: " << events.back().data;
  std::string content;
  for (const auto& ev : events) {
    if (ev.isDone()) continue;
    auto j = ev.json();
    ASSERT_TRUE(j.is_object()) << "event is not JSON: " << ev.data;
    EXPECT_EQ(j["object"], "chat.completion.chunk");
    if (!j["choices"].empty() && j["choices"][0].contains("delta"))
      content += j["choices"][0]["delta"].value("content", std::string{});
  }
  EXPECT_EQ(content, "c0 c1 c2 c3 c4 ");

  // Relayed as they arrive: the client saw the first content event before the fake even sent its
  // last one (the fake spaces events 200 ms apart).
  auto sent = fake.lastStreamEventTimes();
  ASSERT_GE(sent.size(), 6u);
  ASSERT_NE(first_content_at, Clock::time_point{}) << "no 'c0 ' content event";
  EXPECT_LT(first_content_at, sent.back());
  EXPECT_LT(first_content_at + Millis(400), sent.back())
      << "first chunk arrived too late: buffered?";

  auto up = fake.lastRequest();
  ASSERT_TRUE(up.has_value());
  json ub = up->json();
  EXPECT_EQ(ub["stream"], true);
  EXPECT_EQ(ub["stream_options"], body["stream_options"]);
  EXPECT_EQ(ub["model"], "fake-model-1");
}

FakeOpenAI::Options tlsOptions(bool trusted) {
  const TestPki& pki = testPki();
  FakeOpenAI::Options o;
  o.tls = true;
  o.cert_file = trusted ? pki.server_cert_file : pki.rogue_cert_file;
  o.key_file = trusted ? pki.server_key_file : pki.rogue_key_file;
  return o;
}

TEST(ProxyTest, ChatOverHttpsWithConfiguredCa) {
  FakeOpenAI fake(tlsOptions(/*trusted=*/true));
  ASSERT_EQ(fake.baseUrl().rfind("https://", 0), 0u);
  auto cfg = configFor(fake);
  cfg.litellm("ssl_verify", testPki().ca_file);
  SY_START_GATEWAY(gw, cfg.yaml());
  HttpClient client(gw->port());

  auto r = client.post("/v1/chat/completions", chatBody("gpt-test"));
  ASSERT_EQ(r.status, 200u) << r.error << " " << r.body;
  EXPECT_EQ(r.json()["choices"][0]["message"]["content"], "Hello from the fake");

  auto s = client.stream("/v1/chat/completions", chatBody("gpt-test", "hi", {{"stream", true}}));
  ASSERT_EQ(s.status, 200u) << s.error << " " << s.raw_body;
  EXPECT_TRUE(s.sawDone());
  EXPECT_EQ(s.content(), "Hello from the fake");
  ASSERT_EQ(fake.requestCount(), 2u);
  EXPECT_EQ(fake.lastRequest()->header("authorization"), std::string("Bearer ") + kUpstreamKey);
}

TEST(ProxyTest, HttpsUpstreamWithUntrustedCertificateIs502) {
  FakeOpenAI fake(tlsOptions(/*trusted=*/false));
  auto cfg = configFor(fake);
  cfg.litellm("ssl_verify", testPki().ca_file);
  SY_START_GATEWAY(gw, cfg.yaml());
  HttpClient client(gw->port());
  auto r = client.post("/v1/chat/completions", chatBody("gpt-test"));
  EXPECT_EQ(r.status, 502u) << r.error << " " << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_EQ(fake.requestCount(), 0u) << "a request went over an unverified TLS connection";
}

TEST(ProxyTest, LegacyCompletions) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());
  json body = {
      {"model", "text-test"}, {"prompt", "Say this is a test"}, {"max_tokens", 7}, {"echo", false}};
  auto r = client.post("/v1/completions", body);
  ASSERT_EQ(r.status, 200u) << r.error << " " << r.body;
  json j = r.json();
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_EQ(j["choices"][0]["text"], "Hello from the fake");
  auto up = fake.lastRequest();
  ASSERT_TRUE(up.has_value());
  EXPECT_EQ(up->target, "/v1/completions");
  json ub = up->json();
  EXPECT_EQ(ub["model"], "fake-instruct");
  EXPECT_EQ(ub["prompt"], "Say this is a test");
  EXPECT_EQ(ub["max_tokens"], 7);
  EXPECT_EQ(ub["echo"], false);
}

TEST(ProxyTest, LegacyCompletionsStream) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());
  auto s = client.stream("/v1/completions",
                         json{{"model", "text-test"}, {"prompt", "Once"}, {"stream", true}});
  ASSERT_EQ(s.status, 200u) << s.error << " " << s.raw_body;
  EXPECT_NE(s.header("content-type").find("text/event-stream"), std::string::npos);
  EXPECT_TRUE(s.sawDone());
  EXPECT_EQ(s.content(), "Hello from the fake");
  ASSERT_FALSE(s.events.empty());
  EXPECT_EQ(s.events.front().json().value("object", std::string{}), "text_completion")
      << s.events.front().data;
  auto up = fake.lastRequest();
  ASSERT_TRUE(up.has_value());
  EXPECT_EQ(up->target, "/v1/completions");
  EXPECT_EQ(up->json()["stream"], true);
}

TEST(ProxyTest, Embeddings) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());
  json body = {{"model", "embed-test"},
               {"input", json::array({"alpha", "beta"})},
               {"encoding_format", "float"}};
  auto r = client.post("/v1/embeddings", body);
  ASSERT_EQ(r.status, 200u) << r.error << " " << r.body;
  json j = r.json();
  EXPECT_EQ(j["object"], "list");
  ASSERT_EQ(j["data"].size(), 2u);
  EXPECT_EQ(j["data"][0]["object"], "embedding");
  EXPECT_EQ(j["data"][1]["index"], 1);
  auto up = fake.lastRequest();
  ASSERT_TRUE(up.has_value());
  EXPECT_EQ(up->target, "/v1/embeddings");
  json ub = up->json();
  EXPECT_EQ(ub["model"], "fake-embed");
  EXPECT_EQ(ub["input"], body["input"]);
  EXPECT_EQ(ub["encoding_format"], "float");
  EXPECT_EQ(up->header("authorization"), std::string("Bearer ") + kUpstreamKey);
}

TEST(ProxyTest, ModelsListAndRetrieve) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());
  auto r = client.get("/v1/models");
  ASSERT_EQ(r.status, 200u) << r.error << " " << r.body;
  json j = r.json();
  EXPECT_EQ(j["object"], "list");
  ASSERT_TRUE(j["data"].is_array()) << r.body;
  std::set<std::string> ids;
  for (const auto& m : j["data"]) {
    EXPECT_EQ(m["object"], "model") << m.dump();
    EXPECT_TRUE(m.contains("created")) << m.dump();
    EXPECT_TRUE(m.contains("owned_by")) << m.dump();
    ids.insert(m.value("id", std::string{}));
  }
  EXPECT_EQ(ids, (std::set<std::string>{"gpt-test", "gpt-backup", "text-test", "embed-test"}));

  r = client.get("/v1/models/gpt-test");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json()["id"], "gpt-test");
  EXPECT_EQ(r.json()["object"], "model");

  r = client.get("/v1/models/no-such-model");
  EXPECT_EQ(r.status, 404u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_EQ(fake.requestCount(), 0u);
}

TEST(ProxyTest, RoutesWithoutV1Prefix) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());
  auto r = client.post("/chat/completions", chatBody("gpt-test"));
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json()["object"], "chat.completion");
  r = client.post("/completions", json{{"model", "text-test"}, {"prompt", "x"}});
  EXPECT_EQ(r.status, 200u) << r.body;
  r = client.post("/embeddings", json{{"model", "embed-test"}, {"input", "x"}});
  EXPECT_EQ(r.status, 200u) << r.body;
  r = client.get("/models");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json()["object"], "list");
  r = client.get("/models/gpt-backup");
  EXPECT_EQ(r.status, 200u) << r.body;
  auto reqs = fake.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].target, "/v1/chat/completions");
  EXPECT_EQ(reqs[1].target, "/v1/completions");
  EXPECT_EQ(reqs[2].target, "/v1/embeddings");
}

TEST(ProxyTest, HealthRoutes) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());
  for (const char* path : {"/health/liveliness", "/health/liveness"}) {
    auto r = client.get(path);
    EXPECT_EQ(r.status, 200u) << path << " " << r.error;
  }
  auto r = client.get("/health/readiness");
  ASSERT_EQ(r.status, 200u) << r.error;
  EXPECT_EQ(r.json().value("status", std::string{}), "connected") << r.body;
  EXPECT_EQ(fake.requestCount(), 0u);
}

TEST(ProxyTest, UnknownRouteIs404AndWrongMethodIs405) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());
  auto r = client.get("/v1/no/such/route");
  EXPECT_EQ(r.status, 404u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  r = client.get("/v1/chat/completions");
  EXPECT_EQ(r.status, 405u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
}

void expectProxyHeaders(const std::map<std::string, std::string>& h, std::uint16_t upstream_port) {
  auto get = [&](const char* k) {
    auto it = h.find(k);
    return it == h.end() ? std::string{} : it->second;
  };
  EXPECT_FALSE(get("x-litellm-call-id").empty());
  EXPECT_EQ(get("x-litellm-model-id"), "dep-gpt-test");
  EXPECT_EQ(get("x-litellm-model-group"), "gpt-test");
  EXPECT_NE(get("x-litellm-model-api-base").find("127.0.0.1:" + std::to_string(upstream_port)),
            std::string::npos)
      << "x-litellm-model-api-base: '" << get("x-litellm-model-api-base") << "'";
  for (const char* k : {"x-litellm-response-duration-ms", "x-litellm-overhead-duration-ms"}) {
    std::string v = get(k);
    ASSERT_FALSE(v.empty()) << k << " missing";
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    EXPECT_TRUE(end && *end == '\0' && d >= 0) << k << ": '" << v << "'";
  }
}

TEST(ProxyTest, ResponseHeaders) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, configFor(fake).yaml());
  HttpClient client(gw->port());

  auto r = client.post("/v1/chat/completions", chatBody("gpt-test"),
                       {{"x-request-id", "client-req-42"}});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-request-id"), "client-req-42");
  expectProxyHeaders(r.headers, fake.port());

  r = client.post("/v1/chat/completions", chatBody("gpt-test"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_FALSE(r.header("x-request-id").empty()) << "no generated x-request-id";
  std::string first_call_id = r.header("x-litellm-call-id");
  expectProxyHeaders(r.headers, fake.port());

  auto s = client.stream("/v1/chat/completions", chatBody("gpt-test", "hi", {{"stream", true}}),
                         {{"x-request-id", "client-stream-7"}});
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  EXPECT_EQ(s.header("x-request-id"), "client-stream-7");
  expectProxyHeaders(s.headers, fake.port());
  EXPECT_NE(s.header("x-litellm-call-id"), first_call_id);
}

}  // namespace
}  // namespace switchyard::test
