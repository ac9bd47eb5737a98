// The PostgreSQL store (pg_store.hpp): the Store calls as SQL over the schema of pg_schema.cpp,
// with the SQLite store's semantics (sqlite_store.cpp). Only whitelisted names reach SQL text;
// every value is a parameter.
//
// Several instances share one database: key spend grows by `spend = spend + delta` (never a
// value read and written back), model_spend is read FOR UPDATE, a budget reset applies only when
// it moves the window forward (so the instances that each see a window end reset it once), and
// the rows of one batch are locked in token order (no deadlock between two instances' batches).

#include "pg_store.hpp"

#include <algorithm>
#include <deque>
#include <unordered_map>

#include "hierarchy_store.hpp"
#include "pg_schema.hpp"
#include "row_codec.hpp"

namespace switchyard::store {
namespace {

using api::Error;
using api::ErrorKind;
using pg::Params;
using pg::Rows;

api::Result<void> done(api::Result<Rows> r) {
  if (!r) return r.error();
  return {};
}

// Filters: " AND <clause>", the clause's "$" numbered as the parameter the value becomes.
constexpr std::string_view kOfKey = "s.key_ref = (SELECT id FROM spend_keys WHERE token = $)";
void andWhere(std::string& sql, const Params& p, std::string_view clause) {
  const std::size_t at = clause.find('$');
  sql += " AND ";
  sql += clause.substr(0, at + 1);
  sql += std::to_string(p.size());
  sql += clause.substr(at + 1);
}
void andText(std::string& sql, Params& p, std::string_view clause, const std::string& value) {
  p.text(value);
  andWhere(sql, p, clause);
}
void andInteger(std::string& sql, Params& p, std::string_view clause, std::int64_t value) {
  p.integer(value);
  andWhere(sql, p, clause);
}
// " AND column = $n" on a spend-log column with a partial index (rows with '' are not in it):
// a value that is not '' says so, for the planner to use the index.
void andColumn(std::string& sql, Params& p, std::string_view column, const std::string& value) {
  p.text(value);
  sql += " AND " + std::string(column) + " = $" + std::to_string(p.size());
  if (!value.empty()) sql += " AND " + std::string(column) + " <> ''";
}

// BEGIN ... COMMIT; rolled back when it ends uncommitted (if the link still stands).
class Transaction {
 public:
  explicit Transaction(pg::Conn& c) : c_(c) {}
  ~Transaction() {
    if (open_ && c_.connected() && c_.inTransaction()) (void)c_.script("ROLLBACK", "roll back");
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  api::Result<void> begin() {
    auto r = c_.script("BEGIN", "begin transaction");
    open_ = r.has_value();
    return r;
  }
  api::Result<void> commit() {
    auto r = c_.script("COMMIT", "commit transaction");
    if (r) open_ = false;
    return r;
  }

 private:
  pg::Conn& c_;
  bool open_ = false;
};

class PostgresStore final : public HierarchyStore {
 public:
  PostgresStore(std::string url, pg::ConnOptions options) : c_(std::move(url), options) {
    setEngine(pg::hierarchyEngine(c_));
  }

  api::Result<void> connect() { return c_.connect(); }

  api::Result<void> migrate() override { return pg::migrate(c_); }
  int schemaVersion() override {
    auto v = pg::schemaVersion(c_);
    return v ? *v : -1;
  }
  std::string_view engine() const noexcept override { return "postgresql"; }

  api::Result<void> forEachKey(const std::function<void(KeyRow&&)>& each) override {
    // In pages by token, so no statement holds a million rows at once.
    std::string after;
    for (;;) {
      Params p;
      p.text(after);
      p.integer(kKeyPage);
      auto rows = c_.exec(sql_.select_key + " WHERE token COLLATE \"C\" > $1 ORDER BY token COLLATE "
                                        "\"C\" LIMIT $2",
                          p, "scan keys");
      if (!rows) return rows.error();
      for (int i = 0; i < rows->size(); ++i) {
        auto row = pg::readKey(*rows, i);
        if (!row) return row.error();
        after = row->token;
        each(std::move(*row));
      }
      if (rows->size() < kKeyPage) return {};
    }
  }

