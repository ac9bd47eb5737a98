#pragma once
// Parsing of client JSON bodies with the limits docs/design.md §11 asks for.

#include <nlohmann/json_fwd.hpp>
#include <string_view>

#include "switchyard/api/error.hpp"

namespace switchyard::api {

inline constexpr int kMaxJsonDepth = 64;

// Parses `text` as a JSON object. Malformed JSON, invalid UTF-8, nesting deeper than
// kMaxJsonDepth or a top level that is not an object yields a kInvalidRequest error whose
// message says what is wrong. Never throws.
Result<nlohmann::json> parseJsonObject(std::string_view text);

// Serialises without throwing (invalid UTF-8 replaced).
std::string dumpJson(const nlohmann::json& j);

}  // namespace switchyard::api
