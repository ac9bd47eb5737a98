#pragma once
// The PostgreSQL schema (private to the store): the same tables, columns and versions as the
// SQLite schema (sqlite_schema.hpp), in PostgreSQL's types, and how the records map to rows.
//
// Migrations: step i brings the schema to version i, as in SQLite (a later change appends a step
// to both). migrate() runs in one transaction holding a transaction-level advisory lock, so that
// several instances starting at once against one database apply each step exactly once: the
// others wait for the lock, then find the schema current.

#include <deque>
#include <span>
#include <string>
#include <string_view>

#include "pg_connection.hpp"
#include "switchyard/store/records.hpp"

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

// The columns of `keys` in bindKey's / readKey's order.
inline constexpr std::string_view kKeyColumns =
    "token, key_name, key_alias, models, aliases, max_budget, soft_budget, budget_duration, "
    "budget_reset_at, spend, rpm_limit, tpm_limit, max_parallel_requests, expires, metadata, tags, "
    "blocked, user_id, team_id, model_max_budget, model_rpm_limit, model_tpm_limit, model_spend, "
    "created_at, updated_at, created_by, updated_by, previous_token, previous_token_expires";
inline constexpr int kKeyColumnCount = 29;

// Appends the key's columns to `p`. `scratch` keeps the encoded JSON texts alive until the
// statement ran (they are bound by reference).
void bindKey(Params& p, const KeyRow& k, std::deque<std::string>& scratch);
// Row `row` of a SELECT of kKeyColumns starting at column `first`.
api::Result<KeyRow> readKey(const Rows& r, int row, int first = 0);

// The columns of `spend_logs` but its id, in bindSpend's order (key_ref: the spend_keys id).
inline constexpr std::string_view kSpendColumns =
    "request_id, call_type, key_ref, key_alias, \"user\", team_id, end_user, model, model_group, "
    "model_id, custom_llm_provider, api_base, prompt_tokens, completion_tokens, total_tokens, "
    "cached_tokens, cache_creation_tokens, reasoning_tokens, spend, start_time, end_time, ttft_ms, "
    "status, http_status, cache_hit, request_tags, stream";
inline constexpr int kSpendColumnCount = 27;
inline constexpr std::string_view kSpendSelect =
    "s.request_id, s.call_type, COALESCE(t.token, ''), s.key_alias, s.\"user\", s.team_id, "
    "s.end_user, s.model, s.model_group, s.model_id, s.custom_llm_provider, s.api_base, "
    "s.prompt_tokens, s.completion_tokens, s.total_tokens, s.cached_tokens, "
    "s.cache_creation_tokens, s.reasoning_tokens, s.spend, s.start_time, s.end_time, s.ttft_ms, "
    "s.status, s.http_status, s.cache_hit, s.request_tags, s.stream";
inline constexpr std::string_view kSpendFrom =
    "spend_logs s LEFT JOIN spend_keys t ON t.id = s.key_ref";

// Strings by reference: `r` (and `scratch`) must outlive the statement.
void bindSpend(Params& p, const SpendRow& r, std::int64_t key_ref,
               std::deque<std::string>& scratch);
api::Result<SpendRow> readSpend(const Rows& r, int row);

// "$first, $first+1, ..., $first+n-1"
std::string placeholders(int n, int first = 1);

}  // namespace switchyard::store::pg

// ---- stored responses (pg_responses.cpp) ----
namespace switchyard::store::pg {

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

}  // namespace switchyard::store::pg
