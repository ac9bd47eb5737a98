#include "support/fake_responses_api.hpp"

#include <atomic>

namespace switchyard::test {

using json = nlohmann::json;

namespace {

std::string errorBody(const std::string& message, const std::string& type, json code = nullptr) {
  return json{{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}}
      .dump();
}

bool responsesPath(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  return path == "/v1/responses" || path == "/openai/v1/responses" || path == "/openai/responses";
}

}  // namespace

class FakeResponsesApi::Dialect final : public FakeDialect {
 public:
  explicit Dialect(std::string key) : key_(std::move(key)) {}
  std::string modelOf(const RecordedRequest& req) const override {
    return req.json().value("model", "");
  }

  bool serve(const RecordedRequest& req, const Behavior& b, FakeResponder& out) override {
    const std::string ct = "application/json";
    if (req.method != "POST" || !responsesPath(req.target))
      return out.respond(404, ct, errorBody("Not found: " + req.target, "invalid_request_error"));
    if (req.header("authorization") != "Bearer " + key_ && req.header("api-key") != key_)
      return out.respond(401, ct, errorBody("Incorrect API key provided.", "invalid_request_error",
                                            "invalid_api_key"));
    json body = req.json();
    if (!body.is_object() || !body.contains("model") || !body.contains("input"))
      return out.respond(400, ct, errorBody("Missing required parameter.", "invalid_request_error",
                                            "missing_required_parameter"));
    if (b.kind == Behavior::Kind::kError) {
      return out.respond(b.status, ct,
                         b.body.empty() ? errorBody(b.error_message, "server_error") : b.body);
    }
    const int n = ++count_;
    const std::string id = "resp_fake" + std::to_string(n);
    const std::string msg_id = "msg_fake" + std::to_string(n);
    std::string text;
    for (const std::string& c : b.chunks) text += c;
    const int input_tokens = static_cast<int>(req.body.size() / 4 + 1);
    const int output_tokens = static_cast<int>(b.chunks.size()) + 2;
    json usage = {{"input_tokens", input_tokens},
                  {"input_tokens_details", {{"cached_tokens", 3}}},
                  {"output_tokens", output_tokens},
                  {"output_tokens_details", {{"reasoning_tokens", 2}}},
                  {"total_tokens", input_tokens + output_tokens}};
    auto message = [&](const std::string& t, const std::string& status) {
      return json{{"id", msg_id},
                  {"type", "message"},
                  {"status", status},
                  {"role", "assistant"},
                  {"content", json::array({{{"type", "output_text"},
                                            {"text", t},
                                            {"annotations", json::array()},
                                            {"logprobs", json::array()}}})}};
    };
    auto response = [&](const std::string& status, json output, json u) {
      return json{{"id", id},
                  {"object", "response"},
                  {"created_at", 1741476542},
                  {"status", status},
                  {"error", nullptr},
                  {"incomplete_details", nullptr},
                  {"instructions", body.value("instructions", json(nullptr))},
                  {"model", body["model"].get<std::string>() + "-2025-04-14"},
                  {"output", std::move(output)},
                  {"parallel_tool_calls", true},
                  {"previous_response_id", nullptr},
                  {"store", body.value("store", true)},
                  {"temperature", 1.0},
                  {"text", {{"format", {{"type", "text"}}}}},
                  {"tool_choice", "auto"},
                  {"tools", json::array()},
                  {"top_p", 1.0},
                  {"usage", std::move(u)},
                  {"metadata", json::object()}};
    };
    if (!body.value("stream", false)) {
      return out.respond(200, ct,
                         response("completed", json::array({message(text, "completed")}), usage).dump(),
                         b.extra_headers);
    }
    if (!out.startStream("text/event-stream", b.extra_headers)) return false;
    int seq = 0;
    auto send = [&](const std::string& type, json event, Millis delay = Millis{0}) {
      json e = {{"type", type}};
      for (auto& [k, v] : event.items()) e[k] = v;
      e["sequence_number"] = seq++;
      return out.chunk("event: " + type + "\ndata: " + e.dump() + "\n\n", delay);
    };
    if (!send("response.created", {{"response", response("in_progress", json::array(), nullptr)}}) ||
        !send("response.in_progress", {{"response", response("in_progress", json::array(), nullptr)}}) ||
        !send("response.output_item.added", {{"output_index", 0}, {"item", message("", "in_progress")}}) ||
        !send("response.content_part.added",
              {{"item_id", msg_id}, {"output_index", 0}, {"content_index", 0},
               {"part", {{"type", "output_text"}, {"text", ""}, {"annotations", json::array()}}}}))
      return false;
    int i = 0;
    for (const std::string& c : b.chunks) {
      if ((b.kind == Behavior::Kind::kErrorEventInStream || b.kind == Behavior::Kind::kCloseMidStream) &&
          i == b.chunks_before_close)
        break;
      if (!send("response.output_text.delta",
                {{"item_id", msg_id}, {"output_index", 0}, {"content_index", 0}, {"delta", c},
                 {"logprobs", json::array()}},
                i == 0 ? Millis{0} : b.chunk_delay))
        return false;
      ++i;
    }
    if (b.kind == Behavior::Kind::kCloseMidStream) return false;  // drops the connection
    if (b.kind == Behavior::Kind::kErrorEventInStream) {
      json err = {{"code", "server_error"}, {"message", b.error_message}};
      return send("error", {{"code", "server_error"}, {"message", b.error_message}, {"param", nullptr}}) &&
             send("response.failed", {{"response", [&] {
                                         json r = response("failed", json::array(), nullptr);
                                         r["error"] = err;
                                         return r;
                                       }()}}) &&
             out.endStream();
    }
    json part = {{"type", "output_text"}, {"text", text}, {"annotations", json::array()}};
    return send("response.output_text.done",
                {{"item_id", msg_id}, {"output_index", 0}, {"content_index", 0}, {"text", text},
                 {"logprobs", json::array()}}) &&
           send("response.content_part.done",
                {{"item_id", msg_id}, {"output_index", 0}, {"content_index", 0}, {"part", part}}) &&
           send("response.output_item.done", {{"output_index", 0}, {"item", message(text, "completed")}}) &&
           send("response.completed",
                {{"response", response("completed", json::array({message(text, "completed")}), usage)}}) &&
           out.endStream();
  }

 private:
  std::string key_;
  std::atomic<int> count_{0};
};

FakeResponsesApi::FakeResponsesApi(std::string api_key)
    : dialect_(std::make_shared<Dialect>(std::move(api_key))) {
  FakeOpenAI::Options o;
  o.dialect = dialect_;
  server_ = std::make_unique<FakeOpenAI>(o);
}

FakeResponsesApi::~FakeResponsesApi() = default;

std::string FakeResponsesApi::baseUrl() const {
  return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1";
}
std::string FakeResponsesApi::azureBase() const {
  return "http://127.0.0.1:" + std::to_string(server_->port());
}

}  // namespace switchyard::test
