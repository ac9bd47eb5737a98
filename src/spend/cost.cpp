// Request costs (docs/keys.md): a deployment's prices and what a usage costs at them.

#include <algorithm>

#include "switchyard/spend/cost.hpp"

namespace switchyard::spend {
namespace {

// The built-in prices of `model` served by `provider`. A model named with a provider prefix
// ("azure/gpt-4o", as LiteLLM keys its map and as base_model is written) is also looked up under
// that provider when `cross_provider` is set or `provider` is unknown.
std::optional<Prices> tablePrices(std::string_view provider, std::string_view model,
                                  bool cross_provider) {
  if (!provider.empty()) {
    if (std::optional<Prices> p = builtinPrices(provider, model)) return p;
    if (!cross_provider) return std::nullopt;
  }
  std::size_t slash = model.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  return builtinPrices(model.substr(0, slash), model.substr(slash + 1));
}

}  // namespace

std::optional<Prices> pricesFor(const config::Deployment& d, std::string_view model_id) {
  std::optional<Prices> table;
  if (!d.base_model.empty()) table = tablePrices(d.provider, d.base_model, true);
  if (!table) table = tablePrices(d.provider, model_id, false);
  bool overridden = d.input_cost_per_token || d.output_cost_per_token ||
                    d.cache_read_input_token_cost || d.cache_creation_input_token_cost ||
                    d.output_cost_per_reasoning_token;
  if (!table && !overridden) return std::nullopt;
  Prices p = table.value_or(Prices{});
  if (d.input_cost_per_token) p.input = *d.input_cost_per_token;
  if (d.output_cost_per_token) p.output = *d.output_cost_per_token;
  if (d.cache_read_input_token_cost) p.cache_read = d.cache_read_input_token_cost;
  if (d.cache_creation_input_token_cost) p.cache_write = d.cache_creation_input_token_cost;
  if (d.output_cost_per_reasoning_token) p.reasoning = d.output_cost_per_reasoning_token;
  if (d.max_tokens) p.max_output_tokens = d.max_tokens;  // model_info's output limit
  return p;
}

double costOf(const Prices& p, const api::Usage& u) noexcept {
  // Reads and writes are parts of the prompt, reasoning a part of the completion: a provider that
  // reports more of a part than of the whole is clamped to the whole.
  std::uint64_t reads = std::min(u.cached_tokens, u.prompt_tokens);
  std::uint64_t writes = std::min(u.cache_creation_tokens, u.prompt_tokens - reads);
  std::uint64_t uncached = u.prompt_tokens - reads - writes;
  std::uint64_t reasoning = std::min(u.reasoning_tokens, u.completion_tokens);
  std::uint64_t answer = u.completion_tokens - reasoning;
  return static_cast<double>(uncached) * p.input +
         static_cast<double>(reads) * p.cache_read.value_or(p.input) +
         static_cast<double>(writes) * p.cache_write.value_or(p.input) +
         static_cast<double>(answer) * p.output +
         static_cast<double>(reasoning) * p.reasoning.value_or(p.output);
}

double worstCaseCost(const Prices& p, std::uint64_t prompt_tokens,
                     std::uint64_t max_output_tokens) noexcept {
  double per_output = std::max(p.output, p.reasoning.value_or(p.output));
  return static_cast<double>(prompt_tokens) * p.input +
         static_cast<double>(max_output_tokens) * per_output;
}

}  // namespace switchyard::spend
