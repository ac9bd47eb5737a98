// POST /v1/responses, streams: an OpenAI chat.completion.chunk stream -> the Responses API's
// typed event stream; and a finished response replayed as one.

#include "switchyard/ingress/responses/stream.hpp"

#include <map>
#include <set>
#include <vector>

#include "common.hpp"
#include "switchyard/api/json_guard.hpp"
#include "switchyard/api/usage.hpp"
#include "switchyard/ingress/responses/reply.hpp"
#include "switchyard/providers/sse.hpp"

namespace switchyard::ingress::responses {
namespace {

using api::Error;
using api::ErrorKind;
using api::Result;
using detail::field;
using detail::stringAt;
using nlohmann::json;

constexpr std::size_t kMaxEventBytes = 4u << 20;    // one upstream SSE event
constexpr std::size_t kMaxOutputBytes = 64u << 20;  // all text and arguments of a response
constexpr std::size_t kMaxItems = 4096;             // output items of a response

using Piece = Result<std::optional<std::string>>;

Piece bytes(std::string out) { return Piece(boost::system::in_place_value, std::move(out)); }

// Numbers and frames the events: "event: <type>\ndata: {"type":..,"sequence_number":n,...}\n\n"
// (`type` first, then sequence_number, then `body`'s members).
struct Emitter {
  std::int64_t seq = 0;
  std::string* out = nullptr;

  void operator()(std::string_view type, const json& body) {
    std::string rest = api::dumpJson(body);
    std::string& o = *out;
    o.append("event: ").append(type).append("\ndata: {\"type\":\"").append(type);
    o.append("\",\"sequence_number\":").append(std::to_string(seq++));
    if (rest.size() > 2)
      o.append(",").append(rest, 1, std::string::npos);
    else
      o.append("}");
    o.append("\n\n");
  }
};

json itemRef(const std::string& id, int index) {
  return {{"item_id", id}, {"output_index", index}};
}

json withFields(json base, std::initializer_list<std::pair<const char*, json>> more) {
  for (const auto& [k, v] : more) base[k] = v;
  return base;
}

// The events of one finished output item, its text as one delta (responseAsStream).
void replayItem(Emitter& emit, json& item, int index) {
  std::string type = stringAt(item, "type");
  if (!field(item, "id") || !item["id"].is_string()) {
    item["id"] = newItemId(type == "message" ? "msg_" : type == "reasoning" ? "rs_" : "fc_");
  }
  const std::string id = item["id"].get<std::string>();
  json ref = itemRef(id, index);
  if (type == "message") {
    json added = item;
    added["status"] = "in_progress";
    added["content"] = json::array();
    emit("response.output_item.added", {{"output_index", index}, {"item", std::move(added)}});
    const json* content = field(item, "content");
    int k = 0;
    for (const json& part : content && content->is_array() ? *content : json::array()) {
      bool refusal = stringAt(part, "type") == "refusal";
      std::string text = stringAt(part, refusal ? "refusal" : "text");
      json at = withFields(ref, {{"content_index", k}});
      json empty = refusal ? detail::refusalPart("") : detail::outputTextPart("");
      emit("response.content_part.added", withFields(at, {{"part", empty}}));
      if (refusal) {
        if (!text.empty()) emit("response.refusal.delta", withFields(at, {{"delta", text}}));
        emit("response.refusal.done", withFields(at, {{"refusal", text}}));
      } else {
        if (!text.empty())
          emit("response.output_text.delta",
               withFields(at, {{"delta", text}, {"logprobs", json::array()}}));
        emit("response.output_text.done",
             withFields(at, {{"text", text}, {"logprobs", json::array()}}));
      }
      emit("response.content_part.done", withFields(at, {{"part", part}}));
      ++k;
    }
  } else if (type == "reasoning") {
    json added = item;
    added["summary"] = json::array();
    emit("response.output_item.added", {{"output_index", index}, {"item", std::move(added)}});
    const json* summary = field(item, "summary");
    int k = 0;
    for (const json& part : summary && summary->is_array() ? *summary : json::array()) {
      std::string text = stringAt(part, "text");
      json at = withFields(ref, {{"summary_index", k}});
      emit("response.reasoning_summary_part.added",
           withFields(at, {{"part", detail::summaryPart("")}}));
      if (!text.empty())
        emit("response.reasoning_summary_text.delta", withFields(at, {{"delta", text}}));
      emit("response.reasoning_summary_text.done", withFields(at, {{"text", text}}));
      emit("response.reasoning_summary_part.done", withFields(at, {{"part", part}}));
      ++k;
    }
  } else if (type == "function_call") {
    json added = item;
    added["status"] = "in_progress";
    added["arguments"] = "";
    emit("response.output_item.added", {{"output_index", index}, {"item", std::move(added)}});
    std::string args = stringAt(item, "arguments");
    if (!args.empty())
      emit("response.function_call_arguments.delta", withFields(ref, {{"delta", args}}));
    emit("response.function_call_arguments.done",
         withFields(ref, {{"name", stringAt(item, "name")}, {"arguments", args}}));
  } else {
    emit("response.output_item.added", {{"output_index", index}, {"item", item}});
  }
  emit("response.output_item.done", {{"output_index", index}, {"item", item}});
}

class ReplaySource final : public api::ChunkSource {
 public:
  explicit ReplaySource(std::string bytes) : bytes_(std::move(bytes)) {}
  boost::asio::awaitable<Piece> next() override {
    if (done_) co_return std::optional<std::string>{};
    done_ = true;
    co_return std::optional<std::string>{std::move(bytes_)};
  }

