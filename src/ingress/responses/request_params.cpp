// POST /v1/responses, request side: the request's parameters (tools, tool_choice, text.format,
// settings, the features refused), for request.cpp.

#include "request_detail.hpp"

namespace switchyard::ingress::responses::request_detail {

// Features a chat translation cannot serve, and fields that are validated but not sent on.
Result<void> checkUnsent(const json& req) {
  if (const json* bg = field(req, "background")) {
    if (!bg->is_boolean()) return invalidType("background", "a boolean", *bg);
    if (bg->get<bool>())
      return unsupported("background",
                         "Background mode ('background': true) is not supported by this gateway.");
  }
  for (const char* key : {"conversation", "prompt"}) {
    if (field(req, key))
      return unsupported(key,
                         std::string("Unsupported parameter: '") + key +
                             "' is not supported by this gateway (use 'previous_response_id' or "
                             "send the input items).",
                         "unsupported_parameter");
  }
  auto r = checkType(req, "store", "", &json::is_boolean, "a boolean");
  for (const char* key : {"previous_response_id", "prompt_cache_key", "safety_identifier"})
    if (r) r = checkType(req, key, "", &json::is_string, "a string");
  if (r) r = checkType(req, "stream_options", "", &json::is_object, "an object");
  if (!r) return r;
  if (auto t = enumField(req, "truncation", "", {"auto", "disabled"}); !t) return t.error();
  if (auto t = enumField(req, "service_tier", "", {"auto", "default", "flex", "scale", "priority"});
      !t)
    return t.error();
  if (auto n = numberField(req, "top_logprobs", "", 0, 20, true); !n) return n.error();
  if (auto n = numberField(req, "max_tool_calls", "", 1, 1e15, true); !n) return n.error();
  if (const json* include = field(req, "include")) {
    if (!include->is_array()) return invalidType("include", "an array of strings", *include);
    for (std::size_t i = 0; i < include->size(); ++i)
      if (!(*include)[i].is_string())
        return invalidType(at(std::string("include"), i), "a string", (*include)[i]);
  }
  return {};
}

Result<json> translateTools(const json& tools) {
  if (!tools.is_array()) return invalidType("tools", "an array", tools);
  json out = json::array();
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const json& tool = tools[i];
    std::string path = at(std::string("tools"), i);
    if (!tool.is_object()) return invalidType(path, "an object", tool);
    auto type = stringField(tool, "type", path);
    if (!type) return type.error();
    if (**type != "function")
      return unsupported(at(path, "type"),
                         "Tool type '" + **type +
                             "' is not supported by this gateway's translation: the providers "
                             "behind it take chat completions, which have function tools only.");
    auto name = stringField(tool, "name", path);
    if (!name) return name.error();
    json fn = {{"name", **name}};
    if (auto d = stringField(tool, "description", path, false); !d) {
      return d.error();
    } else if (*d) {
      fn["description"] = **d;
    }
    if (auto r = checkType(tool, "parameters", path, &json::is_object, "an object"); !r)
      return r.error();
    if (auto r = checkType(tool, "strict", path, &json::is_boolean, "a boolean"); !r)
      return r.error();
    if (const json* p = field(tool, "parameters")) fn["parameters"] = *p;
    if (const json* s = field(tool, "strict")) fn["strict"] = *s;
    out.push_back({{"type", "function"}, {"function", std::move(fn)}});
  }
  return ok(std::move(out));
}

Result<json> translateToolChoice(const json& choice) {
  if (choice.is_string()) {
    const std::string& s = choice.get_ref<const std::string&>();
    if (!isOneOf(s, {"none", "auto", "required"}))
      return invalidValue("tool_choice", s, {"none", "auto", "required"});
    return ok(choice);
  }
  if (!choice.is_object())
    return invalidType("tool_choice", "one of a string or an object", choice);
  auto type = stringField(choice, "type", "tool_choice");
  if (!type) return type.error();
  if (**type != "function")
    return unsupported("tool_choice.type",
                       "tool_choice of type '" + **type +
                           "' is not supported by this gateway's translation: use 'auto', "
                           "'none', 'required' or {\"type\": \"function\", \"name\": ...}.");
  auto name = stringField(choice, "name", "tool_choice");
  if (!name) return name.error();
  return ok({{"type", "function"}, {"function", {{"name", **name}}}});
}

