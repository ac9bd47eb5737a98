// The deployment price keys beyond input/output_cost_per_token: cache reads, cache writes and
// reasoning tokens, in litellm_params or model_info (litellm_params wins).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "switchyard/config/config.hpp"
#include "unit/config/load_helpers.hpp"

namespace switchyard::config {
namespace {

using testing::deployment;
using testing::ignoredOf;
using testing::loadError;
using testing::loadOk;

using ::testing::IsEmpty;

TEST(ConfigPriceKeysTest, ReadsCacheAndReasoningPricesFromLitellmParams) {
  LoadResult r =
      loadOk(deployment("      cache_read_input_token_cost: 1.25e-6\n"
                        "      cache_creation_input_token_cost: \"0.00000375\"\n"
                        "      output_cost_per_reasoning_token: 0\n"));
  const Deployment& d = r.config.model_list.at(0);
  EXPECT_DOUBLE_EQ(d.cache_read_input_token_cost.value(), 1.25e-6);
  EXPECT_DOUBLE_EQ(d.cache_creation_input_token_cost.value(), 3.75e-6);
  EXPECT_DOUBLE_EQ(d.output_cost_per_reasoning_token.value(), 0);
  EXPECT_THAT(ignoredOf(r), IsEmpty());
  EXPECT_THAT(r.warnings, IsEmpty());
}

TEST(ConfigPriceKeysTest, ReadsThemFromModelInfoToo) {
  LoadResult r =
      loadOk(deployment("    model_info:\n"
                        "      cache_read_input_token_cost: 3e-7\n"
                        "      cache_creation_input_token_cost: 3.75e-6\n"
                        "      output_cost_per_reasoning_token: 2e-5\n"));
  const Deployment& d = r.config.model_list.at(0);
  EXPECT_DOUBLE_EQ(d.cache_read_input_token_cost.value(), 3e-7);
  EXPECT_DOUBLE_EQ(d.cache_creation_input_token_cost.value(), 3.75e-6);
  EXPECT_DOUBLE_EQ(d.output_cost_per_reasoning_token.value(), 2e-5);
  EXPECT_THAT(ignoredOf(r), IsEmpty());
}

TEST(ConfigPriceKeysTest, LitellmParamsWinOverModelInfoKeyByKey) {
  LoadResult r =
      loadOk(deployment("      cache_read_input_token_cost: 1e-7\n"
                        "      output_cost_per_reasoning_token: 4e-6\n"
                        "    model_info:\n"
                        "      cache_read_input_token_cost: 9e-7\n"
                        "      cache_creation_input_token_cost: 8e-7\n"
                        "      output_cost_per_reasoning_token: 7e-6\n"));
  const Deployment& d = r.config.model_list.at(0);
  EXPECT_DOUBLE_EQ(d.cache_read_input_token_cost.value(), 1e-7);
  EXPECT_DOUBLE_EQ(d.cache_creation_input_token_cost.value(), 8e-7);  // only model_info has it
  EXPECT_DOUBLE_EQ(d.output_cost_per_reasoning_token.value(), 4e-6);
}

TEST(ConfigPriceKeysTest, UnsetWhenAbsent) {
  LoadResult r = loadOk(deployment(""));
  const Deployment& d = r.config.model_list.at(0);
  EXPECT_FALSE(d.cache_read_input_token_cost);
  EXPECT_FALSE(d.cache_creation_input_token_cost);
  EXPECT_FALSE(d.output_cost_per_reasoning_token);
}

TEST(ConfigPriceKeysTest, RejectsNegativeAndNonNumericPrices) {
  EXPECT_EQ(loadError(deployment("      cache_read_input_token_cost: -1e-7\n")),
            "model_list[0].litellm_params.cache_read_input_token_cost: must be >= 0 (line 5)");
  EXPECT_EQ(loadError(deployment("    model_info:\n      cache_creation_input_token_cost: -1\n")),
            "model_list[0].model_info.cache_creation_input_token_cost: must be >= 0 (line 6)");
  EXPECT_THAT(loadError(deployment("      output_cost_per_reasoning_token: cheap\n")),
              ::testing::HasSubstr("model_list[0].litellm_params.output_cost_per_reasoning_token"));
}

}  // namespace
}  // namespace switchyard::config
