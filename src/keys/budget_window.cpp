#include "switchyard/keys/budget_window.hpp"

#include <charconv>
#include <cstdint>

namespace switchyard::keys {
namespace {

using namespace std::chrono;

constexpr std::int64_t kMaxCount = 100000;  // a larger N is not a budget window

sys_seconds nextMonday(sys_days today) {
  // days until the next Monday, 7 when today is Monday (LiteLLM: (7 - weekday) % 7 or 7).
  unsigned wd = weekday(today).iso_encoding();  // Monday = 1 ... Sunday = 7
  unsigned ahead = (8 - wd) % 7;
  if (ahead == 0) ahead = 7;
  return sys_seconds(today + days(ahead));
}

sys_seconds firstOfMonthAhead(sys_days today, std::int64_t months) {
  year_month_day ymd(today);
  year_month ym = year_month(ymd.year(), ymd.month()) + std::chrono::months(months);
  return sys_seconds(sys_days(ym / 1));
}

// The next multiple of `n` units after `value` within its period: LiteLLM's alignment, with the
// overflow carried to the next larger unit by the caller.
std::int64_t nextAligned(std::int64_t value, std::int64_t n) {
  return value % n != 0 ? value + n - value % n : value + n;
}

}  // namespace

std::optional<SysSeconds> nextBudgetReset(std::string_view duration, SysSeconds now) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(duration.data(), duration.data() + duration.size(), n);
  if (ec != std::errc{} || n < 1 || n > kMaxCount) return std::nullopt;
  std::string_view unit(end, static_cast<std::size_t>(duration.data() + duration.size() - end));
  const sys_days today = floor<days>(now);
  const seconds into_day = now - sys_seconds(today);
  if (unit == "d") {
    if (n == 1) return sys_seconds(today + days(1));
    if (n == 7) return nextMonday(today);
    if (n == 30) return firstOfMonthAhead(today, 1);
    return sys_seconds(today + days(n));
  }
  if (unit == "mo") return firstOfMonthAhead(today, n);
  if (unit == "w") return nextMonday(today) + days(7 * (n - 1));
  if (unit == "h") {
    std::int64_t h = nextAligned(duration_cast<hours>(into_day).count(), n);
    if (h >= 24) return sys_seconds(today + days(1)) + hours(h % 24);
    return sys_seconds(today) + hours(h);
  }
  if (unit == "m") {
    const hours hour = duration_cast<hours>(into_day);
    std::int64_t m = nextAligned(duration_cast<minutes>(into_day - hour).count(), n);
    std::int64_t h = hour.count() + m / 60;
    m %= 60;
    if (h >= 24) return sys_seconds(today + days(1)) + hours(h % 24) + minutes(m);
    return sys_seconds(today) + hours(h) + minutes(m);
  }
  if (unit == "s") {
    const minutes minute = duration_cast<minutes>(into_day);
    std::int64_t s = nextAligned((into_day - minute).count(), n);
    std::int64_t m = minute.count() + s / 60;  // minutes since midnight
    s %= 60;
    if (m >= 24 * 60) return sys_seconds(today + days(1)) + minutes(m % (24 * 60)) + seconds(s);
    return sys_seconds(today) + minutes(m) + seconds(s);
  }
  return std::nullopt;
}

}  // namespace switchyard::keys
