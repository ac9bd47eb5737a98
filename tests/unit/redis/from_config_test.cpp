// cacheRedis / sharedRedis: which Redis the config (and env) names for the cache and for the
// shared counters, LiteLLM's keys first, env after.

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "switchyard/redis/from_config.hpp"

namespace switchyard::redis {
namespace {

EnvLookup envOf(std::map<std::string, std::string> vars) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [shared](const char* name) -> const char* {
    auto it = shared->find(name);
    return it == shared->end() ? nullptr : it->second.c_str();
  };
}

config::Config redisCache() {
  config::Config c;
  c.litellm_settings.cache = true;
  c.litellm_settings.cache_params.type = "redis";
  return c;
}

TEST(RedisFromConfig, NoCacheAndNothingSetMeansNoRedis) {
  config::Config c;
  EXPECT_FALSE(cacheRedis(c, envOf({})).has_value());
  EXPECT_FALSE(sharedRedis(c, envOf({})).has_value());
  c.litellm_settings.cache = true;  // a local cache
  EXPECT_FALSE(cacheRedis(c, envOf({{"REDIS_HOST", "r"}})).has_value());
}

TEST(RedisFromConfig, CacheParamsPartsThenEnvForTheRest) {
  config::Config c = redisCache();
  c.litellm_settings.cache_params.host = "cache-host";
  c.litellm_settings.cache_params.db = 4;
  auto s = cacheRedis(c, envOf({{"REDIS_PORT", "6390"}, {"REDIS_PASSWORD", "pw"}}));
  ASSERT_TRUE(s.has_value());
  ASSERT_TRUE(s->has_value()) << s->error().message;
  EXPECT_EQ((*s)->host, "cache-host");
  EXPECT_EQ((*s)->port, 6390);
  EXPECT_EQ((*s)->password, "pw");
  EXPECT_EQ((*s)->db, 4);
}

TEST(RedisFromConfig, CallDeadlinesAreShortUnlessSocketTimeoutSaysOtherwise) {
  config::Config c = redisCache();
  c.litellm_settings.cache_params.host = "r";
  auto cache = cacheRedis(c, envOf({}));
  auto counters = sharedRedis(c, envOf({}));
  ASSERT_TRUE(cache && cache->has_value() && counters && counters->has_value());
  EXPECT_EQ((*cache)->timeout, std::chrono::milliseconds(100));
  EXPECT_EQ((*counters)->timeout, std::chrono::milliseconds(50)) << "the cache's Redis, counters' deadline";
  EXPECT_EQ((*counters)->host, "r");
  c.litellm_settings.cache_params.socket_timeout_s = 0.25;
  EXPECT_EQ((*cacheRedis(c, envOf({})))->timeout, std::chrono::milliseconds(250));
  EXPECT_EQ((*sharedRedis(c, envOf({})))->timeout, std::chrono::milliseconds(250));
  // Opening a link gets 200 ms, or a call's deadline when that is longer.
  EXPECT_EQ((*sharedRedis(c, envOf({})))->connect_timeout, std::chrono::milliseconds(250));
  c.litellm_settings.cache_params.socket_timeout_s = 0.01;
  EXPECT_EQ((*sharedRedis(c, envOf({})))->connect_timeout, std::chrono::milliseconds(200));
  c.litellm_settings.cache_params.url = "redis://r:7000";
  c.litellm_settings.cache_params.socket_timeout_s = 2;
  EXPECT_EQ((*cacheRedis(c, envOf({})))->connect_timeout, std::chrono::milliseconds(2000));
  c.litellm_settings.cache_params.url.clear();
  // router_settings' own Redis, from env alone too.
  config::Config r;
  r.router_settings.redis_host = "counters";
  EXPECT_EQ((*sharedRedis(r, envOf({})))->timeout, std::chrono::milliseconds(50));
  EXPECT_EQ((*sharedRedis(config::Config{}, envOf({{"REDIS_HOST", "e"}})))->timeout,
            std::chrono::milliseconds(50));
}

TEST(RedisFromConfig, CacheUrlWinsOverEnv) {
  config::Config c = redisCache();
  c.litellm_settings.cache_params.url = "rediss://u:p@r1:7000/2";
  auto s = cacheRedis(c, envOf({{"REDIS_URL", "redis://other:1"}}));
  ASSERT_TRUE(s && s->has_value());
  EXPECT_EQ((*s)->host, "r1");
  EXPECT_TRUE((*s)->tls);
  EXPECT_EQ((*s)->db, 2);
}

TEST(RedisFromConfig, EnvUrlServesACacheWithoutHost) {
  auto s = cacheRedis(redisCache(), envOf({{"REDIS_URL", "redis://env-host:6381"}}));
  ASSERT_TRUE(s && s->has_value());
  EXPECT_EQ((*s)->host, "env-host");
  EXPECT_EQ((*s)->port, 6381);
}

TEST(RedisFromConfig, SharedCountersPreferRouterSettingsThenTheCacheThenEnv) {
  config::Config c = redisCache();
  c.litellm_settings.cache_params.host = "cache-host";
  c.router_settings.redis_host = "router-host";
  c.router_settings.redis_port = 6400;
  auto s = sharedRedis(c, envOf({}));
  ASSERT_TRUE(s && s->has_value());
  EXPECT_EQ((*s)->host, "router-host");
  EXPECT_EQ((*s)->port, 6400);

  c.router_settings = {};
  s = sharedRedis(c, envOf({}));
  ASSERT_TRUE(s && s->has_value());
  EXPECT_EQ((*s)->host, "cache-host");

  config::Config plain;
  s = sharedRedis(plain, envOf({{"REDIS_HOST", "env-host"}}));
  ASSERT_TRUE(s && s->has_value());
  EXPECT_EQ((*s)->host, "env-host");
}

TEST(RedisFromConfig, BadValuesNameTheSetting) {
  config::Config c;
  c.router_settings.redis_url = "http://nope";
  auto s = sharedRedis(c, envOf({}));
  ASSERT_TRUE(s.has_value());
  ASSERT_FALSE(s->has_value());
  EXPECT_NE(s->error().message.find("router_settings.redis_url"), std::string::npos);
  s = cacheRedis(redisCache(), envOf({{"REDIS_PORT", "80a"}}));
  ASSERT_TRUE(s.has_value());
  ASSERT_FALSE(s->has_value());
  EXPECT_NE(s->error().message.find("REDIS_PORT"), std::string::npos);
}

}  // namespace
}  // namespace switchyard::redis
