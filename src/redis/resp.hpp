#pragma once
// RESP2 on the wire: commands out (appendCommand), replies in (Reader).

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/redis/value.hpp"

namespace switchyard::redis {

// Appends `args` as one RESP array of bulk strings ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n").
void appendCommand(std::string& out, std::span<const std::string> args);

// Incremental reply parser: feed() what the socket gave, then next() until kNeedMore. Resumable:
// a reply arriving in many reads is parsed once, as it comes. Bounded before anything is
// allocated for a reply: a bulk or an array whose announced size no reply of `max_buffered` bytes
// can hold, a reply still incomplete after `max_buffered` bytes, more than 1,048,576 elements in
// one reply, nesting over 16 levels, and anything that is not RESP2 are protocol errors (the
// connection is then closed).
class Reader {
 public:
  enum class Status { kNeedMore, kReply, kProtocolError };

  explicit Reader(std::size_t max_buffered) : max_buffered_(max_buffered) {}
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // False when the bytes could not be taken (then the stream is broken).
  bool feed(const char* data, std::size_t n);
  // The next complete reply into `out`.
  Status next(Value& out);
  const std::string& error() const { return error_; }

 private:
  enum class Step { kValue, kOpened, kIncomplete, kBad };
  // Reads one value or array header at scan_: kValue (a whole scalar, nil or empty array in
  // `v`), kOpened (a non-empty array pushed on open_), kIncomplete, kBad.
  Step step(Value& v);
  Step bad(std::string message);  // sets error_

  struct OpenArray {
    Value array;
    std::size_t remaining;
  };
  std::string buf_;
  std::size_t scan_ = 0;         // the first byte not yet parsed
  std::size_t eol_from_ = 0;     // where to look for the CRLF of the line at scan_
  std::size_t reply_start_ = 0;  // where the reply being parsed began (bytes before: returned)
  std::size_t reply_bytes_ = 0;  // bytes of it parsed and already dropped from buf_
  std::size_t elements_ = 0;     // elements of it so far
  std::vector<OpenArray> open_;  // its arrays still being filled, outermost first
  std::size_t max_buffered_;
  std::string error_;
};

}  // namespace switchyard::redis
