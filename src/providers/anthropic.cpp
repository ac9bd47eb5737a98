// The anthropic adapter (docs/design.md §5): OpenAI chat requests are translated to the Messages
// API (anthropic_translate.hpp) and the answers back, streams event by event. Requests that entered
// as Anthropic Messages (POST /v1/messages) are passed through untouched but for `model`.

#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "adapters.hpp"
#include "anthropic_translate.hpp"
#include "errors.hpp"
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

constexpr std::string_view kDefaultBase = "https://api.anthropic.com";

struct Target {
  std::optional<Url> base;  // path: the root the API lives under ("" or "/proxy")
  std::string api_key;      // resolved: the deployment's, else ANTHROPIC_API_KEY
  std::string base_text;    // for x-litellm-model-api-base
  std::optional<Error> error;
};

Target resolveTarget(const config::Deployment& d) {
  BaseAndKey b = resolveBaseAndKey(d, {kDefaultBase, "", "ANTHROPIC_API_KEY"});
  Target t;
  if (b.error) {
    t.error = std::move(b.error);
    return t;
  }
  t.base = std::move(b.base);
  t.api_key = std::move(b.api_key);
  // Accept the host root, ".../v1" or ".../v1/messages" (LiteLLM does).
  std::string& path = t.base->path;
  if (path.ends_with("/v1/messages"))
    path.resize(path.size() - 12);
  else if (path.ends_with("/v1"))
    path.resize(path.size() - 3);
  t.base_text = t.base->origin() + path;
  return t;
}

// For a request passed through untouched (the client speaks Anthropic's format): keeps
// Anthropic's own error body in e.upstream_body, for the ingress to answer with as it is.
// `body` is an error answer's body or an `error` event's data; secrets are scrubbed. Never for
// credentials errors (401/403), nor for a body that is not an Anthropic error object (an HTML
// page from a proxy): the ingress then writes its own from the Error.
void keepUpstreamBody(Error& e, std::string_view body, std::string_view secret) {
  if (e.upstream_status == 0 || e.upstream_status == 401 || e.upstream_status == 403) return;
  json j = json::parse(body, nullptr, false);
  auto err = j.is_object() ? j.find("error") : j.end();
  if (!j.is_object() || err == j.end() || !err->is_object() || !err->contains("type") ||
      !(*err)["type"].is_string()) {
    return;
  }
  e.upstream_body = std::string(body);
  scrubSecret(e.upstream_body, secret);
}

// The Messages SSE stream of one call, relayed as OpenAI chunks (translate) or as it is
// (pass-through). Either way the events are run through a StreamTranslator, which tells when the
// answer is committed and turns `error` events into Errors. Translated, the client sees the
// usage only with include_usage; the final usage is written to `usage_out` (&ex.usage) either
// way once message_stop has gone by (a passed-through stream carries it in its own events).
class AnthropicStream final : public api::ChunkSource {
 public:
  AnthropicStream(std::unique_ptr<UpstreamStream> upstream, Clock::duration idle, bool raw,
                  bool include_usage, std::string secret, std::optional<api::Usage>* usage_out)
      : events_(std::move(upstream), idle),
        raw_(raw),
        secret_(std::move(secret)),
        translator_(include_usage, static_cast<std::int64_t>(std::time(nullptr)), secret_),
        usage_out_(raw ? nullptr : usage_out) {}

  // Reads ahead until the answer is committed (text, a tool call, a stop reason) or the stream
  // ended. An error event before that is returned as an Error so that the router can fail over
  // before the client saw anything. What was read is replayed by next(). Bounded: at most
  // kMaxPrimeReads pieces are read.
  boost::asio::awaitable<api::Result<void>> prime() {
    static constexpr int kMaxPrimeReads = 32;
    int reads = 0;
    while (!translator_.committed() && !events_.ended() && !failed_ && reads < kMaxPrimeReads) {
      auto more = co_await pull();
      if (!more) co_return more.error();
      ++reads;
    }
    if (failed_ && !translator_.committed()) co_return *failed_;
    co_return api::Result<void>{};
  }

