// The built-in mock provider (docs/design.md §1): deterministic answers with no network, for the
// quickstart, load tests and request-level `mock_response`. See docs/contract.md.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "adapters.hpp"
#include "embedding_encoding.hpp"
#include "switchyard/api/ids.hpp"
#include "switchyard/api/json_get.hpp"
#include "switchyard/api/json_guard.hpp"
#include "switchyard/api/usage.hpp"

namespace switchyard::providers {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using api::Error;
using api::ErrorKind;
using nlohmann::json;

constexpr std::string_view kCanned = "This is a mock response from Switchyard.";

asio::awaitable<void> sleepFor(double seconds) {
  if (seconds <= 0) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(std::chrono::microseconds(static_cast<std::int64_t>(seconds * 1e6)));
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

// Text of a message's content: a string, or the text parts of a list.
void appendText(const json& content, std::string& out) {
  if (content.is_string()) {
    out += content.get_ref<const std::string&>();
  } else if (content.is_array()) {
    for (const json& part : content) {
      if (part.is_object()) {
        auto t = part.find("text");
        if (t != part.end() && t->is_string()) out += t->get_ref<const std::string&>();
      } else if (part.is_string()) {
        out += part.get_ref<const std::string&>();
      }
    }
  }
}

std::string promptText(const api::Exchange& ex) {
  std::string text;
  const json& body = ex.body.dom();
  if (auto m = body.find("messages"); m != body.end() && m->is_array()) {
    for (const json& msg : *m)
      if (msg.is_object())
        if (auto c = msg.find("content"); c != msg.end()) appendText(*c, text);
  } else if (auto p = body.find("prompt"); p != body.end()) {
    appendText(*p, text);
  } else if (auto i = body.find("input"); i != body.end()) {
    appendText(*i, text);
  }
  return text;
}

std::string lastUserText(const json& body) {
  std::string text;
  if (auto m = body.find("messages"); m != body.end() && m->is_array()) {
    for (auto it = m->rbegin(); it != m->rend(); ++it) {
      if (it->is_object() && it->value("role", "") == "user") {
        if (auto c = it->find("content"); c != it->end()) appendText(*c, text);
        break;
      }
    }
  } else if (auto p = body.find("prompt"); p != body.end()) {
    appendText(*p, text);
  }
  return text;
}

std::string answerText(const api::Exchange& ex, const config::Deployment* d) {
  if (d && d->mock_response) return *d->mock_response;
  if (ex.options.mock_response) return *ex.options.mock_response;
  if (d && (d->model_id == "echo" || d->model_id.ends_with("/echo"))) return lastUserText(ex.body.dom());
  return std::string(kCanned);
}

// LiteLLM's error mocks: a mock_response naming a litellm exception fails the call with that
// error, so retries, cooldowns and fallbacks can be tried without a provider.
std::optional<Error> mockError(std::string_view name) {
  if (!name.starts_with("litellm.")) return std::nullopt;
  std::string msg = "Mock error: " + std::string(name) + " (mock_response)";
  auto make = [&](ErrorKind kind, unsigned upstream_status, std::string code = {},
                  unsigned status = 0) {
    Error e{kind, msg, "mock_response " + std::string(name), status, std::move(code)};
    e.upstream_status = upstream_status;
    return e;
  };
  if (name == "litellm.RateLimitError") return make(ErrorKind::kRateLimited, 429);
  if (name == "litellm.InternalServerError") return make(ErrorKind::kUpstreamError, 500);
  if (name == "litellm.ServiceUnavailableError") return make(ErrorKind::kUpstreamError, 503);
  if (name == "litellm.APIConnectionError") return make(ErrorKind::kUpstreamError, 0);
  if (name == "litellm.Timeout") return make(ErrorKind::kUpstreamTimeout, 0);
  if (name == "litellm.ContextWindowExceededError")
    return make(ErrorKind::kContextWindowExceeded, 400, "context_length_exceeded");
  if (name == "litellm.ContentPolicyViolationError")
    return make(ErrorKind::kContentPolicy, 400, "content_policy_violation");
  if (name == "litellm.AuthenticationError")
    return make(ErrorKind::kUpstreamError, 401, "upstream_authentication_error", 401);
  if (name == "litellm.BadRequestError") return make(ErrorKind::kInvalidRequest, 400);
  if (name == "litellm.NotFoundError") return make(ErrorKind::kNotFound, 404);
  return std::nullopt;
}

json usageJson(std::uint64_t prompt, std::uint64_t completion) {
  return {{"prompt_tokens", prompt},
          {"completion_tokens", completion},
          {"total_tokens", prompt + completion}};
}

// Splits into word chunks, keeping the spaces, so that joining them gives the text back.
std::vector<std::string> wordChunks(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t sp = text.find(' ', start + 1);
    std::size_t end = sp == std::string::npos ? text.size() : sp;
    out.push_back(text.substr(start, end - start));
    start = end;
  }
  if (out.empty()) out.emplace_back();
  return out;
}

class MockStream final : public api::ChunkSource {
 public:
  MockStream(std::vector<std::string> events, double chunk_delay_s)
      : events_(std::move(events)), delay_s_(chunk_delay_s) {}
  asio::awaitable<api::Result<std::optional<std::string>>> next() override {
    if (i_ >= events_.size()) co_return std::optional<std::string>{};
    if (i_ > 0) co_await sleepFor(delay_s_);
    co_return std::optional<std::string>{std::move(events_[i_++])};
  }

