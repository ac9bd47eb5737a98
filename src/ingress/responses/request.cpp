// POST /v1/responses, request side: OpenAI Responses request (+ the earlier conversation's items)
// -> OpenAI chat request. Shapes follow OpenAI's Responses API reference (openai-node's
// resources/responses) and what the AI SDK's OpenAI provider sends.

#include "switchyard/ingress/responses/request.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "request_detail.hpp"

namespace switchyard::ingress::responses {
namespace {

using namespace request_detail;  // NOLINT: the shared validation helpers

// prefix + 32 lowercase hex digits (reply.cpp's newItemId is the public one; this file must not
// depend on it being linked in).
std::string randomItemId(std::string_view prefix) {
  thread_local std::mt19937_64 rng = [] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(prefix);
  for (int w = 0; w < 2; ++w) {
    std::uint64_t v = rng();
    for (int i = 0; i < 16; ++i, v >>= 4) id.push_back(kHex[v & 15]);
  }
  return id;
}

// Sets the item's id (a new one with `prefix` when absent) and its status (default completed).
Result<void> idAndStatus(json& out, const json& item, const std::string& path,
                         std::string_view prefix, bool with_status = true) {
  auto id = stringField(item, "id", path, false);
  if (!id) return id.error();
  out["id"] = *id ? **id : randomItemId(prefix);
  if (!with_status) return {};
  auto status = enumField(item, "status", path, kStatuses);
  if (!status) return status.error();
  out["status"] = *status ? **status : std::string("completed");
  return {};
}

// One content part of a message, validated, in its input_items form.
Result<json> normalizePart(const json& part, const std::string& path, bool assistant) {
  if (!part.is_object()) return invalidType(path, "an object", part);
  auto type = enumField(part, "type", path, assistant ? kAssistantParts : kUserParts, true);
  if (!type) return type.error();
  const std::string& t = **type;
  json out = part;
  if (t == "input_text" || t == "output_text") {
    if (auto text = stringField(part, "text", path); !text) return text.error();
    if (t == "output_text" && !field(part, "annotations")) out["annotations"] = json::array();
  } else if (t == "refusal") {
    if (auto text = stringField(part, "refusal", path); !text) return text.error();
  } else if (t == "input_image") {
    if (field(part, "file_id"))
      return unsupported(at(path, "file_id"),
                         "Images referenced by 'file_id' are not supported by this gateway (it has "
                         "no Files API): send 'image_url' (an https or data URL) instead.",
                         "unsupported_parameter");
    if (auto url = stringField(part, "image_url", path); !url) return url.error();
    auto detail = enumField(part, "detail", path, {"auto", "low", "high", "original"});
    if (!detail) return detail.error();
    if (!*detail) out["detail"] = "auto";
  } else {  // input_file
    for (const char* key : {"file_id", "file_url"}) {
      if (field(part, key))
        return unsupported(at(path, key),
                           std::string("Files referenced by '") + key +
                               "' are not supported by this gateway (it has no Files API): send "
                               "the file's content as 'file_data' (a data URL) instead.",
                           "unsupported_parameter");
    }
    if (auto data = stringField(part, "file_data", path); !data) return data.error();
    if (auto name = stringField(part, "filename", path, false); !name) return name.error();
  }
  return ok(std::move(out));
}

Result<json> normalizeMessage(const json& item, const std::string& path) {
  auto role = enumField(item, "role", path, kRoles, true);
  if (!role) return role.error();
  bool assistant = **role == "assistant";
  json out = item;
  out["type"] = "message";
  if (auto r = idAndStatus(out, item, path, "msg_"); !r) return r.error();
  const json* content = field(item, "content");
  std::string cpath = at(path, "content");
  if (!content) return missing(cpath);
  if (content->is_string()) {
    json part = {{"type", assistant ? "output_text" : "input_text"}, {"text", *content}};
    if (assistant) part["annotations"] = json::array();
    out["content"] = json::array({std::move(part)});
  } else if (content->is_array()) {
    json parts = json::array();
    for (std::size_t k = 0; k < content->size(); ++k) {
      auto part = normalizePart((*content)[k], at(cpath, k), assistant);
      if (!part) return part.error();
      parts.push_back(std::move(*part));
    }
    out["content"] = std::move(parts);
  } else {
    return invalidType(cpath, "one of a string or array of objects", *content);
  }
  return ok(std::move(out));
}

Result<json> normalizeFunctionCall(const json& item, const std::string& path) {
  for (const char* key : {"call_id", "name", "arguments"})
    if (auto s = stringField(item, key, path); !s) return s.error();
  json out = item;
  if (auto r = idAndStatus(out, item, path, "fc_"); !r) return r.error();
  return ok(std::move(out));
}

Result<json> normalizeFunctionCallOutput(const json& item, const std::string& path) {
  if (auto s = stringField(item, "call_id", path); !s) return s.error();
  const json* output = field(item, "output");
  std::string opath = at(path, "output");
  if (!output) return missing(opath);
  if (output->is_array()) {
    for (std::size_t k = 0; k < output->size(); ++k) {
      const json& part = (*output)[k];
      std::string ppath = at(opath, k);
      if (!part.is_object()) return invalidType(ppath, "an object", part);
      auto type = enumField(part, "type", ppath, kUserParts, true);
      if (!type) return type.error();
      if (**type != "input_text")
        return unsupported(at(ppath, "type"),
                           "Function call outputs of type '" + **type +
                               "' are not supported by this gateway's translation: chat tool "
                               "messages carry text only.");
      if (auto text = stringField(part, "text", ppath); !text) return text.error();
    }
  } else if (!output->is_string()) {
    return invalidType(opath, "one of a string or array of objects", *output);
  }
  json out = item;
  if (auto r = idAndStatus(out, item, path, "fco_"); !r) return r.error();
  return ok(std::move(out));
}

Result<json> normalizeReasoning(const json& item, const std::string& path) {
  if (auto r = checkType(item, "summary", path, &json::is_array, "an array"); !r) return r.error();
  json out = item;
  if (auto r = idAndStatus(out, item, path, "rs_", false); !r) return r.error();
  if (!field(item, "summary")) out["summary"] = json::array();
  return ok(std::move(out));
}

// The item's type: `type`, else "message" when it has a role, else "item_reference" when it has
// an id (OpenAI's EasyInputMessage and ItemReference may leave `type` out).
Result<std::string> itemType(const json& item, const std::string& path) {
  if (!item.is_object()) return invalidType(path, "an object", item);
  auto type = stringField(item, "type", path, false);
  if (!type) return type.error();
  if (*type) return **type;
  if (field(item, "role")) return std::string("message");
  if (field(item, "id")) return std::string("item_reference");
  return missing(at(path, "type"));
}

// The conversation as normalized items: the history, then this request's input.
class Conversation {
 public:
  Conversation(const json* history, const json* references)
      : history_(history), references_(references) {}

