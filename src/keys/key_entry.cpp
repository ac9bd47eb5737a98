// KeyEntry and KeyLease (key_entry.hpp): one key's live counters.

#include "switchyard/keys/key_entry.hpp"

#include <algorithm>
#include <cstdio>

#include "switchyard/keys/budget_window.hpp"

namespace switchyard::keys {
namespace {

std::int64_t minuteOf(SysClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::minutes>(t.time_since_epoch()).count();
}
store::UnixMs msOf(SysClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
unsigned secondsToNextMinute(SysClock::time_point t) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  return static_cast<unsigned>(60 - s % 60);
}
std::optional<store::UnixMs> nextReset(const std::string& duration, SysClock::time_point now) {
  if (duration.empty()) return std::nullopt;
  auto at = nextBudgetReset(duration, std::chrono::floor<std::chrono::seconds>(now));
  if (!at) return std::nullopt;
  return static_cast<store::UnixMs>(at->time_since_epoch().count()) * 1000;
}
std::string money(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace

KeyEntry::KeyEntry(const store::KeyRow& row) {
  spend_ = row.spend;
  reset_at_ = row.budget_reset_at;
  row_ = std::make_shared<const KeySettings>(row);
  for (const auto& [model, s] : row.model_spend) {
    ModelCounters& c = models_[model];
    c.spend = s.spend;
    c.reset_at = s.reset_at;
  }
}

std::shared_ptr<const KeySettings> KeyEntry::row() const {
  std::lock_guard lock(mu_);
  return row_;
}

void KeyEntry::setRow(const store::KeyRow& row, bool spend_set) {
  auto settings = std::make_shared<const KeySettings>(row);  // outside the lock
  std::lock_guard lock(mu_);
  bool window_changed = row.budget_duration != row_->budgetDuration();
  if (spend_set) spend_ = row.spend;
  if (spend_set || window_changed) reset_at_ = row.budget_reset_at;
  for (const auto& [model, s] : row.model_spend) {
    ModelCounters& c = models_[model];
    if (spend_set) c.spend = s.spend;
    if (spend_set || !c.reset_at) c.reset_at = s.reset_at;
  }
  row_ = std::move(settings);
}

KeyEntry::ModelCounters& KeyEntry::modelCounters(std::string_view model) {
  auto it = models_.find(model);
  if (it == models_.end()) it = models_.emplace(std::string(model), ModelCounters{}).first;
  return it->second;
}

void KeyEntry::rollBudgets(SysClock::time_point now, AdmitResult& out) {
  store::UnixMs now_ms = msOf(now);
  const KeySettings& row = *row_;
  if (!row.budgetDuration().empty() && (!reset_at_ || now_ms >= *reset_at_)) {
    bool had_window = reset_at_.has_value();
    reset_at_ = nextReset(row.budgetDuration(), now);
    if (had_window) spend_ = 0;
    if (reset_at_) out.resets.push_back({row.token, "", *reset_at_});
  }
  for (const auto& [model, budget] : row.modelMaxBudget()) {
    if (budget.time_period.empty()) continue;
    ModelCounters& c = modelCounters(model);
    if (c.reset_at && now_ms < *c.reset_at) continue;
    bool had_window = c.reset_at.has_value();
    c.reset_at = nextReset(budget.time_period, now);
    if (had_window) c.spend = 0;
    if (c.reset_at) out.resets.push_back({row.token, model, *c.reset_at});
  }
}

AdmitResult KeyEntry::admit(const AdmitRequest& r, SysClock::time_point now) {
  AdmitResult out;
  std::lock_guard lock(mu_);
  const KeySettings& row = *row_;
  rollBudgets(now, out);
  out.spend = spend_;
  std::int64_t minute = minuteOf(now);
  window_.roll(minute);

  // Limits of the key, then of the model.
  auto model_rpm = row.modelRpmLimit().find(r.model);
  auto model_tpm = row.modelTpmLimit().find(r.model);
  auto model_budget = row.modelMaxBudget().find(r.model);
  ModelCounters* mc = nullptr;
  if (model_rpm != row.modelRpmLimit().end() || model_tpm != row.modelTpmLimit().end() ||
      model_budget != row.modelMaxBudget().end()) {
    mc = &modelCounters(r.model);
    mc->window.roll(minute);
  }

  auto refuse = [&](Verdict v, std::string message) {
    out.verdict = v;
    out.message = std::move(message);
    if (v == Verdict::kRateLimited) out.retry_after_s = secondsToNextMinute(now);
    return out;
  };
  if (row.rpm_limit) out.requests = RateFigures{*row.rpm_limit, *row.rpm_limit - window_.requests};
  if (row.tpm_limit) out.tokens = RateFigures{*row.tpm_limit, *row.tpm_limit - window_.tokens};

  if (row.max_parallel_requests && in_flight_ >= *row.max_parallel_requests) {
    return refuse(Verdict::kRateLimited,
                  "Rate limit reached for key " + row.key_name +
                      ": max_parallel_requests=" + std::to_string(*row.max_parallel_requests) +
                      ", requests in flight=" + std::to_string(in_flight_) + ".");
  }
  if (row.rpm_limit && window_.requests >= *row.rpm_limit) {
    return refuse(Verdict::kRateLimited,
                  "Rate limit reached for key " + row.key_name + ": rpm_limit=" +
                      std::to_string(*row.rpm_limit) + ", current rpm=" +
                      std::to_string(window_.requests) + ".");
  }
  if (row.tpm_limit && window_.tokens >= *row.tpm_limit) {
    return refuse(Verdict::kRateLimited,
                  "Rate limit reached for key " + row.key_name + ": tpm_limit=" +
                      std::to_string(*row.tpm_limit) + ", current tpm=" +
                      std::to_string(window_.tokens) + ".");
  }
  if (mc && model_rpm != row.modelRpmLimit().end() && mc->window.requests >= model_rpm->second) {
    return refuse(Verdict::kRateLimited,
                  "Rate limit reached for key " + row.key_name + " and model " +
                      std::string(r.model) + ": model_rpm_limit=" +
                      std::to_string(model_rpm->second) + ".");
  }
  if (mc && model_tpm != row.modelTpmLimit().end() && mc->window.tokens >= model_tpm->second) {
    return refuse(Verdict::kRateLimited,
                  "Rate limit reached for key " + row.key_name + " and model " +
                      std::string(r.model) + ": model_tpm_limit=" +
                      std::to_string(model_tpm->second) + ".");
  }
  if (row.max_budget && spend_ + reserved_ >= *row.max_budget) {
    return refuse(Verdict::kBudgetExceeded,
                  "Budget has been exceeded! Key " + row.key_name + " current cost: " +
                      money(spend_) + (reserved_ > 0 ? " (+" + money(reserved_) + " in flight)" : "") +
                      ", max budget: " + money(*row.max_budget));
  }
  if (mc && model_budget != row.modelMaxBudget().end() &&
      mc->spend + mc->reserved >= model_budget->second.budget_limit) {
    return refuse(Verdict::kBudgetExceeded,
                  "Budget has been exceeded for model " + std::string(r.model) + "! Key " +
                      row.key_name + " current cost: " + money(mc->spend) +
                      ", max budget: " + money(model_budget->second.budget_limit));
  }

  // Admitted: take the slot, this minute's request and the reservation.
  ++in_flight_;
  ++window_.requests;
  reserved_ += r.reservation;
  if (mc) {
    ++mc->window.requests;
    mc->reserved += r.reservation;
  }
  if (out.requests) out.requests->remaining = std::max<std::int64_t>(0, *row.rpm_limit - window_.requests);
  if (out.tokens) out.tokens->remaining = std::max<std::int64_t>(0, *row.tpm_limit - window_.tokens);
  return out;
}

void KeyEntry::finish(std::string_view model, double reservation, double cost,
                      std::uint64_t tokens, SysClock::time_point now) {
  std::lock_guard lock(mu_);
  // Spend first, then the reservation: spend + reserved never dips below the truth meanwhile.
  spend_ += cost;
  reserved_ = std::max(0.0, reserved_ - reservation);
  in_flight_ = std::max(0, in_flight_ - 1);
  std::int64_t minute = minuteOf(now);
  window_.roll(minute);
  window_.tokens += static_cast<std::int64_t>(tokens);
  auto it = models_.find(model);
  if (it != models_.end()) {
    ModelCounters& c = it->second;
    c.spend += cost;
    c.reserved = std::max(0.0, c.reserved - reservation);
    c.window.roll(minute);
    c.window.tokens += static_cast<std::int64_t>(tokens);
  }
}

double KeyEntry::spend() const {
  std::lock_guard lock(mu_);
  return spend_;
}
double KeyEntry::reserved() const {
  std::lock_guard lock(mu_);
  return reserved_;
}
int KeyEntry::inFlight() const {
  std::lock_guard lock(mu_);
  return in_flight_;
}

void KeyLease::finish(double cost, std::uint64_t tokens, SysClock::time_point now) {
  if (!entry_) return;
  entry_->finish(model_, reservation_, cost, tokens, now);
  entry_.reset();
}

void KeyLease::release() noexcept {
  if (!entry_) return;
  entry_->finish(model_, reservation_, 0, 0, SysClock::now());
  entry_.reset();
}

}  // namespace switchyard::keys
