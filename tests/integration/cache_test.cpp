// The local response cache through the binary (docs/caching.md), against the fake OpenAI
// upstream: a repeated request is answered without the provider, whatever the fields that do
// not change the answer; every field that does, and every control, is honoured; a hit costs
// nothing and is marked in the spend log.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

using namespace std::chrono_literals;

std::string cacheConfig(const FakeOpenAI& fake, const std::string& extra_params = "") {
  return ConfigBuilder{}
      .model("gpt-test", "openai/fake-model-1", fake.baseUrl(), kUpstreamKey, "dep-gpt",
             {{"input_cost_per_token", "0.000003"}, {"output_cost_per_token", "0.000015"}})
      .model("emb", "openai/text-embedding-3-small", fake.baseUrl(), kUpstreamKey, "dep-emb")
      .router("num_retries", "0")
      .litellm("cache", "true")
      .litellm("cache_params", "{type: local" + extra_params + "}")
      .general("master_key", kMasterKey)
      .yaml();
}

HttpResponse ask(HttpClient& c, json body, Headers extra = {}) {
  Headers h = masterAuth();
  for (auto& kv : extra) h.push_back(kv);
  return c.post("/v1/chat/completions", body, h);
}

TEST(CacheTest, ARepeatedRequestIsAHitWithoutTheProvider) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, cacheConfig(fake));
  HttpClient c(gw->port());
  auto first = ask(c, chatBody("gpt-test", "What is 2+2?"));
  ASSERT_EQ(first.status, 200u) << first.body;
  EXPECT_EQ(first.header("x-cache"), "MISS");
  const std::string key = first.header("x-litellm-cache-key");
  EXPECT_EQ(key.size(), 64u);
  // The same question, with fields that do not change the answer, and the keys reordered.
  json again = {{"messages", json::array({{{"role", "user"}, {"content", "What is 2+2?"}}})},
                {"model", "gpt-test"},
                {"user", "someone-else"},
                {"metadata", {{"trace", "x"}}}};
  auto second = ask(c, again);
  ASSERT_EQ(second.status, 200u) << second.body;
  EXPECT_EQ(second.header("x-cache"), "HIT");
  EXPECT_EQ(second.header("x-litellm-cache-key"), key);
  EXPECT_EQ(second.json(), first.json()) << "the hit is the stored answer";
  EXPECT_EQ(fake.requestCount(), 1u) << "the hit reached the provider";
}

TEST(CacheTest, FieldsThatChangeTheAnswerMiss) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, cacheConfig(fake));
  HttpClient c(gw->port());
  ASSERT_EQ(ask(c, chatBody("gpt-test", "q")).header("x-cache"), "MISS");
  for (json extra : {json{{"temperature", 0.2}}, json{{"max_tokens", 5}}, json{{"seed", 7}},
                     json{{"n", 2}}, json{{"response_format", {{"type", "json_object"}}}}}) {
    auto r = ask(c, chatBody("gpt-test", "q", extra));
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.header("x-cache"), "MISS") << extra.dump();
  }
  EXPECT_EQ(ask(c, chatBody("gpt-test", "another question")).header("x-cache"), "MISS");
  EXPECT_EQ(ask(c, chatBody("gpt-test", "q")).header("x-cache"), "HIT");
  EXPECT_EQ(fake.requestCount(), 7u);
}

