#pragma once
// RESP2 on the wire: commands out (appendCommand), replies in (Reader, hiredis's reply parser).

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "switchyard/redis/value.hpp"

struct redisReader;

namespace switchyard::redis {

// Appends `args` as one RESP array of bulk strings ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n").
void appendCommand(std::string& out, std::span<const std::string> args);

// Incremental reply parser: feed() what the socket gave, then next() until kNeedMore.
class Reader {
 public:
  enum class Status { kNeedMore, kReply, kProtocolError };

  explicit Reader(std::size_t max_buffered);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // False when the bytes could not be taken (then the stream is broken).
  bool feed(const char* data, std::size_t n);
  // The next complete reply into `out`; kProtocolError also when more than max_buffered bytes
  // wait for a reply to complete (a huge or endless bulk length).
  Status next(Value& out);
  const std::string& error() const { return error_; }

 private:
  redisReader* r_;
  std::size_t max_buffered_;
  std::string error_;
};

}  // namespace switchyard::redis
