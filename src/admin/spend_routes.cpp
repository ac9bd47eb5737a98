// Spend reports (routes.hpp): /spend/logs and /global/spend/{report,keys,models}, read on the
// store thread (after every spend row buffered so far is written). The answers have LiteLLM's
// shapes (its proxy/spend_tracking/spend_management_endpoints.py and the views of
// proxy/db/create_views.py), plus a few fields of ours; docs/keys.md#spend-reports lists them.

#include <algorithm>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <map>

#include "admin_common.hpp"
#include "roles.hpp"
#include "switchyard/admin/key_request.hpp"
#include "switchyard/admin/routes.hpp"
#include "switchyard/api/query.hpp"
#include "switchyard/store/store_thread.hpp"

namespace switchyard::admin {
namespace {

using nlohmann::json;
using pipeline::fail;
using store::SpendGroupBy;

constexpr store::UnixMs kDayMs = 86'400'000;

// start_date / end_date: "YYYY-MM-DD" (end_date inclusive: the whole day) or an ISO time.
std::optional<api::Error> readDate(const api::Exchange& ex, const char* name, bool end,
                                   std::optional<store::UnixMs>& out) {
  std::string v = api::queryParam(ex.target, name);
  if (v.empty()) return std::nullopt;
  std::optional<store::UnixMs> t = parseIsoTime(v);
  if (!t) {
    return api::Error{api::ErrorKind::kInvalidRequest,
                      std::string(name) + " must be a date (YYYY-MM-DD) or an ISO-8601 time.",
                      "",
                      0,
                      "",
                      name};
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
  return api::Error{api::ErrorKind::kInvalidRequest,
                    "limit must be an integer from 1 to 100000.",
                    "",
                    0,
                    "",
                    "limit"};
}

// A boolean query parameter as FastAPI reads one; nullopt when absent, an error when neither.
std::optional<api::Error> readBool(const api::Exchange& ex, const char* name,
                                   std::optional<bool>& out) {
  std::string v = api::queryParam(ex.target, name);
  if (v.empty()) return std::nullopt;
  for (char& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (v == "true" || v == "1" || v == "yes" || v == "on") {
    out = true;
  } else if (v == "false" || v == "0" || v == "no" || v == "off") {
    out = false;
  } else {
    return api::Error{api::ErrorKind::kInvalidRequest,
                      std::string(name) + " must be true or false.",
                      "",
                      0,
                      "",
                      name};
  }
  return std::nullopt;
}

json nullIfEmpty(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

// The UTC midnight of `day` ("YYYY-MM-DD") as LiteLLM's date_trunc('day', ...) renders it.
std::string midnight(const std::string& day) { return day + "T00:00:00+00:00"; }

// The UTC midnight `days` days before today: the start of LiteLLM's Last30d... views.
store::UnixMs daysAgo(int days) {
  store::UnixMs today = nowMs() / kDayMs * kDayMs;
  return today - days * kDayMs;
}

json spendLogJson(const store::SpendRow& r) {
  json tags = r.request_tags;
  // completionStartTime: a stream's first chunk; otherwise endTime (LiteLLM's fallback).
  std::string completion_start =
      r.ttft_ms ? isoTime(r.start_time + static_cast<store::UnixMs>(*r.ttft_ms))
                : isoTime(r.end_time);
  return {{"request_id", r.request_id},
          {"call_type", r.call_type},
          {"api_key", r.api_key},
          {"key_alias", nullIfEmpty(r.key_alias)},
          {"spend", r.spend},
          {"total_tokens", r.total_tokens},
          {"prompt_tokens", r.prompt_tokens},
          {"completion_tokens", r.completion_tokens},
          {"cached_tokens", r.cached_tokens},
          {"cache_creation_tokens", r.cache_creation_tokens},
          {"reasoning_tokens", r.reasoning_tokens},
          {"startTime", isoTime(r.start_time)},
          {"endTime", isoTime(r.end_time)},
          {"completionStartTime", std::move(completion_start)},
          {"ttft_ms", r.ttft_ms ? json(*r.ttft_ms) : json(nullptr)},
          {"model", r.model},
          {"model_id", r.model_id},
          {"model_group", r.model_group},
          {"custom_llm_provider", r.custom_llm_provider},
          {"api_base", r.api_base},
          {"user", r.user},
          {"team_id", nullIfEmpty(r.team_id)},
          {"end_user", r.end_user},
          {"cache_hit", r.cache_hit ? "True" : "False"},
          {"cache_key", "Cache OFF"},
          {"request_tags", std::move(tags)},
          {"status", r.status},
          {"http_status", r.http_status},
          {"stream", r.stream},
          {"metadata", {{"status", r.status}}}};
}

using Groups = api::Result<std::vector<store::SpendGroup>>;

// Runs a report query on the store thread.
boost::asio::awaitable<Groups> runReport(const AdminContext& c, store::SpendReportQuery q) {
  Groups groups = std::vector<store::SpendGroup>{};
  std::function<void(store::Store&)> job = [&](store::Store& s) { groups = s.spendReport(q); };
  auto ran = co_await c.store->run(std::move(job));
  if (!ran) co_return ran.error();
  co_return groups;
}

// The sums every group carries: LiteLLM's names (total_cost, total_input_tokens,
// total_output_tokens) plus ours (total_requests, total_tokens).
void addTotals(json& j, const store::SpendGroup& g) {
  j["total_cost"] = g.spend;
  j["total_input_tokens"] = g.prompt_tokens;
  j["total_output_tokens"] = g.completion_tokens;
  j["total_requests"] = g.requests;
  j["total_tokens"] = g.total_tokens;
}
void accumulate(store::SpendGroup& into, const store::SpendGroup& g) {
  into.spend += g.spend;
  into.requests += g.requests;
  into.prompt_tokens += g.prompt_tokens;
  into.completion_tokens += g.completion_tokens;
  into.total_tokens += g.total_tokens;
}

// group_by=api_key (and a report for one api_key or internal_user_id): per key, biggest cost
// first, with its cost per model (groups: key, model).
json byKeyJson(const std::vector<store::SpendGroup>& rows) {
  std::vector<std::string> order;
  std::map<std::string, store::SpendGroup> totals;
  std::map<std::string, json> details;
  for (const store::SpendGroup& g : rows) {
    const std::string& key = g.groups[0];
    auto [it, fresh] = totals.try_emplace(key);
    if (fresh) {
      order.push_back(key);
      it->second.key_alias = g.key_alias;
      details[key] = json::array();
    }
    accumulate(it->second, g);
    json model = {{"model", g.groups[1]}};
    addTotals(model, g);
    details[key].push_back(std::move(model));
  }
  std::stable_sort(order.begin(), order.end(), [&](const std::string& a, const std::string& b) {
    return totals[a].spend > totals[b].spend;
  });
  json out = json::array();
  for (const std::string& key : order) {
    const store::SpendGroup& t = totals[key];
    json j = {{"api_key", key}, {"key_alias", nullIfEmpty(t.key_alias)}};
    addTotals(j, t);
    j["model_details"] = std::move(details[key]);
    out.push_back(std::move(j));
  }
  return out;
}

// group_by=team / customer: per day (oldest first), per team or customer (biggest spend first),
// the spend per key and model (groups: day, team or customer, model, key).
json byDayJson(const std::vector<store::SpendGroup>& rows, store::SpendGroupBy by) {
  const bool team = by == store::SpendGroupBy::kTeam;
  struct Entry {
    store::SpendGroup total;
    json metadata = json::array();
  };
  std::map<std::string, std::map<std::string, Entry>> days;
  for (const store::SpendGroup& g : rows) {
    Entry& e = days[g.groups[0]][g.groups[1]];
    accumulate(e.total, g);
    e.metadata.push_back({{"model", g.groups[2]},
                          {"api_key", g.groups[3]},
                          {"spend", g.spend},
                          {"total_tokens", g.total_tokens},
                          {"total_requests", g.requests}});
  }
  json out = json::array();
  for (auto& [day, members] : days) {
    std::vector<std::pair<const std::string, Entry>*> sorted;
    for (auto& m : members) sorted.push_back(&m);
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
      return a->second.total.spend > b->second.total.spend;
    });
    json list = json::array();
    for (auto* m : sorted) {
      json j;
      if (team) {
        j["team_name"] = m->first.empty() ? "Unassigned Team" : m->first;
        j["team_id"] = nullIfEmpty(m->first);
      } else if (by == store::SpendGroupBy::kUser) {
        j["user"] = nullIfEmpty(m->first);
      } else {
        j["customer"] = m->first;
      }
      j["total_spend"] = m->second.total.spend;
      j["total_requests"] = m->second.total.requests;
      j["metadata"] = std::move(m->second.metadata);
      list.push_back(std::move(j));
    }
    out.push_back({{"group_by_day", midnight(day)},
                   {team                               ? "teams"
                    : by == store::SpendGroupBy::kUser ? "users"
                                                       : "customers",
                    std::move(list)}});
  }
  return out;
}

Reply refuse(api::Exchange& ex, api::Error e) { co_return fail(ex, std::move(e)); }

// The report of /global/spend/report: LiteLLM's group_by (team, customer, api_key) and ours
// (model, day), or one key's / one internal user's spend (api_key, internal_user_id).
Reply report(api::Exchange& ex, const AdminContext& c, SpendGroupBy by) {
  if (auto e = requireReader(ex, callerOf(ex, c.hierarchy))) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  store::SpendReportQuery q;
  q.limit = -1;
  if (auto e = readDate(ex, "start_date", false, q.start)) co_return fail(ex, std::move(*e));
  if (auto e = readDate(ex, "end_date", true, q.end)) co_return fail(ex, std::move(*e));
  if (std::string k = api::queryParam(ex.target, "api_key"); !k.empty()) q.api_key = tokenOf(k);
  if (std::string u = api::queryParam(ex.target, "internal_user_id"); !u.empty()) q.user = u;
  if (std::string t = api::queryParam(ex.target, "team_id"); !t.empty()) q.team_id = t;
  if (std::string e = api::queryParam(ex.target, "customer_id"); !e.empty()) q.end_user = e;
  if (q.api_key || q.user) by = SpendGroupBy::kKey;
  switch (by) {
    case SpendGroupBy::kKey:
      q.group_by = {SpendGroupBy::kKey, SpendGroupBy::kModel};
      break;
    case SpendGroupBy::kTeam:
    case SpendGroupBy::kCustomer:
    case SpendGroupBy::kUser:
      q.group_by = {SpendGroupBy::kDay, by, SpendGroupBy::kModel, SpendGroupBy::kKey};
      break;
    case SpendGroupBy::kModel:
    case SpendGroupBy::kDay:
      q.group_by = {by};
      break;
  }
  Groups groups = co_await runReport(c, std::move(q));
  if (!groups) co_return fail(ex, groups.error());
  if (by == SpendGroupBy::kKey) co_return ok(byKeyJson(*groups));
  if (by == SpendGroupBy::kTeam || by == SpendGroupBy::kCustomer || by == SpendGroupBy::kUser) {
    co_return ok(byDayJson(*groups, by));
  }
  if (by == SpendGroupBy::kDay) {  // oldest first, as a time series
    std::sort(groups->begin(), groups->end(),
              [](const auto& a, const auto& b) { return a.groups[0] < b.groups[0]; });
  }
  json out = json::array();
  for (const store::SpendGroup& g : *groups) {
    json j = by == SpendGroupBy::kModel ? json{{"model", g.groups[0]}}
                                        : json{{"group_by_day", midnight(g.groups[0])}};
    addTotals(j, g);
    out.push_back(std::move(j));
  }
  co_return ok(out);
}

// /global/spend/keys and /global/spend/models: LiteLLM's Last30dKeysBySpend and
// Last30dModelsBySpend views (the last 30 days, biggest spend first), plus our sums.
Reply topSpenders(api::Exchange& ex, const AdminContext& c, SpendGroupBy by,
                  std::int64_t default_limit) {
  if (auto e = requireReader(ex, callerOf(ex, c.hierarchy))) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  store::SpendReportQuery q;
  q.group_by = {by};
  q.limit = default_limit;
  if (auto e = readDate(ex, "start_date", false, q.start)) co_return fail(ex, std::move(*e));
  if (auto e = readDate(ex, "end_date", true, q.end)) co_return fail(ex, std::move(*e));
  if (!q.start && !q.end) q.start = daysAgo(30);
  if (auto e = readLimit(ex, q.limit)) co_return fail(ex, std::move(*e));
  Groups groups = co_await runReport(c, std::move(q));
  if (!groups) co_return fail(ex, groups.error());
  json out = json::array();
  for (const store::SpendGroup& g : *groups) {
    json j;
    if (by == SpendGroupBy::kKey) {
      j = {{"api_key", g.groups[0]},
           {"key_alias", nullIfEmpty(g.key_alias)},
           {"key_name", nullIfEmpty(g.key_name)}};
    } else {
      j = {{"model", g.groups[0]}};
    }
    j["total_spend"] = g.spend;
    j["total_requests"] = g.requests;
    j["prompt_tokens"] = g.prompt_tokens;
    j["completion_tokens"] = g.completion_tokens;
    j["total_tokens"] = g.total_tokens;
    out.push_back(std::move(j));
  }
  co_return ok(out);
}

// /spend/logs summarized: per day (oldest first), the spend in total, per model, per user and
// per key (LiteLLM puts each key's spend at the top level of the day; we also nest it under
// api_keys). Days after the last one with rows, up to `through`, are listed with spend 0.
json emptyDay(const std::string& day) {
  return {{"startTime", day},
          {"spend", 0.0},
          {"models", json::object()},
          {"users", json::object()},
          {"api_keys", json::object()}};
}

json summarize(const std::vector<store::SpendRow>& rows, std::optional<store::UnixMs> through) {
  std::map<std::string, json> by_day;
  for (const store::SpendRow& r : rows) {
    std::string day = isoTime(r.start_time).substr(0, 10);
    json& d = by_day[day];
    if (d.is_null()) d = emptyDay(day);
    d["spend"] = d["spend"].get<double>() + r.spend;
    for (auto [field, name] : {std::pair<const char*, const std::string*>{"models", &r.model},
                               {"users", &r.user},
                               {"api_keys", &r.api_key}}) {
      json& m = d[field];
      m[*name] = m.value(*name, 0.0) + r.spend;
    }
    d[r.api_key] = d.value(r.api_key, 0.0) + r.spend;
  }
  json out = json::array();
  for (auto& [day, j] : by_day) out.push_back(std::move(j));
  if (!by_day.empty() && through) {
    // `through` is exclusive (the end of end_date's day).
    std::optional<store::UnixMs> last = parseIsoTime(by_day.rbegin()->first);
    for (store::UnixMs t = last.value_or(*through) + kDayMs; t < *through; t += kDayMs) {
      out.push_back(emptyDay(isoTime(t).substr(0, 10)));
    }
  }
  return out;
}

}  // namespace

Reply spendLogs(api::Exchange& ex, const AdminContext& c) {
  if (auto e = requireReader(ex, callerOf(ex, c.hierarchy))) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  store::SpendQuery q;
  if (std::string k = api::queryParam(ex.target, "api_key"); !k.empty()) q.api_key = tokenOf(k);
  if (std::string id = api::queryParam(ex.target, "request_id"); !id.empty()) q.request_id = id;
  if (std::string t = api::queryParam(ex.target, "team_id"); !t.empty()) q.team_id = t;
  if (std::string u = api::queryParam(ex.target, "user_id"); !u.empty()) q.user = u;
  for (const char* name : {"end_user", "customer_id"}) {
    if (std::string e = api::queryParam(ex.target, name); !e.empty()) q.end_user = e;
  }
  if (auto e = readDate(ex, "start_date", false, q.start)) co_return fail(ex, std::move(*e));
  if (auto e = readDate(ex, "end_date", true, q.end)) co_return fail(ex, std::move(*e));
  if (auto e = readLimit(ex, q.limit)) co_return fail(ex, std::move(*e));
  std::optional<bool> summarized;
  if (auto e = readBool(ex, "summarize", summarized)) co_return fail(ex, std::move(*e));
  // LiteLLM summarizes when both dates are given, unless summarize=false.
  const bool summary = summarized.value_or(q.start && q.end);
  if (summary) q.limit = 100000;

  api::Result<std::vector<store::SpendRow>> rows = std::vector<store::SpendRow>{};
  std::function<void(store::Store&)> job = [&](store::Store& s) { rows = s.spendLogs(q); };
  auto ran = co_await c.store->run(std::move(job));
  if (!ran) co_return fail(ex, ran.error());
  if (!rows) co_return fail(ex, rows.error());
  if (summary) co_return ok(summarize(*rows, q.end));
  json out = json::array();
  for (const store::SpendRow& r : *rows) out.push_back(spendLogJson(r));
  co_return ok(out);
}

Reply spendReport(api::Exchange& ex, const AdminContext& c) {
  std::string by = api::queryParam(ex.target, "group_by");
  if (by.empty() || by == "team" || by == "team_id") return report(ex, c, SpendGroupBy::kTeam);
  if (by == "customer" || by == "end_user") return report(ex, c, SpendGroupBy::kCustomer);
  if (by == "user" || by == "internal_user") return report(ex, c, SpendGroupBy::kUser);
  if (by == "api_key" || by == "key") return report(ex, c, SpendGroupBy::kKey);
  if (by == "model") return report(ex, c, SpendGroupBy::kModel);
  if (by == "day" || by == "date") return report(ex, c, SpendGroupBy::kDay);
  return refuse(ex, {api::ErrorKind::kInvalidRequest,
                     "group_by must be one of team, customer, user, api_key, model, day.", "", 0,
                     "", "group_by"});
}

Reply spendKeys(api::Exchange& ex, const AdminContext& c) {
  return topSpenders(ex, c, SpendGroupBy::kKey, -1);  // LiteLLM: every key unless `limit`
}

Reply spendModels(api::Exchange& ex, const AdminContext& c) {
  return topSpenders(ex, c, SpendGroupBy::kModel, 10);  // LiteLLM's default limit
}

}  // namespace switchyard::admin
