// LocalCache: found until expiry, LRU eviction within the byte bound, replacement, and entries
// too big for the cache not stored.

#include <gtest/gtest.h>

#include <string>

#include "switchyard/cache/local_cache.hpp"

namespace switchyard::cache {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const Entry> entryOf(std::string body) {
  auto e = std::make_shared<Entry>();
  e->body = std::move(body);
  e->content_type = "application/json";
  return e;
}

TEST(LocalCache, FoundUntilItExpires) {
  LocalCache c(1 << 20);
  const auto t0 = Clock::now();
  c.insert("k", entryOf("answer"), t0 + 10s);
  auto hit = c.find("k", t0 + 9s);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->body, "answer");
  EXPECT_EQ(c.find("k", t0 + 10s), nullptr);
  EXPECT_EQ(c.entries(), 0u) << "an expired entry met is dropped";
  EXPECT_EQ(c.bytes(), 0u);
}

TEST(LocalCache, TheBoundInBytesEvictsTheLeastRecentlyUsed) {
  // 16 shards of 4 KiB: entries of ~1.1 KiB, so a shard holds 3.
  LocalCache c(16 * 4096);
  const auto far = Clock::now() + 1h;
  std::vector<std::string> keys;
  for (int i = 0; i < 400; ++i) {
    keys.push_back("key-" + std::to_string(i));
    c.insert(keys.back(), entryOf(std::string(1000, 'x')), far);
    if (i >= 1) ASSERT_NE(c.find(keys[0]), nullptr) << "the entry in use was evicted at " << i;
  }
  EXPECT_LE(c.bytes(), 16u * 4096);
  EXPECT_LE(c.entries(), 16u * 3);
  EXPECT_NE(c.find(keys[0]), nullptr);
  EXPECT_NE(c.find(keys.back()), nullptr);
  int gone = 0;
  for (const std::string& k : keys) gone += c.find(k) == nullptr ? 1 : 0;
  EXPECT_GE(gone, 400 - 48);
}

TEST(LocalCache, ReplacingAKeyChargesItOnce) {
  LocalCache c(1 << 20);
  const auto far = Clock::now() + 1h;
  c.insert("k", entryOf(std::string(100, 'a')), far);
  c.insert("k", entryOf(std::string(300, 'b')), far);
  EXPECT_EQ(c.entries(), 1u);
  EXPECT_EQ(c.bytes(), 1 + 300 + std::string("application/json").size() + LocalCache::kEntryOverhead);
  EXPECT_EQ(c.find("k")->body, std::string(300, 'b'));
}

TEST(LocalCache, AnEntryLargerThanAShardIsNotStored) {
  LocalCache c(16 * 1024);
  c.insert("big", entryOf(std::string(5000, 'x')), Clock::now() + 1h);
  EXPECT_EQ(c.find("big"), nullptr);
  EXPECT_EQ(c.bytes(), 0u);
}

}  // namespace
}  // namespace switchyard::cache
