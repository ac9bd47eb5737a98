// OpenTelemetry through the binary (docs/observability.md#traces): with `callbacks: ["otel"]`
// every request is a SERVER span with a CLIENT child per upstream attempt, exported over OTLP/HTTP
// (protobuf, or JSON) to a local receiver; the client's traceparent names the trace and goes upstream with the
// attempt's span id; a dead or hanging collector costs requests nothing but dropped spans.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "support/collector.hpp"
#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

constexpr const char* kClientTrace = "0af7651916cd43dd8448eb211c80319c";
constexpr const char* kClientSpan = "b7ad6b7169203331";

std::unique_ptr<GatewayProcess> startTraced(const std::string& yaml, const std::string& endpoint,
                                            std::map<std::string, std::string> env = {}) {
  GatewayOptions o;
  o.binary = switchyardBinary();
  o.env = std::move(env);
  o.env.emplace("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint);
  o.env.emplace("OTEL_BSP_SCHEDULE_DELAY", "100");
  o.env.emplace("OTEL_SERVICE_NAME", "gw-under-test");
  o.env.emplace("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20collector-token,x-tenant=t1");
  return std::make_unique<GatewayProcess>(yaml, o);
}

const json* findSpan(const std::vector<json>& spans, const std::string& id) {
  for (const json& s : spans)
    if (s["spanId"] == id) return &s;
  return nullptr;
}

std::vector<json> childrenOf(const std::vector<json>& spans, const std::string& parent) {
  std::vector<json> out;
  for (const json& s : spans)
    if (s.value("parentSpanId", "") == parent) out.push_back(s);
  std::sort(out.begin(), out.end(), [](const json& a, const json& b) {
    return spanAttribute(a, "switchyard.attempt").get<int>() <
           spanAttribute(b, "switchyard.attempt").get<int>();
  });
  return out;
}

// Upstream saw traceparent "00-<trace>-<span>-01": returns <span>.
std::string upstreamParent(const RecordedRequest& r, const std::string& trace) {
  std::string tp = r.header("traceparent");
  EXPECT_EQ(tp.size(), 55u) << tp;
  if (tp.size() != 55) return "";
  EXPECT_EQ(tp.substr(0, 3), "00-");
  EXPECT_EQ(tp.substr(3, 32), trace);
  EXPECT_EQ(tp.substr(52), "-01");
  return tp.substr(36, 16);
}

// Run with each OTLP/HTTP encoding: protobuf (the default) and OTEL_EXPORTER_OTLP_PROTOCOL=http/json.
class TracingEncodingTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TracingEncodingTest, RetriesAndFallbacksAreChildSpansOfTheRequestInTheClientsTrace) {
  const bool json_encoding = GetParam() == "http/json";
  FakeOpenAI fake;
  FakeCollector collector;
  fake.setBehaviorForModel("fake-down", Behavior::error(500, "boom"));
  ConfigBuilder c;
  c.model("primary", "openai/fake-down", fake.baseUrl(), kUpstreamKey, "dep-down")
      .model("backup", "openai/fake-up", fake.baseUrl(), kUpstreamKey, "dep-up")
      .router("num_retries", "1")
      .router("allowed_fails", "100")
      .router("fallbacks", "[{\"primary\": [\"backup\"]}]")
      .litellm("callbacks", "[\"otel\"]");
  std::map<std::string, std::string> env;
  if (json_encoding) env["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json";
  auto gw = startTraced(c.yaml(), collector.url(""), env);
  ASSERT_TRUE(gw->started()) << gw->startError();
  HttpClient client(gw->port());
  Headers h = {{"traceparent", std::string("00-") + kClientTrace + "-" + kClientSpan + "-01"},
               {"tracestate", "vendor=abc"},
               {"x-request-id", "req-trace-1"}};
  auto r = client.post("/v1/chat/completions", chatBody("primary", "a prompt"), h);
  ASSERT_EQ(r.status, 200u) << r.body;
  const json answer = json::parse(r.body);

  ASSERT_TRUE(collector.waitForSpans(4, Millis(5000))) << gw->logText();
  std::vector<json> spans = collector.spans();
  ASSERT_EQ(spans.size(), 4u);  // the request, two attempts on dep-down, one on dep-up

  // The request's span: a SERVER span in the client's trace, child of the client's span.
  const json* root = nullptr;
  for (const json& s : spans)
    if (s.value("parentSpanId", "") == kClientSpan) root = &s;
  ASSERT_NE(root, nullptr) << json(spans).dump(1);
  EXPECT_EQ((*root)["traceId"], kClientTrace);
  EXPECT_EQ((*root)["kind"], 2);
  EXPECT_EQ((*root)["name"], "POST /v1/chat/completions");
  EXPECT_EQ((*root)["_service"], "gw-under-test");
  EXPECT_EQ((*root)["traceState"], "vendor=abc");
  EXPECT_FALSE(root->contains("status")) << "a 200 is not an error";
  EXPECT_EQ(spanAttribute(*root, "http.response.status_code"), 200);
  EXPECT_EQ(spanAttribute(*root, "gen_ai.operation.name"), "chat");
  EXPECT_EQ(spanAttribute(*root, "gen_ai.request.model"), "primary");
  EXPECT_EQ(spanAttribute(*root, "gen_ai.system"), "openai");
  EXPECT_EQ(spanAttribute(*root, "gen_ai.response.model"), "fake-up");
  EXPECT_EQ(spanAttribute(*root, "gen_ai.usage.input_tokens"), answer["usage"]["prompt_tokens"]);
  EXPECT_EQ(spanAttribute(*root, "gen_ai.usage.output_tokens"),
            answer["usage"]["completion_tokens"]);
  EXPECT_EQ(spanAttribute(*root, "switchyard.request_id"), "req-trace-1");
  EXPECT_EQ(spanAttribute(*root, "switchyard.retries"), 1);
  EXPECT_EQ(spanAttribute(*root, "switchyard.fallbacks"), 1);
  EXPECT_EQ(spanAttribute(*root, "switchyard.model_group"), "backup");
  EXPECT_EQ(spanAttribute(*root, "switchyard.stream"), false);
  EXPECT_EQ(spanAttribute(*root, "switchyard.cache_hit"), false);
  EXPECT_TRUE(spanAttribute(*root, "switchyard.cost_usd").is_number());
  const std::int64_t root_start = std::stoll((*root)["startTimeUnixNano"].get<std::string>());
  const std::int64_t root_end = std::stoll((*root)["endTimeUnixNano"].get<std::string>());
  EXPECT_LT(root_start, root_end);

  // Its children: one CLIENT span per attempt, in order, inside the request's time.
  std::vector<json> kids = childrenOf(spans, (*root)["spanId"]);
  ASSERT_EQ(kids.size(), 3u);
  for (std::size_t i = 0; i < kids.size(); ++i) {
    const json& k = kids[i];
    EXPECT_EQ(k["traceId"], kClientTrace);
    EXPECT_EQ(k["kind"], 3);
    EXPECT_EQ(spanAttribute(k, "switchyard.attempt"), static_cast<int>(i + 1));
    EXPECT_EQ(spanAttribute(k, "server.address"), "127.0.0.1");
    EXPECT_GE(std::stoll(k["startTimeUnixNano"].get<std::string>()), root_start);
    EXPECT_LE(std::stoll(k["endTimeUnixNano"].get<std::string>()), root_end);
  }
  for (int i : {0, 1}) {
    EXPECT_EQ(kids[i]["name"], "chat fake-down");
    EXPECT_EQ(spanAttribute(kids[i], "switchyard.deployment_id"), "dep-down");
    EXPECT_EQ(spanAttribute(kids[i], "http.response.status_code"), 500);
    ASSERT_TRUE(kids[i].contains("status"));
    EXPECT_EQ(kids[i]["status"]["code"], 2);
  }
  EXPECT_EQ(kids[2]["name"], "chat fake-up");
  EXPECT_EQ(spanAttribute(kids[2], "switchyard.deployment_id"), "dep-up");
  EXPECT_EQ(spanAttribute(kids[2], "http.response.status_code"), 200);
  EXPECT_FALSE(kids[2].contains("status"));

  // Upstream got each attempt's own span id as its parent, and the client's tracestate.
  std::vector<RecordedRequest> seen = fake.requests();
  ASSERT_EQ(seen.size(), 3u);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(upstreamParent(seen[i], kClientTrace), kids[i]["spanId"]);
    EXPECT_EQ(seen[i].header("tracestate"), "vendor=abc");
  }

