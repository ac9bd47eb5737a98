#pragma once
// OpenAI <-> Gemini (Google AI Studio, v1beta) translation, private to the providers module and
// free of I/O so that unit tests drive it directly (docs/design.md §5).
//
// Request: OpenAI chat body -> GenerateContentRequest {contents, systemInstruction, tools,
// toolConfig, generationConfig}. Response: GenerateContentResponse -> chat.completion. Stream: each
// SSE event of streamGenerateContent?alt=sse -> chat.completion.chunk events. Embeddings: OpenAI
// embeddings body -> embedContent / batchEmbedContents, and back to an embeddings list.
//
// Parameters Gemini cannot take (kGeminiUnsupportedParams) are refused with a 400 naming the
// parameter, or dropped when drop_params is set. Client fields that only label the request
// (user, metadata, store, service_tier, stream_options...) are ignored.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/api/error.hpp"
#include "switchyard/api/exchange.hpp"
#include "switchyard/providers/url.hpp"

namespace switchyard::providers::gemini {

inline constexpr std::string_view kDefaultBase = "https://generativelanguage.googleapis.com";
inline constexpr std::string_view kKeyEnv = "GEMINI_API_KEY";

// OpenAI request fields with no Gemini equivalent in this adapter.
inline constexpr std::string_view kUnsupportedParams[] = {
    "logprobs", "top_logprobs", "logit_bias", "functions",          "function_call",
    "audio",    "modalities",   "prediction", "web_search_options",
};

// OpenAI chat body -> GenerateContentRequest. Errors: kInvalidRequest (400) for malformed
// messages, and for unsupported parameters unless `drop_params`.
api::Result<nlohmann::json> toGenerateContent(const nlohmann::json& chat, bool drop_params);

// The OpenAI usage object and Usage from a usageMetadata (null when absent): prompt_tokens =
// promptTokenCount, completion_tokens = candidatesTokenCount + thoughtsTokenCount,
// prompt_tokens_details.cached_tokens = cachedContentTokenCount,
// completion_tokens_details.reasoning_tokens = thoughtsTokenCount (Gemini has no cache writes).
nlohmann::json usageJson(const nlohmann::json& usage_metadata, api::Usage* out);

// OpenAI finish_reason for a Gemini finishReason (empty string: not finished).
std::string_view finishReason(std::string_view gemini_reason);

// GenerateContentResponse -> chat.completion. A prompt blocked by safety (promptFeedback.
// blockReason, or candidates that all end on a safety reason with no content) is a
// kContentPolicy error. Fills `usage` when given.
api::Result<nlohmann::json> fromGenerateContent(const nlohmann::json& response,
                                                std::string_view model, std::string_view id,
                                                std::int64_t created, api::Usage* usage);

// The kContentPolicy error for a blocked prompt or answer; `why` is Gemini's reason.
api::Error contentPolicyError(std::string_view why);

// Streamed GenerateContentResponse events -> chat.completion.chunk SSE frames.
class StreamTranslator {
 public:
  StreamTranslator(std::string model, std::string id, std::int64_t created, bool include_usage);
  // One event's data. Appends "data: {...}\n\n" frames to `out`. Errors: an {"error":...} event
  // (mapped with mapGeminiError, status from its code, else 500), a blocked prompt, or a safety
  // finish before any content (kContentPolicy). `secret` is scrubbed from messages.
  api::Result<void> feed(std::string_view data, std::string& out, std::string_view secret);
  // The upstream ended: appends a finish chunk if none was sent, the usage chunk (when asked
  // for), and "data: [DONE]".
  void finish(std::string& out);
  // True once a frame with content, a tool call or a finish reason has been produced.
  bool committed() const noexcept { return committed_; }
  // The last usageMetadata seen (each event carries the counts so far), asked for or not.
  const std::optional<api::Usage>& usage() const noexcept { return usage_; }

 private:
  nlohmann::json chunk(nlohmann::json choices) const;
  std::string model_, id_;
  std::int64_t created_;
  bool include_usage_;
  bool committed_ = false, role_sent_ = false, finished_ = false;
  std::vector<int> tool_calls_;  // tool calls emitted so far, per candidate index
  nlohmann::json usage_json_;
  std::optional<api::Usage> usage_;
};

}  // namespace switchyard::providers::gemini
