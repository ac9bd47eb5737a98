// Batched background writes (spend rows, spend deltas, budget resets, audit rows) and the
// reports read from them, against both engines (a SQLite file and a real PostgreSQL database).

#include <gtest/gtest.h>

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

constexpr UnixMs kJan1 = 1'704'067'200'000;  // 2024-01-01T00:00:00Z
constexpr UnixMs kDay = 86'400'000;

SpendRow fullSpend(const std::string& request_id) {
  SpendRow r;
  r.request_id = request_id;
  r.call_type = "acompletion";
  r.api_key = "hash-1";
  r.key_alias = "alias-1";
  r.user = "user-1";
  r.team_id = "team-1";
  r.end_user = "end-user";
  r.model = "gpt4";
  r.model_group = "gpt4";
  r.model_id = "deploy-1";
  r.custom_llm_provider = "openai";
  r.api_base = "https://api.openai.test/v1";
  r.prompt_tokens = 100;
  r.completion_tokens = 20;
  r.total_tokens = 120;
  r.cached_tokens = 30;
  r.cache_creation_tokens = 4;
  r.reasoning_tokens = 5;
  r.spend = 0.0123;
  r.start_time = kJan1 + 1000;
  r.end_time = kJan1 + 2500;
  r.ttft_ms = 321.5;
  r.status = "success";
  r.http_status = 200;
  r.cache_hit = true;
  r.request_tags = {"tag-a", "tag-b"};
  r.stream = true;
  return r;
}

SpendRow spendAt(const std::string& id, const std::string& key, const std::string& model,
                 const std::string& team, UnixMs start, double spend, std::uint64_t prompt = 10,
                 std::uint64_t completion = 5) {
  SpendRow r;
  r.request_id = id;
  r.api_key = key;
  r.model = model;
  r.team_id = team;
  r.start_time = start;
  r.end_time = start + 10;
  r.spend = spend;
  r.prompt_tokens = prompt;
  r.completion_tokens = completion;
  r.total_tokens = prompt + completion;
  return r;
}

class StoreWrite : public test::EngineTest {
 protected:
  void mustWrite(const WriteBatch& batch) {
    auto r = store_->write(batch);
    ASSERT_TRUE(r.has_value()) << r.error().detail;
  }

  std::vector<std::string> idsOf(const SpendQuery& q) {
    std::vector<std::string> out;
    auto rows = store_->spendLogs(q);
    EXPECT_TRUE(rows.has_value());
    if (rows) {
      for (const SpendRow& r : *rows) out.push_back(r.request_id);
    }
    return out;
  }

  std::vector<SpendGroup> report(SpendGroupBy by, std::optional<UnixMs> start = std::nullopt,
                                 std::optional<UnixMs> end = std::nullopt,
                                 std::int64_t limit = 1000) {
    auto r = store_->spendReport({.group_by = {by}, .start = start, .end = end, .limit = limit});
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().detail);
    return r ? *r : std::vector<SpendGroup>{};
  }

};

