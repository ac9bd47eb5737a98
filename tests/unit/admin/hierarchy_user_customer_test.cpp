// The /user/*, /customer/* and /budget/* bodies and the user list query
// (admin/hierarchy_request.hpp).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "switchyard/admin/hierarchy_request.hpp"
#include "unit/admin/hierarchy_test_util.hpp"

namespace switchyard::admin {
namespace {

using namespace test;
using Strings = std::vector<std::string>;
using Failure = std::pair<std::string, std::string>;

// ---- Users ----

store::UserRow user(const std::string& body, BodyMode mode = BodyMode::kCreate,
                    store::UserRow row = {}) {
  auto r = applyUserFields(json::parse(body), mode, kNow, row);
  EXPECT_TRUE(r.has_value()) << body << ": " << (r ? "" : r.error().message);
  return row;
}

const char* kFullUser = R"({
  "user_id": "u-1", "user_alias": "Ann", "user_email": "ann@example.com",
  "user_role": "proxy_admin_viewer", "models": ["gpt-4o"], "max_budget": 50, "soft_budget": 40,
  "budget_duration": "1d", "rpm_limit": 30, "tpm_limit": 3000, "max_parallel_requests": 2,
  "model_max_budget": {"gpt-4o": {"max_budget": 5, "budget_duration": "1d"}},
  "model_rpm_limit": {"gpt-4o": 3}, "budget_id": "tier-1", "spend": 1.5,
  "metadata": {"team": "core", "tags": ["kept"], "model_tpm_limit": {"gpt-4o": 9}},
  "key_alias": "for the caller", "duration": "30d"})";

TEST(UserFieldsTest, CreateAppliesEveryField) {
  store::UserRow row = user(kFullUser);
  EXPECT_EQ(row.user_id, "u-1");
  EXPECT_EQ(row.user_alias, "Ann");
  EXPECT_EQ(row.user_email, "ann@example.com");
  EXPECT_EQ(row.user_role, "proxy_admin_viewer");
  EXPECT_EQ(row.models, (Strings{"gpt-4o"}));
  EXPECT_EQ(row.limits.max_budget, 50.0);
  EXPECT_EQ(row.limits.soft_budget, 40.0);
  EXPECT_EQ(row.limits.budget_duration, "1d");
  EXPECT_EQ(row.spend.budget_reset_at, at(2026, 12, 5));
  EXPECT_EQ(row.limits.rpm_limit, 30);
  EXPECT_EQ(row.limits.tpm_limit, 3000);
  EXPECT_EQ(row.limits.max_parallel_requests, 2);
  EXPECT_EQ(row.limits.model_max_budget.at("gpt-4o").budget_limit, 5.0);
  EXPECT_EQ(row.limits.model_max_budget.at("gpt-4o").time_period, "1d");
  EXPECT_EQ(row.limits.model_rpm_limit.at("gpt-4o"), 3);
  EXPECT_EQ(row.limits.model_tpm_limit.at("gpt-4o"), 9);  // moved out of metadata
  EXPECT_EQ(row.budget_id, "tier-1");
  EXPECT_EQ(row.spend.spend, 1.5);
  // A user has no tags of its own: they stay in its metadata.
  EXPECT_EQ(json::parse(row.metadata), json::parse(R"({"team": "core", "tags": ["kept"]})"));
}

TEST(UserFieldsTest, EveryRoleIsAcceptedAndDefaultIsInternalUser) {
  EXPECT_EQ(user("{}").user_role, "internal_user");
  for (const char* role :
       {"proxy_admin", "proxy_admin_viewer", "internal_user", "internal_user_viewer"}) {
    EXPECT_EQ(user(json({{"user_role", role}}).dump()).user_role, role);
  }
  for (const char* body : {R"({"user_role": "admin"})", R"({"user_role": "team"})",
                           R"({"user_role": "customer"})", R"({"user_role": 1})"}) {
    store::UserRow row;
    auto r = applyUserFields(json::parse(body), BodyMode::kCreate, kNow, row);
    auto [param, message] = failure(r);
    EXPECT_EQ(param, "user_role") << body;
    EXPECT_NE(message.find("user_role must be one of proxy_admin"), std::string::npos) << message;
  }
}

