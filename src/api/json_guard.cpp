#include "switchyard/api/json_guard.hpp"

#include <nlohmann/json.hpp>

#include "switchyard/api/json_fast.hpp"

namespace switchyard::api {

Result<nlohmann::json> parseJsonObject(std::string_view text) {
  FastParse parsed = parseJsonFast(text, kMaxJsonDepth);
  if (parsed.too_deep) {
    return Error{ErrorKind::kInvalidRequest,
                 "Invalid JSON body: nesting deeper than " + std::to_string(kMaxJsonDepth)};
  }
  if (!parsed.value) {
    // Parsed again by nlohmann, only on this error path, to tell the client where it broke (and
    // should the two readers ever disagree, nlohmann's value is taken).
    try {
      parsed.value = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      std::string what = e.what();
      auto pos = what.find("parse error");
      return Error{ErrorKind::kInvalidRequest,
                   "Invalid JSON body: " + (pos == std::string::npos ? what : what.substr(pos))};
    } catch (...) {
      return Error{ErrorKind::kInvalidRequest, "Invalid JSON body"};
    }
  }
  if (!parsed.value->is_object()) {
    return Error{ErrorKind::kInvalidRequest, "Invalid request body: expected a JSON object"};
  }
  return Result<nlohmann::json>(boost::system::in_place_value, std::move(*parsed.value));
}

std::string dumpJson(const nlohmann::json& j) {
  std::string out;
  writeJsonFast(j, out);
  return out;
}

}  // namespace switchyard::api
