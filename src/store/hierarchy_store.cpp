// The hierarchy calls of both SQL stores (hierarchy_store.hpp).

#include "hierarchy_store.hpp"

#include <chrono>
#include <unordered_map>
#include <utility>

#include "row_codec.hpp"

namespace switchyard::store {

using rows::Columns;
using rows::Table;
using rows::Values;

namespace {

constexpr std::int64_t kPage = 1000;  // rows per statement of a forEach scan

UnixMs nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

template <class Row>
using ReadRow = api::Result<Row> (*)(const Columns&, std::string_view);

// Every row of `sql` read as Row.
template <class Row>
api::Result<std::vector<Row>> all(SqlEngine& e, std::string_view sql, const Values& params,
                                  ReadRow<Row> read, std::string_view what) {
  std::vector<Row> out;
  auto r = e.query(sql, params, what, [&](const Columns& c) -> api::Result<void> {
    auto row = read(c, e.dialect().engine);
    if (!row) return row.error();
    out.push_back(std::move(*row));
    return {};
  });
  if (!r) return r.error();
  return out;
}

template <class Row>
api::Result<std::optional<Row>> first(api::Result<std::vector<Row>> found) {
  if (!found) return found.error();
  if (found->empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(found->front()));
}

api::Result<std::int64_t> count(SqlEngine& e, std::string_view sql, const Values& params,
                                std::string_view what) {
  std::int64_t n = 0;
  auto r = e.query(sql, params, what, [&](const Columns& c) -> api::Result<void> {
    n = c.integer(0);
    return {};
  });
  if (!r) return r.error();
  return n;
}

// Every row of a table in key order, kPage rows per statement; `fill` completes a page (the
// memberships) before `each` sees its rows, `key` gives the parameters that follow a row.
template <class Row, class Key, class Fill>
api::Result<void> scan(SqlEngine& e, const rows::TableSql& s, ReadRow<Row> read,
                       std::string_view what, Key key, Fill fill,
                       const std::function<void(Row&&)>& each) {
  Values after;
  for (bool first_page = true;; first_page = false) {
    Values p = after;
    p.emplace_back(kPage);
    auto page = all<Row>(e, first_page ? s.page_first : s.page_after, p, read, what);
    if (!page) return page.error();
    if (auto f = fill(*page); !f) return f;
    if (!page->empty()) after = key(page->back());
    for (Row& r : *page) each(std::move(r));
    if (static_cast<std::int64_t>(page->size()) < kPage) return {};
  }
}
template <class Row>
api::Result<void> noFill(std::vector<Row>&) {
  return {};
}

// A page of ListQuery's matches, and how many there are.
template <class Row>
api::Result<Page<Row>> listPage(SqlEngine& e, Table t, const ListQuery& q, ReadRow<Row> read,
                                std::string_view what) {
  rows::ListSql ls = rows::listSql(t, q, e.dialect());
  Page<Row> out;
  auto total = count(e, ls.count, ls.values, what);
  if (!total) return total.error();
  out.total = *total;
  ls.values.emplace_back(ls.limit);
  ls.values.emplace_back(ls.offset);
  auto found = all<Row>(e, ls.select, ls.values, read, what);
  if (!found) return found.error();
  out.rows = std::move(*found);
  return out;
}

// An insert's unique violation names the id (not a secret: an id the caller chose or was given).
api::Error duplicate(api::Error e, std::string_view param, const std::string& id) {
  if (e.code != "duplicate") return e;
  e.kind = api::ErrorKind::kInvalidRequest;
  e.message = std::string(param) + " '" + id + "' already exists";
  e.param = std::string(param);
  return e;
}

api::Result<void> ran(api::Result<std::int64_t> r) {
  if (!r) return r.error();
  return {};
}

// A transaction of the engine, rolled back unless committed.
class Tx {
 public:
  explicit Tx(SqlEngine& e) : e_(e) {}
  ~Tx() {
    if (open_) e_.rollback();
  }
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;
  api::Result<void> begin() {
    auto r = e_.begin();
    open_ = r.has_value();
    return r;
  }
  api::Result<void> commit() {
    auto r = e_.commit();
    if (r) open_ = false;
    return r;
  }

