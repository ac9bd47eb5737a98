#pragma once
// Blocking work off the worker threads. A worker thread must never block (every connection on it
// would stall): work that does (a database call, a file write) is handed to an Offload, which runs
// it on threads of its own and resumes the awaiting coroutine on that coroutine's executor.
//
// Bounded: at most `max_pending` jobs are queued or running at once; beyond that run() fails at
// once with kUnavailable rather than queueing without bound. A job that throws is reported as a
// kInternal error; its exception never reaches the worker.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <functional>
#include <memory>

#include "switchyard/api/error.hpp"

namespace switchyard::pipeline {

class Offload {
 public:
  Offload(std::size_t threads, std::size_t max_pending);
  ~Offload();  // waits for the jobs already running
  Offload(const Offload&) = delete;
  Offload& operator=(const Offload&) = delete;

  // Runs `job` on the offload's threads; completes when it has run.
  boost::asio::awaitable<api::Result<void>> run(std::function<void()> job);
  std::size_t pending() const noexcept { return pending_.load(std::memory_order_relaxed); }

 private:
  struct Pool;
  std::unique_ptr<Pool> pool_;
  std::size_t max_pending_;
  std::atomic<std::size_t> pending_{0};
};

}  // namespace switchyard::pipeline
