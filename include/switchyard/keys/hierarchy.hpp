#pragma once
// The levels above virtual keys, in memory (docs/teams.md): teams, their members, internal users,
// end customers and budget objects. Each team, member, user and customer has live counters (a
// KeyEntry: the same limits and reserve-then-settle budgets as a key) built from its effective
// limits: its own, then its budget object's where unset (a member: its max_budget_in_team, else
// the team's team_member_budget / _rpm_limit / _tpm_limit, over the team's budget_duration; a
// customer: then the customer defaults of litellm_settings).
//
// Teams, members, users and budgets are loaded whole at startup (load) and kept in step by the
// admin routes (put* / erase*) and by other instances' invalidations. Customers, whom the traffic
// names, are loaded on first use (loadCustomer: one store lookup, bounded by a timeout) and kept
// up to max_customers (beyond, the cache is emptied and refilled on use).
//
// Thread-safe: one reader-writer lock, held for lookups and updates only, never across I/O.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "switchyard/api/error.hpp"
#include "switchyard/store/hierarchy.hpp"

namespace switchyard::store {
class Store;
class StoreThread;
}  // namespace switchyard::store

namespace switchyard::keys {

class KeyEntry;

struct HierarchyOptions {
  // What a customer's limits fall back to (litellm_settings.max_end_user_budget, ...).
  store::Limits customer_defaults;
  std::size_t max_customers = 100000;
  std::chrono::milliseconds lookup_timeout{2000};
};

// A level as the request path reads it: its row as stored (settings, immutable) and its counters.
template <class Row>
struct LevelView {
  std::shared_ptr<const Row> row;  // a customer the store does not know: null
  std::shared_ptr<KeyEntry> counters;
};
using TeamView = LevelView<store::TeamRow>;
using UserView = LevelView<store::UserRow>;
using CustomerView = LevelView<store::CustomerRow>;

class Hierarchy {
 public:
  explicit Hierarchy(HierarchyOptions options = {});
  ~Hierarchy();
  Hierarchy(const Hierarchy&) = delete;
  Hierarchy& operator=(const Hierarchy&) = delete;

  // Startup: every budget, team, member and user of the store (on the store's thread).
  api::Result<void> load(store::Store& store);

  std::optional<TeamView> team(std::string_view team_id) const;
  std::optional<UserView> user(std::string_view user_id) const;
  std::shared_ptr<KeyEntry> member(std::string_view team_id, std::string_view user_id) const;
  std::optional<store::TeamMember> membership(std::string_view team_id,
                                              std::string_view user_id) const;
  std::optional<store::BudgetRow> budget(std::string_view budget_id) const;
  // A customer seen before (cached); nullopt: call loadCustomer first.
  std::optional<CustomerView> customer(std::string_view user_id) const;
  // Reads the customer from the store (on its thread) and caches it: its row, or the defaults
  // with no spend when the store does not know it. kUnavailable when the store does not answer
  // within lookup_timeout (the request fails with 503: its customer budget cannot be checked).
  boost::asio::awaitable<api::Result<void>> loadCustomer(std::string user_id,
                                                         store::StoreThread& store);

  // The admin routes' changes. `spend_set`: the row's spend state replaces the live one (an
  // admin set it, or a reset); otherwise the live spend stays. putTeam also adds and removes
  // the team's members (row.members) and rebuilds their limits.
  void putTeam(const store::TeamRow& row, bool spend_set = false);
  void eraseTeam(std::string_view team_id);
  void putMember(const store::TeamMember& member, bool spend_set = false);
  void eraseMember(std::string_view team_id, std::string_view user_id);
  void putUser(const store::UserRow& row, bool spend_set = false);
  void eraseUser(std::string_view user_id);
  void putCustomer(const store::CustomerRow& row, bool spend_set = false);
  void eraseCustomer(std::string_view user_id);
  // A budget object changed: every level that names it gets its new limits.
  void putBudget(const store::BudgetRow& row);
  void eraseBudget(std::string_view budget_id);

  // Another instance changed a level (key_events.hpp: op 't', 'u', 'c', 'b', upper case with
  // the spend set; '*': messages may have been lost, reread every team, member, user and
  // budget): reread from the store in the background.
  void refresh(char op, std::string_view id, store::StoreThread& store);

  // GET /metrics, /team/info: each level with its counters, under the read lock (`fn` must be
  // quick and must not call back into the hierarchy).
  void forEachTeam(const std::function<void(const TeamView&)>& fn) const;
  void forEachUser(const std::function<void(const UserView&)>& fn) const;
  std::size_t customersCached() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard::keys