TEST_P(StoreWrite, SpendRowsRoundTripEveryField) {
  SpendRow row = fullSpend("req-1");
  SpendRow bare;
  bare.request_id = "req-2";
  bare.start_time = kJan1;
  mustWrite({.rows = {row, bare}});
  auto rows = store_->spendLogs({});
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 2u);
  const SpendRow& got = (*rows)[0];  // newest first
  EXPECT_EQ(got.request_id, row.request_id);
  EXPECT_EQ(got.call_type, row.call_type);
  EXPECT_EQ(got.api_key, row.api_key);
  EXPECT_EQ(got.key_alias, row.key_alias);
  EXPECT_EQ(got.user, row.user);
  EXPECT_EQ(got.team_id, row.team_id);
  EXPECT_EQ(got.end_user, row.end_user);
  EXPECT_EQ(got.model, row.model);
  EXPECT_EQ(got.model_group, row.model_group);
  EXPECT_EQ(got.model_id, row.model_id);
  EXPECT_EQ(got.custom_llm_provider, row.custom_llm_provider);
  EXPECT_EQ(got.api_base, row.api_base);
  EXPECT_EQ(got.prompt_tokens, row.prompt_tokens);
  EXPECT_EQ(got.completion_tokens, row.completion_tokens);
  EXPECT_EQ(got.total_tokens, row.total_tokens);
  EXPECT_EQ(got.cached_tokens, row.cached_tokens);
  EXPECT_EQ(got.cache_creation_tokens, row.cache_creation_tokens);
  EXPECT_EQ(got.reasoning_tokens, row.reasoning_tokens);
  EXPECT_DOUBLE_EQ(got.spend, row.spend);
  EXPECT_EQ(got.start_time, row.start_time);
  EXPECT_EQ(got.end_time, row.end_time);
  EXPECT_EQ(got.ttft_ms, row.ttft_ms);
  EXPECT_EQ(got.status, row.status);
  EXPECT_EQ(got.http_status, row.http_status);
  EXPECT_EQ(got.cache_hit, row.cache_hit);
  EXPECT_EQ(got.request_tags, row.request_tags);
  EXPECT_EQ(got.stream, row.stream);
  EXPECT_EQ((*rows)[1].request_id, "req-2");
  EXPECT_FALSE((*rows)[1].ttft_ms.has_value());
  EXPECT_TRUE((*rows)[1].request_tags.empty());
}

// A batch larger than one multi-row INSERT: every row lands, each with its own values, whether
// written in a group of rows or alone after the last full group.
TEST_P(StoreWrite, ALargeBatchKeepsEveryRowAndItsValues) {
  constexpr int kRows = 75;
  WriteBatch batch;
  for (int i = 0; i < kRows; ++i) {
    SpendRow r = fullSpend("req-" + std::to_string(i));
    r.prompt_tokens = static_cast<std::uint64_t>(i);
    r.start_time = kJan1 + i;
    r.request_tags = i % 2 == 0 ? std::vector<std::string>{} : std::vector<std::string>{"odd"};
    batch.rows.push_back(std::move(r));
  }
  mustWrite(batch);
  auto rows = store_->spendLogs({.limit = 1000});
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), static_cast<std::size_t>(kRows));
  for (int i = 0; i < kRows; ++i) {
    const SpendRow& got = (*rows)[static_cast<std::size_t>(kRows - 1 - i)];  // newest first
    EXPECT_EQ(got.request_id, "req-" + std::to_string(i));
    EXPECT_EQ(got.prompt_tokens, static_cast<std::uint64_t>(i));
    EXPECT_EQ(got.start_time, kJan1 + i);
    EXPECT_EQ(got.request_tags.size(), i % 2 == 0 ? 0u : 1u) << i;
    EXPECT_EQ(got.api_base, "https://api.openai.test/v1");
  }
}

TEST_P(StoreWrite, ARetriedRequestIdIsKeptTwice) {
  mustWrite({.rows = {fullSpend("same"), fullSpend("same")}});
  EXPECT_EQ(idsOf({.request_id = "same"}).size(), 2u);
}

TEST_P(StoreWrite, EmptyBatchIsANoOp) { mustWrite({}); }

TEST_P(StoreWrite, DeltasAddToSpendAndModelSpend) {
  ASSERT_TRUE(store_->insertKey(fullKey("hash-1", "a")).has_value());  // spend 3.75
  mustWrite({.deltas = {{.id = "hash-1", .spend = 1.0, .model = ""},
                        {.id = "hash-1", .spend = 0.25, .model = "gpt-4o"},
                        {.id = "hash-1", .spend = 0.5, .model = "new-model"},
                        {.id = "hash-1", .spend = 0.5, .model = "new-model"}}});
  KeyRow k = mustFind("hash-1");
  EXPECT_DOUBLE_EQ(k.spend, 3.75 + 2.25);
  EXPECT_DOUBLE_EQ(k.model_spend["gpt-4o"].spend, 0.75);
  EXPECT_EQ(k.model_spend["gpt-4o"].reset_at, 1'700'000'100'000);  // untouched
  EXPECT_DOUBLE_EQ(k.model_spend["claude-3"].spend, 0.25);         // untouched
  EXPECT_DOUBLE_EQ(k.model_spend["new-model"].spend, 1.0);
  EXPECT_FALSE(k.model_spend["new-model"].reset_at.has_value());
  EXPECT_EQ(k.model_spend.size(), 3u);
}

