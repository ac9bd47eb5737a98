// GET /metrics through the binary (docs/observability.md): after known traffic (a success, a
// 400, an upstream failure retried then answered by a fallback, a stream, a cache hit, a budget
// refusal, a 401) every family counts what happened; the output passes `promtool check metrics`;
// the route needs no key unless metrics_require_auth says so.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>

#include "support/fake_openai.hpp"
#include "support/fixed_usage_upstream.hpp"
#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/redis_server.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

constexpr FixedUsage kUsage{10, 5, 3, 2};

// Every sample of a text exposition: "name{labels}" -> value, labels as written.
struct Samples {
  std::multimap<std::string, std::pair<std::string, double>> by_name;  // name -> (labels, value)

  explicit Samples(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::size_t brace = line.find('{'), space = line.rfind(' ');
      std::string name = line.substr(0, brace == std::string::npos ? space : brace);
      std::string labels = brace == std::string::npos ? "" : line.substr(brace, space - brace);
      by_name.emplace(name, std::make_pair(labels, std::stod(line.substr(space + 1))));
    }
  }
  // The sum of `name` over the series whose labels contain every `label="value"` in `having`.
  double sum(const std::string& name, const std::vector<std::string>& having = {}) const {
    double total = 0;
    auto [a, b] = by_name.equal_range(name);
    for (auto it = a; it != b; ++it) {
      bool all = true;
      for (const std::string& h : having) all = all && it->second.first.find(h) != std::string::npos;
      if (all) total += it->second.second;
    }
    return total;
  }
  std::size_t count(const std::string& name) const { return by_name.count(name); }
};

std::string metricsConfig(const FakeOpenAI& priced, const FakeOpenAI& broken,
                          const std::string& general = "") {
  ConfigBuilder b;
  b.model("priced", "openai/fixed-usage", priced.baseUrl(), kUpstreamKey, "dep-priced",
          {{"input_cost_per_token", "0.001"}, {"output_cost_per_token", "0.002"}})
      .model("flaky", "openai/broken-model", broken.baseUrl(), kUpstreamKey, "dep-flaky")
      .router("num_retries", "1")
      .router("fallbacks", R"([{"flaky": ["priced"]}])")
      .litellm("cache", "true")
      .litellm("cache_params", "{type: local}")
      .general("master_key", kMasterKey);
  if (!general.empty()) b.general("metrics_require_auth", general);
  return b.yaml();
}

struct Upstreams {
  std::shared_ptr<FixedUsageDialect> dialect = std::make_shared<FixedUsageDialect>(kUsage);
  FakeOpenAI priced{FakeOpenAI::Options{.dialect = dialect}};
  FakeOpenAI broken;
  Upstreams() { broken.setDefaultBehavior(Behavior::error(500, "upstream is down")); }
};

// LiteLLM's names that promtool's lint faults, kept because LiteLLM's dashboards query them.
constexpr std::string_view kLiteLLMNameLints[] = {
    R"(litellm_api_key_budget_remaining_hours_metric use base unit "seconds" instead of "hours")",
    R"(litellm_team_budget_remaining_hours_metric use base unit "seconds" instead of "hours")",
};

// Runs `promtool check metrics` on `text`; "" when it passes (its lint faulting only LiteLLM's
// names above), else what it printed.
std::string promtoolProblems(const std::string& text) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0)
    return "promtool is not installed (Debian package prometheus; scripts/install-deps.sh)";
  auto file = std::filesystem::temp_directory_path() / ("sy-metrics-" + std::to_string(::getpid()));
  std::ofstream(file) << text;
  std::string cmd = "promtool check metrics < " + file.string() + " 2>&1";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  while (p && std::fgets(buf, sizeof buf, p)) out += buf;
  int rc = p ? ::pclose(p) : -1;
  std::filesystem::remove(file);
  if (rc == 0) return "";
  if (WIFEXITED(rc) && WEXITSTATUS(rc) == 3) {  // lint problems only (a parse error exits 1)
    std::istringstream lines(out);
    bool only_known = true;
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      bool known = false;
      for (std::string_view lint : kLiteLLMNameLints) known = known || line == lint;
      only_known = only_known && known;
    }
    if (only_known) return "";
  }
  return "exit " + std::to_string(rc) + ": " + out;
}