 private:
  std::string bytes_;
  bool done_ = false;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// The translation

struct ResponsesStream::State {
  enum class Kind { kReasoning, kMessage, kCall };
  struct Item {
    Kind kind;
    std::string id;
    int index = 0;  // output_index
    bool open = true;
    std::string text;       // reasoning summary text, or the message's output_text
    std::string refusal;    // the message's refusal
    int text_part = -1;     // content_index of the output_text part, -1 none
    int refusal_part = -1;  // content_index of the refusal part, -1 none
    int parts = 0;
    std::string call_id, name, arguments;
  };

  json shell;
  std::optional<api::Usage>* usage_sink = nullptr;
  OnEnd on_end;
  providers::SseCutter sse{kMaxEventBytes};
  Emitter emit;
  bool started = false;          // response.created produced
  bool finished = false;         // the last event produced (or the failure returned)
  bool ended = false;            // on_end called
  std::optional<Error> pending;  // returned after the events already produced
  bool saw_finish = false;
  std::string finish_reason;
  json chat_usage;                            // the upstream's last usage object, null until seen
  std::vector<Item> items;                    // by output_index
  std::vector<std::size_t> open_items;        // ascending
  std::map<std::int64_t, std::size_t> calls;  // tool_calls[].index -> items index
  std::set<std::string> call_ids;
  std::size_t output_bytes = 0;

  void start() {
    if (started) return;
    started = true;
    emit("response.created", {{"response", shell}});
    emit("response.in_progress", {{"response", shell}});
  }

  static json content(const Item& it) {
    json parts = json::array();
    for (int k = 0; k < it.parts; ++k) {
      parts.push_back(k == it.text_part ? detail::outputTextPart(it.text)
                                        : detail::refusalPart(it.refusal));
    }
    return parts;
  }

  // The item as the finished response holds it.
  static json whole(const Item& it, std::string_view status) {
    switch (it.kind) {
      case Kind::kReasoning:
        return detail::reasoningItem(it.id, json::array({detail::summaryPart(it.text)}));
      case Kind::kMessage:
        return detail::messageItem(it.id, content(it), status);
      case Kind::kCall:
        break;
    }
    return detail::functionCallItem(it.id, it.call_id, it.name, it.arguments,
                                    status == "incomplete" && it.open ? "incomplete" : "completed");
  }

  void close(Item& it, std::string_view status) {
    json ref = itemRef(it.id, it.index);
    if (it.kind == Kind::kReasoning) {
      json at = withFields(ref, {{"summary_index", 0}});
      emit("response.reasoning_summary_text.done", withFields(at, {{"text", it.text}}));
      emit("response.reasoning_summary_part.done",
           withFields(at, {{"part", detail::summaryPart(it.text)}}));
    } else if (it.kind == Kind::kMessage) {
      for (int k = 0; k < it.parts; ++k) {
        json at = withFields(ref, {{"content_index", k}});
        if (k == it.text_part) {
          emit("response.output_text.done",
               withFields(at, {{"text", it.text}, {"logprobs", json::array()}}));
          emit("response.content_part.done",
               withFields(at, {{"part", detail::outputTextPart(it.text)}}));
        } else {
          emit("response.refusal.done", withFields(at, {{"refusal", it.refusal}}));
          emit("response.content_part.done",
               withFields(at, {{"part", detail::refusalPart(it.refusal)}}));
        }
      }
    } else {
      emit("response.function_call_arguments.done",
           withFields(ref, {{"name", it.name}, {"arguments", it.arguments}}));
    }
    it.open = false;
    emit("response.output_item.done", {{"output_index", it.index}, {"item", whole(it, status)}});
  }

