#pragma once
// Shared by the hierarchy tests: records with every field set to something other than its
// default, field-by-field comparisons, and the fixture that runs a suite against both engines.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store_test_util.hpp"

namespace switchyard::store::test {

inline Limits fullLimits(double scale = 1) {
  Limits l;
  l.max_budget = 100 * scale;
  l.soft_budget = 80.5 * scale;
  l.budget_duration = "30d";
  l.rpm_limit = 600;
  l.tpm_limit = 1'000'000;
  l.max_parallel_requests = 8;
  l.model_max_budget = {{"gpt-4o", {.budget_limit = 5 * scale, .time_period = "1d"}},
                        {"claude-3", {.budget_limit = 2.5, .time_period = ""}}};
  l.model_rpm_limit = {{"gpt-4o", 60}};
  l.model_tpm_limit = {{"gpt-4o", 9000}, {"claude-3", 7000}};
  return l;
}

inline SpendState fullSpendState() {
  SpendState s;
  s.spend = 12.25;
  s.budget_reset_at = 1'700'000'000'123;
  s.model_spend = {{"gpt-4o", {.spend = 1.5, .reset_at = 1'700'000'100'000}},
                   {"claude-3", {.spend = 0.25, .reset_at = std::nullopt}}};
  return s;
}

inline TeamRow fullTeam(const std::string& id, const std::string& alias = "Alias") {
  TeamRow t;
  t.team_id = id;
  t.team_alias = alias;
  t.models = {"gpt-4o", "claude-*"};
  t.limits = fullLimits();
  t.budget_id = "budget-1";
  t.spend = fullSpendState();
  t.metadata = R"({"cost_center":"ml","nested":{"a":[1,2,null]}})";
  t.tags = {"prod", "eu"};
  t.blocked = true;
  t.model_aliases = {{"fast", "gpt-4o-mini"}};
  t.team_member_budget = 25.5;
  t.team_member_rpm_limit = 30;
  t.team_member_tpm_limit = 40'000;
  t.created_at = 1'690'000'000'000;
  t.updated_at = 1'690'000'000'500;
  t.created_by = "master";
  t.updated_by = "admin";
  return t;
}

inline UserRow fullUser(const std::string& id, const std::string& email = "Ann@Example.com") {
  UserRow u;
  u.user_id = id;
  u.user_alias = "Ann";
  u.user_email = email;
  u.user_role = "proxy_admin";
  u.models = {"gpt-4o"};
  u.limits = fullLimits(2);
  u.budget_id = "budget-2";
  u.spend = fullSpendState();
  u.metadata = R"({"dept":"r&d"})";
  u.created_at = 1'690'000'001'000;
  u.updated_at = 1'690'000'001'500;
  u.created_by = "master";
  u.updated_by = "ops";
  return u;
}

inline CustomerRow fullCustomer(const std::string& id) {
  CustomerRow c;
  c.user_id = id;
  c.alias = "Acme Corp";
  c.blocked = true;
  c.allowed_model_region = "eu";
  c.default_model = "gpt-4o-mini";
  c.limits = fullLimits(3);
  c.budget_id = "tier-gold";
  c.spend = fullSpendState();
  c.created_at = 1'690'000'002'000;
  c.updated_at = 1'690'000'002'500;
  return c;
}

inline BudgetRow fullBudget(const std::string& id) {
  BudgetRow b;
  b.budget_id = id;
  b.limits = fullLimits(4);
  b.budget_reset_at = 1'700'000'900'000;
  b.created_at = 1'690'000'003'000;
  b.updated_at = 1'690'000'003'500;
  b.created_by = "master";
  b.updated_by = "finance";
  return b;
}

inline TeamMember member(const std::string& team, const std::string& user,
                         const std::string& role = "user") {
  TeamMember m;
  m.team_id = team;
  m.user_id = user;
  m.user_email = user + "@example.com";
  m.role = role;
  return m;
}

inline void expectSameModelSpend(const ByModel<ModelSpend>& a, const ByModel<ModelSpend>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [model, s] : a) {
    ASSERT_TRUE(b.count(model)) << model;
    EXPECT_DOUBLE_EQ(s.spend, b.at(model).spend) << model;
    EXPECT_EQ(s.reset_at, b.at(model).reset_at) << model;
  }
}

inline void expectSameSpend(const SpendState& a, const SpendState& b) {
  EXPECT_DOUBLE_EQ(a.spend, b.spend);
  EXPECT_EQ(a.budget_reset_at, b.budget_reset_at);
  expectSameModelSpend(a.model_spend, b.model_spend);
}

inline void expectSameLimits(const Limits& a, const Limits& b) {
  EXPECT_EQ(a.max_budget, b.max_budget);
  EXPECT_EQ(a.soft_budget, b.soft_budget);
  EXPECT_EQ(a.budget_duration, b.budget_duration);
  EXPECT_EQ(a.rpm_limit, b.rpm_limit);
  EXPECT_EQ(a.tpm_limit, b.tpm_limit);
  EXPECT_EQ(a.max_parallel_requests, b.max_parallel_requests);
  ASSERT_EQ(a.model_max_budget.size(), b.model_max_budget.size());
  for (const auto& [model, budget] : a.model_max_budget) {
    ASSERT_TRUE(b.model_max_budget.count(model)) << model;
    EXPECT_DOUBLE_EQ(budget.budget_limit, b.model_max_budget.at(model).budget_limit);
    EXPECT_EQ(budget.time_period, b.model_max_budget.at(model).time_period);
  }
  EXPECT_EQ(a.model_rpm_limit, b.model_rpm_limit);
  EXPECT_EQ(a.model_tpm_limit, b.model_tpm_limit);
}

