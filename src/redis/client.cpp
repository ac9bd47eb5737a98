// Client (client.hpp): slots of pipelined connections and the circuit breaker.

#include "switchyard/redis/client.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "switchyard/redis/connection.hpp"

namespace switchyard::redis {
namespace {

api::Error fastFailure(std::string detail) {
  return {api::ErrorKind::kUnavailable, "Redis is unavailable.", std::move(detail), 0,
          std::string(Client::kNotSent)};
}

}  // namespace

struct Client::Tls {
  boost::asio::ssl::context ctx{boost::asio::ssl::context::tls_client};
};

ClientStats ClientCounters::read() const noexcept {
  auto get = [](const U64& u) { return u.load(std::memory_order_relaxed); };
  ClientStats s;
  s.calls = get(calls_);
  s.timeouts = get(timeouts_);
  s.connection_errors = get(connection_errors_);
  s.protocol_errors = get(protocol_errors_);
  s.cancelled = get(cancelled_);
  s.failures = s.timeouts + s.connection_errors + s.protocol_errors + s.cancelled;
  s.error_replies = get(error_replies_);
  s.fast_failures = get(fast_failures_);
  s.connects = get(connects_);
  s.reconnects = get(reconnects_);
  s.circuit_open = open_.load(std::memory_order_relaxed);
  return s;
}

Client::Client(boost::asio::any_io_executor ex, Settings settings, ClientCounters* counters)
    : ex_(std::move(ex)),
      s_(std::move(settings)),
      slots_(std::max<std::size_t>(1, s_.connections)),
      own_(counters ? nullptr : std::make_unique<ClientCounters>()),
      c_(counters ? counters : own_.get()) {
  c_->attached_.store(true, std::memory_order_relaxed);
  c_->open_.store(false, std::memory_order_relaxed);  // a new client starts closed
  if (s_.tls) {
    tls_ = std::make_unique<Tls>();
    tls_->ctx.set_default_verify_paths();
  }
}

Client::~Client() {
  for (Slot& s : slots_) {
    if (s.conn) s.conn->close(fastFailure("redis client closed"));
  }
}

boost::asio::awaitable<api::Result<Value>> Client::call(std::span<const std::string> args,
                                                        std::chrono::milliseconds timeout) {
  ClientCounters::bump(c_->calls_);
  const Clock::time_point now = Clock::now();
  const Clock::time_point deadline = now + timeout;
  bool probe = false;
  if (state_ != BreakerState::kClosed) {
    if (now < open_until_ || probing_) {
      ClientCounters::bump(c_->fast_failures_);
      co_return fastFailure("redis " + describe(s_) + ": circuit open");
    }
    state_ = BreakerState::kHalfOpen;
    probe = probing_ = true;
  }
  Slot& slot = slots_[next_++ % slots_.size()];
  if (slot.opening && !probe) {
    // Another call is opening this link: wait for it, within this call's deadline.
    boost::asio::steady_timer wait(ex_, deadline);
    slot.waiters.push_back(&wait);
    boost::system::error_code ec;
    co_await wait.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    std::erase(slot.waiters, &wait);
    if (!ec) {  // the deadline passed first
      ClientCounters::bump(c_->fast_failures_);
      co_return fastFailure("redis " + describe(s_) + ": connecting");
    }
  }
  std::shared_ptr<Connection> conn = slot.conn;
  if (!conn || !conn->usable()) {
    if (slot.opening) {  // a probe, or opened and lost meanwhile: go on without Redis
      ClientCounters::bump(c_->fast_failures_);
      if (probe) probing_ = false;
      co_return fastFailure("redis " + describe(s_) + ": connecting");
    }
    slot.opening = true;
    if (slot.tried) ClientCounters::bump(c_->reconnects_);
    slot.tried = true;
    conn = Connection::make(ex_, s_, tls_ ? &tls_->ctx : nullptr);
    auto opened = co_await conn->open(std::min(deadline, now + s_.connect_timeout));
    slot.opening = false;
    for (boost::asio::steady_timer* w : slot.waiters) w->cancel();
    ClientCounters::bump(c_->connects_);
    if (!opened) {
      failed(opened.error(), probe);
      co_return opened.error();
    }
    slot.conn = conn;
  }
  auto r = co_await conn->call(args, deadline);
  if (!r) {
    failed(r.error(), probe);
    co_return r.error();
  }
  succeeded();
  if (r->isError()) ClientCounters::bump(c_->error_replies_);
  co_return r;
}

void Client::failed(const api::Error& e, bool probe) {
  ClientCounters::U64& kind = e.code == kTimedOutCode    ? c_->timeouts_
                              : e.code == kBadReplyCode  ? c_->protocol_errors_
                              : e.code == kCancelledCode ? c_->cancelled_
                                                         : c_->connection_errors_;
  ClientCounters::bump(kind);
  ++failures_in_row_;
  if (probe) probing_ = false;
  if (probe || (state_ == BreakerState::kClosed && failures_in_row_ >= s_.failures_to_open)) {
    bool was_closed = state_ == BreakerState::kClosed;
    open_for_ = was_closed ? s_.open_initial : std::min(s_.open_max, open_for_ * 2);
    open_until_ = Clock::now() + open_for_;
    state_ = BreakerState::kOpen;
    c_->open_.store(true, std::memory_order_relaxed);
    if (was_closed) {
      spdlog::warn("redis {}: {} failure(s) in a row, going on without Redis ({}); retrying in {} ms",
                   describe(s_), failures_in_row_, e.logText(),
                   open_for_.count());
    }
  }
}

void Client::succeeded() {
  if (state_ != BreakerState::kClosed) {
    spdlog::info("redis {}: answering again", describe(s_));
  }
  state_ = BreakerState::kClosed;
  c_->open_.store(false, std::memory_order_relaxed);
  failures_in_row_ = 0;
  probing_ = false;
  open_for_ = std::chrono::milliseconds(0);
}

}  // namespace switchyard::redis
