#pragma once
// What the Responses request translator's files share (private to the ingress): the OpenAI-style
// validation helpers (error wording, codes and `param` paths) and the parameter translation.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common.hpp"
#include "switchyard/api/error.hpp"

namespace switchyard::ingress::responses::request_detail {

using api::Error;
using api::ErrorKind;
using api::Result;
using nlohmann::json;
using Names = std::initializer_list<std::string_view>;

// The gateway's request-level controls the parse filter reads (src/pipeline/parse.cpp), carried
// over unchanged. `metadata` is one too, but here it is the Responses field, validated below.
// clang-format off
constexpr std::string_view kCarriedControls[] = {
    "fallbacks", "models", "disable_fallbacks", "timeout", "num_retries", "mock_testing_fallbacks",
    "mock_testing_context_fallbacks", "mock_testing_content_policy_fallbacks", "cache", "tags",
    "mock_response"};
// clang-format on

const Names kRoles = {"user", "assistant", "system", "developer"};
const Names kStatuses = {"in_progress", "completed", "incomplete"};
const Names kUserParts = {"input_text", "input_image", "input_file"};
const Names kAssistantParts = {"output_text", "refusal", "input_text"};

inline Result<json> ok(json j) { return Result<json>(boost::system::in_place_value, std::move(j)); }

inline Error fail(std::string param, std::string message, std::string code = {}) {
  return Error{.kind = ErrorKind::kInvalidRequest,
               .message = std::move(message),
               .code = std::move(code),
               .param = std::move(param)};
}

inline std::string at(const std::string& base, std::string_view key) {
  return base.empty() ? std::string(key) : base + "." + std::string(key);
}
inline std::string at(const std::string& base, std::size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

using detail::field;  // obj[key] unless absent or null (obj may be any JSON value)

inline std::string typeName(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a decimal";
  return v.is_object() ? "an object" : "an array";
}

inline Error invalidType(const std::string& param, std::string_view expected, const json& got) {
  return fail(param,
              "Invalid type for '" + param + "': expected " + std::string(expected) + ", but got " +
                  typeName(got) + " instead.",
              "invalid_type");
}

inline Error missing(const std::string& param) {
  return fail(param, "Missing required parameter: '" + param + "'.", "missing_required_parameter");
}

inline Error invalidValue(const std::string& param, const std::string& value, Names supported) {
  std::string list;
  std::size_t i = 0;
  for (std::string_view s : supported) {
    if (i > 0) list += supported.size() == 2 ? " " : ", ";
    if (i > 0 && i + 1 == supported.size()) list += "and ";
    list += "'" + std::string(s) + "'";
    ++i;
  }
  return fail(param, "Invalid value: '" + value + "'. Supported values are: " + list + ".",
              "invalid_value");
}

// A gateway limit rather than an OpenAI rule: what a chat translation cannot carry.
inline Error unsupported(const std::string& param, std::string message,
                  std::string code = "unsupported_value") {
  return fail(param, std::move(message), std::move(code));
}

inline bool isOneOf(const std::string& s, Names names) {
  return std::find(names.begin(), names.end(), s) != names.end();
}

// A string field at base.key: nullptr when absent or null (a missing_required_parameter error
// when `required`), an invalid_type error when not a string.
inline Result<const std::string*> stringField(const json& obj, std::string_view key,
                                       const std::string& base, bool required = true) {
  const json* v = field(obj, key);
  if (!v) {
    if (required) return missing(at(base, key));
    return static_cast<const std::string*>(nullptr);
  }
  if (!v->is_string()) return invalidType(at(base, key), "a string", *v);
  return &v->get_ref<const std::string&>();
}

// As stringField, and the value must be one of `names`.
inline Result<const std::string*> enumField(const json& obj, std::string_view key, const std::string& base,
                                     Names names, bool required = false) {
  auto s = stringField(obj, key, base, required);
  if (s && *s && !isOneOf(**s, names)) return invalidValue(at(base, key), **s, names);
  return s;
}

inline std::string numberText(double d) {
  if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
  return json(d).dump();
}

// A number (integer when `integer`) in [lo, hi] at base.key, or absent / null (nullptr).
inline Result<const json*> numberField(const json& obj, std::string_view key, const std::string& base,
                                double lo, double hi, bool integer = false) {
  const json* v = field(obj, key);
  if (!v) return static_cast<const json*>(nullptr);
  std::string param = at(base, key);
  if (integer ? !v->is_number_integer() : !v->is_number())
    return invalidType(param, integer ? "an integer" : "a number", *v);
  const char* kind = integer ? "integer" : "decimal";
  double d = v->get<double>();
  if (d < lo)
    return fail(param,
                "Invalid '" + param + "': " + kind + " below minimum value. Expected a value >= " +
                    numberText(lo) + ", but got " + v->dump() + " instead.",
                std::string(kind) + "_below_min_value");
  if (d > hi)
    return fail(param,
                "Invalid '" + param + "': " + kind + " above maximum value. Expected a value <= " +
                    numberText(hi) + ", but got " + v->dump() + " instead.",
                std::string(kind) + "_above_max_value");
  return v;
}

inline Result<void> checkType(const json& obj, std::string_view key, const std::string& base,
                       bool (json::*is)() const noexcept, std::string_view expected) {
  const json* v = field(obj, key);
  if (v && !(v->*is)()) return invalidType(at(base, key), expected, *v);
  return {};
}

// request_params.cpp: the request's parameters (everything but its items).
// Features a chat translation cannot serve, and fields that are validated but not sent on.
Result<void> checkUnsent(const json& req);
// Function tools -> chat tools; any other tool type is refused.
Result<json> translateTools(const json& tools);
Result<json> translateToolChoice(const json& choice);
// text.format -> response_format.
Result<void> translateText(const json& text, json& chat);
// model, instructions aside: the sampling settings, metadata, user, stream, controls.
Result<void> translateSettings(const json& req, json& chat);

}  // namespace switchyard::ingress::responses::request_detail
