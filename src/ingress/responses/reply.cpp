// POST /v1/responses, reply side: a chat.completion -> the Responses API's `response` object.

#include "switchyard/ingress/responses/reply.hpp"

#include <random>
#include <set>

#include "common.hpp"
#include "switchyard/api/json_guard.hpp"

namespace switchyard::ingress::responses {
namespace {

using detail::field;
using detail::stringAt;
using detail::uintAt;
using nlohmann::json;

// 32 lowercase hex digits from a per-thread generator seeded from std::random_device (several
// words of it, so that two processes or two restarts do not share a sequence).
std::string hex32() {
  thread_local std::mt19937_64 rng = [] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int half = 0; half < 2; ++half) {
    std::uint64_t v = rng();
    for (int i = 0; i < 16; ++i) out[half * 16 + i] = kHex[(v >> (i * 4)) & 0xf];
  }
  return out;
}

// request[key] when present and not null, else `fallback`.
json echo(const json& request, std::string_view key, json fallback) {
  const json* v = field(request, key);
  return v ? *v : fallback;
}

// The request's tools as the Responses API echoes them: flat function tools ({type, name,
// description, parameters, strict}); a chat-shaped one ({type, function: {...}}) is flattened.
json echoTools(const json& request) {
  const json* tools = field(request, "tools");
  if (!tools || !tools->is_array()) return json::array();
  json out = json::array();
  for (const json& t : *tools) {
    const json* fn = field(t, "function");
    if (t.is_object() && fn && fn->is_object() && !field(t, "name")) {
      json flat = {{"type", "function"}};
      for (auto it = fn->begin(); it != fn->end(); ++it) flat[it.key()] = it.value();
      out.push_back(std::move(flat));
    } else {
      out.push_back(t);
    }
  }
  return out;
}

// A chat message's text: a string, or the text of its text parts.
std::string messageText(const json& message) {
  const json* c = field(message, "content");
  if (!c) return {};
  if (c->is_string()) return c->get<std::string>();
  std::string text;
  if (c->is_array()) {
    for (const json& part : *c) {
      std::string type = stringAt(part, "type");
      if (type == "text" || type == "output_text") text += stringAt(part, "text");
    }
  }
  return text;
}

}  // namespace

std::string newResponseId() { return "resp_" + hex32(); }

std::string newItemId(std::string_view prefix) { return std::string(prefix) + hex32(); }

json responseShell(const json& request, const ResponseHead& head) {
  json reasoning = {{"effort", nullptr}, {"summary", nullptr}};
  if (const json* r = field(request, "reasoning"); r && r->is_object()) {
    if (const json* e = field(*r, "effort")) reasoning["effort"] = *e;
    if (const json* s = field(*r, "summary")) reasoning["summary"] = *s;
  }
  json text = {{"format", {{"type", "text"}}}};
  if (const json* t = field(request, "text"); t && t->is_object()) {
    if (const json* f = field(*t, "format"); f && f->is_object()) text["format"] = *f;
    if (const json* v = field(*t, "verbosity")) text["verbosity"] = *v;
  }
  const json* metadata = field(request, "metadata");
  return {{"id", head.id},
          {"object", "response"},
          {"created_at", head.created_at},
          {"status", "in_progress"},
          {"background", false},
          {"error", nullptr},
          {"incomplete_details", nullptr},
          {"instructions", echo(request, "instructions", nullptr)},
          {"max_output_tokens", echo(request, "max_output_tokens", nullptr)},
          {"max_tool_calls", echo(request, "max_tool_calls", nullptr)},
          {"model", head.model},
          {"output", json::array()},
          {"parallel_tool_calls", echo(request, "parallel_tool_calls", true)},
          {"previous_response_id", echo(request, "previous_response_id", nullptr)},
          {"prompt_cache_key", echo(request, "prompt_cache_key", nullptr)},
          {"reasoning", std::move(reasoning)},
          {"safety_identifier", echo(request, "safety_identifier", nullptr)},
          {"service_tier", echo(request, "service_tier", "auto")},
          {"store", echo(request, "store", true)},
          {"temperature", echo(request, "temperature", 1)},
          {"text", std::move(text)},
          {"tool_choice", echo(request, "tool_choice", "auto")},
          {"tools", echoTools(request)},
          {"top_logprobs", echo(request, "top_logprobs", 0)},
          {"top_p", echo(request, "top_p", 1)},
          {"truncation", echo(request, "truncation", "disabled")},
          {"usage", nullptr},
          {"user", echo(request, "user", nullptr)},
          {"metadata", metadata && metadata->is_object() ? *metadata : json::object()}};
}