  // The collector got the configured headers; nothing secret went to it.
  std::vector<RecordedRequest> posts = collector.posts();
  ASSERT_FALSE(posts.empty());
  EXPECT_EQ(posts[0].target, "/v1/traces");
  EXPECT_EQ(posts[0].header("authorization"), "Bearer collector-token");
  EXPECT_EQ(posts[0].header("x-tenant"), "t1");
  EXPECT_EQ(posts[0].header("content-type"),
            json_encoding ? "application/json" : "application/x-protobuf");
  for (const RecordedRequest& p : posts) {
    EXPECT_EQ(p.body.find(kUpstreamKey), std::string::npos);
    EXPECT_EQ(p.body.find("a prompt"), std::string::npos) << "prompts are not exported by default";
  }
}

INSTANTIATE_TEST_SUITE_P(Encodings, TracingEncodingTest,
                         ::testing::Values(std::string("http/protobuf"), std::string("http/json")),
                         [](const auto& info) {
                           return info.param == "http/json" ? std::string("Json")
                                                            : std::string("Protobuf");
                         });

TEST(TracingTest, ANewTraceStartsWithoutTraceparentAndAStreamRecordsItsFirstToken) {
  FakeOpenAI fake;
  FakeCollector collector;
  fake.setDefaultBehavior(Behavior::slowStream(3, Millis(50)));
  ConfigBuilder c;
  c.model("m", "openai/fake-model", fake.baseUrl(), kUpstreamKey, "dep-1")
      .litellm("callbacks", "[\"otel\", \"prometheus\"]");
  auto gw = startTraced(c.yaml(), collector.url(""));
  ASSERT_TRUE(gw->started()) << gw->startError();
  HttpClient client(gw->port());
  StreamResult s = client.stream("/v1/chat/completions", chatBody("m", "hi", {{"stream", true}}));
  ASSERT_EQ(s.status, 200u);
  ASSERT_TRUE(collector.waitForSpans(2, Millis(5000))) << gw->logText();
  std::vector<json> spans = collector.spans();
  ASSERT_EQ(spans.size(), 2u);
  const json& root = spans[0].contains("parentSpanId") ? spans[1] : spans[0];
  const json& attempt = spans[0].contains("parentSpanId") ? spans[0] : spans[1];
  EXPECT_FALSE(root.contains("parentSpanId"));
  EXPECT_EQ(root["traceId"].get<std::string>().size(), 32u);
  EXPECT_NE(root["traceId"], std::string(32, '0'));
  EXPECT_EQ(attempt["parentSpanId"], root["spanId"]);
  EXPECT_EQ(spanAttribute(root, "switchyard.stream"), true);
  json ttft = spanAttribute(root, "switchyard.ttft_ms");
  ASSERT_TRUE(ttft.is_number());
  EXPECT_GT(ttft.get<double>(), 0);
  // The stream's attempt lasts until the relay ended: at least the three 50 ms gaps.
  std::int64_t took = std::stoll(attempt["endTimeUnixNano"].get<std::string>()) -
                      std::stoll(attempt["startTimeUnixNano"].get<std::string>());
  EXPECT_GE(took, 100'000'000) << attempt.dump();
  ASSERT_EQ(fake.requests().size(), 1u);
  EXPECT_EQ(upstreamParent(fake.requests()[0], root["traceId"]), attempt["spanId"]);

  // A client's unsampled trace is not recorded; its context still goes upstream unchanged.
  fake.reset();
  std::string unsampled = std::string("00-") + kClientTrace + "-" + kClientSpan + "-00";
  auto r = client.post("/v1/chat/completions", chatBody("m"), {{"traceparent", unsampled}});
  ASSERT_EQ(r.status, 200u);
  ASSERT_EQ(fake.requests().size(), 1u);
  EXPECT_EQ(fake.requests()[0].header("traceparent"), unsampled);
  // Health probes are not traced either.
  EXPECT_EQ(client.get("/health/liveliness").status, 200u);
  std::this_thread::sleep_for(Millis(400));
  EXPECT_EQ(collector.spans().size(), 2u);
}

