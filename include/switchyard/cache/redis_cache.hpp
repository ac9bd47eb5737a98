#pragma once
// The Redis response cache (cache_params.type: redis; docs/caching.md): entries shared by every
// instance on the same Redis and surviving a gateway restart. One per worker, on the worker's
// Redis client (not thread-safe: used from that worker's thread only).
//
// Stored as LiteLLM stores a cached response: key `<namespace>:<hash>` (or `<hash>`), value
// {"timestamp": <unix seconds>, "response": "<body>", "content_type": "..."}, expiring with PX.
// A read waits at most `read_timeout`; a write is sent in the background (at most
// `write_timeout`). A Redis that fails or is slow is a miss, never an error.

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <string>

#include "switchyard/cache/response_cache.hpp"

namespace switchyard::redis {
class Client;
}

namespace switchyard::cache {

class RedisCache final : public ResponseCache {
 public:
  RedisCache(redis::Client& client, std::string key_prefix,
             std::chrono::milliseconds read_timeout = std::chrono::milliseconds(100),
             std::chrono::milliseconds write_timeout = std::chrono::milliseconds(100));

  boost::asio::awaitable<std::shared_ptr<const Entry>> get(const std::string& key) override;
  void put(const std::string& key, std::shared_ptr<const Entry> entry,
           std::chrono::milliseconds ttl) override;

  // The stored value of an entry, and back (null when `value` is not one).
  static std::string encode(const Entry& e);
  static std::shared_ptr<const Entry> decode(const std::string& value);

 private:
  redis::Client& client_;
  std::string prefix_;
  std::chrono::milliseconds read_timeout_, write_timeout_;
};

}  // namespace switchyard::cache
