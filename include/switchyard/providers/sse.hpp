#pragma once
// Server-sent events framing (WHATWG HTML, "Server-sent events", event stream interpretation):
// cuts a byte stream into events, one at a time. Every SSE reader in the gateway (the provider
// adapters and the Anthropic ingress) uses this one cutter.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::providers {

// One event. The views point into the cutter: they stay valid until its next non-const call.
struct SseEvent {
  std::string_view name;  // the last `event:` field's value; "" when none (SSE's "message")
  std::string_view data;  // the `data:` fields' values joined with '\n'; "" when none
  std::string_view raw;   // the event as received: its lines and the blank line ending it
};

// Fed bytes as they arrive, yields the complete events in order. Lines end in LF or CRLF (a lone
// CR is not a line end). Fields are "name: value" (one space after the colon dropped) or a bare
// "name" (empty value); lines starting with ':' are comments; `data:` lines join with '\n'. An
// event is yielded when a blank line ends it, even when it holds only comments or other fields
// (a relay forwards keep-alive comments); blank lines with no event before them are skipped,
// and a UTF-8 byte order mark at the very start of the stream is dropped.
//
// The buffer is reused: consumed bytes are dropped lazily, when more arrive. Bounded: an event
// (complete or not) longer than max_event_bytes makes overflowed() true, and next() yields
// nothing more (the caller fails the stream).
class SseCutter {
 public:
  explicit SseCutter(std::size_t max_event_bytes = 4u << 20) : max_event_(max_event_bytes) {}

  // Appends bytes read from upstream. Invalidates the views of the last event.
  void feed(std::string_view bytes);
  // The next complete event, or nullopt when none is complete yet (or after an overflow).
  std::optional<SseEvent> next();
  // True once an event over the size bound was seen.
  bool overflowed() const noexcept { return overflowed_; }
  // At the end of the stream, once next() returned nullopt: the unterminated event left over, as
  // if a blank line had ended it (its raw text gets the missing line ends, so that a relay can
  // send it as a whole event), or nullopt when only blank space is left. Consumes it.
  std::optional<SseEvent> rest();

 private:
  SseEvent parse(std::size_t begin, std::size_t end);
  void skipByteOrderMark();

  std::string buf_;
  std::string data_;       // joined data when an event has several data lines
  std::size_t start_ = 0;  // where the event being cut starts (bytes before it are consumed)
  std::size_t scan_ = 0;   // start of the first line of it not yet looked at
  std::size_t max_event_;
  bool content_ = false;  // a non-blank line of the current event was seen
  bool bom_checked_ = false;
  bool overflowed_ = false;
};

}  // namespace switchyard::providers
