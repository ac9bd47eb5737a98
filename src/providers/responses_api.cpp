// The Responses API passed through to OpenAI and Azure (responses_api.hpp).

#include "responses_api.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "errors.hpp"
#include "switchyard/api/json_guard.hpp"
#include "switchyard/api/usage.hpp"
#include "upstream_events.hpp"

namespace switchyard::providers {
namespace {

using api::Error;
using api::ErrorKind;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// The event's `type` ("" when it has none). Responses events carry it first, read in place;
// anything else is parsed.
std::string typeOf(std::string_view data) {
  static constexpr std::string_view kHead = "{\"type\":\"";
  if (data.starts_with(kHead)) {
    std::size_t end = data.find('"', kHead.size());
    if (end != std::string_view::npos) return std::string(data.substr(kHead.size(), end - kHead.size()));
  }
  json j = json::parse(data, nullptr, false);
  if (!j.is_object()) return {};
  auto t = j.find("type");
  return t != j.end() && t->is_string() ? t->get<std::string>() : std::string();
}

// The event's sequence_number, or -1.
std::int64_t sequenceOf(std::string_view data) {
  static constexpr std::string_view kKey = "\"sequence_number\":";
  std::size_t at = data.rfind(kKey);
  if (at == std::string_view::npos) return -1;
  std::int64_t n = -1;
  const char* p = data.data() + at + kKey.size();
  while (p < data.data() + data.size() && *p == ' ') ++p;
  std::from_chars(p, data.data() + data.size(), n);
  return n;
}

// The HTTP status OpenAI's error codes stand for, for the router (retry, cooldown, fallback).
unsigned statusOfCode(std::string_view code) {
  if (code == "rate_limit_exceeded" || code == "insufficient_quota") return 429;
  if (code == "server_error" || code.empty()) return 500;
  if (code == "server_is_overloaded" || code == "slow_down") return 503;
  if (code == "context_length_exceeded") return 400;
  return 400;
}

// The Error a failure event stands for: `error` ({code, message}) or response.failed
// ({response: {error: {code, message}}}).
Error failureOf(std::string_view data, std::string_view provider, std::string_view secret) {
  json j = json::parse(data, nullptr, false);
  const json* e = &j;
  if (j.is_object() && j.contains("response") && j["response"].is_object() &&
      j["response"].contains("error") && j["response"]["error"].is_object())
    e = &j["response"]["error"];
  std::string code, message = "The provider's response failed.";
  if (e->is_object()) {
    if (auto c = e->find("code"); c != e->end() && c->is_string()) code = c->get<std::string>();
    if (auto m = e->find("message"); m != e->end() && m->is_string()) message = m->get<std::string>();
  }
  json body = {{"error", {{"message", message}, {"type", code.empty() ? "server_error" : code},
                          {"code", code.empty() ? json(nullptr) : json(code)}}}};
  Error err = mapOpenAiError(statusOfCode(code), api::dumpJson(body), "", provider, secret);
  err.detail += " (failure event inside a 200 Responses stream)";
  return err;
}

bool isFailure(std::string_view type) { return type == "error" || type == "response.failed"; }
bool isEnd(std::string_view type) {
  return type == "response.completed" || type == "response.incomplete" ||
         type == "response.failed";
}

class ResponsesRelay final : public api::ChunkSource {
 public:
  ResponsesRelay(std::unique_ptr<UpstreamStream> upstream, Clock::duration idle,
                 std::string provider, std::string secret)
      : events_(std::move(upstream), idle), provider_(std::move(provider)),
        secret_(std::move(secret)) {}

  // Reads ahead to the first event past response.created / response.in_progress (bounded).
  boost::asio::awaitable<api::Result<void>> prime() {
    static constexpr int kMaxPrimeEvents = 32;
    for (int inspected = 0; inspected < kMaxPrimeEvents;) {
      std::optional<SseEvent> ev = events_.take();
      if (!ev) {
        if (events_.overflowed()) co_return sseOverflowError();
        if (events_.ended()) break;
        auto r = co_await events_.read();
        if (!r) co_return r.error();
        continue;
      }
      if (ev->data.empty()) {  // comments, keep-alives
        pending_ += ev->raw;
        continue;
      }
      ++inspected;
      std::string type = typeOf(ev->data);
      if (isFailure(type)) co_return failureOf(ev->data, provider_, secret_);
      note(ev->data, type);
      pending_ += ev->raw;
      if (type != "response.created" && type != "response.in_progress") break;
    }
    co_return api::Result<void>{};
  }

