// The counters seam: StateRegistry builds each deployment's state with the factory it is given,
// and the router admits, routes and settles through that state only (as a Redis-shared state will).

#include <gtest/gtest.h>

#include <random>

#include "router_test_util.hpp"

namespace switchyard::router::test {
namespace {

// A state that admits while `open`, and counts what the router tells it.
class CountingState final : public DeploymentState {
 public:
  Admission tryAcquire(const Limits&, Clock::time_point, std::uint64_t tokens) override {
    if (!open) return Admission::kCoolingDown;
    ++acquired;
    tokens_seen += tokens;
    return Admission::kAdmitted;
  }
  void release() noexcept override { ++released; }
  void recordSuccess(Clock::time_point, Clock::duration, bool, std::int64_t) override {
    ++successes;
  }
  bool recordFailure(Clock::time_point, Clock::duration, FailureClass, const Policy&,
                     std::string_view, bool) override {
    ++failures;
    return false;
  }
  void coolDown(Clock::time_point, Clock::duration) override { open = false; }
  StateView view(Clock::time_point, Clock::duration) const override {
    StateView v;
    v.cooling = !open;
    v.cooldown_left = open ? Clock::duration{} : std::chrono::seconds(3);
    return v;
  }
  std::string lastError() const override { return {}; }

  bool open = true;
  int acquired = 0, released = 0, successes = 0, failures = 0;
  std::uint64_t tokens_seen = 0;
};

TEST(StateSeamTest, RouterUsesTheStatesTheRegistryMakes) {
  std::map<std::string, std::shared_ptr<CountingState>> made;
  auto registry = std::make_shared<StateRegistry>([&made](const std::string& id) {
    auto s = std::make_shared<CountingState>();
    made[id] = s;
    return s;
  });
  config::Config cfg = configOf({dep("m", "one"), dep("m", "two")});
  ManualTime clock;
  Router router(cfg, registry, clock);
  ASSERT_EQ(made.size(), 2u);
  std::mt19937_64 rng(7);

  Attempts attempts;
  SelectInput in{false, 42, &attempts, 1};
  {
    Selection sel = router.select("m", in, rng);
    ASSERT_TRUE(sel);
    sel.lease.succeed(std::chrono::milliseconds(5), false);
  }  // the lease is released with the selection
  int acquired = made["one"]->acquired + made["two"]->acquired;
  EXPECT_EQ(acquired, 1);
  EXPECT_EQ(made["one"]->released + made["two"]->released, 1);
  EXPECT_EQ(made["one"]->successes + made["two"]->successes, 1);
  EXPECT_EQ(made["one"]->tokens_seen + made["two"]->tokens_seen, 42u);

  // A state that refuses admission takes its deployment out, whatever the strategy says.
  made["one"]->open = false;
  for (int i = 0; i < 20; ++i) {
    Selection sel = router.select("m", in, rng);
    ASSERT_TRUE(sel);
    EXPECT_EQ(sel.deployment->id, "two");
  }
  made["two"]->open = false;
  Selection none = router.select("m", in, rng);
  EXPECT_FALSE(none);
  EXPECT_EQ(none.reason, NoPick::kCoolingDown);
}

}  // namespace
}  // namespace switchyard::router::test
