#pragma once
// The Redis client of one worker (docs/redis.md): a few pipelined connections on the worker's
// executor, opened on first use and reopened after a failure, behind a circuit breaker, so that
// a slow, frozen or dead Redis costs a request at most its timeout, then nothing at all:
//
//   closed     calls go through. A failure (no reply in time, refused or broken connection) is
//              counted; Settings::failures_to_open in a row open the breaker.
//   open       calls fail at once (kUnavailable) for the open period (open_initial, doubling up
//              to open_max while the probes fail); the caller goes on without Redis.
//   half-open  after it, one call is let through as a probe (reconnecting if need be): success
//              closes the breaker, failure opens it again for twice as long.
//
// A call that finds its link being opened by another waits for that (within its own deadline).
// A Redis error reply (-ERR, -NOSCRIPT, ...) is a successful call returning a kError Value.
// Not thread-safe: one Client per worker, used on that worker's thread only.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "switchyard/api/error.hpp"
#include "switchyard/redis/settings.hpp"
#include "switchyard/redis/value.hpp"

namespace switchyard::redis {

class Connection;

enum class BreakerState : std::uint8_t { kClosed, kOpen, kHalfOpen };

// What a client has done: a snapshot of its ClientCounters.
struct ClientStats {
  std::uint64_t calls = 0;          // calls made (fast failures included)
  std::uint64_t failures = 0;       // calls that failed on Redis's side: the four kinds below
  std::uint64_t timeouts = 0;       //   no reply (or no connection) by the call's deadline
  std::uint64_t connection_errors = 0;  // refused, lost or unwritable link; AUTH/SELECT refused
  std::uint64_t protocol_errors = 0;    // a reply that could not be read (or nobody asked for)
  std::uint64_t cancelled = 0;          // the caller went away before the reply
  std::uint64_t error_replies = 0;  // answered with an error reply (-ERR ...): not a failure
  std::uint64_t fast_failures = 0;  // calls refused at once: breaker open, or link being opened
  std::uint64_t connects = 0;       // connections opened (attempts)
  std::uint64_t reconnects = 0;     // of them: replacing a link that was opened (or tried) before
  bool circuit_open = false;        // the breaker is open (or half-open: probing)
};

// The live figures behind ClientStats, readable from any thread (GET /metrics reads them while
// the worker runs). Written by one thread only, the client's worker: a relaxed load and a store,
// no read-modify-write; on cache lines of their own. A worker may hand the same counters to the
// successive clients of one use (they then count on across config reloads; the newest client
// sets circuit_open).
class alignas(64) ClientCounters {
 public:
  ClientStats read() const noexcept;
  bool attached() const noexcept { return attached_.load(std::memory_order_relaxed); }

 private:
  friend class Client;
  using U64 = std::atomic<std::uint64_t>;
  static void bump(U64& u) noexcept {
    u.store(u.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  U64 calls_{0}, timeouts_{0}, connection_errors_{0}, protocol_errors_{0}, cancelled_{0},
      error_replies_{0}, fast_failures_{0}, connects_{0}, reconnects_{0};
  std::atomic<bool> open_{false}, attached_{false};
};

class Client {
 public:
  // `counters`: where the client counts (outliving it); null: counters of its own.
  Client(boost::asio::any_io_executor ex, Settings settings, ClientCounters* counters = nullptr);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The code of a failure whose command never left (breaker open, link not open): Redis cannot
  // have run it. Any other failure (no reply in time, link lost) may have run it or not.
  static constexpr std::string_view kNotSent = "redis_not_sent";

  // One command (args[0] is its name), answered within `timeout` or failed (kUnavailable).
  // `args` must outlive the call (await it at once); they are not copied.
  boost::asio::awaitable<api::Result<Value>> call(std::span<const std::string> args,
                                                  std::chrono::milliseconds timeout);

  BreakerState breaker() const noexcept { return state_; }
  ClientStats stats() const noexcept { return c_->read(); }
  const Settings& settings() const noexcept { return s_; }
  const boost::asio::any_io_executor& executor() const noexcept { return ex_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Slot {
    std::shared_ptr<Connection> conn;
    bool opening = false;
    bool tried = false;  // a connection was opened (or tried) here before
    // Calls waiting, each until its own deadline, for the link being opened: woken (their
    // timer cancelled) when the opening ends.
    std::vector<boost::asio::steady_timer*> waiters;
  };
  void failed(const api::Error& e, bool probe);
  void succeeded();

  boost::asio::any_io_executor ex_;
  Settings s_;
  struct Tls;
  std::unique_ptr<Tls> tls_;
  std::vector<Slot> slots_;
  std::size_t next_ = 0;
  BreakerState state_ = BreakerState::kClosed;
  int failures_in_row_ = 0;
  std::chrono::milliseconds open_for_{0};
  Clock::time_point open_until_{};
  bool probing_ = false;
  std::unique_ptr<ClientCounters> own_;  // when none were given
  ClientCounters* c_;
};

}  // namespace switchyard::redis
