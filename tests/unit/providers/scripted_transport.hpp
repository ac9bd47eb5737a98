#pragma once
// Test doubles for adapter tests without sockets. ScriptedTransport: send() answers `response`,
// open() a stream of `stream_status` / `stream_type` whose body arrives as `pieces`; every request
// is kept in `sent`. ScopedEnv: an environment variable set for one test.

#include <stdlib.h>

#include <boost/asio/awaitable.hpp>
#include <cstdlib>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "switchyard/providers/provider.hpp"
#include "switchyard/providers/transport.hpp"

namespace switchyard::providers::scripted {

namespace asio = boost::asio;

class ScriptedStream final : public UpstreamStream {
 public:
  ScriptedStream(unsigned status, std::string content_type, std::deque<std::string> pieces,
                 std::string retry_after = {})
      : status_(status),
        content_type_(std::move(content_type)),
        retry_after_(std::move(retry_after)),
        pieces_(std::move(pieces)) {}
  unsigned status() const noexcept override { return status_; }
  std::string_view header(std::string_view name) const noexcept override {
    if (name == "content-type") return content_type_;
    if (name == "retry-after") return retry_after_;
    return {};
  }
  asio::awaitable<api::Result<std::optional<std::string>>> read(
      std::chrono::steady_clock::duration) override {
    if (pieces_.empty()) co_return std::optional<std::string>{};
    std::string p = std::move(pieces_.front());
    pieces_.pop_front();
    co_return std::optional<std::string>{std::move(p)};
  }
  asio::awaitable<api::Result<std::string>> readAll(std::chrono::steady_clock::duration,
                                                    std::size_t) override {
    std::string all;
    for (auto& p : pieces_) all += p;
    pieces_.clear();
    co_return all;
  }

 private:
  unsigned status_;
  std::string content_type_, retry_after_;
  std::deque<std::string> pieces_;
};

class ScriptedTransport final : public Transport {
 public:
  ScriptedTransport() : Transport(Options{}) {}
  std::vector<std::pair<Url, UpstreamRequest>> sent;
  UpstreamResponse response;
  unsigned stream_status = 200;
  std::string stream_type = "text/event-stream; charset=utf-8";
  std::deque<std::string> pieces;
  std::string stream_retry_after;

  asio::awaitable<api::Result<UpstreamResponse>> send(
      const Url& url, const UpstreamRequest& req, std::chrono::steady_clock::duration) override {
    record(url, req);
    co_return response;
  }
  asio::awaitable<api::Result<std::unique_ptr<UpstreamStream>>> open(
      const Url& url, const UpstreamRequest& req, std::chrono::steady_clock::duration) override {
    record(url, req);
    co_return std::unique_ptr<UpstreamStream>(
        std::make_unique<ScriptedStream>(stream_status, stream_type, pieces, stream_retry_after));
  }
  std::size_t idleConnections() const noexcept override { return 0; }
  // Kept with the body it sent, owned (a borrowed body lives only as long as the call).
  void record(const Url& url, const UpstreamRequest& req) {
    UpstreamRequest copy = req;
    copy.body = std::string(req.payload());
    copy.borrowed_body = {};
    sent.emplace_back(url, std::move(copy));
  }
};

inline std::string headerOf(const UpstreamRequest& r, std::string_view name) {
  for (const auto& h : r.headers)
    if (h.name == name) return h.value;
  return {};
}

inline asio::awaitable<api::Result<api::Reply>> callIt(Provider& p, api::Exchange& ex,
                                                       const config::Deployment& d,
                                                       const CallOptions& o) {
  co_return co_await p.call(ex, d, o);
}

inline asio::awaitable<std::string> drainAll(api::ChunkSource& s, bool* failed) {
  std::string all;
  for (;;) {
    auto c = co_await s.next();
    if (!c) {
      *failed = true;
      co_return all;
    }
    if (!*c) co_return all;
    all += **c;
  }
}

// Sets an environment variable for one test and restores the previous value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace switchyard::providers::scripted
