// RedisCache (redis_cache.hpp).

#include "switchyard/cache/redis_cache.hpp"
#include "switchyard/api/json_get.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <nlohmann/json.hpp>

#include "switchyard/redis/client.hpp"

namespace switchyard::cache {
namespace {

using nlohmann::json;

boost::asio::awaitable<void> send(redis::Client& client, std::vector<std::string> args,
                                  std::chrono::milliseconds timeout) {
  auto r = co_await client.call(args, timeout);
  (void)r;  // a failed write is a later miss (and counted by the client's breaker)
}

}  // namespace

RedisCache::RedisCache(redis::Client& client, std::string key_prefix,
                       std::chrono::milliseconds read_timeout,
                       std::chrono::milliseconds write_timeout)
    : client_(client),
      prefix_(std::move(key_prefix)),
      read_timeout_(read_timeout),
      write_timeout_(write_timeout) {}

std::string RedisCache::encode(const Entry& e) {
  double ts = std::chrono::duration<double>(e.stored_at.time_since_epoch()).count();
  json j = {{"timestamp", ts}, {"response", e.body}, {"content_type", e.content_type}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::shared_ptr<const Entry> RedisCache::decode(const std::string& value) {
  json j = json::parse(value, nullptr, false);
  if (!j.is_object() || !j.contains("response") || !j["response"].is_string()) return nullptr;
  auto e = std::make_shared<Entry>();
  e->body = j["response"].get<std::string>();
  e->content_type = api::stringOf(j, "content_type", "application/json");
  double ts = j.contains("timestamp") && j["timestamp"].is_number() ? j["timestamp"].get<double>() : 0;
  e->stored_at = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::duration<double>(ts)));
  return e;
}

boost::asio::awaitable<std::shared_ptr<const Entry>> RedisCache::get(const std::string& key) {
  std::vector<std::string> args{"GET", prefix_ + key};
  auto r = co_await client_.call(args, read_timeout_);
  if (!r || r->type != redis::Value::Type::kString) co_return nullptr;
  co_return decode(r->str);
}

void RedisCache::put(const std::string& key, std::shared_ptr<const Entry> entry,
                     std::chrono::milliseconds ttl) {
  std::vector<std::string> args{"SET", prefix_ + key, encode(*entry), "PX",
                                std::to_string(std::max<std::int64_t>(1, ttl.count()))};
  boost::asio::co_spawn(client_.executor(), send(client_, std::move(args), write_timeout_),
                        boost::asio::detached);
}

}  // namespace switchyard::cache
