// A store::KeyRow in LiteLLM's shapes (admin/key_request.hpp): GenerateKeyResponse for
// /key/generate and /key/regenerate, and the LiteLLM_VerificationToken row for /key/info and
// /key/list. Every field LiteLLM sends is present, with LiteLLM's JSON type: money as numbers,
// times as ISO-8601 strings, absent values as null. Fields Switchyard does not implement
// (guardrails, budget tables, organisations, rotation...) carry LiteLLM's empty default.
//
// LiteLLM keeps tags, model_rpm_limit and model_tpm_limit inside `metadata`; they are rendered
// there, and also at the top level where GenerateKeyResponse has fields of those names.

#include <string>

#include "json_render.hpp"
#include "switchyard/admin/key_request.hpp"

namespace switchyard::admin {
namespace {

using nlohmann::json;
using namespace render;

// The stored metadata object with the LiteLLM fields kept in it put back.
json metadataOf(const store::KeyRow& row) {
  return metadataWith(row.metadata, &row.tags, row.model_rpm_limit, row.model_tpm_limit);
}

json modelMaxBudgetOf(const store::KeyRow& row) {
  json out = json::object();
  for (const auto& [model, budget] : row.model_max_budget) {
    out[model] = {{"budget_limit", budget.budget_limit},
                  {"time_period", textOrNull(budget.time_period)}};
  }
  return out;
}

// The fields GenerateKeyResponse and the token row share.
void putCommon(const store::KeyRow& row, json& out) {
  out["token"] = row.token;
  out["key_name"] = row.key_name;
  out["key_alias"] = textOrNull(row.key_alias);
  out["spend"] = row.spend;
  out["max_budget"] = optionalOrNull(row.max_budget);
  out["soft_budget"] = optionalOrNull(row.soft_budget);
  out["expires"] = timeOrNull(row.expires);
  out["models"] = row.models;
  out["aliases"] = json(row.aliases);
  out["config"] = json::object();
  out["permissions"] = json::object();
  out["router_settings"] = json::object();
  out["user_id"] = textOrNull(row.user_id);
  out["team_id"] = textOrNull(row.team_id);
  out["agent_id"] = nullptr;
  out["project_id"] = nullptr;
  out["organization_id"] = nullptr;
  out["budget_id"] = nullptr;
  out["max_parallel_requests"] = optionalOrNull(row.max_parallel_requests);
  out["tpm_limit"] = optionalOrNull(row.tpm_limit);
  out["rpm_limit"] = optionalOrNull(row.rpm_limit);
  out["metadata"] = metadataOf(row);
  out["tags"] = tagsOrNull(row.tags);
  out["model_rpm_limit"] = limitsOrNull(row.model_rpm_limit);
  out["model_tpm_limit"] = limitsOrNull(row.model_tpm_limit);
  out["budget_duration"] = textOrNull(row.budget_duration);
  out["budget_reset_at"] = timeOrNull(row.budget_reset_at);
  out["model_max_budget"] = modelMaxBudgetOf(row);
  out["blocked"] = row.blocked;
  out["allowed_cache_controls"] = json::array();
  out["allowed_routes"] = json::array();
  out["access_group_ids"] = json::array();
  out["litellm_budget_table"] = nullptr;
  out["object_permission"] = nullptr;
  out["created_by"] = textOrNull(row.created_by);
  out["updated_by"] = textOrNull(row.updated_by);
  out["created_at"] = stampOrNull(row.created_at);
  out["updated_at"] = stampOrNull(row.updated_at);
}

}  // namespace

nlohmann::json generateResponse(const store::KeyRow& row, std::string_view key) {
  json out = json::object();
  out["key"] = std::string(key);
  putCommon(row, out);
  out["token_id"] = row.token;  // LiteLLM: token and token_id are both the hash
  out["duration"] = nullptr;    // LiteLLM echoes no duration: it is folded into `expires`
  out["guardrails"] = nullptr;
  out["policies"] = nullptr;
  out["prompts"] = nullptr;
  out["enforced_params"] = nullptr;
  out["allowed_passthrough_routes"] = nullptr;
  out["allowed_vector_store_indexes"] = nullptr;
  out["rpm_limit_type"] = nullptr;
  out["tpm_limit_type"] = nullptr;
  return out;
}

nlohmann::json keyInfo(const store::KeyRow& row) {
  json out = json::object();
  putCommon(row, out);
  json spend = json::object();
  for (const auto& [model, s] : row.model_spend) spend[model] = s.spend;
  out["model_spend"] = std::move(spend);
  out["soft_budget_cooldown"] = false;
  out["policies"] = json::array();
  out["object_permission_id"] = nullptr;
  out["key_type"] = nullptr;
  out["last_active"] = nullptr;
  out["rotation_count"] = 0;
  out["auto_rotate"] = false;
  out["rotation_interval"] = nullptr;
  out["last_rotation_at"] = nullptr;
  out["key_rotation_at"] = nullptr;
  out["budget_limits"] = nullptr;
  return out;
}

}  // namespace switchyard::admin
