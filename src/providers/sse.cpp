#include "switchyard/providers/sse.hpp"

namespace switchyard::providers {

namespace {
// Position just past the first blank line at or after `from`, or npos.
std::size_t findBoundary(std::string_view s, std::size_t from) {
  for (std::size_t i = from; i < s.size(); ++i) {
    if (s[i] != '\n') continue;
    if (i + 1 < s.size() && s[i + 1] == '\n') return i + 2;
    if (i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') return i + 3;
  }
  return std::string_view::npos;
}
}  // namespace

std::size_t SseSplitter::takeComplete(std::string& out) {
  std::size_t last = std::string::npos, pos = scanned_ > 2 ? scanned_ - 2 : 0, count = 0;
  for (;;) {
    std::size_t b = findBoundary(buf_, pos);
    if (b == std::string_view::npos) break;
    last = b;
    pos = b;
    ++count;
  }
  if (last == std::string::npos) {
    scanned_ = buf_.size();
    return 0;
  }
  out.append(buf_, 0, last);
  buf_.erase(0, last);
  scanned_ = 0;
  return count;
}

std::string sseData(std::string_view event) {
  std::string data;
  bool first = true;
  while (!event.empty()) {
    std::size_t nl = event.find('\n');
    std::string_view line = event.substr(0, nl);
    event = nl == std::string_view::npos ? std::string_view{} : event.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.substr(0, 5) != "data:") continue;
    line.remove_prefix(5);
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (!first) data += '\n';
    data.append(line);
    first = false;
  }
  return data;
}

}  // namespace switchyard::providers