  void closeOpen(std::string_view status) {
    for (std::size_t i : open_items) close(items[i], status);
    open_items.clear();
  }

  // The open item when it is the one reasoning or message item open, else nullptr.
  Item* openOf(Kind kind) {
    return open_items.size() == 1 && items[open_items[0]].kind == kind ? &items[open_items[0]]
                                                                       : nullptr;
  }

  Result<Item*> add(Kind kind, const char* prefix) {
    if (items.size() >= kMaxItems) {
      return Error{ErrorKind::kUpstreamError, "The provider's answer has too many output items.",
                   "over kMaxItems output items"};
    }
    Item it{kind, newItemId(prefix)};
    it.index = static_cast<int>(items.size());
    items.push_back(std::move(it));
    open_items.push_back(items.size() - 1);
    return &items.back();
  }

  Result<void> count(std::size_t n) {
    output_bytes += n;
    if (output_bytes <= kMaxOutputBytes) return {};
    return Error{ErrorKind::kUpstreamError, "The provider's answer is too large.",
                 "streamed output over kMaxOutputBytes"};
  }

  Result<void> reasoning(const std::string& delta) {
    if (auto c = count(delta.size()); !c) return c;
    Item* it = openOf(Kind::kReasoning);
    if (!it) {
      closeOpen("completed");
      Result<Item*> r = add(Kind::kReasoning, "rs_");
      if (!r) return r.error();
      it = *r;
      emit("response.output_item.added",
           {{"output_index", it->index}, {"item", detail::reasoningItem(it->id, json::array())}});
      emit("response.reasoning_summary_part.added",
           withFields(itemRef(it->id, it->index),
                      {{"summary_index", 0}, {"part", detail::summaryPart("")}}));
    }
    it->text += delta;
    emit("response.reasoning_summary_text.delta",
         withFields(itemRef(it->id, it->index), {{"summary_index", 0}, {"delta", delta}}));
    return {};
  }

  Result<void> text(const std::string& delta, bool is_refusal) {
    if (auto c = count(delta.size()); !c) return c;
    Item* it = openOf(Kind::kMessage);
    if (!it) {
      closeOpen("completed");
      Result<Item*> r = add(Kind::kMessage, "msg_");
      if (!r) return r.error();
      it = *r;
      emit("response.output_item.added",
           {{"output_index", it->index},
            {"item", detail::messageItem(it->id, json::array(), "in_progress")}});
    }
    int& part = is_refusal ? it->refusal_part : it->text_part;
    json at = itemRef(it->id, it->index);
    if (part < 0) {
      part = it->parts++;
      at["content_index"] = part;
      emit("response.content_part.added",
           withFields(
               at, {{"part", is_refusal ? detail::refusalPart("") : detail::outputTextPart("")}}));
    }
    at["content_index"] = part;
    if (is_refusal) {
      it->refusal += delta;
      emit("response.refusal.delta", withFields(at, {{"delta", delta}}));
    } else {
      it->text += delta;
      emit("response.output_text.delta",
           withFields(at, {{"delta", delta}, {"logprobs", json::array()}}));
    }
    return {};
  }

