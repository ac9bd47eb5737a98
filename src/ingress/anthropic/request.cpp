// POST /v1/messages, request side: Anthropic Messages request -> OpenAI chat request, and the
// count_tokens estimate. Shapes follow Anthropic's Messages API reference.

#include "switchyard/ingress/anthropic/request.hpp"

#include "common.hpp"
#include "switchyard/api/usage.hpp"

namespace switchyard::ingress::anthropic {
namespace {

// The gateway's request-level controls, carried over into the translated request (the parse
// filter removes them before the provider sees the body). Anthropic's own `metadata` is not one.
constexpr std::string_view kCarriedControls[] = {"fallbacks", "models", "disable_fallbacks",
                                                 "cache", "mock_response"};

Result<std::string> sourceUrl(const json& block, const std::string& path) {
  const json* source = field(block, "source");
  if (!source) return bad(at(path, "source"), "Field required");
  if (!source->is_object()) return bad(at(path, "source"), "Input should be an object");
  std::string spath = at(path, "source");
  auto type = requiredString(*source, "type", spath);
  if (!type) return type.error();
  if (*type == "base64") {
    auto media = requiredString(*source, "media_type", spath);
    if (!media) return media.error();
    auto data = requiredString(*source, "data", spath);
    if (!data) return data.error();
    return "data:" + *media + ";base64," + *data;
  }
  if (*type == "url") return requiredString(*source, "url", spath);
  return bad(at(spath, "type"), "source type '" + *type + "' is not supported by this gateway");
}

// Text of a tool_result's content: a string, or its text blocks joined by newlines.
Result<std::string> toolResultText(const json& block, const std::string& path) {
  const json* content = field(block, "content");
  if (!content) return std::string();
  if (content->is_string()) return content->get<std::string>();
  if (!content->is_array())
    return bad(at(path, "content"), "Input should be a valid string or list");
  std::string text;
  for (std::size_t k = 0; k < content->size(); ++k) {
    const json& part = (*content)[k];
    std::string ppath = at(at(path, "content"), k);
    if (!part.is_object()) return bad(ppath, "Input should be an object");
    auto type = requiredString(part, "type", ppath);
    if (!type) return type.error();
    if (*type != "text") continue;  // images in tool results have no OpenAI tool-message form
    auto t = requiredString(part, "text", ppath);
    if (!t) return t.error();
    if (!text.empty()) text += "\n";
    text += *t;
  }
  return text;
}

// Appends the OpenAI messages for one Anthropic user turn: its tool_result blocks become `tool`
// messages (first, as OpenAI wants them right after the assistant's tool_calls), the rest one
// user message.
Result<void> userTurn(const json& content, const std::string& path, json& out) {
  if (content.is_string()) {
    out.push_back({{"role", "user"}, {"content", content}});
    return {};
  }
  json parts = json::array();
  bool all_text = true;
  for (std::size_t j = 0; j < content.size(); ++j) {
    const json& block = content[j];
    std::string bpath = at(path, j);
    if (!block.is_object()) return bad(bpath, "Input should be an object");
    auto type = requiredString(block, "type", bpath);
    if (!type) return type.error();
    if (*type == "text") {
      auto text = requiredString(block, "text", bpath);
      if (!text) return text.error();
      parts.push_back({{"type", "text"}, {"text", std::move(*text)}});
    } else if (*type == "image") {
      auto url = sourceUrl(block, bpath);
      if (!url) return url.error();
      parts.push_back({{"type", "image_url"}, {"image_url", {{"url", std::move(*url)}}}});
      all_text = false;
    } else if (*type == "document") {
      const json* source = field(block, "source");
      if (source && source->is_object() && stringAt(*source, "type") == "text") {
        auto data = requiredString(*source, "data", at(bpath, "source"));
        if (!data) return data.error();
        parts.push_back({{"type", "text"}, {"text", std::move(*data)}});
      } else {
        auto url = sourceUrl(block, bpath);
        if (!url) return url.error();
        if (!url->starts_with("data:")) {
          return bad(at(at(bpath, "source"), "type"), "document sources must be base64 or text");
        }
        parts.push_back({{"type", "file"}, {"file", {{"file_data", std::move(*url)}}}});
        all_text = false;
      }
    } else if (*type == "tool_result") {
      auto id = requiredString(block, "tool_use_id", bpath);
      if (!id) return id.error();
      auto text = toolResultText(block, bpath);
      if (!text) return text.error();
      out.push_back(
          {{"role", "tool"}, {"tool_call_id", std::move(*id)}, {"content", std::move(*text)}});
    } else if (*type == "thinking" || *type == "redacted_thinking") {
      continue;
    } else {
      return bad(at(bpath, "type"),
                 "content block type '" + *type + "' is not supported in a user message");
    }
  }
  if (parts.empty()) return {};
  if (all_text && parts.size() == 1) {
    out.push_back({{"role", "user"}, {"content", std::move(parts[0]["text"])}});
  } else {
    out.push_back({{"role", "user"}, {"content", std::move(parts)}});
  }
  return {};
}

// One Anthropic assistant turn: text blocks become `content`, tool_use blocks `tool_calls`.
Result<void> assistantTurn(const json& content, const std::string& path, json& out) {
  if (content.is_string()) {
    out.push_back({{"role", "assistant"}, {"content", content}});
    return {};
  }
  std::string text;
  bool has_text = false;
  json tool_calls = json::array();
  for (std::size_t j = 0; j < content.size(); ++j) {
    const json& block = content[j];
    std::string bpath = at(path, j);
    if (!block.is_object()) return bad(bpath, "Input should be an object");
    auto type = requiredString(block, "type", bpath);
    if (!type) return type.error();
    if (*type == "text") {
      auto t = requiredString(block, "text", bpath);
      if (!t) return t.error();
      if (has_text) text += "\n";
      text += *t;
      has_text = true;
    } else if (*type == "tool_use") {
      auto id = requiredString(block, "id", bpath);
      if (!id) return id.error();
      auto name = requiredString(block, "name", bpath);
      if (!name) return name.error();
      const json* input = field(block, "input");
      if (input && !input->is_object()) return bad(at(bpath, "input"), "Input should be an object");
      tool_calls.push_back(
          {{"id", std::move(*id)},
           {"type", "function"},
           {"function",
            {{"name", std::move(*name)}, {"arguments", input ? dumpJson(*input) : "{}"}}}});
    } else if (*type == "thinking" || *type == "redacted_thinking") {
      continue;
    } else {
      return bad(at(bpath, "type"),
                 "content block type '" + *type + "' is not supported in an assistant message");
    }
  }
  json msg = {{"role", "assistant"}};
  if (has_text)
    msg["content"] = std::move(text);
  else
    msg["content"] = tool_calls.empty() ? json("") : json(nullptr);
  if (!tool_calls.empty()) msg["tool_calls"] = std::move(tool_calls);
  out.push_back(std::move(msg));
  return {};
}

Result<json> systemMessage(const json& system) {
  if (system.is_string()) return ok({{"role", "system"}, {"content", system}});
  if (!system.is_array()) return bad("system", "Input should be a valid string or list");
  std::string text;
  for (std::size_t i = 0; i < system.size(); ++i) {
    const json& block = system[i];
    std::string path = at(std::string("system"), i);
    if (!block.is_object()) return bad(path, "Input should be an object");
    auto type = requiredString(block, "type", path);
    if (!type) return type.error();
    if (*type != "text") return bad(at(path, "type"), "Input should be 'text'");
    auto t = requiredString(block, "text", path);
    if (!t) return t.error();
    if (i > 0) text += "\n";
    text += *t;
  }
  return ok({{"role", "system"}, {"content", std::move(text)}});
}

Result<json> translateTools(const json& tools) {
  if (!tools.is_array()) return bad("tools", "Input should be a valid list");
  json out = json::array();
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const json& tool = tools[i];
    std::string path = at(std::string("tools"), i);
    if (!tool.is_object()) return bad(path, "Input should be an object");
    if (const json* type = field(tool, "type"); type && !(type->is_string() && *type == "custom")) {
      std::string t = type->is_string() ? type->get<std::string>() : type->dump();
      return bad(
          at(path, "type"),
          "tool type '" + t + "' (an Anthropic server tool) is not supported by this gateway");
    }
    auto name = requiredString(tool, "name", path);
    if (!name) return name.error();
    const json* schema = field(tool, "input_schema");
    if (!schema) return bad(at(path, "input_schema"), "Field required");
    if (!schema->is_object()) return bad(at(path, "input_schema"), "Input should be an object");
    json fn = {{"name", std::move(*name)}};
    if (const json* d = field(tool, "description"); d && d->is_string()) fn["description"] = *d;
    fn["parameters"] = *schema;
    out.push_back({{"type", "function"}, {"function", std::move(fn)}});
  }
  return ok(std::move(out));
}

Result<void> translateToolChoice(const json& choice, json& out) {
  if (!choice.is_object()) return bad("tool_choice", "Input should be an object");
  auto type = requiredString(choice, "type", "tool_choice");
  if (!type) return type.error();
  if (*type == "auto") {
    out["tool_choice"] = "auto";
  } else if (*type == "any") {
    out["tool_choice"] = "required";
  } else if (*type == "none") {
    out["tool_choice"] = "none";
  } else if (*type == "tool") {
    auto name = requiredString(choice, "name", "tool_choice");
    if (!name) return name.error();
    out["tool_choice"] = {{"type", "function"}, {"function", {{"name", std::move(*name)}}}};
  } else {
    return bad("tool_choice.type", "Input should be 'auto', 'any', 'tool' or 'none'");
  }
  if (const json* d = field(choice, "disable_parallel_tool_use");
      d && d->is_boolean() && d->get<bool>() && out.contains("tools")) {
    out["parallel_tool_calls"] = false;
  }
  return {};
}

}  // namespace

