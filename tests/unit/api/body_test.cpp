// api::Body and api::JsonView against nlohmann's DOM: the same members read, the same object
// after any sequence of edits, the same verdict and message on invalid text (api/body.hpp).

#include "switchyard/api/body.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "switchyard/api/json_guard.hpp"
#include "unit/api/random_json.hpp"

namespace switchyard::api {
namespace {

using nlohmann::json;

Body parsed(std::string text) {
  Result<Body> b = Body::parse(std::move(text));
  EXPECT_TRUE(b.has_value());
  return b ? std::move(*b) : Body();
}

TEST(BodyTest, ReadsTopLevelMembersWhereTheyLie) {
  Body b = parsed(R"( {"model" : "gpt-4o", "stream":true, "n": 3, "x": null,
                      "messages": [ {"role":"user", "content":"hi"} ], "o": {"a": [1, 2]}} )");
  EXPECT_EQ(b.find("model")->string(), "gpt-4o");
  EXPECT_EQ(b.find("stream")->boolean(), true);
  EXPECT_EQ(b.find("n")->unsignedInteger(), 3u);
  EXPECT_TRUE(b.find("x")->isNull());
  EXPECT_EQ(b.find("messages")->kind(), JsonKind::kArray);
  EXPECT_EQ(b.find("o")->find("a")->text(), "[1, 2]");
  EXPECT_FALSE(b.find("a").has_value()) << "only top-level members";
  EXPECT_FALSE(b.contains("role"));
  EXPECT_EQ(b.text().front(), '{');
  EXPECT_EQ(b.text().back(), '}') << "surrounding whitespace dropped";
  // Nothing changed: the client's bytes, spacing included.
  EXPECT_NE(b.text().find(R"("model" : "gpt-4o")"), std::string::npos);
}

TEST(BodyTest, TheLastOfDuplicateKeysCountsAndEscapedKeysMatch) {
  Body b = parsed(R"({"model":"a","\u006dodel":"b","stream":false})");
  EXPECT_EQ(b.find("model")->string(), "b");
  b.setString("model", "c");
  EXPECT_EQ(json::parse(b.text())["model"], "c");
  EXPECT_TRUE(b.erase("model"));
  EXPECT_FALSE(b.contains("model")) << "every member of the name removed";
  EXPECT_EQ(json::parse(b.text()), json::parse(R"({"stream":false})"));
  EXPECT_FALSE(b.erase("model"));
}

TEST(BodyTest, EditsSpliceTheTextAndLeaveTheRestAsSent) {
  Body b = parsed(R"({"model": "alias",  "temperature": 0.50, "messages": []})");
  b.setString("model", "provider/model-id");
  b.erase("temperature");
  b.setRaw("stream_options", R"({"include_usage":true})");
  EXPECT_EQ(b.text(), R"({"model": "provider/model-id", "messages": [],"stream_options":{"include_usage":true}})");
  b.erase("model");
  b.erase("messages");
  b.erase("stream_options");
  EXPECT_EQ(b.text(), "{}");
  b.set("k", json{{"a", "\""}});
  EXPECT_EQ(b.text(), R"({"k":{"a":"\""}})");
}

TEST(BodyTest, TextWithLeavesTheBodyAsItIs) {
  Body b = parsed(R"({"stream":true,"stream_options":null})");
  EXPECT_EQ(b.textWith("stream_options", R"({"include_usage":true})"),
            R"({"stream":true,"stream_options":{"include_usage":true}})");
  EXPECT_EQ(b.text(), R"({"stream":true,"stream_options":null})");
}

TEST(BodyTest, DomFollowsTheEdits) {
  Body b = parsed(R"({"model":"a","n":1})");
  EXPECT_EQ(b.dom()["model"], "a");
  b.setString("model", "b");
  EXPECT_EQ(b.dom()["model"], "b");
  Body made = Body::fromJson(json{{"model", "m"}, {"messages", json::array()}});
  EXPECT_EQ(made.find("model")->string(), "m");
  EXPECT_EQ(made.dom()["model"], "m");
  EXPECT_FALSE(Body());
  EXPECT_TRUE(made);
}

