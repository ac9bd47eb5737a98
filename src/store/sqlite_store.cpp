// The SQLite store (sqlite_store.hpp): the Store calls as SQL over the schema of
// sqlite_schema.cpp, with cached prepared statements. Only whitelisted names reach SQL text;
// every value is bound.

#include "sqlite_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <unordered_map>
#include <vector>
#include <utility>

#include "hierarchy_store.hpp"
#include "pg_store.hpp"
#include "row_codec.hpp"
#include "sqlite_schema.hpp"

namespace switchyard::store {
namespace {

using api::Error;
using api::ErrorKind;
using sqlite::colInt;
using sqlite::colReal;
using sqlite::colText;
using sqlite::kKeyColumnCount;
using sqlite::kKeyColumns;
using sqlite::kSpendColumnCount;
using sqlite::kSpendColumns;
using sqlite::Stmt;
using sqlite::Transaction;

std::uint64_t u64(std::int64_t v) { return static_cast<std::uint64_t>(v); }

// " AND column = ?n" on a spend-log column with a partial index (rows with '' are not in it):
// a value that is not '' says so, for the planner to use the index.
std::string columnIs(std::string_view column, const std::string& value, int n) {
  std::string out = " AND " + std::string(column) + " = ?" + std::to_string(n);
  if (!value.empty()) out += " AND " + std::string(column) + " <> ''";
  return out;
}

class SqliteStore final : public HierarchyStore {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) { setEngine(sqlite::hierarchyEngine(db_, prepare_)); }
  ~SqliteStore() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  api::Result<void> migrate() override { return sqlite::migrate(db_); }
  int schemaVersion() override { return sqlite::schemaVersion(db_); }
  std::string_view engine() const noexcept override { return "sqlite"; }
  sqlite3* handle() const noexcept { return db_; }

  api::Result<void> forEachKey(const std::function<void(KeyRow&&)>& each) override {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql_.select_key.c_str(), -1, &raw, nullptr);
    Stmt s(raw, /*owned=*/true);
    if (rc != SQLITE_OK) return sqlite::sqliteError(db_, rc, "prepare key scan");
    while ((rc = s.step()) == SQLITE_ROW) {
      auto row = sqlite::readKey(s.get());
      if (!row) return row.error();
      each(std::move(*row));
    }
    if (rc != SQLITE_DONE) return sqlite::sqliteError(db_, rc, "scan keys");
    return {};
  }

  api::Result<std::optional<KeyRow>> findKey(std::string_view token) override {
    return findOne(sql_.find_key, token);
  }

  api::Result<std::optional<KeyRow>> findKeyByAlias(std::string_view alias) override {
    if (alias.empty()) return std::optional<KeyRow>();
    // The second term lets the planner use the partial unique index on key_alias.
    return findOne(sql_.find_key_by_alias, alias);
  }

  api::Result<std::optional<KeyRow>> findKeyByPreviousToken(std::string_view token) override {
    if (token.empty()) return std::optional<KeyRow>();
    return findOne(sql_.find_key_by_previous, token);
  }

  api::Result<void> insertKey(const KeyRow& row) override {
    auto s = prepare(sql_.insert_key);
    if (!s) return s.error();
    sqlite::bindKey(*s, row);
    if (int rc = s->step(); rc != SQLITE_DONE) return keyWriteError(rc, row, "insert key");
    return {};
  }

  api::Result<bool> updateKey(const KeyRow& row) override { return replaceKey(row.token, row); }

  api::Result<bool> replaceKey(std::string_view old_token, const KeyRow& row) override {
    // A new token (regenerate) also moves the key's responses: one transaction for both.
    const bool moves = old_token != row.token;
    Transaction tx(db_);
    if (moves) {
      if (auto r = tx.begin(); !r) return r.error();
    }
    bool found = false;
    {
      auto s = prepare(sql_.update_key);
      if (!s) return s.error();
      sqlite::bindKey(*s, row);
      s->text(kKeyColumnCount + 1, old_token);
      if (int rc = s->step(); rc != SQLITE_DONE) return keyWriteError(rc, row, "update key");
      found = sqlite3_changes(db_) > 0;
    }
    if (!moves) return found;
    if (found && !old_token.empty()) {
      auto moved = sqlite::moveResponses(db_, prepare_, old_token, row.token);
      if (!moved) return moved.error();
    }
    if (auto r = tx.commit(); !r) return r.error();
    return found;
  }

