// POST /v1/messages: Anthropic Messages <-> OpenAI chat translation (see anthropic_ingress.hpp).
// Shapes follow Anthropic's Messages API and streaming references.

#include "switchyard/api/anthropic_ingress.hpp"

#include <algorithm>
#include <boost/asio/awaitable.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "switchyard/api/ids.hpp"
#include "switchyard/api/json_guard.hpp"

namespace switchyard::api::anthropic {
namespace {

using nlohmann::json;

// The gateway's request-level controls, carried over into the translated request (the parse
// filter removes them before the provider sees the body). Anthropic's own `metadata` is not one.
constexpr std::string_view kCarriedControls[] = {"fallbacks", "models", "disable_fallbacks",
                                                 "cache", "mock_response"};

Result<json> ok(json j) { return Result<json>(boost::system::in_place_value, std::move(j)); }

// obj[key] when it is a string, else `fallback`. Never throws (json::value() does on a wrong type).
std::string stringAt(const json& obj, std::string_view key, std::string fallback = {}) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : fallback;
}

Error bad(const std::string& path, std::string_view what) {
  std::string message = path.empty() ? std::string(what) : path + ": " + std::string(what);
  return Error{ErrorKind::kInvalidRequest, std::move(message), "", 0, "invalid_request", path};
}

std::string at(const std::string& base, std::size_t i) { return base + "." + std::to_string(i); }
std::string at(const std::string& base, std::string_view key) {
  return base + "." + std::string(key);
}

const json* field(const json& obj, std::string_view key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

// A required string field of `obj` (at `path`).
Result<std::string> requiredString(const json& obj, std::string_view key, const std::string& path) {
  const json* v = field(obj, key);
  if (!v) return bad(at(path, key), "Field required");
  if (!v->is_string()) return bad(at(path, key), "Input should be a valid string");
  return v->get<std::string>();
}

std::string compactId() {
  std::string id = newUuid();
  id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
  return id;
}

// A data: URL or URL for an image/document `source` block.
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

std::uint64_t uintAt(const json& obj, std::string_view key) {
  if (!obj.is_object()) return 0;
  auto it = obj.find(key);
  if (it == obj.end()) return 0;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_number_integer()) return std::max<std::int64_t>(0, it->get<std::int64_t>());
  if (it->is_number_float()) return static_cast<std::uint64_t>(std::max(0.0, it->get<double>()));
  return 0;
}

// OpenAI usage -> Anthropic usage. Anthropic's input_tokens excludes cache reads and writes;
// OpenAI's prompt_tokens includes them.
json anthropicUsage(const json& usage) {
  std::uint64_t prompt = uintAt(usage, "prompt_tokens");
  std::uint64_t completion = uintAt(usage, "completion_tokens");
  std::uint64_t cached = uintAt(usage, "cache_read_input_tokens");
  if (usage.is_object()) {
    if (auto d = usage.find("prompt_tokens_details"); d != usage.end() && cached == 0)
      cached = uintAt(*d, "cached_tokens");
  }
  std::uint64_t created = uintAt(usage, "cache_creation_input_tokens");
  std::uint64_t input = prompt > cached + created ? prompt - cached - created : 0;
  return {{"input_tokens", input},
          {"output_tokens", completion},
          {"cache_creation_input_tokens", created},
          {"cache_read_input_tokens", cached}};
}

json parseArguments(const json& fn) {
  const json* args = fn.is_object() ? field(fn, "arguments") : nullptr;
  if (!args) return json::object();
  if (args->is_object()) return *args;
  if (!args->is_string()) return json::object();
  json parsed = json::parse(args->get_ref<const std::string&>(), nullptr, false);
  return parsed.is_object() ? parsed : json::object();
}

// The stop sequence an upstream reports as matched (vLLM: choices[].stop_reason), if it is one of
// the request's.
std::string matchedStop(const json& choice, const std::vector<std::string>& stops) {
  const json* s = field(choice, "stop_reason");
  if (!s || !s->is_string()) return {};
  const std::string& v = s->get_ref<const std::string&>();
  return std::find(stops.begin(), stops.end(), v) == stops.end() ? std::string() : v;
}

std::string frame(std::string_view type, const json& data) {
  std::string out;
  out.reserve(64);
  out.append("event: ").append(type).append("\ndata: ").append(dumpJson(data)).append("\n\n");
  return out;
}

json messageStartEvent(const std::string& id, std::string_view model, json usage) {
  return {{"type", "message_start"},
          {"message",
           {{"id", id},
            {"type", "message"},
            {"role", "assistant"},
            {"model", model},
            {"content", json::array()},
            {"stop_reason", nullptr},
            {"stop_sequence", nullptr},
            {"usage", std::move(usage)}}}};
}

json messageDeltaEvent(std::string_view stop_reason, const std::string& stop_sequence, json usage) {
  return {{"type", "message_delta"},
          {"delta",
           {{"stop_reason", stop_reason},
            {"stop_sequence", stop_sequence.empty() ? json(nullptr) : json(stop_sequence)}}},
          {"usage", std::move(usage)}};
}

// Replays a fixed string once.
class OnceSource final : public ChunkSource {
 public:
  explicit OnceSource(std::string bytes) : bytes_(std::move(bytes)) {}
  boost::asio::awaitable<Result<std::optional<std::string>>> next() override {
    if (done_) co_return std::optional<std::string>{};
    done_ = true;
    co_return std::optional<std::string>{std::move(bytes_)};
  }

