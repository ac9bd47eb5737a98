// Hierarchy (hierarchy.hpp): teams, members, users, customers and budget objects in memory.

#include "switchyard/keys/hierarchy.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>

#include "switchyard/keys/key_entry.hpp"
#include "switchyard/keys/key_settings.hpp"
#include "switchyard/store/store_thread.hpp"

namespace switchyard::keys {
namespace {

namespace asio = boost::asio;
using store::Level;
using store::Limits;

template <class V>
using ById = std::unordered_map<std::string, V>;

struct Member {
  store::TeamMember row;
  std::shared_ptr<KeyEntry> counters;
};

// The counters of a level with `limits`: new, or the existing ones with new settings.
std::shared_ptr<KeyEntry> counted(std::shared_ptr<KeyEntry> existing, Level level,
                                  const std::string& id, const Limits& limits,
                                  const store::SpendState& spend, KeyEntry::SpendUpdate update,
                                  const std::string& team_id = {}) {
  auto settings = std::make_shared<const KeySettings>(level, id, limits, team_id);
  if (!existing) return std::make_shared<KeyEntry>(std::move(settings), spend);
  existing->setSettings(std::move(settings), spend, update);
  return existing;
}

// How a row's stored spend state meets live counters: replaces them (spend_set), or only its
// window end, which the store's update wrote when the row's own budget_duration changed.
template <class Row>
KeyEntry::SpendUpdate spendUpdate(const Row* before, const Row& row, bool spend_set) {
  if (spend_set) return KeyEntry::SpendUpdate::kSpendSet;
  const bool own_window_moved =
      before != nullptr && before->limits.budget_duration != row.limits.budget_duration;
  return own_window_moved ? KeyEntry::SpendUpdate::kWindowStored
                          : KeyEntry::SpendUpdate::kKeepSpend;
}

}  // namespace

struct Hierarchy::Impl {
  explicit Impl(HierarchyOptions o) : opts(std::move(o)) {}
  const HierarchyOptions opts;

  mutable std::shared_mutex mu;
  ById<store::BudgetRow> budgets;
  ById<TeamView> teams;
  ById<Member> members;  // by memberToken(team, user)
  ById<UserView> users;
  ById<CustomerView> customers;

  // mu held.
  const Limits* budgetLimits(const std::string& id) const {
    if (id.empty()) return nullptr;
    auto it = budgets.find(id);
    return it == budgets.end() ? nullptr : &it->second.limits;
  }
  Limits teamLimits(const store::TeamRow& t) const {
    return store::effectiveLimits(t.limits, budgetLimits(t.budget_id));
  }
  Limits userLimits(const store::UserRow& u) const {
    return store::effectiveLimits(u.limits, budgetLimits(u.budget_id));
  }
  Limits customerLimits(const store::CustomerRow* c) const {
    if (!c) return opts.customer_defaults;
    Limits own = store::effectiveLimits(c->limits, budgetLimits(c->budget_id));
    return store::effectiveLimits(own, &opts.customer_defaults);
  }
  // A member's: max_budget_in_team, else the team's per-member figures, over the team's window;
  // then its budget object's.
  Limits memberLimits(const store::TeamMember& m, const store::TeamRow* team) const {
    Limits own;
    own.max_budget = m.max_budget_in_team;
    if (team) {
      if (!own.max_budget) own.max_budget = team->team_member_budget;
      own.rpm_limit = team->team_member_rpm_limit;
      own.tpm_limit = team->team_member_tpm_limit;
      own.budget_duration = team->limits.budget_duration;
    }
    return store::effectiveLimits(own, budgetLimits(m.budget_id));
  }
  const store::TeamRow* teamRow(const std::string& id) const {
    auto it = teams.find(id);
    return it == teams.end() ? nullptr : it->second.row.get();
  }