TEST(MetricsTest, KnownTrafficIsCountedFamilyByFamilyAndPassesPromtool) {
  Upstreams up;
  SY_START_GATEWAY(gw, metricsConfig(up.priced, up.broken));
  HttpClient c(gw->port());
  // 1. A success (non-stream), priced.
  auto ok = c.post("/v1/chat/completions", chatBody("priced", "one"), masterAuth());
  ASSERT_EQ(ok.status, 200u) << ok.body;
  const double cost = headerNumber(ok, "x-litellm-response-cost");
  ASSERT_GT(cost, 0);
  // 2. A 400: no messages.
  auto bad = c.post("/v1/chat/completions", json{{"model", "priced"}}, masterAuth());
  ASSERT_EQ(bad.status, 400u) << bad.body;
  // 3. The flaky group fails twice (a retry), then its fallback answers.
  auto fell = c.post("/v1/chat/completions", chatBody("flaky", "three"), masterAuth());
  ASSERT_EQ(fell.status, 200u) << fell.body;
  ASSERT_EQ(fell.header("x-litellm-attempted-fallbacks"), "1");
  const int retries = std::stoi(fell.header("x-litellm-attempted-retries"));
  // 4. A stream with its usage.
  auto streamed = c.post("/v1/chat/completions",
                         chatBody("priced", "four",
                                  {{"stream", true}, {"stream_options", {{"include_usage", true}}}}),
                         masterAuth());
  ASSERT_EQ(streamed.status, 200u) << streamed.body;
  ASSERT_NE(streamed.body.find("\"prompt_tokens\":10"), std::string::npos) << streamed.body;
  // 5. A cache hit (request 1 again).
  auto hit = c.post("/v1/chat/completions", chatBody("priced", "one"), masterAuth());
  ASSERT_EQ(hit.header("x-cache"), "HIT");
  // 6. A budget refusal for a virtual key with an aliased name.
  json key = generateKey(c, {{"key_alias", "broke-team-key"}, {"max_budget", 0}});
  auto refused = chatWith(c, key.value("key", ""), "priced");
  ASSERT_EQ(refused.status, 400u) << refused.body;
  ASSERT_EQ(errorType(refused), "budget_exceeded");
  // 7. A 401: never counted.
  auto unauth = c.post("/v1/chat/completions", chatBody("priced", "seven"), bearer("sk-nope"));
  ASSERT_EQ(unauth.status, 401u);

  auto scrape = c.get("/metrics");  // no key needed by default
  ASSERT_EQ(scrape.status, 200u) << scrape.body;
  EXPECT_NE(scrape.header("content-type").find("text/plain; version=0.0.4"), std::string::npos);
  const Samples m(scrape.body);

  // Requests by status, 401 left out; failures by class.
  const std::string total = "litellm_proxy_total_requests_metric_total";
  EXPECT_EQ(m.sum(total), 6);
  EXPECT_EQ(m.sum(total, {"status_code=\"200\"", "status_class=\"2xx\""}), 4);
  EXPECT_EQ(m.sum(total, {"status_code=\"400\""}), 2);
  EXPECT_EQ(m.sum(total, {"status_code=\"401\""}), 0);
  EXPECT_EQ(m.sum(total, {"route=\"/chat/completions\"", "requested_model=\"flaky\"",
                          "model_id=\"dep-priced\"", "api_provider=\"openai\""}), 1);
  const std::string failed = "litellm_proxy_failed_requests_metric_total";
  EXPECT_EQ(m.sum(failed), 2);
  EXPECT_EQ(m.sum(failed, {"exception_class=\"BadRequestError\"", "exception_status=\"400\""}), 1);
  EXPECT_EQ(m.sum(failed, {"exception_class=\"BudgetExceededError\"",
                           "api_key_alias=\"broke-team-key\""}), 1);
  // The virtual key's hash, never the key.
  EXPECT_EQ(scrape.body.find(key.value("key", "<none>")), std::string::npos);
  EXPECT_NE(scrape.body.find("hashed_api_key=\"" + key.value("token", "<none>") + "\""),
            std::string::npos);

  // Answers, tokens, spend, cache.
  EXPECT_EQ(m.sum("litellm_requests_metric_total"), 4);
  EXPECT_EQ(m.sum("litellm_requests_metric_total", {"requested_model=\"priced\""}), 3);
  EXPECT_EQ(m.sum("litellm_requests_metric_total", {"model=\"fixed-usage\""}), 3)
      << "the hit has no deployment";
  EXPECT_EQ(m.sum("litellm_input_tokens_metric_total"), 4 * kUsage.prompt_tokens);
  EXPECT_EQ(m.sum("litellm_output_tokens_metric_total"), 4 * kUsage.completion_tokens);
  EXPECT_EQ(m.sum("litellm_total_tokens_metric_total"),
            4 * (kUsage.prompt_tokens + kUsage.completion_tokens));
  EXPECT_EQ(m.sum("litellm_input_cached_tokens_metric_total"), 4 * kUsage.cached_tokens);
  EXPECT_EQ(m.sum("litellm_output_reasoning_tokens_metric_total"), 4 * kUsage.reasoning_tokens);
  EXPECT_NEAR(m.sum("litellm_spend_metric_total"), 3 * cost, 1e-9) << "a hit costs nothing";
  EXPECT_EQ(m.sum("litellm_cache_hits_metric_total"), 1);
  EXPECT_EQ(m.sum("litellm_cache_misses_metric_total"), 3);
  EXPECT_EQ(m.sum("litellm_cached_tokens_metric_total"), kUsage.prompt_tokens + kUsage.completion_tokens);

  // Latency histograms: every counted request, the provider's part of the answered ones, the
  // time to first token of the stream.
  EXPECT_EQ(m.sum("litellm_request_total_latency_metric_count"), 6);
  EXPECT_EQ(m.sum("litellm_request_total_latency_metric_bucket", {"le=\"+Inf\""}), 6);
  EXPECT_EQ(m.sum("litellm_llm_api_latency_metric_count"), 3);
  EXPECT_EQ(m.sum("litellm_overhead_latency_metric_count"), 3);
  EXPECT_EQ(m.sum("litellm_llm_api_time_to_first_token_metric_count"), 1);
  EXPECT_GT(m.sum("litellm_request_total_latency_metric_sum"), 0);
  EXPECT_LT(m.sum("litellm_overhead_latency_metric_sum"), 1.0);

  // Retries and fallbacks.
  EXPECT_EQ(m.sum("switchyard_request_retries_total", {"requested_model=\"flaky\""}), retries);
  EXPECT_GE(retries, 1);
  EXPECT_EQ(m.sum("litellm_deployment_successful_fallbacks_total",
                  {"requested_model=\"flaky\"", "fallback_model=\"priced\""}), 1);

  // Deployments: every attempt, from the router's state.
  EXPECT_EQ(m.sum("litellm_deployment_failure_responses_total", {"model_id=\"dep-flaky\""}),
            retries + 1);
  EXPECT_EQ(m.sum("litellm_deployment_success_responses_total", {"model_id=\"dep-priced\""}), 3);
  EXPECT_EQ(m.sum("litellm_deployment_total_requests_total", {"model_id=\"dep-flaky\""}),
            retries + 1);
  EXPECT_EQ(m.sum("litellm_deployment_state", {"model_id=\"dep-flaky\""}), 1);
  EXPECT_EQ(m.sum("litellm_deployment_cooled_down_total", {"model_id=\"dep-flaky\""}), 0)
      << "a lone deployment is not cooled down without allowed_fails";
  EXPECT_EQ(m.sum("litellm_deployment_state", {"model_id=\"dep-priced\""}), 0);
  EXPECT_EQ(m.sum("litellm_deployment_state",
                  {"litellm_model_name=\"fixed-usage\"", "api_provider=\"openai\""}), 0);

  // Live state and the process: the scrape itself is the one request in flight.
  EXPECT_EQ(m.sum("litellm_in_flight_requests"), 1);
  EXPECT_GE(m.sum("switchyard_open_connections"), 1);
  EXPECT_GT(m.sum("process_resident_memory_bytes"), 1e6);
  EXPECT_GT(m.sum("process_open_fds"), 3);
  EXPECT_NEAR(m.sum("process_start_time_seconds"), static_cast<double>(std::time(nullptr)), 120);
  EXPECT_EQ(m.count("switchyard_store_queue_depth"), 1u);
  EXPECT_EQ(m.sum("switchyard_metrics_series_dropped_total"), 0);

  // No secret anywhere.
  EXPECT_EQ(scrape.body.find(kMasterKey), std::string::npos);
  EXPECT_EQ(scrape.body.find(kUpstreamKey), std::string::npos);

  EXPECT_EQ(promtoolProblems(scrape.body), "");
}