 private:
  SqlEngine& e_;
  bool open_ = false;
};

std::string_view trimmed(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

// Every statement, built once for the engine's dialect.
struct HierarchyStore::Sql {
  explicit Sql(const rows::Dialect& d) {
    for (Table t :
         {Table::kBudgets, Table::kTeams, Table::kMembers, Table::kUsers, Table::kCustomers}) {
      tables[static_cast<std::size_t>(t)] = rows::tableSql(t, d);
    }
    const std::string& select_member = tables[static_cast<std::size_t>(Table::kMembers)].select;
    members_of_teams = select_member + " WHERE team_id IN (" + rows::jsonList(1, d) + ")" +
                       d.sql(" ORDER BY team_id@C, user_id@C");
    teams_of_users = d.sql("SELECT user_id, team_id FROM team_members WHERE user_id IN (") +
                     rows::jsonList(1, d) + d.sql(") ORDER BY user_id@C, team_id@C");
    users_by_email = tables[static_cast<std::size_t>(Table::kUsers)].select +
                     d.sql(" WHERE lower(trim(user_email)) = lower(trim(?1)) ORDER BY user_id@C");
    keys_of_team = d.sql("DELETE FROM keys WHERE team_id = ?1 RETURNING token");
    keys_of_user = d.sql("DELETE FROM keys WHERE user_id = ?1 RETURNING token");
    members_of_team = d.sql("DELETE FROM team_members WHERE team_id = ?1");
    members_of_user = d.sql("DELETE FROM team_members WHERE user_id = ?1");
    for (const char* t : {"teams", "users", "customers", "team_members"}) {
      clear_budget.push_back(d.sql(std::string("UPDATE ") + t +
                                   " SET budget_id = '' WHERE budget_id = ?1 AND budget_id <> ''"));
    }
    add_customer = d.sql(
        "INSERT INTO customers (user_id, created_at, updated_at) VALUES (?1, ?2, ?2) "
        "ON CONFLICT (user_id) DO NOTHING");
  }

  rows::TableSql tables[5];
  std::string members_of_teams, teams_of_users, users_by_email;
  std::string keys_of_team, keys_of_user, members_of_team, members_of_user, add_customer;
  std::vector<std::string> clear_budget;
};

// The row a delta or reset names: its table and key values.
struct HierarchyStore::Target {
  Table table;
  Values key;
};

HierarchyStore::HierarchyStore() = default;
HierarchyStore::~HierarchyStore() = default;

void HierarchyStore::setEngine(std::unique_ptr<SqlEngine> engine) {
  engine_ = std::move(engine);
  sql_ = std::make_unique<const Sql>(engine_->dialect());
}

const rows::TableSql& HierarchyStore::table(Table t) const {
  return sql_->tables[static_cast<std::size_t>(t)];
}

api::Result<void> HierarchyStore::withMembers(std::vector<TeamRow>& teams) {
  if (teams.empty()) return {};
  std::vector<std::string> ids;
  std::unordered_map<std::string_view, TeamRow*> by_id;
  for (TeamRow& t : teams) {
    ids.push_back(t.team_id);
    by_id.emplace(t.team_id, &t);
  }
  auto members = all<TeamMember>(*engine_, sql_->members_of_teams, {codec::encodeList(ids)},
                                 rows::readMember, "read team members");
  if (!members) return members.error();
  for (TeamMember& m : *members) {
    if (auto it = by_id.find(m.team_id); it != by_id.end()) {
      it->second->members.push_back(std::move(m));
    }
  }
  return {};
}

api::Result<void> HierarchyStore::withTeams(std::vector<UserRow>& users) {
  if (users.empty()) return {};
  std::vector<std::string> ids;
  std::unordered_map<std::string_view, UserRow*> by_id;
  for (UserRow& u : users) {
    ids.push_back(u.user_id);
    by_id.emplace(u.user_id, &u);
  }
  return engine_->query(sql_->teams_of_users, {codec::encodeList(ids)}, "read user teams",
                        [&](const Columns& c) -> api::Result<void> {
                          if (auto it = by_id.find(c.text(0)); it != by_id.end()) {
                            it->second->teams.push_back(c.text(1));
                          }
                          return {};
                        });
}

// ---- teams ----

api::Result<void> HierarchyStore::forEachTeam(const std::function<void(TeamRow&&)>& each) {
  return scan<TeamRow>(
      *engine_, table(Table::kTeams), rows::readTeam, "scan teams",
      [](const TeamRow& t) { return Values{t.team_id}; },
      [this](std::vector<TeamRow>& page) { return withMembers(page); }, each);
}

api::Result<std::optional<TeamRow>> HierarchyStore::findTeam(std::string_view team_id) {
  auto found = all<TeamRow>(*engine_, table(Table::kTeams).find, {std::string(team_id)},
                            rows::readTeam, "find team");
  if (!found) return found.error();
  if (auto m = withMembers(*found); !m) return m.error();
  return first(std::move(found));
}

api::Result<void> HierarchyStore::insertTeam(const TeamRow& row) {
  Values v = rows::teamValues(row);
  rows::addSpendState(v, row.spend);
  auto r = engine_->run(table(Table::kTeams).insert, v, "insert team");
  if (!r) return duplicate(r.error(), "team_id", row.team_id);
  return {};
}

api::Result<bool> HierarchyStore::updateTeam(const TeamRow& row) {
  auto r = engine_->run(table(Table::kTeams).update,
                        rows::updateValues(rows::teamValues(row), row.spend), "update team");
  if (!r) return r.error();
  return *r > 0;
}

api::Result<void> HierarchyStore::deleteKeysOf(const std::string& sql, const std::string& id,
                                               std::vector<std::string>& tokens) {
  if (id.empty()) return {};  // '' names the keys of no team / no user: never theirs
  std::vector<std::string> deleted;
  auto r = engine_->query(sql, {id}, "delete keys", [&](const Columns& c) -> api::Result<void> {
    deleted.push_back(c.text(0));
    return {};
  });
  if (!r) return r;
  for (std::string& token : deleted) {
    if (!token.empty()) {  // never the master key's responses
      if (auto d = engine_->deleteResponsesOf(token); !d) return d;
    }
    tokens.push_back(std::move(token));
  }
  return {};
}

api::Result<Deleted> HierarchyStore::deleteTeams(const std::vector<std::string>& team_ids) {
  Tx tx(*engine_);
  if (auto r = tx.begin(); !r) return r.error();
  Deleted out;
  for (const std::string& id : team_ids) {
    if (auto r = deleteKeysOf(sql_->keys_of_team, id, out.key_tokens); !r) return r.error();
    if (auto r = engine_->run(sql_->members_of_team, {id}, "delete team members"); !r) {
      return r.error();
    }
    auto r = engine_->run(table(Table::kTeams).remove, {id}, "delete team");
    if (!r) return r.error();
    out.count += static_cast<std::size_t>(*r);
  }
  if (auto r = tx.commit(); !r) return r.error();
  return out;
}

api::Result<Page<TeamRow>> HierarchyStore::listTeams(const ListQuery& q) {
  auto page = listPage<TeamRow>(*engine_, Table::kTeams, q, rows::readTeam, "list teams");
  if (!page) return page;
  if (auto m = withMembers(page->rows); !m) return m.error();
  return page;
}

api::Result<void> HierarchyStore::putMember(const TeamMember& member) {
  Values v = rows::memberValues(member);
  rows::addSpendState(v, member.spend);
  return ran(engine_->run(table(Table::kMembers).update, v, "put team member"));
}

api::Result<bool> HierarchyStore::deleteMember(std::string_view team_id, std::string_view user_id) {
  auto r = engine_->run(table(Table::kMembers).remove, {std::string(team_id), std::string(user_id)},
                        "delete team member");
  if (!r) return r.error();
  return *r > 0;
}

api::Result<void> HierarchyStore::forEachMember(const std::function<void(TeamMember&&)>& each) {
  return scan<TeamMember>(
      *engine_, table(Table::kMembers), rows::readMember, "scan team members",
      [](const TeamMember& m) {
        return Values{m.team_id, m.user_id};
      },
      noFill<TeamMember>, each);
}

// ---- users ----

api::Result<void> HierarchyStore::forEachUser(const std::function<void(UserRow&&)>& each) {
  return scan<UserRow>(
      *engine_, table(Table::kUsers), rows::readUser, "scan users",
      [](const UserRow& u) { return Values{u.user_id}; },
      [this](std::vector<UserRow>& page) { return withTeams(page); }, each);
}

api::Result<std::optional<UserRow>> HierarchyStore::findUser(std::string_view user_id) {
  auto found = all<UserRow>(*engine_, table(Table::kUsers).find, {std::string(user_id)},
                            rows::readUser, "find user");
  if (!found) return found.error();
  if (auto t = withTeams(*found); !t) return t.error();
  return first(std::move(found));
}

api::Result<std::vector<UserRow>> HierarchyStore::findUsersByEmail(std::string_view email) {
  const std::string_view wanted = trimmed(email);
  if (wanted.empty()) return std::vector<UserRow>();
  auto found = all<UserRow>(*engine_, sql_->users_by_email, {std::string(wanted)}, rows::readUser,
                            "find users by email");
  if (!found) return found.error();
  if (auto t = withTeams(*found); !t) return t.error();
  return found;
}

api::Result<void> HierarchyStore::insertUser(const UserRow& row) {
  Values v = rows::userValues(row);
  rows::addSpendState(v, row.spend);
  auto r = engine_->run(table(Table::kUsers).insert, v, "insert user");
  if (!r) return duplicate(r.error(), "user_id", row.user_id);
  return {};
}

api::Result<bool> HierarchyStore::updateUser(const UserRow& row) {
  auto r = engine_->run(table(Table::kUsers).update,
                        rows::updateValues(rows::userValues(row), row.spend), "update user");
  if (!r) return r.error();
  return *r > 0;
}

api::Result<Deleted> HierarchyStore::deleteUsers(const std::vector<std::string>& user_ids) {
  Tx tx(*engine_);
  if (auto r = tx.begin(); !r) return r.error();
  Deleted out;
  for (const std::string& id : user_ids) {
    if (auto r = deleteKeysOf(sql_->keys_of_user, id, out.key_tokens); !r) return r.error();
    if (auto r = engine_->run(sql_->members_of_user, {id}, "delete user memberships"); !r) {
      return r.error();
    }
    auto r = engine_->run(table(Table::kUsers).remove, {id}, "delete user");
    if (!r) return r.error();
    out.count += static_cast<std::size_t>(*r);
  }
  if (auto r = tx.commit(); !r) return r.error();
  return out;
}

api::Result<Page<UserRow>> HierarchyStore::listUsers(const ListQuery& q) {
  auto page = listPage<UserRow>(*engine_, Table::kUsers, q, rows::readUser, "list users");
  if (!page) return page;
  if (auto t = withTeams(page->rows); !t) return t.error();
  return page;
}

// ---- customers ----

api::Result<std::optional<CustomerRow>> HierarchyStore::findCustomer(std::string_view user_id) {
  return first(all<CustomerRow>(*engine_, table(Table::kCustomers).find, {std::string(user_id)},
                                rows::readCustomer, "find customer"));
}

api::Result<void> HierarchyStore::insertCustomer(const CustomerRow& row) {
  Values v = rows::customerValues(row);
  rows::addSpendState(v, row.spend);
  auto r = engine_->run(table(Table::kCustomers).insert, v, "insert customer");
  if (!r) return duplicate(r.error(), "user_id", row.user_id);
  return {};
}

api::Result<bool> HierarchyStore::updateCustomer(const CustomerRow& row) {
  auto r =
      engine_->run(table(Table::kCustomers).update,
                   rows::updateValues(rows::customerValues(row), row.spend), "update customer");
  if (!r) return r.error();
  return *r > 0;
}

api::Result<Deleted> HierarchyStore::deleteCustomers(const std::vector<std::string>& user_ids) {
  Tx tx(*engine_);
  if (auto r = tx.begin(); !r) return r.error();
  Deleted out;
  for (const std::string& id : user_ids) {
    auto r = engine_->run(table(Table::kCustomers).remove, {id}, "delete customer");
    if (!r) return r.error();
    out.count += static_cast<std::size_t>(*r);
  }
  if (auto r = tx.commit(); !r) return r.error();
  return out;
}

api::Result<Page<CustomerRow>> HierarchyStore::listCustomers(const ListQuery& q) {
  return listPage<CustomerRow>(*engine_, Table::kCustomers, q, rows::readCustomer,
                               "list customers");
}

// ---- budgets ----

api::Result<void> HierarchyStore::forEachBudget(const std::function<void(BudgetRow&&)>& each) {
  return scan<BudgetRow>(
      *engine_, table(Table::kBudgets), rows::readBudget, "scan budgets",
      [](const BudgetRow& b) { return Values{b.budget_id}; }, noFill<BudgetRow>, each);
}

api::Result<std::optional<BudgetRow>> HierarchyStore::findBudget(std::string_view budget_id) {
  return first(all<BudgetRow>(*engine_, table(Table::kBudgets).find, {std::string(budget_id)},
                              rows::readBudget, "find budget"));
}

api::Result<void> HierarchyStore::insertBudget(const BudgetRow& row) {
  auto r = engine_->run(table(Table::kBudgets).insert, rows::budgetValues(row), "insert budget");
  if (!r) return duplicate(r.error(), "budget_id", row.budget_id);
  return {};
}

api::Result<bool> HierarchyStore::updateBudget(const BudgetRow& row) {
  auto r = engine_->run(table(Table::kBudgets).update, rows::budgetValues(row), "update budget");
  if (!r) return r.error();
  return *r > 0;
}

api::Result<bool> HierarchyStore::deleteBudget(std::string_view budget_id) {
  if (budget_id.empty()) return false;
  const Values id = {std::string(budget_id)};
  Tx tx(*engine_);
  if (auto r = tx.begin(); !r) return r.error();
  auto removed = engine_->run(table(Table::kBudgets).remove, id, "delete budget");
  if (!removed) return removed.error();
  for (const std::string& clear : sql_->clear_budget) {
    if (auto r = engine_->run(clear, id, "clear budget references"); !r) return r.error();
  }
  if (auto r = tx.commit(); !r) return r.error();
  return *removed > 0;
}

api::Result<Page<BudgetRow>> HierarchyStore::listBudgets(const ListQuery& q) {
  return listPage<BudgetRow>(*engine_, Table::kBudgets, q, rows::readBudget, "list budgets");
}

// ---- spend deltas and budget resets ----

namespace {

std::optional<Table> tableOf(Level level) {
  switch (level) {
    case Level::kTeam:
      return Table::kTeams;
    case Level::kTeamMember:
      return Table::kMembers;
    case Level::kUser:
      return Table::kUsers;
    case Level::kCustomer:
      return Table::kCustomers;
    case Level::kKey:
      break;
  }
  return std::nullopt;
}

}  // namespace

// model_spend of the row, locked until the transaction ends (PostgreSQL); nullopt when the row
// does not exist. A column that does not decode starts again from {} (a background write must
// not fail forever on one bad row).
api::Result<std::optional<ByModel<ModelSpend>>> HierarchyStore::modelSpend(const Target& t) {
  std::optional<ByModel<ModelSpend>> out;
  auto r = engine_->query(table(t.table).read_model_spend, t.key, "read model_spend",
                          [&](const Columns& c) -> api::Result<void> {
                            auto spend = codec::decodeModelSpend(c.text(0));
                            out = spend ? std::move(*spend) : ByModel<ModelSpend>();
                            return {};
                          });
  if (!r) return r.error();
  return out;
}

api::Result<void> HierarchyStore::applyLevelDelta(const SpendDelta& d) {
  const std::optional<Table> t = tableOf(d.level);
  if (!t) return {};
  if (d.level == Level::kCustomer) {
    if (d.id.empty()) return {};  // no customer
    // LiteLLM counts every end user's spend, created or not: the first delta creates the row.
    if (auto r = engine_->run(sql_->add_customer, {d.id, nowMs()}, "add customer"); !r) {
      return r.error();
    }
  }
  Target target{*t, {d.id}};
  if (d.level == Level::kTeamMember) target.key = {d.team_id, d.id};
  const rows::TableSql& s = table(*t);
  Values v = target.key;
  v.emplace_back(d.spend);
  if (d.model.empty()) return ran(engine_->run(s.add_spend, v, "add spend"));
  auto spend = modelSpend(target);
  if (!spend) return spend.error();
  if (!*spend) return {};  // the row does not exist (or no longer)
  (**spend)[d.model].spend += d.spend;
  v.emplace_back(codec::encodeModelSpend(**spend));
  return ran(engine_->run(s.add_model_spend, v, "add spend"));
}

api::Result<void> HierarchyStore::applyLevelReset(const BudgetReset& r) {
  const std::optional<Table> t = tableOf(r.level);
  if (!t) return {};
  Target target{*t, {r.id}};
  if (r.level == Level::kTeamMember) target.key = {r.team_id, r.id};
  const rows::TableSql& s = table(*t);
  Values v = target.key;
  if (r.model.empty()) {
    v.emplace_back(r.next_reset_at);
    return ran(engine_->run(s.reset, v, "reset budget"));
  }
  auto spend = modelSpend(target);
  if (!spend) return spend.error();
  if (!*spend) return {};
  ModelSpend& m = (**spend)[r.model];
  if (m.reset_at && *m.reset_at >= r.next_reset_at) return {};  // another instance did it
  m = ModelSpend{.spend = 0, .reset_at = r.next_reset_at};
  v.emplace_back(codec::encodeModelSpend(**spend));
  return ran(engine_->run(s.set_model_spend, v, "reset model budget"));
}

}  // namespace switchyard::store
