// BudgetAlerts (budget_alerts.hpp): LiteLLM's budget WebhookEvents, posted off the request path.

#include "switchyard/exports/budget_alerts.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "http_post.hpp"
#include "switchyard/keys/key_settings.hpp"

namespace switchyard::exports {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr auto kTimeout = std::chrono::seconds(5);
constexpr int kTries = 3;
constexpr std::chrono::milliseconds kBackoff[] = {std::chrono::milliseconds(500),
                                                  std::chrono::milliseconds(1000)};

json orNull(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }
json orNull(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

// LiteLLM's number formatting in event_message: a float's repr.
std::string money(double v) {
  std::string s = json(v).dump();
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

json softBudgetEvent(const keys::KeySettings& row, double spend) {
  using store::Level;
  json e = json::object();
  e["spend"] = spend;
  e["max_budget"] = orNull(row.max_budget);
  e["soft_budget"] = orNull(row.soft_budget);
  e["token"] = row.level == Level::kKey ? orNull(row.token) : json(nullptr);
  e["customer_id"] = row.level == Level::kCustomer ? orNull(row.token) : json(nullptr);
  std::string user_id = row.userId(), team_id = row.teamId();
  if (row.level == Level::kUser) user_id = row.token;
  if (row.level == Level::kTeam) team_id = row.token;
  e["user_id"] = orNull(user_id);
  e["team_id"] = orNull(team_id);
  e["team_alias"] = nullptr;
  e["user_email"] = nullptr;
  e["key_alias"] = row.level == Level::kKey ? orNull(row.key_alias) : json(nullptr);
  e["projected_exceeded_date"] = nullptr;
  e["projected_spend"] = nullptr;
  e["event"] = "soft_budget_crossed";
  switch (row.level) {
    case Level::kKey:
      e["event_group"] = "key";
      break;
    case Level::kTeam:
    case Level::kTeamMember:
      e["event_group"] = "team";
      break;
    case Level::kUser:
      e["event_group"] = "internal_user";
      break;
    case Level::kCustomer:
      e["event_group"] = "customer";
      break;
  }
  e["event_message"] =
      "Soft Budget Crossed: Total Soft Budget:`" + money(row.soft_budget.value_or(0)) + "`";
  return e;
}

struct BudgetAlerts::Impl {
  std::optional<HttpPoster> poster;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::string> queue;  // bodies
  bool stopping = false;
  Clock::time_point deadline = Clock::time_point::max();
  std::atomic<std::int64_t> stop_at{0};
  std::atomic<std::uint64_t> sent{0}, dropped{0}, failures{0};
  Clock::time_point last_warning{};
  std::thread thread;

  // Time left for one post: `want`, or what remains before a stop's deadline.
  std::chrono::milliseconds budget(std::chrono::milliseconds want, Clock::time_point until) {
    if (until == Clock::time_point::max()) return want;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    return std::max(std::chrono::milliseconds(0), std::min(want, left));
  }

  bool post(const std::string& body, Clock::time_point until) {
    for (int attempt = 0; attempt < kTries; ++attempt) {
      if (attempt > 0) {
        const auto pause = kBackoff[attempt - 1];
        if (until != Clock::time_point::max() && Clock::now() + pause >= until) return false;
        std::unique_lock lock(mutex);
        wake.wait_for(lock, pause, [this] { return stopping; });
      }
      auto timeout = budget(kTimeout, until);
      if (timeout.count() == 0) return false;
      HttpPoster::Result r = poster->post("application/json", body, timeout, &stop_at);
      if (r.ok()) return true;
      ++failures;
      if (Clock::now() - last_warning >= std::chrono::seconds(60)) {
        last_warning = Clock::now();
        spdlog::warn(
            "budget alerts: post to {} failed: {} (retried {} times, then dropped and "
            "counted)",
            poster->url().origin(), r.error, kTries - 1);
      }
      if (r.status >= 400 && r.status < 500 && r.status != 408 && r.status != 429) return false;
    }
    return false;
  }

  void run() {
    for (;;) {
      std::string body;
      Clock::time_point until = Clock::time_point::max();
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [this] { return stopping || !queue.empty(); });
        if (queue.empty()) return;
        if (stopping) {
          until = deadline;
          if (Clock::now() >= deadline) {
            dropped += queue.size();
            queue.clear();
            return;
          }
        }
        body = std::move(queue.front());
        queue.pop_front();
      }
      (post(body, until) ? sent : dropped) += 1;
    }
  }
};

BudgetAlerts::BudgetAlerts(const std::string& url) : impl_(std::make_unique<Impl>()) {
  std::optional<providers::Url> parsed = providers::parseUrl(url);
  if (!parsed) {
    spdlog::error("budget alerts: WEBHOOK_URL is not an http(s) URL; no alerts are sent");
    return;
  }
  impl_->poster.emplace(*parsed, std::map<std::string, std::string>{});
  spdlog::info("budget alerts: soft budgets crossed are posted to {}", parsed->origin());
  // A thread that never takes the process's signals (the server handles them).
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  impl_->thread = std::thread([impl = impl_.get()] {
    pthread_setname_np(pthread_self(), "sy-alerts");
    impl->run();
  });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

BudgetAlerts::~BudgetAlerts() { stop(); }

bool BudgetAlerts::valid() const noexcept { return impl_->poster.has_value(); }

void BudgetAlerts::push(const keys::SoftBudgetCrossing& crossing) {
  if (!valid() || !crossing.row) return;
  std::string body = softBudgetEvent(*crossing.row, crossing.spend)
                         .dump(-1, ' ', false, json::error_handler_t::replace);
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopping || impl_->queue.size() >= kQueue) {
      ++impl_->dropped;
      return;
    }
    impl_->queue.push_back(std::move(body));
  }
  impl_->wake.notify_one();
}

void BudgetAlerts::stop(std::chrono::milliseconds deadline) {
  if (!impl_->thread.joinable()) return;
  const Clock::time_point until = Clock::now() + deadline;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    impl_->deadline = until;
  }
  impl_->stop_at.store(until.time_since_epoch().count(), std::memory_order_relaxed);
  impl_->wake.notify_one();
  impl_->thread.join();
}

ExporterStats BudgetAlerts::stats() const {
  ExporterStats s;
  s.name = "budget_alerts";
  s.kind = "alert";
  s.exported = impl_->sent.load(std::memory_order_relaxed);
  s.dropped = impl_->dropped.load(std::memory_order_relaxed);
  s.failures = impl_->failures.load(std::memory_order_relaxed);
  return s;
}

}  // namespace switchyard::exports