TEST(UserFieldsTest, UpdateChangesOnlyWhatIsGivenAndNullClears) {
  store::UserRow full = user(kFullUser);
  store::UserRow row =
      user(R"({"user_id": "other", "user_alias": "Anne"})", BodyMode::kUpdate, full);
  EXPECT_EQ(row.user_id, "u-1");
  EXPECT_EQ(row.user_alias, "Anne");
  EXPECT_EQ(row.user_email, full.user_email);
  EXPECT_EQ(row.limits.max_budget, 50.0);

  row = user(R"({"user_alias": null, "user_email": null, "user_role": null, "models": null,
                 "budget_id": null, "metadata": null, "spend": null, "budget_duration": null,
                 "rpm_limit": null})",
             BodyMode::kUpdate, full);
  EXPECT_EQ(row.user_alias, "");
  EXPECT_EQ(row.user_email, "");
  EXPECT_EQ(row.user_role, "internal_user");
  EXPECT_TRUE(row.models.empty());
  EXPECT_EQ(row.budget_id, "");
  EXPECT_EQ(row.metadata, "{}");
  EXPECT_TRUE(row.limits.model_tpm_limit.empty());
  EXPECT_EQ(row.spend.spend, 1.5);  // LiteLLM writes no spend it is given as null
  EXPECT_FALSE(row.spend.budget_reset_at.has_value());
  EXPECT_FALSE(row.limits.rpm_limit.has_value());
  // LiteLLM keeps the model limits inside metadata: a metadata replaced (here: cleared) takes
  // them along, as for keys.
  EXPECT_TRUE(row.limits.model_rpm_limit.empty());
  row =
      user(R"({"metadata": {"a": 1}, "model_rpm_limit": {"gpt-4o": 4}})", BodyMode::kUpdate, full);
  EXPECT_EQ(row.limits.model_rpm_limit.at("gpt-4o"), 4);
  EXPECT_TRUE(row.limits.model_tpm_limit.empty());
  EXPECT_EQ(json::parse(row.metadata), json({{"a", 1}}));
}

TEST(UserFieldsTest, RefusesBadValuesNamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"user_id": 1})", "user_id"},
      {R"({"user_id": ""})", "user_id"},
      {R"({"user_alias": 1})", "user_alias"},
      {R"({"user_email": []})", "user_email"},
      {R"({"models": "a"})", "models"},
      {R"({"budget_id": 2})", "budget_id"},
      {R"({"spend": -1})", "spend"},
      {R"({"spend": "1"})", "spend"},
      {R"({"metadata": []})", "metadata"},
      {R"({"max_budget": -1})", "max_budget"},
      {R"({"budget_duration": "1y"})", "budget_duration"},
      {R"({"metadata": {"model_rpm_limit": {"m": "x"}}})", "metadata.model_rpm_limit"},
  };
  for (const auto& [body, param] : cases) {
    store::UserRow row = user(kFullUser);
    auto r = applyUserFields(json::parse(body), BodyMode::kCreate, kNow, row);
    expectRefused(r, param, body);
    EXPECT_EQ(row.user_alias, "Ann") << body;
  }
}

TEST(NewUserOptionsTest, DefaultsAndTeams) {
  auto o = parseNewUserOptions(json::object());
  ASSERT_TRUE(o.has_value());
  EXPECT_TRUE(o->auto_create_key);
  EXPECT_TRUE(o->teams.empty());

  o = parseNewUserOptions(json::parse(R"({"auto_create_key": false, "teams": ["t1", "t2"]})"));
  ASSERT_TRUE(o.has_value());
  EXPECT_FALSE(o->auto_create_key);
  ASSERT_EQ(o->teams.size(), 2u);
  EXPECT_EQ(o->teams[1].team_id, "t2");
  EXPECT_EQ(o->teams[1].role, "user");
  EXPECT_FALSE(o->teams[1].max_budget_in_team.has_value());

  o = parseNewUserOptions(json::parse(R"({"teams": [
      {"team_id": "t1", "max_budget_in_team": 3, "user_role": "admin"}, {"team_id": "t2"}]})"));
  ASSERT_TRUE(o.has_value());
  ASSERT_EQ(o->teams.size(), 2u);
  EXPECT_EQ(o->teams[0].team_id, "t1");
  EXPECT_EQ(o->teams[0].max_budget_in_team, 3.0);
  EXPECT_EQ(o->teams[0].role, "admin");
  EXPECT_EQ(o->teams[1].role, "user");

  // The deprecated team_id joins that team too, once.
  o = parseNewUserOptions(json::parse(R"({"team_id": "t9", "teams": ["t1"]})"));
  ASSERT_TRUE(o.has_value());
  ASSERT_EQ(o->teams.size(), 2u);
  EXPECT_EQ(o->teams[1].team_id, "t9");
  o = parseNewUserOptions(json::parse(R"({"team_id": "t1", "teams": ["t1"]})"));
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->teams.size(), 1u);
}

