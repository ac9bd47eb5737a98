// POST /v1/responses: the ingress filter (filter.hpp).

#include "switchyard/ingress/responses/filter.hpp"

#include <nlohmann/json.hpp>

#include "switchyard/api/json_guard.hpp"
#include "switchyard/providers/sse.hpp"
#include "switchyard/ingress/responses/reply.hpp"
#include "switchyard/ingress/responses/request.hpp"
#include "switchyard/ingress/responses/stream.hpp"
#include "translate.hpp"
#include "turns.hpp"

namespace switchyard::ingress::responses {
namespace {

using api::Error;
using api::ErrorKind;
using api::Exchange;
using api::Reply;
using nlohmann::json;
using pipeline::fail;
using pipeline::Filter;
using pipeline::Next;

// The stream already framed its failure (error, response.failed): nothing more to send.
std::string nothingMore(const Error&) { return {}; }

// A response passed through from its provider, as the gateway gives and stores it: the state
// fields are the gateway's (the upstream kept nothing).
void ownResponse(json& response, const Turn& turn) {
  response["store"] = turn.store;
  response["previous_response_id"] = turn.previous.empty() ? json(nullptr) : json(turn.previous);
}

// A passed-through Responses stream as the client gets it: the events that carry the response
// (response.created, .in_progress, .completed, .incomplete, .failed) say what the client asked
// (store, previous_response_id), not what the gateway sent upstream; the final one is stored
// before it is handed out. Other events pass byte for byte.
class OwnedEvents final : public api::ChunkSource {
 public:
  OwnedEvents(std::unique_ptr<api::ChunkSource> inner, store::StoreThread* store, Turn turn)
      : inner_(std::move(inner)), store_(store), turn_(std::move(turn)) {}

  boost::asio::awaitable<api::Result<std::optional<std::string>>> next() override {
    if (pending_) {  // the end or error that followed the last bytes
      api::Result<std::optional<std::string>> end = std::move(*pending_);
      pending_.reset();
      co_return end;
    }
    for (;;) {
      api::Result<std::optional<std::string>> piece = co_await inner_->next();
      if (!piece || !*piece) {  // an error, or the end: what is left goes out as it is first
        std::string rest;
        if (auto ev = sse_.rest()) rest = std::string(ev->raw);
        if (rest.empty()) co_return piece;
        pending_ = std::move(piece);
        co_return std::optional<std::string>(std::move(rest));
      }
      sse_.feed(**piece);
      std::string out;
      while (std::optional<providers::SseEvent> ev = sse_.next()) out += own(*ev);
      if (!out.empty()) co_return std::optional<std::string>(std::move(out));
    }
  }

 private:
  std::string own(const providers::SseEvent& ev) {
    std::string_view d = ev.data;
    // Only the lifecycle events carry a `response` object (a key inside a string would have its
    // quotes escaped).
    if (d.find("\"response\":{") == std::string_view::npos) return std::string(ev.raw);
    json event = json::parse(d, nullptr, false);
    if (!event.is_object() || !event.contains("response") || !event["response"].is_object())
      return std::string(ev.raw);
    const std::string type = typeOf(event);
    ownResponse(event["response"], turn_);
    if (!stored_ && (type == "response.completed" || type == "response.incomplete" ||
                     type == "response.failed")) {
      persist(store_, turn_, event["response"]);
      stored_ = true;
    }
    std::string framed = ev.name.empty() ? std::string() : "event: " + std::string(ev.name) + "\n";
    return framed + "data: " + api::dumpJson(event) + "\n\n";
  }

  std::unique_ptr<api::ChunkSource> inner_;
  store::StoreThread* store_;
  Turn turn_;
  providers::SseCutter sse_{16u << 20};
  std::optional<api::Result<std::optional<std::string>>> pending_;
  bool stored_ = false;
};

class IngressFilter final : public Filter {
 public:
  explicit IngressFilter(store::StoreThread* store) : store_(store) {}
  std::string_view name() const noexcept override { return "responses_ingress"; }

