#pragma once
// Substring search for the per-chunk path.

#include <cstring>
#include <string_view>

namespace switchyard::api {

// Where `what` first occurs in `text` at or after `from`, or npos. memmem (a two-way search):
// std::string_view::find stops at every occurrence of the first character (every '"' of JSON).
// Safe on an empty `text` (whose data() may be null, which memmem does not admit).
inline std::size_t findBytes(std::string_view text, std::string_view what,
                             std::size_t from = 0) noexcept {
  if (from > text.size() || text.size() - from < what.size()) return std::string_view::npos;
  if (what.empty()) return from;
  const void* at = ::memmem(text.data() + from, text.size() - from, what.data(), what.size());
  return at != nullptr ? static_cast<std::size_t>(static_cast<const char*>(at) - text.data())
                       : std::string_view::npos;
}

}  // namespace switchyard::api