TEST(CacheTest, ControlsNoCacheNoStoreTtlNamespaceAndHeaders) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, cacheConfig(fake));
  HttpClient c(gw->port());
  // no-store: answered, not kept.
  auto r = ask(c, chatBody("gpt-test", "a", {{"cache", {{"no-store", true}}}}));
  EXPECT_EQ(r.header("x-cache"), "MISS");
  EXPECT_EQ(ask(c, chatBody("gpt-test", "a")).header("x-cache"), "MISS");
  // no-cache: not read (the provider answers again), still stored.
  EXPECT_EQ(ask(c, chatBody("gpt-test", "a", {{"cache", {{"no-cache", true}}}})).header("x-cache"),
            "MISS");
  EXPECT_EQ(ask(c, chatBody("gpt-test", "a"), {{"Cache-Control", "no-cache"}}).header("x-cache"),
            "MISS");
  EXPECT_EQ(ask(c, chatBody("gpt-test", "a")).header("x-cache"), "HIT");
  // Cache-Control: no-store
  ask(c, chatBody("gpt-test", "b"), {{"Cache-Control", "no-store"}});
  EXPECT_EQ(ask(c, chatBody("gpt-test", "b")).header("x-cache"), "MISS");
  // ttl: 1 s, then gone.
  ask(c, chatBody("gpt-test", "t", {{"cache", {{"ttl", 1}}}}));
  EXPECT_EQ(ask(c, chatBody("gpt-test", "t")).header("x-cache"), "HIT");
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(ask(c, chatBody("gpt-test", "t")).header("x-cache"), "MISS");
  // s-maxage: only entries younger than N s.
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(ask(c, chatBody("gpt-test", "t", {{"cache", {{"s-maxage", 1}}}})).header("x-cache"),
            "MISS");
  EXPECT_EQ(ask(c, chatBody("gpt-test", "t", {{"cache", {{"s-maxage", 60}}}})).header("x-cache"),
            "HIT");
  // namespace: a separate key space.
  EXPECT_EQ(ask(c, chatBody("gpt-test", "a", {{"cache", {{"namespace", "team-b"}}}}))
                .header("x-cache"),
            "MISS");
  // An absurd ttl (1e300 s) is stored for the longest ttl there is (ten years), not converted out
  // of range (undefined behaviour; the sanitizer builds would stop the gateway).
  EXPECT_EQ(ask(c, chatBody("gpt-test", "long", {{"cache", {{"ttl", 1e300}}}})).status, 200u);
  EXPECT_EQ(ask(c, chatBody("gpt-test", "long")).header("x-cache"), "HIT");
  // A malformed control is a 400 naming it.
  auto bad = ask(c, chatBody("gpt-test", "a", {{"cache", {{"ttl", "soon"}}}}));
  EXPECT_EQ(bad.status, 400u);
  EXPECT_NE(bad.body.find("cache.ttl"), std::string::npos) << bad.body;
}

TEST(CacheTest, DefaultOffModeCachesOnlyWhenAsked) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, cacheConfig(fake, ", mode: default_off"));
  HttpClient c(gw->port());
  auto plain = ask(c, chatBody("gpt-test", "q"));
  EXPECT_EQ(plain.header("x-cache"), "") << "not cacheable unless asked";
  ask(c, chatBody("gpt-test", "q"));
  EXPECT_EQ(fake.requestCount(), 2u);
  const json opt = {{"cache", {{"use-cache", true}}}};
  EXPECT_EQ(ask(c, chatBody("gpt-test", "q", opt)).header("x-cache"), "MISS");
  EXPECT_EQ(ask(c, chatBody("gpt-test", "q", opt)).header("x-cache"), "HIT");
}

TEST(CacheTest, EmbeddingsAreCached) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, cacheConfig(fake));
  HttpClient c(gw->port());
  json emb = {{"model", "emb"}, {"input", "hello"}};
  EXPECT_EQ(c.post("/v1/embeddings", emb, masterAuth()).header("x-cache"), "MISS");
  auto hit = c.post("/v1/embeddings", emb, masterAuth());
  EXPECT_EQ(hit.header("x-cache"), "HIT");
  EXPECT_TRUE(hit.json().contains("data")) << hit.body;
  EXPECT_EQ(fake.requestCount(), 1u);
}

TEST(CacheTest, SupportedCallTypesLimitWhatIsCached) {
  FakeOpenAI fake;
  // LiteLLM's names, with and without the "a": embeddings only.
  SY_START_GATEWAY(gw, cacheConfig(fake, ", supported_call_types: [embedding]"));
  HttpClient c(gw->port());
  EXPECT_EQ(ask(c, chatBody("gpt-test", "q")).header("x-cache"), "");
  EXPECT_EQ(ask(c, chatBody("gpt-test", "q")).header("x-cache"), "") << "chat is not cached";
  EXPECT_EQ(fake.requestCount(), 2u);
  json emb = {{"model", "emb"}, {"input", "hello"}};
  EXPECT_EQ(c.post("/v1/embeddings", emb, masterAuth()).header("x-cache"), "MISS");
  EXPECT_EQ(c.post("/v1/embeddings", emb, masterAuth()).header("x-cache"), "HIT");
  EXPECT_EQ(fake.requestCount(), 3u);
}

StreamResult streamAsk(std::uint16_t port, const std::string& prompt, json extra = json::object()) {
  HttpClient sc(port);
  extra["stream"] = true;
  return sc.stream("/v1/chat/completions", chatBody("gpt-test", prompt, extra), masterAuth());
}