// Every stored field but the memberships.
inline void expectSameTeam(const TeamRow& a, const TeamRow& b) {
  EXPECT_EQ(a.team_id, b.team_id);
  EXPECT_EQ(a.team_alias, b.team_alias);
  EXPECT_EQ(a.models, b.models);
  expectSameLimits(a.limits, b.limits);
  EXPECT_EQ(a.budget_id, b.budget_id);
  expectSameSpend(a.spend, b.spend);
  EXPECT_EQ(a.metadata, b.metadata);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.blocked, b.blocked);
  EXPECT_EQ(a.model_aliases, b.model_aliases);
  EXPECT_EQ(a.team_member_budget, b.team_member_budget);
  EXPECT_EQ(a.team_member_rpm_limit, b.team_member_rpm_limit);
  EXPECT_EQ(a.team_member_tpm_limit, b.team_member_tpm_limit);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.updated_at, b.updated_at);
  EXPECT_EQ(a.created_by, b.created_by);
  EXPECT_EQ(a.updated_by, b.updated_by);
}

inline void expectSameUser(const UserRow& a, const UserRow& b) {
  EXPECT_EQ(a.user_id, b.user_id);
  EXPECT_EQ(a.user_alias, b.user_alias);
  EXPECT_EQ(a.user_email, b.user_email);
  EXPECT_EQ(a.user_role, b.user_role);
  EXPECT_EQ(a.models, b.models);
  expectSameLimits(a.limits, b.limits);
  EXPECT_EQ(a.budget_id, b.budget_id);
  expectSameSpend(a.spend, b.spend);
  EXPECT_EQ(a.metadata, b.metadata);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.updated_at, b.updated_at);
  EXPECT_EQ(a.created_by, b.created_by);
  EXPECT_EQ(a.updated_by, b.updated_by);
}

inline void expectSameCustomer(const CustomerRow& a, const CustomerRow& b) {
  EXPECT_EQ(a.user_id, b.user_id);
  EXPECT_EQ(a.alias, b.alias);
  EXPECT_EQ(a.blocked, b.blocked);
  EXPECT_EQ(a.allowed_model_region, b.allowed_model_region);
  EXPECT_EQ(a.default_model, b.default_model);
  expectSameLimits(a.limits, b.limits);
  EXPECT_EQ(a.budget_id, b.budget_id);
  expectSameSpend(a.spend, b.spend);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.updated_at, b.updated_at);
}

inline void expectSameBudget(const BudgetRow& a, const BudgetRow& b) {
  EXPECT_EQ(a.budget_id, b.budget_id);
  expectSameLimits(a.limits, b.limits);
  EXPECT_EQ(a.budget_reset_at, b.budget_reset_at);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.updated_at, b.updated_at);
  EXPECT_EQ(a.created_by, b.created_by);
  EXPECT_EQ(a.updated_by, b.updated_by);
}

// A suite against both engines, with must* helpers that fail the test when a call fails.
class HierarchyTest : public EngineTest {
 protected:
  TeamRow mustTeam(const std::string& id) {
    auto found = store_->findTeam(id);
    EXPECT_TRUE(found.has_value() && found->has_value()) << id;
    return found && *found ? **found : TeamRow{};
  }
  UserRow mustUser(const std::string& id) {
    auto found = store_->findUser(id);
    EXPECT_TRUE(found.has_value() && found->has_value()) << id;
    return found && *found ? **found : UserRow{};
  }
  CustomerRow mustCustomer(const std::string& id) {
    auto found = store_->findCustomer(id);
    EXPECT_TRUE(found.has_value() && found->has_value()) << id;
    return found && *found ? **found : CustomerRow{};
  }
  BudgetRow mustBudget(const std::string& id) {
    auto found = store_->findBudget(id);
    EXPECT_TRUE(found.has_value() && found->has_value()) << id;
    return found && *found ? **found : BudgetRow{};
  }
  // The member (team, user) as forEachMember reads it.
  TeamMember mustMember(const std::string& team, const std::string& user) {
    TeamMember out;
    bool seen = false;
    EXPECT_TRUE(store_->forEachMember([&](TeamMember&& m) {
      if (m.team_id == team && m.user_id == user) {
        out = std::move(m);
        seen = true;
      }
    }));
    EXPECT_TRUE(seen) << team << "/" << user;
    return out;
  }
  void mustWrite(const WriteBatch& batch) {
    auto r = store_->write(batch);
    ASSERT_TRUE(r.has_value()) << r.error().detail;
  }
  void mustPut(const TeamMember& m) {
    auto r = store_->putMember(m);
    ASSERT_TRUE(r.has_value()) << r.error().detail;
  }
};

}  // namespace switchyard::store::test
