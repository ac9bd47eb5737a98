#pragma once
// The store thread (docs/keys.md): the one thread that touches the database, so no worker ever
// waits on disk. Two ways in:
//
//   write(...)  background writes (spend rows, key spend deltas, budget resets, audit rows):
//               appended to a bounded buffer under a short mutex and never waited for. The
//               thread writes the buffer every flush_interval (or sooner when it holds
//               max_batch items) in one transaction; a failed write is retried with exponential
//               backoff, the buffer keeps filling meanwhile, and what does not fit (max_buffered)
//               is dropped and counted.
//   run(job)    a command (admin routes, reports): `job(store)` runs on the store thread after
//               everything buffered so far has been written (so it sees every earlier write),
//               and the awaiting coroutine resumes on its own executor. At most max_commands
//               wait at once; beyond that run() fails at once with kUnavailable.
//
// stop() writes what is buffered (retrying until stop_timeout) and joins the thread: spend rows
// queued before SIGTERM reach the database.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "switchyard/api/error.hpp"
#include "switchyard/store/store.hpp"

namespace switchyard::store {

struct StoreThreadOptions {
  std::chrono::milliseconds flush_interval{100};
  std::size_t max_batch = 2000;        // items per transaction
  std::size_t max_buffered = 100000;   // items waiting; beyond: dropped, counted
  std::size_t max_commands = 256;      // commands waiting
  std::chrono::milliseconds retry_initial{100}, retry_max{5000};
  std::chrono::milliseconds stop_timeout{10000};
};

struct StoreStats {
  std::uint64_t written = 0;   // items written
  std::uint64_t dropped = 0;   // items dropped because the buffer was full
  std::uint64_t failures = 0;  // failed write attempts
  std::size_t buffered = 0;    // items waiting now
};

class StoreThread {
 public:
  StoreThread(std::unique_ptr<Store> store, StoreThreadOptions options = {});
  ~StoreThread();  // stop()
  StoreThread(const StoreThread&) = delete;
  StoreThread& operator=(const StoreThread&) = delete;

  // Background writes. Never block beyond a short mutex; false when dropped (buffer full or
  // stopped).
  bool write(SpendRow row);
  bool write(KeySpendDelta delta);
  bool write(BudgetReset reset);
  bool write(AuditRow row);

  // Runs `job` on the store thread (see above). The job must not throw.
  boost::asio::awaitable<api::Result<void>> run(std::function<void(Store&)> job);
  // The same, blocking the caller (startup, tests; never on a worker thread).
  api::Result<void> runBlocking(std::function<void(Store&)> job);

  // Writes what is buffered and ends the thread; later writes are dropped. Idempotent.
  void stop();
  StoreStats stats() const;
  std::string_view engine() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace switchyard::store
