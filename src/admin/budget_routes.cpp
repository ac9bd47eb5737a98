// LiteLLM's /budget/* routes (routes.hpp): budget objects, limits shared by reference by the
// teams, members, users and customers that name them (budget_id).
//
// Who may: /budget/new, /budget/update, /budget/delete proxy_admin only; /budget/info and
// /budget/list proxy_admin or proxy_admin_viewer; anyone else 403. One store job per request
// (read, write, re-read, audit row); then the hierarchy takes the change (putBudget /
// eraseBudget: every level naming the budget gets its new limits at once) and the other
// instances are told.

#include "switchyard/api/ids.hpp"
#include "switchyard/keys/hierarchy.hpp"
#include "team_budget_common.hpp"

namespace switchyard::admin {
namespace {

using hier::onStore;
using hier::StoreJob;
using nlohmann::json;
using pipeline::fail;

api::Error budgetNotFound(const std::string& budget_id, const char* param = "budget_id") {
  return {api::ErrorKind::kNotFound,
          "Budget not found, passed budget_id=" + budget_id,
          "",
          0,
          "",
          param};
}

// On the store thread: the budget `budget_id` into `row`, or 404.
std::optional<api::Error> readBudget(store::Store& s, const std::string& budget_id,
                                     store::BudgetRow& row, const char* param = "budget_id") {
  auto found = s.findBudget(budget_id);
  if (!found) return found.error();
  if (!*found) return budgetNotFound(budget_id, param);
  row = std::move(**found);
  return std::nullopt;
}

void budgetChanged(const AdminContext& c, const store::BudgetRow& row) {
  if (c.hierarchy != nullptr) c.hierarchy->putBudget(row);
  tellBudget(c, row.budget_id);
}

}  // namespace

Reply newBudget(api::Exchange& ex, const AdminContext& c) {
  Caller caller = callerOf(ex, c.hierarchy);
  if (auto e = requireAdmin(ex, caller)) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  const store::UnixMs now = nowMs();
  store::BudgetRow row;
  if (auto r = applyBudgetFields(*body, BodyMode::kCreate, now, row); !r) {
    co_return fail(ex, r.error());
  }
  if (row.budget_id.empty()) row.budget_id = api::newUuid();
  row.created_at = row.updated_at = now;
  row.created_by = row.updated_by = actorOf(ex);
  store::AuditRow trail = hier::auditOf(ex, "budget.new", row.budget_id, *body);
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    if (auto inserted = s.insertBudget(row); !inserted) return inserted.error();
    if (auto e = readBudget(s, row.budget_id, row)) return e;
    hier::writeAudit(s, {trail});
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  budgetChanged(c, row);
  co_return ok(budgetJson(row));
}

Reply updateBudget(api::Exchange& ex, const AdminContext& c) {
  Caller caller = callerOf(ex, c.hierarchy);
  if (auto e = requireAdmin(ex, caller)) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  auto budget_id = parseRequiredId(*body, "budget_id", "budget_id is required");
  if (!budget_id) co_return fail(ex, budget_id.error());
  {  // the whole body is checked before the budget is looked up
    store::BudgetRow probe;
    if (auto r = applyBudgetFields(*body, BodyMode::kUpdate, 0, probe); !r) {
      co_return fail(ex, r.error());
    }
  }
  const store::UnixMs now = nowMs();
  const std::string actor = actorOf(ex);
  store::BudgetRow row;
  store::AuditRow trail = hier::auditOf(ex, "budget.update", *budget_id, *body);
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    if (auto e = readBudget(s, *budget_id, row)) return e;
    if (auto r = applyBudgetFields(*body, BodyMode::kUpdate, now, row); !r) return r.error();
    row.updated_at = now;
    row.updated_by = actor;
    auto written = s.updateBudget(row);
    if (!written) return written.error();
    if (!*written) return budgetNotFound(*budget_id);
    if (auto e = readBudget(s, *budget_id, row)) return e;
    hier::writeAudit(s, {trail});
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  budgetChanged(c, row);
  co_return ok(budgetJson(row));
}

Reply budgetInfo(api::Exchange& ex, const AdminContext& c) {
  Caller caller = callerOf(ex, c.hierarchy);
  if (auto e = requireReader(ex, caller)) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  auto ids = parseBudgetIds(*body);
  if (!ids) co_return fail(ex, ids.error());
  std::vector<store::BudgetRow> rows;
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    for (const std::string& id : *ids) {
      store::BudgetRow row;
      if (auto e = readBudget(s, id, row, "budgets")) return e;
      rows.push_back(std::move(row));
    }
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  json out = json::array();
  for (const store::BudgetRow& row : rows) out.push_back(budgetJson(row));
  co_return ok(out);
}

Reply listBudgets(api::Exchange& ex, const AdminContext& c) {
  Caller caller = callerOf(ex, c.hierarchy);
  if (auto e = requireReader(ex, caller)) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  std::vector<store::BudgetRow> rows;
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    store::ListQuery q;
    q.sort_by = "created_at";
    q.descending = false;
    q.size = 1000;
    for (q.page = 1;; ++q.page) {
      auto page = s.listBudgets(q);
      if (!page) return page.error();
      std::int64_t got = static_cast<std::int64_t>(page->rows.size());
      for (store::BudgetRow& r : page->rows) rows.push_back(std::move(r));
      if (got < q.size || q.page * q.size >= page->total) return std::nullopt;
    }
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  json out = json::array();
  for (const store::BudgetRow& row : rows) out.push_back(budgetJson(row));
  co_return ok(out);
}

Reply deleteBudget(api::Exchange& ex, const AdminContext& c) {
  Caller caller = callerOf(ex, c.hierarchy);
  if (auto e = requireAdmin(ex, caller)) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  auto body = bodyOf(ex);
  if (!body) co_return fail(ex, body.error());
  auto id = parseBudgetDelete(*body);
  if (!id) co_return fail(ex, id.error());
  store::BudgetRow row;
  store::AuditRow trail = hier::auditOf(ex, "budget.delete", *id, *body);
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    if (auto e = readBudget(s, *id, row, "id")) return e;
    auto gone = s.deleteBudget(*id);
    if (!gone) return gone.error();
    if (!*gone) return budgetNotFound(*id, "id");
    hier::writeAudit(s, {trail});
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  if (c.hierarchy != nullptr) c.hierarchy->eraseBudget(*id);
  tellBudget(c, *id);
  co_return ok(budgetJson(row));
}

}  // namespace switchyard::admin
