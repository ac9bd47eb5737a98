#pragma once
// What the fuzz targets share: reading a fuzzer's input as a few control bytes followed by the
// bytes under test, and cutting those into the pieces a socket might deliver them in.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::fuzz {

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  // The next control byte (0 when the input is used up).
  std::uint8_t byte() {
    if (rest_.empty()) return 0;
    const auto b = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  // Everything not yet taken.
  std::string_view rest() const noexcept { return rest_; }

 private:
  std::string_view rest_;
};

// `text` cut into pieces of `step` bytes (0 means whole), as reads from a socket.
inline std::vector<std::string> pieces(std::string_view text, std::size_t step) {
  std::vector<std::string> out;
  if (step == 0) step = text.size() + 1;
  for (std::size_t i = 0; i < text.size(); i += step) out.emplace_back(text.substr(i, step));
  return out;
}

}  // namespace switchyard::fuzz