TEST(MetricsTest, TheRouteTakesTheV1PrefixAndATrailingSlashLikeLiteLLMs) {
  Upstreams up;
  SY_START_GATEWAY(gw, metricsConfig(up.priced, up.broken));
  HttpClient c(gw->port());
  EXPECT_EQ(c.get("/metrics/").status, 200u);
  EXPECT_EQ(c.get("/v1/metrics").status, 200u);
  // Before any request: the families are there, with no request series, and promtool agrees.
  auto scrape = c.get("/metrics");
  EXPECT_NE(scrape.body.find("# TYPE litellm_proxy_total_requests_metric_total counter"),
            std::string::npos);
  EXPECT_EQ(Samples(scrape.body).count("litellm_proxy_total_requests_metric_total"), 0u);
  EXPECT_EQ(promtoolProblems(scrape.body), "");
}

TEST(MetricsTest, MetricsRequireAuthAcceptsOnlyTheMasterKey) {
  Upstreams up;
  SY_START_GATEWAY(gw, metricsConfig(up.priced, up.broken, "true"));
  HttpClient c(gw->port());
  EXPECT_EQ(c.get("/metrics").status, 401u);
  json key = generateKey(c);
  auto virtual_key = c.get("/metrics", bearer(key.value("key", "")));
  EXPECT_EQ(virtual_key.status, 403u) << virtual_key.body;
  EXPECT_TRUE(isOpenAIError(virtual_key.json()));
  auto master = c.get("/metrics", masterAuth());
  EXPECT_EQ(master.status, 200u);
  EXPECT_NE(master.body.find("process_cpu_seconds_total"), std::string::npos);
}

