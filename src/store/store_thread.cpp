// The store thread (store_thread.hpp): a bounded, ordered buffer of background writes written in
// batched transactions, commands run in between, and the stored responses' retention purge, all
// on one thread that owns the Store.

#include "switchyard/store/store_thread.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <pthread.h>
#include <unordered_map>
#include <variant>
#include <vector>

namespace switchyard::store {
namespace {

namespace asio = boost::asio;
using Item = std::variant<SpendRow, SpendDelta, BudgetReset, AuditRow, StoredResponse>;
using Clock = std::chrono::steady_clock;

// How often the thread purges expired responses (and once at start).
constexpr std::chrono::minutes kPurgeEvery{1};

// What a stored response weighs in the buffer's byte bound.
std::size_t bytesOf(const StoredResponse& r) {
  return r.id.size() + r.owner.size() + r.model.size() + r.previous_response_id.size() +
         r.response.size() + r.input_items.size() + r.conversation.size();
}

api::Error unavailable(std::string detail) {
  return {api::ErrorKind::kUnavailable, "The database is unavailable: try again shortly.",
          std::move(detail)};
}

// How a command's caller learns it ran: resumes the awaiting coroutine on its executor, or wakes
// a blocked thread.
struct Completion {
  virtual ~Completion() = default;
  virtual void complete(api::Result<void> result) = 0;
};

template <class Handler>
struct HandlerCompletion final : Completion {
  explicit HandlerCompletion(Handler&& h) : handler(std::move(h)) {}
  void complete(api::Result<void> result) override {
    auto ex = asio::get_associated_executor(handler);
    asio::post(ex, [h = std::move(handler), r = std::move(result)]() mutable { h(std::move(r)); });
  }
  Handler handler;
};

struct PromiseCompletion final : Completion {
  void complete(api::Result<void> result) override { promise.set_value(std::move(result)); }
  std::promise<api::Result<void>> promise;
};

struct Command {
  std::function<void(Store&)> job;
  std::unique_ptr<Completion> done;
};

// Moves the first items of `items` (in order) into `b`: at most `max`, stopping where a key spend
// delta would follow a budget reset (a batch applies deltas before resets), and before a stored
// response that would take the batch's responses past `max_bytes` (a first one always goes). The
// deltas of one key and model are summed into one (one UPDATE per key per batch, not per
// request). Returns how many items were taken; `bytes` is what the batch's responses weigh.
std::size_t takeBatch(std::deque<Item>& items, std::size_t max, std::size_t max_bytes,
                      WriteBatch& b, std::size_t& bytes) {
  std::size_t n = 0;
  bytes = 0;
  // level, team, id and model -> index
  std::unordered_map<std::string, std::size_t> delta_at;
  auto addDelta = [&](SpendDelta&& d) {
    auto [it, fresh] = delta_at.try_emplace(
        std::string(1, char('0' + int(d.level))) + d.team_id + '\n' + d.id + '\n' + d.model,
        b.deltas.size());
    if (fresh) {
      b.deltas.push_back(std::move(d));
    } else {
      b.deltas[it->second].spend += d.spend;
    }
  };
  while (!items.empty() && n < max) {
    Item& it = items.front();
    if (std::holds_alternative<SpendDelta>(it) && !b.resets.empty()) break;
    if (const auto* r = std::get_if<StoredResponse>(&it)) {
      const std::size_t size = bytesOf(*r);
      if (bytes > 0 && bytes + size > max_bytes) break;
      bytes += size;
    }
    std::visit(
        [&b, &addDelta](auto&& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, SpendRow>) b.rows.push_back(std::move(v));
          if constexpr (std::is_same_v<T, SpendDelta>) addDelta(std::move(v));
          if constexpr (std::is_same_v<T, BudgetReset>) b.resets.push_back(std::move(v));
          if constexpr (std::is_same_v<T, AuditRow>) b.audit.push_back(std::move(v));
          if constexpr (std::is_same_v<T, StoredResponse>) b.responses.push_back(std::move(v));
        },
        std::move(it));
    items.pop_front();
    ++n;
  }
  return n;
}

}  // namespace

struct StoreThread::Impl {
  Impl(std::unique_ptr<Store> s, StoreThreadOptions o) : store(std::move(s)), opts(o) {}

  std::unique_ptr<Store> store;
  const StoreThreadOptions opts;
  std::string engine_name = std::string(store->engine());

  mutable std::mutex mu;
  std::condition_variable wake;
  std::deque<Item> incoming;     // mu
  std::deque<Command> commands;  // mu
  bool stopping = false;         // mu
  bool stopped = false;          // mu: the thread has ended

