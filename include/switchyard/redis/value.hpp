#pragma once
// One Redis reply (RESP2), owned: what redis::Connection and redis::Client hand back.

#include <cstdint>
#include <string>
#include <vector>

namespace switchyard::redis {

struct Value {
  enum class Type : std::uint8_t { kNil, kInteger, kString, kStatus, kError, kArray };
  Type type = Type::kNil;
  std::int64_t integer = 0;     // kInteger
  std::string str;              // kString (bulk), kStatus (+OK), kError (-ERR ...)
  std::vector<Value> elements;  // kArray

  bool isNil() const noexcept { return type == Type::kNil; }
  bool isError() const noexcept { return type == Type::kError; }
};

}  // namespace switchyard::redis
