// JsonWriter: what it writes parses back to what was given (api/json_writer.hpp).

#include "switchyard/api/json_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace switchyard::api {
namespace {

TEST(JsonWriterTest, NestedValuesParseBack) {
  std::string out;
  JsonWriter w(out);
  w.beginObject()
      .field("s", "plain")
      .field("i", -42)
      .field("u", std::uint64_t{18446744073709551615u})
      .field("d", 0.1)
      .field("b", true)
      .key("n").null()
      .key("a").beginArray().value(1).beginObject().field("x", "y").endObject().beginArray().endArray().endArray()
      .key("e").beginObject().endObject()
      .key("raw").raw(R"({"k":[1,2]})")
      .endObject();
  w.finish();
  nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_EQ(j["s"], "plain");
  EXPECT_EQ(j["i"], -42);
  EXPECT_EQ(j["u"].get<std::uint64_t>(), 18446744073709551615u);
  EXPECT_EQ(j["d"].get<double>(), 0.1);
  EXPECT_EQ(j["b"], true);
  EXPECT_TRUE(j["n"].is_null());
  EXPECT_EQ(j["a"], nlohmann::json::parse(R"([1, {"x": "y"}, []])"));
  EXPECT_TRUE(j["e"].is_object() && j["e"].empty());
  EXPECT_EQ(j["raw"]["k"][1], 2);
}

TEST(JsonWriterTest, StringsAreEscapedAndInvalidUtf8Replaced) {
  const std::string tricky = std::string("q\"b\\s/\n\r\t\x01\x1f") + "é€😀";
  std::string out;
  JsonWriter(out).value(tricky);
  EXPECT_EQ(nlohmann::json::parse(out), tricky);
  for (const char* bad : {"\xff", "a\xc3", "\xe0\x80\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf"}) {
    std::string o;
    JsonWriter(o).value(std::string_view(bad));
    nlohmann::json j = nlohmann::json::parse(o);  // throws on invalid UTF-8
    EXPECT_NE(j.get<std::string>().find("\xef\xbf\xbd"), std::string::npos) << o;
  }
}

TEST(JsonWriterTest, AppendsAfterWhatTheStringHeldAndGrowsAsNeeded) {
  std::string out = "head ";
  std::vector<std::string> values;
  {
    JsonWriter w(out);
    w.beginArray();
    for (int i = 0; i < 500; ++i) {
      values.push_back(std::string(static_cast<std::size_t>(i % 97), static_cast<char>('a' + i % 26)) + "\"");
      w.value(values.back()).value(i);
    }
    w.endArray();
    w.finish();
    EXPECT_EQ(out.back(), ']');  // exactly what was written, no spare room
    w.raw(" ");  // and it may go on after finish()
  }
  ASSERT_TRUE(out.starts_with("head ["));
  ASSERT_EQ(out.back(), ' ');
  nlohmann::json j = nlohmann::json::parse(out.substr(5));
  ASSERT_EQ(j.size(), 1000u);
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(j[2 * i], values[static_cast<std::size_t>(i)]);
    EXPECT_EQ(j[2 * i + 1], i);
  }
}

TEST(JsonWriterTest, NonFiniteNumbersAreNull) {
  std::string out;
  JsonWriter w(out);
  w.beginArray().value(std::nan("")).value(std::numeric_limits<double>::infinity()).value(1e-300).endArray();
  w.finish();
  nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_TRUE(j[0].is_null());
  EXPECT_TRUE(j[1].is_null());
  EXPECT_EQ(j[2].get<double>(), 1e-300);
}

}  // namespace
}  // namespace switchyard::api
