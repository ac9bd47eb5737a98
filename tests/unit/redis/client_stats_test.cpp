// redis::ClientCounters (client.hpp) against a real redis-server: what GET /metrics reads of a
// client — calls, error replies, failures by kind, calls refused at once, reconnects and the
// breaker's state — counted into counters the client was given, which outlive it and are read
// from another thread while the client runs.

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "support/asio_run.hpp"
#include "support/redis_server.hpp"
#include "switchyard/redis/client.hpp"

namespace switchyard::redis {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::RedisServer;

asio::awaitable<api::Result<Value>> one(Client& c, std::vector<std::string> args,
                                        std::chrono::milliseconds timeout) {
  co_return co_await c.call(args, timeout);
}

api::Result<Value> call(asio::io_context& io, Client& c, std::vector<std::string> args,
                        std::chrono::milliseconds timeout = 500ms) {
  return test::runToEnd(io, one(c, std::move(args), timeout));
}

Settings settingsFor(const RedisServer& redis) {
  auto s = parseRedisUrl(redis.url());
  EXPECT_TRUE(s.has_value());
  Settings out = s ? *s : Settings{};
  out.open_initial = 10s;  // the breaker stays open through the test once it opens
  return out;
}

TEST(RedisClientStats, CallsRepliesFailuresByKindAndTheBreakerAreCounted) {
  RedisServer redis;
  ASSERT_TRUE(redis.started()) << redis.startError();
  asio::io_context io;
  ClientCounters counters;
  EXPECT_FALSE(counters.attached());
  {
    Client c(io.get_executor(), settingsFor(redis), &counters);
    EXPECT_TRUE(counters.attached());
    ASSERT_TRUE(call(io, c, {"SET", "k", "v"}).has_value());
    ASSERT_TRUE(call(io, c, {"NOSUCHCOMMAND"}).has_value());
    ClientStats s = counters.read();
    EXPECT_EQ(s.calls, 2u);
    EXPECT_EQ(s.error_replies, 1u) << "an error reply is counted, as an answer";
    EXPECT_EQ(s.failures, 0u);
    EXPECT_EQ(s.connects, 1u);
    EXPECT_EQ(s.reconnects, 0u);
    EXPECT_FALSE(s.circuit_open);

    redis.kill();
    for (int i = 0; i < 6; ++i) EXPECT_FALSE(call(io, c, {"GET", "k"}, 50ms).has_value());
    s = counters.read();
    EXPECT_EQ(s.calls, 8u);
    EXPECT_EQ(s.failures, 3u) << "three failures open the breaker";
    EXPECT_EQ(s.connection_errors + s.timeouts, 3u);
    EXPECT_EQ(s.fast_failures, 3u) << "then calls are refused at once";
    EXPECT_GE(s.reconnects, 1u) << "the lost link was opened again (and failed)";
    EXPECT_TRUE(s.circuit_open);
    EXPECT_EQ(c.stats().calls, s.calls) << "the client reads the same counters";
  }
  // A client made later with the same counters counts on, and starts with its breaker closed.
  ASSERT_TRUE(redis.restart()) << redis.startError();
  Client again(io.get_executor(), settingsFor(redis), &counters);
  EXPECT_FALSE(counters.read().circuit_open);
  ASSERT_TRUE(call(io, again, {"PING"}).has_value());
  EXPECT_EQ(counters.read().calls, 9u);
}

TEST(RedisClientStats, AFrozenRedisIsATimeout) {
  RedisServer redis;
  ASSERT_TRUE(redis.started()) << redis.startError();
  asio::io_context io;
  Client c(io.get_executor(), settingsFor(redis));  // counters of its own
  ASSERT_TRUE(call(io, c, {"PING"}).has_value());
  redis.freeze();
  EXPECT_FALSE(call(io, c, {"PING"}, 50ms).has_value());
  redis.thaw();
  EXPECT_EQ(c.stats().timeouts, 1u);
  EXPECT_EQ(c.stats().connection_errors, 0u);
}

// Read from another thread while the client's thread writes (TSan: no race).
TEST(RedisClientStats, CountersAreReadableFromAnotherThreadWhileTheClientRuns) {
  RedisServer redis;
  ASSERT_TRUE(redis.started()) << redis.startError();
  asio::io_context io;
  ClientCounters counters;
  Client c(io.get_executor(), settingsFor(redis), &counters);
  std::atomic<bool> stop{false};
  std::uint64_t last = 0;
  bool monotonic = true;
  std::thread reader([&] {
    while (!stop.load()) {
      std::uint64_t now = counters.read().calls;
      monotonic = monotonic && now >= last;
      last = now;
    }
  });
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(call(io, c, {"INCR", "n"}).has_value());
  stop = true;
  reader.join();
  EXPECT_TRUE(monotonic);
  EXPECT_EQ(counters.read().calls, 200u);
}

static_assert(alignof(ClientCounters) >= 64, "counters of different workers share no line");

}  // namespace
}  // namespace switchyard::redis