 private:
  std::vector<std::string> events_;
  double delay_s_;
  std::size_t i_ = 0;
};

std::string sse(const json& j) { return "data: " + api::dumpJson(j) + "\n\n"; }

class Mock final : public Provider {
 public:
  std::string apiBase(const config::Deployment&) override { return "mock://switchyard"; }

  asio::awaitable<api::Result<api::Reply>> call(api::Exchange& ex, const config::Deployment& d,
                                                const CallOptions&) override {
    const config::Deployment* dep = d.provider == "mock" ? &d : nullptr;
    if (dep && dep->mock_delay_s) co_await sleepFor(*dep->mock_delay_s);
    std::string model = dep ? d.model_id : d.model_id;
    const std::int64_t created = static_cast<std::int64_t>(std::time(nullptr));
    std::uint64_t prompt_tokens = api::estimateTextTokens(promptText(ex).size());

    std::string text = answerText(ex, dep);
    bool configured = (dep && dep->mock_response) || ex.options.mock_response.has_value();
    if (configured) {
      if (auto e = mockError(text)) co_return *e;
    }
    if (ex.endpoint == api::Endpoint::kEmbeddings) co_return embeddings(ex, model, prompt_tokens);

    std::uint64_t completion_tokens = api::estimateTextTokens(text.size());
    std::string id =
        (ex.endpoint == api::Endpoint::kChatCompletions ? "chatcmpl-" : "cmpl-") + api::newUuid();
    bool chat = ex.endpoint == api::Endpoint::kChatCompletions;

    api::Reply reply;
    reply.usage = api::Usage{prompt_tokens, completion_tokens, 0};
    if (!ex.stream) {
      json choice =
          chat
              ? json{{"index", 0},
                     {"message", {{"role", "assistant"}, {"content", text}, {"refusal", nullptr}}},
                     {"logprobs", nullptr},
                     {"finish_reason", "stop"}}
              : json{
                    {"index", 0}, {"text", text}, {"logprobs", nullptr}, {"finish_reason", "stop"}};
      json body = {{"id", id},
                   {"object", chat ? "chat.completion" : "text_completion"},
                   {"created", created},
                   {"model", model},
                   {"choices", json::array({std::move(choice)})},
                   {"usage", usageJson(prompt_tokens, completion_tokens)},
                   {"system_fingerprint", "fp_switchyard_mock"}};
      reply.body = api::dumpJson(body);
      co_return reply;
    }

    const bool include_usage = api::includeUsageAsked(ex);
    const char* object = chat ? "chat.completion.chunk" : "text_completion";
    auto chunk = [&](json choice) {
      return json{{"id", id},
                  {"object", object},
                  {"created", created},
                  {"model", model},
                  {"system_fingerprint", "fp_switchyard_mock"},
                  {"choices", json::array({std::move(choice)})}};
    };
    std::vector<std::string> events;
    if (chat) {
      events.push_back(sse(chunk({{"index", 0},
                                  {"delta", {{"role", "assistant"}, {"content", ""}}},
                                  {"logprobs", nullptr},
                                  {"finish_reason", nullptr}})));
    }
    for (std::string& piece : wordChunks(text)) {
      json choice = chat ? json{{"index", 0},
                                {"delta", {{"content", std::move(piece)}}},
                                {"logprobs", nullptr},
                                {"finish_reason", nullptr}}
                         : json{{"index", 0},
                                {"text", std::move(piece)},
                                {"logprobs", nullptr},
                                {"finish_reason", nullptr}};
      events.push_back(sse(chunk(std::move(choice))));
    }
    events.push_back(sse(chunk(
        chat
            ? json{{"index", 0},
                   {"delta", json::object()},
                   {"logprobs", nullptr},
                   {"finish_reason", "stop"}}
            : json{{"index", 0}, {"text", ""}, {"logprobs", nullptr}, {"finish_reason", "stop"}})));
    if (include_usage) {
      json u = chunk(json::object());
      u["choices"] = json::array();
      u["usage"] = usageJson(prompt_tokens, completion_tokens);
      events.push_back(sse(u));
    } else {
      // The client sees no usage; the spend row and the key's spend still count the tokens.
      ex.usage = api::Usage{.prompt_tokens = prompt_tokens, .completion_tokens = completion_tokens};
    }
    events.emplace_back("data: [DONE]\n\n");
    reply.content_type = "text/event-stream";
    reply.stream = std::make_unique<MockStream>(
        std::move(events), dep && dep->mock_chunk_delay_s ? *dep->mock_chunk_delay_s : 0.0);
    co_return reply;
  }

