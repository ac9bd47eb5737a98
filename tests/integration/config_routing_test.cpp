// LiteLLM routing-related config through the binary: credential_list (named credentials filling
// in a deployment's api_key / api_base), tag filtering (router_settings.enable_tag_filtering) and
// wildcard deployments (LiteLLM's pattern routing: "openai/*", "*", "team-a/*").

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/fake_anthropic.hpp"
#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

constexpr const char* kChat = "/v1/chat/completions";
constexpr const char* kOwnKey = "sk-own-deployment-key-b";

// How many of the fake's recorded requests asked for each upstream model.
std::map<std::string, int> servedModels(const FakeOpenAI& fake) {
  std::map<std::string, int> served;
  for (const auto& req : fake.requests()) ++served[req.json().value("model", std::string("?"))];
  return served;
}

// The upstream model of the fake's last request ("" when none).
std::string lastModel(const FakeOpenAI& fake) {
  auto req = fake.lastRequest();
  return req ? req->json().value("model", std::string()) : std::string();
}

// credential_list: a deployment naming a credential takes its api_key and api_base when it does
// not set them itself; its own values win. credential_list may come after model_list.
TEST(ConfigRoutingTest, CredentialFillsKeyAndBaseTheDeploymentDoesNotSet) {
  FakeOpenAI fake, other;
  std::string yaml =
      ConfigBuilder{}
          .model("a", "openai/fake-a", "", "", "", {{"litellm_credential_name", "shared"}})
          .model("b", "openai/fake-b", "", kOwnKey, "", {{"litellm_credential_name", "shared"}})
          .model("c", "openai/fake-c", other.baseUrl(), "", "",
                 {{"litellm_credential_name", "shared"}})
          .router("num_retries", "0")
          .yaml();
  yaml += "credential_list:\n  - credential_name: shared\n    credential_values:\n      api_key: " +
          std::string(kUpstreamKey) + "\n      api_base: " + fake.baseUrl() +
          "\n    credential_info:\n      description: \"shared OpenAI-compatible upstream\"\n";
  SY_START_GATEWAY(gw, yaml);
  HttpClient client(gw->port());
  for (const char* m : {"a", "b", "c"}) {
    auto r = client.post(kChat, chatBody(m));
    EXPECT_EQ(r.status, 200u) << m << ": " << r.body;
  }
  auto got = fake.requests();
  ASSERT_EQ(got.size(), 2u);  // a and b: api_base from the credential
  EXPECT_EQ(got[0].json()["model"], "fake-a");
  EXPECT_EQ(got[0].header("authorization"), std::string("Bearer ") + kUpstreamKey);
  EXPECT_EQ(got[1].json()["model"], "fake-b");
  EXPECT_EQ(got[1].header("authorization"), std::string("Bearer ") + kOwnKey);  // its own key
  ASSERT_EQ(other.requestCount(), 1u);  // c: its own api_base, the credential's key
  EXPECT_EQ(other.lastRequest()->json()["model"], "fake-c");
  EXPECT_EQ(other.lastRequest()->header("authorization"), std::string("Bearer ") + kUpstreamKey);
}

