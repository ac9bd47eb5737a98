#pragma once
// The admin routes (docs/keys.md, docs/keys.md): LiteLLM's /key/* and spend reports. Each is a
// coroutine answering one request; the route table (server/routes.cpp) calls it from a reply
// filter after the auth filter. Master key only, except GET /key/info on the caller's own key.
// Database work runs on the store thread (store::StoreThread::run), never on the worker.

#include <boost/asio/awaitable.hpp>

#include "switchyard/api/exchange.hpp"

namespace switchyard::keys {
class KeyRegistry;
class KeyEvents;
class Hierarchy;
}
namespace switchyard::store {
class StoreThread;
}

namespace switchyard::admin {

struct AdminContext {
  keys::KeyRegistry& keys;
  store::StoreThread* store = nullptr;  // null: no database (every admin route answers 503)
  // Other instances are told of each key changed here (null: none to tell).
  keys::KeyEvents* events = nullptr;
  // Teams, members, users, customers, budget objects in memory (null: no database).
  keys::Hierarchy* hierarchy = nullptr;
};

using Reply = boost::asio::awaitable<api::Reply>;

Reply generateKey(api::Exchange& ex, const AdminContext& c);    // POST /key/generate
Reply keyInfo(api::Exchange& ex, const AdminContext& c);        // GET /key/info[?key=]
Reply updateKey(api::Exchange& ex, const AdminContext& c);      // POST /key/update
Reply deleteKeys(api::Exchange& ex, const AdminContext& c);     // POST /key/delete
Reply listKeys(api::Exchange& ex, const AdminContext& c);       // GET /key/list
Reply regenerateKey(api::Exchange& ex, const AdminContext& c);  // POST /key/regenerate,
                                                                // /key/{key}/regenerate
Reply blockKey(api::Exchange& ex, const AdminContext& c);       // POST /key/block
Reply unblockKey(api::Exchange& ex, const AdminContext& c);     // POST /key/unblock

Reply spendLogs(api::Exchange& ex, const AdminContext& c);    // GET /spend/logs
Reply spendReport(api::Exchange& ex, const AdminContext& c);  // GET /global/spend/report
Reply spendKeys(api::Exchange& ex, const AdminContext& c);    // GET /global/spend/keys
Reply spendModels(api::Exchange& ex, const AdminContext& c);  // GET /global/spend/models

// Teams and budget objects (docs/teams.md); who may call which: admin/roles.hpp.
Reply newTeam(api::Exchange& ex, const AdminContext& c);           // POST /team/new
Reply teamInfo(api::Exchange& ex, const AdminContext& c);          // GET /team/info?team_id=
Reply updateTeam(api::Exchange& ex, const AdminContext& c);        // POST /team/update
Reply deleteTeams(api::Exchange& ex, const AdminContext& c);       // POST /team/delete
Reply listTeams(api::Exchange& ex, const AdminContext& c);         // GET /team/list
Reply listTeamsV2(api::Exchange& ex, const AdminContext& c);       // GET /v2/team/list
Reply addTeamMember(api::Exchange& ex, const AdminContext& c);     // POST /team/member_add
Reply deleteTeamMember(api::Exchange& ex, const AdminContext& c);  // POST /team/member_delete
Reply blockTeam(api::Exchange& ex, const AdminContext& c);         // POST /team/block
Reply unblockTeam(api::Exchange& ex, const AdminContext& c);       // POST /team/unblock
Reply addTeamModels(api::Exchange& ex, const AdminContext& c);     // POST /team/model/add
Reply deleteTeamModels(api::Exchange& ex, const AdminContext& c);  // POST /team/model/delete
Reply newBudget(api::Exchange& ex, const AdminContext& c);         // POST /budget/new
Reply updateBudget(api::Exchange& ex, const AdminContext& c);      // POST /budget/update
Reply budgetInfo(api::Exchange& ex, const AdminContext& c);        // POST /budget/info
Reply listBudgets(api::Exchange& ex, const AdminContext& c);       // GET /budget/list
Reply deleteBudget(api::Exchange& ex, const AdminContext& c);      // POST /budget/delete

// Internal users and end customers (docs/teams.md); who may call which: admin/roles.hpp.
Reply newUser(api::Exchange& ex, const AdminContext& c);           // POST /user/new
Reply userInfo(api::Exchange& ex, const AdminContext& c);          // GET /user/info[?user_id=]
Reply updateUser(api::Exchange& ex, const AdminContext& c);        // POST /user/update
Reply deleteUsers(api::Exchange& ex, const AdminContext& c);       // POST /user/delete
Reply listUsers(api::Exchange& ex, const AdminContext& c);         // GET /user/list
Reply newCustomer(api::Exchange& ex, const AdminContext& c);       // POST /customer/new
Reply customerInfo(api::Exchange& ex, const AdminContext& c);      // GET /customer/info
Reply updateCustomer(api::Exchange& ex, const AdminContext& c);    // POST /customer/update
Reply deleteCustomers(api::Exchange& ex, const AdminContext& c);   // POST /customer/delete
Reply listCustomers(api::Exchange& ex, const AdminContext& c);     // GET /customer/list
Reply blockCustomers(api::Exchange& ex, const AdminContext& c);    // POST /customer/block
Reply unblockCustomers(api::Exchange& ex, const AdminContext& c);  // POST /customer/unblock

}  // namespace switchyard::admin
