#include "switchyard/admin/key_request.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "switchyard/auth/key_hash.hpp"
#include "switchyard/keys/budget_window.hpp"

namespace switchyard::admin {
namespace {

using nlohmann::json;
using namespace std::chrono;

constexpr store::UnixMs kSecond = 1000;
constexpr store::UnixMs kDay = 86400 * kSecond;

store::UnixMs at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
  auto t = sys_days(year(y) / month(mo) / day(d)) + hours(h) + minutes(mi) + seconds(s) +
           milliseconds(ms);
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

// Friday 2026-12-04 21:25:37.250 UTC.
const store::UnixMs kNow = at(2026, 12, 4, 21, 25, 37, 250);

store::UnixMs resetAfter(const std::string& duration, store::UnixMs now) {
  auto r =
      keys::nextBudgetReset(duration, floor<seconds>(sys_time<milliseconds>(milliseconds(now))));
  EXPECT_TRUE(r.has_value()) << duration;
  return duration_cast<milliseconds>(r->time_since_epoch()).count();
}

store::KeyRow applied(const std::string& body, KeyBodyMode mode = KeyBodyMode::kGenerate,
                      store::KeyRow row = {}) {
  auto r = applyKeyFields(json::parse(body), mode, kNow, row);
  EXPECT_TRUE(r.has_value()) << body << ": " << (r ? "" : r.error().message);
  return row;
}

// A row with every field set, as an update finds it.
store::KeyRow fullRow() {
  return applied(R"({
    "key_alias": "team-a", "models": ["gpt-4o", "claude"], "aliases": {"gpt-4": "gpt-4o"},
    "max_budget": 10.5, "soft_budget": 8, "budget_duration": "30d", "spend": 1.25,
    "rpm_limit": 100, "tpm_limit": 20000, "max_parallel_requests": 4, "duration": "7d",
    "metadata": {"app": "billing"}, "tags": ["prod"], "blocked": true, "user_id": "u1",
    "team_id": "t1", "model_max_budget": {"gpt-4o": {"budget_limit": 2, "time_period": "1d"}},
    "model_rpm_limit": {"gpt-4o": 10}, "model_tpm_limit": {"gpt-4o": 1000}})");
}

TEST(KeyFieldsTest, GenerateAppliesEveryField) {
  store::KeyRow row = fullRow();
  EXPECT_EQ(row.key_alias, "team-a");
  EXPECT_EQ(row.models, (std::vector<std::string>{"gpt-4o", "claude"}));
  EXPECT_EQ(row.aliases, (store::ByModel<std::string>{{"gpt-4", "gpt-4o"}}));
  EXPECT_EQ(row.max_budget, 10.5);
  EXPECT_EQ(row.soft_budget, 8.0);
  EXPECT_EQ(row.budget_duration, "30d");
  EXPECT_EQ(row.budget_reset_at, at(2027, 1, 1));  // "30d": the 1st of next month
  EXPECT_EQ(row.spend, 1.25);
  EXPECT_EQ(row.rpm_limit, 100);
  EXPECT_EQ(row.tpm_limit, 20000);
  EXPECT_EQ(row.max_parallel_requests, 4);
  EXPECT_EQ(row.expires, kNow + 7 * kDay);
  EXPECT_EQ(json::parse(row.metadata), json::parse(R"({"app": "billing"})"));
  EXPECT_EQ(row.tags, std::vector<std::string>{"prod"});
  EXPECT_TRUE(row.blocked);
  EXPECT_EQ(row.user_id, "u1");
  EXPECT_EQ(row.team_id, "t1");
  ASSERT_EQ(row.model_max_budget.count("gpt-4o"), 1u);
  EXPECT_EQ(row.model_max_budget["gpt-4o"].budget_limit, 2.0);
  EXPECT_EQ(row.model_max_budget["gpt-4o"].time_period, "1d");
  EXPECT_EQ(row.model_rpm_limit, (store::ByModel<std::int64_t>{{"gpt-4o", 10}}));
  EXPECT_EQ(row.model_tpm_limit, (store::ByModel<std::int64_t>{{"gpt-4o", 1000}}));
}

TEST(KeyFieldsTest, UpdateChangesOnlyTheFieldsGiven) {
  store::KeyRow before = fullRow();
  store::KeyRow row = applied(R"({"max_budget": 20, "models": []})", KeyBodyMode::kUpdate, before);
  EXPECT_EQ(row.max_budget, 20.0);
  EXPECT_TRUE(row.models.empty());
  EXPECT_EQ(row.key_alias, before.key_alias);
  EXPECT_EQ(row.expires, before.expires);
  EXPECT_EQ(row.budget_reset_at, before.budget_reset_at);
  EXPECT_EQ(row.metadata, before.metadata);
  EXPECT_EQ(row.tags, before.tags);
  EXPECT_EQ(row.model_rpm_limit, before.model_rpm_limit);
}

TEST(KeyFieldsTest, UpdateNullClearsEveryField) {
  store::KeyRow row = applied(R"({
    "key_alias": null, "models": null, "aliases": null, "max_budget": null, "soft_budget": null,
    "budget_duration": null, "spend": null, "rpm_limit": null, "tpm_limit": null,
    "max_parallel_requests": null, "duration": null, "metadata": null, "tags": null,
    "blocked": null, "user_id": null, "team_id": null, "model_max_budget": null,
    "model_rpm_limit": null, "model_tpm_limit": null})",
                              KeyBodyMode::kUpdate, fullRow());
  EXPECT_EQ(row.key_alias, "");
  EXPECT_TRUE(row.models.empty());
  EXPECT_TRUE(row.aliases.empty());
  EXPECT_FALSE(row.max_budget);
  EXPECT_FALSE(row.soft_budget);
  EXPECT_EQ(row.budget_duration, "");
  EXPECT_FALSE(row.budget_reset_at);
  EXPECT_EQ(row.spend, 0);
  EXPECT_FALSE(row.rpm_limit);
  EXPECT_FALSE(row.tpm_limit);
  EXPECT_FALSE(row.max_parallel_requests);
  EXPECT_FALSE(row.expires);
  EXPECT_EQ(row.metadata, "{}");
  EXPECT_TRUE(row.tags.empty());
  EXPECT_FALSE(row.blocked);
  EXPECT_EQ(row.user_id, "");
  EXPECT_EQ(row.team_id, "");
  EXPECT_TRUE(row.model_max_budget.empty());
  EXPECT_TRUE(row.model_rpm_limit.empty());
  EXPECT_TRUE(row.model_tpm_limit.empty());
}

