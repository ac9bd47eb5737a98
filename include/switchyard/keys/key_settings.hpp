#pragma once
// What the request path reads of a virtual key (docs/keys.md): the store row (store::KeyRow) less
// what only the admin API shows (metadata, tags, soft_budget, who changed it and when) and less
// the counters KeyEntry keeps live (spend, budget windows). The settings few keys have (model
// lists, aliases, per-model limits, a budget window, owners, a regeneration's grace period) sit
// behind one pointer, null when none is set: a key with limits and a budget takes about a quarter
// of its row's memory, so a million keys fit in a few hundred MiB (scripts/keys-scale.sh).
// Immutable once made: KeyEntry replaces it whole on update.
//
// The levels above a key (its team, its membership in that team, its user, the end customer;
// docs/teams.md) are counted by the same KeyEntry machinery: their KeySettings carry the level,
// its id in `token` (for a team member, an id made of the team and the user: memberToken) and
// its limits; they have no models, aliases, expiry or grace period.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "switchyard/store/hierarchy.hpp"
#include "switchyard/store/records.hpp"

namespace switchyard::keys {

// The token of a team member's counters: unambiguous whatever the ids contain.
std::string memberToken(std::string_view team_id, std::string_view user_id);

class KeySettings {
 public:
  explicit KeySettings(const store::KeyRow& row);
  // A level above the key: `id` is the team, user or customer id (a team member: the user id,
  // with `team_id`). Its limits are the level's effective ones (store::effectiveLimits).
  KeySettings(store::Level level, const std::string& id, const store::Limits& limits,
              const std::string& team_id = {});

  store::Level level = store::Level::kKey;
  std::string token;  // SHA-256 hex of the key; a level's id (memberToken for a team member)
  std::string key_name, key_alias;
  std::optional<double> max_budget, soft_budget;
  std::optional<std::int64_t> rpm_limit, tpm_limit, max_parallel_requests;
  std::optional<store::UnixMs> expires;
  bool blocked = false;

  // The id the store knows the level by (the user id of a team member); and its spend delta.
  const std::string& storeId() const {
    return level == store::Level::kTeamMember ? userId() : token;
  }
  store::SpendDelta spendDelta(double cost, std::string_view model) const;
  store::BudgetReset budgetReset(std::string_view model, store::UnixMs next_reset_at) const;
  // Whether this level budgets or limits requests to `model`.
  bool budgets(std::string_view model) const {
    return max_budget.has_value() || modelMaxBudget().contains(model);
  }
  bool limits(std::string_view model) const {
    return budgets(model) || rpm_limit || tpm_limit || max_parallel_requests ||
           modelRpmLimit().contains(model) || modelTpmLimit().contains(model);
  }

  // The loggable name: the alias, else the abbreviated key.
  const std::string& displayName() const { return key_alias.empty() ? key_name : key_alias; }

  const std::vector<std::string>& models() const { return rare().models; }
  const store::ByModel<std::string>& aliases() const { return rare().aliases; }
  const std::string& budgetDuration() const { return rare().budget_duration; }
  const std::string& userId() const { return rare().user_id; }
  const std::string& teamId() const { return rare().team_id; }
  const store::ByModel<store::ModelBudget>& modelMaxBudget() const {
    return rare().model_max_budget;
  }
  const store::ByModel<std::int64_t>& modelRpmLimit() const { return rare().model_rpm_limit; }
  const store::ByModel<std::int64_t>& modelTpmLimit() const { return rare().model_tpm_limit; }
  const std::string& previousToken() const { return rare().previous_token; }
  const std::optional<store::UnixMs>& previousTokenExpires() const {
    return rare().previous_token_expires;
  }

 private:
  struct Rare {
    std::vector<std::string> models;
    store::ByModel<std::string> aliases;
    std::string budget_duration;
    std::string user_id, team_id;
    store::ByModel<store::ModelBudget> model_max_budget;
    store::ByModel<std::int64_t> model_rpm_limit, model_tpm_limit;
    std::string previous_token;
    std::optional<store::UnixMs> previous_token_expires;
  };
  static const Rare kNone;
  const Rare& rare() const { return rare_ ? *rare_ : kNone; }

  std::unique_ptr<const Rare> rare_;
};

}  // namespace switchyard::keys
