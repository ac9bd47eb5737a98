#pragma once
// What a request costs (docs/keys.md): per-token prices from the built-in table
// (price_table.cpp: the popular models of every provider Switchyard speaks) or from the
// deployment's own litellm_params / model_info, times the usage the provider reported.

#include <cstdint>
#include <optional>
#include <string_view>

#include "switchyard/api/exchange.hpp"
#include "switchyard/config/config.hpp"

namespace switchyard::spend {

// US dollars per token. Unset optional prices fall back: cache_read and cache_write to `input`,
// reasoning to `output`.
struct Prices {
  double input = 0;
  double output = 0;
  std::optional<double> cache_read;   // cache_read_input_token_cost
  std::optional<double> cache_write;  // cache_creation_input_token_cost
  std::optional<double> reasoning;    // output_cost_per_reasoning_token
  std::optional<std::uint64_t> max_output_tokens;  // the model's output limit, when known
};

// The built-in price of `model_id` as served by `provider` ("openai", "azure", "anthropic",
// "gemini", "mistral", "groq", "deepseek", ...). Matching is exact first, then without a dated
// suffix ("gpt-4o-2024-08-06" -> "gpt-4o", "claude-3-5-sonnet-20241022" -> the family entry),
// then with the provider prefix stripped/added as LiteLLM's model map names it. nullopt: not in
// the table.
std::optional<Prices> builtinPrices(std::string_view provider, std::string_view model_id);

// The prices of deployment `d` serving `model_id` (the upstream model id; for a wildcard
// deployment the resolved one): each price the deployment sets (input_cost_per_token,
// output_cost_per_token, cache_read_input_token_cost, cache_creation_input_token_cost,
// output_cost_per_reasoning_token, in litellm_params or model_info) overrides the built-in one of
// model_info.base_model, else of `model_id`. nullopt when neither the deployment nor the table
// prices it (the mock provider is free: zero prices).
std::optional<Prices> pricesFor(const config::Deployment& d, std::string_view model_id);

// Cost of `u` at `p`: uncached prompt tokens at input, cache reads at cache_read, cache writes at
// cache_write, completion tokens at output (reasoning tokens, a part of them, at reasoning).
double costOf(const Prices& p, const api::Usage& u) noexcept;

// The most a request may cost before it runs (budget reservations): `prompt_tokens` at input
// plus `max_output_tokens` at the higher of output and reasoning.
double worstCaseCost(const Prices& p, std::uint64_t prompt_tokens,
                     std::uint64_t max_output_tokens) noexcept;

}  // namespace switchyard::spend
