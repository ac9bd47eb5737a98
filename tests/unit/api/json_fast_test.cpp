// parseJsonFast and writeJsonFast against nlohmann's own parse() and dump(): the same verdict on
// every text, the same values with the same number types, the same bytes out
// (api/json_fast.hpp).

#include "switchyard/api/json_fast.hpp"

#include "unit/api/random_json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace switchyard::api {
namespace {

using nlohmann::json;

// Equal values with equal types all the way down (json's == calls 1 and 1u and 1.0 equal).
bool same(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case json::value_t::object: {
      if (a.size() != b.size()) return false;
      for (auto it = a.begin(), jt = b.begin(); it != a.end(); ++it, ++jt)
        if (it.key() != jt.key() || !same(*it, *jt)) return false;
      return true;
    }
    case json::value_t::array:
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i)
        if (!same(a[i], b[i])) return false;
      return true;
    case json::value_t::number_float: {
      const double x = a.get<double>(), y = b.get<double>();
      return (std::isnan(x) && std::isnan(y)) || (x == y && std::signbit(x) == std::signbit(y));
    }
    default:
      return a == b;
  }
}

std::optional<json> reference(std::string_view text) {
  try {
    return json::parse(text);
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

void expectSameVerdict(std::string_view text) {
  const FastParse ours = parseJsonFast(text, 64);
  const std::optional<json> theirs = reference(text);
  ASSERT_EQ(ours.value.has_value(), theirs.has_value()) << "text: " << text;
  if (theirs) {
    EXPECT_TRUE(same(*ours.value, *theirs)) << "text: " << text;
  }
  // The validating scan (api::Body's) gives the same verdict, and the members of an object.
  std::vector<JsonMember> members;
  const FastIndex index = indexJsonFast(text, 64, members);
  ASSERT_EQ(index.valid, theirs.has_value()) << "text: " << text;
  EXPECT_EQ(index.too_deep, ours.too_deep) << "text: " << text;
  EXPECT_EQ(index.object, theirs && theirs->is_object()) << "text: " << text;
  if (!index.object) return;
  json rebuilt = json::object();
  for (const JsonMember& m : members) {
    const std::string key = "\"" + std::string(text.substr(m.key_begin, m.key_end - m.key_begin)) + "\"";
    rebuilt[json::parse(key).get<std::string>()] =
        json::parse(text.substr(m.value_begin, m.value_end - m.value_begin));
  }
  EXPECT_TRUE(same(rebuilt, *theirs)) << "text: " << text;
}

const std::vector<std::string> kTexts = {
    R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"temperature":0.2,"max_tokens":64,"stream":false})",
    R"( { "a" : [ 1 , -2 , 3.5 , 1e3 , -1E-3 , 0 , -0 , 0.0 , -0.0 , 18446744073709551615 , 18446744073709551616 , -9223372036854775808 , -9223372036854775809 ] } )",
    R"({"s":"q\"b\\s\/\b\f\n\r\t\u0000\u00e9\u20ac\ud83d\ude00 plain","e":"","u":"é€😀"})",
    R"({"dup":1,"dup":2,"z":{},"y":[],"x":[[[]]],"n":null,"t":true,"f":false})",
    R"([1,2,3])", R"("top")", "123", "true", "null", " \t\r\n{}\n",
    R"({"big":1.7976931348623157e308,"small":5e-324,"over":1e400,"under":1e-400,"neg":-1e400})",
    // Invalid, each for its own reason.
    "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[01]", "[1.]", "[.5]", "[1e]",
    "[+1]", "[-]", "[NaN]", "[Infinity]", "[tru]", "[nul]", "[\"\\x\"]", "[\"\\u12\"]",
    "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\ud800\\u0041\"]", "[\"a\x01\"]", "[\"\xff\"]",
    "[\"\xc0\xaf\"]", "[\"\xed\xa0\x80\"]", "[\"\xf4\x90\x80\x80\"]", "[\"a\xc3\"]", "[1] x",
    "{} {}", "[1 2]", "\"unterminated", "[\"\\", "{\"a\":}", "[,1]", "[1,,2]",
    std::string("[\"nul\0byte\"]", 13), "// c\n{}", "{\"a\":1}/",
};

