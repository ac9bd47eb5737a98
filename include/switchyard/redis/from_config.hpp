#pragma once
// Which Redis the config names, and for what (docs/redis.md#where-it-is):
//
//   cacheRedis   the response cache's, when `litellm_settings.cache` is on with
//                `cache_params.type: redis`: cache_params `url` (or `redis_url`), else its
//                host / port / password / username / db / ssl; what it leaves out comes from env
//                REDIS_URL, else REDIS_HOST / REDIS_PORT / REDIS_PASSWORD / REDIS_USERNAME.
//   sharedRedis  the one shared limits and budgets use: router_settings redis_url, else
//                redis_host / redis_port / redis_password / redis_db; else the cache's Redis;
//                else env REDIS_URL or REDIS_HOST when set. nullopt: counters stay per instance.
//
// A malformed URL or port is an error naming the setting.

#include <functional>
#include <optional>

#include "switchyard/config/config.hpp"
#include "switchyard/redis/settings.hpp"

namespace switchyard::redis {

// getenv, or a map in tests: null when unset.
using EnvLookup = std::function<const char*(const char*)>;

std::optional<api::Result<Settings>> cacheRedis(const config::Config& cfg, const EnvLookup& env);
std::optional<api::Result<Settings>> sharedRedis(const config::Config& cfg, const EnvLookup& env);

}  // namespace switchyard::redis
