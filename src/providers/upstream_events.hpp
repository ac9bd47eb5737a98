#pragma once
// An upstream SSE body read as events (private to the providers module): what the adapters'
// stream readers pull from. The body is cut by SseCutter.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "switchyard/api/error.hpp"
#include "switchyard/providers/sse.hpp"
#include "switchyard/providers/transport.hpp"

namespace switchyard::providers {

// The stream failure for an event over SseCutter's bound.
inline api::Error sseOverflowError() {
  return api::Error{api::ErrorKind::kUpstreamError, "The provider sent an invalid stream.",
                    "SSE event over size limit"};
}

class UpstreamEvents {
 public:
  UpstreamEvents(std::unique_ptr<UpstreamStream> upstream, std::chrono::steady_clock::duration idle)
      : upstream_(std::move(upstream)), idle_(idle) {}

  // Reads the next piece of the body, waiting at most the idle timeout; at the body's end,
  // ended() turns true. Errors: the transport's.
  boost::asio::awaitable<api::Result<void>> read() {
    auto piece = co_await upstream_->read(idle_);
    if (!piece) co_return piece.error();
    if (*piece) {
      cutter_.feed(**piece);
    } else {
      ended_ = true;
    }
    co_return api::Result<void>{};
  }

  // The next event received so far, without reading: a complete one, or once the body ended the
  // unterminated one left over. Its views are valid until the next call. nullopt: none (read
  // more, unless ended() or overflowed()).
  std::optional<SseEvent> take() {
    if (auto ev = cutter_.next()) return ev;
    if (ended_) return cutter_.rest();
    return std::nullopt;
  }

  bool ended() const noexcept { return ended_; }
  // An event over the bound arrived: the stream is broken (sseOverflowError()).
  bool overflowed() const noexcept { return cutter_.overflowed(); }

 private:
  std::unique_ptr<UpstreamStream> upstream_;
  std::chrono::steady_clock::duration idle_;
  SseCutter cutter_;
  bool ended_ = false;
};

}  // namespace switchyard::providers
