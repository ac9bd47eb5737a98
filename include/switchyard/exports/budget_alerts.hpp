#pragma once
// Budget alerts to a webhook (general_settings.alerting: ["webhook"] with WEBHOOK_URL, as in
// LiteLLM): each soft budget a level's settled spend crosses becomes one LiteLLM WebhookEvent
// (`"event": "soft_budget_crossed"`), POSTed as JSON from a thread of its own. push() never
// blocks a worker: at most kQueue alerts wait, more are dropped and counted; a failing endpoint
// gets 3 tries of 5 s each, then the alert is dropped and counted. docs/teams.md#soft-budgets

#include <chrono>
#include <cstddef>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "switchyard/exports/hub.hpp"
#include "switchyard/keys/key_entry.hpp"

namespace switchyard::exports {

// LiteLLM's WebhookEvent for a soft-budget crossing: spend, max_budget, soft_budget, token (a
// key's hash), key_alias, user_id, team_id, customer_id, event, event_group ("key", "team",
// "internal_user", "customer"), event_message, and the CallInfo fields Switchyard does not know
// (team_alias, user_email, projected_*) as null.
nlohmann::json softBudgetEvent(const keys::KeySettings& row, double spend);

class BudgetAlerts {
 public:
  static constexpr std::size_t kQueue = 256;

  // `url`: where to POST (an http or https URL; never logged beyond its origin).
  explicit BudgetAlerts(const std::string& url);
  ~BudgetAlerts();  // stops: what is queued gets until the deadline of stop(), 2 s by default
  BudgetAlerts(const BudgetAlerts&) = delete;
  BudgetAlerts& operator=(const BudgetAlerts&) = delete;

  bool valid() const noexcept;  // the URL parsed; push() does nothing otherwise
  void push(const keys::SoftBudgetCrossing& crossing);
  void stop(std::chrono::milliseconds deadline = std::chrono::seconds(2));
  ExporterStats stats() const;  // kind "alert", name "budget_alerts"

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard::exports
