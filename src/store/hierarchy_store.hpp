#pragma once
// The hierarchy calls of the Store (store.hpp, on the records of hierarchy.hpp) as both SQL
// engines run them (private to the store). HierarchyStore implements them once over SqlEngine,
// the few primitives an engine provides (a statement, its rows, a transaction); SqliteStore and
// PostgresStore derive from it and hand it theirs (sqlite_hierarchy.cpp, pg_hierarchy.cpp). The
// SQL is hierarchy_rows.hpp's: only whitelisted names reach its text, every value is bound.
//
// Deleting teams or users takes their memberships and keys along (and the keys' stored
// responses), in one transaction. A spend delta of a row that does not exist is dropped, but a
// customer's creates the row; resets apply once per window, as the keys' do (sqlite_store.cpp).

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hierarchy_rows.hpp"
#include "switchyard/store/store.hpp"

namespace switchyard::store {

// What HierarchyStore needs of an engine.
class SqlEngine {
 public:
  virtual ~SqlEngine() = default;
  virtual const rows::Dialect& dialect() const noexcept = 0;
  // Runs `sql` with `params`; `each` sees every result row (an error it returns stops the scan
  // and is the result). `what` names the operation in error details.
  virtual api::Result<void> query(
      std::string_view sql, const rows::Values& params, std::string_view what,
      const std::function<api::Result<void>(const rows::Columns&)>& each) = 0;
  // Runs a statement that returns no rows; how many rows it changed. A unique violation is
  // kInvalidRequest with code "duplicate".
  virtual api::Result<std::int64_t> run(std::string_view sql, const rows::Values& params,
                                        std::string_view what) = 0;
  // A write transaction (SQLite: BEGIN IMMEDIATE). rollback() does nothing when none is open.
  virtual api::Result<void> begin() = 0;
  virtual api::Result<void> commit() = 0;
  virtual void rollback() noexcept = 0;
  // Within the transaction: the stored responses `owner` owns are deleted.
  virtual api::Result<void> deleteResponsesOf(std::string_view owner) = 0;
};

class HierarchyStore : public Store {
 public:
  ~HierarchyStore() override;

  api::Result<void> forEachTeam(const std::function<void(TeamRow&&)>& each) override;
  api::Result<std::optional<TeamRow>> findTeam(std::string_view team_id) override;
  api::Result<void> insertTeam(const TeamRow& row) override;
  api::Result<bool> updateTeam(const TeamRow& row) override;
  api::Result<Deleted> deleteTeams(const std::vector<std::string>& team_ids) override;
  api::Result<Page<TeamRow>> listTeams(const ListQuery& q) override;
  api::Result<void> putMember(const TeamMember& member) override;
  api::Result<bool> deleteMember(std::string_view team_id, std::string_view user_id) override;
  api::Result<void> forEachMember(const std::function<void(TeamMember&&)>& each) override;

  api::Result<void> forEachUser(const std::function<void(UserRow&&)>& each) override;
  api::Result<std::optional<UserRow>> findUser(std::string_view user_id) override;
  api::Result<std::vector<UserRow>> findUsersByEmail(std::string_view email) override;
  api::Result<void> insertUser(const UserRow& row) override;
  api::Result<bool> updateUser(const UserRow& row) override;
  api::Result<Deleted> deleteUsers(const std::vector<std::string>& user_ids) override;
  api::Result<Page<UserRow>> listUsers(const ListQuery& q) override;

  api::Result<std::optional<CustomerRow>> findCustomer(std::string_view user_id) override;
  api::Result<void> insertCustomer(const CustomerRow& row) override;
  api::Result<bool> updateCustomer(const CustomerRow& row) override;
  api::Result<Deleted> deleteCustomers(const std::vector<std::string>& user_ids) override;
  api::Result<Page<CustomerRow>> listCustomers(const ListQuery& q) override;

  api::Result<void> forEachBudget(const std::function<void(BudgetRow&&)>& each) override;
  api::Result<std::optional<BudgetRow>> findBudget(std::string_view budget_id) override;
  api::Result<void> insertBudget(const BudgetRow& row) override;
  api::Result<bool> updateBudget(const BudgetRow& row) override;
  api::Result<bool> deleteBudget(std::string_view budget_id) override;
  api::Result<Page<BudgetRow>> listBudgets(const ListQuery& q) override;

 protected:
  HierarchyStore();
  // Called once by the engine's constructor, before any other call.
  void setEngine(std::unique_ptr<SqlEngine> engine);
  // A spend delta or budget reset of a level other than kKey (a key's: nothing), within the
  // caller's transaction (Store::write).
  api::Result<void> applyLevelDelta(const SpendDelta& d);
  api::Result<void> applyLevelReset(const BudgetReset& r);

 private:
  struct Sql;
  struct Target;
  const rows::TableSql& table(rows::Table t) const;
  api::Result<void> withMembers(std::vector<TeamRow>& teams);
  api::Result<void> withTeams(std::vector<UserRow>& users);
  // The keys whose `column` (team_id / user_id) is `id` deleted with their responses; their
  // tokens appended to `tokens`.
  api::Result<void> deleteKeysOf(const std::string& sql, const std::string& id,
                                 std::vector<std::string>& tokens);
  api::Result<std::optional<ByModel<ModelSpend>>> modelSpend(const Target& t);

  std::unique_ptr<SqlEngine> engine_;
  std::unique_ptr<const Sql> sql_;
};

}  // namespace switchyard::store