TEST(KeyFieldsTest, GenerateNullLeavesTheDefaults) {
  store::KeyRow preset;
  preset.key_alias = "preset";
  preset.max_budget = 3;
  store::KeyRow row = applied(R"({"key_alias": null, "max_budget": null, "models": null})",
                              KeyBodyMode::kGenerate, preset);
  EXPECT_EQ(row.key_alias, "preset");
  EXPECT_EQ(row.max_budget, 3.0);
}

TEST(KeyFieldsTest, UnknownFieldsAreIgnored) {
  store::KeyRow row = applied(R"({"guardrails": ["x"], "key_type": "llm_api", "config": {}})");
  EXPECT_EQ(row.metadata, "{}");
}

// Each bad body: a 400 naming the field, and the row left as it was.
struct BadCase {
  const char* body;
  const char* param;
};

class KeyFieldsBadTest : public testing::TestWithParam<BadCase> {};

TEST_P(KeyFieldsBadTest, NamesTheFieldAndLeavesTheRow) {
  for (KeyBodyMode mode : {KeyBodyMode::kGenerate, KeyBodyMode::kUpdate}) {
    store::KeyRow row = fullRow();
    store::KeyRow before = row;
    auto r = applyKeyFields(json::parse(GetParam().body), mode, kNow, row);
    ASSERT_FALSE(r.has_value()) << GetParam().body;
    EXPECT_EQ(r.error().kind, api::ErrorKind::kInvalidRequest);
    EXPECT_EQ(r.error().param, GetParam().param) << GetParam().body;
    EXPECT_FALSE(r.error().message.empty());
    EXPECT_EQ(row.max_budget, before.max_budget);
    EXPECT_EQ(row.key_alias, before.key_alias);
    EXPECT_EQ(row.metadata, before.metadata);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, KeyFieldsBadTest,
    testing::Values(
        BadCase{R"({"key_alias": 5})", "key_alias"}, BadCase{R"({"models": "gpt-4o"})", "models"},
        BadCase{R"({"models": ["a", 1]})", "models"}, BadCase{R"({"aliases": ["a"]})", "aliases"},
        BadCase{R"({"aliases": {"a": 1}})", "aliases"},
        BadCase{R"({"max_budget": -1})", "max_budget"},
        BadCase{R"({"max_budget": "10"})", "max_budget"},
        BadCase{R"({"max_budget": true})", "max_budget"},
        BadCase{R"({"soft_budget": -0.5})", "soft_budget"}, BadCase{R"({"spend": -1})", "spend"},
        BadCase{R"({"spend": "x"})", "spend"}, BadCase{R"({"rpm_limit": -1})", "rpm_limit"},
        BadCase{R"({"rpm_limit": 1.5})", "rpm_limit"},
        BadCase{R"({"rpm_limit": "10"})", "rpm_limit"},
        BadCase{R"({"tpm_limit": -5})", "tpm_limit"},
        BadCase{R"({"tpm_limit": 1e30})", "tpm_limit"},
        BadCase{R"({"max_parallel_requests": -1})", "max_parallel_requests"},
        BadCase{R"({"budget_duration": "30x"})", "budget_duration"},
        BadCase{R"({"budget_duration": "30"})", "budget_duration"},
        BadCase{R"({"budget_duration": "0d"})", "budget_duration"},
        BadCase{R"({"budget_duration": 30})", "budget_duration"},
        BadCase{R"({"duration": "7y"})", "duration"}, BadCase{R"({"duration": "7"})", "duration"},
        BadCase{R"({"duration": 7})", "duration"},
        BadCase{R"({"duration": "1d", "expires": "2027-01-01T00:00:00Z"})", "duration"},
        BadCase{R"({"expires": "next week"})", "expires"},
        BadCase{R"({"expires": 1700000000})", "expires"},
        BadCase{R"({"metadata": "x"})", "metadata"}, BadCase{R"({"metadata": []})", "metadata"},
        BadCase{R"({"metadata": {"tags": "prod"}})", "metadata.tags"},
        BadCase{R"({"metadata": {"model_rpm_limit": {"m": -1}}})", "metadata.model_rpm_limit"},
        BadCase{R"({"metadata": {"model_tpm_limit": [1]}})", "metadata.model_tpm_limit"},
        BadCase{R"({"tags": "prod"})", "tags"}, BadCase{R"({"tags": [1]})", "tags"},
        BadCase{R"({"blocked": "yes"})", "blocked"}, BadCase{R"({"blocked": 1})", "blocked"},
        BadCase{R"({"user_id": 1})", "user_id"}, BadCase{R"({"team_id": {}})", "team_id"},
        BadCase{R"({"model_max_budget": {"gpt-4o": 5}})", "model_max_budget"},
        BadCase{R"({"model_max_budget": []})", "model_max_budget"},
        BadCase{R"({"model_max_budget": {"m": {"time_period": "1d"}}})", "model_max_budget"},
        BadCase{R"({"model_max_budget": {"m": {"budget_limit": -1}}})", "model_max_budget"},
        BadCase{R"({"model_max_budget": {"m": {"budget_limit": "x"}}})", "model_max_budget"},
        BadCase{R"({"model_max_budget": {"m": {"budget_limit": 1, "time_period": "1q"}}})",
                "model_max_budget"},
        BadCase{R"({"model_rpm_limit": {"m": "10"}})", "model_rpm_limit"},
        BadCase{R"({"model_rpm_limit": [10]})", "model_rpm_limit"},
        BadCase{R"({"model_tpm_limit": {"m": -1}})", "model_tpm_limit"}, BadCase{R"([1, 2])", ""},
        BadCase{R"("text")", ""}));

TEST(KeyFieldsTest, MoneyAndCountsTakeLiteLLMsLenientForms) {
  store::KeyRow row = applied(R"({"rpm_limit": 10.0, "tpm_limit": 0, "max_budget": 0})");
  EXPECT_EQ(row.rpm_limit, 10);
  EXPECT_EQ(row.tpm_limit, 0);
  EXPECT_EQ(row.max_budget, 0.0);
  // LiteLLM: max_budget "" means null.
  row = applied(R"({"max_budget": ""})", KeyBodyMode::kUpdate, fullRow());
  EXPECT_FALSE(row.max_budget);
  // LiteLLM does not refuse a soft budget above the max budget.
  row = applied(R"({"max_budget": 1, "soft_budget": 5})");
  EXPECT_EQ(row.soft_budget, 5.0);
}

TEST(KeyFieldsTest, DurationSetsExpiresFromNow) {
  EXPECT_EQ(applied(R"({"duration": "30s"})").expires, kNow + 30 * kSecond);
  EXPECT_EQ(applied(R"({"duration": "5m"})").expires, kNow + 300 * kSecond);
  EXPECT_EQ(applied(R"({"duration": "1h"})").expires, kNow + 3600 * kSecond);
  EXPECT_EQ(applied(R"({"duration": "30d"})").expires, kNow + 30 * kDay);
  EXPECT_EQ(applied(R"({"duration": "2w"})").expires, kNow + 14 * kDay);
  // "Nmo": calendar months, the same time of day (LiteLLM's duration_in_seconds).
  EXPECT_EQ(applied(R"({"duration": "1mo"})").expires, at(2027, 1, 4, 21, 25, 37, 250));
  EXPECT_EQ(applied(R"({"duration": "14mo"})").expires, at(2028, 2, 4, 21, 25, 37, 250));
}

TEST(KeyFieldsTest, MonthDurationClampsToTheMonthsLastDay) {
  store::KeyRow row;
  const store::UnixMs jan31 = at(2027, 1, 31, 12);
  ASSERT_TRUE(
      applyKeyFields(json::parse(R"({"duration": "1mo"})"), KeyBodyMode::kGenerate, jan31, row));
  EXPECT_EQ(row.expires, at(2027, 2, 28, 12));
}

TEST(KeyFieldsTest, NeverExpiringDurations) {
  store::KeyRow before = fullRow();
  ASSERT_TRUE(before.expires);
  for (const char* body : {R"({"duration": null})", R"({"duration": "-1"})", R"({"duration": ""})",
                           R"({"duration": "None"})"}) {
    EXPECT_FALSE(applied(body, KeyBodyMode::kUpdate, before).expires) << body;
  }
  EXPECT_FALSE(applied(R"({"duration": null})").expires);
}

TEST(KeyFieldsTest, ExpiresTakesAnIsoTime) {
  EXPECT_EQ(applied(R"({"expires": "2027-03-01T12:00:00Z"})").expires, at(2027, 3, 1, 12));
  EXPECT_FALSE(applied(R"({"expires": null})", KeyBodyMode::kUpdate, fullRow()).expires);
  // A null duration next to a time: the time holds (the shape /key/generate answers with).
  EXPECT_EQ(applied(R"({"duration": null, "expires": "2027-03-01"})").expires, at(2027, 3, 1));
  EXPECT_EQ(applied(R"({"duration": "1d", "expires": null})").expires, kNow + kDay);
}

TEST(KeyFieldsTest, BudgetDurationSetsTheNextReset) {
  for (const char* d : {"30s", "15m", "1h", "6h", "1d", "7d", "30d", "1w", "1mo", "3mo"}) {
    store::KeyRow row = applied(json({{"budget_duration", d}}).dump());
    EXPECT_EQ(row.budget_duration, d);
    EXPECT_EQ(row.budget_reset_at, resetAfter(d, kNow)) << d;
  }
  EXPECT_EQ(applied(R"({"budget_duration": "1d"})").budget_reset_at, at(2026, 12, 5));
  store::KeyRow cleared =
      applied(R"({"budget_duration": "none"})", KeyBodyMode::kUpdate, fullRow());
  EXPECT_EQ(cleared.budget_duration, "");
  EXPECT_FALSE(cleared.budget_reset_at);
}

TEST(KeyFieldsTest, MetadataCarriesLiteLLMsFields) {
  store::KeyRow row = applied(R"({"metadata": {"app": "x", "tags": ["a", "b"],
      "model_rpm_limit": {"m": 5}, "model_tpm_limit": {"m": 50}}})");
  EXPECT_EQ(row.tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(row.model_rpm_limit, (store::ByModel<std::int64_t>{{"m", 5}}));
  EXPECT_EQ(row.model_tpm_limit, (store::ByModel<std::int64_t>{{"m", 50}}));
  // Kept once, in the row's fields; key_json renders them back into metadata.
  EXPECT_EQ(json::parse(row.metadata), json::parse(R"({"app": "x"})"));
}