// A deployment naming a credential credential_list does not have: LiteLLM loads it, so the
// config is valid, with a warning naming the credential. No key is printed.
TEST(ConfigRoutingTest, CheckConfigWarnsAboutAnUnknownCredential) {
  TempDir tmp;
  const std::string path = tmp.file("cred.yaml");
  std::string yaml =
      "credential_list:\n  - credential_name: shared\n    credential_values:\n"
      "      api_key: " +
      std::string(kUpstreamKey) + "\n      api_base: http://127.0.0.1:9/v1\n" +
      ConfigBuilder{}
          .model("known", "openai/fake-known", "", "", "", {{"litellm_credential_name", "shared"}})
          .model("lost", "openai/fake-lost", "", kMasterKey, "",
                 {{"litellm_credential_name", "missing-cred"}})
          .yaml();
  writeFile(path, yaml);
  auto r = runBinary(switchyardBinary(), {"--config", path, "--check-config"});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string all = r.out + r.err;
  bool warned = false;
  std::size_t start = 0;
  while (start < all.size()) {
    std::size_t end = all.find('\n', start);
    std::string line = all.substr(start, end == std::string::npos ? end : end - start);
    if (line.find("warning:") != std::string::npos &&
        line.find("missing-cred") != std::string::npos)
      warned = true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  EXPECT_TRUE(warned) << all;
  EXPECT_EQ(all.find(kUpstreamKey), std::string::npos) << all;
  EXPECT_EQ(all.find(kMasterKey), std::string::npos) << all;
}

// One group "tiered" of deployments tagged free / paid / default on one fake; the upstream model
// tells which served.
ConfigBuilder tieredConfig(const FakeOpenAI& fake, bool with_default) {
  ConfigBuilder c;
  c.model("tiered", "openai/fake-free", fake.baseUrl(), kUpstreamKey, "", {{"tags", "[free]"}})
      .model("tiered", "openai/fake-paid", fake.baseUrl(), kUpstreamKey, "",
             {{"tags", "[\"paid\"]"}});
  if (with_default) {
    c.model("tiered", "openai/fake-default", fake.baseUrl(), kUpstreamKey, "",
            {{"tags", "[default]"}});
  }
  c.router("num_retries", "0");
  return c;
}

// Tags from the body, from metadata.tags and from x-litellm-tags pick only the deployments
// carrying them; untagged requests and unknown tags go to the "default" deployment; neither
// `tags` nor `metadata` reaches the upstream.
TEST(ConfigRoutingTest, TaggedRequestsGoOnlyToDeploymentsCarryingTheTag) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, tieredConfig(fake, true).router("enable_tag_filtering", "true").yaml());
  HttpClient client(gw->port());
  struct Case {
    const char* what;
    json extra;
    Headers headers;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"body tags", {{"tags", json::array({"paid"})}}, {}, "fake-paid"},
      {"metadata.tags", {{"metadata", {{"tags", json::array({"free"})}}}}, {}, "fake-free"},
      {"header", json::object(), {{"x-litellm-tags", "paid"}}, "fake-paid"},
      {"header list", json::object(), {{"x-litellm-tags", "gold, free"}}, "fake-free"},
      {"untagged", json::object(), {}, "fake-default"},
      {"unknown tag", {{"tags", json::array({"gold"})}}, {}, "fake-default"},
  };
  for (const Case& c : cases) {
    fake.reset();
    for (int i = 0; i < 10; ++i) {
      auto r = client.post(kChat, chatBody("tiered", "hi", c.extra), c.headers);
      ASSERT_EQ(r.status, 200u) << c.what << ": " << r.body;
    }
    EXPECT_EQ(servedModels(fake), (std::map<std::string, int>{{c.expected, 10}})) << c.what;
    for (const auto& req : fake.requests()) {
      json body = req.json();
      EXPECT_FALSE(body.contains("tags")) << c.what << ": " << req.body;
      EXPECT_FALSE(body.contains("metadata")) << c.what << ": " << req.body;
    }
  }
}

// Without a "default" deployment, a request whose tags no deployment carries is refused
// (LiteLLM's no_deployments_with_tag_routing) and never reaches an upstream; untagged requests
// spread over the whole group.
TEST(ConfigRoutingTest, UnknownTagWithoutDefaultDeploymentIsRefused) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, tieredConfig(fake, false).router("enable_tag_filtering", "true").yaml());
  HttpClient client(gw->port());
  auto r = client.post(kChat, chatBody("tiered", "hi", {{"tags", json::array({"gold"})}}));
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_EQ(r.json()["error"]["code"], "no_deployments_with_tag_routing") << r.body;
  r = client.post(kChat, chatBody("tiered"), {{"x-litellm-tags", "gold"}});
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(fake.requestCount(), 0u);
  for (int i = 0; i < 30; ++i) ASSERT_EQ(client.post(kChat, chatBody("tiered")).status, 200u);
  auto served = servedModels(fake);
  EXPECT_GT(served["fake-free"], 0) << "untagged requests use every deployment";
  EXPECT_GT(served["fake-paid"], 0);
}

