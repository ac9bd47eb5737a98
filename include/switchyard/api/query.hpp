#pragma once
// Reading a request target's query string.

#include <string>
#include <string_view>

namespace switchyard::api {

// %XX sequences decoded; malformed ones kept literally.
std::string percentDecode(std::string_view s);
// The value of `key` in the query string of request target `target` ('+' and %XX decoded), or
// "" when absent.
std::string queryParam(std::string_view target, std::string_view key);
// True when the query string of `target` has `key` (with or without a value).
bool hasQueryParam(std::string_view target, std::string_view key);

}  // namespace switchyard::api