  Result<void> toolCall(const json& tc, std::size_t position) {
    std::int64_t key = static_cast<std::int64_t>(position);
    if (const json* i = field(tc, "index"); i && i->is_number_integer())
      key = i->get<std::int64_t>();
    const json* fn = field(tc, "function");
    static const json kEmpty = json::object();
    const json& f = fn && fn->is_object() ? *fn : kEmpty;
    std::string args = stringAt(f, "arguments");
    if (auto c = count(args.size()); !c) return c;
    auto found = calls.find(key);
    Item* it = nullptr;
    if (found == calls.end()) {
      if (!open_items.empty() && items[open_items[0]].kind != Kind::kCall) closeOpen("completed");
      Result<Item*> r = add(Kind::kCall, "fc_");
      if (!r) return r.error();
      it = *r;
      calls.emplace(key, static_cast<std::size_t>(it->index));
      it->call_id = stringAt(tc, "id");
      if (it->call_id.empty() || !call_ids.insert(it->call_id).second) {
        it->call_id = "call_" + newItemId("").substr(0, 24);
        call_ids.insert(it->call_id);
      }
      it->name = stringAt(f, "name");
      emit("response.output_item.added",
           {{"output_index", it->index},
            {"item", detail::functionCallItem(it->id, it->call_id, it->name, "", "in_progress")}});
    } else {
      it = &items[found->second];
    }
    if (args.empty()) return {};
    it->arguments += args;
    // A fragment for a call already closed (text came between) is kept for the final response.
    if (it->open) {
      emit("response.function_call_arguments.delta",
           withFields(itemRef(it->id, it->index), {{"delta", args}}));
    }
    return {};
  }

  void sawUsage(std::string_view data, const json& u) {
    chat_usage = u;
    if (!usage_sink) return;
    if (std::optional<api::Usage> s = api::scanUsage(data)) {
      if (!*usage_sink) usage_sink->emplace();
      api::mergeUsage(**usage_sink, *s);
    }
  }

  // One upstream event's data. True at [DONE].
  Result<bool> event(std::string_view data) {
    if (data.empty()) return false;
    if (data == "[DONE]") return true;
    json j = json::parse(data, nullptr, false);
    if (!j.is_object()) return false;
    if (field(j, "error")) return detail::streamErrorOf(j);
    if (const json* u = field(j, "usage"); u && u->is_object()) sawUsage(data, *u);
    start();
    const json* choices = field(j, "choices");
    if (!choices || !choices->is_array()) return false;
    const json* choice = nullptr;
    for (const json& c : *choices) {
      const json* i = field(c, "index");
      if (c.is_object() && (!i || *i == 0)) {
        choice = &c;
        break;
      }
    }
    if (!choice) return false;
    if (const json* delta = field(*choice, "delta"); delta && delta->is_object()) {
      Result<void> r;
      if (std::string t = detail::reasoningOf(*delta); !t.empty()) r = reasoning(t);
      if (std::string t = stringAt(*delta, "content"); r && !t.empty()) r = text(t, false);
      if (std::string t = stringAt(*delta, "refusal"); r && !t.empty()) r = text(t, true);
      if (const json* tcs = field(*delta, "tool_calls"); r && tcs && tcs->is_array()) {
        for (std::size_t k = 0; r && k < tcs->size(); ++k)
          if ((*tcs)[k].is_object()) r = toolCall((*tcs)[k], k);
      }
      if (!r) return r.error();
    }
    if (std::string f = stringAt(*choice, "finish_reason"); !f.empty()) {
      saw_finish = true;
      finish_reason = std::move(f);
    }
    return false;
  }

  void callOnEnd(const json& response) {
    if (ended) return;
    ended = true;
    if (on_end) on_end(response);
  }

  Piece finish() {
    start();
    std::string_view status = detail::messageStatus(finish_reason);
    closeOpen(status);
    json output = json::array();
    for (const Item& it : items) output.push_back(whole(it, status));
    json response = detail::finishedResponse(shell, std::move(output), finish_reason, chat_usage);
    callOnEnd(response);
    std::string type = "response." + response["status"].get<std::string>();
    emit(type, {{"response", std::move(response)}});
    finished = true;
    return bytes(std::move(*emit.out));
  }

  Piece fail(Error e) {
    finished = true;
    // Even before any event: the session has sent the 200 head by the time it pulls the first
    // piece, so the client learns of the failure from the events alone.
    std::string code(e.codeOrDefault());
    json param = e.param.empty() ? json(nullptr) : json(e.param);
    // The documented ResponseErrorEvent (code, message, param at the top) and, as the live API
    // sends it, the same nested under `error`.
    emit("error",
         {{"code", code},
          {"message", e.message},
          {"param", param},
          {"error",
           {{"type", e.type()}, {"code", code}, {"message", e.message}, {"param", param}}}});
    json output = json::array();
    for (const Item& it : items) output.push_back(whole(it, it.open ? "incomplete" : "completed"));
    json response = shell;
    response["status"] = "failed";
    response["error"] = {{"code", code}, {"message", e.message}};
    response["output"] = std::move(output);
    response["usage"] = chat_usage.is_null() ? json(nullptr) : responseUsage(chat_usage);
    callOnEnd(response);
    emit("response.failed", {{"response", std::move(response)}});
    pending = std::move(e);
    return bytes(std::move(*emit.out));
  }