TEST(JsonFastTest, SameVerdictAndValuesAsNlohmannOnAListOfTexts) {
  for (const std::string& t : kTexts) expectSameVerdict(t);
}

TEST(JsonFastTest, DepthLimitIsReportedAsSuch) {
  std::string deep(65, '[');
  deep += std::string(65, ']');
  FastParse r = parseJsonFast(deep, 64);
  EXPECT_FALSE(r.value.has_value());
  EXPECT_TRUE(r.too_deep);
  FastParse ok = parseJsonFast(deep.substr(1, 128), 64);
  EXPECT_TRUE(ok.value.has_value());
  EXPECT_FALSE(ok.too_deep);
}

// Every text made by changing, inserting or removing a byte of a valid one: the same verdict.
TEST(JsonFastTest, SameVerdictOnMutatedTexts) {
  std::mt19937 rng(12345);
  const std::string alphabet = "{}[]\":,.-+eE0123456789 \\/ubfnrtaxlsTFN\x01\x7f\x80\xc3\xa9\xff";
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string t = kTexts[rng() % 12];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !t.empty(); ++e) {
      const std::size_t at = rng() % t.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: t[at] = c; break;
        case 1: t.insert(t.begin() + static_cast<std::ptrdiff_t>(at), c); break;
        default: t.erase(at, 1); break;
      }
    }
    expectSameVerdict(t);
    if (HasFatalFailure()) return;
    accepted += reference(t).has_value();
  }
  EXPECT_GT(accepted, 1000);  // the mutations exercised both verdicts
}

TEST(JsonFastTest, WritesWhatDumpWritesAndReadsItBack) {
  std::mt19937 rng(777);
  for (int i = 0; i < 3000; ++i) {
    const json v = testing::randomValue(rng, 0);
    const std::string theirs = v.dump(-1, ' ', false, json::error_handler_t::replace);
    std::string ours;
    writeJsonFast(v, ours);
    ASSERT_EQ(ours, theirs);
    // Read back as nlohmann reads it (a positive integer is number_unsigned then).
    FastParse back = parseJsonFast(ours, 64);
    ASSERT_TRUE(back.value.has_value()) << ours;
    EXPECT_TRUE(same(*back.value, json::parse(theirs))) << ours;
  }
}

TEST(JsonFastTest, DoublesAreWrittenAsDumpWritesThem) {
  std::mt19937_64 rng(99);
  std::vector<double> values = {0.0, -0.0, 1.0, -1.0, 0.1, 1e15, 1e16, 9.5e14, 1e-4, 1e-5,
                                5e-324, 1.7976931348623157e308, std::numeric_limits<double>::quiet_NaN(),
                                std::numeric_limits<double>::infinity(), 1234.5678, 1e300, 2.5e-10, 7e22, 6.02214076e23};
  for (int i = 0; i < 2000; ++i) {
    const double scale = std::pow(10.0, static_cast<int>(rng() % 40) - 20);
    values.push_back(static_cast<double>(rng() % 100000) / 7.0 * scale);
  }
  int differ = 0;
  for (double d : values) {
    std::string ours;
    writeJsonFast(json(d), ours);
    const std::string theirs = json(d).dump();
    if (ours != theirs) {
      // nlohmann's Grisu2 is not always the shortest; both must still read back to the value.
      ++differ;
      EXPECT_EQ(json::parse(ours).get<double>(), d) << ours << " vs " << theirs;
    }
  }
  EXPECT_LE(differ, 20) << "of " << values.size();
}

}  // namespace
}  // namespace switchyard::api
