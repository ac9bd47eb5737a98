#pragma once
// How the records' structured fields are kept as text in every engine's tables (private to the
// store): lists and maps as JSON, model_max_budget and model_spend in LiteLLM's JSON shapes.
// Engine-independent, so the SQLite and PostgreSQL stores read and write the same text.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "switchyard/api/error.hpp"
#include "switchyard/store/records.hpp"

namespace switchyard::store::codec {

std::string encodeList(const std::vector<std::string>& v);
std::string encodeMap(const ByModel<std::string>& m);
std::string encodeCounts(const ByModel<std::int64_t>& m);
// model_max_budget: {"model": {"budget_limit": 1.5, "time_period": "1d"}}
std::string encodeBudgets(const ByModel<ModelBudget>& m);
// model_spend: {"model": {"spend": 1.5, "reset_at": ms | null}}
std::string encodeModelSpend(const ByModel<ModelSpend>& m);

// The decoders fail (nullopt) on text that is not the JSON shape they read. decodeModelSpend
// also reads LiteLLM's {"model": 1.5}.
std::optional<std::vector<std::string>> decodeList(const std::string& text);
std::optional<ByModel<std::string>> decodeMap(const std::string& text);
std::optional<ByModel<std::int64_t>> decodeCounts(const std::string& text);
std::optional<ByModel<ModelBudget>> decodeBudgets(const std::string& text);
std::optional<ByModel<ModelSpend>> decodeModelSpend(const std::string& text);

// The error for a column whose text does not decode (the column's name only; no values).
api::Error corruptColumn(std::string_view engine, std::string_view column);

}  // namespace switchyard::store::codec
