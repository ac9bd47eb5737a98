// applyLimits, the /team/* bodies and the team list query (admin/hierarchy_request.hpp).

#include "switchyard/admin/hierarchy_request.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/admin/hierarchy_test_util.hpp"

namespace switchyard::admin {
namespace {

using namespace test;
using Strings = std::vector<std::string>;

store::Limits limitsOf(const std::string& body, BodyMode mode = BodyMode::kCreate,
                       store::Limits limits = {}) {
  auto r = applyLimits(json::parse(body), mode, limits);
  EXPECT_TRUE(r.has_value()) << body << ": " << (r ? "" : r.error().message);
  return limits;
}

const char* kAllLimits = R"({
  "max_budget": 10.5, "soft_budget": 8, "budget_duration": "30d", "rpm_limit": 100,
  "tpm_limit": 20000, "max_parallel_requests": 4,
  "model_max_budget": {"gpt-4o": {"budget_limit": 2, "time_period": "1d"},
                       "claude": {"max_budget": 3.5, "budget_duration": "7d"}},
  "model_rpm_limit": {"gpt-4o": 10}, "model_tpm_limit": {"gpt-4o": 1000}})";

TEST(LimitsTest, AcceptsEveryLimitAndBothModelBudgetForms) {
  store::Limits l = limitsOf(kAllLimits);
  EXPECT_EQ(l.max_budget, 10.5);
  EXPECT_EQ(l.soft_budget, 8.0);
  EXPECT_EQ(l.budget_duration, "30d");
  EXPECT_EQ(l.rpm_limit, 100);
  EXPECT_EQ(l.tpm_limit, 20000);
  EXPECT_EQ(l.max_parallel_requests, 4);
  ASSERT_EQ(l.model_max_budget.size(), 2u);
  EXPECT_EQ(l.model_max_budget.at("gpt-4o").budget_limit, 2.0);
  EXPECT_EQ(l.model_max_budget.at("gpt-4o").time_period, "1d");
  EXPECT_EQ(l.model_max_budget.at("claude").budget_limit, 3.5);
  EXPECT_EQ(l.model_max_budget.at("claude").time_period, "7d");
  EXPECT_EQ(l.model_rpm_limit, (store::ByModel<std::int64_t>{{"gpt-4o", 10}}));
  EXPECT_EQ(l.model_tpm_limit, (store::ByModel<std::int64_t>{{"gpt-4o", 1000}}));
}

TEST(LimitsTest, NegativeBudgetsGetLiteLLMsMessage) {
  store::Limits l;
  auto r = applyLimits(json::parse(R"({"max_budget": -1})"), BodyMode::kCreate, l);
  EXPECT_EQ(failure(r), (std::pair<std::string, std::string>{
                            "max_budget", "max_budget cannot be negative. Received: -1.0"}));
  r = applyLimits(json::parse(R"({"soft_budget": -0.5})"), BodyMode::kUpdate, l);
  EXPECT_EQ(failure(r), (std::pair<std::string, std::string>{
                            "soft_budget", "soft_budget cannot be negative. Received: -0.5"}));
}

