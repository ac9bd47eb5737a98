#pragma once
// The SQLite schema (private to the store): its tables, their versioned migrations, how the
// records of records.hpp map to their rows, and the few connection-level helpers the schema and
// the store share (statements, error mapping).
//
// Migrations are a list of SQL steps; step i (1-based) brings the schema to version i. Each step
// runs in its own BEGIN IMMEDIATE transaction together with its row in schema_migrations, and the
// version is read again inside that transaction, so two processes migrating one file at once
// apply each step once. A future schema change only appends a step.

#include <sqlite3.h>

#include <climits>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "switchyard/api/error.hpp"
#include "row_codec.hpp"
#include "switchyard/store/records.hpp"

namespace switchyard::store {
class SqlEngine;  // hierarchy_store.hpp
}  // namespace switchyard::store

namespace switchyard::store::sqlite {

// ---- migrations ----

struct Migration {
  int version;
  std::string_view sql;  // one or more statements
};

// Every step, in order (versions 1, 2, ...).
std::span<const Migration> migrations() noexcept;
// The version the newest step brings the schema to.
int latestVersion() noexcept;

// Applies the steps newer than the database's version.
api::Result<void> migrate(sqlite3* db);
// The database's version: 0 before the first migration, -1 when it cannot be read.
int schemaVersion(sqlite3* db);

// ---- connection helpers ----

// An api::Error for a failed SQLite call: busy/locked/unreachable -> kUnavailable, anything else
// -> kInternal. `what` says which operation failed (detail only; never key material).
api::Error sqliteError(sqlite3* db, int rc, std::string_view what);
// Runs statements that return no rows.
api::Result<void> exec(sqlite3* db, const char* sql, std::string_view what);

// A prepared statement in use: reset and unbound (cached) or finalized (owned) when it goes out
// of scope, so no read transaction stays open. A failed bind is reported by step().
class Stmt {
 public:
  Stmt(sqlite3_stmt* s, bool owned) : s_(s), owned_(owned) {}
  Stmt(Stmt&& o) noexcept : s_(std::exchange(o.s_, nullptr)), owned_(o.owned_), rc_(o.rc_) {}
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt() {
    if (s_ == nullptr) return;
    if (owned_) {
      sqlite3_finalize(s_);
    } else {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }

  void text(int i, std::string_view v) {
    if (v.size() > INT_MAX) return check(SQLITE_TOOBIG);
    check(sqlite3_bind_text(s_, i, v.data() != nullptr ? v.data() : "", static_cast<int>(v.size()),
                            SQLITE_TRANSIENT));
  }
  // Binds without a copy: `v` must stay unchanged until the statement is reset.
  void textRef(int i, std::string_view v) {
    if (v.size() > INT_MAX) return check(SQLITE_TOOBIG);
    check(sqlite3_bind_text(s_, i, v.data() != nullptr ? v.data() : "", static_cast<int>(v.size()),
                            SQLITE_STATIC));
  }
  void integer(int i, std::int64_t v) { check(sqlite3_bind_int64(s_, i, v)); }
  void real(int i, double v) { check(sqlite3_bind_double(s_, i, v)); }
  void null(int i) { check(sqlite3_bind_null(s_, i)); }
  void integer(int i, const std::optional<std::int64_t>& v) { v ? integer(i, *v) : null(i); }
  void real(int i, const std::optional<double>& v) { v ? real(i, *v) : null(i); }

  // SQLITE_ROW, SQLITE_DONE, or an error code.
  int step() { return rc_ != SQLITE_OK ? rc_ : sqlite3_step(s_); }
  // Ready for the next set of bindings (one prepared insert used for many rows).
  void rearm() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    rc_ = SQLITE_OK;
  }
  sqlite3_stmt* get() const { return s_; }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK && rc_ == SQLITE_OK) rc_ = rc;
  }

  sqlite3_stmt* s_;
  bool owned_;
  int rc_ = SQLITE_OK;
};