TEST(NewUserOptionsTest, RefusesBadValues) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"teams": "t1"})", "teams"},
      {R"({"teams": [1]})", "teams"},
      {R"({"teams": [{"max_budget_in_team": 1}]})", "teams"},
      {R"({"teams": [""]})", "teams"},
      {R"({"teams": [{"team_id": "t", "user_role": "owner"}]})", "teams"},
      {R"({"teams": [{"team_id": "t", "max_budget_in_team": -1}]})", "teams.max_budget_in_team"},
      {R"({"auto_create_key": "yes"})", "auto_create_key"},
      {R"({"team_id": 1})", "team_id"},
  };
  for (const auto& [body, param] : cases) {
    expectRefused(parseNewUserOptions(json::parse(body)), param, body);
  }
}

TEST(UserRequestsTest, RefAndIds) {
  auto ref = parseUserRef(json::parse(R"({"user_email": "a@x"})"));
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ref->user_email, "a@x");
  EXPECT_EQ(ref->user_id, "");
  ref = parseUserRef(json::parse(R"({"user_id": "u", "max_budget": 1})"));
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ref->user_id, "u");
  EXPECT_EQ(failure(parseUserRef(json::parse(R"({"max_budget": 1})"))),
            (Failure{"user_id", "Either user id or user email must be provided"}));

  auto ids = parseUserIds(json::parse(R"({"user_ids": ["u1"]})"));
  ASSERT_TRUE(ids.has_value());
  EXPECT_EQ(*ids, (Strings{"u1"}));
  EXPECT_EQ(failure(parseUserIds(json::object())), (Failure{"user_ids", "No user id passed in"}));
  EXPECT_EQ(failure(parseUserIds(json::parse(R"({"user_ids": []})"))),
            (Failure{"user_ids", "No user id passed in"}));
  expectRefused(parseUserIds(json::parse(R"({"user_ids": "u1"})")), "user_ids", "u1");
}

TEST(UserListQueryTest, DefaultsAreLiteLLMs) {
  auto q = parseUserListQuery("/user/list");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->query.page, 1);
  EXPECT_EQ(q->query.size, 25);
  EXPECT_EQ(q->query.sort_by, "");
  EXPECT_TRUE(q->query.descending);
  EXPECT_EQ(q->query.filter, "");
  EXPECT_TRUE(q->user_ids.empty());
  EXPECT_EQ(q->user_email, "");
}

TEST(UserListQueryTest, ReadsEveryParameter) {
  auto q = parseUserListQuery(
      "/user/list?role=internal_user&user_ids=abc&user_email=%40example.com&team=t1&page=2"
      "&page_size=50&sort_by=spend&sort_order=desc");
  ASSERT_TRUE(q.has_value()) << q.error().message;
  EXPECT_EQ(q->query.role, "internal_user");
  EXPECT_EQ(q->query.filter, "abc");  // one id: a "contains" filter
  EXPECT_TRUE(q->user_ids.empty());
  EXPECT_EQ(q->user_email, "@example.com");
  EXPECT_EQ(q->query.team_id, "t1");
  EXPECT_EQ(q->query.page, 2);
  EXPECT_EQ(q->query.size, 50);
  EXPECT_EQ(q->query.sort_by, "spend");
  EXPECT_TRUE(q->query.descending);

  q = parseUserListQuery("/user/list?user_ids=u1,%20u2,,u3&sort_by=user_alias");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->user_ids, (Strings{"u1", "u2", "u3"}));  // several ids: exactly these
  EXPECT_EQ(q->query.filter, "");
  EXPECT_FALSE(q->query.descending);  // sort_order defaults to asc once sort_by is given
}

