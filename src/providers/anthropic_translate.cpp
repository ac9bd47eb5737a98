#include "anthropic_translate.hpp"

#include "errors.hpp"
#include "switchyard/api/json_get.hpp"
#include "switchyard/api/json_guard.hpp"

namespace switchyard::providers::anthropic {
namespace {

using api::Error;
using api::ErrorKind;
using nlohmann::json;

// Result<json> cannot be built implicitly from a json (json converts from anything).
api::Result<json> ok(json j) {
  return api::Result<json>(boost::system::in_place_value, std::move(j));
}

Error invalid(std::string message, std::string param = {}) {
  Error e{ErrorKind::kInvalidRequest, std::move(message)};
  e.param = std::move(param);
  return e;
}

// A text block, or nothing for empty text (Anthropic refuses empty text blocks).
void addText(json& blocks, const std::string& text, const json* cache_control = nullptr) {
  if (text.empty()) return;
  json b = {{"type", "text"}, {"text", text}};
  if (cache_control && !cache_control->is_null()) b["cache_control"] = *cache_control;
  blocks.push_back(std::move(b));
}

// image_url part -> Anthropic image block: data: URLs become base64 sources, http(s) URLs url.
api::Result<json> imageBlock(const json& part) {
  const json* iu = nullptr;
  if (auto it = part.find("image_url"); it != part.end()) iu = &*it;
  std::string url;
  if (iu && iu->is_string()) url = iu->get<std::string>();
  if (iu && iu->is_object() && iu->contains("url") && (*iu)["url"].is_string()) url = (*iu)["url"];
  if (url.empty()) return invalid("image_url content part without a url", "messages");
  json block = {{"type", "image"}};
  if (url.rfind("data:", 0) == 0) {
    std::size_t semi = url.find(";base64,");
    if (semi == std::string::npos) {
      return invalid("image_url data URLs must be base64 encoded (data:<media type>;base64,...)",
                     "messages");
    }
    block["source"] = {{"type", "base64"},
                       {"media_type", url.substr(5, semi - 5)},
                       {"data", url.substr(semi + 8)}};
  } else if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) {
    block["source"] = {{"type", "url"}, {"url", url}};
  } else {
    return invalid("image_url must be an http(s) URL or a base64 data URL", "messages");
  }
  if (auto cc = part.find("cache_control"); cc != part.end() && !cc->is_null())
    block["cache_control"] = *cc;
  return ok(std::move(block));
}

// OpenAI message content (string, parts array or null) -> Anthropic blocks appended to `blocks`.
api::Result<void> contentBlocks(const json& content, json& blocks, bool allow_images) {
  if (content.is_null()) return {};
  if (content.is_string()) {
    addText(blocks, content.get<std::string>());
    return {};
  }
  if (!content.is_array())
    return invalid("message content must be a string or an array", "messages");
  for (const json& part : content) {
    if (part.is_string()) {
      addText(blocks, part.get<std::string>());
      continue;
    }
    if (!part.is_object()) return invalid("content parts must be objects", "messages");
    std::string type = api::stringOf(part, "type");
    const json* cc = part.contains("cache_control") ? &part["cache_control"] : nullptr;
    if (type == "text") {
      if (!part.contains("text") || !part["text"].is_string())
        return invalid("text content part without text", "messages");
      addText(blocks, part["text"].get<std::string>(), cc);
    } else if (type == "image_url" && allow_images) {
      auto b = imageBlock(part);
      if (!b) return b.error();
      blocks.push_back(std::move(*b));
    } else {
      return invalid("content part type '" + type + "' is not supported by anthropic models",
                     "messages");
    }
  }
  return {};
}

// Plain text of a content value (for system prompts and tool results given as parts).
struct Turn {
  std::string role;  // "user" or "assistant"
  json blocks = json::array();
};

void appendTurn(std::vector<Turn>& turns, std::string role, json blocks) {
  if (blocks.empty()) return;
  if (!turns.empty() && turns.back().role == role) {
    for (json& b : blocks) turns.back().blocks.push_back(std::move(b));
    return;
  }
  turns.push_back(Turn{std::move(role), std::move(blocks)});
}

bool isTrue(const json& v) { return v.is_boolean() && v.get<bool>(); }

// Keys translated or ignored below; anything else is an unsupported parameter.
bool unsupported(const std::string& key, const json& v) {
  if (v.is_null()) return false;
  if (key == "n") return !(v.is_number_integer() && v.get<std::int64_t>() == 1);
  if (key == "logprobs") return isTrue(v);
  if (key == "response_format") {
    return !(v.is_object() && api::stringOf(v, "type") == "text");
  }
  static constexpr std::string_view kIgnored[] = {"model",          "messages", "stream",
                                                  "stream_options", "store",    "service_tier"};
  static constexpr std::string_view kMapped[] = {
      "max_tokens", "max_completion_tokens", "temperature",         "top_p", "top_k",   "stop",
      "tools",      "tool_choice",           "parallel_tool_calls", "user",  "thinking"};
  for (auto k : kIgnored)
    if (k == key) return false;
  for (auto k : kMapped)
    if (k == key) return false;
  return true;
}

api::Result<json> toolChoice(const json& tc, const json& parallel) {
  json out;
  if (tc.is_string()) {
    std::string s = tc.get<std::string>();
    if (s == "auto")
      out = {{"type", "auto"}};
    else if (s == "required" || s == "any")
      out = {{"type", "any"}};
    else if (s == "none")
      out = {{"type", "none"}};
    else
      return invalid("tool_choice '" + s + "' is not supported", "tool_choice");
  } else if (tc.is_object()) {
    std::string name;
    if (tc.contains("function") && tc["function"].is_object())
      name = api::stringOf(tc["function"], "name");
    if (name.empty()) name = api::stringOf(tc, "name");
    if (name.empty()) return invalid("tool_choice names no function", "tool_choice");
    out = {{"type", "tool"}, {"name", name}};
  } else if (!tc.is_null()) {
    return invalid("tool_choice must be a string or an object", "tool_choice");
  }
  if (parallel.is_boolean() && !parallel.get<bool>()) {
    if (out.is_null()) out = {{"type", "auto"}};
    if (out["type"] != "none") out["disable_parallel_tool_use"] = true;
  }
  return ok(std::move(out));
}

api::Result<json> translateTools(const json& tools) {
  if (!tools.is_array()) return invalid("tools must be an array", "tools");
  json out = json::array();
  for (const json& t : tools) {
    if (!t.is_object() || api::stringOf(t, "type", "function") != "function" ||
        !t.contains("function") || !t["function"].is_object()) {
      return invalid("only function tools are supported by anthropic models", "tools");
    }
    const json& f = t["function"];
    if (!f.contains("name") || !f["name"].is_string())
      return invalid("a function tool has no name", "tools");
    json tool = {{"name", f["name"]}};
    if (f.contains("description") && f["description"].is_string())
      tool["description"] = f["description"];
    json schema = api::memberOf(f, "parameters");
    if (!schema.is_object()) schema = {{"type", "object"}, {"properties", json::object()}};
    tool["input_schema"] = std::move(schema);
    if (auto cc = t.find("cache_control"); cc != t.end() && !cc->is_null())
      tool["cache_control"] = *cc;
    out.push_back(std::move(tool));
  }
  return ok(std::move(out));
}

std::uint64_t u64(const json& obj, const char* key) {
  if (!obj.is_object()) return 0;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) return 0;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_number_integer()) {
    auto v = it->get<std::int64_t>();
    return v > 0 ? static_cast<std::uint64_t>(v) : 0;
  }
  return 0;
}

}  // namespace

