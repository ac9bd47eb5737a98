// POST /v1/messages, reply side: OpenAI chat replies and gateway errors -> Anthropic messages,
// event streams and error bodies.

#include "switchyard/ingress/anthropic/reply.hpp"

#include "common.hpp"
#include "switchyard/ingress/anthropic/stream.hpp"

namespace switchyard::ingress::anthropic {
namespace {

class OnceSource final : public ChunkSource {
 public:
  explicit OnceSource(std::string bytes) : bytes_(std::move(bytes)) {}
  boost::asio::awaitable<Result<std::optional<std::string>>> next() override {
    if (done_) co_return std::optional<std::string>{};
    done_ = true;
    co_return std::optional<std::string>{std::move(bytes_)};
  }

 private:
  std::string bytes_;
  bool done_ = false;
};

// An Error for a non-2xx reply that carries no api::Error (its body an OpenAI error, maybe).
Error errorFromReply(const Reply& reply) {
  Error e{ErrorKind::kUpstreamError, "The provider returned an error."};
  e.status = reply.status;
  switch (reply.status) {
    case 400:
      e.kind = ErrorKind::kInvalidRequest;
      break;
    case 401:
      e.kind = ErrorKind::kUnauthorized;
      break;
    case 403:
      e.kind = ErrorKind::kForbidden;
      break;
    case 404:
      e.kind = ErrorKind::kNotFound;
      break;
    case 413:
      e.kind = ErrorKind::kPayloadTooLarge;
      break;
    case 429:
      e.kind = ErrorKind::kRateLimited;
      break;
    case 503:
    case 529:
      e.kind = ErrorKind::kOverloaded;
      break;
    default:
      break;
  }
  json j = json::parse(reply.body, nullptr, false);
  if (j.is_object() && j["error"].is_object()) {
    if (auto m = j["error"].find("message"); m != j["error"].end() && m->is_string())
      e.message = *m;
  }
  return e;
}

}  // namespace

std::string_view stopReason(std::string_view finish_reason) noexcept {
  if (finish_reason == "length") return "max_tokens";
  if (finish_reason == "tool_calls" || finish_reason == "function_call") return "tool_use";
  if (finish_reason == "content_filter") return "refusal";
  return "end_turn";
}

Result<json> toAnthropicMessage(const json& completion, std::string_view model,
                                const std::vector<std::string>& stop_sequences) {
  const json* choices = completion.is_object() ? field(completion, "choices") : nullptr;
  if (!choices || !choices->is_array() || choices->empty() || !(*choices)[0].is_object()) {
    return Error{ErrorKind::kUpstreamError, "The provider sent an invalid response.",
                 "chat.completion without choices[0]"};
  }
  const json& choice = (*choices)[0];
  const json* message = field(choice, "message");
  json content = json::array();
  bool has_tool = false;
  if (message && message->is_object()) {
    std::string text;
    if (const json* c = field(*message, "content")) {
      if (c->is_string()) {
        text = c->get<std::string>();
      } else if (c->is_array()) {
        for (const json& part : *c)
          if (stringAt(part, "type") == "text") text += stringAt(part, "text");
      }
    }
    if (text.empty()) {
      if (const json* r = field(*message, "refusal"); r && r->is_string())
        text = r->get<std::string>();
    }
    if (!text.empty()) content.push_back({{"type", "text"}, {"text", std::move(text)}});
    auto addTool = [&](const json* id, const json& fn) {
      std::string name = fn.is_object() && fn.contains("name") && fn["name"].is_string()
                             ? fn["name"].get<std::string>()
                             : "";
      content.push_back(
          {{"type", "tool_use"},
           {"id", id && id->is_string() ? id->get<std::string>() : "toolu_" + compactId()},
           {"name", std::move(name)},
           {"input", parseArguments(fn)}});
      has_tool = true;
    };
    if (const json* calls = field(*message, "tool_calls"); calls && calls->is_array()) {
      for (const json& call : *calls) {
        if (!call.is_object()) continue;
        addTool(field(call, "id"), call.contains("function") ? call["function"] : json());
      }
    }
    if (const json* fc = field(*message, "function_call"); fc && fc->is_object())
      addTool(nullptr, *fc);
  }
  std::string finish;
  if (const json* f = field(choice, "finish_reason"); f && f->is_string())
    finish = f->get<std::string>();
  std::string_view reason = stopReason(finish);
  if (has_tool && reason == "end_turn")
    reason = "tool_use";  // some servers say "stop" with tool calls
  std::string stop_sequence =
      finish == "stop" ? matchedStop(choice, stop_sequences) : std::string();
  if (!stop_sequence.empty()) reason = "stop_sequence";

  const json* usage = field(completion, "usage");
  return ok({{"id", "msg_" + compactId()},
             {"type", "message"},
             {"role", "assistant"},
             {"model", model},
             {"content", std::move(content)},
             {"stop_reason", reason},
             {"stop_sequence", stop_sequence.empty() ? json(nullptr) : json(stop_sequence)},
             {"usage", anthropicUsage(usage ? *usage : json::object())}});
}

unsigned anthropicStatus(const Error& e) noexcept {
  if (e.kind == ErrorKind::kOverloaded) return 529;
  return e.httpStatus();
}

std::string_view errorType(const Error& e) noexcept {
  unsigned status = anthropicStatus(e);
  switch (status) {
    case 400:
    case 405:
    case 422:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 408:
    case 504:
      return "timeout_error";
    case 503:
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string errorBody(const Error& e) {
  return dumpJson({{"type", "error"}, {"error", {{"type", errorType(e)}, {"message", e.message}}}});
}

std::string errorEvent(const Error& e) { return "event: error\ndata: " + errorBody(e) + "\n\n"; }

std::unique_ptr<ChunkSource> messageAsStream(const json& message) {
  std::string out;
  const json& usage = message.contains("usage") ? message["usage"] : json::object();
  json start_usage = usage;
  if (start_usage.is_object()) start_usage["output_tokens"] = 0;
  out +=
      frame("message_start", messageStartEvent(stringAt(message, "id", "msg_" + compactId()),
                                               stringAt(message, "model"), std::move(start_usage)));
  int index = 0;
  if (auto c = message.find("content"); c != message.end() && c->is_array()) {
    for (const json& block : *c) {
      std::string type = stringAt(block, "type");
      if (type == "text") {
        out += frame("content_block_start", {{"type", "content_block_start"},
                                             {"index", index},
                                             {"content_block", {{"type", "text"}, {"text", ""}}}});
        out += frame("content_block_delta",
                     {{"type", "content_block_delta"},
                      {"index", index},
                      {"delta", {{"type", "text_delta"}, {"text", stringAt(block, "text")}}}});
      } else if (type == "tool_use") {
        out += frame("content_block_start", {{"type", "content_block_start"},
                                             {"index", index},
                                             {"content_block",
                                              {{"type", "tool_use"},
                                               {"id", stringAt(block, "id")},
                                               {"name", stringAt(block, "name")},
                                               {"input", json::object()}}}});
        out += frame("content_block_delta",
                     {{"type", "content_block_delta"},
                      {"index", index},
                      {"delta",
                       {{"type", "input_json_delta"},
                        {"partial_json",
                         dumpJson(block.contains("input") ? block["input"] : json::object())}}}});
      } else {
        continue;
      }
      out += frame("content_block_stop", {{"type", "content_block_stop"}, {"index", index}});
      ++index;
    }
  }
  std::string stop_sequence;
  if (auto s = message.find("stop_sequence"); s != message.end() && s->is_string())
    stop_sequence = *s;
  out += frame("message_delta", messageDeltaEvent(stringAt(message, "stop_reason", "end_turn"),
                                                  stop_sequence, usage));
  out += frame("message_stop", {{"type", "message_stop"}});
  return std::make_unique<OnceSource>(std::move(out));
}

void answerError(Reply& reply, const Error& e) {
  reply.stream.reset();
  reply.content_type = "application/json";
  if (!e.upstream_body.empty() && e.upstream_status != 0) {
    reply.status = e.upstream_status;  // the provider's own Anthropic error, as it wrote it
    reply.body = e.upstream_body;
  } else {
    reply.status = anthropicStatus(e);
    reply.body = errorBody(e);
  }
}

Reply toAnthropicReply(const Exchange& ex, Reply reply) {
  if (!ex.request_id.empty()) reply.headers.push_back({"request-id", ex.request_id});
  if (reply.format == WireFormat::kAnthropic) return reply;

  auto errorReply = [&](const Error& e) {
    answerError(reply, e);
    return std::move(reply);
  };
  if (ex.outcome.error) return errorReply(*ex.outcome.error);
  if (reply.status < 200 || reply.status >= 300) return errorReply(errorFromReply(reply));

  std::vector<std::string> stops;
  if (ex.original_body) {
    if (auto s = ex.original_body->find("stop_sequences");
        s != ex.original_body->end() && s->is_array())
      for (const json& v : *s)
        if (v.is_string()) stops.push_back(v.get<std::string>());
  }
  if (reply.stream) {
    reply.stream =
        std::make_unique<AnthropicStream>(std::move(reply.stream), ex.model, std::move(stops));
    reply.content_type = "text/event-stream";
    reply.format = WireFormat::kAnthropic;
    return reply;
  }
  json completion = json::parse(reply.body, nullptr, false);
  Result<json> message = toAnthropicMessage(completion, ex.model, stops);
  if (!message) return errorReply(message.error());
  reply.format = WireFormat::kAnthropic;
  if (ex.stream) {
    reply.stream = messageAsStream(*message);
    reply.content_type = "text/event-stream";
    reply.body.clear();
  } else {
    reply.body = dumpJson(*message);
    reply.content_type = "application/json";
  }
  return reply;
}

}  // namespace switchyard::ingress::anthropic
