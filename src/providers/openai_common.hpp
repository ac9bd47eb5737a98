#pragma once
// The OpenAI wire-format call shared by the OpenAI-compatible family and Azure (private to the
// providers module): both send an OpenAI body and get OpenAI JSON or SSE back; they differ only in
// the URL and the auth headers, which the caller puts into `url` and `req`.

#include <boost/asio/awaitable.hpp>
#include <string_view>

#include "switchyard/api/exchange.hpp"
#include "switchyard/config/config.hpp"
#include "switchyard/providers/provider.hpp"
#include "switchyard/providers/transport.hpp"

namespace switchyard::providers {

// Sends `req` (method, target, headers and body already set) to `url`. Non-stream: a 2xx JSON
// object answer is returned as the Reply body; a non-2xx answer is mapped with mapOpenAiError
// (`d.provider` names the provider; `secret`, the key in use, is scrubbed from messages); a
// non-JSON answer is a kUpstreamError. Stream (`stream` true): adds `accept: text/event-stream`,
// relays the SSE events as they come, and first reads ahead to the first event that commits the
// answer, so that an error event before any content is returned as an Error (docs/design.md §4).
// `transport`, `url`, `d` and `secret` must outlive the awaitable (the caller co_awaits it at
// once).
boost::asio::awaitable<api::Result<api::Reply>> callOpenAiFormat(
    Transport& transport, const Url& url, UpstreamRequest req, bool stream,
    const config::Deployment& d, std::string_view secret, const CallOptions& opts);

}  // namespace switchyard::providers
