#pragma once
// POST /v1/messages (DESIGN §3): the Anthropic Messages API as an ingress format. Pure
// translation, no sockets:
//   Anthropic request  -> OpenAI chat request   (toOpenAiRequest; the pipeline then runs as usual)
//   OpenAI chat reply  -> Anthropic message     (toAnthropicMessage)
//   OpenAI chunk SSE   -> Anthropic event stream (AnthropicStream)
//   api::Error         -> Anthropic error body  (errorBody)
// toAnthropicReply() applies the last three to whatever the pipeline answered.
//
// Dropped on the way in (no OpenAI equivalent): top_k, thinking, service_tier, container,
// mcp_servers, context_management, cache_control on blocks, thinking blocks in the history.

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/api/error.hpp"
#include "switchyard/api/exchange.hpp"

namespace switchyard::api::anthropic {

// Translates a Messages API request (an already parsed JSON object) into an OpenAI chat
// completions request. Validates as Anthropic does: `model`, `max_tokens` (integer >= 1) and
// `messages` (array of {role: user|assistant, content: string|blocks}) are required; a violation
// is a kInvalidRequest Error whose `param` names the field ("messages.0.content.1.source") and
// whose message reads like Anthropic's ("max_tokens: Field required"). The gateway's request-level
// controls (fallbacks, models, disable_fallbacks, cache, mock_response) are carried over so that
// the parse filter can take them out as for any request. With stream: true the request asks for
// stream_options.include_usage so the final message_delta can report usage.
Result<nlohmann::json> toOpenAiRequest(const nlohmann::json& request);

// POST /v1/messages/count_tokens: an estimate of the request's input tokens (about four
// characters of text, tool definitions included, per token; no tokenizer is called), as
// {"input_tokens": N}. Validated as toOpenAiRequest() does, except that max_tokens is optional.
Result<nlohmann::json> countTokens(const nlohmann::json& request);

// Translates an OpenAI chat.completion object into an Anthropic message. `model` is what the
// message reports (the alias the client asked for). `stop_sequences` are the request's: a
// finish_reason "stop" whose upstream names the matched string (vLLM's choices[].stop_reason)
// becomes stop_reason "stop_sequence". Errors when `completion` has no choices[0].
Result<nlohmann::json> toAnthropicMessage(const nlohmann::json& completion, std::string_view model,
                                          const std::vector<std::string>& stop_sequences = {});

// Maps an OpenAI finish_reason to an Anthropic stop_reason: stop -> end_turn, length ->
// max_tokens, tool_calls/function_call -> tool_use, content_filter -> refusal, else end_turn.
std::string_view stopReason(std::string_view finish_reason) noexcept;

// Anthropic error type for an Error: invalid_request_error, authentication_error,
// permission_error, not_found_error, request_too_large, rate_limit_error, api_error,
// overloaded_error (503/529).
std::string_view errorType(const Error& e) noexcept;
// {"type":"error","error":{"type":..,"message":..}}; sent with e.httpStatus().
std::string errorBody(const Error& e);
// The SSE frame of an error inside a stream: "event: error\ndata: {errorBody}\n\n".
std::string errorEvent(const Error& e);

// Wraps an OpenAI chat.completion.chunk SSE source (whatever framing: several events per piece,
// partial events, CRLF) and yields Anthropic's event stream, each event framed as
// "event: <type>\ndata: <json>\n\n": message_start, then per content block content_block_start /
// content_block_delta (text_delta, input_json_delta) / content_block_stop (text and tool_use
// blocks numbered in the order they start), then message_delta (stop_reason, stop_sequence,
// usage) and message_stop. An OpenAI error event, or an upstream that ends before any
// finish_reason or [DONE], is returned as an Error (the session frames it with errorEvent);
// an Error from `upstream` is passed on. Yields nullopt after message_stop.
class AnthropicStream final : public ChunkSource {
 public:
  AnthropicStream(std::unique_ptr<ChunkSource> upstream, std::string model,
                  std::vector<std::string> stop_sequences = {});
  ~AnthropicStream() override;
  boost::asio::awaitable<Result<std::optional<std::string>>> next() override;

  struct State;  // translation state, public for the implementation's helpers

 private:
  std::unique_ptr<ChunkSource> upstream_;
  std::unique_ptr<State> state_;
};

// A whole Anthropic message replayed as its event stream (for an upstream that answered a
// streaming request with a plain JSON body).
std::unique_ptr<ChunkSource> messageAsStream(const nlohmann::json& message);

// Turns what the pipeline answered for a POST /v1/messages exchange into what the client gets:
// a reply already in Anthropic format (reply.format == kAnthropic, an Anthropic-backed alias that
// passed the request through) is returned as is; an error reply (ex.outcome.error set, or a
// non-2xx status) gets an Anthropic error body with the same status; a JSON chat.completion
// becomes a message (or, when ex.stream, its event stream); a stream is wrapped in
// AnthropicStream. Adds the `request-id` header the Anthropic SDK reads.
Reply toAnthropicReply(const Exchange& ex, Reply reply);

}  // namespace switchyard::api::anthropic