  api::Result<std::size_t> deleteKeys(const std::vector<std::string>& tokens) override {
    Transaction tx(db_);
    if (auto r = tx.begin(); !r) return r.error();
    std::size_t deleted = 0;
    for (const std::string& token : tokens) {
      auto s = prepare("DELETE FROM keys WHERE token = ?1");
      if (!s) return s.error();
      s->text(1, token);
      if (int rc = s->step(); rc != SQLITE_DONE) return sqlite::sqliteError(db_, rc, "delete key");
      deleted += static_cast<std::size_t>(sqlite3_changes(db_));
      if (token.empty()) continue;  // never the master key's responses
      if (auto r = sqlite::deleteResponsesOf(db_, prepare_, token); !r) return r.error();
    }
    if (auto r = tx.commit(); !r) return r.error();
    return deleted;
  }

  api::Result<KeyPage> listKeys(const KeyQuery& q) override;
  api::Result<std::int64_t> countKeys() override;
  api::Result<void> write(const WriteBatch& batch) override;
  api::Result<std::vector<SpendRow>> spendLogs(const SpendQuery& q) override;
  api::Result<std::vector<SpendGroup>> spendReport(const SpendReportQuery& q) override;
  api::Result<std::vector<AuditRow>> auditLog(std::int64_t limit) override;

  api::Result<std::optional<StoredResponse>> findResponse(std::string_view id) override {
    return sqlite::findResponse(db_, prepare_, id);
  }
  api::Result<std::optional<StoredResponse>> findResponseByItem(std::string_view item,
                                                                std::string_view owner) override {
    return sqlite::findResponseByItem(db_, prepare_, item, owner);
  }
  api::Result<bool> deleteResponse(std::string_view id) override {
    return sqlite::deleteResponse(db_, prepare_, id);
  }
  api::Result<std::size_t> purgeResponses(UnixMs created_before) override {
    return sqlite::purgeResponses(db_, prepare_, created_before);
  }

 private:
  // The cached statement for `sql`, prepared on first use.
  api::Result<Stmt> prepare(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* raw = nullptr;
      int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
      if (rc != SQLITE_OK) {
        sqlite3_finalize(raw);
        return sqlite::sqliteError(db_, rc, "prepare statement");
      }
      it = cache_.emplace(std::string(sql), raw).first;
    }
    return Stmt(it->second, /*owned=*/false);
  }

  api::Result<std::optional<KeyRow>> findOne(const std::string& sql, std::string_view value) {
    auto s = prepare(sql);
    if (!s) return s.error();
    s->text(1, value);
    int rc = s->step();
    if (rc == SQLITE_DONE) return std::optional<KeyRow>();
    if (rc != SQLITE_ROW) return sqlite::sqliteError(db_, rc, "find key");
    auto row = sqlite::readKey(s->get());
    if (!row) return row.error();
    return std::optional<KeyRow>(std::move(*row));
  }

  // A unique-constraint violation names the column (key_alias or token); values stay out.
  Error keyWriteError(int rc, const KeyRow& row, std::string_view what) {
    if (rc != SQLITE_CONSTRAINT_UNIQUE && rc != SQLITE_CONSTRAINT_PRIMARYKEY) {
      return sqlite::sqliteError(db_, rc, what);
    }
    std::string detail = "sqlite: " + std::string(what) + ": " + sqlite3_errmsg(db_);
    if (detail.find("key_alias") != std::string::npos) {
      return {.kind = ErrorKind::kInvalidRequest,
              .message = "key_alias '" + row.key_alias + "' already exists",
              .detail = std::move(detail),
              .code = "duplicate",
              .param = "key_alias"};
    }
    return {.kind = ErrorKind::kInvalidRequest,
            .message = "this key already exists",
            .detail = std::move(detail),
            .code = "duplicate",
            .param = "key"};
  }

  // model_spend of `token`, or nullopt when the key is gone. A column that does not decode
  // starts again from {} (a background write must not fail forever on one bad row).
  api::Result<std::optional<ByModel<ModelSpend>>> modelSpend(
      const std::string& token) {
    auto s = prepare("SELECT model_spend FROM keys WHERE token = ?1");
    if (!s) return s.error();
    s->text(1, token);
    int rc = s->step();
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) return sqlite::sqliteError(db_, rc, "read model_spend");
    auto spend = codec::decodeModelSpend(colText(s->get(), 0));
    return spend ? std::move(spend) : std::optional(ByModel<ModelSpend>());
  }

  // Steps a statement that returns no rows.
  api::Result<void> run(Stmt& s, std::string_view what) {
    if (int rc = s.step(); rc != SQLITE_DONE) return sqlite::sqliteError(db_, rc, what);
    return {};
  }

  api::Result<void> writeBatch(const WriteBatch& batch);
  api::Result<std::int64_t> keyRef(const std::string& token);
  api::Result<void> applyDelta(const SpendDelta& d);
  api::Result<void> applyReset(const BudgetReset& r);

  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
  const sqlite::Prepare prepare_ = [this](std::string_view sql) { return prepare(sql); };
  static constexpr int kSpendRowsPerInsert = 32;
  const codec::RowStatements sql_ = codec::rowStatements('?', kSpendRowsPerInsert);
  // spend_keys ids by key hash, of committed rows only (cleared when a transaction fails);
  // bounded: cleared when full.
  static constexpr std::size_t kMaxKeyRefs = 100000;
  std::unordered_map<std::string, std::int64_t> key_refs_;
  std::vector<std::int64_t> refs_;  // scratch: the key_ref of each row of a batch
};

