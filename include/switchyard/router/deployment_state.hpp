#pragma once
// What the router knows about one deployment right now: requests in flight, this minute's
// requests/tokens, recent failures, cooldown, moving-average latency. Shared by every worker
// thread (one mutex per deployment, held for a few loads and stores), and kept across config
// reloads by deployment id so a SIGHUP does not forget that a provider is down.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "switchyard/router/policy.hpp"
#include "switchyard/router/time_source.hpp"

namespace switchyard::router {

struct Limits {
  std::optional<std::uint64_t> rpm, tpm;
  std::optional<int> max_parallel;
};

enum class Admission : std::uint8_t {
  kAdmitted,
  kCoolingDown,
  kAtCapacity,     // max_parallel_requests reached: a slot frees when a request ends
  kMinuteLimit,    // rpm or tpm used up: free again when the clock minute rolls
};

// A copy of the counters at one instant.
struct StateView {
  int in_flight = 0;
  std::uint64_t minute_requests = 0, minute_tokens = 0;
  int minute_failures = 0;
  bool cooling = false;
  Clock::duration cooldown_left{};
  std::optional<double> latency_s;  // moving average, non-stream (nullopt: none or stale)
  std::optional<double> ttft_s;     // moving average time to first token, streams
  std::uint64_t successes = 0, failures = 0;  // since start
};

class DeploymentState {
 public:
  // Takes a slot when the deployment is not cooling down and under its limits at `now`: counts
  // one request and `tokens` (an estimate) in this minute, and one in flight until release().
  Admission tryAcquire(const Limits& limits, Clock::time_point now, std::uint64_t tokens);
  void release() noexcept;

  // Outcome of an attempt. `elapsed` is the whole call for non-streams and the time to the first
  // content chunk for streams. `extra_tokens` corrects this minute's token count once the
  // provider's usage is known.
  void recordSuccess(Clock::time_point now, Clock::duration elapsed, bool stream, std::int64_t extra_tokens);
  // Returns true when this failure started a cooldown. The sole deployment of a model group is
  // cooled down only when allowed_fails is set explicitly (LiteLLM: by default a lone deployment
  // stays in, since cooling it would turn a blip into an outage of the alias).
  bool recordFailure(Clock::time_point now, Clock::duration elapsed, FailureClass c, const Policy& p,
                     std::string_view message, bool sole = false);
  // Starts a cooldown at once (tests, health checks).
  void coolDown(Clock::time_point now, Clock::duration d);

  StateView view(Clock::time_point now, Clock::duration latency_ttl) const;
  std::string lastError() const;  // client-safe message of the last failure

 private:
  void rollWindow(Clock::time_point now);  // mu_ held

  mutable std::mutex mu_;
  int in_flight_ = 0;
  std::int64_t window_ = -1;  // minute index of the counters below
  std::uint64_t minute_requests_ = 0, minute_tokens_ = 0;
  int minute_failures_ = 0;  // cooldown accounting, reset by a cooldown
  Clock::time_point cooldown_until_{};
  double latency_avg_ = 0, ttft_avg_ = 0;
  Clock::time_point latency_at_{}, ttft_at_{};
  bool has_latency_ = false, has_ttft_ = false;
  std::uint64_t successes_ = 0, failures_ = 0;
  std::string last_error_;
};

// Deployment states by deployment id, for the whole process. Thread-safe.
class StateRegistry {
 public:
  std::shared_ptr<DeploymentState> get(const std::string& deployment_id);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<DeploymentState>> states_;
};

// The slot a selected deployment holds for one attempt; released when destroyed.
class Lease {
 public:
  Lease() = default;
  Lease(DeploymentState* state, const TimeSource* time, bool sole) : state_(state), time_(time), sole_(sole) {}
  Lease(Lease&& o) noexcept : state_(std::exchange(o.state_, nullptr)), time_(o.time_), sole_(o.sole_) {}
  Lease& operator=(Lease&& o) noexcept {
    if (this != &o) {
      reset();
      state_ = std::exchange(o.state_, nullptr);
      time_ = o.time_;
      sole_ = o.sole_;
    }
    return *this;
  }
  ~Lease() { reset(); }

  void succeed(Clock::duration elapsed, bool stream, std::int64_t extra_tokens = 0);
  bool fail(Clock::duration elapsed, FailureClass c, const Policy& p, std::string_view message);
  void reset() noexcept {
    if (state_) state_->release();
    state_ = nullptr;
  }
  explicit operator bool() const noexcept { return state_ != nullptr; }

 private:
  DeploymentState* state_ = nullptr;
  const TimeSource* time_ = nullptr;
  bool sole_ = false;  // the only deployment of its model group
};

}  // namespace switchyard::router
