// otlpProtoToJson (otlp_decode.hpp): a strict protobuf reader for the test collector.

#include "support/otlp_decode.hpp"

#include <cstring>
#include <stdexcept>

namespace switchyard::test {
namespace {

using nlohmann::json;

// One message's fields, read in order; any malformed byte throws.
class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool done() const { return at_ == b_.size(); }

  // The next field: its number and wire type.
  std::pair<std::uint32_t, int> next() {
    std::uint64_t key = varint();
    if (key >> 3 == 0) throw std::runtime_error("otlp: field number 0");
    return {static_cast<std::uint32_t>(key >> 3), static_cast<int>(key & 7)};
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at_ >= b_.size()) throw std::runtime_error("otlp: truncated varint");
      auto c = static_cast<std::uint8_t>(b_[at_++]);
      v |= std::uint64_t{c & 0x7fu} << shift;
      if (!(c & 0x80)) return v;
    }
    throw std::runtime_error("otlp: varint too long");
  }
  std::uint64_t fixed64() {
    if (at_ + 8 > b_.size()) throw std::runtime_error("otlp: truncated fixed64");
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{static_cast<std::uint8_t>(b_[at_ + i])} << (8 * i);
    at_ += 8;
    return v;
  }
  std::string_view bytes() {
    std::uint64_t n = varint();
    if (n > b_.size() - at_) throw std::runtime_error("otlp: length past the end");
    std::string_view s = b_.substr(at_, n);
    at_ += n;
    return s;
  }
  void skip(int wire) {
    switch (wire) {
      case 0: varint(); break;
      case 1: fixed64(); break;
      case 2: bytes(); break;
      case 5:
        if (at_ + 4 > b_.size()) throw std::runtime_error("otlp: truncated fixed32");
        at_ += 4;
        break;
      default: throw std::runtime_error("otlp: wire type " + std::to_string(wire));
    }
  }

 private:
  std::string_view b_;
  std::size_t at_ = 0;
};

std::string hex(std::string_view b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : b) {
    auto u = static_cast<std::uint8_t>(c);
    out += kHex[u >> 4];
    out += kHex[u & 0xf];
  }
  return out;
}

json anyValue(std::string_view b) {
  Reader r(b);
  json v = json::object();
  while (!r.done()) {
    auto [field, wire] = r.next();
    if (field == 1 && wire == 2) {
      v["stringValue"] = std::string(r.bytes());
    } else if (field == 2 && wire == 0) {
      v["boolValue"] = r.varint() != 0;
    } else if (field == 3 && wire == 0) {
      v["intValue"] = std::to_string(static_cast<std::int64_t>(r.varint()));
    } else if (field == 4 && wire == 1) {
      std::uint64_t bits = r.fixed64();
      double d;
      std::memcpy(&d, &bits, sizeof d);
      v["doubleValue"] = d;
    } else {
      r.skip(wire);
    }
  }
  return v;
}

json keyValue(std::string_view b) {
  Reader r(b);
  json kv = json::object();
  while (!r.done()) {
    auto [field, wire] = r.next();
    if (field == 1 && wire == 2) {
      kv["key"] = std::string(r.bytes());
    } else if (field == 2 && wire == 2) {
      kv["value"] = anyValue(r.bytes());
    } else {
      r.skip(wire);
    }
  }
  return kv;
}

json span(std::string_view b) {
  Reader r(b);
  json s = json::object();
  s["attributes"] = json::array();
  while (!r.done()) {
    auto [field, wire] = r.next();
    if (wire == 2 && (field == 1 || field == 2 || field == 4)) {
      static const char* kNames[] = {"", "traceId", "spanId", "", "parentSpanId"};
      s[kNames[field]] = hex(r.bytes());
    } else if (field == 3 && wire == 2) {
      s["traceState"] = std::string(r.bytes());
    } else if (field == 5 && wire == 2) {
      s["name"] = std::string(r.bytes());
    } else if (field == 6 && wire == 0) {
      s["kind"] = r.varint();
    } else if ((field == 7 || field == 8) && wire == 1) {
      s[field == 7 ? "startTimeUnixNano" : "endTimeUnixNano"] = std::to_string(r.fixed64());
    } else if (field == 9 && wire == 2) {
      s["attributes"].push_back(keyValue(r.bytes()));
    } else if (field == 15 && wire == 2) {
      Reader st(r.bytes());
      json status = json::object();
      while (!st.done()) {
        auto [f, w] = st.next();
        if (f == 2 && w == 2) {
          status["message"] = std::string(st.bytes());
        } else if (f == 3 && w == 0) {
          status["code"] = st.varint();
        } else {
          st.skip(w);
        }
      }
      s["status"] = status;
    } else {
      r.skip(wire);
    }
  }
  return s;
}

// A message whose fields of number `list` are repeated submessages read by `each`, the others
// (number `one`) a single submessage read by `single`.
template <class Each, class Single>
json message(std::string_view b, std::uint32_t list, const char* list_name, Each each,
             std::uint32_t one, const char* one_name, Single single) {
  Reader r(b);
  json m = json::object();
  m[list_name] = json::array();
  while (!r.done()) {
    auto [field, wire] = r.next();
    if (field == list && wire == 2) {
      m[list_name].push_back(each(r.bytes()));
    } else if (one && field == one && wire == 2) {
      m[one_name] = single(r.bytes());
    } else {
      r.skip(wire);
    }
  }
  return m;
}

json scopeSpans(std::string_view b) {
  return message(b, 2, "spans", span, 1, "scope", [](std::string_view s) {
    Reader r(s);
    json scope = json::object();
    while (!r.done()) {
      auto [f, w] = r.next();
      if ((f == 1 || f == 2) && w == 2) {
        scope[f == 1 ? "name" : "version"] = std::string(r.bytes());
      } else {
        r.skip(w);
      }
    }
    return scope;
  });
}

json resourceSpans(std::string_view b) {
  return message(b, 2, "scopeSpans", scopeSpans, 1, "resource", [](std::string_view s) {
    return message(s, 1, "attributes", keyValue, 0, "", [](std::string_view) { return json(); });
  });
}

}  // namespace

json otlpProtoToJson(std::string_view bytes) {
  return message(bytes, 1, "resourceSpans", resourceSpans, 0, "",
                 [](std::string_view) { return json(); });
}

}  // namespace switchyard::test