// The spend_keys id of `token` (added on first use); 0 for no key.
api::Result<std::int64_t> SqliteStore::keyRef(const std::string& token) {
  if (token.empty()) return 0;
  if (auto it = key_refs_.find(token); it != key_refs_.end()) return it->second;
  {
    auto s = prepare("INSERT INTO spend_keys (token) VALUES (?1) ON CONFLICT (token) DO NOTHING");
    if (!s) return s.error();
    s->textRef(1, token);
    if (auto r = run(*s, "add spend key"); !r) return r.error();
  }
  auto s = prepare("SELECT id FROM spend_keys WHERE token = ?1");
  if (!s) return s.error();
  s->textRef(1, token);
  int rc = s->step();
  if (rc != SQLITE_ROW) return sqlite::sqliteError(db_, rc, "read spend key");
  std::int64_t id = colInt(s->get(), 0);
  if (key_refs_.size() >= kMaxKeyRefs) key_refs_.clear();
  key_refs_.emplace(token, id);
  return id;
}

api::Result<std::int64_t> SqliteStore::countKeys() {
  auto s = prepare("SELECT COUNT(*) FROM keys");
  if (!s) return s.error();
  int rc = s->step();
  if (rc != SQLITE_ROW) return sqlite::sqliteError(db_, rc, "count keys");
  return colInt(s->get(), 0);
}

api::Result<KeyPage> SqliteStore::listKeys(const KeyQuery& q) {
  // Only whitelisted column names reach the SQL text; values are bound.
  std::string where = " WHERE 1 = 1";
  std::vector<const std::string*> values;
  const std::pair<const std::optional<std::string>*, const char*> filters[] = {
      {&q.key_alias, " AND key_alias = ?"},
      {&q.user_id, " AND user_id = ?"},
      {&q.team_id, " AND team_id = ?"}};
  for (const auto& [value, clause] : filters) {
    if (!value->has_value()) continue;
    values.push_back(&value->value());
    where += clause + std::to_string(values.size());
  }
  if (q.key_alias && !q.key_alias->empty()) where += " AND key_alias <> ''";  // partial index
  std::string_view sort = "created_at";
  for (std::string_view allowed : {"updated_at", "spend", "key_alias", "expires"}) {
    if (q.sort_by == allowed) sort = allowed;
  }
  const char* dir = q.descending ? " DESC" : " ASC";
  const std::int64_t size = std::clamp<std::int64_t>(q.size, 1, 100);
  const std::int64_t page = std::clamp<std::int64_t>(q.page, 1, INT64_MAX / 100);
  const int n = static_cast<int>(values.size());

  KeyPage out;
  {
    auto s = prepare("SELECT COUNT(*) FROM keys" + where);
    if (!s) return s.error();
    for (int i = 0; i < n; ++i) s->text(i + 1, *values[i]);
    int rc = s->step();
    if (rc != SQLITE_ROW) return sqlite::sqliteError(db_, rc, "count keys");
    out.total = colInt(s->get(), 0);
  }
  std::string sql = sql_.select_key + where + " ORDER BY " + std::string(sort) + dir + ", token" + dir +
                    " LIMIT ?" + std::to_string(n + 1) + " OFFSET ?" + std::to_string(n + 2);
  auto s = prepare(sql);
  if (!s) return s.error();
  for (int i = 0; i < n; ++i) s->text(i + 1, *values[i]);
  s->integer(n + 1, size);
  s->integer(n + 2, (page - 1) * size);
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) {
    auto row = sqlite::readKey(s->get());
    if (!row) return row.error();
    out.rows.push_back(std::move(*row));
  }
  if (rc != SQLITE_DONE) return sqlite::sqliteError(db_, rc, "list keys");
  return out;
}

