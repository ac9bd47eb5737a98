// appendCommand and Reader (resp.hpp).

#include "resp.hpp"

#include <hiredis/hiredis.h>

#include <charconv>

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

Value toValue(const redisReply* r) {
  Value v;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      v.type = Value::Type::kInteger;
      v.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      v.type = r->type == REDIS_REPLY_STRING   ? Value::Type::kString
               : r->type == REDIS_REPLY_STATUS ? Value::Type::kStatus
                                               : Value::Type::kError;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      v.type = Value::Type::kArray;
      v.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) v.elements.push_back(toValue(r->element[i]));
      break;
    default:
      v.type = Value::Type::kNil;
  }
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

Reader::Reader(std::size_t max_buffered) : r_(redisReaderCreate()), max_buffered_(max_buffered) {}

Reader::~Reader() { redisReaderFree(r_); }

bool Reader::feed(const char* data, std::size_t n) {
  if (r_ == nullptr) return false;
  if (redisReaderFeed(r_, data, n) != REDIS_OK) {
    error_ = r_->errstr;
    return false;
  }
  return true;
}

Reader::Status Reader::next(Value& out) {
  if (r_ == nullptr) {
    error_ = "out of memory";
    return Status::kProtocolError;
  }
  void* reply = nullptr;
  if (redisReaderGetReply(r_, &reply) != REDIS_OK) {
    error_ = r_->errstr[0] != '\0' ? r_->errstr : "protocol error";
    return Status::kProtocolError;
  }
  if (reply == nullptr) {
    if (r_->len - r_->pos > max_buffered_) {
      error_ = "reply larger than " + std::to_string(max_buffered_) + " bytes";
      return Status::kProtocolError;
    }
    return Status::kNeedMore;
  }
  out = toValue(static_cast<redisReply*>(reply));
  freeReplyObject(reply);
  return Status::kReply;
}

}  // namespace switchyard::redis
