#pragma once
// The Gemini API's endpoints beyond chat translation (private to the providers module): URLs,
// embeddings both ways, and the mapping of its error answers. Pure, no I/O.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "switchyard/api/error.hpp"
#include "switchyard/providers/url.hpp"

namespace switchyard::providers::gemini {

// The API root of a parsed api_base: a host root gets "/v1beta"; a base already ending in
// "/v1beta" (or "/v1", "/v1alpha") keeps it.
Url apiRoot(Url base);

// "{root}/models/{model}:generateContent", ":streamGenerateContent?alt=sse", ":embedContent",
// ":batchEmbedContents". `model` is the model id, without a "models/" prefix (one is stripped).
std::string methodTarget(const Url& root, std::string_view model, std::string_view method);

// OpenAI embeddings body -> embedContent (one input) or batchEmbedContents (a list) request.
// `batch` tells which. Token-id inputs are refused (400).
api::Result<nlohmann::json> toEmbedRequest(const nlohmann::json& body, std::string_view model,
                                           bool* batch);

// embedContent / batchEmbedContents response -> OpenAI embeddings list. `base64` encodes each
// vector as little-endian float32 (encoding_format "base64"). `prompt_chars` sizes the usage
// estimate (Gemini does not report embedding tokens).
api::Result<nlohmann::json> fromEmbedResponse(const nlohmann::json& response,
                                              std::string_view model, bool base64,
                                              std::uint64_t prompt_tokens);

// A non-2xx Gemini answer ({"error":{"code","message","status","details"}}) -> Error
// (errors.hpp): 429/5xx retryable (RetryInfo.retryDelay read when there is no Retry-After), 503
// (UNAVAILABLE) kOverloaded, 401/403 and invalid API keys never echo the message, token-limit
// messages kContextWindowExceeded, 404 kNotFound.
api::Error mapGeminiError(unsigned status, std::string_view body, std::string_view retry_after,
                          std::string_view secret);

}  // namespace switchyard::providers::gemini
