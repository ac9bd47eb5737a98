#include "gemini_translate.hpp"

#include "gemini_endpoints.hpp"

#include <chrono>
#include <cstring>
#include <map>

#include "switchyard/api/json_get.hpp"
#include "switchyard/api/json_guard.hpp"

namespace switchyard::providers::gemini {

using api::Error;
using api::ErrorKind;
using api::Result;
using nlohmann::json;

namespace {

// Result<json> from a json value (json converts to anything, so the implicit constructor is
// ambiguous).
Result<json> ok(json j) { return Result<json>(boost::system::in_place_value, std::move(j)); }

Error badRequest(std::string message, std::string param = {}) {
  Error e{ErrorKind::kInvalidRequest, std::move(message)};
  e.param = std::move(param);
  return e;
}

std::string lowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// JSON Schema keys Gemini's OpenAPI-subset `parameters`/`responseSchema` reject.
void stripSchema(json& schema) {
  if (schema.is_array()) {
    for (json& s : schema) stripSchema(s);
    return;
  }
  if (!schema.is_object()) return;
  for (const char* k : {"$schema", "additionalProperties", "strict", "$id", "$comment"})
    schema.erase(k);
  for (auto& [k, v] : schema.items()) {
    if (k == "properties" && v.is_object()) {
      for (auto& [name, sub] : v.items()) stripSchema(sub);
    } else if (k == "enum" || k == "required" || k == "example" || k == "default") {
      continue;
    } else {
      stripSchema(v);
    }
  }
}

std::string mimeFromUrl(std::string_view url) {
  std::string_view path = url.substr(0, url.find_first_of("?#"));
  std::string ext = lowerAscii(
      path.substr(path.rfind('.') == std::string_view::npos ? path.size() : path.rfind('.')));
  static const std::map<std::string, std::string, std::less<>> kTypes = {
      {".png", "image/png"},  {".jpg", "image/jpeg"},  {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},  {".webp", "image/webp"}, {".pdf", "application/pdf"},
      {".mp3", "audio/mp3"},  {".wav", "audio/wav"},   {".mp4", "video/mp4"},
      {".txt", "text/plain"}, {".heic", "image/heic"}, {".heif", "image/heif"},
  };
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? std::string() : it->second;
}

// A data: URL or an http(s)/gs URL as a Gemini part.
Result<json> mediaPart(std::string_view url) {
  if (url.starts_with("data:")) {
    std::size_t comma = url.find(',');
    std::string_view meta = url.substr(5, comma == std::string_view::npos ? 0 : comma - 5);
    if (comma == std::string_view::npos || !meta.ends_with(";base64")) {
      return badRequest("image_url data URLs must be base64 (data:<mime>;base64,<data>).",
                        "messages");
    }
    meta.remove_suffix(7);
    return ok(
        json{{"inlineData",
              {{"mimeType", std::string(meta)}, {"data", std::string(url.substr(comma + 1))}}}});
  }
  if (url.starts_with("http://") || url.starts_with("https://") || url.starts_with("gs://")) {
    json fd = {{"fileUri", std::string(url)}};
    if (std::string mime = mimeFromUrl(url); !mime.empty()) fd["mimeType"] = mime;
    return ok(json{{"fileData", std::move(fd)}});
  }
  return badRequest("image_url must be an http(s) URL or a base64 data URL.", "messages");
}

// OpenAI message content (string or parts) -> Gemini parts, appended.
Result<void> appendParts(const json& content, json& parts) {
  if (content.is_null()) return {};
  if (content.is_string()) {
    if (!content.get_ref<const std::string&>().empty()) parts.push_back({{"text", content}});
    return {};
  }
  if (!content.is_array())
    return badRequest("message content must be a string or a list of parts.", "messages");
  for (const json& p : content) {
    if (p.is_string()) {
      parts.push_back({{"text", p}});
      continue;
    }
    if (!p.is_object()) return badRequest("message content parts must be objects.", "messages");
    std::string type = api::stringOf(p, "type", "text");
    if (type == "text" || type == "input_text") {
      parts.push_back({{"text", api::stringOf(p, "text")}});
    } else if (type == "image_url") {
      const json& iu = p.contains("image_url") ? p["image_url"] : json();
      std::string url = iu.is_string()   ? iu.get<std::string>()
                        : iu.is_object() ? api::stringOf(iu, "url")
                                         : "";
      auto part = mediaPart(url);
      if (!part) return part.error();
      parts.push_back(std::move(*part));
    } else if (type == "input_audio") {
      const json& a = p.contains("input_audio") ? p["input_audio"] : json();
      if (!a.is_object() || !a.contains("data"))
        return badRequest("input_audio needs data and format.", "messages");
      parts.push_back(
          {{"inlineData",
            {{"mimeType", "audio/" + api::stringOf(a, "format", "wav")}, {"data", a["data"]}}}});
    } else if (type == "file") {
      const json& f = p.contains("file") ? p["file"] : json();
      std::string data = f.is_object() ? api::stringOf(f, "file_data") : "";
      if (data.empty())
        return badRequest("file parts need file_data (a base64 data URL) for gemini.", "messages");
      auto part = mediaPart(data);
      if (!part) return part.error();
      parts.push_back(std::move(*part));
    } else {
      return badRequest("Content part type '" + type + "' is not supported by gemini.", "messages");
    }
  }
  return {};
}

std::string contentText(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (content.is_array())
    for (const json& p : content)
      if (p.is_object() && p.contains("text") && p["text"].is_string())
        out += p["text"].get<std::string>();
  return out;
}

// Appends a content, merging it into the previous one when the role is the same (Gemini wants
// the parallel function responses of one turn in one content).
void pushContent(json& contents, const std::string& role, json parts) {
  if (parts.empty()) return;
  if (!contents.empty() && contents.back()["role"] == role) {
    for (json& p : parts) contents.back()["parts"].push_back(std::move(p));
    return;
  }
  contents.push_back({{"role", role}, {"parts", std::move(parts)}});
}

bool isSafetyReason(std::string_view r) {
  return r == "SAFETY" || r == "RECITATION" || r == "BLOCKLIST" || r == "PROHIBITED_CONTENT" ||
         r == "SPII" || r == "IMAGE_SAFETY";
}

std::string newToolCallId() {
  static thread_local std::uint64_t counter = 0;
  static const char kHex[] = "0123456789abcdef";
  std::string id = "call_";
  std::uint64_t x =
      (static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(&counter)) << 20) ^ ++counter ^
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  for (int i = 0; i < 24; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    id.push_back(kHex[x & 15]);
  }
  return id;
}

std::string sseFrame(const json& j) { return "data: " + api::dumpJson(j) + "\n\n"; }

// Text, thoughts and function calls of one candidate's content.
struct CandidateParts {
  std::string text, reasoning;
  json tool_calls = json::array();
  bool has_content = false;
};

CandidateParts readParts(const json& candidate) {
  CandidateParts out;
  auto c = candidate.find("content");
  if (c == candidate.end() || !c->is_object()) return out;
  auto parts = c->find("parts");
  if (parts == c->end() || !parts->is_array()) return out;
  for (const json& p : *parts) {
    if (!p.is_object()) continue;
    if (auto t = p.find("text"); t != p.end() && t->is_string()) {
      if (api::boolOf(p, "thought", false)) {
        out.reasoning += t->get<std::string>();
      } else {
        out.text += t->get<std::string>();
      }
      out.has_content = true;
    } else if (auto fc = p.find("functionCall"); fc != p.end() && fc->is_object()) {
      json args = fc->contains("args") ? (*fc)["args"] : json::object();
      std::string id = fc->value("id", std::string());
      out.tool_calls.push_back(
          {{"id", id.empty() ? newToolCallId() : id},
           {"type", "function"},
           {"function",
            {{"name", fc->value("name", std::string())}, {"arguments", api::dumpJson(args)}}}});
      out.has_content = true;
    }
  }
  return out;
}

// A blocked prompt: promptFeedback.blockReason.
std::optional<std::string> promptBlock(const json& r) {
  auto pf = r.find("promptFeedback");
  if (pf == r.end() || !pf->is_object()) return std::nullopt;
  auto br = pf->find("blockReason");
  if (br == pf->end() || !br->is_string() || *br == "BLOCK_REASON_UNSPECIFIED") return std::nullopt;
  return br->get<std::string>();
}

}  // namespace

