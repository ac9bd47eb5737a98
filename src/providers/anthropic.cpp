// The anthropic adapter (DESIGN §5): OpenAI chat requests are translated to the Messages API
// (anthropic_translate.hpp) and the answers back, streams event by event. Requests that entered
// as Anthropic Messages (POST /v1/messages) are passed through untouched but for `model`.

#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "adapters.hpp"
#include "target_cache.hpp"
#include "anthropic_translate.hpp"
#include "switchyard/api/json_guard.hpp"
#include "switchyard/providers/sse.hpp"

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

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Target resolveTarget(const config::Deployment& d) {
  Target t;
  std::string base = d.api_base.empty() ? std::string(kDefaultBase) : d.api_base;
  t.base = parseUrl(base);
  if (!t.base) {
    t.error = invalidApiBase(d);
    return t;
  }
  // Accept the host root, ".../v1" or ".../v1/messages" (LiteLLM does).
  std::string& path = t.base->path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (endsWith(path, "/v1/messages"))
    path.resize(path.size() - 12);
  else if (endsWith(path, "/v1"))
    path.resize(path.size() - 3);
  t.base_text = t.base->origin() + path;
  t.api_key = d.api_key;
  if (t.api_key.empty()) {
    if (const char* v = std::getenv("ANTHROPIC_API_KEY")) t.api_key = v;
  }
  return t;
}

// The Messages SSE stream of one call, relayed as OpenAI chunks (translate) or as it is
// (pass-through). Either way the events are run through a StreamTranslator, which tells when the
// answer is committed and turns `error` events into Errors.
class AnthropicStream final : public api::ChunkSource {
 public:
  AnthropicStream(std::unique_ptr<UpstreamStream> upstream, Clock::duration idle, bool raw,
                  bool include_usage, std::string secret)
      : upstream_(std::move(upstream)),
        idle_(idle),
        raw_(raw),
        translator_(include_usage, static_cast<std::int64_t>(std::time(nullptr)), secret) {}

  // Reads ahead until the answer is committed (text, a tool call, a stop reason) or the stream
  // ended. An error event before that is returned as an Error so that the router can fail over
  // before the client saw anything. What was read is replayed by next(). Bounded: at most
  // kMaxPrimeEvents events are inspected.
  boost::asio::awaitable<api::Result<void>> prime() {
    static constexpr int kMaxPrimeEvents = 32;
    int inspected = 0;
    while (!translator_.committed() && !ended_ && !failed_ && inspected < kMaxPrimeEvents) {
      auto more = co_await pull();
      if (!more) co_return more.error();
      ++inspected;
    }
    if (failed_ && !translator_.committed()) co_return *failed_;
    co_return api::Result<void>{};
  }

  boost::asio::awaitable<api::Result<std::optional<std::string>>> next() override {
    for (;;) {
      if (!pending_.empty()) co_return std::optional<std::string>{std::exchange(pending_, {})};
      if (failed_) co_return *failed_;
      if (ended_) co_return std::optional<std::string>{};
      auto more = co_await pull();
      if (!more) co_return more.error();
    }
  }

 private:
  // Reads one piece of the body and handles every complete event in it (output to pending_).
  boost::asio::awaitable<api::Result<void>> pull() {
    auto piece = co_await upstream_->read(idle_);
    if (!piece) co_return piece.error();
    std::string events;
    if (!*piece) {
      ended_ = true;
      std::string rest(splitter_.rest());
      if (rest.find_first_not_of(" \r\n") != std::string::npos) events = rest + "\n\n";
    } else {
      splitter_.feed(**piece);
      if (splitter_.overflowed()) {
        co_return Error{ErrorKind::kUpstreamError, "The provider sent an invalid stream.",
                        "SSE event over size limit"};
      }
      splitter_.takeComplete(events);
    }
    std::string_view rest = events;
    while (!rest.empty()) {
      std::size_t end = rest.find("\n\n");
      std::size_t crlf = rest.find("\r\n\r\n");
      std::size_t cut = std::min(end == std::string_view::npos ? rest.size() : end + 2,
                                 crlf == std::string_view::npos ? rest.size() : crlf + 4);
      std::string_view event = rest.substr(0, cut);
      rest.remove_prefix(cut);
      std::string data = sseData(event);
      if (data.empty()) continue;  // comments, keep-alives
      std::string translated;
      auto r = translator_.onEvent(data, translated);
      if (!r) {
        // Before the answer is committed the call fails (prime()); after it, what came before
        // the error still goes out, then the stream breaks (the session writes the error in the
        // client's format).
        if (!translator_.committed() || pending_.empty()) co_return r.error();
        failed_ = r.error();
        co_return api::Result<void>{};
      }
      if (raw_) {
        pending_ += event;
      } else {
        pending_ += translated;
      }
    }
    if (ended_ && !translator_.finished()) {
      if (!pending_.empty()) {
        failed_ = Error{ErrorKind::kUpstreamError, "The provider's stream ended early.",
                        "anthropic stream ended before message_stop"};
        co_return api::Result<void>{};
      }
      co_return Error{ErrorKind::kUpstreamError, "The provider's stream ended early.",
                      "anthropic stream ended before message_stop"};
    }
    co_return api::Result<void>{};
  }

