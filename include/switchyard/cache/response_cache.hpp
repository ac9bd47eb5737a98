#pragma once
// The response cache seam (docs/caching.md): answers stored under a key that hashes everything
// that can change them. Backends: LocalCache (in-process LRU bounded in bytes); Redis next.
//
// get() may suspend (a remote backend) and never fails: a backend that cannot answer is a miss.
// put() never waits: a remote backend writes in the background.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>

namespace switchyard::cache {

using Clock = std::chrono::steady_clock;

struct Entry {
  std::string body;          // the whole answer as the client got it
  std::string content_type;  // of `body`
  std::chrono::system_clock::time_point stored_at;  // for s-maxage
};

class ResponseCache {
 public:
  virtual ~ResponseCache() = default;
  // The entry under `key`, or null (absent, expired, or the backend unavailable).
  virtual boost::asio::awaitable<std::shared_ptr<const Entry>> get(const std::string& key) = 0;
  // Stores `entry` under `key` for `ttl` (replacing any); never waits.
  virtual void put(const std::string& key, std::shared_ptr<const Entry> entry,
                   std::chrono::milliseconds ttl) = 0;
};

}  // namespace switchyard::cache
