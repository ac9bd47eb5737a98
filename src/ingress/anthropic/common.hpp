#pragma once
// Helpers shared by the Anthropic ingress translators (private to the ingress module).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/api/error.hpp"
#include "switchyard/api/exchange.hpp"
#include "switchyard/api/ids.hpp"
#include "switchyard/api/json_guard.hpp"

namespace switchyard::ingress::anthropic {

using api::ChunkSource;
using api::dumpJson;
using api::Error;
using api::ErrorKind;
using api::Exchange;
using api::newUuid;
using api::Reply;
using api::Result;
using api::WireFormat;
using nlohmann::json;

Result<json> ok(json j);
// obj[key] when it is a string, else `fallback`. Never throws (json::value() does on a wrong type).
std::string stringAt(const json& obj, std::string_view key, std::string fallback = {});
// A kInvalidRequest Error at `path` ("messages.0.content: Field required").
Error bad(const std::string& path, std::string_view what);
std::string at(const std::string& base, std::size_t i);
std::string at(const std::string& base, std::string_view key);
// obj[key] unless absent or null.
const json* field(const json& obj, std::string_view key);
// A required string field of `obj` (at `path`).
Result<std::string> requiredString(const json& obj, std::string_view key, const std::string& path);
std::string compactId();  // a uuid without dashes
std::uint64_t uintAt(const json& obj, std::string_view key);
// OpenAI usage -> Anthropic usage (input_tokens excludes cache reads and writes).
json anthropicUsage(const json& usage);
// A tool call's arguments (a JSON string or object) as an object; {} when unreadable.
json parseArguments(const json& fn);
// The stop sequence an upstream reports as matched (vLLM: choices[].stop_reason), if it is one of
// the request's.
std::string matchedStop(const json& choice, const std::vector<std::string>& stops);
// "event: <type>\ndata: <json>\n\n"
std::string frame(std::string_view type, const json& data);
json messageStartEvent(const std::string& id, std::string_view model, json usage);
json messageDeltaEvent(std::string_view stop_reason, const std::string& stop_sequence, json usage);
// The Error an OpenAI-format error event inside a 200 stream stands for.
Error upstreamStreamError(const json& event);

}  // namespace switchyard::ingress::anthropic
