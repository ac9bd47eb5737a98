// Teams, memberships, users, customers and budgets in LiteLLM's shapes
// (admin/hierarchy_request.hpp).

#include <gtest/gtest.h>

#include <string>

#include "switchyard/admin/hierarchy_request.hpp"
#include "unit/admin/hierarchy_test_util.hpp"

namespace switchyard::admin {
namespace {

using namespace test;

store::TeamRow fullTeam() {
  store::TeamRow row;
  auto r = applyTeamFields(json::parse(R"({
    "team_id": "t-1", "team_alias": "QA", "models": ["gpt-4o"], "max_budget": 100,
    "soft_budget": 80, "budget_duration": "1d", "rpm_limit": 60, "tpm_limit": 6000,
    "max_parallel_requests": 5, "budget_id": "tier",
    "model_max_budget": {"gpt-4o": {"budget_limit": 2, "time_period": "1d"}},
    "metadata": {"owner": "qa"}, "tags": ["prod"], "model_rpm_limit": {"gpt-4o": 3},
    "blocked": true, "model_aliases": {"gpt-4": "gpt-4o"}, "team_member_budget": 5,
    "team_member_rpm_limit": 10, "team_member_tpm_limit": 100,
    "members_with_roles": [{"role": "admin", "user_id": "u1"},
                           {"role": "user", "user_email": "b@x"}]})"),
                           BodyMode::kCreate, kNow, row);
  EXPECT_TRUE(r.has_value());
  row.spend.spend = 1.25;
  row.spend.model_spend["gpt-4o"].spend = 0.5;
  row.created_at = kNow;
  row.updated_at = kNow + kSecond;
  row.created_by = "master";
  return row;
}

TEST(TeamJsonTest, EveryLiteLLMFieldWithItsType) {
  json out = teamJson(fullTeam());
  expectShape(out, {{"team_id", J::kString},
                    {"team_alias", J::kString},
                    {"organization_id", J::kNull},
                    {"admins", J::kArray},
                    {"members", J::kArray},
                    {"members_with_roles", J::kArray},
                    {"team_member_permissions", J::kArray},
                    {"metadata", J::kObject},
                    {"tpm_limit", J::kInteger},
                    {"rpm_limit", J::kInteger},
                    {"max_budget", J::kNumber},
                    {"soft_budget", J::kNumber},
                    {"budget_duration", J::kString},
                    {"budget_reset_at", J::kString},
                    {"budget_limits", J::kNull},
                    {"models", J::kArray},
                    {"blocked", J::kBool},
                    {"router_settings", J::kObject},
                    {"access_group_ids", J::kArray},
                    {"default_team_member_models", J::kArray},
                    {"spend", J::kNumber},
                    {"max_parallel_requests", J::kInteger},
                    {"model_id", J::kNull},
                    {"model_spend", J::kObject},
                    {"model_max_budget", J::kObject},
                    {"policies", J::kArray},
                    {"allow_team_guardrail_config", J::kBool},
                    {"litellm_model_table", J::kObject},
                    {"object_permission", J::kNull},
                    {"object_permission_id", J::kNull},
                    {"created_at", J::kString},
                    {"updated_at", J::kString},
                    {"budget_id", J::kString},
                    {"model_aliases", J::kObject},
                    {"team_member_budget", J::kNumber},
                    {"team_member_rpm_limit", J::kInteger},
                    {"team_member_tpm_limit", J::kInteger}});
  EXPECT_EQ(out["team_id"], "t-1");
  EXPECT_EQ(out["max_budget"], 100.0);
  EXPECT_EQ(out["spend"], 1.25);
  EXPECT_EQ(out["budget_reset_at"], "2026-12-05T00:00:00.000Z");
  EXPECT_EQ(out["created_at"], "2026-12-04T21:25:37.250Z");
  EXPECT_EQ(out["models"], json::array({"gpt-4o"}));
  EXPECT_EQ(out["blocked"], true);
  EXPECT_EQ(out["model_spend"], json::parse(R"({"gpt-4o": 0.5})"));
  EXPECT_EQ(out["model_max_budget"],
            json::parse(R"({"gpt-4o": {"budget_limit": 2.0, "time_period": "1d"}})"));
  // LiteLLM keeps tags and model limits inside the team's metadata.
  EXPECT_EQ(out["metadata"],
            json::parse(R"({"owner": "qa", "tags": ["prod"], "model_rpm_limit": {"gpt-4o": 3}})"));
  EXPECT_EQ(out["members_with_roles"], json::parse(R"([
      {"user_id": "u1", "user_email": null, "role": "admin"},
      {"user_id": null, "user_email": "b@x", "role": "user"}])"));
  EXPECT_EQ(out["litellm_model_table"]["model_aliases"], json::parse(R"({"gpt-4": "gpt-4o"})"));
  EXPECT_EQ(out["litellm_model_table"]["created_by"], "master");
  EXPECT_EQ(out["team_member_budget"], 5.0);
}

TEST(TeamJsonTest, UnsetFieldsAreNull) {
  store::TeamRow row;
  row.team_id = "t";
  json out = teamJson(row);
  expectShape(out, {{"team_alias", J::kNull},
                    {"tpm_limit", J::kNull},
                    {"rpm_limit", J::kNull},
                    {"max_budget", J::kNull},
                    {"soft_budget", J::kNull},
                    {"budget_duration", J::kNull},
                    {"budget_reset_at", J::kNull},
                    {"max_parallel_requests", J::kNull},
                    {"litellm_model_table", J::kNull},
                    {"created_at", J::kNull},
                    {"budget_id", J::kNull},
                    {"team_member_budget", J::kNull},
                    {"spend", J::kNumber},
                    {"blocked", J::kBool},
                    {"metadata", J::kObject},
                    {"model_max_budget", J::kObject},
                    {"members_with_roles", J::kArray}});
  EXPECT_TRUE(out["members_with_roles"].empty());
  EXPECT_TRUE(out["metadata"].empty());
  EXPECT_EQ(out["spend"], 0.0);
}

TEST(MembershipJsonTest, BudgetTableFromTheBudgetObjectOrTheMemberOrNull) {
  store::TeamMember m;
  m.team_id = "t";
  m.user_id = "u";
  m.spend.spend = 0.75;
  json out = teamMembershipJson(m, nullptr);
  expectShape(out, {{"user_id", J::kString},
                    {"team_id", J::kString},
                    {"budget_id", J::kNull},
                    {"spend", J::kNumber},
                    {"total_spend", J::kNull},
                    {"litellm_budget_table", J::kNull}});
  EXPECT_EQ(out["spend"], 0.75);

  m.max_budget_in_team = 4;
  out = teamMembershipJson(m, nullptr);
  ASSERT_TRUE(out["litellm_budget_table"].is_object());
  EXPECT_EQ(out["litellm_budget_table"]["max_budget"], 4.0);
  EXPECT_TRUE(out["litellm_budget_table"]["budget_id"].is_null());

  store::BudgetRow b;
  b.budget_id = "member-b";
  b.limits.max_budget = 9;
  b.limits.rpm_limit = 3;
  m.budget_id = "member-b";
  out = teamMembershipJson(m, &b);
  EXPECT_EQ(out["budget_id"], "member-b");
  expectShape(out["litellm_budget_table"], {{"budget_id", J::kString},
                                            {"max_budget", J::kNumber},
                                            {"rpm_limit", J::kInteger},
                                            {"soft_budget", J::kNull},
                                            {"tpm_limit", J::kNull},
                                            {"max_parallel_requests", J::kNull},
                                            {"model_max_budget", J::kNull},
                                            {"budget_duration", J::kNull},
                                            {"budget_reset_at", J::kNull},
                                            {"allowed_models", J::kArray}});
  EXPECT_EQ(out["litellm_budget_table"]["max_budget"], 9.0);
}

TEST(UserJsonTest, EveryLiteLLMFieldWithItsType) {
  store::UserRow row;
  auto r = applyUserFields(json::parse(R"({"user_id": "u1", "user_alias": "Ann",
      "user_email": "a@x", "user_role": "proxy_admin", "models": ["m"], "max_budget": 5,
      "soft_budget": 4, "budget_duration": "1h", "rpm_limit": 1, "tpm_limit": 2,
      "max_parallel_requests": 3, "budget_id": "b", "metadata": {"k": "v"},
      "model_tpm_limit": {"m": 7},
      "model_max_budget": {"m": {"max_budget": 1, "budget_duration": "1d"}}})"),
                           BodyMode::kCreate, kNow, row);
  ASSERT_TRUE(r.has_value());
  row.teams = {"t1", "t2"};
  row.spend.spend = 2.5;
  row.created_at = kNow;
  row.updated_at = kNow;
  json out = userJson(row);
  expectShape(out, {{"user_id", J::kString},
                    {"user_alias", J::kString},
                    {"team_id", J::kNull},
                    {"sso_user_id", J::kNull},
                    {"organization_id", J::kNull},
                    {"object_permission_id", J::kNull},
                    {"teams", J::kArray},
                    {"user_role", J::kString},
                    {"max_budget", J::kNumber},
                    {"spend", J::kNumber},
                    {"user_email", J::kString},
                    {"models", J::kArray},
                    {"metadata", J::kObject},
                    {"max_parallel_requests", J::kInteger},
                    {"tpm_limit", J::kInteger},
                    {"rpm_limit", J::kInteger},
                    {"budget_duration", J::kString},
                    {"budget_reset_at", J::kString},
                    {"allowed_cache_controls", J::kArray},
                    {"policies", J::kArray},
                    {"model_spend", J::kObject},
                    {"model_max_budget", J::kObject},
                    {"created_at", J::kString},
                    {"updated_at", J::kString},
                    {"password_updated_at", J::kNull},
                    {"reset_password_required", J::kBool},
                    {"organization_memberships", J::kNull},
                    {"object_permission", J::kNull},
                    {"soft_budget", J::kNumber},
                    {"budget_id", J::kString}});
  EXPECT_EQ(out["teams"], json::array({"t1", "t2"}));
  EXPECT_EQ(out["user_role"], "proxy_admin");
  EXPECT_EQ(out["spend"], 2.5);
  EXPECT_EQ(out["budget_reset_at"], "2026-12-04T22:00:00.000Z");
  EXPECT_EQ(out["metadata"], json::parse(R"({"k": "v", "model_tpm_limit": {"m": 7}})"));
  EXPECT_EQ(out["model_max_budget"],
            json::parse(R"({"m": {"budget_limit": 1.0, "time_period": "1d"}})"));
  EXPECT_FALSE(out.contains("password"));