// A stream that breaks after content reached the client (an error event, a dropped connection,
// a stall past stream_timeout) is a failure in every record: the client's stream ends with an
// error event, the access log says 502 with the error, the failure metrics count it, and the
// deployment's state counts a failure.
TEST(MetricsTest, AStreamThatBreaksAfterItsFirstByteIsAFailureEverywhere) {
  FakeOpenAI fake;
  Behavior event;
  event.kind = Behavior::Kind::kErrorEventInStream;
  event.chunks_before_close = 2;
  event.error_message = "the model crashed mid-answer";
  fake.setBehaviorForModel("m-event", event);
  Behavior drop;
  drop.kind = Behavior::Kind::kCloseMidStream;
  drop.chunks_before_close = 2;
  fake.setBehaviorForModel("m-drop", drop);
  Behavior stall;
  stall.event_delays = {Millis(0), Millis(0), Millis(3000)};  // content, then a 3 s silence
  fake.setBehaviorForModel("m-stall", stall);
  ConfigBuilder b;
  for (const char* m : {"m-event", "m-drop", "m-stall"}) {
    b.model(m, std::string("openai/") + m, fake.baseUrl(), kUpstreamKey, std::string("dep-") + m,
            {{"stream_timeout", "0.5"}});
  }
  b.router("num_retries", "0").general("master_key", kMasterKey);
  SY_START_GATEWAY(gw, b.yaml());
  HttpClient c(gw->port());
  c.setTimeout(Millis(5000));
  for (const char* m : {"m-event", "m-drop", "m-stall"}) {
    auto s = c.stream("/v1/chat/completions", chatBody(m, "hi", {{"stream", true}}), masterAuth());
    EXPECT_EQ(s.status, 200u) << m << ": " << s.raw_body;
    EXPECT_FALSE(s.content().empty()) << m << ": content reached the client first";
    EXPECT_FALSE(s.sawDone()) << m << ": a broken stream was presented as complete";
    EXPECT_NE(s.raw_body.find("\"error\""), std::string::npos) << m << ": " << s.raw_body;
  }
  const Samples met(c.get("/metrics").body);
  for (const char* m : {"m-event", "m-drop", "m-stall"}) {
    const std::string rm = std::string("requested_model=\"") + m + "\"";
    EXPECT_EQ(met.sum("litellm_proxy_failed_requests_metric_total", {rm, "exception_status=\"502\""}), 1) << m;
    EXPECT_EQ(met.sum("litellm_proxy_total_requests_metric_total", {rm, "status_class=\"5xx\""}), 1) << m;
    EXPECT_EQ(met.sum("litellm_requests_metric_total", {rm}), 0) << m;
    const std::string dep = std::string("model_id=\"dep-") + m + "\"";
    EXPECT_EQ(met.sum("litellm_deployment_failure_responses_total", {dep}), 1) << m;
    EXPECT_EQ(met.sum("litellm_deployment_state", {dep}), 1) << m;
  }
  // The access log: each broken stream is a 502 with its error.
  ASSERT_TRUE(gw->waitForLog("model=m-stall", Millis(3000)));
  std::istringstream log(gw->logText());
  int broken = 0;
  for (std::string line; std::getline(log, line);) {
    if (line.find("access POST /v1/chat/completions 502") == std::string::npos) continue;
    if (line.find("error=") != std::string::npos && line.find("stream=true") != std::string::npos) ++broken;
  }
  EXPECT_EQ(broken, 3) << gw->logText();
  EXPECT_NE(gw->logText().find("(error event inside a 200 stream)"), std::string::npos);
}

