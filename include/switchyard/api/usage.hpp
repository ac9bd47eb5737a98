#pragma once
// Token counts: the gateway's one prompt-token estimate (no tokenizer), and reading the usage a
// provider reported out of a reply body or a stream chunk without parsing the whole JSON.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "switchyard/api/exchange.hpp"

namespace switchyard::api {

// About four characters of text per token (rounded up).
std::uint64_t estimateTextTokens(std::size_t chars) noexcept;

// Estimated prompt tokens of an OpenAI request body (chat, completions or embeddings): text of
// every message's content (strings and text parts, decoded), tool calls and tool definitions as
// JSON (their text without whitespace), `prompt` and `input`, at four characters per token, plus
// four tokens per message. Used by the router's pre-call checks and tpm limits, key budget
// reservations, the mock provider and /v1/messages/count_tokens. Reads the text in place.
std::uint64_t estimatePromptTokens(const Body& body);

// estimatePromptTokens taken piece by piece, for a reader that walks the messages anyway (the
// parse filter checks each one's role): message() for each element of `messages` (it returns
// the message's `role`, as the last of that name, for the caller's checks), then rest() for
// the other members counted.
class PromptEstimate {
 public:
  std::optional<JsonView> message(JsonView msg);
  void rest(const Body& body);
  std::uint64_t tokens() const noexcept;

 private:
  std::size_t chars_ = 0, messages_ = 0;
};

// The usage object nearest the end of `text` (a chat.completion body, an SSE chunk or event
// carrying `"usage":{...}`), read in place, no allocation. Keys are matched anywhere inside that
// object (nested details included); absent ones count 0.
//   OpenAI shape (has prompt_tokens or completion_tokens):
//     prompt_tokens, completion_tokens;
//     cached_tokens          <- prompt_tokens_details.cached_tokens, else
//                               cache_read_input_tokens (LiteLLM's top-level copy);
//     cache_creation_tokens  <- cache_creation_tokens, else cache_creation_input_tokens, else
//                               prompt_tokens_details.cache_write_tokens (OpenRouter's);
//     reasoning_tokens       <- completion_tokens_details.reasoning_tokens.
//   Responses API shape (input_tokens or output_tokens, with input_tokens_details.cached_tokens
//   or output_tokens_details.reasoning_tokens): prompt_tokens <- input_tokens (cached included),
//     completion_tokens <- output_tokens, cached_tokens, reasoning_tokens.
//   Anthropic shape (input_tokens or output_tokens, otherwise):
//     prompt_tokens          <- input_tokens + cache_read_input_tokens +
//                               cache_creation_input_tokens;
//     completion_tokens      <- output_tokens;
//     cached_tokens          <- cache_read_input_tokens;
//     cache_creation_tokens  <- cache_creation_input_tokens; reasoning_tokens 0 (Anthropic counts
//                               thinking in output_tokens).
// nullopt when `text` has no usage object (or `"usage":null`), or one with neither shape.
std::optional<Usage> scanUsage(std::string_view text) noexcept;

// An amount in USD as the gateway writes one (x-litellm-response-cost, x-litellm-key-spend,
// usage.cost): printf's "%.12g", a value that is not finite as 0. Into `buf` (48 bytes).
std::string_view formatUsd(char* buf, double usd) noexcept;

// Sets `"cost"` in the usage object scanUsage reads (the one nearest the end of `text`): the
// value of its own "cost" member is replaced (not one inside a nested object), else the member is
// added last, written by formatUsd (so equal to x-litellm-response-cost). The rest of `text` is
// kept byte for byte. Returns false, `text` unchanged, when scanUsage finds no usage object there.
bool setUsageCost(std::string& text, double cost);

// `from` merged into `into`, field by field, counts only growing: a stream may report its usage
// in parts (Anthropic: input at message_start, output at message_delta) or more than once.
void mergeUsage(Usage& into, const Usage& from) noexcept;

}  // namespace switchyard::api
