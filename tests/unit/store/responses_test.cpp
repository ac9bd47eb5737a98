// Stored responses (Responses API) in the store, against both engines (a SQLite file and a real
// PostgreSQL database): written through the
// store thread and read back through its commands, owners, deletion with their key, ownership
// moved by regenerate, retention, size, and the migration that adds the table.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <set>
#include <string>
#include <tuple>

#include "store/sqlite_schema.hpp"
#include "store_test_util.hpp"
#include "switchyard/store/store_thread.hpp"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace switchyard::store {
namespace {

namespace asio = boost::asio;
using test::openMigrated;
using test::RawDb;
using test::TempDir;

UnixMs nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

StoredResponse responseOf(const std::string& id, const std::string& owner, UnixMs created_at = 0) {
  StoredResponse r;
  r.id = id;
  r.owner = owner;
  r.created_at = created_at != 0 ? created_at : nowMs();
  r.model = "gpt-4o";
  r.previous_response_id = "resp_prev";
  r.response = R"({"id":")" + id + R"(","object":"response","status":"completed"})";
  r.input_items = R"([{"type":"message","role":"user","content":"h\u00e9llo"}])";
  r.conversation =
      R"([{"type":"message","role":"user","content":"hi"},{"type":"message","role":"assistant"}])";
  return r;
}

void expectSame(const StoredResponse& a, const StoredResponse& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.owner, b.owner);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.previous_response_id, b.previous_response_id);
  EXPECT_EQ(a.response, b.response);
  EXPECT_EQ(a.input_items, b.input_items);
  EXPECT_EQ(a.conversation, b.conversation);
}

std::optional<StoredResponse> find(Store& s, std::string_view id) {
  auto found = s.findResponse(id);
  EXPECT_TRUE(found.has_value()) << (found ? "" : found.error().detail);
  return found ? *found : std::nullopt;
}

class StoredResponses : public ::testing::TestWithParam<test::Engine> {};

StoreThreadOptions slowFlush() {
  StoreThreadOptions o;
  o.flush_interval = std::chrono::milliseconds(10000);  // only a command triggers the flush
  return o;
}

