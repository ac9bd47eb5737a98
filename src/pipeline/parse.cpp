// The parse filter: the JSON body of a proxied request -> ex.body, ex.model, ex.stream, and the
// request-level controls -> ex.controls (as sent) and ex.options (typed, validated once here).

#include "switchyard/pipeline/parse.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "switchyard/api/json_guard.hpp"
#include "switchyard/api/usage.hpp"
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
std::optional<Error> readUsageOption(api::Exchange& ex) {
  if (ex.ingress != api::WireFormat::kOpenAI || ex.endpoint == api::Endpoint::kEmbeddings)
    return std::nullopt;
  std::optional<api::JsonView> u = ex.body.find("usage");
  if (!u) return std::nullopt;
  if (u->kind() == api::JsonKind::kObject) {
    if (std::optional<api::JsonView> inc = u->find("include"); inc && !inc->isNull()) {
      std::optional<bool> on = inc->boolean();
      if (!on)
        return badRequest("Invalid type for 'usage.include': expected a boolean.", "usage.include");
      ex.options.usage_include = *on;
    }
  } else if (!u->isNull()) {
    return badRequest("Invalid type for 'usage': expected an object.", "usage");
  }
  ex.body.erase("usage");
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
    auto ok = parseRequest(ex, std::move(ex.raw_body));
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

api::Result<void> parseRequest(api::Exchange& ex, std::string raw_body) {
  if (!ex.body) {  // an ingress filter may have translated it
    if (raw_body.empty()) return badRequest("Request body is empty: expected a JSON object.", "");
    api::Result<api::Body> parsed = api::Body::parse(std::move(raw_body));
    if (!parsed) return parsed.error();
    ex.body = std::move(*parsed);
  }
  api::Body& body = ex.body;

  for (std::string_view key : kControls) {
    std::optional<api::JsonView> v = body.find(key);
    if (!v) continue;
    if (!ex.controls) ex.controls = std::make_unique<json>(json::object());
    (*ex.controls)[std::string(key)] = v->parse();
    body.erase(key);
  }
  if (ex.controls) {
    if (auto e = readOptions(ex)) return std::move(*e);
  }

  std::optional<api::JsonView> model = body.find("model");
  if (!model || model->isNull()) {
    // OpenRouter-style: `models` alone names the first choice.
    const json* models =
        ex.controls && ex.controls->contains("models") ? &(*ex.controls)["models"] : nullptr;
    if (models && models->is_array() && !models->empty() && (*models)[0].is_string()) {
      ex.model = (*models)[0].get<std::string>();
    } else {
      return badRequest("Missing required parameter: 'model'.", "model");
    }
  } else if (!model->isString() || model->stringLength() == 0) {
    return badRequest("Invalid type for 'model': expected a non-empty string.", "model");
  } else {
    ex.model = model->string();
  }

  if (std::optional<api::JsonView> s = body.find("stream")) {
    if (std::optional<bool> b = s->boolean()) {
      ex.stream = *b;
    } else if (!s->isNull()) {
      return badRequest("Invalid type for 'stream': expected a boolean.", "stream");
    }
  }

  api::PromptEstimate estimate;
  switch (ex.endpoint) {
    case api::Endpoint::kChatCompletions: {
      std::optional<api::JsonView> m = body.find("messages");
      if (!m || m->isNull())
        return badRequest("Missing required parameter: 'messages'.", "messages");
      if (m->kind() != api::JsonKind::kArray)
        return badRequest("Invalid type for 'messages': expected an array.", "messages");
      if (m->emptyContainer())
        return badRequest("Invalid 'messages': empty array. Expected at least one message.",
                          "messages");
      std::size_t i = 0;
      std::optional<Error> bad;
      m->forEachElement([&](api::JsonView msg) {  // checked and counted in one walk
        if (msg.kind() != api::JsonKind::kObject) {
          std::string where = "messages[" + std::to_string(i) + "]";
          bad = badRequest("Invalid '" + where + "': expected an object.", where);
        } else if (std::optional<api::JsonView> role = estimate.message(msg);
                   !role || !role->isString()) {
          std::string where = "messages[" + std::to_string(i) + "]";
          bad = badRequest("Missing required parameter: '" + where + ".role'.", where + ".role");
        }
        ++i;
        return !bad;
      });
      if (bad) return std::move(*bad);
      break;
    }
    case api::Endpoint::kCompletions: {
      std::optional<api::JsonView> p = body.find("prompt");
      if (!p || p->isNull()) return badRequest("Missing required parameter: 'prompt'.", "prompt");
      if (!p->isString() && p->kind() != api::JsonKind::kArray)
        return badRequest("Invalid type for 'prompt': expected a string or an array.", "prompt");
      break;
    }
    case api::Endpoint::kEmbeddings: {
      std::optional<api::JsonView> in = body.find("input");
      if (!in || in->isNull()) return badRequest("Missing required parameter: 'input'.", "input");
      if (!in->isString() && in->kind() != api::JsonKind::kArray)
        return badRequest("Invalid type for 'input': expected a string or an array.", "input");
      if (ex.stream) return badRequest("Embeddings cannot be streamed.", "stream");
      break;
    }
  }
  if (auto e = readUsageOption(ex)) return std::move(*e);
  if (auto e = readFallbacks(ex)) return std::move(*e);
  estimate.rest(body);
  ex.prompt_estimate = estimate.tokens();
  return {};
}

}  // namespace switchyard::pipeline
