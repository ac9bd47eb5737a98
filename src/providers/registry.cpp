#include "adapters.hpp"

namespace switchyard::providers {

Providers::Providers(std::shared_ptr<Transport> transport)
    : transport_(std::move(transport)), openai_(makeOpenAiCompatible(*transport_)), mock_(makeMock()) {}

Providers::~Providers() = default;

Provider* Providers::find(std::string_view provider) {
  if (provider == "mock") return mock_.get();
  if (isOpenAiCompatible(provider)) return openai_.get();
  return nullptr;
}

Provider& Providers::mock() { return *mock_; }

}  // namespace switchyard::providers