TEST_P(StoreWrite, ResetsZeroTheBudgetAfterDeltas) {
  ASSERT_TRUE(store_->insertKey(fullKey("hash-1", "a")).has_value());
  // In one batch deltas apply before resets: the reset wins.
  mustWrite({.deltas = {{.id = "hash-1", .spend = 2.0, .model = ""}},
             .resets = {{.id = "hash-1", .model = "", .next_reset_at = kJan1 + kDay}}});
  KeyRow k = mustFind("hash-1");
  EXPECT_DOUBLE_EQ(k.spend, 0);
  EXPECT_EQ(k.budget_reset_at, kJan1 + kDay);
  EXPECT_DOUBLE_EQ(k.model_spend["gpt-4o"].spend, 0.5);  // a key reset leaves model spend alone

  mustWrite({.deltas = {{.id = "hash-1", .spend = 0.5, .model = ""}}});
  EXPECT_DOUBLE_EQ(mustFind("hash-1").spend, 0.5);
}

TEST_P(StoreWrite, ModelResetsTouchOnlyThatModel) {
  ASSERT_TRUE(store_->insertKey(fullKey("hash-1", "a")).has_value());
  mustWrite({.resets = {{.id = "hash-1", .model = "gpt-4o", .next_reset_at = 1'800'000'000'000},
                        {.id = "hash-1", .model = "never-used", .next_reset_at = 43}}});
  KeyRow k = mustFind("hash-1");
  EXPECT_DOUBLE_EQ(k.spend, 3.75);
  EXPECT_EQ(k.budget_reset_at, 1'700'000'000'123);
  EXPECT_DOUBLE_EQ(k.model_spend["gpt-4o"].spend, 0);
  EXPECT_EQ(k.model_spend["gpt-4o"].reset_at, 1'800'000'000'000);
  EXPECT_DOUBLE_EQ(k.model_spend["claude-3"].spend, 0.25);
  EXPECT_FALSE(k.model_spend["claude-3"].reset_at.has_value());
  EXPECT_DOUBLE_EQ(k.model_spend["never-used"].spend, 0);
  EXPECT_EQ(k.model_spend["never-used"].reset_at, 43);
}

// Several instances each see a budget window end and each write its reset: only the first one
// applies, so spend counted between them is not zeroed again.
TEST_P(StoreWrite, AResetAppliesOncePerWindow) {
  ASSERT_TRUE(store_->insertKey(fullKey("hash-1", "a")).has_value());
  const UnixMs next = 1'800'000'000'000;
  BudgetReset key_reset{.id = "hash-1", .model = "", .next_reset_at = next};
  BudgetReset model_reset{.id = "hash-1", .model = "gpt-4o", .next_reset_at = next};
  mustWrite({.resets = {key_reset, model_reset}});
  mustWrite({.deltas = {{.id = "hash-1", .spend = 0.75, .model = "gpt-4o"}}});
  mustWrite({.resets = {key_reset, model_reset}});  // the other instance's, later
  KeyRow k = mustFind("hash-1");
  EXPECT_DOUBLE_EQ(k.spend, 0.75);
  EXPECT_EQ(k.budget_reset_at, next);
  EXPECT_DOUBLE_EQ(k.model_spend["gpt-4o"].spend, 0.75);
  EXPECT_EQ(k.model_spend["gpt-4o"].reset_at, next);
  // The next window's reset applies.
  mustWrite({.resets = {{.id = "hash-1", .model = "", .next_reset_at = next + kDay},
                        {.id = "hash-1", .model = "gpt-4o", .next_reset_at = next + kDay}}});
  k = mustFind("hash-1");
  EXPECT_DOUBLE_EQ(k.spend, 0);
  EXPECT_DOUBLE_EQ(k.model_spend["gpt-4o"].spend, 0);
}

