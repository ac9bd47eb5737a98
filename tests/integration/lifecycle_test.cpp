// Process lifecycle (docs/contract.md "Process"): the listening line, --check-config, SIGTERM
// drain, SIGHUP reload, and what the captured output may never contain.

#include <gtest/gtest.h>

#include <signal.h>

#include <regex>
#include <thread>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

bool modelListed(std::uint16_t port, const std::string& id) {
  HttpClient c(port);
  c.setTimeout(Millis(2000));
  auto r = c.get("/v1/models");
  if (r.status != 200u) return false;
  for (const auto& m : r.json().value("data", json::array()))
    if (m.value("id", std::string{}) == id) return true;
  return false;
}

TEST(LifecycleTest, FirstLineNamesPortAndWorkers) {
  SY_START_GATEWAY(gw, ConfigBuilder{}.model("m", "mock/echo").yaml(), {}, /*workers=*/3);
  const std::string p = std::to_string(gw->port());
  EXPECT_EQ(gw->firstLine(),
            "Switchyard listening on http://127.0.0.1:" + p + " (port " + p + ", 3 workers)");
  HttpClient c(gw->port());
  EXPECT_EQ(c.get("/health/liveliness").status, 200u);
}

TEST(LifecycleTest, CheckConfigGood) {
  TempDir tmp;
  const std::string dir = tmp.path();
  const std::string path = dir + "/good.yaml";
  writeFile(path, ConfigBuilder{}.model("m", "mock/echo").general("master_key", kMasterKey).yaml());
  auto r = runBinary(switchyardBinary(), {"--config", path, "--check-config"});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("config OK: " + path), std::string::npos) << r.out << r.err;
  EXPECT_EQ((r.out + r.err).find(kMasterKey), std::string::npos);
}

TEST(LifecycleTest, CheckConfigBadNamesTheKeyPath) {
  TempDir tmp;
  const std::string dir = tmp.path();
  const std::string path = dir + "/bad.yaml";
  writeFile(path,
            "model_list:\n"
            "  - model_name: m\n"
            "    litellm_params:\n"
            "      model: openai/gpt-4o\n"
            "      api_key: sk-abc\n"
            "      rpm: lots\n");
  auto r = runBinary(switchyardBinary(), {"--config", path, "--check-config"});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const std::string all = r.out + r.err;
  EXPECT_NE(all.find("error:"), std::string::npos) << all;
  EXPECT_NE(all.find("model_list[0].litellm_params.rpm"), std::string::npos) << all;
  EXPECT_NE(all.find("line 6"), std::string::npos) << "the YAML line is named: " << all;
}

