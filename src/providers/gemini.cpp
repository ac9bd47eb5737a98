// The Gemini (Google AI Studio) adapter (DESIGN §5): OpenAI chat and embeddings requests are
// translated to generateContent / streamGenerateContent?alt=sse / embedContent /
// batchEmbedContents (gemini_translate.hpp) and the answers back to OpenAI format.
//
// api_base: the host root or a base ending in /v1beta (default kDefaultBase). Key: the
// deployment's api_key, else env GEMINI_API_KEY, sent as `x-goog-api-key`. Legacy
// /v1/completions is not served (400).
//
// Besides the adapter, this file holds the URL, embeddings and error-answer parts of
// gemini_translate.hpp (the chat translation is gemini_translate.cpp).

#include <charconv>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "adapters.hpp"
#include "embedding_encoding.hpp"
#include "errors.hpp"
#include "gemini_translate.hpp"
#include "switchyard/api/ids.hpp"
#include "switchyard/api/json_guard.hpp"
#include "target_cache.hpp"
#include "upstream_events.hpp"

namespace switchyard::providers {
namespace {

using api::Error;
using api::ErrorKind;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct GeminiTarget {
  std::optional<Url> root;  // ".../v1beta"
  std::string base_text;
  std::string api_key;
  std::optional<Error> error;
};

GeminiTarget resolve(const config::Deployment& d) {
  BaseAndKey b = resolveBaseAndKey(d, {gemini::kDefaultBase, "", gemini::kKeyEnv});
  GeminiTarget t;
  if (b.error) {
    t.error = std::move(b.error);
    return t;
  }
  t.root = gemini::apiRoot(std::move(*b.base));
  t.base_text = t.root->origin() + t.root->path;
  t.api_key = std::move(b.api_key);
  return t;
}

bool isJsonObjectText(std::string_view body) {
  std::size_t first = body.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && body[first] == '{';
}

// Turns the upstream SSE stream into chat.completion.chunk events (gemini::StreamTranslator).
class GeminiStream final : public api::ChunkSource {
 public:
  GeminiStream(std::unique_ptr<UpstreamStream> upstream, Clock::duration idle,
               gemini::StreamTranslator tr, std::string secret)
      : events_(std::move(upstream), idle), tr_(std::move(tr)), secret_(std::move(secret)) {}

  // Reads until the first frame that commits the answer (content, a tool call, a finish); an
  // error, a safety block or the end of the stream before it is returned as an Error, so the
  // router can still fail over (DESIGN §4). What was produced is replayed by next().
  boost::asio::awaitable<api::Result<void>> prime() {
    while (!done_ && !tr_.committed()) {
      auto r = co_await pump();
      if (!r) co_return r.error();
    }
    if (!tr_.committed()) {
      co_return Error{ErrorKind::kUpstreamError, "The provider ended the stream without an answer.",
                      "gemini: stream ended before any candidate"};
    }
    co_return api::Result<void>{};
  }

  boost::asio::awaitable<api::Result<std::optional<std::string>>> next() override {
    while (pending_.empty() && !done_) {
      auto r = co_await pump();
      if (!r) co_return r.error();
    }
    if (pending_.empty()) co_return std::optional<std::string>{};
    co_return std::optional<std::string>{std::exchange(pending_, {})};
  }

 private:
  // Reads one piece from upstream and translates the events it completes into pending_.
  boost::asio::awaitable<api::Result<void>> pump() {
    auto read = co_await events_.read();
    if (!read) co_return read.error();
    while (std::optional<SseEvent> ev = events_.take()) {
      if (ev->data.empty()) continue;  // comments, keep-alives
      auto r = tr_.feed(ev->data, pending_, secret_);
      if (!r) co_return r.error();
    }
    if (events_.overflowed()) co_return sseOverflowError();
    if (events_.ended()) {
      tr_.finish(pending_);
      done_ = true;
    }
    co_return api::Result<void>{};
  }

  UpstreamEvents events_;
  gemini::StreamTranslator tr_;
  std::string secret_;
  std::string pending_;
  bool done_ = false;
};

class Gemini final : public Provider {
 public:
  explicit Gemini(Transport& transport) : transport_(transport) {}

  std::string apiBase(const config::Deployment& d) override { return target(d).base_text; }