api::Result<json> toGenerateContent(const json& chat, bool drop_params) {
  for (std::string_view p : kUnsupportedParams) {
    auto it = chat.find(std::string(p));
    if (it == chat.end() || it->is_null() || (it->is_boolean() && !it->get<bool>())) continue;
    if (!drop_params) {
      Error e =
          badRequest("gemini does not support the parameter '" + std::string(p) +
                         "'. Remove it, or set litellm_settings.drop_params: true to drop it.",
                     std::string(p));
      e.code = "unsupported_parameter";
      return e;
    }
  }
  if (auto it = chat.find("parallel_tool_calls");
      it != chat.end() && it->is_boolean() && !it->get<bool>() && !drop_params) {
    Error e = badRequest(
        "gemini does not support parallel_tool_calls=false. Remove it, or set "
        "litellm_settings.drop_params: true to drop it.",
        "parallel_tool_calls");
    e.code = "unsupported_parameter";
    return e;
  }
  auto msgs = chat.find("messages");
  if (msgs == chat.end() || !msgs->is_array() || msgs->empty())
    return badRequest("'messages' must be a non-empty list.", "messages");

  json out = json::object();
  json contents = json::array();
  json system_parts = json::array();
  std::map<std::string, std::string> tool_names;  // tool_call_id -> function name
  for (const json& m : *msgs) {
    if (!m.is_object()) return badRequest("Each message must be an object.", "messages");
    std::string role = api::stringOf(m, "role");
    const json content = m.contains("content") ? m["content"] : json();
    if (role == "system" || role == "developer") {
      auto r = appendParts(content, system_parts);
      if (!r) return r.error();
    } else if (role == "user") {
      json parts = json::array();
      auto r = appendParts(content, parts);
      if (!r) return r.error();
      pushContent(contents, "user", std::move(parts));
    } else if (role == "assistant") {
      json parts = json::array();
      auto r = appendParts(content, parts);
      if (!r) return r.error();
      if (auto tc = m.find("tool_calls"); tc != m.end() && tc->is_array()) {
        for (const json& call : *tc) {
          if (!call.is_object() || !call.contains("function") || !call["function"].is_object())
            return badRequest("assistant tool_calls must be function calls.", "messages");
          const json& fn = call["function"];
          std::string name = api::stringOf(fn, "name");
          json args = json::object();
          if (auto a = fn.find("arguments");
              a != fn.end() && a->is_string() && !a->get_ref<const std::string&>().empty()) {
            args = json::parse(a->get<std::string>(), nullptr, false);
            if (args.is_discarded())
              return badRequest("tool_calls arguments must be a JSON string.", "messages");
          } else if (a != fn.end() && a->is_object()) {
            args = *a;
          }
          if (call.contains("id") && call["id"].is_string())
            tool_names[call["id"].get<std::string>()] = name;
          parts.push_back({{"functionCall", {{"name", name}, {"args", std::move(args)}}}});
        }
      }
      pushContent(contents, "model", std::move(parts));
    } else if (role == "tool" || role == "function") {
      std::string name = api::stringOf(m, "name");
      if (role == "tool") {
        std::string id = api::stringOf(m, "tool_call_id");
        if (auto it = tool_names.find(id); it != tool_names.end()) name = it->second;
        if (name.empty())
          return badRequest(
              "A tool message's tool_call_id must match an earlier assistant tool call.",
              "messages");
      }
      std::string text = contentText(content);
      json response = json::parse(text, nullptr, false);
      if (!response.is_object()) response = json{{"content", text}};
      pushContent(contents, "user",
                  json::array({{{"functionResponse",
                                 {{"name", name}, {"response", std::move(response)}}}}}));
    } else {
      return badRequest("Unknown message role '" + role + "'.", "messages");
    }
  }
  if (contents.empty())
    return badRequest("gemini needs at least one user or assistant message.", "messages");
  out["contents"] = std::move(contents);
  if (!system_parts.empty()) out["systemInstruction"] = {{"parts", std::move(system_parts)}};

  if (auto tools = chat.find("tools");
      tools != chat.end() && tools->is_array() && !tools->empty()) {
    json decls = json::array();
    for (const json& t : *tools) {
      if (!t.is_object() || api::stringOf(t, "type", "function") != "function" ||
          !t.contains("function")) {
        return badRequest("gemini supports only function tools.", "tools");
      }
      const json& fn = t["function"];
      json decl = {{"name", api::stringOf(fn, "name")}};
      if (fn.contains("description") && fn["description"].is_string())
        decl["description"] = fn["description"];
      if (auto p = fn.find("parameters"); p != fn.end() && p->is_object()) {
        json params = *p;
        stripSchema(params);
        bool empty_object = api::stringOf(params, "type") == "object" &&
                            (!params.contains("properties") || params["properties"].empty());
        if (!empty_object) decl["parameters"] = std::move(params);
      }
      decls.push_back(std::move(decl));
    }
    out["tools"] = json::array({{{"functionDeclarations", std::move(decls)}}});
  }
  if (auto tc = chat.find("tool_choice"); tc != chat.end() && !tc->is_null()) {
    json cfg;
    if (tc->is_string()) {
      const std::string& s = tc->get_ref<const std::string&>();
      if (s == "auto")
        cfg = {{"mode", "AUTO"}};
      else if (s == "none")
        cfg = {{"mode", "NONE"}};
      else if (s == "required")
        cfg = {{"mode", "ANY"}};
      else
        return badRequest("tool_choice must be auto, none, required or a function.", "tool_choice");
    } else if (tc->is_object() && tc->contains("function") && (*tc)["function"].is_object()) {
      cfg = {{"mode", "ANY"},
             {"allowedFunctionNames", json::array({api::stringOf((*tc)["function"], "name")})}};
    } else {
      return badRequest("tool_choice must be auto, none, required or a function.", "tool_choice");
    }
    out["toolConfig"] = {{"functionCallingConfig", std::move(cfg)}};
  }

  json gc = json::object();
  auto copyNum = [&](const char* from, const char* to) {
    if (auto it = chat.find(from); it != chat.end() && it->is_number()) gc[to] = *it;
  };
  copyNum("temperature", "temperature");
  copyNum("top_p", "topP");
  copyNum("top_k", "topK");
  copyNum("max_tokens", "maxOutputTokens");
  copyNum("max_completion_tokens", "maxOutputTokens");
  copyNum("n", "candidateCount");
  copyNum("presence_penalty", "presencePenalty");
  copyNum("frequency_penalty", "frequencyPenalty");
  copyNum("seed", "seed");
  if (auto st = chat.find("stop"); st != chat.end()) {
    if (st->is_string())
      gc["stopSequences"] = json::array({*st});
    else if (st->is_array() && !st->empty())
      gc["stopSequences"] = *st;
  }
  if (auto rf = chat.find("response_format"); rf != chat.end() && rf->is_object()) {
    std::string type = rf->value("type", std::string());
    if (type == "json_object") {
      gc["responseMimeType"] = "application/json";
    } else if (type == "json_schema") {
      gc["responseMimeType"] = "application/json";
      if (auto js = rf->find("json_schema");
          js != rf->end() && js->is_object() && js->contains("schema")) {
        json schema = (*js)["schema"];
        stripSchema(schema);
        gc["responseSchema"] = std::move(schema);
      }
    } else if (type != "text" && !type.empty()) {
      return badRequest("response_format type '" + type + "' is not supported.", "response_format");
    }
  }
  if (auto re = chat.find("reasoning_effort"); re != chat.end() && re->is_string()) {
    // LiteLLM's mapping of reasoning_effort to a thinking budget.
    const std::string& s = re->get_ref<const std::string&>();
    int budget = s == "low" ? 1024 : s == "medium" ? 2048 : s == "high" ? 4096 : 0;
    gc["thinkingConfig"] = {{"thinkingBudget", budget}, {"includeThoughts", budget > 0}};
  }
  if (!gc.empty()) out["generationConfig"] = std::move(gc);
  return ok(std::move(out));
}