api::Result<json> toMessagesRequest(const json& chat, std::string_view model, bool drop_params) {
  if (!chat.is_object()) return invalid("the request body must be a JSON object");
  for (const auto& [key, value] : chat.items()) {
    if (!drop_params && unsupported(key, value)) {
      return invalid("anthropic does not support parameter '" + key +
                         "'. To drop it instead, set litellm_settings.drop_params: true.",
                     key);
    }
  }
  json out = json::object();
  out["model"] = model;

  // Messages
  auto msgs = chat.find("messages");
  if (msgs == chat.end() || !msgs->is_array() || msgs->empty())
    return invalid("'messages' must be a non-empty array", "messages");
  json system = json::array();
  std::vector<Turn> turns;
  for (const json& m : *msgs) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string())
      return invalid("each message needs a string 'role'", "messages");
    const std::string role = m["role"];
    const json content = api::memberOf(m, "content");
    if (role == "system" || role == "developer") {
      auto r = contentBlocks(content, system, /*allow_images=*/false);
      if (!r) return r.error();
    } else if (role == "user") {
      json blocks = json::array();
      auto r = contentBlocks(content, blocks, true);
      if (!r) return r.error();
      appendTurn(turns, "user", std::move(blocks));
    } else if (role == "assistant") {
      json blocks = json::array();
      auto r = contentBlocks(content, blocks, false);
      if (!r) return r.error();
      if (auto tc = m.find("tool_calls"); tc != m.end() && tc->is_array()) {
        for (const json& call : *tc) {
          if (!call.is_object() || !call.contains("function") || !call["function"].is_object())
            return invalid("assistant tool_calls entries need a function", "messages");
          const json& f = call["function"];
          std::string args = api::stringOf(f, "arguments");
          json input = json::object();
          if (args.find_first_not_of(" \t\r\n") != std::string::npos) {
            input = json::parse(args, nullptr, false);
            if (!input.is_object())
              return invalid("tool call arguments must be a JSON object", "messages");
          }
          blocks.push_back({{"type", "tool_use"},
                            {"id", api::stringOf(call, "id")},
                            {"name", api::stringOf(f, "name")},
                            {"input", std::move(input)}});
        }
      }
      appendTurn(turns, "assistant", std::move(blocks));
    } else if (role == "tool") {
      json result = {{"type", "tool_result"}, {"tool_use_id", api::stringOf(m, "tool_call_id")}};
      if (content.is_string()) {
        result["content"] = content;
      } else {
        json blocks = json::array();
        auto r = contentBlocks(content, blocks, true);
        if (!r) return r.error();
        result["content"] = std::move(blocks);
      }
      appendTurn(turns, "user", json::array({std::move(result)}));
    } else {
      return invalid("message role '" + role + "' is not supported by anthropic models",
                     "messages");
    }
  }
  if (system.size() == 1 && !system[0].contains("cache_control")) {
    out["system"] = system[0]["text"];
  } else if (!system.empty()) {
    out["system"] = std::move(system);
  }
  json messages = json::array();
  for (Turn& t : turns) {
    json c = std::move(t.blocks);
    // One plain text block: the string form, as Anthropic's own examples write it.
    if (c.size() == 1 && c[0].size() == 2 && c[0]["type"] == "text") c = c[0]["text"];
    messages.push_back({{"role", t.role}, {"content", std::move(c)}});
  }
  if (messages.empty()) return invalid("the request has no user or assistant message", "messages");
  out["messages"] = std::move(messages);

  // max_tokens is required by Anthropic.
  std::uint64_t max_tokens = kDefaultMaxTokens;
  for (const char* k : {"max_tokens", "max_completion_tokens"}) {
    auto it = chat.find(k);
    if (it == chat.end() || it->is_null()) continue;
    if (!it->is_number_integer() || it->get<std::int64_t>() < 1)
      return invalid(std::string("'") + k + "' must be a positive integer", k);
    max_tokens = it->get<std::uint64_t>();
  }
  out["max_tokens"] = max_tokens;

  for (const char* k : {"temperature", "top_p", "top_k"}) {
    auto it = chat.find(k);
    if (it != chat.end() && !it->is_null()) out[k] = *it;
  }
  if (auto it = chat.find("stop"); it != chat.end() && !it->is_null()) {
    if (it->is_string()) {
      out["stop_sequences"] = json::array({*it});
    } else if (it->is_array()) {
      out["stop_sequences"] = *it;
    } else {
      return invalid("'stop' must be a string or an array of strings", "stop");
    }
  }
  if (auto it = chat.find("tools"); it != chat.end() && !it->is_null()) {
    auto tools = translateTools(*it);
    if (!tools) return tools.error();
    if (!tools->empty()) out["tools"] = std::move(*tools);
  }
  {
    auto tc = chat.find("tool_choice");
    auto par = chat.find("parallel_tool_calls");
    auto choice = toolChoice(tc == chat.end() ? json() : *tc, par == chat.end() ? json() : *par);
    if (!choice) return choice.error();
    // tool_choice only means something alongside tools.
    if (!choice->is_null() && out.contains("tools")) out["tool_choice"] = std::move(*choice);
  }
  if (auto it = chat.find("user"); it != chat.end() && it->is_string())
    out["metadata"] = {{"user_id", *it}};
  if (auto it = chat.find("thinking"); it != chat.end() && !it->is_null()) out["thinking"] = *it;
  if (isTrue(api::memberOf(chat, "stream"))) out["stream"] = true;
  return ok(std::move(out));
}

