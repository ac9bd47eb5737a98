#pragma once
// Helpers shared by the Responses reply and stream translators (private, header-only): the
// output items and the finished response object are built here once, so that a streamed
// response ends with exactly what toResponse makes of the same content.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "switchyard/api/error.hpp"
#include "switchyard/api/json_get.hpp"
#include "switchyard/ingress/responses/reply.hpp"

namespace switchyard::ingress::responses::detail {

using nlohmann::json;

// obj[key] unless obj is not an object, or the key is absent or null.
inline const json* field(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

// obj[key] when it is a string, else "".
inline std::string stringAt(const json& obj, std::string_view key) {
  const json* v = field(obj, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

inline std::uint64_t uintAt(const json& obj, std::string_view key) {
  return api::countOf(obj, key);
}

// A chat message's or delta's reasoning text: reasoning_content (DeepSeek, vLLM, LiteLLM), else
// reasoning (OpenRouter, Ollama).
inline std::string reasoningOf(const json& message) {
  std::string r = stringAt(message, "reasoning_content");
  return r.empty() ? stringAt(message, "reasoning") : r;
}

// ---------------------------------------------------------------------------------------------
// Output items, as OpenAI writes them.

inline json outputTextPart(std::string text) {
  return {{"type", "output_text"},
          {"annotations", json::array()},
          {"logprobs", json::array()},
          {"text", std::move(text)}};
}

inline json refusalPart(std::string refusal) {
  return {{"type", "refusal"}, {"refusal", std::move(refusal)}};
}

inline json summaryPart(std::string text) {
  return {{"type", "summary_text"}, {"text", std::move(text)}};
}

// `summary` [] while it streams.
inline json reasoningItem(const std::string& id, json summary) {
  return {{"id", id},
          {"type", "reasoning"},
          {"summary", std::move(summary)},
          {"content", json::array()}};
}

inline json messageItem(const std::string& id, json content, std::string_view status) {
  return {{"id", id},
          {"type", "message"},
          {"status", status},
          {"content", std::move(content)},
          {"role", "assistant"}};
}

inline json functionCallItem(const std::string& id, const std::string& call_id,
                             const std::string& name, std::string arguments,
                             std::string_view status) {
  return {{"id", id},           {"type", "function_call"},
          {"status", status},   {"arguments", std::move(arguments)},
          {"call_id", call_id}, {"name", name}};
}

// finish_reason -> incomplete_details.reason; "" when the response is complete.
inline std::string_view incompleteReason(std::string_view finish_reason) {
  if (finish_reason == "length") return "max_output_tokens";
  if (finish_reason == "content_filter") return "content_filter";
  return {};
}

// The status of a message item (the text a response was cut short in is incomplete).
inline std::string_view messageStatus(std::string_view finish_reason) {
  return incompleteReason(finish_reason).empty() ? "completed" : "incomplete";
}

// The finished response: `shell` (responseShell's object) with its output, status,
// incomplete_details and usage (the chat usage object; null counts zeros).
inline json finishedResponse(json shell, json output, std::string_view finish_reason,
                             const json& chat_usage) {
  std::string_view reason = incompleteReason(finish_reason);
  shell["status"] = reason.empty() ? "completed" : "incomplete";
  shell["incomplete_details"] = reason.empty() ? json(nullptr) : json{{"reason", reason}};
  shell["output"] = std::move(output);
  shell["usage"] = responseUsage(chat_usage);
  return shell;
}

// The Error an OpenAI-format error event inside a 200 chat stream stands for
// (`{"error":{"message":..,"type":..,"code":..}}`).
inline api::Error streamErrorOf(const json& event) {
  api::Error e{api::ErrorKind::kUpstreamError, "The provider reported an error during the stream.",
               "error event inside a 200 stream"};
  const json* err = field(event, "error");
  if (err && err->is_string() && !err->get_ref<const std::string&>().empty()) {
    e.message = err->get<std::string>();
    return e;
  }
  if (!err || !err->is_object()) return e;
  if (std::string m = stringAt(*err, "message"); !m.empty()) e.message = std::move(m);
  for (const char* key : {"code", "status"}) {
    const json* v = field(*err, key);
    if (!v) continue;
    if (v->is_number_integer()) {
      std::int64_t n = v->get<std::int64_t>();
      if (n == 429) e.kind = api::ErrorKind::kRateLimited;
      if (n == 503 || n == 529) e.kind = api::ErrorKind::kOverloaded;
    } else if (v->is_string() && std::string_view(key) == "code" &&
               !v->get_ref<const std::string&>().empty()) {
      e.code = v->get<std::string>();
    }
  }
  std::string type = stringAt(*err, "type");
  if (type == "overloaded_error") e.kind = api::ErrorKind::kOverloaded;
  if (type == "rate_limit_error" || type == "rate_limit_exceeded")
    e.kind = api::ErrorKind::kRateLimited;
  return e;
}

}  // namespace switchyard::ingress::responses::detail