TEST(LifecycleTest, CheckConfigMissingEnvVarAndBadYaml) {
  TempDir tmp;
  const std::string dir = tmp.path();
  const std::string path = dir + "/env.yaml";
  writeFile(path,
            "model_list:\n"
            "  - model_name: m\n"
            "    litellm_params:\n"
            "      model: openai/gpt-4o\n"
            "      api_key: os.environ/SY_IT_SURELY_UNSET_VARIABLE\n");
  auto r = runBinary(switchyardBinary(), {"--config", path, "--check-config"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("model_list[0].litellm_params.api_key"), std::string::npos)
      << r.out << r.err;

  writeFile(path, "model_list: [ {model_name: m, litellm_params: {model: mock/x}\n");
  r = runBinary(switchyardBinary(), {"--config", path, "--check-config"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("error:"), std::string::npos) << r.out << r.err;

  r = runBinary(switchyardBinary(), {"--config", dir + "/does-not-exist.yaml", "--check-config"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
}

TEST(LifecycleTest, CheckConfigListsIgnoredKeys) {
  TempDir tmp;
  const std::string dir = tmp.path();
  const std::string path = dir + "/unknown.yaml";
  writeFile(path, ConfigBuilder{}
                      .model("m", "mock/echo")
                      .general("some_unknown_litellm_setting", "true")
                      .litellm("another_unknown_flag", "3")
                      .yaml());
  auto r = runBinary(switchyardBinary(), {"--config", path, "--check-config"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string all = r.out + r.err;
  EXPECT_NE(all.find("ignored: general_settings.some_unknown_litellm_setting (line "),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("ignored: litellm_settings.another_unknown_flag (line "), std::string::npos)
      << all;
  EXPECT_NE(all.find("keys ignored)"), std::string::npos) << all;
  EXPECT_NE(all.find("another_unknown_flag"), std::string::npos) << all;
}

// A LiteLLM config naming PostgreSQL is valid: --check-config passes it without a word. A start
// whose database cannot be reached exits 1 with the reason (the supervisor starts it again). The
// url's password is never printed. The same for DATABASE_URL.
TEST(LifecycleTest, APostgresqlUrlIsValidAndAnUnreachableDatabaseStopsTheStart) {
  TempDir tmp;
  const std::string path = tmp.path() + "/pg.yaml";
  writeFile(path, ConfigBuilder{}
                      .model("m", "mock/echo")
                      .general("master_key", kMasterKey)
                      .general("database_url",
                               "\"postgresql://litellm:pg-s3cret@127.0.0.1:1/litellm\"")
                      .yaml());
  auto r = runBinary(switchyardBinary(), {"--config", path, "--check-config"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("database_url"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("config OK: " + path), std::string::npos) << r.out;
  EXPECT_EQ((r.out + r.err).find("pg-s3cret"), std::string::npos) << r.out << r.err;

  r = runBinary(switchyardBinary(), {"--config", path, "--port", "0"}, Millis(10000));
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("cannot open the database (postgresql"), std::string::npos) << r.err;
  EXPECT_EQ((r.out + r.err).find("pg-s3cret"), std::string::npos) << r.out << r.err;

  // From the environment: the same.
  const std::string env_path = tmp.path() + "/env.yaml";
  writeFile(env_path, ConfigBuilder{}.model("m", "mock/echo").yaml());
  r = runBinary(switchyardBinary(), {"--config", env_path, "--port", "0"}, Millis(10000),
                {{"DATABASE_URL", "postgres://u:pg-s3cret@127.0.0.1:1/litellm"}});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("cannot open the database (postgresql"), std::string::npos) << r.err;
  EXPECT_EQ((r.out + r.err).find("pg-s3cret"), std::string::npos) << r.out << r.err;
}

TEST(LifecycleTest, BadConfigAtStartupExits1) {
  GatewayOptions o;
  o.binary = switchyardBinary();
  o.start_timeout = Millis(5000);
  GatewayProcess gw(
      "model_list:\n  - model_name: m\n    litellm_params:\n      model: mock/x\n      rpm: -3x\n",
      o);
  EXPECT_FALSE(gw.started());
  EXPECT_EQ(gw.waitExit(Millis(3000)), 1) << gw.logText();
}

TEST(LifecycleTest, SigtermDrainsInFlightStreamThenExits0) {
  FakeOpenAI fake;
  fake.setDefaultBehavior(Behavior::slowStream(8, Millis(200)));
  SY_START_GATEWAY(gw, ConfigBuilder{}
                           .model("gpt-test", "openai/fake-model-1", fake.baseUrl(), kUpstreamKey)
                           .general("drain_timeout", "10")
                           .yaml());
  HttpClient idle(gw->port());  // an idle keep-alive connection: closed by the drain
  ASSERT_EQ(idle.get("/health/readiness").status, 200u);

  HttpClient client(gw->port());
  auto head = client.startStream("/v1/chat/completions",
                                 chatBody("gpt-test", "drain me", {{"stream", true}}));
  ASSERT_EQ(head.status, 200u) << head.error << head.body;
  std::vector<SseEvent> events;
  auto first = client.nextEvent(Millis(3000));
  ASSERT_TRUE(first.has_value());
  events.push_back(*first);

  // A readiness probe whose request is in progress when the drain starts: it must be answered,
  // with 503 (new connections are refused once the listener closes).
  HttpClient probe(gw->port());
  probe.setTimeout(Millis(2000));
  ASSERT_TRUE(probe.sendRaw("GET /health/readiness HTTP/1.1\r\nHost: x\r\n"));
  std::this_thread::sleep_for(Millis(100));

  ASSERT_TRUE(gw->sendSignal(SIGTERM));
  std::this_thread::sleep_for(Millis(150));

  ASSERT_TRUE(probe.sendRaw("\r\n"));
  auto ready = probe.readResponse();
  EXPECT_EQ(ready.status, 503u) << "readiness while draining: "
                                << (ready.status ? ready.body : ready.error);
  if (ready.json().is_object()) {
    EXPECT_NE(ready.json().value("status", std::string{}), "connected") << ready.body;
  }
  EXPECT_TRUE(idle.waitClosed(Millis(1500))) << "idle keep-alive connection not closed on SIGTERM";
  {
    HttpClient late(gw->port());
    late.setTimeout(Millis(1000));
    auto r = late.get("/health/liveliness");
    EXPECT_EQ(r.status, 0u) << "a new connection was served after SIGTERM";
  }

  // The in-flight stream completes.
  while (auto ev = client.nextEvent(Millis(3000))) events.push_back(std::move(*ev));
  ASSERT_FALSE(events.empty());
  EXPECT_TRUE(events.back().isDone()) << "stream cut short by SIGTERM";
  std::string content;
  for (const auto& ev : events) {
    json j = ev.json();
    if (j.is_object() && !j["choices"].empty())
      content += j["choices"][0]["delta"].value("content", std::string{});
  }
  EXPECT_EQ(content, "c0 c1 c2 c3 c4 c5 c6 c7 ");

  auto code = gw->waitExit(Millis(5000));
  ASSERT_TRUE(code.has_value()) << "gateway still running 5 s after its last stream ended";
  EXPECT_EQ(*code, 0);
}

TEST(LifecycleTest, SigtermWhenIdleExitsPromptly) {
  SY_START_GATEWAY(gw, ConfigBuilder{}.model("m", "mock/echo").yaml());
  HttpClient c(gw->port());
  ASSERT_EQ(c.post("/v1/chat/completions", chatBody("m")).status, 200u);
  auto t0 = Clock::now();
  ASSERT_TRUE(gw->sendSignal(SIGTERM));
  auto code = gw->waitExit(Millis(3000));
  ASSERT_TRUE(code.has_value()) << "not exited 3 s after SIGTERM with an idle keep-alive client";
  EXPECT_EQ(*code, 0);
  EXPECT_LT(Clock::now() - t0, Millis(3000));
  EXPECT_TRUE(c.waitClosed(Millis(500)));
}

// Signals sent as soon as the listening line is out (as a supervisor may) are handled, not fatal.
TEST(LifecycleTest, SigintRightAfterStartupDrains) {
  SY_START_GATEWAY(gw, ConfigBuilder{}.model("m", "mock/echo").yaml());
  ASSERT_TRUE(gw->sendSignal(SIGINT));
  auto code = gw->waitExit(Millis(3000));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
}

TEST(LifecycleTest, SighupReloadsConfigAndKeepsOldOnBadFile) {
  FakeOpenAI fake;
  ConfigBuilder before;
  before.model("gpt-test", "openai/fake-model-1", fake.baseUrl(), kUpstreamKey);
  SY_START_GATEWAY(gw, before.yaml());
  HttpClient client(gw->port());
  ASSERT_EQ(client.post("/v1/chat/completions", chatBody("gpt-test")).status, 200u);
  EXPECT_EQ(client.post("/v1/chat/completions", chatBody("gpt-new")).status, 404u);

  ConfigBuilder after = before;
  after.model("gpt-new", "openai/fake-model-new", fake.baseUrl(), kUpstreamKey);
  gw->rewriteConfig(after.yaml());
  ASSERT_TRUE(gw->sendSignal(SIGHUP));
  bool listed = false;
  for (auto t0 = Clock::now(); Clock::now() - t0 < Millis(5000);
       std::this_thread::sleep_for(Millis(50)))
    if ((listed = modelListed(gw->port(), "gpt-new"))) break;
  ASSERT_TRUE(listed) << "SIGHUP did not load the new model";
  auto r = client.post("/v1/chat/completions", chatBody("gpt-new"));
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(fake.lastRequest()->json()["model"], "fake-model-new");

  // A broken file is rejected; the running config stays.
  const std::string log_before = gw->logText();
  gw->rewriteConfig(
      "model_list:\n  - model_name: broken\n    litellm_params:\n      model: mock/x\n      rpm: "
      "lots\n");
  ASSERT_TRUE(gw->sendSignal(SIGHUP));
  bool logged = false;
  for (auto t0 = Clock::now(); Clock::now() - t0 < Millis(3000);
       std::this_thread::sleep_for(Millis(50)))
    if ((logged = gw->logText().size() > log_before.size() &&
                  gw->logText().find("model_list[0].litellm_params.rpm") != std::string::npos))
      break;
  EXPECT_TRUE(logged) << "the rejected reload was not logged with its key path";
  EXPECT_TRUE(gw->running());
  r = client.post("/v1/chat/completions", chatBody("gpt-new"));
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_TRUE(modelListed(gw->port(), "gpt-test"));
  EXPECT_FALSE(modelListed(gw->port(), "broken"));
}

TEST(LifecycleTest, UnknownKeyWarnsAtStartup) {
  SY_START_GATEWAY(
      gw, ConfigBuilder{}.model("m", "mock/echo").general("totally_unknown_key_xyz", "1").yaml());
  EXPECT_TRUE(gw->waitForLog("totally_unknown_key_xyz", Millis(2000))) << gw->logText();
}

// Logs never carry the upstream api_key, the master key, the prompt or the answer.
void exerciseAndCheckLogs(const std::vector<std::string>& extra_args, bool check_content) {
  const std::string prompt = "PROMPT-CANARY-q8w7e6";
  const std::string answer_word = "ANSWER-CANARY-z1x2c3";
  const std::string wrong_key = "sk-client-WRONG-5g6h7j";
  FakeOpenAI fake;
  Behavior b;
  b.chunks = {answer_word, " done"};
  fake.setDefaultBehavior(b);
  SY_START_GATEWAY(gw,
                   ConfigBuilder{}
                       .model("gpt-test", "openai/fake-model-1", fake.baseUrl(), kUpstreamKey)
                       .model("mock-echo", "mock/echo")
                       .router("num_retries", "0")
                       .general("master_key", kMasterKey)
                       .yaml(),
                   extra_args);
  HttpClient client(gw->port());
  const Headers auth = {{"Authorization", std::string("Bearer ") + kMasterKey},
                        {"x-request-id", "log-probe-req-1"}};
  EXPECT_EQ(client.post("/v1/chat/completions", chatBody("gpt-test", prompt), auth).status, 200u);
  auto s =
      client.stream("/v1/chat/completions", chatBody("gpt-test", prompt, {{"stream", true}}), auth);
  EXPECT_EQ(s.status, 200u);
  EXPECT_EQ(client.post("/v1/chat/completions", chatBody("mock-echo", prompt), auth).status, 200u);
  EXPECT_EQ(
      client.post("/v1/chat/completions", chatBody("gpt-test", prompt), {{"x-api-key", wrong_key}})
          .status,
      401u);
  fake.pushBehavior(Behavior::error(500, "upstream exploded"));
  EXPECT_EQ(client.post("/v1/chat/completions", chatBody("gpt-test", prompt), auth).status, 502u);
  fake.pushBehavior(Behavior::error(400, "bad request from upstream"));
  EXPECT_EQ(client.post("/v1/chat/completions", chatBody("gpt-test", prompt), auth).status, 400u);
  EXPECT_EQ(
      client.post("/v1/embeddings", json{{"model", "gpt-test"}, {"input", prompt}}, auth).status,
      200u);
  client.close();
  ASSERT_TRUE(gw->sendSignal(SIGTERM));
  EXPECT_EQ(gw->waitExit(Millis(5000)), 0);

  const std::string log = gw->logText();
  EXPECT_NE(log.find("log-probe-req-1"), std::string::npos)
      << "no access-log line carrying the request id (so this test would prove nothing)";
  EXPECT_EQ(log.find(kUpstreamKey), std::string::npos) << "upstream api_key in the log";
  EXPECT_EQ(log.find(kMasterKey), std::string::npos) << "master key in the log";
  EXPECT_EQ(log.find(wrong_key), std::string::npos) << "a client's presented key in the log";
  if (check_content) {
    EXPECT_EQ(log.find(prompt), std::string::npos) << "prompt text in the log";
    EXPECT_EQ(log.find(answer_word), std::string::npos) << "answer text in the log";
  }
}

TEST(LifecycleTest, LogsNeverContainSecretsOrPrompts) {
  exerciseAndCheckLogs({}, /*check_content=*/true);
}

TEST(LifecycleTest, DebugLogsNeverContainSecrets) {
  exerciseAndCheckLogs({"--log-level", "debug"}, /*check_content=*/false);
}

}  // namespace
}  // namespace switchyard::test
