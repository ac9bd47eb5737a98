// LiteLLM's top-level `include`: files relative to the including config, their lists appended
// (model_list), their other keys replacing the including file's.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "switchyard/config/config.hpp"

namespace switchyard::config {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

class IncludeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sy-include-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "sub");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  std::filesystem::path dir_;
};

TEST_F(IncludeTest, ListsAppendAndOtherKeysReplace) {
  write("sub/models.yaml",
        "model_list:\n  - model_name: b\n    litellm_params: {model: openai/b}\n"
        "router_settings:\n  num_retries: 7\n");
  std::string main = write("config.yaml",
                           "include:\n  - sub/models.yaml\n"
                           "model_list:\n  - model_name: a\n    litellm_params: {model: openai/a}\n"
                           "router_settings:\n  num_retries: 1\n  timeout: 5\n");
  CheckResult r = checkConfigFile(main);
  ASSERT_THAT(r.errors, IsEmpty());
  const Config& c = r.loaded.config;
  ASSERT_EQ(c.model_list.size(), 2u);
  EXPECT_EQ(c.model_list[0].model_name, "a");
  EXPECT_EQ(c.model_list[1].model_name, "b");
  // router_settings replaced as a whole, as LiteLLM does: the included file's has no timeout.
  EXPECT_EQ(c.router_settings.num_retries, 7);
  EXPECT_FALSE(c.router_settings.timeout_s.has_value());
  EXPECT_THAT(r.loaded.ignored, IsEmpty());
}

TEST_F(IncludeTest, OneFileNameWorksToo) {
  write("more.yaml", "model_list:\n  - model_name: b\n    litellm_params: {model: openai/b}\n");
  std::string main = write("config.yaml", "include: more.yaml\n");
  CheckResult r = checkConfigFile(main);
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.loaded.config.model_list.size(), 1u);
}

TEST_F(IncludeTest, MissingOrBrokenFilesAreErrorsAndTheRestIsStillChecked) {
  write("broken.yaml", "model_list: [ {model_name: x\n");
  std::string main = write("config.yaml",
                           "include: [nope.yaml, broken.yaml]\n"
                           "router_settings: {num_retries: many}\n");
  CheckResult r = checkConfigFile(main);
  ASSERT_EQ(r.errors.size(), 3u) << ::testing::PrintToString(r.errors);
  EXPECT_THAT(r.errors[0], HasSubstr("include: included file not found: "));
  EXPECT_THAT(r.errors[0], HasSubstr("nope.yaml"));
  EXPECT_THAT(r.errors[1], HasSubstr("broken.yaml: YAML syntax error"));
  EXPECT_THAT(r.errors[2], HasSubstr("router_settings.num_retries: expected an integer"));
}

}  // namespace
}  // namespace switchyard::config
