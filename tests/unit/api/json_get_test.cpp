// api/json_get.hpp: reading members of outside JSON without exceptions or undefined behaviour.

#include "switchyard/api/json_get.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace switchyard::api {
namespace {

using nlohmann::json;

// A provider may send any number where a token count belongs; a float out of uint64's range once
// reached a double -> uint64 conversion (undefined behaviour; found by fuzz_ingress_anthropic).
TEST(JsonGetTest, CountOfTakesAnyNumberWithoutOverflow) {
  json j = json::parse(R"({"int": 12, "neg": -5, "big": 18446744073709551615, "float": 7.9,
                           "huge": 1.18447e+20, "negf": -3.5, "edge": 18446744073709551616.0,
                           "text": "12", "null": null})");
  EXPECT_EQ(countOf(j, "int"), 12u);
  EXPECT_EQ(countOf(j, "neg"), 0u);
  EXPECT_EQ(countOf(j, "big"), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(countOf(j, "float"), 7u);
  EXPECT_EQ(countOf(j, "huge"), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(countOf(j, "edge"), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(countOf(j, "negf"), 0u);
  EXPECT_EQ(countOf(j, "text"), 0u);
  EXPECT_EQ(countOf(j, "null"), 0u);
  EXPECT_EQ(countOf(j, "absent"), 0u);
  EXPECT_EQ(countOf(json::array(), "int"), 0u);
  json nan = json::object();
  nan["n"] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(countOf(nan, "n"), 0u);
}

}  // namespace
}  // namespace switchyard::api
