#include "switchyard/api/json_get.hpp"

#include <cstdint>

namespace switchyard::api {

namespace {
const nlohmann::json kNull;
const nlohmann::json kEmptyObject = nlohmann::json::object();
}  // namespace

const nlohmann::json& memberOf(const nlohmann::json& j, std::string_view key) noexcept {
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

const nlohmann::json& objectOf(const nlohmann::json& j, std::string_view key) noexcept {
  const nlohmann::json& m = memberOf(j, key);
  return m.is_object() ? m : kEmptyObject;
}

std::string stringOf(const nlohmann::json& j, std::string_view key, std::string_view fallback) {
  const nlohmann::json& m = memberOf(j, key);
  return m.is_string() ? m.get_ref<const std::string&>() : std::string(fallback);
}

bool boolOf(const nlohmann::json& j, std::string_view key, bool fallback) noexcept {
  const nlohmann::json& m = memberOf(j, key);
  return m.is_boolean() ? m.get<bool>() : fallback;
}

std::int64_t intOf(const nlohmann::json& j, std::string_view key, std::int64_t fallback) noexcept {
  const nlohmann::json& m = memberOf(j, key);
  if (m.is_number_unsigned())
    return m.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX) ? m.get<std::int64_t>()
                                                                           : fallback;
  return m.is_number_integer() ? m.get<std::int64_t>() : fallback;
}

std::uint64_t countOf(const nlohmann::json& j, std::string_view key) noexcept {
  const nlohmann::json& m = memberOf(j, key);
  if (m.is_number_unsigned()) return m.get<std::uint64_t>();
  if (m.is_number_integer()) return m.get<std::int64_t>() > 0 ? m.get<std::uint64_t>() : 0;
  if (m.is_number_float()) {
    const double d = m.get<double>();
    if (!(d > 0)) return 0;  // negative, zero, NaN
    // 2^64 is exactly representable; anything at or above it does not fit.
    if (d >= 18446744073709551616.0) return UINT64_MAX;
    return static_cast<std::uint64_t>(d);
  }
  return 0;
}

}  // namespace switchyard::api