  // Store thread only.
  std::deque<Item> pending;  // taken from `incoming`, not yet in a batch (in order)
  // The batch being written, taken from the front of `pending` (so written before it); after a
  // failed write it stays here and is retried as is.
  std::optional<WriteBatch> batch;
  std::size_t batch_items = 0;  // the items `batch` was made of
  std::size_t batch_bytes = 0;  // what its stored responses weigh
  std::chrono::milliseconds backoff{0};
  Clock::time_point retry_at{};
  Clock::time_point purge_at{};  // the next retention purge

  std::atomic<std::uint64_t> written{0}, dropped{0}, failures{0}, purged{0};
  std::atomic<bool> failing{false};
  std::atomic<std::size_t> buffered{0};
  std::size_t response_bytes = 0;  // mu: stored responses buffered (bytesOf)
  std::thread thread;

  bool push(Item item) {
    const auto* response = std::get_if<StoredResponse>(&item);
    const std::size_t size = response != nullptr ? bytesOf(*response) : 0;
    {
      std::lock_guard lock(mu);
      if (stopped || buffered.load(std::memory_order_relaxed) >= opts.max_buffered ||
          (size > 0 && response_bytes + size > opts.max_buffered_response_bytes)) {
        dropped.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
      const bool first = incoming.empty();  // the thread may be asleep: wake it
      incoming.push_back(std::move(item));
      buffered.fetch_add(1, std::memory_order_relaxed);
      response_bytes += size;
      if (!first && incoming.size() < opts.max_batch) return true;
    }
    wake.notify_one();
    return true;
  }

  bool idle() const { return pending.empty() && !batch; }

  // Writes `pending` in batches; stops at the first failure (kept for a retry). True when idle.
  bool flushPending() {
    while (!idle()) {
      if (!batch) {
        batch.emplace();
        batch_items =
            takeBatch(pending, opts.max_batch, opts.max_batch_response_bytes, *batch, batch_bytes);
      }
      api::Result<void> r = store->write(*batch);
      if (!r) {
        failures.fetch_add(1, std::memory_order_relaxed);
        failing.store(true, std::memory_order_relaxed);
        backoff = backoff.count() == 0 ? opts.retry_initial : std::min(opts.retry_max, backoff * 2);
        retry_at = Clock::now() + backoff;
        spdlog::warn("store: writing {} item(s) failed, retrying in {} ms ({} buffered): {}",
                     batch_items, backoff.count(), buffered.load(),
                     r.error().logText());
        return false;
      }
      if (backoff.count() != 0) spdlog::info("store: writes succeed again");
      failing.store(false, std::memory_order_relaxed);
      backoff = std::chrono::milliseconds(0);
      buffered.fetch_sub(batch_items, std::memory_order_relaxed);
      written.fetch_add(batch_items, std::memory_order_relaxed);
      if (batch_bytes > 0) {
        std::lock_guard lock(mu);
        response_bytes -= batch_bytes;
      }
      batch.reset();
      batch_items = 0;
      batch_bytes = 0;
    }
    return true;
  }

  // Deletes the stored responses past retention when due: on the loop's first turn (after the
  // commands it runs), then every kPurgeEvery; a failure waits for the next turn.
  void purgeIfDue() {
    if (opts.response_retention.count() <= 0 || Clock::now() < purge_at) return;
    purge_at = Clock::now() + kPurgeEvery;
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    api::Result<std::size_t> n = store->purgeResponses((now - opts.response_retention).count());
    if (!n) {
      spdlog::warn("store: purging expired responses failed: {}", n.error().logText());
      return;
    }
    purged.fetch_add(*n, std::memory_order_relaxed);
    if (*n > 0) spdlog::info("store: {} expired response(s) purged", *n);
  }

  void loop() {
    std::unique_lock lock(mu);
    for (;;) {
      // Nothing to write: sleep until an item or a command comes (an idle gateway does not
      // tick); then gather items for flush_interval, or until max_batch are waiting.
      if (idle() && incoming.empty() && commands.empty() && !stopping) {
        wake.wait(lock, [this] { return stopping || !commands.empty() || !incoming.empty(); });
      }
      auto deadline = Clock::now() + opts.flush_interval;
      wake.wait_until(lock, deadline, [this] {
        return stopping || !commands.empty() || incoming.size() >= opts.max_batch;
      });
      std::deque<Command> todo;
      todo.swap(commands);
      if (pending.empty()) {
        pending.swap(incoming);  // the usual case: no row moved one by one under the lock
      } else {
        while (!incoming.empty()) {
          pending.push_back(std::move(incoming.front()));
          incoming.pop_front();
        }
      }
      bool stop_now = stopping;
      lock.unlock();

      if (Clock::now() >= retry_at || !todo.empty() || stop_now) flushPending();
      for (Command& c : todo) {
        api::Result<void> r;
        try {
          c.job(*store);
        } catch (const std::exception& e) {
          r = api::Error{api::ErrorKind::kInternal, "Internal error.",
                         std::string("store command threw: ") + e.what()};
        }
        c.done->complete(std::move(r));
      }
      // After the commands: at startup the first ones migrate the schema.
      if (!stop_now) purgeIfDue();
      if (stop_now) {
        auto give_up = Clock::now() + opts.stop_timeout;
        while (!idle() && Clock::now() < give_up) {
          std::this_thread::sleep_for(std::min(backoff, std::chrono::milliseconds(500)));
          flushPending();
        }
        lock.lock();
        while (!incoming.empty()) {  // arrived during the final flush
          pending.push_back(std::move(incoming.front()));
          incoming.pop_front();
        }
        lock.unlock();
        flushPending();
        if (!idle()) {
          std::size_t lost = pending.size() + (batch ? batch_items : 0);
          dropped.fetch_add(lost, std::memory_order_relaxed);
          spdlog::error("store: {} item(s) could not be written before exit", lost);
        }
        lock.lock();
        stopped = true;
        for (Command& c : commands) c.done->complete(unavailable("store stopped"));
        commands.clear();
        return;
      }
      lock.lock();
    }
  }

  // async_initiate's initiation for run(): queues the command with the coroutine's handler, or
  // completes it at once when the queue is full or the thread stopped.
  struct Start {
    Impl* impl;
    template <class Handler>
    void operator()(Handler&& handler, std::function<void(Store&)> job) const {
      using H = std::decay_t<Handler>;
      Command c{std::move(job), std::make_unique<HandlerCompletion<H>>(std::move(handler))};
      std::unique_lock lock(impl->mu);
      if (impl->stopping || impl->stopped || impl->commands.size() >= impl->opts.max_commands) {
        lock.unlock();
        c.done->complete(unavailable("store command queue full or stopped"));
        return;
      }
      impl->commands.push_back(std::move(c));
      lock.unlock();
      impl->wake.notify_one();
    }
  };

  bool enqueueCommand(Command c) {
    {
      std::lock_guard lock(mu);
      if (stopping || stopped || commands.size() >= opts.max_commands) return false;
      commands.push_back(std::move(c));
    }
    wake.notify_one();
    return true;
  }
};

StoreThread::StoreThread(std::unique_ptr<Store> store, StoreThreadOptions options)
    : impl_(std::make_shared<Impl>(std::move(store), options)) {
  impl_->thread = std::thread([impl = impl_.get()] {
    pthread_setname_np(pthread_self(), "sy-store");
    impl->loop();
  });
}

StoreThread::~StoreThread() { stop(); }

bool StoreThread::write(SpendRow row) { return impl_->push(std::move(row)); }
bool StoreThread::write(SpendDelta delta) { return impl_->push(std::move(delta)); }
bool StoreThread::write(BudgetReset reset) { return impl_->push(std::move(reset)); }
bool StoreThread::write(AuditRow row) { return impl_->push(std::move(row)); }
bool StoreThread::write(StoredResponse response) { return impl_->push(std::move(response)); }

asio::awaitable<api::Result<void>> StoreThread::run(std::function<void(Store&)> job) {
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(api::Result<void>)>(
      Impl::Start{impl_.get()}, asio::use_awaitable, std::move(job));
}

api::Result<void> StoreThread::runBlocking(std::function<void(Store&)> job) {
  auto done = std::make_unique<PromiseCompletion>();
  auto future = done->promise.get_future();
  if (!impl_->enqueueCommand(Command{std::move(job), std::move(done)})) {
    return unavailable("store command queue full or stopped");
  }
  return future.get();
}

bool StoreThread::submit(std::function<void(Store&)> job) {
  struct Nothing final : Completion {
    void complete(api::Result<void>) override {}
  };
  return impl_->enqueueCommand(Command{std::move(job), std::make_unique<Nothing>()});
}

void StoreThread::stop() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->wake.notify_one();
  if (impl_->thread.joinable()) impl_->thread.join();
}

StoreStats StoreThread::stats() const {
  return {impl_->written.load(), impl_->dropped.load(), impl_->failures.load(),
          impl_->buffered.load(), impl_->purged.load()};
}

std::string_view StoreThread::engine() const noexcept { return impl_->engine_name; }

bool StoreThread::writing() const noexcept {
  return !impl_->failing.load(std::memory_order_relaxed);
}

}  // namespace switchyard::store