TEST(TracingTest, WithoutOtelTheClientsTraceparentPassesThroughUnchanged) {
  FakeOpenAI fake;
  ConfigBuilder c;
  c.model("m", "openai/fake-model", fake.baseUrl(), kUpstreamKey, "dep-1");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  std::string tp = std::string("00-") + kClientTrace + "-" + kClientSpan + "-01";
  auto r = client.post("/v1/chat/completions", chatBody("m"),
                       {{"traceparent", tp}, {"tracestate", "a=1"}});
  ASSERT_EQ(r.status, 200u);
  ASSERT_EQ(fake.requests().size(), 1u);
  EXPECT_EQ(fake.requests()[0].header("traceparent"), tp);
  EXPECT_EQ(fake.requests()[0].header("tracestate"), "a=1");
  // A malformed one is not passed on.
  fake.reset();
  client.post("/v1/chat/completions", chatBody("m"), {{"traceparent", "00-zz-yy-01"}});
  ASSERT_EQ(fake.requests().size(), 1u);
  EXPECT_EQ(fake.requests()[0].header("traceparent"), "");
}

// A collector that never answers, and one that is not there: requests take no longer, spans are
// dropped and counted on /metrics, the exporter's failures too.
TEST(TracingTest, ADeadOrHangingCollectorCostsRequestsNothing) {
  for (bool hanging : {true, false}) {
    SCOPED_TRACE(hanging ? "hanging collector" : "nothing listening");
    FakeOpenAI fake;
    FakeCollector collector;
    collector.server().setDefaultBehavior(Behavior::hang());
    std::string endpoint =
        hanging ? collector.url("") : "http://127.0.0.1:" + std::to_string(closedPort());
    ConfigBuilder c;
    c.model("m", "openai/fake-model", fake.baseUrl(), kUpstreamKey, "dep-1")
        .litellm("callbacks", "[\"otel\"]");
    // A post may hang for 3 s: a request that waited for one would take that long.
    auto gw = startTraced(c.yaml(), endpoint,
                          {{"OTEL_EXPORTER_OTLP_TIMEOUT", "3000"}, {"OTEL_BSP_MAX_QUEUE_SIZE", "64"},
                           {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "16"}});
    ASSERT_TRUE(gw->started()) << gw->startError();
    std::atomic<int> ok{0};
    std::mutex m;
    std::vector<long> took_us;
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t) {
      clients.emplace_back([&] {
        HttpClient client(gw->port());
        for (int i = 0; i < 100; ++i) {
          auto start = Clock::now();
          auto r = client.post("/v1/chat/completions", chatBody("m"));
          long us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
          std::lock_guard lock(m);
          took_us.push_back(us);
          if (r.status == 200) ++ok;
        }
      });
    }
    for (auto& t : clients) t.join();
    EXPECT_EQ(ok.load(), 400);
    // No request waits for the collector: the median is far below a post's 3 s, and not one
    // request took that long (a loaded machine under sanitizers may still stall one for a while).
    std::sort(took_us.begin(), took_us.end());
    EXPECT_LT(took_us[took_us.size() / 2], 150'000) << "median " << took_us[took_us.size() / 2] << " us";
    EXPECT_LT(took_us.back(), 2'900'000) << "slowest request " << took_us.back() << " us";
    HttpClient client(gw->port());
    bool counted = false;
    // A hanging post is given up after 3 s, tried again after 1 s, then its spans are dropped:
    // about 7 s per batch, longer on a loaded machine, so the wait is generous (it ends as soon
    // as the drop is counted).
    for (int i = 0; i < 300 && !counted; ++i) {
      std::string m = client.get("/metrics").body;
      counted = m.find("switchyard_export_records_dropped_total{exporter=\"otel\",name=\"otel\"} 0\n") ==
                    std::string::npos &&
                m.find("switchyard_export_records_dropped_total{exporter=\"otel\"") != std::string::npos;
      if (!counted) std::this_thread::sleep_for(Millis(100));
    }
    EXPECT_TRUE(counted) << client.get("/metrics").body;
    // One scrape for both finds (two scrapes differ in length: process figures move).
    const std::string scraped = client.get("/metrics").body;
    EXPECT_EQ(scraped.find("switchyard_export_records_total{exporter=\"otel\",name=\"otel\"} 0"),
              scraped.find("switchyard_export_records_total{exporter=\"otel\""))
        << "nothing was delivered";
    // SIGTERM still ends the process promptly (the exporter gives up at its deadline).
    auto stop_start = Clock::now();
    ASSERT_TRUE(gw->sendSignal(SIGTERM));
    auto code = gw->waitExit(Millis(8000));
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, 0);
    EXPECT_LT(Clock::now() - stop_start, Millis(5000));
  }
}

}  // namespace
}  // namespace switchyard::test
