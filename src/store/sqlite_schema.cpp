// The SQLite schema (sqlite_schema.hpp): the migration steps, and how the records map to their
// rows. Column names follow LiteLLM's LiteLLM_VerificationToken and LiteLLM_SpendLogs where they
// have one. Times are INTEGER milliseconds since the epoch; lists and maps are JSON text; optional
// values are NULL when absent.

#include "sqlite_schema.hpp"

#include "row_codec.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace switchyard::store::sqlite {
namespace {

// Version 1: keys, spend logs, audit trail.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE keys (
  token TEXT NOT NULL PRIMARY KEY,
  key_name TEXT NOT NULL DEFAULT '',
  key_alias TEXT NOT NULL DEFAULT '',
  models TEXT NOT NULL DEFAULT '[]',
  aliases TEXT NOT NULL DEFAULT '{}',
  max_budget REAL,
  soft_budget REAL,
  budget_duration TEXT NOT NULL DEFAULT '',
  budget_reset_at INTEGER,
  spend REAL NOT NULL DEFAULT 0,
  rpm_limit INTEGER,
  tpm_limit INTEGER,
  max_parallel_requests INTEGER,
  expires INTEGER,
  metadata TEXT NOT NULL DEFAULT '{}',
  tags TEXT NOT NULL DEFAULT '[]',
  blocked INTEGER NOT NULL DEFAULT 0,
  user_id TEXT NOT NULL DEFAULT '',
  team_id TEXT NOT NULL DEFAULT '',
  model_max_budget TEXT NOT NULL DEFAULT '{}',
  model_rpm_limit TEXT NOT NULL DEFAULT '{}',
  model_tpm_limit TEXT NOT NULL DEFAULT '{}',
  model_spend TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL DEFAULT '',
  updated_by TEXT NOT NULL DEFAULT '',
  previous_token TEXT NOT NULL DEFAULT '',
  previous_token_expires INTEGER
);
CREATE UNIQUE INDEX keys_key_alias ON keys (key_alias) WHERE key_alias <> '';
CREATE INDEX keys_user_id ON keys (user_id);
CREATE INDEX keys_team_id ON keys (team_id);
CREATE INDEX keys_created_at ON keys (created_at);

CREATE TABLE spend_logs (
  id INTEGER PRIMARY KEY,
  request_id TEXT NOT NULL DEFAULT '',
  call_type TEXT NOT NULL DEFAULT '',
  api_key TEXT NOT NULL DEFAULT '',
  key_alias TEXT NOT NULL DEFAULT '',
  "user" TEXT NOT NULL DEFAULT '',
  team_id TEXT NOT NULL DEFAULT '',
  end_user TEXT NOT NULL DEFAULT '',
  model TEXT NOT NULL DEFAULT '',
  model_group TEXT NOT NULL DEFAULT '',
  model_id TEXT NOT NULL DEFAULT '',
  custom_llm_provider TEXT NOT NULL DEFAULT '',
  api_base TEXT NOT NULL DEFAULT '',
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  total_tokens INTEGER NOT NULL DEFAULT 0,
  cached_tokens INTEGER NOT NULL DEFAULT 0,
  cache_creation_tokens INTEGER NOT NULL DEFAULT 0,
  reasoning_tokens INTEGER NOT NULL DEFAULT 0,
  spend REAL NOT NULL DEFAULT 0,
  start_time INTEGER NOT NULL DEFAULT 0,
  end_time INTEGER NOT NULL DEFAULT 0,
  ttft_ms REAL,
  status TEXT NOT NULL DEFAULT '',
  http_status INTEGER NOT NULL DEFAULT 0,
  cache_hit INTEGER NOT NULL DEFAULT 0,
  request_tags TEXT NOT NULL DEFAULT '[]',
  stream INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX spend_logs_start_time ON spend_logs (start_time);
CREATE INDEX spend_logs_api_key ON spend_logs (api_key, start_time);
CREATE INDEX spend_logs_request_id ON spend_logs (request_id);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL DEFAULT 0,
  actor TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL DEFAULT '',
  object_id TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
)sql";

// Version 2: spend rows name their key by number (spend_keys), not by its 64-digit hash: a
// virtual key's row and its index entry are 60 % and 5x smaller than with the hash inline, which
// made the store thread's cost per request a third higher for virtual keys than for the master
// key. Existing rows are carried over.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE spend_keys (
  id INTEGER PRIMARY KEY,
  token TEXT NOT NULL UNIQUE
);
INSERT INTO spend_keys (token) SELECT DISTINCT api_key FROM spend_logs WHERE api_key <> '';
ALTER TABLE spend_logs ADD COLUMN key_ref INTEGER NOT NULL DEFAULT 0;
UPDATE spend_logs SET key_ref = (SELECT id FROM spend_keys WHERE token = spend_logs.api_key)
  WHERE api_key <> '';