// enable_tag_filtering off (LiteLLM's default): tags neither restrict nor fail a request, and are
// still not forwarded.
TEST(ConfigRoutingTest, TagsDoNothingWhenFilteringIsOff) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, tieredConfig(fake, true).yaml());
  HttpClient client(gw->port());
  for (int i = 0; i < 30; ++i) {
    auto r = client.post(kChat, chatBody("tiered", "hi", {{"tags", json::array({"paid"})}}));
    ASSERT_EQ(r.status, 200u) << r.body;
  }
  ASSERT_EQ(client.post(kChat, chatBody("tiered", "hi", {{"tags", json::array({"gold"})}})).status,
            200u);
  auto served = servedModels(fake);
  EXPECT_GT(served["fake-free"], 0) << "tags ignored: every deployment serves";
  EXPECT_GT(served["fake-paid"], 0);
  EXPECT_GT(served["fake-default"], 0);
  for (const auto& req : fake.requests()) EXPECT_FALSE(req.json().contains("tags")) << req.body;
}

// tag_filtering_match_any: false: a deployment must carry every tag of the request.
TEST(ConfigRoutingTest, MatchAllRequiresEveryRequestTag) {
  FakeOpenAI fake;
  std::string yaml = tieredConfig(fake, true)
                         .model("tiered", "openai/fake-both", fake.baseUrl(), kUpstreamKey, "",
                                {{"tags", "[free, paid]"}})
                         .router("enable_tag_filtering", "true")
                         .router("tag_filtering_match_any", "false")
                         .yaml();
  SY_START_GATEWAY(gw, yaml);
  HttpClient client(gw->port());
  for (int i = 0; i < 10; ++i) {
    auto r =
        client.post(kChat, chatBody("tiered", "hi", {{"tags", json::array({"free", "paid"})}}));
    ASSERT_EQ(r.status, 200u) << r.body;
  }
  EXPECT_EQ(servedModels(fake), (std::map<std::string, int>{{"fake-both", 10}}));
  fake.reset();
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(client.post(kChat, chatBody("tiered"), {{"x-litellm-tags", "free"}}).status, 200u);
  }
  for (const auto& [model, n] : servedModels(fake)) {
    EXPECT_TRUE(model == "fake-free" || model == "fake-both") << model << " served " << n;
  }
}

// "openai/*": any openai/<name> reaches the upstream as <name>; a bare name of a known provider
// matches too; an exact model_name wins; a custom prefix maps onto the provider; /v1/models lists
// the patterns; streams work.
TEST(ConfigRoutingTest, ProviderWildcardServesAnyModelOfTheProvider) {
  FakeOpenAI fake;
  std::string base = fake.baseUrl();
  std::string yaml = ConfigBuilder{}
                         .model("openai/*", "openai/*", base, kUpstreamKey)
                         .model("openai/pinned", "openai/fake-pinned", base, kUpstreamKey)
                         .model("team-a/*", "openai/*", base, kUpstreamKey)
                         .router("num_retries", "0")
                         .yaml();
  SY_START_GATEWAY(gw, yaml);
  HttpClient client(gw->port());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"openai/gpt-4o-mini", "gpt-4o-mini"},
      {"gpt-4o-mini", "gpt-4o-mini"},    // provider inferred
      {"openai/pinned", "fake-pinned"},  // the exact model_name, not the wildcard
      {"team-a/gpt-x", "gpt-x"},
  };
  for (const auto& [requested, upstream] : cases) {
    auto r = client.post(kChat, chatBody(requested));
    EXPECT_EQ(r.status, 200u) << requested << ": " << r.body;
    EXPECT_EQ(lastModel(fake), upstream) << requested;
    EXPECT_EQ(fake.lastRequest()->header("authorization"), std::string("Bearer ") + kUpstreamKey);
  }
  EXPECT_EQ(fake.requestCount(), cases.size());

  auto models = client.get("/v1/models");
  ASSERT_EQ(models.status, 200u) << models.body;
  std::set<std::string> ids;
  json listed = models.json();
  for (const auto& m : listed["data"]) ids.insert(m["id"].get<std::string>());
  EXPECT_TRUE(ids.count("openai/*")) << models.body;
  EXPECT_TRUE(ids.count("team-a/*")) << models.body;
  EXPECT_TRUE(ids.count("openai/pinned")) << models.body;

  auto s = client.stream(kChat, chatBody("openai/gpt-4o-mini", "hi", {{"stream", true}}));
  ASSERT_EQ(s.status, 200u) << s.error << " " << s.raw_body;
  EXPECT_TRUE(s.sawDone()) << s.raw_body;
  EXPECT_EQ(s.content(), "Hello from the fake");
  json up = fake.lastRequest()->json();
  EXPECT_EQ(up["model"], "gpt-4o-mini");
  EXPECT_EQ(up["stream"], true);
}

