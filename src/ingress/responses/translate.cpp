// A Responses request made ready for chat-only and Responses-capable deployments (translate.hpp).

#include "translate.hpp"

#include <string_view>

#include "switchyard/ingress/responses/request.hpp"

namespace switchyard::ingress::responses {
namespace {

using nlohmann::json;

// The item types the chat translation carries (request.hpp).
bool translatableItem(const json& item) {
  if (!item.is_object()) return true;  // the translation reports what is wrong with it
  std::string type = typeOf(item);
  if (type.empty()) return true;  // a message without `type`, or a malformed item
  for (std::string_view t : {"message", "function_call", "function_call_output", "reasoning",
                             "item_reference"})
    if (type == t) return true;
  return false;
}

// `items` without the items only a Responses API provider takes; whether any was removed.
bool dropBuiltIns(json& items) {
  if (!items.is_array()) return false;
  json kept = json::array();
  bool changed = false;
  for (json& item : items) {
    if (translatableItem(item))
      kept.push_back(std::move(item));
    else
      changed = true;
  }
  items = std::move(kept);
  return changed;
}

// The id an item_reference names ("" when `item` is not one): {type: item_reference, id} or,
// as OpenAI also takes, a bare {id}.
std::string referenceId(const json& item) {
  if (!item.is_object()) return {};
  std::string type = typeOf(item);
  if (type != "item_reference" && !(type.empty() && !item.contains("role"))) return {};
  auto id = item.find("id");
  return id != item.end() && id->is_string() ? id->get<std::string>() : std::string();
}

// `item` as the client's input names it: an item_reference replaced by its item when known.
const json* resolved(const json& item, const json& references) {
  std::string id = referenceId(item);
  if (id.empty()) return &item;
  auto found = references.is_object() ? references.find(id) : references.end();
  return found != references.end() ? &*found : nullptr;
}

}  // namespace

std::string typeOf(const json& obj) {
  if (!obj.is_object()) return {};
  auto t = obj.find("type");
  return t != obj.end() && t->is_string() ? t->get<std::string>() : std::string();
}

api::Result<Translated> translateForChat(const json& request, const json& history,
                                         const json& references) {
  // The built-in tools' items of earlier turns (web_search_call, ...) are left out of a chat
  // translation: the answers that followed them are in the conversation already.
  json chat_history;
  const json* hist = &history;
  if (history.is_array()) {
    for (const json& item : history) {
      if (!translatableItem(item)) {
        chat_history = history;
        dropBuiltIns(chat_history);
        hist = &chat_history;
        break;
      }
    }
  }
  api::Result<ChatTranslation> first = toChatRequest(request, hist, &references);
  if (first) {
    Translated t{std::move(first->chat), std::move(first->input_items), std::nullopt};
    return api::Result<Translated>(boost::system::in_place_value, std::move(t));
  }
  // Without the built-ins: tools that are not functions, a tool_choice naming one, their items.
  json stripped = request;
  bool changed = false;
  if (auto input = stripped.find("input"); input != stripped.end()) changed |= dropBuiltIns(*input);
  if (auto tools = stripped.find("tools"); tools != stripped.end() && tools->is_array()) {
    json kept = json::array();
    for (json& tool : *tools) {
      if (typeOf(tool) == "function")
        kept.push_back(std::move(tool));
      else
        changed = true;
    }
    *tools = std::move(kept);
  }
  if (auto choice = stripped.find("tool_choice");
      choice != stripped.end() && choice->is_object() && typeOf(*choice) != "function") {
    stripped.erase(choice);
    changed = true;
  }
  if (!changed) return first.error();
  api::Result<ChatTranslation> second = toChatRequest(stripped, hist, &references);
  if (!second) return first.error();  // the first complaint is the one to report
  Translated t{std::move(second->chat), json::array(), first.error()};
  // Stored as the client sent them, built-ins included (a later turn may go to OpenAI again).
  if (auto input = request.find("input"); input != request.end()) {
    if (input->is_string()) {
      t.input_items.push_back({{"type", "message"},
                               {"role", "user"},
                               {"content", json::array({{{"type", "input_text"}, {"text", *input}}})}});
    } else if (input->is_array()) {
      for (const json& item : *input)
        if (const json* r = resolved(item, references)) t.input_items.push_back(*r);
    }
  }
  return api::Result<Translated>(boost::system::in_place_value, std::move(t));
}

json passthroughRequest(const json& request, const json& history, const json& references) {
  static constexpr std::string_view kFields[] = {
      "model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls",
      "max_output_tokens", "max_tool_calls", "temperature", "top_p", "top_logprobs", "text",
      "reasoning", "metadata", "user", "stream", "stream_options", "include", "truncation",
      "service_tier", "prompt_cache_key", "safety_identifier"};
  json out = json::object();
  for (std::string_view k : kFields) {
    auto it = request.find(k);
    if (it != request.end() && !it->is_null()) out[std::string(k)] = *it;
  }
  const json* input = request.contains("input") ? &request["input"] : nullptr;
  const bool has_history = history.is_array() && !history.empty();
  if (!has_history && !(input && input->is_array())) {
    out["store"] = false;
    return out;
  }
  json items = json::array();
  auto add = [&items](const json& item) {
    if (!item.is_object()) return;
    // A reasoning item goes back only with its encrypted_content (the client asked for
    // include: ["reasoning.encrypted_content"]): the provider kept no copy to refer to.
    if (typeOf(item) == "reasoning" && !item.contains("encrypted_content")) return;
    if (!referenceId(item).empty()) return;  // unresolved (a reasoning item's): dropped
    json copy = item;
    copy.erase("id");
    items.push_back(std::move(copy));
  };
  if (has_history)
    for (const json& item : history) add(item);
  if (input && input->is_string()) {
    items.push_back({{"type", "message"},
                     {"role", "user"},
                     {"content", json::array({{{"type", "input_text"}, {"text", *input}}})}});
  } else if (input && input->is_array()) {
    for (const json& item : *input)
      if (const json* r = resolved(item, references)) add(*r);
  }
  out["input"] = std::move(items);
  out["store"] = false;
  return out;
}

}  // namespace switchyard::ingress::responses