// BEGIN IMMEDIATE ... COMMIT; rolled back when it ends uncommitted.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction() {
    if (open_ && !sqlite3_get_autocommit(db_)) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  api::Result<void> begin() {
    auto r = exec(db_, "BEGIN IMMEDIATE", "begin transaction");
    open_ = r.has_value();
    return r;
  }
  api::Result<void> commit() {
    auto r = exec(db_, "COMMIT", "commit transaction");
    if (r) open_ = false;
    return r;
  }

 private:
  sqlite3* db_;
  bool open_ = false;
};

inline std::string colText(sqlite3_stmt* s, int i) {
  const unsigned char* p = sqlite3_column_text(s, i);
  return p != nullptr ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s, i))
                      : std::string();
}
inline std::int64_t colInt(sqlite3_stmt* s, int i) { return sqlite3_column_int64(s, i); }
inline double colReal(sqlite3_stmt* s, int i) { return sqlite3_column_double(s, i); }

// ---- records <-> rows ----

// The column lists both engines share (row_codec.hpp).
using codec::kKeyColumnCount;
using codec::kKeyColumns;
using codec::kSpendColumnCount;
using codec::kSpendColumns;
using codec::kSpendFrom;
using codec::kSpendSelect;

// Binds the key's columns (kKeyColumns) to ?1.. .
void bindKey(Stmt& s, const KeyRow& k);
// kInternal when a JSON column does not decode.
api::Result<KeyRow> readKey(sqlite3_stmt* s);

// A filter on the key hash bound to ?n, using the (key_ref, start_time) index.
inline std::string keyRefIs(int n) {
  return "s.key_ref = (SELECT id FROM spend_keys WHERE token = ?" + std::to_string(n) + ")";
}

// Binds `r` (with `key_ref` for its api_key) to parameters first .. first + kSpendColumnCount - 1,
// its strings by reference: `r` must outlive the statement's step.
void bindSpend(Stmt& s, const SpendRow& r, std::int64_t key_ref, int first = 1);
api::Result<SpendRow> readSpend(sqlite3_stmt* s);

// ---- stored responses (sqlite_responses.cpp) ----

// The store's cached statement for `sql` (SqliteStore's statement cache).
using Prepare = std::function<api::Result<Stmt>(std::string_view sql)>;

// INSERT OR REPLACE each response, inside the caller's transaction. The strings are bound by
// reference: `rows` must outlive the call.
api::Result<void> insertResponses(sqlite3* db, const Prepare& prepare,
                                  const std::vector<StoredResponse>& rows);
api::Result<std::optional<StoredResponse>> findResponse(sqlite3* db, const Prepare& prepare,
                                                        std::string_view id);
api::Result<bool> deleteResponse(sqlite3* db, const Prepare& prepare, std::string_view id);
api::Result<std::optional<StoredResponse>> findResponseByItem(sqlite3* db, const Prepare& prepare,
                                                              std::string_view item_id,
                                                              std::string_view owner);
// Within the caller's transaction: the responses `owner` owns are deleted / given to `to`.
api::Result<void> deleteResponsesOf(sqlite3* db, const Prepare& prepare, std::string_view owner);
api::Result<void> moveResponses(sqlite3* db, const Prepare& prepare, std::string_view from,
                                std::string_view to);
// Deletes the responses created before `created_before`, kPurgeChunk rows per statement (each
// its own transaction: must be called outside one). Returns how many were deleted.
inline constexpr int kPurgeChunk = 500;
api::Result<std::size_t> purgeResponses(sqlite3* db, const Prepare& prepare,
                                        UnixMs created_before);

// ---- the hierarchy (sqlite_hierarchy.cpp) ----

// HierarchyStore's engine (hierarchy_store.hpp) on this connection and statement cache.
std::unique_ptr<SqlEngine> hierarchyEngine(sqlite3* db, Prepare prepare);

}  // namespace switchyard::store::sqlite