json usageJson(const json& um, api::Usage* out) {
  if (!um.is_object()) return nullptr;
  auto num = [&](const char* k) -> std::uint64_t {
    auto it = um.find(k);
    return it != um.end() && it->is_number_unsigned() ? it->get<std::uint64_t>()
           : it != um.end() && it->is_number_integer() && it->get<std::int64_t>() > 0
               ? static_cast<std::uint64_t>(it->get<std::int64_t>())
               : 0;
  };
  std::uint64_t prompt = num("promptTokenCount"), candidates = num("candidatesTokenCount"),
                thoughts = num("thoughtsTokenCount"), cached = num("cachedContentTokenCount"),
                total = num("totalTokenCount");
  std::uint64_t completion = candidates + thoughts;
  if (total == 0) total = prompt + completion;
  json u = {{"prompt_tokens", prompt}, {"completion_tokens", completion}, {"total_tokens", total}};
  u["prompt_tokens_details"] = {{"cached_tokens", cached}};
  u["completion_tokens_details"] = {{"reasoning_tokens", thoughts}};
  if (out) {
    *out = api::Usage{};
    out->prompt_tokens = prompt;
    out->completion_tokens = completion;
    out->cached_tokens = cached;  // implicit or explicit context cache reads
    out->reasoning_tokens = thoughts;
  }
  return u;
}