  void putMemberLocked(const store::TeamMember& m, bool spend_set) {
    Member& slot = members[memberToken(m.team_id, m.user_id)];
    slot.counters =
        counted(std::move(slot.counters), Level::kTeamMember, m.user_id,
                memberLimits(m, teamRow(m.team_id)), m.spend,
                spend_set ? KeyEntry::SpendUpdate::kSpendSet : KeyEntry::SpendUpdate::kKeepSpend,
                m.team_id);
    slot.row = m;
  }
  void putTeamLocked(const store::TeamRow& row, bool spend_set) {
    TeamView& slot = teams[row.team_id];
    slot.counters = counted(std::move(slot.counters), Level::kTeam, row.team_id, teamLimits(row),
                            row.spend, spendUpdate(slot.row.get(), row, spend_set));
    slot.row = std::make_shared<const store::TeamRow>(row);
  }
  void putUserLocked(const store::UserRow& row, bool spend_set) {
    UserView& slot = users[row.user_id];
    slot.counters = counted(std::move(slot.counters), Level::kUser, row.user_id, userLimits(row),
                            row.spend, spendUpdate(slot.row.get(), row, spend_set));
    slot.row = std::make_shared<const store::UserRow>(row);
  }
  void putCustomerLocked(std::shared_ptr<const store::CustomerRow> row, const std::string& id,
                         const store::SpendState& spend, bool spend_set) {
    if (customers.size() >= opts.max_customers && !customers.contains(id)) customers.clear();
    CustomerView& slot = customers[id];
    const auto update =
        row ? spendUpdate(slot.row.get(), *row, spend_set)
            : (spend_set ? KeyEntry::SpendUpdate::kSpendSet : KeyEntry::SpendUpdate::kKeepSpend);
    slot.counters = counted(std::move(slot.counters), Level::kCustomer, id,
                            customerLimits(row.get()), spend, update);
    slot.row = std::move(row);
  }
  // Every member of `team_id` with limits recomputed (the team or a budget changed).
  void rebuildMembers(const std::string& team_id) {
    for (auto& [token, m] : members) {
      if (m.row.team_id == team_id) putMemberLocked(m.row, false);
    }
  }
};

Hierarchy::Hierarchy(HierarchyOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
Hierarchy::~Hierarchy() = default;

api::Result<void> Hierarchy::load(store::Store& s) {
  std::unique_lock lock(impl_->mu);
  Impl& d = *impl_;
  if (auto r =
          s.forEachBudget([&](store::BudgetRow&& b) { d.budgets[b.budget_id] = std::move(b); });
      !r) {
    return r;
  }
  if (auto r = s.forEachTeam([&](store::TeamRow&& t) { d.putTeamLocked(t, true); }); !r) return r;
  if (auto r = s.forEachMember([&](store::TeamMember&& m) { d.putMemberLocked(m, true); }); !r) {
    return r;
  }
  return s.forEachUser([&](store::UserRow&& u) { d.putUserLocked(u, true); });
}

std::optional<TeamView> Hierarchy::team(std::string_view id) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->teams.find(std::string(id));
  if (it == impl_->teams.end()) return std::nullopt;
  return it->second;
}

std::optional<UserView> Hierarchy::user(std::string_view id) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->users.find(std::string(id));
  if (it == impl_->users.end()) return std::nullopt;
  return it->second;
}

std::shared_ptr<KeyEntry> Hierarchy::member(std::string_view team_id,
                                            std::string_view user_id) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->members.find(memberToken(team_id, user_id));
  return it == impl_->members.end() ? nullptr : it->second.counters;
}

std::optional<store::TeamMember> Hierarchy::membership(std::string_view team_id,
                                                       std::string_view user_id) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->members.find(memberToken(team_id, user_id));
  if (it == impl_->members.end()) return std::nullopt;
  return it->second.row;
}

std::optional<store::BudgetRow> Hierarchy::budget(std::string_view id) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->budgets.find(std::string(id));
  if (it == impl_->budgets.end()) return std::nullopt;
  return it->second;
}

std::optional<CustomerView> Hierarchy::customer(std::string_view id) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->customers.find(std::string(id));
  if (it == impl_->customers.end()) return std::nullopt;
  return it->second;
}

namespace {
// One loadCustomer() caller, resumed on its own executor.
struct Waiter {
  explicit Waiter(asio::any_io_executor ex) : ex(ex), timer(ex) {}
  asio::any_io_executor ex;
  asio::steady_timer timer;
  bool done = false;  // set on `ex` only
  api::Result<void> result;
};
}  // namespace

