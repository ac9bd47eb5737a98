// The logs through the binary (docs/observability.md#logs): JSON access lines field by field, no
// key and no prompt under the default settings, prompts only with log_messages, the level at
// runtime through the admin route, and a stdout nobody reads never holding up a request.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>
#include <thread>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/test_env.hpp"

extern char** environ;

namespace switchyard::test {
namespace {

constexpr const char* kPrompt = "PROMPT-PRIVATE-6c1e: what is my salary?";

// Every JSON line of the output, parsed (lines that are not JSON fail the test).
std::vector<json> jsonLines(const std::string& out) {
  std::vector<json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.starts_with("Switchyard listening")) continue;
    json j = json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
    if (!j.is_discarded()) lines.push_back(std::move(j));
  }
  return lines;
}

const json* accessLine(const std::vector<json>& lines, const std::string& request_id) {
  for (const json& l : lines)
    if (l.value("type", "") == "access" && l.value("request_id", "") == request_id) return &l;
  return nullptr;
}

TEST(LogsTest, JsonAccessLinesCarryEveryFieldAndNeitherKeysNorPrompts) {
  FakeOpenAI fake;
  ConfigBuilder c;
  c.model("m", "openai/fake-model", fake.baseUrl(), kUpstreamKey, "dep-1",
          {{"input_cost_per_token", "0.000001"}, {"output_cost_per_token", "0.000002"}})
      .litellm("json_logs", "true")
      .general("master_key", kMasterKey);
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  json key = generateKey(client, {{"key_alias", "billing-svc"}, {"team_id", "team-blue"}});
  const std::string vk = key["key"];
  auto r = client.post("/v1/chat/completions", chatBody("m", kPrompt),
                       {{"Authorization", "Bearer " + vk}, {"x-request-id", "log-req-1"}});
  ASSERT_EQ(r.status, 200u) << r.body;
  auto s = client.stream("/v1/chat/completions", chatBody("m", kPrompt, {{"stream", true}}),
                         {{"Authorization", "Bearer " + vk}, {"x-request-id", "log-req-2"}});
  ASSERT_EQ(s.status, 200u);
  ASSERT_TRUE(gw->waitForLog("log-req-2", Millis(3000)));
  std::vector<json> lines = jsonLines(gw->stdoutText());

  const json* a = accessLine(lines, "log-req-1");
  ASSERT_NE(a, nullptr) << gw->stdoutText();
  const json answer = json::parse(r.body);
  EXPECT_EQ((*a)["level"], "info");
  EXPECT_TRUE((*a)["time"].is_number());
  EXPECT_EQ((*a)["method"], "POST");
  EXPECT_EQ((*a)["path"], "/v1/chat/completions");
  EXPECT_EQ((*a)["status"], 200);
  EXPECT_EQ((*a)["key_alias"], "billing-svc");
  EXPECT_EQ((*a)["team"], "team-blue");
  EXPECT_EQ((*a)["model"], "m");
  EXPECT_EQ((*a)["deployment"], "dep-1");
  EXPECT_EQ((*a)["provider"], "openai");
  EXPECT_EQ((*a)["prompt_tokens"], answer["usage"]["prompt_tokens"]);
  EXPECT_EQ((*a)["completion_tokens"], answer["usage"]["completion_tokens"]);
  ASSERT_TRUE(a->contains("cost")) << a->dump();
  EXPECT_GT((*a)["cost"].get<double>(), 0);
  EXPECT_NEAR((*a)["cost"].get<double>(), headerNumber(r, "x-litellm-response-cost"), 1e-12);
  EXPECT_EQ((*a)["cache_hit"], false);
  EXPECT_EQ((*a)["retries"], 0);
  EXPECT_EQ((*a)["fallbacks"], 0);
  EXPECT_EQ((*a)["stream"], false);
  for (const char* f : {"latency_ms", "overhead_ms"}) ASSERT_TRUE(a->contains(f)) << f << a->dump();
  EXPECT_GT((*a)["latency_ms"].get<double>(), 0);
  EXPECT_GE((*a)["overhead_ms"].get<double>(), 0);
  EXPECT_LE((*a)["overhead_ms"].get<double>(), (*a)["latency_ms"].get<double>());
  EXPECT_FALSE(a->contains("messages"));
  EXPECT_FALSE(a->contains("response"));

  const json* b = accessLine(lines, "log-req-2");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ((*b)["stream"], true);
  ASSERT_TRUE(b->contains("ttft_ms")) << b->dump();
  EXPECT_GT((*b)["ttft_ms"].get<double>(), 0);
  EXPECT_LE((*b)["ttft_ms"].get<double>(), (*b)["latency_ms"].get<double>());

  const std::string all = gw->logText();
  EXPECT_EQ(all.find(vk), std::string::npos) << "a virtual key in the log";
  EXPECT_EQ(all.find(kMasterKey), std::string::npos);
  EXPECT_EQ(all.find(kUpstreamKey), std::string::npos);
  EXPECT_EQ(all.find("PROMPT-PRIVATE"), std::string::npos) << "a prompt in the log";
  EXPECT_EQ(all.find(answer["choices"][0]["message"]["content"].get<std::string>()),
            std::string::npos)
      << "an answer in the log";
}

