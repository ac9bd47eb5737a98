#pragma once
// OpenRouter's usage accounting (docs/keys.md#cost): a request with `"usage": {"include": true}`
// (api::RequestOptions::usage_include) gets `usage.cost` in its answer, the cost the gateway
// computed for it in USD, the number x-litellm-response-cost carries. The key_limits filter,
// which prices the answer, applies it: a whole body is rewritten in place (api::setUsageCost), a
// stream's source is wrapped (withUsageCost). Nothing is done for a request that did not ask.

#include <functional>
#include <memory>
#include <optional>

#include "switchyard/api/exchange.hpp"

namespace switchyard::pipeline {

// Whether `reply` gets the cost: the request asked for it and the reply is a 2xx answer in
// OpenAI format (chat/completions or completions: the parse filter reads the option only there).
bool wantsUsageCost(const api::Exchange& ex, const api::Reply& reply) noexcept;

// The cost of `usage` for the exchange, in USD (the served deployment's prices; 0 unpriced).
using UsageCostFn = std::function<double(const api::Exchange&, const api::Usage&)>;

// Wraps the source of a streamed OpenAI-format reply (SSE `data:` events, `data: [DONE]` last) so
// that the client gets the usage and its cost in the usage chunk, as OpenRouter sends it:
//  - every chunk that carries a usage object gets `cost` = cost(the usage so far: ex.usage with
//    the chunk's merged in, as the usage filter merges them), set by api::setUsageCost;
//  - when no chunk carried one (the client did not set stream_options.include_usage, so the
//    adapter kept the usage-only chunk back and wrote ex.usage), a usage chunk is added before
//    `data: [DONE]` (or at the end of a stream without it):
//      {"id", "object", "created", "model" of the stream's first chunk, "choices": [],
//       "usage": {"prompt_tokens", "completion_tokens", "total_tokens",
//                 "prompt_tokens_details": {"cached_tokens"[, "cache_write_tokens"]},
//                 "completion_tokens_details": {"reasoning_tokens"}, "cost"}}
//    from ex.usage, else from `fallback` (the usage the adapter put on the Reply); with neither,
//    nothing is added. `data: [DONE]` is held back until the source ends when the usage is not
//    known yet when it goes by.
// Chunks are otherwise passed on as they are, errors of the source too. `ex` must outlive the
// source (the session keeps the exchange longer than the reply).
std::unique_ptr<api::ChunkSource> withUsageCost(std::unique_ptr<api::ChunkSource> inner,
                                                api::Exchange& ex,
                                                std::optional<api::Usage> fallback,
                                                UsageCostFn cost);

}  // namespace switchyard::pipeline
