#include "switchyard/api/ids.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace switchyard::api {
namespace {

TEST(NewUuidTest, HasVersion7Format) {
  const std::regex kShape("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  for (int i = 0; i < 1000; ++i) {
    std::string id = newUuid();
    ASSERT_EQ(id.size(), 36u);
    ASSERT_TRUE(std::regex_match(id, kShape)) << id;
  }
}

TEST(NewUuidTest, StartsWithTheTimeInMilliseconds) {
  auto nowMs = [] {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  };
  std::uint64_t before = nowMs();
  std::string id = newUuid();
  std::uint64_t after = nowMs();
  std::uint64_t ms = std::stoull(id.substr(0, 8) + id.substr(9, 4), nullptr, 16);
  EXPECT_GE(ms, before);
  EXPECT_LE(ms, after);
}

TEST(NewUuidTest, LaterIdsSortLater) {
  std::string first = newUuid();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  std::string second = newUuid();
  EXPECT_LT(first, second);
}

TEST(NewUuidTest, Unique) {
  std::set<std::string> seen;
  for (int i = 0; i < 20000; ++i) ASSERT_TRUE(seen.insert(newUuid()).second);
}

TEST(NewUuidTest, UniqueAcrossThreads) {
  constexpr int kThreads = 4, kPerThread = 2000;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids, t] {
      for (int i = 0; i < kPerThread; ++i) ids[t].push_back(newUuid());
    });
  }
  for (std::thread& th : threads) th.join();
  std::set<std::string> seen;
  for (const auto& v : ids)
    for (const std::string& id : v) EXPECT_TRUE(seen.insert(id).second) << id;
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

TEST(NewUuidTest, UsesAllHexDigits) {
  // Catches a generator stuck on part of its range (e.g. a nibble always zero).
  std::set<char> chars;
  for (int i = 0; i < 200; ++i)
    for (char c : newUuid()) chars.insert(c);
  EXPECT_EQ(chars.size(), 17u);  // 0-9, a-f and '-'
}

}  // namespace
}  // namespace switchyard::api