TEST(UserListQueryTest, RefusesWithLiteLLMsMessages) {
  EXPECT_EQ(failure(parseUserListQuery("/user/list?sort_by=password")),
            (Failure{"sort_by",
                     "Invalid sort column. Must be one of: user_id, user_email, created_at, "
                     "spend, user_alias, user_role"}));
  EXPECT_EQ(failure(parseUserListQuery("/user/list?sort_by=spend&sort_order=up")),
            (Failure{"sort_order", "Invalid sort order. Must be 'asc' or 'desc'"}));
  expectRefused(parseUserListQuery("/user/list?page=0"), "page", "page=0");
  expectRefused(parseUserListQuery("/user/list?page_size=101"), "page_size", "101");
  expectRefused(parseUserListQuery("/user/list?page_size=abc"), "page_size", "abc");
}

// ---- Customers ----

store::CustomerRow customer(const std::string& body, BodyMode mode = BodyMode::kCreate,
                            store::CustomerRow row = {}) {
  auto r = applyCustomerFields(json::parse(body), mode, kNow, row);
  EXPECT_TRUE(r.has_value()) << body << ": " << (r ? "" : r.error().message);
  return row;
}

const char* kFullCustomer = R"({
  "user_id": "end-1", "alias": "Acme", "blocked": true, "allowed_model_region": "eu",
  "default_model": "gpt-4o-mini", "max_budget": 12, "soft_budget": 10, "budget_duration": "7d",
  "rpm_limit": 5, "tpm_limit": 500, "max_parallel_requests": 1, "spend": 0.25,
  "model_max_budget": {"gpt-4o": {"budget_limit": 1, "time_period": "1d"}}})";

TEST(CustomerFieldsTest, CreateAppliesEveryField) {
  store::CustomerRow row = customer(kFullCustomer);
  EXPECT_EQ(row.user_id, "end-1");
  EXPECT_EQ(row.alias, "Acme");
  EXPECT_TRUE(row.blocked);
  EXPECT_EQ(row.allowed_model_region, "eu");
  EXPECT_EQ(row.default_model, "gpt-4o-mini");
  EXPECT_EQ(row.limits.max_budget, 12.0);
  EXPECT_EQ(row.limits.soft_budget, 10.0);
  EXPECT_EQ(row.limits.budget_duration, "7d");
  EXPECT_EQ(row.spend.budget_reset_at, at(2026, 12, 7));  // next Monday
  EXPECT_EQ(row.limits.rpm_limit, 5);
  EXPECT_EQ(row.limits.tpm_limit, 500);
  EXPECT_EQ(row.limits.max_parallel_requests, 1);
  EXPECT_EQ(row.limits.model_max_budget.at("gpt-4o").budget_limit, 1.0);
  EXPECT_EQ(row.spend.spend, 0.25);
  EXPECT_EQ(customer(R"({"user_id": "c", "budget_id": "tier"})").budget_id, "tier");
  EXPECT_EQ(customer(R"({"user_id": "c", "allowed_model_region": "us"})").allowed_model_region,
            "us");
}

TEST(CustomerFieldsTest, CreateRefusesBadBodies) {
  store::CustomerRow row;
  auto r = applyCustomerFields(json::parse(R"({"user_id": "c", "max_budget": 1,
                                               "budget_id": "b"})"),
                               BodyMode::kCreate, kNow, row);
  EXPECT_EQ(failure(r),
            (Failure{"max_budget", "Set either 'max_budget' or 'budget_id', not both."}));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({})", "user_id"},
      {R"({"user_id": null})", "user_id"},
      {R"({"user_id": 5})", "user_id"},
      {R"({"user_id": ""})", "user_id"},
      {R"({"user_id": "c", "allowed_model_region": "asia"})", "allowed_model_region"},
      {R"({"user_id": "c", "allowed_model_region": ""})", "allowed_model_region"},
      {R"({"user_id": "c", "blocked": 1})", "blocked"},
      {R"({"user_id": "c", "alias": 1})", "alias"},
      {R"({"user_id": "c", "default_model": ["a"]})", "default_model"},
      {R"({"user_id": "c", "budget_id": 1})", "budget_id"},
      {R"({"user_id": "c", "spend": -1})", "spend"},
      {R"({"user_id": "c", "max_budget": -2})", "max_budget"},
      {R"({"user_id": "c", "tpm_limit": "many"})", "tpm_limit"},
  };
  for (const auto& [body, param] : cases) {
    store::CustomerRow c = customer(kFullCustomer);
    expectRefused(applyCustomerFields(json::parse(body), BodyMode::kCreate, kNow, c), param, body);
    EXPECT_EQ(c.alias, "Acme") << body;
  }
}

