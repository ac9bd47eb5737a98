// Keys in the store, against both engines (a SQLite file and a real PostgreSQL database): round trips of every field, unique constraints, listing.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "store_test_util.hpp"

// Designated initializers name only the fields a test cares about; GCC's -Wextra would warn
// about every member left out that has no default member initializer.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace switchyard::store {
namespace {

using test::fullKey;
using test::plainKey;

void expectSameModelSpend(const ByModel<ModelSpend>& a,
                          const ByModel<ModelSpend>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [model, s] : a) {
    ASSERT_TRUE(b.count(model)) << model;
    EXPECT_DOUBLE_EQ(s.spend, b.at(model).spend) << model;
    EXPECT_EQ(s.reset_at, b.at(model).reset_at) << model;
  }
}

void expectSameKey(const KeyRow& a, const KeyRow& b) {
  EXPECT_EQ(a.token, b.token);
  EXPECT_EQ(a.key_name, b.key_name);
  EXPECT_EQ(a.key_alias, b.key_alias);
  EXPECT_EQ(a.models, b.models);
  EXPECT_EQ(a.aliases, b.aliases);
  EXPECT_EQ(a.max_budget, b.max_budget);
  EXPECT_EQ(a.soft_budget, b.soft_budget);
  EXPECT_EQ(a.budget_duration, b.budget_duration);
  EXPECT_EQ(a.budget_reset_at, b.budget_reset_at);
  EXPECT_DOUBLE_EQ(a.spend, b.spend);
  EXPECT_EQ(a.rpm_limit, b.rpm_limit);
  EXPECT_EQ(a.tpm_limit, b.tpm_limit);
  EXPECT_EQ(a.max_parallel_requests, b.max_parallel_requests);
  EXPECT_EQ(a.expires, b.expires);
  EXPECT_EQ(a.metadata, b.metadata);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.blocked, b.blocked);
  EXPECT_EQ(a.user_id, b.user_id);
  EXPECT_EQ(a.team_id, b.team_id);
  ASSERT_EQ(a.model_max_budget.size(), b.model_max_budget.size());
  for (const auto& [model, budget] : a.model_max_budget) {
    ASSERT_TRUE(b.model_max_budget.count(model)) << model;
    EXPECT_DOUBLE_EQ(budget.budget_limit, b.model_max_budget.at(model).budget_limit);
    EXPECT_EQ(budget.time_period, b.model_max_budget.at(model).time_period);
  }
  EXPECT_EQ(a.model_rpm_limit, b.model_rpm_limit);
  EXPECT_EQ(a.model_tpm_limit, b.model_tpm_limit);
  expectSameModelSpend(a.model_spend, b.model_spend);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.updated_at, b.updated_at);
  EXPECT_EQ(a.created_by, b.created_by);
  EXPECT_EQ(a.updated_by, b.updated_by);
  EXPECT_EQ(a.previous_token, b.previous_token);
  EXPECT_EQ(a.previous_token_expires, b.previous_token_expires);
}

class StoreKeys : public test::EngineTest {
 protected:
  std::vector<std::string> tokensOf(const KeyQuery& q, std::int64_t* total = nullptr) {
    auto page = store_->listKeys(q);
    EXPECT_TRUE(page.has_value());
    std::vector<std::string> out;
    if (!page) return out;
    for (const KeyRow& k : page->rows) out.push_back(k.token);
    if (total != nullptr) *total = page->total;
    return out;
  }
};

TEST_P(StoreKeys, InsertAndFindRoundTripEveryField) {
  KeyRow key = fullKey("hash-1", "alias-1");
  ASSERT_TRUE(store_->insertKey(key).has_value());
  expectSameKey(mustFind("hash-1"), key);

  auto by_alias = store_->findKeyByAlias("alias-1");
  ASSERT_TRUE(by_alias.has_value());
  ASSERT_TRUE(by_alias->has_value());
  expectSameKey(**by_alias, key);

  EXPECT_FALSE(store_->findKey("nope").value().has_value());
  EXPECT_FALSE(store_->findKeyByAlias("nope").value().has_value());
  EXPECT_FALSE(store_->findKeyByAlias("").value().has_value());
}

