#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "switchyard/config/config.hpp"

namespace switchyard::config {
namespace {

TEST(DurationTest, ParsesUnits) {
  EXPECT_EQ(parseDurationSeconds("30s"), 30);
  EXPECT_EQ(parseDurationSeconds("30m"), 30 * 60);
  EXPECT_EQ(parseDurationSeconds("30h"), 30 * 3600);
  EXPECT_EQ(parseDurationSeconds("30d"), 30 * 86400);
  EXPECT_EQ(parseDurationSeconds("2w"), 14 * 86400);
  EXPECT_EQ(parseDurationSeconds("1mo"), 30 * 86400);
  EXPECT_EQ(parseDurationSeconds("2mo"), 60 * 86400);
  EXPECT_EQ(parseDurationSeconds("250ms"), 0.25);
}

TEST(DurationTest, BareNumbersAreSeconds) {
  EXPECT_EQ(parseDurationSeconds("45"), 45);
  EXPECT_EQ(parseDurationSeconds("0"), 0);
  EXPECT_EQ(parseDurationSeconds("1.5"), 1.5);
  EXPECT_EQ(parseDurationSeconds("0.5m"), 30);
  EXPECT_EQ(parseDurationSeconds(".5"), 0.5);
  EXPECT_EQ(parseDurationSeconds(" 10s "), 10);
}

TEST(DurationTest, MalformedIsNullopt) {
  for (const char* bad : {"", " ", "s", "mo", "abc", "10x", "10 s", "-5", "-5s", "+5", "1e", "5ss",
                          "0x10", "1.2.3", "inf", "nan", "10sm", "m30"}) {
    EXPECT_EQ(parseDurationSeconds(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace switchyard::config
