// Resilience (docs/design.md §4, LiteLLM-compatible): retries, backoff, Retry-After, failover
// between the deployments of an alias, fallbacks between aliases, cooldowns, per-deployment limits,
// timeouts and pre-call checks, with every fault injected by the fake upstream. Each test starts
// the real binary; every wait is bounded (small cooldown_time / timeouts) so the whole file runs in
// well under a minute.
//
// Deployments of one alias get a distinct upstream model id (the fake picks its Behavior by the
// request's `model`, i.e. the deployment's model id) and a distinct model_info.id (what
// x-litellm-model-id reports). `order` makes the first pick deterministic: the lowest tier is
// tried first, the next tier only when it is unusable.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

constexpr const char* kChat = "/v1/chat/completions";

// The upstream `model` of each recorded request, in arrival order.
std::vector<std::string> modelsSeen(const FakeOpenAI& fake) {
  std::vector<std::string> out;
  for (const auto& r : fake.requests()) {
    json j = r.json();
    out.push_back(j.is_object() ? j.value("model", std::string{}) : std::string{});
  }
  return out;
}

std::size_t countModel(const FakeOpenAI& fake, const std::string& model) {
  auto v = modelsSeen(fake);
  return static_cast<std::size_t>(std::count(v.begin(), v.end(), model));
}

int intHeader(const std::map<std::string, std::string>& h, const std::string& name) {
  auto it = h.find(name);
  if (it == h.end()) return -1;
  return std::atoi(it->second.c_str());
}
int retriesOf(const HttpResponse& r) { return intHeader(r.headers, "x-litellm-attempted-retries"); }
int fallbacksOf(const HttpResponse& r) {
  return intHeader(r.headers, "x-litellm-attempted-fallbacks");
}

std::string codeOf(const HttpResponse& r) {
  json j = r.json();
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return {};
  const json& c = j["error"]["code"];
  return c.is_string() ? c.get<std::string>() : c.dump();
}
std::string messageOf(const HttpResponse& r) {
  json j = r.json();
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return {};
  return j["error"].value("message", std::string{});
}

Millis since(Clock::time_point t0) { return std::chrono::duration_cast<Millis>(Clock::now() - t0); }

// ConfigBuilder writes model_info with the id only; extra model_info keys ride on the id's raw
// YAML value (same indentation as `id:`).
std::string idWithInfo(const std::string& id, const std::string& extra_key,
                       const std::string& extra_value) {
  return id + "\n      " + extra_key + ": " + extra_value;
}

// An OpenAI error body with a given code (the fake's default body has a null code for 400s).
Behavior errorWithCode(unsigned status, const std::string& code, const std::string& message) {
  Behavior b = Behavior::error(status, message);
  b.body = json{{"error",
                 {{"message", message},
                  {"type", "invalid_request_error"},
                  {"param", nullptr},
                  {"code", code}}}}
               .dump();
  return b;
}

Behavior closeImmediately() {
  Behavior b;
  b.kind = Behavior::Kind::kCloseImmediately;
  return b;
}

// ---------------------------------------------------------------------------------------------
// Retries within one alias

// A 500 on the first deployment: the retry goes at once (no backoff) to the other deployment,
// and the headers tell which deployment answered and how many retries it took.
TEST(ResilienceTest, Upstream500RetriesOnOtherDeploymentAtOnce) {
  FakeOpenAI fake;
  fake.setBehaviorForModel("fake-bad", Behavior::error(500, "boom"));
  ConfigBuilder c;
  c.model("ha", "openai/fake-bad", fake.baseUrl(), kUpstreamKey, "dep-bad", {{"order", "1"}})
      .model("ha", "openai/fake-good", fake.baseUrl(), kUpstreamKey, "dep-good", {{"order", "2"}})
      .router("allowed_fails", "100");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto t0 = Clock::now();
  auto r = client.post(kChat, chatBody("ha"));
  auto took = since(t0);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json()["choices"][0]["message"]["content"], "Hello from the fake");
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-good");
  EXPECT_EQ(r.header("x-litellm-model-group"), "ha");
  EXPECT_EQ(retriesOf(r), 1);
  EXPECT_EQ(fallbacksOf(r), 0);
  EXPECT_EQ(modelsSeen(fake), (std::vector<std::string>{"fake-bad", "fake-good"}));
  // A backoff would wait at least 375 ms (500 ms with jitter down to 0.75) between the attempts.
  auto seen = fake.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_LT(seen[1].received_at - seen[0].received_at, Millis(300))
      << "a retry on an untried deployment must not back off";
  EXPECT_LT(took, Millis(2000));

  // Streams fail over the same way (the 500 comes before anything was sent to the client).
  fake.reset();
  auto s = client.stream(kChat, chatBody("ha", "hi", {{"stream", true}}));
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  EXPECT_TRUE(s.sawDone());
  EXPECT_EQ(s.content(), "Hello from the fake");
  EXPECT_EQ(s.header("x-litellm-model-id"), "dep-good");
  EXPECT_EQ(modelsSeen(fake), (std::vector<std::string>{"fake-bad", "fake-good"}));
}

// The sole deployment fails once: the retry waits the exponential backoff (0.5 s * jitter in
// [0.75, 1]) and then succeeds.
TEST(ResilienceTest, Upstream500OnSoleDeploymentRetriesAfterBackoff) {
  FakeOpenAI fake;
  ConfigBuilder c;
  c.model("solo", "openai/fake-solo", fake.baseUrl(), kUpstreamKey, "dep-solo");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  fake.pushBehavior(Behavior::error(500, "transient"));
  auto t0 = Clock::now();
  auto r = client.post(kChat, chatBody("solo"));
  auto took = since(t0);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(retriesOf(r), 1);
  EXPECT_EQ(fake.requestCount(), 2u);
  EXPECT_GE(took, Millis(330));
  EXPECT_LT(took, Millis(2500));
}

