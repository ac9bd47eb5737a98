// Connection (connection.hpp): one socket, a FIFO of callers waiting for their replies, a write
// loop that sends whatever was queued while the previous write was on the wire, and a read loop
// that hands each parsed reply to the oldest caller. A caller is a stored completion handler, not
// a timer: one watchdog timer per connection, armed for the earliest deadline in flight, checks
// the deadlines (a timer per call cost a timer-queue update, and often a timerfd syscall, per
// command).

#include "switchyard/redis/connection.hpp"

#include <openssl/ssl.h>

#include <array>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <optional>

#include "resp.hpp"

namespace switchyard::redis {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

api::Error unavailable(std::string detail, std::string_view code = {}) {
  return {api::ErrorKind::kUnavailable, "Redis is unavailable.", std::move(detail), 0,
          std::string(code)};
}

class ConnectionImpl final : public Connection {
 public:
  ConnectionImpl(asio::any_io_executor ex, const Settings& s, asio::ssl::context* tls)
      : ex_(ex), s_(s), resolver_(ex), reader_(s.max_reply_bytes), watchdog_(ex) {
    if (tls != nullptr) {
      tls_.emplace(ex, *tls);
    } else {
      plain_.emplace(ex);
    }
  }

  asio::awaitable<api::Result<void>> open(Clock::time_point deadline) override {
    auto self = shared_from_this();
    const std::string where = describe(s_);
    asio::steady_timer watchdog(ex_);
    watchdog.expires_at(deadline);
    std::weak_ptr<Connection> weak = self;
    watchdog.async_wait([weak](error_code ec) {
      if (ec) return;
      if (auto c = weak.lock()) static_cast<ConnectionImpl&>(*c).abortOpen();
    });
    error_code ec;
    auto endpoints = co_await resolver_.async_resolve(s_.host, std::to_string(s_.port),
                                                      asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      co_await asio::async_connect(lowest(), endpoints,
                                   asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!ec) {
      lowest().set_option(tcp::no_delay(true), ec);
      ec = {};
      if (tls_) {
        SSL_set_tlsext_host_name(tls_->native_handle(), s_.host.c_str());
        if (s_.tls_verify) {
          tls_->set_verify_mode(asio::ssl::verify_peer);
          tls_->set_verify_callback(asio::ssl::host_name_verification(s_.host));
        } else {
          tls_->set_verify_mode(asio::ssl::verify_none);
        }
        co_await tls_->async_handshake(asio::ssl::stream_base::client,
                                       asio::redirect_error(asio::use_awaitable, ec));
      }
    }
    watchdog.cancel();
    if (ec || aborted_) {
      closeSocket();
      co_return unavailable(
          "redis " + where + ": " + (aborted_ ? std::string("connect timed out") : ec.message()),
          aborted_ ? kTimedOutCode : std::string_view());
    }
    open_ = true;
    asio::co_spawn(ex_, readLoop(self), asio::detached);
    std::vector<std::vector<std::string>> setup;
    if (!s_.password.empty()) {
      setup.push_back({"AUTH"});
      if (!s_.username.empty()) setup.back().push_back(s_.username);
      setup.back().push_back(s_.password);
    }
    if (s_.db != 0) setup.push_back({"SELECT", std::to_string(s_.db)});
    for (std::vector<std::string>& command : setup) {
      const std::string name = command[0];  // never the arguments: the password
      auto r = co_await call(command, deadline);
      if (!r) co_return r.error();
      if (r->isError()) {
        api::Error e = unavailable("redis " + where + ": " + name + " refused: " + r->str);
        close(e);
        co_return e;
      }
    }
    co_return api::Result<void>{};
  }

  asio::awaitable<api::Result<Value>> call(std::span<const std::string> args,
                                           Clock::time_point deadline) override {
    if (!open_) co_return unavailable("redis " + describe(s_) + ": not connected");
    auto self = shared_from_this();
    appendCommand(out_, args);
    co_return co_await asio::async_initiate<decltype(asio::use_awaitable),
                                            void(api::Result<Value>)>(Enqueue{this, deadline},
                                                                      asio::use_awaitable);
  }

  void close(const api::Error& why) override {
    open_ = false;
    std::deque<Waiter> waiting;
    waiting.swap(waiting_);
    for (Waiter& w : waiting) complete(w, why);
    cancelWatchdog();
    closeSocket();
  }

  bool usable() const noexcept override { return open_; }

  void setPushHandler(std::function<void(Value&&)> handler) override { push_ = std::move(handler); }

 private:
  using Handler = asio::any_completion_handler<void(api::Result<Value>)>;

  // A caller waiting for its reply. An empty handler: its caller went away (cancelled); the
  // reply is then read and dropped.
  struct Waiter {
    Clock::time_point deadline;
    Handler handler;
  };

  // async_initiate's initiation for call(): queues the caller behind the commands in flight,
  // starts the write loop and the watchdog if they are not running, and lets a cancellation
  // (the request went away) answer the caller at once.
  struct Enqueue {
    ConnectionImpl* c;
    Clock::time_point deadline;
    template <class H>
    void operator()(H&& handler) const {
      c->waiting_.push_back(Waiter{deadline, Handler(std::forward<H>(handler))});
      Waiter* w = &c->waiting_.back();  // a deque keeps it in place while others come and go
      // The type-erased handler has its own slot, chained to the caller's: ours goes there.
      auto slot = w->handler.get_cancellation_slot();
      if (slot.is_connected()) {
        ConnectionImpl* conn = c;
        slot.assign([conn, w](asio::cancellation_type type) {
          if ((type & asio::cancellation_type::terminal) == asio::cancellation_type::none) return;
          conn->complete(*w, unavailable("redis call cancelled", kCancelledCode));
        });
      }
      if (!c->writing_) {
        c->writing_ = true;
        asio::co_spawn(c->ex_, c->writeLoop(c->shared_from_this()), asio::detached);
      }
      c->armWatchdog(deadline);
    }
  };

  // Answers a caller (through the executor, never inline) and forgets its handler.
  void complete(Waiter& w, api::Result<Value> r) {
    if (!w.handler) return;
    // Moved out, never move-assigned: Boost 1.81's move assignment of any_completion_handler
    // wraps the source in a new handler, which dereferences it when it is empty.
    Handler h = std::move(w.handler);
    auto slot = h.get_cancellation_slot();
    if (slot.is_connected()) slot.clear();
    asio::post(ex_, [h = std::move(h), r = std::move(r)]() mutable { std::move(h)(std::move(r)); });
  }

  // The watchdog waits for the earliest deadline in flight: when it passes unanswered, the
  // connection is closed (every caller fails at once). Re-armed only when it fires or when a
  // call with an earlier deadline comes (callers with a shorter timeout).
  void armWatchdog(Clock::time_point deadline) {
    if (watchdog_armed_ && watchdog_at_ <= deadline) return;
    watchdog_armed_ = true;
    watchdog_at_ = deadline;
    watchdog_.expires_at(deadline);  // cancels a later wait, if any (its handler sees a stale turn)
    std::weak_ptr<Connection> weak = shared_from_this();
    const std::uint64_t turn = ++watchdog_turn_;
    watchdog_.async_wait([weak, turn](error_code ec) {
      if (ec) return;
      if (auto c = weak.lock()) static_cast<ConnectionImpl&>(*c).onWatchdog(turn);
    });
  }

  void cancelWatchdog() {
    watchdog_armed_ = false;
    ++watchdog_turn_;
    watchdog_.cancel();
  }

  void onWatchdog(std::uint64_t turn) {
    if (turn != watchdog_turn_ || !open_) return;
    watchdog_armed_ = false;
    const Clock::time_point now = Clock::now();
    std::optional<Clock::time_point> next;
    for (const Waiter& w : waiting_) {
      if (!w.handler) continue;
      if (w.deadline <= now) {
        close(unavailable("redis " + describe(s_) + ": no reply in time", kTimedOutCode));
        return;
      }
      if (!next || w.deadline < *next) next = w.deadline;
    }
    if (next) armWatchdog(*next);
  }

  tcp::socket& lowest() { return tls_ ? tls_->next_layer() : *plain_; }

  void abortOpen() {
    aborted_ = true;
    resolver_.cancel();
    closeSocket();
  }

  void closeSocket() {
    error_code ignored;
    lowest().close(ignored);
  }

  asio::awaitable<void> writeLoop(std::shared_ptr<Connection> keep) {
    error_code ec;
    while (open_ && !out_.empty()) {
      sending_.swap(out_);
      out_.clear();
      if (tls_) {
        co_await asio::async_write(*tls_, asio::buffer(sending_),
                                   asio::redirect_error(asio::use_awaitable, ec));
      } else {
        co_await asio::async_write(*plain_, asio::buffer(sending_),
                                   asio::redirect_error(asio::use_awaitable, ec));
      }
      sending_.clear();
      if (ec) {
        if (open_) close(unavailable("redis " + describe(s_) + ": write failed: " + ec.message()));
        break;
      }
    }
    writing_ = false;
    (void)keep;
  }

  asio::awaitable<void> readLoop(std::shared_ptr<Connection> keep) {
    std::array<char, 16384> buf;
    error_code ec;
    while (open_) {
      std::size_t n = 0;
      if (tls_) {
        n = co_await tls_->async_read_some(asio::buffer(buf),
                                           asio::redirect_error(asio::use_awaitable, ec));
      } else {
        n = co_await plain_->async_read_some(asio::buffer(buf),
                                             asio::redirect_error(asio::use_awaitable, ec));
      }
      if (!open_) break;
      if (ec) {
        close(unavailable("redis " + describe(s_) + ": connection lost: " + ec.message()));
        break;
      }
      if (!reader_.feed(buf.data(), n)) {
        close(unavailable("redis " + describe(s_) + ": " + reader_.error(), kBadReplyCode));
        break;
      }
      if (!deliver()) break;
    }
    (void)keep;
  }

  // Hands each complete reply to the oldest waiter; false (and closed) on a protocol error or
  // a reply nobody asked for.
  bool deliver() {
    Value v;
    for (;;) {
      switch (reader_.next(v)) {
        case Reader::Status::kNeedMore:
          return true;
        case Reader::Status::kProtocolError:
          close(unavailable("redis " + describe(s_) + ": protocol error: " + reader_.error(),
                            kBadReplyCode));
          return false;
        case Reader::Status::kReply:
          break;
      }
      if (push_ && isPush(v)) {
        push_(std::move(v));
        v = Value{};
        continue;
      }
      if (waiting_.empty()) {
        close(unavailable("redis " + describe(s_) + ": a reply nobody asked for", kBadReplyCode));
        return false;
      }
      Waiter w = std::move(waiting_.front());
      waiting_.pop_front();
      complete(w, std::move(v));  // nothing, if its caller went away
      v = Value{};
    }
  }

  static bool isPush(const Value& v) {
    return v.type == Value::Type::kArray && !v.elements.empty() &&
           (v.elements[0].str == "message" || v.elements[0].str == "pmessage");
  }

  asio::any_io_executor ex_;
  const Settings s_;
  std::function<void(Value&&)> push_;
  tcp::resolver resolver_;
  std::optional<tcp::socket> plain_;
  std::optional<asio::ssl::stream<tcp::socket>> tls_;
  Reader reader_;
  std::deque<Waiter> waiting_;  // oldest first
  asio::steady_timer watchdog_;
  Clock::time_point watchdog_at_{};
  std::uint64_t watchdog_turn_ = 0;
  bool watchdog_armed_ = false;
  std::string out_, sending_;    // queued commands; the ones on the wire
  bool open_ = false, writing_ = false, aborted_ = false;
};

}  // namespace

std::shared_ptr<Connection> Connection::make(asio::any_io_executor ex, const Settings& s,
                                             asio::ssl::context* tls) {
  return std::make_shared<ConnectionImpl>(ex, s, tls);
}

}  // namespace switchyard::redis
