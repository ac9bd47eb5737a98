#include "support/fake_anthropic.hpp"

#include <atomic>
#include <map>
#include <mutex>

namespace switchyard::test {

using json = nlohmann::json;

std::string anthropicErrorType(unsigned status) {
  switch (status) {
    case 400:
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
    case 504:
      return "timeout_error";
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string anthropicErrorBody(unsigned status, const std::string& message) {
  return json{{"type", "error"},
              {"error", {{"type", anthropicErrorType(status)}, {"message", message}}},
              {"request_id", "req_011CSHoEeqs5C35K2UUqR7Fy"}}
      .dump();
}

class FakeAnthropic::Dialect final : public FakeDialect {
 public:
  explicit Dialect(std::string key) : api_key(std::move(key)) {}

  std::string modelOf(const RecordedRequest& req) const override {
    json body = req.json();
    return body.is_object() ? body.value("model", std::string{}) : std::string{};
  }

  bool serve(const RecordedRequest& req, const Behavior& b, FakeResponder& out) override {
    std::string target = req.target;
    if (auto q = target.find('?'); q != std::string::npos) target.resize(q);
    if (target != "/v1/messages" || req.method != "POST") {
      return writeJson(out, 404, anthropicErrorBody(404, "Not Found"), {});
    }
    if (req.header("x-api-key") != api_key) {
      return writeJson(out, 401, anthropicErrorBody(401, "invalid x-api-key"), {});
    }
    if (req.header("anthropic-version").empty()) {
      return writeJson(out, 400, anthropicErrorBody(400, "anthropic-version: header is required"),
                       {});
    }
    const json body = req.json();
    if (!body.is_object())
      return writeJson(out, 400, anthropicErrorBody(400, "invalid JSON body"), {});
    for (const char* field : {"model", "max_tokens", "messages"}) {
      if (!body.contains(field)) {
        return writeJson(out, 400, anthropicErrorBody(400, std::string(field) + ": Field required"),
                         {});
      }
    }
    if (!body["messages"].is_array() || body["messages"].empty()) {
      return writeJson(out, 400,
                       anthropicErrorBody(400, "messages: at least one message is required"), {});
    }

    AnthropicScript sc;
    {
      std::lock_guard lk(mu);
      sc = script;
    }
    if (b.kind == Behavior::Kind::kError) {
      return writeJson(out, b.status,
                       b.body.empty() ? anthropicErrorBody(b.status, b.error_message) : b.body,
                       b.extra_headers);
    }

    const std::string model = sc.model.empty() ? body["model"].get<std::string>() : sc.model;
    const std::string id = "msg_fake" + std::to_string(ids++);
    std::string text = b.content;
    if (text.empty())
      for (const auto& c : b.chunks) text += c;
    const std::string stop_reason = sc.tool_use ? "tool_use" : sc.stop_reason;
    const std::uint64_t output_tokens = b.chunks.size() + (sc.tool_use ? 10 : 0);
    json usage = {{"input_tokens", sc.input_tokens},
                  {"cache_creation_input_tokens", sc.cache_creation_input_tokens},
                  {"cache_read_input_tokens", sc.cache_read_input_tokens},
                  {"output_tokens", output_tokens}};

    if (!body.value("stream", false)) {
      json content = json::array();
      if (!text.empty()) content.push_back({{"type", "text"}, {"text", text}});
      if (sc.tool_use) {
        content.push_back({{"type", "tool_use"},
                           {"id", sc.tool_use->id},
                           {"name", sc.tool_use->name},
                           {"input", sc.tool_use->input}});
      }
      json msg = {{"id", id},
                  {"type", "message"},
                  {"role", "assistant"},
                  {"model", model},
                  {"content", content},
                  {"stop_reason", stop_reason},
                  {"stop_sequence", nullptr},
                  {"usage", usage}};
      return writeJson(out, 200, msg.dump(), b.extra_headers);
    }

    std::map<std::string, std::string> head = {{"cache-control", "no-cache"},
                                               {"request-id", "req_fake_" + id}};
    for (const auto& [k, v] : b.extra_headers) head[k] = v;
    if (!out.startStream("text/event-stream; charset=utf-8", head)) return false;
    bool first = true;
    auto send = [&](const char* event, const json& data) -> bool {
      Millis delay = first ? Millis{0} : b.chunk_delay;
      first = false;
      return out.chunk(std::string("event: ") + event + "\ndata: " + data.dump() + "\n\n", delay);
    };
    json start_usage = usage;
    start_usage["output_tokens"] = 1;
    if (!send("message_start", {{"type", "message_start"},
                                {"message",
                                 {{"id", id},
                                  {"type", "message"},
                                  {"role", "assistant"},
                                  {"model", model},
                                  {"content", json::array()},
                                  {"stop_reason", nullptr},
                                  {"stop_sequence", nullptr},
                                  {"usage", start_usage}}}}))
      return false;
    if (!send("content_block_start", {{"type", "content_block_start"},
                                      {"index", 0},
                                      {"content_block", {{"type", "text"}, {"text", ""}}}}))
      return false;
    if (!send("ping", {{"type", "ping"}})) return false;
    const bool cut =
        b.kind == Behavior::Kind::kCloseMidStream || b.kind == Behavior::Kind::kErrorEventInStream;
    int sent = 0;
    for (const auto& piece : b.chunks) {
      if (cut && sent >= b.chunks_before_close) break;
      if (!send("content_block_delta", {{"type", "content_block_delta"},
                                        {"index", 0},
                                        {"delta", {{"type", "text_delta"}, {"text", piece}}}}))
        return false;
      ++sent;
    }
    if (b.kind == Behavior::Kind::kCloseMidStream) return false;
    if (b.kind == Behavior::Kind::kErrorEventInStream) {
      unsigned st = b.status == 500 ? 529 : b.status;
      send("error", {{"type", "error"},
                     {"error", {{"type", anthropicErrorType(st)}, {"message", b.error_message}}}});
      return false;
    }
    if (!send("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}})) return false;
    if (sc.tool_use) {
      if (!send("content_block_start", {{"type", "content_block_start"},
                                        {"index", 1},
                                        {"content_block",
                                         {{"type", "tool_use"},
                                          {"id", sc.tool_use->id},
                                          {"name", sc.tool_use->name},
                                          {"input", json::object()}}}}))
        return false;
      std::string args = sc.tool_use->input.dump();
      std::vector<std::string> parts = {"", args.substr(0, args.size() / 2),
                                        args.substr(args.size() / 2)};
      for (const auto& p : parts) {
        if (!send("content_block_delta",
                  {{"type", "content_block_delta"},
                   {"index", 1},
                   {"delta", {{"type", "input_json_delta"}, {"partial_json", p}}}}))
          return false;
      }
      if (!send("content_block_stop", {{"type", "content_block_stop"}, {"index", 1}})) return false;
    }
    if (!send("message_delta",
              {{"type", "message_delta"},
               {"delta", {{"stop_reason", stop_reason}, {"stop_sequence", nullptr}}},
               {"usage", {{"output_tokens", output_tokens}}}}))
      return false;
    if (!send("message_stop", {{"type", "message_stop"}})) return false;
    return out.endStream();
  }

  static bool writeJson(FakeResponder& out, unsigned status, const std::string& body,
                        const std::map<std::string, std::string>& extra) {
    std::map<std::string, std::string> head = extra;
    head.emplace("request-id", "req_fake_" + std::to_string(status));
    return out.respond(status, "application/json", body, head);
  }

  std::string api_key;
  std::mutex mu;
  AnthropicScript script;
  std::atomic<std::uint64_t> ids{0};
};

FakeAnthropic::FakeAnthropic(std::string api_key, FakeOpenAI::Options tls)
    : dialect_(std::make_shared<Dialect>(std::move(api_key))) {
  tls.dialect = dialect_;
  server_ = std::make_unique<FakeOpenAI>(std::move(tls));
}

FakeAnthropic::~FakeAnthropic() = default;

std::uint16_t FakeAnthropic::port() const { return server_->port(); }
std::string FakeAnthropic::baseUrl() const {
  std::string url = server_->baseUrl();  // ".../v1": Anthropic's base is the host root
  return url.substr(0, url.size() - 3);
}

void FakeAnthropic::setDefaultBehavior(Behavior b) { server_->setDefaultBehavior(std::move(b)); }
void FakeAnthropic::setBehaviorForModel(const std::string& model, Behavior b) {
  server_->setBehaviorForModel(model, std::move(b));
}
void FakeAnthropic::pushBehavior(Behavior b) { server_->pushBehavior(std::move(b)); }
void FakeAnthropic::setScript(AnthropicScript s) {
  std::lock_guard lk(dialect_->mu);
  dialect_->script = std::move(s);
}

std::vector<RecordedRequest> FakeAnthropic::requests() const { return server_->requests(); }
std::size_t FakeAnthropic::requestCount() const { return server_->requestCount(); }
std::optional<RecordedRequest> FakeAnthropic::lastRequest() const { return server_->lastRequest(); }
bool FakeAnthropic::waitForRequests(std::size_t n, Millis timeout) const {
  return server_->waitForRequests(n, timeout);
}
int FakeAnthropic::abortedResponses() const { return server_->abortedResponses(); }
bool FakeAnthropic::waitForAbortedResponses(int n, Millis timeout) const {
  return server_->waitForAbortedResponses(n, timeout);
}

}  // namespace switchyard::test