api::Result<void> SqliteStore::applyDelta(const SpendDelta& d) {
  if (d.level != Level::kKey) return applyLevelDelta(d);
  if (d.model.empty()) {
    auto s = prepare("UPDATE keys SET spend = spend + ?2 WHERE token = ?1");
    if (!s) return s.error();
    s->text(1, d.id);
    s->real(2, d.spend);
    return run(*s, "add key spend");
  }
  auto spend = modelSpend(d.id);
  if (!spend) return spend.error();
  if (!*spend) return {};  // the key was deleted
  (**spend)[d.model].spend += d.spend;
  auto s = prepare("UPDATE keys SET spend = spend + ?2, model_spend = ?3 WHERE token = ?1");
  if (!s) return s.error();
  s->text(1, d.id);
  s->real(2, d.spend);
  s->text(3, codec::encodeModelSpend(**spend));
  return run(*s, "add key spend");
}

api::Result<void> SqliteStore::applyReset(const BudgetReset& r) {
  if (r.level != Level::kKey) return applyLevelReset(r);
  if (r.model.empty()) {
    // Only a reset that moves the window forward applies (as in the PostgreSQL store).
    auto s = prepare(
        "UPDATE keys SET spend = 0, budget_reset_at = ?2 WHERE token = ?1 AND "
        "(budget_reset_at IS NULL OR budget_reset_at < ?2)");
    if (!s) return s.error();
    s->text(1, r.id);
    s->integer(2, r.next_reset_at);
    return run(*s, "reset key budget");
  }
  auto spend = modelSpend(r.id);
  if (!spend) return spend.error();
  if (!*spend) return {};  // the key was deleted
  ModelSpend& m = (**spend)[r.model];
  if (m.reset_at && *m.reset_at >= r.next_reset_at) return {};  // already reset for this window
  m = ModelSpend{.spend = 0, .reset_at = r.next_reset_at};
  auto s = prepare("UPDATE keys SET model_spend = ?2 WHERE token = ?1");
  if (!s) return s.error();
  s->text(1, r.id);
  s->text(2, codec::encodeModelSpend(**spend));
  return run(*s, "reset model budget");
}

api::Result<void> SqliteStore::write(const WriteBatch& batch) {
  if (batch.empty()) return {};
  auto r = writeBatch(batch);
  if (!r) key_refs_.clear();  // ids added by the rolled-back transaction are gone
  return r;
}