DROP INDEX spend_logs_api_key;
ALTER TABLE spend_logs DROP COLUMN api_key;
CREATE INDEX spend_logs_key_ref ON spend_logs (key_ref, start_time);
)sql";

// Version 3: stored responses of the Responses API (docs/responses.md#state), owned by a key
// hash ('' for the master key), purged by age. JSON columns are kept as given.
constexpr std::string_view kV3 = R"sql(
CREATE TABLE responses (
  id TEXT NOT NULL PRIMARY KEY,
  owner TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL DEFAULT 0,
  model TEXT NOT NULL DEFAULT '',
  previous_response_id TEXT NOT NULL DEFAULT '',
  response TEXT NOT NULL DEFAULT '{}',
  input_items TEXT NOT NULL DEFAULT '[]',
  conversation TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX responses_owner ON responses (owner);
CREATE INDEX responses_created_at ON responses (created_at);
)sql";

// Version 4: the item ids of stored responses, so that an item_reference finds the response that
// holds its item (an id may be in several responses: a later turn repeats a referenced item, and
// ids a client sends are its own; the lookup is by id and owner). Deleting a response (by id, with its key, or by retention) deletes its rows.
constexpr std::string_view kV4 = R"sql(
CREATE TABLE response_items (
  item_id TEXT NOT NULL,
  response_id TEXT NOT NULL,
  PRIMARY KEY (item_id, response_id)
) WITHOUT ROWID;
CREATE INDEX response_items_response ON response_items (response_id);
CREATE TRIGGER responses_delete_items AFTER DELETE ON responses BEGIN
  DELETE FROM response_items WHERE response_id = OLD.id;
END;
)sql";

// Version 5: keys found by the previous token of a regeneration (keys are loaded on first use,
// and the old key works through its grace period).
constexpr std::string_view kV5 = R"sql(
CREATE INDEX keys_previous_token ON keys (previous_token) WHERE previous_token <> '';
)sql";

