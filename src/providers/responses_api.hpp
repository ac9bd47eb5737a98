#pragma once
// The OpenAI Responses API spoken to a provider that has it (private to the providers module):
// OpenAI (`{api_base}/responses`) and Azure OpenAI (azure_url.hpp's azureResponsesTarget). A
// request that came in as a Responses request (Exchange::ingress kResponses) is sent as the
// client wrote it (Exchange::original_body: the ingress already expanded previous_response_id
// and set store: false), with `model` replaced by the deployment's id; the answer comes back as
// is (Reply::format kResponses), event by event for a stream.

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "switchyard/api/exchange.hpp"
#include "switchyard/config/config.hpp"
#include "switchyard/providers/provider.hpp"
#include "switchyard/providers/transport.hpp"

namespace switchyard::providers {

// passesResponsesThrough (provider.hpp) says which requests and deployments.

// The upstream body: the original request with `model` set to the deployment's id.
std::string responsesBody(const api::Exchange& ex, const config::Deployment& d);

// Sends `req` (target, headers and body set) to `url`. Non-stream: a 2xx JSON object is the
// Reply body (format kResponses, usage read from it); non-2xx is mapped with mapOpenAiError.
// Stream: adds `accept: text/event-stream` and relays the events as they come; it first reads
// ahead past response.created / response.in_progress to the first event that commits the answer,
// so that a failure before any output (an `error` event, response.failed) is returned as an Error
// and the router may still retry or fall back. After that, an `error` or response.failed event
// is relayed and then the stream fails (the request is recorded as failed); an upstream that
// breaks or ends before response.completed / response.incomplete / response.failed gets an
// `error` event of the gateway's (numbered after the last event) before the stream fails.
boost::asio::awaitable<api::Result<api::Reply>> callResponsesFormat(
    Transport& transport, const Url& url, UpstreamRequest req, bool stream,
    const config::Deployment& d, std::string_view secret, const CallOptions& opts);

}  // namespace switchyard::providers
