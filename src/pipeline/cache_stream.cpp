// StreamAssembler and replayEvents (cache_stream.hpp).

#include "cache_stream.hpp"

#include "switchyard/api/json_get.hpp"
#include "switchyard/api/json_guard.hpp"

namespace switchyard::pipeline {
namespace {

using nlohmann::json;

bool isChat(api::Endpoint e) { return e == api::Endpoint::kChatCompletions; }

void append(json& obj, const char* key, const json& piece) {
  if (!piece.is_string()) return;
  if (!obj.contains(key) || !obj[key].is_string()) obj[key] = "";
  obj[key] = obj[key].get<std::string>() + piece.get<std::string>();
}

std::string sse(const json& j) {
  return "data: " + j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
}

}  // namespace

StreamAssembler::StreamAssembler(api::Endpoint endpoint, std::size_t max_bytes)
    : endpoint_(endpoint), max_bytes_(max_bytes) {}

void StreamAssembler::feed(std::string_view bytes) {
  if (failed_) return;
  seen_ += bytes.size();
  if (seen_ > max_bytes_) {
    failed_ = true;
    return;
  }
  pending_.append(bytes);
  std::size_t start = 0;
  for (;;) {
    std::size_t end = pending_.find("\n\n", start);
    if (end == std::string::npos) break;
    std::string_view ev(pending_.data() + start, end - start);
    start = end + 2;
    // One event: its data lines (OpenAI sends one "data: " line per event).
    std::size_t at = 0;
    while (at <= ev.size()) {
      std::size_t nl = ev.find('\n', at);
      std::string_view line = ev.substr(at, nl == std::string_view::npos ? ev.npos : nl - at);
      if (line.ends_with('\r')) line.remove_suffix(1);
      if (line.starts_with("data:")) {
        line.remove_prefix(5);
        if (line.starts_with(' ')) line.remove_prefix(1);
        event(line);
      }
      if (nl == std::string_view::npos) break;
      at = nl + 1;
    }
    if (failed_) return;
  }
  pending_.erase(0, start);
}

void StreamAssembler::event(std::string_view data) {
  if (data == "[DONE]") return;
  json j = json::parse(data, nullptr, false);
  if (!j.is_object() || j.contains("error")) {
    failed_ = true;
    return;
  }
  if (head_.is_null()) {
    head_ = json::object();
    for (const char* k : {"id", "created", "model", "system_fingerprint"}) {
      if (j.contains(k)) head_[k] = j[k];
    }
  }
  if (j.contains("usage") && j["usage"].is_object()) usage_ = j["usage"];
  auto cs = j.find("choices");
  if (cs == j.end() || !cs->is_array()) return;
  for (const json& c : *cs) {
    if (!c.is_object()) continue;
    std::string index = std::to_string(api::intOf(c, "index", 0));
    json& out = choices_[index];
    if (out.is_null()) {
      out = {
          {"index", api::intOf(c, "index", 0)}, {"finish_reason", nullptr}, {"logprobs", nullptr}};
      if (isChat(endpoint_)) out["message"] = {{"role", "assistant"}, {"content", nullptr}};
      else out["text"] = "";
    }
    if (c.contains("finish_reason") && !c["finish_reason"].is_null()) {
      out["finish_reason"] = c["finish_reason"];
    }
    if (!isChat(endpoint_)) {
      if (c.contains("text")) append(out, "text", c["text"]);
      continue;
    }
    auto d = c.find("delta");
    if (d == c.end() || !d->is_object()) continue;
    json& msg = out["message"];
    if (d->contains("role") && (*d)["role"].is_string()) msg["role"] = (*d)["role"];
    if (d->contains("content") && (*d)["content"].is_string()) append(msg, "content", (*d)["content"]);
    if (d->contains("refusal") && (*d)["refusal"].is_string()) append(msg, "refusal", (*d)["refusal"]);
    auto tcs = d->find("tool_calls");
    if (tcs == d->end() || !tcs->is_array()) continue;
    if (!msg.contains("tool_calls")) msg["tool_calls"] = json::array();
    json& calls = msg["tool_calls"];
    for (const json& tc : *tcs) {
      if (!tc.is_object()) continue;
      std::size_t k = api::intOf(tc, "index", 0);
      if (k > 1024) {
        failed_ = true;
        return;
      }
      while (calls.size() <= k) {
        calls.push_back({{"id", ""}, {"type", "function"}, {"function", {{"name", ""}, {"arguments", ""}}}});
      }
      json& call = calls[k];
      if (tc.contains("id") && tc["id"].is_string()) call["id"] = tc["id"];
      if (tc.contains("type") && tc["type"].is_string()) call["type"] = tc["type"];
      if (auto f = tc.find("function"); f != tc.end() && f->is_object()) {
        if (f->contains("name")) append(call["function"], "name", (*f)["name"]);
        if (f->contains("arguments")) append(call["function"], "arguments", (*f)["arguments"]);
      }
    }
  }
}

std::optional<std::string> StreamAssembler::finish(const std::optional<api::Usage>& usage) {
  if (failed_ || head_.is_null() || choices_.empty() || !pending_.empty()) return std::nullopt;
  json whole = head_;
  whole["object"] = isChat(endpoint_) ? "chat.completion" : "text_completion";
  json list = json::array();
  for (auto& [index, c] : choices_.items()) list.push_back(c);
  std::sort(list.begin(), list.end(), [](const json& a, const json& b) {
    return api::intOf(a, "index", 0) < api::intOf(b, "index", 0);
  });
  whole["choices"] = std::move(list);
  if (usage) {
    whole["usage"] = {{"prompt_tokens", usage->prompt_tokens},
                      {"completion_tokens", usage->completion_tokens},
                      {"total_tokens", usage->prompt_tokens + usage->completion_tokens}};
    if (usage->cached_tokens) {
      whole["usage"]["prompt_tokens_details"] = {{"cached_tokens", usage->cached_tokens}};
    }
    if (usage->reasoning_tokens) {
      whole["usage"]["completion_tokens_details"] = {{"reasoning_tokens", usage->reasoning_tokens}};
    }
  } else if (!usage_.is_null()) {
    whole["usage"] = usage_;
  }
  return whole.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<std::string> replayEvents(const json& whole, api::Endpoint endpoint,
                                      bool include_usage) {
  std::vector<std::string> out;
  const bool chat = isChat(endpoint);
  json head = json::object();
  for (const char* k : {"id", "created", "model", "system_fingerprint"}) {
    if (whole.contains(k)) head[k] = whole[k];
  }
  head["object"] = chat ? "chat.completion.chunk" : "text_completion";
  auto chunk = [&head](json choices) {
    json c = head;
    c["choices"] = std::move(choices);
    return c;
  };
  const json empty = json::array();
  const json& choices = whole.contains("choices") && whole["choices"].is_array() ? whole["choices"] : empty;
  for (const json& c : choices) {
    json index = api::intOf(c, "index", 0);
    if (!chat) {
      out.push_back(sse(chunk(json::array({{{"index", index},
                                            {"text", api::stringOf(c, "text")},
                                            {"logprobs", nullptr},
                                            {"finish_reason", nullptr}}}))));
      continue;
    }
    const json& msg = api::objectOf(c, "message");
    out.push_back(sse(chunk(json::array(
        {{{"index", index},
          {"delta", {{"role", api::stringOf(msg, "role", "assistant")}, {"content", ""}}},
          {"logprobs", nullptr},
          {"finish_reason", nullptr}}}))));
    json delta = json::object();
    if (msg.contains("content") && msg["content"].is_string()) delta["content"] = msg["content"];
    if (msg.contains("refusal") && msg["refusal"].is_string()) delta["refusal"] = msg["refusal"];
    if (msg.contains("tool_calls") && msg["tool_calls"].is_array()) {
      json calls = json::array();
      std::size_t k = 0;
      for (const json& tc : msg["tool_calls"]) {
        json call = tc;
        call["index"] = k++;
        calls.push_back(std::move(call));
      }
      delta["tool_calls"] = std::move(calls);
    }
    if (!delta.empty()) {
      out.push_back(sse(chunk(json::array({{{"index", index}, {"delta", std::move(delta)},
                                            {"logprobs", nullptr}, {"finish_reason", nullptr}}}))));
    }
  }
  for (const json& c : choices) {
    json fin = {{"index", api::intOf(c, "index", 0)},
                {"logprobs", nullptr},
                {"finish_reason", c.contains("finish_reason") ? c["finish_reason"] : json("stop")}};
    if (chat) fin["delta"] = json::object();
    else fin["text"] = "";
    out.push_back(sse(chunk(json::array({std::move(fin)}))));
  }
  if (include_usage && whole.contains("usage")) {
    json u = chunk(json::array());
    u["usage"] = whole["usage"];
    out.push_back(sse(u));
  }
  out.emplace_back("data: [DONE]\n\n");
  return out;
}

}  // namespace switchyard::pipeline
