// The parse filter: the JSON body of a proxied request -> ex.body, ex.model, ex.stream, and the
// request-level controls -> ex.controls (as sent) and ex.options (typed, validated once here).

#include "switchyard/pipeline/parse.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "switchyard/api/json_guard.hpp"
#include "switchyard/pipeline/filters.hpp"

namespace switchyard::pipeline {
namespace {

using api::Error;
using api::ErrorKind;
using nlohmann::json;

constexpr std::string_view kControls[] = {"fallbacks",
                                          "models",
                                          "disable_fallbacks",
                                          "timeout",
                                          "num_retries",
                                          "mock_testing_fallbacks",
                                          "mock_testing_context_fallbacks",
                                          "mock_testing_content_policy_fallbacks",
                                          "cache",
                                          "metadata",
                                          "tags",
                                          "mock_response"};

Error badRequest(std::string message, std::string param) {
  return Error{ErrorKind::kInvalidRequest, std::move(message), "", 0,
               "invalid_request",          std::move(param)};
}

// `models` (OpenRouter) and `fallbacks`: names, {"model": name, ...} objects, or LiteLLM's config
// shape [{"gpt-4o": ["claude"]}] (the rule's list), appended to `out` in order.
std::optional<Error> readModelList(const json& controls, const char* key,
                                   std::optional<std::vector<std::string>>& out) {
  auto it = controls.find(key);
  if (it == controls.end() || it->is_null()) return std::nullopt;
  if (!it->is_array())
    return badRequest(std::string("'") + key + "' must be an array of model names.", key);
  std::vector<std::string> list = out.value_or(std::vector<std::string>{});
  for (const json& v : *it) {
    if (v.is_string()) {
      list.push_back(v.get<std::string>());
    } else if (v.is_object() && v.contains("model") && v["model"].is_string()) {
      list.push_back(v["model"].get<std::string>());
    } else if (v.is_object() && v.size() == 1 && v.begin()->is_array()) {
      for (const json& m : *v.begin())
        if (m.is_string()) list.push_back(m.get<std::string>());
    } else {
      return badRequest(std::string("'") + key + "' entries must be model names.", key);
    }
  }
  out = std::move(list);
  return std::nullopt;
}

// ex.controls -> ex.options (and ex.timeout_s), except the model lists (readFallbacks). ex.model
// is not known yet.
std::optional<Error> readOptions(api::Exchange& ex) {
  const json& c = *ex.controls;
  api::RequestOptions& o = ex.options;
  if (auto mr = c.find("mock_response"); mr != c.end()) {
    if (!mr->is_string()) return badRequest("'mock_response' must be a string.", "mock_response");
    o.mock_response = mr->get<std::string>();
  }
  if (auto t = c.find("timeout"); t != c.end() && !t->is_null()) {
    if (!t->is_number() || !(t->get<double>() > 0) || t->get<double>() > 86400) {
      return badRequest("'timeout' must be a positive number of seconds.", "timeout");
    }
    if (!ex.timeout_s) ex.timeout_s = t->get<double>();  // the x-litellm-timeout header wins
  }
  if (auto nr = c.find("num_retries"); nr != c.end() && !nr->is_null()) {
    if (!nr->is_number_integer() || nr->get<std::int64_t>() < 0 || nr->get<std::int64_t>() > 10) {
      return badRequest("'num_retries' must be an integer from 0 to 10.", "num_retries");
    }
    o.num_retries = nr->get<int>();
  }
  if (auto d = c.find("disable_fallbacks"); d != c.end() && !d->is_null()) {
    if (!d->is_boolean())
      return badRequest("'disable_fallbacks' must be a boolean.", "disable_fallbacks");
    o.disable_fallbacks = d->get<bool>();
  }
  auto on = [&](const char* key) {
    auto it = c.find(key);
    return it != c.end() && it->is_boolean() && it->get<bool>();
  };
  // Tags (tag filtering): `tags`, and LiteLLM's `metadata.tags` (metadata is free-form: a tags
  // value of another shape carries no tags there, as in LiteLLM).
  if (auto t = c.find("tags"); t != c.end() && !t->is_null()) {
    if (!t->is_array()) return badRequest("'tags' must be an array of strings.", "tags");
    for (const json& tag : *t) {
      if (!tag.is_string()) return badRequest("'tags' must be an array of strings.", "tags");
      o.tags.push_back(tag.get<std::string>());
    }
  }
  if (auto m = c.find("metadata"); m != c.end() && m->is_object()) {
    if (auto t = m->find("tags"); t != m->end() && t->is_array()) {
      for (const json& tag : *t)
        if (tag.is_string()) o.tags.push_back(tag.get<std::string>());
    }
  }
  o.mock_testing_fallbacks = on("mock_testing_fallbacks");
  o.mock_testing_context_fallbacks = on("mock_testing_context_fallbacks");
  o.mock_testing_content_policy_fallbacks = on("mock_testing_content_policy_fallbacks");
  return std::nullopt;
}

// x-litellm-timeout: seconds, a positive number up to a day; nullopt when malformed.
std::optional<double> parseTimeoutHeader(std::string_view v) {
  double x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc{} || p != v.data() + v.size() || !(x > 0) || x > 86400) return std::nullopt;
  return x;
}

// `models` and `fallbacks` -> ex.options.fallbacks, the requested model removed. Checked after the
// rest of the request, so that a missing model is reported as such first.
std::optional<Error> readFallbacks(api::Exchange& ex) {
  if (!ex.controls) return std::nullopt;
  api::RequestOptions& o = ex.options;
  if (auto e = readModelList(*ex.controls, "models", o.fallbacks)) return e;
  if (auto e = readModelList(*ex.controls, "fallbacks", o.fallbacks)) return e;
  if (o.fallbacks) std::erase(*o.fallbacks, ex.model);
  return std::nullopt;
}

// OpenRouter's usage accounting, `"usage": {"include": true}` -> ex.options.usage_include, the
// field taken out of the body (no provider but OpenRouter knows it, and OpenRouter no longer needs
// it). Only chat/completions and completions sent in OpenAI format read it; other bodies keep it.
std::optional<Error> readUsageOption(api::Exchange& ex, json& body) {
  if (ex.ingress != api::WireFormat::kOpenAI || ex.endpoint == api::Endpoint::kEmbeddings)
    return std::nullopt;
  auto u = body.find("usage");
  if (u == body.end()) return std::nullopt;
  if (u->is_object()) {
    if (auto inc = u->find("include"); inc != u->end() && !inc->is_null()) {
      if (!inc->is_boolean())
        return badRequest("Invalid type for 'usage.include': expected a boolean.", "usage.include");
      ex.options.usage_include = inc->get<bool>();
    }
  } else if (!u->is_null()) {
    return badRequest("Invalid type for 'usage': expected an object.", "usage");
  }
  body.erase(u);
  return std::nullopt;
}

// x-litellm-tags: "a, b,c" -> tags appended (those already there are not repeated).
void addHeaderTags(std::string_view header, std::vector<std::string>& tags) {
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (!tag.empty() && std::find(tags.begin(), tags.end(), tag) == tags.end())
      tags.emplace_back(tag);
  }
}

