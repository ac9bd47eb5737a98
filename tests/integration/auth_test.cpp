// general_settings.master_key: every key route needs it (four header spellings), health routes
// do not, and errors are OpenAI-shaped 401s that never echo a secret.

#include <gtest/gtest.h>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

std::string authConfig(const FakeOpenAI& fake) {
  return ConfigBuilder{}
      .model("gpt-test", "openai/fake-model-1", fake.baseUrl(), kUpstreamKey, "dep-gpt-test")
      .router("num_retries", "0")
      .general("master_key", kMasterKey)
      .yaml();
}

TEST(AuthTest, MissingOrWrongKeyIs401) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, authConfig(fake));
  HttpClient client(gw->port());

  auto r = client.post("/v1/chat/completions", chatBody("gpt-test"));
  EXPECT_EQ(r.status, 401u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));

  r = client.post("/v1/chat/completions", chatBody("gpt-test"),
                  {{"Authorization", "Bearer sk-wrong-key-123"}});
  EXPECT_EQ(r.status, 401u) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json()));
  EXPECT_EQ(r.body.find(kMasterKey), std::string::npos);

  r = client.post("/v1/chat/completions", chatBody("gpt-test"),
                  {{"x-api-key", "sk-wrong-key-123"}});
  EXPECT_EQ(r.status, 401u) << r.body;

  // A master key that is a prefix or an extension of the real one is still wrong.
  r = client.post("/v1/chat/completions", chatBody("gpt-test"),
                  {{"Authorization", std::string("Bearer ") + kMasterKey + "x"}});
  EXPECT_EQ(r.status, 401u) << r.body;
  r = client.post(
      "/v1/chat/completions", chatBody("gpt-test"),
      {{"Authorization", std::string("Bearer ") + std::string(kMasterKey).substr(0, 10)}});
  EXPECT_EQ(r.status, 401u) << r.body;

  r = client.get("/v1/models");
  EXPECT_EQ(r.status, 401u) << r.body;
  r = client.get("/v1/models", {{"Authorization", "Bearer nope"}});
  EXPECT_EQ(r.status, 401u) << r.body;
  r = client.post("/v1/embeddings", json{{"model", "gpt-test"}, {"input", "x"}});
  EXPECT_EQ(r.status, 401u) << r.body;

  EXPECT_EQ(fake.requestCount(), 0u) << "an unauthenticated request reached the upstream";
}

TEST(AuthTest, EveryHeaderSpellingIsAccepted) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, authConfig(fake));
  HttpClient client(gw->port());
  const std::string key = kMasterKey;
  const Headers variants[] = {
      {{"Authorization", "Bearer " + key}},
      {{"x-api-key", key}},
      {{"api-key", key}},
      {{"x-litellm-api-key", key}},
  };
  for (const auto& h : variants) {
    auto r = client.post("/v1/chat/completions", chatBody("gpt-test"), h);
    EXPECT_EQ(r.status, 200u) << h[0].first << ": " << r.body;
    auto m = client.get("/v1/models", h);
    EXPECT_EQ(m.status, 200u) << h[0].first << ": " << m.body;
  }
  EXPECT_EQ(fake.requestCount(), 4u);
  // The gateway's master key is never sent upstream; the deployment's key is.
  for (const auto& req : fake.requests()) {
    EXPECT_EQ(req.header("authorization"), std::string("Bearer ") + kUpstreamKey);
    for (const auto& [k, v] : req.headers) EXPECT_EQ(v.find(kMasterKey), std::string::npos) << k;
  }
}

TEST(AuthTest, HealthRoutesNeedNoKey) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, authConfig(fake));
  HttpClient client(gw->port());
  for (const char* path : {"/health/liveliness", "/health/liveness", "/health/readiness"}) {
    auto r = client.get(path);
    EXPECT_EQ(r.status, 200u) << path << " " << r.body;
  }
}

TEST(AuthTest, MasterKeyFromEnvironmentReference) {
  // `os.environ/NAME` strings are read from the environment at load time.
  FakeOpenAI fake;
  std::string yaml =
      ConfigBuilder{}
          .model("gpt-test", "openai/fake-model-1", fake.baseUrl(), "os.environ/SY_IT_UPSTREAM_KEY")
          .general("master_key", "os.environ/SY_IT_MASTER_KEY")
          .yaml();
  GatewayOptions o;
  o.binary = switchyardBinary();
  o.env = {{"SY_IT_UPSTREAM_KEY", kUpstreamKey}, {"SY_IT_MASTER_KEY", kMasterKey}};
  GatewayProcess gw(yaml, o);
  ASSERT_TRUE(gw.started()) << gw.startError();
  HttpClient client(gw.port());
  auto r = client.post("/v1/chat/completions", chatBody("gpt-test"),
                       {{"Authorization", std::string("Bearer ") + kMasterKey}});
  EXPECT_EQ(r.status, 200u) << r.body;
  ASSERT_EQ(fake.requestCount(), 1u);
  EXPECT_EQ(fake.lastRequest()->header("authorization"), std::string("Bearer ") + kUpstreamKey);
  r = client.post("/v1/chat/completions", chatBody("gpt-test"));
  EXPECT_EQ(r.status, 401u) << r.body;
}

}  // namespace
}  // namespace switchyard::test
