// KeySettings (key_settings.hpp).

#include "switchyard/keys/key_settings.hpp"

namespace switchyard::keys {

const KeySettings::Rare KeySettings::kNone{};

KeySettings::KeySettings(const store::KeyRow& row)
    : token(row.token),
      key_name(row.key_name),
      key_alias(row.key_alias),
      max_budget(row.max_budget),
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

}  // namespace switchyard::keys