asio::awaitable<api::Result<void>> Hierarchy::loadCustomer(std::string id,
                                                           store::StoreThread& store) {
  auto w = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  // The job may outlive this coroutine (a timeout): it holds the waiter, and the hierarchy
  // outlives the store thread's jobs (the store thread stops first).
  bool queued = store.submit([this, w, id](store::Store& s) {
    api::Result<void> result;
    auto row = s.findCustomer(id);
    if (!row) {
      result = row.error();
    } else {
      std::unique_lock lock(impl_->mu);
      if (!impl_->customers.contains(id)) {  // a concurrent first request may have been first
        if (*row) {
          auto shared = std::make_shared<const store::CustomerRow>(std::move(**row));
          impl_->putCustomerLocked(shared, id, shared->spend, true);
        } else {
          impl_->putCustomerLocked(nullptr, id, store::SpendState{}, true);
        }
      }
    }
    asio::post(w->ex, [w, result] {
      w->done = true;
      w->result = result;
      w->timer.cancel();
    });
  });
  if (!queued) {
    co_return api::Error{api::ErrorKind::kUnavailable,
                         "The store is busy: the customer's budget cannot be checked now.",
                         "customer lookup: store command queue full"};
  }
  if (!w->done) {
    w->timer.expires_after(impl_->opts.lookup_timeout);
    boost::system::error_code ec;
    co_await w->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!w->done) {
    co_return api::Error{api::ErrorKind::kUnavailable,
                         "The store is unavailable: the customer's budget cannot be checked now.",
                         "customer lookup timed out"};
  }
  co_return w->result;
}

void Hierarchy::putTeam(const store::TeamRow& row, bool spend_set) {
  std::unique_lock lock(impl_->mu);
  impl_->putTeamLocked(row, spend_set);
  // Members: the row's list is the truth.
  for (auto it = impl_->members.begin(); it != impl_->members.end();) {
    bool listed = false;
    if (it->second.row.team_id == row.team_id) {
      for (const store::TeamMember& m : row.members) listed |= m.user_id == it->second.row.user_id;
    }
    if (it->second.row.team_id == row.team_id && !listed) {
      it = impl_->members.erase(it);
    } else {
      ++it;
    }
  }
  for (const store::TeamMember& m : row.members) {
    auto it = impl_->members.find(memberToken(m.team_id, m.user_id));
    impl_->putMemberLocked(m, spend_set || it == impl_->members.end());
  }
}

void Hierarchy::eraseTeam(std::string_view team_id) {
  std::unique_lock lock(impl_->mu);
  impl_->teams.erase(std::string(team_id));
  std::erase_if(impl_->members, [&](const auto& kv) { return kv.second.row.team_id == team_id; });
}

void Hierarchy::putMember(const store::TeamMember& member, bool spend_set) {
  std::unique_lock lock(impl_->mu);
  bool fresh = !impl_->members.contains(memberToken(member.team_id, member.user_id));
  impl_->putMemberLocked(member, spend_set || fresh);
}

void Hierarchy::eraseMember(std::string_view team_id, std::string_view user_id) {
  std::unique_lock lock(impl_->mu);
  impl_->members.erase(memberToken(team_id, user_id));
}

void Hierarchy::putUser(const store::UserRow& row, bool spend_set) {
  std::unique_lock lock(impl_->mu);
  impl_->putUserLocked(row, spend_set);
}

void Hierarchy::eraseUser(std::string_view user_id) {
  std::unique_lock lock(impl_->mu);
  impl_->users.erase(std::string(user_id));
  std::erase_if(impl_->members, [&](const auto& kv) { return kv.second.row.user_id == user_id; });
}

void Hierarchy::putCustomer(const store::CustomerRow& row, bool spend_set) {
  std::unique_lock lock(impl_->mu);
  auto shared = std::make_shared<const store::CustomerRow>(row);
  bool fresh = !impl_->customers.contains(row.user_id);
  impl_->putCustomerLocked(shared, row.user_id, row.spend, spend_set || fresh);
}

void Hierarchy::eraseCustomer(std::string_view user_id) {
  std::unique_lock lock(impl_->mu);
  impl_->customers.erase(std::string(user_id));
}

