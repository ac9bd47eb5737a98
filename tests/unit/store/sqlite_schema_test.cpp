// Migrations, connection settings, persistence across reopening, and error kinds of the SQLite
// store, against a real file.

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "store/sqlite_schema.hpp"
#include "store_test_util.hpp"

// Designated initializers name only the fields a test cares about; GCC's -Wextra would warn
// about every member left out that has no default member initializer.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace switchyard::store {
namespace {

using test::openMigrated;
using test::RawDb;
using test::TempDir;

std::set<std::string> columnsOf(RawDb& db, const std::string& table) {
  std::set<std::string> out;
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db.get(), ("PRAGMA table_info(" + table + ")").c_str(), -1, &s, nullptr);
  while (sqlite3_step(s) == SQLITE_ROW) {
    out.insert(reinterpret_cast<const char*>(sqlite3_column_text(s, 1)));
  }
  sqlite3_finalize(s);
  return out;
}

TEST(SqliteSchema, MigrationVersionsAreConsecutive) {
  int expected = 1;
  for (const sqlite::Migration& m : sqlite::migrations()) {
    EXPECT_EQ(m.version, expected++);
    EXPECT_FALSE(m.sql.empty());
  }
  EXPECT_EQ(sqlite::latestVersion(), expected - 1);
}

