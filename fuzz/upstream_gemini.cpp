// Fuzz target: the gemini adapter reading whatever its provider answers (status, body, stream
// events), through fuzz/upstream_call.hpp.

#include "upstream_call.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const switchyard::config::Deployment d = [] {
    auto d = switchyard::fuzz::deployment("gemini", "gemini-2.5-flash");
    return d;
  }();
  return switchyard::fuzz::callUpstream(data, size, &switchyard::providers::makeGemini, d);
}