// An item_reference finds the response that holds its item, until that response is deleted
// (by id, with its key, or by retention).
TEST_P(StoredResponses, ItemsFindTheirResponseUntilItIsDeleted) {
  test::TestDatabase db(GetParam());
  auto store = db.open();
  ASSERT_NE(store, nullptr);
  const UnixMs now = nowMs();
  WriteBatch batch;
  for (auto [id, owner, at] : {std::tuple{"resp_a", "tok-a", now}, std::tuple{"resp_b", "tok-b", now},
                               std::tuple{"resp_old", "tok-a", now - 100'000}}) {
    StoredResponse r = responseOf(id, owner, at);
    r.item_ids = {std::string("msg_") + id, std::string("fc_") + id};
    batch.responses.push_back(std::move(r));
  }
  ASSERT_TRUE(store->write(batch).has_value());
  auto byItem = [&](std::string_view item, std::string_view owner = {}) -> std::string {
    if (owner.empty()) owner = item.ends_with("_b") ? "tok-b" : "tok-a";
    auto found = store->findResponseByItem(item, owner);
    EXPECT_TRUE(found.has_value());
    return found && *found ? (*found)->id : std::string();
  };
  EXPECT_EQ(byItem("fc_resp_a"), "resp_a");
  EXPECT_EQ(byItem("msg_resp_b"), "resp_b");
  EXPECT_EQ(byItem("fc_nothing"), "");
  EXPECT_EQ(byItem("fc_resp_a", "tok-b"), "");  // another key's item
  // An id in two owners' responses (a client may send its own ids): each finds its own.
  WriteBatch more;
  StoredResponse clash = responseOf("resp_c", "tok-b", now + 1);
  clash.item_ids = {"fc_resp_a"};
  more.responses.push_back(std::move(clash));
  ASSERT_TRUE(store->write(more).has_value());
  EXPECT_EQ(byItem("fc_resp_a", "tok-a"), "resp_a");
  EXPECT_EQ(byItem("fc_resp_a", "tok-b"), "resp_c");
  ASSERT_TRUE(store->deleteResponse("resp_a").value());
  EXPECT_EQ(byItem("fc_resp_a", "tok-a"), "");
  EXPECT_EQ(byItem("msg_resp_old"), "resp_old");
  EXPECT_EQ(store->purgeResponses(now - 50'000).value(), 1u);
  EXPECT_EQ(byItem("msg_resp_old"), "");
  ASSERT_TRUE(store->deleteKeys({"tok-b"}).has_value());
  EXPECT_EQ(byItem("msg_resp_b"), "");
}

TEST_P(StoredResponses, AGetRightAfterTheWriteSeesIt) {
  test::TestDatabase db(GetParam());
  auto store = db.open();
  ASSERT_NE(store, nullptr);
  // The executor outlives the store thread, as a worker's does: the thread may still be inside
  // the post of a completion when the awaiting side has already resumed (ThreadSanitizer).
  asio::io_context io;
  StoreThread t(std::move(store), slowFlush());
  const StoredResponse written = responseOf("resp_1", "tok-a");
  ASSERT_TRUE(t.write(written));
  // Through run(), awaited on an executor as the routes will.
  std::optional<StoredResponse> seen;
  auto done = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<api::Result<void>> {
        co_return co_await t.run([&](Store& s) { seen = find(s, "resp_1"); });
      },
      asio::use_future);
  io.run();
  ASSERT_TRUE(done.get().has_value());
  ASSERT_TRUE(seen.has_value());
  expectSame(*seen, written);
  EXPECT_EQ(t.stats().written, 1u);
  EXPECT_EQ(t.stats().buffered, 0u);
}

TEST_P(StoredResponses, UnknownIdIsNotFoundAndDeleteSaysWhetherThereWasOne) {
  test::TestDatabase db(GetParam());
  auto store = db.open();
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(find(*store, "resp_none").has_value());
  WriteBatch batch;
  batch.responses = {responseOf("resp_1", "tok-a"), responseOf("resp_2", "tok-a")};
  ASSERT_TRUE(store->write(batch).has_value());
  auto deleted = store->deleteResponse("resp_1");
  ASSERT_TRUE(deleted.has_value());
  EXPECT_TRUE(*deleted);
  EXPECT_FALSE(find(*store, "resp_1").has_value());
  EXPECT_TRUE(find(*store, "resp_2").has_value());
  EXPECT_FALSE(store->deleteResponse("resp_1").value());
  EXPECT_FALSE(store->deleteResponse("resp_none").value());
}

TEST_P(StoredResponses, OwnerIsKeptAndFindIgnoresIt) {
  test::TestDatabase db(GetParam());
  auto store = db.open();
  ASSERT_NE(store, nullptr);
  WriteBatch batch;
  batch.responses = {responseOf("resp_key", "tok-a"), responseOf("resp_master", "")};
  ASSERT_TRUE(store->write(batch).has_value());
  EXPECT_EQ(find(*store, "resp_key")->owner, "tok-a");
  EXPECT_EQ(find(*store, "resp_master")->owner, "");
}

TEST_P(StoredResponses, ASecondWriteOfOneIdReplacesTheRow) {
  test::TestDatabase db(GetParam());
  auto store = db.open();
  ASSERT_NE(store, nullptr);
  StoredResponse first = responseOf("resp_1", "tok-a");
  StoredResponse second = responseOf("resp_1", "tok-a");
  second.response = R"({"id":"resp_1","status":"incomplete"})";
  WriteBatch batch;
  batch.responses = {first, second};
  ASSERT_TRUE(store->write(batch).has_value());
  expectSame(*find(*store, "resp_1"), second);
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM responses"), "1");
}

// Spend rows and responses of one batch commit together: a failing batch writes neither.
TEST_P(StoredResponses, ABatchIsAllOrNothing) {
  test::TestDatabase db(GetParam());
  auto store = db.open();
  ASSERT_NE(store, nullptr);
  WriteBatch batch;
  batch.rows.push_back({.request_id = "req-1", .api_key = "tok-a", .spend = 0.5});
  batch.audit.push_back({.at = 1, .actor = "master", .action = "key.update", .object_id = "x"});
  batch.responses = {responseOf("resp_1", "tok-a")};
  db.failAuditInserts(true);
  auto failed = store->write(batch);
  ASSERT_FALSE(failed.has_value());
  EXPECT_NE(failed.error().detail.find("injected failure"), std::string::npos);
  db.failAuditInserts(false);
  EXPECT_FALSE(find(*store, "resp_1").has_value());
  EXPECT_TRUE(store->spendLogs({}).value().empty());
  ASSERT_TRUE(store->write(batch).has_value());
  EXPECT_TRUE(find(*store, "resp_1").has_value());
  EXPECT_EQ(store->spendLogs({}).value().size(), 1u);
}

TEST_P(StoredResponses, DeletingAKeyDeletesItsResponsesOnly) {
  test::TestDatabase db(GetParam());
  auto store = db.open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->insertKey(test::plainKey("tok-a", "a")).has_value());
  ASSERT_TRUE(store->insertKey(test::plainKey("tok-b", "b")).has_value());
  WriteBatch batch;
  batch.responses = {responseOf("resp_a1", "tok-a"), responseOf("resp_a2", "tok-a"),
                     responseOf("resp_b", "tok-b"), responseOf("resp_master", "")};
  ASSERT_TRUE(store->write(batch).has_value());
  auto deleted = store->deleteKeys({"tok-a", ""});
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(*deleted, 1u);
  EXPECT_FALSE(find(*store, "resp_a1").has_value());
  EXPECT_FALSE(find(*store, "resp_a2").has_value());
  EXPECT_TRUE(find(*store, "resp_b").has_value());
  EXPECT_TRUE(find(*store, "resp_master").has_value());  // an empty token is not the master's
}

TEST_P(StoredResponses, RegenerateMovesTheResponsesToTheNewToken) {
  test::TestDatabase db(GetParam());
  auto store = db.open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->insertKey(test::plainKey("tok-old", "a")).has_value());
  ASSERT_TRUE(store->insertKey(test::plainKey("tok-b", "b")).has_value());
  WriteBatch batch;
  batch.responses = {responseOf("resp_1", "tok-old"), responseOf("resp_b", "tok-b")};
  ASSERT_TRUE(store->write(batch).has_value());

  KeyRow renewed = test::plainKey("tok-new", "a");
  auto replaced = store->replaceKey("tok-old", renewed);
  ASSERT_TRUE(replaced.has_value());
  EXPECT_TRUE(*replaced);
  EXPECT_EQ(find(*store, "resp_1")->owner, "tok-new");
  EXPECT_EQ(find(*store, "resp_b")->owner, "tok-b");
  // An update that keeps the token leaves the owners alone.
  renewed.key_alias = "a2";
  EXPECT_TRUE(store->updateKey(renewed).value());
  EXPECT_EQ(find(*store, "resp_1")->owner, "tok-new");
  // An unknown old token changes nothing.
  EXPECT_FALSE(store->replaceKey("tok-b-missing", test::plainKey("tok-other")).value());
  EXPECT_EQ(find(*store, "resp_b")->owner, "tok-b");
  // Deleting the regenerated key deletes the moved responses.
  EXPECT_EQ(store->deleteKeys({"tok-new"}).value(), 1u);
  EXPECT_FALSE(find(*store, "resp_1").has_value());
}

// A regenerate whose new token is already taken fails as a whole: the responses stay put.
TEST_P(StoredResponses, AFailedRegenerateMovesNothing) {
  test::TestDatabase db(GetParam());
  auto store = db.open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->insertKey(test::plainKey("tok-a", "a")).has_value());
  ASSERT_TRUE(store->insertKey(test::plainKey("tok-b", "b")).has_value());
  WriteBatch batch;
  batch.responses = {responseOf("resp_1", "tok-a")};
  ASSERT_TRUE(store->write(batch).has_value());
  auto replaced = store->replaceKey("tok-a", test::plainKey("tok-b", "a"));
  ASSERT_FALSE(replaced.has_value());
  EXPECT_EQ(replaced.error().code, "duplicate");
  EXPECT_EQ(find(*store, "resp_1")->owner, "tok-a");
  EXPECT_TRUE(store->findKey("tok-a").value().has_value());
}

