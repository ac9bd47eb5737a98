#pragma once
// One virtual key in memory: its settings and its live counters (docs/keys.md).
//
//   rate limits  rpm_limit / tpm_limit (and model_rpm_limit / model_tpm_limit) count requests and
//                tokens in the current clock minute (a fixed window: a new minute starts from
//                zero); max_parallel_requests counts requests in flight (a stream until it ends).
//   budgets      a request is admitted only while spend + the reservations of the requests in
//                flight is below max_budget (and model_max_budget for its model); it then
//                reserves its worst-case cost, and settle() replaces the reservation by the real
//                cost. So concurrent requests overshoot a budget by at most one reservation.
//                budget_duration windows reset spend to zero at their boundary
//                (keys::nextBudgetReset), on the first request after it.
//
// The same class counts the levels above a key (team, team member, user, customer: their
// KeySettings say which); admitAll() admits one request against several at once.
//
// Every method is thread-safe (one mutex per key, held for a few loads and stores, never across
// I/O). These are the counters of one process; with Redis configured, SharedKeyCounters
// (shared_counters.hpp) judges with every instance's counters by the same rules (judge()) and
// this entry keeps this instance's share, the fallback while Redis is out of reach.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/keys/key_settings.hpp"
#include "switchyard/store/records.hpp"

namespace switchyard::keys {

using SysClock = std::chrono::system_clock;

struct AdmitRequest {
  std::string_view model;            // the alias the request is for (key aliases applied)
  std::uint64_t tokens = 0;          // estimated tokens (prompt + expected output) for tpm
  double reservation = 0;            // worst-case cost in USD
  // False for a zero-cost model (LiteLLM's rule: every deployment prices input and output tokens
  // at an explicit 0): no budget of any level applies; rate and parallel limits still do.
  bool budgets = true;
};

enum class Verdict : std::uint8_t { kAdmitted, kRateLimited, kBudgetExceeded };

// The x-ratelimit-* figures of one dimension.
struct RateFigures {
  std::int64_t limit = 0, remaining = 0;
};

// What a key has used when a request arrives: of this process, or of every instance (Redis).
struct Usage {
  std::int64_t in_flight = 0, requests = 0, tokens = 0;  // this minute's requests and tokens
  std::int64_t model_requests = 0, model_tokens = 0;     // of the request's model
  double spend = 0, reserved = 0, model_spend = 0, model_reserved = 0;
};

// The limits, in the order they are checked.
enum class Limit : std::uint8_t {
  kNone, kParallel, kRpm, kTpm, kModelRpm, kModelTpm, kBudget, kModelBudget
};

struct AdmitResult {
  Verdict verdict = Verdict::kAdmitted;
  std::string message;         // client-safe, for a refusal
  unsigned retry_after_s = 0;  // kRateLimited
  std::optional<RateFigures> requests, tokens;  // where the key has rpm / tpm limits
  std::vector<store::BudgetReset> resets;       // budget windows that rolled over (to persist)
  double spend = 0;                             // the key's spend after any reset
  std::size_t refused_by = 0;                   // admitAll: the index of the level that refused
};

class KeySettings;

// A key as GET /metrics shows it (KeyEntry::figures).
struct KeyFigures {
  std::shared_ptr<const KeySettings> row;
  double spend = 0;
  std::optional<store::UnixMs> budget_reset_at;  // the end of the budget window, if it has one
  std::int64_t requests = 0, tokens = 0;         // this clock minute's
  struct Model {
    std::string model;
    std::int64_t requests = 0, tokens = 0;       // this clock minute's
  };
  std::vector<Model> models;  // the models the key rate-limits (model_rpm/tpm_limit)
};

// The first limit of `row` that request `r` would break with `u` used (kNone: none); budgets
// only when r.budgets.
Limit firstBroken(const KeySettings& row, const AdmitRequest& r, const Usage& u);
// The answer to a request to `model` with `u` used before it and `broken` (firstBroken's): the
// verdict, the client's message and the x-ratelimit-* figures (after the request when admitted).
AdmitResult judge(const KeySettings& row, std::string_view model, const Usage& u, Limit broken,
                  SysClock::time_point now);

// The Redis keys of one request's budget windows (SharedKeyCounters): the end of the key's
// budget_duration window and of its model's time_period (0: no window), the spend to start a
// shared counter from, and whether that start must overwrite it (an admin set the spend).
struct SpendStart {
  std::shared_ptr<const KeySettings> row;
  store::UnixMs window = 0, model_window = 0;
  double spend = 0;
  std::optional<double> model_spend;  // the key budgets the model
  bool overwrite = false;
};

class KeyEntry {
 public:
  // Settings and counters from the stored row (its spend, budget windows and model spend).
  explicit KeyEntry(const store::KeyRow& row);
  // A level above a key: its settings and its stored spend state.
  KeyEntry(std::shared_ptr<const KeySettings> settings, const store::SpendState& spend);

