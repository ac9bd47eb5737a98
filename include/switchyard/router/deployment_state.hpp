#pragma once
// What the router knows about one deployment right now: requests in flight, this minute's
// requests/tokens, recent failures, cooldown, moving-average latency. Shared by every worker
// thread, and kept across config reloads by deployment id so a SIGHUP does not forget that a
// provider is down.
//
// DeploymentState is the seam: LocalDeploymentState keeps the counters in this process (one
// mutex per deployment, held for a few loads and stores); an implementation shared by several
// gateway instances (Redis) plugs in through StateRegistry's factory with the same contract.

#include <cstdint>
#include <functional>
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
  kAtCapacity,   // max_parallel_requests reached: a slot frees when a request ends
  kMinuteLimit,  // rpm or tpm used up: free again when the clock minute rolls
};

// A copy of the counters at one instant.
struct StateView {
  int in_flight = 0;
  std::uint64_t minute_requests = 0, minute_tokens = 0;
  int minute_failures = 0;
  bool cooling = false;
  Clock::duration cooldown_left{};
  std::optional<double> latency_s;            // moving average, non-stream (nullopt: none or stale)
  std::optional<double> ttft_s;               // moving average time to first token, streams
  std::uint64_t successes = 0, failures = 0;  // since start
  std::uint64_t cooldowns = 0;                // cooldowns started since start
  bool last_failed = false;  // the last attempt failed through the deployment's fault
};

class DeploymentState {
 public:
  virtual ~DeploymentState() = default;
  // Takes a slot when the deployment is not cooling down and under its limits at `now`: counts
  // one request and `tokens` (an estimate) in this minute, and one in flight until release().
  // Admission is atomic: concurrent callers never admit more than the limits.
  virtual Admission tryAcquire(const Limits& limits, Clock::time_point now,
                               std::uint64_t tokens) = 0;
  virtual void release() noexcept = 0;

  // Outcome of an attempt. `elapsed` is the whole call for non-streams and the time to the first
  // content chunk for streams. `extra_tokens` corrects this minute's token count once the
  // provider's usage is known.
  virtual void recordSuccess(Clock::time_point now, Clock::duration elapsed, bool stream,
                             std::int64_t extra_tokens) = 0;
  // Returns true when this failure started a cooldown. The sole deployment of a model group is
  // cooled down only when allowed_fails is set explicitly (LiteLLM: by default a lone deployment
  // stays in, since cooling it would turn a blip into an outage of the alias).
  virtual bool recordFailure(Clock::time_point now, Clock::duration elapsed, FailureClass c,
                             const Policy& p, std::string_view message, bool sole = false) = 0;
  // Starts a cooldown at once (tests, health checks).
  virtual void coolDown(Clock::time_point now, Clock::duration d) = 0;

  virtual StateView view(Clock::time_point now, Clock::duration latency_ttl) const = 0;
  virtual std::string lastError() const = 0;  // client-safe message of the last failure
};

// The counters of one process.
class LocalDeploymentState final : public DeploymentState {
 public:
  Admission tryAcquire(const Limits& limits, Clock::time_point now, std::uint64_t tokens) override;
  void release() noexcept override;
  void recordSuccess(Clock::time_point now, Clock::duration elapsed, bool stream,
                     std::int64_t extra_tokens) override;
  bool recordFailure(Clock::time_point now, Clock::duration elapsed, FailureClass c,
                     const Policy& p, std::string_view message, bool sole = false) override;
  void coolDown(Clock::time_point now, Clock::duration d) override;
  StateView view(Clock::time_point now, Clock::duration latency_ttl) const override;
  std::string lastError() const override;

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
  std::uint64_t successes_ = 0, failures_ = 0, cooldowns_ = 0;
  bool last_failed_ = false;
  std::string last_error_;
};

// Deployment states by deployment id, for the whole process. Thread-safe.
class StateRegistry {
 public:
  using Factory = std::function<std::shared_ptr<DeploymentState>(const std::string& deployment_id)>;
  // `make` builds the state of a deployment seen for the first time (default:
  // LocalDeploymentState).
  explicit StateRegistry(Factory make = {}) : make_(std::move(make)) {}
  std::shared_ptr<DeploymentState> get(const std::string& deployment_id);

 private:
  Factory make_;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<DeploymentState>> states_;
};

// The slot a selected deployment holds for one attempt; released when destroyed.
class Lease {
 public:
  Lease() = default;
  Lease(DeploymentState* state, const TimeSource* time, bool sole)
      : state_(state), time_(time), sole_(sole) {}
  Lease(Lease&& o) noexcept
      : state_(std::exchange(o.state_, nullptr)), time_(o.time_), sole_(o.sole_) {}
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