  boost::asio::awaitable<api::Result<api::Reply>> call(api::Exchange& ex,
                                                       const config::Deployment& d,
                                                       const CallOptions& opts) override {
    const GeminiTarget& t = target(d);
    if (t.error) co_return *t.error;
    if (ex.endpoint == api::Endpoint::kCompletions) {
      co_return Error{
          ErrorKind::kInvalidRequest,
          "gemini models are served on /v1/chat/completions; /v1/completions is not supported."};
    }
    UpstreamRequest req;
    req.headers.reserve(3 + d.headers.size());
    req.headers.push_back({"content-type", "application/json"});
    if (!t.api_key.empty()) req.headers.push_back({"x-goog-api-key", t.api_key});
    for (const auto& [k, v] : d.headers) req.headers.push_back({k, v});
    if (ex.endpoint == api::Endpoint::kEmbeddings)
      co_return co_await embed(ex, d, t, std::move(req), opts);

    auto body = gemini::toGenerateContent(*ex.body, opts.drop_params);
    if (!body) co_return body.error();
    req.body = api::dumpJson(*body);
    const std::string id = "chatcmpl-" + api::newUuid();
    const std::int64_t created = static_cast<std::int64_t>(std::time(nullptr));

    if (!ex.stream) {
      req.target = gemini::methodTarget(*t.root, d.model_id, "generateContent");
      auto r = co_await transport_.send(*t.root, req, opts.timeout);
      if (!r) co_return r.error();
      if (r->status < 200 || r->status >= 300)
        co_return gemini::mapGeminiError(r->status, r->body, r->header("retry-after"), t.api_key);
      json parsed = json::parse(r->body, nullptr, false);
      if (!parsed.is_object()) co_return invalidResponse(r->status);
      api::Usage usage;
      auto out = gemini::fromGenerateContent(parsed, d.model_id, id, created, &usage);
      if (!out) co_return out.error();
      api::Reply reply;
      reply.body = api::dumpJson(*out);
      reply.usage = usage;
      co_return reply;
    }

    req.target = gemini::methodTarget(*t.root, d.model_id, "streamGenerateContent");
    req.headers.push_back({"accept", "text/event-stream"});
    auto s = co_await transport_.open(*t.root, req, opts.stream_timeout);
    if (!s) co_return s.error();
    std::unique_ptr<UpstreamStream> up = std::move(*s);
    const unsigned status = up->status();
    std::string content_type(up->header("content-type"));
    if (status < 200 || status >= 300 || content_type.find("event-stream") == std::string::npos) {
      std::string retry_after(up->header("retry-after"));
      auto all = co_await up->readAll(opts.timeout, transport_.options().max_response_bytes);
      if (!all) co_return all.error();
      if (status < 200 || status >= 300)
        co_return gemini::mapGeminiError(status, *all, retry_after, t.api_key);
      co_return invalidResponse(status);
    }
    bool include_usage = false;
    if (auto so = ex.body->find("stream_options"); so != ex.body->end() && so->is_object())
      include_usage = so->value("include_usage", false);
    auto stream = std::make_unique<GeminiStream>(
        std::move(up), opts.stream_timeout,
        gemini::StreamTranslator(d.model_id, id, created, include_usage), t.api_key);
    auto primed = co_await stream->prime();
    if (!primed) co_return primed.error();
    api::Reply reply;
    reply.status = status;
    reply.content_type = "text/event-stream";
    reply.stream = std::move(stream);
    co_return reply;
  }

 private:
  static Error invalidResponse(unsigned status) {
    return Error{ErrorKind::kUpstreamError, "The provider sent an invalid response.",
                 "upstream gemini answered " + std::to_string(status) + " with an unexpected body"};
  }

  boost::asio::awaitable<api::Result<api::Reply>> embed(api::Exchange& ex,
                                                        const config::Deployment& d,
                                                        const GeminiTarget& t, UpstreamRequest req,
                                                        const CallOptions& opts) {
    bool batch = false;
    auto body = gemini::toEmbedRequest(*ex.body, d.model_id, &batch);
    if (!body) co_return body.error();
    std::uint64_t chars = 0;
    for (const json& r : batch ? (*body)["requests"] : json::array({*body}))
      chars += r["content"]["parts"][0]["text"].get_ref<const std::string&>().size();
    req.target =
        gemini::methodTarget(*t.root, d.model_id, batch ? "batchEmbedContents" : "embedContent");
    req.body = api::dumpJson(*body);
    auto r = co_await transport_.send(*t.root, req, opts.timeout);
    if (!r) co_return r.error();
    if (r->status < 200 || r->status >= 300)
      co_return gemini::mapGeminiError(r->status, r->body, r->header("retry-after"), t.api_key);
    if (!isJsonObjectText(r->body)) co_return invalidResponse(r->status);
    json parsed = json::parse(r->body, nullptr, false);
    bool base64 = ex.body->value("encoding_format", std::string()) == "base64";
    std::uint64_t tokens = (chars + 3) / 4;  // Gemini reports no token count for embeddings
    auto out = gemini::fromEmbedResponse(parsed, d.model_id, base64, tokens);
    if (!out) co_return out.error();
    api::Reply reply;
    reply.body = api::dumpJson(*out);
    reply.usage = api::Usage{tokens, 0, 0};
    co_return reply;
  }

  const GeminiTarget& target(const config::Deployment& d) { return targets_.get(d, resolve); }

  Transport& transport_;
  TargetCache<GeminiTarget> targets_;
};

}  // namespace

std::unique_ptr<Provider> makeGemini(Transport& transport) {
  return std::make_unique<Gemini>(transport);
}

// ---------------------------------------------------------------------------------------------
// URLs, embeddings and error answers (gemini_translate.hpp)

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