TEST(KeyFieldsTest, TopLevelWinsOverMetadata) {
  store::KeyRow row = applied(R"({"metadata": {"tags": ["in-meta"], "model_rpm_limit": {"m": 5}},
      "tags": ["top"], "model_rpm_limit": {"m": 7}})");
  EXPECT_EQ(row.tags, std::vector<std::string>{"top"});
  EXPECT_EQ(row.model_rpm_limit, (store::ByModel<std::int64_t>{{"m", 7}}));
}

TEST(KeyFieldsTest, UpdatedMetadataReplacesTheOldOneWhole) {
  // LiteLLM stores tags and model limits in metadata: a new metadata without them drops them.
  store::KeyRow row = applied(R"({"metadata": {"owner": "ops"}})", KeyBodyMode::kUpdate, fullRow());
  EXPECT_EQ(json::parse(row.metadata), json::parse(R"({"owner": "ops"})"));
  EXPECT_TRUE(row.tags.empty());
  EXPECT_TRUE(row.model_rpm_limit.empty());
  // Unless given at the top level alongside.
  row = applied(R"({"metadata": {}, "tags": ["keep"]})", KeyBodyMode::kUpdate, fullRow());
  EXPECT_EQ(row.tags, std::vector<std::string>{"keep"});
}

TEST(KeyFieldsTest, ModelMaxBudgetTakesBudgetConfigsNames) {
  store::KeyRow row = applied(R"({"model_max_budget": {
      "a": {"budget_limit": 1.5, "time_period": "30d"},
      "b": {"max_budget": 2, "budget_duration": "1h"},
      "c": {"budget_limit": "0.25"},
      "d": {"budget_limit": 3, "time_period": null}}})");
  EXPECT_EQ(row.model_max_budget["a"].budget_limit, 1.5);
  EXPECT_EQ(row.model_max_budget["a"].time_period, "30d");
  EXPECT_EQ(row.model_max_budget["b"].budget_limit, 2.0);
  EXPECT_EQ(row.model_max_budget["b"].time_period, "1h");
  EXPECT_EQ(row.model_max_budget["c"].budget_limit, 0.25);
  EXPECT_EQ(row.model_max_budget["c"].time_period, "");
  EXPECT_EQ(row.model_max_budget["d"].time_period, "");
  EXPECT_TRUE(applied(R"({"model_max_budget": {}})", KeyBodyMode::kUpdate, fullRow())
                  .model_max_budget.empty());
}

