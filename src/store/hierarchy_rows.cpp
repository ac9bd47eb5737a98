// The hierarchy's tables as both engines keep them (hierarchy_rows.hpp).

#include "hierarchy_rows.hpp"

#include <algorithm>
#include <climits>
#include <utility>

#include "row_codec.hpp"

namespace switchyard::store::rows {
namespace {

// The columns of each table in bind and read order, without the spend state.
#define SY_LIMIT_COLUMNS                                                                    \
  "max_budget, soft_budget, budget_duration, rpm_limit, tpm_limit, max_parallel_requests, " \
  "model_max_budget, model_rpm_limit, model_tpm_limit"
constexpr std::string_view kSpendStateColumns = "spend, budget_reset_at, model_spend";

struct TableDef {
  std::string_view name;
  std::string_view columns;  // the key first
  int keys;                  // key columns
  bool spend_state;          // followed by kSpendStateColumns
};

constexpr TableDef kTables[] = {
    {"budgets",
     "budget_id, " SY_LIMIT_COLUMNS
     ", budget_reset_at, created_at, updated_at, created_by, updated_by",
     1, false},
    {"teams",
     "team_id, team_alias, models, " SY_LIMIT_COLUMNS
     ", budget_id, metadata, tags, blocked, model_aliases, team_member_budget, "
     "team_member_rpm_limit, team_member_tpm_limit, created_at, updated_at, created_by, "
     "updated_by",
     1, true},
    {"team_members", "team_id, user_id, user_email, role, max_budget_in_team, budget_id", 2, true},
    {"users",
     "user_id, user_alias, user_email, user_role, models, " SY_LIMIT_COLUMNS
     ", budget_id, metadata, created_at, updated_at, created_by, updated_by",
     1, true},
    {"customers",
     "user_id, alias, blocked, allowed_model_region, default_model, " SY_LIMIT_COLUMNS
     ", budget_id, created_at, updated_at",
     1, true},
};

const TableDef& def(Table t) { return kTables[static_cast<std::size_t>(t)]; }

std::vector<std::string> split(std::string_view columns) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < columns.size();) {
    const std::size_t comma = std::min(columns.find(", ", at), columns.size());
    out.emplace_back(columns.substr(at, comma - at));
    at = comma + 2;
  }
  return out;
}

Value opt(const std::optional<double>& v) { return v ? Value(*v) : Value(); }
Value opt(const std::optional<std::int64_t>& v) { return v ? Value(*v) : Value(); }
Value flag(bool v) { return Value(std::in_place_type<bool>, v); }

void addLimits(Values& v, const Limits& l) {
  v.push_back(opt(l.max_budget));
  v.push_back(opt(l.soft_budget));
  v.emplace_back(l.budget_duration);
  v.push_back(opt(l.rpm_limit));
  v.push_back(opt(l.tpm_limit));
  v.push_back(opt(l.max_parallel_requests));
  v.emplace_back(codec::encodeBudgets(l.model_max_budget));
  v.emplace_back(codec::encodeCounts(l.model_rpm_limit));
  v.emplace_back(codec::encodeCounts(l.model_tpm_limit));
}

// Reads the columns of a row in order; the first column that does not decode is the error.
class Reader {
 public:
  Reader(const Columns& c, std::string_view engine) : c_(c), engine_(engine) {}
  std::string text() { return c_.text(i_++); }
  std::int64_t integer() { return c_.integer(i_++); }
  double real() { return c_.real(i_++); }
  bool boolean() { return c_.boolean(i_++); }
  std::optional<std::int64_t> optInteger() { return c_.optInteger(i_++); }
  std::optional<double> optReal() { return c_.optReal(i_++); }
  template <class T>
  void json(std::optional<T> (*decode)(const std::string&), T& out, std::string_view column) {
    if (!codec::decodeInto(decode(text()), out) && !error_) {
      error_ = codec::corruptColumn(engine_, column);
    }
  }
  void limits(Limits& l) {
    l.max_budget = optReal();
    l.soft_budget = optReal();
    l.budget_duration = text();
    l.rpm_limit = optInteger();
    l.tpm_limit = optInteger();
    l.max_parallel_requests = optInteger();
    json(codec::decodeBudgets, l.model_max_budget, "model_max_budget");
    json(codec::decodeCounts, l.model_rpm_limit, "model_rpm_limit");
    json(codec::decodeCounts, l.model_tpm_limit, "model_tpm_limit");
  }
  void spendState(SpendState& s) {
    s.spend = real();
    s.budget_reset_at = optInteger();
    json(codec::decodeModelSpend, s.model_spend, "model_spend");
  }
  template <class Row>
  api::Result<Row> done(Row&& row) {
    if (error_) return *error_;
    return std::move(row);
  }