TEST(LimitsTest, RefusesBadValuesNamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"max_budget": "ten"})", "max_budget"},
      {R"({"max_budget": true})", "max_budget"},
      {R"({"soft_budget": [1]})", "soft_budget"},
      {R"({"budget_duration": 30})", "budget_duration"},
      {R"({"budget_duration": "30"})", "budget_duration"},
      {R"({"budget_duration": "3x"})", "budget_duration"},
      {R"({"rpm_limit": -1})", "rpm_limit"},
      {R"({"rpm_limit": 1.5})", "rpm_limit"},
      {R"({"rpm_limit": "5"})", "rpm_limit"},
      {R"({"tpm_limit": false})", "tpm_limit"},
      {R"({"max_parallel_requests": -2})", "max_parallel_requests"},
      {R"({"model_max_budget": {"gpt-4o": 5}})", "model_max_budget"},
      {R"({"model_max_budget": {"gpt-4o": {"budget_limit": -1}}})", "model_max_budget"},
      {R"({"model_max_budget": {"gpt-4o": {"time_period": "1d"}}})", "model_max_budget"},
      {R"({"model_max_budget": {"gpt-4o": {"max_budget": 1, "budget_duration": "1q"}}})",
       "model_max_budget"},
      {R"({"model_max_budget": [1]})", "model_max_budget"},
      {R"({"model_rpm_limit": {"gpt-4o": -1}})", "model_rpm_limit"},
      {R"({"model_tpm_limit": ["gpt-4o"]})", "model_tpm_limit"},
  };
  for (const auto& [body, param] : cases) {
    store::Limits l = limitsOf(kAllLimits);
    const store::Limits before = l;
    auto r = applyLimits(json::parse(body), BodyMode::kUpdate, l);
    expectRefused(r, param, body);
    EXPECT_EQ(l.max_budget, before.max_budget) << body;  // a failure changes nothing
    EXPECT_EQ(l.rpm_limit, before.rpm_limit) << body;
  }
  store::Limits l;
  expectRefused(applyLimits(json::array(), BodyMode::kCreate, l), "", "[]");
}

TEST(LimitsTest, UpdateChangesOnlyWhatIsGivenAndNullClears) {
  store::Limits l =
      limitsOf(R"({"rpm_limit": 7, "max_budget": 2})", BodyMode::kUpdate, limitsOf(kAllLimits));
  EXPECT_EQ(l.rpm_limit, 7);
  EXPECT_EQ(l.max_budget, 2.0);
  EXPECT_EQ(l.tpm_limit, 20000);
  EXPECT_EQ(l.budget_duration, "30d");

  l = limitsOf(R"({"max_budget": null, "soft_budget": null, "budget_duration": null,
                   "rpm_limit": null, "tpm_limit": null, "max_parallel_requests": null,
                   "model_max_budget": null, "model_rpm_limit": null, "model_tpm_limit": null})",
               BodyMode::kUpdate, limitsOf(kAllLimits));
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.budget_duration, "");

  // LiteLLM's "" for max_budget and "none" for a duration are null too.
  l = limitsOf(R"({"max_budget": "", "budget_duration": "None"})", BodyMode::kUpdate,
               limitsOf(kAllLimits));
  EXPECT_FALSE(l.max_budget.has_value());
  EXPECT_EQ(l.budget_duration, "");
}

TEST(LimitsTest, CreateKeepsDefaultsForNull) {
  store::Limits l = limitsOf(R"({"max_budget": null, "rpm_limit": null, "budget_duration": null})");
  EXPECT_TRUE(l.empty());
  l = limitsOf(R"({"max_budget": ""})");
  EXPECT_FALSE(l.max_budget.has_value());
}

// ---- Teams ----

store::TeamRow team(const std::string& body, BodyMode mode = BodyMode::kCreate,
                    store::TeamRow row = {}) {
  auto r = applyTeamFields(json::parse(body), mode, kNow, row);
  EXPECT_TRUE(r.has_value()) << body << ": " << (r ? "" : r.error().message);
  return row;
}

const char* kFullTeam = R"({
  "team_id": "t-1", "team_alias": "QA Prod Bot", "models": ["gpt-4o", "claude"],
  "max_budget": 100, "soft_budget": 80, "budget_duration": "30d", "rpm_limit": 60,
  "tpm_limit": 60000, "max_parallel_requests": 5,
  "model_max_budget": {"gpt-4o": {"budget_limit": 20, "time_period": "1d"}},
  "budget_id": "tier-gold", "metadata": {"owner": "qa", "model_tpm_limit": {"claude": 7}},
  "tags": ["prod"], "blocked": true, "model_aliases": {"gpt-4": "gpt-4o"},
  "team_member_budget": 5, "team_member_rpm_limit": 10, "team_member_tpm_limit": 1000,
  "members_with_roles": [{"role": "admin", "user_id": "u1"},
                         {"role": "user", "user_email": "b@example.com"}],
  "organization_id": "ignored", "unknown_field": 1})";

