#pragma once
// The store thread (docs/keys.md): the one thread that touches the database, so no worker ever
// waits on disk. Two ways in:
//
//   write(...)  background writes (spend rows, key spend deltas, budget resets, audit rows,
//               stored responses):
//               appended to a bounded buffer under a short mutex and never waited for. The
//               thread sleeps while the buffer is empty; from the first item on, it writes the
//               buffer flush_interval later (or sooner when it holds max_batch items) in one
//               transaction; a failed write is retried with exponential
//               backoff, the buffer keeps filling meanwhile, and what does not fit (max_buffered)
//               is dropped and counted.
//   run(job)    a command (admin routes, reports): `job(store)` runs on the store thread after
//               everything buffered so far has been written (so it sees every earlier write),
//               and the awaiting coroutine resumes on its own executor. At most max_commands
//               wait at once; beyond that run() fails at once with kUnavailable.
//
// Retention: the thread itself purges the stored responses older than response_retention
// (Store::purgeResponses) once at start (after the commands already waiting, such as the
// migration) and about once a minute after that, between batches (an idle thread at its next
// wake-up).
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
  // A batch is one burst of CPU (~4 ms for the ~900 rows of 100 ms at 9,000 requests/s): a
  // worker sharing the core waits for it (docs/performance.md, json_c1). 10 ms cut that p99 to
  // ~1.2 ms but raised the p90 and cost throughput (ten times the commits).
  std::chrono::milliseconds flush_interval{100};
  std::size_t max_batch = 2000;        // items per transaction
  std::size_t max_buffered = 100000;   // items waiting; beyond: dropped, counted
  std::size_t max_commands = 256;      // commands waiting
  std::chrono::milliseconds retry_initial{100}, retry_max{5000};
  std::chrono::milliseconds stop_timeout{10000};
  // Stored responses older than this are purged; 0 keeps them forever.
  std::chrono::milliseconds response_retention{std::chrono::days(30)};
  // Bytes of stored responses waiting (id and JSON text); beyond: dropped, counted. A batch
  // also closes once its responses hold max_batch_response_bytes (a transaction stays bounded).
  std::size_t max_buffered_response_bytes = std::size_t{512} << 20;
  std::size_t max_batch_response_bytes = std::size_t{32} << 20;
};

struct StoreStats {
  std::uint64_t written = 0;   // items written
  std::uint64_t dropped = 0;   // items dropped because the buffer was full
  std::uint64_t failures = 0;  // failed write attempts
  std::size_t buffered = 0;    // items waiting now
  std::uint64_t responses_purged = 0;  // stored responses deleted by retention
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
  bool write(SpendDelta delta);
  bool write(BudgetReset reset);
  bool write(AuditRow row);
  bool write(StoredResponse response);  // one item, whatever its size

  // Runs `job` on the store thread (see above). The job must not throw.
  boost::asio::awaitable<api::Result<void>> run(std::function<void(Store&)> job);
  // The same, blocking the caller (startup, tests; never on a worker thread).
  api::Result<void> runBlocking(std::function<void(Store&)> job);
  // The same, not waited for: false (and the job never runs) when the queue is full or the
  // thread stopped. The job tells its own caller what happened.
  bool submit(std::function<void(Store&)> job);

  // Writes what is buffered and ends the thread; later writes are dropped. Idempotent.
  void stop();
  StoreStats stats() const;
  std::string_view engine() const noexcept;
  // False from a failed background write until one succeeds again (GET /health/readiness says
  // "db": "Not connected" meanwhile).
  bool writing() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace switchyard::store
