// The PostgreSQL schema (pg_schema.hpp): the migration steps, and how the records map to their
// rows. Column names and meanings are those of the SQLite schema (sqlite_schema.cpp): times are
// BIGINT milliseconds since the epoch, money DOUBLE PRECISION, lists and maps JSON text (kept
// exactly as written), flags BOOLEAN.

#include "pg_schema.hpp"

#include <chrono>

#include "row_codec.hpp"

namespace switchyard::store::pg {
namespace {

// Version 1: keys, spend logs (naming their key by spend_keys id, as SQLite's version 2 does),
// audit trail.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE keys (
  token TEXT NOT NULL PRIMARY KEY,
  key_name TEXT NOT NULL DEFAULT '',
  key_alias TEXT NOT NULL DEFAULT '',
  models TEXT NOT NULL DEFAULT '[]',
  aliases TEXT NOT NULL DEFAULT '{}',
  max_budget DOUBLE PRECISION,
  soft_budget DOUBLE PRECISION,
  budget_duration TEXT NOT NULL DEFAULT '',
  budget_reset_at BIGINT,
  spend DOUBLE PRECISION NOT NULL DEFAULT 0,
  rpm_limit BIGINT,
  tpm_limit BIGINT,
  max_parallel_requests BIGINT,
  expires BIGINT,
  metadata TEXT NOT NULL DEFAULT '{}',
  tags TEXT NOT NULL DEFAULT '[]',
  blocked BOOLEAN NOT NULL DEFAULT false,
  user_id TEXT NOT NULL DEFAULT '',
  team_id TEXT NOT NULL DEFAULT '',
  model_max_budget TEXT NOT NULL DEFAULT '{}',
  model_rpm_limit TEXT NOT NULL DEFAULT '{}',
  model_tpm_limit TEXT NOT NULL DEFAULT '{}',
  model_spend TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL DEFAULT '',
  updated_by TEXT NOT NULL DEFAULT '',
  previous_token TEXT NOT NULL DEFAULT '',
  previous_token_expires BIGINT
);
CREATE UNIQUE INDEX keys_key_alias ON keys (key_alias) WHERE key_alias <> '';
CREATE INDEX keys_user_id ON keys (user_id);
CREATE INDEX keys_team_id ON keys (team_id);
CREATE INDEX keys_created_at ON keys (created_at);

CREATE TABLE spend_keys (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token TEXT NOT NULL UNIQUE
);

CREATE TABLE spend_logs (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id TEXT NOT NULL DEFAULT '',
  call_type TEXT NOT NULL DEFAULT '',
  key_ref BIGINT NOT NULL DEFAULT 0,
  key_alias TEXT NOT NULL DEFAULT '',
  "user" TEXT NOT NULL DEFAULT '',
  team_id TEXT NOT NULL DEFAULT '',
  end_user TEXT NOT NULL DEFAULT '',
  model TEXT NOT NULL DEFAULT '',
  model_group TEXT NOT NULL DEFAULT '',
  model_id TEXT NOT NULL DEFAULT '',
  custom_llm_provider TEXT NOT NULL DEFAULT '',
  api_base TEXT NOT NULL DEFAULT '',
  prompt_tokens BIGINT NOT NULL DEFAULT 0,
  completion_tokens BIGINT NOT NULL DEFAULT 0,
  total_tokens BIGINT NOT NULL DEFAULT 0,
  cached_tokens BIGINT NOT NULL DEFAULT 0,
  cache_creation_tokens BIGINT NOT NULL DEFAULT 0,
  reasoning_tokens BIGINT NOT NULL DEFAULT 0,
  spend DOUBLE PRECISION NOT NULL DEFAULT 0,
  start_time BIGINT NOT NULL DEFAULT 0,
  end_time BIGINT NOT NULL DEFAULT 0,
  ttft_ms DOUBLE PRECISION,
  status TEXT NOT NULL DEFAULT '',
  http_status INTEGER NOT NULL DEFAULT 0,
  cache_hit BOOLEAN NOT NULL DEFAULT false,
  request_tags TEXT NOT NULL DEFAULT '[]',
  stream BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX spend_logs_start_time ON spend_logs (start_time);
CREATE INDEX spend_logs_key_ref ON spend_logs (key_ref, start_time);
CREATE INDEX spend_logs_request_id ON spend_logs (request_id);

CREATE TABLE audit_log (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at BIGINT NOT NULL DEFAULT 0,
  actor TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL DEFAULT '',
  object_id TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
)sql";

// Version 2: SQLite's step to spend_keys, which PostgreSQL has had since version 1.
constexpr std::string_view kV2 = "SELECT 1";

// Version 3: stored responses of the Responses API.
constexpr std::string_view kV3 = R"sql(
CREATE TABLE responses (
  id TEXT NOT NULL PRIMARY KEY,
  owner TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL DEFAULT 0,
  model TEXT NOT NULL DEFAULT '',
  previous_response_id TEXT NOT NULL DEFAULT '',
  response TEXT NOT NULL DEFAULT '{}',
  input_items TEXT NOT NULL DEFAULT '[]',
  conversation TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX responses_owner ON responses (owner);
CREATE INDEX responses_created_at ON responses (created_at);
)sql";

// Version 4: the item ids of stored responses (deleted with their response).
constexpr std::string_view kV4 = R"sql(
CREATE TABLE response_items (
  item_id TEXT NOT NULL,
  response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
  PRIMARY KEY (item_id, response_id)
);
CREATE INDEX response_items_response ON response_items (response_id);
)sql";

// Version 5: keys found by the previous token of a regeneration.
constexpr std::string_view kV5 = R"sql(
CREATE INDEX keys_previous_token ON keys (previous_token) WHERE previous_token <> '';
)sql";