std::string_view finishReason(std::string_view r) {
  if (r.empty() || r == "FINISH_REASON_UNSPECIFIED") return "";
  if (r == "MAX_TOKENS") return "length";
  if (isSafetyReason(r)) return "content_filter";
  return "stop";  // STOP, OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL...
}

Error contentPolicyError(std::string_view why) {
  Error e{ErrorKind::kContentPolicy,
          "gemini error: the request was blocked by the provider's safety filters (" +
              std::string(why) + ")."};
  e.status = 400;
  e.code = "content_policy_violation";
  e.detail = "gemini blocked: " + std::string(why);
  return e;
}

api::Result<json> fromGenerateContent(const json& r, std::string_view model, std::string_view id,
                                      std::int64_t created, api::Usage* usage) {
  if (!r.is_object())
    return Error{ErrorKind::kUpstreamError, "The provider sent an invalid response.",
                 "gemini: not an object"};
  if (auto block = promptBlock(r)) return contentPolicyError("blockReason " + *block);
  json choices = json::array();
  bool any_content = false;
  std::string safety;
  if (auto cs = r.find("candidates"); cs != r.end() && cs->is_array()) {
    for (std::size_t i = 0; i < cs->size(); ++i) {
      const json& c = (*cs)[i];
      if (!c.is_object()) continue;
      CandidateParts parts = readParts(c);
      std::string reason = api::stringOf(c, "finishReason");
      if (parts.has_content) any_content = true;
      if (isSafetyReason(reason)) safety = reason;
      json message = {
          {"role", "assistant"},
          {"content", parts.text.empty() && !parts.tool_calls.empty() ? json() : json(parts.text)}};
      if (!parts.reasoning.empty()) message["reasoning_content"] = parts.reasoning;
      std::string finish(finishReason(reason));
      if (!parts.tool_calls.empty()) {
        message["tool_calls"] = std::move(parts.tool_calls);
        if (finish == "stop" || finish.empty()) finish = "tool_calls";
      }
      if (finish.empty()) finish = "stop";
      choices.push_back({{"index", api::intOf(c, "index", static_cast<std::int64_t>(i))},
                         {"message", std::move(message)},
                         {"logprobs", nullptr},
                         {"finish_reason", finish}});
    }
  }
  if (!any_content && !safety.empty()) return contentPolicyError("finishReason " + safety);
  if (choices.empty()) {
    return Error{ErrorKind::kUpstreamError, "The provider sent a response with no candidates.",
                 "gemini: no candidates"};
  }
  json body = {{"id", std::string(id)},
               {"object", "chat.completion"},
               {"created", created},
               {"model", std::string(model)},
               {"choices", std::move(choices)}};
  json u = usageJson(r.contains("usageMetadata") ? r["usageMetadata"] : json(), usage);
  if (!u.is_null()) body["usage"] = std::move(u);
  return ok(std::move(body));
}