TEST(CustomerFieldsTest, UpdateChangesOnlyWhatIsGivenAndNullClears) {
  store::CustomerRow full = customer(kFullCustomer);
  // Unlike LiteLLM's /customer/update, "blocked": false unblocks; user_id names the row.
  store::CustomerRow row = customer(R"({"user_id": "end-1", "blocked": false, "budget_id": "b",
                                        "max_budget": 3})",
                                    BodyMode::kUpdate, full);
  EXPECT_FALSE(row.blocked);
  EXPECT_EQ(row.budget_id, "b");  // both are fine on update
  EXPECT_EQ(row.limits.max_budget, 3.0);
  EXPECT_EQ(row.alias, "Acme");
  EXPECT_EQ(row.spend.spend, 0.25);

  row = customer(R"({"alias": null, "allowed_model_region": null, "default_model": null,
                     "max_budget": null, "budget_duration": null, "spend": 9})",
                 BodyMode::kUpdate, full);
  EXPECT_EQ(row.alias, "");
  EXPECT_EQ(row.allowed_model_region, "");
  EXPECT_EQ(row.default_model, "");
  EXPECT_FALSE(row.limits.max_budget.has_value());
  EXPECT_FALSE(row.spend.budget_reset_at.has_value());
  EXPECT_EQ(row.spend.spend, 0.25);  // spend is set on create only
  EXPECT_EQ(row.user_id, "end-1");
}

TEST(CustomerRequestsTest, Ids) {
  auto ids = parseCustomerIds(json::parse(R"({"user_ids": ["a", "b"]})"));
  ASSERT_TRUE(ids.has_value());
  EXPECT_EQ(*ids, (Strings{"a", "b"}));
  expectRefused(parseCustomerIds(json::object()), "user_ids", "{}");
  expectRefused(parseCustomerIds(json::parse(R"({"user_ids": []})")), "user_ids", "[]");
  expectRefused(parseCustomerIds(json::parse(R"({"user_ids": [7]})")), "user_ids", "[7]");
}

// ---- Budgets ----

store::BudgetRow budget(const std::string& body, BodyMode mode = BodyMode::kCreate,
                        store::BudgetRow row = {}) {
  auto r = applyBudgetFields(json::parse(body), mode, kNow, row);
  EXPECT_TRUE(r.has_value()) << body << ": " << (r ? "" : r.error().message);
  return row;
}

TEST(BudgetFieldsTest, CreateAppliesEveryField) {
  store::BudgetRow row = budget(R"({"budget_id": "tier-gold", "max_budget": 100,
      "soft_budget": 90, "budget_duration": "1d", "rpm_limit": 10, "tpm_limit": 100,
      "max_parallel_requests": 3, "model_tpm_limit": {"m": 1},
      "model_max_budget": {"gpt-4o": {"max_budget": "0.5", "budget_duration": "1d"}},
      "budget_reset_at": "2027-01-01T00:00:00Z"})");
  EXPECT_EQ(row.budget_id, "tier-gold");
  EXPECT_EQ(row.limits.max_budget, 100.0);
  EXPECT_EQ(row.limits.soft_budget, 90.0);
  EXPECT_EQ(row.limits.budget_duration, "1d");
  EXPECT_EQ(row.limits.rpm_limit, 10);
  EXPECT_EQ(row.limits.tpm_limit, 100);
  EXPECT_EQ(row.limits.max_parallel_requests, 3);
  EXPECT_EQ(row.limits.model_tpm_limit.at("m"), 1);
  EXPECT_EQ(row.limits.model_max_budget.at("gpt-4o").budget_limit, 0.5);
  EXPECT_EQ(row.budget_reset_at, at(2027, 1, 1));  // given: kept
}

