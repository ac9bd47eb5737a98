#pragma once
// The bodies of LiteLLM's /key/* admin routes (docs/keys.md): validated, applied to a
// store::KeyRow, and the row rendered back in LiteLLM's response shapes. No I/O here: the route
// handlers (admin/key_routes) look keys up, store them and update the in-memory registry.
//
// Every validation failure is an api::Error of kind kInvalidRequest whose `param` names the
// field and whose message says what is wrong ("max_budget must be a non-negative number"), so
// the client gets a 400 naming the field. Unknown fields are ignored (LiteLLM accepts them).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "switchyard/api/error.hpp"
#include "switchyard/store/records.hpp"

namespace switchyard::admin {

enum class KeyBodyMode : std::uint8_t { kGenerate, kUpdate };

// Applies the fields of a /key/generate or /key/update body to `row`, at time `now_ms`:
//   key_alias, models, aliases, max_budget, soft_budget, budget_duration (also sets
//   budget_reset_at to the next window end, keys::nextBudgetReset), spend, rpm_limit, tpm_limit,
//   max_parallel_requests, duration ("30d", "1h"...; sets expires = now + duration; null: never),
//   expires (ISO-8601 or null), metadata (object), tags (strings), blocked, user_id, team_id,
//   model_max_budget ({"model": {"budget_limit": n, "time_period": "1d"}}), model_rpm_limit and
//   model_tpm_limit ({"model": n}; LiteLLM also accepts them inside metadata).
// A field given as null clears it (kUpdate) or leaves the default (kGenerate). Negative
// numbers, wrong types and durations with an unknown unit are errors. `key` (the custom key
// value) and `key`/`new_key` of other routes are not handled here (customKey, parseRegenerateRequest).
api::Result<void> applyKeyFields(const nlohmann::json& body, KeyBodyMode mode,
                                 store::UnixMs now_ms, store::KeyRow& row);

// The custom key of /key/generate ("key"), nullopt when absent or null: a string starting
// with "sk-" (LiteLLM's rule), else an error naming "key".
api::Result<std::optional<std::string>> customKey(const nlohmann::json& body);

// /key/delete: {"keys": [...]} and/or {"key_aliases": [...]}; at least one non-empty list.
struct DeleteRequest {
  std::vector<std::string> keys;  // as given: a key "sk-..." or its hash
  std::vector<std::string> key_aliases;
};
api::Result<DeleteRequest> parseDeleteRequest(const nlohmann::json& body);

// /key/block, /key/unblock: {"key": "..."} (a key or its hash).
api::Result<std::string> parseKeyParam(const nlohmann::json& body);

// /key/regenerate and /key/{key}/regenerate: the key comes from the path or the body ("key");
// optional "new_key" (custom, "sk-..."), "grace_period" (a duration, e.g. "24h": the old key
// keeps working that long; absent or "0s": stops at once), and any key fields to change at the
// same time (applied with applyKeyFields in kUpdate mode by the caller).
struct RegenerateRequest {
  std::string key;                      // empty when only the path gives it
  std::optional<std::string> new_key;   // custom value of the new key
  std::optional<double> grace_period_s;
};
api::Result<RegenerateRequest> parseRegenerateRequest(const nlohmann::json& body);

// "sk-..." is hashed (auth::hashKey); a 64-hex-digit string is taken as a hash already.
std::string tokenOf(std::string_view key_or_hash);

// LiteLLM's shapes. `key` is the plaintext, shown only by generate/regenerate.
nlohmann::json generateResponse(const store::KeyRow& row, std::string_view key);
// The "info" object of GET /key/info and the items of /key/list with return_full_object
// (token shown as its hash, never a key).
nlohmann::json keyInfo(const store::KeyRow& row);

// ISO-8601 UTC with milliseconds ("2026-12-05T10:00:00.000Z"); and back (accepting
// "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.fff][Z|+00:00]"); nullopt when unreadable.
std::string isoTime(store::UnixMs ms);
std::optional<store::UnixMs> parseIsoTime(std::string_view text);

}  // namespace switchyard::admin