StreamTranslator::StreamTranslator(std::string model, std::string id, std::int64_t created,
                                   bool include_usage)
    : model_(std::move(model)),
      id_(std::move(id)),
      created_(created),
      include_usage_(include_usage) {}

json StreamTranslator::chunk(json choices) const {
  return {{"id", id_},
          {"object", "chat.completion.chunk"},
          {"created", created_},
          {"model", model_},
          {"choices", std::move(choices)}};
}

api::Result<void> StreamTranslator::feed(std::string_view data, std::string& out,
                                         std::string_view secret) {
  json r = json::parse(data, nullptr, false);
  if (!r.is_object()) {
    return Error{ErrorKind::kUpstreamError, "The provider sent an invalid stream.",
                 "gemini: SSE data is not a JSON object"};
  }
  if (auto err = r.find("error"); err != r.end()) {
    unsigned status = 500;
    if (err->is_object())
      if (auto c = err->find("code");
          c != err->end() && c->is_number_integer() && c->get<int>() >= 400 && c->get<int>() <= 599)
        status = c->get<unsigned>();
    Error e = mapGeminiError(status, data, "", secret);
    e.detail += " (error event inside a 200 stream)";
    return e;
  }
  if (auto block = promptBlock(r)) return contentPolicyError("blockReason " + *block);
  if (auto um = r.find("usageMetadata"); um != r.end() && um->is_object()) {
    api::Usage u;
    usage_json_ = usageJson(*um, &u);
    usage_ = u;
  }
  auto cs = r.find("candidates");
  if (cs == r.end() || !cs->is_array()) return {};
  for (std::size_t i = 0; i < cs->size(); ++i) {
    const json& c = (*cs)[i];
    if (!c.is_object()) continue;
    const std::int64_t index = api::intOf(c, "index", static_cast<std::int64_t>(i));
    CandidateParts parts = readParts(c);
    std::string reason = api::stringOf(c, "finishReason");
    if (!parts.has_content && isSafetyReason(reason) && !committed_)
      return contentPolicyError("finishReason " + reason);
    if (index < 0 || index > 64) continue;
    if (tool_calls_.size() <= static_cast<std::size_t>(index)) tool_calls_.resize(index + 1, 0);
    json delta = json::object();
    if (!role_sent_) delta["role"] = "assistant";
    if (!parts.text.empty()) delta["content"] = parts.text;
    if (!parts.reasoning.empty()) delta["reasoning_content"] = parts.reasoning;
    if (!parts.tool_calls.empty()) {
      json calls = json::array();
      for (json& tc : parts.tool_calls) {
        tc["index"] = tool_calls_[index]++;
        calls.push_back(std::move(tc));
      }
      delta["tool_calls"] = std::move(calls);
    }
    if (delta.size() > (role_sent_ ? 0u : 1u) || !role_sent_) {
      if (!role_sent_ && !delta.contains("content")) delta["content"] = "";
      role_sent_ = true;
      if (parts.has_content) committed_ = true;
      out += sseFrame(chunk(json::array({{{"index", index},
                                          {"delta", std::move(delta)},
                                          {"logprobs", nullptr},
                                          {"finish_reason", nullptr}}})));
    }
    std::string finish(finishReason(reason));
    if (!finish.empty()) {
      if (tool_calls_[index] > 0 && finish == "stop") finish = "tool_calls";
      out += sseFrame(chunk(json::array({{{"index", index},
                                          {"delta", json::object()},
                                          {"logprobs", nullptr},
                                          {"finish_reason", finish}}})));
      committed_ = true;
      finished_ = true;
    }
  }
  return {};
}

void StreamTranslator::finish(std::string& out) {
  if (!finished_) {
    std::string finish = !tool_calls_.empty() && tool_calls_[0] > 0 ? "tool_calls" : "stop";
    out += sseFrame(chunk(json::array({{{"index", 0},
                                        {"delta", json::object()},
                                        {"logprobs", nullptr},
                                        {"finish_reason", finish}}})));
    finished_ = true;
  }
  if (include_usage_) {
    json u = chunk(json::array());
    u["usage"] = usage_json_.is_null() ? usageJson(json::object(), nullptr) : usage_json_;
    out += sseFrame(u);
  }
  out += "data: [DONE]\n\n";
}

}  // namespace switchyard::providers::gemini
