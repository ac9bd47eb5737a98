#pragma once
// The built-in price table behind spend::builtinPrices (private to sy_spend and its tests).

#include <cstdint>
#include <span>
#include <string_view>

#include "switchyard/spend/cost.hpp"

namespace switchyard::spend {

// A price that the table leaves unset (Prices' optional fields).
inline constexpr double kUnsetPrice = -1;

// One model as one provider serves it: USD per token, as LiteLLM's model map gives them.
struct PriceRow {
  std::string_view provider;  // "openai", "azure", "anthropic", "gemini", "groq", ...
  std::string_view model;     // the upstream model id, as LiteLLM spells it
  double input = 0;
  double output = 0;
  double cache_read = kUnsetPrice;
  double cache_write = kUnsetPrice;
  double reasoning = kUnsetPrice;
  std::uint64_t max_output_tokens = 0;  // 0: not known
};

// Every row, sorted by provider, then by model compared ASCII case-insensitively.
std::span<const PriceRow> priceRows() noexcept;

// The row of exactly `model` (case-insensitively) served by `provider`; nullptr when the table
// has none. No suffix stripping or fallback: builtinPrices() layers those on top.
const PriceRow* findPriceRow(std::string_view provider, std::string_view model) noexcept;

// `model` without one trailing version tag: "-YYYY-MM-DD", "-latest", or "-" and 3, 4 or 8
// digits ("-001", "-0613", "-20241022"). `model` itself when it has none.
std::string_view withoutVersionSuffix(std::string_view model) noexcept;

// The row as Prices (unset fields become nullopt).
Prices toPrices(const PriceRow& row) noexcept;

}  // namespace switchyard::spend
