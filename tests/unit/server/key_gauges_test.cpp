// writeKeyGauges (server/metrics_setup.hpp): the key budget and rate-limit gauges read from the
// key registry at scrape time — remaining budget, max budget, hours left in a budget window (a
// window past its end counts as reset), requests and tokens left this minute under the key's and
// its models' limits — and the cap that keeps the keys closest to their limits.

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "server/metrics_setup.hpp"
#include "switchyard/keys/hierarchy.hpp"
#include "switchyard/keys/key_entry.hpp"
#include "switchyard/keys/key_registry.hpp"

namespace switchyard::server {
namespace {

using keys::SysClock;

std::string token(char c) { return std::string(64, c); }

store::KeyRow row(char c, std::string alias = "") {
  store::KeyRow r;
  r.token = token(c);
  r.key_name = std::string("sk-...") + c;
  r.key_alias = std::move(alias);
  return r;
}

std::string scrape(const keys::KeyRegistry& reg, SysClock::time_point now,
                   std::size_t cap = kMaxKeySeries) {
  telemetry::Exposition out;
  writeKeyGauges(out, reg, now, cap);
  return out.take();
}

// The value of the one sample `name{labels}` in `text`, or NaN.
double sample(const std::string& text, const std::string& name, const std::string& labels) {
  const std::string head = name + "{" + labels + "} ";
  auto at = text.find(head);
  if (at == std::string::npos) return std::nan("");
  return std::stod(text.substr(at + head.size()));
}

std::string keyLabels(char c, const std::string& alias = "None") {
  return "hashed_api_key=\"" + token(c) + "\",api_key_alias=\"" + alias + "\"";
}

TEST(KeyGauges, BudgetsAndRateLimitsAsTheNextRequestWouldFindThem) {
  const auto now = SysClock::now();
  const auto ms = [](SysClock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  };
  keys::KeyRegistry reg;
  store::KeyRow a = row('a', "alpha");
  a.max_budget = 10;
  a.spend = 2.5;
  reg.put(a);
  store::KeyRow b = row('b');
  b.max_budget = 5;
  b.spend = 1;
  b.budget_duration = "1d";
  b.budget_reset_at = ms(now + std::chrono::hours(2));
  reg.put(b);
  store::KeyRow f = row('f');  // its window ended: the next request starts from 0
  f.max_budget = 5;
  f.spend = 3;
  f.budget_duration = "1h";
  f.budget_reset_at = ms(now - std::chrono::minutes(1));
  reg.put(f);
  store::KeyRow c = row('c', "limited");
  c.rpm_limit = 10;
  c.tpm_limit = 1000;
  auto ce = reg.put(c);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(ce->admit({"gpt", 0, 0}, now).verdict, keys::Verdict::kAdmitted);
  }
  ce->finish("gpt", 0, 0, 100, now);
  store::KeyRow d = row('d');
  d.model_rpm_limit = {{"gpt", 4}};
  d.model_tpm_limit = {{"claude", 50}};
  d.previous_token = token('9');  // a grace-period alias: the key appears once all the same
  auto de = reg.put(d);
  ASSERT_EQ(de->admit({"gpt", 0, 0}, now).verdict, keys::Verdict::kAdmitted);
  reg.put(row('e'));  // no budget, no limit: no series

  const std::string text = scrape(reg, now);
  EXPECT_EQ(sample(text, "litellm_remaining_api_key_budget_metric", keyLabels('a', "alpha")), 7.5);
  EXPECT_EQ(sample(text, "litellm_api_key_max_budget_metric", keyLabels('a', "alpha")), 10);
  EXPECT_EQ(sample(text, "litellm_remaining_api_key_budget_metric", keyLabels('b')), 4);
  EXPECT_NEAR(sample(text, "litellm_api_key_budget_remaining_hours_metric", keyLabels('b')), 2,
              0.01);
  EXPECT_EQ(sample(text, "litellm_remaining_api_key_budget_metric", keyLabels('f')), 5);
  const double f_hours =
      sample(text, "litellm_api_key_budget_remaining_hours_metric", keyLabels('f'));
  EXPECT_GT(f_hours, 0);
  EXPECT_LE(f_hours, 1) << "the next 1h window's end";
  EXPECT_TRUE(
      std::isnan(sample(text, "litellm_api_key_budget_remaining_hours_metric", keyLabels('a'))))
      << "no budget window, no hours";