// Every attempt fails: num_retries (default 2) retries, then the primary's error: 502 for 5xx.
// Backoff 0.5 s then 1 s (each * [0.75, 1]).
TEST(ResilienceTest, RetriesExhaustedOn500Gives502) {
  FakeOpenAI fake;
  fake.setDefaultBehavior(Behavior::error(500, "always broken"));
  ConfigBuilder c;
  c.model("solo", "openai/fake-solo", fake.baseUrl(), kUpstreamKey, "dep-solo");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto t0 = Clock::now();
  auto r = client.post(kChat, chatBody("solo"));
  auto took = since(t0);
  EXPECT_EQ(r.status, 502u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_NE(messageOf(r).find("always broken"), std::string::npos) << r.body;
  EXPECT_EQ(fake.requestCount(), 3u) << "1 attempt + num_retries (2)";
  EXPECT_EQ(retriesOf(r), 2);
  EXPECT_GE(took, Millis(1050));
  EXPECT_LT(took, Millis(4000));
}

// num_retries: 0 means one attempt only.
TEST(ResilienceTest, NumRetriesZeroMeansOneAttempt) {
  FakeOpenAI fake;
  fake.setDefaultBehavior(Behavior::error(503, "unavailable"));
  ConfigBuilder c;
  c.model("ha", "openai/fake-a", fake.baseUrl(), kUpstreamKey, "dep-a")
      .model("ha", "openai/fake-b", fake.baseUrl(), kUpstreamKey, "dep-b")
      .router("num_retries", "0");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto r = client.post(kChat, chatBody("ha"));
  EXPECT_EQ(r.status, 502u) << r.body;
  EXPECT_EQ(fake.requestCount(), 1u);
  EXPECT_EQ(retriesOf(r), 0);
}

// 429 with Retry-After: 1 on the sole deployment: the gateway waits about one second, then the
// retry succeeds.
TEST(ResilienceTest, Upstream429WithRetryAfterIsWaitedFor) {
  FakeOpenAI fake;
  ConfigBuilder c;
  c.model("solo", "openai/fake-solo", fake.baseUrl(), kUpstreamKey, "dep-solo");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  Behavior b = Behavior::error(429, "Rate limit reached");
  b.extra_headers["Retry-After"] = "1";
  fake.pushBehavior(b);
  auto t0 = Clock::now();
  auto r = client.post(kChat, chatBody("solo"));
  auto took = since(t0);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(retriesOf(r), 1);
  ASSERT_EQ(fake.requestCount(), 2u);
  auto reqs = fake.requests();
  auto gap = std::chrono::duration_cast<Millis>(reqs[1].received_at - reqs[0].received_at);
  EXPECT_GE(gap, Millis(900)) << "Retry-After: 1 not honoured";
  EXPECT_LT(gap, Millis(2500));
  EXPECT_LT(took, Millis(3000));
  // The wait is the provider's, not the gateway's: it is not reported as overhead.
  ASSERT_TRUE(r.has("x-litellm-overhead-duration-ms"));
  EXPECT_LT(std::stod(r.header("x-litellm-overhead-duration-ms")), 500.0)
      << r.header("x-litellm-overhead-duration-ms");
}

// Streams honour Retry-After the same way (the 429 comes before any byte of the stream).
TEST(ResilienceTest, Upstream429WithRetryAfterIsWaitedForOnStreams) {
  FakeOpenAI fake;
  ConfigBuilder c;
  c.model("solo", "openai/fake-solo", fake.baseUrl(), kUpstreamKey, "dep-solo");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  Behavior b = Behavior::error(429, "Rate limit reached");
  b.extra_headers["Retry-After"] = "1";
  fake.pushBehavior(b);
  auto s = client.stream(kChat, chatBody("solo", "hi", {{"stream", true}}));
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  EXPECT_TRUE(s.sawDone());
  EXPECT_EQ(s.content(), "Hello from the fake");
  ASSERT_EQ(fake.requestCount(), 2u);
  auto reqs = fake.requests();
  auto gap = std::chrono::duration_cast<Millis>(reqs[1].received_at - reqs[0].received_at);
  EXPECT_GE(gap, Millis(900));
  EXPECT_LT(gap, Millis(2500));
}

// Retry-After is the upstream's word on when to come back whatever the status (LiteLLM reads it
// from any error response): a 503 with Retry-After: 2 is retried after ~2 s, not the 0.5 s backoff.
TEST(ResilienceTest, Upstream503WithRetryAfterIsWaitedFor) {
  FakeOpenAI fake;
  ConfigBuilder c;
  c.model("solo", "openai/fake-solo", fake.baseUrl(), kUpstreamKey, "dep-solo");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  Behavior b = Behavior::error(503, "Service temporarily unavailable");
  b.extra_headers["Retry-After"] = "2";
  fake.pushBehavior(b);
  auto r = client.post(kChat, chatBody("solo"));
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_EQ(fake.requestCount(), 2u);
  auto reqs = fake.requests();
  auto gap = std::chrono::duration_cast<Millis>(reqs[1].received_at - reqs[0].received_at);
  // Retry-After is read from any retryable answer (mapOpenAiError), not only from a 429.
  EXPECT_GE(gap, Millis(1900)) << "Retry-After on a 503 ignored";
  EXPECT_LT(gap, Millis(3500));
}

// The client leaves while the gateway waits to retry: no further upstream call is made for it.
TEST(ResilienceTest, ClientGoneDuringRetryWaitStopsRetries) {
  FakeOpenAI fake;
  ConfigBuilder c;
  c.model("solo", "openai/fake-solo", fake.baseUrl(), kUpstreamKey, "dep-solo");
  SY_START_GATEWAY(gw, c.yaml());
  Behavior b = Behavior::error(429, "Rate limit reached");
  b.extra_headers["Retry-After"] = "1";
  fake.pushBehavior(b);
  {
    HttpClient client(gw->port());
    client.setTimeout(Millis(300));
    auto r = client.post(kChat, chatBody("solo"));
    EXPECT_EQ(r.status, 0u) << "expected the client to give up first: " << r.body;
    client.close();
  }
  std::this_thread::sleep_for(Millis(1600));
  EXPECT_EQ(fake.requestCount(), 1u) << "the gateway retried for a client that was gone";
  HttpClient fresh(gw->port());
  EXPECT_EQ(fresh.post(kChat, chatBody("solo")).status, 200u);
}

// A Retry-After over 5 s: that deployment is not retried for this request; the 429 and its
// Retry-After go to the client at once.
TEST(ResilienceTest, Upstream429WithLongRetryAfterIsNotRetried) {
  FakeOpenAI fake;
  Behavior b = Behavior::error(429, "Rate limit reached");
  b.extra_headers["Retry-After"] = "30";
  fake.setDefaultBehavior(b);
  ConfigBuilder c;
  c.model("solo", "openai/fake-solo", fake.baseUrl(), kUpstreamKey, "dep-solo");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto t0 = Clock::now();
  auto r = client.post(kChat, chatBody("solo"));
  EXPECT_EQ(r.status, 429u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_EQ(r.header("retry-after"), "30");
  EXPECT_EQ(fake.requestCount(), 1u);
  EXPECT_LT(since(t0), Millis(1000));
}

// ... but another deployment of the alias is still tried at once.
TEST(ResilienceTest, Upstream429WithLongRetryAfterFailsOverToOtherDeployment) {
  FakeOpenAI fake;
  Behavior b = Behavior::error(429, "Rate limit reached");
  b.extra_headers["Retry-After"] = "30";
  fake.setBehaviorForModel("fake-limited", b);
  ConfigBuilder c;
  c.model("ha", "openai/fake-limited", fake.baseUrl(), kUpstreamKey, "dep-limited",
          {{"order", "1"}})
      .model("ha", "openai/fake-free", fake.baseUrl(), kUpstreamKey, "dep-free", {{"order", "2"}});
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto t0 = Clock::now();
  auto r = client.post(kChat, chatBody("ha"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-free");
  EXPECT_LT(since(t0), Millis(1000));
}

// A 400 from the provider is the request's fault: answered at once, exactly one upstream request,
// no fallbacks.
TEST(ResilienceTest, Provider400IsNotRetried) {
  FakeOpenAI fake;
  fake.setBehaviorForModel("fake-a", Behavior::error(400, "Invalid 'temperature'"));
  fake.setBehaviorForModel("fake-b", Behavior::error(400, "Invalid 'temperature'"));
  ConfigBuilder c;
  c.model("ha", "openai/fake-a", fake.baseUrl(), kUpstreamKey, "dep-a")
      .model("ha", "openai/fake-b", fake.baseUrl(), kUpstreamKey, "dep-b")
      .model("other", "openai/fake-other", fake.baseUrl(), kUpstreamKey, "dep-other")
      .router("fallbacks", R"([{"ha": ["other"]}])");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto r = client.post(kChat, chatBody("ha", "x", {{"temperature", 9}}));
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_NE(messageOf(r).find("Invalid 'temperature'"), std::string::npos) << r.body;
  EXPECT_EQ(fake.requestCount(), 1u);
  EXPECT_EQ(retriesOf(r), 0);
  EXPECT_EQ(fallbacksOf(r), 0);
}

// 401/403: that deployment is cooled down at once and the others are tried; the next request
// does not go to it at all.
TEST(ResilienceTest, Provider401CoolsDeploymentDownAndOthersAreTried) {
  FakeOpenAI fake;
  fake.setBehaviorForModel("fake-badkey", Behavior::error(401, "Incorrect API key provided"));
  ConfigBuilder c;
  c.model("ha", "openai/fake-badkey", fake.baseUrl(), kUpstreamKey, "dep-badkey", {{"order", "1"}})
      .model("ha", "openai/fake-good", fake.baseUrl(), kUpstreamKey, "dep-good", {{"order", "2"}})
      .router("allowed_fails", "100")
      .router("cooldown_time", "30");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto r = client.post(kChat, chatBody("ha"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-good");
  EXPECT_EQ(modelsSeen(fake), (std::vector<std::string>{"fake-badkey", "fake-good"}));
  for (int i = 0; i < 3; ++i) {
    r = client.post(kChat, chatBody("ha"));
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(retriesOf(r), 0) << "the deployment with rejected credentials was tried again";
  }
  EXPECT_EQ(countModel(fake, "fake-badkey"), 1u);

  // 403 likewise.
  FakeOpenAI fake2;
  fake2.setBehaviorForModel("fake-forbidden", Behavior::error(403, "forbidden"));
  ConfigBuilder c2;
  c2.model("ha", "openai/fake-forbidden", fake2.baseUrl(), kUpstreamKey, "dep-forbidden",
           {{"order", "1"}})
      .model("ha", "openai/fake-good", fake2.baseUrl(), kUpstreamKey, "dep-good", {{"order", "2"}})
      .router("allowed_fails", "100");
  SY_START_GATEWAY(gw2, c2.yaml());
  HttpClient client2(gw2->port());
  r = client2.post(kChat, chatBody("ha"));
  ASSERT_EQ(r.status, 200u) << r.body;
  r = client2.post(kChat, chatBody("ha"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(countModel(fake2, "fake-forbidden"), 1u);
}

// A credentials error is not transient: with no other deployment (or every other one rejecting
// too) it is answered at once, not retried with backoff on the same deployment (LiteLLM: an
// AuthenticationError with no healthy deployment left is raised).
TEST(ResilienceTest, Provider401WithNoOtherDeploymentIsAnsweredAtOnce) {
  FakeOpenAI fake;
  fake.setDefaultBehavior(Behavior::error(401, "Incorrect API key provided"));
  ConfigBuilder c;
  c.model("solo", "openai/fake-solo", fake.baseUrl(), kUpstreamKey, "dep-solo")
      .model("ha", "openai/fake-a", fake.baseUrl(), kUpstreamKey, "dep-a")
      .model("ha", "openai/fake-b", fake.baseUrl(), kUpstreamKey, "dep-b");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());

  // Two deployments, both rejecting: each tried once, then the 401.
  auto t0 = Clock::now();
  auto r = client.post(kChat, chatBody("ha"));
  EXPECT_EQ(r.status, 401u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_EQ(countModel(fake, "fake-a"), 1u);
  EXPECT_EQ(countModel(fake, "fake-b"), 1u);
  EXPECT_LT(since(t0), Millis(400));

  // The sole deployment: one attempt, the 401 at once. (Regression: tryTarget() used to treat
  // FailureClass::kCredentials like a transient failure once no untried deployment was left, so
  // the sole deployment, never cooled down, was retried after backoff num_retries times: 3
  // upstream requests and ~1.3 s before the 401.)
  fake.reset();
  t0 = Clock::now();
  r = client.post(kChat, chatBody("solo"));
  auto took = since(t0);
  EXPECT_EQ(r.status, 401u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_EQ(fake.requestCount(), 1u) << "a 401 was retried on the same deployment";
  EXPECT_LT(took, Millis(400)) << "a 401 was retried with backoff";
}

// 408 and 429 without Retry-After are transient: retried (on the sole deployment, after backoff).
TEST(ResilienceTest, Upstream408And429WithoutRetryAfterAreRetried) {
  FakeOpenAI fake;
  ConfigBuilder c;
  c.model("solo", "openai/fake-solo", fake.baseUrl(), kUpstreamKey, "dep-solo");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  for (unsigned status : {408u, 429u}) {
    fake.reset();
    fake.pushBehavior(Behavior::error(status, "try again"));
    auto t0 = Clock::now();
    auto r = client.post(kChat, chatBody("solo"));
    auto took = since(t0);
    EXPECT_EQ(r.status, 200u) << status << ": " << r.body;
    EXPECT_EQ(fake.requestCount(), 2u) << status;
    EXPECT_EQ(retriesOf(r), 1) << status;
    EXPECT_GE(took, Millis(330)) << status;
    EXPECT_LT(took, Millis(2000)) << status;
  }
}

// ---------------------------------------------------------------------------------------------
// Transport faults: each one falls over to the next deployment

// A hanging deployment times out (litellm_params.timeout), its connection is abandoned, and the
// next deployment answers.
TEST(ResilienceTest, HangingDeploymentTimesOutAndFailsOver) {
  FakeOpenAI fake;
  fake.setBehaviorForModel("fake-hang", Behavior::hang());
  ConfigBuilder c;
  c.model("ha", "openai/fake-hang", fake.baseUrl(), kUpstreamKey, "dep-hang",
          {{"order", "1"}, {"timeout", "0.5"}})
      .model("ha", "openai/fake-good", fake.baseUrl(), kUpstreamKey, "dep-good",
             {{"order", "2"}, {"timeout", "5"}});
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto t0 = Clock::now();
  auto r = client.post(kChat, chatBody("ha"));
  auto took = since(t0);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-good");
  EXPECT_EQ(retriesOf(r), 1);
  EXPECT_GE(took, Millis(450));
  EXPECT_LT(took, Millis(2500));
  EXPECT_TRUE(fake.waitForAbortedResponses(1, Millis(2000)))
      << "the timed-out attempt was not abandoned";
}

// The upstream reads the request and closes the connection without answering.
TEST(ResilienceTest, ConnectionClosedWithoutAnswerFailsOver) {
  FakeOpenAI fake;
  fake.setBehaviorForModel("fake-close", closeImmediately());
  ConfigBuilder c;
  c.model("ha", "openai/fake-close", fake.baseUrl(), kUpstreamKey, "dep-close", {{"order", "1"}})
      .model("ha", "openai/fake-good", fake.baseUrl(), kUpstreamKey, "dep-good", {{"order", "2"}})
      .router("allowed_fails", "100");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto t0 = Clock::now();
  auto r = client.post(kChat, chatBody("ha"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-good");
  EXPECT_EQ(countModel(fake, "fake-good"), 1u);
  EXPECT_GE(countModel(fake, "fake-close"), 1u);
  EXPECT_LT(since(t0), Millis(1500));

  auto s = client.stream(kChat, chatBody("ha", "hi", {{"stream", true}}));
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  EXPECT_TRUE(s.sawDone());
  EXPECT_EQ(s.content(), "Hello from the fake");
}

// Nothing listens on the first deployment's port: connect error, the next deployment answers.
TEST(ResilienceTest, ConnectErrorFailsOver) {
  FakeOpenAI fake;
  std::string dead = "http://127.0.0.1:" + std::to_string(closedPort()) + "/v1";
  ConfigBuilder c;
  c.model("ha", "openai/fake-dead", dead, kUpstreamKey, "dep-dead", {{"order", "1"}})
      .model("ha", "openai/fake-good", fake.baseUrl(), kUpstreamKey, "dep-good", {{"order", "2"}});
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto t0 = Clock::now();
  auto r = client.post(kChat, chatBody("ha"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-good");
  EXPECT_EQ(retriesOf(r), 1);
  EXPECT_LT(since(t0), Millis(1500));
}

// The first byte comes after the timeout (non-stream: timeout; stream: stream_timeout): the
// attempt is abandoned and the next deployment answers.
TEST(ResilienceTest, SlowFirstByteBeyondTimeoutFailsOver) {
  FakeOpenAI fake;
  Behavior slow;
  slow.header_delay = Millis(2000);
  fake.setBehaviorForModel("fake-slow", slow);
  ConfigBuilder c;
  c.model("ha", "openai/fake-slow", fake.baseUrl(), kUpstreamKey, "dep-slow",
          {{"order", "1"}, {"timeout", "0.5"}, {"stream_timeout", "0.5"}})
      .model("ha", "openai/fake-good", fake.baseUrl(), kUpstreamKey, "dep-good", {{"order", "2"}})
      .router("allowed_fails", "100");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto t0 = Clock::now();
  auto r = client.post(kChat, chatBody("ha"));
  auto took = since(t0);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-good");
  EXPECT_GE(took, Millis(450));
  EXPECT_LT(took, Millis(1800)) << "the slow deployment was waited for";
  EXPECT_TRUE(fake.waitForAbortedResponses(1, Millis(2000)));

  t0 = Clock::now();
  auto s = client.stream(kChat, chatBody("ha", "hi", {{"stream", true}}));
  took = since(t0);
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  EXPECT_TRUE(s.sawDone());
  EXPECT_EQ(s.content(), "Hello from the fake");
  EXPECT_EQ(s.header("x-litellm-model-id"), "dep-good");
  EXPECT_LT(took, Millis(1800));
  EXPECT_TRUE(fake.waitForAbortedResponses(2, Millis(2000)));
}

// A stream whose first content chunk comes after stream_timeout (the head and the role chunk
// arrive at once, then nothing): the attempt is abandoned before the client saw anything, and
// the next deployment serves a clean stream.
TEST(ResilienceTest, StreamStallBeforeFirstContentFailsOver) {
  FakeOpenAI fake;
  fake.setBehaviorForModel("fake-stall", Behavior::slowStream(3, Millis(2000)));
  ConfigBuilder c;
  c.model("ha", "openai/fake-stall", fake.baseUrl(), kUpstreamKey, "dep-stall",
          {{"order", "1"}, {"stream_timeout", "0.5"}})
      .model("ha", "openai/fake-good", fake.baseUrl(), kUpstreamKey, "dep-good", {{"order", "2"}});
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto t0 = Clock::now();
  auto s = client.stream(kChat, chatBody("ha", "hi", {{"stream", true}}));
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  EXPECT_TRUE(s.sawDone());
  EXPECT_EQ(s.content(), "Hello from the fake") << s.raw_body;
  EXPECT_EQ(s.header("x-litellm-model-id"), "dep-good");
  EXPECT_LT(since(t0), Millis(1800));
  EXPECT_TRUE(fake.waitForAbortedResponses(1, Millis(2000)));
}

// An error event inside a 200 stream, before any content: the attempt fails over, and the client
// sees one clean stream from the other deployment (no error event, no mix of the two).
TEST(ResilienceTest, ErrorEventInStreamFailsOverWithCleanStream) {
  FakeOpenAI fake;
  Behavior b;
  b.kind = Behavior::Kind::kErrorEventInStream;
  b.chunks_before_close = 0;
  b.error_message = "overloaded mid-flight";
  fake.setBehaviorForModel("fake-flaky", b);
  ConfigBuilder c;
  c.model("ha", "openai/fake-flaky", fake.baseUrl(), kUpstreamKey, "dep-flaky", {{"order", "1"}})
      .model("ha", "openai/fake-good", fake.baseUrl(), kUpstreamKey, "dep-good", {{"order", "2"}})
      .router("allowed_fails", "100");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto s = client.stream(kChat, chatBody("ha", "hi", {{"stream", true}}));
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  EXPECT_TRUE(s.complete);
  EXPECT_TRUE(s.sawDone());
  EXPECT_EQ(s.content(), "Hello from the fake");
  EXPECT_EQ(s.raw_body.find("overloaded mid-flight"), std::string::npos) << s.raw_body;
  EXPECT_EQ(s.raw_body.find("\"error\""), std::string::npos) << s.raw_body;
  EXPECT_EQ(s.header("x-litellm-model-id"), "dep-good");
  EXPECT_EQ(intHeader(s.headers, "x-litellm-attempted-retries"), 1);
  EXPECT_EQ(modelsSeen(fake), (std::vector<std::string>{"fake-flaky", "fake-good"}));
  // Exactly one assistant role chunk reached the client.
  int roles = 0;
  for (const auto& ev : s.events) {
    json j = ev.json();
    if (j.is_object() && j.contains("choices") && !j["choices"].empty() &&
        j["choices"][0].contains("delta") && j["choices"][0]["delta"].contains("role"))
      ++roles;
  }
  EXPECT_EQ(roles, 1) << s.raw_body;
}

// ---------------------------------------------------------------------------------------------
// Everything down: a prompt, precise error

TEST(ResilienceTest, EveryDeploymentDownGivesPromptError) {
  FakeOpenAI fake;
  fake.setDefaultBehavior(Behavior::error(500, "backend exploded"));
  ConfigBuilder c;
  c.model("ha", "openai/fake-a", fake.baseUrl(), kUpstreamKey, "dep-a")
      .model("ha", "openai/fake-b", fake.baseUrl(), kUpstreamKey, "dep-b")
      .router("allowed_fails", "100");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto t0 = Clock::now();
  auto r = client.post(kChat, chatBody("ha"));
  auto took = since(t0);
  EXPECT_EQ(r.status, 502u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_NE(messageOf(r).find("backend exploded"), std::string::npos) << r.body;
  // Attempt on one, at once on the other, then (backoff ~0.5 s) one more: 3 requests.
  EXPECT_EQ(fake.requestCount(), 3u);
  EXPECT_EQ(countModel(fake, "fake-a") >= 1 && countModel(fake, "fake-b") >= 1, true);
  EXPECT_EQ(retriesOf(r), 2);
  EXPECT_LT(took, Millis(2500));

  // Streams get the same error before any byte of a 200.
  auto s = client.stream(kChat, chatBody("ha", "hi", {{"stream", true}}));
  EXPECT_EQ(s.status, 502u) << s.raw_body;
}

// Every deployment hangs: 504 after the attempts, bounded by (1 + num_retries) * timeout plus
// one backoff.
TEST(ResilienceTest, EveryDeploymentHangingGives504InBoundedTime) {
  FakeOpenAI fake;
  fake.setDefaultBehavior(Behavior::hang());
  ConfigBuilder c;
  c.model("ha", "openai/fake-a", fake.baseUrl(), kUpstreamKey, "dep-a", {{"timeout", "0.4"}})
      .model("ha", "openai/fake-b", fake.baseUrl(), kUpstreamKey, "dep-b", {{"timeout", "0.4"}})
      .router("allowed_fails", "100");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto t0 = Clock::now();
  auto r = client.post(kChat, chatBody("ha"));
  auto took = since(t0);
  EXPECT_EQ(r.status, 504u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_GE(took, Millis(1100));
  EXPECT_LT(took, Millis(3500));
  EXPECT_TRUE(fake.waitForAbortedResponses(3, Millis(2000)));
}

// ---------------------------------------------------------------------------------------------
// Fallbacks

ConfigBuilder fallbackConfig(const FakeOpenAI& fake) {
  ConfigBuilder c;
  c.model("a", "openai/fake-a", fake.baseUrl(), kUpstreamKey, "dep-a")
      .model("b", "openai/fake-b", fake.baseUrl(), kUpstreamKey, "dep-b")
      .model("c", "openai/fake-c", fake.baseUrl(), kUpstreamKey, "dep-c")
      .router("num_retries", "0");
  return c;
}

TEST(ResilienceTest, ConfigFallbacksServeWhenPrimaryFails) {
  FakeOpenAI fake;
  fake.setBehaviorForModel("fake-a", Behavior::error(500, "a is down"));
  auto c = fallbackConfig(fake);
  c.router("fallbacks", R"([{"a": ["b"]}])");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto r = client.post(kChat, chatBody("a"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-b");
  EXPECT_EQ(r.header("x-litellm-model-group"), "b");
  EXPECT_EQ(fallbacksOf(r), 1);
  EXPECT_EQ(modelsSeen(fake), (std::vector<std::string>{"fake-a", "fake-b"}));

  // disable_fallbacks: true in the body: the primary's error.
  fake.reset();
  r = client.post(kChat, chatBody("a", "x", {{"disable_fallbacks", true}}));
  EXPECT_EQ(r.status, 502u) << r.body;
  EXPECT_EQ(modelsSeen(fake), (std::vector<std::string>{"fake-a"}));
  EXPECT_EQ(fallbacksOf(r), 0);
}

// Request-level `fallbacks` (no config rule), and OpenRouter's `models` with `model` omitted.
TEST(ResilienceTest, RequestFallbacksAndModelsList) {
  FakeOpenAI fake;
  fake.setBehaviorForModel("fake-a", Behavior::error(500, "a is down"));
  SY_START_GATEWAY(gw, fallbackConfig(fake).yaml());
  HttpClient client(gw->port());
  // No fallback configured: the primary's error.
  auto r = client.post(kChat, chatBody("a"));
  EXPECT_EQ(r.status, 502u) << r.body;

  fake.reset();
  r = client.post(kChat, chatBody("a", "x", {{"fallbacks", json::array({"c"})}}));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-c");
  EXPECT_EQ(fallbacksOf(r), 1);
  EXPECT_EQ(modelsSeen(fake), (std::vector<std::string>{"fake-a", "fake-c"}));
  // The control fields are not forwarded upstream.
  EXPECT_FALSE(fake.lastRequest()->json().contains("fallbacks"));

  fake.reset();
  json body = chatBody("ignored");
  body.erase("model");
  body["models"] = json::array({"a", "b"});
  r = client.post(kChat, body);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-b");
  EXPECT_EQ(modelsSeen(fake), (std::vector<std::string>{"fake-a", "fake-b"}));
  EXPECT_FALSE(fake.lastRequest()->json().contains("models"));
}

// A fallback may name one deployment by its model_info.id.
TEST(ResilienceTest, FallbackNamingDeploymentId) {
  FakeOpenAI fake;
  fake.setBehaviorForModel("fake-a", Behavior::error(500, "a is down"));
  ConfigBuilder c;
  c.model("a", "openai/fake-a", fake.baseUrl(), kUpstreamKey, "dep-a")
      .model("b", "openai/fake-b1", fake.baseUrl(), kUpstreamKey, "dep-b1")
      .model("b", "openai/fake-b2", fake.baseUrl(), kUpstreamKey, "dep-b2")
      .router("num_retries", "0")
      .router("fallbacks", R"([{"a": ["dep-b2"]}])");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  for (int i = 0; i < 4; ++i) {
    auto r = client.post(kChat, chatBody("a"));
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.header("x-litellm-model-id"), "dep-b2");
    EXPECT_EQ(r.header("x-litellm-model-group"), "b");
  }
  EXPECT_EQ(countModel(fake, "fake-b1"), 0u);
  EXPECT_EQ(countModel(fake, "fake-b2"), 4u);
}

// A provider 400 with code context_length_exceeded goes to context_window_fallbacks, not
// retried; a plain 400 with a general fallback rule is still answered at once.
TEST(ResilienceTest, ContextWindowFallbacks) {
  FakeOpenAI fake;
  fake.setBehaviorForModel("fake-a",
                           errorWithCode(400, "context_length_exceeded",
                                         "This model's maximum context length is 10 tokens."));
  auto c = fallbackConfig(fake);
  c.router("num_retries", "2")
      .router("context_window_fallbacks", R"([{"a": ["b"]}])")
      .router("fallbacks", R"([{"a": ["c"]}])");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto r = client.post(kChat, chatBody("a"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-b");
  EXPECT_EQ(retriesOf(r), 0);
  EXPECT_EQ(modelsSeen(fake), (std::vector<std::string>{"fake-a", "fake-b"}));

  // The big one fails too: the primary's context error (400, its code), fallbacks named.
  fake.reset();
  fake.setBehaviorForModel("fake-b",
                           errorWithCode(400, "context_length_exceeded",
                                         "This model's maximum context length is 20 tokens."));
  r = client.post(kChat, chatBody("a"));
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(codeOf(r), "context_length_exceeded") << r.body;

  // A plain 400 is the request's fault: no fallback.
  fake.reset();
  fake.setBehaviorForModel("fake-a", Behavior::error(400, "bad parameter"));
  r = client.post(kChat, chatBody("a"));
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(modelsSeen(fake), (std::vector<std::string>{"fake-a"}));
}

TEST(ResilienceTest, ContentPolicyFallbacks) {
  FakeOpenAI fake;
  fake.setBehaviorForModel("fake-a",
                           errorWithCode(400, "content_filter", "refused by the content filter"));
  fake.setBehaviorForModel("fake-b",
                           errorWithCode(400, "content_policy_violation", "refused by policy"));
  auto c = fallbackConfig(fake);
  c.router("content_policy_fallbacks", R"([{"a": ["c"], "b": ["c"]}])");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto r = client.post(kChat, chatBody("a"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-c");
  r = client.post(kChat, chatBody("b"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-c");
  EXPECT_EQ(modelsSeen(fake), (std::vector<std::string>{"fake-a", "fake-c", "fake-b", "fake-c"}));
}

TEST(ResilienceTest, DefaultFallbacks) {
  FakeOpenAI fake;
  fake.setBehaviorForModel("fake-a", Behavior::error(502, "bad gateway upstream"));
  auto c = fallbackConfig(fake);
  c.router("default_fallbacks", R"(["c"])");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto r = client.post(kChat, chatBody("a"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-c");
  EXPECT_EQ(fallbacksOf(r), 1);
}

// max_fallbacks caps the chain; when everything fails the primary's error names the fallbacks
// that were tried.
TEST(ResilienceTest, MaxFallbacksAndAllFallbacksFailing) {
  FakeOpenAI fake;
  fake.setDefaultBehavior(Behavior::error(500, "everything is down"));
  auto c = fallbackConfig(fake);
  c.router("fallbacks", R"([{"a": ["b", "c"]}])").router("max_fallbacks", "1");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto t0 = Clock::now();
  auto r = client.post(kChat, chatBody("a"));
  EXPECT_EQ(r.status, 502u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_EQ(modelsSeen(fake), (std::vector<std::string>{"fake-a", "fake-b"}));
  std::string msg = messageOf(r);
  EXPECT_NE(msg.find("everything is down"), std::string::npos) << msg;
  EXPECT_NE(msg.find("fallbacks tried: b"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("fallbacks tried: b, c"), std::string::npos)
      << "max_fallbacks exceeded: " << msg;
  EXPECT_EQ(fallbacksOf(r), 1);
  EXPECT_LT(since(t0), Millis(1500));

  // Timeouts: the primary's 504, fallbacks named.
  FakeOpenAI hang;
  hang.setDefaultBehavior(Behavior::hang());
  ConfigBuilder c2;
  c2.model("a", "openai/fake-a", hang.baseUrl(), kUpstreamKey, "dep-a", {{"timeout", "0.3"}})
      .model("b", "openai/fake-b", hang.baseUrl(), kUpstreamKey, "dep-b", {{"timeout", "0.3"}})
      .router("num_retries", "0")
      .router("fallbacks", R"([{"a": ["b"]}])");
  SY_START_GATEWAY(gw2, c2.yaml());
  HttpClient client2(gw2->port());
  t0 = Clock::now();
  r = client2.post(kChat, chatBody("a"));
  EXPECT_EQ(r.status, 504u) << r.body;
  EXPECT_NE(messageOf(r).find("fallbacks tried: b"), std::string::npos) << r.body;
  EXPECT_LT(since(t0), Millis(2000));
}

// ---------------------------------------------------------------------------------------------
// Cooldowns

// allowed_fails failures in a minute are tolerated; the next one cools the deployment down for
// cooldown_time, during which it gets no request; afterwards it is tried again.
TEST(ResilienceTest, DeploymentCoolsDownAfterAllowedFailsAndRecovers) {
  FakeOpenAI fake;
  fake.setBehaviorForModel("fake-bad", Behavior::error(500, "bad"));
  ConfigBuilder c;
  c.model("ha", "openai/fake-bad", fake.baseUrl(), kUpstreamKey, "dep-bad", {{"order", "1"}})
      .model("ha", "openai/fake-good", fake.baseUrl(), kUpstreamKey, "dep-good", {{"order", "2"}})
      .router("allowed_fails", "1")
      .router("cooldown_time", "1");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  // Requests 1 and 2: dep-bad first (lowest order), fails, dep-good answers. The second failure
  // exceeds allowed_fails (1): cooldown.
  for (int i = 0; i < 2; ++i) {
    auto r = client.post(kChat, chatBody("ha"));
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(retriesOf(r), 1);
  }
  EXPECT_EQ(countModel(fake, "fake-bad"), 2u);
  // Cooling down: dep-good directly.
  for (int i = 0; i < 3; ++i) {
    auto r = client.post(kChat, chatBody("ha"));
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(retriesOf(r), 0);
    EXPECT_EQ(r.header("x-litellm-model-id"), "dep-good");
  }
  EXPECT_EQ(countModel(fake, "fake-bad"), 2u) << "a cooling-down deployment was called";
  // After cooldown_time it is tried again (and, fixed now, answers).
  std::this_thread::sleep_for(Millis(1200));
  fake.setBehaviorForModel("fake-bad", Behavior{});
  auto r = client.post(kChat, chatBody("ha"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-bad");
  EXPECT_EQ(countModel(fake, "fake-bad"), 3u);
}

// Defaults: allowed_fails 3, so the fourth failure in a minute cools the deployment down (for the
// default 5 s; the test does not wait for it to end).
TEST(ResilienceTest, DefaultAllowedFailsIsThree) {
  FakeOpenAI fake;
  fake.setBehaviorForModel("fake-bad", Behavior::error(500, "bad"));
  ConfigBuilder c;
  c.model("ha", "openai/fake-bad", fake.baseUrl(), kUpstreamKey, "dep-bad", {{"order", "1"}})
      .model("ha", "openai/fake-good", fake.baseUrl(), kUpstreamKey, "dep-good", {{"order", "2"}});
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  for (int i = 0; i < 8; ++i) {
    auto r = client.post(kChat, chatBody("ha"));
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.header("x-litellm-model-id"), "dep-good");
    EXPECT_EQ(retriesOf(r), i < 4 ? 1 : 0) << "request " << i;
  }
  EXPECT_EQ(countModel(fake, "fake-bad"), 4u);
}

// Every deployment of a multi-deployment alias cooling down: 429 no_healthy_deployment with a
// Retry-After, without calling upstream; the alias recovers after cooldown_time.
TEST(ResilienceTest, AllDeploymentsCoolingDownGives429NoHealthyDeployment) {
  FakeOpenAI fake;
  fake.setDefaultBehavior(Behavior::error(500, "down"));
  ConfigBuilder c;
  c.model("ha", "openai/fake-a", fake.baseUrl(), kUpstreamKey, "dep-a")
      .model("ha", "openai/fake-b", fake.baseUrl(), kUpstreamKey, "dep-b")
      .router("allowed_fails", "0")
      .router("cooldown_time", "1")
      .router("num_retries", "1");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto r = client.post(kChat, chatBody("ha"));
  EXPECT_EQ(r.status, 502u) << r.body;
  EXPECT_EQ(fake.requestCount(), 2u);

  auto t0 = Clock::now();
  r = client.post(kChat, chatBody("ha"));
  EXPECT_EQ(r.status, 429u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_EQ(codeOf(r), "no_healthy_deployment") << r.body;
  ASSERT_TRUE(r.has("retry-after"));
  int ra = std::atoi(r.header("retry-after").c_str());
  EXPECT_GE(ra, 1);
  EXPECT_LE(ra, 1);
  EXPECT_EQ(fake.requestCount(), 2u) << "a cooling-down deployment was called";
  EXPECT_LT(since(t0), Millis(500)) << "the 429 must be prompt";

  // Streams get the same 429.
  auto s = client.stream(kChat, chatBody("ha", "hi", {{"stream", true}}));
  EXPECT_EQ(s.status, 429u) << s.raw_body;

  std::this_thread::sleep_for(Millis(1200));
  fake.setDefaultBehavior(Behavior{});
  r = client.post(kChat, chatBody("ha"));
  EXPECT_EQ(r.status, 200u) << r.body;
}

// An alias whose deployments are all cooling down still has its fallbacks.
TEST(ResilienceTest, AllCoolingDownGoesToFallbacks) {
  FakeOpenAI fake;
  fake.setBehaviorForModel("fake-a1", Behavior::error(500, "down"));
  fake.setBehaviorForModel("fake-a2", Behavior::error(500, "down"));
  ConfigBuilder c;
  c.model("a", "openai/fake-a1", fake.baseUrl(), kUpstreamKey, "dep-a1")
      .model("a", "openai/fake-a2", fake.baseUrl(), kUpstreamKey, "dep-a2")
      .model("b", "openai/fake-b", fake.baseUrl(), kUpstreamKey, "dep-b")
      .router("allowed_fails", "0")
      .router("cooldown_time", "5")
      .router("num_retries", "1")
      .router("fallbacks", R"([{"a": ["b"]}])");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto r = client.post(kChat, chatBody("a"));  // a1 and a2 fail (and cool down), b answers
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-b");
  fake.reset();
  r = client.post(kChat, chatBody("a"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-b");
  EXPECT_EQ(fallbacksOf(r), 1);
  EXPECT_EQ(modelsSeen(fake), (std::vector<std::string>{"fake-b"}));
}

// With the default allowed_fails the sole deployment of an alias is never cooled down: every
// request still reaches it.
TEST(ResilienceTest, SoleDeploymentIsNeverCooledDownByDefault) {
  FakeOpenAI fake;
  fake.setDefaultBehavior(Behavior::error(500, "down"));
  ConfigBuilder c;
  c.model("solo", "openai/fake-solo", fake.baseUrl(), kUpstreamKey, "dep-solo")
      .router("cooldown_time", "30")
      .router("num_retries", "0");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  for (int i = 0; i < 6; ++i) {
    auto r = client.post(kChat, chatBody("solo"));
    EXPECT_EQ(r.status, 502u) << r.body;
  }
  EXPECT_EQ(fake.requestCount(), 6u);
  fake.setDefaultBehavior(Behavior{});
  auto r = client.post(kChat, chatBody("solo"));
  EXPECT_EQ(r.status, 200u) << r.body;
}

// With allowed_fails set, a lone deployment cools down like any other: the alias then answers
// 429 no_healthy_deployment with Retry-After, without an upstream call, until the cooldown ends.
TEST(ResilienceTest, SoleDeploymentCoolsDownWhenAllowedFailsIsSet) {
  FakeOpenAI fake;
  fake.setDefaultBehavior(Behavior::error(500, "down"));
  ConfigBuilder c;
  c.model("solo", "openai/fake-solo", fake.baseUrl(), kUpstreamKey, "dep-solo")
      .router("allowed_fails", "1")
      .router("cooldown_time", "1")
      .router("num_retries", "0");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  EXPECT_EQ(client.post(kChat, chatBody("solo")).status, 502u);
  EXPECT_EQ(client.post(kChat, chatBody("solo")).status, 502u);  // the 2nd failure > 1: cooled
  auto cooled = client.post(kChat, chatBody("solo"));
  EXPECT_EQ(cooled.status, 429u) << cooled.body;
  EXPECT_EQ(codeOf(cooled), "no_healthy_deployment");
  ASSERT_TRUE(cooled.has("retry-after"));
  EXPECT_EQ(cooled.headers.at("retry-after"), "1");
  EXPECT_EQ(fake.requestCount(), 2u);
  fake.setDefaultBehavior(Behavior{});
  std::this_thread::sleep_for(Millis(1100));
  auto r = client.post(kChat, chatBody("solo"));
  EXPECT_EQ(r.status, 200u) << r.body;
}

// ---------------------------------------------------------------------------------------------
// Per-deployment limits

// A deployment at max_parallel_requests is skipped while it is busy.
TEST(ResilienceTest, MaxParallelRequestsSkipsBusyDeployment) {
  FakeOpenAI fake;
  Behavior slow;
  slow.header_delay = Millis(800);
  fake.setBehaviorForModel("fake-a", slow);
  ConfigBuilder c;
  c.model("ha", "openai/fake-a", fake.baseUrl(), kUpstreamKey, "dep-a",
          {{"order", "1"}, {"max_parallel_requests", "1"}})
      .model("ha", "openai/fake-b", fake.baseUrl(), kUpstreamKey, "dep-b", {{"order", "2"}});
  SY_START_GATEWAY(gw, c.yaml());
  HttpResponse first;
  std::thread t([&] {
    HttpClient c1(gw->port());
    first = c1.post(kChat, chatBody("ha"));
  });
  ASSERT_TRUE(fake.waitForRequests(1, Millis(3000)));
  HttpClient client(gw->port());
  auto t0 = Clock::now();
  auto r = client.post(kChat, chatBody("ha"));
  auto took = since(t0);
  t.join();
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-b");
  EXPECT_EQ(retriesOf(r), 0);
  EXPECT_LT(took, Millis(500)) << "the second request waited for the busy deployment";
  EXPECT_EQ(first.status, 200u) << first.body;
  EXPECT_EQ(first.header("x-litellm-model-id"), "dep-a");
}

// Every deployment full: the request waits (up to ~1 s) for a slot; it gets one when the busy
// request ends in time, else 429 deployment_limit_reached with Retry-After.
TEST(ResilienceTest, AllDeploymentsFullWaitsThen429) {
  FakeOpenAI fake;
  ConfigBuilder c;
  c.model("solo", "openai/fake-solo", fake.baseUrl(), kUpstreamKey, "dep-solo",
          {{"max_parallel_requests", "1"}});
  SY_START_GATEWAY(gw, c.yaml());

  auto busyFor = [&](Millis d, HttpResponse& out) {
    Behavior slow;
    slow.header_delay = d;
    fake.pushBehavior(slow);
    return std::thread([&out, port = gw->port()] {
      HttpClient c1(port);
      out = c1.post(kChat, chatBody("solo"));
    });
  };

  // The slot frees after ~400 ms: the second request waits for it and succeeds.
  {
    HttpResponse first;
    std::thread t = busyFor(Millis(400), first);
    ASSERT_TRUE(fake.waitForRequests(1, Millis(3000)));
    HttpClient client(gw->port());
    auto t0 = Clock::now();
    auto r = client.post(kChat, chatBody("solo"));
    auto took = since(t0);
    t.join();
    EXPECT_EQ(first.status, 200u) << first.body;
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_GE(took, Millis(200));
    EXPECT_LT(took, Millis(1500));
  }
  fake.reset();
  // The slot stays taken for 1.8 s: 429 after about a second.
  {
    HttpResponse first;
    std::thread t = busyFor(Millis(1800), first);
    ASSERT_TRUE(fake.waitForRequests(1, Millis(3000)));
    HttpClient client(gw->port());
    auto t0 = Clock::now();
    auto r = client.post(kChat, chatBody("solo"));
    auto took = since(t0);
    EXPECT_EQ(r.status, 429u) << r.body;
    EXPECT_TRUE(isOpenAIError(r.json()));
    EXPECT_EQ(codeOf(r), "deployment_limit_reached") << r.body;
    EXPECT_TRUE(r.has("retry-after"));
    EXPECT_GE(took, Millis(850));
    EXPECT_LT(took, Millis(1700));
    EXPECT_EQ(fake.requestCount(), 1u);
    t.join();
    EXPECT_EQ(first.status, 200u) << first.body;
  }
}

// rpm: at most N requests a minute. The minute is a fixed window, so a boundary may fall inside
// the test: allow at most two windows' worth of successes before the first 429.
TEST(ResilienceTest, RpmLimitGives429WhenUsedUp) {
  FakeOpenAI fake;
  ConfigBuilder c;
  c.model("solo", "openai/fake-solo", fake.baseUrl(), kUpstreamKey, "dep-solo", {{"rpm", "2"}});
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  int ok = 0;
  HttpResponse limited;
  for (int i = 0; i < 5 && limited.status == 0; ++i) {
    auto r = client.post(kChat, chatBody("solo"));
    if (r.status == 200u)
      ++ok;
    else
      limited = r;
  }
  EXPECT_GE(ok, 2);
  EXPECT_LE(ok, 4);
  EXPECT_EQ(limited.status, 429u) << limited.body;
  EXPECT_EQ(codeOf(limited), "deployment_limit_reached") << limited.body;
  EXPECT_TRUE(limited.has("retry-after"));
  EXPECT_EQ(fake.requestCount(), static_cast<std::size_t>(ok));
}

// A deployment over its rpm is skipped in favour of one with room.
TEST(ResilienceTest, RpmLimitedDeploymentIsSkipped) {
  FakeOpenAI fake;
  ConfigBuilder c;
  c.model("ha", "openai/fake-a", fake.baseUrl(), kUpstreamKey, "dep-a",
          {{"order", "1"}, {"rpm", "1"}})
      .model("ha", "openai/fake-b", fake.baseUrl(), kUpstreamKey, "dep-b", {{"order", "2"}});
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    auto r = client.post(kChat, chatBody("ha"));
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(retriesOf(r), 0);
    ids.push_back(r.header("x-litellm-model-id"));
  }
  // dep-a serves once per minute (twice if a minute boundary fell inside the loop).
  auto a = std::count(ids.begin(), ids.end(), "dep-a");
  EXPECT_GE(a, 1);
  EXPECT_LE(a, 2);
  EXPECT_EQ(ids[0], "dep-a");
  EXPECT_EQ(static_cast<std::size_t>(a), countModel(fake, "fake-a"));
}

// tpm: a deployment whose tokens this minute reached its tpm is skipped (the fake reports
// usage.total_tokens of ~40 per request, over the tpm of 30).
TEST(ResilienceTest, TpmLimitedDeploymentIsSkipped) {
  FakeOpenAI fake;
  ConfigBuilder c;
  c.model("ha", "openai/fake-a", fake.baseUrl(), kUpstreamKey, "dep-a",
          {{"order", "1"}, {"tpm", "30"}})
      .model("ha", "openai/fake-b", fake.baseUrl(), kUpstreamKey, "dep-b", {{"order", "2"}});
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    auto r = client.post(kChat, chatBody("ha", "a prompt of a few words"));
    ASSERT_EQ(r.status, 200u) << r.body;
    ids.push_back(r.header("x-litellm-model-id"));
  }
  EXPECT_EQ(ids[0], "dep-a");
  auto a = std::count(ids.begin(), ids.end(), "dep-a");
  EXPECT_LE(a, 2) << "tpm not enforced";  // 2 only if a minute boundary fell inside the loop
}

// ---------------------------------------------------------------------------------------------
// Timeouts

TEST(ResilienceTest, RouterSettingsTimeoutApplies) {
  FakeOpenAI fake;
  fake.setDefaultBehavior(Behavior::hang());
  ConfigBuilder c;
  c.model("solo", "openai/fake-solo", fake.baseUrl(), kUpstreamKey, "dep-solo")
      .router("timeout", "0.5")
      .router("num_retries", "0");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto t0 = Clock::now();
  auto r = client.post(kChat, chatBody("solo"));
  auto took = since(t0);
  EXPECT_EQ(r.status, 504u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_GE(took, Millis(450));
  EXPECT_LT(took, Millis(2000));
  EXPECT_TRUE(fake.waitForAbortedResponses(1, Millis(2000)));
}

// router_settings.stream_timeout bounds the wait for a stream's first byte.
TEST(ResilienceTest, RouterSettingsStreamTimeoutApplies) {
  FakeOpenAI fake;
  fake.setDefaultBehavior(Behavior::hang());
  ConfigBuilder c;
  c.model("solo", "openai/fake-solo", fake.baseUrl(), kUpstreamKey, "dep-solo")
      .router("timeout", "30")
      .router("stream_timeout", "0.5")
      .router("num_retries", "0");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto t0 = Clock::now();
  auto s = client.stream(kChat, chatBody("solo", "hi", {{"stream", true}}));
  EXPECT_EQ(s.status, 504u) << s.raw_body;
  EXPECT_LT(since(t0), Millis(2000));
}

// stream_timeout also bounds the gap between chunks once content has been relayed: the client
// already has its 200, so its stream is ended (not left hanging, not presented as complete) and
// the upstream connection is abandoned.
TEST(ResilienceTest, StreamStallAfterContentEndsClientStream) {
  FakeOpenAI fake;
  Behavior b;
  b.event_delays = {Millis(0), Millis(0), Millis(4000)};  // role, "Hello" at once, then a stall
  fake.setDefaultBehavior(b);
  ConfigBuilder c;
  c.model("solo", "openai/fake-solo", fake.baseUrl(), kUpstreamKey, "dep-solo",
          {{"timeout", "10"}, {"stream_timeout", "0.5"}});
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  client.setTimeout(Millis(3500));
  auto t0 = Clock::now();
  auto s = client.stream(kChat, chatBody("solo", "hi", {{"stream", true}}));
  auto took = since(t0);
  EXPECT_EQ(s.status, 200u) << s.raw_body;
  EXPECT_EQ(s.content(), "Hello") << s.raw_body;
  EXPECT_FALSE(s.sawDone()) << "a stalled stream was presented as complete";
  EXPECT_LT(took, Millis(2500)) << "the client stream was not ended after the stall";
  EXPECT_TRUE(fake.waitForAbortedResponses(1, Millis(2000)));
  EXPECT_EQ(fake.requestCount(), 1u) << "content was already relayed: no retry";
}

// x-litellm-timeout (seconds) overrides the configured timeout; a malformed value is a 400
// before any upstream call. The body's `timeout` works too.
TEST(ResilienceTest, RequestTimeoutHeaderAndBody) {
  FakeOpenAI fake;
  fake.setDefaultBehavior(Behavior::hang());
  ConfigBuilder c;
  c.model("solo", "openai/fake-solo", fake.baseUrl(), kUpstreamKey, "dep-solo", {{"timeout", "30"}})
      .router("num_retries", "0");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto t0 = Clock::now();
  auto r = client.post(kChat, chatBody("solo"), {{"x-litellm-timeout", "0.5"}});
  auto took = since(t0);
  EXPECT_EQ(r.status, 504u) << r.body;
  EXPECT_GE(took, Millis(450));
  EXPECT_LT(took, Millis(2000));
  EXPECT_TRUE(fake.waitForAbortedResponses(1, Millis(2000)));

  t0 = Clock::now();
  r = client.post(kChat, chatBody("solo", "x", {{"timeout", 0.5}}));
  took = since(t0);
  EXPECT_EQ(r.status, 504u) << r.body;
  EXPECT_LT(took, Millis(2000));
  EXPECT_FALSE(fake.lastRequest()->json().contains("timeout")) << "the control field was forwarded";

  // Streams honour it too.
  t0 = Clock::now();
  auto s = client.stream(kChat, chatBody("solo", "hi", {{"stream", true}}),
                         {{"x-litellm-timeout", "0.5"}});
  EXPECT_EQ(s.status, 504u) << s.raw_body;
  EXPECT_LT(since(t0), Millis(2000));

  // The header wins over the body.
  t0 = Clock::now();
  r = client.post(kChat, chatBody("solo", "x", {{"timeout", 20}}), {{"x-litellm-timeout", "0.5"}});
  EXPECT_EQ(r.status, 504u) << r.body;
  EXPECT_LT(since(t0), Millis(2000));

  fake.reset();
  for (const char* bad : {"abc", "0", "-1", "1s"}) {
    HttpClient fresh(gw->port());
    r = fresh.post(kChat, chatBody("solo"), {{"x-litellm-timeout", bad}});
    EXPECT_EQ(r.status, 400u) << "x-litellm-timeout: " << bad << " -> " << r.body;
    EXPECT_TRUE(isOpenAIError(r.json()));
  }
  r = client.post(kChat, chatBody("solo", "x", {{"timeout", "soon"}}));
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(fake.requestCount(), 0u);
}

// ---------------------------------------------------------------------------------------------
// Pre-call checks

// enable_pre_call_checks: deployments whose max_input_tokens is below the estimated prompt
// (~4 chars/token) are skipped; none fits: 400 context_length_exceeded, or the
// context_window_fallbacks.
TEST(ResilienceTest, PreCallChecksSkipDeploymentsTooSmall) {
  FakeOpenAI fake;
  ConfigBuilder c;
  c.model("ha", "openai/fake-small", fake.baseUrl(), kUpstreamKey,
          idWithInfo("dep-small", "max_input_tokens", "100"), {{"order", "1"}})
      .model("ha", "openai/fake-big", fake.baseUrl(), kUpstreamKey,
             idWithInfo("dep-big", "max_input_tokens", "100000"), {{"order", "2"}})
      .model("tiny", "openai/fake-tiny", fake.baseUrl(), kUpstreamKey,
             idWithInfo("dep-tiny", "max_input_tokens", "50"))
      .model("tiny2", "openai/fake-tiny2", fake.baseUrl(), kUpstreamKey,
             idWithInfo("dep-tiny2", "max_input_tokens", "50"))
      .router("enable_pre_call_checks", "true")
      .router("context_window_fallbacks", R"([{"tiny2": ["ha"]}])");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  const std::string big_prompt(2000, 'x');  // ~500 tokens

  auto r = client.post(kChat, chatBody("ha", "short prompt"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-small");

  fake.reset();
  r = client.post(kChat, chatBody("ha", big_prompt));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-big");
  EXPECT_EQ(modelsSeen(fake), (std::vector<std::string>{"fake-big"}));

  fake.reset();
  r = client.post(kChat, chatBody("tiny", big_prompt));
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_EQ(codeOf(r), "context_length_exceeded") << r.body;
  EXPECT_EQ(fake.requestCount(), 0u);

  r = client.post(kChat, chatBody("tiny2", big_prompt));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-big");
  EXPECT_EQ(fallbacksOf(r), 1);
  EXPECT_EQ(modelsSeen(fake), (std::vector<std::string>{"fake-big"}));
}

// ---------------------------------------------------------------------------------------------
// Bounded concurrent load with one deployment always failing

TEST(ResilienceTest, ConcurrentLoadWithOneFailingDeployment) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  constexpr int kAllowedFails = 3;
  constexpr double kCooldownS = 0.5;
  FakeOpenAI fake;
  fake.setBehaviorForModel("fake-bad", Behavior::error(500, "always failing"));
  ConfigBuilder c;
  c.model("ha", "openai/fake-bad", fake.baseUrl(), kUpstreamKey, "dep-bad", {{"timeout", "5"}})
      .model("ha", "openai/fake-good", fake.baseUrl(), kUpstreamKey, "dep-good", {{"timeout", "5"}})
      .router("allowed_fails", std::to_string(kAllowedFails))
      .router("cooldown_time", "0.5");
  SY_START_GATEWAY(gw, c.yaml(), {}, 2);

  const auto deadline = Clock::now() + std::chrono::seconds(20);
  std::atomic<int> sent{0}, ok{0}, clean_errors{0}, transport_errors{0}, retries_total{0};
  std::mutex mu;
  std::vector<std::string> problems;
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient client(gw->port());
      client.setTimeout(Millis(5000));  // no request may hang
      for (int i = 0; i < kPerThread && Clock::now() < deadline; ++i) {
        ++sent;
        bool stream = (i + t) % 5 == 0;
        if (stream) {
          auto s = client.stream(kChat, chatBody("ha", "hi", {{"stream", true}}));
          if (s.status == 200u && s.sawDone() && s.content() == "Hello from the fake") {
            ++ok;
            retries_total += std::max(0, intHeader(s.headers, "x-litellm-attempted-retries"));
          } else {
            std::lock_guard lk(mu);
            problems.push_back("stream " + std::to_string(s.status) + " " + s.error + " " +
                               s.raw_body.substr(0, 200));
            (s.status == 0 ? transport_errors : clean_errors)++;
          }
        } else {
          auto r = client.post(kChat, chatBody("ha"));
          if (r.status == 200u) {
            ++ok;
            retries_total += std::max(0, retriesOf(r));
          } else {
            std::lock_guard lk(mu);
            problems.push_back(std::to_string(r.status) + " " + r.error + " " +
                               r.body.substr(0, 200));
            if (r.status == 0 || !isOpenAIError(r.json()))
              ++transport_errors;
            else
              ++clean_errors;
          }
        }
        std::this_thread::sleep_for(Millis(30));  // spread the load over several cooldown periods
      }
    });
  }
  for (auto& th : threads) th.join();
  const double elapsed_s = std::chrono::duration<double>(Clock::now() - t0).count();

  // None lost, none hung.
  EXPECT_EQ(sent.load(), kThreads * kPerThread) << "the global deadline cut the run short";
  EXPECT_EQ(ok + clean_errors + transport_errors, sent.load());
  EXPECT_EQ(transport_errors.load(), 0);
  // The healthy deployment never fails, so every request should succeed (the failing one's
  // 500s are retried on it at once).
  EXPECT_EQ(ok.load(), sent.load()) << (problems.empty() ? std::string() : problems.front());

  const std::size_t bad = countModel(fake, "fake-bad");
  const std::size_t good = countModel(fake, "fake-good");
  // Every success was answered by dep-good exactly once; every dep-bad call was one retry.
  EXPECT_EQ(good, static_cast<std::size_t>(ok.load()));
  EXPECT_EQ(bad, static_cast<std::size_t>(retries_total.load()));
  // Bound on dep-bad's calls: it is healthy-looking at the start and after each cooldown ends;
  // each such window lets through at most allowed_fails + 1 failures (the last one starts the
  // next cooldown) plus the requests already in flight when it cooled (< kThreads). Counters
  // also reset when the minute rolls (one more window). periods = elapsed / cooldown_time + 2.
  const double periods = elapsed_s / kCooldownS + 2;
  const double bound = periods * (kAllowedFails + 1 + kThreads);
  EXPECT_LE(static_cast<double>(bad), bound) << "elapsed " << elapsed_s << " s";
  EXPECT_LT(bad * 3, good) << "bad=" << bad << " good=" << good
                           << ": cooldown did not shift the load";
  EXPECT_LT(elapsed_s, 20.0);
  RecordProperty("dep_bad_calls", static_cast<int>(bad));
  RecordProperty("dep_good_calls", static_cast<int>(good));
  std::printf(
      "[ load ] %d requests in %.2f s: dep-bad %zu calls, dep-good %zu calls (bound %.0f)\n",
      sent.load(), elapsed_s, bad, good, bound);
}

}  // namespace
}  // namespace switchyard::test
