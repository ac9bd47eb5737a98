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
#include "switchyard/store/hierarchy.hpp"
#include "switchyard/store/records.hpp"

namespace switchyard::store {

// One transaction's worth of background writes, applied in the order: spend rows, spend deltas
// of every level (spend += delta, and model_spend[model] += delta; a delta for a row that does
// not exist is dropped, but a customer's creates the row), budget resets (spend = 0 or
// model_spend[model].spend = 0, and the next reset time), audit rows, responses (each replacing
// a stored response of the same id).
struct WriteBatch {
  std::vector<SpendRow> rows;
  std::vector<SpendDelta> deltas;
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

  // The hierarchy above keys (hierarchy.hpp, docs/teams.md). Inserts fail with "duplicate"
  // (kInvalidRequest) when the id exists; updates replace every field but the spend state and
  // the memberships, and return false when the row does not exist; an update that changes the
  // budget_duration also writes the row's budget_reset_at (the new window's end). Reads return
  // the spend state as stored (what spend deltas and budget resets wrote).
  //
  // Teams. A team's members come with it (TeamRow::members). Deleting teams deletes their
  // memberships and every key whose team_id is one of them (LiteLLM's rule), in one
  // transaction; Deleted::key_tokens lists those keys.
  virtual api::Result<void> forEachTeam(const std::function<void(TeamRow&&)>& each) = 0;
  virtual api::Result<std::optional<TeamRow>> findTeam(std::string_view team_id) = 0;
  virtual api::Result<void> insertTeam(const TeamRow& row) = 0;
  virtual api::Result<bool> updateTeam(const TeamRow& row) = 0;
  virtual api::Result<Deleted> deleteTeams(const std::vector<std::string>& team_ids) = 0;
  // Sorted by sort_by (team_id | team_alias | created_at | spend), then team_id.
  virtual api::Result<Page<TeamRow>> listTeams(const ListQuery& q) = 0;
  // Memberships: putMember inserts or replaces (team_id, user_id) (its spend state is kept when
  // it exists); deleteMember returns false when there was none.
  virtual api::Result<void> putMember(const TeamMember& member) = 0;
  virtual api::Result<bool> deleteMember(std::string_view team_id, std::string_view user_id) = 0;
  virtual api::Result<void> forEachMember(const std::function<void(TeamMember&&)>& each) = 0;

  // Internal users. Deleting users deletes their memberships and every key whose user_id is one
  // of them (LiteLLM's rule), in one transaction.
  virtual api::Result<void> forEachUser(const std::function<void(UserRow&&)>& each) = 0;
  virtual api::Result<std::optional<UserRow>> findUser(std::string_view user_id) = 0;
  // Email compared trimmed and case-insensitively; every match (LiteLLM allows duplicates).
  virtual api::Result<std::vector<UserRow>> findUsersByEmail(std::string_view email) = 0;
  virtual api::Result<void> insertUser(const UserRow& row) = 0;
  virtual api::Result<bool> updateUser(const UserRow& row) = 0;
  virtual api::Result<Deleted> deleteUsers(const std::vector<std::string>& user_ids) = 0;
  // Sorted by sort_by (user_id | user_email | user_alias | user_role | spend | created_at).
  virtual api::Result<Page<UserRow>> listUsers(const ListQuery& q) = 0;

  // End customers. A customer's row also appears with its first spend delta (SpendDelta).
  virtual api::Result<std::optional<CustomerRow>> findCustomer(std::string_view user_id) = 0;
  virtual api::Result<void> insertCustomer(const CustomerRow& row) = 0;
  virtual api::Result<bool> updateCustomer(const CustomerRow& row) = 0;
  virtual api::Result<Deleted> deleteCustomers(const std::vector<std::string>& user_ids) = 0;
  // Sorted by sort_by (user_id | alias | spend | created_at).
  virtual api::Result<Page<CustomerRow>> listCustomers(const ListQuery& q) = 0;

  // Budget objects. Deleting a budget clears budget_id wherever it is named (teams, users,
  // customers, memberships) in the same transaction.
  virtual api::Result<void> forEachBudget(const std::function<void(BudgetRow&&)>& each) = 0;
  virtual api::Result<std::optional<BudgetRow>> findBudget(std::string_view budget_id) = 0;
  virtual api::Result<void> insertBudget(const BudgetRow& row) = 0;
  virtual api::Result<bool> updateBudget(const BudgetRow& row) = 0;
  virtual api::Result<bool> deleteBudget(std::string_view budget_id) = 0;
  virtual api::Result<Page<BudgetRow>> listBudgets(const ListQuery& q) = 0;

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