  std::unique_ptr<UpstreamStream> upstream_;
  Clock::duration idle_;
  bool raw_;
  anthropic::StreamTranslator translator_;
  SseSplitter splitter_;
  std::string pending_;
  std::optional<Error> failed_;  // the stream broke after pending_: reported once it is sent
  bool ended_ = false;
};

bool includeUsage(const json& body) {
  auto so = body.find("stream_options");
  return so != body.end() && so->is_object() && so->value("include_usage", false);
}

class Anthropic final : public Provider {
 public:
  explicit Anthropic(Transport& transport) : transport_(transport) {}

  std::string apiBase(const config::Deployment& d) override { return target(d).base_text; }

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
    const Target t = target(d);  // a copy: a config reload may replace the cached entry
    if (t.error) co_return *t.error;
    const bool raw = ex.ingress == api::WireFormat::kAnthropic && ex.anthropic_body;
    json body;
    bool stream = ex.stream;
    bool include_usage = false;
    if (raw) {
      body = *ex.anthropic_body;
      body["model"] = d.model_id;
      stream = body.value("stream", false);
    } else {
      auto translated = anthropic::toMessagesRequest(*ex.body, d.model_id, opts.drop_params);
      if (!translated) co_return translated.error();
      body = std::move(*translated);
      include_usage = includeUsage(*ex.body);
    }
    UpstreamRequest req;
    req.target = t.base->path + "/v1/messages";
    if (!t.base->query.empty()) req.target += "?" + t.base->query;
    req.headers.reserve(4 + d.headers.size());
    req.headers.push_back({"content-type", "application/json"});
    req.headers.push_back({"anthropic-version", std::string(anthropic::kApiVersion)});
    if (!t.api_key.empty()) req.headers.push_back({"x-api-key", t.api_key});
    for (const auto& [k, v] : d.headers) req.headers.push_back({k, v});
    req.body = api::dumpJson(body);

    if (!stream) co_return co_await callOnce(t, req, raw, opts);
    co_return co_await callStream(t, req, raw, include_usage, opts);
  }

 private:
  boost::asio::awaitable<api::Result<api::Reply>> callOnce(const Target& t,
                                                           const UpstreamRequest& req, bool raw,
                                                           const CallOptions& opts) {
    auto r = co_await transport_.send(*t.base, req, opts.timeout);
    if (!r) co_return r.error();
    if (r->status < 200 || r->status >= 300) {
      co_return anthropic::mapAnthropicError(r->status, r->body, r->header("retry-after"),
                                             t.api_key);
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
        co_return anthropic::mapAnthropicError(status, *body, retry_after, t.api_key);
      }
      co_return Error{ErrorKind::kUpstreamError, "The provider sent an invalid response.",
                      "anthropic answered a stream request with " + content_type};
    }
    auto relay = std::make_unique<AnthropicStream>(std::move(up), opts.stream_timeout, raw,
                                                   include_usage, t.api_key);
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
  const Target& target(const config::Deployment& d) { return targets_.get(d, resolveTarget); }

  Transport& transport_;
  TargetCache<Target> targets_;
};

}  // namespace

std::unique_ptr<Provider> makeAnthropic(Transport& transport) {
  return std::make_unique<Anthropic>(transport);
}

}  // namespace switchyard::providers