TEST(CacheTest, AStreamIsStoredWhenCompleteAndReplayedEitherWay) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, cacheConfig(fake));
  HttpClient c(gw->port());
  auto first = streamAsk(gw->port(), "s");
  ASSERT_EQ(first.status, 200u) << first.error;
  EXPECT_EQ(first.header("x-cache"), "MISS");
  ASSERT_TRUE(first.sawDone());
  const std::string text = first.content();
  ASSERT_FALSE(text.empty());
  // A stream hit: the same text, a valid stream, no provider call.
  // The stream is stored once it completed, just after the client got its end: on a loaded
  // machine the first ask may come before that and miss (one more provider call, counted below).
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  StreamResult again;
  std::size_t early_misses = 0;
  for (;;) {
    again = streamAsk(gw->port(), "s");
    if (again.header("x-cache") == "HIT" || std::chrono::steady_clock::now() >= deadline) break;
    ++early_misses;
  }
  EXPECT_EQ(again.header("x-cache"), "HIT");
  EXPECT_TRUE(again.sawDone());
  EXPECT_EQ(again.content(), text);
  // The same question without streaming: the stored stream as a whole answer.
  auto whole = ask(c, chatBody("gpt-test", "s"));
  EXPECT_EQ(whole.header("x-cache"), "HIT");
  json j = whole.json();
  EXPECT_EQ(j.value("object", ""), "chat.completion") << whole.body;
  EXPECT_EQ(j["choices"][0]["message"].value("content", ""), text) << whole.body;
  EXPECT_EQ(j["choices"][0].value("finish_reason", ""), "stop") << whole.body;
  EXPECT_TRUE(j.contains("usage")) << "the hidden usage of the stream is kept: " << whole.body;
  // And the reverse: a whole answer replayed as a stream, with its usage chunk when asked.
  auto w = ask(c, chatBody("gpt-test", "w"));
  ASSERT_EQ(w.header("x-cache"), "MISS");
  auto replay = streamAsk(gw->port(), "w", {{"stream_options", {{"include_usage", true}}}});
  EXPECT_EQ(replay.header("x-cache"), "HIT");
  EXPECT_TRUE(replay.sawDone());
  EXPECT_EQ(replay.content(), w.json()["choices"][0]["message"].value("content", ""));
  bool usage_seen = false;
  for (const auto& ev : replay.events) {
    json e = ev.json();
    if (e.is_object() && e.contains("usage") && e["usage"].is_object()) usage_seen = true;
  }
  EXPECT_TRUE(usage_seen) << replay.raw_body;
  EXPECT_EQ(fake.requestCount(), 2u + early_misses);
}

TEST(CacheTest, ABrokenStreamIsNotStored) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, cacheConfig(fake));
  Behavior b;
  b.kind = Behavior::Kind::kErrorEventInStream;
  fake.pushBehavior(b);
  auto broken = streamAsk(gw->port(), "x");
  EXPECT_EQ(broken.status, 200u);
  std::this_thread::sleep_for(100ms);
  auto next = streamAsk(gw->port(), "x");
  EXPECT_EQ(next.header("x-cache"), "MISS");
  EXPECT_TRUE(next.sawDone());
  EXPECT_EQ(fake.requestCount(), 2u);
}

TEST(CacheTest, AHitCostsNothingAndIsMarkedInTheSpendLog) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, cacheConfig(fake));
  HttpClient c(gw->port());
  const std::string key = generateKey(c, {{"key_alias", "cached"}}).value("key", "");
  auto miss = chatWith(c, key, "gpt-test");
  ASSERT_EQ(miss.status, 200u) << miss.body;
  EXPECT_GT(headerNumber(miss, "x-litellm-response-cost"), 0);
  auto hit = chatWith(c, key, "gpt-test");
  ASSERT_EQ(hit.header("x-cache"), "HIT");
  EXPECT_EQ(headerNumber(hit, "x-litellm-response-cost"), 0.0) << "a hit costs nothing";
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  json row;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = c.get("/spend/logs?request_id=" + hit.header("x-request-id"), masterAuth());
    json rows = r.json();
    if (rows.is_array() && rows.size() == 1) {
      row = rows[0];
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(row.is_object()) << "no spend row for the hit";
  EXPECT_EQ(row.value("cache_hit", ""), "True") << row.dump();
  EXPECT_EQ(row.value("spend", -1.0), 0.0) << row.dump();
}

}  // namespace
}  // namespace switchyard::test
