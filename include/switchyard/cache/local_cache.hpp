#pragma once
// The in-process response cache (cache_params.type: local): an LRU bounded in bytes, shared by
// the workers. Split into shards, each behind a mutex held only to find, link or unlink an entry
// (the entry itself is immutable and shared, never copied under the lock). An entry costs its
// key, body and content type plus a fixed overhead; inserting past the bound evicts the least
// recently used entries of that shard. Expired entries are misses and are dropped when met.

#include <array>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "switchyard/cache/response_cache.hpp"

namespace switchyard::cache {

class LocalCache final : public ResponseCache {
 public:
  explicit LocalCache(std::size_t max_bytes);

  boost::asio::awaitable<std::shared_ptr<const Entry>> get(const std::string& key) override;
  void put(const std::string& key, std::shared_ptr<const Entry> entry,
           std::chrono::milliseconds ttl) override;

  // The same without a coroutine (tests, and the async get above).
  std::shared_ptr<const Entry> find(const std::string& key, Clock::time_point now = Clock::now());
  void insert(const std::string& key, std::shared_ptr<const Entry> entry, Clock::time_point expires);

  std::size_t bytes() const;    // charged to the entries held
  std::size_t entries() const;
  static constexpr std::size_t kEntryOverhead = 128;

 private:
  static constexpr std::size_t kShards = 16;
  struct Item {
    std::string key;
    std::shared_ptr<const Entry> entry;
    Clock::time_point expires;
    std::size_t cost;
  };
  struct Shard {
    mutable std::mutex mu;
    std::list<Item> lru;  // most recently used first
    std::unordered_map<std::string_view, std::list<Item>::iterator> index;  // views into lru keys
    std::size_t bytes = 0;
  };
  Shard& shardOf(const std::string& key);
  static void erase(Shard& s, std::list<Item>::iterator it);

  std::size_t shard_bytes_;
  std::array<Shard, kShards> shards_;
};

}  // namespace switchyard::cache
