// The built-in price table: lookup rules and a few prices checked against LiteLLM's model map.

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "spend/price_table.hpp"
#include "switchyard/spend/cost.hpp"

namespace switchyard::spend {
namespace {

Prices priced(std::string_view provider, std::string_view model) {
  std::optional<Prices> p = builtinPrices(provider, model);
  EXPECT_TRUE(p.has_value()) << provider << " " << model;
  return p.value_or(Prices{});
}

TEST(PriceTableTest, CoversEveryPricedProvider) {
  std::map<std::string, int> rows;
  for (const PriceRow& r : priceRows()) ++rows[std::string(r.provider)];
  for (const char* p : {"openai", "azure", "anthropic", "gemini", "groq", "mistral", "deepseek",
                        "together_ai", "fireworks_ai", "openrouter", "xai", "perplexity"}) {
    EXPECT_GE(rows[p], 4) << p;
  }
}

TEST(PriceTableTest, GptFourOMatchesLitellm) {
  Prices p = priced("openai", "gpt-4o");
  EXPECT_DOUBLE_EQ(p.input, 2.5e-6);
  EXPECT_DOUBLE_EQ(p.output, 1e-5);
  EXPECT_DOUBLE_EQ(p.cache_read.value(), 1.25e-6);
  EXPECT_FALSE(p.cache_write);
  EXPECT_FALSE(p.reasoning);
  EXPECT_EQ(p.max_output_tokens, 16384u);
}

TEST(PriceTableTest, OtherPricesMatchLitellm) {
  Prices sonnet = priced("anthropic", "claude-3-7-sonnet-20250219");
  EXPECT_DOUBLE_EQ(sonnet.input, 3e-6);
  EXPECT_DOUBLE_EQ(sonnet.output, 1.5e-5);
  EXPECT_DOUBLE_EQ(sonnet.cache_read.value(), 3e-7);
  EXPECT_DOUBLE_EQ(sonnet.cache_write.value(), 3.75e-6);
  EXPECT_EQ(sonnet.max_output_tokens, 64000u);

  Prices opus = priced("anthropic", "claude-opus-4-1-20250805");
  EXPECT_DOUBLE_EQ(opus.input, 1.5e-5);
  EXPECT_DOUBLE_EQ(opus.output, 7.5e-5);
  EXPECT_DOUBLE_EQ(opus.cache_write.value(), 1.875e-5);
  EXPECT_EQ(opus.max_output_tokens, 32000u);

  Prices flash = priced("gemini", "gemini-2.5-flash");
  EXPECT_DOUBLE_EQ(flash.input, 3e-7);
  EXPECT_DOUBLE_EQ(flash.output, 2.5e-6);
  EXPECT_DOUBLE_EQ(flash.reasoning.value(), 2.5e-6);
  EXPECT_EQ(flash.max_output_tokens, 65535u);

  Prices mini = priced("openai", "gpt-4o-mini");
  EXPECT_DOUBLE_EQ(mini.input, 1.5e-7);
  EXPECT_DOUBLE_EQ(mini.output, 6e-7);
  EXPECT_DOUBLE_EQ(mini.cache_read.value(), 7.5e-8);

  Prices small = priced("openai", "text-embedding-3-small");
  EXPECT_DOUBLE_EQ(small.input, 2e-8);
  EXPECT_DOUBLE_EQ(small.output, 0);
  EXPECT_FALSE(small.max_output_tokens);  // LiteLLM gives max_tokens only

  Prices research = priced("perplexity", "sonar-deep-research");
  EXPECT_DOUBLE_EQ(research.output, 8e-6);
  EXPECT_DOUBLE_EQ(research.reasoning.value(), 3e-6);

  Prices llama = priced("groq", "llama-3.3-70b-versatile");
  EXPECT_DOUBLE_EQ(llama.input, 5.9e-7);
  EXPECT_DOUBLE_EQ(llama.output, 7.9e-7);

  Prices embed = priced("gemini", "text-embedding-004");
  EXPECT_DOUBLE_EQ(embed.input, 0);
  EXPECT_DOUBLE_EQ(embed.output, 0);
}

TEST(PriceTableTest, DatedSuffixFallsBackToTheFamily) {
  EXPECT_DOUBLE_EQ(priced("openai", "gpt-4o-2024-08-06").input, 2.5e-6);
  EXPECT_DOUBLE_EQ(priced("openai", "gpt-4.1-mini-2025-04-14").input, 4e-7);
  EXPECT_DOUBLE_EQ(priced("openai", "gpt-4-0613").input, 3e-5);
  EXPECT_DOUBLE_EQ(priced("anthropic", "claude-3-5-sonnet-20241022").cache_write.value(), 3.75e-6);
  EXPECT_DOUBLE_EQ(priced("anthropic", "claude-3-5-sonnet-latest").input, 3e-6);
  EXPECT_DOUBLE_EQ(priced("anthropic", "claude-3-5-haiku-20241022").input, 8e-7);
  EXPECT_DOUBLE_EQ(priced("anthropic", "claude-sonnet-4-20250514").output, 1.5e-5);
  EXPECT_DOUBLE_EQ(priced("anthropic", "claude-3-haiku-20240307").input, 2.5e-7);
  EXPECT_DOUBLE_EQ(priced("gemini", "gemini-1.5-flash-001").input, 7.5e-8);
  EXPECT_DOUBLE_EQ(priced("gemini", "gemini-1.5-pro-latest").output, 1.05e-5);
  EXPECT_DOUBLE_EQ(priced("xai", "grok-4-0709").input, 3e-6);
}

TEST(PriceTableTest, ExactDatedRowWinsOverItsFamily) {
  EXPECT_DOUBLE_EQ(priced("openai", "gpt-4o-2024-05-13").input, 5e-6);
  EXPECT_EQ(priced("openai", "gpt-4o-2024-05-13").max_output_tokens, 4096u);
  EXPECT_DOUBLE_EQ(priced("openai", "o1-mini-2024-09-12").input, 3e-6);
  EXPECT_DOUBLE_EQ(priced("openai", "o1-mini").input, 1.1e-6);
  EXPECT_DOUBLE_EQ(priced("mistral", "mistral-large-2411").input, 2e-6);
  EXPECT_DOUBLE_EQ(priced("mistral", "mistral-large-latest").input, 5e-7);
}

TEST(PriceTableTest, AzureRowsAndAliases) {
  // Azure's own price differs from OpenAI's for gpt-4o-mini.
  EXPECT_DOUBLE_EQ(priced("azure", "gpt-4o-mini").input, 1.65e-7);
  EXPECT_DOUBLE_EQ(priced("azure", "gpt-4o-mini-2024-07-18").input, 1.65e-7);
  EXPECT_DOUBLE_EQ(priced("azure", "gpt-4o-2024-11-20").input, 2.75e-6);
  // Azure spells gpt-3.5 "gpt-35".
  EXPECT_DOUBLE_EQ(priced("azure", "gpt-35-turbo").input, 5e-7);
  EXPECT_DOUBLE_EQ(priced("azure", "gpt-35-turbo-0125").input, 5e-7);
  Prices instruct = priced("azure", "gpt-35-turbo-instruct");  // OpenAI's gpt-3.5-turbo-instruct
  EXPECT_DOUBLE_EQ(instruct.input, 1.5e-6);
  EXPECT_DOUBLE_EQ(instruct.output, 2e-6);
}

TEST(PriceTableTest, AzureFallsBackToOpenAi) {
  EXPECT_FALSE(findPriceRow("azure", "o3-pro"));
  EXPECT_DOUBLE_EQ(priced("azure", "o3-pro").input, 2e-5);
  EXPECT_DOUBLE_EQ(priced("azure", "gpt-3.5-turbo").input, 5e-7);
  Prices newest = priced("azure", "gpt-5.6");
  EXPECT_DOUBLE_EQ(newest.cache_write.value(), 6.25e-6);
  // azure_ai prices as Azure.
  EXPECT_DOUBLE_EQ(priced("azure_ai", "gpt-4o-mini").input, 1.65e-7);
  // text-completion-openai prices as OpenAI.
  EXPECT_DOUBLE_EQ(priced("text-completion-openai", "gpt-3.5-turbo-instruct").input, 1.5e-6);
}

TEST(PriceTableTest, ProviderPrefixedModelIds) {
  EXPECT_DOUBLE_EQ(priced("openai", "openai/gpt-4o").input, 2.5e-6);
  EXPECT_DOUBLE_EQ(priced("azure", "azure/gpt-4o-mini-2024-07-18").input, 1.65e-7);
  EXPECT_DOUBLE_EQ(priced("azure", "openai/gpt-4o-mini").input, 1.65e-7);
  EXPECT_DOUBLE_EQ(priced("anthropic", "anthropic/claude-opus-4-20250514").input, 1.5e-5);
  // Ids that carry a prefix of their own match exactly first.
  Prices routed = priced("openrouter", "openai/gpt-4o");
  EXPECT_EQ(routed.max_output_tokens, 4096u);  // openrouter's row, not openai's
  EXPECT_FALSE(routed.cache_read);
  EXPECT_DOUBLE_EQ(priced("openrouter", "anthropic/claude-sonnet-4").cache_write.value(), 3.75e-6);
  EXPECT_DOUBLE_EQ(priced("groq", "openai/gpt-oss-120b").cache_read.value(), 7.5e-8);
}

TEST(PriceTableTest, ModelIdsMatchCaseInsensitively) {
  EXPECT_DOUBLE_EQ(priced("together_ai", "meta-llama/Llama-3.3-70B-Instruct-Turbo").input, 8.8e-7);
  EXPECT_DOUBLE_EQ(priced("together_ai", "meta-llama/llama-3.3-70b-instruct-turbo").input, 8.8e-7);
  EXPECT_DOUBLE_EQ(priced("openai", "GPT-4o").input, 2.5e-6);
}

TEST(PriceTableTest, UnknownModelsAreNotPriced) {
  EXPECT_FALSE(builtinPrices("openai", "gpt-99"));
  EXPECT_FALSE(builtinPrices("openai", ""));
  EXPECT_FALSE(builtinPrices("groq", "some-new-model"));
  EXPECT_FALSE(builtinPrices("openrouter", "openai/gpt-99"));
  EXPECT_FALSE(builtinPrices("openrouter", "gpt-4o"));  // not openrouter's id
  EXPECT_FALSE(builtinPrices("together_ai", "unknown/model"));
  EXPECT_FALSE(builtinPrices("hosted_vllm", "meta-llama/Llama-3.1-8B-Instruct"));
  EXPECT_FALSE(builtinPrices("ollama", "llama3"));
  EXPECT_FALSE(builtinPrices("anthropic", "gpt-4o"));  // no cross-provider guess
  EXPECT_FALSE(builtinPrices("no-such-provider", "gpt-4o"));
  EXPECT_FALSE(builtinPrices("openai", "gpt-4o-turbo-preview"));
}

TEST(PriceTableTest, MockIsFree) {
  Prices p = priced("mock", "anything");
  EXPECT_DOUBLE_EQ(p.input, 0);
  EXPECT_DOUBLE_EQ(p.output, 0);
  EXPECT_FALSE(p.cache_read);
  EXPECT_FALSE(p.max_output_tokens);
}

TEST(PriceTableTest, VersionSuffixes) {
  EXPECT_EQ(withoutVersionSuffix("gpt-4o-2024-08-06"), "gpt-4o");
  EXPECT_EQ(withoutVersionSuffix("claude-3-5-sonnet-20241022"), "claude-3-5-sonnet");
  EXPECT_EQ(withoutVersionSuffix("claude-3-5-sonnet-latest"), "claude-3-5-sonnet");
  EXPECT_EQ(withoutVersionSuffix("gemini-1.5-pro-002"), "gemini-1.5-pro");
  EXPECT_EQ(withoutVersionSuffix("gpt-3.5-turbo-0125"), "gpt-3.5-turbo");
  EXPECT_EQ(withoutVersionSuffix("gpt-4"), "gpt-4");
  EXPECT_EQ(withoutVersionSuffix("claude-opus-4-1"), "claude-opus-4-1");
  EXPECT_EQ(withoutVersionSuffix("o3-mini"), "o3-mini");
  EXPECT_EQ(withoutVersionSuffix("llama3-70b-8192"), "llama3-70b");
  EXPECT_EQ(withoutVersionSuffix("-latest"), "-latest");
  EXPECT_EQ(withoutVersionSuffix(""), "");
}

TEST(PriceTableTest, RowsConvertUnsetPricesToNullopt) {
  const PriceRow* row = findPriceRow("anthropic", "claude-3-haiku");
  ASSERT_NE(row, nullptr);
  Prices p = toPrices(*row);
  EXPECT_DOUBLE_EQ(p.cache_read.value(), 3e-8);
  EXPECT_DOUBLE_EQ(p.cache_write.value(), 3e-7);
  EXPECT_FALSE(p.reasoning);
  EXPECT_EQ(p.max_output_tokens, 4096u);
  // deepseek-chat: LiteLLM prices cache writes at 0 (set, not unset).
  EXPECT_DOUBLE_EQ(priced("deepseek", "deepseek-chat").cache_write.value(), 0);
}

}  // namespace
}  // namespace switchyard::spend
