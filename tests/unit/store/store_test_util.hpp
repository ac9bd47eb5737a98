#pragma once
// Shared by the store tests: a temporary directory holding a real SQLite file, sample records,
// a direct sqlite3 connection for checks the Store interface does not offer, and TestDatabase:
// one empty database of either engine (a SQLite file, or a fresh database on a real PostgreSQL
// server started once per test binary), so that one suite runs against both backends.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "store/pg_store.hpp"
#include "store/sqlite_store.hpp"
#include "support/postgres_server.hpp"
#include "switchyard/store/store.hpp"

namespace switchyard::store::test {

// mkdtemp under /tmp; removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/sy-store-test-XXXXXX";
    const char* p = ::mkdtemp(tmpl);
    if (p != nullptr) path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A second, plain connection to the same file (closed on scope exit).
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path;
    }
    sqlite3_busy_timeout(db_, 2000);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  sqlite3* get() const { return db_; }
  // Runs statements; returns the SQLite result code (and adds a failure when asked to).
  int exec(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }
  // The first column of the first row, as text ("" when none).
  std::string scalar(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

inline std::unique_ptr<Store> openMigrated(const std::string& path,
                                           const SqliteOptions& options = {}) {
  auto store = openSqliteStore(path, options);
  EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().detail);
  if (!store) return nullptr;
  auto migrated = (*store)->migrate();
  EXPECT_TRUE(migrated.has_value()) << (migrated ? "" : migrated.error().detail);
  return std::move(*store);
}

// A key with every field set to something other than its default.
inline KeyRow fullKey(const std::string& token, const std::string& alias) {
  KeyRow k;
  k.token = token;
  k.key_name = "sk-...abcd";
  k.key_alias = alias;
  k.models = {"gpt-4o", "claude-*", "group:fast"};
  k.aliases = {{"gpt4", "gpt-4o"}, {"fast", "gpt-4o-mini"}};
  k.max_budget = 12.5;
  k.soft_budget = 10.25;
  k.budget_duration = "30d";
  k.budget_reset_at = 1'700'000'000'123;
  k.spend = 3.75;
  k.rpm_limit = 60;
  k.tpm_limit = 100'000;
  k.max_parallel_requests = 4;
  k.expires = 1'800'000'000'000;
  k.metadata = R"({"team":"ml","nested":{"a":[1,2,{"b":null}]},"unicode":"h\u00e9llo"})";
  k.tags = {"prod", "eu"};
  k.blocked = true;
  k.user_id = "user-1";
  k.team_id = "team-1";
  k.model_max_budget = {{"gpt-4o", {.budget_limit = 1.5, .time_period = "1d"}},
                        {"claude-3", {.budget_limit = 2, .time_period = ""}}};
  k.model_rpm_limit = {{"gpt-4o", 10}};
  k.model_tpm_limit = {{"gpt-4o", 5000}, {"claude-3", 7000}};
  k.model_spend = {{"gpt-4o", {.spend = 0.5, .reset_at = 1'700'000'100'000}},
                   {"claude-3", {.spend = 0.25, .reset_at = std::nullopt}}};
  k.created_at = 1'690'000'000'000;
  k.updated_at = 1'690'000'000'500;
  k.created_by = "master";
  k.updated_by = "admin-key";
  k.previous_token = "prev-" + token;
  k.previous_token_expires = 1'690'000'900'000;
  return k;
}

// A key with only the token, alias and creation time set.
inline KeyRow plainKey(const std::string& token, const std::string& alias = "",
                       UnixMs created_at = 0) {
  KeyRow k;
  k.token = token;
  k.key_alias = alias;
  k.created_at = created_at;
  k.updated_at = created_at;
  return k;
}

enum class Engine { kSqlite, kPostgres };

inline std::string engineName(const ::testing::TestParamInfo<Engine>& info) {
  return info.param == Engine::kSqlite ? "sqlite" : "postgresql";
}
#define SY_BOTH_ENGINES(Suite)                                                        \
  INSTANTIATE_TEST_SUITE_P(Engines, Suite,                                             \
                           ::testing::Values(::switchyard::store::test::Engine::kSqlite, \
                                             ::switchyard::store::test::Engine::kPostgres), \
                           ::switchyard::store::test::engineName)

