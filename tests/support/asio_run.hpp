#pragma once
// Runs one awaitable on a test's io_context to completion (bounded at 10 s) and returns its value:
// for unit tests that drive a coroutine API (the Redis client, the shared counters) from a
// plain test body. Internal linkage, like test_env.hpp.

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <optional>

namespace switchyard::test {
namespace {

template <class T>
T runToEnd(boost::asio::io_context& io, boost::asio::awaitable<T> aw) {
  using namespace std::chrono_literals;
  std::optional<T> out;
  boost::asio::co_spawn(io, std::move(aw), [&](std::exception_ptr e, T v) {
    if (e) std::rethrow_exception(e);
    out = std::move(v);
  });
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!out && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
  EXPECT_TRUE(out.has_value()) << "did not complete within 10 s";
  return out ? std::move(*out) : T{};
}

}  // namespace
}  // namespace switchyard::test
