// Azure OpenAI URL and auth resolution (no sockets): deployment paths, api-version precedence,
// the AZURE_* environment fallbacks, azure_ai, and what apiBase reveals.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "providers/azure_url.hpp"
#include "switchyard/providers/provider.hpp"
#include "switchyard/providers/transport.hpp"
#include "unit/providers/scripted_transport.hpp"

namespace switchyard::providers {
namespace {

config::Deployment azure(const std::string& model_id, const std::string& base,
                         const std::string& version = {}, const std::string& provider = "azure") {
  config::Deployment d;
  d.provider = provider;
  d.model_id = model_id;
  d.model = provider + "/" + model_id;
  d.id = "az-1";
  d.api_base = base;
  d.api_version = version;
  d.api_key = "azure-key-1234";
  return d;
}

using scripted::ScopedEnv;

TEST(AzureUrlTest, DeploymentPathsAndVersion) {
  ScopedEnv v("AZURE_API_VERSION", nullptr);
  AzureTarget t =
      resolveAzureTarget(azure("my-gpt4o", "https://res.openai.azure.com/", "2024-06-01"));
  ASSERT_FALSE(t.error);
  EXPECT_EQ(azureTarget(t, api::Endpoint::kChatCompletions),
            "/openai/deployments/my-gpt4o/chat/completions?api-version=2024-06-01");
  EXPECT_EQ(azureTarget(t, api::Endpoint::kEmbeddings),
            "/openai/deployments/my-gpt4o/embeddings?api-version=2024-06-01");
  EXPECT_EQ(azureTarget(t, api::Endpoint::kCompletions),
            "/openai/deployments/my-gpt4o/completions?api-version=2024-06-01");
  EXPECT_EQ(t.api_key, "azure-key-1234");
  EXPECT_EQ(t.base_text, "https://res.openai.azure.com:443");
}

TEST(AzureUrlTest, DefaultAndEnvVersion) {
  {
    ScopedEnv v("AZURE_API_VERSION", nullptr);
    AzureTarget t = resolveAzureTarget(azure("d", "https://res.openai.azure.com/openai"));
    EXPECT_EQ(azureTarget(t, api::Endpoint::kChatCompletions),
              "/openai/deployments/d/chat/completions?api-version=" +
                  std::string(kDefaultAzureApiVersion));
  }
  ScopedEnv v("AZURE_API_VERSION", "2025-01-01-preview");
  AzureTarget t = resolveAzureTarget(azure("d", "https://res.openai.azure.com"));
  EXPECT_EQ(t.api_version, "2025-01-01-preview");
  AzureTarget cfg = resolveAzureTarget(azure("d", "https://res.openai.azure.com", "2024-10-21"));
  EXPECT_EQ(cfg.api_version, "2024-10-21");  // config wins over the environment
}

TEST(AzureUrlTest, EnvFallbacksAndErrors) {
  ScopedEnv base("AZURE_API_BASE", "http://127.0.0.1:9/proxy");
  ScopedEnv key("AZURE_API_KEY", "env-key-5678");
  config::Deployment d = azure("d", "");
  d.api_key.clear();
  AzureTarget t = resolveAzureTarget(d);
  ASSERT_FALSE(t.error);
  EXPECT_EQ(t.api_key, "env-key-5678");
  EXPECT_THAT(azureTarget(t, api::Endpoint::kChatCompletions),
              ::testing::StartsWith("/proxy/openai/deployments/d/"));

  ScopedEnv nobase("AZURE_API_BASE", nullptr);
  AzureTarget missing = resolveAzureTarget(d);
  ASSERT_TRUE(missing.error);
  EXPECT_EQ(missing.error->httpStatus(), 500u);
  EXPECT_TRUE(resolveAzureTarget(azure("d", "ftp://x")).error);
}

TEST(AzureUrlTest, AzureAiUsesOpenAiPaths) {
  ScopedEnv v("AZURE_API_VERSION", nullptr);
  AzureTarget t = resolveAzureTarget(
      azure("mistral-large", "https://x.services.ai.azure.com/models", "", "azure_ai"));
  EXPECT_EQ(azureTarget(t, api::Endpoint::kChatCompletions), "/models/chat/completions");
  AzureTarget v2 = resolveAzureTarget(
      azure("m", "https://x.services.ai.azure.com/models", "2024-05-01-preview", "azure_ai"));
  EXPECT_EQ(azureTarget(v2, api::Endpoint::kChatCompletions),
            "/models/chat/completions?api-version=2024-05-01-preview");
}

TEST(AzureProviderTest, RegisteredAndApiBaseHasNoQuery) {
  boost::asio::io_context io{1};
  Providers providers(Transport::create(io.get_executor(), {}));
  Provider* p = providers.find("azure");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(providers.find("azure_ai"), p);
  EXPECT_EQ(p->apiBase(azure("d", "https://res.openai.azure.com/?sig=SECRET")),
            "https://res.openai.azure.com:443");
}

}  // namespace
}  // namespace switchyard::providers
