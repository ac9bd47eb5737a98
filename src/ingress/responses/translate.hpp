#pragma once
// A Responses request made ready for every kind of deployment (private to the responses
// ingress): the chat request chat-only providers get, and the Responses request OpenAI and Azure
// get as is. Pure, no store.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "switchyard/api/error.hpp"

namespace switchyard::ingress::responses {

// obj["type"] when it is a string, else "" (never throws).
std::string typeOf(const nlohmann::json& obj);

struct Translated {
  nlohmann::json chat;  // the chat request (request.hpp's ChatTranslation::chat)
  // This request's input as it is stored (ChatTranslation::input_items; with untranslatable,
  // the client's items as given, item_references resolved).
  nlohmann::json input_items = nlohmann::json::array();
  // Set when the request (or its conversation) holds what only a provider with the Responses
  // API can take: built-in tools, a tool_choice naming one, their items (web_search_call,
  // computer_call_output, mcp_approval_response...). `chat` is then translated without them (for
  // routing and limits) and any other deployment answers this error (Exchange::untranslatable).
  std::optional<api::Error> untranslatable;
};

// toChatRequest(request, &history, &references), the built-in tools' items of `history` left
// out (web_search_call...: the answers after them are in the conversation); when that fails on
// built-ins in the request (tools, tool_choice, input items), the same without them
// (untranslatable set). Any other failure is the Error.
api::Result<Translated> translateForChat(const nlohmann::json& request,
                                         const nlohmann::json& history,
                                         const nlohmann::json& references);

// The Responses request a deployment with the Responses API takes as is: the API's own fields
// (the gateway's controls left out); with a conversation (`history`, previous_response_id's) or
// an input list, `input` is rebuilt: the history, then the input, item_references resolved from
// `references` (an unresolved reasoning reference dropped), item ids dropped, and reasoning
// items kept only with their encrypted_content (`store` is false upstream: the provider keeps
// nothing to refer to; the gateway keeps the state).
nlohmann::json passthroughRequest(const nlohmann::json& request, const nlohmann::json& history,
                                  const nlohmann::json& references);

}  // namespace switchyard::ingress::responses
