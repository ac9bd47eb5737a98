// Request tags (tag filtering): `tags` and `metadata.tags` of the body, read by parseRequest.
// (The x-litellm-tags header is read by the parse filter, not parseRequest.)

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "switchyard/pipeline/pipeline.hpp"

namespace switchyard::pipeline {
namespace {

using api::Endpoint;
using api::ErrorKind;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

json chatBody() {
  return {{"model", "gpt-4o"}, {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}};
}

struct Parsed {
  api::Exchange ex;
  api::Result<void> result;
};

Parsed parse(const json& body, Endpoint endpoint = Endpoint::kChatCompletions) {
  Parsed p{api::Exchange{}, {}};
  p.ex.endpoint = endpoint;
  std::string raw = body.dump();
  p.result = parseRequest(p.ex, std::string(raw));
  return p;
}

TEST(RequestTagsTest, BodyTagsAreReadAndRemovedFromTheBody) {
  json body = chatBody();
  body["tags"] = json::array({"a", "b"});
  Parsed p = parse(body);
  ASSERT_TRUE(p.result.has_value()) << p.result.error().message;
  EXPECT_THAT(p.ex.options.tags, ElementsAre("a", "b"));
  ASSERT_TRUE(p.ex.body);
  EXPECT_FALSE(p.ex.body.dom().contains("tags"));
  ASSERT_NE(p.ex.controls, nullptr);
  EXPECT_EQ((*p.ex.controls)["tags"], body["tags"]);
}

TEST(RequestTagsTest, MetadataTagsAreReadAndMetadataRemovedFromTheBody) {
  json body = chatBody();
  body["metadata"] = {{"tags", json::array({"x"})}, {"trace", "t-1"}};
  Parsed p = parse(body);
  ASSERT_TRUE(p.result.has_value()) << p.result.error().message;
  EXPECT_THAT(p.ex.options.tags, ElementsAre("x"));
  EXPECT_FALSE(p.ex.body.dom().contains("metadata"));
}

TEST(RequestTagsTest, BodyAndMetadataTagsTogether) {
  json body = chatBody();
  body["tags"] = json::array({"a"});
  body["metadata"] = {{"tags", json::array({"x"})}};
  Parsed p = parse(body);
  ASSERT_TRUE(p.result.has_value()) << p.result.error().message;
  EXPECT_THAT(p.ex.options.tags, ::testing::UnorderedElementsAre("a", "x"));
  EXPECT_FALSE(p.ex.body.dom().contains("tags"));
  EXPECT_FALSE(p.ex.body.dom().contains("metadata"));
}

TEST(RequestTagsTest, OtherEndpointsReadTagsToo) {
  Parsed p = parse({{"model", "e"}, {"input", "x"}, {"tags", json::array({"emb"})}},
                   Endpoint::kEmbeddings);
  ASSERT_TRUE(p.result.has_value()) << p.result.error().message;
  EXPECT_THAT(p.ex.options.tags, ElementsAre("emb"));
  EXPECT_FALSE(p.ex.body.dom().contains("tags"));
}

TEST(RequestTagsTest, NoTags) {
  Parsed p = parse(chatBody());
  ASSERT_TRUE(p.result.has_value());
  EXPECT_THAT(p.ex.options.tags, IsEmpty());
  json body = chatBody();
  body["tags"] = nullptr;
  Parsed null_tags = parse(body);
  ASSERT_TRUE(null_tags.result.has_value()) << null_tags.result.error().message;
  EXPECT_THAT(null_tags.ex.options.tags, IsEmpty());
}

TEST(RequestTagsTest, TagsNotAnArrayOfStringsIsA400) {
  for (json bad : {json("a"), json(1), json::object(), json::array({"a", 1}),
                   json::array({json::array({"a"})})}) {
    json body = chatBody();
    body["tags"] = bad;
    Parsed p = parse(body);
    ASSERT_FALSE(p.result.has_value()) << bad.dump();
    const api::Error& e = p.result.error();
    EXPECT_EQ(e.kind, ErrorKind::kInvalidRequest) << bad.dump();
    EXPECT_EQ(e.httpStatus(), 400u);
    EXPECT_EQ(e.param, "tags") << bad.dump();
    EXPECT_THAT(e.message, HasSubstr("'tags'")) << bad.dump();
  }
}

TEST(RequestTagsTest, MetadataTagsOfAnotherShapeCarryNoTagsAndNoError) {
  for (json bad : {json("x"), json(1), json::object({{"a", "b"}}), json::array({1, 2})}) {
    json body = chatBody();
    body["metadata"] = {{"tags", bad}};
    Parsed p = parse(body);
    ASSERT_TRUE(p.result.has_value()) << bad.dump() << ": " << p.result.error().message;
    EXPECT_THAT(p.ex.options.tags, IsEmpty()) << bad.dump();
    EXPECT_FALSE(p.ex.body.dom().contains("metadata"));
  }
  json body = chatBody();
  body["metadata"] = "free-form";
  Parsed p = parse(body);
  ASSERT_TRUE(p.result.has_value()) << p.result.error().message;
  EXPECT_THAT(p.ex.options.tags, IsEmpty());
}

}  // namespace
}  // namespace switchyard::pipeline