TEST_P(StoreKeys, EmptyAndAbsentFieldsRoundTrip) {
  KeyRow key = plainKey("hash-plain");
  key.metadata = "{}";
  ASSERT_TRUE(store_->insertKey(key).has_value());
  KeyRow got = mustFind("hash-plain");
  expectSameKey(got, key);
  EXPECT_FALSE(got.max_budget.has_value());
  EXPECT_FALSE(got.expires.has_value());
  EXPECT_FALSE(got.rpm_limit.has_value());
  EXPECT_TRUE(got.models.empty());
  EXPECT_TRUE(got.model_spend.empty());
  EXPECT_FALSE(got.blocked);
}

TEST_P(StoreKeys, TextIsStoredAsIsIncludingQuotesAndUnicode) {
  KeyRow key = plainKey("hash-q", "it's \"quoted\" — ünïcode; DROP TABLE keys;--");
  key.models = {"a\"b", "c\\d", "日本語"};
  key.aliases = {{"x'y", "z\"w"}};
  key.metadata = R"({"k":"v with 'quotes'"})";
  ASSERT_TRUE(store_->insertKey(key).has_value());
  expectSameKey(mustFind("hash-q"), key);
  auto by_alias = store_->findKeyByAlias(key.key_alias);
  ASSERT_TRUE(by_alias.has_value() && by_alias->has_value());
  EXPECT_EQ((*by_alias)->token, "hash-q");
}

TEST_P(StoreKeys, DuplicateAliasIsRejected) {
  ASSERT_TRUE(store_->insertKey(plainKey("hash-1", "shared")).has_value());
  auto dup = store_->insertKey(plainKey("hash-2", "shared"));
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().kind, api::ErrorKind::kInvalidRequest);
  EXPECT_EQ(dup.error().code, "duplicate");
  EXPECT_EQ(dup.error().param, "key_alias");
  EXPECT_EQ(dup.error().message, "key_alias 'shared' already exists");
  EXPECT_EQ(dup.error().message.find("hash-"), std::string::npos);
  EXPECT_EQ(dup.error().detail.find("hash-"), std::string::npos);
  EXPECT_EQ(store_->countKeys().value(), 1);

  // Updating another key to the taken alias fails the same way and leaves it unchanged.
  ASSERT_TRUE(store_->insertKey(plainKey("hash-3", "other")).has_value());
  KeyRow moved = mustFind("hash-3");
  moved.key_alias = "shared";
  auto updated = store_->updateKey(moved);
  ASSERT_FALSE(updated.has_value());
  EXPECT_EQ(updated.error().code, "duplicate");
  EXPECT_EQ(updated.error().param, "key_alias");
  EXPECT_EQ(mustFind("hash-3").key_alias, "other");
}

TEST_P(StoreKeys, DuplicateTokenIsRejected) {
  ASSERT_TRUE(store_->insertKey(plainKey("hash-1", "a")).has_value());
  auto dup = store_->insertKey(plainKey("hash-1", "b"));
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().kind, api::ErrorKind::kInvalidRequest);
  EXPECT_EQ(dup.error().code, "duplicate");
  EXPECT_EQ(dup.error().param, "key");
  EXPECT_EQ(dup.error().message.find("hash-1"), std::string::npos);
  EXPECT_EQ(dup.error().detail.find("hash-1"), std::string::npos);
}

TEST_P(StoreKeys, EmptyAliasIsAllowedManyTimes) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->insertKey(plainKey("hash-" + std::to_string(i), "")).has_value());
  }
  EXPECT_EQ(store_->countKeys().value(), 5);
}

