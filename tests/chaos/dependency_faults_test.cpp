// Chaos: the gateway's own dependencies failing under load (docs/reliability.md#dependencies).
//
// - Redis (response cache and the key's shared counters) killed, restarted empty, frozen
//   (SIGSTOP: connections accepted, never answered) and thawed while 16 clients send requests
//   with a virtual key: every request succeeds, none waits past a bound set by the Redis call
//   deadlines, and once Redis is back the gateway uses it again (cache entries reappear).
// - The SQLite store's disk full (a 2 MiB tmpfs, filled up): requests go on, the spend rows wait
//   in the store thread's buffer and are written once there is room, none lost; with the disk
//   full longer than the buffer (store_buffer_rows) holds, the rows past it are dropped and
//   counted: rows written + rows dropped = requests, nothing lost without a count, no crash.
//   Needs root (mount); skipped otherwise, and a skipped test is not counted as passed.

#include <gtest/gtest.h>

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "chaos/load.hpp"
#include "support/fake_openai.hpp"
#include "support/key_helpers.hpp"
#include "support/redis_server.hpp"

namespace switchyard::test {
namespace {

using namespace std::chrono_literals;

// A request with `key`: half of them the same question (a cache hit once stored), half a new
// one (a miss, reaching the upstream); half streamed.
Request keyedChat(const std::string& key) {
  return [key](HttpClient& c, std::mt19937_64& rng) {
    const bool repeat = rng() % 2 == 0, stream = rng() % 2 == 0;
    const std::string prompt = repeat ? "the same question" : "question " + std::to_string(rng());
    json body = chatBody("gpt-test", prompt);
    if (stream) body["stream"] = true;
    return chatMustSucceed(c, body, bearer(key));
  };
}

TEST(DependencyFaultsTest, RedisKilledRestartedFrozenAndThawedUnderLoad) {
  RedisServer redis;
  ASSERT_TRUE(redis.started()) << redis.startError();
  FakeOpenAI fake;
  TempDir dir;
  const std::string port = std::to_string(redis.port());
  SY_START_GATEWAY(gw, ConfigBuilder{}
                           .model("gpt-test", "openai/fake-model-1", fake.baseUrl(), kUpstreamKey)
                           .router("num_retries", "0")
                           .router("redis_host", "127.0.0.1")
                           .router("redis_port", port)
                           .litellm("cache", "true")
                           .litellm("cache_params", "{type: redis, host: 127.0.0.1, port: " +
                                                        port + ", namespace: chaos}")
                           .general("master_key", kMasterKey)
                           .general("database_url", "sqlite:///" + dir.file("db.sqlite"))
                           .yaml());
  HttpClient admin(gw->port());
  // Limits high enough never to refuse: they make every request go through the shared counters.
  const std::string key =
      generateKey(admin, {{"rpm_limit", 1000000}, {"tpm_limit", 1000000000}, {"max_budget", 1e6}})
          .value("key", "");
  ASSERT_FALSE(key.empty());

  constexpr auto kPhase = 3s;
  BackgroundLoad load(gw->port(), 16, keyedChat(key));
  std::vector<std::pair<std::string, LoadClock::time_point>> phases;
  auto phase = [&](const char* name) { phases.emplace_back(name, LoadClock::now()); };
  phase("Redis up");
  std::this_thread::sleep_for(kPhase);
  phase("Redis killed");
  redis.kill();
  std::this_thread::sleep_for(kPhase);
  phase("Redis restarted (empty)");
  ASSERT_TRUE(redis.restart()) << redis.startError();
  std::this_thread::sleep_for(kPhase);
  phase("Redis frozen (SIGSTOP)");
  redis.freeze();
  std::this_thread::sleep_for(kPhase);
  phase("Redis thawed");
  redis.thaw();
  std::this_thread::sleep_for(kPhase);
  const auto end = LoadClock::now();
  load.stop();

  // Each phase's answers: all good, none late. The bound: a cache read (100 ms) and a counter
  // call (50 ms) each time out until the breaker opens (3 failures), plus a connect (200 ms);
  // a second leaves room for a loaded 2-core machine, and no request waits out a hung Redis.
  const Millis bound = Millis(1000) * kSlow;
  for (std::size_t i = 0; i < phases.size(); ++i) {
    const auto to = i + 1 < phases.size() ? phases[i + 1].second : end;
    const LoadTally t = tallyOf(load.shots(), phases[i].second, to);
    std::printf("[ chaos ] %-24s %s\n", phases[i].first.c_str(), t.text().c_str());
    EXPECT_GT(t.requests, 16u) << phases[i].first;
    EXPECT_EQ(t.failed, 0u) << phases[i].first << ": " << t.first_problem;
    EXPECT_LE(t.max, bound) << phases[i].first;
  }

  // Redis is used again: the restarted (empty) Redis holds the cache's entries once more, and
  // the gateway said it was out of reach and back.
  bool cached = false;
  for (int i = 0; i < 50 && !cached; ++i) {
    HttpClient c(gw->port());
    (void)chatMustSucceed(c, chatBody("gpt-test", "asked after the thaw"), bearer(key));
    const std::string keys = redis.ask({"DBSIZE"});  // ":<n>\r\n"
    cached = !keys.empty() && keys != ":0\r\n";
    if (!cached) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(cached) << "nothing stored in Redis after it came back";
  EXPECT_TRUE(gw->waitForLog("Redis answers again", 5s)) << gw->logText();
  // The faults were seen (the counters said so once for the kill, once for the freeze).
  const std::string log = gw->logText();
  EXPECT_GE(countOf(log, "shared counters: Redis out of reach"), 2u) << log;
  expectCleanLog(gw->logText());
  ASSERT_TRUE(gw->sendSignal(SIGTERM));
  EXPECT_EQ(gw->waitExit(15s), std::optional<int>(0));
}

// A tmpfs of `bytes` mounted on a new temp dir for the test's life (root only).
class SmallDisk {
 public:
  explicit SmallDisk(std::size_t bytes) {
    if (::geteuid() != 0) return;
    const std::string opts = "size=" + std::to_string(bytes) + ",mode=0755";
    mounted_ = ::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, opts.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  std::string file(const std::string& name) const { return dir_.file(name); }

  // Writes a filler file until the disk is full.
  void fill() {
    std::ofstream f(file("filler"), std::ios::binary);
    const std::string block(4096, 'x');
    while (f.write(block.data(), block.size()) && f.flush()) {
    }
  }
  void unfill() { std::filesystem::remove(file("filler")); }

 private:
  TempDir dir_;
  bool mounted_ = false;
};

TEST(DependencyFaultsTest, StoreDiskFullBuffersThenDropsAndCountsWithoutLosingARequest) {
  SmallDisk disk(2 << 20);
  if (!disk.mounted()) GTEST_SKIP() << "mounting a tmpfs needs root";
  constexpr int kBuffer = 300;  // store_buffer_rows
  FakeOpenAI fake;
  const std::string db = disk.file("db.sqlite");
  SY_START_GATEWAY(gw, ConfigBuilder{}
                           .model("gpt-test", "openai/fake-model-1", fake.baseUrl(), kUpstreamKey)
                           .router("num_retries", "0")
                           .general("master_key", kMasterKey)
                           .general("database_url", "sqlite:///" + db)
                           .general("store_buffer_rows", std::to_string(kBuffer))
                           .yaml());
  HttpClient admin(gw->port());
  const std::string key = generateKey(admin).value("key", "");
  ASSERT_FALSE(key.empty());
  const auto written = [&] { return metricOf(gw->port(), "switchyard_store_rows_written_total"); };
  const auto dropped = [&] { return metricOf(gw->port(), "switchyard_store_rows_dropped_total"); };
  const auto waitIdle = [&](Millis limit) {  // until nothing waits for the store
    const auto until = LoadClock::now() + limit;
    while (metricOf(gw->port(), "switchyard_store_queue_depth") > 0 && LoadClock::now() < until)
      std::this_thread::sleep_for(50ms);
    return metricOf(gw->port(), "switchyard_store_queue_depth") == 0;
  };
  ASSERT_TRUE(waitIdle(5s));
  const double written0 = written();
  auto send = [&](int n) {  // n requests, every one must succeed
    HttpClient c(gw->port());
    for (int i = 0; i < n; ++i) {
      json body = chatBody("gpt-test", "q" + std::to_string(i), {{"stream", i % 2 == 0}});
      std::string problem = chatMustSucceed(c, body, bearer(key));
      ASSERT_TRUE(problem.empty()) << "request " << i << " with the disk full: " << problem;
    }
  };

  // 1. Full for less than the buffer holds: every row waits, then is written.
  disk.fill();
  send(kBuffer / 2);
  std::this_thread::sleep_for(500ms);  // a few write attempts fail meanwhile
  const double failures = metricOf(gw->port(), "switchyard_store_write_failures_total");
  const double waiting = metricOf(gw->port(), "switchyard_store_queue_depth");
  EXPECT_GT(failures, 0) << "the full disk did not fail a write";
  EXPECT_EQ(waiting, kBuffer / 2) << "every row waits while the disk is full";
  disk.unfill();
  EXPECT_TRUE(waitIdle(15s)) << "rows still waiting after the disk had room again";
  EXPECT_EQ(written() - written0, kBuffer / 2);
  EXPECT_EQ(dropped(), 0);

  // 2. Full for more than the buffer holds: the rows past it are dropped and counted.
  disk.fill();
  const double written1 = written();
  send(kBuffer * 2);
  EXPECT_EQ(metricOf(gw->port(), "switchyard_store_queue_depth"), kBuffer);
  EXPECT_EQ(dropped(), kBuffer);
  disk.unfill();
  EXPECT_TRUE(waitIdle(15s));
  EXPECT_EQ(written() - written1, kBuffer);
  std::printf("[ chaos ] store disk full: %d requests all answered; %d rows buffered and written "
              "after (%.0f failed write attempts), %.0f rows past store_buffer_rows %d dropped "
              "and counted\n",
              kBuffer / 2 + kBuffer * 2, kBuffer / 2 + kBuffer, failures, dropped(), kBuffer);

  // What the database holds agrees: one success row per request written, the key's spend too.
  ASSERT_TRUE(gw->sendSignal(SIGTERM));
  EXPECT_EQ(gw->waitExit(15s), std::optional<int>(0));
  EXPECT_EQ(sqliteQuery(db, "SELECT COUNT(*) FROM spend_logs WHERE status = 'success'"),
            std::to_string(kBuffer / 2 + kBuffer) + "\n");
  expectCleanLog(gw->logText());
}

// A filesystem made read-only cannot be had under a running store: Linux refuses to remount
// read-only while a file is open for writing (EBUSY), and a permission change does not reach a
// file already open. A read-only database is met at start: a clear error and exit status 1.
TEST(DependencyFaultsTest, AReadOnlyDatabaseAtStartIsAClearErrorNotACrash) {
  SmallDisk disk(4 << 20);
  if (!disk.mounted()) GTEST_SKIP() << "mounting a tmpfs needs root";
  const std::string db = disk.file("db.sqlite");
  const std::string yaml = ConfigBuilder{}
                               .model("m", "mock/m", {}, {}, {}, {{"mock_response", "hi"}})
                               .general("master_key", kMasterKey)
                               .general("database_url", "sqlite:///" + db)
                               .yaml();
  {
    SY_START_GATEWAY(gw, yaml);  // makes the database
    ASSERT_TRUE(gw->sendSignal(SIGTERM));
    ASSERT_EQ(gw->waitExit(15s), std::optional<int>(0));
  }
  ASSERT_EQ(::mount(nullptr, disk.file("").c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr), 0)
      << std::strerror(errno);
  auto gw = launchGateway(yaml);
  EXPECT_EQ(gw->waitExit(15s), std::optional<int>(1));
  const std::string err = gw->logText();
  EXPECT_NE(err.find("cannot open the database (sqlite " + db + ")"), std::string::npos) << err;
  expectCleanLog(err);
}

}  // namespace
}  // namespace switchyard::test
