#include "adapters.hpp"

namespace switchyard::providers {

Providers::Providers(std::shared_ptr<Transport> transport)
    : transport_(std::move(transport)),
      openai_(makeOpenAiCompatible(*transport_)),
      azure_(makeAzure(*transport_)),
      anthropic_(makeAnthropic(*transport_)),
      gemini_(makeGemini(*transport_)),
      mock_(makeMock()) {}

Providers::~Providers() = default;

api::Error deploymentError(const config::Deployment& d, std::string message, std::string detail) {
  api::Error e{api::ErrorKind::kUpstreamError, std::move(message),
               "deployment " + d.id + " (" + d.provider + "): " + std::move(detail)};
  e.status = 500;
  return e;
}

Provider* Providers::find(std::string_view provider) {
  if (provider == "mock") return mock_.get();
  if (provider == "azure" || provider == "azure_ai") return azure_.get();
  if (provider == "anthropic") return anthropic_.get();
  if (provider == "gemini") return gemini_.get();
  if (isOpenAiCompatible(provider)) return openai_.get();
  return nullptr;
}

Provider& Providers::mock() { return *mock_; }

}  // namespace switchyard::providers
