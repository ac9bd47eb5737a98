// The adapter registry and the per-deployment call options (provider.hpp).

#include "switchyard/providers/provider.hpp"

#include "adapters.hpp"
#include "switchyard/api/trace.hpp"

namespace switchyard::providers {

Providers::Providers(std::shared_ptr<Transport> transport)
    : transport_(std::move(transport)), mock_(makeMock()) {
  if (!transport_) return;  // no transport: the mock only (tests)
  openai_ = makeOpenAiCompatible(*transport_);
  azure_ = makeAzure(*transport_);
  anthropic_ = makeAnthropic(*transport_);
  gemini_ = makeGemini(*transport_);
}

Providers::Providers() : mock_(makeMock()) {}

Providers::~Providers() = default;

void Providers::add(std::string prefix, std::unique_ptr<Provider> adapter) {
  for (auto& [p, a] : added_) {
    if (p == prefix) {
      a = std::move(adapter);
      return;
    }
  }
  added_.emplace_back(std::move(prefix), std::move(adapter));
}

Provider* Providers::find(std::string_view provider) {
  for (auto& [p, a] : added_)
    if (p == provider) return a.get();
  if (!isBuiltIn(provider)) return nullptr;
  if (provider == "mock") return mock_.get();
  if (provider == "azure" || provider == "azure_ai") return azure_.get();
  if (provider == "anthropic") return anthropic_.get();
  if (provider == "gemini") return gemini_.get();
  if (isOpenAiCompatible(provider)) return openai_.get();
  return nullptr;
}

bool isBuiltIn(std::string_view provider) noexcept {
  return provider == "mock" || provider == "azure" || provider == "azure_ai" ||
         provider == "anthropic" || provider == "gemini" || isOpenAiCompatible(provider);
}

void listUnsupportedProviders(config::LoadResult& loaded) {
  const auto& list = loaded.config.model_list;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const config::Deployment& d = list[i];
    if (d.infer_provider || isBuiltIn(d.provider)) continue;
    loaded.ignored.push_back(config::IgnoredKey{
        "model_list[" + std::to_string(i) + "].litellm_params.model", d.model_line,
        "provider " + d.provider + " not implemented; its requests get 501"});
  }
}

Provider& Providers::mock() {
  for (auto& [p, a] : added_)
    if (p == "mock") return *a;
  return *mock_;
}

api::Error deploymentError(const config::Deployment& d, std::string message, std::string detail) {
  api::Error e{api::ErrorKind::kUpstreamError, std::move(message),
               "deployment " + d.id + " (" + d.provider + "): " + std::move(detail)};
  e.status = 500;
  return e;
}

void addCorrelationHeaders(const api::Exchange& ex, std::vector<api::Header>& headers) {
  if (!ex.request_id.empty()) headers.push_back({"x-request-id", ex.request_id});
  if (ex.trace) {
    headers.push_back({"traceparent", ex.trace->traceparent()});
    if (!ex.trace->tracestate.empty()) headers.push_back({"tracestate", ex.trace->tracestate});
    return;
  }
  if (!ex.headers) return;
  // Not traced here: the client's context goes on unchanged, if it is well-formed.
  std::string_view parent = ex.headers->get("traceparent");
  if (parent.empty() || !api::parseTraceParent(parent)) return;
  headers.push_back({"traceparent", std::string(parent)});
  std::string_view state = ex.headers->get("tracestate");
  if (!state.empty() && state.size() <= 512 &&
      state.find_first_of("\r\n") == std::string_view::npos) {
    headers.push_back({"tracestate", std::string(state)});
  }
}

CallOptions callOptionsFor(const config::Config& cfg, const config::Deployment& d) {
  auto secs = [](double s) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(s));
  };
  CallOptions o;
  double timeout = 600;
  if (d.timeout_s)
    timeout = *d.timeout_s;
  else if (cfg.router_settings.timeout_s)
    timeout = *cfg.router_settings.timeout_s;
  else if (cfg.litellm_settings.request_timeout_s)
    timeout = *cfg.litellm_settings.request_timeout_s;
  double stream_timeout = timeout;
  if (d.stream_timeout_s)
    stream_timeout = *d.stream_timeout_s;
  else if (cfg.router_settings.stream_timeout_s)
    stream_timeout = *cfg.router_settings.stream_timeout_s;
  o.timeout = secs(timeout);
  o.stream_timeout = secs(stream_timeout);
  o.drop_params = cfg.litellm_settings.drop_params;
  return o;
}

}  // namespace switchyard::providers