// The test binary's PostgreSQL server: started on first use, stopped when the binary exits.
inline switchyard::test::PostgresServer& postgresServer() {
  static switchyard::test::PostgresServer server;
  return server;
}

// One empty database of `engine`, dropped (or deleted) afterwards.
class TestDatabase {
 public:
  explicit TestDatabase(Engine engine) : engine_(engine) {
    if (engine == Engine::kSqlite) {
      url_ = dir_.file("s.db");
      return;
    }
    auto& server = postgresServer();
    if (!server.started()) {
      ADD_FAILURE() << "postgres did not start: " << server.startError();
      return;
    }
    static std::atomic<int> next{0};
    name_ = "t" + std::to_string(::getpid()) + "_" + std::to_string(next++);
    if (!server.createDatabase(name_)) ADD_FAILURE() << "cannot create database " << name_;
    url_ = server.urlForDatabase(name_);
  }
  ~TestDatabase() {
    if (!name_.empty() && postgresServer().started()) {
      postgresServer().query("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    }
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  Engine engine() const { return engine_; }
  bool postgres() const { return engine_ == Engine::kPostgres; }
  const std::string& url() const { return url_; }

  // A new store on this database, not migrated.
  std::unique_ptr<Store> openUnmigrated() {
    auto store = engine_ == Engine::kSqlite ? openSqliteStore(url_) : openPostgresStore(url_);
    EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().detail);
    return store ? std::move(*store) : nullptr;
  }
  // A new store on this database, migrated.
  std::unique_ptr<Store> open() {
    auto store = openUnmigrated();
    if (!store) return nullptr;
    auto migrated = store->migrate();
    EXPECT_TRUE(migrated.has_value()) << (migrated ? "" : migrated.error().detail);
    return store;
  }

  // Statements through a connection of their own (SQL both engines read alike); false on error.
  bool exec(const std::string& sql) {
    if (engine_ == Engine::kSqlite) return RawDb(url_).exec(sql) == SQLITE_OK;
    PGconn* c = PQconnectdb(url_.c_str());
    PGresult* r = PQexec(c, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) ADD_FAILURE() << PQerrorMessage(c);
    PQclear(r);
    PQfinish(c);
    return ok;
  }
  // The first column of the first row, as text ("" when none).
  std::string scalar(const std::string& sql) {
    if (engine_ == Engine::kSqlite) return RawDb(url_).scalar(sql);
    PGconn* c = PQconnectdb(url_.c_str());
    PGresult* r = PQexec(c, sql.c_str());
    std::string out;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) {
      out = PQgetvalue(r, 0, 0);
    }
    PQclear(r);
    PQfinish(c);
    return out;
  }
  // Makes every insert into audit_log fail with "injected failure" (a trigger), or stops it.
  void failAuditInserts(bool on) {
    if (engine_ == Engine::kSqlite) {
      EXPECT_TRUE(exec(on ? "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log BEGIN SELECT "
                            "RAISE(ABORT, 'injected failure'); END"
                          : "DROP TRIGGER fail_audit"));
      return;
    }
    EXPECT_TRUE(exec(on ? "CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ "
                          "BEGIN RAISE EXCEPTION 'injected failure'; END $$; CREATE TRIGGER "
                          "fail_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION "
                          "fail_audit()"
                        : "DROP TRIGGER fail_audit ON audit_log; DROP FUNCTION fail_audit()"));
  }

 private:
  Engine engine_;
  TempDir dir_;
  std::string url_;   // sqlite: the file; postgresql: the database's url
  std::string name_;  // postgresql: the database
};

// The fixture of the suites that run against both engines (SY_BOTH_ENGINES): one migrated store
// of the test's engine on a database of its own.
class EngineTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    store_ = db_.open();
    ASSERT_NE(store_, nullptr);
  }
  // The key `token` (a failed test when it is not there).
  KeyRow mustFind(const std::string& token) {
    auto found = store_->findKey(token);
    EXPECT_TRUE(found.has_value() && found->has_value()) << token;
    return found && *found ? **found : KeyRow{};
  }

  TestDatabase db_{GetParam()};
  std::unique_ptr<Store> store_;
};

}  // namespace switchyard::store::test