TEST_P(StoreWrite, DeltasAndResetsForDeletedKeysAreSkipped) {
  ASSERT_TRUE(store_->insertKey(plainKey("alive")).has_value());
  mustWrite({.rows = {spendAt("r1", "gone", "m", "", kJan1, 1.0)},
             .deltas = {{.id = "gone", .spend = 1.0, .model = ""},
                        {.id = "gone", .spend = 1.0, .model = "m"},
                        {.id = "alive", .spend = 1.0, .model = "m"}},
             .resets = {{.id = "gone", .model = "", .next_reset_at = 1},
                        {.id = "gone", .model = "m", .next_reset_at = 1}},
             .audit = {{.at = 1, .actor = "master", .action = "key.delete", .object_id = "gone"}}});
  EXPECT_FALSE(store_->findKey("gone").value().has_value());
  EXPECT_DOUBLE_EQ(mustFind("alive").spend, 1.0);
  EXPECT_EQ(idsOf({}).size(), 1u);
  EXPECT_EQ(store_->auditLog(10).value().size(), 1u);
}

TEST_P(StoreWrite, CorruptModelSpendStartsOverInsteadOfBlockingWrites) {
  ASSERT_TRUE(store_->insertKey(fullKey("hash-1", "a")).has_value());
  ASSERT_TRUE(db_.exec("UPDATE keys SET model_spend = 'garbage' WHERE token = 'hash-1'"));
  mustWrite({.deltas = {{.id = "hash-1", .spend = 0.5, .model = "gpt-4o"}}});
  KeyRow k = mustFind("hash-1");
  EXPECT_DOUBLE_EQ(k.spend, 4.25);
  ASSERT_EQ(k.model_spend.size(), 1u);
  EXPECT_DOUBLE_EQ(k.model_spend["gpt-4o"].spend, 0.5);
}

// A failure in the last step (an audit insert, made to fail by a trigger added from a second
// connection) undoes the whole batch: rows, deltas and resets included.
TEST_P(StoreWrite, ABatchIsAllOrNothing) {
  ASSERT_TRUE(store_->insertKey(fullKey("hash-1", "a")).has_value());
  db_.failAuditInserts(true);
  WriteBatch batch{
      .rows = {spendAt("r1", "hash-1", "gpt4", "t", kJan1, 1.0),
               spendAt("r2", "hash-1", "gpt4", "t", kJan1 + 1, 2.0)},
      .deltas = {{.id = "hash-1", .spend = 3.0, .model = "gpt-4o"}},
      .resets = {{.id = "hash-1", .model = "claude-3", .next_reset_at = 99}},
      .audit = {{.at = 5, .actor = "master", .action = "key.update", .object_id = "hash-1"}}};
  auto failed = store_->write(batch);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().kind, api::ErrorKind::kInternal);
  EXPECT_NE(failed.error().detail.find("injected failure"), std::string::npos);

  EXPECT_TRUE(idsOf({}).empty());
  KeyRow k = mustFind("hash-1");
  EXPECT_DOUBLE_EQ(k.spend, 3.75);
  EXPECT_DOUBLE_EQ(k.model_spend["gpt-4o"].spend, 0.5);
  EXPECT_DOUBLE_EQ(k.model_spend["claude-3"].spend, 0.25);
  EXPECT_FALSE(k.model_spend["claude-3"].reset_at.has_value());
  EXPECT_EQ(db_.scalar("SELECT COUNT(*) FROM spend_logs"), "0");

  // The store is not left inside a transaction: the same batch goes through once the trigger
  // is gone.
  db_.failAuditInserts(false);
  mustWrite(batch);
  EXPECT_EQ(idsOf({}), (std::vector<std::string>{"r2", "r1"}));
  k = mustFind("hash-1");
  EXPECT_DOUBLE_EQ(k.spend, 6.75);
  EXPECT_DOUBLE_EQ(k.model_spend["gpt-4o"].spend, 3.5);
  EXPECT_EQ(k.model_spend["claude-3"].reset_at, 99);
  EXPECT_EQ(store_->auditLog(10).value().size(), 1u);
}