// Version 6: the budget hierarchy above keys (SQLite's version 6): budget objects, teams, their
// members, internal users, end customers; spend rows found by team, key owner and end user.
constexpr std::string_view kV6 = R"sql(
CREATE TABLE budgets (
  budget_id TEXT NOT NULL PRIMARY KEY,
  max_budget DOUBLE PRECISION,
  soft_budget DOUBLE PRECISION,
  budget_duration TEXT NOT NULL DEFAULT '',
  rpm_limit BIGINT,
  tpm_limit BIGINT,
  max_parallel_requests BIGINT,
  model_max_budget TEXT NOT NULL DEFAULT '{}',
  model_rpm_limit TEXT NOT NULL DEFAULT '{}',
  model_tpm_limit TEXT NOT NULL DEFAULT '{}',
  budget_reset_at BIGINT,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL DEFAULT '',
  updated_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX budgets_created_at ON budgets (created_at);

CREATE TABLE teams (
  team_id TEXT NOT NULL PRIMARY KEY,
  team_alias TEXT NOT NULL DEFAULT '',
  models TEXT NOT NULL DEFAULT '[]',
  max_budget DOUBLE PRECISION,
  soft_budget DOUBLE PRECISION,
  budget_duration TEXT NOT NULL DEFAULT '',
  rpm_limit BIGINT,
  tpm_limit BIGINT,
  max_parallel_requests BIGINT,
  model_max_budget TEXT NOT NULL DEFAULT '{}',
  model_rpm_limit TEXT NOT NULL DEFAULT '{}',
  model_tpm_limit TEXT NOT NULL DEFAULT '{}',
  budget_id TEXT NOT NULL DEFAULT '',
  metadata TEXT NOT NULL DEFAULT '{}',
  tags TEXT NOT NULL DEFAULT '[]',
  blocked BOOLEAN NOT NULL DEFAULT false,
  model_aliases TEXT NOT NULL DEFAULT '{}',
  team_member_budget DOUBLE PRECISION,
  team_member_rpm_limit BIGINT,
  team_member_tpm_limit BIGINT,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL DEFAULT '',
  updated_by TEXT NOT NULL DEFAULT '',
  spend DOUBLE PRECISION NOT NULL DEFAULT 0,
  budget_reset_at BIGINT,
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
  max_budget_in_team DOUBLE PRECISION,
  budget_id TEXT NOT NULL DEFAULT '',
  spend DOUBLE PRECISION NOT NULL DEFAULT 0,
  budget_reset_at BIGINT,
  model_spend TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user_id ON team_members (user_id, team_id);
CREATE INDEX team_members_budget_id ON team_members (budget_id) WHERE budget_id <> '';

CREATE TABLE users (
  user_id TEXT NOT NULL PRIMARY KEY,
  user_alias TEXT NOT NULL DEFAULT '',
  user_email TEXT NOT NULL DEFAULT '',
  user_role TEXT NOT NULL DEFAULT 'internal_user',
  models TEXT NOT NULL DEFAULT '[]',
  max_budget DOUBLE PRECISION,
  soft_budget DOUBLE PRECISION,
  budget_duration TEXT NOT NULL DEFAULT '',
  rpm_limit BIGINT,
  tpm_limit BIGINT,
  max_parallel_requests BIGINT,
  model_max_budget TEXT NOT NULL DEFAULT '{}',
  model_rpm_limit TEXT NOT NULL DEFAULT '{}',
  model_tpm_limit TEXT NOT NULL DEFAULT '{}',
  budget_id TEXT NOT NULL DEFAULT '',
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL DEFAULT '',
  updated_by TEXT NOT NULL DEFAULT '',
  spend DOUBLE PRECISION NOT NULL DEFAULT 0,
  budget_reset_at BIGINT,
  model_spend TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX users_created_at ON users (created_at);
CREATE INDEX users_user_email ON users ((lower(trim(user_email))));
CREATE INDEX users_user_role ON users (user_role);
CREATE INDEX users_budget_id ON users (budget_id) WHERE budget_id <> '';

CREATE TABLE customers (
  user_id TEXT NOT NULL PRIMARY KEY,
  alias TEXT NOT NULL DEFAULT '',
  blocked BOOLEAN NOT NULL DEFAULT false,
  allowed_model_region TEXT NOT NULL DEFAULT '',
  default_model TEXT NOT NULL DEFAULT '',
  max_budget DOUBLE PRECISION,
  soft_budget DOUBLE PRECISION,
  budget_duration TEXT NOT NULL DEFAULT '',
  rpm_limit BIGINT,
  tpm_limit BIGINT,
  max_parallel_requests BIGINT,
  model_max_budget TEXT NOT NULL DEFAULT '{}',
  model_rpm_limit TEXT NOT NULL DEFAULT '{}',
  model_tpm_limit TEXT NOT NULL DEFAULT '{}',
  budget_id TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0,
  spend DOUBLE PRECISION NOT NULL DEFAULT 0,
  budget_reset_at BIGINT,
  model_spend TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX customers_created_at ON customers (created_at);
CREATE INDEX customers_budget_id ON customers (budget_id) WHERE budget_id <> '';

CREATE INDEX spend_logs_team_id ON spend_logs (team_id, start_time) WHERE team_id <> '';
CREATE INDEX spend_logs_user ON spend_logs ("user", start_time) WHERE "user" <> '';
CREATE INDEX spend_logs_end_user ON spend_logs (end_user, start_time) WHERE end_user <> '';
)sql";

constexpr Migration kMigrations[] = {{1, kV1}, {2, kV2}, {3, kV3}, {4, kV4}, {5, kV5}, {6, kV6}};

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

api::Error corrupt(std::string_view column) { return codec::corruptColumn("postgresql", column); }


std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }
std::uint64_t u64(std::int64_t v) { return static_cast<std::uint64_t>(v); }

api::Result<void> applySteps(Conn& c) {
  Params lock;
  lock.integer(kMigrationLock);
  if (auto r = c.exec("SELECT pg_advisory_xact_lock($1)", lock, "lock migrations"); !r) {
    return r.error();
  }
  if (auto r = c.script("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY "
                        "KEY, applied_at BIGINT NOT NULL)",
                        "create schema_migrations");
      !r) {
    return r;
  }
  auto current = c.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                        "read schema version");
  if (!current) return current.error();
  const std::int64_t version = current->integer(0, 0);
  for (const Migration& m : kMigrations) {
    if (m.version <= version) continue;
    const std::string what = "migration " + std::to_string(m.version);
    if (auto r = c.script(m.sql, what); !r) return r;
    Params mark;
    mark.integer(m.version);
    mark.integer(nowMs());
    if (auto r = c.exec("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                        mark, what);
        !r) {
      return r.error();
    }
  }
  return {};
}

}  // namespace

std::span<const Migration> migrations() noexcept { return kMigrations; }
int latestVersion() noexcept { return kMigrations[std::size(kMigrations) - 1].version; }

api::Result<void> migrate(Conn& c) {
  // The lock may wait for another instance's migration: allow it longer than a statement.
  const auto saved = c.statementTimeout();
  c.setStatementTimeout(std::max(saved, std::chrono::milliseconds(60000)));
  auto r = c.script("BEGIN", "begin migration");
  if (r) r = applySteps(c);
  if (r) r = c.script("COMMIT", "commit migration");
  if (!r && c.connected() && c.inTransaction()) (void)c.script("ROLLBACK", "roll back migration");
  c.setStatementTimeout(saved);
  return r;
}

api::Result<int> schemaVersion(Conn& c) {
  auto exists = c.exec("SELECT to_regclass('schema_migrations') IS NOT NULL", "read schema version");
  if (!exists) return exists.error();
  if (!exists->boolean(0, 0)) return 0;
  auto v = c.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", "read schema version");
  if (!v) return v.error();
  return static_cast<int>(v->integer(0, 0));
}

// ---- records <-> rows ----

void bindKey(Params& p, const KeyRow& k, std::deque<std::string>& scratch) {
  auto json = [&](std::string text) { p.text(scratch.emplace_back(std::move(text))); };
  p.text(k.token);
  p.text(k.key_name);
  p.text(k.key_alias);
  json(codec::encodeList(k.models));
  json(codec::encodeMap(k.aliases));
  p.real(k.max_budget);
  p.real(k.soft_budget);
  p.text(k.budget_duration);
  p.integer(k.budget_reset_at);
  p.real(k.spend);
  p.integer(k.rpm_limit);
  p.integer(k.tpm_limit);
  p.integer(k.max_parallel_requests);
  p.integer(k.expires);
  p.text(k.metadata);
  json(codec::encodeList(k.tags));
  p.boolean(k.blocked);
  p.text(k.user_id);
  p.text(k.team_id);
  json(codec::encodeBudgets(k.model_max_budget));
  json(codec::encodeCounts(k.model_rpm_limit));
  json(codec::encodeCounts(k.model_tpm_limit));
  json(codec::encodeModelSpend(k.model_spend));
  p.integer(k.created_at);
  p.integer(k.updated_at);
  p.text(k.created_by);
  p.text(k.updated_by);
  p.text(k.previous_token);
  p.integer(k.previous_token_expires);
}

api::Result<KeyRow> readKey(const Rows& r, int row, int first) {
  KeyRow k;
  int i = first;
  auto text = [&] { return r.text(row, i++); };
  k.token = text();
  k.key_name = text();
  k.key_alias = text();
  if (!codec::decodeInto(codec::decodeList(text()), k.models)) return corrupt("models");
  if (!codec::decodeInto(codec::decodeMap(text()), k.aliases)) return corrupt("aliases");
  k.max_budget = r.optReal(row, i++);
  k.soft_budget = r.optReal(row, i++);
  k.budget_duration = text();
  k.budget_reset_at = r.optInteger(row, i++);
  k.spend = r.real(row, i++);
  k.rpm_limit = r.optInteger(row, i++);
  k.tpm_limit = r.optInteger(row, i++);
  k.max_parallel_requests = r.optInteger(row, i++);
  k.expires = r.optInteger(row, i++);
  k.metadata = text();
  if (!codec::decodeInto(codec::decodeList(text()), k.tags)) return corrupt("tags");
  k.blocked = r.boolean(row, i++);
  k.user_id = text();
  k.team_id = text();
  if (!codec::decodeInto(codec::decodeBudgets(text()), k.model_max_budget)) {
    return corrupt("model_max_budget");
  }
  if (!codec::decodeInto(codec::decodeCounts(text()), k.model_rpm_limit)) {
    return corrupt("model_rpm_limit");
  }
  if (!codec::decodeInto(codec::decodeCounts(text()), k.model_tpm_limit)) {
    return corrupt("model_tpm_limit");
  }
  if (!codec::decodeInto(codec::decodeModelSpend(text()), k.model_spend)) return corrupt("model_spend");
  k.created_at = r.integer(row, i++);
  k.updated_at = r.integer(row, i++);
  k.created_by = text();
  k.updated_by = text();
  k.previous_token = text();
  k.previous_token_expires = r.optInteger(row, i++);
  return k;
}

void bindSpend(Params& p, const SpendRow& r, std::int64_t key_ref,
               std::deque<std::string>& scratch) {
  p.text(r.request_id);
  p.text(r.call_type);
  p.integer(key_ref);
  for (const std::string* t : {&r.key_alias, &r.user, &r.team_id, &r.end_user, &r.model,
                               &r.model_group, &r.model_id, &r.custom_llm_provider, &r.api_base}) {
    p.text(*t);
  }
  for (std::uint64_t n : {r.prompt_tokens, r.completion_tokens, r.total_tokens, r.cached_tokens,
                          r.cache_creation_tokens, r.reasoning_tokens}) {
    p.integer(i64(n));
  }
  p.real(r.spend);
  p.integer(r.start_time);
  p.integer(r.end_time);
  p.real(r.ttft_ms);
  p.text(r.status);
  p.integer(r.http_status);
  p.boolean(r.cache_hit);
  p.text(r.request_tags.empty() ? std::string_view("[]")
                                : std::string_view(scratch.emplace_back(
                                      codec::encodeList(r.request_tags))));
  p.boolean(r.stream);
}

api::Result<SpendRow> readSpend(const Rows& r, int row) {
  SpendRow s;
  int i = 0;
  for (std::string* t :
       {&s.request_id, &s.call_type, &s.api_key, &s.key_alias, &s.user, &s.team_id, &s.end_user,
        &s.model, &s.model_group, &s.model_id, &s.custom_llm_provider, &s.api_base}) {
    *t = r.text(row, i++);
  }
  for (std::uint64_t* n : {&s.prompt_tokens, &s.completion_tokens, &s.total_tokens,
                           &s.cached_tokens, &s.cache_creation_tokens, &s.reasoning_tokens}) {
    *n = u64(r.integer(row, i++));
  }
  s.spend = r.real(row, i++);
  s.start_time = r.integer(row, i++);
  s.end_time = r.integer(row, i++);
  s.ttft_ms = r.optReal(row, i++);
  s.status = r.text(row, i++);
  s.http_status = static_cast<int>(r.integer(row, i++));
  s.cache_hit = r.boolean(row, i++);
  if (!codec::decodeInto(codec::decodeList(r.text(row, i++)), s.request_tags)) {
    return corrupt("request_tags");
  }
  s.stream = r.boolean(row, i++);
  return s;
}

}  // namespace switchyard::store::pg
