// Spend reports (routes.hpp): /spend/logs and /global/spend/{report,keys,models}, read on the
// store thread (after every spend row buffered so far is written).

#include <boost/asio/use_awaitable.hpp>

#include "admin_common.hpp"
#include "switchyard/admin/key_request.hpp"
#include "switchyard/admin/routes.hpp"
#include "switchyard/api/query.hpp"
#include "switchyard/store/store_thread.hpp"

namespace switchyard::admin {
namespace {

using nlohmann::json;
using pipeline::fail;

constexpr store::UnixMs kDayMs = 86'400'000;

// start_date / end_date: "YYYY-MM-DD" (end_date inclusive: the whole day) or an ISO time.
std::optional<api::Error> readDate(const api::Exchange& ex, const char* name, bool end,
                                   std::optional<store::UnixMs>& out) {
  std::string v = api::queryParam(ex.target, name);
  if (v.empty()) return std::nullopt;
  std::optional<store::UnixMs> t = parseIsoTime(v);
  if (!t) {
    return api::Error{api::ErrorKind::kInvalidRequest,
                      std::string(name) + " must be a date (YYYY-MM-DD) or an ISO-8601 time.", "",
                      0, "", name};
  }
  out = end && v.size() == 10 ? *t + kDayMs : *t;
  return std::nullopt;
}

std::optional<api::Error> readLimit(const api::Exchange& ex, std::int64_t& out) {
  std::string v = api::queryParam(ex.target, "limit");
  if (v.empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    long long n = std::stoll(v, &used);
    if (used == v.size() && n >= 1 && n <= 100000) {
      out = n;
      return std::nullopt;
    }
  } catch (...) {
  }
  return api::Error{api::ErrorKind::kInvalidRequest, "limit must be an integer from 1 to 100000.",
                    "", 0, "", "limit"};
}

json spendLogJson(const store::SpendRow& r) {
  json tags = r.request_tags;
  return {{"request_id", r.request_id},
          {"call_type", r.call_type},
          {"api_key", r.api_key},
          {"key_alias", r.key_alias.empty() ? json(nullptr) : json(r.key_alias)},
          {"spend", r.spend},
          {"total_tokens", r.total_tokens},
          {"prompt_tokens", r.prompt_tokens},
          {"completion_tokens", r.completion_tokens},
          {"cached_tokens", r.cached_tokens},
          {"cache_creation_tokens", r.cache_creation_tokens},
          {"reasoning_tokens", r.reasoning_tokens},
          {"startTime", isoTime(r.start_time)},
          {"endTime", isoTime(r.end_time)},
          {"completionStartTime",
           r.ttft_ms ? json(isoTime(r.start_time + static_cast<store::UnixMs>(*r.ttft_ms)))
                     : json(nullptr)},
          {"model", r.model},
          {"model_id", r.model_id},
          {"model_group", r.model_group},
          {"custom_llm_provider", r.custom_llm_provider},
          {"api_base", r.api_base},
          {"user", r.user},
          {"team_id", r.team_id.empty() ? json(nullptr) : json(r.team_id)},
          {"end_user", r.end_user},
          {"cache_hit", r.cache_hit ? "True" : "False"},
          {"cache_key", "Cache OFF"},
          {"request_tags", std::move(tags)},
          {"status", r.status},
          {"http_status", r.http_status},
          {"stream", r.stream},
          {"metadata", {{"status", r.status}}}};
}

json groupJson(const store::SpendGroup& g, store::SpendGroupBy by) {
  const char* name = by == store::SpendGroupBy::kKey     ? "api_key"
                     : by == store::SpendGroupBy::kModel ? "model"
                     : by == store::SpendGroupBy::kTeam  ? "team_id"
                                                         : "date";
  json j = {{name, g.group},
            {"total_spend", g.spend},
            {"total_requests", g.requests},
            {"prompt_tokens", g.prompt_tokens},
            {"completion_tokens", g.completion_tokens},
            {"total_tokens", g.total_tokens}};
  if (by == store::SpendGroupBy::kKey) {
    j["key_alias"] = g.key_alias.empty() ? json(nullptr) : json(g.key_alias);
  }
  return j;
}

Reply refuse(api::Exchange& ex, api::Error e) { co_return fail(ex, std::move(e)); }

Reply report(api::Exchange& ex, const AdminContext& c, store::SpendReportQuery q) {
  if (auto e = requireMaster(ex)) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  if (auto e = readDate(ex, "start_date", false, q.start)) co_return fail(ex, std::move(*e));
  if (auto e = readDate(ex, "end_date", true, q.end)) co_return fail(ex, std::move(*e));
  if (auto e = readLimit(ex, q.limit)) co_return fail(ex, std::move(*e));
  api::Result<std::vector<store::SpendGroup>> groups = std::vector<store::SpendGroup>{};
  std::function<void(store::Store&)> job = [&](store::Store& s) { groups = s.spendReport(q); };
  auto ran = co_await c.store->run(std::move(job));
  if (!ran) co_return fail(ex, ran.error());
  if (!groups) co_return fail(ex, groups.error());
  json out = json::array();
  for (const store::SpendGroup& g : *groups) out.push_back(groupJson(g, q.group_by));
  co_return ok(out);
}

}  // namespace

Reply spendLogs(api::Exchange& ex, const AdminContext& c) {
  if (auto e = requireMaster(ex)) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  store::SpendQuery q;
  if (std::string k = api::queryParam(ex.target, "api_key"); !k.empty()) q.api_key = tokenOf(k);
  if (std::string id = api::queryParam(ex.target, "request_id"); !id.empty()) q.request_id = id;
  if (auto e = readDate(ex, "start_date", false, q.start)) co_return fail(ex, std::move(*e));
  if (auto e = readDate(ex, "end_date", true, q.end)) co_return fail(ex, std::move(*e));
  if (auto e = readLimit(ex, q.limit)) co_return fail(ex, std::move(*e));
  bool summarize = api::queryParam(ex.target, "summarize") == "true";

  if (summarize) {
    // Per day: total spend, and spend by model and by key (LiteLLM's summarized shape).
    store::SpendReportQuery days{store::SpendGroupBy::kDay, q.start, q.end, 10000};
    api::Result<std::vector<store::SpendRow>> rows = std::vector<store::SpendRow>{};
    std::function<void(store::Store&)> job = [&](store::Store& s) {
      store::SpendQuery all = q;
      all.limit = 100000;
      rows = s.spendLogs(all);
    };
    auto ran = co_await c.store->run(std::move(job));
    if (!ran) co_return fail(ex, ran.error());
    if (!rows) co_return fail(ex, rows.error());
    std::map<std::string, json> by_day;
    for (const store::SpendRow& r : *rows) {
      std::string day = isoTime(r.start_time).substr(0, 10);
      json& d = by_day[day];
      if (d.is_null()) d = {{"startTime", day}, {"spend", 0.0}, {"models", json::object()},
                            {"users", json::object()}, {"api_keys", json::object()}};
      d["spend"] = d["spend"].get<double>() + r.spend;
      auto add = [&](const char* field, const std::string& name) {
        json& m = d[field];
        m[name] = (m.contains(name) ? m[name].get<double>() : 0.0) + r.spend;
      };
      add("models", r.model);
      add("users", r.user);
      add("api_keys", r.api_key);
    }
    json out = json::array();
    for (auto& [day, j] : by_day) out.push_back(std::move(j));
    co_return ok(out);
  }

  api::Result<std::vector<store::SpendRow>> rows = std::vector<store::SpendRow>{};
  std::function<void(store::Store&)> job = [&](store::Store& s) { rows = s.spendLogs(q); };
  auto ran = co_await c.store->run(std::move(job));
  if (!ran) co_return fail(ex, ran.error());
  if (!rows) co_return fail(ex, rows.error());
  json out = json::array();
  for (const store::SpendRow& r : *rows) out.push_back(spendLogJson(r));
  co_return ok(out);
}

Reply spendReport(api::Exchange& ex, const AdminContext& c) {
  store::SpendReportQuery q;
  std::string by = api::queryParam(ex.target, "group_by");
  if (by.empty() || by == "api_key" || by == "key") {
    q.group_by = store::SpendGroupBy::kKey;
  } else if (by == "model") {
    q.group_by = store::SpendGroupBy::kModel;
  } else if (by == "team" || by == "team_id") {
    q.group_by = store::SpendGroupBy::kTeam;
  } else if (by == "day" || by == "date") {
    q.group_by = store::SpendGroupBy::kDay;
  } else {
    return refuse(ex, {api::ErrorKind::kInvalidRequest,
                       "group_by must be one of api_key, model, team, day.", "", 0, "",
                       "group_by"});
  }
  return report(ex, c, q);
}

Reply spendKeys(api::Exchange& ex, const AdminContext& c) {
  return report(ex, c, {store::SpendGroupBy::kKey, std::nullopt, std::nullopt, 1000});
}

Reply spendModels(api::Exchange& ex, const AdminContext& c) {
  return report(ex, c, {store::SpendGroupBy::kModel, std::nullopt, std::nullopt, 1000});
}

}  // namespace switchyard::admin
