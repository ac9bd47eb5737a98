#pragma once
// What the store keeps (docs/keys.md): virtual keys, spend-log rows, the admin audit trail, stored
// Responses API responses, and the questions the admin routes ask of them. Plain values: no SQL, no JSON DOM (JSON-valued
// fields are kept as serialized text), so the SQLite and PostgreSQL stores share them.
//
// Times are milliseconds since the Unix epoch (UTC). Money is US dollars as double.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace switchyard::store {

using UnixMs = std::int64_t;

// Settings and counters per model name, looked up by string_view on the request path.
template <class V>
using ByModel = std::map<std::string, V, std::less<>>;

// model_max_budget entry: {"budget_limit": 1.5, "time_period": "1d"} (LiteLLM's shape).
struct ModelBudget {
  double budget_limit = 0;
  std::string time_period;  // a budget_duration; empty: never resets
};

// One model's spend on a key, for model_max_budget (reset per its time_period).
struct ModelSpend {
  double spend = 0;
  std::optional<UnixMs> reset_at;
};

// A virtual key (LiteLLM's LiteLLM_VerificationToken). The key itself is never stored: `token`
// is its SHA-256 hex (auth::hashKey), `key_name` its abbreviation ("sk-...abcd").
struct KeyRow {
  std::string token;      // primary key
  std::string key_name;   // "sk-...abcd"
  std::string key_alias;  // unique when not empty
  std::vector<std::string> models;  // empty: every model; may name access groups
  ByModel<std::string> aliases;  // requested model -> model used
  std::optional<double> max_budget, soft_budget;
  std::string budget_duration;  // "" : the budget never resets
  std::optional<UnixMs> budget_reset_at;
  double spend = 0;
  std::optional<std::int64_t> rpm_limit, tpm_limit, max_parallel_requests;
  std::optional<UnixMs> expires;
  std::string metadata = "{}";  // JSON object, as given
  std::vector<std::string> tags;
  bool blocked = false;
  std::string user_id, team_id;
  ByModel<ModelBudget> model_max_budget;
  ByModel<std::int64_t> model_rpm_limit, model_tpm_limit;
  ByModel<ModelSpend> model_spend;
  UnixMs created_at = 0, updated_at = 0;
  std::string created_by, updated_by;  // "master", or the caller's key alias / user
  // After /key/regenerate with a grace period: the previous key's hash stays valid until then.
  std::string previous_token;
  std::optional<UnixMs> previous_token_expires;
};

// One request, as the spend log records it (LiteLLM's LiteLLM_SpendLogs; docs/keys.md#spend-logs).
// `Text` and `List` are the owning std::string and std::vector<std::string> (SpendRow, what the
// store writes) or views (keys::SpendView, what the exporters read on the worker thread while the
// request still lives); spendRowCopy converts. One field list for both.
template <class Text, class List>
struct SpendRecord {
  Text request_id;
  Text call_type;  // "acompletion", "aembedding", "atext_completion", "anthropic_messages"
  Text api_key;    // the key's hash ("" for the master key or an open gateway)
  Text key_alias;
  Text user;      // the key's user_id
  Text team_id;
  Text end_user;  // the request's `user` field
  Text model;     // the alias requested
  Text model_group;
  Text model_id;  // deployment id (model_info.id)
  Text custom_llm_provider;
  Text api_base;
  std::uint64_t prompt_tokens = 0, completion_tokens = 0, total_tokens = 0;
  std::uint64_t cached_tokens = 0, cache_creation_tokens = 0, reasoning_tokens = 0;
  double spend = 0;
  UnixMs start_time = 0, end_time = 0;
  std::optional<double> ttft_ms;  // streams: time to the first chunk
  Text status;                    // "success" | "failure"
  int http_status = 0;
  bool cache_hit = false;
  List request_tags;
  bool stream = false;
};
using SpendRow = SpendRecord<std::string, std::vector<std::string>>;

// `from` (a SpendRecord of any kind) as a record of kind To.
template <class To, class From>
To spendRowCopy(const From& from) {
  using Text = decltype(To::request_id);
  return To{.request_id = Text(from.request_id), .call_type = Text(from.call_type),
            .api_key = Text(from.api_key), .key_alias = Text(from.key_alias),
            .user = Text(from.user), .team_id = Text(from.team_id),
            .end_user = Text(from.end_user), .model = Text(from.model),
            .model_group = Text(from.model_group), .model_id = Text(from.model_id),
            .custom_llm_provider = Text(from.custom_llm_provider),
            .api_base = Text(from.api_base), .prompt_tokens = from.prompt_tokens,
            .completion_tokens = from.completion_tokens, .total_tokens = from.total_tokens,
            .cached_tokens = from.cached_tokens,
            .cache_creation_tokens = from.cache_creation_tokens,
            .reasoning_tokens = from.reasoning_tokens, .spend = from.spend,
            .start_time = from.start_time, .end_time = from.end_time, .ttft_ms = from.ttft_ms,
            .status = Text(from.status), .http_status = from.http_status,
            .cache_hit = from.cache_hit,
            .request_tags = decltype(To::request_tags)(from.request_tags.begin(),
                                                        from.request_tags.end()),
            .stream = from.stream};
}