TEST_P(StoreWrite, SpendLogsFilterAndOrder) {
  mustWrite({.rows = {spendAt("a1", "key-a", "m", "", kJan1 + 10, 1),
                      spendAt("b1", "key-b", "m", "", kJan1 + 20, 1),
                      spendAt("a2", "key-a", "m", "", kJan1 + 30, 1),
                      spendAt("a3", "key-a", "m", "", kJan1 + 40, 1),
                      spendAt("b2", "key-b", "m", "", kJan1 + 40, 1)}});
  using V = std::vector<std::string>;
  EXPECT_EQ(idsOf({}), (V{"b2", "a3", "a2", "b1", "a1"}));  // newest first; ties: last written
  EXPECT_EQ(idsOf({.api_key = "key-a"}), (V{"a3", "a2", "a1"}));
  EXPECT_EQ(idsOf({.request_id = "b1"}), (V{"b1"}));
  EXPECT_EQ(idsOf({.api_key = "key-a", .request_id = "b1"}), V{});
  // [start, end)
  EXPECT_EQ(idsOf({.start = kJan1 + 20, .end = kJan1 + 40}), (V{"a2", "b1"}));
  EXPECT_EQ(idsOf({.api_key = "key-b", .start = kJan1 + 20}), (V{"b2", "b1"}));
  EXPECT_EQ(idsOf({.end = kJan1 + 11}), (V{"a1"}));
  EXPECT_EQ(idsOf({.limit = 2}), (V{"b2", "a3"}));
  EXPECT_EQ(idsOf({.limit = 0}), V{});
  EXPECT_EQ(idsOf({.api_key = "nobody"}), V{});
}

class StoreReport : public StoreWrite {
 protected:
  void SetUp() override {
    StoreWrite::SetUp();
    KeyRow k1 = plainKey("k1", "current-alias");
    k1.key_name = "sk-...k1k1";
    ASSERT_TRUE(store_->insertKey(k1).has_value());
    auto row = [](const char* id, const char* key, const char* alias, const char* model,
                  const char* team, UnixMs start, double spend, std::uint64_t prompt,
                  std::uint64_t completion) {
      SpendRow r = spendAt(id, key, model, team, start, spend, prompt, completion);
      r.key_alias = alias;
      return r;
    };
    mustWrite({.rows = {
                   row("1", "k1", "old-alias", "gpt4", "red", kJan1 + 1000, 1.0, 100, 10),
                   row("2", "k1", "old-alias", "claude", "red", kJan1 + kDay - 1, 2.0, 200, 20),
                   row("3", "k2", "gone-alias", "gpt4", "blue", kJan1 + kDay, 0.5, 50, 5),
                   row("4", "k2", "gone-alias", "gpt4", "blue", kJan1 + 2 * kDay, 0.25, 25, 2),
                   row("5", "", "", "claude", "", kJan1 + 2 * kDay + 5, 4.0, 400, 40),
               }});
  }
};

TEST_P(StoreReport, ByKeyUsesTheKeysCurrentAlias) {
  std::vector<SpendGroup> g = report(SpendGroupBy::kKey);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0].groups[0], "");  // the master key / open gateway
  EXPECT_DOUBLE_EQ(g[0].spend, 4.0);
  EXPECT_EQ(g[1].groups[0], "k1");
  EXPECT_EQ(g[1].key_alias, "current-alias");
  EXPECT_DOUBLE_EQ(g[1].spend, 3.0);
  EXPECT_EQ(g[1].requests, 2u);
  EXPECT_EQ(g[1].prompt_tokens, 300u);
  EXPECT_EQ(g[1].completion_tokens, 30u);
  EXPECT_EQ(g[1].total_tokens, 330u);
  EXPECT_EQ(g[2].groups[0], "k2");
  EXPECT_EQ(g[2].key_alias, "gone-alias");  // deleted key: the spend rows' alias
  EXPECT_DOUBLE_EQ(g[2].spend, 0.75);
  EXPECT_EQ(g[2].requests, 2u);
}

