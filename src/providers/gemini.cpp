// The Gemini (Google AI Studio) adapter (docs/design.md §5): OpenAI chat and embeddings requests
// are translated to generateContent / streamGenerateContent?alt=sse / embedContent /
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
#include "gemini_endpoints.hpp"
#include "gemini_translate.hpp"
#include "switchyard/api/ids.hpp"
#include "switchyard/api/json_get.hpp"
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
// The client sees the usage only with include_usage; the final usage is written to `usage_out`
// (&ex.usage) either way once the upstream has ended.
class GeminiStream final : public api::ChunkSource {
 public:
  GeminiStream(std::unique_ptr<UpstreamStream> upstream, Clock::duration idle,
               gemini::StreamTranslator tr, std::string secret,
               std::optional<api::Usage>* usage_out)
      : events_(std::move(upstream), idle),
        tr_(std::move(tr)),
        secret_(std::move(secret)),
        usage_out_(usage_out) {}

  // Reads until the first frame that commits the answer (content, a tool call, a finish); an
  // error, a safety block or the end of the stream before it is returned as an Error, so the
  // router can still fail over (docs/design.md §4). What was produced is replayed by next().
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
    if (done_ && usage_out_) {  // once, as the last frames go out
      if (tr_.usage()) *usage_out_ = *tr_.usage();
      usage_out_ = nullptr;
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
  std::optional<api::Usage>* usage_out_;  // null once written
};

class Gemini final : public Provider {
 public:
  explicit Gemini(Transport& transport) : transport_(transport) {}

  std::string apiBase(const config::Deployment& d) override { return target(d)->base_text; }

  boost::asio::awaitable<api::Result<api::Reply>> call(api::Exchange& ex,
                                                       const config::Deployment& d,
                                                       const CallOptions& opts) override {
    std::shared_ptr<const GeminiTarget> held = target(d);  // held across the awaits below
    const GeminiTarget& t = *held;
    if (t.error) co_return *t.error;
    if (ex.endpoint == api::Endpoint::kCompletions) {
      co_return Error{
          ErrorKind::kInvalidRequest,
          "gemini models are served on /v1/chat/completions; /v1/completions is not supported."};
    }
    UpstreamRequest req;
    req.headers.reserve(5 + d.headers.size());
    req.headers.push_back({"content-type", "application/json"});
    // The request id and trace context, so the provider's logs and traces join ours.
    addCorrelationHeaders(ex, req.headers);
    if (!t.api_key.empty()) req.headers.push_back({"x-goog-api-key", t.api_key});
    for (const auto& [k, v] : d.headers) req.headers.push_back({k, v});
    if (ex.endpoint == api::Endpoint::kEmbeddings)
      co_return co_await embed(ex, d, t, std::move(req), opts);

    auto body = gemini::toGenerateContent(ex.body.dom(), opts.drop_params);
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
    const bool include_usage = api::includeUsageAsked(ex);
    auto stream = std::make_unique<GeminiStream>(
        std::move(up), opts.stream_timeout,
        gemini::StreamTranslator(d.model_id, id, created, include_usage), t.api_key, &ex.usage);
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
    auto body = gemini::toEmbedRequest(ex.body.dom(), d.model_id, &batch);
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
    bool base64 = api::stringOf(ex.body.dom(), "encoding_format") == "base64";
    std::uint64_t tokens = (chars + 3) / 4;  // Gemini reports no token count for embeddings
    auto out = gemini::fromEmbedResponse(parsed, d.model_id, base64, tokens);
    if (!out) co_return out.error();
    api::Reply reply;
    reply.body = api::dumpJson(*out);
    reply.usage = api::Usage{.prompt_tokens = tokens};
    co_return reply;
  }

  std::shared_ptr<const GeminiTarget> target(const config::Deployment& d) {
    return targets_.get(d, resolve);
  }

  Transport& transport_;
  TargetCache<GeminiTarget> targets_;
};

}  // namespace

std::unique_ptr<Provider> makeGemini(Transport& transport) {
  return std::make_unique<Gemini>(transport);
}

}  // namespace switchyard::providers
