#pragma once
// When a budget_duration window ends (docs/design.md §6), as LiteLLM's standardized resets place
// it, in UTC: windows are aligned to the calendar, not to when the key was made, so every key
// with "1d" resets at the same midnight.
//
//   "1d"  next midnight          "7d"  next Monday 00:00       "30d"  the 1st of next month
//   "Nd"  (other N) today's midnight + N days
//   "Nh"  the next hour that is a multiple of N (past 23: that hour modulo 24, the next day)
//   "Nm", "Ns"  likewise for minutes and seconds
//   "Nmo" the 1st of the month N months ahead, 00:00    "Nw"  next Monday + 7(N-1) days
//
// ("mo" and "w" are Switchyard's: LiteLLM's durations have no such unit in its reset code.)

#include <chrono>
#include <optional>
#include <string_view>

namespace switchyard::keys {

using SysSeconds = std::chrono::sys_seconds;

// The end of the window containing `now` for `duration`; nullopt when `duration` is not
// "<N><unit>" with N >= 1 and a unit above.
std::optional<SysSeconds> nextBudgetReset(std::string_view duration, SysSeconds now);

}  // namespace switchyard::keys
