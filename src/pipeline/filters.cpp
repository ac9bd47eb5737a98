// The filters of the proxied endpoints: auth, parse, provider_call.

#include <chrono>
#include <nlohmann/json.hpp>

#include "switchyard/api/anthropic_ingress.hpp"
#include "switchyard/api/json_guard.hpp"
#include "switchyard/auth/auth.hpp"
#include "switchyard/pipeline/pipeline.hpp"
#include "provider_call.hpp"

namespace switchyard::pipeline {
namespace {

using api::Error;
using api::ErrorKind;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

class AuthFilter final : public Filter {
 public:
  explicit AuthFilter(const config::Config& cfg) : cfg_(cfg) {}
  std::string_view name() const noexcept override { return "auth"; }
  boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, Next next) override {
    auto principal = auth::authenticate(ex.auth_token, cfg_.general_settings.master_key);
    if (!principal) co_return fail(ex, principal.error());
    co_return co_await next(ex);
  }

 private:
  const config::Config& cfg_;
};

class ParseFilter final : public Filter {
 public:
  std::string_view name() const noexcept override { return "parse"; }
  boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, Next next) override {
    std::string raw = std::move(ex.raw_body);
    auto ok = parseRequest(ex, raw);
    if (!ok) co_return fail(ex, ok.error());
    co_return co_await next(ex);
  }
};

constexpr std::string_view kControls[] = {"fallbacks", "models", "disable_fallbacks", "timeout", "num_retries",
                                          "mock_testing_fallbacks", "mock_testing_context_fallbacks",
                                          "mock_testing_content_policy_fallbacks", "cache", "metadata",
                                          "mock_response"};

Error badRequest(std::string message, std::string param) {
  return Error{ErrorKind::kInvalidRequest, std::move(message), "", 0, "invalid_request", std::move(param)};
}

}  // namespace

api::Result<void> parseRequest(api::Exchange& ex, std::string_view raw_body) {
  if (raw_body.empty()) return badRequest("Request body is empty: expected a JSON object.", "");
  auto parsed = api::parseJsonObject(raw_body);
  if (!parsed) return parsed.error();
  std::unique_ptr<json> body;
  if (ex.ingress == api::WireFormat::kAnthropic) {
    // POST /v1/messages: validated and translated to an OpenAI chat request; the original is kept
    // for adapters that pass it through to Anthropic.
    auto translated = api::anthropic::toOpenAiRequest(*parsed);
    if (!translated) return translated.error();
    ex.endpoint = api::Endpoint::kChatCompletions;
    ex.anthropic_body = std::make_unique<json>(std::move(*parsed));
    body = std::make_unique<json>(std::move(*translated));
  } else {
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
    auto mr = ex.controls->find("mock_response");
    if (mr != ex.controls->end() && !mr->is_string()) return badRequest("'mock_response' must be a string.", "mock_response");
    auto t = ex.controls->find("timeout");
    if (t != ex.controls->end() && !t->is_null()) {
      if (!t->is_number() || !(t->get<double>() > 0) || t->get<double>() > 86400) {
        return badRequest("'timeout' must be a positive number of seconds.", "timeout");
      }
      if (!ex.timeout_s) ex.timeout_s = t->get<double>();  // the x-litellm-timeout header wins
    }
    auto nr = ex.controls->find("num_retries");
    if (nr != ex.controls->end() && !nr->is_null() &&
        (!nr->is_number_integer() || nr->get<std::int64_t>() < 0 || nr->get<std::int64_t>() > 10)) {
      return badRequest("'num_retries' must be an integer from 0 to 10.", "num_retries");
    }
  }

  auto model = body->find("model");
  if (model == body->end() || model->is_null()) {
    // OpenRouter-style: `models` alone names the first choice.
    const json* models = ex.controls && ex.controls->contains("models") ? &(*ex.controls)["models"] : nullptr;
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
      if (m == body->end() || m->is_null()) return badRequest("Missing required parameter: 'messages'.", "messages");
      if (!m->is_array()) return badRequest("Invalid type for 'messages': expected an array.", "messages");
      if (m->empty()) return badRequest("Invalid 'messages': empty array. Expected at least one message.", "messages");
      for (std::size_t i = 0; i < m->size(); ++i) {
        const json& msg = (*m)[i];
        std::string where = "messages[" + std::to_string(i) + "]";
        if (!msg.is_object()) return badRequest("Invalid '" + where + "': expected an object.", where);
        auto role = msg.find("role");
        if (role == msg.end() || !role->is_string())
          return badRequest("Missing required parameter: '" + where + ".role'.", where + ".role");
      }
      break;
    }
    case api::Endpoint::kCompletions: {
      auto p = body->find("prompt");
      if (p == body->end() || p->is_null()) return badRequest("Missing required parameter: 'prompt'.", "prompt");
      if (!p->is_string() && !p->is_array()) return badRequest("Invalid type for 'prompt': expected a string or an array.", "prompt");
      break;
    }
    case api::Endpoint::kEmbeddings: {
      auto in = body->find("input");
      if (in == body->end() || in->is_null()) return badRequest("Missing required parameter: 'input'.", "input");
      if (!in->is_string() && !in->is_array()) return badRequest("Invalid type for 'input': expected a string or an array.", "input");
      if (ex.stream) return badRequest("Embeddings cannot be streamed.", "stream");
      break;
    }
  }
  ex.body = std::move(body);
  return {};
}

