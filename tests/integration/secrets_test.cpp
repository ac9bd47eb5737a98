// No secret leaves the gateway (the security check): distinctive canary secrets are
// planted (master key, a virtual key, an OpenAI-format and an Anthropic provider key, a Redis
// password, the collector's and the webhook's tokens, a PostgreSQL password), every feature that
// writes something is turned on (JSON logs at debug level, metrics, OTLP traces, a webhook, spend
// logs, the Redis cache and shared counters), and a full run is made: successes (chat, stream,
// embeddings, Anthropic), a wrong key, upstream 400/401/500 answers and a broken stream whose text
// quotes the provider key, the admin routes. Then every output is grepped for every secret: the
// head and body of every answer, /metrics, the whole log (through shutdown), every byte the
// collector received, what the upstreams received, the database (SQLite file and -wal, or a
// pg_dump) and a Redis snapshot. Positive checks make sure each output holds what it should.

#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <functional>
#include <set>
#include <thread>

#include "support/collector.hpp"
#include "support/fake_anthropic.hpp"
#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/postgres_server.hpp"
#include "support/redis_server.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

constexpr const char* kMaster = kMasterKey;  // sk-master-SECRET-..., as key_helpers.hpp uses
constexpr const char* kOpenAIKey = "sk-CANARY-openai-P4v8K1z6";
constexpr const char* kAnthropicKey = "sk-ant-CANARY-Z3n6W5q2";
constexpr const char* kRedisPw = "CANARY-redis-R8t1Y4b7";
constexpr const char* kWrongKey = "sk-CANARY-wrong-J5c3H8m1";
constexpr const char* kOtelToken = "CANARY-otel-T2k9L6w3";
constexpr const char* kHookToken = "CANARY-hook-H6d1F9s5";

struct Secret {
  std::string name, value;
};
struct Output {
  std::string name, text;
  std::set<std::string> allowed = {};  // secrets this output must carry (e.g. the key shown once)
};

std::string dump(const HttpResponse& r) {
  std::string s = "HTTP " + std::to_string(r.status) + "\n";
  for (const auto& [k, v] : r.headers) s += k + ": " + v + "\n";
  return s + "\n" + r.body + r.error;
}
std::string dump(const RecordedRequest& r, bool with_headers = true) {
  std::string s = r.method + " " + r.target + "\n";
  if (with_headers)
    for (const auto& [k, v] : r.headers) s += k + ": " + v + "\n";
  return s + "\n" + r.body;
}

