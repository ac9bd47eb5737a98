// KeyEntry and KeyLease (key_entry.hpp): one key's live counters.

#include "switchyard/keys/key_entry.hpp"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <utility>

#include "clock.hpp"
#include "switchyard/keys/budget_window.hpp"
#include "switchyard/keys/shared_counters.hpp"

namespace switchyard::keys {
namespace {

std::int64_t minuteOf(SysClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::minutes>(t.time_since_epoch()).count();
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

// LiteLLM's words for a level above the key (team, team member, user, end customer).
template <class Limited, class Over>
void levelRefusal(const KeySettings& row, const std::string& model, const Usage& u, Limit broken,
                  SysClock::time_point now, Limited& limited, Over& over) {
  using store::Level;
  const std::string& id = row.storeId();
  std::string descriptor = row.level == Level::kTeam ? "team: " + id
                           : row.level == Level::kTeamMember
                               ? "team_member: " + row.teamId() + ":" + id
                           : row.level == Level::kUser ? "user: " + id
                                                       : "end_user: " + id;
  auto rate = [&](const char* type, std::int64_t limit, std::int64_t used) {
    std::time_t next = SysClock::to_time_t(std::chrono::floor<std::chrono::minutes>(now) +
                                           std::chrono::minutes(1));
    std::tm tm{};
    gmtime_r(&next, &tm);
    char at[32];
    std::strftime(at, sizeof at, "%Y-%m-%d %H:%M:%S UTC", &tm);
    limited("Rate limit exceeded for " + descriptor + ". Limit type: " + type +
            ". Current limit: " + std::to_string(limit) + ", Remaining: " +
            std::to_string(std::max<std::int64_t>(0, limit - used)) + ". Limit resets at: " + at);
  };
  std::string in_flight = u.reserved > 0 ? " (+" + money(u.reserved) + " in flight)" : "";
  switch (broken) {
    case Limit::kNone:
      break;
    case Limit::kParallel:
      rate("max_parallel_requests", *row.max_parallel_requests, u.in_flight);
      break;
    case Limit::kRpm:
      rate("requests", *row.rpm_limit, u.requests);
      break;
    case Limit::kTpm:
      rate("tokens", *row.tpm_limit, u.tokens);
      break;
    case Limit::kModelRpm:
      descriptor += " model: " + model;
      rate("requests", row.modelRpmLimit().find(model)->second, u.model_requests);
      break;
    case Limit::kModelTpm:
      descriptor += " model: " + model;
      rate("tokens", row.modelTpmLimit().find(model)->second, u.model_tokens);
      break;
    case Limit::kBudget: {
      std::string spend = money(u.spend) + in_flight, max = money(*row.max_budget);
      switch (row.level) {
        case Level::kTeam:
          over("Budget has been exceeded! Team=" + id + " Current cost: " + spend +
               ", Max budget: " + max);
          break;
        case Level::kTeamMember:
          over("Budget has been exceeded! User=" + id + " in Team=" + row.teamId() +
               " Current cost: " + spend + ", Max budget: " + max);
          break;
        case Level::kUser:
          over("ExceededBudget: User=" + id + " over budget. Spend=" + spend + ", Budget=" + max);
          break;
        default:
          over("ExceededBudget: End User=" + id + " over budget. Spend=" + spend +
               ", Budget=" + max);
          break;
      }
      break;
    }
    case Limit::kModelBudget: {
      const char* who = row.level == Level::kTeam         ? "LiteLLM Team: "
                        : row.level == Level::kTeamMember ? "LiteLLM Team Member: "
                        : row.level == Level::kUser       ? "LiteLLM User: "
                                                          : "LiteLLM End User: ";
      over(std::string(who) + (row.level == Level::kTeamMember ? row.teamId() + ":" : "") + id +
           ", exceeded budget for model=" + model + ". Spend=" + money(u.model_spend) +
           ", Budget=" + money(row.modelMaxBudget().find(model)->second.budget_limit));
      break;
    }
  }
}

std::array<std::atomic<std::uint64_t>, 5> soft_crossings{};
SoftBudgetListener& softListener() {
  static SoftBudgetListener listener;
  return listener;
}

// A level's spend reached its soft budget: logged (never the key: its alias or abbreviation) and
// counted; requests go on.
void softBudgetCrossed(const std::shared_ptr<const KeySettings>& settings, double spend) {
  const KeySettings& row = *settings;
  static constexpr const char* kLevels[] = {"key", "team", "team member", "user", "customer"};
  const int level = static_cast<int>(row.level);
  soft_crossings[static_cast<std::size_t>(level)].fetch_add(1, std::memory_order_relaxed);
  std::string who = row.level == store::Level::kKey          ? row.displayName()
                    : row.level == store::Level::kTeamMember ? row.teamId() + "/" + row.userId()
                                                             : row.token;
  spdlog::warn("soft budget crossed: {} {} spent {} (soft_budget {}); requests go on",
               kLevels[level], who, money(spend), money(*row.soft_budget));
  if (const SoftBudgetListener& listener = softListener()) listener({settings, spend});
}

}  // namespace

KeyEntry::KeyEntry(const store::KeyRow& row) {
  loaded_at_.store(steadyMs(), std::memory_order_relaxed);
  spend_ = row.spend;
  reset_at_ = row.budget_reset_at;
  row_ = std::make_shared<const KeySettings>(row);
  for (const auto& [model, s] : row.model_spend) {
    ModelCounters& c = models_[model];
    c.spend = s.spend;
    c.reset_at = s.reset_at;
  }
}

KeyEntry::KeyEntry(std::shared_ptr<const KeySettings> settings, const store::SpendState& spend) {
  loaded_at_.store(steadyMs(), std::memory_order_relaxed);
  row_ = std::move(settings);
  spend_ = spend.spend;
  reset_at_ = spend.budget_reset_at;
  for (const auto& [model, ms] : spend.model_spend) {
    ModelCounters& c = models_[model];
    c.spend = ms.spend;
    c.reset_at = ms.reset_at;
  }
}

void KeyEntry::setSettings(std::shared_ptr<const KeySettings> settings,
                           const store::SpendState& stored, SpendUpdate update) {
  loaded_at_.store(steadyMs(), std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  bool window_changed = settings->budgetDuration() != row_->budgetDuration();
  if (update == SpendUpdate::kSpendSet) {
    spend_ = stored.spend, spend_overwrite_ = true;
    reset_at_ = stored.budget_reset_at;
    for (const auto& [model, ms] : stored.model_spend) {
      ModelCounters& c = models_[model];
      c.spend = ms.spend;
      c.reset_at = ms.reset_at;
    }
  } else if (window_changed) {
    // A new budget_duration: the spend so far stays (LiteLLM's rule). The window ends where the
    // stored row says when the update wrote it there (so that every instance agrees), else at
    // the new duration's next boundary.
    const bool stored_end = update == SpendUpdate::kWindowStored && stored.budget_reset_at;
    reset_at_ = stored_end ? stored.budget_reset_at
                           : nextReset(settings->budgetDuration(), SysClock::now());
  }
  row_ = std::move(settings);
}

std::shared_ptr<const KeySettings> KeyEntry::row() const {
  std::lock_guard lock(mu_);
  return row_;
}

void KeyEntry::setRow(const store::KeyRow& row, bool spend_set) {
  auto settings = std::make_shared<const KeySettings>(row);  // outside the lock
  loaded_at_.store(steadyMs(), std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  bool window_changed = row.budget_duration != row_->budgetDuration();
  if (spend_set) spend_ = row.spend, spend_overwrite_ = true;
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
    // Only a window that ended resets the stored spend: a first window (no end known yet, the
    // spend so far counts in it) changes nothing in the store.
    if (had_window) spend_ = 0;
    if (had_window && reset_at_) out.resets.push_back(row.budgetReset("", *reset_at_));
  }
  for (const auto& [model, budget] : row.modelMaxBudget()) {
    if (budget.time_period.empty()) continue;
    ModelCounters& c = modelCounters(model);
    if (c.reset_at && now_ms < *c.reset_at) continue;
    bool had_window = c.reset_at.has_value();
    c.reset_at = nextReset(budget.time_period, now);
    if (had_window) c.spend = 0;
    if (had_window && c.reset_at) out.resets.push_back(row.budgetReset(model, *c.reset_at));
  }
}

Limit firstBroken(const KeySettings& row, const AdmitRequest& r, const Usage& u) {
  const std::string_view model = r.model;
  auto reached = [](const auto& limits, std::string_view m, std::int64_t used) {
    auto it = limits.find(m);
    return it != limits.end() && used >= it->second;
  };
  if (row.max_parallel_requests && u.in_flight >= *row.max_parallel_requests) return Limit::kParallel;
  if (row.rpm_limit && u.requests >= *row.rpm_limit) return Limit::kRpm;
  if (row.tpm_limit && u.tokens >= *row.tpm_limit) return Limit::kTpm;
  if (reached(row.modelRpmLimit(), model, u.model_requests)) return Limit::kModelRpm;
  if (reached(row.modelTpmLimit(), model, u.model_tokens)) return Limit::kModelTpm;
  if (!r.budgets) return Limit::kNone;
  if (row.max_budget && u.spend + u.reserved >= *row.max_budget) return Limit::kBudget;
  auto mb = row.modelMaxBudget().find(model);
  if (mb != row.modelMaxBudget().end() &&
      u.model_spend + u.model_reserved >= mb->second.budget_limit) {
    return Limit::kModelBudget;
  }
  return Limit::kNone;
}

AdmitResult judge(const KeySettings& row, std::string_view model, const Usage& u, Limit broken,
                  SysClock::time_point now) {
  AdmitResult out;
  out.spend = u.spend;
  // x-ratelimit-remaining-*: what is left after this request when it is admitted.
  std::int64_t taken = broken == Limit::kNone ? 1 : 0;
  if (row.rpm_limit) {
    out.requests = RateFigures{*row.rpm_limit,
                               std::max<std::int64_t>(0, *row.rpm_limit - u.requests - taken)};
  }
  if (row.tpm_limit) {
    out.tokens = RateFigures{*row.tpm_limit, std::max<std::int64_t>(0, *row.tpm_limit - u.tokens)};
  }
  std::string m(model);
  auto limited = [&](std::string message) {
    out.verdict = Verdict::kRateLimited;
    out.retry_after_s = secondsToNextMinute(now);
    out.message = std::move(message);
  };
  auto over = [&](std::string message) {
    out.verdict = Verdict::kBudgetExceeded;
    out.message = std::move(message);
  };
  if (row.level != store::Level::kKey) {
    levelRefusal(row, m, u, broken, now, limited, over);
    return out;
  }
  const std::string& key = row.key_name;
  switch (broken) {
    case Limit::kNone:
      break;
    case Limit::kParallel:
      limited("Rate limit reached for key " + key + ": max_parallel_requests=" +
              std::to_string(*row.max_parallel_requests) +
              ", requests in flight=" + std::to_string(u.in_flight) + ".");
      break;
    case Limit::kRpm:
      limited("Rate limit reached for key " + key + ": rpm_limit=" +
              std::to_string(*row.rpm_limit) + ", current rpm=" + std::to_string(u.requests) + ".");
      break;
    case Limit::kTpm:
      limited("Rate limit reached for key " + key + ": tpm_limit=" +
              std::to_string(*row.tpm_limit) + ", current tpm=" + std::to_string(u.tokens) + ".");
      break;
    case Limit::kModelRpm:
      limited("Rate limit reached for key " + key + " and model " + m + ": model_rpm_limit=" +
              std::to_string(row.modelRpmLimit().find(model)->second) + ".");
      break;
    case Limit::kModelTpm:
      limited("Rate limit reached for key " + key + " and model " + m + ": model_tpm_limit=" +
              std::to_string(row.modelTpmLimit().find(model)->second) + ".");
      break;
    case Limit::kBudget:
      over("Budget has been exceeded! Key " + key + " current cost: " + money(u.spend) +
           (u.reserved > 0 ? " (+" + money(u.reserved) + " in flight)" : "") +
           ", max budget: " + money(*row.max_budget));
      break;
    case Limit::kModelBudget:
      over("Budget has been exceeded for model " + m + "! Key " + key + " current cost: " +
           money(u.model_spend) +
           ", max budget: " + money(row.modelMaxBudget().find(model)->second.budget_limit));
      break;
  }
  return out;
}

Usage KeyEntry::usageLocked(const AdmitRequest& r, SysClock::time_point now, AdmitResult& resets,
                            ModelCounters*& mc) {
  const KeySettings& row = *row_;
  rollBudgets(now, resets);
  std::int64_t minute = minuteOf(now);
  window_.roll(minute);
  // Per-model counters only for a model the level limits.
  mc = nullptr;
  if (row.modelRpmLimit().contains(r.model) || row.modelTpmLimit().contains(r.model) ||
      row.modelMaxBudget().contains(r.model)) {
    mc = &modelCounters(r.model);
    mc->window.roll(minute);
  }
  Usage u{.in_flight = in_flight_, .requests = window_.requests, .tokens = window_.tokens,
          .spend = spend_, .reserved = reserved_};
  if (mc) {
    u.model_requests = mc->window.requests;
    u.model_tokens = mc->window.tokens;
    u.model_spend = mc->spend;
    u.model_reserved = mc->reserved;
  }
  return u;
}

void KeyEntry::takeLocked(const AdmitRequest& r, ModelCounters* mc) {
  ++in_flight_;
  ++window_.requests;
  reserved_ += r.reservation;
  if (mc) {
    ++mc->window.requests;
    mc->reserved += r.reservation;
  }
}

AdmitResult KeyEntry::admit(const AdmitRequest& r, SysClock::time_point now) {
  KeyEntry* self = this;
  return admitAll(std::span<KeyEntry* const>(&self, 1), r, now);
}

AdmitResult admitAll(std::span<KeyEntry* const> levels, const AdmitRequest& r,
                     SysClock::time_point now) {
  constexpr std::size_t kMax = KeyLease::kMaxLevels;
  const std::size_t n = std::min(levels.size(), kMax);
  // Locked in address order: two requests sharing levels never wait on each other in a circle.
  std::array<KeyEntry*, kMax> order{};
  std::copy_n(levels.begin(), n, order.begin());
  std::sort(order.begin(), order.begin() + n);
  std::array<std::unique_lock<std::mutex>, kMax> locks;
  for (std::size_t i = 0; i < n; ++i) {
    if (i == 0 || order[i] != order[i - 1]) locks[i] = std::unique_lock(order[i]->mu_);
  }
  AdmitResult resets, first;
  std::array<KeyEntry::ModelCounters*, kMax> mcs{};
  for (std::size_t i = 0; i < n; ++i) {
    KeyEntry& e = *levels[i];
    Usage u = e.usageLocked(r, now, resets, mcs[i]);
    AdmitResult out = judge(*e.row_, r.model, u, firstBroken(*e.row_, r, u), now);
    if (out.verdict != Verdict::kAdmitted) {
      out.refused_by = i;
      out.resets = std::move(resets.resets);
      return out;
    }
    if (i == 0) first = std::move(out);
  }
  // Admitted by every level: take the slot, this minute's request and the reservation on each.
  for (std::size_t i = 0; i < n; ++i) levels[i]->takeLocked(r, mcs[i]);
  first.resets = std::move(resets.resets);
  return first;
}

SpendStart KeyEntry::spendStart(std::string_view model, SysClock::time_point now,
                                AdmitResult& out) {
  {
    std::lock_guard lock(mu_);
    rollBudgets(now, out);
  }
  return spendNow(model);
}

SpendStart KeyEntry::spendNow(std::string_view model) const {
  std::lock_guard lock(mu_);
  SpendStart s{.row = row_, .window = reset_at_.value_or(0), .spend = spend_,
               .overwrite = spend_overwrite_};
  if (row_->modelMaxBudget().contains(model)) {
    auto it = models_.find(model);
    s.model_window = it != models_.end() ? it->second.reset_at.value_or(0) : 0;
    s.model_spend = it != models_.end() ? it->second.spend : 0;
  }
  return s;
}

void KeyEntry::take(const AdmitRequest& r, SysClock::time_point now) {
  std::lock_guard lock(mu_);
  AdmitResult ignored;  // windows rolled by spendStart() already
  ModelCounters* mc = nullptr;
  (void)usageLocked(r, now, ignored, mc);
  takeLocked(r, mc);
}

void KeyEntry::adoptSpend(double spend, std::optional<double> model_spend, std::string_view model) {
  std::lock_guard lock(mu_);
  spend_ = spend;
  if (model_spend) {
    auto it = models_.find(model);
    if (it != models_.end()) it->second.spend = *model_spend;
  }
}

void KeyEntry::spendOverwritten() {
  std::lock_guard lock(mu_);
  spend_overwrite_ = false;
}

void setSoftBudgetListener(SoftBudgetListener listener) { softListener() = std::move(listener); }

std::uint64_t softBudgetCrossings(store::Level level) noexcept {
  return soft_crossings[static_cast<std::size_t>(level)].load(std::memory_order_relaxed);
}

void KeyEntry::finish(std::string_view model, double reservation, double cost,
                      std::uint64_t tokens, SysClock::time_point now) {
  std::unique_lock lock(mu_);
  const double before = spend_;
  // Spend first, then the reservation: spend + reserved never dips below the truth meanwhile.
  spend_ += cost;
  if (row_->soft_budget && before < *row_->soft_budget && spend_ >= *row_->soft_budget) {
    std::shared_ptr<const KeySettings> row = row_;
    const double after = spend_;
    lock.unlock();
    softBudgetCrossed(row, after);
    lock.lock();
  }
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

KeyFigures KeyEntry::figures(SysClock::time_point now) const {
  const std::int64_t minute = minuteOf(now);
  KeyFigures f;
  std::lock_guard lock(mu_);
  f.row = row_;
  const KeySettings& row = *row_;
  f.spend = spend_;
  f.budget_reset_at = reset_at_;
  if (!row.budgetDuration().empty() && (!reset_at_ || msOf(now) >= *reset_at_)) {
    if (reset_at_) f.spend = 0;  // as rollBudgets() will find it
    f.budget_reset_at = nextReset(row.budgetDuration(), now);
  }
  if (window_.minute == minute) f.requests = window_.requests, f.tokens = window_.tokens;
  for (const auto* limits : {&row.modelRpmLimit(), &row.modelTpmLimit()}) {
    for (const auto& entry : *limits) {
      const std::string& model =
          entry.first;  // not a structured binding: clang 14 cannot capture one
      if (std::any_of(f.models.begin(), f.models.end(),
                      [&](const KeyFigures::Model& m) { return m.model == model; })) {
        continue;
      }
      KeyFigures::Model& m = f.models.emplace_back(KeyFigures::Model{model});
      auto it = models_.find(model);
      if (it != models_.end() && it->second.window.minute == minute) {
        m.requests = it->second.window.requests;
        m.tokens = it->second.window.tokens;
      }
    }
  }
  return f;
}

KeyLease::KeyLease(std::span<const std::shared_ptr<KeyEntry>> levels, std::string model,
                   double reservation, std::shared_ptr<SharedKeyCounters> shared,
                   std::string lease_id, unsigned shared_mask)
    : model_(std::move(model)),
      reservation_(reservation),
      shared_(std::move(shared)),
      lease_id_(std::move(lease_id)),
      count_(static_cast<std::uint8_t>(std::min(levels.size(), kMaxLevels))),
      shared_mask_(static_cast<std::uint8_t>(shared_mask)) {
  std::copy_n(levels.begin(), count_, entries_.begin());
}

KeyLease& KeyLease::operator=(KeyLease&& o) noexcept {
  if (this != &o) {
    release();
    entries_ = std::move(o.entries_);
    model_ = std::move(o.model_);
    reservation_ = o.reservation_;
    shared_ = std::move(o.shared_);
    lease_id_ = std::move(o.lease_id_);
    count_ = std::exchange(o.count_, 0);
    shared_mask_ = std::exchange(o.shared_mask_, 0);
  }
  return *this;
}

void KeyLease::finish(double cost, std::uint64_t tokens, SysClock::time_point now) {
  if (count_ == 0) return;
  for (std::size_t i = 0; i < count_; ++i) {
    entries_[i]->finish(model_, reservation_, cost, tokens, now);
  }
  if (shared_ && shared_mask_ != 0) {
    std::array<const KeyEntry*, kMaxLevels> judged{};
    std::size_t n = 0;
    for (std::size_t i = 0; i < count_; ++i) {
      if (shared_mask_ & (1u << i)) judged[n++] = entries_[i].get();
    }
    shared_->finish(std::span<const KeyEntry* const>(judged.data(), n), lease_id_, model_, cost,
                    tokens, now);
  }
  clear();
}

void KeyLease::clear() noexcept {
  for (std::size_t i = 0; i < count_; ++i) entries_[i].reset();
  count_ = 0;
  shared_mask_ = 0;
  shared_.reset();
}

void KeyLease::release() noexcept {
  if (count_ == 0) return;
  try {
    finish(0, 0, SysClock::now());
  } catch (...) {  // out of memory queuing the shared finish: the lease expires in Redis
    clear();
  }
}

}  // namespace switchyard::keys
