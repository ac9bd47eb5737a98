// KeyLoader (key_loader.hpp): store lookups shared by concurrent callers, a bounded memory of
// unknown tokens, and rereads of loaded keys.

#include "switchyard/keys/key_loader.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "clock.hpp"
#include "switchyard/keys/key_entry.hpp"
#include "switchyard/store/store_thread.hpp"

namespace switchyard::keys {
namespace {

namespace asio = boost::asio;

std::string hexOf(const TokenHash& t) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(64, '0');
  for (std::size_t i = 0; i < t.size(); ++i) {
    out[2 * i] = kDigits[t[i] >> 4];
    out[2 * i + 1] = kDigits[t[i] & 15];
  }
  return out;
}

struct HashOfToken {
  std::size_t operator()(const TokenHash& t) const noexcept {
    std::size_t h;
    std::memcpy(&h, t.data(), sizeof h);
    return h;
  }
};

api::Error unavailable(std::string detail) {
  return {api::ErrorKind::kUnavailable,
          "The key store is unavailable: the key cannot be checked now. Try again shortly.",
          std::move(detail)};
}

// One caller of load(), resumed on its own executor.
struct Waiter {
  explicit Waiter(asio::any_io_executor ex) : ex(ex), timer(ex) {}
  asio::any_io_executor ex;
  asio::steady_timer timer;
  bool done = false;  // set on `ex` only
  api::Result<void> result;
};

}  // namespace

struct KeyLoader::State {
  State(KeyRegistry& r, store::StoreThread& s, KeyLoaderOptions o)
      : registry(r), store(s), opts(o) {}

  KeyRegistry& registry;
  store::StoreThread& store;
  const KeyLoaderOptions opts;

  std::mutex mu;
  std::unordered_map<TokenHash, std::int64_t, HashOfToken> missing;  // token -> until (steady ms)
  std::unordered_map<TokenHash, std::vector<std::shared_ptr<Waiter>>, HashOfToken> pending;
  std::atomic<std::int64_t> stale_before{0};
  std::atomic<std::uint64_t> lookups{0}, loaded{0}, unknown{0}, failures{0}, refreshes{0};

  bool knownMissing(const TokenHash& t, std::int64_t now) {
    std::lock_guard lock(mu);
    auto it = missing.find(t);
    if (it == missing.end()) return false;
    if (now < it->second) return true;
    missing.erase(it);
    return false;
  }

  // Resumes every caller waiting for `t`.
  void complete(const TokenHash& t, const api::Result<void>& result) {
    std::vector<std::shared_ptr<Waiter>> waiters;
    {
      std::lock_guard lock(mu);
      auto it = pending.find(t);
      if (it == pending.end()) return;
      waiters = std::move(it->second);
      pending.erase(it);
    }
    for (auto& w : waiters) {
      asio::post(w->ex, [w, result] {
        w->done = true;
        w->result = result;
        w->timer.cancel();
      });
    }
  }

  // The key `hex` names (its token, or the previous token of a regeneration in grace).
  static api::Result<std::optional<store::KeyRow>> find(store::Store& s, const std::string& hex) {
    auto row = s.findKey(hex);
    if (row && !*row) row = s.findKeyByPreviousToken(hex);
    return row;
  }

  // Store thread.
  void lookup(store::Store& s, const TokenHash& t) {
    lookups.fetch_add(1, std::memory_order_relaxed);
    auto row = find(s, hexOf(t));
    if (!row) {
      failures.fetch_add(1, std::memory_order_relaxed);
      complete(t, row.error());
      return;
    }
    if (*row) {
      registry.put(**row, /*spend_set=*/false);
      loaded.fetch_add(1, std::memory_order_relaxed);
    } else {
      unknown.fetch_add(1, std::memory_order_relaxed);
      std::lock_guard lock(mu);
      if (missing.size() >= opts.max_negative) missing.clear();
      missing[t] = steadyMs() + opts.negative_ttl.count();
    }
    complete(t, {});
  }

