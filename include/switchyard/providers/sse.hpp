#pragma once
// Server-sent events framing: splits a byte stream into whole events ("...\n\n").

#include <cstddef>
#include <string>
#include <string_view>

namespace switchyard::providers {

class SseSplitter {
 public:
  explicit SseSplitter(std::size_t max_event_bytes = 4 << 20) : max_event_(max_event_bytes) {}

  // Appends bytes read from upstream.
  void feed(std::string_view bytes) { buf_.append(bytes); }
  // Moves every complete event (each ending in a blank line) into `out`, appending.
  // Returns the number of events taken. Line endings are kept as received.
  std::size_t takeComplete(std::string& out);
  // True when the pending partial event exceeds the bound (the stream should be failed).
  bool overflowed() const noexcept { return buf_.size() > max_event_; }
  // What is left (a partial event) when the upstream closed.
  std::string_view rest() const noexcept { return buf_; }

 private:
  std::string buf_;
  std::size_t scanned_ = 0;  // bytes of buf_ already known to hold no event boundary
  std::size_t max_event_;
};

// The data payload of one event block ("data: x\ndata: y" -> "x\ny"), empty when it has none.
std::string sseData(std::string_view event);

}  // namespace switchyard::providers