json openAiUsage(const json& u) {
  const std::uint64_t input = u64(u, "input_tokens"), output = u64(u, "output_tokens");
  const std::uint64_t cache_read = u64(u, "cache_read_input_tokens");
  const std::uint64_t cache_write = u64(u, "cache_creation_input_tokens");
  const std::uint64_t prompt = input + cache_read + cache_write;
  return json{{"prompt_tokens", prompt},
              {"completion_tokens", output},
              {"total_tokens", prompt + output},
              {"prompt_tokens_details", {{"cached_tokens", cache_read}}},
              {"cache_creation_input_tokens", cache_write},
              {"cache_read_input_tokens", cache_read}};
}

api::Usage replyUsage(const json& openai_usage) {
  api::Usage u;
  u.prompt_tokens = u64(openai_usage, "prompt_tokens");
  u.completion_tokens = u64(openai_usage, "completion_tokens");
  u.cached_tokens = u64(openai_usage, "cache_read_input_tokens");
  u.cache_creation_tokens = u64(openai_usage, "cache_creation_input_tokens");
  // Anthropic counts thinking in output_tokens without a separate figure: reasoning_tokens 0.
  return u;
}

std::string finishReason(std::string_view r) {
  if (r == "max_tokens") return "length";
  if (r == "tool_use") return "tool_calls";
  if (r == "refusal") return "content_filter";
  return "stop";
}

