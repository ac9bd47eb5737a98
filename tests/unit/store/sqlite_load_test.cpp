// 100,000 keys in one SQLite file: inserted in batches (one transaction per batch), then found by
// token and alias through the indexes. No timing asserts: the query plans show the lookups are
// index searches, and the lookups are checked to work.

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "store_test_util.hpp"

namespace switchyard::store {
namespace {

constexpr int kKeys = 100'000;
constexpr int kBatch = 5'000;

std::string tokenOf(int i) {
  char buf[72];
  std::snprintf(buf, sizeof buf, "%064d", i);  // as long as a SHA-256 hex
  return buf;
}

std::string planOf(test::RawDb& db, const std::string& sql) {
  std::string plan;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db.get(), ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &s, nullptr) !=
      SQLITE_OK) {
    return "prepare failed";
  }
  while (sqlite3_step(s) == SQLITE_ROW) {
    plan += reinterpret_cast<const char*>(sqlite3_column_text(s, 3));
    plan += "\n";
  }
  sqlite3_finalize(s);
  return plan;
}

TEST(SqliteLoad, HundredThousandKeys) {
  test::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto store = test::openMigrated(dir.file("load.db"));
  ASSERT_NE(store, nullptr);
  sqlite3* db = sqliteHandle(*store);
  ASSERT_NE(db, nullptr);

  for (int start = 0; start < kKeys; start += kBatch) {
    ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    for (int i = start; i < start + kBatch; ++i) {
      KeyRow k = test::plainKey(tokenOf(i), i % 2 == 0 ? "alias-" + std::to_string(i) : "",
                                1'700'000'000'000 + i);
      k.models = {"gpt-4o", "claude-3"};
      k.user_id = "user-" + std::to_string(i % 100);
      k.team_id = "team-" + std::to_string(i % 7);
      auto inserted = store->insertKey(k);
      ASSERT_TRUE(inserted.has_value()) << inserted.error().detail;
    }
    ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  EXPECT_EQ(store->countKeys().value(), kKeys);

  for (int i = 0; i < kKeys; i += 997) {
    auto found = store->findKey(tokenOf(i));
    ASSERT_TRUE(found.has_value());
    ASSERT_TRUE(found->has_value()) << i;
    EXPECT_EQ((*found)->created_at, 1'700'000'000'000 + i);
    EXPECT_EQ((*found)->models.size(), 2u);
    if (i % 2 == 0) {
      auto by_alias = store->findKeyByAlias("alias-" + std::to_string(i));
      ASSERT_TRUE(by_alias.has_value());
      ASSERT_TRUE(by_alias->has_value()) << i;
      EXPECT_EQ((*by_alias)->token, tokenOf(i));
    }
  }
  EXPECT_FALSE(store->findKey(tokenOf(kKeys + 1)).value().has_value());

  KeyQuery q;
  q.team_id = "team-3";
  q.size = 100;
  q.page = 2;
  auto page = store->listKeys(q);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->rows.size(), 100u);
  EXPECT_EQ(page->total, (kKeys + 7 - 1 - 3) / 7);

  auto deleted = store->deleteKeys({tokenOf(0), tokenOf(1)});
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(*deleted, 2u);

  // The lookups are index searches, not scans.
  test::RawDb raw(dir.file("load.db"));
  std::string by_token = planOf(raw, "SELECT * FROM keys WHERE token = 'x'");
  EXPECT_NE(by_token.find("SEARCH keys USING INDEX sqlite_autoindex_keys_1"), std::string::npos)
      << by_token;
  std::string by_alias = planOf(raw, "SELECT * FROM keys WHERE key_alias = ?1 AND key_alias <> ''");
  EXPECT_NE(by_alias.find("SEARCH keys USING INDEX keys_key_alias"), std::string::npos) << by_alias;
  std::string by_team = planOf(raw, "SELECT COUNT(*) FROM keys WHERE team_id = ?1");
  EXPECT_NE(by_team.find("keys_team_id"), std::string::npos) << by_team;
}

}  // namespace
}  // namespace switchyard::store
