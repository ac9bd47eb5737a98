#pragma once
// Virtual keys loaded on first use, and kept in step with the store (docs/multi-instance.md).
//
// The registry (key_registry.hpp) is a cache of the store's keys: nothing is read at startup
// (a database of a million keys starts at once), and a token the registry does not hold is looked
// up in the store the first time it is used:
//
//   load(token)     asks the store (on its thread) for the key whose token, or whose previous
//                   token within a regeneration's grace period, is `token`, puts it in the
//                   registry, and resumes the caller. Concurrent callers for one token share one
//                   lookup; a token the store does not know is not asked about again for
//                   negative_ttl (bounded: max_negative tokens). A store that does not answer
//                   within lookup_timeout fails the caller with kUnavailable (a 503: the key
//                   cannot be checked now), never a hang.
//   refresh(token)  reads a key again and updates the registry: new settings (put), a new token
//                   (rekey), or gone (erase); forgets a negative answer. What an invalidation
//                   message from another instance triggers (key_events.hpp). Background.
//   touch(entry)    on the request path, for a key in use: when the invalidation channel is
//                   down (or there is none) and the entry is older than refresh_after, refreshes
//                   it in the background (the request goes on with the row it has). One atomic
//                   load when fresh.
//   markAllStale()  the channel came back after a gap (messages may be lost): every loaded key
//                   is read again at its next use.
//
// Thread-safe. The callbacks run on the store thread and on the callers' executors.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "switchyard/api/error.hpp"
#include "switchyard/keys/key_registry.hpp"

namespace switchyard::store {
class StoreThread;
}

namespace switchyard::keys {

struct KeyLoaderOptions {
  std::chrono::milliseconds lookup_timeout{2000};
  std::chrono::milliseconds negative_ttl{10000};
  std::size_t max_negative = 100000;
  // A loaded key's row is read again after this long while no invalidation channel is up;
  // 0: never (one instance on its own database needs none).
  std::chrono::milliseconds refresh_after{0};
};

struct KeyLoaderStats {
  std::uint64_t lookups = 0;    // store lookups made (after coalescing)
  std::uint64_t loaded = 0;     // keys found and put in the registry
  std::uint64_t missing = 0;    // tokens the store did not know
  std::uint64_t failures = 0;   // lookups that failed or timed out
  std::uint64_t refreshes = 0;  // keys read again (invalidations, staleness)
};

class KeyLoader {
 public:
  KeyLoader(KeyRegistry& registry, store::StoreThread& store, KeyLoaderOptions options = {});
  ~KeyLoader();
  KeyLoader(const KeyLoader&) = delete;
  KeyLoader& operator=(const KeyLoader&) = delete;

  // Whether load() could find `token` (not in the registry, not known missing).
  bool mayLoad(const TokenHash& token) const;
  boost::asio::awaitable<api::Result<void>> load(TokenHash token);

  void refresh(std::string_view token_hex, bool spend_set = false);
  void touch(const std::shared_ptr<KeyEntry>& entry);
  void markAllStale();
  // Whether invalidation messages arrive (key_events.hpp says so); while not, touch() refreshes
  // entries older than refresh_after.
  void setChannelUp(bool up) noexcept { channel_up_.store(up, std::memory_order_relaxed); }

  KeyLoaderStats stats() const;

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared with store-thread jobs still in flight
  std::atomic<bool> channel_up_{false};
};

}  // namespace switchyard::keys
