// Connection (connection.hpp): one socket, a FIFO of callers waiting for their replies, a write
// loop that sends whatever was queued while the previous write was on the wire, and a read loop
// that hands each parsed reply to the oldest caller.

#include "switchyard/redis/connection.hpp"

#include <openssl/ssl.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
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

api::Error unavailable(std::string detail) {
  return {api::ErrorKind::kUnavailable, "Redis is unavailable.", std::move(detail)};
}

class ConnectionImpl final : public Connection {
 public:
  ConnectionImpl(asio::any_io_executor ex, const Settings& s, asio::ssl::context* tls)
      : ex_(ex), s_(s), resolver_(ex), reader_(s.max_reply_bytes) {
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
      co_return unavailable("redis " + where + ": " +
                            (aborted_ ? std::string("connect timed out") : ec.message()));
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
    Waiter w(*this);
    w.timer.expires_at(deadline);
    appendCommand(out_, args);
    waiting_.push_back(&w);
    if (!writing_) {
      writing_ = true;
      asio::co_spawn(ex_, writeLoop(self), asio::detached);
    }
    error_code ec;
    co_await w.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (w.result) co_return std::move(*w.result);
    if (Clock::now() < deadline) {  // cancelled (the request went away): its reply is dropped
      co_return unavailable("redis call cancelled");
    }
    api::Error e = unavailable("redis " + describe(s_) + ": no reply in time");
    close(e);
    co_return e;
  }

  void close(const api::Error& why) override {
    open_ = false;
    std::deque<Waiter*> waiting;
    waiting.swap(waiting_);
    for (Waiter* w : waiting) {
      if (w == nullptr) continue;
      w->result = why;
      w->timer.cancel();
    }
    closeSocket();
  }

  bool usable() const noexcept override { return open_; }

 private:
  // A caller waiting for its reply, in its coroutine frame; forgets itself from the queue when
  // it goes (the reply is then read and dropped).
  struct Waiter {
    explicit Waiter(ConnectionImpl& c) : conn(c), timer(c.ex_) {}
    ~Waiter() {
      for (Waiter*& w : conn.waiting_) {
        if (w == this) w = nullptr;
      }
    }
    ConnectionImpl& conn;
    asio::steady_timer timer;
    std::optional<api::Result<Value>> result;
  };

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
        close(unavailable("redis " + describe(s_) + ": " + reader_.error()));
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
          close(unavailable("redis " + describe(s_) + ": protocol error: " + reader_.error()));
          return false;
        case Reader::Status::kReply:
          break;
      }
      if (waiting_.empty()) {
        close(unavailable("redis " + describe(s_) + ": a reply nobody asked for"));
        return false;
      }
      Waiter* w = waiting_.front();
      waiting_.pop_front();
      if (w == nullptr) continue;  // its caller went away
      w->result = std::move(v);
      w->timer.cancel();
      v = Value{};
    }
  }

  asio::any_io_executor ex_;
  const Settings s_;
  tcp::resolver resolver_;
  std::optional<tcp::socket> plain_;
  std::optional<asio::ssl::stream<tcp::socket>> tls_;
  Reader reader_;
  std::deque<Waiter*> waiting_;  // oldest first; null: its caller went away
  std::string out_, sending_;    // queued commands; the ones on the wire
  bool open_ = false, writing_ = false, aborted_ = false;
};

}  // namespace

std::shared_ptr<Connection> Connection::make(asio::any_io_executor ex, const Settings& s,
                                             asio::ssl::context* tls) {
  return std::make_shared<ConnectionImpl>(ex, s, tls);
}

}  // namespace switchyard::redis