TEST_P(StoreKeys, UpdateReplacesEveryField) {
  ASSERT_TRUE(store_->insertKey(plainKey("hash-1", "before", 100)).has_value());
  KeyRow updated = fullKey("hash-1", "after");
  auto r = store_->updateKey(updated);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(*r);
  expectSameKey(mustFind("hash-1"), updated);
  EXPECT_FALSE(store_->findKeyByAlias("before").value().has_value());

  // And back to empty values.
  KeyRow cleared = plainKey("hash-1", "", 100);
  ASSERT_TRUE(store_->updateKey(cleared).value());
  expectSameKey(mustFind("hash-1"), cleared);

  EXPECT_FALSE(store_->updateKey(plainKey("missing")).value());
  EXPECT_EQ(store_->countKeys().value(), 1);
}

TEST_P(StoreKeys, ReplaceMovesAKeyToANewToken) {
  KeyRow old_key = fullKey("old-hash", "rotating");
  ASSERT_TRUE(store_->insertKey(old_key).has_value());
  KeyRow new_key = old_key;
  new_key.token = "new-hash";
  new_key.previous_token = "old-hash";
  new_key.previous_token_expires = 1'999;
  auto r = store_->replaceKey("old-hash", new_key);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(*r);
  EXPECT_FALSE(store_->findKey("old-hash").value().has_value());
  expectSameKey(mustFind("new-hash"), new_key);
  EXPECT_EQ(store_->countKeys().value(), 1);

  EXPECT_FALSE(store_->replaceKey("old-hash", new_key).value());
  // The old key finds the new row through its previous token (grace period).
  auto by_previous = store_->findKeyByPreviousToken("old-hash");
  ASSERT_TRUE(by_previous.has_value() && by_previous->has_value());
  EXPECT_EQ((*by_previous)->token, "new-hash");
  EXPECT_FALSE(store_->findKeyByPreviousToken("new-hash").value().has_value());
  EXPECT_FALSE(store_->findKeyByPreviousToken("").value().has_value());

  // Onto a token that exists: duplicate "key", nothing moves.
  ASSERT_TRUE(store_->insertKey(plainKey("third", "t")).has_value());
  KeyRow clash = mustFind("third");
  clash.token = "new-hash";
  auto dup = store_->replaceKey("third", clash);
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, "duplicate");
  EXPECT_EQ(dup.error().param, "key");
  EXPECT_TRUE(store_->findKey("third").value().has_value());
}

TEST_P(StoreKeys, DeleteCountsWhatExisted) {
  for (const char* t : {"a", "b", "c"}) ASSERT_TRUE(store_->insertKey(plainKey(t, t)).has_value());
  auto n = store_->deleteKeys({"a", "c", "missing", "a"});
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(store_->countKeys().value(), 1);
  EXPECT_TRUE(store_->findKey("b").value().has_value());
  EXPECT_EQ(store_->deleteKeys({}).value(), 0u);
  // The alias of a deleted key is free again.
  EXPECT_TRUE(store_->insertKey(plainKey("a2", "a")).has_value());
}

TEST_P(StoreKeys, ForEachKeyVisitsEveryKey) {
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(store_->insertKey(fullKey("h" + std::to_string(i), "a" + std::to_string(i))));
  }
  std::vector<std::string> seen;
  auto r = store_->forEachKey([&](KeyRow&& k) {
    EXPECT_EQ(k.models.size(), 3u);
    seen.push_back(std::move(k.token));
  });
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(seen.size(), 25u);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end());
  // The store is usable right after (the scan's statement is finished).
  EXPECT_TRUE(store_->insertKey(plainKey("after")).has_value());
}

