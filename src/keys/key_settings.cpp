// KeySettings (key_settings.hpp).

#include "switchyard/keys/key_settings.hpp"

namespace switchyard::keys {

const KeySettings::Rare KeySettings::kNone{};

KeySettings::KeySettings(const store::KeyRow& row)
    : token(row.token),
      key_name(row.key_name),
      key_alias(row.key_alias),
      max_budget(row.max_budget),
      soft_budget(row.soft_budget),
      rpm_limit(row.rpm_limit),
      tpm_limit(row.tpm_limit),
      max_parallel_requests(row.max_parallel_requests),
      expires(row.expires),
      blocked(row.blocked) {
  bool any = !row.models.empty() || !row.aliases.empty() || !row.budget_duration.empty() ||
             !row.user_id.empty() || !row.team_id.empty() || !row.model_max_budget.empty() ||
             !row.model_rpm_limit.empty() || !row.model_tpm_limit.empty() ||
             !row.previous_token.empty() || row.previous_token_expires.has_value();
  if (!any) return;
  rare_ = std::make_unique<const Rare>(Rare{row.models, row.aliases, row.budget_duration,
                                            row.user_id, row.team_id, row.model_max_budget,
                                            row.model_rpm_limit, row.model_tpm_limit,
                                            row.previous_token, row.previous_token_expires});
}

KeySettings::KeySettings(store::Level lvl, const std::string& id, const store::Limits& limits,
                         const std::string& team_id)
    : level(lvl),
      token(lvl == store::Level::kTeamMember ? memberToken(team_id, id) : id),
      key_name(id),
      max_budget(limits.max_budget),
      soft_budget(limits.soft_budget),
      rpm_limit(limits.rpm_limit),
      tpm_limit(limits.tpm_limit),
      max_parallel_requests(limits.max_parallel_requests) {
  bool member = lvl == store::Level::kTeamMember;
  bool any = member || !limits.budget_duration.empty() || !limits.model_max_budget.empty() ||
             !limits.model_rpm_limit.empty() || !limits.model_tpm_limit.empty();
  if (!any) return;
  rare_ = std::make_unique<const Rare>(Rare{{},
                                            {},
                                            limits.budget_duration,
                                            member ? id : std::string(),
                                            member ? team_id : std::string(),
                                            limits.model_max_budget,
                                            limits.model_rpm_limit,
                                            limits.model_tpm_limit,
                                            {},
                                            std::nullopt});
}

std::string memberToken(std::string_view team_id, std::string_view user_id) {
  return std::to_string(team_id.size()) + ":" + std::string(team_id) + ":" + std::string(user_id);
}

store::SpendDelta KeySettings::spendDelta(double cost, std::string_view model) const {
  bool per_model = modelMaxBudget().contains(model);
  return {storeId(), cost, per_model ? std::string(model) : std::string(), level,
          level == store::Level::kTeamMember ? teamId() : std::string()};
}

store::BudgetReset KeySettings::budgetReset(std::string_view model,
                                            store::UnixMs next_reset_at) const {
  return {storeId(), std::string(model), next_reset_at, level,
          level == store::Level::kTeamMember ? teamId() : std::string()};
}

}  // namespace switchyard::keys
