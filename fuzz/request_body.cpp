// Fuzz target: a client's request body. The JSON reader that validates and indexes it
// (api::Body::parse), the in-place edits the gateway makes before forwarding (model, removed
// controls), and the parse filter's reading of the request-level controls
// (pipeline::parseRequest) for each endpoint.
// Input: one control byte (endpoint, edits), then the body text.
// Checked beyond crashes: an accepted body is a JSON object nlohmann also accepts, with the same
// value; every edit leaves valid JSON with exactly that edit made.

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "fuzz_input.hpp"
#include "switchyard/api/body.hpp"
#include "switchyard/api/exchange.hpp"
#include "switchyard/pipeline/parse.hpp"

using nlohmann::json;
using namespace switchyard;

namespace {

json reparse(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) std::abort();  // an edit broke the body
  return j;
}

void checkEdits(api::Body body, std::uint8_t flags) {
  json expect = body.dom();
  body.setString("model", "fuzz-model\"\\\n");
  expect["model"] = "fuzz-model\"\\\n";
  if (flags & 0x10) {
    body.erase("stream");
    expect.erase("stream");
  }
  if (flags & 0x20) {
    body.setRaw("stream_options", R"({"include_usage":true})");
    expect["stream_options"] = json{{"include_usage", true}};
  }
  if (reparse(body.text()) != expect) std::abort();
  const std::string with = body.textWith("user", "\"u\"");
  json expect_with = expect;
  expect_with["user"] = "u";
  if (reparse(with) != expect_with) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t flags = in.byte();
  const std::string text(in.rest());

  auto body = api::Body::parse(text);
  if (body) {
    json theirs = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (theirs.is_discarded() || !theirs.is_object()) std::abort();  // accepted what is not JSON
    if (theirs != body->dom()) std::abort();
    for (const auto& [key, value] : theirs.items()) {
      auto mine = body->find(key);
      if (!mine) std::abort();
    }
    checkEdits(std::move(*body), flags);
  }

  api::Exchange ex;
  ex.endpoint = static_cast<api::Endpoint>((flags & 0x0f) % 3);
  (void)pipeline::parseRequest(ex, text);
  return 0;
}