  json empty = userJson(store::UserRow{});
  expectShape(empty, {{"user_alias", J::kNull},
                      {"user_email", J::kNull},
                      {"max_budget", J::kNull},
                      {"budget_reset_at", J::kNull},
                      {"created_at", J::kNull},
                      {"user_role", J::kString}});
  EXPECT_EQ(empty["user_role"], "internal_user");
}

TEST(CustomerJsonTest, EveryLiteLLMFieldWithItsType) {
  store::CustomerRow row;
  row.user_id = "end-1";
  json out = customerJson(row, nullptr);
  expectShape(out, {{"user_id", J::kString},
                    {"blocked", J::kBool},
                    {"alias", J::kNull},
                    {"spend", J::kNumber},
                    {"allowed_model_region", J::kNull},
                    {"default_model", J::kNull},
                    {"budget_id", J::kNull},
                    {"litellm_budget_table", J::kNull},
                    {"object_permission_id", J::kNull},
                    {"object_permission", J::kNull}});

  auto r = applyCustomerFields(json::parse(R"({"user_id": "end-1", "alias": "Acme",
      "blocked": true, "allowed_model_region": "eu", "default_model": "m", "max_budget": 3,
      "budget_duration": "1d", "model_max_budget": {"m": {"budget_limit": 1}}})"),
                               BodyMode::kCreate, kNow, row);
  ASSERT_TRUE(r.has_value());
  out = customerJson(row, nullptr);
  expectShape(out, {{"alias", J::kString},
                    {"allowed_model_region", J::kString},
                    {"default_model", J::kString},
                    {"litellm_budget_table", J::kObject}});
  EXPECT_EQ(out["blocked"], true);
  const json& table = out["litellm_budget_table"];
  EXPECT_TRUE(table["budget_id"].is_null());
  EXPECT_EQ(table["max_budget"], 3.0);
  EXPECT_EQ(table["budget_duration"], "1d");
  EXPECT_EQ(table["budget_reset_at"], "2026-12-05T00:00:00.000Z");
  EXPECT_EQ(table["model_max_budget"],
            json::parse(R"({"m": {"max_budget": 1.0, "budget_duration": null}})"));
}

