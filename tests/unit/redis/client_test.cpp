// redis::Client against a real redis-server (tests/support/redis_server.hpp) on a free port:
// commands and pipelining, AUTH and SELECT, and what a failing Redis costs a caller — a dead
// server, a frozen one (SIGSTOP), one that answers garbage or hangs up mid-reply — with the
// circuit breaker failing fast meanwhile and recovering by itself.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <thread>

#include "support/asio_run.hpp"
#include "support/redis_server.hpp"
#include "switchyard/redis/client.hpp"

namespace switchyard::redis {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::RedisServer;

Settings settingsFor(const std::string& url) {
  auto s = parseRedisUrl(url);
  EXPECT_TRUE(s.has_value());
  return s ? *s : Settings{};
}

template <class T>
T run(asio::io_context& io, asio::awaitable<T> aw) {
  return test::runToEnd(io, std::move(aw));
}

asio::awaitable<api::Result<Value>> one(Client& c, std::vector<std::string> args,
                                        std::chrono::milliseconds timeout) {
  co_return co_await c.call(args, timeout);
}

api::Result<Value> call(asio::io_context& io, Client& c, std::vector<std::string> args,
                        std::chrono::milliseconds timeout = 500ms) {
  return run(io, one(c, std::move(args), timeout));
}

// `n` INCRs issued at once on one client: every reply comes back, each to its own caller.
asio::awaitable<int> concurrentIncrs(Client& c, int n) {
  auto ex = co_await asio::this_coro::executor;
  std::vector<std::int64_t> seen;
  int done = 0;
  for (int i = 0; i < n; ++i) {
    std::vector<std::string> incr{"INCR", "counter"};
    asio::co_spawn(ex, one(c, std::move(incr), 2000ms),
                   [&seen, &done](std::exception_ptr, api::Result<Value> r) {
                     if (r && r->type == Value::Type::kInteger) seen.push_back(r->integer);
                     ++done;
                   });
  }
  asio::steady_timer t(ex);
  while (done < n) {
    t.expires_after(1ms);
    co_await t.async_wait(asio::use_awaitable);
  }
  std::sort(seen.begin(), seen.end());
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (seen[i] != static_cast<std::int64_t>(i + 1)) co_return -1;
  }
  co_return static_cast<int>(seen.size());
}

TEST(RedisClient, SetGetAndErrorReplies) {
  RedisServer redis;
  ASSERT_TRUE(redis.started()) << redis.startError();
  asio::io_context io;
  Client c(io.get_executor(), settingsFor(redis.url()));
  auto set = call(io, c, {"SET", "greeting", "hello\r\nworld"});
  ASSERT_TRUE(set.has_value()) << set.error().detail;
  EXPECT_EQ(set->str, "OK");
  auto get = call(io, c, {"GET", "greeting"});
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->str, "hello\r\nworld");
  EXPECT_TRUE(call(io, c, {"GET", "missing"})->isNil());
  auto bad = call(io, c, {"NOSUCHCOMMAND"});
  ASSERT_TRUE(bad.has_value()) << "an error reply is an answer, not a failure";
  EXPECT_TRUE(bad->isError());
  EXPECT_EQ(c.breaker(), BreakerState::kClosed);
  EXPECT_EQ(c.stats().connects, 1u);
}

TEST(RedisClient, ConcurrentCallsArePipelinedAndEachGetsItsOwnReply) {
  RedisServer redis;
  ASSERT_TRUE(redis.started()) << redis.startError();
  asio::io_context io;
  Settings s = settingsFor(redis.url());
  s.connections = 2;
  Client c(io.get_executor(), s);
  ASSERT_TRUE(call(io, c, {"PING"}).has_value());  // open the first link
  ASSERT_TRUE(call(io, c, {"PING"}).has_value());  // and the second
  EXPECT_EQ(run(io, concurrentIncrs(c, 500)), 500);
  EXPECT_EQ(c.stats().connects, 2u) << "pipelined on the open links, no new connection per call";
}

