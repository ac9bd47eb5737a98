#pragma once
// Every virtual key of the store, in memory (docs/keys.md): the request path finds a key by the
// SHA-256 of what the client sent in O(1), with no I/O. Loaded whole at startup and kept in step
// by the admin routes of this instance (put / erase), so a revoked key stops at once.
//
// Each KeyEntry holds the key's settings (an immutable KeySettings, replaced as a whole on
// update) and its live counters (key_entry.hpp). Thread-safe: the map is split into
// shards, each behind a reader-writer lock held only for the lookup itself.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "switchyard/store/records.hpp"

namespace switchyard::keys {

class KeyEntry;

// The 32 bytes of a SHA-256 (a token's binary form).
using TokenHash = std::array<std::uint8_t, 32>;
// From 64 hex digits; false when `hex` is not that.
bool parseTokenHex(std::string_view hex, TokenHash& out) noexcept;
// SHA-256 of a key as the client sent it.
TokenHash hashOfKey(std::string_view key);

class KeyRegistry {
 public:
  KeyRegistry();
  ~KeyRegistry();
  KeyRegistry(const KeyRegistry&) = delete;
  KeyRegistry& operator=(const KeyRegistry&) = delete;

  // The entry of a key by its hash, or null.
  std::shared_ptr<KeyEntry> find(const TokenHash& token) const;
  std::shared_ptr<KeyEntry> find(std::string_view token_hex) const;

  // Adds a key, or replaces the settings of the key with row.token (keeping its live counters;
  // `spend_set`: the row's spend replaces the live one, see KeyEntry::setRow). A row with a
  // previous_token (regenerated with a grace period) is found by both hashes. Returns the entry.
  std::shared_ptr<KeyEntry> put(const store::KeyRow& row, bool spend_set = true);
  // Moves an entry to a new token (regenerate): the entry of `old_token_hex` is found by
  // row.token from now on, and by the old hash only while row.previous_token names it.
  std::shared_ptr<KeyEntry> rekey(std::string_view old_token_hex, const store::KeyRow& row);
  // Removes a key (and any grace-period alias of it). False when unknown.
  bool erase(std::string_view token_hex);

  std::size_t size() const;  // keys, not counting grace-period aliases
  // Calls `fn` on every key once (not again through a grace-period alias), a shard at a time
  // under its read lock: `fn` must be quick and must not call into the registry. GET /metrics.
  void forEach(const std::function<void(const KeyEntry&)>& fn) const;

 private:
  static constexpr std::size_t kShards = 64;
  struct TokenHasher {
    std::size_t operator()(const TokenHash& t) const noexcept;
  };
  struct Shard {
    mutable std::shared_mutex mu;
    std::unordered_map<TokenHash, std::shared_ptr<KeyEntry>, TokenHasher> map;
  };
  Shard& shardOf(const TokenHash& t) const noexcept {
    return shards_[(t[0] ^ t[31]) % kShards];
  }
  void insertAlias(const TokenHash& t, std::shared_ptr<KeyEntry> e);
  void eraseHash(const TokenHash& t);

  mutable std::array<Shard, kShards> shards_;
  std::atomic<std::size_t> size_{0};
};

}  // namespace switchyard::keys
