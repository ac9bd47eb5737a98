#pragma once
// The PostgreSQL schema (private to the store): the same tables, columns and versions as the
// SQLite schema (sqlite_schema.hpp), in PostgreSQL's types, and how the records map to rows.
//
// Migrations: step i brings the schema to version i, as in SQLite (a later change appends a step
// to both). migrate() runs in one transaction holding a transaction-level advisory lock, so that
// several instances starting at once against one database apply each step exactly once: the
// others wait for the lock, then find the schema current.

#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "pg_connection.hpp"
#include "row_codec.hpp"
#include "switchyard/store/records.hpp"

namespace switchyard::store {
class SqlEngine;  // hierarchy_store.hpp
}  // namespace switchyard::store

namespace switchyard::store::pg {

struct Migration {
  int version;
  std::string_view sql;
};
std::span<const Migration> migrations() noexcept;
int latestVersion() noexcept;

// The advisory lock key migrations hold (an arbitrary constant: "switchyard" in hex, truncated).
inline constexpr std::int64_t kMigrationLock = 0x737769746368;

api::Result<void> migrate(Conn& c);
// 0 before the first migration; kUnavailable when the database cannot be reached.
api::Result<int> schemaVersion(Conn& c);

// ---- records <-> rows ----

// The column lists both engines share (row_codec.hpp).
using codec::kKeyColumnCount;
using codec::kKeyColumns;
using codec::kSpendColumnCount;
using codec::kSpendColumns;
using codec::kSpendFrom;
using codec::kSpendSelect;

// Appends the key's columns to `p`. `scratch` keeps the encoded JSON texts alive until the
// statement ran (they are bound by reference).
void bindKey(Params& p, const KeyRow& k, std::deque<std::string>& scratch);
// Row `row` of a SELECT of kKeyColumns starting at column `first`.
api::Result<KeyRow> readKey(const Rows& r, int row, int first = 0);

// Strings by reference: `r` (and `scratch`) must outlive the statement.
void bindSpend(Params& p, const SpendRow& r, std::int64_t key_ref,
               std::deque<std::string>& scratch);
api::Result<SpendRow> readSpend(const Rows& r, int row);

// ---- stored responses (pg_responses.cpp) ----

// Within the caller's transaction: each response inserted (or replacing its owner's row of the
// same id), and its item ids.
api::Result<void> insertResponses(Conn& c, const std::vector<StoredResponse>& rows);
api::Result<std::optional<StoredResponse>> findResponse(Conn& c, std::string_view id);
api::Result<bool> deleteResponse(Conn& c, std::string_view id);
api::Result<std::optional<StoredResponse>> findResponseByItem(Conn& c, std::string_view item_id,
                                                              std::string_view owner);
api::Result<void> deleteResponsesOf(Conn& c, std::string_view owner);
api::Result<void> moveResponses(Conn& c, std::string_view from, std::string_view to);
// kPurgeChunk rows per statement, each its own transaction (call outside one).
inline constexpr int kPurgeChunk = 500;
api::Result<std::size_t> purgeResponses(Conn& c, UnixMs created_before);

// ---- the hierarchy (pg_hierarchy.cpp) ----

// HierarchyStore's engine (hierarchy_store.hpp) on this connection.
std::unique_ptr<SqlEngine> hierarchyEngine(Conn& c);

}  // namespace switchyard::store::pg
