// The Gemini API's URLs, embeddings and error answers (gemini_endpoints.hpp).

#include "gemini_endpoints.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "embedding_encoding.hpp"
#include "errors.hpp"
#include "switchyard/api/json_guard.hpp"

namespace switchyard::providers {

using api::Error;
using api::ErrorKind;
using nlohmann::json;

namespace gemini {
namespace {

api::Result<json> okJson(json j) {
  return api::Result<json>(boost::system::in_place_value, std::move(j));
}

Error invalidInput(std::string message) {
  Error e{ErrorKind::kInvalidRequest, std::move(message)};
  e.param = "input";
  return e;
}

}  // namespace

Url apiRoot(Url base) {
  if (!(base.path.ends_with("/v1beta") || base.path.ends_with("/v1") ||
        base.path.ends_with("/v1alpha")))
    base.path += "/v1beta";
  return base;
}

std::string methodTarget(const Url& root, std::string_view model, std::string_view method) {
  if (model.starts_with("models/")) model.remove_prefix(7);
  std::string t = root.path + "/models/" + std::string(model) + ":" + std::string(method);
  std::string query = method == "streamGenerateContent" ? "alt=sse" : "";
  if (!root.query.empty()) query += (query.empty() ? "" : "&") + root.query;
  if (!query.empty()) t += "?" + query;
  return t;
}

api::Result<json> toEmbedRequest(const json& body, std::string_view model, bool* batch) {
  auto in = body.find("input");
  if (in == body.end()) return invalidInput("'input' is required.");
  std::string model_name =
      std::string(model.starts_with("models/") ? "" : "models/") + std::string(model);
  std::optional<int> dims;
  if (auto d = body.find("dimensions"); d != body.end() && d->is_number_integer())
    dims = d->get<int>();
  auto one = [&](const json& text) {
    json req = {{"model", model_name}, {"content", {{"parts", json::array({{{"text", text}}})}}}};
    if (dims) req["outputDimensionality"] = *dims;
    return req;
  };
  if (in->is_string()) {
    *batch = false;
    return okJson(one(*in));
  }
  if (!in->is_array() || in->empty())
    return invalidInput("'input' must be a string or a non-empty list of strings.");
  json requests = json::array();
  for (const json& item : *in) {
    if (!item.is_string())
      return invalidInput("gemini embeddings take text inputs only (no token ids).");
    requests.push_back(one(item));
  }
  *batch = true;
  return okJson(json{{"requests", std::move(requests)}});
}

api::Result<json> fromEmbedResponse(const json& r, std::string_view model, bool base64,
                                    std::uint64_t prompt_tokens) {
  std::vector<const json*> vectors;
  if (!r.is_object())
    return Error{ErrorKind::kUpstreamError, "The provider sent an invalid response.",
                 "gemini embed: not an object"};
  if (auto e = r.find("embedding"); e != r.end() && e->is_object()) vectors.push_back(&*e);
  if (auto es = r.find("embeddings"); es != r.end() && es->is_array())
    for (const json& e : *es) vectors.push_back(&e);
  json data = json::array();
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    auto values = vectors[i]->find("values");
    if (values == vectors[i]->end() || !values->is_array())
      return Error{ErrorKind::kUpstreamError, "The provider sent an invalid response.",
                   "gemini embed: no values"};
    json vec;
    if (base64) {
      std::vector<double> v;
      v.reserve(values->size());
      for (const json& x : *values) v.push_back(x.is_number() ? x.get<double>() : 0.0);
      vec = base64Float32(v);
    } else {
      vec = *values;
    }
    data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", std::move(vec)}});
  }
  if (data.empty())
    return Error{ErrorKind::kUpstreamError, "The provider sent an invalid response.",
                 "gemini embed: no embeddings"};
  return okJson(
      json{{"object", "list"},
           {"data", std::move(data)},
           {"model", std::string(model)},
           {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}});
}

api::Error mapGeminiError(unsigned status, std::string_view body, std::string_view retry_after,
                          std::string_view secret) {
  static constexpr std::string_view kContextPhrases[] = {
      "maximum context length", "exceeds the maximum number of tokens", "input token count",
      "context window", "too many tokens"};
  static constexpr ErrorDialect kGemini{"gemini", 503, kContextPhrases};
  UpstreamFailure f{status, {}, {}, {}, {}, retry_after};
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_array() && !parsed.empty()) parsed = parsed[0];  // some proxies wrap it in a list
  std::string retry_delay;
  bool key_invalid = false;
  auto text = [](const json& obj, const char* key) {
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
    const json& e = parsed["error"];
    f.type = text(e, "status");  // google.rpc code name: INVALID_ARGUMENT, UNAVAILABLE...
    f.message = text(e, "message");
    if (auto d = e.find("details"); d != e.end() && d->is_array()) {
      for (const json& x : *d) {
        if (!x.is_object()) continue;
        if (text(x, "reason") == "API_KEY_INVALID") key_invalid = true;
        if (std::string rd = text(x, "retryDelay"); !rd.empty()) retry_delay = rd;
      }
    }
  }
  if (key_invalid || f.type == "UNAUTHENTICATED") f.status = 401;
  if (f.type == "PERMISSION_DENIED" && f.status < 500) f.status = 403;
  std::string ra;
  if (retry_after.empty() && !retry_delay.empty()) {
    unsigned secs = 0;
    std::from_chars(retry_delay.data(), retry_delay.data() + retry_delay.size(), secs);
    // "37s" or "0.5s": round up.
    if (retry_delay.find('.') != std::string::npos) ++secs;
    if (secs > 0) f.retry_after = ra = std::to_string(secs);
  }
  return mapUpstreamError(std::move(f), kGemini, secret);
}

}  // namespace gemini

}  // namespace switchyard::providers