api::Result<void> SqliteStore::writeBatch(const WriteBatch& batch) {
  Transaction tx(db_);
  if (auto r = tx.begin(); !r) return r;
  refs_.clear();
  for (const SpendRow& row : batch.rows) {
    auto ref = keyRef(row.api_key);
    if (!ref) return ref.error();
    refs_.push_back(*ref);
  }
  // Spend rows kSpendRowsPerInsert to a statement (a fifth less CPU per row than one by one),
  // the rest one by one.
  std::size_t done = 0;
  const std::size_t n = batch.rows.size();
  if (n >= kSpendRowsPerInsert) {
    auto s = prepare(sql_.insert_spends);
    if (!s) return s.error();
    for (; n - done >= kSpendRowsPerInsert; done += kSpendRowsPerInsert) {
      for (int k = 0; k < kSpendRowsPerInsert; ++k) {
        sqlite::bindSpend(*s, batch.rows[done + k], refs_[done + k], k * kSpendColumnCount + 1);
      }
      if (auto r = run(*s, "insert spend rows"); !r) return r;
      s->rearm();
    }
  }
  if (done < n) {
    auto s = prepare(sql_.insert_spend);
    if (!s) return s.error();
    for (; done < n; ++done) {
      sqlite::bindSpend(*s, batch.rows[done], refs_[done]);
      if (auto r = run(*s, "insert spend row"); !r) return r;
      s->rearm();
    }
  }
  for (const SpendDelta& d : batch.deltas) {
    if (auto r = applyDelta(d); !r) return r;
  }
  for (const BudgetReset& reset : batch.resets) {
    if (auto r = applyReset(reset); !r) return r;
  }
  for (const AuditRow& a : batch.audit) {
    auto s = prepare(
        "INSERT INTO audit_log (at, actor, action, object_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!s) return s.error();
    s->integer(1, a.at);
    s->text(2, a.actor);
    s->text(3, a.action);
    s->text(4, a.object_id);
    s->text(5, a.detail);
    if (auto r = run(*s, "insert audit row"); !r) return r;
  }
  if (auto r = sqlite::insertResponses(db_, prepare_, batch.responses); !r) return r;
  return tx.commit();
}

api::Result<std::vector<SpendRow>> SqliteStore::spendLogs(const SpendQuery& q) {
  std::string sql = "SELECT " + std::string(sqlite::kSpendSelect) + " FROM " +
                    std::string(sqlite::kSpendFrom) + " WHERE 1 = 1";
  int n = 0;
  if (q.api_key) sql += " AND " + sqlite::keyRefIs(++n);
  if (q.request_id) sql += " AND s.request_id = ?" + std::to_string(++n);
  const std::pair<const std::optional<std::string>*, const char*> by[] = {
      {&q.team_id, "s.team_id"}, {&q.user, "s.\"user\""}, {&q.end_user, "s.end_user"}};
  for (const auto& [value, column] : by) {
    if (*value) sql += columnIs(column, **value, ++n);
  }
  if (q.start) sql += " AND s.start_time >= ?" + std::to_string(++n);
  if (q.end) sql += " AND s.start_time < ?" + std::to_string(++n);
  sql += " ORDER BY s.start_time DESC, s.id DESC LIMIT ?" + std::to_string(++n);
  auto s = prepare(sql);
  if (!s) return s.error();
  int i = 0;
  if (q.api_key) s->text(++i, *q.api_key);
  if (q.request_id) s->text(++i, *q.request_id);
  for (const auto& [value, column] : by) {
    if (*value) s->text(++i, **value);
  }
  if (q.start) s->integer(++i, *q.start);
  if (q.end) s->integer(++i, *q.end);
  s->integer(++i, std::max<std::int64_t>(q.limit, 0));
  std::vector<SpendRow> out;
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) {
    auto row = sqlite::readSpend(s->get());
    if (!row) return row.error();
    out.push_back(std::move(*row));
  }
  if (rc != SQLITE_DONE) return sqlite::sqliteError(db_, rc, "read spend logs");
  return out;
}

