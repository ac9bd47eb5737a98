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

}  // namespace switchyard::admin