TEST(LogsTest, LogMessagesPutsPromptAndAnswerInTheAccessLine) {
  FakeOpenAI fake;
  ConfigBuilder c;
  c.model("m", "openai/fake-model", fake.baseUrl(), kUpstreamKey, "dep-1")
      .litellm("json_logs", "true")
      .litellm("turn_off_message_logging", "false");
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto r = client.post("/v1/chat/completions", chatBody("m", kPrompt), {{"x-request-id", "msg-1"}});
  ASSERT_EQ(r.status, 200u);
  ASSERT_TRUE(gw->waitForLog("msg-1", Millis(3000)));
  std::vector<json> lines = jsonLines(gw->stdoutText());
  const json* a = accessLine(lines, "msg-1");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ((*a)["messages"][0]["content"], kPrompt);
  EXPECT_EQ(json::parse((*a)["response"].get<std::string>()), json::parse(r.body));
}

TEST(LogsTest, TheLevelChangesAtRuntimeThroughTheAdminRoute) {
  FakeOpenAI fake;
  ConfigBuilder c;
  c.model("m", "openai/fake-model", fake.baseUrl(), kUpstreamKey, "dep-1")
      .general("master_key", kMasterKey);
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto get = client.get("/admin/log_level", masterAuth());
  ASSERT_EQ(get.status, 200u) << get.body;
  EXPECT_EQ(get.json()["level"], "info");
  json key = generateKey(client);
  auto denied = client.post("/admin/log_level", {{"level", "debug"}}, bearer(key["key"]));
  EXPECT_EQ(denied.status, 403u);
  EXPECT_EQ(client.post("/admin/log_level", {{"level", "loud"}}, masterAuth()).status, 400u);
  auto set = client.post("/admin/log_level", {{"level", "debug"}}, masterAuth());
  ASSERT_EQ(set.status, 200u) << set.body;
  EXPECT_EQ(set.json()["level"], "debug");
  ASSERT_TRUE(gw->waitForLog("log level now debug", Millis(3000)));
  auto back = client.post("/v1/admin/log_level", {{"level", "warning"}}, masterAuth());
  EXPECT_EQ(back.json()["level"], "warning");
  // At warning, access lines (info) are no longer written.
  ASSERT_EQ(client.post("/v1/chat/completions", chatBody("m"),
                        {{"Authorization", std::string("Bearer ") + kMasterKey},
                         {"x-request-id", "after-warning"}})
                .status,
            200u);
  std::this_thread::sleep_for(Millis(500));
  EXPECT_EQ(gw->logText().find("after-warning"), std::string::npos);
}

// The gateway with stdout into a pipe this test never reads (a stalled log shipper): requests
// still answer at once, and the lines that could not be written are counted.
TEST(LogsTest, AStdoutNobodyReadsNeverHoldsUpARequest) {
  FakeOpenAI fake;
  ConfigBuilder c;
  c.model("m", "openai/fake-model", fake.baseUrl(), kUpstreamKey, "dep-1")
      .litellm("json_logs", "true")
      .litellm("log_messages", "true");
  TempDir dir;
  writeFile(dir.file("config.yaml"), c.yaml());
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  const std::string bin = switchyardBinary(), cfg = dir.file("config.yaml");
  std::vector<std::string> args = {bin, "--config", cfg, "--host", "127.0.0.1", "--port", "0",
                                   "--workers", "2"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  struct Reap {
    pid_t pid;
    int fd;
    ~Reap() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      ::close(fd);
    }
  } reap{pid, out[0]};

  // The first line names the port; after it, nothing is read.
  std::string head;
  char ch;
  pollfd p{out[0], POLLIN, 0};
  while (head.find('\n') == std::string::npos && ::poll(&p, 1, 10000) > 0 && ::read(out[0], &ch, 1) == 1)
    head += ch;
  std::size_t at = head.find("(port ");
  ASSERT_NE(at, std::string::npos) << head;
  const auto port = static_cast<std::uint16_t>(std::stoi(head.substr(at + 6)));

  // Each access line carries a 32 KiB prompt: the pipe (64 KiB) and the log's 4 MiB backlog
  // fill within a few hundred requests.
  const std::string big(32 * 1024, 'x');
  HttpClient client(port);
  long worst_us = 0;
  for (int i = 0; i < 400; ++i) {
    auto start = Clock::now();
    auto r = client.post("/v1/chat/completions", chatBody("m", big));
    ASSERT_EQ(r.status, 200u) << "request " << i;
    worst_us = std::max<long>(
        worst_us,
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
  }
  // A blocked writer would hold a request forever; a loaded machine under sanitizers may stall
  // one for a while.
  EXPECT_LT(worst_us, 3'000'000) << "a request waited for the log";
  std::string m = client.get("/metrics").body;
  std::size_t d = m.find("\nswitchyard_log_lines_dropped_total ");
  ASSERT_NE(d, std::string::npos) << m;
  EXPECT_GT(std::stod(m.substr(d + 36)), 0) << m.substr(d, 60);

  // Once someone reads again, the stream says how many lines it lost.
  std::string rest;
  char buf[65536];
  auto until = Clock::now() + Millis(5000);
  while (rest.find("lines dropped") == std::string::npos && Clock::now() < until) {
    if (::poll(&p, 1, 200) <= 0) continue;
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    rest.append(buf, static_cast<std::size_t>(n));
  }
  EXPECT_NE(rest.find("lines dropped"), std::string::npos);
}

}  // namespace
}  // namespace switchyard::test
