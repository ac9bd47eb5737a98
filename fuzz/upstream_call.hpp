#pragma once
// The provider fuzz targets' driver: one adapter called through a scripted transport (no
// sockets) whose answer is the fuzzer's bytes, whole or as a stream cut into reads, and the
// reply's stream drained to its end, as the session would. Whatever the provider sends, the call
// ends with a reply or an error; it never throws, hangs or reads out of bounds.
// Input: two control bytes (bit 0 stream, bits 1-3 the status, bit 4 include_usage, bit 5 the
// embeddings endpoint; then the piece size), then the upstream's body.

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>

#include "fuzz_input.hpp"
#include "providers/adapters.hpp"
#include "unit/providers/scripted_transport.hpp"
#include "unit/run_await.hpp"

namespace switchyard::fuzz {

using ProviderFactory = std::unique_ptr<providers::Provider> (*)(providers::Transport&);

inline int callUpstream(const std::uint8_t* data, std::size_t size, ProviderFactory make,
                        const config::Deployment& d) {
  Input in(data, size);
  const std::uint8_t flags = in.byte();
  const std::size_t step = in.byte();
  static constexpr unsigned kStatuses[] = {200, 200, 200, 400, 401, 429, 500, 529};
  const unsigned status = kStatuses[(flags >> 1) & 7];
  const bool stream = flags & 1;

  providers::scripted::ScriptedTransport transport;
  transport.response.status = status;
  transport.response.body = std::string(in.rest());
  transport.response.headers = {{"content-type", "application/json"}};
  transport.stream_status = status;
  for (std::string& p : pieces(in.rest(), step)) transport.pieces.push_back(std::move(p));
  auto provider = make(transport);

  api::Exchange ex;
  nlohmann::json body = {
      {"model", "alias"},
      {"messages", nlohmann::json::array({{{"role", "user"}, {"content", "hi"}}})}};
  if (flags & 0x20) {
    ex.endpoint = api::Endpoint::kEmbeddings;
    body = {{"model", "alias"}, {"input", "hi"}};
  }
  if (stream) {
    body["stream"] = true;
    if (flags & 0x10) body["stream_options"] = {{"include_usage", true}};
  }
  ex.body = api::Body::fromJson(std::move(body));
  ex.stream = stream;
  ex.model = "alias";

  boost::asio::io_context io(1);
  providers::CallOptions opts;
  opts.drop_params = true;
  auto reply = test::runAwait(io, providers::scripted::callIt(*provider, ex, d, opts));
  if (reply && reply->stream) {
    bool failed = false;
    (void)test::runAwait(io, providers::scripted::drainAll(*reply->stream, &failed));
  }
  if (!reply && reply.error().message.empty()) std::abort();  // an error the client cannot read
  return 0;
}

inline config::Deployment deployment(std::string provider, std::string model_id) {
  config::Deployment d;
  d.model_name = "alias";
  d.provider = provider;
  d.model_id = model_id;
  d.model = provider + "/" + model_id;
  d.id = "fuzz-" + provider;
  d.api_key = "fuzz-key";
  return d;
}

}  // namespace switchyard::fuzz