  boost::asio::awaitable<api::Result<std::optional<std::string>>> next() override {
    for (;;) {
      if (usage_out_ && translator_.finished()) {  // once, as the last events go out
        *usage_out_ = anthropic::replyUsage(translator_.usage());
        usage_out_ = nullptr;
      }
      if (!pending_.empty()) co_return std::optional<std::string>{std::exchange(pending_, {})};
      if (failed_) co_return *failed_;
      if (events_.ended()) co_return std::optional<std::string>{};
      auto more = co_await pull();
      if (!more) co_return more.error();
    }
  }

 private:
  // Reads one piece of the body and handles every event it completes (output to pending_).
  boost::asio::awaitable<api::Result<void>> pull() {
    auto read = co_await events_.read();
    if (!read) co_return read.error();
    std::string translated;
    while (std::optional<SseEvent> ev = events_.take()) {
      if (ev->data.empty()) continue;  // comments, keep-alives
      translated.clear();
      auto r = translator_.onEvent(ev->data, translated);
      if (!r) {
        // Before the answer is committed the call fails (prime()); after it, what came before
        // the error still goes out, then the stream breaks (the session writes the error in the
        // client's format). A passed-through stream's error keeps Anthropic's own event data.
        Error e = r.error();
        if (raw_) keepUpstreamBody(e, ev->data, secret_);
        if (!translator_.committed() || pending_.empty()) co_return e;
        failed_ = std::move(e);
        co_return api::Result<void>{};
      }
      if (raw_) {
        pending_ += ev->raw;
      } else {
        pending_ += translated;
      }
    }
    if (events_.overflowed()) co_return sseOverflowError();
    if (events_.ended() && !translator_.finished()) {
      Error early{ErrorKind::kUpstreamError, "The provider's stream ended early.",
                  "anthropic stream ended before message_stop"};
      if (pending_.empty()) co_return early;
      failed_ = std::move(early);
    }
    co_return api::Result<void>{};
  }

  UpstreamEvents events_;
  bool raw_;
  std::string secret_;
  anthropic::StreamTranslator translator_;
  std::string pending_;
  std::optional<Error> failed_;  // the stream broke after pending_: reported once it is sent
  std::optional<api::Usage>* usage_out_;  // null once written (or passed through)
};

class Anthropic final : public Provider {
 public:
  explicit Anthropic(Transport& transport) : transport_(transport) {}

  std::string apiBase(const config::Deployment& d) override { return target(d)->base_text; }

  boost::asio::awaitable<api::Result<api::Reply>> call(api::Exchange& ex,
                                                       const config::Deployment& d,
                                                       const CallOptions& opts) override {
    if (ex.endpoint != api::Endpoint::kChatCompletions) {
      Error e{ErrorKind::kInvalidRequest, "anthropic/" + d.model_id + " does not support " +
                                              std::string(api::endpointPath(ex.endpoint)) +
                                              "; use /v1/chat/completions."};
      e.code = "unsupported_endpoint";
      co_return e;
    }
    std::shared_ptr<const Target> held = target(d);  // held across the awaits below
    const Target& t = *held;
    if (t.error) co_return *t.error;
    const bool raw = ex.ingress == api::WireFormat::kAnthropic && ex.original_body;
    json body;
    bool stream = ex.stream;
    bool include_usage = false;
    if (raw) {
      body = *ex.original_body;
      body["model"] = d.model_id;
      stream = api::boolOf(body, "stream", false);
    } else {
      auto translated = anthropic::toMessagesRequest(ex.body.dom(), d.model_id, opts.drop_params);
      if (!translated) co_return translated.error();
      body = std::move(*translated);
      include_usage = api::includeUsageAsked(ex);
    }
    UpstreamRequest req;
    req.target = t.base->path + "/v1/messages";
    if (!t.base->query.empty()) req.target += "?" + t.base->query;
    req.headers.reserve(6 + d.headers.size());
    req.headers.push_back({"content-type", "application/json"});
    // The request id and trace context, so the provider's logs and traces join ours.
    addCorrelationHeaders(ex, req.headers);
    req.headers.push_back({"anthropic-version", std::string(anthropic::kApiVersion)});
    if (!t.api_key.empty()) req.headers.push_back({"x-api-key", t.api_key});
    for (const auto& [k, v] : d.headers) req.headers.push_back({k, v});
    req.body = api::dumpJson(body);

    if (!stream) co_return co_await callOnce(t, req, raw, opts);
    co_return co_await callStream(t, req, raw, include_usage, &ex.usage, opts);
  }

