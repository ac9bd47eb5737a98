#include "switchyard/pipeline/offload.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <string>

namespace switchyard::pipeline {
namespace {

// Runs on a pool thread. Named function, not a lambda (GCC 12 and capturing coroutine lambdas).
boost::asio::awaitable<std::optional<std::string>> runJob(std::function<void()> job) {
  try {
    job();
  } catch (const std::exception& e) {
    co_return std::string(e.what());
  } catch (...) {
    co_return std::string("unknown exception");
  }
  co_return std::nullopt;
}

}  // namespace

struct Offload::Pool {
  explicit Pool(std::size_t threads) : pool(threads) {}
  boost::asio::thread_pool pool;
};

Offload::Offload(std::size_t threads, std::size_t max_pending)
    : pool_(std::make_unique<Pool>(threads == 0 ? 1 : threads)), max_pending_(max_pending) {}

Offload::~Offload() { pool_->pool.join(); }

boost::asio::awaitable<api::Result<void>> Offload::run(std::function<void()> job) {
  if (pending_.fetch_add(1, std::memory_order_acq_rel) >= max_pending_) {
    pending_.fetch_sub(1, std::memory_order_acq_rel);
    co_return api::Error{api::ErrorKind::kUnavailable, "The gateway is busy: try again shortly.",
                         "offload queue full"};
  }
  std::optional<std::string> failed = co_await boost::asio::co_spawn(
      pool_->pool, runJob(std::move(job)), boost::asio::use_awaitable);
  pending_.fetch_sub(1, std::memory_order_acq_rel);
  if (failed)
    co_return api::Error{api::ErrorKind::kInternal, "Internal error.",
                         "offloaded job threw: " + *failed};
  co_return api::Result<void>{};
}

}  // namespace switchyard::pipeline
