// The filters of the proxied endpoints: auth, parse, provider_call.

#include <chrono>
#include <nlohmann/json.hpp>

#include "switchyard/api/anthropic_ingress.hpp"
#include "switchyard/api/json_guard.hpp"
#include "switchyard/auth/auth.hpp"
#include "switchyard/pipeline/pipeline.hpp"

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

class ProviderCallFilter final : public Filter {
 public:
  ProviderCallFilter(const config::Config& cfg, const router::Router& router, providers::Providers& providers)
      : cfg_(cfg), router_(router), providers_(providers), rng_(std::random_device{}()) {}
  std::string_view name() const noexcept override { return "provider_call"; }

  boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, Next) override {
    const auto& deployments = router_.deployments(ex.model);
    if (deployments.empty()) {
      co_return fail(ex, Error{ErrorKind::kModelNotFound,
                               "The model `" + ex.model + "` does not exist or you do not have access to it.",
                               "", 0, "model_not_found", "model"});
    }
    ex.outcome.model_group = ex.model;
    bool mocked = ex.controls && ex.controls->contains("mock_response");
    Error last{ErrorKind::kUpstreamError, "No deployment could serve this request."};
    int attempts = 0;
    for (const config::Deployment* d : router_.plan(ex.model, rng_)) {
      providers::Provider* provider = mocked ? &providers_.mock() : providers_.find(d->provider);
      if (!provider) {
        last = Error{ErrorKind::kUpstreamError,
                     "Provider '" + d->provider + "' is not supported yet by this Switchyard build.",
                     "unsupported provider " + d->provider};
        last.status = 501;
        last.code = "provider_not_supported";
        continue;
      }
      if (attempts++ > 0) ++ex.outcome.attempted_retries;
      ex.outcome.deployment_id = d->id;
      ex.outcome.provider = mocked ? "mock" : d->provider;
      ex.outcome.api_base = provider->apiBase(*d);
      auto started = Clock::now();
      api::Result<api::Reply> r = co_await provider->call(ex, *d, callOptionsFor(cfg_, *d));
      ex.outcome.upstream_time += Clock::now() - started;
      if (r) co_return std::move(*r);
      if (!api::isRetryable(r.error())) co_return fail(ex, std::move(r.error()));
      last = std::move(r.error());
    }
    co_return fail(ex, std::move(last));
  }

 private:
  const config::Config& cfg_;
  const router::Router& router_;
  providers::Providers& providers_;
  std::mt19937_64 rng_;
};

constexpr std::string_view kControls[] = {"fallbacks", "models", "disable_fallbacks", "cache", "metadata",
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
  owned_.push_back(std::make_unique<ProviderCallFilter>(cfg, router, providers));
  for (auto& f : owned_) chain_.push_back(f.get());
}

Pipeline::~Pipeline() = default;

boost::asio::awaitable<api::Reply> Pipeline::run(api::Exchange& ex) {
  co_return co_await Next{chain_}(ex);
}

}  // namespace switchyard::pipeline