api::Result<json> toChatCompletion(const json& msg, std::int64_t created) {
  if (!msg.is_object() || api::stringOf(msg, "type") != "message" || !msg.contains("content") ||
      !msg["content"].is_array()) {
    return Error{ErrorKind::kUpstreamError, "The provider sent an invalid response.",
                 "anthropic answered 2xx with a body that is not a Messages response"};
  }
  std::string text, reasoning;
  bool has_text = false;
  json tool_calls = json::array();
  for (const json& b : msg["content"]) {
    if (!b.is_object()) continue;
    std::string type = api::stringOf(b, "type");
    if (type == "text") {
      text += api::stringOf(b, "text");
      has_text = true;
    } else if (type == "thinking") {
      reasoning += api::stringOf(b, "thinking");
    } else if (type == "tool_use") {
      tool_calls.push_back(
          {{"id", api::stringOf(b, "id")},
           {"type", "function"},
           {"function",
            {{"name", api::stringOf(b, "name")},
             {"arguments", api::dumpJson(b.contains("input") ? b["input"] : json::object())}}}});
    }
  }
  json message = {{"role", "assistant"},
                  {"content", has_text || tool_calls.empty() ? json(text) : json()}};
  if (!tool_calls.empty()) message["tool_calls"] = std::move(tool_calls);
  if (!reasoning.empty()) message["reasoning_content"] = reasoning;
  std::string stop_reason = msg.contains("stop_reason") && msg["stop_reason"].is_string()
                                ? msg["stop_reason"].get<std::string>()
                                : "";
  return ok(json{{"id", api::stringOf(msg, "id")},
                 {"object", "chat.completion"},
                 {"created", created},
                 {"model", api::stringOf(msg, "model")},
                 {"choices", json::array({{{"index", 0},
                                           {"message", std::move(message)},
                                           {"logprobs", nullptr},
                                           {"finish_reason", finishReason(stop_reason)}}})},
                 {"usage", openAiUsage(api::objectOf(msg, "usage"))}});
}

