#pragma once
// What the admin renderers (key_json, hierarchy_json) share: LiteLLM's JSON conventions for
// absent values (null), times (ISO-8601) and the fields it keeps inside `metadata`. Private to
// the admin module.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "switchyard/admin/key_request.hpp"
#include "switchyard/store/records.hpp"

namespace switchyard::admin::render {

inline nlohmann::json textOrNull(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

inline nlohmann::json timeOrNull(const std::optional<store::UnixMs>& ms) {
  return ms ? nlohmann::json(isoTime(*ms)) : nlohmann::json(nullptr);
}

// created_at / updated_at: 0 is "not set".
inline nlohmann::json stampOrNull(store::UnixMs ms) {
  return ms != 0 ? nlohmann::json(isoTime(ms)) : nlohmann::json(nullptr);
}

template <class T>
nlohmann::json optionalOrNull(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

inline nlohmann::json limitsOrNull(const store::ByModel<std::int64_t>& limits) {
  return limits.empty() ? nlohmann::json(nullptr) : nlohmann::json(limits);
}

inline nlohmann::json tagsOrNull(const std::vector<std::string>& tags) {
  return tags.empty() ? nlohmann::json(nullptr) : nlohmann::json(tags);
}

// The stored metadata object (serialized JSON; unreadable text is {}) with the LiteLLM fields
// kept in it put back: tags (when `tags` is given and not empty), model_rpm_limit,
// model_tpm_limit.
inline nlohmann::json metadataWith(const std::string& text, const std::vector<std::string>* tags,
                                   const store::ByModel<std::int64_t>& model_rpm_limit,
                                   const store::ByModel<std::int64_t>& model_tpm_limit) {
  nlohmann::json meta = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!meta.is_object()) meta = nlohmann::json::object();
  if (tags != nullptr && !tags->empty()) meta["tags"] = *tags;
  if (!model_rpm_limit.empty()) meta["model_rpm_limit"] = model_rpm_limit;
  if (!model_tpm_limit.empty()) meta["model_tpm_limit"] = model_tpm_limit;
  return meta;
}

}  // namespace switchyard::admin::render