  // Handles one result of the upstream; a value to hand out, or nullopt to read on.
  std::optional<Piece> take(Piece piece) {
    if (!piece) return fail(piece.error());
    if (!*piece) {
      if (std::optional<providers::SseEvent> rest = sse.rest()) {
        Result<bool> done = event(rest->data);
        if (!done) return fail(done.error());
        if (*done) return finish();
      }
      if (!saw_finish) {
        return fail(Error{ErrorKind::kUpstreamError, "The provider's stream ended early.",
                          "upstream stream ended early (no finish_reason, no [DONE])"});
      }
      return finish();
    }
    sse.feed(**piece);
    while (std::optional<providers::SseEvent> ev = sse.next()) {
      Result<bool> done = event(ev->data);
      if (!done) return fail(done.error());
      if (*done) return finish();
    }
    if (sse.overflowed()) {
      return fail(Error{ErrorKind::kUpstreamError, "The provider sent an invalid stream.",
                        "SSE event over size limit"});
    }
    if (emit.out->empty()) return std::nullopt;
    return bytes(std::move(*emit.out));
  }
};

ResponsesStream::ResponsesStream(std::unique_ptr<api::ChunkSource> upstream, json shell,
                                 std::optional<api::Usage>* usage, OnEnd on_end)
    : upstream_(std::move(upstream)), state_(std::make_unique<State>()) {
  state_->shell = std::move(shell);
  state_->usage_sink = usage;
  state_->on_end = std::move(on_end);
}

ResponsesStream::~ResponsesStream() = default;

boost::asio::awaitable<Piece> ResponsesStream::next() {
  State& st = *state_;
  if (st.pending) {
    Error e = std::move(*st.pending);
    st.pending.reset();
    co_return e;
  }
  if (st.finished || !upstream_) co_return std::optional<std::string>{};
  for (;;) {
    Piece piece = Error{ErrorKind::kInternal, "The gateway failed to read the stream."};
    try {
      piece = co_await upstream_->next();
    } catch (const std::exception& ex) {
      piece = Error{ErrorKind::kInternal, "The gateway failed to read the stream.", ex.what()};
    } catch (...) {
    }
    std::optional<Piece> result;
    std::string out;
    st.emit.out = &out;
    try {
      result = st.take(std::move(piece));
    } catch (const std::exception& ex) {
      result = st.fail(
          Error{ErrorKind::kInternal, "The gateway failed to translate the stream.", ex.what()});
    } catch (...) {
      st.finished = true;
      result = Piece(Error{ErrorKind::kInternal, "The gateway failed to translate the stream."});
    }
    st.emit.out = nullptr;
    if (st.finished) upstream_.reset();
    if (result) {
      co_return std::move(*result);
    }
  }
}

std::unique_ptr<api::ChunkSource> responseAsStream(const json& response) {
  std::string out;
  Emitter emit{0, &out};
  json whole = response.is_object() ? response : json::object();
  json shell = whole;
  shell["status"] = "in_progress";
  shell["output"] = json::array();
  shell["usage"] = nullptr;
  shell["incomplete_details"] = nullptr;
  shell["error"] = nullptr;
  emit("response.created", {{"response", shell}});
  emit("response.in_progress", {{"response", shell}});
  if (json* output =
          whole.contains("output") && whole["output"].is_array() ? &whole["output"] : nullptr) {
    for (std::size_t i = 0; i < output->size(); ++i) {
      if ((*output)[i].is_object()) replayItem(emit, (*output)[i], static_cast<int>(i));
    }
  }
  std::string status = stringAt(whole, "status");
  std::string type =
      status == "incomplete" || status == "failed" ? "response." + status : "response.completed";
  emit(type, {{"response", std::move(whole)}});
  return std::make_unique<ReplaySource>(std::move(out));
}

}  // namespace switchyard::ingress::responses