unsigned statusForErrorType(std::string_view type) {
  if (type == "invalid_request_error") return 400;
  if (type == "authentication_error") return 401;
  if (type == "billing_error") return 402;
  if (type == "permission_error") return 403;
  if (type == "not_found_error") return 404;
  if (type == "request_too_large") return 413;
  if (type == "rate_limit_error") return 429;
  if (type == "timeout_error") return 504;
  if (type == "overloaded_error") return 529;
  return 500;  // api_error and anything new
}

Error mapAnthropicError(unsigned status, std::string_view body, std::string_view retry_after,
                        std::string_view secret) {
  static constexpr std::string_view kContextPhrases[] = {"prompt is too long",
                                                         "exceed context limit", "context window"};
  static constexpr ErrorDialect kAnthropic{"anthropic", 529, kContextPhrases,
                                           /*type_is_code=*/true};
  UpstreamFailure f{status, {}, {}, {}, {}, retry_after};
  auto parsed = json::parse(body, nullptr, false);
  if (parsed.is_object()) {
    const json* err = &parsed;
    if (auto it = parsed.find("error"); it != parsed.end() && it->is_object()) err = &*it;
    if (auto m = err->find("message"); m != err->end() && m->is_string()) f.message = *m;
    if (auto t = err->find("type"); t != err->end() && t->is_string()) f.type = *t;
  }
  return mapUpstreamError(std::move(f), kAnthropic, secret);
}

// ---------------------------------------------------------------------------------------------
// StreamTranslator

json StreamTranslator::chunk(json delta, json finish_reason) const {
  return json{{"id", id_},
              {"object", "chat.completion.chunk"},
              {"created", created_},
              {"model", model_},
              {"choices", json::array({{{"index", 0},
                                        {"delta", std::move(delta)},
                                        {"logprobs", nullptr},
                                        {"finish_reason", std::move(finish_reason)}}})}};
}

void StreamTranslator::emit(const json& j, std::string& out) const {
  out += "data: ";
  out += api::dumpJson(j);
  out += "\n\n";
}

