#include "switchyard/router/time_source.hpp"

namespace switchyard::router {

const TimeSource& steadyTime() noexcept {
  struct Steady final : TimeSource {
    Clock::time_point now() const noexcept override { return Clock::now(); }
  };
  static const Steady steady;
  return steady;
}

}  // namespace switchyard::router
