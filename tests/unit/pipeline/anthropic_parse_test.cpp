// parseRequest with the Anthropic ingress (POST /v1/messages): the body is validated and
// translated to an OpenAI chat request, the original kept, controls taken out as usual.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "switchyard/pipeline/pipeline.hpp"

namespace switchyard::pipeline {
namespace {

using nlohmann::json;

TEST(AnthropicParseTest, TranslatesAndKeepsTheOriginal) {
  api::Exchange ex;
  ex.ingress = api::WireFormat::kAnthropic;
  json body = {{"model", "claude"},
               {"max_tokens", 10},
               {"system", "be brief"},
               {"stream", true},
               {"mock_response", "hi"},
               {"messages", json::array({{{"role", "user"}, {"content", "hello"}}})}};
  std::string raw = body.dump();
  auto r = parseRequest(ex, raw);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(ex.endpoint, api::Endpoint::kChatCompletions);
  EXPECT_EQ(ex.model, "claude");
  EXPECT_TRUE(ex.stream);
  ASSERT_TRUE(ex.anthropic_body);
  EXPECT_EQ(*ex.anthropic_body, body);
  ASSERT_TRUE(ex.body);
  EXPECT_EQ((*ex.body)["messages"][0], json({{"role", "system"}, {"content", "be brief"}}));
  EXPECT_EQ((*ex.body)["stream_options"], json({{"include_usage", true}}));
  EXPECT_FALSE(ex.body->contains("mock_response"));
  ASSERT_TRUE(ex.controls);
  EXPECT_EQ((*ex.controls)["mock_response"], "hi");
}

TEST(AnthropicParseTest, AnthropicValidationErrors) {
  api::Exchange ex;
  ex.ingress = api::WireFormat::kAnthropic;
  std::string raw = R"({"model":"claude","messages":[{"role":"user","content":"x"}]})";
  auto r = parseRequest(ex, raw);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, api::ErrorKind::kInvalidRequest);
  EXPECT_EQ(r.error().param, "max_tokens");
  EXPECT_FALSE(ex.body);
}

}  // namespace
}  // namespace switchyard::pipeline