TEST(TeamFieldsTest, CreateAppliesEveryField) {
  store::TeamRow row = team(kFullTeam);
  EXPECT_EQ(row.team_id, "t-1");
  EXPECT_EQ(row.team_alias, "QA Prod Bot");
  EXPECT_EQ(row.models, (Strings{"gpt-4o", "claude"}));
  EXPECT_EQ(row.limits.max_budget, 100.0);
  EXPECT_EQ(row.limits.soft_budget, 80.0);
  EXPECT_EQ(row.limits.budget_duration, "30d");
  EXPECT_EQ(row.spend.budget_reset_at, resetAfter("30d", kNow));
  EXPECT_EQ(row.spend.budget_reset_at, at(2027, 1, 1));
  EXPECT_EQ(row.limits.rpm_limit, 60);
  EXPECT_EQ(row.limits.tpm_limit, 60000);
  EXPECT_EQ(row.limits.max_parallel_requests, 5);
  EXPECT_EQ(row.limits.model_max_budget.at("gpt-4o").budget_limit, 20.0);
  EXPECT_EQ(row.budget_id, "tier-gold");
  EXPECT_EQ(json::parse(row.metadata), json({{"owner", "qa"}}));
  EXPECT_EQ(row.limits.model_tpm_limit, (store::ByModel<std::int64_t>{{"claude", 7}}));
  EXPECT_EQ(row.tags, (Strings{"prod"}));
  EXPECT_TRUE(row.blocked);
  EXPECT_EQ(row.model_aliases, (store::ByModel<std::string>{{"gpt-4", "gpt-4o"}}));
  EXPECT_EQ(row.team_member_budget, 5.0);
  EXPECT_EQ(row.team_member_rpm_limit, 10);
  EXPECT_EQ(row.team_member_tpm_limit, 1000);
  ASSERT_EQ(row.members.size(), 2u);
  EXPECT_EQ(row.members[0].user_id, "u1");
  EXPECT_EQ(row.members[0].role, "admin");
  EXPECT_EQ(row.members[0].team_id, "t-1");
  EXPECT_EQ(row.members[1].user_id, "");
  EXPECT_EQ(row.members[1].user_email, "b@example.com");
  EXPECT_EQ(row.members[1].role, "user");
}

TEST(TeamFieldsTest, TopLevelTagsAndModelLimitsWinOverMetadata) {
  store::TeamRow row = team(R"({"metadata": {"tags": ["a"], "model_rpm_limit": {"m": 1}},
                                "tags": ["b"], "model_rpm_limit": {"m": 2}})");
  EXPECT_EQ(row.tags, (Strings{"b"}));
  EXPECT_EQ(row.limits.model_rpm_limit.at("m"), 2);
  EXPECT_EQ(json::parse(row.metadata), json::object());
  row = team(R"({"metadata": {"tags": ["a"], "model_rpm_limit": {"m": 1}}})");
  EXPECT_EQ(row.tags, (Strings{"a"}));
  EXPECT_EQ(row.limits.model_rpm_limit.at("m"), 1);
}

