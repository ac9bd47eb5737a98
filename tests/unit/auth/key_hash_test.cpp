#include "switchyard/auth/key_hash.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace switchyard::auth {
namespace {

TEST(KeyHashTest, GeneratedKeysHaveThePrefixEnoughEntropyAndAreUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string k = generateKey();
    ASSERT_EQ(k.size(), 3u + 43u) << k;  // 32 bytes in base64url, no padding
    EXPECT_EQ(k.substr(0, 3), "sk-");
    EXPECT_EQ(
        k.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 3),
        std::string::npos)
        << k;
    EXPECT_TRUE(seen.insert(k).second) << "a key came out twice: " << k;
  }
}

TEST(KeyHashTest, HashIsSha256HexAsLiteLlmStoresIt) {
  // Known SHA-256 vectors (FIPS 180-2): "" and "abc".
  EXPECT_EQ(hashKey(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hashKey("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hashKey("sk-1234"), hashKey("sk-1234"));
  EXPECT_NE(hashKey("sk-1234"), hashKey("sk-1235"));
  EXPECT_EQ(hashKey("sk-anything").size(), 64u);
}

TEST(KeyHashTest, AbbreviationShowsOnlyTheLastFourCharacters) {
  EXPECT_EQ(abbreviateKey("sk-abcdefghijklmnop"), "sk-...mnop");
  EXPECT_EQ(abbreviateKey("sk-1"), "sk-....");
  EXPECT_EQ(abbreviateKey(""), "sk-....");
}

}  // namespace
}  // namespace switchyard::auth