  const std::string req = "litellm_remaining_api_key_requests_for_model";
  const std::string tok = "litellm_remaining_api_key_tokens_for_model";
  EXPECT_EQ(sample(text, req, keyLabels('c', "limited") + ",model=\"None\""), 7);
  EXPECT_EQ(sample(text, tok, keyLabels('c', "limited") + ",model=\"None\""), 900);
  EXPECT_EQ(sample(text, req, keyLabels('d') + ",model=\"gpt\""), 3);
  EXPECT_TRUE(std::isnan(sample(text, tok, keyLabels('d') + ",model=\"gpt\"")));
  EXPECT_EQ(sample(text, tok, keyLabels('d') + ",model=\"claude\""), 50);
  EXPECT_EQ(text.find(token('e')), std::string::npos);
  EXPECT_EQ(text.find(token('9')), std::string::npos) << "the alias is not a second key";
  EXPECT_EQ(sample(text, "switchyard_metrics_series_omitted", "group=\"keys\""), 0);

  // A minute later the windows are empty.
  const std::string later = scrape(reg, now + std::chrono::minutes(1));
  EXPECT_EQ(sample(later, req, keyLabels('c', "limited") + ",model=\"None\""), 10);
  EXPECT_EQ(sample(later, req, keyLabels('d') + ",model=\"gpt\""), 4);
}

TEST(KeyGauges, PastTheCapTheKeysClosestToTheirLimitsAreKeptAndTheRestCounted) {
  keys::KeyRegistry reg;
  const char names[] = {'1', '2', '3', '4', '5'};
  for (int i = 0; i < 5; ++i) {
    store::KeyRow r = row(names[i]);
    r.max_budget = 10;
    r.spend = i;  // key '5' has spent the most
    reg.put(r);
  }
  const std::string text = scrape(reg, SysClock::now(), 2);
  EXPECT_EQ(sample(text, "litellm_remaining_api_key_budget_metric", keyLabels('5')), 6);
  EXPECT_EQ(sample(text, "litellm_remaining_api_key_budget_metric", keyLabels('4')), 7);
  EXPECT_EQ(text.find(token('1')), std::string::npos);
  EXPECT_EQ(sample(text, "switchyard_metrics_series_omitted", "group=\"keys\""), 3);
}

}  // namespace
}  // namespace switchyard::server

namespace switchyard::server {
namespace {

// Teams and users with a max_budget get LiteLLM's budget gauges from their live counters; those
// without are not listed; the soft-budget counter has a series per level.
TEST(LevelGauges, TeamsAndUsersWithABudget) {
  keys::Hierarchy h;
  store::TeamRow team;
  team.team_id = "eng";
  team.team_alias = "Engineering";
  team.limits.max_budget = 10;
  team.limits.budget_duration = "1h";
  team.spend.spend = 2.5;
  h.putTeam(team, true);
  store::TeamRow open;
  open.team_id = "ops";
  h.putTeam(open, true);
  store::UserRow ann;
  ann.user_id = "ann";
  ann.limits.max_budget = 4;
  ann.spend.spend = 1;
  h.putUser(ann, true);
  const auto now = keys::SysClock::now();
  telemetry::Exposition out;
  writeLevelGauges(out, &h, now);
  const std::string text = out.take();
  EXPECT_EQ(sample(text, "litellm_remaining_team_budget_metric",
                   "team=\"eng\",team_alias=\"Engineering\""),
            7.5);
  EXPECT_EQ(
      sample(text, "litellm_team_max_budget_metric", "team=\"eng\",team_alias=\"Engineering\""),
      10);
  double hours = sample(text, "litellm_team_budget_remaining_hours_metric",
                        "team=\"eng\",team_alias=\"Engineering\"");
  EXPECT_GT(hours, 0);
  EXPECT_LE(hours, 1);
  EXPECT_EQ(text.find("team=\"ops\""), std::string::npos);
  EXPECT_EQ(sample(text, "litellm_remaining_user_budget_metric", "user=\"ann\""), 3);
  EXPECT_FALSE(std::isnan(sample(text, "switchyard_soft_budget_crossed_total", "level=\"team\"")));
}

}  // namespace
}  // namespace switchyard::server