TEST_P(StoredResponses, PurgeDeletesOldRowsOnly) {
  test::TestDatabase db(GetParam());
  auto store = db.open();
  ASSERT_NE(store, nullptr);
  const UnixMs now = nowMs();
  WriteBatch batch;
  // More than one purge chunk of old rows.
  const int old_rows = sqlite::kPurgeChunk * 2 + 7;
  for (int i = 0; i < old_rows; ++i) {
    batch.responses.push_back(responseOf("resp_old" + std::to_string(i), "tok-a", now - 100'000));
  }
  batch.responses.push_back(responseOf("resp_edge", "tok-a", now - 50'000));
  batch.responses.push_back(responseOf("resp_new", "", now));
  ASSERT_TRUE(store->write(batch).has_value());
  auto purged = store->purgeResponses(now - 50'000);
  ASSERT_TRUE(purged.has_value());
  EXPECT_EQ(*purged, static_cast<std::size_t>(old_rows));
  EXPECT_FALSE(find(*store, "resp_old0").has_value());
  EXPECT_TRUE(find(*store, "resp_edge").has_value());  // created_before is exclusive
  EXPECT_TRUE(find(*store, "resp_new").has_value());
  EXPECT_EQ(store->purgeResponses(now - 50'000).value(), 0u);
}

TEST_P(StoredResponses, TheStoreThreadPurgesAtStart) {
  test::TestDatabase db(GetParam());
  const UnixMs now = nowMs();
  {
    auto store = db.open();
    ASSERT_NE(store, nullptr);
    WriteBatch batch;
    batch.responses = {responseOf("resp_old", "tok-a", now - 2 * 3'600'000),
                       responseOf("resp_new", "tok-a", now)};
    ASSERT_TRUE(store->write(batch).has_value());
  }
  StoreThreadOptions o = slowFlush();
  o.response_retention = std::chrono::hours(1);
  // As the server starts it: the store not yet migrated, the migration its first command.
  auto opened = db.openUnmigrated();
  ASSERT_NE(opened, nullptr);
  StoreThread t(std::move(opened), o);
  ASSERT_TRUE(t.runBlocking([](Store& s) { ASSERT_TRUE(s.migrate().has_value()); }));
  std::optional<StoredResponse> old_row, new_row;
  ASSERT_TRUE(t.runBlocking([&](Store& s) {
    old_row = find(s, "resp_old");
    new_row = find(s, "resp_new");
  }));
  EXPECT_FALSE(old_row.has_value());
  EXPECT_TRUE(new_row.has_value());
  EXPECT_EQ(t.stats().responses_purged, 1u);
}

TEST_P(StoredResponses, ZeroRetentionKeepsEverything) {
  test::TestDatabase db(GetParam());
  {
    auto store = db.open();
    ASSERT_NE(store, nullptr);
    WriteBatch batch;
    batch.responses = {responseOf("resp_ancient", "tok-a", 1)};
    ASSERT_TRUE(store->write(batch).has_value());
  }
  StoreThreadOptions o = slowFlush();
  o.response_retention = std::chrono::milliseconds(0);
  StoreThread t(db.open(), o);
  ASSERT_TRUE(t.runBlocking([](Store&) {}));  // the first turn, where a purge would run
  bool kept = false;
  ASSERT_TRUE(t.runBlocking([&](Store& s) { kept = find(s, "resp_ancient").has_value(); }));
  EXPECT_TRUE(kept);
  EXPECT_EQ(t.stats().responses_purged, 0u);
}

TEST_P(StoredResponses, AMegabyteConversationRoundTrips) {
  test::TestDatabase db(GetParam());
  auto store = db.open();
  ASSERT_NE(store, nullptr);
  StoredResponse big = responseOf("resp_big", "tok-a");
  std::string text;
  for (int i = 0; text.size() < (1u << 20); ++i) {
    text += R"({"type":"message","role":"user","content":"turn )" + std::to_string(i) +
            " \u00e9\u4e2d " + std::string(200, 'x') + R"("},)";
  }
  big.conversation = "[" + text + R"({"type":"message","role":"assistant","content":"end"}])";
  ASSERT_GE(big.conversation.size(), 1u << 20);
  StoreThread t(std::move(store), slowFlush());
  ASSERT_TRUE(t.write(big));
  std::optional<StoredResponse> seen;
  ASSERT_TRUE(t.runBlocking([&](Store& s) { seen = find(s, "resp_big"); }));
  ASSERT_TRUE(seen.has_value());
  expectSame(*seen, big);
}

// Buffered responses are bounded by bytes too (beyond: dropped, counted); a batch closes at its
// byte bound, and what is accepted is all written.
TEST_P(StoredResponses, TheBufferIsBoundedByBytes) {
  test::TestDatabase db(GetParam());
  auto store = db.open();
  ASSERT_NE(store, nullptr);
  StoreThreadOptions o = slowFlush();
  o.max_buffered_response_bytes = 10'000;
  o.max_batch_response_bytes = 2'500;
  StoreThread t(std::move(store), o);
  StoredResponse r = responseOf("resp_0", "tok-a");
  r.conversation = "[\"" + std::string(2'000, 'x') + "\"]";
  int accepted = 0;
  for (int i = 0; i < 8; ++i) {
    r.id = "resp_" + std::to_string(i);
    accepted += t.write(r) ? 1 : 0;
  }
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ(t.stats().dropped, 4u);
  std::set<std::string> found;
  ASSERT_TRUE(t.runBlocking([&](Store& s) {
    for (int i = 0; i < 8; ++i) {
      if (find(s, "resp_" + std::to_string(i))) found.insert("resp_" + std::to_string(i));
    }
  }));
  EXPECT_EQ(found, (std::set<std::string>{"resp_0", "resp_1", "resp_2", "resp_3"}));
  // Written, the bytes are free again.
  EXPECT_TRUE(t.write(r));
  EXPECT_EQ(t.stats().written, 4u);
}

TEST(StoredResponsesSqlite, VersionThreeAddsTheTableToAVersionTwoDatabase) {
  TempDir dir;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir.file("s.db").c_str(), &db), SQLITE_OK);
    std::string v2 =
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT "
        "NULL); INSERT INTO schema_migrations VALUES (1, 1), (2, 2);" +
        std::string(sqlite::migrations()[0].sql) + std::string(sqlite::migrations()[1].sql) +
        "INSERT INTO keys (token, key_alias, spend) VALUES ('tok-a', 'survivor', 1.5);";
    EXPECT_EQ(sqlite3_exec(db, v2.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  {
    RawDb raw(dir.file("s.db"));
    EXPECT_EQ(raw.scalar("SELECT name FROM sqlite_master WHERE name = 'responses'"), "");
  }
  auto store = openMigrated(dir.file("s.db"));
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schemaVersion(), sqlite::latestVersion());
  EXPECT_GE(sqlite::latestVersion(), 3);
  auto key = store->findKey("tok-a");
  ASSERT_TRUE(key.has_value());
  ASSERT_TRUE(key->has_value());
  EXPECT_EQ((*key)->key_alias, "survivor");
  EXPECT_DOUBLE_EQ((*key)->spend, 1.5);
  RawDb raw(dir.file("s.db"));
  EXPECT_EQ(raw.scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = "
                       "'responses'"),
            "responses");
  for (const char* index : {"responses_owner", "responses_created_at"}) {
    EXPECT_EQ(raw.scalar(std::string("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                                     "name = '") +
                         index + "'"),
              index);
  }
  WriteBatch batch;
  batch.responses = {responseOf("resp_1", "tok-a")};
  ASSERT_TRUE(store->write(batch).has_value());
  EXPECT_TRUE(find(*store, "resp_1").has_value());
}

SY_BOTH_ENGINES(StoredResponses);

}  // namespace
}  // namespace switchyard::store
