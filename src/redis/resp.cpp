// appendCommand and Reader (resp.hpp).

#include "resp.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace switchyard::redis {
namespace {

void appendNumber(std::string& out, char prefix, std::size_t n) {
  char buf[24];
  buf[0] = prefix;
  auto [end, ec] = std::to_chars(buf + 1, buf + sizeof buf - 2, n);
  *end++ = '\r';
  *end++ = '\n';
  out.append(buf, end);
}

constexpr std::size_t kMaxDepth = 16;
constexpr std::size_t kMaxElements = 1u << 20;  // in one reply

// An integer of a RESP line ("-1", "42"); nullopt when it is not one.
std::optional<std::int64_t> integerOf(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

void appendCommand(std::string& out, std::span<const std::string> args) {
  appendNumber(out, '*', args.size());
  for (const std::string& a : args) {
    appendNumber(out, '$', a.size());
    out += a;
    out += "\r\n";
  }
}

bool Reader::feed(const char* data, std::size_t n) {
  // Drop what has been parsed once it is most of the buffer, so that a long stream of replies
  // does not grow it and a big reply is not moved on every read.
  if (scan_ == buf_.size()) {
    reply_bytes_ += scan_ - reply_start_;
    buf_.clear();
    scan_ = reply_start_ = eol_from_ = 0;
  } else if (scan_ > (64u << 10) && scan_ * 2 > buf_.size()) {
    reply_bytes_ += scan_ - reply_start_;
    buf_.erase(0, scan_);
    eol_from_ -= std::min(eol_from_, scan_);
    scan_ = reply_start_ = 0;
  }
  buf_.append(data, n);
  return true;
}

Reader::Status Reader::next(Value& out) {
  for (;;) {
    Value v;
    switch (step(v)) {
      case Step::kBad:
        return Status::kProtocolError;
      case Step::kIncomplete:
        if (reply_bytes_ + (buf_.size() - reply_start_) <= max_buffered_) return Status::kNeedMore;
        bad("reply larger than " + std::to_string(max_buffered_) + " bytes");
        return Status::kProtocolError;
      case Step::kOpened:
        continue;
      case Step::kValue:
        break;
    }
    // Close every array this value completes.
    while (!open_.empty()) {
      OpenArray& top = open_.back();
      top.array.elements.push_back(std::move(v));
      if (--top.remaining > 0) break;
      v = std::move(top.array);
      open_.pop_back();
    }
    if (!open_.empty()) continue;
    out = std::move(v);
    reply_start_ = scan_;
    reply_bytes_ = 0;
    elements_ = 0;
    return Status::kReply;
  }
}

Reader::Step Reader::bad(std::string message) {
  error_ = std::move(message);
  return Step::kBad;
}

Reader::Step Reader::step(Value& v) {
  if (scan_ >= buf_.size()) return Step::kIncomplete;
  // A line still without its CRLF is searched from where the last search ended, not again from
  // its start (a long line arriving in many reads).
  const std::size_t eol = buf_.find("\r\n", std::max(scan_, eol_from_));
  if (eol == std::string::npos) {
    eol_from_ = buf_.size() - 1;  // a CR at the end may be followed by its LF
    return Step::kIncomplete;
  }
  eol_from_ = 0;
  const char type = buf_[scan_];
  const std::string_view text = std::string_view(buf_).substr(scan_ + 1, eol - scan_ - 1);
  std::size_t next = eol + 2;
  if (++elements_ > kMaxElements)
    return bad("reply of more than " + std::to_string(kMaxElements) + " elements");
  switch (type) {
    case '+':
    case '-':
      v.type = type == '+' ? Value::Type::kStatus : Value::Type::kError;
      v.str.assign(text);
      break;
    case ':': {
      auto n = integerOf(text);
      if (!n) return bad("bad integer reply");
      v.type = Value::Type::kInteger;
      v.integer = *n;
      break;
    }
    case '$': {
      auto n = integerOf(text);
      if (!n || *n < -1) return bad("bad bulk length");
      if (*n == -1) {
        v.type = Value::Type::kNil;
        break;
      }
      if (static_cast<std::uint64_t>(*n) > max_buffered_)
        return bad("reply larger than " + std::to_string(max_buffered_) + " bytes");
      const std::size_t len = static_cast<std::size_t>(*n);
      if (buf_.size() - next < len + 2) {
        --elements_;  // counted again when the rest has come
        return Step::kIncomplete;
      }
      if (buf_.compare(next + len, 2, "\r\n") != 0) return bad("bulk not ended by CRLF");
      v.type = Value::Type::kString;
      v.str.assign(buf_, next, len);
      next += len + 2;
      break;
    }
    case '*': {
      auto n = integerOf(text);
      if (!n || *n < -1) return bad("bad array length");
      // Each element takes at least 3 bytes ("+\r\n"): a count no bounded reply can hold is
      // refused before anything is reserved for it.
      if (*n > 0 &&
          static_cast<std::uint64_t>(*n) > std::min<std::size_t>(max_buffered_ / 3, kMaxElements))
        return bad("array of " + std::string(text) + " elements over the reply bound");
      if (*n > 0 && open_.size() == kMaxDepth)
        return bad("replies nested over " + std::to_string(kMaxDepth) + " levels");
      v.type = *n == -1 ? Value::Type::kNil : Value::Type::kArray;
      scan_ = next;
      if (*n <= 0) return Step::kValue;
      OpenArray open{std::move(v), static_cast<std::size_t>(*n)};
      open.array.elements.reserve(std::min<std::size_t>(static_cast<std::size_t>(*n), 1024));
      open_.push_back(std::move(open));
      return Step::kOpened;
    }
    default:
      return bad("not a RESP2 reply (first byte " +
                 std::to_string(static_cast<unsigned char>(type)) + ")");
  }
  scan_ = next;
  return Step::kValue;
}

}  // namespace switchyard::redis