// Version 6: the budget hierarchy above keys (hierarchy.hpp, docs/teams.md): budget objects,
// teams, their members, internal users, end customers. Every level has the limit columns of
// keys and a spend state (spend, budget_reset_at, model_spend); budget_id '' names no budget.
// Membership is kept once, in team_members. Spend rows are found by team, key owner and end
// user (partial indexes: rows without one cost no index entry).
constexpr std::string_view kV6 = R"sql(
CREATE TABLE budgets (
  budget_id TEXT NOT NULL PRIMARY KEY,
  max_budget REAL,
  soft_budget REAL,
  budget_duration TEXT NOT NULL DEFAULT '',
  rpm_limit INTEGER,
  tpm_limit INTEGER,
  max_parallel_requests INTEGER,
  model_max_budget TEXT NOT NULL DEFAULT '{}',
  model_rpm_limit TEXT NOT NULL DEFAULT '{}',
  model_tpm_limit TEXT NOT NULL DEFAULT '{}',
  budget_reset_at INTEGER,
  created_at INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL DEFAULT '',
  updated_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX budgets_created_at ON budgets (created_at);

CREATE TABLE teams (
  team_id TEXT NOT NULL PRIMARY KEY,
  team_alias TEXT NOT NULL DEFAULT '',
  models TEXT NOT NULL DEFAULT '[]',
  max_budget REAL,
  soft_budget REAL,
  budget_duration TEXT NOT NULL DEFAULT '',
  rpm_limit INTEGER,
  tpm_limit INTEGER,
  max_parallel_requests INTEGER,
  model_max_budget TEXT NOT NULL DEFAULT '{}',
  model_rpm_limit TEXT NOT NULL DEFAULT '{}',
  model_tpm_limit TEXT NOT NULL DEFAULT '{}',
  budget_id TEXT NOT NULL DEFAULT '',
  metadata TEXT NOT NULL DEFAULT '{}',
  tags TEXT NOT NULL DEFAULT '[]',
  blocked INTEGER NOT NULL DEFAULT 0,
  model_aliases TEXT NOT NULL DEFAULT '{}',
  team_member_budget REAL,
  team_member_rpm_limit INTEGER,
  team_member_tpm_limit INTEGER,
  created_at INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL DEFAULT '',
  updated_by TEXT NOT NULL DEFAULT '',
  spend REAL NOT NULL DEFAULT 0,
  budget_reset_at INTEGER,
  model_spend TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX teams_team_alias ON teams (team_alias);
CREATE INDEX teams_created_at ON teams (created_at);
CREATE INDEX teams_budget_id ON teams (budget_id) WHERE budget_id <> '';

CREATE TABLE team_members (
  team_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  user_email TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL DEFAULT 'user',
  max_budget_in_team REAL,
  budget_id TEXT NOT NULL DEFAULT '',
  spend REAL NOT NULL DEFAULT 0,
  budget_reset_at INTEGER,
  model_spend TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (team_id, user_id)
) WITHOUT ROWID;
CREATE INDEX team_members_user_id ON team_members (user_id, team_id);
CREATE INDEX team_members_budget_id ON team_members (budget_id) WHERE budget_id <> '';

CREATE TABLE users (
  user_id TEXT NOT NULL PRIMARY KEY,
  user_alias TEXT NOT NULL DEFAULT '',
  user_email TEXT NOT NULL DEFAULT '',
  user_role TEXT NOT NULL DEFAULT 'internal_user',
  models TEXT NOT NULL DEFAULT '[]',
  max_budget REAL,
  soft_budget REAL,
  budget_duration TEXT NOT NULL DEFAULT '',
  rpm_limit INTEGER,
  tpm_limit INTEGER,
  max_parallel_requests INTEGER,
  model_max_budget TEXT NOT NULL DEFAULT '{}',
  model_rpm_limit TEXT NOT NULL DEFAULT '{}',
  model_tpm_limit TEXT NOT NULL DEFAULT '{}',
  budget_id TEXT NOT NULL DEFAULT '',
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL DEFAULT '',
  updated_by TEXT NOT NULL DEFAULT '',
  spend REAL NOT NULL DEFAULT 0,
  budget_reset_at INTEGER,
  model_spend TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX users_created_at ON users (created_at);
CREATE INDEX users_user_email ON users (lower(trim(user_email)));
CREATE INDEX users_user_role ON users (user_role);
CREATE INDEX users_budget_id ON users (budget_id) WHERE budget_id <> '';

CREATE TABLE customers (
  user_id TEXT NOT NULL PRIMARY KEY,
  alias TEXT NOT NULL DEFAULT '',
  blocked INTEGER NOT NULL DEFAULT 0,
  allowed_model_region TEXT NOT NULL DEFAULT '',
  default_model TEXT NOT NULL DEFAULT '',
  max_budget REAL,
  soft_budget REAL,
  budget_duration TEXT NOT NULL DEFAULT '',
  rpm_limit INTEGER,
  tpm_limit INTEGER,
  max_parallel_requests INTEGER,
  model_max_budget TEXT NOT NULL DEFAULT '{}',
  model_rpm_limit TEXT NOT NULL DEFAULT '{}',
  model_tpm_limit TEXT NOT NULL DEFAULT '{}',
  budget_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL DEFAULT 0,
  spend REAL NOT NULL DEFAULT 0,
  budget_reset_at INTEGER,
  model_spend TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX customers_created_at ON customers (created_at);
CREATE INDEX customers_budget_id ON customers (budget_id) WHERE budget_id <> '';

CREATE INDEX spend_logs_team_id ON spend_logs (team_id, start_time) WHERE team_id <> '';
CREATE INDEX spend_logs_user ON spend_logs ("user", start_time) WHERE "user" <> '';
CREATE INDEX spend_logs_end_user ON spend_logs (end_user, start_time) WHERE end_user <> '';
)sql";

constexpr Migration kMigrations[] = {
    {1, kV1}, {2, kV2}, {3, kV3}, {4, kV4}, {5, kV5}, {6, kV6},
};

constexpr std::string_view kCreateMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
    "applied_at INTEGER NOT NULL)";

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The newest applied version; 0 when none.
api::Result<int> readVersion(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", -1,
                              &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return sqliteError(db, rc, "read schema version");
  }
  rc = sqlite3_step(stmt);
  int version = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) return sqliteError(db, rc, "read schema version");
  return version;
}

void rollback(sqlite3* db) {
  if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
}

// Applies one step unless another process already has; in one transaction.
api::Result<void> applyStep(sqlite3* db, const Migration& m) {
  if (auto r = exec(db, "BEGIN IMMEDIATE", "begin migration"); !r) return r;
  auto current = readVersion(db);
  if (!current) {
    rollback(db);
    return current.error();
  }
  if (*current >= m.version) {
    rollback(db);
    return {};
  }
  const std::string sql(m.sql);
  std::string what = "migration " + std::to_string(m.version);
  if (auto r = exec(db, sql.c_str(), what); !r) {
    rollback(db);
    return r;
  }
  const std::string mark = "INSERT INTO schema_migrations (version, applied_at) VALUES (" +
                           std::to_string(m.version) + ", " + std::to_string(nowMs()) + ")";
  if (auto r = exec(db, mark.c_str(), what); !r) {
    rollback(db);
    return r;
  }
  if (auto r = exec(db, "COMMIT", what); !r) {
    rollback(db);
    return r;
  }
  return {};
}

// ---- records <-> rows: helpers ----

std::optional<std::int64_t> colOptInt(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return colInt(s, i);
}
std::optional<double> colOptReal(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return colReal(s, i);
}

api::Error corrupt(std::string_view column) { return codec::corruptColumn("sqlite", column); }

std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }
std::uint64_t u64(std::int64_t v) { return static_cast<std::uint64_t>(v); }

}  // namespace