 private:
  std::string bytes_;
  bool done_ = false;
};

// An Error for a non-2xx reply that carries no api::Error (its body an OpenAI error, maybe).
Error errorFromReply(const Reply& reply) {
  Error e{ErrorKind::kUpstreamError, "The provider returned an error."};
  e.status = reply.status;
  switch (reply.status) {
    case 400:
      e.kind = ErrorKind::kInvalidRequest;
      break;
    case 401:
      e.kind = ErrorKind::kUnauthorized;
      break;
    case 403:
      e.kind = ErrorKind::kForbidden;
      break;
    case 404:
      e.kind = ErrorKind::kNotFound;
      break;
    case 413:
      e.kind = ErrorKind::kPayloadTooLarge;
      break;
    case 429:
      e.kind = ErrorKind::kRateLimited;
      break;
    default:
      break;
  }
  json j = json::parse(reply.body, nullptr, false);
  if (j.is_object() && j["error"].is_object()) {
    if (auto m = j["error"].find("message"); m != j["error"].end() && m->is_string())
      e.message = *m;
  }
  return e;
}

Error upstreamStreamError(const json& event) {
  Error e{ErrorKind::kUpstreamError, "The provider reported an error during the stream.",
          "error event inside a 200 stream"};
  const json& err = event["error"];
  if (err.is_object()) {
    if (auto m = err.find("message");
        m != err.end() && m->is_string() && !m->get_ref<const std::string&>().empty())
      e.message = *m;
    for (const char* key : {"code", "status"}) {
      auto it = err.find(key);
      if (it != err.end() && it->is_number_integer()) {
        auto v = it->get<std::int64_t>();
        if (v == 429) e.kind = ErrorKind::kRateLimited;
        if (v == 529 || v == 503)
          e.status = static_cast<unsigned>(v), e.kind = ErrorKind::kUnavailable;
      }
    }
  } else if (err.is_string()) {
    e.message = err.get<std::string>();
  }
  return e;
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

namespace {

std::size_t textChars(const json& j) {
  if (j.is_string()) return j.get_ref<const std::string&>().size();
  std::size_t n = 0;
  if (j.is_structured())
    for (const json& v : j) n += textChars(v);
  return n;
}

}  // namespace

Result<json> countTokens(const json& request) {
  if (!request.is_object()) return bad("", "The request body must be a JSON object.");
  json req = request;
  if (!req.contains("max_tokens")) req["max_tokens"] = 1;
  req.erase("stream");
  auto translated = toOpenAiRequest(req);
  if (!translated) return translated.error();
  std::size_t chars = textChars((*translated)["messages"]);
  if (auto t = translated->find("tools"); t != translated->end()) chars += dumpJson(*t).size();
  return ok({{"input_tokens", (chars + 3) / 4}});
}

std::string_view stopReason(std::string_view finish_reason) noexcept {
  if (finish_reason == "length") return "max_tokens";
  if (finish_reason == "tool_calls" || finish_reason == "function_call") return "tool_use";
  if (finish_reason == "content_filter") return "refusal";
  return "end_turn";
}

Result<json> toAnthropicMessage(const json& completion, std::string_view model,
                                const std::vector<std::string>& stop_sequences) {
  const json* choices = completion.is_object() ? field(completion, "choices") : nullptr;
  if (!choices || !choices->is_array() || choices->empty() || !(*choices)[0].is_object()) {
    return Error{ErrorKind::kUpstreamError, "The provider sent an invalid response.",
                 "chat.completion without choices[0]"};
  }
  const json& choice = (*choices)[0];
  const json* message = field(choice, "message");
  json content = json::array();
  bool has_tool = false;
  if (message && message->is_object()) {
    std::string text;
    if (const json* c = field(*message, "content")) {
      if (c->is_string()) {
        text = c->get<std::string>();
      } else if (c->is_array()) {
        for (const json& part : *c)
          if (stringAt(part, "type") == "text") text += stringAt(part, "text");
      }
    }
    if (text.empty()) {
      if (const json* r = field(*message, "refusal"); r && r->is_string())
        text = r->get<std::string>();
    }
    if (!text.empty()) content.push_back({{"type", "text"}, {"text", std::move(text)}});
    auto addTool = [&](const json* id, const json& fn) {
      std::string name = fn.is_object() && fn.contains("name") && fn["name"].is_string()
                             ? fn["name"].get<std::string>()
                             : "";
      content.push_back(
          {{"type", "tool_use"},
           {"id", id && id->is_string() ? id->get<std::string>() : "toolu_" + compactId()},
           {"name", std::move(name)},
           {"input", parseArguments(fn)}});
      has_tool = true;
    };
    if (const json* calls = field(*message, "tool_calls"); calls && calls->is_array()) {
      for (const json& call : *calls) {
        if (!call.is_object()) continue;
        addTool(field(call, "id"), call.contains("function") ? call["function"] : json());
      }
    }
    if (const json* fc = field(*message, "function_call"); fc && fc->is_object())
      addTool(nullptr, *fc);
  }
  std::string finish;
  if (const json* f = field(choice, "finish_reason"); f && f->is_string())
    finish = f->get<std::string>();
  std::string_view reason = stopReason(finish);
  if (has_tool && reason == "end_turn")
    reason = "tool_use";  // some servers say "stop" with tool calls
  std::string stop_sequence =
      finish == "stop" ? matchedStop(choice, stop_sequences) : std::string();
  if (!stop_sequence.empty()) reason = "stop_sequence";

  const json* usage = field(completion, "usage");
  return ok({{"id", "msg_" + compactId()},
             {"type", "message"},
             {"role", "assistant"},
             {"model", model},
             {"content", std::move(content)},
             {"stop_reason", reason},
             {"stop_sequence", stop_sequence.empty() ? json(nullptr) : json(stop_sequence)},
             {"usage", anthropicUsage(usage ? *usage : json::object())}});
}

std::string_view errorType(const Error& e) noexcept {
  unsigned status = e.httpStatus();
  if (status == 529 || e.kind == ErrorKind::kUnavailable) return "overloaded_error";
  switch (e.kind) {
    case ErrorKind::kInvalidRequest:
    case ErrorKind::kContextWindowExceeded:
    case ErrorKind::kContentPolicy:
    case ErrorKind::kMethodNotAllowed:
      return "invalid_request_error";
    case ErrorKind::kUnauthorized:
      return "authentication_error";
    case ErrorKind::kForbidden:
      return "permission_error";
    case ErrorKind::kModelNotFound:
    case ErrorKind::kNotFound:
      return "not_found_error";
    case ErrorKind::kPayloadTooLarge:
      return "request_too_large";
    case ErrorKind::kRateLimited:
      return "rate_limit_error";
    default:
      return "api_error";
  }
}

std::string errorBody(const Error& e) {
  return dumpJson({{"type", "error"}, {"error", {{"type", errorType(e)}, {"message", e.message}}}});
}

std::string errorEvent(const Error& e) { return "event: error\ndata: " + errorBody(e) + "\n\n"; }

// ---------------------------------------------------------------------------------------------
// Streaming

struct AnthropicStream::State {
  enum class Block { kNone, kText, kTool };

  std::string model;
  std::vector<std::string> stops;
  std::string id = "msg_" + compactId();
  std::string buf;               // bytes of a partial upstream event
  bool started = false;          // message_start sent
  bool finished = false;         // message_stop sent (or the stream failed)
  std::optional<Error> pending;  // an error to return after the events already produced
  int next_index = 0;            // Anthropic index of the next content block
  int open_index = -1;           // the block open now, -1 none
  Block open_kind = Block::kNone;
  std::map<std::int64_t, int> tool_blocks;  // OpenAI tool_calls[].index -> Anthropic block index
  bool saw_tool = false;
  bool saw_finish = false;
  std::string finish_reason;
  std::string stop_sequence;
  json usage;  // the upstream's last usage object, null until seen

  void start(std::string& out) {
    if (started) return;
    started = true;
    out += frame("message_start",
                 messageStartEvent(id, model, {{"input_tokens", 0}, {"output_tokens", 0}}));
  }

  void closeBlock(std::string& out) {
    if (open_index < 0) return;
    out += frame("content_block_stop", {{"type", "content_block_stop"}, {"index", open_index}});
    open_index = -1;
    open_kind = Block::kNone;
  }

  void text(const std::string& t, std::string& out) {
    if (open_kind != Block::kText) {
      closeBlock(out);
      open_index = next_index++;
      open_kind = Block::kText;
      out += frame("content_block_start", {{"type", "content_block_start"},
                                           {"index", open_index},
                                           {"content_block", {{"type", "text"}, {"text", ""}}}});
    }
    out += frame("content_block_delta", {{"type", "content_block_delta"},
                                         {"index", open_index},
                                         {"delta", {{"type", "text_delta"}, {"text", t}}}});
  }

  void toolCall(const json& tc, std::size_t position, std::string& out) {
    std::int64_t key = static_cast<std::int64_t>(position);
    if (auto i = tc.find("index"); i != tc.end() && i->is_number_integer())
      key = i->get<std::int64_t>();
    const json* fn = field(tc, "function");
    auto it = tool_blocks.find(key);
    if (it == tool_blocks.end()) {
      closeBlock(out);
      const json* tid = field(tc, "id");
      const json* name = fn && fn->is_object() ? field(*fn, "name") : nullptr;
      open_index = next_index++;
      open_kind = Block::kTool;
      it = tool_blocks.emplace(key, open_index).first;
      saw_tool = true;
      out += frame(
          "content_block_start",
          {{"type", "content_block_start"},
           {"index", open_index},
           {"content_block",
            {{"type", "tool_use"},
             {"id", tid && tid->is_string() ? tid->get<std::string>() : "toolu_" + compactId()},
             {"name", name && name->is_string() ? name->get<std::string>() : ""},
             {"input", json::object()}}}});
    }
    const json* args = fn && fn->is_object() ? field(*fn, "arguments") : nullptr;
    if (args && args->is_string() && !args->get_ref<const std::string&>().empty()) {
      out += frame("content_block_delta",
                   {{"type", "content_block_delta"},
                    {"index", it->second},
                    {"delta", {{"type", "input_json_delta"}, {"partial_json", *args}}}});
    }
  }

  // Handles one upstream event's data. Returns true at [DONE].
  Result<bool> event(std::string_view data, std::string& out) {
    if (data.empty()) return false;
    if (data == "[DONE]") return true;
    json j = json::parse(data, nullptr, false);
    if (!j.is_object()) return false;
    if (auto e = j.find("error"); e != j.end() && !e->is_null()) return upstreamStreamError(j);
    if (auto u = j.find("usage"); u != j.end() && u->is_object()) usage = *u;
    auto choices = j.find("choices");
    if (choices == j.end() || !choices->is_array() || choices->empty()) return false;
    const json& choice = (*choices)[0];
    if (!choice.is_object()) return false;
    start(out);
    if (const json* delta = field(choice, "delta"); delta && delta->is_object()) {
      for (const char* key : {"content", "refusal"}) {
        const json* c = field(*delta, key);
        if (c && c->is_string() && !c->get_ref<const std::string&>().empty())
          text(c->get<std::string>(), out);
      }
      if (const json* calls = field(*delta, "tool_calls"); calls && calls->is_array()) {
        for (std::size_t k = 0; k < calls->size(); ++k)
          if ((*calls)[k].is_object()) toolCall((*calls)[k], k, out);
      }
    }
    if (const json* f = field(choice, "finish_reason"); f && f->is_string()) {
      saw_finish = true;
      finish_reason = f->get<std::string>();
      if (finish_reason == "stop") stop_sequence = matchedStop(choice, stops);
    }
    return false;
  }

  // Takes every complete event out of buf. Returns true at [DONE].
  Result<bool> consume(std::string& out) {
    std::size_t pos = 0;
    Result<bool> result = false;
    while (pos < buf.size()) {
      std::size_t lf = buf.find("\n\n", pos);
      std::size_t crlf = buf.find("\r\n\r\n", pos);
      std::size_t end = std::min(lf, crlf);
      if (end == std::string::npos) break;
      std::size_t next = end == lf ? lf + 2 : crlf + 4;
      std::string_view ev(buf.data() + pos, end - pos);
      pos = next;
      std::string data;
      std::size_t line_start = 0;
      while (line_start <= ev.size()) {
        std::size_t nl = ev.find('\n', line_start);
        std::string_view line =
            ev.substr(line_start, nl == std::string_view::npos ? ev.npos : nl - line_start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.starts_with("data:")) {
          line.remove_prefix(5);
          if (line.starts_with(' ')) line.remove_prefix(1);
          if (!data.empty()) data += '\n';
          data.append(line);
        }
        if (nl == std::string_view::npos) break;
        line_start = nl + 1;
      }
      result = event(data, out);
      if (!result || *result) break;
    }
    buf.erase(0, pos);
    return result;
  }

  void finish(std::string& out) {
    start(out);
    closeBlock(out);
    std::string_view reason = stopReason(finish_reason);
    if (saw_tool && reason == "end_turn") reason = "tool_use";
    if (!stop_sequence.empty()) reason = "stop_sequence";
    out += frame("message_delta", messageDeltaEvent(reason, stop_sequence, anthropicUsage(usage)));
    out += frame("message_stop", {{"type", "message_stop"}});
    finished = true;
  }
};

AnthropicStream::AnthropicStream(std::unique_ptr<ChunkSource> upstream, std::string model,
                                 std::vector<std::string> stop_sequences)
    : upstream_(std::move(upstream)), state_(std::make_unique<State>()) {
  state_->model = std::move(model);
  state_->stops = std::move(stop_sequences);
}

AnthropicStream::~AnthropicStream() = default;

boost::asio::awaitable<Result<std::optional<std::string>>> AnthropicStream::next() {
  State& st = *state_;
  if (st.pending) {
    Error e = std::move(*st.pending);
    st.pending.reset();
    co_return e;
  }
  if (st.finished) co_return std::optional<std::string>{};
  std::string out;
  for (;;) {
    Result<std::optional<std::string>> piece = co_await upstream_->next();
    if (!piece) {
      st.finished = true;
      upstream_.reset();
      if (out.empty()) co_return piece.error();
      st.pending = piece.error();
      co_return std::optional<std::string>{std::move(out)};
    }
    if (!*piece) {  // the upstream ended
      upstream_.reset();
      if (!st.saw_finish) {
        st.finished = true;
        co_return Error{ErrorKind::kUpstreamError,
                        "The provider's stream ended before the message was complete.",
                        "upstream stream ended without finish_reason or [DONE]"};
      }
      st.finish(out);
      co_return std::optional<std::string>{std::move(out)};
    }
    st.buf += **piece;
    Result<bool> done = st.consume(out);
    if (!done) {
      st.finished = true;
      upstream_.reset();
      if (out.empty()) co_return done.error();
      st.pending = done.error();
      co_return std::optional<std::string>{std::move(out)};
    }
    if (*done) {
      upstream_.reset();
      st.finish(out);
      co_return std::optional<std::string>{std::move(out)};
    }
    if (st.buf.size() > (4u << 20)) {
      st.finished = true;
      upstream_.reset();
      co_return Error{ErrorKind::kUpstreamError, "The provider sent an invalid stream.",
                      "SSE event over size limit"};
    }
    if (!out.empty()) co_return std::optional<std::string>{std::move(out)};
  }
}

std::unique_ptr<ChunkSource> messageAsStream(const json& message) {
  std::string out;
  const json& usage = message.contains("usage") ? message["usage"] : json::object();
  json start_usage = usage;
  if (start_usage.is_object()) start_usage["output_tokens"] = 0;
  out +=
      frame("message_start", messageStartEvent(stringAt(message, "id", "msg_" + compactId()),
                                               stringAt(message, "model"), std::move(start_usage)));
  int index = 0;
  if (auto c = message.find("content"); c != message.end() && c->is_array()) {
    for (const json& block : *c) {
      std::string type = stringAt(block, "type");
      if (type == "text") {
        out += frame("content_block_start", {{"type", "content_block_start"},
                                             {"index", index},
                                             {"content_block", {{"type", "text"}, {"text", ""}}}});
        out += frame("content_block_delta",
                     {{"type", "content_block_delta"},
                      {"index", index},
                      {"delta", {{"type", "text_delta"}, {"text", stringAt(block, "text")}}}});
      } else if (type == "tool_use") {
        out += frame("content_block_start", {{"type", "content_block_start"},
                                             {"index", index},
                                             {"content_block",
                                              {{"type", "tool_use"},
                                               {"id", stringAt(block, "id")},
                                               {"name", stringAt(block, "name")},
                                               {"input", json::object()}}}});
        out += frame("content_block_delta",
                     {{"type", "content_block_delta"},
                      {"index", index},
                      {"delta",
                       {{"type", "input_json_delta"},
                        {"partial_json",
                         dumpJson(block.contains("input") ? block["input"] : json::object())}}}});
      } else {
        continue;
      }
      out += frame("content_block_stop", {{"type", "content_block_stop"}, {"index", index}});
      ++index;
    }
  }
  std::string stop_sequence;
  if (auto s = message.find("stop_sequence"); s != message.end() && s->is_string())
    stop_sequence = *s;
  out += frame("message_delta", messageDeltaEvent(stringAt(message, "stop_reason", "end_turn"),
                                                  stop_sequence, usage));
  out += frame("message_stop", {{"type", "message_stop"}});
  return std::make_unique<OnceSource>(std::move(out));
}

Reply toAnthropicReply(const Exchange& ex, Reply reply) {
  if (!ex.request_id.empty()) reply.headers.push_back({"request-id", ex.request_id});
  if (reply.format == WireFormat::kAnthropic) return reply;

  auto errorReply = [&](const Error& e) {
    reply.stream.reset();
    reply.status = e.httpStatus();
    reply.content_type = "application/json";
    reply.body = errorBody(e);
    return std::move(reply);
  };
  if (ex.outcome.error) return errorReply(*ex.outcome.error);
  if (reply.status < 200 || reply.status >= 300) return errorReply(errorFromReply(reply));

  std::vector<std::string> stops;
  if (ex.anthropic_body) {
    if (auto s = ex.anthropic_body->find("stop_sequences");
        s != ex.anthropic_body->end() && s->is_array())
      for (const json& v : *s)
        if (v.is_string()) stops.push_back(v.get<std::string>());
  }
  if (reply.stream) {
    reply.stream =
        std::make_unique<AnthropicStream>(std::move(reply.stream), ex.model, std::move(stops));
    reply.content_type = "text/event-stream";
    reply.format = WireFormat::kAnthropic;
    return reply;
  }
  json completion = json::parse(reply.body, nullptr, false);
  Result<json> message = toAnthropicMessage(completion, ex.model, stops);
  if (!message) return errorReply(message.error());
  reply.format = WireFormat::kAnthropic;
  if (ex.stream) {
    reply.stream = messageAsStream(*message);
    reply.content_type = "text/event-stream";
    reply.body.clear();
  } else {
    reply.body = dumpJson(*message);
    reply.content_type = "application/json";
  }
  return reply;
}

}  // namespace switchyard::api::anthropic
