// Offload: blocking work runs on the offload's threads, the caller resumes on its own executor,
// the queue is bounded and a throwing job becomes an error value.

#include "switchyard/pipeline/offload.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <functional>
#include <future>
#include <stdexcept>
#include <thread>

#include "unit/run_await.hpp"

namespace switchyard::pipeline {
namespace {

boost::asio::awaitable<std::pair<std::thread::id, std::thread::id>> runAndReport(Offload& off) {
  std::thread::id job_thread;
  // Jobs are named locals: GCC 12 destroys a lambda temporary inside a co_await expression twice.
  std::function<void()> job = [&job_thread] { job_thread = std::this_thread::get_id(); };
  api::Result<void> r = co_await off.run(std::move(job));
  EXPECT_TRUE(r.has_value());
  co_return std::make_pair(job_thread, std::this_thread::get_id());
}

TEST(OffloadTest, RunsOffTheCallersThreadAndResumesOnIt) {
  Offload off(2, 8);
  boost::asio::io_context io;
  auto [job_thread, resumed_on] = test::runAwait(io, runAndReport(off));
  EXPECT_NE(job_thread, std::this_thread::get_id());
  EXPECT_EQ(resumed_on, std::this_thread::get_id());  // the io_context runs on this thread
  EXPECT_EQ(off.pending(), 0u);
}

boost::asio::awaitable<api::Result<void>> runThrowing(Offload& off) {
  std::function<void()> job = [] { throw std::runtime_error("disk on fire"); };
  co_return co_await off.run(std::move(job));
}

TEST(OffloadTest, AThrowingJobIsAnError) {
  Offload off(1, 4);
  boost::asio::io_context io;
  api::Result<void> r = test::runAwait(io, runThrowing(off));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, api::ErrorKind::kInternal);
  EXPECT_NE(r.error().detail.find("disk on fire"), std::string::npos);
}

boost::asio::awaitable<void> runBlocked(Offload& off, std::shared_future<void> gate,
                                        api::Result<void>& out) {
  std::function<void()> job = [gate] { gate.wait(); };
  out = co_await off.run(std::move(job));
}

boost::asio::awaitable<void> runFlagging(Offload& off, bool& ran, api::Result<void>& out) {
  std::function<void()> job = [&ran] { ran = true; };
  out = co_await off.run(std::move(job));
}

TEST(OffloadTest, BoundedQueueRefusesAtOnce) {
  Offload off(1, 1);
  boost::asio::io_context io;
  std::promise<void> open;
  std::shared_future<void> gate = open.get_future().share();
  api::Result<void> first = api::Error{api::ErrorKind::kInternal, "not run"};
  boost::asio::co_spawn(io, runBlocked(off, gate, first), boost::asio::detached);
  io.poll();  // the first job is now queued or running
  EXPECT_EQ(off.pending(), 1u);
  // A second job while the first holds the only slot: refused at once, without running.
  bool ran = false;
  api::Result<void> second = api::Result<void>{};
  boost::asio::co_spawn(io, runFlagging(off, ran, second), boost::asio::detached);
  io.poll();
  EXPECT_FALSE(ran);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().kind, api::ErrorKind::kUnavailable);
  open.set_value();
  io.restart();
  io.run();  // the first completes
  EXPECT_TRUE(first.has_value());
  EXPECT_EQ(off.pending(), 0u);
}

}  // namespace
}  // namespace switchyard::pipeline