Result<void> translateText(const json& text, json& chat) {
  if (!text.is_object()) return invalidType("text", "an object", text);
  if (auto v = enumField(text, "verbosity", "text", {"low", "medium", "high"}); !v)
    return v.error();
  const json* format = field(text, "format");
  if (!format) return {};
  if (!format->is_object()) return invalidType("text.format", "an object", *format);
  auto type =
      enumField(*format, "type", "text.format", {"text", "json_object", "json_schema"}, true);
  if (!type) return type.error();
  if (**type == "json_object") chat["response_format"] = {{"type", "json_object"}};
  if (**type != "json_schema") return {};
  auto name = stringField(*format, "name", "text.format");
  if (!name) return name.error();
  const json* schema = field(*format, "schema");
  if (!schema) return missing("text.format.schema");
  if (!schema->is_object()) return invalidType("text.format.schema", "an object", *schema);
  if (auto r = checkType(*format, "strict", "text.format", &json::is_boolean, "a boolean"); !r)
    return r;
  if (auto d = stringField(*format, "description", "text.format", false); !d) return d.error();
  json js = {{"name", **name}, {"schema", *schema}};
  for (const char* key : {"strict", "description"})
    if (const json* v = field(*format, key)) js[key] = *v;
  chat["response_format"] = {{"type", "json_schema"}, {"json_schema", std::move(js)}};
  return {};
}

Result<void> translateSettings(const json& req, json& chat) {
  if (const json* reasoning = field(req, "reasoning")) {
    if (!reasoning->is_object()) return invalidType("reasoning", "an object", *reasoning);
    auto effort = enumField(*reasoning, "effort", "reasoning",
                            {"none", "minimal", "low", "medium", "high", "xhigh"});
    if (!effort) return effort.error();
    if (*effort) chat["reasoning_effort"] = **effort;
    for (const char* key : {"summary", "generate_summary"}) {
      if (auto s = enumField(*reasoning, key, "reasoning", {"auto", "concise", "detailed"}); !s)
        return s.error();
    }
  }
  struct Number {
    const char* from;
    const char* to;
    double lo, hi;
    bool integer;
  };
  for (const Number& n :
       {Number{"max_output_tokens", "max_completion_tokens", 1, 1e15, true},
        Number{"temperature", "temperature", 0, 2, false}, Number{"top_p", "top_p", 0, 1, false}}) {
    auto v = numberField(req, n.from, "", n.lo, n.hi, n.integer);
    if (!v) return v.error();
    if (*v) chat[n.to] = **v;
  }
  if (auto r = checkType(req, "parallel_tool_calls", "", &json::is_boolean, "a boolean"); !r)
    return r;
  if (const json* p = field(req, "parallel_tool_calls")) chat["parallel_tool_calls"] = *p;
  auto user = stringField(req, "user", "", false);
  if (!user) return user.error();
  if (*user) chat["user"] = **user;
  if (const json* meta = field(req, "metadata")) {
    if (!meta->is_object()) return invalidType("metadata", "an object", *meta);
    if (meta->size() > 16)
      return fail("metadata",
                  "Invalid 'metadata': too many properties. Expected an object with at most 16 "
                  "properties, but got " +
                      std::to_string(meta->size()) + " instead.",
                  "object_above_max_properties");
    for (const auto& [key, value] : meta->items()) {
      std::string path = "metadata." + key;
      if (!value.is_string()) return invalidType(path, "a string", value);
      if (key.size() > 64 || value.get_ref<const std::string&>().size() > 512)
        return fail(path,
                    "Invalid '" + path +
                        "': metadata keys are at most 64 characters and values "
                        "at most 512.",
                    "invalid_value");
    }
    chat["metadata"] = *meta;
  }
  if (const json* s = field(req, "stream")) {
    if (!s->is_boolean()) return invalidType("stream", "a boolean", *s);
    chat["stream"] = *s;
    if (s->get<bool>()) chat["stream_options"] = {{"include_usage", true}};
  }
  return {};
}

}  // namespace switchyard::ingress::responses::request_detail