std::span<const Migration> migrations() noexcept { return kMigrations; }

int latestVersion() noexcept { return kMigrations[std::size(kMigrations) - 1].version; }

api::Result<void> migrate(sqlite3* db) {
  const std::string create(kCreateMigrations);
  if (auto r = exec(db, create.c_str(), "create schema_migrations"); !r) return r;
  auto current = readVersion(db);
  if (!current) return current.error();
  for (const Migration& m : kMigrations) {
    if (m.version <= *current) continue;
    if (auto r = applyStep(db, m); !r) return r;
  }
  return {};
}

int schemaVersion(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(
      db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'", -1,
      &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return -1;
  }
  rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc == SQLITE_DONE) return 0;
  if (rc != SQLITE_ROW) return -1;
  auto v = readVersion(db);
  return v ? *v : -1;
}

api::Error sqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string detail = "sqlite: ";
  detail += what;
  detail += ": ";
  detail += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  detail += " (" + std::to_string(rc) + ")";
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return {api::ErrorKind::kUnavailable, "The database is busy: try again shortly.",
              std::move(detail)};
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
    case SQLITE_PERM:
      return {api::ErrorKind::kUnavailable, "The database is unavailable: try again shortly.",
              std::move(detail)};
    default:
      return {api::ErrorKind::kInternal, "Internal database error.", std::move(detail)};
  }
}

api::Result<void> exec(sqlite3* db, const char* sql, std::string_view what) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqliteError(db, rc, what);
  return {};
}

// ---- records <-> rows ----

void bindKey(Stmt& s, const KeyRow& k) {
  int i = 1;
  s.text(i++, k.token);
  s.text(i++, k.key_name);
  s.text(i++, k.key_alias);
  s.text(i++, codec::encodeList(k.models));
  s.text(i++, codec::encodeMap(k.aliases));
  s.real(i++, k.max_budget);
  s.real(i++, k.soft_budget);
  s.text(i++, k.budget_duration);
  s.integer(i++, k.budget_reset_at);
  s.real(i++, k.spend);
  s.integer(i++, k.rpm_limit);
  s.integer(i++, k.tpm_limit);
  s.integer(i++, k.max_parallel_requests);
  s.integer(i++, k.expires);
  s.text(i++, k.metadata);
  s.text(i++, codec::encodeList(k.tags));
  s.integer(i++, k.blocked ? 1 : 0);
  s.text(i++, k.user_id);
  s.text(i++, k.team_id);
  s.text(i++, codec::encodeBudgets(k.model_max_budget));
  s.text(i++, codec::encodeCounts(k.model_rpm_limit));
  s.text(i++, codec::encodeCounts(k.model_tpm_limit));
  s.text(i++, codec::encodeModelSpend(k.model_spend));
  s.integer(i++, k.created_at);
  s.integer(i++, k.updated_at);
  s.text(i++, k.created_by);
  s.text(i++, k.updated_by);
  s.text(i++, k.previous_token);
  s.integer(i++, k.previous_token_expires);
}