  api::Result<std::optional<KeyRow>> findKey(std::string_view token) override {
    return findOne(sql_.find_key, token);
  }

  api::Result<std::optional<KeyRow>> findKeyByAlias(std::string_view alias) override {
    if (alias.empty()) return std::optional<KeyRow>();
    return findOne(sql_.find_key_by_alias, alias);
  }

  api::Result<std::optional<KeyRow>> findKeyByPreviousToken(std::string_view token) override {
    if (token.empty()) return std::optional<KeyRow>();
    return findOne(sql_.find_key_by_previous, token);
  }

  api::Result<void> insertKey(const KeyRow& row) override {
    Params p;
    std::deque<std::string> scratch;
    pg::bindKey(p, row, scratch);
    auto r = c_.exec(sql_.insert_key, p, "insert key");
    if (!r) return keyWriteError(r.error(), row);
    return {};
  }

  api::Result<bool> updateKey(const KeyRow& row) override { return replaceKey(row.token, row); }

  api::Result<bool> replaceKey(std::string_view old_token, const KeyRow& row) override {
    const bool moves = old_token != row.token;
    Transaction tx(c_);
    if (moves) {
      if (auto r = tx.begin(); !r) return r.error();
    }
    Params p;
    std::deque<std::string> scratch;
    pg::bindKey(p, row, scratch);
    p.text(old_token);
    auto r = c_.exec(sql_.update_key, p, "update key");
    if (!r) return keyWriteError(r.error(), row);
    const bool found = r->affected() > 0;
    if (!moves) return found;
    if (found && !old_token.empty()) {
      if (auto m = pg::moveResponses(c_, old_token, row.token); !m) return m.error();
    }
    if (auto c = tx.commit(); !c) return c.error();
    return found;
  }

  api::Result<std::size_t> deleteKeys(const std::vector<std::string>& tokens) override {
    Transaction tx(c_);
    if (auto r = tx.begin(); !r) return r.error();
    std::size_t deleted = 0;
    for (const std::string& token : tokens) {
      Params p;
      p.text(token);
      auto r = c_.exec("DELETE FROM keys WHERE token = $1", p, "delete key");
      if (!r) return r.error();
      deleted += static_cast<std::size_t>(r->affected());
      if (token.empty()) continue;  // never the master key's responses
      if (auto d = pg::deleteResponsesOf(c_, token); !d) return d.error();
    }
    if (auto r = tx.commit(); !r) return r.error();
    return deleted;
  }

  api::Result<KeyPage> listKeys(const KeyQuery& q) override;
  api::Result<std::int64_t> countKeys() override {
    auto r = c_.exec("SELECT COUNT(*) FROM keys", "count keys");
    if (!r) return r.error();
    return r->integer(0, 0);
  }
  api::Result<void> write(const WriteBatch& batch) override {
    if (batch.empty()) return {};
    auto r = writeBatch(batch);
    if (!r) key_refs_.clear();  // ids added by the rolled-back transaction are gone
    return r;
  }
  api::Result<std::vector<SpendRow>> spendLogs(const SpendQuery& q) override;
  api::Result<std::vector<SpendGroup>> spendReport(const SpendReportQuery& q) override;
  api::Result<std::vector<AuditRow>> auditLog(std::int64_t limit) override;

  api::Result<std::optional<StoredResponse>> findResponse(std::string_view id) override {
    return pg::findResponse(c_, id);
  }
  api::Result<std::optional<StoredResponse>> findResponseByItem(std::string_view item,
                                                                std::string_view owner) override {
    return pg::findResponseByItem(c_, item, owner);
  }
  api::Result<bool> deleteResponse(std::string_view id) override {
    return pg::deleteResponse(c_, id);
  }
  api::Result<std::size_t> purgeResponses(UnixMs created_before) override {
    return pg::purgeResponses(c_, created_before);
  }

