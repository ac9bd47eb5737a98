#pragma once
// Azure OpenAI URL resolution (private to the providers module; unit-tested without sockets).

#include <optional>
#include <string>
#include <string_view>

#include "switchyard/api/exchange.hpp"
#include "switchyard/config/config.hpp"
#include "switchyard/providers/url.hpp"

namespace switchyard::providers {

// Latest GA data-plane inference api-version of the /openai/deployments API (Azure OpenAI REST
// reference, "Data plane - inference", latest GA release).
inline constexpr std::string_view kDefaultAzureApiVersion = "2024-10-21";

struct AzureTarget {
  std::optional<Url> base;
  std::string prefix;               // path before the endpoint: "/openai/deployments/{deployment}"
  std::string api_version;          // may be empty for azure_ai
  std::string api_key;              // secret
  std::string base_text;            // origin + path, no query, no credentials
  std::optional<api::Error> error;  // misconfiguration, reported at request time
};

// Resolves deployment `d` (provider "azure" or "azure_ai"), reading the AZURE_* environment
// variables for what the deployment leaves empty.
AzureTarget resolveAzureTarget(const config::Deployment& d);

// Path and query for `endpoint`: "{prefix}/chat/completions?api-version=...".
std::string azureTarget(const AzureTarget& t, api::Endpoint endpoint);

// The Responses API of an azure/ deployment's resource (the deployment is named by `model` in
// the body): with the v1 API (api_version "v1", "preview" or "latest") "{base}/openai/v1/responses"
// (`?api-version=preview` for "preview"); otherwise "{base}/openai/responses?api-version=V", V
// the deployment's api_version when it is 2025-03-01-preview or later (the first with the
// Responses API), else kDefaultAzureResponsesApiVersion.
inline constexpr std::string_view kDefaultAzureResponsesApiVersion = "2025-04-01-preview";
std::string azureResponsesTarget(const AzureTarget& t);

}  // namespace switchyard::providers