TEST(CustomerJsonTest, LinkedBudgetGivesTheEffectiveLimits) {
  store::CustomerRow row;
  row.user_id = "end-1";
  row.budget_id = "tier";
  row.limits.rpm_limit = 5;  // its own: wins over the budget's
  store::BudgetRow b;
  b.budget_id = "tier";
  b.limits.max_budget = 10;
  b.limits.rpm_limit = 50;
  b.budget_reset_at = at(2027, 1, 1);
  json out = customerJson(row, &b);
  EXPECT_EQ(out["budget_id"], "tier");
  const json& table = out["litellm_budget_table"];
  ASSERT_TRUE(table.is_object());
  EXPECT_EQ(table["budget_id"], "tier");
  EXPECT_EQ(table["max_budget"], 10.0);
  EXPECT_EQ(table["rpm_limit"], 5);
  EXPECT_EQ(table["budget_reset_at"], "2027-01-01T00:00:00.000Z");
}

TEST(BudgetJsonTest, EveryLiteLLMFieldWithItsType) {
  store::BudgetRow row;
  auto r = applyBudgetFields(json::parse(R"({"budget_id": "tier", "max_budget": 10,
      "soft_budget": 8, "max_parallel_requests": 2, "tpm_limit": 100, "rpm_limit": 10,
      "budget_duration": "1d", "model_rpm_limit": {"m": 1},
      "model_max_budget": {"m": {"budget_limit": 1, "time_period": "7d"}}})"),
                             BodyMode::kCreate, kNow, row);
  ASSERT_TRUE(r.has_value());
  row.created_at = kNow;
  row.updated_at = kNow;
  row.created_by = "master";
  row.updated_by = "master";
  json out = budgetJson(row);
  expectShape(out, {{"budget_id", J::kString},
                    {"max_budget", J::kNumber},
                    {"soft_budget", J::kNumber},
                    {"max_parallel_requests", J::kInteger},
                    {"tpm_limit", J::kInteger},
                    {"rpm_limit", J::kInteger},
                    {"model_max_budget", J::kObject},
                    {"budget_duration", J::kString},
                    {"budget_reset_at", J::kString},
                    {"allowed_models", J::kArray},
                    {"created_at", J::kString},
                    {"created_by", J::kString},
                    {"updated_at", J::kString},
                    {"updated_by", J::kString},
                    {"model_rpm_limit", J::kObject},
                    {"model_tpm_limit", J::kNull}});
  EXPECT_EQ(out["budget_reset_at"], "2026-12-05T21:25:37.250Z");  // now + 1d
  EXPECT_EQ(out["model_max_budget"],
            json::parse(R"({"m": {"max_budget": 1.0, "budget_duration": "7d"}})"));

  json empty = budgetJson(store::BudgetRow{});
  expectShape(empty, {{"budget_id", J::kNull},
                      {"max_budget", J::kNull},
                      {"model_max_budget", J::kNull},
                      {"budget_reset_at", J::kNull},
                      {"created_at", J::kNull},
                      {"created_by", J::kNull}});
}

}  // namespace
}  // namespace switchyard::admin
