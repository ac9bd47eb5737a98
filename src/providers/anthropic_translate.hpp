#pragma once
// OpenAI chat <-> Anthropic Messages translation (private to the providers module; docs/design.md
// §5). Pure functions and a stream state machine: no I/O, so every rule is unit-tested without
// sockets.
//
// Wire references: Anthropic Messages API (POST /v1/messages, anthropic-version 2023-06-01),
// its streaming events (message_start, content_block_start/delta/stop, message_delta,
// message_stop, ping, error) and its error bodies {"type":"error","error":{"type","message"}}.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/api/error.hpp"
#include "switchyard/api/exchange.hpp"

namespace switchyard::providers::anthropic {

inline constexpr std::uint64_t kDefaultMaxTokens = 4096;  // when the client gave none (LiteLLM)
inline constexpr std::string_view kApiVersion = "2023-06-01";

// Translates an OpenAI chat.completions request body into a Messages request body for `model`.
// Parameters Anthropic cannot take (n > 1, logprobs, top_logprobs, presence_penalty,
// frequency_penalty, seed, logit_bias, response_format json_object/json_schema, audio,
// modalities, prediction, legacy functions/function_call, and any unknown key) are dropped when
// `drop_params`, else refused: kInvalidRequest naming the parameter in `param`. Malformed
// messages (unknown roles, unparseable tool arguments, unsupported content parts) are refused
// whatever `drop_params` says. Harmless OpenAI-only keys (stream_options, store, service_tier,
// n == 1, logprobs == false, nulls) are ignored.
api::Result<nlohmann::json> toMessagesRequest(const nlohmann::json& chat, std::string_view model,
                                              bool drop_params);

// OpenAI `usage` for an Anthropic `usage` object: prompt_tokens = input + cache read + cache
// write, completion_tokens = output, total, prompt_tokens_details.cached_tokens = cache read,
// plus cache_creation_input_tokens / cache_read_input_tokens as LiteLLM reports them.
nlohmann::json openAiUsage(const nlohmann::json& anthropic_usage);
// The Usage of an openAiUsage() object: prompt and completion tokens, cached_tokens = cache
// reads, cache_creation_tokens = cache writes (reasoning_tokens 0: Anthropic counts thinking in
// output_tokens without a separate figure).
api::Usage replyUsage(const nlohmann::json& openai_usage);

// "end_turn"/"stop_sequence"/"pause_turn" -> "stop", "max_tokens" -> "length",
// "tool_use" -> "tool_calls", "refusal" -> "content_filter"; unknown -> "stop".
std::string finishReason(std::string_view stop_reason);

// Translates a Messages response (type "message") into a chat.completion. `created` is unix
// seconds. Errors: kUpstreamError when `message` is not a Messages response.
api::Result<nlohmann::json> toChatCompletion(const nlohmann::json& message, std::int64_t created);

// Maps a non-2xx Anthropic answer (status and body) to an Error (errors.hpp): 429 rate limited
// (Retry-After kept), 529 or an overloaded_error kOverloaded, 5xx retryable upstream errors,
// 408/504 a timeout, 401/403 credentials errors that never echo the upstream message, 413 or
// request_too_large too large, "prompt is too long" a context-window error, other 4xx passed
// through with their status and Anthropic's error type as `code`. `secret` is scrubbed from
// anything taken from the body.
api::Error mapAnthropicError(unsigned status, std::string_view body, std::string_view retry_after,
                             std::string_view secret);
// The HTTP status Anthropic uses for an error type ("overloaded_error" -> 529...): for `error`
// events inside a 200 stream.
unsigned statusForErrorType(std::string_view type);

// Anthropic stream events -> OpenAI chat.completion.chunk SSE events.
//
// onEvent() takes the data of one Anthropic SSE event (its JSON; the `type` field names the
// event, the `event:` line is redundant) and appends the OpenAI events it becomes
// ("data: {...}\n\n") to `out`. An `error` event returns the mapped Error. Unknown event types
// are ignored (Anthropic's versioning policy allows new ones).
class StreamTranslator {
 public:
  StreamTranslator(bool include_usage, std::int64_t created, std::string_view secret = {})
      : include_usage_(include_usage), created_(created), secret_(secret) {}

  api::Result<void> onEvent(std::string_view data, std::string& out);

  // True once an event carrying part of the answer went by (text, a tool call, a stop reason):
  // from then on the answer is committed to this upstream.
  bool committed() const noexcept { return committed_; }
  // True once message_stop was seen ([DONE] emitted).
  bool finished() const noexcept { return finished_; }
  // The usage so far (OpenAI shape, openAiUsage()), null before message_start; final once
  // finished(). It reaches the client only with include_usage, but is there either way.
  const nlohmann::json& usage() const noexcept { return usage_; }

 private:
  nlohmann::json chunk(nlohmann::json delta, nlohmann::json finish_reason) const;
  void emit(const nlohmann::json& j, std::string& out) const;

  bool include_usage_;
  std::int64_t created_;
  std::string secret_;
  std::string id_ = "chatcmpl-anthropic", model_;
  nlohmann::json anthropic_usage_ = nlohmann::json::object();
  nlohmann::json usage_;
  std::vector<int> tool_index_;  // Anthropic block index -> tool ordinal, -1 for other blocks
  int tools_ = 0;
  bool started_ = false, committed_ = false, finished_ = false, finish_sent_ = false;
};

}  // namespace switchyard::providers::anthropic
