#pragma once
// POST /v1/responses, reply side: a chat completion, whatever provider made it, turned into the
// Responses API's `response` object. Pure translation, no sockets, no store.
//
// The response object has OpenAI's fields: id, object ("response"), created_at, status,
// background (false), error, incomplete_details, instructions, max_output_tokens, max_tool_calls,
// model, output, parallel_tool_calls, previous_response_id, prompt_cache_key, reasoning
// ({effort, summary}), safety_identifier, service_tier, store, temperature, text ({format,
// verbosity}), tool_choice, tools, top_logprobs, top_p, truncation, usage, user, metadata (an
// nlohmann::json object: serialized in sorted key order, not OpenAI's; no client reads the order).
// The request's settings are echoed as OpenAI echoes them (its defaults where the request left
// one out: null for instructions, max_output_tokens, max_tool_calls, previous_response_id,
// prompt_cache_key, safety_identifier, user, reasoning.effort and reasoning.summary; temperature
// 1, top_p 1, top_logprobs 0, parallel_tool_calls true, tool_choice "auto", service_tier "auto",
// text.format {"type":"text"} (text.verbosity only when sent), truncation "disabled", store true,
// metadata {}, tools [] (function tools as the client sent them, flat; a chat-shaped one is
// flattened)), `model` is the alias the client asked for.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "switchyard/api/error.hpp"

namespace switchyard::ingress::responses {

// The gateway's part of a response object.
struct ResponseHead {
  std::string id;               // "resp_" + 32 hex (newResponseId)
  std::int64_t created_at = 0;  // unix seconds
  std::string model;            // the alias the client asked for
};

// "resp_" + 32 lowercase hex digits, unique and unguessable enough to be a handle (not a secret).
std::string newResponseId();
// `prefix` + 32 lowercase hex digits: "msg_", "fc_", "rs_", "fco_" item ids.
std::string newItemId(std::string_view prefix);

// The response object before any output: status "in_progress", output [], usage null, error null,
// the request's settings echoed. What response.created / response.in_progress carry.
nlohmann::json responseShell(const nlohmann::json& request, const ResponseHead& head);

// A chat.completion (choices[0]) -> the finished response object (responseShell's fields, then):
//   output   a `reasoning` item first when the message has reasoning_content / reasoning
//            (summary [{type: summary_text, text}], content [] ), then a `message` item (role
//            assistant, status completed, content [output_text {text, annotations [],
//            logprobs []}] and/or [refusal {refusal}]) when there is text or a refusal, then
//            one `function_call` item per tool call (id fc_..., call_id = the tool call's id,
//            name, arguments as a JSON string, status completed). Ids are new (msg_, fc_, rs_).
//   status   "completed"; finish_reason "length" -> "incomplete" with incomplete_details
//            {reason: "max_output_tokens"}; "content_filter" -> "incomplete" with
//            {reason: "content_filter"} (the message item's status is then "incomplete").
//            A tool call with no id gets "call_" + hex; so does one whose id repeats an earlier
//            call's (call_id must be unique in a response).
//   usage    {input_tokens, input_tokens_details {cached_tokens}, output_tokens,
//            output_tokens_details {reasoning_tokens}, total_tokens} from the chat usage
//            (prompt_tokens, completion_tokens, prompt_tokens_details.cached_tokens,
//            completion_tokens_details.reasoning_tokens); zeros when the completion has none.
// Errors (kUpstream) when `completion` has no choices[0].message.
api::Result<nlohmann::json> toResponse(const nlohmann::json& completion,
                                       const nlohmann::json& request, const ResponseHead& head);

// The `usage` object of a response from a chat usage object (as above); null -> zeros.
nlohmann::json responseUsage(const nlohmann::json& chat_usage);

}  // namespace switchyard::ingress::responses