  std::shared_ptr<const KeySettings> row() const;
  // New settings; the live counters stay. `spend_set`: the row's spend replaces the live spend
  // (an admin set it), else the live spend and budget window are kept.
  void setRow(const store::KeyRow& row, bool spend_set);
  // A level's new settings and its stored spend state. kSpendSet: the stored state replaces the
  // live one (an admin set it). Else the live spend stays, and so does the window unless the
  // budget_duration changed: then it ends at the stored window end where the update wrote one
  // (kWindowStored: the row's own budget_duration changed), else at the new duration's next
  // boundary (kKeepSpend: the duration came from a team or budget object).
  enum class SpendUpdate : std::uint8_t { kKeepSpend, kWindowStored, kSpendSet };
  void setSettings(std::shared_ptr<const KeySettings> settings, const store::SpendState& stored,
                   SpendUpdate update);

  // Checks and takes: one request in this minute, one in flight, `reservation` of the budget.
  // Nothing is taken unless the verdict is kAdmitted. Each admitted request must be followed by
  // exactly one finish().
  AdmitResult admit(const AdmitRequest& r, SysClock::time_point now);
  // The same against every level of `levels` at once (the key first, then the levels above it):
  // each is checked in turn, and the request is taken on all of them or on none. A refusal names
  // the level in refused_by; an admission carries the first level's figures (x-ratelimit-*).
  friend AdmitResult admitAll(std::span<KeyEntry* const> levels, const AdmitRequest& r,
                              SysClock::time_point now);
  // The request ended: frees its slot and reservation, adds `cost` to the spend (of the key and
  // of `model`) and `tokens` to this minute's tokens.
  void finish(std::string_view model, double reservation, double cost, std::uint64_t tokens,
              SysClock::time_point now);

  // The shared path. spendStart() rolls the budget windows like admit() (resets in `out`);
  // take() counts an admission the shared counters made (no checks: this instance's share);
  // adoptSpend() takes the shared spend as the key's; spendOverwritten() clears the overwrite
  // flag once Redis has the admin's figure.
  SpendStart spendStart(std::string_view model, SysClock::time_point now, AdmitResult& out);
  SpendStart spendNow(std::string_view model) const;  // as it stands, no window rolled
  void take(const AdmitRequest& r, SysClock::time_point now);
  void adoptSpend(double spend, std::optional<double> model_spend, std::string_view model);
  void spendOverwritten();

  double spend() const;
  double reserved() const;
  int inFlight() const;

  // The key cache (key_loader.hpp): when the row was last read from the store (steady clock,
  // ms), and one refresh at a time.
  std::int64_t loadedAt() const noexcept { return loaded_at_.load(std::memory_order_relaxed); }
  void markLoaded(std::int64_t steady_ms) noexcept {
    loaded_at_.store(steady_ms, std::memory_order_relaxed);
  }
  bool claimRefresh() noexcept { return !refreshing_.exchange(true, std::memory_order_acq_rel); }
  void refreshDone() noexcept { refreshing_.store(false, std::memory_order_release); }
  // The key at `now` as its next request would find it, changing nothing: a budget window past
  // its end counts as reset (spend 0, the next window's end), a past minute as empty.
  KeyFigures figures(SysClock::time_point now) const;

