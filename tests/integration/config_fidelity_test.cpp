// LiteLLM config fidelity through the binary: keys written as LiteLLM users write them act as they
// do in LiteLLM.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

constexpr const char* kChat = "/v1/chat/completions";

// rpm written on the model_list entry (outside litellm_params), with YAML 1.1's underscore form
// elsewhere: the deployment is limited to it. The minute is a fixed window, so a boundary may fall
// inside the test: allow two windows' worth of successes before the first 429.
TEST(ConfigFidelityTest, EntryLevelRpmLimitsTheDeployment) {
  FakeOpenAI fake;
  std::string yaml =
      "model_list:\n  - model_name: solo\n    rpm: 2\n    litellm_params:\n      model: "
      "openai/fake-solo\n"
      "      api_base: " +
      fake.baseUrl() + "\n      api_key: " + std::string(kUpstreamKey) +
      "\n      tpm: 1_000_000\nrouter_settings:\n  num_retries: 0b0\n";
  SY_START_GATEWAY(gw, yaml);
  HttpClient client(gw->port());
  int ok = 0;
  HttpResponse limited;
  for (int i = 0; i < 5 && limited.status == 0; ++i) {
    auto r = client.post(kChat, chatBody("solo"));
    if (r.status == 200u)
      ++ok;
    else
      limited = r;
  }
  EXPECT_GE(ok, 2);
  EXPECT_LE(ok, 4);
  EXPECT_EQ(limited.status, 429u) << limited.body;
  EXPECT_EQ(limited.json()["error"]["code"], "deployment_limit_reached") << limited.body;
  EXPECT_EQ(fake.requestCount(), static_cast<std::size_t>(ok));
}

// router_settings.model_group_alias, in both of LiteLLM's forms: requests for an alias are served
// by its group (the upstream sees the group's model), visible aliases are listed by /v1/models,
// hidden ones are not but still answer.
TEST(ConfigFidelityTest, ModelGroupAliasVisibleAndHidden) {
  FakeOpenAI fake;
  std::string yaml =
      "model_list:\n  - model_name: real-group\n    litellm_params:\n      model: "
      "openai/fake-real\n"
      "      api_base: " +
      fake.baseUrl() + "\n      api_key: " + std::string(kUpstreamKey) +
      "\nrouter_settings:\n  model_group_alias:\n    gpt-4: real-group\n"
      "    internal-only: {model: real-group, hidden: true}\n";
  SY_START_GATEWAY(gw, yaml);
  HttpClient client(gw->port());
  for (const char* alias : {"gpt-4", "internal-only"}) {
    auto r = client.post(kChat, chatBody(alias));
    EXPECT_EQ(r.status, 200u) << alias << r.body;
    EXPECT_EQ(r.headers["x-litellm-model-group"], "real-group") << alias;
  }
  ASSERT_EQ(fake.requestCount(), 2u);
  for (const auto& req : fake.requests()) EXPECT_EQ(req.json()["model"], "fake-real");
  auto models = client.get("/v1/models");
  ASSERT_EQ(models.status, 200u) << models.body;
  std::vector<std::string> ids;
  json listed = models.json();
  for (const auto& m : listed["data"]) ids.push_back(m["id"].get<std::string>());
  EXPECT_EQ(ids, (std::vector<std::string>{"real-group", "gpt-4"})) << models.body;
  EXPECT_EQ(client.get("/v1/models/internal-only").status, 200u);  // usable, just not listed
}

// Default request parameters on a deployment (litellm_params.temperature, extra_body...): the
// upstream sees them when the client did not set them, the client's value wins, and they do not
// leak to another deployment tried for the same request.
TEST(ConfigFidelityTest, DeploymentDefaultsAreSentUnlessTheClientSetsThem) {
  FakeOpenAI fake;
  std::string base = fake.baseUrl(), key = kUpstreamKey;
  std::string yaml =
      "model_list:\n"
      "  - model_name: tuned\n    litellm_params:\n      model: openai/fake-tuned\n"
      "      api_base: " +
      base + "\n      api_key: " + key +
      "\n"
      "      temperature: 0.2\n      seed: 7\n      extra_body: {top_k: 40}\n"
      "  - model_name: plain\n    litellm_params:\n      model: openai/fake-plain\n"
      "      api_base: " +
      base + "\n      api_key: " + key + "\n";
  SY_START_GATEWAY(gw, yaml);
  HttpClient client(gw->port());
  ASSERT_EQ(client.post(kChat, chatBody("tuned")).status, 200u);
  ASSERT_EQ(client.post(kChat, chatBody("tuned", "hi", {{"temperature", 0.9}})).status, 200u);
  ASSERT_EQ(client.post(kChat, chatBody("plain")).status, 200u);
  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 3u);
  json first = requests[0].json(), second = requests[1].json(), third = requests[2].json();
  EXPECT_EQ(first["temperature"], 0.2);
  EXPECT_EQ(first["seed"], 7);
  EXPECT_EQ(first["top_k"], 40);
  EXPECT_EQ(second["temperature"], 0.9);  // the client's value wins
  EXPECT_EQ(second["seed"], 7);
  EXPECT_FALSE(third.contains("temperature"));
  EXPECT_FALSE(third.contains("top_k"));
}

}  // namespace
}  // namespace switchyard::test