TEST(BodyTest, InvalidTextGetsParseJsonObjectsError) {
  const std::vector<std::string> texts = {
      "", "[1,2]", "\"s\"", "{\"a\":}", "{\"a\":1} x", "{\"a\":\"\xff\"}",
      std::string(70, '[') + std::string(70, ']'),
      "{\"a\":" + std::string(70, '[') + std::string(70, ']') + "}"};
  for (const std::string& text : texts) {
    Result<Body> ours = Body::parse(text);
    Result<json> theirs = parseJsonObject(text);
    ASSERT_FALSE(ours.has_value()) << text;
    ASSERT_FALSE(theirs.has_value()) << text;
    EXPECT_EQ(ours.error().message, theirs.error().message) << text;
  }
}

// Random objects, written compactly or spaced, then random edits: the text always parses to the
// object the same edits give nlohmann's DOM, and every read agrees with it.
TEST(BodyTest, RandomEditsAgreeWithTheDom) {
  std::mt19937 rng(4242);
  const std::vector<std::string> keys = {"k0", "k1", "k2", "model", "stream_options", "é",
                                         "a\"b", "k5"};
  for (int round = 0; round < 2000; ++round) {
    json model = json::object();
    const int n = static_cast<int>(rng() % 6);
    for (int i = 0; i < n; ++i) model[keys[rng() % keys.size()]] = testing::randomValue(rng, 1);
    const int indent = static_cast<int>(rng() % 3) - 1;  // -1: compact; 0, 1: newlines, spaces
    Body body = parsed(model.dump(indent));
    for (int step = 0; step < 6; ++step) {
      const std::string& key = keys[rng() % keys.size()];
      if (rng() % 3 == 0) {
        EXPECT_EQ(body.erase(key), model.erase(key) > 0);
      } else {
        json v = testing::randomValue(rng, 1);
        body.setRaw(key, v.dump(static_cast<int>(rng() % 2) - 1));
        model[key] = v;
      }
      ASSERT_EQ(json::parse(body.text()), model) << body.text();
      for (const std::string& k : keys) {
        std::optional<JsonView> v = body.find(k);
        ASSERT_EQ(v.has_value(), model.contains(k)) << k << " in " << body.text();
        if (v) {
          ASSERT_EQ(v->parse(), model[k]) << k << " in " << body.text();
        }
      }
      ASSERT_EQ(body.dom(), model);
    }
  }
}

// JsonView's reads of strings and sizes against the DOM's.
TEST(JsonViewTest, StringsAndSizesAgreeWithTheDom) {
  std::mt19937 rng(99);
  for (int i = 0; i < 3000; ++i) {
    const json v = testing::randomValue(rng, 0);
    const std::string text = v.dump();
    const JsonView view(text);
    if (v.is_string()) {
      ASSERT_EQ(view.string(), v.get<std::string>()) << text;
      ASSERT_EQ(view.stringLength(), v.get<std::string>().size()) << text;
    }
    ASSERT_EQ(view.compactSize(), text.size()) << text;
    ASSERT_EQ(view.parse(), v);
    // dump() writes non-ASCII as it is; the \u escapes a client may send decode to the same length.
    if (v.is_string()) {
      std::string escaped = v.dump(-1, ' ', true);
      ASSERT_EQ(JsonView(escaped).stringLength(), v.get<std::string>().size()) << escaped;
      ASSERT_EQ(JsonView(escaped).string(), v.get<std::string>()) << escaped;
    }
    if (v.is_array()) {
      std::size_t count = 0;
      view.forEachElement([&](JsonView e) {
        EXPECT_EQ(e.parse(), v[count]);
        ++count;
        return true;
      });
      ASSERT_EQ(count, v.size());
      ASSERT_EQ(view.emptyContainer(), v.empty());
    }
  }
  EXPECT_EQ(JsonView(R"( [ 1 , {"a" : "b"} ] )").compactSize(), 13u);
  EXPECT_EQ(JsonView("18446744073709551616").unsignedInteger(), std::nullopt);
  EXPECT_EQ(JsonView("-1").unsignedInteger(), std::nullopt);
  EXPECT_EQ(JsonView("1.0").unsignedInteger(), std::nullopt);
  EXPECT_EQ(JsonView(R"("a\"b")").plainString(), std::nullopt);
  EXPECT_EQ(JsonView(R"("ab")").plainString(), "ab");
}

}  // namespace
}  // namespace switchyard::api
