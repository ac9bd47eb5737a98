// parseRedisUrl and describe: the URL forms LiteLLM and redis-py accept, and no secret in what
// may be logged.

#include <gtest/gtest.h>

#include "switchyard/redis/settings.hpp"

namespace switchyard::redis {
namespace {

TEST(RedisSettings, PlainUrlWithPortAndDb) {
  auto s = parseRedisUrl("redis://cache.internal:6380/2");
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->host, "cache.internal");
  EXPECT_EQ(s->port, 6380);
  EXPECT_EQ(s->db, 2);
  EXPECT_FALSE(s->tls);
  EXPECT_TRUE(s->password.empty());
}

TEST(RedisSettings, DefaultsWhenOnlyTheHostIsGiven) {
  auto s = parseRedisUrl("redis://localhost");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->host, "localhost");
  EXPECT_EQ(s->port, 6379);
  EXPECT_EQ(s->db, 0);
}

TEST(RedisSettings, UserAndPercentEncodedPassword) {
  auto s = parseRedisUrl("rediss://app:p%40ss%3Aword@redis.example.com:6390/0");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->tls);
  EXPECT_TRUE(s->tls_verify);
  EXPECT_EQ(s->username, "app");
  EXPECT_EQ(s->password, "p@ss:word");
  EXPECT_EQ(s->port, 6390);
}

TEST(RedisSettings, PasswordOnlyForms) {
  auto a = parseRedisUrl("redis://:secret@127.0.0.1:7000");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->username, "");
  EXPECT_EQ(a->password, "secret");
  auto b = parseRedisUrl("redis://secret@127.0.0.1");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->password, "secret");
}

TEST(RedisSettings, Ipv6HostAndQueryOptions) {
  auto s = parseRedisUrl("rediss://[::1]:6379?ssl_cert_reqs=none&db=3");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->host, "::1");
  EXPECT_FALSE(s->tls_verify);
  EXPECT_EQ(s->db, 3);
  EXPECT_EQ(describe(*s), "[::1]:6379/3 tls");
}

TEST(RedisSettings, BadUrlsAreErrors) {
  for (const char* bad : {"http://x", "redis://h:0", "redis://h:99999", "redis://h:12ab",
                          "redis://h/notanumber", "redis://[::1", "redis://h?db=-1"}) {
    EXPECT_FALSE(parseRedisUrl(bad).has_value()) << bad;
  }
}

TEST(RedisSettings, DescribeNeverShowsThePassword) {
  auto s = parseRedisUrl("redis://user:hunter2@h:1/1");
  ASSERT_TRUE(s.has_value());
  std::string d = describe(*s);
  EXPECT_EQ(d, "h:1/1");
  EXPECT_EQ(d.find("hunter2"), std::string::npos);
  EXPECT_EQ(d.find("user"), std::string::npos);
}

}  // namespace
}  // namespace switchyard::redis
