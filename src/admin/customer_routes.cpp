// LiteLLM's /customer/* routes (and their hidden /end_user/* aliases; routes.hpp): end customers,
// the `user` of an OpenAI request. Changes are written on the store thread with an audit row,
// then put in the hierarchy (which the request path reads) and told to the other instances.
//
// Who may: changes proxy_admin; /customer/info and /customer/list proxy_admin and
// proxy_admin_viewer (roles.hpp).
//
// Departures from LiteLLM: /customer/update applies "blocked": false (LiteLLM drops it);
// /customer/unblock sets blocked = false in the store, at once on every instance (LiteLLM only
// edits an in-memory list of its enterprise hook) and answers {"unblocked_users": [rows]};
// /customer/delete deletes nothing when an id is unknown (404; LiteLLM deletes the others, then
// answers 500); default_model is not checked against the configured models (the admin routes do
// not see the router).

#include "roles.hpp"
#include "switchyard/admin/hierarchy_request.hpp"
#include "switchyard/api/query.hpp"
#include "switchyard/keys/hierarchy.hpp"
#include "switchyard/keys/key_entry.hpp"
#include "user_customer_util.hpp"

namespace switchyard::admin {
namespace {

using nlohmann::json;
using pipeline::fail;
using namespace levels;

constexpr std::int64_t kListPage = 1000;  // store::ListQuery's largest page

api::Error unknownCustomer(const std::string& id, std::string_view param) {
  return {api::ErrorKind::kInvalidRequest,
          "End User Id=" + id + " does not exist in db",
          "",
          0,
          "customer_not_found",
          std::string(param)};
}

// A customer and the budget object it names (when it names one that exists).
struct Shown {
  store::CustomerRow row;
  std::optional<store::BudgetRow> budget;
};

api::Result<Shown> withBudget(store::Store& s, store::CustomerRow row) {
  Shown out{std::move(row), std::nullopt};
  if (!out.row.budget_id.empty()) {
    auto b = s.findBudget(out.row.budget_id);
    if (!b) return b.error();
    out.budget = std::move(*b);
  }
  return out;
}

// LiteLLM's shape, its spend the live figure when this instance has the customer cached.
json customerShown(const AdminContext& c, const Shown& s) {
  json out = customerJson(s.row, s.budget ? &*s.budget : nullptr);
  if (c.hierarchy) {
    if (auto live = c.hierarchy->customer(s.row.user_id); live && live->counters) {
      out["spend"] = live->counters->spend();
    }
  }
  return out;
}

// A budget_id given must name a budget object.
std::optional<api::Error> checkBudget(store::Store& s, const json& body,
                                      const store::CustomerRow& row) {
  if (!body.contains("budget_id") || row.budget_id.empty()) return std::nullopt;
  auto b = s.findBudget(row.budget_id);
  if (!b) return b.error();
  if (*b) return std::nullopt;
  return api::Error{api::ErrorKind::kInvalidRequest,
                    "Budget not found, passed budget_id=" + row.budget_id,
                    "",
                    0,
                    "budget_not_found",
                    "budget_id"};
}

void customersChanged(const AdminContext& c, const std::vector<Shown>& changed) {
  for (const Shown& s : changed) {
    if (c.hierarchy) c.hierarchy->putCustomer(s.row);
    tellLevel(c, store::Level::kCustomer, s.row.user_id);
  }
}

json shownList(const AdminContext& c, const std::vector<Shown>& rows) {
  json out = json::array();
  for (const Shown& s : rows) out.push_back(customerShown(c, s));
  return out;
}

// The common start of a change: proxy_admin, a database, a JSON body.
api::Result<json> changeBody(api::Exchange& ex, const AdminContext& c) {
  if (auto e = requireAdmin(ex, callerOf(ex, c.hierarchy))) {
    return api::Result<json>(boost::system::in_place_error, std::move(*e));
  }
  if (!c.store) return api::Result<json>(boost::system::in_place_error, noDatabase());
  return bodyOf(ex);
}

// /customer/block and /customer/unblock: `blocked` on every id; block creates unknown customers
// (LiteLLM's upsert), unblock skips them.
Reply setBlocked(api::Exchange& ex, const AdminContext& c, bool blocked) {
  auto body = changeBody(ex, c);
  if (!body) co_return fail(ex, body.error());
  auto ids = parseCustomerIds(*body);
  if (!ids) co_return fail(ex, ids.error());
  const store::UnixMs now = nowMs();
  std::vector<Shown> changed;
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    std::vector<store::AuditRow> trail;
    for (const std::string& id : *ids) {
      auto found = s.findCustomer(id);
      if (!found) return found.error();
      store::CustomerRow row;
      if (*found) {
        row = std::move(**found);
        row.blocked = blocked;
        row.updated_at = now;
        auto written = s.updateCustomer(row);
        if (!written) return written.error();
      } else if (blocked) {
        row.user_id = id;
        row.blocked = true;
        row.created_at = row.updated_at = now;
        if (auto r = s.insertCustomer(row); !r) return r.error();
      } else {
        continue;
      }
      trail.push_back(
          auditRow(ex, blocked ? "customer.block" : "customer.unblock", id, json::object()));
      auto shown = withBudget(s, std::move(row));
      if (!shown) return shown.error();
      changed.push_back(std::move(*shown));
    }
    writeAudit(s, std::move(trail));
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  customersChanged(c, changed);
  co_return ok({{blocked ? "blocked_users" : "unblocked_users", shownList(c, changed)}});
}

}  // namespace

Reply newCustomer(api::Exchange& ex, const AdminContext& c) {
  auto body = changeBody(ex, c);
  if (!body) co_return fail(ex, body.error());
  const store::UnixMs now = nowMs();
  store::CustomerRow row;
  if (auto r = applyCustomerFields(*body, BodyMode::kCreate, now, row); !r) {
    co_return fail(ex, r.error());
  }
  row.created_at = row.updated_at = now;
  Shown shown;
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    auto found = s.findCustomer(row.user_id);
    if (!found) return found.error();
    if (*found) {
      return api::Error{
          api::ErrorKind::kInvalidRequest,
          "Customer already exists, passed user_id=" + row.user_id + ". Please pass a new user_id.",
          "",
          0,
          "customer_exists",
          "user_id"};
    }
    if (auto e = checkBudget(s, *body, row)) return e;
    if (auto r = s.insertCustomer(row); !r) return r.error();
    writeAudit(s, {auditRow(ex, "customer.new", row.user_id, fieldsOf(*body))});
    auto with = withBudget(s, row);
    if (!with) return with.error();
    shown = std::move(*with);
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  customersChanged(c, {shown});
  co_return ok(customerShown(c, shown));
}

Reply customerInfo(api::Exchange& ex, const AdminContext& c) {
  if (auto e = requireReader(ex, callerOf(ex, c.hierarchy))) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  const std::string id = api::queryParam(ex.target, "end_user_id");
  if (id.empty()) {
    co_return fail(
        ex, {api::ErrorKind::kInvalidRequest, "end_user_id is required", "", 0, "", "end_user_id"});
  }
  Shown shown;
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    auto found = s.findCustomer(id);
    if (!found) return found.error();
    if (!*found) return unknownCustomer(id, "end_user_id");
    auto with = withBudget(s, std::move(**found));
    if (!with) return with.error();
    shown = std::move(*with);
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  co_return ok(customerShown(c, shown));
}

Reply updateCustomer(api::Exchange& ex, const AdminContext& c) {
  auto body = changeBody(ex, c);
  if (!body) co_return fail(ex, body.error());
  auto id = parseRequiredId(*body, "user_id");
  if (!id) co_return fail(ex, id.error());
  const store::UnixMs now = nowMs();
  Shown shown;
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    auto found = s.findCustomer(*id);
    if (!found) return found.error();
    if (!*found) return unknownCustomer(*id, "user_id");
    store::CustomerRow row = std::move(**found);
    if (auto r = applyCustomerFields(*body, BodyMode::kUpdate, now, row); !r) return r.error();
    if (auto e = checkBudget(s, *body, row)) return e;
    row.updated_at = now;
    auto written = s.updateCustomer(row);
    if (!written) return written.error();
    if (!*written) return unknownCustomer(*id, "user_id");
    writeAudit(s, {auditRow(ex, "customer.update", row.user_id, fieldsOf(*body))});
    auto with = withBudget(s, std::move(row));
    if (!with) return with.error();
    shown = std::move(*with);
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  customersChanged(c, {shown});
  co_return ok(customerShown(c, shown));
}

Reply deleteCustomers(api::Exchange& ex, const AdminContext& c) {
  auto body = changeBody(ex, c);
  if (!body) co_return fail(ex, body.error());
  auto ids = parseCustomerIds(*body);
  if (!ids) co_return fail(ex, ids.error());
  std::size_t deleted = 0;
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    std::vector<std::string> missing;
    for (const std::string& id : *ids) {
      auto found = s.findCustomer(id);
      if (!found) return found.error();
      if (!*found) missing.push_back(id);
    }
    if (!missing.empty()) {
      return api::Error{
          api::ErrorKind::kNotFound,
          "Customer not found, passed user_id=" + pythonList(missing) + ". Nothing was deleted.",
          "",
          0,
          "customer_not_found",
          "user_ids"};
    }
    auto gone = s.deleteCustomers(*ids);
    if (!gone) return gone.error();
    deleted = gone->count;
    std::vector<store::AuditRow> trail;
    for (const std::string& id : *ids) {
      trail.push_back(auditRow(ex, "customer.delete", id, json::object()));
    }
    writeAudit(s, std::move(trail));
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  for (const std::string& id : *ids) {
    if (c.hierarchy) c.hierarchy->eraseCustomer(id);
    tellLevel(c, store::Level::kCustomer, id);
  }
  co_return ok({{"deleted_customers", deleted},
                {"message", "Successfully deleted customers with ids: " + pythonList(*ids)}});
}

Reply listCustomers(api::Exchange& ex, const AdminContext& c) {
  if (auto e = requireReader(ex, callerOf(ex, c.hierarchy))) co_return fail(ex, std::move(*e));
  if (!c.store) co_return fail(ex, noDatabase());
  // LiteLLM's answer: every customer, a plain list.
  std::vector<Shown> rows;
  StoreJob job = [&](store::Store& s) -> std::optional<api::Error> {
    store::ListQuery q;
    q.sort_by = "user_id";
    q.descending = false;
    q.size = kListPage;
    for (q.page = 1;; ++q.page) {
      auto page = s.listCustomers(q);
      if (!page) return page.error();
      for (store::CustomerRow& r : page->rows) {
        auto with = withBudget(s, std::move(r));
        if (!with) return with.error();
        rows.push_back(std::move(*with));
      }
      if (page->rows.size() < static_cast<std::size_t>(q.size) ||
          static_cast<std::int64_t>(rows.size()) >= page->total) {
        break;
      }
    }
    return std::nullopt;
  };
  if (auto e = co_await onStore(c, std::move(job))) co_return fail(ex, std::move(*e));
  co_return ok(shownList(c, rows));
}

Reply blockCustomers(api::Exchange& ex, const AdminContext& c) { return setBlocked(ex, c, true); }

Reply unblockCustomers(api::Exchange& ex, const AdminContext& c) {
  return setBlocked(ex, c, false);
}

}  // namespace switchyard::admin