class ParseFilter final : public Filter {
 public:
  explicit ParseFilter(std::optional<api::Endpoint> endpoint) : endpoint_(endpoint) {}
  std::string_view name() const noexcept override { return "parse"; }
  boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, Next next) override {
    if (endpoint_) ex.endpoint = *endpoint_;
    if (std::string_view t = ex.headers ? ex.headers->get("x-litellm-timeout") : std::string_view{};
        !t.empty()) {
      ex.timeout_s = parseTimeoutHeader(t);
      if (!ex.timeout_s) {
        co_return fail(ex,
                       badRequest("Header x-litellm-timeout must be a positive number of seconds.",
                                  "x-litellm-timeout"));
      }
    }
    std::string raw = std::move(ex.raw_body);
    auto ok = parseRequest(ex, raw);
    if (!ok) co_return fail(ex, ok.error());
    if (ex.headers) addHeaderTags(ex.headers->get("x-litellm-tags"), ex.options.tags);
    co_return co_await next(ex);
  }

 private:
  std::optional<api::Endpoint> endpoint_;
};

}  // namespace

std::unique_ptr<Filter> makeParseFilter(std::optional<api::Endpoint> endpoint) {
  return std::make_unique<ParseFilter>(endpoint);
}

api::Result<void> parseRequest(api::Exchange& ex, std::string_view raw_body) {
  std::unique_ptr<json> body = std::move(ex.body);  // an ingress filter may have translated it
  if (!body) {
    if (raw_body.empty()) return badRequest("Request body is empty: expected a JSON object.", "");
    auto parsed = api::parseJsonObject(raw_body);
    if (!parsed) return parsed.error();
    body = std::make_unique<json>(std::move(*parsed));
  }

  for (std::string_view key : kControls) {
    auto it = body->find(key);
    if (it == body->end()) continue;
    if (!ex.controls) ex.controls = std::make_unique<json>(json::object());
    (*ex.controls)[std::string(key)] = std::move(*it);
    body->erase(it);
  }
  if (ex.controls) {
    if (auto e = readOptions(ex)) return std::move(*e);
  }

  auto model = body->find("model");
  if (model == body->end() || model->is_null()) {
    // OpenRouter-style: `models` alone names the first choice.
    const json* models =
        ex.controls && ex.controls->contains("models") ? &(*ex.controls)["models"] : nullptr;
    if (models && models->is_array() && !models->empty() && (*models)[0].is_string()) {
      ex.model = (*models)[0].get<std::string>();
    } else {
      return badRequest("Missing required parameter: 'model'.", "model");
    }
  } else if (!model->is_string() || model->get_ref<const std::string&>().empty()) {
    return badRequest("Invalid type for 'model': expected a non-empty string.", "model");
  } else {
    ex.model = model->get<std::string>();
  }

  if (auto s = body->find("stream"); s != body->end()) {
    if (s->is_boolean()) {
      ex.stream = s->get<bool>();
    } else if (!s->is_null()) {
      return badRequest("Invalid type for 'stream': expected a boolean.", "stream");
    }
  }

  switch (ex.endpoint) {
    case api::Endpoint::kChatCompletions: {
      auto m = body->find("messages");
      if (m == body->end() || m->is_null())
        return badRequest("Missing required parameter: 'messages'.", "messages");
      if (!m->is_array())
        return badRequest("Invalid type for 'messages': expected an array.", "messages");
      if (m->empty())
        return badRequest("Invalid 'messages': empty array. Expected at least one message.",
                          "messages");
      for (std::size_t i = 0; i < m->size(); ++i) {
        const json& msg = (*m)[i];
        std::string where = "messages[" + std::to_string(i) + "]";
        if (!msg.is_object())
          return badRequest("Invalid '" + where + "': expected an object.", where);
        auto role = msg.find("role");
        if (role == msg.end() || !role->is_string())
          return badRequest("Missing required parameter: '" + where + ".role'.", where + ".role");
      }
      break;
    }
    case api::Endpoint::kCompletions: {
      auto p = body->find("prompt");
      if (p == body->end() || p->is_null())
        return badRequest("Missing required parameter: 'prompt'.", "prompt");
      if (!p->is_string() && !p->is_array())
        return badRequest("Invalid type for 'prompt': expected a string or an array.", "prompt");
      break;
    }
    case api::Endpoint::kEmbeddings: {
      auto in = body->find("input");
      if (in == body->end() || in->is_null())
        return badRequest("Missing required parameter: 'input'.", "input");
      if (!in->is_string() && !in->is_array())
        return badRequest("Invalid type for 'input': expected a string or an array.", "input");
      if (ex.stream) return badRequest("Embeddings cannot be streamed.", "stream");
      break;
    }
  }
  if (auto e = readUsageOption(ex, *body)) return std::move(*e);
  if (auto e = readFallbacks(ex)) return std::move(*e);
  ex.body = std::move(body);
  return {};
}

}  // namespace switchyard::pipeline
