#include "switchyard/server/routes.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "switchyard/api/anthropic_ingress.hpp"
#include "switchyard/api/json_guard.hpp"

namespace switchyard::server {
namespace {

constexpr std::int64_t kModelCreated = 1677610602;  // LiteLLM's constant

std::string percentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

nlohmann::json modelObject(std::string_view id) {
  return {{"id", id}, {"object", "model"}, {"created", kModelCreated}, {"owned_by", "openai"}};
}

}  // namespace

std::string queryParam(std::string_view target, std::string_view key) {
  std::size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    std::size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != key) continue;
    std::string value(pair.substr(eq + 1));
    std::replace(value.begin(), value.end(), '+', ' ');
    return percentDecode(value);
  }
  return {};
}

RouteMatch matchRoute(std::string_view method, std::string_view path) {
  if (path.starts_with("/v1/")) path.remove_prefix(3);
  else if (path == "/v1") path = "/";
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  RouteMatch m;
  auto expect = [&](Route r, std::string_view verb) {
    m.route = r;
    m.method_allowed = method == verb;
  };
  if (path == "/chat/completions") expect(Route::kChatCompletions, "POST");
  else if (path == "/completions") expect(Route::kCompletions, "POST");
  else if (path == "/embeddings") expect(Route::kEmbeddings, "POST");
  else if (path == "/messages") expect(Route::kMessages, "POST");
  else if (path == "/messages/count_tokens") expect(Route::kCountTokens, "POST");
  else if (path == "/models") expect(Route::kModels, "GET");
  else if (path.starts_with("/models/")) {
    expect(Route::kModel, "GET");
    m.param = percentDecode(path.substr(8));
  } else if (path == "/health/liveliness" || path == "/health/liveness") {
    m.route = Route::kLiveness;
    m.method_allowed = method == "GET" || method == "HEAD";
  } else if (path == "/health") {
    expect(Route::kHealth, "GET");
  } else if (path == "/health/readiness") {
    m.route = Route::kReadiness;
    m.method_allowed = method == "GET" || method == "HEAD";
  }
  return m;
}

bool needsAuth(Route r) noexcept { return r != Route::kLiveness && r != Route::kReadiness; }

std::optional<api::Endpoint> endpointOf(Route r) noexcept {
  switch (r) {
    case Route::kChatCompletions:
    case Route::kMessages: return api::Endpoint::kChatCompletions;
    case Route::kCompletions: return api::Endpoint::kCompletions;
    case Route::kEmbeddings: return api::Endpoint::kEmbeddings;
    default: return std::nullopt;
  }
}

api::Reply modelsReply(const router::Router& router) {
  nlohmann::json data = nlohmann::json::array();
  for (const std::string& alias : router.aliases()) data.push_back(modelObject(alias));
  return api::Reply::json(200, api::dumpJson({{"object", "list"}, {"data", std::move(data)}}));
}

api::Reply modelReply(const router::Router& router, std::string_view id) {
  if (!router.hasAlias(id)) {
    return api::Reply::fromError({api::ErrorKind::kModelNotFound,
                                  "The model `" + std::string(id) + "` does not exist or you do not have access to it.",
                                  "", 0, "model_not_found", "model"});
  }
  return api::Reply::json(200, api::dumpJson(modelObject(id)));
}

api::Reply countTokensReply(const router::Router& router, std::string_view body) {
  auto fail = [](const api::Error& e) {
    api::Reply r = api::Reply::fromError(e);
    r.body = api::anthropic::errorBody(e);
    return r;
  };
  auto parsed = api::parseJsonObject(body);
  if (!parsed) return fail(parsed.error());
  auto counted = api::anthropic::countTokens(*parsed);
  if (!counted) return fail(counted.error());
  std::string model = (*parsed)["model"].get<std::string>();
  if (!router.hasAlias(model)) {
    return fail({api::ErrorKind::kModelNotFound, "model: " + model + " does not exist", "", 0,
                 "model_not_found", "model"});
  }
  return api::Reply::json(200, api::dumpJson(*counted));
}

api::Reply livenessReply() { return api::Reply::json(200, "\"I'm alive!\""); }

api::Reply readinessReply(bool draining) {
  nlohmann::json j = {{"status", draining ? "draining" : "connected"},
                      {"db", "Not connected"},
                      {"cache", nullptr},
                      {"switchyard_version", "0.1.0"}};
  return api::Reply::json(draining ? 503 : 200, api::dumpJson(j));
}

}  // namespace switchyard::server
