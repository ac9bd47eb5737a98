// LiteLLM config fidelity through the binary: keys written as LiteLLM users write them act as they
// do in LiteLLM.

#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace switchyard::test
