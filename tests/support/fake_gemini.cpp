#include "support/fake_gemini.hpp"

#include <atomic>
#include <mutex>

namespace switchyard::test {

using json = nlohmann::json;

namespace {

std::string canonicalStatus(unsigned status) {
  switch (status) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 500:
      return "INTERNAL";
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
  }
}

// "/v1beta/models/{model}:{method}" -> {model, method}; empty on anything else.
std::pair<std::string, std::string> parseTarget(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  static const std::string kPrefix = "/v1beta/models/";
  if (path.rfind(kPrefix, 0) != 0) return {};
  std::string rest = path.substr(kPrefix.size());
  std::size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) return {};
  return {rest.substr(0, colon), rest.substr(colon + 1)};
}

json usageFor(const RecordedRequest& req, std::size_t candidates_tokens) {
  int prompt = static_cast<int>(req.body.size() / 4 + 1);
  return {{"promptTokenCount", prompt},
          {"candidatesTokenCount", candidates_tokens},
          {"totalTokenCount", prompt + static_cast<int>(candidates_tokens)}};
}

}  // namespace

std::string geminiErrorBody(unsigned status, const std::string& message) {
  return json{
      {"error", {{"code", status}, {"message", message}, {"status", canonicalStatus(status)}}}}
      .dump();
}

class FakeGemini::Dialect final : public FakeDialect {
 public:
  explicit Dialect(std::string key) : key_(std::move(key)) {}

  std::string modelOf(const RecordedRequest& req) const override {
    return parseTarget(req.target).first;
  }

  void setArgs(json args) {
    std::lock_guard lk(mu_);
    args_ = std::move(args);
  }

  bool serve(const RecordedRequest& req, const Behavior& b, FakeResponder& out) override {
    auto error = [&](unsigned status, const std::string& message) {
      return out.respond(status, "application/json; charset=UTF-8",
                         geminiErrorBody(status, message));
    };
    auto [model, method] = parseTarget(req.target);
    if (req.method != "POST" || model.empty())
      return error(404, "The requested URL was not found.");
    if (req.header("x-goog-api-key") != key_) {
      json e = {{"error",
                 {{"code", 400},
                  {"message", "API key not valid. Please pass a valid API key."},
                  {"status", "INVALID_ARGUMENT"},
                  {"details", json::array({{{"@type", "type.googleapis.com/google.rpc.ErrorInfo"},
                                            {"reason", "API_KEY_INVALID"},
                                            {"domain", "googleapis.com"}}})}}}};
      return out.respond(400, "application/json; charset=UTF-8", e.dump());
    }
    json body = req.json();
    if (!body.is_object()) return error(400, "Invalid JSON payload received.");
    if (b.kind == Behavior::Kind::kError) {
      return out.respond(b.status, "application/json; charset=UTF-8",
                         b.body.empty() ? geminiErrorBody(b.status, b.error_message) : b.body,
                         b.extra_headers);
    }
    if (method == "embedContent" || method == "batchEmbedContents")
      return embed(method, body, out, b);
    bool stream = method == "streamGenerateContent";
    if (method != "generateContent" && !stream) return error(404, "Method not found.");
    if (stream && req.target.find("alt=sse") == std::string::npos)
      return error(400, "this fake serves streamGenerateContent with alt=sse only");
    if (!body.contains("contents") || !body["contents"].is_array() || body["contents"].empty())
      return error(400, "* GenerateContentRequest.contents: contents is not specified");

    json parts = json::array();
    std::string finish = "STOP";
    bool safety = model.rfind("unsafe-", 0) == 0;
    if (model.rfind("blocked-", 0) == 0) {
      json r = {{"promptFeedback", {{"blockReason", "SAFETY"}}},
                {"usageMetadata", usageFor(req, 0)},
                {"modelVersion", model}};
      if (!stream)
        return out.respond(200, "application/json; charset=UTF-8", r.dump(), b.extra_headers);
      return out.startStream("text/event-stream", b.extra_headers) &&
             out.chunk("data: " + r.dump() + "\r\n\r\n") && out.endStream();
    }
    const json& last = body["contents"].back();
    bool answered_tool = false;
    if (last.contains("parts") && last["parts"].is_array())
      for (const json& p : last["parts"])
        if (p.contains("functionResponse")) answered_tool = true;
    std::string function;
    if (body.contains("tools") && body["tools"].is_array() && !answered_tool) {
      for (const json& t : body["tools"])
        if (t.contains("functionDeclarations") && !t["functionDeclarations"].empty()) {
          function = t["functionDeclarations"][0].value("name", "");
          break;
        }
    }
    auto candidate = [&](json ps, const std::string& reason) {
      json c = {{"content", {{"parts", std::move(ps)}, {"role", "model"}}}, {"index", 0}};
      if (!reason.empty()) c["finishReason"] = reason;
      return c;
    };
    if (!function.empty()) {
      json args;
      {
        std::lock_guard lk(mu_);
        args = args_;
      }
      parts.push_back({{"functionCall", {{"name", function}, {"args", args}}}});
    }
    std::size_t ntokens = b.chunks.size();
    if (!stream) {
      if (safety) {
        json r = {{"candidates", json::array({{{"finishReason", "SAFETY"}, {"index", 0}}})},
                  {"usageMetadata", usageFor(req, 0)}};
        return out.respond(200, "application/json; charset=UTF-8", r.dump(), b.extra_headers);
      }
      if (function.empty()) {
        std::string text = b.content;
        if (text.empty())
          for (const auto& c : b.chunks) text += c;
        parts.push_back({{"text", text}});
      }
      json r = {{"candidates", json::array({candidate(parts, finish)})},
                {"usageMetadata", usageFor(req, ntokens)},
                {"modelVersion", model},
                {"responseId", "fake-" + std::to_string(counter_++)}};
      return out.respond(200, "application/json; charset=UTF-8", r.dump(), b.extra_headers);
    }

    if (!out.startStream("text/event-stream", b.extra_headers)) return false;
    auto event = [&](const json& r, bool first) {
      return out.chunk("data: " + r.dump() + "\r\n\r\n", first ? Millis{0} : b.chunk_delay);
    };
    if (safety) {
      json r = {{"candidates", json::array({{{"finishReason", "SAFETY"}, {"index", 0}}})},
                {"usageMetadata", usageFor(req, 0)}};
      return event(r, true) && out.endStream();
    }
    if (!function.empty()) {
      json r = {{"candidates", json::array({candidate(parts, finish)})},
                {"usageMetadata", usageFor(req, 1)},
                {"modelVersion", model}};
      return event(r, true) && out.endStream();
    }
    const bool cut =
        b.kind == Behavior::Kind::kCloseMidStream || b.kind == Behavior::Kind::kErrorEventInStream;
    int sent = 0;
    for (std::size_t i = 0; i < b.chunks.size(); ++i) {
      if (cut && sent >= b.chunks_before_close) break;
      bool last_chunk = i + 1 == b.chunks.size() && !cut;
      json r = {{"candidates", json::array({candidate(json::array({{{"text", b.chunks[i]}}}),
                                                      last_chunk ? finish : "")})},
                {"usageMetadata", usageFor(req, last_chunk ? ntokens : 0)},
                {"modelVersion", model}};
      if (!last_chunk) r["usageMetadata"].erase("candidatesTokenCount");
      if (!event(r, i == 0)) return false;
      ++sent;
    }
    if (b.kind == Behavior::Kind::kCloseMidStream) return false;
    if (b.kind == Behavior::Kind::kErrorEventInStream) {
      event(json::parse(geminiErrorBody(b.status >= 400 ? b.status : 500, b.error_message)),
            sent == 0);
      return false;
    }
    return out.endStream();
  }