  boost::asio::awaitable<api::Result<std::optional<std::string>>> next() override {
    if (done_) co_return std::optional<std::string>{};
    if (broken_ && pending_.empty()) co_return takeBroken();  // its events went out already
    std::string out = std::exchange(pending_, {});
    for (;;) {
      while (std::optional<SseEvent> ev = events_.take()) {
        out += ev->raw;
        if (ev->data.empty()) continue;
        std::string type = typeOf(ev->data);
        note(ev->data, type);
        if (isFailure(type) && !broken_) broken_ = failureOf(ev->data, provider_, secret_);
      }
      if (!out.empty()) co_return std::optional<std::string>{std::move(out)};
      if (broken_) co_return takeBroken();
      if (ended_) {  // response.completed / .incomplete went out: the answer is whole
        done_ = true;
        co_return std::optional<std::string>{};
      }
      if (events_.overflowed()) co_return fail(sseOverflowError());
      if (events_.ended()) {
        co_return fail(Error{ErrorKind::kUpstreamError, "The provider's stream ended early.",
                             "responses stream ended before response.completed"});
      }
      auto r = co_await events_.read();
      if (!r) co_return fail(r.error());
    }
  }

 private:
  void note(std::string_view data, std::string_view type) {
    if (std::int64_t n = sequenceOf(data); n >= 0) last_sequence_ = n;
    if (isEnd(type)) ended_ = true;
  }

  Error takeBroken() {
    Error e = std::move(*broken_);
    broken_.reset();
    done_ = true;
    return e;
  }

  // The upstream broke without saying so: the client gets an `error` event numbered after the
  // last one, then the stream fails with `e`.
  api::Result<std::optional<std::string>> fail(Error e) {
    json event = {{"type", "error"},
                  {"code", e.codeOrDefault()},
                  {"message", e.message},
                  {"param", nullptr},
                  {"sequence_number", last_sequence_ + 1}};
    broken_ = std::move(e);
    return std::optional<std::string>{"event: error\ndata: " + api::dumpJson(event) + "\n\n"};
  }

  UpstreamEvents events_;
  std::string provider_, secret_;
  std::string pending_;
  std::optional<Error> broken_;
  std::int64_t last_sequence_ = -1;
  bool ended_ = false;
  bool done_ = false;
};

}  // namespace

bool passesResponsesThrough(const api::Exchange& ex, const config::Deployment& d) noexcept {
  if (ex.ingress != api::WireFormat::kResponses || !ex.original_body) return false;
  const bool adapter_can = d.provider == "azure" || isOpenAiCompatible(d.provider);
  if (!adapter_can) return false;
  if (d.responses_api) return *d.responses_api;
  if (d.provider == "azure") return true;
  // openai/ on OpenAI's own API; one pointed at another server (an OpenAI-compatible host,
  // which may have chat only) is translated unless its supported_endpoints say otherwise.
  if (d.provider != "openai") return false;
  if (d.api_base.empty()) return true;
  std::string_view base = d.api_base;
  return base.starts_with("https://api.openai.com") || base.starts_with("http://api.openai.com");
}

std::string responsesBody(const api::Exchange& ex, const config::Deployment& d) {
  json body = *ex.original_body;
  body["model"] = d.model_id;
  return api::dumpJson(body);
}

boost::asio::awaitable<api::Result<api::Reply>> callResponsesFormat(
    Transport& transport, const Url& url, UpstreamRequest req, bool stream,
    const config::Deployment& d, std::string_view secret, const CallOptions& opts) {
  if (!stream) {
    auto r = co_await transport.send(url, req, opts.timeout);
    if (!r) co_return r.error();
    if (r->status < 200 || r->status >= 300)
      co_return mapOpenAiError(r->status, r->body, r->header("retry-after"), d.provider, secret);
    std::size_t first = r->body.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || r->body[first] != '{') {
      co_return Error{ErrorKind::kUpstreamError, "The provider sent an invalid response.",
                      "upstream " + d.provider + " answered /responses with a non-JSON body"};
    }
    api::Reply reply;
    reply.status = r->status;
    reply.format = api::WireFormat::kResponses;
    reply.usage = api::scanUsage(r->body);
    reply.body = std::move(r->body);
    co_return reply;
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
    if (status < 200 || status >= 300)
      co_return mapOpenAiError(status, *body, retry_after, d.provider, secret);
    co_return Error{ErrorKind::kUpstreamError, "The provider sent an invalid response.",
                    "upstream " + d.provider + " answered a /responses stream with " + content_type};
  }
  auto relay = std::make_unique<ResponsesRelay>(std::move(up), opts.stream_timeout, d.provider,
                                                std::string(secret));
  auto primed = co_await relay->prime();
  if (!primed) co_return primed.error();
  api::Reply reply;
  reply.status = status;
  reply.content_type = "text/event-stream";
  reply.format = api::WireFormat::kResponses;
  reply.stream = std::move(relay);
  co_return reply;
}

}  // namespace switchyard::providers
