// OpenRouter's usage accounting (usage_accounting.hpp): usage.cost in a streamed answer.

#include "switchyard/pipeline/usage_accounting.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "switchyard/api/find_bytes.hpp"
#include "switchyard/api/usage.hpp"

namespace switchyard::pipeline {
namespace {

using nlohmann::ordered_json;
constexpr std::size_t npos = std::string_view::npos;

bool isBlank(std::string_view s) { return s.find_first_not_of(" \t\r") == npos; }

// Where the line of the `data: [DONE]` event starts in `bytes`, or npos. "[DONE]" inside a JSON
// string (the model's own text) is not the event: the line must hold nothing else.
std::size_t doneEvent(std::string_view bytes) {
  static constexpr std::string_view kDone = "[DONE]";
  for (std::size_t at = api::findBytes(bytes, kDone); at != npos;
       at = api::findBytes(bytes, kDone, at + 1)) {
    std::size_t nl = at == 0 ? npos : bytes.rfind('\n', at - 1);
    std::size_t line = nl == npos ? 0 : nl + 1;
    std::string_view head = bytes.substr(line, at - line);
    if (!head.starts_with("data:") || !isBlank(head.substr(5))) continue;
    std::size_t end = bytes.find('\n', at);
    std::string_view tail = bytes.substr(at + kDone.size(), end == npos ? npos : end - at - 6);
    if (isBlank(tail)) return line;
  }
  return npos;
}

// The JSON object of the first `data:` event of `bytes`, or null.
ordered_json firstEventObject(std::string_view bytes) {
  static constexpr std::string_view kData = "data:";
  for (std::size_t at = api::findBytes(bytes, kData); at != npos;
       at = api::findBytes(bytes, kData, at + 1)) {
    if (at != 0 && bytes[at - 1] != '\n') continue;
    std::size_t end = bytes.find('\n', at);
    std::string_view data = bytes.substr(at + kData.size(), end == npos ? npos : end - at - 5);
    ordered_json j = ordered_json::parse(data.begin(), data.end(), nullptr, false);
    if (j.is_object()) return j;
  }
  return nullptr;
}

class UsageCostSource final : public api::ChunkSource {
 public:
  UsageCostSource(std::unique_ptr<api::ChunkSource> inner, api::Exchange& ex,
                  std::optional<api::Usage> fallback, UsageCostFn cost)
      : inner_(std::move(inner)), ex_(ex), fallback_(fallback), cost_(std::move(cost)) {}

  boost::asio::awaitable<api::Result<std::optional<std::string>>> next() override {
    if (ended_) co_return std::optional<std::string>{};
    for (;;) {
      api::Result<std::optional<std::string>> r = co_await inner_->next();
      if (!r) co_return std::move(r);  // the stream broke: what was held back goes with it
      if (!*r) {
        ended_ = true;
        std::string tail = saw_usage_ ? std::string() : usageChunk();
        tail += std::exchange(held_done_, {});
        if (tail.empty()) co_return std::optional<std::string>{};
        co_return std::optional<std::string>{std::move(tail)};
      }
      rewrite(**r);
      if (!(*r)->empty()) co_return std::move(r);  // all of it held back: read on
    }
  }

 private:
  void rewrite(std::string& bytes) {
    if (meta_.empty() && meta_tries_ < 4) {  // the stream's id, object, created and model
      ++meta_tries_;
      ordered_json first = firstEventObject(bytes);
      if (first.is_object()) {
        for (const char* k : {"id", "object", "created", "model"})
          if (auto it = first.find(k); it != first.end()) meta_[k] = std::move(*it);
      }
    }
    static constexpr std::string_view kUsage = "\"usage\"";
    if (api::findBytes(bytes, kUsage) != npos) {
      if (std::optional<api::Usage> u = api::scanUsage(bytes)) {
        api::Usage so_far = ex_.usage.value_or(api::Usage{});
        api::mergeUsage(so_far, *u);
        api::setUsageCost(bytes, cost_(ex_, so_far));
        saw_usage_ = true;
      }
    }
    if (saw_usage_ || !held_done_.empty()) return;
    std::size_t done = doneEvent(bytes);
    if (done == npos) return;
    std::string chunk = usageChunk();
    if (!chunk.empty()) {
      bytes.insert(done, chunk);
      saw_usage_ = true;
    } else {  // the usage is not known yet: the source may still write it before it ends
      held_done_ = bytes.substr(done);
      bytes.erase(done);
    }
  }

  // The usage chunk the stream did not carry, with its cost; "" when the usage is unknown.
  std::string usageChunk() {
    std::optional<api::Usage> u = ex_.usage ? ex_.usage : fallback_;
    if (!u) return {};
    ordered_json usage = {{"prompt_tokens", u->prompt_tokens},
                          {"completion_tokens", u->completion_tokens},
                          {"total_tokens", u->prompt_tokens + u->completion_tokens}};
    ordered_json prompt_details = {{"cached_tokens", u->cached_tokens}};
    if (u->cache_creation_tokens) prompt_details["cache_write_tokens"] = u->cache_creation_tokens;
    usage["prompt_tokens_details"] = std::move(prompt_details);
    usage["completion_tokens_details"] = {{"reasoning_tokens", u->reasoning_tokens}};
    ordered_json chunk = ordered_json::object();
    for (const char* k : {"id", "object", "created", "model"})
      if (auto it = meta_.find(k); it != meta_.end()) chunk[k] = *it;
    if (!chunk.contains("object")) {
      chunk["object"] =
          ex_.endpoint == api::Endpoint::kCompletions ? "text_completion" : "chat.completion.chunk";
    }
    chunk["choices"] = ordered_json::array();
    chunk["usage"] = std::move(usage);
    std::string text =
        "data: " + chunk.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
    api::setUsageCost(text, cost_(ex_, *u));
    text += "\n\n";
    return text;
  }

  std::unique_ptr<api::ChunkSource> inner_;
  api::Exchange& ex_;
  std::optional<api::Usage> fallback_;
  UsageCostFn cost_;
  ordered_json meta_ = ordered_json::object();
  int meta_tries_ = 0;
  bool saw_usage_ = false;  // a usage chunk (the source's or ours) has gone out
  bool ended_ = false;
  std::string held_done_;  // `data: [DONE]`, until the source ends
};

}  // namespace

bool wantsUsageCost(const api::Exchange& ex, const api::Reply& reply) noexcept {
  return ex.options.usage_include && reply.status >= 200 && reply.status < 300 &&
         reply.format == api::WireFormat::kOpenAI && ex.ingress == api::WireFormat::kOpenAI &&
         ex.endpoint != api::Endpoint::kEmbeddings;
}

std::unique_ptr<api::ChunkSource> withUsageCost(std::unique_ptr<api::ChunkSource> inner,
                                                api::Exchange& ex,
                                                std::optional<api::Usage> fallback,
                                                UsageCostFn cost) {
  return std::make_unique<UsageCostSource>(std::move(inner), ex, fallback, std::move(cost));
}

}  // namespace switchyard::pipeline
