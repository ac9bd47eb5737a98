#pragma once
// The store seam (docs/keys.md): where keys, spend rows, the audit trail and stored responses
// persist. One
// implementation per database engine (SQLite, PostgreSQL); the SQL stays inside the
// implementation, callers see only these calls and the records of records.hpp.
//
// Threading: a Store is used by one thread at a time (the store thread of store_thread.hpp owns
// it); every call blocks on I/O and must never run on a worker thread.
// Errors: api::Error values; kInvalidRequest with code "duplicate" for a unique-constraint
// violation (key alias or token), kUnavailable when the database cannot be reached or is busy,
// kInternal for anything else. Messages never contain key material.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/api/error.hpp"
#include "switchyard/store/records.hpp"

namespace switchyard::store {

// One transaction's worth of background writes, applied in the order: spend rows, key spend
// deltas (spend += delta, and model_spend[model] += delta), budget resets (spend = 0 or
// model_spend[model].spend = 0, and the next reset time), audit rows, responses (each replacing
// a stored response of the same id).
struct WriteBatch {
  std::vector<SpendRow> rows;
  std::vector<KeySpendDelta> deltas;
  std::vector<BudgetReset> resets;
  std::vector<AuditRow> audit;
  std::vector<StoredResponse> responses{};  // {} : WriteBatch{rows, deltas, resets, audit} stays
                                           // free of -Wmissing-field-initializers
  bool empty() const noexcept {
    return rows.empty() && deltas.empty() && resets.empty() && audit.empty() &&
           responses.empty();
  }
};

class Store {
 public:
  virtual ~Store() = default;

  // Brings the schema to the newest version (versioned migrations, each in its own transaction;
  // a no-op when current). Called once, before anything else.
  virtual api::Result<void> migrate() = 0;
  virtual int schemaVersion() = 0;
  virtual std::string_view engine() const noexcept = 0;  // "sqlite" | "postgresql"

  // Keys.
  virtual api::Result<void> forEachKey(const std::function<void(KeyRow&&)>& each) = 0;
  virtual api::Result<std::optional<KeyRow>> findKey(std::string_view token) = 0;
  virtual api::Result<std::optional<KeyRow>> findKeyByAlias(std::string_view alias) = 0;
  // The key whose previous_token (a regeneration's grace period) is `token`; nullopt when none.
  virtual api::Result<std::optional<KeyRow>> findKeyByPreviousToken(std::string_view token) = 0;
  virtual api::Result<void> insertKey(const KeyRow& row) = 0;
  // Replaces every field of the row whose token is row.token; false when there is none.
  virtual api::Result<bool> updateKey(const KeyRow& row) = 0;
  // Moves a key to a new token (regenerate): the row `old_token` becomes `row` (whose token is
  // the new one), and the stored responses owned by old_token move to the new token, in one
  // transaction. False (and nothing changed) when old_token is unknown.
  virtual api::Result<bool> replaceKey(std::string_view old_token, const KeyRow& row) = 0;
  // Deletes these keys and the stored responses they own, in one transaction; returns how many
  // keys existed. An empty token deletes nothing (the master key's responses stay).
  virtual api::Result<std::size_t> deleteKeys(const std::vector<std::string>& tokens) = 0;
  virtual api::Result<KeyPage> listKeys(const KeyQuery& q) = 0;
  virtual api::Result<std::int64_t> countKeys() = 0;

  // Background writes, in one transaction (all or nothing).
  virtual api::Result<void> write(const WriteBatch& batch) = 0;

  // Stored responses (Responses API; written through write()). findResponse returns the row
  // whatever its owner: the caller compares owner. deleteResponse: false when there was none.
  virtual api::Result<std::optional<StoredResponse>> findResponse(std::string_view id) = 0;
  virtual api::Result<bool> deleteResponse(std::string_view id) = 0;
  // The latest stored response of `owner` one of whose input or output items has id `item_id`
  // (item_ids); nullopt when none.
  virtual api::Result<std::optional<StoredResponse>> findResponseByItem(std::string_view item_id,
                                                                        std::string_view owner) = 0;
  // Retention: deletes the responses created before `created_before`; returns how many. May
  // commit in several transactions (a long purge does not hold the write lock throughout).
  virtual api::Result<std::size_t> purgeResponses(UnixMs created_before) = 0;

  // Reports.
  virtual api::Result<std::vector<SpendRow>> spendLogs(const SpendQuery& q) = 0;
  virtual api::Result<std::vector<SpendGroup>> spendReport(const SpendReportQuery& q) = 0;
  virtual api::Result<std::vector<AuditRow>> auditLog(std::int64_t limit) = 0;
};

// general_settings.database_url (or env DATABASE_URL) as the store understands it:
//   sqlite:///relative/path.db   (relative to the working directory)
//   sqlite:////absolute/path.db
//   sqlite://:memory: / sqlite:///:memory:  (tests)
//   postgresql://user:password@host:port/db?sslmode=... / postgres://...  (engine "postgresql":
//                                 the url goes to libpq as is)
// An empty url means "./switchyard.db".
struct DatabaseUrl {
  std::string engine;  // "sqlite" | "postgresql"
  std::string path;    // sqlite: the file path (":memory:" for an in-memory database)
  std::string url;     // as given (may hold a password: never log it)
};
api::Result<DatabaseUrl> parseDatabaseUrl(std::string_view url);

// Opens the store for `url`: SQLite (the file is created when missing; WAL mode, busy timeout)
// or PostgreSQL (connected within a few seconds, else kUnavailable). Does not migrate.
api::Result<std::unique_ptr<Store>> openStore(const DatabaseUrl& url);

// Why the gateway would refuse to start with this database_url although the config loads: a url
// that does not parse. nullopt when the store can open it. --check-config prints it as a warning (the
// config itself is valid); openStore refuses with the same words. Never contains the url past
// its scheme (it may hold a password).
std::optional<std::string> startupRefusal(std::string_view database_url);

}  // namespace switchyard::store
