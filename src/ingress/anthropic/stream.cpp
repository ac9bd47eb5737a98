// POST /v1/messages, streams: an OpenAI chat.completion.chunk stream -> Anthropic's event stream.

#include "switchyard/ingress/anthropic/stream.hpp"

#include <map>

#include "common.hpp"
#include "switchyard/ingress/anthropic/reply.hpp"
#include "switchyard/providers/sse.hpp"

namespace switchyard::ingress::anthropic {

// ---------------------------------------------------------------------------------------------
// Streaming

struct AnthropicStream::State {
  enum class Block { kNone, kText, kTool };

  std::string model;
  std::vector<std::string> stops;
  std::string id = "msg_" + compactId();
  providers::SseCutter sse;      // cuts the upstream bytes into events
  bool started = false;          // message_start sent
  bool finished = false;         // message_stop sent (or the stream failed)
  std::optional<Error> pending;  // an error to return after the events already produced
  int next_index = 0;            // Anthropic index of the next content block
  int open_index = -1;           // the block open now, -1 none
  Block open_kind = Block::kNone;
  std::map<std::int64_t, int> tool_blocks;  // OpenAI tool_calls[].index -> Anthropic block index
  bool saw_tool = false;
  bool saw_finish = false;
  std::string finish_reason;
  std::string stop_sequence;
  json usage;  // the upstream's last usage object, null until seen

  void start(std::string& out) {
    if (started) return;
    started = true;
    out += frame("message_start",
                 messageStartEvent(id, model, {{"input_tokens", 0}, {"output_tokens", 0}}));
  }

  void closeBlock(std::string& out) {
    if (open_index < 0) return;
    out += frame("content_block_stop", {{"type", "content_block_stop"}, {"index", open_index}});
    open_index = -1;
    open_kind = Block::kNone;
  }

  void text(const std::string& t, std::string& out) {
    if (open_kind != Block::kText) {
      closeBlock(out);
      open_index = next_index++;
      open_kind = Block::kText;
      out += frame("content_block_start", {{"type", "content_block_start"},
                                           {"index", open_index},
                                           {"content_block", {{"type", "text"}, {"text", ""}}}});
    }
    out += frame("content_block_delta", {{"type", "content_block_delta"},
                                         {"index", open_index},
                                         {"delta", {{"type", "text_delta"}, {"text", t}}}});
  }

  void toolCall(const json& tc, std::size_t position, std::string& out) {
    std::int64_t key = static_cast<std::int64_t>(position);
    if (auto i = tc.find("index"); i != tc.end() && i->is_number_integer())
      key = i->get<std::int64_t>();
    const json* fn = field(tc, "function");
    auto it = tool_blocks.find(key);
    if (it == tool_blocks.end()) {
      closeBlock(out);
      const json* tid = field(tc, "id");
      const json* name = fn && fn->is_object() ? field(*fn, "name") : nullptr;
      open_index = next_index++;
      open_kind = Block::kTool;
      it = tool_blocks.emplace(key, open_index).first;
      saw_tool = true;
      out += frame(
          "content_block_start",
          {{"type", "content_block_start"},
           {"index", open_index},
           {"content_block",
            {{"type", "tool_use"},
             {"id", tid && tid->is_string() ? tid->get<std::string>() : "toolu_" + compactId()},
             {"name", name && name->is_string() ? name->get<std::string>() : ""},
             {"input", json::object()}}}});
    }
    const json* args = fn && fn->is_object() ? field(*fn, "arguments") : nullptr;
    if (args && args->is_string() && !args->get_ref<const std::string&>().empty()) {
      out += frame("content_block_delta",
                   {{"type", "content_block_delta"},
                    {"index", it->second},
                    {"delta", {{"type", "input_json_delta"}, {"partial_json", *args}}}});
    }
  }

