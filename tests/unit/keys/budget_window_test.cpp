#include "switchyard/keys/budget_window.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace switchyard::keys {
namespace {

using namespace std::chrono;

SysSeconds at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return sys_seconds(sys_days(year(y) / month(mo) / day(d))) + hours(h) + minutes(mi) + seconds(s);
}

// Friday 2026-12-04 21:25:37 UTC.
const SysSeconds kNow = at(2026, 12, 4, 21, 25, 37);

void expectReset(const std::string& duration, SysSeconds now, SysSeconds want) {
  std::optional<SysSeconds> got = nextBudgetReset(duration, now);
  ASSERT_TRUE(got.has_value()) << duration;
  EXPECT_EQ(*got, want) << duration << ": off by " << (*got - want).count() << " s";
}

TEST(BudgetWindowTest, DaysAlignToMidnightMondayAndTheFirstOfTheMonth) {
  expectReset("1d", kNow, at(2026, 12, 5));
  expectReset("7d", kNow, at(2026, 12, 7));  // the next Monday
  expectReset("30d", kNow, at(2027, 1, 1));  // the 1st of next month, across the year
  expectReset("3d", kNow, at(2026, 12, 7));  // today's midnight + 3 days
  expectReset("7d", at(2026, 12, 7, 10), at(2026, 12, 14));  // on a Monday: a week later
  expectReset("30d", at(2026, 1, 31, 23, 59, 59), at(2026, 2, 1));
}

TEST(BudgetWindowTest, MonthsAndWeeks) {
  expectReset("1mo", kNow, at(2027, 1, 1));
  expectReset("2mo", kNow, at(2027, 2, 1));
  expectReset("14mo", kNow, at(2028, 2, 1));
  expectReset("1w", kNow, at(2026, 12, 7));
  expectReset("2w", kNow, at(2026, 12, 14));
}

TEST(BudgetWindowTest, HoursMinutesSecondsAlignToMultiples) {
  expectReset("1h", kNow, at(2026, 12, 4, 22));
  expectReset("4h", kNow, at(2026, 12, 5, 0));                  // 21 -> 24: midnight
  expectReset("5h", kNow, at(2026, 12, 5, 1));                  // 21 -> 25: 01:00 the next day
  expectReset("6h", at(2026, 12, 4, 12), at(2026, 12, 4, 18));  // on a boundary: the next one
  expectReset("15m", kNow, at(2026, 12, 4, 21, 30));
  expectReset("15m", at(2026, 12, 4, 23, 50), at(2026, 12, 5, 0, 0));
  expectReset("30s", kNow, at(2026, 12, 4, 21, 26, 0));
  expectReset("10s", kNow, at(2026, 12, 4, 21, 25, 40));
  expectReset("30s", at(2026, 12, 31, 23, 59, 45), at(2027, 1, 1, 0, 0, 0));
}

TEST(BudgetWindowTest, TheResetIsAlwaysInTheFuture) {
  for (const char* d :
       {"1s", "7s", "1m", "45m", "1h", "13h", "1d", "2d", "7d", "30d", "1w", "1mo"}) {
    for (SysSeconds now = at(2026, 2, 28, 23); now < at(2026, 3, 1, 1); now += seconds(433)) {
      std::optional<SysSeconds> r = nextBudgetReset(d, now);
      ASSERT_TRUE(r.has_value()) << d;
      EXPECT_GT(*r, now) << d;
    }
  }
}

TEST(BudgetWindowTest, MalformedDurationsAreRefused) {
  for (const char* d : {"", "d", "0d", "-1d", "1.5d", "5x", "1 d", "d1", "1D", "100001d"}) {
    EXPECT_FALSE(nextBudgetReset(d, kNow).has_value()) << "'" << d << "'";
  }
}

}  // namespace
}  // namespace switchyard::keys
