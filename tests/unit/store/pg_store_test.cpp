// What only the PostgreSQL store has to show, against a real server: several instances migrating
// and writing one database at once, a server that goes away, comes back or stops answering, and
// errors that never echo the password. (Everything both engines share is in the suites that run
// against both: keys_test, write_test, responses_test.)

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/pg_schema.hpp"
#include "store/sqlite_schema.hpp"
#include "store_test_util.hpp"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace switchyard::store {
namespace {

using Clock = std::chrono::steady_clock;
using test::Engine;
using test::TestDatabase;

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

TEST(PostgresStore, MigrationsHaveTheSameVersionsAsSqlite) {
  ASSERT_EQ(pg::migrations().size(), sqlite::migrations().size());
  for (std::size_t i = 0; i < pg::migrations().size(); ++i) {
    EXPECT_EQ(pg::migrations()[i].version, sqlite::migrations()[i].version);
  }
  EXPECT_EQ(pg::latestVersion(), sqlite::latestVersion());
}

// Four instances start at once on an empty database: each step is applied once, all succeed.
TEST(PostgresStore, InstancesStartingAtOnceMigrateOnce) {
  TestDatabase db(Engine::kPostgres);
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < 4; ++i) stores.push_back(db.openUnmigrated());
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto r = stores[static_cast<std::size_t>(i)]->migrate();
      ok[static_cast<std::size_t>(i)] = r.has_value() ? 1 : 0;
      if (!r) ADD_FAILURE() << r.error().detail;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, (std::vector<int>{1, 1, 1, 1}));
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(pg::latestVersion()));
  for (auto& s : stores) EXPECT_EQ(s->schemaVersion(), pg::latestVersion());
  EXPECT_EQ(stores[0]->engine(), "postgresql");
}

// Two instances add spend to one key at once: every delta counts, none is lost.
TEST(PostgresStore, ConcurrentSpendFromTwoInstancesIsCountedOnce) {
  TestDatabase db(Engine::kPostgres);
  auto a = db.open(), b = db.open();
  ASSERT_TRUE(a && b);
  KeyRow k = test::plainKey("tok", "k");
  ASSERT_TRUE(a->insertKey(k).has_value());
  auto writer = [](Store* s, int n) {
    for (int i = 0; i < n; ++i) {
      WriteBatch batch{.rows = {SpendRow{.request_id = "r", .api_key = "tok", .spend = 0.25}},
                       .deltas = {{.id = "tok", .spend = 0.25, .model = "m"}},
                       .resets = {},
                       .audit = {}};
      for (int attempt = 0; attempt < 20; ++attempt) {  // a deadlock or conflict is retried
        if (s->write(batch)) break;
      }
    }
  };
  std::thread ta(writer, a.get(), 100), tb(writer, b.get(), 100);
  ta.join();
  tb.join();
  auto row = a->findKey("tok").value();
  ASSERT_TRUE(row.has_value());
  EXPECT_DOUBLE_EQ(row->spend, 50.0);
  EXPECT_DOUBLE_EQ(row->model_spend["m"].spend, 50.0);
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM spend_logs"), "200");
}

TEST(PostgresStore, KeysArePagedThroughEveryOneOnce) {
  TestDatabase db(Engine::kPostgres);
  auto store = db.open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(db.exec("INSERT INTO keys (token, key_alias) SELECT 'tok-' || g, 'alias-' || g FROM "
                      "generate_series(1, 2500) g"));
  std::set<std::string> seen;
  std::size_t visits = 0;
  ASSERT_TRUE(store->forEachKey([&](KeyRow&& k) {
    seen.insert(k.token);
    ++visits;
  }));
  EXPECT_EQ(visits, 2500u);
  EXPECT_EQ(seen.size(), 2500u);
  EXPECT_EQ(store->countKeys().value(), 2500);
}

