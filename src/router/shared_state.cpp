// SharedDeploymentState (shared_state.hpp): local counters plus the other instances' use.

#include "switchyard/router/shared_state.hpp"

#include <chrono>

namespace switchyard::router {

std::int64_t SharedDeploymentState::wallMinute() {
  return std::chrono::duration_cast<std::chrono::minutes>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void SharedDeploymentState::roll(std::int64_t minute) {
  if (minute == minute_) return;
  minute_ = minute;
  pending_requests_ = pending_tokens_ = sent_requests_ = sent_tokens_ = 0;
  others_requests_ = others_tokens_ = 0;
}

Admission SharedDeploymentState::tryAcquire(const Limits& limits, Clock::time_point now,
                                            std::uint64_t tokens) {
  if (!limits.rpm && !limits.tpm) return local_.tryAcquire(limits, now, tokens);
  // rpm and tpm are judged here, on wall-clock minutes that every instance shares: this
  // instance's use (sent and not yet sent) plus the others'. The rest (cooldown,
  // max_parallel_requests) by the local state, under the same lock so the check and the count
  // are one step.
  std::lock_guard lock(mu_);
  roll(wallMinute());
  auto used = [](std::int64_t v) { return static_cast<std::uint64_t>(std::max<std::int64_t>(0, v)); };
  std::uint64_t requests = used(sent_requests_ + pending_requests_ + others_requests_);
  std::uint64_t minute_tokens = used(sent_tokens_ + pending_tokens_ + others_tokens_);
  Limits rest = limits;
  rest.rpm.reset();
  rest.tpm.reset();
  // A tpm limit admits while this minute's tokens are under it (as LocalDeploymentState).
  if ((limits.rpm && requests >= *limits.rpm) || (limits.tpm && minute_tokens >= *limits.tpm)) {
    return Admission::kMinuteLimit;
  }
  Admission a = local_.tryAcquire(rest, now, tokens);
  if (a != Admission::kAdmitted) return a;
  ++pending_requests_;
  pending_tokens_ += static_cast<std::int64_t>(tokens);
  return a;
}

void SharedDeploymentState::recordSuccess(Clock::time_point now, Clock::duration elapsed,
                                          bool stream, std::int64_t extra_tokens) {
  local_.recordSuccess(now, elapsed, stream, extra_tokens);
  if (extra_tokens == 0) return;
  std::lock_guard lock(mu_);
  roll(wallMinute());
  pending_tokens_ += extra_tokens;
}

SharedDeploymentState::Delta SharedDeploymentState::takeDelta(std::int64_t minute) {
  std::lock_guard lock(mu_);
  roll(minute);
  Delta d{minute, pending_requests_, pending_tokens_};
  sent_requests_ += pending_requests_;
  sent_tokens_ += pending_tokens_;
  pending_requests_ = pending_tokens_ = 0;
  return d;
}

void SharedDeploymentState::synced(const Delta& sent, std::int64_t total_requests,
                                   std::int64_t total_tokens) {
  std::lock_guard lock(mu_);
  if (sent.minute != minute_) return;  // the minute rolled meanwhile
  others_requests_ = std::max<std::int64_t>(0, total_requests - sent_requests_);
  others_tokens_ = std::max<std::int64_t>(0, total_tokens - sent_tokens_);
}

void SharedDeploymentState::unsent(const Delta& d) {
  std::lock_guard lock(mu_);
  if (d.minute != minute_) return;
  sent_requests_ -= d.requests;
  sent_tokens_ -= d.tokens;
  pending_requests_ += d.requests;
  pending_tokens_ += d.tokens;
}

}  // namespace switchyard::router
