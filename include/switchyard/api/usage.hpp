#pragma once
// Token counts: the gateway's one prompt-token estimate (no tokenizer), and reading the usage a
// provider reported out of a reply body or a stream chunk without parsing the whole JSON.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string_view>

#include "switchyard/api/exchange.hpp"

namespace switchyard::api {

// About four characters of text per token (rounded up).
std::uint64_t estimateTextTokens(std::size_t chars) noexcept;

// Estimated prompt tokens of an OpenAI request body (chat, completions or embeddings): text of
// every message's content (strings and text parts), tool calls and tool definitions as JSON,
// `prompt` and `input`, at four characters per token, plus four tokens per message. Used by the
// router's pre-call checks and tpm limits, the mock provider and /v1/messages/count_tokens.
std::uint64_t estimatePromptTokens(const nlohmann::json& body);

// The usage object nearest the end of `text` (a chat.completion body, an SSE chunk or event
// carrying `"usage":{...}`), read in place: OpenAI names (prompt_tokens, completion_tokens,
// prompt_tokens_details.cached_tokens) or Anthropic's (input_tokens + cache_read_input_tokens +
// cache_creation_input_tokens as prompt tokens, output_tokens, cache reads as cached). nullopt
// when `text` has no usage object (or `"usage":null`).
std::optional<Usage> scanUsage(std::string_view text) noexcept;

}  // namespace switchyard::api
