// The budget gauges of teams and users, and the soft-budget crossings of every level
// (metrics_setup.hpp: writeLevelGauges). Read at scrape time from keys::Hierarchy.

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "metrics_setup.hpp"
#include "switchyard/keys/hierarchy.hpp"
#include "switchyard/keys/key_settings.hpp"
#include "switchyard/telemetry/metrics.hpp"

namespace switchyard::server {
namespace {

using telemetry::MetricType;
using Pair = std::pair<std::string_view, std::string_view>;

std::string_view orNone(std::string_view v) { return v.empty() ? std::string_view("None") : v; }

struct Budget {
  std::string id, alias;
  double max = 0, spend = 0;
  std::optional<store::UnixMs> reset_at;
};

// The families of one level (LiteLLM's names), a sample per budgeted row.
void writeBudgets(telemetry::Exposition& out, std::vector<Budget>& rows, const char* remaining,
                  const char* max, const char* hours, const char* what, bool with_alias,
                  store::UnixMs now_ms) {
  std::sort(rows.begin(), rows.end(), [](const Budget& a, const Budget& b) { return a.id < b.id; });
  auto each = [&](const char* name, auto value) {
    for (const Budget& b : rows) {
      std::optional<double> v = value(b);
      if (!v) continue;
      if (with_alias) {
        out.sample(
            name, std::array<Pair, 2>{Pair{"team", b.id}, Pair{"team_alias", orNone(b.alias)}}, *v);
      } else {
        out.sample(name, std::array<Pair, 1>{Pair{"user", b.id}}, *v);
      }
    }
  };
  out.family(remaining,
             std::string("Remaining budget of the ") + what + " in USD: max_budget - spend.",
             MetricType::kGauge);
  each(remaining, [](const Budget& b) { return std::optional(b.max - b.spend); });
  out.family(max, std::string("max_budget of the ") + what + " in USD.", MetricType::kGauge);
  each(max, [](const Budget& b) { return std::optional(b.max); });
  out.family(hours, std::string("Hours until the ") + what + "'s budget window resets.",
             MetricType::kGauge);
  each(hours, [now_ms](const Budget& b) -> std::optional<double> {
    if (!b.reset_at) return std::nullopt;
    return static_cast<double>(*b.reset_at - now_ms) / 3.6e6;
  });
}

}  // namespace

void writeLevelGauges(telemetry::Exposition& out, const keys::Hierarchy* hierarchy,
                      keys::SysClock::time_point now, std::size_t max_series) {
  const store::UnixMs now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::vector<Budget> teams, users;
  std::size_t omitted = 0;
  auto budgetOf = [&](const keys::KeyEntry& e, std::string alias) -> std::optional<Budget> {
    keys::KeyFigures f = e.figures(now);
    if (!f.row->max_budget) return std::nullopt;
    return Budget{f.row->token, std::move(alias), *f.row->max_budget, f.spend, f.budget_reset_at};
  };
  if (hierarchy) {
    hierarchy->forEachTeam([&](const keys::TeamView& t) {
      if (auto b = budgetOf(*t.counters, t.row->team_alias)) {
        if (teams.size() < max_series)
          teams.push_back(std::move(*b));
        else
          ++omitted;
      }
    });
    hierarchy->forEachUser([&](const keys::UserView& u) {
      if (auto b = budgetOf(*u.counters, "")) {
        if (users.size() < max_series)
          users.push_back(std::move(*b));
        else
          ++omitted;
      }
    });
  }
  writeBudgets(out, teams, "litellm_remaining_team_budget_metric", "litellm_team_max_budget_metric",
               "litellm_team_budget_remaining_hours_metric", "team", true, now_ms);
  writeBudgets(out, users, "litellm_remaining_user_budget_metric", "litellm_user_max_budget_metric",
               "litellm_user_budget_remaining_hours_metric", "user", false, now_ms);
  out.family("switchyard_soft_budget_crossed_total",
             "Times a level's spend crossed its soft_budget (requests go on; each is logged).",
             MetricType::kCounter);
  static constexpr std::array<std::pair<store::Level, std::string_view>, 5> kLevels{{
      {store::Level::kKey, "key"},
      {store::Level::kTeam, "team"},
      {store::Level::kTeamMember, "team_member"},
      {store::Level::kUser, "user"},
      {store::Level::kCustomer, "customer"},
  }};
  for (const auto& [level, name] : kLevels) {
    out.sample("switchyard_soft_budget_crossed_total", std::array<Pair, 1>{Pair{"level", name}},
               static_cast<double>(keys::softBudgetCrossings(level)));
  }
  out.family("switchyard_level_series_omitted",
             "Team and user budget series left out of this scrape by the cap.", MetricType::kGauge);
  out.sample("switchyard_level_series_omitted", static_cast<double>(omitted));
}

}  // namespace switchyard::server
