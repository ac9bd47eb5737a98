// Fuzz target: the openai adapter reading whatever its provider answers (status, body, stream
// events), through fuzz/upstream_call.hpp.

#include "upstream_call.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const switchyard::config::Deployment d = [] {
    auto d = switchyard::fuzz::deployment("openai", "gpt-4o");
    d.api_base = "http://127.0.0.1:9/v1";
    return d;
  }();
  return switchyard::fuzz::callUpstream(data, size, &switchyard::providers::makeOpenAiCompatible,
                                        d);
}