TEST(TeamFieldsTest, UpdateChangesOnlyWhatIsGivenAndNullClears) {
  store::TeamRow full = team(kFullTeam);
  store::TeamRow row = team(R"({"team_alias": "renamed", "team_id": "other",
                                "members_with_roles": []})",
                            BodyMode::kUpdate, full);
  EXPECT_EQ(row.team_alias, "renamed");
  EXPECT_EQ(row.team_id, "t-1");      // the id names the row: not changed by an update
  EXPECT_EQ(row.members.size(), 2u);  // members change through member_add/member_delete
  EXPECT_EQ(row.models, full.models);
  EXPECT_EQ(row.spend.budget_reset_at, full.spend.budget_reset_at);

  row = team(R"({"team_alias": null, "models": null, "budget_id": null, "metadata": null,
                 "blocked": null, "model_aliases": null, "team_member_budget": null,
                 "team_member_rpm_limit": null, "team_member_tpm_limit": null,
                 "budget_duration": null, "max_budget": null})",
             BodyMode::kUpdate, full);
  EXPECT_EQ(row.team_alias, "");
  EXPECT_TRUE(row.models.empty());
  EXPECT_EQ(row.budget_id, "");
  EXPECT_EQ(row.metadata, "{}");
  EXPECT_TRUE(row.tags.empty());  // kept inside metadata: cleared with it
  EXPECT_TRUE(row.limits.model_tpm_limit.empty());
  EXPECT_FALSE(row.blocked);
  EXPECT_TRUE(row.model_aliases.empty());
  EXPECT_FALSE(row.team_member_budget.has_value());
  EXPECT_FALSE(row.team_member_rpm_limit.has_value());
  EXPECT_FALSE(row.team_member_tpm_limit.has_value());
  EXPECT_EQ(row.limits.budget_duration, "");
  EXPECT_FALSE(row.spend.budget_reset_at.has_value());
  EXPECT_FALSE(row.limits.max_budget.has_value());
  EXPECT_EQ(row.limits.rpm_limit, 60);

  row = team(R"({"budget_duration": "1d"})", BodyMode::kUpdate, full);
  EXPECT_EQ(row.spend.budget_reset_at, at(2026, 12, 5));
}

TEST(TeamFieldsTest, CreateKeepsDefaultsForNull) {
  store::TeamRow row = team(R"({"team_id": null, "blocked": null, "metadata": null})");
  EXPECT_EQ(row.team_id, "");
  EXPECT_FALSE(row.blocked);
  EXPECT_EQ(row.metadata, "{}");
}

TEST(TeamFieldsTest, RefusesBadValuesNamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"team_id": 5})", "team_id"},
      {R"({"team_id": ""})", "team_id"},
      {R"({"team_alias": 5})", "team_alias"},
      {R"({"models": "gpt-4o"})", "models"},
      {R"({"models": [1]})", "models"},
      {R"({"budget_id": 1})", "budget_id"},
      {R"({"metadata": "x"})", "metadata"},
      {R"({"metadata": {"tags": [1]}})", "metadata.tags"},
      {R"({"tags": "prod"})", "tags"},
      {R"({"blocked": "yes"})", "blocked"},
      {R"({"model_aliases": {"a": 1}})", "model_aliases"},
      {R"({"team_member_budget": "5"})", "team_member_budget"},
      {R"({"team_member_rpm_limit": -1})", "team_member_rpm_limit"},
      {R"({"team_member_tpm_limit": 2.5})", "team_member_tpm_limit"},
      {R"({"max_budget": -3})", "max_budget"},
      {R"({"members_with_roles": {"role": "admin"}})", "members_with_roles"},
      {R"({"members_with_roles": [{"role": "admin"}]})", "members_with_roles"},
      {R"({"members_with_roles": [{"role": "owner", "user_id": "u"}]})", "members_with_roles"},
      {R"({"members_with_roles": [{"user_id": "u"}]})", "members_with_roles"},
      {R"({"members_with_roles": [{"role": "user", "user_id": 5}]})", "members_with_roles"},
      {R"({"members_with_roles": ["u1"]})", "members_with_roles"},
      {R"({"members_with_roles": [{"role": "user", "user_id": "u"},
                                  {"role": "admin", "user_id": "u"}]})",
       "members_with_roles"},
  };
  for (const auto& [body, param] : cases) {
    store::TeamRow row = team(kFullTeam);
    auto r = applyTeamFields(json::parse(body), BodyMode::kCreate, kNow, row);
    expectRefused(r, param, body);
    EXPECT_EQ(row.team_alias, "QA Prod Bot") << body;  // a failure changes nothing
  }
  store::TeamRow row;
  auto r = applyTeamFields(json::parse(R"({"members_with_roles": [{"role": "user"}]})"),
                           BodyMode::kCreate, kNow, row);
  EXPECT_EQ(failure(r).second, "Either user id or user email must be provided");
  expectRefused(applyTeamFields(json("x"), BodyMode::kCreate, kNow, row), "", "\"x\"");
}