 private:
  bool embed(const std::string& method, const json& body, FakeResponder& out, const Behavior& b) {
    auto vec = [](const json& req, std::size_t i) {
      int dims = req.value("outputDimensionality", 8);
      json v = json::array();
      for (int k = 0; k < dims; ++k) v.push_back(0.125 * static_cast<double>((k + i) % 5) - 0.25);
      return json{{"values", v}};
    };
    if (method == "embedContent") {
      if (!body.contains("content"))
        return out.respond(400, "application/json", geminiErrorBody(400, "content is required"));
      return out.respond(200, "application/json; charset=UTF-8",
                         json{{"embedding", vec(body, 0)}}.dump(), b.extra_headers);
    }
    if (!body.contains("requests") || !body["requests"].is_array())
      return out.respond(400, "application/json", geminiErrorBody(400, "requests is required"));
    json embeddings = json::array();
    for (std::size_t i = 0; i < body["requests"].size(); ++i)
      embeddings.push_back(vec(body["requests"][i], i));
    return out.respond(200, "application/json; charset=UTF-8",
                       json{{"embeddings", embeddings}}.dump(), b.extra_headers);
  }

  std::string key_;
  std::mutex mu_;
  json args_ = {{"city", "Paris"}};
  std::atomic<int> counter_{0};
};

FakeGemini::FakeGemini(std::string api_key)
    : dialect_(std::make_shared<Dialect>(std::move(api_key))) {
  FakeOpenAI::Options o;
  o.dialect = dialect_;
  server_ = std::make_unique<FakeOpenAI>(o);
}

FakeGemini::~FakeGemini() = default;

std::string FakeGemini::baseUrl() const {
  return "http://127.0.0.1:" + std::to_string(server_->port());
}

void FakeGemini::setFunctionArgs(json args) { dialect_->setArgs(std::move(args)); }

}  // namespace switchyard::test