  Result<void> add(const json& item, const std::string& path, bool is_input) {
    auto type = itemType(item, path);
    if (!type) return type.error();
    if (*type != "item_reference") return addResolved(item, *type, path, is_input);
    auto id = stringField(item, "id", path);
    if (!id) return id.error();
    const json* target = find(**id);
    if (!target) {
      if ((*id)->starts_with("rs_")) return {};  // reasoning is dropped anyway
      return fail(path, "Item with id '" + **id + "' not found.");
    }
    auto target_type = itemType(*target, path);
    if (!target_type) return target_type.error();
    if (*target_type == "item_reference")
      return fail(path, "Item with id '" + **id + "' is itself an item_reference.");
    return addResolved(*target, *target_type, path, is_input);
  }

  // The chat messages, checking that every function_call_output answers an earlier
  // function_call and every function_call has an output.
  Result<void> toMessages(json& messages) const {
    std::unordered_map<std::string, std::size_t> unanswered;  // call_id -> item index
    std::unordered_set<std::string> calls;
    bool open_assistant = false;  // the last message is an assistant's, tool calls may join it
    for (std::size_t i = 0; i < items_.size(); ++i) {
      const json& item = items_[i];
      const std::string& type = item["type"].get_ref<const std::string&>();
      if (type == "reasoning") continue;
      if (type == "function_call") {
        const std::string& id = item["call_id"].get_ref<const std::string&>();
        if (calls.insert(id).second) unanswered.emplace(id, i);
        json call = {{"id", id},
                     {"type", "function"},
                     {"function", {{"name", item["name"]}, {"arguments", item["arguments"]}}}};
        if (!open_assistant) {
          messages.push_back({{"role", "assistant"}, {"content", nullptr}});
          open_assistant = true;
        }
        messages.back()["tool_calls"].push_back(std::move(call));
      } else if (type == "function_call_output") {
        const std::string& id = item["call_id"].get_ref<const std::string&>();
        if (!calls.contains(id))
          return fail(at(paths_[i], "call_id"),
                      "No tool call found for function call output with call_id " + id + ".");
        unanswered.erase(id);
        messages.push_back({{"role", "tool"}, {"tool_call_id", id}, {"content", outputText(item)}});
        open_assistant = false;
      } else {
        auto msg = chatMessage(item, paths_[i]);
        if (!msg) return msg.error();
        open_assistant = (*msg)["role"] == "assistant";
        messages.push_back(std::move(*msg));
      }
    }
    if (!unanswered.empty()) {
      auto first = std::min_element(unanswered.begin(), unanswered.end(),
                                    [](auto& a, auto& b) { return a.second < b.second; });
      return fail(paths_[first->second],
                  "No tool output found for function call " + first->first + ".");
    }
    return {};
  }