 private:
  api::Result<std::optional<KeyRow>> findOne(const std::string& sql, std::string_view value) {
    Params p;
    p.text(value);
    auto r = c_.exec(sql, p, "find key");
    if (!r) return r.error();
    if (r->size() == 0) return std::optional<KeyRow>();
    auto row = pg::readKey(*r, 0);
    if (!row) return row.error();
    return std::optional<KeyRow>(std::move(*row));
  }

  // A unique violation names the column (key_alias or token); values stay out.
  static Error keyWriteError(Error e, const KeyRow& row) {
    if (e.code != "duplicate") return e;
    if (e.detail.find("key_alias") != std::string::npos) {
      e.message = "key_alias '" + row.key_alias + "' already exists";
      e.param = "key_alias";
    } else {
      e.message = "this key already exists";
      e.param = "key";
    }
    return e;
  }

  // model_spend of `token`, locked until the transaction ends; nullopt when the key is gone.
  api::Result<std::optional<ByModel<ModelSpend>>> modelSpendForUpdate(const std::string& token) {
    Params p;
    p.text(token);
    auto r = c_.exec("SELECT model_spend FROM keys WHERE token = $1 FOR UPDATE", p,
                     "read model_spend");
    if (!r) return r.error();
    if (r->size() == 0) return std::nullopt;
    auto spend = codec::decodeModelSpend(r->text(0, 0));
    return spend ? std::move(spend) : std::optional(ByModel<ModelSpend>());
  }

  api::Result<void> writeBatch(const WriteBatch& batch);
  api::Result<std::int64_t> keyRef(const std::string& token);
  api::Result<void> applyDelta(const SpendDelta& d);
  api::Result<void> applyReset(const BudgetReset& r);