api::Result<std::vector<SpendGroup>> SqliteStore::spendReport(const SpendReportQuery& q) {
  if (q.group_by.empty()) {
    return Error{.kind = ErrorKind::kInvalidRequest, .message = "spend report: no group_by"};
  }
  bool by_key = false;
  std::string columns;
  for (SpendGroupBy by : q.group_by) {
    switch (by) {
      case SpendGroupBy::kKey:
        columns += "COALESCE(t.token, ''), ";
        by_key = true;
        break;
      case SpendGroupBy::kModel:
        columns += "s.model, ";
        break;
      case SpendGroupBy::kTeam:
        columns += "s.team_id, ";
        break;
      case SpendGroupBy::kDay:
        columns += "strftime('%Y-%m-%d', s.start_time / 1000, 'unixepoch'), ";
        break;
      case SpendGroupBy::kCustomer:
        columns += "s.end_user, ";
        break;
      case SpendGroupBy::kUser:
        columns += "s.\"user\", ";
        break;
    }
  }
  const std::size_t n_groups = q.group_by.size();
  std::string sql = "SELECT " + columns +
                    (by_key ? "COALESCE(NULLIF(MAX(k.key_alias), ''), MAX(s.key_alias), ''), "
                              "COALESCE(MAX(k.key_name), ''), "
                            : "'', '', ") +
                    "TOTAL(s.spend), COUNT(*), SUM(s.prompt_tokens), SUM(s.completion_tokens), "
                    "SUM(s.total_tokens) FROM spend_logs s" +
                    (by_key ? " LEFT JOIN spend_keys t ON t.id = s.key_ref LEFT JOIN keys k ON k.token = t.token"
                            : "") + " WHERE 1 = 1";
  int n = 0;
  if (q.start) sql += " AND s.start_time >= ?" + std::to_string(++n);
  if (q.end) sql += " AND s.start_time < ?" + std::to_string(++n);
  if (q.api_key) sql += " AND " + sqlite::keyRefIs(++n);
  if (q.user) sql += columnIs("s.\"user\"", *q.user, ++n);
  if (q.team_id) sql += columnIs("s.team_id", *q.team_id, ++n);
  if (q.end_user) sql += columnIs("s.end_user", *q.end_user, ++n);
  sql += " GROUP BY ";
  for (std::size_t g = 1; g <= n_groups; ++g) sql += (g > 1 ? ", " : "") + std::to_string(g);
  sql += " ORDER BY " + std::to_string(n_groups + 3) + " DESC";
  for (std::size_t g = 1; g <= n_groups; ++g) sql += ", " + std::to_string(g) + " ASC";
  sql += " LIMIT ?" + std::to_string(++n);
  auto s = prepare(sql);
  if (!s) return s.error();
  int i = 0;
  if (q.start) s->integer(++i, *q.start);
  if (q.end) s->integer(++i, *q.end);
  if (q.api_key) s->text(++i, *q.api_key);
  for (const std::optional<std::string>* value : {&q.user, &q.team_id, &q.end_user}) {
    if (*value) s->text(++i, **value);
  }
  s->integer(++i, q.limit < 0 ? -1 : q.limit);  // SQLite: a negative LIMIT has no upper bound
  std::vector<SpendGroup> out;
  int rc;
  const int c = static_cast<int>(n_groups);
  while ((rc = s->step()) == SQLITE_ROW) {
    sqlite3_stmt* st = s->get();
    SpendGroup g;
    g.groups.reserve(n_groups);
    for (int col = 0; col < c; ++col) g.groups.push_back(colText(st, col));
    g.key_alias = colText(st, c);
    g.key_name = colText(st, c + 1);
    g.spend = colReal(st, c + 2);
    g.requests = u64(colInt(st, c + 3));
    g.prompt_tokens = u64(colInt(st, c + 4));
    g.completion_tokens = u64(colInt(st, c + 5));
    g.total_tokens = u64(colInt(st, c + 6));
    out.push_back(std::move(g));
  }
  if (rc != SQLITE_DONE) return sqlite::sqliteError(db_, rc, "spend report");
  return out;
}

api::Result<std::vector<AuditRow>> SqliteStore::auditLog(std::int64_t limit) {
  auto s = prepare(
      "SELECT at, actor, action, object_id, detail FROM audit_log ORDER BY at DESC, id DESC "
      "LIMIT ?1");
  if (!s) return s.error();
  s->integer(1, std::max<std::int64_t>(limit, 0));
  std::vector<AuditRow> out;
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) {
    sqlite3_stmt* st = s->get();
    out.push_back(AuditRow{.at = colInt(st, 0),
                           .actor = colText(st, 1),
                           .action = colText(st, 2),
                           .object_id = colText(st, 3),
                           .detail = colText(st, 4)});
  }
  if (rc != SQLITE_DONE) return sqlite::sqliteError(db_, rc, "read audit log");
  return out;
}

}  // namespace

api::Result<std::unique_ptr<Store>> openSqliteStore(const std::string& path,
                                                    const SqliteOptions& options) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqlite::sqliteError(db, rc, "open " + path);
    sqlite3_close_v2(db);
    return e;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  // journal_mode answers a row ("wal"; "memory" for an in-memory database). cache_size: up to
  // 16 MiB of pages (default 2 MiB), so that the spend log's index pages stay in memory.
  for (const char* pragma : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL",
                             "PRAGMA foreign_keys = ON", "PRAGMA cache_size = -16384"}) {
    if (auto r = sqlite::exec(db, pragma, "open " + path); !r) {
      sqlite3_close_v2(db);
      return r.error();
    }
  }
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(db));
}

sqlite3* sqliteHandle(Store& store) noexcept {
  auto* sqlite_store = dynamic_cast<SqliteStore*>(&store);
  return sqlite_store != nullptr ? sqlite_store->handle() : nullptr;
}

api::Result<std::unique_ptr<Store>> openStore(const DatabaseUrl& url) {
  if (url.engine == "sqlite") return openSqliteStore(url.path);
  if (url.engine == "postgresql") return openPostgresStore(url.url);
  return Error{.kind = ErrorKind::kInvalidRequest,
               .message = "database_url: unsupported database engine",
               .param = "database_url"};
}

}  // namespace switchyard::store
