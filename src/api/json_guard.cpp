#include "switchyard/api/json_guard.hpp"

#include <nlohmann/json.hpp>

namespace switchyard::api {
namespace {

// Nesting depth outside strings; stops early once over the limit. nlohmann's parser would
// accept any depth, and a deep document costs stack when it is destroyed or dumped.
bool nestingWithin(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        if (++depth > limit) return false;
        break;
      case '}':
      case ']':
        --depth;
        break;
      default:
        break;
    }
  }
  return true;
}

}  // namespace

Result<nlohmann::json> parseJsonObject(std::string_view text) {
  if (!nestingWithin(text, kMaxJsonDepth)) {
    return Error{ErrorKind::kInvalidRequest,
                 "Invalid JSON body: nesting deeper than " + std::to_string(kMaxJsonDepth)};
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    // Re-parse with exceptions only on the error path, to tell the client where it broke.
    try {
      (void)nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      std::string what = e.what();
      auto pos = what.find("parse error");
      return Error{ErrorKind::kInvalidRequest,
                   "Invalid JSON body: " + (pos == std::string::npos ? what : what.substr(pos))};
    } catch (...) {
    }
    return Error{ErrorKind::kInvalidRequest, "Invalid JSON body"};
  }
  if (!j.is_object()) {
    return Error{ErrorKind::kInvalidRequest, "Invalid request body: expected a JSON object"};
  }
  return Result<nlohmann::json>(boost::system::in_place_value, std::move(j));
}

std::string dumpJson(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace switchyard::api
