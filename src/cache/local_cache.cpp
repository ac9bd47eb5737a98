// LocalCache (local_cache.hpp).

#include "switchyard/cache/local_cache.hpp"

#include <functional>

namespace switchyard::cache {

LocalCache::LocalCache(std::size_t max_bytes) : shard_bytes_(std::max<std::size_t>(1, max_bytes / kShards)) {}

LocalCache::Shard& LocalCache::shardOf(const std::string& key) {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

void LocalCache::erase(Shard& s, std::list<Item>::iterator it) {
  s.bytes -= it->cost;
  s.index.erase(it->key);
  s.lru.erase(it);
}

std::shared_ptr<const Entry> LocalCache::find(const std::string& key, Clock::time_point now) {
  Shard& s = shardOf(key);
  std::lock_guard lock(s.mu);
  auto found = s.index.find(key);
  if (found == s.index.end()) return nullptr;
  auto it = found->second;
  if (now >= it->expires) {
    erase(s, it);
    return nullptr;
  }
  s.lru.splice(s.lru.begin(), s.lru, it);
  return it->entry;
}

void LocalCache::insert(const std::string& key, std::shared_ptr<const Entry> entry,
                        Clock::time_point expires) {
  const std::size_t cost =
      key.size() + entry->body.size() + entry->content_type.size() + kEntryOverhead;
  Shard& s = shardOf(key);
  if (cost > shard_bytes_) return;  // larger than a shard can ever hold
  std::lock_guard lock(s.mu);
  if (auto found = s.index.find(key); found != s.index.end()) erase(s, found->second);
  while (s.bytes + cost > shard_bytes_ && !s.lru.empty()) erase(s, std::prev(s.lru.end()));
  s.lru.push_front(Item{key, std::move(entry), expires, cost});
  s.index.emplace(s.lru.front().key, s.lru.begin());
  s.bytes += cost;
}

boost::asio::awaitable<std::shared_ptr<const Entry>> LocalCache::get(const std::string& key) {
  co_return find(key);
}

void LocalCache::put(const std::string& key, std::shared_ptr<const Entry> entry,
                     std::chrono::milliseconds ttl) {
  insert(key, std::move(entry), Clock::now() + ttl);
}

std::size_t LocalCache::bytes() const {
  std::size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.bytes;
  }
  return n;
}

std::size_t LocalCache::entries() const {
  std::size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.lru.size();
  }
  return n;
}

}  // namespace switchyard::cache