 private:
  boost::asio::awaitable<api::Result<api::Reply>> callOnce(const Target& t,
                                                           const UpstreamRequest& req, bool raw,
                                                           const CallOptions& opts) {
    auto r = co_await transport_.send(*t.base, req, opts.timeout);
    if (!r) co_return r.error();
    if (r->status < 200 || r->status >= 300) {
      Error e =
          anthropic::mapAnthropicError(r->status, r->body, r->header("retry-after"), t.api_key);
      if (raw) keepUpstreamBody(e, r->body, t.api_key);
      co_return e;
    }
    json msg = json::parse(r->body, nullptr, false);
    auto completion =
        anthropic::toChatCompletion(msg, static_cast<std::int64_t>(std::time(nullptr)));
    if (!completion) co_return completion.error();  // also validates pass-through answers
    api::Reply reply;
    reply.status = r->status;
    reply.usage = anthropic::replyUsage((*completion)["usage"]);
    if (raw) {
      reply.format = api::WireFormat::kAnthropic;
      reply.body = std::move(r->body);
    } else {
      reply.body = api::dumpJson(*completion);
    }
    co_return reply;
  }

  boost::asio::awaitable<api::Result<api::Reply>> callStream(const Target& t, UpstreamRequest& req,
                                                             bool raw, bool include_usage,
                                                             std::optional<api::Usage>* usage_out,
                                                             const CallOptions& opts) {
    req.headers.push_back({"accept", "text/event-stream"});
    auto s = co_await transport_.open(*t.base, req, opts.stream_timeout);
    if (!s) co_return s.error();
    std::unique_ptr<UpstreamStream> up = std::move(*s);
    const unsigned status = up->status();
    std::string content_type(up->header("content-type"));
    if (status < 200 || status >= 300 || content_type.find("event-stream") == std::string::npos) {
      std::string retry_after(up->header("retry-after"));
      auto body = co_await up->readAll(opts.timeout, transport_.options().max_response_bytes);
      if (!body) co_return body.error();
      if (status < 200 || status >= 300) {
        Error e = anthropic::mapAnthropicError(status, *body, retry_after, t.api_key);
        if (raw) keepUpstreamBody(e, *body, t.api_key);
        co_return e;
      }
      co_return Error{ErrorKind::kUpstreamError, "The provider sent an invalid response.",
                      "anthropic answered a stream request with " + content_type};
    }
    auto relay = std::make_unique<AnthropicStream>(std::move(up), opts.stream_timeout, raw,
                                                   include_usage, t.api_key, usage_out);
    auto primed = co_await relay->prime();
    if (!primed) co_return primed.error();
    api::Reply reply;
    reply.status = status;
    reply.content_type = "text/event-stream";
    reply.stream = std::move(relay);
    if (raw) reply.format = api::WireFormat::kAnthropic;
    co_return reply;
  }

  // Resolved once per deployment (target_cache.hpp).
  std::shared_ptr<const Target> target(const config::Deployment& d) {
    return targets_.get(d, resolveTarget);
  }

  Transport& transport_;
  TargetCache<Target> targets_;
};

}  // namespace

std::unique_ptr<Provider> makeAnthropic(Transport& transport) {
  return std::make_unique<Anthropic>(transport);
}

}  // namespace switchyard::providers