 private:
  const Columns& c_;
  std::string_view engine_;
  int i_ = 0;
  std::optional<api::Error> error_;
};

}  // namespace

std::string Dialect::sql(std::string_view text) const {
  std::string out;
  out.reserve(text.size() + 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '?') {
      out += mark;
    } else if (text[i] == '@' && i + 1 < text.size() && text[i + 1] == 'C') {
      if (postgres) out += " COLLATE \"C\"";
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

// ---- records <-> values ----

Values budgetValues(const BudgetRow& b) {
  Values v;
  v.emplace_back(b.budget_id);
  addLimits(v, b.limits);
  v.push_back(opt(b.budget_reset_at));
  v.emplace_back(b.created_at);
  v.emplace_back(b.updated_at);
  v.emplace_back(b.created_by);
  v.emplace_back(b.updated_by);
  return v;
}

Values teamValues(const TeamRow& t) {
  Values v;
  v.emplace_back(t.team_id);
  v.emplace_back(t.team_alias);
  v.emplace_back(codec::encodeList(t.models));
  addLimits(v, t.limits);
  v.emplace_back(t.budget_id);
  v.emplace_back(t.metadata);
  v.emplace_back(codec::encodeList(t.tags));
  v.push_back(flag(t.blocked));
  v.emplace_back(codec::encodeMap(t.model_aliases));
  v.push_back(opt(t.team_member_budget));
  v.push_back(opt(t.team_member_rpm_limit));
  v.push_back(opt(t.team_member_tpm_limit));
  v.emplace_back(t.created_at);
  v.emplace_back(t.updated_at);
  v.emplace_back(t.created_by);
  v.emplace_back(t.updated_by);
  return v;
}

Values memberValues(const TeamMember& m) {
  Values v;
  v.emplace_back(m.team_id);
  v.emplace_back(m.user_id);
  v.emplace_back(m.user_email);
  v.emplace_back(m.role);
  v.push_back(opt(m.max_budget_in_team));
  v.emplace_back(m.budget_id);
  return v;
}

Values userValues(const UserRow& u) {
  Values v;
  v.emplace_back(u.user_id);
  v.emplace_back(u.user_alias);
  v.emplace_back(u.user_email);
  v.emplace_back(u.user_role);
  v.emplace_back(codec::encodeList(u.models));
  addLimits(v, u.limits);
  v.emplace_back(u.budget_id);
  v.emplace_back(u.metadata);
  v.emplace_back(u.created_at);
  v.emplace_back(u.updated_at);
  v.emplace_back(u.created_by);
  v.emplace_back(u.updated_by);
  return v;
}

Values customerValues(const CustomerRow& c) {
  Values v;
  v.emplace_back(c.user_id);
  v.emplace_back(c.alias);
  v.push_back(flag(c.blocked));
  v.emplace_back(c.allowed_model_region);
  v.emplace_back(c.default_model);
  addLimits(v, c.limits);
  v.emplace_back(c.budget_id);
  v.emplace_back(c.created_at);
  v.emplace_back(c.updated_at);
  return v;
}

void addSpendState(Values& v, const SpendState& s) {
  v.emplace_back(s.spend);
  v.push_back(opt(s.budget_reset_at));
  v.emplace_back(codec::encodeModelSpend(s.model_spend));
}

Values updateValues(Values v, const SpendState& s) {
  v.push_back(opt(s.budget_reset_at));
  return v;
}

api::Result<BudgetRow> readBudget(const Columns& c, std::string_view engine) {
  Reader r(c, engine);
  BudgetRow b;
  b.budget_id = r.text();
  r.limits(b.limits);
  b.budget_reset_at = r.optInteger();
  b.created_at = r.integer();
  b.updated_at = r.integer();
  b.created_by = r.text();
  b.updated_by = r.text();
  return r.done(std::move(b));
}

api::Result<TeamRow> readTeam(const Columns& c, std::string_view engine) {
  Reader r(c, engine);
  TeamRow t;
  t.team_id = r.text();
  t.team_alias = r.text();
  r.json(codec::decodeList, t.models, "models");
  r.limits(t.limits);
  t.budget_id = r.text();
  t.metadata = r.text();
  r.json(codec::decodeList, t.tags, "tags");
  t.blocked = r.boolean();
  r.json(codec::decodeMap, t.model_aliases, "model_aliases");
  t.team_member_budget = r.optReal();
  t.team_member_rpm_limit = r.optInteger();
  t.team_member_tpm_limit = r.optInteger();
  t.created_at = r.integer();
  t.updated_at = r.integer();
  t.created_by = r.text();
  t.updated_by = r.text();
  r.spendState(t.spend);
  return r.done(std::move(t));
}

api::Result<TeamMember> readMember(const Columns& c, std::string_view engine) {
  Reader r(c, engine);
  TeamMember m;
  m.team_id = r.text();
  m.user_id = r.text();
  m.user_email = r.text();
  m.role = r.text();
  m.max_budget_in_team = r.optReal();
  m.budget_id = r.text();
  r.spendState(m.spend);
  return r.done(std::move(m));
}

api::Result<UserRow> readUser(const Columns& c, std::string_view engine) {
  Reader r(c, engine);
  UserRow u;
  u.user_id = r.text();
  u.user_alias = r.text();
  u.user_email = r.text();
  u.user_role = r.text();
  r.json(codec::decodeList, u.models, "models");
  r.limits(u.limits);
  u.budget_id = r.text();
  u.metadata = r.text();
  u.created_at = r.integer();
  u.updated_at = r.integer();
  u.created_by = r.text();
  u.updated_by = r.text();
  r.spendState(u.spend);
  return r.done(std::move(u));
}

api::Result<CustomerRow> readCustomer(const Columns& c, std::string_view engine) {
  Reader r(c, engine);
  CustomerRow u;
  u.user_id = r.text();
  u.alias = r.text();
  u.blocked = r.boolean();
  u.allowed_model_region = r.text();
  u.default_model = r.text();
  r.limits(u.limits);
  u.budget_id = r.text();
  u.created_at = r.integer();
  u.updated_at = r.integer();
  r.spendState(u.spend);
  return r.done(std::move(u));
}

// ---- statements ----

TableSql tableSql(Table t, const Dialect& d) {
  const TableDef& table = def(t);
  const std::string name(table.name);
  const std::vector<std::string> cols = split(table.columns);
  std::string all(table.columns);
  if (table.spend_state) all += ", " + std::string(kSpendStateColumns);
  const int n_all = static_cast<int>(split(all).size());
  const int k = table.keys;
  auto p = [](int i) { return "?" + std::to_string(i); };
  std::string key_is, key_order, values;
  for (int i = 0; i < k; ++i) {
    key_is += (i > 0 ? " AND " : "") + cols[i] + " = " + p(i + 1);
    key_order += (i > 0 ? ", " : "") + cols[i] + "@C";
  }
  for (int i = 1; i <= n_all; ++i) values += (i > 1 ? ", " : "") + p(i);

  TableSql out;
  const std::string select = "SELECT " + all + " FROM " + name;
  out.select = d.sql(select);
  out.find = d.sql(select + " WHERE " + key_is);
  const std::string insert = "INSERT INTO " + name + " (" + all + ") VALUES (" + values + ")";
  out.insert = d.sql(insert);
  if (k == 1) {
    std::string sets;
    for (std::size_t i = 1; i < cols.size(); ++i) {
      sets += (i > 1 ? ", " : "") + cols[i] + " = " + p(static_cast<int>(i) + 1);
    }
    if (table.spend_state) {
      // The window end is the live counters' to move, except when the update changes the
      // budget_duration: then the row's new window end (one more value, after the columns) is
      // written, so that every instance reads the same one. SET reads the old row on both engines.
      const auto dur = std::find(cols.begin(), cols.end(), "budget_duration") - cols.begin();
      sets += ", budget_reset_at = CASE WHEN budget_duration = " + p(static_cast<int>(dur) + 1) +
              " THEN budget_reset_at ELSE " + p(static_cast<int>(cols.size()) + 1) + " END";
    }
    out.update = d.sql("UPDATE " + name + " SET " + sets + " WHERE " + key_is);
  } else {
    std::string sets;
    for (std::size_t i = static_cast<std::size_t>(k); i < cols.size(); ++i) {
      sets += (i > static_cast<std::size_t>(k) ? ", " : "") + cols[i] + " = excluded." + cols[i];
    }
    out.update =
        d.sql(insert + " ON CONFLICT (" + cols[0] + ", " + cols[1] + ") DO UPDATE SET " + sets);
  }
  out.page_first = d.sql(select + " ORDER BY " + key_order + " LIMIT ?1");
  out.page_after = d.sql(
      select + " WHERE " +
      (k == 1 ? cols[0] + "@C > ?1"
              : "(" + cols[0] + "@C > ?1 OR (" + cols[0] + " = ?1 AND " + cols[1] + "@C > ?2))") +
      " ORDER BY " + key_order + " LIMIT " + p(k + 1));
  out.remove = d.sql("DELETE FROM " + name + " WHERE " + key_is);
  if (table.spend_state) {
    const std::string update = "UPDATE " + name + " SET ";
    const std::string where = " WHERE " + key_is;
    out.add_spend = d.sql(update + "spend = spend + " + p(k + 1) + where);
    out.add_model_spend =
        d.sql(update + "spend = spend + " + p(k + 1) + ", model_spend = " + p(k + 2) + where);
    out.read_model_spend =
        d.sql("SELECT model_spend FROM " + name + where) + (d.postgres ? " FOR UPDATE" : "");
    out.reset = d.sql(update + "spend = 0, budget_reset_at = " + p(k + 1) + where +
                      " AND (budget_reset_at IS NULL OR budget_reset_at < " + p(k + 1) + ")");
    out.set_model_spend = d.sql(update + "model_spend = " + p(k + 1) + where);
  }
  return out;
}

std::string jsonList(int n, const Dialect& d) {
  const std::string p = std::string(1, d.mark) + std::to_string(n);
  return d.postgres ? "SELECT jsonb_array_elements_text(" + p + "::text::jsonb)"
                    : "SELECT value FROM json_each(" + p + ")";
}

namespace {

struct SortColumn {
  std::string_view name;
  bool text;  // ordered by bytes (PostgreSQL: COLLATE "C")
};

}  // namespace

ListSql listSql(Table t, const ListQuery& q, const Dialect& d) {
  const TableDef& table = def(t);
  std::string all(table.columns);
  if (table.spend_state) all += ", " + std::string(kSpendStateColumns);
  const std::string id(split(table.columns)[0]);
  std::string_view contains;
  std::vector<SortColumn> sorts = {{"created_at", false}};
  std::string where = " WHERE 1 = 1";
  ListSql out;
  auto param = [&out](std::string value) {
    out.values.emplace_back(std::move(value));
    return "?" + std::to_string(out.values.size());
  };
  switch (t) {
    case Table::kTeams:
      contains = "team_alias";
      sorts.insert(sorts.end(), {{"team_id", true}, {"team_alias", true}, {"spend", false}});
      if (!q.user_id.empty()) {
        where += " AND team_id IN (SELECT team_id FROM team_members WHERE user_id = " +
                 param(q.user_id) + ")";
      }
      break;
    case Table::kUsers:
      contains = "user_id";
      sorts.insert(sorts.end(), {{"user_id", true},
                                 {"user_email", true},
                                 {"user_alias", true},
                                 {"user_role", true},
                                 {"spend", false}});
      if (!q.team_id.empty()) {
        where += " AND user_id IN (SELECT user_id FROM team_members WHERE team_id = " +
                 param(q.team_id) + ")";
      }
      if (!q.role.empty()) where += " AND user_role = " + param(q.role);
      if (!q.user_email.empty()) {
        const std::string value = param(q.user_email);
        where += d.postgres ? " AND strpos(lower(user_email), lower(" + value + ")) > 0"
                            : " AND instr(lower(user_email), lower(" + value + ")) > 0";
      }
      if (!q.ids.empty()) {
        param(codec::encodeList(q.ids));
        const std::string list = "?" + std::to_string(out.values.size());
        where += d.postgres ? " AND user_id IN (SELECT jsonb_array_elements_text(" + list +
                                  "::text::jsonb))"
                            : " AND user_id IN (SELECT value FROM json_each(" + list + "))";
      }
      break;
    case Table::kCustomers:
      contains = "user_id";
      sorts.insert(sorts.end(), {{"user_id", true}, {"alias", true}, {"spend", false}});
      break;
    case Table::kBudgets:
      contains = "budget_id";
      sorts.insert(sorts.end(), {{"budget_id", true}, {"updated_at", false}});
      break;
    case Table::kMembers:
      break;
  }
  if (!q.filter.empty() && !contains.empty()) {
    const std::string value = param(q.filter);
    where += d.postgres
                 ? " AND strpos(lower(" + std::string(contains) + "), lower(" + value + ")) > 0"
                 : " AND instr(lower(" + std::string(contains) + "), lower(" + value + ")) > 0";
  }
  SortColumn sort = sorts[0];
  for (const SortColumn& s : sorts) {
    if (q.sort_by == s.name) sort = s;
  }
  const char* dir = q.descending ? " DESC" : " ASC";
  const std::string from = " FROM " + std::string(table.name) + where;
  out.count = d.sql("SELECT COUNT(*)" + from);
  out.select = d.sql("SELECT " + all + from + " ORDER BY " + std::string(sort.name) +
                     (sort.text ? "@C" : "") + dir + ", " + id + "@C" + dir + " LIMIT ?" +
                     std::to_string(out.values.size() + 1) + " OFFSET ?" +
                     std::to_string(out.values.size() + 2));
  out.limit = std::clamp<std::int64_t>(q.size, 1, 1000);
  out.offset = (std::clamp<std::int64_t>(q.page, 1, INT64_MAX / 1000) - 1) * out.limit;
  return out;
}

}  // namespace switchyard::store::rows
