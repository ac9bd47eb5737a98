#pragma once
// Upstream error answers -> api::Error, for every adapter (private to the providers module).
//
// Each adapter reads its provider's error body (mapOpenAiError, anthropic::mapAnthropicError,
// gemini::mapGeminiError) into an UpstreamFailure; mapUpstreamError then applies the rules they
// share, with the provider's few differences given as an ErrorDialect:
//
//   401, 403       credentials: kUpstreamError with that status and a fixed message; the
//                  provider's message is never echoed (it may quote part of the key)
//   429            kRateLimited
//   overloaded     kOverloaded, code "overloaded_error": the dialect's overloaded status (503
//                  OpenAI format, 529 Anthropic) or the error type "overloaded_error"
//   408, 504       kUpstreamTimeout
//   other 5xx      kUpstreamError
//   other          the request is at fault: status, message, param and code passed through;
//                  kPayloadTooLarge (413, type request_too_large), kContextWindowExceeded (code
//                  context_length_exceeded or one of the dialect's phrases), kContentPolicy
//                  (code content_filter / content_policy_violation), kNotFound (404), else
//                  kInvalidRequest
//
// Retryable answers keep Retry-After (delta-seconds) for the router. Messages read
// "<provider> error: <the provider's message>", secret scrubbed and bounded to 2000 bytes.
// Defined in openai.cpp (the OpenAI-format adapters' translation unit).

#include <span>
#include <string>
#include <string_view>

#include "switchyard/api/error.hpp"

namespace switchyard::providers {

// Replaces every occurrence of `secret` (when 4 characters or more) in `text` with "***".
void scrubSecret(std::string& text, std::string_view secret);

// The delta-seconds of a Retry-After value; 0 when empty or not a number (dates are not read).
unsigned retryAfterSeconds(std::string_view value);

// What an error answer said, as the adapter read it from the provider's body.
struct UpstreamFailure {
  unsigned status = 0;           // HTTP status (for an error event in a stream: the one it means)
  std::string message;           // the provider's message as sent (scrubbed and bounded later)
  std::string type;              // error type: "invalid_request_error", "overloaded_error"...
  std::string code;              // error code when it is a string: "context_length_exceeded"...
  std::string param;             // OpenAI's `param`
  std::string_view retry_after;  // the Retry-After header's value, may be empty
};

// A provider's own rules, on top of the shared ones.
struct ErrorDialect {
  std::string_view provider;   // names it in messages ("<provider> error: ...") and in logs
  unsigned overloaded_status;  // the status that means "overloaded"
  std::span<const std::string_view> context_phrases;  // lower case: the prompt is too long
  bool type_is_code = false;  // the error type is the client's `code` (no code field)
};

// Phrases of the OpenAI wire format for a prompt over the context window.
inline constexpr std::string_view kOpenAiContextPhrases[] = {"maximum context length"};

// The OpenAI wire format as spoken by `provider` (OpenAI, Azure, the OpenAI-compatible family).
inline ErrorDialect openAiDialect(std::string_view provider) {
  return ErrorDialect{provider, 503, kOpenAiContextPhrases};
}

api::Error mapUpstreamError(UpstreamFailure failure, const ErrorDialect& dialect,
                            std::string_view secret);

// A non-2xx OpenAI-format answer ({"error":{"message","type","param","code"}}, {"error":"..."}
// or a bare {"message":...}) -> Error, in `provider`'s name (OpenAI, Azure, the OpenAI-compatible
// family).
api::Error mapOpenAiError(unsigned status, std::string_view body, std::string_view retry_after,
                          std::string_view provider, std::string_view secret);

}  // namespace switchyard::providers
