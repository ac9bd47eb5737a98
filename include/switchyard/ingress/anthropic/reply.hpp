#pragma once
// POST /v1/messages, reply side: what the pipeline answered, turned into what an Anthropic client
// expects. Pure translation, no sockets.
//   OpenAI chat reply -> Anthropic message     (toAnthropicMessage)
//   api::Error        -> Anthropic error body  (errorBody; errorType and anthropicStatus)
// toAnthropicReply() applies these (and stream.hpp's AnthropicStream) to a whole Reply.

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/api/error.hpp"
#include "switchyard/api/exchange.hpp"

namespace switchyard::ingress::anthropic {

// Translates an OpenAI chat.completion object into an Anthropic message. `model` is what the
// message reports (the alias the client asked for). `stop_sequences` are the request's: a
// finish_reason "stop" whose upstream names the matched string (vLLM's choices[].stop_reason)
// becomes stop_reason "stop_sequence". Errors when `completion` has no choices[0].
api::Result<nlohmann::json> toAnthropicMessage(const nlohmann::json& completion,
                                               std::string_view model,
                                               const std::vector<std::string>& stop_sequences = {});

// Maps an OpenAI finish_reason to an Anthropic stop_reason: stop -> end_turn, length ->
// max_tokens, tool_calls/function_call -> tool_use, content_filter -> refusal, else end_turn.
std::string_view stopReason(std::string_view finish_reason) noexcept;

// The HTTP status an Anthropic client gets for `e`: e.httpStatus(), except that an overloaded
// provider (ErrorKind::kOverloaded, whatever status OpenAI-format clients get) is answered 529,
// as Anthropic does.
unsigned anthropicStatus(const api::Error& e) noexcept;
// Anthropic error type for `e`, chosen by anthropicStatus(e) so that the type and the status an
// SDK sees always agree: 400/405/422 invalid_request_error, 401 authentication_error,
// 402 billing_error, 403 permission_error, 404 not_found_error, 413 request_too_large,
// 429 rate_limit_error, 408/504 timeout_error, 503/529 overloaded_error, other 5xx api_error.
std::string_view errorType(const api::Error& e) noexcept;
// {"type":"error","error":{"type":..,"message":..}}; sent with anthropicStatus(e).
std::string errorBody(const api::Error& e);
// Makes `reply` the Anthropic answer to `e`: the provider's own body and status when the error
// carries one (Error::upstream_body, a passed-through Anthropic deployment), else errorBody(e)
// with anthropicStatus(e). Headers are kept; a stream is dropped.
void answerError(api::Reply& reply, const api::Error& e);
// The SSE frame of an error inside a stream: "event: error\ndata: {errorBody}\n\n".
std::string errorEvent(const api::Error& e);

// A whole Anthropic message replayed as its event stream (for an upstream that answered a
// streaming request with a plain JSON body).
std::unique_ptr<api::ChunkSource> messageAsStream(const nlohmann::json& message);

// Turns what the pipeline answered for a POST /v1/messages exchange into what the client gets:
// a reply already in Anthropic format (reply.format == kAnthropic, an Anthropic-backed alias that
// passed the request through) is returned as is; an error reply (ex.outcome.error set, or a
// non-2xx status) gets an Anthropic error body, except that an error the provider itself wrote in
// Anthropic's format (Error::upstream_body) is answered with that body and the provider's status;
// a JSON chat.completion becomes a message (or, when ex.stream, its event stream); a stream is
// wrapped in AnthropicStream. Adds the `request-id` header the Anthropic SDK reads.
api::Reply toAnthropicReply(const api::Exchange& ex, api::Reply reply);

}  // namespace switchyard::ingress::anthropic