Result<json> toOpenAiRequest(const json& req) {
  if (!req.is_object()) return bad("", "The request body must be a JSON object.");
  json out = json::object();

  const json* model = field(req, "model");
  if (!model) return bad("model", "Field required");
  if (!model->is_string() || model->get_ref<const std::string&>().empty())
    return bad("model", "Input should be a valid string");
  out["model"] = *model;

  const json* max_tokens = field(req, "max_tokens");
  if (!max_tokens) return bad("max_tokens", "Field required");
  if (!max_tokens->is_number_integer()) return bad("max_tokens", "Input should be a valid integer");
  if (max_tokens->get<std::int64_t>() < 1)
    return bad("max_tokens", "Input should be greater than or equal to 1");
  out["max_tokens"] = *max_tokens;

  json messages = json::array();
  if (const json* system = field(req, "system")) {
    auto sys = systemMessage(*system);
    if (!sys) return sys.error();
    if (!(*sys)["content"].get_ref<const std::string&>().empty())
      messages.push_back(std::move(*sys));
  }
  const json* turns = field(req, "messages");
  if (!turns) return bad("messages", "Field required");
  if (!turns->is_array()) return bad("messages", "Input should be a valid list");
  if (turns->empty()) return bad("messages", "at least one message is required");
  for (std::size_t i = 0; i < turns->size(); ++i) {
    const json& turn = (*turns)[i];
    std::string path = at(std::string("messages"), i);
    if (!turn.is_object()) return bad(path, "Input should be an object");
    auto role = requiredString(turn, "role", path);
    if (!role) return role.error();
    if (*role != "user" && *role != "assistant") {
      return bad(at(path, "role"),
                 *role == "system"
                     ? "Unexpected role \"system\". The Messages API accepts a top-level `system` "
                       "parameter, not \"system\" as an input message role."
                     : "Input should be 'user' or 'assistant'");
    }
    const json* content = field(turn, "content");
    if (!content) return bad(at(path, "content"), "Field required");
    if (!content->is_string() && !content->is_array())
      return bad(at(path, "content"), "Input should be a valid string or list");
    auto r = *role == "user" ? userTurn(*content, at(path, "content"), messages)
                             : assistantTurn(*content, at(path, "content"), messages);
    if (!r) return r.error();
  }
  out["messages"] = std::move(messages);

  if (const json* tools = field(req, "tools")) {
    auto t = translateTools(*tools);
    if (!t) return t.error();
    if (!t->empty()) out["tools"] = std::move(*t);
  }
  if (const json* choice = field(req, "tool_choice")) {
    auto r = translateToolChoice(*choice, out);
    if (!r) return r.error();
  }
  if (const json* stops = field(req, "stop_sequences")) {
    if (!stops->is_array()) return bad("stop_sequences", "Input should be a valid list");
    for (std::size_t i = 0; i < stops->size(); ++i)
      if (!(*stops)[i].is_string())
        return bad(at(std::string("stop_sequences"), i), "Input should be a valid string");
    if (!stops->empty()) out["stop"] = *stops;
  }
  if (const json* t = field(req, "temperature")) {
    if (!t->is_number()) return bad("temperature", "Input should be a valid number");
    double v = t->get<double>();
    if (v < 0) return bad("temperature", "Input should be greater than or equal to 0");
    if (v > 1) return bad("temperature", "Input should be less than or equal to 1");
    out["temperature"] = *t;
  }
  if (const json* p = field(req, "top_p")) {
    if (!p->is_number()) return bad("top_p", "Input should be a valid number");
    out["top_p"] = *p;
  }
  if (const json* k = field(req, "top_k"); k && !k->is_number_integer())
    return bad("top_k",
               "Input should be a valid integer");  // valid, then dropped: OpenAI has no top_k
  if (const json* s = field(req, "stream")) {
    if (!s->is_boolean()) return bad("stream", "Input should be a valid boolean");
    out["stream"] = *s;
    if (s->get<bool>()) out["stream_options"] = {{"include_usage", true}};
  }
  if (const json* meta = field(req, "metadata")) {
    if (!meta->is_object()) return bad("metadata", "Input should be an object");
    if (const json* user = field(*meta, "user_id"); user && user->is_string()) out["user"] = *user;
  }
  for (std::string_view key : kCarriedControls) {
    if (auto it = req.find(key); it != req.end()) out[std::string(key)] = *it;
  }
  return ok(std::move(out));
}

Result<json> countTokens(const json& request) {
  if (!request.is_object()) return bad("", "The request body must be a JSON object.");
  json req = request;
  if (!req.contains("max_tokens")) req["max_tokens"] = 1;
  req.erase("stream");
  auto translated = toOpenAiRequest(req);
  if (!translated) return translated.error();
  return ok({{"input_tokens", api::estimatePromptTokens(api::Body::fromJson(std::move(*translated)))}});
}

}  // namespace switchyard::ingress::anthropic
