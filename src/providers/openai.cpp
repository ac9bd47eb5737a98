// The OpenAI adapter and the OpenAI-compatible family (docs/design.md §5): the body is forwarded as
// the client sent it, with `model` replaced by the deployment's id; streams are relayed event by
// event. openai/ deployments take a Responses API request as is too (responses_api.hpp).

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "adapters.hpp"
#include "errors.hpp"
#include "openai_common.hpp"
#include "responses_api.hpp"
#include "switchyard/api/find_bytes.hpp"
#include "switchyard/api/json_guard.hpp"
#include "switchyard/api/usage.hpp"
#include "target_cache.hpp"
#include "upstream_events.hpp"

namespace switchyard::providers {
namespace {

using api::Error;
using api::ErrorKind;
using Clock = std::chrono::steady_clock;

struct Family {
  std::string_view prefix;
  std::string_view default_base;  // empty: api_base is required
  std::string_view key_env;       // env var read when the deployment has no api_key
};

constexpr Family kFamilies[] = {
    {"openai", "https://api.openai.com/v1", "OPENAI_API_KEY"},
    {"text-completion-openai", "https://api.openai.com/v1", "OPENAI_API_KEY"},
    {"groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY"},
    {"together_ai", "https://api.together.xyz/v1", "TOGETHERAI_API_KEY"},
    {"mistral", "https://api.mistral.ai/v1", "MISTRAL_API_KEY"},
    {"deepseek", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY"},
    {"fireworks_ai", "https://api.fireworks.ai/inference/v1", "FIREWORKS_AI_API_KEY"},
    {"openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"},
    {"xai", "https://api.x.ai/v1", "XAI_API_KEY"},
    {"perplexity", "https://api.perplexity.ai", "PERPLEXITYAI_API_KEY"},
    {"hosted_vllm", "", "HOSTED_VLLM_API_KEY"},
    {"ollama", "http://localhost:11434/v1", ""},
    {"ollama_chat", "http://localhost:11434/v1", ""},
    {"lm_studio", "http://localhost:1234/v1", "LM_STUDIO_API_KEY"},
    {"openai_compatible", "", ""},
    {"custom_openai", "", ""},
};

const Family* familyOf(std::string_view prefix) {
  for (const Family& f : kFamilies)
    if (f.prefix == prefix) return &f;
  return nullptr;
}

// What a deployment resolves to, computed once per worker and config generation.
struct Target {
  std::optional<Url> base;
  std::string api_key;         // secret: scrubbed from error messages
  std::string authorization;   // "Bearer ..." or empty
  std::string base_text;       // for x-litellm-model-api-base
  std::optional<Error> error;  // misconfiguration, reported at request time
};

Target resolveTarget(const config::Deployment& d) {
  const Family* fam = familyOf(d.provider);
  BaseAndKey b = resolveBaseAndKey(d, {fam ? fam->default_base : "", "", fam ? fam->key_env : ""});
  Target t;
  if (b.error) {
    t.error = std::move(b.error);
    return t;
  }
  t.base = std::move(b.base);
  // Ollama users write the server root; its OpenAI-compatible API lives under /v1.
  if ((d.provider == "ollama" || d.provider == "ollama_chat") && t.base->path.empty())
    t.base->path = "/v1";
  t.base_text = t.base->origin() + t.base->path;
  if (!b.api_key.empty()) t.authorization = "Bearer " + b.api_key;
  t.api_key = std::move(b.api_key);
  return t;
}

// Relays an upstream SSE body as whole events, as they arrive. With `hidden_usage`, the
// usage-only chunk is not relayed: its usage is written there (openai_common.hpp).
class SseRelay final : public api::ChunkSource {
 public:
  SseRelay(std::unique_ptr<UpstreamStream> upstream, Clock::duration idle,
           std::optional<api::Usage>* hidden_usage)
      : events_(std::move(upstream), idle), hidden_usage_(hidden_usage) {}

  // Reads ahead until the first event that commits the answer: one with content, a tool call, a
  // finish_reason or usage, or [DONE]. An error event before it (OpenAI-compatible servers send
  // `data: {"error": {...}}` inside a 200 stream) is returned as an Error, so that the request can
  // still fail over before the client has seen anything (docs/design.md §4). What was read is
  // replayed by next(). Bounded: at most kMaxPrimeEvents events are inspected.
  boost::asio::awaitable<api::Result<void>> prime(std::string_view provider,
                                                  std::string_view secret) {
    static constexpr int kMaxPrimeEvents = 32;
    provider_ = provider;
    secret_ = secret;
    for (int inspected = 0; inspected < kMaxPrimeEvents;) {
      std::optional<SseEvent> ev = events_.take();
      if (!ev) {
        if (events_.overflowed()) co_return sseOverflowError();
        if (events_.ended()) break;
        auto r = co_await events_.read();
        if (!r) co_return r.error();
        continue;
      }
      ++inspected;
      if (isGarbage(*ev)) co_return invalidStream();
      EventKind kind = classify(ev->data);
      if (kind == EventKind::kError) co_return streamError(ev->data, provider, secret);
      note(ev->data);
      if (!hide(ev->data)) pending_ += ev->raw;
      if (kind == EventKind::kCommits) break;
    }
    co_return api::Result<void>{};
  }

  // Every event received so far (those read by prime() first), as received. An error event
  // after the answer has started breaks the stream: what came before it is handed out, then the
  // error (the session ends the client's stream with it, and the request is a failure). So does
  // an event that is not an OpenAI chunk (an HTML page, a line that is not SSE), and an end
  // before both [DONE] and any finish_reason (a truncated answer). An end after a finish_reason
  // without [DONE] is complete: [DONE] is added, as OpenAI ends every stream.
  boost::asio::awaitable<api::Result<std::optional<std::string>>> next() override {
    if (broken_) {
      Error e = std::move(*broken_);
      broken_.reset();
      co_return e;
    }
    std::string out = std::exchange(pending_, {});
    for (;;) {
      while (std::optional<SseEvent> ev = events_.take()) {
        std::optional<Error> bad;
        if (isGarbage(*ev))
          bad = invalidStream();
        else if (isErrorEvent(ev->data))
          bad = streamError(ev->data, provider_, secret_);
        if (bad) {
          if (out.empty()) co_return std::move(*bad);
          broken_ = std::move(bad);
          co_return std::optional<std::string>{std::move(out)};
        }
        note(ev->data);
        if (!hide(ev->data)) out += ev->raw;
      }
      if (events_.ended() && !done_ && !events_.overflowed()) {
        done_ = true;  // what the stream lacked is settled once
        if (finished_) {
          out += "data: [DONE]\n\n";
        } else {
          Error e{ErrorKind::kUpstreamError,
                  "The provider's stream ended before the answer was complete.",
                  "upstream " + provider_ + " stream ended without finish_reason or [DONE]"};
          if (out.empty()) co_return e;
          broken_ = std::move(e);
        }
      }
      if (!out.empty()) co_return std::optional<std::string>{std::move(out)};
      if (events_.overflowed()) co_return sseOverflowError();
      if (events_.ended()) co_return std::optional<std::string>{};
      auto r = co_await events_.read();
      if (!r) co_return r.error();
    }
  }

 private:
  enum class EventKind { kPreamble, kCommits, kError };

  // Whether an event commits the answer (see prime()). Anything unparseable commits: it is
  // relayed as it is rather than guessed at.
  static EventKind classify(std::string_view data) {
    if (data.empty()) return EventKind::kPreamble;  // comments, keep-alives, bare event: lines
    if (data == "[DONE]") return EventKind::kCommits;
    auto j = nlohmann::json::parse(data, nullptr, false);
    if (!j.is_object()) return EventKind::kCommits;
    if (j.contains("error")) return EventKind::kError;
    if (auto u = j.find("usage"); u != j.end() && !u->is_null()) return EventKind::kCommits;
    auto choices = j.find("choices");
    if (choices == j.end() || !choices->is_array() || choices->empty()) return EventKind::kPreamble;
    for (const auto& c : *choices) {
      if (!c.is_object()) return EventKind::kCommits;
      if (auto f = c.find("finish_reason"); f != c.end() && !f->is_null())
        return EventKind::kCommits;
      if (auto t = c.find("text");
          t != c.end() && t->is_string() && !t->get_ref<const std::string&>().empty())
        return EventKind::kCommits;
      auto d = c.find("delta");
      if (d == c.end() || !d->is_object()) continue;
      for (const auto& [k, v] : d->items()) {
        if (k == "role" || v.is_null()) continue;
        if (v.is_string() && v.get_ref<const std::string&>().empty()) continue;
        return EventKind::kCommits;  // content, tool_calls, function_call, refusal...
      }
    }
    return EventKind::kPreamble;
  }

  // What an event says about the stream's end: [DONE], or a choice with a finish_reason (a scan
  // in place: the key inside a content string is escaped, `\"finish_reason\"`, and never matches).
  void note(std::string_view data) {
    if (data == "[DONE]") {
      done_ = true;
      return;
    }
    static constexpr std::string_view kFinish = "\"finish_reason\"";
    if (finished_) return;
    for (std::size_t from = 0;;) {
      const std::size_t i = api::findBytes(data.substr(from), kFinish);
      if (i == std::string_view::npos) return;
      std::size_t at = from + i + kFinish.size();
      while (at < data.size() && (data[at] == ' ' || data[at] == ':' || data[at] == '\t')) ++at;
      if (at < data.size() && data[at] == '"') {
        finished_ = true;  // a string, not null
        return;
      }
      from = at;
    }
  }

  // An event that cannot be part of an OpenAI stream: data that is neither a JSON object nor
  // [DONE] (an HTML page sent as an event stream), or lines that are not SSE fields or comments.
  static bool isGarbage(const SseEvent& ev) {
    if (!ev.data.empty()) {
      const std::size_t first = ev.data.find_first_not_of(" \t\r\n");
      return first == std::string_view::npos || (ev.data[first] != '{' && ev.data != "[DONE]");
    }
    for (std::string_view rest = ev.raw; !rest.empty();) {
      const std::size_t eol = rest.find('\n');
      std::string_view line = rest.substr(0, eol);
      rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty() || line.front() == ':') continue;
      const std::string_view name = line.substr(0, line.find(':'));
      if (name != "event" && name != "id" && name != "retry" && name != "data") return true;
    }
    return false;
  }

  static Error invalidStream() {
    return Error{ErrorKind::kUpstreamError, "The provider sent an invalid stream.",
                 "an upstream event that is not an OpenAI chunk"};
  }

  // An event whose top-level object has "error" (a quick scan first: the word in a content
  // string is escaped, `\"error\"`, and never matches).
  static bool isErrorEvent(std::string_view data) {
    if (api::findBytes(data, "\"error\"") == std::string_view::npos) return false;
    auto j = nlohmann::json::parse(data, nullptr, false);
    return j.is_object() && j.contains("error");
  }

  static Error streamError(std::string_view data, std::string_view provider,
                           std::string_view secret) {
    unsigned status = 500;
    auto j = nlohmann::json::parse(data, nullptr, false);
    if (j.is_object() && j["error"].is_object()) {
      for (const char* key : {"code", "status"}) {
        auto it = j["error"].find(key);
        if (it != j["error"].end() && it->is_number_integer()) {
          auto v = it->get<std::int64_t>();
          if (v >= 400 && v <= 599) status = static_cast<unsigned>(v);
        }
      }
    }
    Error e = mapOpenAiError(status, data, "", provider, secret);
    e.detail += " (error event inside a 200 stream)";
    return e;
  }

  // With hidden_usage_: whether event `data` is the usage-only chunk (a non-null `usage`, and
  // `choices` empty or absent), whose usage then goes to *hidden_usage_. Costs one
  // api::findBytes per event; chunks carrying `"usage":null` (every chunk once include_usage is
  // set) are scanned once more, in place.
  bool hide(std::string_view data) {
    if (!hidden_usage_ || api::findBytes(data, "\"usage\"") == std::string_view::npos) return false;
    std::optional<api::Usage> u = api::scanUsage(data);
    if (!u || !choicesEmpty(data)) return false;
    *hidden_usage_ = *u;
    return true;
  }

  // Whether the chunk's `choices` is absent or [] (read in place; keys inside strings have
  // escaped quotes, so the first match is the chunk's own).
  static bool choicesEmpty(std::string_view data) {
    static constexpr std::string_view kChoices = "\"choices\"";
    std::size_t i = api::findBytes(data, kChoices);
    if (i == std::string_view::npos) return true;
    i += kChoices.size();
    auto skipSpace = [&] {
      while (i < data.size() &&
             (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
        ++i;
    };
    skipSpace();
    if (i >= data.size() || data[i] != ':') return false;
    ++i;
    skipSpace();
    if (i >= data.size() || data[i] != '[') return false;
    ++i;
    skipSpace();
    return i < data.size() && data[i] == ']';
  }

  UpstreamEvents events_;
  std::optional<api::Usage>* hidden_usage_;  // null: relay every event
  std::string pending_;                      // events read by prime(), not yet handed out
  std::optional<Error> broken_;              // an error event, handed out after `pending_`
  bool done_ = false;                        // [DONE] seen (or the end settled)
  bool finished_ = false;                    // a finish_reason seen
  std::string provider_, secret_;            // for streamError (the secret is scrubbed)
};

class OpenAiCompatible final : public Provider {
 public:
  explicit OpenAiCompatible(Transport& transport) : transport_(transport) {}

  std::string apiBase(const config::Deployment& d) override { return target(d)->base_text; }

  boost::asio::awaitable<api::Result<api::Reply>> call(api::Exchange& ex,
                                                       const config::Deployment& d,
                                                       const CallOptions& opts) override {
    std::shared_ptr<const Target> held = target(d);  // held across the awaits below
    const Target& t = *held;
    if (t.error) co_return *t.error;
    ex.body.setString("model", d.model_id);
    UpstreamRequest req;
    const bool responses = passesResponsesThrough(ex, d);
    req.target = t.base->path;
    req.target += responses ? std::string_view("/responses") : api::endpointPath(ex.endpoint);
    if (!t.base->query.empty()) req.target += "?" + t.base->query;
    req.headers.reserve(5 + d.headers.size());
    req.headers.push_back({"content-type", "application/json"});
    // The request id and trace context, so the provider's logs and traces join ours.
    addCorrelationHeaders(ex, req.headers);
    if (!t.authorization.empty()) req.headers.push_back({"authorization", t.authorization});
    for (const auto& [k, v] : d.headers) req.headers.push_back({k, v});
    if (responses) {
      req.body = responsesBody(ex, d);
      co_return co_await callResponsesFormat(transport_, *t.base, std::move(req), ex.stream, d,
                                             t.api_key, opts);
    }
    UpstreamBody body = openAiBody(ex, acceptsStreamUsage(d.provider));
    const bool hide_usage = body.hide_usage;
    std::move(body).moveInto(req);
    co_return co_await callOpenAiFormat(transport_, *t.base, std::move(req), ex.stream, d,
                                        t.api_key, opts, hide_usage ? &ex.usage : nullptr);
  }

 private:
  // Resolved once per deployment (target_cache.hpp).
  std::shared_ptr<const Target> target(const config::Deployment& d) {
    return targets_.get(d, resolveTarget);
  }

  Transport& transport_;
  TargetCache<Target> targets_;
};

}  // namespace

bool acceptsStreamUsage(std::string_view provider) noexcept {
  static constexpr std::string_view kAccepting[] = {
      "openai", "text-completion-openai", "groq", "deepseek", "xai", "openrouter",
  };
  for (std::string_view p : kAccepting)
    if (p == provider) return true;
  return false;
}

bool azureAcceptsStreamUsage(std::string_view api_version) noexcept {
  // Dated versions ("2024-10-21", "2025-01-01-preview") compare as text; the v1 API's
  // "preview" and "latest" sort after every date.
  return api_version >= std::string_view("2024-09-01");
}

UpstreamBody openAiBody(const api::Exchange& ex, bool ask_usage) {
  UpstreamBody out;
  if (!ask_usage || !ex.stream || ex.endpoint == api::Endpoint::kEmbeddings ||
      api::includeUsageAsked(ex)) {
    out.own = ex.body.text();  // as it is (a client that asked gets its stream as it is)
    return out;
  }
  // The text sent sets include_usage; the body keeps what the client sent.
  std::optional<api::JsonView> so = ex.body.find("stream_options");
  if (so && so->kind() == api::JsonKind::kObject) {
    nlohmann::json options = so->parse();
    options["include_usage"] = true;
    out.edited = ex.body.textWith("stream_options", api::dumpJson(options));
  } else {  // none, or null (or not an object)
    out.edited = ex.body.textWith("stream_options", R"({"include_usage":true})");
  }
  out.hide_usage = true;
  return out;
}

namespace {

// A 2xx whole answer. Every OpenAI-format answer is a JSON object; anything else (an HTML error
// page from a proxy, a truncated body) is an upstream failure, not an answer to relay.
api::Result<api::Reply> wholeReply(unsigned status, std::string body, std::string_view content_type,
                                   const std::string& provider) {
  const std::size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || body[first] != '{') {
    return Error{
        ErrorKind::kUpstreamError, "The provider sent an invalid response.",
        "upstream " + provider + " answered " + std::to_string(status) + " with a non-JSON body"};
  }
  api::Reply reply;
  reply.status = status;
  reply.body = std::move(body);
  if (!content_type.empty()) reply.content_type = std::string(content_type);
  return reply;
}

}  // namespace

boost::asio::awaitable<api::Result<api::Reply>> callOpenAiFormat(
    Transport& transport, const Url& url, UpstreamRequest req, bool stream,
    const config::Deployment& d, std::string_view secret, const CallOptions& opts,
    std::optional<api::Usage>* hidden_usage) {
  if (!stream) {
    auto r = co_await transport.send(url, req, opts.timeout);
    if (!r) co_return r.error();
    if (r->status < 200 || r->status >= 300) {
      co_return mapOpenAiError(r->status, r->body, r->header("retry-after"), d.provider, secret);
    }
    co_return wholeReply(r->status, std::move(r->body), r->header("content-type"), d.provider);
  }

  req.headers.push_back({"accept", "text/event-stream"});
  auto s = co_await transport.open(url, req, opts.stream_timeout);
  if (!s) co_return s.error();
  std::unique_ptr<UpstreamStream> up = std::move(*s);
  unsigned status = up->status();
  std::string content_type(up->header("content-type"));
  if (status < 200 || status >= 300 || content_type.find("event-stream") == std::string::npos) {
    std::string retry_after(up->header("retry-after"));
    auto body = co_await up->readAll(opts.timeout, transport.options().max_response_bytes);
    if (!body) co_return body.error();
    if (status < 200 || status >= 300) {
      co_return mapOpenAiError(status, *body, retry_after, d.provider, secret);
    }
    // A server that ignored stream=true: its JSON passes through.
    co_return wholeReply(status, std::move(*body), content_type, d.provider);
  }
  auto relay = std::make_unique<SseRelay>(std::move(up), opts.stream_timeout, hidden_usage);
  auto primed = co_await relay->prime(d.provider, secret);
  if (!primed) co_return primed.error();
  api::Reply reply;
  reply.status = status;
  reply.content_type = "text/event-stream";
  reply.stream = std::move(relay);
  co_return reply;
}

std::unique_ptr<Provider> makeOpenAiCompatible(Transport& transport) {
  return std::make_unique<OpenAiCompatible>(transport);
}

bool isOpenAiCompatible(std::string_view provider) noexcept {
  return familyOf(provider) != nullptr;
}

}  // namespace switchyard::providers