  // Store thread: reads the key `hex` names again, for the registry's entry `entry`.
  void reread(store::Store& s, const std::string& hex, bool spend_set,
              const std::shared_ptr<KeyEntry>& entry) {
    refreshes.fetch_add(1, std::memory_order_relaxed);
    auto row = find(s, hex);
    if (!row) {  // the store is out of reach: keep the row, try again at the next use
      failures.fetch_add(1, std::memory_order_relaxed);
      entry->refreshDone();
      return;
    }
    if (!*row) {
      registry.erase(hex);
    } else {
      const std::string current = entry->row()->token;
      if ((*row)->token != current) {
        registry.rekey(current, **row);
      } else {
        registry.put(**row, spend_set);
      }
      entry->markLoaded(steadyMs());
    }
    entry->refreshDone();
  }

  // Queues a reread of `entry` (claimed by the caller); false when the queue is full.
  bool queueReread(std::shared_ptr<State> self, std::string hex, bool spend_set,
                   std::shared_ptr<KeyEntry> entry) {
    return store.submit([self = std::move(self), hex = std::move(hex), spend_set,
                         entry](store::Store& s) { self->reread(s, hex, spend_set, entry); });
  }
};

KeyLoader::KeyLoader(KeyRegistry& registry, store::StoreThread& store, KeyLoaderOptions options)
    : state_(std::make_shared<State>(registry, store, options)) {}

KeyLoader::~KeyLoader() = default;

bool KeyLoader::mayLoad(const TokenHash& token) const {
  return !state_->knownMissing(token, steadyMs());
}

asio::awaitable<api::Result<void>> KeyLoader::load(TokenHash token) {
  std::shared_ptr<State> st = state_;
  if (st->knownMissing(token, steadyMs())) co_return api::Result<void>{};
  auto w = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  bool first = false;
  {
    std::lock_guard lock(st->mu);
    auto it = st->pending.find(token);
    if (it == st->pending.end()) {
      // A lookup that just ended put the key before it left `pending` (under this lock).
      if (st->registry.find(token)) co_return api::Result<void>{};
      it = st->pending.emplace(token, std::vector<std::shared_ptr<Waiter>>{}).first;
      first = true;
    }
    it->second.push_back(w);
  }
  if (first && !st->store.submit([st, token](store::Store& s) { st->lookup(s, token); })) {
    st->complete(token, unavailable("key lookup: store command queue full"));
  }
  if (!w->done) {
    w->timer.expires_after(st->opts.lookup_timeout);
    boost::system::error_code ec;
    co_await w->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!w->done) {
    st->failures.fetch_add(1, std::memory_order_relaxed);
    co_return unavailable("key lookup timed out");
  }
  co_return w->result;
}

void KeyLoader::refresh(std::string_view token_hex, bool spend_set) {
  TokenHash t;
  if (!parseTokenHex(token_hex, t)) return;
  {
    std::lock_guard lock(state_->mu);
    state_->missing.erase(t);
  }
  std::shared_ptr<KeyEntry> entry = state_->registry.find(t);
  if (!entry) return;  // not loaded here: its first use reads it fresh
  // Not deduplicated: a reread already under way may have read the row before this change.
  entry->claimRefresh();
  if (!state_->queueReread(state_, std::string(token_hex), spend_set, entry)) {
    entry->markLoaded(0);  // stale: read again at its next use
    entry->refreshDone();
  }
}

void KeyLoader::touch(const std::shared_ptr<KeyEntry>& entry) {
  const std::int64_t loaded = entry->loadedAt();
  const KeyLoaderOptions& o = state_->opts;
  const bool stale = loaded <= state_->stale_before.load(std::memory_order_relaxed);
  const bool periodic = o.refresh_after.count() > 0 && !channel_up_.load(std::memory_order_relaxed);
  if (!stale && (!periodic || steadyMs() - loaded < o.refresh_after.count())) return;
  if (!entry->claimRefresh()) return;
  if (!state_->queueReread(state_, entry->row()->token, false, entry)) entry->refreshDone();
}

void KeyLoader::markAllStale() { state_->stale_before.store(steadyMs()); }

KeyLoaderStats KeyLoader::stats() const {
  return {state_->lookups.load(), state_->loaded.load(), state_->unknown.load(),
          state_->failures.load(), state_->refreshes.load()};
}

}  // namespace switchyard::keys