void Hierarchy::putBudget(const store::BudgetRow& row) {
  std::unique_lock lock(impl_->mu);
  Impl& d = *impl_;
  d.budgets[row.budget_id] = row;
  for (auto& [id, t] : d.teams) {
    if (t.row->budget_id == row.budget_id) d.putTeamLocked(*t.row, false);
  }
  for (auto& [token, m] : d.members) {
    if (m.row.budget_id == row.budget_id) d.putMemberLocked(m.row, false);
  }
  for (auto& [id, u] : d.users) {
    if (u.row->budget_id == row.budget_id) d.putUserLocked(*u.row, false);
  }
  for (auto& [id, c] : d.customers) {
    if (c.row && c.row->budget_id == row.budget_id) d.putCustomerLocked(c.row, id, {}, false);
  }
}

void Hierarchy::eraseBudget(std::string_view budget_id) {
  std::unique_lock lock(impl_->mu);
  Impl& d = *impl_;
  if (!d.budgets.erase(std::string(budget_id))) return;
  // The levels that named it keep their own limits only (the store cleared their budget_id).
  for (auto& [id, t] : d.teams) {
    if (t.row->budget_id != budget_id) continue;
    store::TeamRow row = *t.row;
    row.budget_id.clear();
    d.putTeamLocked(row, false);
  }
  for (auto& [token, m] : d.members) {
    if (m.row.budget_id != budget_id) continue;
    store::TeamMember row = m.row;
    row.budget_id.clear();
    d.putMemberLocked(row, false);
  }
  for (auto& [id, u] : d.users) {
    if (u.row->budget_id != budget_id) continue;
    store::UserRow row = *u.row;
    row.budget_id.clear();
    d.putUserLocked(row, false);
  }
  for (auto& [id, c] : d.customers) {
    if (!c.row || c.row->budget_id != budget_id) continue;
    auto row = std::make_shared<store::CustomerRow>(*c.row);
    row->budget_id.clear();
    d.putCustomerLocked(std::move(row), id, {}, false);
  }
}

void Hierarchy::refresh(char op, std::string_view id_view, store::StoreThread& store) {
  std::string id(id_view);
  const bool spend_set = op >= 'A' && op <= 'Z';
  const char kind = spend_set ? static_cast<char>(op - 'A' + 'a') : op;
  // The store thread stops before the hierarchy goes (worker.hpp): `this` outlives the job.
  store.submit([this, kind, id, spend_set](store::Store& s) {
    switch (kind) {
      case 't':
        if (auto row = s.findTeam(id); row && *row) {
          putTeam(**row, spend_set);
        } else if (row) {
          eraseTeam(id);
        }
        break;
      case 'u':
        if (auto row = s.findUser(id); row && *row) {
          putUser(**row, spend_set);
        } else if (row) {
          eraseUser(id);
        }
        break;
      case 'c':
        if (auto row = s.findCustomer(id); row && *row) {
          if (customer(id)) putCustomer(**row, spend_set);
        } else if (row) {
          eraseCustomer(id);
        }
        break;
      case 'b':
        if (auto row = s.findBudget(id); row && *row) {
          putBudget(**row);
        } else if (row) {
          eraseBudget(id);
        }
        break;
      case '*': {
        // Settings only: the live spend of this instance stays.
        (void)s.forEachBudget([&](store::BudgetRow&& b) { putBudget(b); });
        (void)s.forEachTeam([&](store::TeamRow&& t) { putTeam(t, false); });
        (void)s.forEachUser([&](store::UserRow&& u) { putUser(u, false); });
        break;
      }
      default:
        break;
    }
  });
}

void Hierarchy::forEachTeam(const std::function<void(const TeamView&)>& fn) const {
  std::shared_lock lock(impl_->mu);
  for (const auto& [id, t] : impl_->teams) fn(t);
}

void Hierarchy::forEachUser(const std::function<void(const UserView&)>& fn) const {
  std::shared_lock lock(impl_->mu);
  for (const auto& [id, u] : impl_->users) fn(u);
}

std::size_t Hierarchy::customersCached() const {
  std::shared_lock lock(impl_->mu);
  return impl_->customers.size();
}

}  // namespace switchyard::keys
