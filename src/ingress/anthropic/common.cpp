#include "common.hpp"

#include <algorithm>

#include "switchyard/api/json_get.hpp"

namespace switchyard::ingress::anthropic {

Result<json> ok(json j) { return Result<json>(boost::system::in_place_value, std::move(j)); }

// obj[key] when it is a string, else `fallback`. Never throws (json::value() does on a wrong type).
std::string stringAt(const json& obj, std::string_view key, std::string fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : fallback;
}

Error bad(const std::string& path, std::string_view what) {
  std::string message = path.empty() ? std::string(what) : path + ": " + std::string(what);
  return Error{ErrorKind::kInvalidRequest, std::move(message), "", 0, "invalid_request", path};
}

std::string at(const std::string& base, std::size_t i) { return base + "." + std::to_string(i); }
std::string at(const std::string& base, std::string_view key) {
  return base + "." + std::string(key);
}

const json* field(const json& obj, std::string_view key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

// A required string field of `obj` (at `path`).
Result<std::string> requiredString(const json& obj, std::string_view key, const std::string& path) {
  const json* v = field(obj, key);
  if (!v) return bad(at(path, key), "Field required");
  if (!v->is_string()) return bad(at(path, key), "Input should be a valid string");
  return v->get<std::string>();
}

std::string compactId() {
  std::string id = newUuid();
  id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
  return id;
}

std::uint64_t uintAt(const json& obj, std::string_view key) { return api::countOf(obj, key); }

// OpenAI usage -> Anthropic usage. Anthropic's input_tokens excludes cache reads and writes;
// OpenAI's prompt_tokens includes them.
json anthropicUsage(const json& usage) {
  std::uint64_t prompt = uintAt(usage, "prompt_tokens");
  std::uint64_t completion = uintAt(usage, "completion_tokens");
  std::uint64_t cached = uintAt(usage, "cache_read_input_tokens");
  if (usage.is_object()) {
    if (auto d = usage.find("prompt_tokens_details"); d != usage.end() && cached == 0)
      cached = uintAt(*d, "cached_tokens");
  }
  std::uint64_t created = uintAt(usage, "cache_creation_input_tokens");
  std::uint64_t input = prompt > cached + created ? prompt - cached - created : 0;
  return {{"input_tokens", input},
          {"output_tokens", completion},
          {"cache_creation_input_tokens", created},
          {"cache_read_input_tokens", cached}};
}

json parseArguments(const json& fn) {
  const json* args = fn.is_object() ? field(fn, "arguments") : nullptr;
  if (!args) return json::object();
  if (args->is_object()) return *args;
  if (!args->is_string()) return json::object();
  json parsed = json::parse(args->get_ref<const std::string&>(), nullptr, false);
  return parsed.is_object() ? parsed : json::object();
}

// The stop sequence an upstream reports as matched (vLLM: choices[].stop_reason), if it is one of
// the request's.
std::string matchedStop(const json& choice, const std::vector<std::string>& stops) {
  const json* s = field(choice, "stop_reason");
  if (!s || !s->is_string()) return {};
  const std::string& v = s->get_ref<const std::string&>();
  return std::find(stops.begin(), stops.end(), v) == stops.end() ? std::string() : v;
}

std::string frame(std::string_view type, const json& data) {
  std::string out;
  out.reserve(64);
  out.append("event: ").append(type).append("\ndata: ").append(dumpJson(data)).append("\n\n");
  return out;
}

json messageStartEvent(const std::string& id, std::string_view model, json usage) {
  return {{"type", "message_start"},
          {"message",
           {{"id", id},
            {"type", "message"},
            {"role", "assistant"},
            {"model", model},
            {"content", json::array()},
            {"stop_reason", nullptr},
            {"stop_sequence", nullptr},
            {"usage", std::move(usage)}}}};
}

json messageDeltaEvent(std::string_view stop_reason, const std::string& stop_sequence, json usage) {
  return {{"type", "message_delta"},
          {"delta",
           {{"stop_reason", stop_reason},
            {"stop_sequence", stop_sequence.empty() ? json(nullptr) : json(stop_sequence)}}},
          {"usage", std::move(usage)}};
}

Error upstreamStreamError(const json& event) {
  Error e{ErrorKind::kUpstreamError, "The provider reported an error during the stream.",
          "error event inside a 200 stream"};
  static const json kNull;
  auto found = event.is_object() ? event.find("error") : event.end();
  const json& err = event.is_object() && found != event.end() ? *found : kNull;
  if (err.is_object()) {
    if (auto m = err.find("message");
        m != err.end() && m->is_string() && !m->get_ref<const std::string&>().empty())
      e.message = *m;
    for (const char* key : {"code", "status"}) {
      auto it = err.find(key);
      if (it != err.end() && it->is_number_integer()) {
        auto v = it->get<std::int64_t>();
        if (v == 429) e.kind = ErrorKind::kRateLimited;
        if (v == 529 || v == 503) e.kind = ErrorKind::kOverloaded;
      }
    }
    if (auto t = err.find("type"); t != err.end() && t->is_string() && *t == "overloaded_error")
      e.kind = ErrorKind::kOverloaded;
  } else if (err.is_string()) {
    e.message = err.get<std::string>();
  }
  return e;
}

}  // namespace switchyard::ingress::anthropic