TEST(TeamRequestsTest, TeamIds) {
  auto ids = parseTeamIds(json::parse(R"({"team_ids": ["a", "b"]})"));
  ASSERT_TRUE(ids.has_value());
  EXPECT_EQ(*ids, (Strings{"a", "b"}));
  for (const char* body : {R"({})", R"({"team_ids": null})", R"({"team_ids": []})"}) {
    auto r = parseTeamIds(json::parse(body));
    EXPECT_EQ(failure(r), (std::pair<std::string, std::string>{"team_ids", "No team id passed in"}))
        << body;
  }
  expectRefused(parseTeamIds(json::parse(R"({"team_ids": "a"})")), "team_ids", "a");
  expectRefused(parseTeamIds(json::parse(R"({"team_ids": [1]})")), "team_ids", "[1]");
  expectRefused(parseTeamIds(json::parse(R"({"team_ids": [""]})")), "team_ids", "['']");
}

TEST(TeamRequestsTest, BlockAndUpdateTakeTheTeamId) {
  auto id = parseRequiredId(json::parse(R"({"team_id": "t-1"})"), "team_id");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, "t-1");
  auto r = parseRequiredId(json::object(), "team_id");
  EXPECT_EQ(failure(r), (std::pair<std::string, std::string>{"team_id", "team_id is required"}));
  expectRefused(parseRequiredId(json::parse(R"({"team_id": 1})"), "team_id"), "team_id", "1");
  expectRefused(parseRequiredId(json::parse(R"({"team_id": ""})"), "team_id"), "team_id", "''");
  r = parseRequiredId(json::object(), "budget_id", "budget_id is required");
  EXPECT_EQ(failure(r).second, "budget_id is required");
}

TEST(TeamRequestsTest, MemberAdd) {
  auto one = parseMemberAdd(
      json::parse(R"({"team_id": "t", "member": {"role": "admin", "user_id": "u1"}})"));
  ASSERT_TRUE(one.has_value()) << one.error().message;
  EXPECT_EQ(one->team_id, "t");
  ASSERT_EQ(one->members.size(), 1u);
  EXPECT_EQ(one->members[0].user_id, "u1");
  EXPECT_EQ(one->members[0].role, "admin");
  EXPECT_EQ(one->members[0].team_id, "t");
  EXPECT_FALSE(one->members[0].max_budget_in_team.has_value());

  auto many = parseMemberAdd(json::parse(R"({"team_id": "t", "max_budget_in_team": 2.5,
      "member": [{"role": "user", "user_id": "u1"}, {"role": "user", "user_email": "e@x"}]})"));
  ASSERT_TRUE(many.has_value()) << many.error().message;
  ASSERT_EQ(many->members.size(), 2u);
  EXPECT_EQ(many->max_budget_in_team, 2.5);
  EXPECT_EQ(many->members[1].user_email, "e@x");
  EXPECT_EQ(many->members[1].max_budget_in_team, 2.5);
  EXPECT_EQ(many->members[1].team_id, "t");

  auto r = parseMemberAdd(json::parse(R"({"member": {"role": "user", "user_id": "u"}})"));
  EXPECT_EQ(failure(r), (std::pair<std::string, std::string>{"team_id", "No team id passed in"}));
  for (const char* body : {R"({"team_id": "t"})", R"({"team_id": "t", "member": []})",
                           R"({"team_id": "t", "member": null})"}) {
    r = parseMemberAdd(json::parse(body));
    EXPECT_EQ(failure(r),
              (std::pair<std::string, std::string>{"member", "No member/members passed in"}))
        << body;
  }
  r = parseMemberAdd(json::parse(R"({"team_id": "t", "member": {"role": "user"}})"));
  EXPECT_EQ(failure(r), (std::pair<std::string, std::string>{
                            "member", "Either user id or user email must be provided"}));
  expectRefused(parseMemberAdd(json::parse(R"({"team_id": "t", "member": [{"role": "x",
                                                "user_id": "u"}]})")),
                "member", "bad role");
  expectRefused(parseMemberAdd(json::parse(R"({"team_id": "t", "max_budget_in_team": -1,
                                                "member": {"role": "user", "user_id": "u"}})")),
                "max_budget_in_team", "negative");
  expectRefused(parseMemberAdd(json::parse(R"({"team_id": 3, "member": {"role": "user",
                                                "user_id": "u"}})")),
                "team_id", "team_id 3");
}