TEST_P(StoreReport, ByModel) {
  std::vector<SpendGroup> g = report(SpendGroupBy::kModel);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].groups[0], "claude");
  EXPECT_DOUBLE_EQ(g[0].spend, 6.0);
  EXPECT_EQ(g[0].requests, 2u);
  EXPECT_EQ(g[0].total_tokens, 660u);
  EXPECT_TRUE(g[0].key_alias.empty());
  EXPECT_EQ(g[1].groups[0], "gpt4");
  EXPECT_DOUBLE_EQ(g[1].spend, 1.75);
  EXPECT_EQ(g[1].requests, 3u);
  EXPECT_EQ(g[1].prompt_tokens, 175u);
}

TEST_P(StoreReport, ByTeam) {
  std::vector<SpendGroup> g = report(SpendGroupBy::kTeam);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0].groups[0], "");
  EXPECT_DOUBLE_EQ(g[0].spend, 4.0);
  EXPECT_EQ(g[1].groups[0], "red");
  EXPECT_DOUBLE_EQ(g[1].spend, 3.0);
  EXPECT_EQ(g[2].groups[0], "blue");
  EXPECT_DOUBLE_EQ(g[2].spend, 0.75);
  EXPECT_EQ(g[2].completion_tokens, 7u);
}

TEST_P(StoreReport, ByDayInUtc) {
  std::vector<SpendGroup> g = report(SpendGroupBy::kDay);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0].groups[0], "2024-01-03");
  EXPECT_DOUBLE_EQ(g[0].spend, 4.25);
  EXPECT_EQ(g[0].requests, 2u);
  EXPECT_EQ(g[1].groups[0], "2024-01-01");  // the last millisecond of the day stays in it
  EXPECT_DOUBLE_EQ(g[1].spend, 3.0);
  EXPECT_EQ(g[1].requests, 2u);
  EXPECT_EQ(g[2].groups[0], "2024-01-02");
  EXPECT_DOUBLE_EQ(g[2].spend, 0.5);
}

TEST_P(StoreReport, WindowAndLimit) {
  // [Jan 2, Jan 3): only row 3.
  std::vector<SpendGroup> g = report(SpendGroupBy::kKey, kJan1 + kDay, kJan1 + 2 * kDay);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].groups[0], "k2");
  EXPECT_DOUBLE_EQ(g[0].spend, 0.5);
  EXPECT_EQ(g[0].requests, 1u);

  g = report(SpendGroupBy::kModel, kJan1 + 2 * kDay);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_DOUBLE_EQ(g[0].spend, 4.0);

  g = report(SpendGroupBy::kTeam, std::nullopt, std::nullopt, 1);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].groups[0], "");

  EXPECT_TRUE(report(SpendGroupBy::kDay, kJan1 + 10 * kDay).empty());
}

TEST_P(StoreReport, SeveralColumnsGroupTogether) {
  auto r = store_->spendReport({.group_by = {SpendGroupBy::kDay, SpendGroupBy::kTeam,
                                             SpendGroupBy::kModel, SpendGroupBy::kKey},
                                .limit = -1});
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  const std::vector<SpendGroup>& g = *r;
  ASSERT_EQ(g.size(), 5u);  // every row is its own group; biggest spend first
  using V = std::vector<std::string>;
  EXPECT_EQ(g[0].groups, (V{"2024-01-03", "", "claude", ""}));
  EXPECT_DOUBLE_EQ(g[0].spend, 4.0);
  EXPECT_EQ(g[1].groups, (V{"2024-01-01", "red", "claude", "k1"}));
  EXPECT_EQ(g[1].key_alias, "current-alias");
  EXPECT_EQ(g[1].key_name, "sk-...k1k1");
  EXPECT_EQ(g[1].requests, 1u);
  EXPECT_EQ(g[4].groups, (V{"2024-01-03", "blue", "gpt4", "k2"}));
  EXPECT_EQ(g[4].key_alias, "gone-alias");
  EXPECT_EQ(g[4].key_name, "");  // a deleted key

  r = store_->spendReport({.group_by = {SpendGroupBy::kKey, SpendGroupBy::kModel}});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 4u);  // k1 x {gpt4, claude}, k2 x gpt4, "" x claude
  EXPECT_EQ((*r)[3].groups, (V{"k2", "gpt4"}));
  EXPECT_DOUBLE_EQ((*r)[3].spend, 0.75);
  EXPECT_EQ((*r)[3].requests, 2u);
}

