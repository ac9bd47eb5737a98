#pragma once
// The request pipeline: Envoy's filter chain as userver-style `Next` coroutines.
// A filter answers itself or `co_await next(ex)`; work after `next` returns (spend, cache store)
// sees the reply, and wraps reply.stream to observe chunks without holding them back.

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "switchyard/api/exchange.hpp"

namespace switchyard::pipeline {

class Filter;

class Next {
 public:
  explicit Next(std::span<Filter* const> rest = {}) : rest_(rest) {}
  boost::asio::awaitable<api::Reply> operator()(api::Exchange& ex) const;

 private:
  std::span<Filter* const> rest_;
};

class Filter {
 public:
  virtual ~Filter() = default;
  virtual std::string_view name() const noexcept = 0;
  // `ex` outlives the call (the session co_awaits it at once).
  virtual boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, Next next) = 0;
};

// Answers `ex` with an error reply and records the error in ex.outcome for the access log.
api::Reply fail(api::Exchange& ex, api::Error e);

}  // namespace switchyard::pipeline