  json takeInputItems() { return std::move(input_items_); }

 private:
  Result<void> addResolved(const json& item, const std::string& type, const std::string& path,
                           bool is_input) {
    Result<json> norm = Error{};
    if (type == "message") {
      norm = normalizeMessage(item, path);
    } else if (type == "function_call") {
      norm = normalizeFunctionCall(item, path);
    } else if (type == "function_call_output") {
      norm = normalizeFunctionCallOutput(item, path);
    } else if (type == "reasoning") {
      norm = normalizeReasoning(item, path);
    } else {
      return unsupported(at(path, "type"),
                         "Input items of type '" + type +
                             "' are not supported by this gateway's translation: it takes "
                             "'message', 'function_call', 'function_call_output', 'reasoning' "
                             "and 'item_reference'.");
    }
    if (!norm) return norm.error();
    if (is_input) input_items_.push_back(*norm);
    items_.push_back(std::move(*norm));
    paths_.push_back(path);
    return {};
  }

  const json* find(const std::string& id) {
    if (!indexed_) {
      indexed_ = true;
      if (history_ && history_->is_array())
        for (const json& h : *history_)
          if (const json* hid = field(h, "id"); hid && hid->is_string())
            history_ids_.emplace(hid->get<std::string>(), &h);
    }
    if (auto it = history_ids_.find(id); it != history_ids_.end()) return it->second;
    return references_ ? field(*references_, id) : nullptr;
  }

  // A function_call_output's output as tool message content: the string, or the texts joined.
  static std::string outputText(const json& item) {
    const json& output = item["output"];
    if (output.is_string()) return output.get<std::string>();
    std::string text;
    for (std::size_t k = 0; k < output.size(); ++k) {
      if (k > 0) text += "\n";
      text += output[k]["text"].get<std::string>();
    }
    return text;
  }

  // A normalized message item -> a chat message.
  static Result<json> chatMessage(const json& item, const std::string& path) {
    const std::string& role = item["role"].get_ref<const std::string&>();
    const json& content = item["content"];
    std::string text;  // the texts joined, for system and assistant messages
    json parts = json::array();
    for (std::size_t k = 0; k < content.size(); ++k) {
      const json& part = content[k];
      const std::string& t = part["type"].get_ref<const std::string&>();
      bool is_text = t == "input_text" || t == "output_text" || t == "refusal";
      if (is_text) {
        const json& value = part[t == "refusal" ? "refusal" : "text"];
        if (k > 0) text += "\n";
        text += value.get_ref<const std::string&>();
        parts.push_back({{"type", "text"}, {"text", value}});
      } else if (role != "user") {
        return unsupported(at(at(at(path, "content"), k), "type"),
                           "'" + t + "' content in a " + role +
                               " message is not supported by this gateway's translation: chat " +
                               role + " messages carry text only.");
      } else if (t == "input_image") {
        std::string detail = part["detail"].get<std::string>();
        if (detail == "original") detail = "high";  // chat has no "original"
        parts.push_back({{"type", "image_url"},
                         {"image_url", {{"url", part["image_url"]}, {"detail", detail}}}});
      } else {  // input_file
        json file = {{"file_data", part["file_data"]}};
        if (const json* name = field(part, "filename")) file["filename"] = *name;
        parts.push_back({{"type", "file"}, {"file", std::move(file)}});
      }
    }
    if (role == "user") {
      bool one_text = parts.size() == 1 && parts[0]["type"] == "text";
      return ok({{"role", "user"},
                 {"content", one_text        ? std::move(parts[0]["text"])
                             : parts.empty() ? json("")
                                             : std::move(parts)}});
    }
    return ok({{"role", role == "assistant" ? "assistant" : "system"}, {"content", text}});
  }