TEST(BudgetFieldsTest, DurationWithoutResetTimeIsNowPlusDuration) {
  EXPECT_EQ(budget(R"({"budget_duration": "1d"})").budget_reset_at, kNow + kDay);
  EXPECT_EQ(budget(R"({"budget_duration": "1d", "budget_reset_at": null})").budget_reset_at,
            kNow + kDay);
  EXPECT_EQ(budget(R"({"budget_duration": "1mo"})").budget_reset_at,
            at(2027, 1, 4, 21, 25, 37, 250));
  EXPECT_FALSE(budget(R"({"max_budget": 1})").budget_reset_at.has_value());
}

TEST(BudgetFieldsTest, UpdateChangesOnlyWhatIsGivenAndNullClears) {
  store::BudgetRow full = budget(R"({"budget_id": "b", "max_budget": 5, "rpm_limit": 2,
                                     "budget_duration": "30d"})");
  store::BudgetRow row =
      budget(R"({"budget_id": "other", "max_budget": 6})", BodyMode::kUpdate, full);
  EXPECT_EQ(row.budget_id, "b");
  EXPECT_EQ(row.limits.max_budget, 6.0);
  EXPECT_EQ(row.limits.rpm_limit, 2);
  EXPECT_EQ(row.budget_reset_at, full.budget_reset_at);
  row = budget(R"({"budget_duration": null, "rpm_limit": null})", BodyMode::kUpdate, full);
  EXPECT_EQ(row.limits.budget_duration, "");
  EXPECT_FALSE(row.budget_reset_at.has_value());
  EXPECT_FALSE(row.limits.rpm_limit.has_value());
  row = budget(R"({"budget_reset_at": null})", BodyMode::kUpdate, full);
  EXPECT_FALSE(row.budget_reset_at.has_value());
  EXPECT_EQ(row.limits.budget_duration, "30d");
}

TEST(BudgetFieldsTest, RefusesBadValuesNamingTheField) {
  store::BudgetRow row;
  auto r = applyBudgetFields(json::parse(R"({"max_budget": -5})"), BodyMode::kCreate, kNow, row);
  EXPECT_EQ(failure(r), (Failure{"max_budget", "max_budget cannot be negative. Received: -5.0"}));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"budget_id": 1})", "budget_id"},
      {R"({"budget_id": ""})", "budget_id"},
      {R"({"budget_reset_at": "tomorrow"})", "budget_reset_at"},
      {R"({"budget_reset_at": 1700000000})", "budget_reset_at"},
      {R"({"soft_budget": -1})", "soft_budget"},
      {R"({"model_max_budget": {"m": {"max_budget": "x"}}})", "model_max_budget"},
  };
  for (const auto& [body, param] : cases) {
    expectRefused(applyBudgetFields(json::parse(body), BodyMode::kCreate, kNow, row), param, body);
  }
}

TEST(BudgetRequestsTest, InfoAndDelete) {
  auto ids = parseBudgetIds(json::parse(R"({"budgets": ["a"]})"));
  ASSERT_TRUE(ids.has_value());
  EXPECT_EQ(*ids, (Strings{"a"}));
  EXPECT_EQ(failure(parseBudgetIds(json::parse(R"({"budgets": []})"))),
            (Failure{"budgets", "Specify list of budget id's to query. Passed in=[]"}));
  EXPECT_EQ(failure(parseBudgetIds(json::object())),
            (Failure{"budgets", "Specify list of budget id's to query. Passed in=None"}));
  expectRefused(parseBudgetIds(json::parse(R"({"budgets": "a"})")), "budgets", "a");

  auto id = parseBudgetDelete(json::parse(R"({"id": "tier"})"));
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, "tier");
  EXPECT_EQ(failure(parseBudgetDelete(json::object())), (Failure{"id", "id is required"}));
  expectRefused(parseBudgetDelete(json::parse(R"({"id": 3})")), "id", "3");
}

}  // namespace
}  // namespace switchyard::admin
