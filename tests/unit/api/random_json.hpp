#pragma once
// Random JSON values for the api module's differential tests: every value type, strings with
// escapes and multi-byte UTF-8, nesting up to a few levels, objects with a few repeated keys.

#include <cstdint>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

namespace switchyard::api::testing {

inline nlohmann::json randomValue(std::mt19937& rng, int depth) {
  std::uniform_int_distribution<int> kind(0, depth > 4 ? 5 : 7);
  switch (kind(rng)) {
    case 0: return nullptr;
    case 1: return rng() % 2 == 0;
    case 2: return static_cast<std::int64_t>(rng()) - (1ll << 31);
    case 3: return static_cast<std::uint64_t>(rng()) << 20;
    case 4: {
      static const double kDoubles[] = {0.2, 0.1, 1.0, -3.0, 1e15, 1e16, 123456789012345.0,
                                        1e-4, 1e-5, 0.00012, 2.5e-7, 1e21, 1e100, -1e-300,
                                        3.141592653589793, 100.0, 1e6, 0.5};
      return kDoubles[rng() % std::size(kDoubles)];
    }
    case 5: {
      std::string s;
      const int n = static_cast<int>(rng() % 12);
      for (int i = 0; i < n; ++i) {
        static const char* kPieces[] = {"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x01", "é", "€", "😀"};
        s += kPieces[rng() % std::size(kPieces)];
      }
      return s;
    }
    case 6: {
      nlohmann::json a = nlohmann::json::array();
      const int n = static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i) a.push_back(randomValue(rng, depth + 1));
      return a;
    }
    default: {
      nlohmann::json o = nlohmann::json::object();
      const int n = static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i) o["k" + std::to_string(rng() % 6)] = randomValue(rng, depth + 1);
      return o;
    }
  }
}

}  // namespace switchyard::api::testing