// Among matching patterns the most specific wins ("openai/gpt-4*" over "openai/*"), and its
// capture fills the '*' of its litellm_params.model.
TEST(ConfigRoutingTest, MostSpecificWildcardWins) {
  FakeOpenAI fake;
  std::string base = fake.baseUrl();
  std::string yaml = ConfigBuilder{}
                         .model("\"openai/*\"", "\"openai/*\"", base, kUpstreamKey)
                         .model("\"openai/gpt-4*\"", "openai/special-*", base, kUpstreamKey)
                         .router("num_retries", "0")
                         .yaml();
  SY_START_GATEWAY(gw, yaml);
  HttpClient client(gw->port());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"openai/gpt-4o", "special-o"},
      {"gpt-4o", "special-o"},  // inferred "openai/gpt-4o", then the most specific pattern
      {"openai/gpt-3.5-turbo", "gpt-3.5-turbo"},
  };
  for (const auto& [requested, upstream] : cases) {
    auto r = client.post(kChat, chatBody(requested));
    EXPECT_EQ(r.status, 200u) << requested << ": " << r.body;
    EXPECT_EQ(lastModel(fake), upstream) << requested;
  }
}

// model_name "*" with model "*": the requested name's provider prefix (or the provider inferred
// from it) serves it; a name with no provider at all is a 400 that never reaches the upstream.
TEST(ConfigRoutingTest, CatchAllWildcardNeedsAProvider) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, ConfigBuilder{}
                           .model("\"*\"", "\"*\"", fake.baseUrl(), kUpstreamKey)
                           .router("num_retries", "0")
                           .yaml());
  HttpClient client(gw->port());
  auto r = client.post(kChat, chatBody("openai/foo"));
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(lastModel(fake), "foo");
  r = client.post(kChat, chatBody("gpt-4o"));
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(lastModel(fake), "gpt-4o");
  ASSERT_EQ(fake.requestCount(), 2u);

  r = client.post(kChat, chatBody("mystery-model"));
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_NE(r.json()["error"].value("message", std::string()).find("LLM Provider NOT provided"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(fake.requestCount(), 2u);
}

// "anthropic/*" against FakeAnthropic: the Messages API sees the name without its prefix.
TEST(ConfigRoutingTest, AnthropicWildcardStripsTheProvider) {
  FakeAnthropic fake;
  SY_START_GATEWAY(gw, ConfigBuilder{}
                           .model("anthropic/*", "anthropic/*", fake.baseUrl(), kUpstreamKey)
                           .router("num_retries", "0")
                           .yaml());
  HttpClient client(gw->port());
  for (const char* requested : {"anthropic/claude-x", "claude-3-5-haiku"}) {
    auto r = client.post(kChat, chatBody(requested));
    EXPECT_EQ(r.status, 200u) << requested << ": " << r.body;
    EXPECT_EQ(r.json()["choices"][0]["message"]["content"], "Hello from the fake") << r.body;
  }
  auto got = fake.requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].target, "/v1/messages");
  EXPECT_EQ(got[0].json()["model"], "claude-x");
  EXPECT_EQ(got[1].json()["model"], "claude-3-5-haiku");
}

}  // namespace
}  // namespace switchyard::test