TEST(CustomKeyTest, AbsentOrNullIsNone) {
  auto r = customKey(json::parse(R"({"models": []})"));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->has_value());
  r = customKey(json::parse(R"({"key": null})"));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->has_value());
}

TEST(CustomKeyTest, MustStartWithSk) {
  auto r = customKey(json::parse(R"({"key": "sk-my-custom-key"})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(**r, "sk-my-custom-key");

  r = customKey(json::parse(R"({"key": "secret-value-1234"})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, api::ErrorKind::kInvalidRequest);
  EXPECT_EQ(r.error().param, "key");
  EXPECT_EQ(r.error().message, "Invalid key format. LiteLLM Virtual Key must start with 'sk-'.");
  EXPECT_EQ(r.error().message.find("secret"), std::string::npos);  // never the key
  EXPECT_EQ(r.error().message.find("1234"), std::string::npos);

  r = customKey(json::parse(R"({"key": 42})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().param, "key");
  EXPECT_FALSE(customKey(json::parse("[]")));
}

TEST(TokenOfTest, HashesAKeyAndKeepsAHash) {
  const std::string key = "sk-abcdefghijklmnop";
  const std::string hash = auth::hashKey(key);
  EXPECT_EQ(tokenOf(key), hash);
  EXPECT_EQ(tokenOf(hash), hash);
  std::string upper = hash;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(tokenOf(upper), hash);
  EXPECT_EQ(tokenOf(hash.substr(1)), auth::hashKey(hash.substr(1)));  // 63 digits: not a hash
}

TEST(DeleteRequestTest, KeysAliasesOrBoth) {
  auto r = parseDeleteRequest(json::parse(R"({"keys": ["sk-a", "0123"]})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->keys, (std::vector<std::string>{"sk-a", "0123"}));
  EXPECT_TRUE(r->key_aliases.empty());
  r = parseDeleteRequest(json::parse(R"({"key_aliases": ["a1"], "keys": null})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->key_aliases, std::vector<std::string>{"a1"});
  r = parseDeleteRequest(json::parse(R"({"keys": ["sk-a"], "key_aliases": ["a1"]})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->keys.size() + r->key_aliases.size(), 2u);
}

TEST(DeleteRequestTest, BadBodies) {
  for (auto [body, param] : std::initializer_list<std::pair<const char*, const char*>>{
           {R"({})", "keys"},
           {R"({"keys": [], "key_aliases": []})", "keys"},
           {R"({"keys": null})", "keys"},
           {R"({"keys": "sk-a"})", "keys"},
           {R"({"keys": [1]})", "keys"},
           {R"({"key_aliases": {"a": 1}})", "key_aliases"},
           {R"([])", ""}}) {
    auto r = parseDeleteRequest(json::parse(body));
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().kind, api::ErrorKind::kInvalidRequest);
    EXPECT_EQ(r.error().param, param) << body;
  }
  auto r = parseDeleteRequest(json::parse("{}"));
  EXPECT_EQ(r.error().message, "At least one of 'keys' or 'key_aliases' must be provided.");
}

TEST(KeyParamTest, AKeyOrAHash) {
  const std::string hash = auth::hashKey("sk-x");
  EXPECT_EQ(*parseKeyParam(json{{"key", "sk-Fn8Ej39_NxjA-Xrv"}}), "sk-Fn8Ej39_NxjA-Xrv");
  EXPECT_EQ(*parseKeyParam(json{{"key", hash}}), hash);
  for (const json& body :
       {json::parse(R"({})"), json::parse(R"({"key": null})"), json::parse(R"({"key": 5})"),
        json::parse(R"({"key": "sk-"})"), json::parse(R"({"key": "sk-has space"})"),
        json::parse(R"({"key": "not-a-key"})"), json{{"key", "sk-" + std::string(300, 'a')}}}) {
    auto r = parseKeyParam(body);
    ASSERT_FALSE(r) << body.dump();
    EXPECT_EQ(r.error().kind, api::ErrorKind::kInvalidRequest);
    EXPECT_EQ(r.error().param, "key");
    EXPECT_EQ(r.error().message.find("space"), std::string::npos);  // never the key
  }
  EXPECT_EQ(parseKeyParam(json::parse(R"({"key": "sk-bad key"})")).error().message,
            "Invalid key format.");
  EXPECT_EQ(parseKeyParam(json::parse("[]")).error().param, "");
}

TEST(RegenerateRequestTest, EmptyBodies) {
  for (const json& body : {json(), json::object()}) {
    auto r = parseRegenerateRequest(body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->key, "");
    EXPECT_FALSE(r->new_key);
    EXPECT_FALSE(r->grace_period_s);
  }
}

TEST(RegenerateRequestTest, EveryField) {
  auto r = parseRegenerateRequest(json::parse(
      R"({"key": "sk-old", "new_key": "sk-new", "grace_period": "24h", "max_budget": 5})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->key, "sk-old");
  EXPECT_EQ(r->new_key, "sk-new");
  EXPECT_EQ(r->grace_period_s, 86400.0);
  EXPECT_EQ(parseRegenerateRequest(json::parse(R"({"grace_period": "0s"})"))->grace_period_s, 0.0);
  EXPECT_EQ(parseRegenerateRequest(json::parse(R"({"grace_period": "2d"})"))->grace_period_s,
            172800.0);
  EXPECT_FALSE(parseRegenerateRequest(json::parse(R"({"grace_period": ""})"))->grace_period_s);
  EXPECT_FALSE(parseRegenerateRequest(json::parse(R"({"grace_period": null})"))->grace_period_s);
}

TEST(RegenerateRequestTest, BadBodies) {
  for (auto [body, param] : std::initializer_list<std::pair<const char*, const char*>>{
           {R"({"key": 1})", "key"},
           {R"({"new_key": "plain-secret"})", "new_key"},
           {R"({"new_key": 7})", "new_key"},
           {R"({"grace_period": "24x"})", "grace_period"},
           {R"({"grace_period": "24"})", "grace_period"},
           {R"({"grace_period": 24})", "grace_period"},
           {R"([])", ""}}) {
    auto r = parseRegenerateRequest(json::parse(body));
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().kind, api::ErrorKind::kInvalidRequest);
    EXPECT_EQ(r.error().param, param) << body;
    EXPECT_EQ(r.error().message.find("plain-secret"), std::string::npos);
  }
  EXPECT_EQ(parseRegenerateRequest(json::parse(R"({"new_key": "x"})")).error().message,
            "New key must start with 'sk-'. This is to distinguish a key hash (used by litellm "
            "for logging / internal logic) from the actual key.");
}

TEST(IsoTimeTest, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(isoTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(isoTime(kNow), "2026-12-04T21:25:37.250Z");
  EXPECT_EQ(isoTime(at(2024, 2, 29, 23, 59, 59, 999)), "2024-02-29T23:59:59.999Z");
  EXPECT_EQ(isoTime(-1), "1969-12-31T23:59:59.999Z");
}

TEST(IsoTimeTest, RoundTrips) {
  for (store::UnixMs ms : {store::UnixMs{0}, kNow, at(2000, 1, 1), at(2099, 12, 31, 23, 59, 59, 1),
                           at(2024, 2, 29, 12, 0, 0, 7)}) {
    EXPECT_EQ(parseIsoTime(isoTime(ms)), ms) << isoTime(ms);
  }
}

TEST(IsoTimeTest, ParsesTheFormsClientsSend) {
  EXPECT_EQ(parseIsoTime("2026-12-05"), at(2026, 12, 5));
  EXPECT_EQ(parseIsoTime("2026-12-05T10:00:00"), at(2026, 12, 5, 10));
  EXPECT_EQ(parseIsoTime("2026-12-05T10:00:00Z"), at(2026, 12, 5, 10));
  EXPECT_EQ(parseIsoTime("2026-12-05 10:00:00"), at(2026, 12, 5, 10));
  EXPECT_EQ(parseIsoTime("2026-12-05T10:00:00.5Z"), at(2026, 12, 5, 10, 0, 0, 500));
  // Python's isoformat(): microseconds and an offset.
  EXPECT_EQ(parseIsoTime("2023-11-19T01:38:25.838000+00:00"), at(2023, 11, 19, 1, 38, 25, 838));
  EXPECT_EQ(parseIsoTime("2026-12-05T12:30:00+02:30"), at(2026, 12, 5, 10));
  EXPECT_EQ(parseIsoTime("2026-12-05T00:30:00-01:00"), at(2026, 12, 5, 1, 30));
}

TEST(IsoTimeTest, RefusesWhatIsNotATime) {
  for (const char* text :
       {"", "garbage", "2026-13-01", "2026-02-30", "2026-12-05T25:00:00Z", "2026-12-05T10:60:00Z",
        "2026-12-05T10:00", "2026-12-05T10:00:00.Z", "2026-12-05T10:00:00+0200",
        "2026-12-05T10:00:00Zjunk", "2026/12/05", "1700000000", "2026-12-05T"}) {
    EXPECT_FALSE(parseIsoTime(text)) << text;
  }
}

}  // namespace
}  // namespace switchyard::admin
