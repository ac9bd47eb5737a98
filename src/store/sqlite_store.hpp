#pragma once
// The SQLite store (private to the store module; callers use openStore of store.hpp). One
// connection (SQLITE_OPEN_NOMUTEX: one thread uses it at a time), WAL journal, synchronous=NORMAL,
// a busy timeout, prepared statements cached for the life of the connection.

#include <chrono>
#include <memory>
#include <string>

#include "switchyard/store/store.hpp"

struct sqlite3;

namespace switchyard::store {

struct SqliteOptions {
  // How long a statement waits for another connection's lock before failing with kUnavailable.
  std::chrono::milliseconds busy_timeout{2000};
};

// Opens (creating when missing) the database file at `path` (":memory:" for an in-memory one).
// Does not migrate.
api::Result<std::unique_ptr<Store>> openSqliteStore(const std::string& path,
                                                    const SqliteOptions& options = {});

// The connection of a store openSqliteStore opened, for tests and tools that need direct SQL
// (e.g. one transaction around many inserts); nullptr for any other store. Use it only on the
// thread that uses the store.
sqlite3* sqliteHandle(Store& store) noexcept;

}  // namespace switchyard::store