// The key gauges after a known request with a virtual key: the remaining budget is max_budget
// less the request's cost (x-litellm-response-cost), the requests and tokens left this minute
// are the key's limits less this request.
TEST(MetricsTest, KeyBudgetAndRateLimitGaugesFollowAKnownRequest) {
  Upstreams up;
  SY_START_GATEWAY(gw, metricsConfig(up.priced, up.broken));
  HttpClient c(gw->port());
  json key = generateKey(c, {{"key_alias", "gauge-key"},
                             {"max_budget", 1},
                             {"budget_duration", "1d"},
                             {"rpm_limit", 5},
                             {"tpm_limit", 1000}});
  const std::string hash = "hashed_api_key=\"" + key.value("token", "<none>") + "\"";
  const std::string alias = "api_key_alias=\"gauge-key\"";
  stayInOneMinute(10);  // the request and the scrape in one rate window
  auto ok = chatWith(c, key.value("key", ""), "priced");
  ASSERT_EQ(ok.status, 200u) << ok.body;
  const double cost = headerNumber(ok, "x-litellm-response-cost");
  ASSERT_GT(cost, 0);

  auto scrape = c.get("/metrics");
  ASSERT_EQ(scrape.status, 200u);
  const Samples m(scrape.body);
  EXPECT_NEAR(m.sum("litellm_remaining_api_key_budget_metric", {hash, alias}), 1 - cost, 1e-9);
  EXPECT_EQ(m.sum("litellm_api_key_max_budget_metric", {hash, alias}), 1);
  const double hours = m.sum("litellm_api_key_budget_remaining_hours_metric", {hash, alias});
  EXPECT_GT(hours, 0);
  EXPECT_LE(hours, 24) << "a 1d window ends by the next UTC midnight";
  EXPECT_EQ(m.sum("litellm_remaining_api_key_requests_for_model", {hash, alias, "model=\"None\""}),
            4);
  EXPECT_EQ(m.sum("litellm_remaining_api_key_tokens_for_model", {hash, alias, "model=\"None\""}),
            1000 - (kUsage.prompt_tokens + kUsage.completion_tokens));
  EXPECT_NE(scrape.body.find("# TYPE litellm_remaining_team_budget_metric gauge"),
            std::string::npos);
  EXPECT_EQ(m.sum("switchyard_metrics_series_omitted", {"group=\"keys\""}), 0);
  EXPECT_EQ(scrape.body.find(key.value("key", "<none>")), std::string::npos);
  EXPECT_EQ(promtoolProblems(scrape.body), "");
}