 private:
  struct Window {  // one clock minute
    std::int64_t minute = -1;
    std::int64_t requests = 0, tokens = 0;
    void roll(std::int64_t now_minute) {
      if (minute != now_minute) minute = now_minute, requests = 0, tokens = 0;
    }
  };
  struct ModelCounters {
    Window window;
    double spend = 0, reserved = 0;
    std::optional<store::UnixMs> reset_at;
  };
  ModelCounters& modelCounters(std::string_view model);  // mu_ held
  void rollBudgets(SysClock::time_point now, AdmitResult& out);  // mu_ held
  // mu_ held: rolls the windows, and returns the usage before `r` (mc: the model's counters,
  // when the level limits the model); takeLocked counts `r` as admitted.
  Usage usageLocked(const AdmitRequest& r, SysClock::time_point now, AdmitResult& resets,
                    ModelCounters*& mc);
  void takeLocked(const AdmitRequest& r, ModelCounters* mc);

  std::atomic<std::int64_t> loaded_at_{0};
  std::atomic<bool> refreshing_{false};
  mutable std::mutex mu_;
  std::shared_ptr<const KeySettings> row_;
  double spend_ = 0, reserved_ = 0;
  std::optional<store::UnixMs> reset_at_;
  int in_flight_ = 0;
  bool spend_overwrite_ = false;  // an admin set the spend: the shared counter takes it as is
  Window window_;
  std::map<std::string, ModelCounters, std::less<>> models_;
};

AdmitResult admitAll(std::span<KeyEntry* const> levels, const AdmitRequest& r,
                     SysClock::time_point now);

// How many times a level's settled spend crossed its soft_budget (each crossing is also logged),
// per store::Level. GET /metrics.
std::uint64_t softBudgetCrossings(store::Level level) noexcept;

// Who hears of each soft-budget crossing besides the log and the counter (the budget-alert
// webhook). Called on the thread that settled the request, outside every lock: it must not
// block. Set at start-up before the first request and cleared after the last (not concurrently
// with requests); nullptr: nobody.
struct SoftBudgetCrossing {
  std::shared_ptr<const KeySettings> row;  // the level whose soft_budget was crossed
  double spend = 0;                        // its spend after the request
};
using SoftBudgetListener = std::function<void(const SoftBudgetCrossing&)>;
void setSoftBudgetListener(SoftBudgetListener listener);

class SharedKeyCounters;

// The slot an admitted request holds on its key and on each level above it; finish() settles
// them, and destruction without finish() (the client left, an exception) releases the slots and
// the reservations with no cost. The levels the shared counters judged (`shared_mask`, a bit per
// level, with `lease_id`) are settled in Redis too, in the background.
class KeyLease {
 public:
  static constexpr std::size_t kMaxLevels = 5;

  KeyLease() = default;
  KeyLease(std::shared_ptr<KeyEntry> entry, std::string model, double reservation)
      : model_(std::move(model)), reservation_(reservation), count_(1) {
    entries_[0] = std::move(entry);
  }
  // `levels`: at most kMaxLevels, the key first.
  KeyLease(std::span<const std::shared_ptr<KeyEntry>> levels, std::string model, double reservation,
           std::shared_ptr<SharedKeyCounters> shared = nullptr, std::string lease_id = {},
           unsigned shared_mask = 0);
  KeyLease(KeyLease&& o) noexcept { *this = std::move(o); }
  KeyLease& operator=(KeyLease&& o) noexcept;
  ~KeyLease() { release(); }

  void finish(double cost, std::uint64_t tokens, SysClock::time_point now);
  void release() noexcept;
  explicit operator bool() const noexcept { return count_ != 0; }
  KeyEntry* entry() const noexcept { return entries_[0].get(); }  // the first level's
  std::span<const std::shared_ptr<KeyEntry>> levels() const noexcept {
    return {entries_.data(), count_};
  }

 private:
  void clear() noexcept;
  std::array<std::shared_ptr<KeyEntry>, kMaxLevels> entries_{};
  std::string model_;
  double reservation_ = 0;
  std::shared_ptr<SharedKeyCounters> shared_;
  std::string lease_id_;
  std::uint8_t count_ = 0, shared_mask_ = 0;
};

}  // namespace switchyard::keys
