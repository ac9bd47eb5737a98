// KeyLoader against a real store thread on a SQLite file: a key loaded on first use (by its
// token or a regeneration's previous token), concurrent first uses sharing one lookup, unknown
// tokens remembered, a store that does not answer in time, and rereads that apply an update, a
// regeneration (with and without a grace period) or a delete made behind the registry's back (as another instance would).

#include "switchyard/keys/key_loader.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

#include "unit/run_await.hpp"
#include "switchyard/auth/key_hash.hpp"
#include "switchyard/keys/key_entry.hpp"
#include "switchyard/store/store.hpp"
#include "switchyard/store/store_thread.hpp"

namespace switchyard::keys {
namespace {

using namespace std::chrono_literals;

class KeyLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sy-loader-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto url = store::parseDatabaseUrl("sqlite:///" + dir_ + "/k.db");
    ASSERT_TRUE(url.has_value());
    auto opened = store::openStore(*url);
    ASSERT_TRUE(opened.has_value());
    store_ = std::make_unique<store::StoreThread>(std::move(*opened));
    ASSERT_TRUE(store_->runBlocking([](store::Store& s) { ASSERT_TRUE(s.migrate()); }));
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // A key row for `key` (the client's string), stored behind the registry's back.
  store::KeyRow insert(const std::string& key, const std::string& alias) {
    store::KeyRow row;
    row.token = auth::hashKey(key);
    row.key_alias = alias;
    row.rpm_limit = 7;
    EXPECT_TRUE(store_->runBlocking([&](store::Store& s) { ASSERT_TRUE(s.insertKey(row)); }));
    return row;
  }
  void update(const store::KeyRow& row, std::string_view old_token = {}) {
    EXPECT_TRUE(store_->runBlocking([&](store::Store& s) {
      auto r = old_token.empty() ? s.updateKey(row) : s.replaceKey(old_token, row);
      ASSERT_TRUE(r && *r);
    }));
  }
  api::Result<void> load(KeyLoader& loader, const std::string& key) {
    return test::runAwait(io_, loader.load(hashOfKey(key)));
  }
  // Waits (bounded) until `done` holds; the store thread rereads in the background.
  template <class F>
  bool eventually(F done) {
    for (int i = 0; i < 200; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  std::string dir_;
  std::unique_ptr<store::StoreThread> store_;
  KeyRegistry registry_;
  boost::asio::io_context io_;
};

TEST_F(KeyLoaderTest, AKeyIsLoadedOnFirstUse) {
  store::KeyRow row = insert("sk-first", "first");
  KeyLoader loader(registry_, *store_);
  EXPECT_FALSE(registry_.find(row.token));
  EXPECT_TRUE(loader.mayLoad(hashOfKey("sk-first")));
  ASSERT_TRUE(load(loader, "sk-first"));
  auto entry = registry_.find(row.token);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->row()->key_alias, "first");
  EXPECT_EQ(loader.stats().lookups, 1u);
  EXPECT_EQ(loader.stats().loaded, 1u);
}

TEST_F(KeyLoaderTest, ConcurrentFirstUsesShareOneLookup) {
  insert("sk-shared", "shared");
  KeyLoader loader(registry_, *store_);
  std::vector<std::future<api::Result<void>>> waits;
  for (int i = 0; i < 50; ++i) {
    waits.push_back(boost::asio::co_spawn(io_, loader.load(hashOfKey("sk-shared")),
                                          boost::asio::use_future));
  }
  io_.run();
  for (auto& w : waits) EXPECT_TRUE(w.get());
  EXPECT_EQ(loader.stats().lookups, 1u);
  EXPECT_TRUE(registry_.find(hashOfKey("sk-shared")));
}

TEST_F(KeyLoaderTest, AnUnknownTokenIsRememberedThenForgotten) {
  KeyLoader loader(registry_, *store_, {.negative_ttl = 300ms});
  ASSERT_TRUE(load(loader, "sk-nobody"));
  EXPECT_FALSE(registry_.find(hashOfKey("sk-nobody")));
  EXPECT_FALSE(loader.mayLoad(hashOfKey("sk-nobody")));
  ASSERT_TRUE(load(loader, "sk-nobody"));  // not asked again
  EXPECT_EQ(loader.stats().lookups, 1u);
  EXPECT_EQ(loader.stats().missing, 1u);
  std::this_thread::sleep_for(350ms);
  EXPECT_TRUE(loader.mayLoad(hashOfKey("sk-nobody")));
  // Made meanwhile (on another instance): found now.
  insert("sk-nobody", "late");
  ASSERT_TRUE(load(loader, "sk-nobody"));
  EXPECT_TRUE(registry_.find(hashOfKey("sk-nobody")));
}

TEST_F(KeyLoaderTest, AnInvalidationForgetsAnUnknownToken) {
  KeyLoader loader(registry_, *store_, {.negative_ttl = 60s});
  ASSERT_TRUE(load(loader, "sk-custom"));
  EXPECT_FALSE(loader.mayLoad(hashOfKey("sk-custom")));
  store::KeyRow row = insert("sk-custom", "custom");
  loader.refresh(row.token);  // what the other instance's message does
  EXPECT_TRUE(loader.mayLoad(hashOfKey("sk-custom")));
}

TEST_F(KeyLoaderTest, ThePreviousTokenOfARegenerationFindsTheKey) {
  store::KeyRow row = insert("sk-old", "rotated");
  store::KeyRow next = row;
  next.token = auth::hashKey("sk-new");
  next.previous_token = row.token;
  next.previous_token_expires = 4'000'000'000'000;
  update(next, row.token);
  KeyLoader loader(registry_, *store_);
  ASSERT_TRUE(load(loader, "sk-old"));
  auto by_old = registry_.find(row.token);
  auto by_new = registry_.find(next.token);
  ASSERT_TRUE(by_old && by_new);
  EXPECT_EQ(by_old.get(), by_new.get());
}

TEST_F(KeyLoaderTest, AStoreThatDoesNotAnswerInTimeIsUnavailable) {
  insert("sk-slow", "slow");
  KeyLoader loader(registry_, *store_, {.lookup_timeout = 100ms});
  // The store thread is busy for a second.
  std::promise<void> started;
  std::thread blocker([&] {
    ASSERT_TRUE(store_->runBlocking([&](store::Store&) {
      started.set_value();
      std::this_thread::sleep_for(1s);
    }));
  });
  started.get_future().wait();
  auto t0 = std::chrono::steady_clock::now();
  auto r = load(loader, "sk-slow");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 800ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, api::ErrorKind::kUnavailable);
  blocker.join();
  // The lookup still ran: the key is there for the next request.
  EXPECT_TRUE(eventually([&] { return registry_.find(hashOfKey("sk-slow")) != nullptr; }));
}

TEST_F(KeyLoaderTest, ARefreshAppliesAnUpdateARegenerationAndADelete) {
  store::KeyRow row = insert("sk-live", "live");
  KeyLoader loader(registry_, *store_);
  ASSERT_TRUE(load(loader, "sk-live"));
  auto entry = registry_.find(row.token);
  ASSERT_TRUE(entry);

  row.blocked = true;
  update(row);
  loader.refresh(row.token);
  EXPECT_TRUE(eventually([&] { return entry->row()->blocked; }));

  // Regenerated with a grace period: the entry (and its live counters) moves to the new token,
  // and the old one still finds it.
  store::KeyRow next = row;
  next.token = auth::hashKey("sk-live-2");
  next.blocked = false;
  next.previous_token = row.token;
  next.previous_token_expires = 4'000'000'000'000;
  update(next, row.token);
  loader.refresh(row.token);
  EXPECT_TRUE(eventually([&] { return registry_.find(next.token) == entry; }));
  EXPECT_EQ(registry_.find(row.token), entry);
  EXPECT_FALSE(entry->row()->blocked);

  // Regenerated again, without a grace period: the old token finds nothing any more, and the
  // new one is loaded at its first use.
  store::KeyRow third = next;
  third.token = auth::hashKey("sk-live-3");
  third.previous_token.clear();
  third.previous_token_expires.reset();
  update(third, next.token);
  loader.refresh(next.token);
  EXPECT_TRUE(eventually([&] { return registry_.find(next.token) == nullptr; }));
  EXPECT_FALSE(registry_.find(third.token));
  ASSERT_TRUE(load(loader, "sk-live-3"));
  ASSERT_TRUE(registry_.find(third.token));

  EXPECT_TRUE(store_->runBlocking([&](store::Store& s) { ASSERT_TRUE(s.deleteKeys({third.token})); }));
  loader.refresh(third.token);
  EXPECT_TRUE(eventually([&] { return registry_.find(third.token) == nullptr; }));
  EXPECT_EQ(registry_.size(), 0u);
}

TEST_F(KeyLoaderTest, WithoutAChannelAnOldKeyIsRereadAtItsNextUse) {
  store::KeyRow row = insert("sk-ttl", "ttl");
  KeyLoader loader(registry_, *store_, {.refresh_after = 200ms});
  ASSERT_TRUE(load(loader, "sk-ttl"));
  auto entry = registry_.find(row.token);
  ASSERT_TRUE(entry);
  row.rpm_limit = 99;
  update(row);
  loader.touch(entry);  // fresh: nothing
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(entry->row()->rpm_limit, 7);
  std::this_thread::sleep_for(200ms);
  loader.touch(entry);
  EXPECT_TRUE(eventually([&] { return entry->row()->rpm_limit == 99; }));
  // With the channel up, age alone rereads nothing; a lost channel marks everything stale.
  loader.setChannelUp(true);
  row.rpm_limit = 5;
  update(row);
  std::this_thread::sleep_for(250ms);
  loader.touch(entry);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(entry->row()->rpm_limit, 99);
  loader.markAllStale();
  loader.touch(entry);
  EXPECT_TRUE(eventually([&] { return entry->row()->rpm_limit == 5; }));
}

}  // namespace
}  // namespace switchyard::keys
