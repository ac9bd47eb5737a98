#pragma once
// Factories of the adapters (private to the providers module).

#include <memory>

#include "switchyard/providers/provider.hpp"
#include "switchyard/providers/transport.hpp"

namespace switchyard::providers {

std::unique_ptr<Provider> makeOpenAiCompatible(Transport& transport);
std::unique_ptr<Provider> makeMock();
// Each returns nullptr while the adapter is not written yet ("provider not supported yet").
std::unique_ptr<Provider> makeAzure(Transport& transport);      // azure.cpp
std::unique_ptr<Provider> makeAnthropic(Transport& transport);  // anthropic.cpp
std::unique_ptr<Provider> makeGemini(Transport& transport);     // gemini.cpp

// A deployment whose configuration cannot be called (no or invalid api_base...): reported at
// request time as a 500 with a client-safe message; `detail` (logs) names the deployment.
api::Error deploymentError(const config::Deployment& d, std::string message, std::string detail);
inline api::Error invalidApiBase(const config::Deployment& d) {
  return deploymentError(d, "This model's deployment has an invalid api_base.",
                         "api_base is not an http(s) URL");
}

}  // namespace switchyard::providers