 private:
  static api::Reply embeddings(const api::Exchange& ex, const std::string& model,
                               std::uint64_t prompt_tokens) {
    std::vector<std::string> inputs;
    const json& request = ex.body.dom();
    const json& input = request.contains("input") ? request["input"] : json();
    if (input.is_array()) {
      for (const json& item : input)
        inputs.push_back(item.is_string() ? item.get<std::string>() : item.dump());
    } else {
      inputs.push_back(input.is_string() ? input.get<std::string>() : input.dump());
    }
    std::size_t dims = 1536;
    if (auto it = request.find("dimensions"); it != request.end() && it->is_number_unsigned()) {
      dims = std::clamp<std::size_t>(it->get<std::size_t>(), 1, 8192);
    }
    bool base64 = api::stringOf(request, "encoding_format") == "base64";
    json data = json::array();
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      // A deterministic vector from the text's FNV-1a hash, normalised to unit length.
      std::uint64_t h = 1469598103934665603ULL;
      for (unsigned char c : inputs[i]) h = (h ^ c) * 1099511628211ULL;
      std::vector<double> v(dims);
      double norm = 0;
      for (std::size_t k = 0; k < dims; ++k) {
        h ^= h << 13, h ^= h >> 7, h ^= h << 17;
        v[k] = static_cast<double>(h % 2001) / 1000.0 - 1.0;
        norm += v[k] * v[k];
      }
      norm = std::sqrt(norm) > 0 ? std::sqrt(norm) : 1;
      for (double& x : v) x = std::round(x / norm * 1e6) / 1e6;
      json vec = base64 ? json(base64Float32(v)) : json(std::move(v));
      data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", std::move(vec)}});
    }
    json body = {{"object", "list"},
                 {"data", std::move(data)},
                 {"model", model},
                 {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}};
    api::Reply reply;
    reply.body = api::dumpJson(body);
    reply.usage = api::Usage{prompt_tokens, 0, 0};
    return reply;
  }
};

}  // namespace

std::unique_ptr<Provider> makeMock() { return std::make_unique<Mock>(); }

}  // namespace switchyard::providers
