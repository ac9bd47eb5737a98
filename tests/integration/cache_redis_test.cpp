// The Redis response cache through the binary, against a real redis-server on a free port
// (docs/caching.md, docs/redis.md): shared by two gateway instances and surviving a restart of
// the gateway; a dead Redis makes requests misses within its timeout, a frozen one (SIGSTOP)
// never holds a request beyond 2 s, and caching resumes by itself when Redis is back.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/redis_server.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string redisCacheConfig(const FakeOpenAI& fake, const RedisServer& redis,
                             const std::string& password = "") {
  std::string params = "{type: redis, host: 127.0.0.1, port: " + std::to_string(redis.port()) +
                       ", namespace: sy-test" +
                       (password.empty() ? "" : ", password: " + password) + "}";
  return ConfigBuilder{}
      .model("gpt-test", "openai/fake-model-1", fake.baseUrl(), kUpstreamKey, "dep-gpt")
      .router("num_retries", "0")
      .litellm("cache", "true")
      .litellm("cache_params", params)
      .general("master_key", kMasterKey)
      .yaml();
}

HttpResponse ask(std::uint16_t port, const std::string& prompt) {
  HttpClient c(port);
  return c.post("/v1/chat/completions", chatBody("gpt-test", prompt), masterAuth());
}

// The x-cache of `prompt` on `port`, retried (bounded) until it is `want`: a write to Redis is
// sent in the background.
std::string waitFor(std::uint16_t port, const std::string& prompt, const std::string& want) {
  const auto deadline = Clock::now() + 2s;
  std::string got;
  while (Clock::now() < deadline) {
    got = ask(port, prompt).header("x-cache");
    if (got == want) break;
    std::this_thread::sleep_for(20ms);
  }
  return got;
}

TEST(CacheRedisTest, TwoInstancesShareEntriesThatOutliveTheGateway) {
  RedisServer redis(RedisServer::Options{.password = "cachepw"});
  ASSERT_TRUE(redis.started()) << redis.startError();
  FakeOpenAI fake;
  const std::string yaml = redisCacheConfig(fake, redis, "cachepw");
  SY_START_GATEWAY(a, yaml);
  SY_START_GATEWAY(b, yaml);
  auto first = ask(a->port(), "shared question");
  ASSERT_EQ(first.status, 200u) << first.body;
  EXPECT_EQ(first.header("x-cache"), "MISS");
  EXPECT_EQ(waitFor(b->port(), "shared question", "HIT"), "HIT") << "written by a, served by b";
  EXPECT_EQ(fake.requestCount(), 1u);
  // In Redis, under the namespace, with an expiry.
  const std::string key = "sy-test:" + first.header("x-litellm-cache-key");
  EXPECT_EQ(redis.ask({"EXISTS", key}), ":1\r\n");
  std::string ttl = redis.ask({"PTTL", key});
  EXPECT_TRUE(ttl.starts_with(":") && ttl != ":-1\r\n") << ttl;
  // A new gateway process finds it.
  a.reset();
  SY_START_GATEWAY(c, yaml);
  auto again = ask(c->port(), "shared question");
  EXPECT_EQ(again.header("x-cache"), "HIT");
  EXPECT_EQ(again.json(), first.json());
  EXPECT_EQ(fake.requestCount(), 1u);
}

TEST(CacheRedisTest, ADeadRedisCostsNoRequestAndCachingResumes) {
  RedisServer redis;
  ASSERT_TRUE(redis.started()) << redis.startError();
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, redisCacheConfig(fake, redis));
  ASSERT_EQ(ask(gw->port(), "q1").header("x-cache"), "MISS");
  ASSERT_EQ(waitFor(gw->port(), "q1", "HIT"), "HIT");
  redis.kill();
  for (int i = 0; i < 20; ++i) {
    auto started = Clock::now();
    auto r = ask(gw->port(), "q1");
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.header("x-cache"), "MISS");
    EXPECT_LT(Clock::now() - started, 1s) << "request " << i << " waited on a dead Redis";
  }
  ASSERT_TRUE(redis.restart()) << redis.startError();
  // Back by itself (the breaker's probe), and caching again (the restarted Redis is empty).
  ask(gw->port(), "q2");
  std::this_thread::sleep_for(300ms);
  ask(gw->port(), "q2");
  EXPECT_EQ(waitFor(gw->port(), "q2", "HIT"), "HIT");
}

TEST(CacheRedisTest, AFrozenRedisNeverHoldsARequestBeyondTwoSeconds) {
  RedisServer redis;
  ASSERT_TRUE(redis.started()) << redis.startError();
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, redisCacheConfig(fake, redis));
  ASSERT_EQ(ask(gw->port(), "warm").status, 200u);
  redis.freeze();
  for (int i = 0; i < 10; ++i) {
    auto started = Clock::now();
    auto r = ask(gw->port(), "frozen " + std::to_string(i % 3));
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_LT(Clock::now() - started, 2s) << "request " << i;
  }
  redis.thaw();
  ask(gw->port(), "after");
  std::this_thread::sleep_for(300ms);
  ask(gw->port(), "after");
  EXPECT_EQ(waitFor(gw->port(), "after", "HIT"), "HIT");
}

}  // namespace
}  // namespace switchyard::test
