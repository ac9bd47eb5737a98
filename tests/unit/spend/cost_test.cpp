// A deployment's prices (table, base_model, overrides) and what a usage costs at them.

#include "switchyard/spend/cost.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace switchyard::spend {
namespace {

constexpr double kTol = 1e-12;

config::Deployment deployment(std::string provider, std::string model_id) {
  config::Deployment d;
  d.model_name = "m";
  d.model = provider + "/" + model_id;
  d.provider = std::move(provider);
  d.model_id = std::move(model_id);
  return d;
}

api::Usage usage(std::uint64_t prompt, std::uint64_t completion, std::uint64_t cached = 0,
                 std::uint64_t cache_creation = 0, std::uint64_t reasoning = 0) {
  api::Usage u;
  u.prompt_tokens = prompt;
  u.completion_tokens = completion;
  u.cached_tokens = cached;
  u.cache_creation_tokens = cache_creation;
  u.reasoning_tokens = reasoning;
  return u;
}

Prices prices(double input, double output) {
  Prices p;
  p.input = input;
  p.output = output;
  return p;
}

// --- pricesFor

TEST(PricesForTest, TablePricesOfTheModelId) {
  config::Deployment d = deployment("openai", "gpt-4o-2024-08-06");
  std::optional<Prices> p = pricesFor(d, d.model_id);
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(p->input, 2.5e-6);
  EXPECT_DOUBLE_EQ(p->output, 1e-5);
  EXPECT_DOUBLE_EQ(p->cache_read.value(), 1.25e-6);
  EXPECT_EQ(p->max_output_tokens, 16384u);
}

TEST(PricesForTest, WildcardResolvedModelIdIsWhatIsPriced) {
  config::Deployment d = deployment("anthropic", "*");
  std::optional<Prices> p = pricesFor(d, "claude-3-haiku-20240307");
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(p->input, 2.5e-7);
}

TEST(PricesForTest, OverridesWinFieldByField) {
  config::Deployment d = deployment("anthropic", "claude-3-7-sonnet-20250219");
  d.input_cost_per_token = 1e-6;
  d.cache_creation_input_token_cost = 2e-6;
  std::optional<Prices> p = pricesFor(d, d.model_id);
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(p->input, 1e-6);                // overridden
  EXPECT_DOUBLE_EQ(p->output, 1.5e-5);             // table
  EXPECT_DOUBLE_EQ(p->cache_read.value(), 3e-7);   // table
  EXPECT_DOUBLE_EQ(p->cache_write.value(), 2e-6);  // overridden
  EXPECT_FALSE(p->reasoning);                      // neither
  EXPECT_EQ(p->max_output_tokens, 64000u);

  d.output_cost_per_token = 3e-6;
  d.cache_read_input_token_cost = 0;
  d.output_cost_per_reasoning_token = 9e-6;
  p = pricesFor(d, d.model_id);
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(p->output, 3e-6);
  EXPECT_DOUBLE_EQ(p->cache_read.value(), 0);
  EXPECT_DOUBLE_EQ(p->reasoning.value(), 9e-6);
}

TEST(PricesForTest, ModelInfoMaxTokensIsTheOutputLimit) {
  config::Deployment d = deployment("openai", "gpt-4o");
  d.max_tokens = 1000;
  EXPECT_EQ(pricesFor(d, d.model_id)->max_output_tokens, 1000u);
}

TEST(PricesForTest, BaseModelBeforeModelId) {
  // An Azure deployment named by its owner: base_model says which model it is.
  config::Deployment d = deployment("azure", "my-prod-deployment");
  EXPECT_FALSE(pricesFor(d, d.model_id));
  d.base_model = "azure/gpt-4o-mini";
  std::optional<Prices> p = pricesFor(d, d.model_id);
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(p->input, 1.65e-7);

  d.base_model = "gpt-4.1";  // bare
  EXPECT_DOUBLE_EQ(pricesFor(d, d.model_id)->input, 2e-6);

  // base_model wins over a model id the table knows too.
  config::Deployment e = deployment("openai", "gpt-4o");
  e.base_model = "gpt-4o-mini";
  EXPECT_DOUBLE_EQ(pricesFor(e, e.model_id)->input, 1.5e-7);

  // A base_model the table does not know: the model id's price.
  e.base_model = "my-fine-tune";
  EXPECT_DOUBLE_EQ(pricesFor(e, e.model_id)->input, 2.5e-6);
}

TEST(PricesForTest, BaseModelNamesItsProvider) {
  // A self-hosted OpenAI-compatible server serving a model priced as OpenAI's.
  config::Deployment d = deployment("hosted_vllm", "served-model");
  EXPECT_FALSE(pricesFor(d, d.model_id));
  d.base_model = "openai/gpt-4o";
  std::optional<Prices> p = pricesFor(d, d.model_id);
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(p->input, 2.5e-6);
}

TEST(PricesForTest, UnknownModelWithoutOverridesIsNotPriced) {
  config::Deployment d = deployment("groq", "brand-new-model");
  EXPECT_FALSE(pricesFor(d, d.model_id));
  d.output_cost_per_token = 2e-6;  // one price set: the deployment prices it
  std::optional<Prices> p = pricesFor(d, d.model_id);
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(p->input, 0);
  EXPECT_DOUBLE_EQ(p->output, 2e-6);
  EXPECT_FALSE(p->max_output_tokens);
}

TEST(PricesForTest, MockIsFreeUnlessPriced) {
  config::Deployment d = deployment("mock", "echo");
  std::optional<Prices> p = pricesFor(d, d.model_id);
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(costOf(*p, usage(1000, 1000)), 0);
  d.input_cost_per_token = 1e-6;
  p = pricesFor(d, d.model_id);
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(p->input, 1e-6);
  EXPECT_DOUBLE_EQ(p->output, 0);
}

// --- costOf

TEST(CostOfTest, PromptAndCompletion) {
  Prices p = prices(2e-6, 8e-6);
  EXPECT_NEAR(costOf(p, usage(1000, 100)), 1000 * 2e-6 + 100 * 8e-6, kTol);  // 0.0028
  EXPECT_DOUBLE_EQ(costOf(p, usage(0, 0)), 0);
}

TEST(CostOfTest, CachedPromptTokensAtTheCacheReadPrice) {
  // gpt-4o: 600 uncached at 2.5e-6 + 400 cached at 1.25e-6 + 200 out at 1e-5.
  Prices p = prices(2.5e-6, 1e-5);
  p.cache_read = 1.25e-6;
  EXPECT_NEAR(costOf(p, usage(1000, 200, 400)), 0.0015 + 0.0005 + 0.002, kTol);
}

TEST(CostOfTest, AnthropicCacheReadsAndWrites) {
  // claude-3-7-sonnet: 10 uncached, 1000 read, 500 written; 42 out.
  Prices p = prices(3e-6, 1.5e-5);
  p.cache_read = 3e-7;
  p.cache_write = 3.75e-6;
  EXPECT_NEAR(costOf(p, usage(1510, 42, 1000, 500)), 3e-5 + 3e-4 + 1.875e-3 + 6.3e-4, kTol);
}

TEST(CostOfTest, ReasoningTokensAtTheReasoningPrice) {
  // 100 in at 1e-6; 20 answer tokens at 4e-6 and 30 reasoning tokens at 2e-6.
  Prices p = prices(1e-6, 4e-6);
  p.reasoning = 2e-6;
  EXPECT_NEAR(costOf(p, usage(100, 50, 0, 0, 30)), 1e-4 + 8e-5 + 6e-5, kTol);
}

TEST(CostOfTest, UnsetPricesFallBackToInputAndOutput) {
  Prices p = prices(2e-6, 3e-6);
  EXPECT_NEAR(costOf(p, usage(100, 10, 50, 20, 5)), 100 * 2e-6 + 10 * 3e-6, kTol);
}

TEST(CostOfTest, PartsLargerThanTheirWholeAreClamped) {
  Prices p = prices(1e-6, 1e-5);
  p.cache_read = 1e-7;
  p.cache_write = 2e-6;
  p.reasoning = 5e-6;
  // 500 cached of a 100-token prompt: all 100 are reads, none written.
  EXPECT_NEAR(costOf(p, usage(100, 0, 500, 50)), 100 * 1e-7, kTol);
  // Reads and writes together over the prompt: writes get what the reads left (30).
  EXPECT_NEAR(costOf(p, usage(100, 0, 70, 50)), 70 * 1e-7 + 30 * 2e-6, kTol);
  // 80 reasoning tokens of a 50-token completion: all 50 at the reasoning price.
  EXPECT_NEAR(costOf(p, usage(0, 50, 0, 0, 80)), 50 * 5e-6, kTol);
  // Never negative.
  EXPECT_GE(costOf(p, usage(0, 0, 9, 9, 9)), 0);
}

// --- worstCaseCost

TEST(WorstCaseCostTest, PromptAtInputAndMaxOutputAtTheHigherOutputPrice) {
  Prices p = prices(1e-6, 4e-6);
  EXPECT_NEAR(worstCaseCost(p, 1000, 500), 1e-3 + 2e-3, kTol);
  p.reasoning = 8e-6;  // dearer than output
  EXPECT_NEAR(worstCaseCost(p, 1000, 500), 1e-3 + 4e-3, kTol);
  p.reasoning = 1e-6;  // cheaper: output's price
  EXPECT_NEAR(worstCaseCost(p, 1000, 500), 1e-3 + 2e-3, kTol);
  EXPECT_DOUBLE_EQ(worstCaseCost(p, 0, 0), 0);
}

TEST(WorstCaseCostTest, OfATableModel) {
  std::optional<Prices> p = builtinPrices("anthropic", "claude-opus-4-1");
  ASSERT_TRUE(p);
  double worst = worstCaseCost(*p, 2000, 300);
  EXPECT_NEAR(worst, 2000 * 1.5e-5 + 300 * 7.5e-5, kTol);
  EXPECT_LE(costOf(*p, usage(2000, 300, 1000, 500, 100)), worst);
}

}  // namespace
}  // namespace switchyard::spend
