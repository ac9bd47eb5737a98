#include "switchyard/api/json_guard.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace switchyard::api {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// `depth` nested objects {"a":{"a":...{}...}}: the outermost object counts as depth 1.
std::string nestedObjects(int depth) {
  std::string s;
  for (int i = 1; i < depth; ++i) s += "{\"a\":";
  s += "{}";
  for (int i = 1; i < depth; ++i) s += "}";
  return s;
}

// {"a":[[[...]]]} with `depth` levels in all (the object included).
std::string nestedArraysInObject(int depth) {
  std::string s = "{\"a\":";
  for (int i = 1; i < depth; ++i) s += "[";
  for (int i = 1; i < depth; ++i) s += "]";
  return s + "}";
}

Error expectInvalid(std::string_view text) {
  Result<json> r = parseJsonObject(text);
  EXPECT_FALSE(r.has_value()) << "accepted: " << text.substr(0, 200);
  if (r.has_value()) return {};
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidRequest);
  EXPECT_EQ(r.error().httpStatus(), 400u);
  EXPECT_FALSE(r.error().message.empty());
  return r.error();
}

TEST(ParseJsonObjectTest, AcceptsObject) {
  Result<json> r = parseJsonObject(R"({"model":"gpt","n":2,"list":[1,2,{"x":null}]})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ((*r)["model"], "gpt");
  EXPECT_EQ((*r)["n"], 2);
  EXPECT_EQ((*r)["list"][2]["x"], nullptr);
}

TEST(ParseJsonObjectTest, AcceptsEmptyObjectAndWhitespace) {
  Result<json> r = parseJsonObject(" \n\t{ } \r\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->is_object());
  EXPECT_TRUE(r->empty());
}

TEST(ParseJsonObjectTest, RejectsMalformedJson) {
  for (const char* bad :
       {"", " ", "{", "}", "{\"a\":}", "{\"a\" 1}", "{'a':1}", "{\"a\":1,}", "{\"a\":1} trailing",
        "{\"a\":tru}", "{\"a\":\"unterminated}", "{\"a\":01}", "{\"a\":NaN}", "{\"a\":\"\\x\"}"}) {
    Error e = expectInvalid(bad);
    EXPECT_THAT(e.message, HasSubstr("Invalid JSON body")) << bad;
  }
}

TEST(ParseJsonObjectTest, MalformedMessageDoesNotLeakLibraryPrefix) {
  Error e = expectInvalid("{\"a\":}");
  EXPECT_THAT(e.message, HasSubstr("parse error"));
  EXPECT_EQ(e.message.find("[json.exception"), std::string::npos);
}

TEST(ParseJsonObjectTest, RejectsInvalidUtf8InString) {
  expectInvalid(std::string("{\"a\":\"bad \xff byte\"}"));
  expectInvalid(std::string("{\"a\":\"overlong \xc0\xaf\"}"));
  expectInvalid(std::string("{\"a\":\"truncated \xe2\x82\"}"));
  expectInvalid(std::string("{\"a\":\"surrogate \xed\xa0\x80\"}"));
  expectInvalid(std::string("{\"bad\xfe key\":1}"));
}

TEST(ParseJsonObjectTest, AcceptsValidMultibyteUtf8AndEscapes) {
  Result<json> r = parseJsonObject(
      "{\"a\":\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80 \\u00e9 \\ud83d\\ude00\"}");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ((*r)["a"], "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80 \xc3\xa9 \xf0\x9f\x98\x80");
}

TEST(ParseJsonObjectTest, RejectsLoneSurrogateEscape) { expectInvalid(R"({"a":"\ud800"})"); }

TEST(ParseJsonObjectTest, NestingLimit) {
  ASSERT_EQ(kMaxJsonDepth, 64);
  EXPECT_TRUE(parseJsonObject(nestedObjects(60)).has_value());
  EXPECT_TRUE(parseJsonObject(nestedObjects(kMaxJsonDepth)).has_value());
  Error e = expectInvalid(nestedObjects(kMaxJsonDepth + 1));
  EXPECT_THAT(e.message, HasSubstr("nesting"));

  EXPECT_TRUE(parseJsonObject(nestedArraysInObject(60)).has_value());
  EXPECT_TRUE(parseJsonObject(nestedArraysInObject(kMaxJsonDepth)).has_value());
  expectInvalid(nestedArraysInObject(kMaxJsonDepth + 1));
}

TEST(ParseJsonObjectTest, VeryDeepNestingIsRejectedWithoutCrashing) {
  std::string deep(200000, '[');
  expectInvalid("{\"a\":" + deep);
  expectInvalid(deep + std::string(200000, ']'));
}

TEST(ParseJsonObjectTest, SiblingsDoNotAddDepth) {
  // Many containers side by side at a shallow depth are fine.
  std::string s = "{\"a\":[";
  for (int i = 0; i < 1000; ++i) s += (i ? ",[[{}]]" : "[[{}]]");
  s += "]}";
  EXPECT_TRUE(parseJsonObject(s).has_value());
}

TEST(ParseJsonObjectTest, BracketsInsideStringsDoNotCount) {
  std::string brackets(500, '[');
  std::string s = "{\"a\":\"" + brackets + "\",\"b\":\"\\\"" + std::string(500, '{') + "\"}";
  Result<json> r = parseJsonObject(s);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ((*r)["a"], brackets);
}

TEST(ParseJsonObjectTest, EscapedBackslashBeforeQuoteEndsString) {
  // "\\" is a complete string: the brackets after it are structure and must count.
  std::string s = "{\"a\":\"\\\\\",\"b\":" + std::string(kMaxJsonDepth, '[') +
                  std::string(kMaxJsonDepth, ']') + "}";
  expectInvalid(s);
}

TEST(ParseJsonObjectTest, RejectsNonObjectTopLevel) {
  for (const char* text : {"[]", "[{}]", "\"str\"", "42", "-1.5", "true", "false", "null"}) {
    Error e = expectInvalid(text);
    EXPECT_THAT(e.message, HasSubstr("object")) << text;
  }
}

TEST(ParseJsonObjectTest, HugeNumbersDoNotCrash) {
  for (std::string text :
       {std::string("{\"a\":1e999999}"), std::string("{\"a\":-1e999999}"),
        std::string("{\"a\":1e-999999}"), std::string("{\"a\":123456789012345678901234567890}"),
        std::string("{\"a\":-123456789012345678901234567890}"),
        std::string("{\"a\":18446744073709551616}"), std::string("{\"a\":18446744073709551615}"),
        std::string("{\"a\":-9223372036854775809}"), "{\"a\":" + std::string(100000, '9') + "}",
        "{\"a\":0." + std::string(100000, '1') + "e99999999999999999999}"}) {
    Result<json> r = parseJsonObject(text);
    if (r.has_value()) {
      EXPECT_TRUE((*r)["a"].is_number()) << text.substr(0, 60);
      std::string dumped;
      EXPECT_NO_THROW(dumped = dumpJson(*r));
    } else {
      EXPECT_EQ(r.error().kind, ErrorKind::kInvalidRequest);
    }
  }
  Result<json> big = parseJsonObject("{\"a\":18446744073709551615}");
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ((*big)["a"].get<std::uint64_t>(), 18446744073709551615ULL);
}

TEST(ParseJsonObjectTest, DuplicateKeysDoNotCrash) {
  Result<json> r = parseJsonObject(R"({"a":1,"a":2})");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE((*r)["a"].is_number());
}

TEST(ParseJsonObjectTest, EmbeddedNulByteIsHandled) {
  std::string raw_nul_in_string("{\"a\":\"x\0y\"}", 11);
  expectInvalid(raw_nul_in_string);  // control characters must be escaped
}

TEST(DumpJsonTest, ReplacesInvalidUtf8InsteadOfThrowing) {
  json j = {{"a", std::string("ok \xff bad")}};
  std::string out;
  ASSERT_NO_THROW(out = dumpJson(j));
  EXPECT_TRUE(json::accept(out));
  EXPECT_NE(out.find("\xef\xbf\xbd"), std::string::npos);  // U+FFFD
}

TEST(DumpJsonTest, Compact) { EXPECT_EQ(dumpJson(json{{"a", 1}}), R"({"a":1})"); }

}  // namespace
}  // namespace switchyard::api
