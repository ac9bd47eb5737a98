#include "switchyard/router/deployment_state.hpp"

namespace switchyard::router {
namespace {

constexpr double kAlpha = 0.3;  // weight of a new latency sample in the moving average

std::int64_t minuteOf(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::minutes>(t.time_since_epoch()).count();
}

double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

void LocalDeploymentState::rollWindow(Clock::time_point now) {
  std::int64_t m = minuteOf(now);
  if (m == window_) return;
  window_ = m;
  minute_requests_ = 0;
  minute_tokens_ = 0;
  minute_failures_ = 0;
}

Admission LocalDeploymentState::tryAcquire(const Limits& limits, Clock::time_point now,
                                           std::uint64_t tokens) {
  std::lock_guard lock(mu_);
  if (now < cooldown_until_) return Admission::kCoolingDown;
  rollWindow(now);
  if (limits.max_parallel && in_flight_ >= *limits.max_parallel) return Admission::kAtCapacity;
  if (limits.rpm && minute_requests_ >= *limits.rpm) return Admission::kMinuteLimit;
  // A tpm limit admits a request while this minute's tokens are under it (the estimate of the
  // request itself is counted, not required to fit: one large prompt may still go through).
  if (limits.tpm && minute_tokens_ >= *limits.tpm) return Admission::kMinuteLimit;
  ++in_flight_;
  ++minute_requests_;
  minute_tokens_ += tokens;
  return Admission::kAdmitted;
}

void LocalDeploymentState::release() noexcept {
  std::lock_guard lock(mu_);
  if (in_flight_ > 0) --in_flight_;
}

void LocalDeploymentState::recordSuccess(Clock::time_point now, Clock::duration elapsed,
                                         bool stream, std::int64_t extra_tokens) {
  std::lock_guard lock(mu_);
  rollWindow(now);
  ++successes_;
  last_failed_ = false;
  if (extra_tokens < 0 && static_cast<std::uint64_t>(-extra_tokens) > minute_tokens_)
    minute_tokens_ = 0;
  else
    minute_tokens_ += extra_tokens;
  double x = secs(elapsed);
  double& avg = stream ? ttft_avg_ : latency_avg_;
  bool& has = stream ? has_ttft_ : has_latency_;
  (stream ? ttft_at_ : latency_at_) = now;
  avg = has ? avg + kAlpha * (x - avg) : x;
  has = true;
}

bool LocalDeploymentState::recordFailure(Clock::time_point now, Clock::duration elapsed,
                                         FailureClass c, const Policy& p, std::string_view message,
                                         bool sole) {
  std::lock_guard lock(mu_);
  rollWindow(now);
  ++failures_;
  last_error_.assign(message.substr(0, 300));
  if (c == FailureClass::kRequest || c == FailureClass::kContextWindow ||
      c == FailureClass::kContentPolicy) {
    return false;  // the request's fault, not the deployment's
  }
  last_failed_ = true;
  // A slow failure (a timeout) still tells the latency strategy this deployment is slow.
  if (c == FailureClass::kTransient && has_latency_) {
    latency_avg_ += kAlpha * (secs(elapsed) - latency_avg_);
    latency_at_ = now;
  }
  // The sole deployment of a group cools down only when the operator set allowed_fails (LiteLLM:
  // the count rule then applies to every deployment; by default a lone deployment stays in).
  if ((sole && !p.allowed_fails_set) || p.cooldown_time <= Clock::duration::zero() ||
      now < cooldown_until_) {
    return false;
  }
  ++minute_failures_;
  // A rejected deployment (401/403) cools at once when the group has others to serve; a lone
  // deployment (reached only with allowed_fails set) counts it like any failure.
  bool cool = (c == FailureClass::kCredentials && !sole) || minute_failures_ > p.allowed_fails;
  if (!cool) return false;
  cooldown_until_ = now + p.cooldown_time;
  minute_failures_ = 0;
  ++cooldowns_;
  return true;
}

void LocalDeploymentState::coolDown(Clock::time_point now, Clock::duration d) {
  std::lock_guard lock(mu_);
  cooldown_until_ = now + d;
  ++cooldowns_;
}

StateView LocalDeploymentState::view(Clock::time_point now, Clock::duration latency_ttl) const {
  std::lock_guard lock(mu_);
  StateView v;
  v.in_flight = in_flight_;
  if (minuteOf(now) == window_) {
    v.minute_requests = minute_requests_;
    v.minute_tokens = minute_tokens_;
    v.minute_failures = minute_failures_;
  }
  v.cooling = now < cooldown_until_;
  if (v.cooling) v.cooldown_left = cooldown_until_ - now;
  if (has_latency_ && now - latency_at_ <= latency_ttl) v.latency_s = latency_avg_;
  if (has_ttft_ && now - ttft_at_ <= latency_ttl) v.ttft_s = ttft_avg_;
  v.successes = successes_;
  v.failures = failures_;
  v.cooldowns = cooldowns_;
  v.last_failed = last_failed_;
  return v;
}

std::string LocalDeploymentState::lastError() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

std::shared_ptr<DeploymentState> StateRegistry::get(const std::string& deployment_id) {
  std::lock_guard lock(mu_);
  auto& slot = states_[deployment_id];
  if (!slot) slot = make_ ? make_(deployment_id) : std::make_shared<LocalDeploymentState>();
  return slot;
}

void Lease::succeed(Clock::duration elapsed, bool stream, std::int64_t extra_tokens) {
  if (state_) state_->recordSuccess(time_->now(), elapsed, stream, extra_tokens);
}

bool Lease::fail(Clock::duration elapsed, FailureClass c, const Policy& p,
                 std::string_view message) {
  return state_ && state_->recordFailure(time_->now(), elapsed, c, p, message, sole_);
}

}  // namespace switchyard::router
