// SharedDeploymentState: rpm/tpm judged on this instance's use plus the other instances' (as the
// sync loop reports them), the deltas handed to the sync loop, and a failed sync given back.

#include "switchyard/router/shared_state.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace switchyard::router {
namespace {

Clock::time_point t0() { return Clock::time_point{} + std::chrono::hours(1); }

// The current wall-clock minute, with at least a second of it left (waits past the boundary
// otherwise), so that a test's few microseconds of work stay inside it.
std::int64_t quietMinute() {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  if (ms % 60000 > 59000) std::this_thread::sleep_for(std::chrono::milliseconds(60100 - ms % 60000));
  return SharedDeploymentState::wallMinute();
}

TEST(SharedDeploymentState, CountsItsOwnUseAgainstTheRpm) {
  SharedDeploymentState s;
  Limits l{.rpm = 3};
  quietMinute();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(s.tryAcquire(l, t0(), 5), Admission::kAdmitted) << i;
  EXPECT_EQ(s.tryAcquire(l, t0(), 5), Admission::kMinuteLimit);
}

TEST(SharedDeploymentState, TheOtherInstancesUseComesOffTheLimit) {
  SharedDeploymentState s;
  Limits l{.rpm = 10};
  std::int64_t minute = quietMinute();
  ASSERT_EQ(s.tryAcquire(l, t0(), 1), Admission::kAdmitted);
  auto d = s.takeDelta(minute);
  EXPECT_EQ(d.requests, 1);
  EXPECT_EQ(d.tokens, 1);
  // Redis says 8 requests in all: 7 were the others'. Two more fit (1 + 7 + 2 = 10).
  s.synced(d, 8, 8);
  EXPECT_EQ(s.tryAcquire(l, t0(), 1), Admission::kAdmitted);
  EXPECT_EQ(s.tryAcquire(l, t0(), 1), Admission::kAdmitted);
  EXPECT_EQ(s.tryAcquire(l, t0(), 1), Admission::kMinuteLimit);
  // A second round sends only what is new.
  auto d2 = s.takeDelta(minute);
  EXPECT_EQ(d2.requests, 2);
}

TEST(SharedDeploymentState, AnUnsentDeltaGoesWithTheNextRound) {
  SharedDeploymentState s;
  Limits l{.tpm = 1000};
  std::int64_t minute = quietMinute();
  ASSERT_EQ(s.tryAcquire(l, t0(), 100), Admission::kAdmitted);
  s.recordSuccess(t0(), std::chrono::milliseconds(5), false, 20);  // usage corrects the estimate
  auto d = s.takeDelta(minute);
  EXPECT_EQ(d.tokens, 120);
  s.unsent(d);
  auto again = s.takeDelta(minute);
  EXPECT_EQ(again.requests, 1);
  EXPECT_EQ(again.tokens, 120);
}

TEST(SharedDeploymentState, OthersTpmStopsThePick) {
  SharedDeploymentState s;
  Limits l{.tpm = 100};
  std::int64_t minute = quietMinute();
  auto d = s.takeDelta(minute);
  s.synced(d, 3, 100);  // the others used the whole minute's tokens
  EXPECT_EQ(s.tryAcquire(l, t0(), 1), Admission::kMinuteLimit);
  // Limits without rpm/tpm are the local state's alone.
  EXPECT_EQ(s.tryAcquire(Limits{}, t0(), 1), Admission::kAdmitted);
}

}  // namespace
}  // namespace switchyard::router
