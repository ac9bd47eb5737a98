#pragma once
// POST /v1/responses, request side: the OpenAI Responses API as an ingress format, served by
// providers that speak chat completions. Pure translation, no sockets, no store.
//
//   Responses request (+ the earlier conversation's items) -> OpenAI chat request
//
// Translated: model, instructions (a system message first), input (a string, or items: message
// with input_text / input_image / input_file / output_text / refusal parts, function_call
// (consecutive ones merged into one assistant message with tool_calls), function_call_output
// (tool messages), reasoning (dropped: chat has no reasoning input), item_reference (resolved
// from the history or from `references`)), tools (function tools only), tool_choice,
// parallel_tool_calls, max_output_tokens -> max_completion_tokens (every adapter reads it; OpenAI
// reasoning models refuse max_tokens), temperature, top_p, text.format -> response_format,
// reasoning.effort -> reasoning_effort, metadata (string values only, as OpenAI), user, stream
// (-> stream_options.include_usage). The gateway's request-level controls (fallbacks, models,
// disable_fallbacks, timeout, num_retries, tags, cache, mock_response, mock_testing_*) are
// carried over for the parse filter.
// Validated, then not sent on (the caller reads them from the request, toResponse echoes them):
// store, previous_response_id, truncation, include, service_tier, reasoning.summary,
// text.verbosity, top_logprobs, max_tool_calls, prompt_cache_key, safety_identifier,
// stream_options. Unknown top-level fields are ignored.
// Refused with 400: background: true, conversation, prompt, any tool but `function` (web_search,
// file_search, computer_use_preview, code_interpreter, image_generation, mcp, local_shell,
// custom, ...), tool_choice naming a hosted tool or allowed_tools, file_id / file_url inputs (no
// Files API here), item types other than the five above, a function_call_output whose call_id
// no function_call has, a function_call with no output, an unresolvable item_reference.
// Errors are kInvalidRequest with OpenAI's wording and codes (missing_required_parameter,
// invalid_type, invalid_value, unsupported_value, unsupported_parameter, empty_array,
// integer_/decimal_below_min_value / _above_max_value) and `param` naming the path as OpenAI
// does ("input[2].content[0].image_url"); the call_id pairing and item_reference errors have no
// code of their own (OpenAI sends null), so they carry the kind's default.
// Chat shapes: developer messages become system messages; the text parts of a system, developer
// or assistant message are joined with "\n" (refusal parts count as text; images and files there
// are a 400); a user message with one text part gets string content; input_image detail defaults
// to "auto" ("original" is sent as "high"); a function tool's `strict` is sent only when given;
// a function_call_output's input_text parts are joined with "\n" (other parts are a 400).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "switchyard/api/error.hpp"

namespace switchyard::ingress::responses {

struct ChatTranslation {
  // The OpenAI chat completions request: what the pipeline (parse filter onwards) gets as
  // ex.body.
  nlohmann::json chat;
  // This request's input as items, normalized as OpenAI's input_items listing shows them: a
  // string input becomes one user message item; every message gets `type` and `status`
  // ("completed") and string content becomes one input_text (output_text for the assistant)
  // part; an item without `id` gets one (msg_..., fc_..., fco_..., rs_...); an item_reference is
  // replaced by the item it names. Store these, followed by the response's output, as the next
  // turn's history.
  nlohmann::json input_items = nlohmann::json::array();
};

// Translates a Responses request (a parsed JSON object).
//   history     the earlier conversation (previous_response_id's chain) as one JSON array of
//               items, previous inputs followed by previous outputs, oldest first; placed before
//               this request's input. nullptr or an empty array: none. Its items are translated
//               as input items are (a bad stored item fails the same way, `param` "history[i]").
//   references  items an item_reference may name that are not in `history`, as a JSON object
//               {item id: item} (the caller looks up itemReferenceIds() in its store first).
//               An item_reference found in neither is a 400 ("Item with id 'x' not found."),
//               except a reasoning one (id "rs_..."): it is dropped, as reasoning items are.
// Input with neither `input` nor history is a 400 (missing input).
api::Result<ChatTranslation> toChatRequest(const nlohmann::json& request,
                                           const nlohmann::json* history,
                                           const nlohmann::json* references = nullptr);

// The ids of the item_reference items in request.input (in order, duplicates kept), so that the
// caller can fetch them from its store before toChatRequest. Empty for a malformed request.
std::vector<std::string> itemReferenceIds(const nlohmann::json& request);

}  // namespace switchyard::ingress::responses
