#pragma once
// Where the router reads the time: the steady clock in production, a hand-moved clock in tests
// (cooldowns, minute windows, latency staleness and backoff are all computed from now()).

#include <atomic>
#include <chrono>

namespace switchyard::router {

using Clock = std::chrono::steady_clock;

class TimeSource {
 public:
  virtual ~TimeSource() = default;
  virtual Clock::time_point now() const noexcept = 0;
};

// The process's steady clock.
const TimeSource& steadyTime() noexcept;

// A clock that moves only when told (unit tests). Thread-safe.
class ManualTime final : public TimeSource {
 public:
  explicit ManualTime(Clock::time_point start = Clock::time_point{} + std::chrono::hours(24))
      : now_(start.time_since_epoch().count()) {}
  Clock::time_point now() const noexcept override {
    return Clock::time_point(Clock::duration(now_.load(std::memory_order_acquire)));
  }
  void advance(Clock::duration d) noexcept { now_.fetch_add(d.count(), std::memory_order_acq_rel); }

 private:
  std::atomic<Clock::rep> now_;
};

}  // namespace switchyard::router
