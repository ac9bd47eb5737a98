#pragma once
// How the records' structured fields are kept as text in every engine's tables (private to the
// store): lists and maps as JSON, model_max_budget and model_spend in LiteLLM's JSON shapes.
// Engine-independent, so the SQLite and PostgreSQL stores read and write the same text.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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

// The columns of `keys` in every engine's bind and read order (LiteLLM's names where it has one).
inline constexpr std::string_view kKeyColumns =
    "token, key_name, key_alias, models, aliases, max_budget, soft_budget, budget_duration, "
    "budget_reset_at, spend, rpm_limit, tpm_limit, max_parallel_requests, expires, metadata, tags, "
    "blocked, user_id, team_id, model_max_budget, model_rpm_limit, model_tpm_limit, model_spend, "
    "created_at, updated_at, created_by, updated_by, previous_token, previous_token_expires";
// The columns of `spend_logs` but its id, in bind order. key_ref: the spend_keys id of the row's
// key hash, 0 for none (the master key, or no key).
inline constexpr std::string_view kSpendColumns =
    "request_id, call_type, key_ref, key_alias, \"user\", team_id, end_user, model, model_group, "
    "model_id, custom_llm_provider, api_base, prompt_tokens, completion_tokens, total_tokens, "
    "cached_tokens, cache_creation_tokens, reasoning_tokens, spend, start_time, end_time, ttft_ms, "
    "status, http_status, cache_hit, request_tags, stream";
// What a spend row is read as (the key's hash in key_ref's place), from kSpendFrom.
inline constexpr std::string_view kSpendSelect =
    "s.request_id, s.call_type, COALESCE(t.token, ''), s.key_alias, s.\"user\", s.team_id, "
    "s.end_user, s.model, s.model_group, s.model_id, s.custom_llm_provider, s.api_base, "
    "s.prompt_tokens, s.completion_tokens, s.total_tokens, s.cached_tokens, "
    "s.cache_creation_tokens, s.reasoning_tokens, s.spend, s.start_time, s.end_time, s.ttft_ms, "
    "s.status, s.http_status, s.cache_hit, s.request_tags, s.stream";
inline constexpr std::string_view kSpendFrom =
    "spend_logs s LEFT JOIN spend_keys t ON t.id = s.key_ref";

constexpr int countColumns(std::string_view columns) {
  int n = 1;
  for (char c : columns) n += c == ',' ? 1 : 0;
  return n;
}
inline constexpr int kKeyColumnCount = countColumns(kKeyColumns);
inline constexpr int kSpendColumnCount = countColumns(kSpendColumns);

// The statements both stores build from these column lists; `mark` numbers the parameters
// ('?' in SQLite: ?1, ?2...; '$' in PostgreSQL: $1, $2...).
struct RowStatements {
  std::string select_key;     // SELECT kKeyColumns FROM keys (a WHERE follows)
  // select_key WHERE token = / key_alias = / previous_token = the first parameter (the last two
  // never match '': the partial indexes serve them)
  std::string find_key, find_key_by_alias, find_key_by_previous;
  std::string insert_key;     // one key
  std::string update_key;     // every key column, WHERE token = the parameter after them
  std::string insert_spend;   // one spend row
  std::string insert_spends;  // `rows_per_insert` spend rows
};
RowStatements rowStatements(char mark, int rows_per_insert);

// Moves a decoded value into `out`; false when it did not decode.
template <class T>
bool decodeInto(std::optional<T> decoded, T& out) {
  if (!decoded) return false;
  out = std::move(*decoded);
  return true;
}

}  // namespace switchyard::store::codec
