// Fuzz target: the server-sent-events cutter every stream reader uses (providers::SseCutter),
// fed upstream bytes in pieces. Checked beyond crashes: the events (name, data, raw) and the
// overflow verdict do not depend on how the bytes were cut into reads.
// Input: one control byte (piece size), then the stream's bytes.

#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "switchyard/providers/sse.hpp"

using switchyard::providers::SseCutter;

namespace {

struct Cut {
  std::vector<std::string> events;  // name, data and raw of each, joined
  bool overflowed = false;
  bool operator==(const Cut&) const = default;
};

void take(const switchyard::providers::SseEvent& ev, Cut& cut) {
  std::string e;
  e.append(ev.name).push_back('\0');
  e.append(ev.data).push_back('\0');
  e.append(ev.raw);
  cut.events.push_back(std::move(e));
}

Cut cutInto(std::string_view bytes, std::size_t step) {
  SseCutter cutter(4096);
  Cut cut;
  for (const std::string& piece : switchyard::fuzz::pieces(bytes, step)) {
    cutter.feed(piece);
    while (auto ev = cutter.next()) take(*ev, cut);
  }
  if (!cutter.overflowed())
    if (auto ev = cutter.rest()) take(*ev, cut);
  cut.overflowed = cutter.overflowed();
  return cut;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  switchyard::fuzz::Input in(data, size);
  const std::size_t step = in.byte();
  const Cut whole = cutInto(in.rest(), 0);
  const Cut cut = cutInto(in.rest(), step);
  if (whole.overflowed != cut.overflowed) std::abort();
  if (!whole.overflowed && whole.events != cut.events) std::abort();
  return 0;
}