  static constexpr int kKeyPage = 1000;
  static constexpr int kSpendRowsPerInsert = 32;
  static constexpr std::size_t kMaxKeyRefs = 100000;
  pg::Conn c_;
  const codec::RowStatements sql_ = codec::rowStatements('$', kSpendRowsPerInsert);
  std::unordered_map<std::string, std::int64_t> key_refs_;  // committed spend_keys ids
};

api::Result<std::int64_t> PostgresStore::keyRef(const std::string& token) {
  if (token.empty()) return 0;
  if (auto it = key_refs_.find(token); it != key_refs_.end()) return it->second;
  Params p;
  p.text(token);
  auto added = c_.exec("INSERT INTO spend_keys (token) VALUES ($1) ON CONFLICT (token) DO NOTHING",
                       p, "add spend key");
  if (!added) return added.error();
  auto r = c_.exec("SELECT id FROM spend_keys WHERE token = $1", p, "read spend key");
  if (!r) return r.error();
  if (r->size() == 0) {
    return Error{ErrorKind::kInternal, "Internal database error.", "postgresql: spend key missing"};
  }
  const std::int64_t id = r->integer(0, 0);
  if (key_refs_.size() >= kMaxKeyRefs) key_refs_.clear();
  key_refs_.emplace(token, id);
  return id;
}

api::Result<void> PostgresStore::applyDelta(const SpendDelta& d) {
  if (d.level != Level::kKey) return applyLevelDelta(d);
  Params p;
  p.text(d.id);
  p.real(d.spend);
  if (d.model.empty()) {
    return done(c_.exec("UPDATE keys SET spend = spend + $2 WHERE token = $1", p, "add key spend"));
  }
  auto spend = modelSpendForUpdate(d.id);
  if (!spend) return spend.error();
  if (!*spend) return {};  // the key was deleted
  (**spend)[d.model].spend += d.spend;
  const std::string encoded = codec::encodeModelSpend(**spend);
  p.text(encoded);
  return done(c_.exec("UPDATE keys SET spend = spend + $2, model_spend = $3 WHERE token = $1", p,
                      "add key spend"));
}

api::Result<void> PostgresStore::applyReset(const BudgetReset& r) {
  if (r.level != Level::kKey) return applyLevelReset(r);
  if (r.model.empty()) {
    Params p;
    p.text(r.id);
    p.integer(r.next_reset_at);
    return done(c_.exec(
        "UPDATE keys SET spend = 0, budget_reset_at = $2 WHERE token = $1 AND "
        "(budget_reset_at IS NULL OR budget_reset_at < $2)",
        p, "reset key budget"));
  }
  auto spend = modelSpendForUpdate(r.id);
  if (!spend) return spend.error();
  if (!*spend) return {};  // the key was deleted
  ModelSpend& m = (**spend)[r.model];
  if (m.reset_at && *m.reset_at >= r.next_reset_at) return {};  // another instance did it
  m = ModelSpend{.spend = 0, .reset_at = r.next_reset_at};
  const std::string encoded = codec::encodeModelSpend(**spend);
  Params p;
  p.text(r.id);
  p.text(encoded);
  return done(c_.exec("UPDATE keys SET model_spend = $2 WHERE token = $1", p, "reset model budget"));
}

api::Result<void> PostgresStore::writeBatch(const WriteBatch& batch) {
  Transaction tx(c_);
  if (auto r = tx.begin(); !r) return r;
  std::vector<std::int64_t> refs;
  refs.reserve(batch.rows.size());
  for (const SpendRow& row : batch.rows) {
    auto ref = keyRef(row.api_key);
    if (!ref) return ref.error();
    refs.push_back(*ref);
  }
  std::size_t at = 0;
  const std::size_t n = batch.rows.size();
  Params p;
  std::deque<std::string> scratch;
  for (; n - at >= kSpendRowsPerInsert; at += kSpendRowsPerInsert) {
    p.clear();
    for (int k = 0; k < kSpendRowsPerInsert; ++k) {
      pg::bindSpend(p, batch.rows[at + k], refs[at + k], scratch);
    }
    if (auto r = done(c_.exec(sql_.insert_spends, p, "insert spend rows")); !r) return r;
  }
  for (; at < n; ++at) {
    p.clear();
    pg::bindSpend(p, batch.rows[at], refs[at], scratch);
    if (auto r = done(c_.exec(sql_.insert_spend, p, "insert spend row")); !r) return r;
  }
  // Rows locked in token order: two instances' batches never wait on each other in a circle.
  std::vector<const SpendDelta*> deltas;
  for (const SpendDelta& d : batch.deltas) deltas.push_back(&d);
  std::sort(deltas.begin(), deltas.end(), [](const auto* a, const auto* b) {
    return std::tie(a->level, a->team_id, a->id, a->model) <
           std::tie(b->level, b->team_id, b->id, b->model);
  });
  for (const SpendDelta* d : deltas) {
    if (auto r = applyDelta(*d); !r) return r;
  }
  for (const BudgetReset& reset : batch.resets) {
    if (auto r = applyReset(reset); !r) return r;
  }
  for (const AuditRow& a : batch.audit) {
    Params ap;
    ap.integer(a.at);
    ap.text(a.actor);
    ap.text(a.action);
    ap.text(a.object_id);
    ap.text(a.detail);
    if (auto r = done(c_.exec("INSERT INTO audit_log (at, actor, action, object_id, detail) "
                              "VALUES ($1, $2, $3, $4, $5)",
                              ap, "insert audit row"));
        !r) {
      return r;
    }
  }
  if (auto r = pg::insertResponses(c_, batch.responses); !r) return r;
  return tx.commit();
}

api::Result<KeyPage> PostgresStore::listKeys(const KeyQuery& q) {
  std::string where = " WHERE 1 = 1";
  Params p;
  const std::pair<const std::optional<std::string>*, const char*> filters[] = {
      {&q.key_alias, " AND key_alias = $"},
      {&q.user_id, " AND user_id = $"},
      {&q.team_id, " AND team_id = $"}};
  for (const auto& [value, clause] : filters) {
    if (!value->has_value()) continue;
    p.text(value->value());
    where += clause + std::to_string(p.size());
  }
  std::string_view sort = "created_at";
  for (std::string_view allowed : {"updated_at", "spend", "key_alias", "expires"}) {
    if (q.sort_by == allowed) sort = allowed;
  }
  const char* dir = q.descending ? " DESC" : " ASC";
  // NULLs (no expiry) sort as SQLite sorts them: smallest.
  const char* nulls = q.descending ? " NULLS LAST" : " NULLS FIRST";
  const std::int64_t size = std::clamp<std::int64_t>(q.size, 1, 100);
  const std::int64_t page = std::clamp<std::int64_t>(q.page, 1, INT64_MAX / 100);

  KeyPage out;
  auto counted = c_.exec("SELECT COUNT(*) FROM keys" + where, p, "count keys");
  if (!counted) return counted.error();
  out.total = counted->integer(0, 0);
  const int n = p.size();
  std::string order = std::string(sort) + (sort == "key_alias" ? " COLLATE \"C\"" : "");
  std::string sql = sql_.select_key + where + " ORDER BY " + order + dir + nulls +
                    ", token COLLATE \"C\"" + dir + " LIMIT $" + std::to_string(n + 1) +
                    " OFFSET $" + std::to_string(n + 2);
  p.integer(size);
  p.integer((page - 1) * size);
  auto rows = c_.exec(sql, p, "list keys");
  if (!rows) return rows.error();
  for (int i = 0; i < rows->size(); ++i) {
    auto row = pg::readKey(*rows, i);
    if (!row) return row.error();
    out.rows.push_back(std::move(*row));
  }
  return out;
}

api::Result<std::vector<SpendRow>> PostgresStore::spendLogs(const SpendQuery& q) {
  std::string sql = "SELECT " + std::string(pg::kSpendSelect) + " FROM " +
                    std::string(pg::kSpendFrom) + " WHERE 1 = 1";
  Params p;
  if (q.api_key) andText(sql, p, kOfKey, *q.api_key);
  if (q.request_id) andText(sql, p, "s.request_id = $", *q.request_id);
  if (q.team_id) andColumn(sql, p, "s.team_id", *q.team_id);
  if (q.user) andColumn(sql, p, "s.\"user\"", *q.user);
  if (q.end_user) andColumn(sql, p, "s.end_user", *q.end_user);
  if (q.start) andInteger(sql, p, "s.start_time >= $", *q.start);
  if (q.end) andInteger(sql, p, "s.start_time < $", *q.end);
  p.integer(std::max<std::int64_t>(q.limit, 0));
  sql += " ORDER BY s.start_time DESC, s.id DESC LIMIT $" + std::to_string(p.size());
  auto rows = c_.exec(sql, p, "read spend logs");
  if (!rows) return rows.error();
  std::vector<SpendRow> out;
  out.reserve(static_cast<std::size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) {
    auto row = pg::readSpend(*rows, i);
    if (!row) return row.error();
    out.push_back(std::move(*row));
  }
  return out;
}

api::Result<std::vector<SpendGroup>> PostgresStore::spendReport(const SpendReportQuery& q) {
  if (q.group_by.empty()) {
    return Error{.kind = ErrorKind::kInvalidRequest, .message = "spend report: no group_by"};
  }
  bool by_key = false;
  std::vector<std::string> exprs;
  for (SpendGroupBy by : q.group_by) {
    switch (by) {
      case SpendGroupBy::kKey:
        exprs.emplace_back("COALESCE(t.token, '')");
        by_key = true;
        break;
      case SpendGroupBy::kModel:
        exprs.emplace_back("s.model");
        break;
      case SpendGroupBy::kTeam:
        exprs.emplace_back("s.team_id");
        break;
      case SpendGroupBy::kDay:
        exprs.emplace_back(
            "to_char(to_timestamp(s.start_time / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')");
        break;
      case SpendGroupBy::kCustomer:
        exprs.emplace_back("s.end_user");
        break;
      case SpendGroupBy::kUser:
        exprs.emplace_back("s.\"user\"");
        break;
    }
  }
  const std::size_t n_groups = exprs.size();
  std::string sql = "SELECT ";
  for (const std::string& e : exprs) sql += e + ", ";
  sql += (by_key ? "COALESCE(NULLIF(MAX(k.key_alias), ''), MAX(s.key_alias), ''), "
                   "COALESCE(MAX(k.key_name), ''), "
                 : "'', '', ");
  sql += "COALESCE(SUM(s.spend), 0), COUNT(*), COALESCE(SUM(s.prompt_tokens), 0), "
         "COALESCE(SUM(s.completion_tokens), 0), COALESCE(SUM(s.total_tokens), 0) "
         "FROM spend_logs s";
  if (by_key) sql += " LEFT JOIN spend_keys t ON t.id = s.key_ref LEFT JOIN keys k ON k.token = t.token";
  sql += " WHERE 1 = 1";
  Params p;
  if (q.start) andInteger(sql, p, "s.start_time >= $", *q.start);
  if (q.end) andInteger(sql, p, "s.start_time < $", *q.end);
  if (q.api_key) andText(sql, p, kOfKey, *q.api_key);
  if (q.user) andColumn(sql, p, "s.\"user\"", *q.user);
  if (q.team_id) andColumn(sql, p, "s.team_id", *q.team_id);
  if (q.end_user) andColumn(sql, p, "s.end_user", *q.end_user);
  sql += " GROUP BY ";
  for (std::size_t g = 1; g <= n_groups; ++g) sql += (g > 1 ? ", " : "") + std::to_string(g);
  // Ties in byte order, as SQLite orders them, whatever the database's collation.
  sql += " ORDER BY " + std::to_string(n_groups + 3) + " DESC";
  for (const std::string& e : exprs) sql += ", " + e + " COLLATE \"C\" ASC";
  if (q.limit < 0) {
    p.null();
  } else {
    p.integer(q.limit);
  }
  sql += " LIMIT $" + std::to_string(p.size());
  auto rows = c_.exec(sql, p, "spend report");
  if (!rows) return rows.error();
  std::vector<SpendGroup> out;
  const int c = static_cast<int>(n_groups);
  for (int i = 0; i < rows->size(); ++i) {
    SpendGroup g;
    g.groups.reserve(n_groups);
    for (int col = 0; col < c; ++col) g.groups.push_back(rows->text(i, col));
    g.key_alias = rows->text(i, c);
    g.key_name = rows->text(i, c + 1);
    g.spend = rows->real(i, c + 2);
    g.requests = static_cast<std::uint64_t>(rows->integer(i, c + 3));
    g.prompt_tokens = static_cast<std::uint64_t>(rows->integer(i, c + 4));
    g.completion_tokens = static_cast<std::uint64_t>(rows->integer(i, c + 5));
    g.total_tokens = static_cast<std::uint64_t>(rows->integer(i, c + 6));
    out.push_back(std::move(g));
  }
  return out;
}

api::Result<std::vector<AuditRow>> PostgresStore::auditLog(std::int64_t limit) {
  Params p;
  p.integer(std::max<std::int64_t>(limit, 0));
  auto rows = c_.exec(
      "SELECT at, actor, action, object_id, detail FROM audit_log ORDER BY at DESC, id DESC "
      "LIMIT $1",
      p, "read audit log");
  if (!rows) return rows.error();
  std::vector<AuditRow> out;
  for (int i = 0; i < rows->size(); ++i) {
    out.push_back(AuditRow{.at = rows->integer(i, 0),
                           .actor = rows->text(i, 1),
                           .action = rows->text(i, 2),
                           .object_id = rows->text(i, 3),
                           .detail = rows->text(i, 4)});
  }
  return out;
}

}  // namespace

api::Result<std::unique_ptr<Store>> openPostgresStore(const std::string& url,
                                                      const pg::ConnOptions& options) {
  auto store = std::make_unique<PostgresStore>(url, options);
  if (auto r = store->connect(); !r) return r.error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace switchyard::store
