// GET /health: per-deployment health from real probes of each deployment, on demand or from the
// background checks (README "Routing, retries and fallbacks" / Health).

#include <gtest/gtest.h>

#include <thread>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

const Headers kAuth = {{"Authorization", std::string("Bearer ") + kMasterKey}};

ConfigBuilder healthConfig(const FakeOpenAI& fake) {
  ConfigBuilder c;
  c.model("chat", "openai/up-model", fake.baseUrl(), kUpstreamKey, "up-1")
      .model("chat", "openai/down-model", fake.baseUrl(), kUpstreamKey, "down-1")
      .model("embed", "openai/embed-model", fake.baseUrl(), kUpstreamKey, "emb-1")
      .general("master_key", kMasterKey);
  return c;
}

const json* findEndpoint(const json& list, const std::string& id) {
  for (const json& e : list)
    if (e.value("model_id", "") == id) return &e;
  return nullptr;
}

TEST(HealthTest, OnDemandChecksProbeEveryDeploymentAndNeverShowKeys) {
  FakeOpenAI fake;
  fake.setBehaviorForModel("down-model", Behavior::error(500, "down for maintenance"));
  std::string yaml = healthConfig(fake).yaml();
  // The embedding deployment is probed with an embeddings request.
  const std::string id_line = "      id: emb-1";
  yaml.replace(yaml.find(id_line), id_line.size(), id_line + "\n      mode: embedding");
  SY_START_GATEWAY(gw, yaml);
  HttpClient client(gw->port());

  EXPECT_EQ(client.get("/health").status, 401u);
  auto r = client.get("/health", kAuth);
  ASSERT_EQ(r.status, 200u) << r.body;
  json j = r.json();
  EXPECT_EQ(j["healthy_count"], 2);
  EXPECT_EQ(j["unhealthy_count"], 1);
  ASSERT_TRUE(findEndpoint(j["healthy_endpoints"], "up-1")) << r.body;
  ASSERT_TRUE(findEndpoint(j["healthy_endpoints"], "emb-1")) << r.body;
  const json* down = findEndpoint(j["unhealthy_endpoints"], "down-1");
  ASSERT_TRUE(down) << r.body;
  EXPECT_EQ((*down)["model"], "openai/down-model");
  EXPECT_EQ((*down)["model_name"], "chat");
  EXPECT_NE((*down)["error"].get<std::string>().find("down for maintenance"), std::string::npos)
      << r.body;
  EXPECT_EQ(r.body.find(kUpstreamKey), std::string::npos);
  EXPECT_EQ(r.body.find(kMasterKey), std::string::npos);

  bool chat_probe = false, embed_probe = false;
  for (const auto& req : fake.requests()) {
    if (req.target.find("/embeddings") != std::string::npos)
      embed_probe = req.json()["model"] == "embed-model";
    if (req.target.find("/chat/completions") != std::string::npos &&
        req.json()["model"] == "up-model") {
      chat_probe = req.json()["max_tokens"] == 1;
    }
  }
  EXPECT_TRUE(chat_probe) << "chat deployments get a one-token chat request";
  EXPECT_TRUE(embed_probe) << "embedding deployments get an embeddings request";

  // ?model= checks one alias only.
  fake.reset();
  auto one = client.get("/health?model=embed", kAuth);
  ASSERT_EQ(one.status, 200u);
  EXPECT_EQ(one.json()["healthy_count"], 1);
  EXPECT_EQ(one.json()["unhealthy_count"], 0);
  EXPECT_EQ(fake.requestCount(), 1u);
}

TEST(HealthTest, BackgroundChecksRunOnTheirIntervalAndHealthAnswersFromThem) {
  FakeOpenAI fake;
  auto cfg = healthConfig(fake);
  cfg.general("background_health_checks", "true").general("health_check_interval", "2");
  SY_START_GATEWAY(gw, cfg.yaml());
  // Three deployments probed at start, then every two seconds, without any client request.
  ASSERT_TRUE(fake.waitForRequests(6, Millis(6000))) << "requests seen: " << fake.requestCount();

  // A round sees up-model failing ...
  fake.setBehaviorForModel("up-model", Behavior::error(503, "gone"));
  std::size_t before = fake.requestCount();
  ASSERT_TRUE(fake.waitForRequests(before + 3, Millis(6000)));
  std::this_thread::sleep_for(Millis(200));  // let that round store its results
  // ... then it recovers. GET /health answers from the last round (up-1 still unhealthy) and
  // probes nothing itself; a check made on demand would find it healthy.
  fake.setBehaviorForModel("up-model", Behavior{});
  std::size_t before_get = fake.requestCount();
  HttpClient client(gw->port());
  auto r = client.get("/health", kAuth);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(fake.requestCount(), before_get)
      << "GET /health probed instead of answering from the background run";
  json j = r.json();
  ASSERT_TRUE(findEndpoint(j["unhealthy_endpoints"], "up-1")) << r.body;
  EXPECT_EQ(j["unhealthy_count"], 1);
}

}  // namespace
}  // namespace switchyard::test