TEST(TeamRequestsTest, MemberDelete) {
  auto r = parseMemberDelete(json::parse(R"({"team_id": "t", "user_email": "e@x"})"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->team_id, "t");
  EXPECT_EQ(r->user_id, "");
  EXPECT_EQ(r->user_email, "e@x");
  r = parseMemberDelete(json::parse(R"({"team_id": "t", "user_id": "u"})"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->user_id, "u");
  r = parseMemberDelete(json::parse(R"({"team_id": "t"})"));
  EXPECT_EQ(failure(r), (std::pair<std::string, std::string>{
                            "user_id", "Either user_id or user_email needs to be passed in"}));
  r = parseMemberDelete(json::parse(R"({"user_id": "u"})"));
  EXPECT_EQ(failure(r), (std::pair<std::string, std::string>{"team_id", "No team id passed in"}));
  expectRefused(parseMemberDelete(json::parse(R"({"team_id": "t", "user_id": 1})")), "user_id",
                "user_id 1");
}

TEST(TeamRequestsTest, TeamModels) {
  auto r = parseTeamModels(json::parse(R"({"team_id": "t", "models": ["a", "b"]})"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->team_id, "t");
  EXPECT_EQ(r->models, (Strings{"a", "b"}));
  expectRefused(parseTeamModels(json::parse(R"({"models": ["a"]})")), "team_id", "no team");
  expectRefused(parseTeamModels(json::parse(R"({"team_id": "t"})")), "models", "no models");
  expectRefused(parseTeamModels(json::parse(R"({"team_id": "t", "models": "a"})")), "models",
                "models a");
}

TEST(TeamListQueryTest, DefaultsAreLiteLLMs) {
  auto q = parseTeamListQuery("/v2/team/list");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->page, 1);
  EXPECT_EQ(q->size, 10);
  EXPECT_EQ(q->sort_by, "");  // created_at desc
  EXPECT_TRUE(q->descending);
  EXPECT_EQ(q->filter, "");
  EXPECT_EQ(q->user_id, "");
}

TEST(TeamListQueryTest, ReadsEveryParameter) {
  auto q = parseTeamListQuery(
      "/v2/team/list?user_id=u1&team_alias=QA%20Bot&team_id=t1&page=3&page_size=100"
      "&sort_by=team_alias&sort_order=DESC");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->user_id, "u1");
  EXPECT_EQ(q->filter, "QA Bot");
  EXPECT_EQ(q->team_id, "t1");
  EXPECT_EQ(q->page, 3);
  EXPECT_EQ(q->size, 100);
  EXPECT_EQ(q->sort_by, "team_alias");
  EXPECT_TRUE(q->descending);

  q = parseTeamListQuery("/v2/team/list?sort_by=created_at");  // sort_order defaults to asc
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->sort_by, "created_at");
  EXPECT_FALSE(q->descending);
  q = parseTeamListQuery("/v2/team/list?sort_by=team_id&sort_order=sideways");
  ASSERT_TRUE(q.has_value());
  EXPECT_FALSE(q->descending);
  q = parseTeamListQuery("/v2/team/list?sort_by=spend&sort_order=asc");  // not sortable
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->sort_by, "");
  EXPECT_TRUE(q->descending);
}

TEST(TeamListQueryTest, RefusesBadPages) {
  for (const char* target : {"/team/list?page=0", "/team/list?page=x", "/team/list?page=1.5"}) {
    expectRefused(parseTeamListQuery(target), "page", target);
  }
  for (const char* target :
       {"/team/list?page_size=0", "/team/list?page_size=101", "/team/list?page_size=-5"}) {
    expectRefused(parseTeamListQuery(target), "page_size", target);
  }
}

}  // namespace
}  // namespace switchyard::admin