api::Result<KeyRow> readKey(sqlite3_stmt* s) {
  KeyRow k;
  int i = 0;
  k.token = colText(s, i++);
  k.key_name = colText(s, i++);
  k.key_alias = colText(s, i++);
  if (!codec::decodeInto(codec::decodeList(colText(s, i++)), k.models)) return corrupt("models");
  if (!codec::decodeInto(codec::decodeMap(colText(s, i++)), k.aliases)) return corrupt("aliases");
  k.max_budget = colOptReal(s, i++);
  k.soft_budget = colOptReal(s, i++);
  k.budget_duration = colText(s, i++);
  k.budget_reset_at = colOptInt(s, i++);
  k.spend = colReal(s, i++);
  k.rpm_limit = colOptInt(s, i++);
  k.tpm_limit = colOptInt(s, i++);
  k.max_parallel_requests = colOptInt(s, i++);
  k.expires = colOptInt(s, i++);
  k.metadata = colText(s, i++);
  if (!codec::decodeInto(codec::decodeList(colText(s, i++)), k.tags)) return corrupt("tags");
  k.blocked = colInt(s, i++) != 0;
  k.user_id = colText(s, i++);
  k.team_id = colText(s, i++);
  if (!codec::decodeInto(codec::decodeBudgets(colText(s, i++)), k.model_max_budget)) {
    return corrupt("model_max_budget");
  }
  if (!codec::decodeInto(codec::decodeCounts(colText(s, i++)), k.model_rpm_limit)) {
    return corrupt("model_rpm_limit");
  }
  if (!codec::decodeInto(codec::decodeCounts(colText(s, i++)), k.model_tpm_limit)) {
    return corrupt("model_tpm_limit");
  }
  if (!codec::decodeInto(codec::decodeModelSpend(colText(s, i++)), k.model_spend)) {
    return corrupt("model_spend");
  }
  k.created_at = colInt(s, i++);
  k.updated_at = colInt(s, i++);
  k.created_by = colText(s, i++);
  k.updated_by = colText(s, i++);
  k.previous_token = colText(s, i++);
  k.previous_token_expires = colOptInt(s, i++);
  return k;
}

void bindSpend(Stmt& s, const SpendRow& r, std::int64_t key_ref, int first) {
  int i = first;
  s.textRef(i++, r.request_id);
  s.textRef(i++, r.call_type);
  s.integer(i++, key_ref);
  for (const std::string* t : {&r.key_alias, &r.user, &r.team_id, &r.end_user, &r.model,
                               &r.model_group, &r.model_id, &r.custom_llm_provider, &r.api_base}) {
    s.textRef(i++, *t);
  }
  for (std::uint64_t n : {r.prompt_tokens, r.completion_tokens, r.total_tokens, r.cached_tokens,
                          r.cache_creation_tokens, r.reasoning_tokens}) {
    s.integer(i++, i64(n));
  }
  s.real(i++, r.spend);
  s.integer(i++, r.start_time);
  s.integer(i++, r.end_time);
  s.real(i++, r.ttft_ms);
  s.textRef(i++, r.status);
  s.integer(i++, r.http_status);
  s.integer(i++, r.cache_hit ? 1 : 0);
  if (r.request_tags.empty()) {
    s.textRef(i++, "[]");
  } else {
    s.text(i++, codec::encodeList(r.request_tags));
  }
  s.integer(i++, r.stream ? 1 : 0);
}

api::Result<SpendRow> readSpend(sqlite3_stmt* s) {
  SpendRow r;
  int i = 0;
  for (std::string* t :
       {&r.request_id, &r.call_type, &r.api_key, &r.key_alias, &r.user, &r.team_id, &r.end_user,
        &r.model, &r.model_group, &r.model_id, &r.custom_llm_provider, &r.api_base}) {
    *t = colText(s, i++);
  }
  for (std::uint64_t* n : {&r.prompt_tokens, &r.completion_tokens, &r.total_tokens,
                           &r.cached_tokens, &r.cache_creation_tokens, &r.reasoning_tokens}) {
    *n = u64(colInt(s, i++));
  }
  r.spend = colReal(s, i++);
  r.start_time = colInt(s, i++);
  r.end_time = colInt(s, i++);
  r.ttft_ms = colOptReal(s, i++);
  r.status = colText(s, i++);
  r.http_status = static_cast<int>(colInt(s, i++));
  r.cache_hit = colInt(s, i++) != 0;
  if (!codec::decodeInto(codec::decodeList(colText(s, i++)), r.request_tags)) {
    return corrupt("request_tags");
  }
  r.stream = colInt(s, i++) != 0;
  return r;
}

}  // namespace switchyard::store::sqlite