  const json* history_;
  const json* references_;
  bool indexed_ = false;
  std::unordered_map<std::string, const json*> history_ids_;
  std::vector<json> items_;
  std::vector<std::string> paths_;
  json input_items_ = json::array();
};

}  // namespace

Result<ChatTranslation> toChatRequest(const json& request, const json* history,
                                      const json* references) {
  if (!request.is_object())
    return fail("", "The request body must be a JSON object.", "invalid_type");
  ChatTranslation out;
  json& chat = out.chat = json::object();

  auto model = stringField(request, "model", "");
  if (!model) return model.error();
  chat["model"] = **model;
  if (auto r = checkUnsent(request); !r) return r.error();

  json messages = json::array();
  auto instructions = stringField(request, "instructions", "", false);
  if (!instructions) return instructions.error();
  if (*instructions && !(*instructions)->empty())
    messages.push_back({{"role", "system"}, {"content", **instructions}});

  Conversation conv(history, references && references->is_object() ? references : nullptr);
  std::size_t history_size = 0;
  if (history && !history->is_null()) {
    if (!history->is_array()) return invalidType("history", "an array", *history);
    history_size = history->size();
    for (std::size_t i = 0; i < history->size(); ++i)
      if (auto r = conv.add((*history)[i], at(std::string("history"), i), false); !r)
        return r.error();
  }
  const json* input = field(request, "input");
  if (!input && history_size == 0) return missing("input");
  if (input && input->is_string()) {
    json item = {{"type", "message"}, {"role", "user"}, {"content", *input}};
    if (auto r = conv.add(item, "input", true); !r) return r.error();
  } else if (input && input->is_array()) {
    if (input->empty() && history_size == 0)
      return fail("input",
                  "Invalid 'input': empty array. Expected an array with minimum length 1, but got "
                  "an empty array instead.",
                  "empty_array");
    for (std::size_t i = 0; i < input->size(); ++i)
      if (auto r = conv.add((*input)[i], at(std::string("input"), i), true); !r) return r.error();
  } else if (input) {
    return invalidType("input", "one of a string or array of input items", *input);
  }
  if (auto r = conv.toMessages(messages); !r) return r.error();
  chat["messages"] = std::move(messages);
  out.input_items = conv.takeInputItems();

  if (const json* tools = field(request, "tools")) {
    auto t = translateTools(*tools);
    if (!t) return t.error();
    if (!t->empty()) chat["tools"] = std::move(*t);
  }
  if (const json* choice = field(request, "tool_choice")) {
    auto c = translateToolChoice(*choice);
    if (!c) return c.error();
    chat["tool_choice"] = std::move(*c);
  }
  if (const json* text = field(request, "text")) {
    if (auto r = translateText(*text, chat); !r) return r.error();
  }
  if (auto r = translateSettings(request, chat); !r) return r.error();
  for (std::string_view key : kCarriedControls) {
    if (auto it = request.find(key); it != request.end()) chat[std::string(key)] = *it;
  }
  return out;
}

std::vector<std::string> itemReferenceIds(const json& request) {
  std::vector<std::string> ids;
  const json* input = field(request, "input");
  if (!input || !input->is_array()) return ids;
  for (std::size_t i = 0; i < input->size(); ++i) {
    auto type = itemType((*input)[i], "input");
    if (!type || *type != "item_reference") continue;
    if (const json* id = field((*input)[i], "id"); id && id->is_string())
      ids.push_back(id->get<std::string>());
  }
  return ids;
}

}  // namespace switchyard::ingress::responses
