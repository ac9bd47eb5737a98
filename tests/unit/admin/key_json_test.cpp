#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "switchyard/admin/key_request.hpp"
#include "switchyard/auth/key_hash.hpp"

namespace switchyard::admin {
namespace {

using nlohmann::json;

enum class T { kString, kNumber, kInteger, kBool, kArray, kObject, kNull };

bool hasType(const json& v, T t) {
  switch (t) {
    case T::kString:
      return v.is_string();
    case T::kNumber:
      return v.is_number() && !v.is_boolean();
    case T::kInteger:
      return v.is_number_integer();
    case T::kBool:
      return v.is_boolean();
    case T::kArray:
      return v.is_array();
    case T::kObject:
      return v.is_object();
    case T::kNull:
      return v.is_null();
  }
  return false;
}

void expectShape(const json& out, std::initializer_list<std::pair<const char*, T>> fields) {
  for (const auto& [name, type] : fields) {
    ASSERT_TRUE(out.contains(name)) << "missing " << name;
    EXPECT_TRUE(hasType(out[name], type)) << name << " is " << out[name].dump();
  }
}

const std::string kKey = "sk-plaintextKeyValueXYZ1";
const store::UnixMs kNow = 1796419537250;  // 2026-12-04T21:25:37.250Z

// A row with every field set, built the way /key/generate builds it.
store::KeyRow fullRow() {
  store::KeyRow row;
  auto r = applyKeyFields(json::parse(R"({
    "key_alias": "team-a", "models": ["gpt-4o"], "aliases": {"gpt-4": "gpt-4o"},
    "max_budget": 10.5, "soft_budget": 8, "budget_duration": "1d", "spend": 1.25,
    "rpm_limit": 100, "tpm_limit": 20000, "max_parallel_requests": 4, "duration": "7d",
    "metadata": {"app": "billing"}, "tags": ["prod"], "blocked": true, "user_id": "u1",
    "team_id": "t1", "model_max_budget": {"gpt-4o": {"budget_limit": 2, "time_period": "1d"},
                                          "claude": {"budget_limit": 1}},
    "model_rpm_limit": {"gpt-4o": 10}, "model_tpm_limit": {"gpt-4o": 1000}})"),
                          KeyBodyMode::kGenerate, kNow, row);
  EXPECT_TRUE(r);
  row.token = auth::hashKey(kKey);
  row.key_name = auth::abbreviateKey(kKey);
  row.created_at = row.updated_at = kNow;
  row.created_by = row.updated_by = "master";
  row.model_spend["gpt-4o"] = store::ModelSpend{.spend = 0.5, .reset_at = std::nullopt};
  return row;
}

// The fields both shapes carry, with every value set.
const std::initializer_list<std::pair<const char*, T>> kCommonSet = {
    {"token", T::kString},
    {"key_name", T::kString},
    {"key_alias", T::kString},
    {"spend", T::kNumber},
    {"max_budget", T::kNumber},
    {"soft_budget", T::kNumber},
    {"expires", T::kString},
    {"models", T::kArray},
    {"aliases", T::kObject},
    {"config", T::kObject},
    {"permissions", T::kObject},
    {"router_settings", T::kObject},
    {"user_id", T::kString},
    {"team_id", T::kString},
    {"agent_id", T::kNull},
    {"project_id", T::kNull},
    {"organization_id", T::kNull},
    {"budget_id", T::kNull},
    {"max_parallel_requests", T::kInteger},
    {"tpm_limit", T::kInteger},
    {"rpm_limit", T::kInteger},
    {"metadata", T::kObject},
    {"tags", T::kArray},
    {"model_rpm_limit", T::kObject},
    {"model_tpm_limit", T::kObject},
    {"budget_duration", T::kString},
    {"budget_reset_at", T::kString},
    {"model_max_budget", T::kObject},
    {"blocked", T::kBool},
    {"allowed_cache_controls", T::kArray},
    {"allowed_routes", T::kArray},
    {"access_group_ids", T::kArray},
    {"litellm_budget_table", T::kNull},
    {"object_permission", T::kNull},
    {"created_by", T::kString},
    {"updated_by", T::kString},
    {"created_at", T::kString},
    {"updated_at", T::kString}};

TEST(GenerateResponseTest, EveryLiteLLMFieldWithItsType) {
  json out = generateResponse(fullRow(), kKey);
  expectShape(out, kCommonSet);
  expectShape(out, {{"key", T::kString},
                    {"token_id", T::kString},
                    {"duration", T::kNull},
                    {"guardrails", T::kNull},
                    {"policies", T::kNull},
                    {"prompts", T::kNull},
                    {"enforced_params", T::kNull},
                    {"allowed_passthrough_routes", T::kNull},
                    {"allowed_vector_store_indexes", T::kNull},
                    {"rpm_limit_type", T::kNull},
                    {"tpm_limit_type", T::kNull}});
}

TEST(GenerateResponseTest, Values) {
  store::KeyRow row = fullRow();
  json out = generateResponse(row, kKey);
  EXPECT_EQ(out["key"], kKey);
  EXPECT_EQ(out["key_name"], "sk-...XYZ1");
  EXPECT_EQ(out["token"], auth::hashKey(kKey));
  EXPECT_EQ(out["token_id"], auth::hashKey(kKey));
  EXPECT_EQ(out["key_alias"], "team-a");
  EXPECT_EQ(out["expires"], "2026-12-11T21:25:37.250Z");
  EXPECT_EQ(out["budget_reset_at"], "2026-12-05T00:00:00.000Z");
  EXPECT_EQ(out["created_at"], "2026-12-04T21:25:37.250Z");
  EXPECT_EQ(out["max_budget"], 10.5);
  EXPECT_EQ(out["soft_budget"], 8.0);
  EXPECT_EQ(out["spend"], 1.25);
  EXPECT_EQ(out["rpm_limit"], 100);
  EXPECT_EQ(out["models"], json::parse(R"(["gpt-4o"])"));
  EXPECT_EQ(out["aliases"], json::parse(R"({"gpt-4": "gpt-4o"})"));
  EXPECT_EQ(out["tags"], json::parse(R"(["prod"])"));
  EXPECT_EQ(out["model_rpm_limit"], json::parse(R"({"gpt-4o": 10})"));
  EXPECT_EQ(out["model_max_budget"],
            json::parse(R"({"gpt-4o": {"budget_limit": 2.0, "time_period": "1d"},
                            "claude": {"budget_limit": 1.0, "time_period": null}})"));
  EXPECT_EQ(out["blocked"], true);
}

TEST(GenerateResponseTest, MetadataCarriesTagsAndModelLimitsAsLiteLLMStoresThem) {
  json out = generateResponse(fullRow(), kKey);
  EXPECT_EQ(out["metadata"], json::parse(R"({"app": "billing", "tags": ["prod"],
      "model_rpm_limit": {"gpt-4o": 10}, "model_tpm_limit": {"gpt-4o": 1000}})"));
}

TEST(GenerateResponseTest, AnEmptyRowRendersNulls) {
  store::KeyRow row;
  row.token = auth::hashKey(kKey);
  row.key_name = auth::abbreviateKey(kKey);
  json out = generateResponse(row, kKey);
  for (const char* name :
       {"key_alias", "max_budget", "soft_budget", "expires", "user_id", "team_id",
        "max_parallel_requests", "tpm_limit", "rpm_limit", "tags", "model_rpm_limit",
        "model_tpm_limit", "budget_duration", "budget_reset_at", "created_by", "updated_by",
        "created_at", "updated_at"}) {
    EXPECT_TRUE(out[name].is_null()) << name << " is " << out[name].dump();
  }
  EXPECT_EQ(out["models"], json::array());
  EXPECT_EQ(out["aliases"], json::object());
  EXPECT_EQ(out["metadata"], json::object());
  EXPECT_EQ(out["model_max_budget"], json::object());
  EXPECT_EQ(out["spend"], 0.0);
  EXPECT_EQ(out["blocked"], false);
}

TEST(KeyInfoTest, TheTokenRowWithItsTypes) {
  json out = keyInfo(fullRow());
  expectShape(out, kCommonSet);
  expectShape(out, {{"model_spend", T::kObject},
                    {"soft_budget_cooldown", T::kBool},
                    {"policies", T::kArray},
                    {"object_permission_id", T::kNull},
                    {"key_type", T::kNull},
                    {"last_active", T::kNull},
                    {"rotation_count", T::kInteger},
                    {"auto_rotate", T::kBool},
                    {"rotation_interval", T::kNull},
                    {"last_rotation_at", T::kNull},
                    {"key_rotation_at", T::kNull},
                    {"budget_limits", T::kNull}});
  EXPECT_EQ(out["model_spend"], json::parse(R"({"gpt-4o": 0.5})"));
  EXPECT_EQ(out["token"], auth::hashKey(kKey));
}

TEST(KeyInfoTest, NeverContainsTheKey) {
  store::KeyRow row = fullRow();
  json out = keyInfo(row);
  EXPECT_FALSE(out.contains("key"));
  EXPECT_FALSE(out.contains("token_id"));
  EXPECT_EQ(out.dump().find(kKey), std::string::npos);
  // The plaintext key only ever appears in generateResponse, under "key".
  json gen = generateResponse(row, kKey);
  gen.erase("key");
  EXPECT_EQ(gen.dump().find(kKey), std::string::npos);
}

TEST(KeyInfoTest, UnreadableStoredMetadataRendersAnEmptyObject) {
  store::KeyRow row = fullRow();
  row.metadata = "not json";
  EXPECT_EQ(keyInfo(row)["metadata"], json::parse(R"({"tags": ["prod"],
      "model_rpm_limit": {"gpt-4o": 10}, "model_tpm_limit": {"gpt-4o": 1000}})"));
  row.metadata = "[1, 2]";
  row.tags.clear();
  row.model_rpm_limit.clear();
  row.model_tpm_limit.clear();
  EXPECT_EQ(keyInfo(row)["metadata"], json::object());
}

TEST(KeyInfoTest, WhatTheUiSendsBackAppliesToTheSameRow) {
  // The LiteLLM UI edits a key by posting back the fields /key/info gave it.
  store::KeyRow row = fullRow();
  json info = keyInfo(row);
  store::KeyRow again;
  ASSERT_TRUE(applyKeyFields(info, KeyBodyMode::kUpdate, kNow, again));
  EXPECT_EQ(again.key_alias, row.key_alias);
  EXPECT_EQ(again.models, row.models);
  EXPECT_EQ(again.aliases, row.aliases);
  EXPECT_EQ(again.max_budget, row.max_budget);
  EXPECT_EQ(again.soft_budget, row.soft_budget);
  EXPECT_EQ(again.budget_duration, row.budget_duration);
  EXPECT_EQ(again.budget_reset_at, row.budget_reset_at);
  EXPECT_EQ(again.spend, row.spend);
  EXPECT_EQ(again.rpm_limit, row.rpm_limit);
  EXPECT_EQ(again.tpm_limit, row.tpm_limit);
  EXPECT_EQ(again.max_parallel_requests, row.max_parallel_requests);
  EXPECT_EQ(again.expires, row.expires);
  EXPECT_EQ(json::parse(again.metadata), json::parse(row.metadata));
  EXPECT_EQ(again.tags, row.tags);
  EXPECT_EQ(again.blocked, row.blocked);
  EXPECT_EQ(again.user_id, row.user_id);
  EXPECT_EQ(again.team_id, row.team_id);
  EXPECT_EQ(again.model_rpm_limit, row.model_rpm_limit);
  EXPECT_EQ(again.model_tpm_limit, row.model_tpm_limit);
  ASSERT_EQ(again.model_max_budget.size(), row.model_max_budget.size());
  for (const auto& [model, budget] : row.model_max_budget) {
    EXPECT_EQ(again.model_max_budget[model].budget_limit, budget.budget_limit);
    EXPECT_EQ(again.model_max_budget[model].time_period, budget.time_period);
  }
  // So does the /key/generate answer (duration null, expires set).
  store::KeyRow from_generate;
  ASSERT_TRUE(
      applyKeyFields(generateResponse(row, kKey), KeyBodyMode::kUpdate, kNow, from_generate));
  EXPECT_EQ(from_generate.expires, row.expires);
}

}  // namespace
}  // namespace switchyard::admin