TEST_P(StoreReport, ByCustomerAndFilters) {
  SpendRow a = spendAt("6", "k1", "gpt4", "red", kJan1 + 3 * kDay, 0.5);
  a.user = "ann";
  a.end_user = "acme";
  SpendRow b = spendAt("7", "k3", "gpt4", "", kJan1 + 3 * kDay, 0.25);
  b.user = "bob";
  b.end_user = "acme";
  SpendRow failed = spendAt("8", "k3", "gpt4", "", kJan1 + 3 * kDay, 0);
  failed.user = "bob";
  failed.status = "failure";
  mustWrite({.rows = {a, b, failed}});
  auto r = store_->spendReport({.group_by = {SpendGroupBy::kCustomer}, .start = kJan1 + 3 * kDay});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].groups[0], "acme");
  EXPECT_DOUBLE_EQ((*r)[0].spend, 0.75);
  EXPECT_EQ((*r)[1].groups[0], "");  // no end user
  EXPECT_EQ((*r)[1].requests, 1u);   // a failure counts, with its spend (0)

  r = store_->spendReport({.group_by = {SpendGroupBy::kKey}, .user = "bob"});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].groups[0], "k3");
  EXPECT_EQ((*r)[0].requests, 2u);
  EXPECT_DOUBLE_EQ((*r)[0].spend, 0.25);

  r = store_->spendReport({.group_by = {SpendGroupBy::kModel}, .api_key = "k1"});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].groups[0], "claude");
  EXPECT_DOUBLE_EQ((*r)[1].spend, 1.5);  // gpt4: rows 1 and 6

  EXPECT_FALSE(store_->spendReport({.group_by = {}}).has_value());
}

TEST_P(StoreWrite, AuditLogNewestFirst) {
  mustWrite({.audit = {{.at = 10,
                        .actor = "master",
                        .action = "key.generate",
                        .object_id = "h1",
                        .detail = R"({"key_alias":"a"})"},
                       {.at = 30, .actor = "admin", .action = "key.delete", .object_id = "h1"},
                       {.at = 20, .actor = "master", .action = "key.update", .object_id = "h1"}}});
  mustWrite({.audit = {{.at = 30, .actor = "master", .action = "key.block", .object_id = "h2"}}});
  auto log = store_->auditLog(10);
  ASSERT_TRUE(log.has_value());
  ASSERT_EQ(log->size(), 4u);
  EXPECT_EQ((*log)[0].action, "key.block");  // same time: the later write first
  EXPECT_EQ((*log)[1].action, "key.delete");
  EXPECT_EQ((*log)[1].actor, "admin");
  EXPECT_EQ((*log)[2].action, "key.update");
  EXPECT_EQ((*log)[3].action, "key.generate");
  EXPECT_EQ((*log)[3].detail, R"({"key_alias":"a"})");
  EXPECT_EQ((*log)[3].object_id, "h1");
  EXPECT_EQ((*log)[3].at, 10);
  EXPECT_EQ(store_->auditLog(2).value().size(), 2u);
  EXPECT_TRUE(store_->auditLog(0).value().empty());
}

SY_BOTH_ENGINES(StoreWrite);
SY_BOTH_ENGINES(StoreReport);

}  // namespace
}  // namespace switchyard::store