  boost::asio::awaitable<Reply> handle(Exchange& ex, Next next) override {
    if (ex.raw_body.empty())
      co_return fail(ex, {ErrorKind::kInvalidRequest, "Request body is empty: expected a JSON object."});
    api::Result<json> parsed = api::parseJsonObject(ex.raw_body);
    if (!parsed) co_return fail(ex, parsed.error());
    const json& request = *parsed;

    Turn turn;
    turn.owner = ownerOf(ex);
    turn.created_ms = nowMs();
    if (auto s = request.find("store"); s != request.end() && s->is_boolean()) turn.store = s->get<bool>();
    api::Result<Context> context = co_await loadContext(store_, request, turn.owner);
    if (!context) co_return fail(ex, context.error());
    turn.previous = std::move(context->previous);
    turn.history = std::move(context->history);
    const json& references = context->references;
    api::Result<Translated> translated = translateForChat(request, turn.history, references);
    if (!translated) co_return fail(ex, translated.error());
    turn.input_items = std::move(translated->input_items);
    std::optional<Error> untranslatable = std::move(translated->untranslatable);
    if (auto m = request.find("model"); m != request.end() && m->is_string())
      turn.model = m->get<std::string>();

    ex.ingress = api::WireFormat::kResponses;
    ex.endpoint = api::Endpoint::kChatCompletions;
    ex.body = api::Body::fromJson(std::move(translated->chat));
    ex.original_body =
        std::make_unique<json>(passthroughRequest(request, turn.history, references));
    ex.untranslatable = std::move(untranslatable);
    ex.raw_body.clear();

    Reply reply = co_await next(ex);
    if (ex.outcome.error || reply.status < 200 || reply.status >= 300) co_return reply;
    if (reply.format == api::WireFormat::kResponses) co_return passedThrough(ex, std::move(reply), turn);

    ResponseHead head{newResponseId(), turn.created_ms / 1000, turn.model};
    if (reply.stream) {
      json shell = responseShell(request, head);
      reply.stream = std::make_unique<ResponsesStream>(
          std::move(reply.stream), std::move(shell), &ex.usage,
          [store = store_, turn = std::move(turn)](const json& response) {
            persist(store, turn, response);
          });
      reply.stream_error = &nothingMore;
      co_return reply;
    }
    json completion = json::parse(reply.body, nullptr, false);
    if (!completion.is_object()) {
      co_return fail(ex, {ErrorKind::kUpstreamError, "The provider's answer is not a JSON object.",
                          "responses: unreadable chat completion"});
    }
    api::Result<json> response = toResponse(completion, request, head);
    if (!response) co_return fail(ex, response.error());
    persist(store_, turn, *response);
    if (ex.stream) {
      reply.body.clear();
      reply.content_type = "text/event-stream";
      reply.stream = responseAsStream(*response);
    } else {
      reply.body = api::dumpJson(*response);
    }
    co_return reply;
  }

  // An OpenAI or Azure deployment answered in the Responses format: relayed, and stored.
  Reply passedThrough(Exchange& ex, Reply reply, Turn& turn) {
    reply.stream_error = &nothingMore;  // the relay frames the failure as an `error` event
    if (reply.stream) {
      reply.stream = std::make_unique<OwnedEvents>(std::move(reply.stream), store_, std::move(turn));
      return reply;
    }
    json response = json::parse(reply.body, nullptr, false);
    if (!response.is_object()) {
      return fail(ex, {ErrorKind::kUpstreamError, "The provider's answer is not a JSON object.",
                       "responses: unreadable upstream response"});
    }
    ownResponse(response, turn);
    persist(store_, turn, response);
    reply.body = api::dumpJson(response);
    return reply;
  }

 private:
  store::StoreThread* store_;
};

}  // namespace

std::unique_ptr<Filter> makeIngressFilter(store::StoreThread* store) {
  return std::make_unique<IngressFilter>(store);
}

}  // namespace switchyard::ingress::responses
