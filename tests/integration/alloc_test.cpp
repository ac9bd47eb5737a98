// Heap allocations per proxied request and per relayed stream chunk, counted in the real binary
// (tests/alloc/alloc_counter.cpp preloaded: every operator new of the process), with the
// features a production config has on: a virtual key with a budget and an rpm limit, the spend
// log, metrics, JSON access lines. A regression guard that needs no timing: it fails when a
// change adds allocations above the figures docs/performance.md records. Not in sanitizer builds
// (ASan must be the first library loaded).

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/test_env.hpp"

#ifdef SY_ALLOC_COUNTER

namespace switchyard::test {
namespace {

// The ceilings: the figures measured (docs/performance.md: 43.1 per request in every run since
// the request body is no longer parsed into a DOM, 56.1 before; 0.7 to 2.4 per chunk, as the
// upstream's events coalesce into fewer reads or not, more of them on a loaded machine), with
// room for the odd background allocation (health loop, store flushes).
constexpr double kMaxPerRequest = 50;
constexpr double kMaxPerChunk = 3;

class AllocTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_);
    fake_.setDefaultBehavior(Behavior{});
    const std::string yaml = ConfigBuilder{}
                                 .model("m", "openai/fake-model", fake_.baseUrl(), kUpstreamKey, "dep-m")
                                 .litellm("json_logs", "true")
                                 .general("master_key", kMasterKey)
                                 .general("database_url", "sqlite:///" + dir_ + "/db.sqlite")
                                 .yaml();
    GatewayOptions o;
    o.binary = switchyardBinary();
    o.workers = 1;
    o.env["LD_PRELOAD"] = SY_ALLOC_COUNTER;
    o.env["SY_ALLOC_COUNT_FILE"] = dir_ + "/allocs";
    gw_ = std::make_unique<GatewayProcess>(yaml, o);
    ASSERT_TRUE(gw_->started()) << gw_->startError();
    client_ = std::make_unique<HttpClient>(gw_->port());
    json key = generateKey(*client_, {{"max_budget", 1000}, {"rpm_limit", 1000000}});
    key_ = key.value("key", "");
    ASSERT_FALSE(key_.empty());
  }

  void TearDown() override {
    gw_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // The process's allocations so far (the reporter writes them every 10 ms).
  unsigned long long allocations() {
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    std::ifstream f(dir_ + "/allocs");
    unsigned long long n = 0;
    f >> n;
    EXPECT_GT(n, 0u) << "the counter wrote nothing: was it preloaded?";
    return n;
  }

  // Allocations per call of `run` (each one request), over `n` calls after `n / 4` to warm up.
  template <class Run>
  double perCall(int n, Run run) {
    for (int i = 0; i < n / 4; ++i) run();
    const unsigned long long before = allocations();
    for (int i = 0; i < n; ++i) run();
    const unsigned long long after = allocations();
    return static_cast<double>(after - before) / n;
  }

  std::string dir_ = ::testing::TempDir() + "/alloc-" + std::to_string(::getpid());
  FakeOpenAI fake_;
  std::unique_ptr<GatewayProcess> gw_;
  std::unique_ptr<HttpClient> client_;
  std::string key_;
};

TEST_F(AllocTest, AProxiedRequestStaysUnderItsAllocationCeiling) {
  const double per_request = perCall(400, [&] {
    auto r = client_->post("/v1/chat/completions", chatBody("m"), bearer(key_));
    ASSERT_EQ(r.status, 200u) << r.body;
  });
  std::printf("allocations per proxied request: %.1f (ceiling %.0f)\n", per_request, kMaxPerRequest);
  EXPECT_GT(per_request, 10);  // the counter sees the request path at all
  EXPECT_LE(per_request, kMaxPerRequest);
}

TEST_F(AllocTest, ARelayedStreamChunkStaysUnderItsAllocationCeiling) {
  // Two stream lengths: the difference per extra chunk is the chunk's own cost.
  auto streamOf = [&](int chunks) {
    Behavior b;
    b.chunks.assign(static_cast<std::size_t>(chunks), "tok ");
    fake_.setDefaultBehavior(b);
    return perCall(100, [&] {
      auto r = client_->post("/v1/chat/completions", chatBody("m", "hi", {{"stream", true}}), bearer(key_));
      ASSERT_EQ(r.status, 200u) << r.body;
      ASSERT_NE(r.body.find("[DONE]"), std::string::npos);
    });
  };
  const double short_stream = streamOf(4);
  const double long_stream = streamOf(104);
  const double per_chunk = (long_stream - short_stream) / 100;
  std::printf("allocations per stream: %.1f (4 chunks), %.1f (104 chunks): %.2f per chunk (ceiling %.0f)\n",
              short_stream, long_stream, per_chunk, kMaxPerChunk);
  EXPECT_LE(per_chunk, kMaxPerChunk);
}

}  // namespace
}  // namespace switchyard::test

#endif  // SY_ALLOC_COUNTER
