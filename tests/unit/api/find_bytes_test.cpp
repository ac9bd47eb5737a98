#include "switchyard/api/find_bytes.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace switchyard::api {
namespace {

constexpr std::size_t npos = std::string_view::npos;

TEST(FindBytesTest, FirstOccurrenceFromAnOffset) {
  std::string_view text = R"({"usage":1,"usage":2})";
  EXPECT_EQ(findBytes(text, "\"usage\""), 1u);
  EXPECT_EQ(findBytes(text, "\"usage\"", 2), 11u);
  EXPECT_EQ(findBytes(text, "\"usage\"", 12), npos);
  EXPECT_EQ(findBytes(text, "\"cost\""), npos);
}

TEST(FindBytesTest, EmptyOrShortTextsAndOffsetsPastTheEnd) {
  EXPECT_EQ(findBytes(std::string_view(), "\"usage\""), npos);  // data() is null
  EXPECT_EQ(findBytes(std::string(), "x"), npos);
  EXPECT_EQ(findBytes("abc", "abcd"), npos);
  EXPECT_EQ(findBytes("abc", "c", 3), npos);
  EXPECT_EQ(findBytes("abc", "c", 99), npos);
  EXPECT_EQ(findBytes("abc", "", 1), 1u);
}

}  // namespace
}  // namespace switchyard::api