TEST(PostgresStore, ErrorsNeverShowThePassword) {
  auto& server = test::postgresServer();
  ASSERT_TRUE(server.started()) << server.startError();
  std::string url = server.url();
  const std::string password = server.password();
  ASSERT_FALSE(password.empty());
  url.replace(url.find(password), password.size(), "Wr0ngPassw0rd-9f3");
  auto store = openPostgresStore(url, {.connect_timeout = std::chrono::milliseconds(3000)});
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().kind, api::ErrorKind::kUnavailable);
  EXPECT_EQ(store.error().detail.find("Wr0ngPassw0rd-9f3"), std::string::npos) << store.error().detail;
  EXPECT_EQ(store.error().message.find("Wr0ngPassw0rd-9f3"), std::string::npos);
}

TEST(PostgresStore, AnUnreachableServerFailsWithinTheConnectTimeout) {
  auto started = Clock::now();
  // A port nobody listens on: refused at once.
  auto refused = openPostgresStore("postgresql://u:p@127.0.0.1:1/db",
                                   {.connect_timeout = std::chrono::milliseconds(1000)});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, api::ErrorKind::kUnavailable);
  EXPECT_LT(secondsSince(started), 2.0);
}

// The server stops and comes back: calls fail at once with kUnavailable while it is gone (no
// hang), and the store reconnects by itself once it is back.
TEST(PostgresStore, AServerRestartIsSurvived) {
  auto& server = test::postgresServer();
  ASSERT_TRUE(server.started()) << server.startError();
  TestDatabase db(Engine::kPostgres);
  auto migrated = db.open();
  ASSERT_NE(migrated, nullptr);
  auto opened = openPostgresStore(db.url(), {.connect_timeout = std::chrono::milliseconds(1000),
                                             .statement_timeout = std::chrono::milliseconds(2000),
                                             .reconnect_pause = std::chrono::milliseconds(100)});
  ASSERT_TRUE(opened.has_value());
  auto& store = *opened;
  ASSERT_TRUE(store->insertKey(test::plainKey("tok-1", "one")).has_value());

  server.kill();
  auto started = Clock::now();
  for (int i = 0; i < 5; ++i) {
    auto r = store->findKey("tok-1");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, api::ErrorKind::kUnavailable);
    auto w = store->write({.rows = {SpendRow{.request_id = "during"}}});
    ASSERT_FALSE(w.has_value());
    EXPECT_EQ(w.error().kind, api::ErrorKind::kUnavailable);
  }
  EXPECT_LT(secondsSince(started), 3.0);

  ASSERT_TRUE(server.restart()) << server.startError();
  bool back = false;
  for (int i = 0; i < 50 && !back; ++i) {
    auto r = store->findKey("tok-1");
    back = r.has_value() && r->has_value();
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(back);
  ASSERT_TRUE(store->write({.rows = {SpendRow{.request_id = "after"}}}).has_value());
  EXPECT_EQ(db.scalar("SELECT request_id FROM spend_logs"), "after");
}

// A server that stops answering (SIGSTOP) costs a call its statement timeout, then nothing more
// than the reconnect attempts.
TEST(PostgresStore, AFrozenServerCostsACallItsTimeoutOnly) {
  auto& server = test::postgresServer();
  ASSERT_TRUE(server.started()) << server.startError();
  TestDatabase db(Engine::kPostgres);
  auto migrated = db.open();
  ASSERT_NE(migrated, nullptr);
  auto opened = openPostgresStore(db.url(), {.connect_timeout = std::chrono::milliseconds(500),
                                             .statement_timeout = std::chrono::milliseconds(500),
                                             .reconnect_pause = std::chrono::milliseconds(1000)});
  ASSERT_TRUE(opened.has_value());
  auto& store = *opened;
  ASSERT_TRUE(store->countKeys().has_value());
  server.freeze();
  auto started = Clock::now();
  auto r = store->countKeys();
  const double first = secondsSince(started);
  auto again = store->countKeys();  // within the reconnect pause: at once
  const double second = secondsSince(started) - first;
  server.thaw();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, api::ErrorKind::kUnavailable);
  EXPECT_LT(first, 2.0);
  ASSERT_FALSE(again.has_value());
  EXPECT_LT(second, 0.2);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto later = store->countKeys();
  EXPECT_TRUE(later.has_value()) << (later ? "" : later.error().detail);
}

}  // namespace
}  // namespace switchyard::store
