// Which deployments take a Responses API request as it is (providers/provider.hpp,
// passesResponsesThrough): OpenAI's own API and Azure by default, a deployment whose
// model_info.supported_endpoints says so, never a translated-only provider.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "switchyard/api/exchange.hpp"
#include "switchyard/config/config.hpp"
#include "switchyard/providers/provider.hpp"

namespace switchyard::providers {
namespace {

config::Deployment dep(std::string provider, std::string api_base = {},
                       std::optional<bool> responses_api = std::nullopt) {
  config::Deployment d;
  d.provider = std::move(provider);
  d.api_base = std::move(api_base);
  d.responses_api = responses_api;
  return d;
}

TEST(ResponsesPassthroughTest, OpenAiOwnApiAndAzureByDefault) {
  api::Exchange ex;
  ex.ingress = api::WireFormat::kResponses;
  ex.original_body = std::make_unique<nlohmann::json>(nlohmann::json::object());
  EXPECT_TRUE(passesResponsesThrough(ex, dep("openai")));
  EXPECT_TRUE(passesResponsesThrough(ex, dep("openai", "https://api.openai.com/v1")));
  EXPECT_TRUE(passesResponsesThrough(ex, dep("azure", "https://r.openai.azure.com")));
  // An OpenAI-compatible server behind openai/ may have chat only: translated.
  EXPECT_FALSE(passesResponsesThrough(ex, dep("openai", "http://vllm.internal:8000/v1")));
  EXPECT_FALSE(passesResponsesThrough(ex, dep("hosted_vllm", "http://vllm.internal:8000/v1")));
  EXPECT_FALSE(passesResponsesThrough(ex, dep("anthropic")));
  EXPECT_FALSE(passesResponsesThrough(ex, dep("gemini")));
  EXPECT_FALSE(passesResponsesThrough(ex, dep("azure_ai", "https://x.services.ai.azure.com")));
  // supported_endpoints decides when given.
  EXPECT_TRUE(passesResponsesThrough(ex, dep("openai", "http://vllm.internal:8000/v1", true)));
  EXPECT_TRUE(passesResponsesThrough(ex, dep("hosted_vllm", "http://vllm:8000/v1", true)));
  EXPECT_FALSE(passesResponsesThrough(ex, dep("openai", "", false)));
  EXPECT_FALSE(passesResponsesThrough(ex, dep("azure", "https://r.openai.azure.com", false)));
  EXPECT_FALSE(passesResponsesThrough(ex, dep("anthropic", "", true)));
}

TEST(ResponsesPassthroughTest, OnlyResponsesRequestsWithTheirOriginal) {
  api::Exchange ex;
  EXPECT_FALSE(passesResponsesThrough(ex, dep("openai")));  // a chat request
  ex.ingress = api::WireFormat::kResponses;
  EXPECT_FALSE(passesResponsesThrough(ex, dep("openai")));  // no original kept
}

}  // namespace
}  // namespace switchyard::providers