namespace {

// Characters of text in a content value: a string, or an array of parts with "text".
std::size_t textChars(const json& v) {
  if (v.is_string()) return v.get_ref<const std::string&>().size();
  std::size_t n = 0;
  if (v.is_array()) {
    for (const json& part : v) {
      if (part.is_string()) n += part.get_ref<const std::string&>().size();
      else if (part.is_object())
        if (auto t = part.find("text"); t != part.end() && t->is_string()) n += t->get_ref<const std::string&>().size();
    }
  }
  return n;
}

}  // namespace

std::uint64_t estimatePromptTokens(const api::Exchange& ex) {
  if (!ex.body) return 0;
  const json& b = *ex.body;
  std::size_t chars = 0, messages = 0;
  if (auto m = b.find("messages"); m != b.end() && m->is_array()) {
    for (const json& msg : *m) {
      ++messages;
      if (!msg.is_object()) continue;
      if (auto c = msg.find("content"); c != msg.end()) chars += textChars(*c);
      if (auto tc = msg.find("tool_calls"); tc != msg.end() && tc->is_array()) chars += tc->dump().size();
    }
  }
  if (auto p = b.find("prompt"); p != b.end()) chars += textChars(*p);
  if (auto in = b.find("input"); in != b.end()) chars += textChars(*in);
  if (auto t = b.find("tools"); t != b.end() && t->is_array()) chars += t->dump().size();
  return (chars + 3) / 4 + 4 * messages;
}

providers::CallOptions callOptionsFor(const config::Config& cfg, const config::Deployment& d) {
  auto secs = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  providers::CallOptions o;
  double timeout = 600;
  if (d.timeout_s) timeout = *d.timeout_s;
  else if (cfg.router_settings.timeout_s) timeout = *cfg.router_settings.timeout_s;
  else if (cfg.litellm_settings.request_timeout_s) timeout = *cfg.litellm_settings.request_timeout_s;
  double stream_timeout = timeout;
  if (d.stream_timeout_s) stream_timeout = *d.stream_timeout_s;
  else if (cfg.router_settings.stream_timeout_s) stream_timeout = *cfg.router_settings.stream_timeout_s;
  o.timeout = secs(timeout);
  o.stream_timeout = secs(stream_timeout);
  o.drop_params = cfg.litellm_settings.drop_params;
  return o;
}

Pipeline::Pipeline(const config::Config& cfg, const router::Router& router, providers::Providers& providers) {
  owned_.push_back(std::make_unique<AuthFilter>(cfg));
  owned_.push_back(std::make_unique<ParseFilter>());
  owned_.push_back(makeProviderCallFilter(cfg, router, providers));
  for (auto& f : owned_) chain_.push_back(f.get());
}

Pipeline::~Pipeline() = default;

boost::asio::awaitable<api::Reply> Pipeline::run(api::Exchange& ex) {
  co_return co_await Next{chain_}(ex);
}

}  // namespace switchyard::pipeline
