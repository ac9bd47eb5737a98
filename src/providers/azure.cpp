// The Azure OpenAI adapter (docs/design.md §5). Azure speaks the OpenAI wire format; only the URL
// and the auth header differ, so the call itself is callOpenAiFormat (openai_common.hpp).
//
//   azure/<deployment>:  {api_base}/openai/deployments/{deployment}{/chat/completions|/completions|
//                        /embeddings}?api-version={api_version}, header `api-key`.
//   azure_ai/<model>:    Azure AI Foundry serverless endpoints, OpenAI paths under api_base
//                        ({api_base}/chat/completions...), header `api-key`, `?api-version=` only
//                        when one is configured.
//
// api_base: the deployment's, else env AZURE_API_BASE (AZURE_AI_API_BASE for azure_ai).
// api_key: the deployment's, else env AZURE_API_KEY (AZURE_AI_API_KEY for azure_ai).
// api_version: the deployment's, else env AZURE_API_VERSION, else kDefaultAzureApiVersion (the
// latest GA data-plane inference version of the deployments API).
// The body keeps `model` set to the deployment id: Azure routes by the path and ignores it.
//   azure/ and a Responses API request: passed through to the resource's Responses API
//   (azureResponsesTarget), `model` the deployment name (responses_api.hpp).

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "adapters.hpp"
#include "azure_url.hpp"
#include "openai_common.hpp"
#include "responses_api.hpp"
#include "switchyard/api/json_guard.hpp"
#include "target_cache.hpp"

namespace switchyard::providers {

AzureTarget resolveAzureTarget(const config::Deployment& d) {
  AzureTarget t;
  const bool foundry = d.provider == "azure_ai";
  BaseAndKey b = resolveBaseAndKey(d, {"", foundry ? "AZURE_AI_API_BASE" : "AZURE_API_BASE",
                                       foundry ? "AZURE_AI_API_KEY" : "AZURE_API_KEY"});
  if (b.error) {
    t.error = std::move(b.error);
    return t;
  }
  t.base = std::move(b.base);
  t.api_key = std::move(b.api_key);
  t.api_version = d.api_version;
  if (t.api_version.empty()) {
    if (const char* v = std::getenv("AZURE_API_VERSION")) t.api_version = v;
  }
  if (t.api_version.empty() && !foundry) t.api_version = std::string(kDefaultAzureApiVersion);
  // A base written with the /openai suffix (as some Azure portals show it) is the same endpoint.
  std::string path = t.base->path;
  if (!foundry) {
    if (path.ends_with("/openai")) path.resize(path.size() - 7);
    t.prefix = path + "/openai/deployments/" + d.model_id;
  } else {
    t.prefix = path;
  }
  t.base_text = t.base->origin() + t.base->path;
  return t;
}

std::string azureTarget(const AzureTarget& t, api::Endpoint endpoint) {
  std::string target = t.prefix;
  target += api::endpointPath(endpoint);
  std::string query;
  if (!t.api_version.empty()) query = "api-version=" + t.api_version;
  if (t.base && !t.base->query.empty() && t.base->query.find("api-version=") == std::string::npos) {
    if (!query.empty()) query += '&';
    query += t.base->query;
  } else if (t.base && !t.base->query.empty() && t.api_version.empty()) {
    query = t.base->query;
  }
  if (!query.empty()) target += "?" + query;
  return target;
}

std::string azureResponsesTarget(const AzureTarget& t) {
  std::string root = t.base ? t.base->path : std::string();
  if (root.ends_with("/openai/v1")) root.resize(root.size() - 10);
  if (root.ends_with("/openai")) root.resize(root.size() - 7);
  const std::string& v = t.api_version;
  if (v == "v1" || v == "latest") return root + "/openai/v1/responses";
  if (v == "preview") return root + "/openai/v1/responses?api-version=preview";
  std::string version = v >= std::string_view("2025-03-01") ? v
                                                             : std::string(kDefaultAzureResponsesApiVersion);
  return root + "/openai/responses?api-version=" + version;
}

namespace {

class Azure final : public Provider {
 public:
  explicit Azure(Transport& transport) : transport_(transport) {}

  std::string apiBase(const config::Deployment& d) override { return target(d)->base_text; }

  boost::asio::awaitable<api::Result<api::Reply>> call(api::Exchange& ex,
                                                       const config::Deployment& d,
                                                       const CallOptions& opts) override {
    std::shared_ptr<const AzureTarget> held = target(d);  // held across the awaits below
    const AzureTarget& t = *held;
    if (t.error) co_return *t.error;
    ex.body.setString("model", d.model_id);
    UpstreamRequest req;
    const bool responses = passesResponsesThrough(ex, d);
    req.target = responses ? azureResponsesTarget(t) : azureTarget(t, ex.endpoint);
    req.headers.reserve(5 + d.headers.size());
    req.headers.push_back({"content-type", "application/json"});
    // The request id and trace context, so the provider's logs and traces join ours.
    addCorrelationHeaders(ex, req.headers);
    if (!t.api_key.empty()) req.headers.push_back({"api-key", t.api_key});
    for (const auto& [k, v] : d.headers) req.headers.push_back({k, v});
    if (responses) {
      req.body = responsesBody(ex, d);
      co_return co_await callResponsesFormat(transport_, *t.base, std::move(req), ex.stream, d,
                                             t.api_key, opts);
    }
    // stream_options for azure/ only, from api-version 2024-09-01 on (openai_common.hpp);
    // azure_ai/ serverless models vary.
    const bool ask_usage = d.provider == "azure" && azureAcceptsStreamUsage(t.api_version);
    UpstreamBody body = openAiBody(ex, ask_usage);
    const bool hide_usage = body.hide_usage;
    std::move(body).moveInto(req);
    co_return co_await callOpenAiFormat(transport_, *t.base, std::move(req), ex.stream, d,
                                        t.api_key, opts, hide_usage ? &ex.usage : nullptr);
  }

 private:
  // Resolved once per deployment (target_cache.hpp).
  std::shared_ptr<const AzureTarget> target(const config::Deployment& d) {
    return targets_.get(d, resolveAzureTarget);
  }

  Transport& transport_;
  TargetCache<AzureTarget> targets_;
};

}  // namespace

std::unique_ptr<Provider> makeAzure(Transport& transport) {
  return std::make_unique<Azure>(transport);
}

}  // namespace switchyard::providers