TEST(SqliteSchema, MigrateTwiceIsANoOp) {
  TempDir dir;
  auto store = openSqliteStore(dir.file("s.db"));
  ASSERT_TRUE(store.has_value()) << store.error().detail;
  EXPECT_EQ((*store)->schemaVersion(), 0);
  ASSERT_TRUE((*store)->migrate().has_value());
  EXPECT_EQ((*store)->schemaVersion(), sqlite::latestVersion());
  ASSERT_TRUE((*store)->insertKey(test::plainKey("t1", "kept")).has_value());
  ASSERT_TRUE((*store)->migrate().has_value());
  EXPECT_EQ((*store)->schemaVersion(), sqlite::latestVersion());
  EXPECT_EQ((*store)->countKeys().value(), 1);

  RawDb raw(dir.file("s.db"));
  EXPECT_EQ(raw.scalar("SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(sqlite::migrations().size()));
  EXPECT_NE(raw.scalar("SELECT applied_at FROM schema_migrations WHERE version = 1"), "0");
}

TEST(SqliteSchema, ASecondStoreOnTheSameFileDoesNotMigrateAgain) {
  TempDir dir;
  auto first = openMigrated(dir.file("s.db"));
  ASSERT_NE(first, nullptr);
  auto second = openMigrated(dir.file("s.db"));
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->schemaVersion(), sqlite::latestVersion());
  RawDb raw(dir.file("s.db"));
  EXPECT_EQ(raw.scalar("SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(sqlite::migrations().size()));
}

TEST(SqliteSchema, TablesUseLiteLLMColumnNames) {
  TempDir dir;
  auto store = openMigrated(dir.file("s.db"));
  ASSERT_NE(store, nullptr);
  RawDb raw(dir.file("s.db"));
  std::set<std::string> keys = columnsOf(raw, "keys");
  for (const char* c :
       {"token",      "key_name",         "key_alias",       "models",
        "aliases",    "max_budget",       "budget_duration", "budget_reset_at",
        "spend",      "rpm_limit",        "tpm_limit",       "max_parallel_requests",
        "expires",    "metadata",         "blocked",         "user_id",
        "team_id",    "model_max_budget", "model_spend",     "created_at",
        "created_by", "updated_at",       "updated_by"}) {
    EXPECT_TRUE(keys.count(c)) << "keys." << c;
  }
  EXPECT_EQ(static_cast<int>(keys.size()), sqlite::kKeyColumnCount);
  std::set<std::string> spend = columnsOf(raw, "spend_logs");
  for (const char* c :
       {"request_id", "call_type", "key_ref", "spend", "total_tokens", "prompt_tokens",
        "completion_tokens", "model", "model_id", "model_group", "custom_llm_provider", "api_base",
        "user", "cache_hit", "request_tags", "team_id", "end_user", "status"}) {
    EXPECT_TRUE(spend.count(c)) << "spend_logs." << c;
  }
  EXPECT_EQ(static_cast<int>(spend.size()), sqlite::kSpendColumnCount + 1);  // + id
  EXPECT_EQ(columnsOf(raw, "audit_log"),
            (std::set<std::string>{"id", "at", "actor", "action", "object_id", "detail"}));
  // The indexes the queries rely on.
  for (const char* index : {"keys_key_alias", "spend_logs_start_time", "spend_logs_key_ref",
                            "spend_logs_request_id"}) {
    EXPECT_EQ(raw.scalar(std::string("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                                     "name = '") +
                         index + "'"),
              index);
  }
}

// A database left at version 1 (spend rows holding the key hash inline) keeps its rows, found
// by key, after version 2 moves the hashes to spend_keys.
TEST(SqliteSchema, VersionTwoCarriesVersionOneSpendRowsOver) {
  TempDir dir;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir.file("s.db").c_str(), &db), SQLITE_OK);
    std::string v1 =
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT "
        "NULL); INSERT INTO schema_migrations VALUES (1, 1);" +
        std::string(sqlite::migrations()[0].sql) +
        "INSERT INTO spend_logs (request_id, api_key, spend, start_time) VALUES "
        "('r1', 'hash-a', 0.25, 1), ('r2', '', 0.5, 2), ('r3', 'hash-a', 1.0, 3), "
        "('r4', 'hash-b', 2.0, 4);";
    EXPECT_EQ(sqlite3_exec(db, v1.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  auto store = openMigrated(dir.file("s.db"));
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schemaVersion(), sqlite::latestVersion());
  auto all = store->spendLogs({});
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 4u);
  std::map<std::string, std::string> key_of;
  for (const SpendRow& r : *all) key_of[r.request_id] = r.api_key;
  EXPECT_EQ(key_of, (std::map<std::string, std::string>{
                        {"r1", "hash-a"}, {"r2", ""}, {"r3", "hash-a"}, {"r4", "hash-b"}}));
  auto a = store->spendLogs({.api_key = "hash-a"});
  ASSERT_TRUE(a.has_value());
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].request_id, "r3");  // newest first
  // New rows of a carried-over key join its number.
  WriteBatch batch;
  batch.rows.push_back({.request_id = "r5", .api_key = "hash-a", .spend = 4.0, .start_time = 5});
  ASSERT_TRUE(store->write(batch).has_value());
  EXPECT_EQ(store->spendLogs({.api_key = "hash-a"}).value().size(), 3u);
  RawDb raw(dir.file("s.db"));
  EXPECT_EQ(raw.scalar("SELECT COUNT(*) FROM spend_keys"), "2");
  EXPECT_FALSE(columnsOf(raw, "spend_logs").count("api_key"));
}

TEST(SqliteSchema, WalIsOnAsSeenFromAnotherConnection) {
  TempDir dir;
  auto store = openMigrated(dir.file("s.db"));
  ASSERT_NE(store, nullptr);
  RawDb raw(dir.file("s.db"));
  EXPECT_EQ(raw.scalar("PRAGMA journal_mode"), "wal");
  // Readers are not blocked by an open write transaction of another connection (WAL).
  ASSERT_EQ(raw.exec("BEGIN IMMEDIATE; INSERT INTO audit_log (at) VALUES (1)"), SQLITE_OK);
  EXPECT_EQ(store->countKeys().value(), 0);
  EXPECT_TRUE(store->auditLog(10).value().empty());
  ASSERT_EQ(raw.exec("COMMIT"), SQLITE_OK);
  EXPECT_EQ(store->auditLog(10).value().size(), 1u);
}

