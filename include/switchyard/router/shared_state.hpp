#pragma once
// A deployment's state when several gateway instances share one Redis (docs/multi-instance.md):
// this instance's counters (LocalDeploymentState) plus what the other instances used of the
// deployment's rpm and tpm in the current wall-clock minute, learnt by the server's sync loop
// (server/deployment_sync.hpp) every 100 ms. rpm and tpm are judged on wall-clock minutes
// against this instance's use plus the others', so N instances together stay within a
// deployment's limits up to what they admit between two syncs. Cooldowns, latency and
// max_parallel_requests stay per instance (LocalDeploymentState). Thread-safe.

#include <cstdint>
#include <mutex>

#include "switchyard/router/deployment_state.hpp"

namespace switchyard::router {

class SharedDeploymentState final : public DeploymentState {
 public:
  // What this instance used since the last sync, in wall-clock minute `minute`.
  struct Delta {
    std::int64_t minute = -1;
    std::int64_t requests = 0, tokens = 0;
  };

  Admission tryAcquire(const Limits& limits, Clock::time_point now, std::uint64_t tokens) override;
  void release() noexcept override { local_.release(); }
  void recordSuccess(Clock::time_point now, Clock::duration elapsed, bool stream,
                     std::int64_t extra_tokens) override;
  bool recordFailure(Clock::time_point now, Clock::duration elapsed, FailureClass c,
                     const Policy& p, std::string_view message, bool sole = false) override {
    return local_.recordFailure(now, elapsed, c, p, message, sole);
  }
  void coolDown(Clock::time_point now, Clock::duration d) override { local_.coolDown(now, d); }
  StateView view(Clock::time_point now, Clock::duration latency_ttl) const override {
    return local_.view(now, latency_ttl);
  }
  std::string lastError() const override { return local_.lastError(); }

  // The sync loop: takes this instance's use since the last sync (`minute`: the current
  // wall-clock minute), then reports the totals of every instance after adding it (ok), or
  // gives the delta back to be sent next time (not ok).
  Delta takeDelta(std::int64_t minute);
  void synced(const Delta& sent, std::int64_t total_requests, std::int64_t total_tokens);
  void unsent(const Delta& d);

  static std::int64_t wallMinute();

 private:
  void roll(std::int64_t minute);  // mu_ held

  LocalDeploymentState local_;
  mutable std::mutex mu_;
  std::int64_t minute_ = -1;  // of the figures below
  std::int64_t pending_requests_ = 0, pending_tokens_ = 0;  // not sent yet
  std::int64_t sent_requests_ = 0, sent_tokens_ = 0;        // sent this minute
  std::int64_t others_requests_ = 0, others_tokens_ = 0;    // the other instances' this minute
};

}  // namespace switchyard::router
