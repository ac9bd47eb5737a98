#pragma once
// POST /v1/messages, request side: the Anthropic Messages API as an ingress format. Pure
// translation, no sockets. Dropped on the way in (no OpenAI equivalent): top_k, thinking,
// service_tier, container, mcp_servers, context_management, cache_control on blocks, thinking
// blocks in the history.

#include <nlohmann/json_fwd.hpp>

#include "switchyard/api/error.hpp"

namespace switchyard::ingress::anthropic {

// Translates a Messages API request (an already parsed JSON object) into an OpenAI chat
// completions request. Validates as Anthropic does: `model`, `max_tokens` (integer >= 1) and
// `messages` (array of {role: user|assistant, content: string|blocks}) are required; a violation
// is a kInvalidRequest Error whose `param` names the field ("messages.0.content.1.source") and
// whose message reads like Anthropic's ("max_tokens: Field required"). The gateway's request-level
// controls (fallbacks, models, disable_fallbacks, cache, mock_response) are carried over so that
// the parse filter can take them out as for any request. With stream: true the request asks for
// stream_options.include_usage so the final message_delta can report usage.
api::Result<nlohmann::json> toOpenAiRequest(const nlohmann::json& request);

// POST /v1/messages/count_tokens: an estimate of the request's input tokens (the gateway's one
// estimator, api::estimatePromptTokens, applied to the translated request; no tokenizer is
// called), as {"input_tokens": N}. Validated as toOpenAiRequest() does, except that max_tokens is
// optional.
api::Result<nlohmann::json> countTokens(const nlohmann::json& request);

}  // namespace switchyard::ingress::anthropic