// Redis client figures by use: calls counted while Redis answers; once it is killed, failures,
// and the circuit breaker open.
TEST(MetricsTest, RedisClientFiguresShowCallsThenFailuresAndTheOpenBreaker) {
  RedisServer redis;
  ASSERT_TRUE(redis.started()) << redis.startError();
  FakeOpenAI fake;
  const std::string yaml =
      ConfigBuilder{}
          .model("gpt-test", "openai/fake-model-1", fake.baseUrl(), kUpstreamKey, "dep-gpt")
          .router("num_retries", "0")
          .litellm("cache", "true")
          .litellm("cache_params",
                   "{type: redis, host: 127.0.0.1, port: " + std::to_string(redis.port()) + "}")
          .general("master_key", kMasterKey)
          .yaml();
  SY_START_GATEWAY(gw, yaml);
  HttpClient c(gw->port());
  for (int i = 0; i < 3; ++i) {
    auto r =
        c.post("/v1/chat/completions", chatBody("gpt-test", "q" + std::to_string(i)), masterAuth());
    ASSERT_EQ(r.status, 200u) << r.body;
  }
  const std::string cache = "use=\"cache\"";
  const Samples before(c.get("/metrics").body);
  EXPECT_GT(before.sum("switchyard_redis_commands_total", {cache}), 0);
  EXPECT_EQ(before.sum("switchyard_redis_errors_total", {cache, "kind=\"timeout\""}) +
                before.sum("switchyard_redis_errors_total", {cache, "kind=\"connection\""}),
            0);
  EXPECT_EQ(before.count("switchyard_redis_circuit_open"), 2u) << "cache and limits";
  EXPECT_EQ(before.sum("switchyard_redis_circuit_open", {cache}), 0);

  redis.kill();
  // Requests go on without Redis (misses); the cache's calls fail, then the breaker opens.
  for (int i = 0; i < 8; ++i) {
    auto r = c.post("/v1/chat/completions", chatBody("gpt-test", "after " + std::to_string(i)),
                    masterAuth());
    ASSERT_EQ(r.status, 200u) << r.body;
  }
  auto scrape = c.get("/metrics");
  const Samples after(scrape.body);
  EXPECT_GT(after.sum("switchyard_redis_commands_total", {cache}),
            before.sum("switchyard_redis_commands_total", {cache}));
  EXPECT_GT(after.sum("switchyard_redis_errors_total", {cache, "kind=\"connection\""}) +
                after.sum("switchyard_redis_errors_total", {cache, "kind=\"timeout\""}),
            0);
  EXPECT_EQ(after.sum("switchyard_redis_circuit_open", {cache}), 1) << scrape.body;
  EXPECT_EQ(promtoolProblems(scrape.body), "");
}

}  // namespace
}  // namespace switchyard::test