TEST_P(StoreKeys, ListPagesWithTotal) {
  for (int i = 0; i < 23; ++i) {
    char token[16];
    std::snprintf(token, sizeof token, "k%02d", i);
    ASSERT_TRUE(store_->insertKey(plainKey(token, "", 1000 + i)).has_value());
  }
  std::int64_t total = 0;
  // Newest first by default.
  EXPECT_EQ(tokensOf({.page = 1, .size = 10}, &total),
            (std::vector<std::string>{"k22", "k21", "k20", "k19", "k18", "k17", "k16", "k15", "k14",
                                      "k13"}));
  EXPECT_EQ(total, 23);
  EXPECT_EQ(tokensOf({.page = 3, .size = 10}, &total),
            (std::vector<std::string>{"k02", "k01", "k00"}));
  EXPECT_EQ(total, 23);
  EXPECT_TRUE(tokensOf({.page = 4, .size = 10}, &total).empty());
  EXPECT_EQ(total, 23);
  EXPECT_EQ(tokensOf({.descending = false, .page = 2, .size = 5}),
            (std::vector<std::string>{"k05", "k06", "k07", "k08", "k09"}));
  // Out-of-range paging is clamped, not an error.
  EXPECT_EQ(tokensOf({.page = 0, .size = 0}), (std::vector<std::string>{"k22"}));
  EXPECT_EQ(tokensOf({.page = 1, .size = 1000}).size(), 23u);
}

TEST_P(StoreKeys, ListFiltersExactly) {
  auto add = [&](const char* token, const char* alias, const char* user, const char* team) {
    KeyRow k = plainKey(token, alias, 1);
    k.user_id = user;
    k.team_id = team;
    ASSERT_TRUE(store_->insertKey(k).has_value());
  };
  add("t1", "alpha", "u1", "red");
  add("t2", "beta", "u1", "blue");
  add("t3", "", "u2", "red");
  add("t4", "alphabet", "u2", "");
  std::int64_t total = 0;
  KeyQuery by_alias;
  by_alias.key_alias = "alpha";
  EXPECT_EQ(tokensOf(by_alias, &total), (std::vector<std::string>{"t1"}));
  EXPECT_EQ(total, 1);
  KeyQuery by_user;
  by_user.user_id = "u1";
  by_user.descending = false;
  EXPECT_EQ(tokensOf(by_user, &total), (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(total, 2);
  KeyQuery by_team_user;
  by_team_user.team_id = "red";
  by_team_user.user_id = "u2";
  EXPECT_EQ(tokensOf(by_team_user, &total), (std::vector<std::string>{"t3"}));
  KeyQuery none;
  none.team_id = "green";
  EXPECT_TRUE(tokensOf(none, &total).empty());
  EXPECT_EQ(total, 0);
  KeyQuery injection;
  injection.user_id = "u1' OR '1'='1";
  EXPECT_TRUE(tokensOf(injection, &total).empty());
  EXPECT_EQ(total, 0);
}

TEST_P(StoreKeys, ListSortsByWhitelistedColumnsOnly) {
  auto add = [&](const char* token, const char* alias, UnixMs created, UnixMs updated, double spend,
                 std::optional<UnixMs> expires) {
    KeyRow k = plainKey(token, alias, created);
    k.updated_at = updated;
    k.spend = spend;
    k.expires = expires;
    ASSERT_TRUE(store_->insertKey(k).has_value());
  };
  add("a", "zeta", 1, 30, 5.0, 300);
  add("b", "alpha", 2, 10, 9.0, 100);
  add("c", "mid", 3, 20, 1.0, 200);
  using V = std::vector<std::string>;
  EXPECT_EQ(tokensOf({.sort_by = "created_at"}), (V{"c", "b", "a"}));
  EXPECT_EQ(tokensOf({.sort_by = "updated_at"}), (V{"a", "c", "b"}));
  EXPECT_EQ(tokensOf({.sort_by = "spend"}), (V{"b", "a", "c"}));
  EXPECT_EQ(tokensOf({.sort_by = "key_alias", .descending = false}), (V{"b", "c", "a"}));
  EXPECT_EQ(tokensOf({.sort_by = "expires", .descending = false}), (V{"b", "c", "a"}));
  // Anything else sorts by created_at and is never part of the SQL.
  EXPECT_EQ(tokensOf({.sort_by = "token; DROP TABLE keys"}), (V{"c", "b", "a"}));
  EXPECT_EQ(tokensOf({.sort_by = "max_budget"}), (V{"c", "b", "a"}));
  EXPECT_EQ(store_->countKeys().value(), 3);
}

SY_BOTH_ENGINES(StoreKeys);

}  // namespace
}  // namespace switchyard::store
