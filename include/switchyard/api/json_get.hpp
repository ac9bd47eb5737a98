#pragma once
// Reading JSON that came from outside (a client's request, a provider's answer, a cached body)
// without exceptions. nlohmann's value(key, fallback) throws when the receiver is not an object or
// the member holds another type, and get<T>() when the type differs: on data the gateway does not
// control, these give the fallback instead.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace switchyard::api {

// The member `key` of `j`; a null value when `j` is not an object or has no such member.
const nlohmann::json& memberOf(const nlohmann::json& j, std::string_view key) noexcept;
// The member `key` when it is an object; an empty object otherwise.
const nlohmann::json& objectOf(const nlohmann::json& j, std::string_view key) noexcept;
// The member `key` when it is a string; `fallback` otherwise.
std::string stringOf(const nlohmann::json& j, std::string_view key, std::string_view fallback = {});
// The member `key` when it is a boolean; `fallback` otherwise.
bool boolOf(const nlohmann::json& j, std::string_view key, bool fallback) noexcept;
// The member `key` when it is an integer that fits; `fallback` otherwise.
std::int64_t intOf(const nlohmann::json& j, std::string_view key, std::int64_t fallback) noexcept;
// The member `key` as a count (token counts from a provider): an integer or a float, negative and
// NaN as 0, a float beyond 2^64 as UINT64_MAX (never an out-of-range conversion), a fraction
// truncated; 0 when absent or of another type.
std::uint64_t countOf(const nlohmann::json& j, std::string_view key) noexcept;

}  // namespace switchyard::api
