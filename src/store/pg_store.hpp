#pragma once
// The PostgreSQL store (private to the store module; callers use openStore of store.hpp). One
// connection (pg_connection.hpp: every call bounded by a deadline, reconnecting after an outage),
// prepared statements, spend rows inserted many to a statement, the schema migrated under an
// advisory lock so that several instances may start at once.

#include <memory>
#include <string>

#include "pg_connection.hpp"
#include "switchyard/store/store.hpp"

namespace switchyard::store {

// Connects to `url` (postgresql://...). Does not migrate. kUnavailable when the server cannot be
// reached within options.connect_timeout.
api::Result<std::unique_ptr<Store>> openPostgresStore(const std::string& url,
                                                      const pg::ConnOptions& options = {});

}  // namespace switchyard::store
