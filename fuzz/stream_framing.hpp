#pragma once
// For the ingress fuzz targets: the check that a translated stream is well framed: every event
// the gateway writes is "event: <type>\ndata: <one JSON object>\n\n" (drainAndCheck aborts
// otherwise). The upstream stream is a test::VectorSource over fuzz::pieces.

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz_input.hpp"
#include "switchyard/api/exchange.hpp"
#include "unit/providers/scripted_transport.hpp"
#include "unit/run_await.hpp"
#include "unit/vector_source.hpp"

namespace switchyard::fuzz {

// Drains `source` and checks the framing of everything it yielded.
inline void drainAndCheck(api::ChunkSource& source) {
  boost::asio::io_context io(1);
  bool failed = false;
  const std::string out = test::runAwait(io, providers::scripted::drainAll(source, &failed));
  std::size_t at = 0;
  while (at < out.size()) {
    const std::size_t end = out.find("\n\n", at);
    if (end == std::string::npos) std::abort();  // an event not ended by a blank line
    const std::string_view ev(out.data() + at, end - at);
    if (!ev.starts_with("event: ")) std::abort();
    const std::size_t data = ev.find("\ndata: ");
    if (data == std::string_view::npos) std::abort();
    const auto j = nlohmann::json::parse(ev.substr(data + 7), nullptr, false);
    if (j.is_discarded() || !j.is_object()) std::abort();
    at = end + 2;
  }
}

inline nlohmann::json parseOrNull(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? nlohmann::json() : j;
}

}  // namespace switchyard::fuzz