TEST(SqliteSchema, ALockedDatabaseIsUnavailable) {
  TempDir dir;
  auto store = openMigrated(dir.file("s.db"), {.busy_timeout = std::chrono::milliseconds(50)});
  ASSERT_NE(store, nullptr);
  RawDb raw(dir.file("s.db"));
  ASSERT_EQ(raw.exec("BEGIN IMMEDIATE"), SQLITE_OK);
  WriteBatch batch;
  batch.audit.push_back({.at = 1, .actor = "master", .action = "key.generate"});
  auto written = store->write(batch);
  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(written.error().kind, api::ErrorKind::kUnavailable) << written.error().detail;
  auto inserted = store->insertKey(test::plainKey("t1"));
  ASSERT_FALSE(inserted.has_value());
  EXPECT_EQ(inserted.error().kind, api::ErrorKind::kUnavailable);
  ASSERT_EQ(raw.exec("COMMIT"), SQLITE_OK);
  // Once the lock is gone the same store works again.
  ASSERT_TRUE(store->write(batch).has_value());
  ASSERT_TRUE(store->insertKey(test::plainKey("t1")).has_value());
  EXPECT_EQ(store->auditLog(5).value().size(), 1u);
}

TEST(SqliteSchema, DataSurvivesClosingAndReopening) {
  TempDir dir;
  KeyRow key = test::fullKey("tok-1", "survivor");
  {
    auto store = openMigrated(dir.file("s.db"));
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->insertKey(key).has_value());
    WriteBatch batch;
    batch.rows.push_back({.request_id = "req-1", .api_key = "tok-1", .spend = 0.5});
    batch.deltas.push_back({.id = "tok-1", .spend = 0.5, .model = "gpt-4o"});
    batch.audit.push_back({.at = 7, .actor = "master", .action = "key.generate"});
    ASSERT_TRUE(store->write(batch).has_value());
  }
  auto store = openMigrated(dir.file("s.db"));
  ASSERT_NE(store, nullptr);
  auto found = store->findKey("tok-1");
  ASSERT_TRUE(found.has_value());
  ASSERT_TRUE(found->has_value());
  EXPECT_DOUBLE_EQ((*found)->spend, key.spend + 0.5);
  EXPECT_DOUBLE_EQ((*found)->model_spend["gpt-4o"].spend, 1.0);
  EXPECT_EQ((*found)->key_alias, "survivor");
  auto logs = store->spendLogs({});
  ASSERT_TRUE(logs.has_value());
  ASSERT_EQ(logs->size(), 1u);
  EXPECT_EQ((*logs)[0].request_id, "req-1");
  EXPECT_EQ(store->auditLog(10).value().size(), 1u);
}

TEST(SqliteSchema, CorruptJsonColumnIsAnInternalError) {
  TempDir dir;
  auto store = openMigrated(dir.file("s.db"));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->insertKey(test::fullKey("tok-1", "a")).has_value());
  ASSERT_TRUE(store->insertKey(test::fullKey("tok-2", "b")).has_value());
  RawDb raw(dir.file("s.db"));
  ASSERT_EQ(raw.exec("UPDATE keys SET models = 'not json' WHERE token = 'tok-1'"), SQLITE_OK);
  ASSERT_EQ(raw.exec("UPDATE keys SET model_max_budget = '[1]' WHERE token = 'tok-2'"), SQLITE_OK);
  for (const char* token : {"tok-1", "tok-2"}) {
    auto found = store->findKey(token);
    ASSERT_FALSE(found.has_value()) << token;
    EXPECT_EQ(found.error().kind, api::ErrorKind::kInternal);
    EXPECT_EQ(found.error().detail.find(token), std::string::npos);  // no key material
  }
  EXPECT_NE(store->findKey("tok-1").error().detail.find("models"), std::string::npos);
  EXPECT_FALSE(store->forEachKey([](KeyRow&&) {}).has_value());
  EXPECT_FALSE(store->listKeys({}).has_value());
}

}  // namespace
}  // namespace switchyard::store
