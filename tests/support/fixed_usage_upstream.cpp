#include "support/fixed_usage_upstream.hpp"

#include <atomic>
#include <chrono>

namespace switchyard::test {

using nlohmann::json;

namespace {

std::atomic<unsigned long> g_counter{0};

long long unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string errorJson(unsigned status, const std::string& message) {
  return json{{"error",
               {{"message", message},
                {"type", status >= 500 ? "server_error" : "invalid_request_error"},
                {"param", nullptr},
                {"code", nullptr}}}}
      .dump();
}

}  // namespace

json FixedUsage::toJson() const {
  return {{"prompt_tokens", prompt_tokens},
          {"completion_tokens", completion_tokens},
          {"total_tokens", prompt_tokens + completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", cached_tokens}, {"audio_tokens", 0}}},
          {"completion_tokens_details",
           {{"reasoning_tokens", reasoning_tokens},
            {"audio_tokens", 0},
            {"accepted_prediction_tokens", 0},
            {"rejected_prediction_tokens", 0}}}};
}

std::string FixedUsageDialect::modelOf(const RecordedRequest& req) const {
  json b = req.json();
  if (b.is_object() && b.contains("model") && b["model"].is_string())
    return b["model"].get<std::string>();
  return {};
}

bool FixedUsageDialect::serve(const RecordedRequest& req, const Behavior& b, FakeResponder& out) {
  std::string target = req.target;
  if (auto q = target.find('?'); q != std::string::npos) target.resize(q);
  if (req.method != "POST" || (target != "/v1/chat/completions" && target != "/chat/completions"))
    return out.respond(404, "application/json", errorJson(404, "Unknown URL " + target));
  const json body = req.json();
  if (!body.is_object())
    return out.respond(400, "application/json", errorJson(400, "body is not JSON"));
  if (b.kind == Behavior::Kind::kError)
    return out.respond(b.status, "application/json",
                       b.body.empty() ? errorJson(b.status, b.error_message) : b.body);

  const json usage_json = this->usage().toJson();
  const std::string model = body.value("model", std::string("unknown"));
  const std::string id = "chatcmpl-fixed" + std::to_string(g_counter.fetch_add(1));
  const long long created = unixNow();
  if (!body.value("stream", false)) {
    json res = {
        {"id", id},
        {"object", "chat.completion"},
        {"created", created},
        {"model", model},
        {"choices", json::array({{{"index", 0},
                                  {"message", {{"role", "assistant"}, {"content", content_}}},
                                  {"logprobs", nullptr},
                                  {"finish_reason", "stop"}}})},
        {"usage", usage_json}};
    return out.respond(200, "application/json", res.dump());
  }
  const bool include_usage = body.contains("stream_options") &&
                             body["stream_options"].is_object() &&
                             body["stream_options"].value("include_usage", false);
  auto chunk = [&](json delta, json finish) {
    json c = {{"id", id},
              {"object", "chat.completion.chunk"},
              {"created", created},
              {"model", model},
              {"choices", json::array({{{"index", 0},
                                        {"delta", std::move(delta)},
                                        {"logprobs", nullptr},
                                        {"finish_reason", std::move(finish)}}})}};
    if (include_usage) c["usage"] = nullptr;
    return "data: " + c.dump() + "\n\n";
  };
  if (!out.startStream("text/event-stream")) return false;
  if (!out.chunk(chunk({{"role", "assistant"}, {"content", ""}}, nullptr), b.chunk_delay))
    return false;
  if (!out.chunk(chunk({{"content", content_}}, nullptr), b.chunk_delay)) return false;
  if (!out.chunk(chunk(json::object(), "stop"), b.chunk_delay)) return false;
  if (include_usage) {
    json u = {{"id", id},       {"object", "chat.completion.chunk"}, {"created", created},
              {"model", model}, {"choices", json::array()},          {"usage", usage_json}};
    if (!out.chunk("data: " + u.dump() + "\n\n")) return false;
  }
  if (!out.chunk("data: [DONE]\n\n")) return false;
  return out.endStream();
}

}  // namespace switchyard::test