TEST(RedisClient, PasswordAndDatabaseFromTheUrl) {
  RedisServer redis(RedisServer::Options{.password = "s3cret"});
  ASSERT_TRUE(redis.started()) << redis.startError();
  asio::io_context io;
  {
    Client c(io.get_executor(), settingsFor(redis.url() + "/3"));
    ASSERT_TRUE(call(io, c, {"SET", "where", "db3"}).has_value());
  }
  EXPECT_EQ(redis.command("*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n"), "+OK\r\n");
  // The helper's own connection is in db 0: the key is not there.
  EXPECT_EQ(redis.command("*2\r\n$3\r\nGET\r\n$5\r\nwhere\r\n"), "$-1\r\n");

  Client wrong(io.get_executor(), settingsFor("redis://:nope@127.0.0.1:" +
                                              std::to_string(redis.port())));
  auto r = call(io, wrong, {"PING"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, api::ErrorKind::kUnavailable);
  EXPECT_NE(r.error().detail.find("AUTH"), std::string::npos) << r.error().detail;
  EXPECT_EQ(r.error().detail.find("nope"), std::string::npos) << "the password leaked";
}

TEST(RedisClient, RedissSpeaksTlsAndChecksTheCertificateUnlessToldNot) {
  RedisServer redis(RedisServer::Options{.password = "tlspw", .tls = true});
  ASSERT_TRUE(redis.started()) << redis.startError();
  asio::io_context io;
  const std::string base = "rediss://:tlspw@127.0.0.1:" + std::to_string(redis.tlsPort());
  {
    // Self-signed: with certificate checks off (?ssl_cert_reqs=none) the link is TLS all the same.
    Client c(io.get_executor(), settingsFor(base + "/0?ssl_cert_reqs=none"));
    auto set = call(io, c, {"SET", "over", "tls"});
    ASSERT_TRUE(set.has_value()) << set.error().detail;
    EXPECT_EQ(call(io, c, {"GET", "over"})->str, "tls");
  }
  EXPECT_EQ(redis.command("*2\r\n$3\r\nGET\r\n$4\r\nover\r\n"), "$3\r\ntls\r\n")
      << "written over TLS, read back over the plain port";
  // Checked (the default): a certificate no trusted CA signed is refused.
  Client checked(io.get_executor(), settingsFor(base));
  auto r = call(io, checked, {"PING"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, api::ErrorKind::kUnavailable);
  // Plain RESP to the TLS port is not answered as Redis: a clear failure, not a hang.
  Client plain(io.get_executor(), settingsFor("redis://:tlspw@127.0.0.1:" +
                                              std::to_string(redis.tlsPort())));
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(call(io, plain, {"PING"}).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

TEST(RedisClient, ADeadRedisFailsFastThenRecoversByItself) {
  RedisServer redis;
  ASSERT_TRUE(redis.started()) << redis.startError();
  asio::io_context io;
  Settings s = settingsFor(redis.url());
  s.open_initial = 200ms;
  Client c(io.get_executor(), s);
  ASSERT_TRUE(call(io, c, {"PING"}).has_value());
  redis.kill();
  for (int i = 0; i < 20; ++i) {
    auto started = Clock::now();
    auto r = call(io, c, {"PING"}, 50ms);
    EXPECT_FALSE(r.has_value());
    EXPECT_LT(Clock::now() - started, 200ms) << "call " << i << " waited on a dead Redis";
  }
  EXPECT_EQ(c.breaker(), BreakerState::kOpen);
  EXPECT_GE(c.stats().fast_failures, 15u) << "the breaker did not fail the calls at once";
  ASSERT_TRUE(redis.restart()) << redis.startError();
  const auto deadline = Clock::now() + 5s;
  bool back = false;
  while (!back && Clock::now() < deadline) {
    back = call(io, c, {"PING"}, 50ms).has_value();
    if (!back) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(back) << "no recovery within 5 s of the restart";
  EXPECT_EQ(c.breaker(), BreakerState::kClosed);
}

TEST(RedisClient, AFrozenRedisCostsACallItsTimeoutOnly) {
  RedisServer redis;
  ASSERT_TRUE(redis.started()) << redis.startError();
  asio::io_context io;
  Client c(io.get_executor(), settingsFor(redis.url()));
  ASSERT_TRUE(call(io, c, {"PING"}).has_value());
  redis.freeze();
  auto started = Clock::now();
  auto r = call(io, c, {"GET", "k"}, 50ms);
  auto took = Clock::now() - started;
  EXPECT_FALSE(r.has_value());
  EXPECT_GE(took, 45ms);
  EXPECT_LT(took, 300ms);
  // Calls made while frozen: each bounded, then failing at once once the breaker opens.
  started = Clock::now();
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(call(io, c, {"GET", "k"}, 50ms).has_value());
  EXPECT_LT(Clock::now() - started, 1s);
  redis.thaw();
  const auto deadline = Clock::now() + 5s;
  bool back = false;
  while (!back && Clock::now() < deadline) {
    back = call(io, c, {"PING"}, 100ms).has_value();
    if (!back) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(back);
}

// A TCP server on a free port that answers every connection with `reply` and then closes (or,
// with `hold`, keeps it open without another byte).
class RogueServer {
 public:
  RogueServer(std::string reply, bool hold) : reply_(std::move(reply)), hold_(hold) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 16);
    thread_ = std::thread([this] {
      for (;;) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        char buf[1024];
        (void)::recv(c, buf, sizeof buf, 0);  // the command
        (void)::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
        if (hold_) {
          held_.push_back(c);
        } else {
          ::close(c);
        }
      }
    });
  }
  ~RogueServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    for (int c : held_) ::close(c);
  }
  std::uint16_t port() const { return port_; }

 private:
  std::string reply_;
  bool hold_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::vector<int> held_;
  std::thread thread_;
};

TEST(RedisClient, GarbageAndHalfRepliesAreSurvived) {
  struct Case {
    const char* what;
    std::string reply;
    bool hold;
  };
  for (const Case& k : {Case{"garbage", "HTTP/1.1 400 Bad Request\r\n\r\n", false},
                        Case{"cut mid-reply", "$10\r\nabc", false},
                        Case{"half a reply, then silence", "$10\r\nabc", true},
                        Case{"an endless bulk", "$999999999999\r\nabc", true}}) {
    SCOPED_TRACE(k.what);
    RogueServer rogue(k.reply, k.hold);
    asio::io_context io;
    Settings s = settingsFor("redis://127.0.0.1:" + std::to_string(rogue.port()));
    s.max_reply_bytes = 1024;
    Client c(io.get_executor(), s);
    auto started = Clock::now();
    auto r = call(io, c, {"GET", "k"}, 100ms);
    EXPECT_FALSE(r.has_value());
    if (!r) {
      EXPECT_EQ(r.error().kind, api::ErrorKind::kUnavailable);
    }
    EXPECT_LT(Clock::now() - started, 500ms);
  }
}

}  // namespace
}  // namespace switchyard::redis
