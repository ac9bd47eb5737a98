// Fuzz target: the azure adapter reading whatever its provider answers (status, body, stream
// events), through fuzz/upstream_call.hpp.

#include "upstream_call.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const switchyard::config::Deployment d = [] {
    auto d = switchyard::fuzz::deployment("azure", "my-gpt");
    d.api_base = "https://fuzz.openai.azure.com";
    d.api_version = "2024-10-21";
    return d;
  }();
  return switchyard::fuzz::callUpstream(data, size, &switchyard::providers::makeAzure, d);
}