api::Result<void> StreamTranslator::onEvent(std::string_view data, std::string& out) {
  json ev = json::parse(data, nullptr, false);
  if (!ev.is_object()) {
    return Error{ErrorKind::kUpstreamError, "The provider sent an invalid stream.",
                 "anthropic stream event is not a JSON object"};
  }
  const std::string type = api::stringOf(ev, "type");
  if (type == "error") {
    const json& err = api::memberOf(ev, "error");
    std::string etype = err.is_object() ? api::stringOf(err, "type") : "";
    Error e = mapAnthropicError(statusForErrorType(etype), data, "", secret_);
    e.detail += " (error event inside a 200 stream)";
    return e;
  }
  if (type == "message_start") {
    const json& m = api::objectOf(ev, "message");
    if (m.contains("id") && m["id"].is_string()) id_ = m["id"];
    if (m.contains("model") && m["model"].is_string()) model_ = m["model"];
    if (m.contains("usage") && m["usage"].is_object()) anthropic_usage_ = m["usage"];
    usage_ = openAiUsage(anthropic_usage_);
    if (!started_) emit(chunk({{"role", "assistant"}, {"content", ""}}, nullptr), out);
    started_ = true;
    return {};
  }
  if (!started_ &&
      (type == "content_block_start" || type == "content_block_delta" || type == "message_delta")) {
    // Tolerate a stream without message_start: open it on the first real event.
    emit(chunk({{"role", "assistant"}, {"content", ""}}, nullptr), out);
    started_ = true;
  }
  const int index =
      ev.contains("index") && ev["index"].is_number_integer() ? ev["index"].get<int>() : -1;
  if (type == "content_block_start") {
    const json& b = api::objectOf(ev, "content_block");
    std::string btype = api::stringOf(b, "type");
    if (index >= 0 && static_cast<std::size_t>(index) >= tool_index_.size())
      tool_index_.resize(static_cast<std::size_t>(index) + 1, -1);
    if (btype == "tool_use") {
      int ordinal = tools_++;
      if (index >= 0) tool_index_[static_cast<std::size_t>(index)] = ordinal;
      emit(chunk({{"tool_calls",
                   json::array(
                       {{{"index", ordinal},
                         {"id", api::stringOf(b, "id")},
                         {"type", "function"},
                         {"function", {{"name", api::stringOf(b, "name")}, {"arguments", ""}}}}})}},
                 nullptr),
           out);
      committed_ = true;
    } else if (btype == "text") {
      std::string text = api::stringOf(b, "text");
      if (!text.empty()) {
        emit(chunk({{"content", text}}, nullptr), out);
        committed_ = true;
      }
    }
    return {};
  }
  if (type == "content_block_delta") {
    const json& d = api::objectOf(ev, "delta");
    std::string dtype = api::stringOf(d, "type");
    if (dtype == "text_delta") {
      std::string text = api::stringOf(d, "text");
      if (text.empty()) return {};
      emit(chunk({{"content", text}}, nullptr), out);
      committed_ = true;
    } else if (dtype == "input_json_delta") {
      std::string partial = api::stringOf(d, "partial_json");
      int ordinal = index >= 0 && static_cast<std::size_t>(index) < tool_index_.size()
                        ? tool_index_[static_cast<std::size_t>(index)]
                        : -1;
      if (ordinal < 0 || partial.empty()) return {};
      emit(chunk({{"tool_calls",
                   json::array({{{"index", ordinal}, {"function", {{"arguments", partial}}}}})}},
                 nullptr),
           out);
      committed_ = true;
    } else if (dtype == "thinking_delta") {
      std::string text = api::stringOf(d, "thinking");
      if (text.empty()) return {};
      emit(chunk({{"reasoning_content", text}}, nullptr), out);
      committed_ = true;
    }
    return {};  // signature_delta and new delta types carry nothing OpenAI clients read
  }
  if (type == "message_delta") {
    if (auto u = ev.find("usage"); u != ev.end() && u->is_object()) {
      for (const auto& [k, v] : u->items())
        if (v.is_number()) anthropic_usage_[k] = v;  // cumulative counts
      usage_ = openAiUsage(anthropic_usage_);
    }
    std::string stop_reason;
    if (auto d = ev.find("delta"); d != ev.end() && d->is_object() && d->contains("stop_reason") &&
                                   (*d)["stop_reason"].is_string()) {
      stop_reason = (*d)["stop_reason"];
    }
    if (!stop_reason.empty() && !finish_sent_) {
      emit(chunk(json::object(), finishReason(stop_reason)), out);
      finish_sent_ = true;
      committed_ = true;
    }
    return {};
  }
  if (type == "message_stop") {
    if (!started_) {
      emit(chunk({{"role", "assistant"}, {"content", ""}}, nullptr), out);
      started_ = true;
    }
    if (!finish_sent_) {
      emit(chunk(json::object(), "stop"), out);
      finish_sent_ = true;
    }
    if (include_usage_) {
      json u = chunk(json::object(), nullptr);
      u["choices"] = json::array();
      u["usage"] = usage_.is_null() ? openAiUsage(anthropic_usage_) : usage_;
      emit(u, out);
    }
    out += "data: [DONE]\n\n";
    committed_ = true;
    finished_ = true;
    return {};
  }
  return {};  // ping, content_block_stop, and event types added later
}

}  // namespace switchyard::providers::anthropic