// One admin action (who, what, when; never a key).
struct AuditRow {
  UnixMs at = 0;
  std::string actor;       // "master" or a key alias
  std::string action;      // "key.generate", "key.update", "key.delete", ...
  std::string object_id;   // the key's hash
  std::string detail;      // JSON: the fields changed (no key material)
};

// A response of the Responses API kept for GET /v1/responses/{id}, its input_items, and
// continuations by previous_response_id (docs/responses.md#state). The store keeps the JSON
// fields as given: it neither parses nor validates them.
struct StoredResponse {
  std::string id;     // "resp_..."; primary key (a second write of one id replaces the row)
  std::string owner;  // the key's hash as KeyRow::token stores it; "" for the master key or an
                      // open gateway. The store does not check it: the caller compares it.
  UnixMs created_at = 0;  // what retention counts from
  std::string model;                 // the alias the client asked for
  std::string previous_response_id;  // "" when none
  std::string response = "{}";      // JSON object: the response as returned to the client
  std::string input_items = "[]";   // JSON array: this request's input items, normalized
  std::string conversation = "[]";  // JSON array: every item up to and including this output
  // The ids of this response's input and output items: an item_reference names one of them
  // (Store::findResponseByItem). Written with the response, deleted with it.
  std::vector<std::string> item_ids{};
};

// GET /key/list
struct KeyQuery {
  std::optional<std::string> key_alias, user_id, team_id;
  std::string sort_by = "created_at";  // created_at | updated_at | spend | key_alias | expires
  bool descending = true;
  std::int64_t page = 1, size = 10;  // page >= 1, 1 <= size <= 100
};
struct KeyPage {
  std::vector<KeyRow> rows;
  std::int64_t total = 0;
};

// GET /spend/logs
struct SpendQuery {
  std::optional<std::string> api_key;  // hash
  std::optional<std::string> request_id;
  std::optional<std::string> team_id, user, end_user;  // rows of this team / key owner / customer
  std::optional<UnixMs> start, end;  // start_time within [start, end)
  std::int64_t limit = 1000;
};

// GET /global/spend/report, /global/spend/keys, /global/spend/models: the spend rows summed per
// distinct combination of the group_by columns. Every row counts, failures included (LiteLLM's
// report queries count every LiteLLM_SpendLogs row; a failure's spend is what its key was
// charged: 0 unless the provider's usage was known). Groups come biggest spend first, then by
// their values in order.
enum class SpendGroupBy : std::uint8_t {
  kKey,       // api_key (the key's hash; "" for the master key or an open gateway)
  kModel,     // model (the alias requested)
  kTeam,      // team_id of the key
  kDay,       // the UTC day of start_time, "YYYY-MM-DD"
  kCustomer,  // end_user (the request's `user` field)
  kUser,      // user (the key's user_id)
};
struct SpendReportQuery {
  std::vector<SpendGroupBy> group_by = {SpendGroupBy::kKey};  // at least one
  std::optional<UnixMs> start, end;                           // start_time within [start, end)
  std::optional<std::string> api_key;                         // only this key's rows (hash)
  std::optional<std::string> user;  // only rows of keys owned by this user_id
  std::optional<std::string> team_id, end_user;  // only rows of this team / customer
  std::int64_t limit = 1000;        // most groups returned; negative: no limit
};
struct SpendGroup {
  std::vector<std::string> groups;  // one value per SpendReportQuery::group_by, in its order
  std::string key_alias;            // grouped by key: the key's current alias (else the rows')
  std::string key_name;             // grouped by key: "sk-...abcd" ("" for a deleted key)
  double spend = 0;
  std::uint64_t requests = 0, prompt_tokens = 0, completion_tokens = 0, total_tokens = 0;
};

// The levels a request is admitted against (docs/teams.md), in the order they are checked.
enum class Level : std::uint8_t { kKey, kTeam, kTeamMember, kUser, kCustomer };

// What one batched write carries, applied in one transaction in this order. `id` names the
// level's row: a key's hash, a team, user or customer id; a team member is (team_id, id = the
// user id). A customer's delta creates its row when there is none (LiteLLM counts the spend of
// every end user, created or not).
struct SpendDelta {
  std::string id;
  double spend = 0;
  std::string model;  // the model alias, for model_spend ("" when not tracked)
  Level level = Level::kKey;
  std::string team_id;  // kTeamMember
};
struct BudgetReset {
  std::string id;
  std::string model;  // "" : the level's budget; else that model's model_max_budget
  UnixMs next_reset_at = 0;
  Level level = Level::kKey;
  std::string team_id;  // kTeamMember
};

}  // namespace switchyard::store
