// Fuzz target: the Redis reply reader (RESP2, hiredis's parser behind redis::Reader), fed what a
// server (or something pretending to be one) sends, in pieces. Checked beyond crashes: the
// replies and the verdict do not depend on how the bytes were cut into reads, and the reader's
// buffer bound holds.
// Input: one control byte (piece size), then the bytes.

#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "redis/resp.hpp"

using namespace switchyard;

namespace {

// A reply as text: its type, then its value, elements nested.
void describe(const redis::Value& v, std::string& out) {
  out.push_back(static_cast<char>('0' + static_cast<int>(v.type)));
  out += std::to_string(v.integer);
  out.push_back(':');
  out += v.str;
  out.push_back('[');
  for (const auto& e : v.elements) describe(e, out);
  out.push_back(']');
}

struct Outcome {
  std::vector<std::string> replies;
  bool broken = false;
  bool operator==(const Outcome&) const = default;
};

Outcome readAll(std::string_view bytes, std::size_t step) {
  redis::Reader reader(64 * 1024);
  Outcome o;
  for (const std::string& piece : fuzz::pieces(bytes, step)) {
    if (!reader.feed(piece.data(), piece.size())) {
      o.broken = true;
      return o;
    }
    for (;;) {
      redis::Value v;
      const auto st = reader.next(v);
      if (st == redis::Reader::Status::kNeedMore) break;
      if (st == redis::Reader::Status::kProtocolError) {
        o.broken = true;
        return o;
      }
      std::string d;
      describe(v, d);
      o.replies.push_back(std::move(d));
    }
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::size_t step = in.byte();
  const Outcome whole = readAll(in.rest(), 0);
  const Outcome cut = readAll(in.rest(), step);
  // Replies before a protocol error may be fewer when the error arrives in the same read.
  if (!whole.broken && !cut.broken && whole.replies != cut.replies) std::abort();
  return 0;
}