// The full run against `database_url`; `stored` reads the database's rows/bytes after the
// gateway has exited. `extra` adds secrets (the database password).
void fullRunLeaksNothing(const std::string& database_url, std::vector<Secret> extra,
                         const std::function<std::string()>& stored) {
  RedisServer redis(RedisServer::Options{.password = kRedisPw});
  ASSERT_TRUE(redis.started()) << redis.startError();
  FakeOpenAI openai;
  FakeAnthropic anthropic(kAnthropicKey);
  FakeCollector collector;
  const std::string leak = std::string(" key=") + kOpenAIKey + " ";
  const std::string ant_leak = std::string(" key=") + kAnthropicKey + " ";
  openai.setBehaviorForModel("fake-unauth", Behavior::error(401, "Incorrect API key" + leak));
  openai.setBehaviorForModel("fake-broken", Behavior::error(500, "exploded" + leak));
  // A 4xx is passed through to the client: its message, param and code must all be scrubbed.
  Behavior bad = Behavior::error(400);
  bad.body = json{{"error", {{"message", "bad" + leak}, {"type", "invalid_request_error"},
                             {"param", kOpenAIKey}, {"code", kOpenAIKey}}}}.dump();
  openai.setBehaviorForModel("fake-bad", bad);
  Behavior cut;
  cut.kind = Behavior::Kind::kErrorEventInStream;
  cut.error_message = "stream broke" + leak;
  openai.setBehaviorForModel("fake-cut", cut);
  anthropic.setBehaviorForModel("claude-broken", Behavior::error(500, "overheated" + ant_leak));
  anthropic.setBehaviorForModel("claude-unauth", Behavior::error(401, "invalid x-api-key" + ant_leak));

  const std::string price = "0.000001";
  ConfigBuilder c;
  c.model("gpt", "openai/fake-model", openai.baseUrl(), kOpenAIKey, "dep-gpt",
          {{"input_cost_per_token", price}, {"output_cost_per_token", price}})
      .model("emb", "openai/text-embedding-3-small", openai.baseUrl(), kOpenAIKey, "dep-emb")
      .model("unauth", "openai/fake-unauth", openai.baseUrl(), kOpenAIKey, "dep-unauth")
      .model("broken", "openai/fake-broken", openai.baseUrl(), kOpenAIKey, "dep-broken")
      .model("bad", "openai/fake-bad", openai.baseUrl(), kOpenAIKey, "dep-bad")
      .model("cut", "openai/fake-cut", openai.baseUrl(), kOpenAIKey, "dep-cut")
      .model("claude", "anthropic/claude-sonnet-4-5", anthropic.baseUrl(), kAnthropicKey, "dep-cl")
      .model("claude-broken", "anthropic/claude-broken", anthropic.baseUrl(), kAnthropicKey)
      .model("claude-unauth", "anthropic/claude-unauth", anthropic.baseUrl(), kAnthropicKey)
      .router("num_retries", "0")
      .router("redis_url", redis.url())
      .litellm("json_logs", "true")
      .litellm("callbacks", "[\"otel\", \"audit\"]")
      .litellm("cache", "true")
      .litellm("cache_params", "{type: redis, host: 127.0.0.1, port: " +
                                   std::to_string(redis.port()) + ", password: " + kRedisPw +
                                   ", namespace: sy-secrets}")
      .general("master_key", kMaster)
      .general("database_url", database_url);
  const std::string yaml = c.yaml() +
                           "callback_settings:\n  audit:\n    callback_type: generic_api\n"
                           "    endpoint: " + collector.url("/hook") +
                           "\n    headers:\n      Authorization: Bearer " + kHookToken + "\n";
  GatewayOptions o;
  o.binary = switchyardBinary();
  o.extra_args = {"--log-level", "debug"};
  o.env = {{"OTEL_EXPORTER_OTLP_ENDPOINT", collector.url("")},
           {"OTEL_BSP_SCHEDULE_DELAY", "100"},
           {"OTEL_EXPORTER_OTLP_HEADERS", std::string("authorization=Bearer%20") + kOtelToken}};
  GatewayProcess gw(yaml, o);
  ASSERT_TRUE(gw.started()) << gw.startError();

  std::vector<Output> outs;
  HttpClient cl(gw.port());
  auto keep = [&](const std::string& name, const HttpResponse& r) {
    outs.push_back({name, dump(r)});
    return r;
  };
  const Headers master = bearer(kMaster);
  HttpResponse gen = cl.post("/key/generate", {{"key_alias", "canary-svc"}, {"max_budget", 10},
                                               {"rpm_limit", 1000}}, master);
  ASSERT_EQ(gen.status, 200u) << gen.body;
  const std::string vk = gen.json()["key"], token = gen.json()["token"];
  outs.push_back({"/key/generate answer", dump(gen), {"virtual key"}});
  Headers vkh = bearer(vk);
  vkh.emplace_back("x-request-id", "secrets-chat-1");
  EXPECT_EQ(keep("chat", cl.post("/v1/chat/completions", chatBody("gpt"), vkh)).status, 200u);
  StreamResult s = cl.stream("/v1/chat/completions",
                             chatBody("gpt", "Stream please", {{"stream", true}}), bearer(vk));
  EXPECT_EQ(s.status, 200u);
  outs.push_back({"chat stream", s.raw_body + s.error});
  for (const auto& [k, v] : s.headers) outs.back().text += "\n" + k + ": " + v;
  json emb = {{"model", "emb"}, {"input", "hello"}};
  EXPECT_EQ(keep("embeddings", cl.post("/v1/embeddings", emb, bearer(vk))).status, 200u);
  EXPECT_EQ(keep("claude chat", cl.post("/v1/chat/completions", chatBody("claude"), bearer(vk)))
                .status, 200u);
  EXPECT_EQ(keep("wrong key (bearer)", cl.post("/v1/chat/completions", chatBody("gpt", "w"),
                                               bearer(kWrongKey))).status, 401u);
  EXPECT_EQ(keep("wrong key (x-api-key)", cl.post("/v1/chat/completions", chatBody("gpt", "w"),
                                                  {{"x-api-key", kWrongKey}})).status, 401u);
  EXPECT_EQ(keep("wrong key (/key/info)", cl.get("/key/info", bearer(kWrongKey))).status, 401u);
  EXPECT_EQ(keep("upstream 401", cl.post("/v1/chat/completions", chatBody("unauth"), bearer(vk)))
                .status, 401u);
  EXPECT_GE(keep("upstream 500", cl.post("/v1/chat/completions", chatBody("broken"), master))
                .status, 500u);
  EXPECT_EQ(keep("upstream 400", cl.post("/v1/chat/completions", chatBody("bad"), master))
                .status, 400u);
  StreamResult cs = cl.stream("/v1/chat/completions", chatBody("cut", "x", {{"stream", true}}),
                              bearer(vk));
  outs.push_back({"broken stream", std::to_string(cs.status) + "\n" + cs.raw_body + cs.error});
  EXPECT_GE(keep("anthropic 401", cl.post("/v1/chat/completions", chatBody("claude-unauth"),
                                          bearer(vk))).status, 400u);
  const Headers ah = {{"x-api-key", vk}, {"anthropic-version", "2023-06-01"}};
  json msg = {{"model", "claude-broken"}, {"max_tokens", 32},
              {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}};
  EXPECT_GE(keep("/v1/messages upstream 500", cl.post("/v1/messages", msg, ah)).status, 500u);
  msg["model"] = "claude-unauth";
  EXPECT_GE(keep("/v1/messages upstream 401", cl.post("/v1/messages", msg, ah)).status, 400u);

  ASSERT_FALSE(spendRowsOf(cl, "secrets-chat-1").empty()) << "no spend row for the chat";
  for (const std::string& path : std::vector<std::string>{
           "/key/info?key=" + token, "/key/list?return_full_object=true", "/spend/logs",
           "/spend/logs?api_key=" + token,
           "/global/spend/report?start_date=2000-01-01&end_date=2100-01-01&group_by=api_key",
           "/health", "/health/readiness", "/admin/log_level"})
    EXPECT_EQ(keep(path, cl.get(path, master)).status, 200u) << path;
  EXPECT_EQ(keep("/key/info as the key", cl.get("/key/info", bearer(vk))).status, 200u);
  HttpResponse metrics = keep("/metrics", cl.get("/metrics"));
  EXPECT_NE(metrics.body.find("canary-svc"), std::string::npos) << "metrics name the key alias";

  // Spans and webhook payloads arrive in the background; then the gateway stops (SIGTERM flushes).
  EXPECT_TRUE(collector.waitForSpans(8, Millis(5000)));
  auto hooked = [&] {
    for (const RecordedRequest& r : collector.posts())
      if (r.target == "/hook") return true;
    return false;
  };
  for (int i = 0; i < 100 && !hooked(); ++i) std::this_thread::sleep_for(Millis(50));
  EXPECT_TRUE(hooked()) << "the webhook got nothing";
  cl.close();
  ASSERT_TRUE(gw.sendSignal(SIGTERM));
  EXPECT_EQ(gw.waitExit(Millis(15000)), std::optional<int>(0));

  const std::string log = gw.logText();
  EXPECT_NE(log.find("secrets-chat-1"), std::string::npos) << "the log names the request";
  EXPECT_NE(log.find("canary-svc"), std::string::npos) << "the log names the key alias";
  outs.push_back({"gateway log", log});
  std::string spans, hooks, heads;
  for (const RecordedRequest& r : collector.posts()) {
    (r.target == "/hook" ? hooks : spans) += dump(r, false);
    heads += dump(RecordedRequest{r.method, r.target, r.headers, "", {}});
  }
  EXPECT_NE(spans.find("secrets-chat-1"), std::string::npos) << "a span names the request";
  EXPECT_NE(hooks.find("secrets-chat-1"), std::string::npos) << "the webhook got the request";
  outs.push_back({"OTLP span exports", spans});
  outs.push_back({"webhook payloads", hooks});
  outs.push_back({"collector request heads", heads, {"otel token", "hook token"}});
  for (const RecordedRequest& r : openai.requests())
    outs.push_back({"OpenAI upstream request " + r.target, dump(r), {"OpenAI key"}});
  for (const RecordedRequest& r : anthropic.requests())
    outs.push_back({"Anthropic upstream request " + r.target, dump(r), {"Anthropic key"}});
  const std::string rows = stored();
  EXPECT_NE(rows.find(token), std::string::npos) << "the store holds the key's hash";
  EXPECT_NE(rows.find("secrets-chat-1"), std::string::npos) << "the store holds the spend row";
  outs.push_back({"database", rows});
  // Redis: an uncompressed snapshot of everything the gateway stored there.
  redis.ask({"CONFIG", "SET", "rdbcompression", "no"});
  EXPECT_EQ(redis.ask({"SAVE"}), "+OK\r\n");
  const std::string dir_reply = redis.ask({"CONFIG", "GET", "dir"});
  const std::string dir = dir_reply.substr(dir_reply.find('/'), dir_reply.rfind("\r\n") -
                                                                     dir_reply.find('/'));
  const std::string rdb = readFile(dir + "/dump.rdb");
  EXPECT_NE(rdb.find("sy-secrets"), std::string::npos) << "the cache wrote to Redis";
  outs.push_back({"Redis snapshot", rdb});

  std::vector<Secret> secrets = {{"master key", kMaster},       {"virtual key", vk},
                                 {"OpenAI key", kOpenAIKey},     {"Anthropic key", kAnthropicKey},
                                 {"Redis password", kRedisPw},   {"wrong key", kWrongKey},
                                 {"otel token", kOtelToken},     {"hook token", kHookToken}};
  for (Secret& e : extra) secrets.push_back(std::move(e));
  for (const Output& out : outs) {
    ASSERT_FALSE(out.text.empty()) << out.name << " is empty";
    for (const Secret& sec : secrets) {
      if (out.allowed.count(sec.name)) continue;
      std::size_t at = out.text.find(sec.value), n = 0;
      for (std::size_t p = at; p != std::string::npos; p = out.text.find(sec.value, p + 1)) ++n;
      EXPECT_EQ(n, 0u) << out.name << " leaks the " << sec.name << " (" << n << "x), first: ..."
                       << out.text.substr(at < 200 ? 0 : at - 200, 400) << "...";
    }
  }
}

TEST(SecretsTest, AFullRunOnSqliteLeaksNoSecret) {
  TempDir tmp;
  const std::string db = tmp.file("x.db");
  fullRunLeaksNothing("sqlite:///" + db, {}, [&] { return readFile(db) + readFile(db + "-wal"); });
}

TEST(SecretsTest, AFullRunOnPostgresqlLeaksNeitherItsPasswordNorAnyOtherSecret) {
  PostgresServer pg;
  ASSERT_TRUE(pg.started()) << pg.startError();
  const std::string db = "secrets" + std::to_string(::getpid());
  ASSERT_TRUE(pg.createDatabase(db));
  ASSERT_GE(pg.password().size(), 8u);
  const std::string pg_dump =
      std::filesystem::path(pg.psqlPath()).parent_path().string() + "/pg_dump";
  fullRunLeaksNothing(pg.urlForDatabase(db), {{"PostgreSQL password", pg.password()}}, [&] {
    RunResult r = runBinary(pg_dump, {"--data-only", "--dbname=" + pg.urlForDatabase(db)},
                            Millis(20000));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  });
}

}  // namespace
}  // namespace switchyard::test