  // Handles one upstream event's data. Returns true at [DONE].
  Result<bool> event(std::string_view data, std::string& out) {
    if (data.empty()) return false;
    if (data == "[DONE]") return true;
    json j = json::parse(data, nullptr, false);
    if (!j.is_object()) return false;
    if (auto e = j.find("error"); e != j.end() && !e->is_null()) return upstreamStreamError(j);
    if (auto u = j.find("usage"); u != j.end() && u->is_object()) usage = *u;
    auto choices = j.find("choices");
    if (choices == j.end() || !choices->is_array() || choices->empty()) return false;
    const json& choice = (*choices)[0];
    if (!choice.is_object()) return false;
    start(out);
    if (const json* delta = field(choice, "delta"); delta && delta->is_object()) {
      for (const char* key : {"content", "refusal"}) {
        const json* c = field(*delta, key);
        if (c && c->is_string() && !c->get_ref<const std::string&>().empty())
          text(c->get<std::string>(), out);
      }
      if (const json* calls = field(*delta, "tool_calls"); calls && calls->is_array()) {
        for (std::size_t k = 0; k < calls->size(); ++k)
          if ((*calls)[k].is_object()) toolCall((*calls)[k], k, out);
      }
    }
    if (const json* f = field(choice, "finish_reason"); f && f->is_string()) {
      saw_finish = true;
      finish_reason = f->get<std::string>();
      if (finish_reason == "stop") stop_sequence = matchedStop(choice, stops);
    }
    return false;
  }

  // Handles every complete upstream event received so far. Returns true at [DONE].
  Result<bool> consume(std::string& out) {
    while (std::optional<providers::SseEvent> ev = sse.next()) {
      Result<bool> done = event(ev->data, out);
      if (!done || *done) return done;
    }
    return false;
  }

  void finish(std::string& out) {
    start(out);
    closeBlock(out);
    std::string_view reason = stopReason(finish_reason);
    if (saw_tool && reason == "end_turn") reason = "tool_use";
    if (!stop_sequence.empty()) reason = "stop_sequence";
    out += frame("message_delta", messageDeltaEvent(reason, stop_sequence, anthropicUsage(usage)));
    out += frame("message_stop", {{"type", "message_stop"}});
    finished = true;
  }
};

AnthropicStream::AnthropicStream(std::unique_ptr<ChunkSource> upstream, std::string model,
                                 std::vector<std::string> stop_sequences)
    : upstream_(std::move(upstream)), state_(std::make_unique<State>()) {
  state_->model = std::move(model);
  state_->stops = std::move(stop_sequences);
}

AnthropicStream::~AnthropicStream() = default;

boost::asio::awaitable<Result<std::optional<std::string>>> AnthropicStream::next() {
  State& st = *state_;
  if (st.pending) {
    Error e = std::move(*st.pending);
    st.pending.reset();
    co_return e;
  }
  if (st.finished) co_return std::optional<std::string>{};
  std::string out;
  for (;;) {
    Result<std::optional<std::string>> piece = co_await upstream_->next();
    if (!piece) {
      st.finished = true;
      upstream_.reset();
      if (out.empty()) co_return piece.error();
      st.pending = piece.error();
      co_return std::optional<std::string>{std::move(out)};
    }
    if (!*piece) {  // the upstream ended
      upstream_.reset();
      if (!st.saw_finish) {
        st.finished = true;
        co_return Error{ErrorKind::kUpstreamError,
                        "The provider's stream ended before the message was complete.",
                        "upstream stream ended without finish_reason or [DONE]"};
      }
      st.finish(out);
      co_return std::optional<std::string>{std::move(out)};
    }
    st.sse.feed(**piece);
    Result<bool> done = st.consume(out);
    if (!done) {
      st.finished = true;
      upstream_.reset();
      if (out.empty()) co_return done.error();
      st.pending = done.error();
      co_return std::optional<std::string>{std::move(out)};
    }
    if (*done) {
      upstream_.reset();
      st.finish(out);
      co_return std::optional<std::string>{std::move(out)};
    }
    if (st.sse.overflowed()) {
      st.finished = true;
      upstream_.reset();
      co_return Error{ErrorKind::kUpstreamError, "The provider sent an invalid stream.",
                      "SSE event over size limit"};
    }
    if (!out.empty()) co_return std::optional<std::string>{std::move(out)};
  }
}

}  // namespace switchyard::ingress::anthropic