json responseUsage(const json& chat_usage) {
  std::uint64_t input = uintAt(chat_usage, "prompt_tokens");
  std::uint64_t output = uintAt(chat_usage, "completion_tokens");
  std::uint64_t cached = 0;
  if (const json* d = field(chat_usage, "prompt_tokens_details"))
    cached = uintAt(*d, "cached_tokens");
  if (cached == 0) cached = uintAt(chat_usage, "cache_read_input_tokens");
  std::uint64_t reasoning = 0;
  if (const json* d = field(chat_usage, "completion_tokens_details"))
    reasoning = uintAt(*d, "reasoning_tokens");
  std::uint64_t total = uintAt(chat_usage, "total_tokens");
  if (total < input + output) total = input + output;
  return {{"input_tokens", input},
          {"input_tokens_details", {{"cached_tokens", cached}}},
          {"output_tokens", output},
          {"output_tokens_details", {{"reasoning_tokens", reasoning}}},
          {"total_tokens", total}};
}

api::Result<json> toResponse(const json& completion, const json& request,
                             const ResponseHead& head) {
  const json* choices = field(completion, "choices");
  const json* choice =
      choices && choices->is_array() && !choices->empty() ? &(*choices)[0] : nullptr;
  const json* message = choice ? field(*choice, "message") : nullptr;
  if (!message || !message->is_object()) {
    return api::Error{api::ErrorKind::kUpstreamError, "The provider sent an invalid response.",
                      "chat.completion without choices[0].message"};
  }
  std::string finish = stringAt(*choice, "finish_reason");
  json output = json::array();
  if (std::string reasoning = detail::reasoningOf(*message); !reasoning.empty()) {
    output.push_back(detail::reasoningItem(
        newItemId("rs_"), json::array({detail::summaryPart(std::move(reasoning))})));
  }
  json content = json::array();
  if (std::string text = messageText(*message); !text.empty())
    content.push_back(detail::outputTextPart(std::move(text)));
  if (std::string refusal = stringAt(*message, "refusal"); !refusal.empty())
    content.push_back(detail::refusalPart(std::move(refusal)));
  if (!content.empty()) {
    output.push_back(
        detail::messageItem(newItemId("msg_"), std::move(content), detail::messageStatus(finish)));
  }
  std::set<std::string> call_ids;
  auto addCall = [&](std::string call_id, const json& fn) {
    if (call_id.empty() || !call_ids.insert(call_id).second) {
      call_id = "call_" + hex32();
      call_ids.insert(call_id);
    }
    std::string arguments;
    if (const json* a = field(fn, "arguments"))
      arguments = a->is_string() ? a->get<std::string>() : api::dumpJson(*a);
    output.push_back(detail::functionCallItem(newItemId("fc_"), call_id, stringAt(fn, "name"),
                                              std::move(arguments), "completed"));
  };
  if (const json* calls = field(*message, "tool_calls"); calls && calls->is_array()) {
    for (const json& call : *calls) {
      const json* fn = field(call, "function");
      if (fn && fn->is_object()) addCall(stringAt(call, "id"), *fn);
    }
  }
  if (const json* fc = field(*message, "function_call"); fc && fc->is_object()) addCall({}, *fc);
  const json* usage = field(completion, "usage");
  return api::Result<json>(boost::system::in_place_value,
                           detail::finishedResponse(responseShell(request, head), std::move(output),
                                                    finish, usage ? *usage : json()));
}

}  // namespace switchyard::ingress::responses
