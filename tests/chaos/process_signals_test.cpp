// Chaos: the process itself pushed around under load (docs/reliability.md#the-process).
//
// - SIGHUP every 100 ms for 10 s, each reload a different config (a model added and removed,
//   router settings changed), under 16 clients: no request fails, every reload applied.
// - SIGTERM with 1,000 streams open (250 under a sanitizer): every stream completes with [DONE]
//   within the drain, the spend row of each reaches the database, the exit status is 0.
// - The descriptor limit reached under load: the connections already open keep being served,
//   new ones are not taken until descriptors free up, and then they are; nothing crashes.

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <latch>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "chaos/load.hpp"
#include "support/fake_openai.hpp"
#include "support/key_helpers.hpp"

namespace switchyard::test {
namespace {

using namespace std::chrono_literals;

Request chatOrStream(const std::string& model) {
  return [model](HttpClient& c, std::mt19937_64& rng) {
    return chatMustSucceed(c, chatBody(model, "hi", {{"stream", rng() % 2 == 0}}));
  };
}

TEST(ProcessSignalsTest, SighupEvery100msUnderLoadFailsNoRequest) {
  FakeOpenAI fake;
  auto config = [&](int i) {
    ConfigBuilder c;
    c.model("gpt-test", "openai/fake-model-1", fake.baseUrl(), kUpstreamKey);
    if (i % 2 == 1) c.model("extra-" + std::to_string(i), "mock/extra", {}, {}, {}, {{"mock_response", "x"}});
    return c.router("num_retries", std::to_string(i % 3))
        .router("timeout", std::to_string(30 + i % 7))
        .yaml();
  };
  SY_START_GATEWAY(gw, config(0));
  BackgroundLoad load(gw->port(), 16, chatOrStream("gpt-test"));
  constexpr int kReloads = 99;  // the last config (odd) has the model extra-99
  for (int i = 1; i <= kReloads; ++i) {
    std::this_thread::sleep_for(100ms);
    gw->rewriteConfig(config(i));
    ASSERT_TRUE(gw->sendSignal(SIGHUP));
  }
  std::this_thread::sleep_for(300ms);
  load.stop();
  const LoadTally t = tallyOf(load.shots());
  // A reload signalled while one runs may be folded into it: most are applied, none fails.
  const std::string log = gw->logText();
  const std::size_t reloaded = countOf(log, "config reloaded from");
  std::printf("[ chaos ] SIGHUP every 100 ms, %d reloads signalled, %zu applied: %s\n", kReloads,
              reloaded, t.text().c_str());
  EXPECT_GT(t.requests, 100u);
  EXPECT_EQ(t.failed, 0u) << t.first_problem;
  EXPECT_GE(reloaded, static_cast<std::size_t>(kReloads / 2));
  EXPECT_EQ(countOf(log, "config reload failed"), 0u);
  // The last config is the one in force.
  HttpClient c(gw->port());
  EXPECT_EQ(c.post("/v1/chat/completions", chatBody("extra-99")).status, 200u);
  expectCleanLog(log);
  ASSERT_TRUE(gw->sendSignal(SIGTERM));
  EXPECT_EQ(gw->waitExit(15s), std::optional<int>(0));
}

TEST(ProcessSignalsTest, SigtermWithAThousandOpenStreamsDrainsThemAllAndFlushesSpend) {
  const int kStreams = kSanitizedGateway ? 250 : 1000;
  FakeOpenAI fake;
  // Each stream: the role chunk at once, then 8 chunks 250 ms apart (2 s).
  fake.setDefaultBehavior(Behavior::slowStream(8, 250ms));
  SY_START_GATEWAY(gw, ConfigBuilder{}
                           .model("gpt-test", "openai/fake-model-1", fake.baseUrl(), kUpstreamKey)
                           .router("num_retries", "0")
                           .general("master_key", kMasterKey)
                           .yaml());
  HttpClient admin(gw->port());
  const std::string key = generateKey(admin).value("key", "");
  ASSERT_FALSE(key.empty());

  std::latch open(kStreams);  // every stream has its head and a first event
  std::atomic<int> done{0}, failed{0};
  std::string first_failure;
  std::mutex mu;
  std::vector<std::thread> clients;
  for (int i = 0; i < kStreams; ++i) {
    clients.emplace_back([&, i] {
      HttpClient c(gw->port());
      c.setTimeout(Millis(30000));
      HttpResponse head = c.startStream(
          "/v1/chat/completions",
          chatBody("gpt-test", "stream " + std::to_string(i), {{"stream", true}}), bearer(key));
      std::optional<SseEvent> e;
      if (head.status == 200u) e = c.nextEvent(Millis(30000));
      open.count_down();
      bool saw_done = false;
      while (e) {
        saw_done = e->isDone();
        e = c.nextEvent(Millis(30000));
      }
      if (head.status == 200u && saw_done && c.streamComplete()) {
        ++done;
        return;
      }
      ++failed;
      std::lock_guard lk(mu);
      if (first_failure.empty())
        first_failure = "status " + std::to_string(head.status) + " " + head.error + head.body;
    });
  }
  open.wait();
  const auto signalled = LoadClock::now();
  ASSERT_TRUE(gw->sendSignal(SIGTERM));
  // A new connection is not taken any more.
  HttpClient late(gw->port());
  late.setTimeout(Millis(1000));
  EXPECT_NE(late.post("/v1/chat/completions", chatBody("gpt-test"), bearer(key)).status, 200u);
  for (auto& t : clients) t.join();
  const auto drained = LoadClock::now();
  const std::optional<int> code = gw->waitExit(Millis(30000) * kSlow);
  const double drain_s = std::chrono::duration<double>(drained - signalled).count();
  const double exit_s = std::chrono::duration<double>(LoadClock::now() - signalled).count();

  const std::string rows = sqliteQuery(dbFileOf(*gw), "SELECT COUNT(*) FROM spend_logs");
  std::printf("[ chaos ] SIGTERM with %d streams open: %d completed with [DONE], %d failed, all "
              "ended %.1f s after the signal, exit %d after %.1f s, %s spend rows\n",
              kStreams, done.load(), failed.load(), drain_s, code.value_or(-1), exit_s,
              rows.substr(0, rows.find('\n')).c_str());
  EXPECT_EQ(done.load(), kStreams) << first_failure;
  EXPECT_EQ(code, std::optional<int>(0));
  EXPECT_EQ(rows, std::to_string(kStreams) + "\n") << "a spend row was lost at exit";
  expectCleanLog(gw->logText());
}

TEST(ProcessSignalsTest, AtTheDescriptorLimitOpenConnectionsAreServedAndNewOnesWait) {
  SY_START_GATEWAY(gw, ConfigBuilder{}
                           .model("m", "mock/m", {}, {}, {}, {{"mock_response", "hi"}})
                           .yaml());
  BackgroundLoad load(gw->port(), 8, chatOrStream("m"));
  std::this_thread::sleep_for(1s);  // every client connected, the gateway settled

  const std::string fd_dir = "/proc/" + std::to_string(gw->pid()) + "/fd";
  std::set<int> used;
  for (const auto& e : std::filesystem::directory_iterator(fd_dir))
    used.insert(std::stoi(e.path().filename().string()));
  int lowest_free = 0;
  while (used.count(lowest_free)) ++lowest_free;
  rlimit before{};
  ASSERT_EQ(::prlimit(gw->pid(), RLIMIT_NOFILE, nullptr, &before), 0);
  // The soft limit at the lowest free number: no new descriptor (the soft limit only, so it can
  // be raised back).
  const rlimit tight{static_cast<rlim_t>(lowest_free), before.rlim_max};
  const auto limited = LoadClock::now();
  ASSERT_EQ(::prlimit(gw->pid(), RLIMIT_NOFILE, &tight, nullptr), 0);

  // New connections meanwhile: the kernel queues them, the gateway cannot take them.
  std::vector<std::unique_ptr<HttpClient>> waiting;
  std::vector<std::thread> asks;
  std::vector<HttpResponse> answers(4);
  std::vector<LoadClock::time_point> answered(4);
  for (std::size_t i = 0; i < answers.size(); ++i) {
    waiting.push_back(std::make_unique<HttpClient>(gw->port()));
    waiting.back()->setTimeout(Millis(15000));
  }
  for (std::size_t i = 0; i < answers.size(); ++i) {
    asks.emplace_back([&, i] {
      answers[i] = waiting[i]->get("/health/liveliness");
      answered[i] = LoadClock::now();
    });
  }
  std::this_thread::sleep_for(2s);
  const auto lifted = LoadClock::now();
  ASSERT_EQ(::prlimit(gw->pid(), RLIMIT_NOFILE, &before, nullptr), 0);
  for (auto& t : asks) t.join();
  std::this_thread::sleep_for(500ms);
  load.stop();

  const LoadTally during = tallyOf(load.shots(), limited, lifted);
  Millis slowest_new{0};
  int served_early = 0;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    EXPECT_EQ(answers[i].status, 200u) << "new connection " << i << ": " << answers[i].error;
    if (answered[i] < lifted) ++served_early;
    slowest_new =
        std::max(slowest_new, std::chrono::duration_cast<Millis>(answered[i] - lifted));
  }
  std::printf("[ chaos ] descriptor limit reached for 2 s under 8 clients: open connections %s; "
              "%zu new connections served %lld ms after the limit was lifted at the latest (%d "
              "before)\n",
              during.text().c_str(), answers.size(), static_cast<long long>(slowest_new.count()),
              served_early);
  EXPECT_GT(during.requests, 20u) << "open connections were not served at the limit";
  EXPECT_EQ(during.failed, 0u) << during.first_problem;
  EXPECT_EQ(served_early, 0) << "a new connection was served with no descriptor free";
  EXPECT_LT(slowest_new, Millis(2000) * kSlow);
  EXPECT_TRUE(gw->waitForLog("Too many open files", 1s)) << "the log names it";
  expectCleanLog(gw->logText());
  ASSERT_TRUE(gw->sendSignal(SIGTERM));
  EXPECT_EQ(gw->waitExit(15s), std::optional<int>(0));
}

}  // namespace
}  // namespace switchyard::test
