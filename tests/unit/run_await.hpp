#pragma once
// Unit-test helper: runs one awaitable to completion on a local io_context (no sockets, no
// threads). Style guide §Tests: runAwait = co_spawn(use_future) on a local io_context.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <utility>

namespace switchyard::test {

template <class T>
T runAwait(boost::asio::io_context& io, boost::asio::awaitable<T> aw) {
  auto fut = boost::asio::co_spawn(io, std::move(aw), boost::asio::use_future);
  io.restart();
  io.run();
  return fut.get();
}

}  // namespace switchyard::test
