#pragma once
// Typed configuration, read from a LiteLLM-format config.yaml (docs/design.md §2).
//
// Every key docs/design.md §2 lists is parsed here, even those whose feature lands later, so a
// config written for LiteLLM loads today. Strings of the form `os.environ/NAME` are replaced by the
// environment variable NAME at load time; a missing variable is an error naming the key path.
// The rule (docs/litellm-compatibility.md): an error means LiteLLM would refuse the value too, and
// every error of a file is reported at once, naming the key path and the YAML line. A key or
// value LiteLLM accepts and Switchyard does not act on loads, and is listed as ignored (with the
// reason) by --check-config and once in the startup log; unknown keys are listed the same way.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/api/error.hpp"

namespace switchyard::config {

// One entry of model_list: a deployment that serves the public alias `model_name`.
struct Deployment {
  std::string model_name;  // public alias
  std::string model;       // litellm_params.model, "provider/model-id" as written
  std::string provider;    // the part before the first '/', lower-case ("openai", "mock"...)
  std::string model_id;    // the part after the first '/', sent upstream verbatim
  // A wildcard deployment: model_name holds '*' ("openai/*", "*", "llm/*-fast"), and each '*' in
  // `model` is replaced by what the request's model matched (router/wildcard.hpp).
  bool wildcard = false;
  // `model` names no provider ("*", with no custom_llm_provider): the provider is inferred per
  // request from the model it resolves to.
  bool infer_provider = false;
  std::vector<std::string> tags;  // litellm_params.tags (tag filtering)
  // litellm_params.region_name as written ("eu", "us", "westeurope", "us-east-1"...), and the
  // region it is in (regionOf: "eu", "us" or ""), for customers with an allowed_model_region.
  std::string region_name;
  std::string_view region;
  int model_line = 0;             // the YAML line of litellm_params.model (messages)
  std::string id;                 // model_info.id, else a stable hash of the entry
  std::string api_key;            // secret: never logged
  std::string api_base;           // empty: the provider's default
  std::string api_version;
  std::optional<std::uint64_t> rpm, tpm;
  std::optional<double> weight;
  std::optional<int> order;
  std::optional<double> timeout_s, stream_timeout_s;
  std::optional<int> max_retries;
  std::optional<int> max_parallel_requests;
  std::optional<double> input_cost_per_token, output_cost_per_token;  // litellm_params wins
  // Prompt-cache and reasoning prices (USD per token), read like the two above (spend/cost.hpp).
  std::optional<double> cache_read_input_token_cost, cache_creation_input_token_cost;
  std::optional<double> output_cost_per_reasoning_token;
  std::optional<std::string> mock_response;
  std::optional<double> mock_delay_s;  // mock/: delay before the answer (LiteLLM's mock_delay)
  std::optional<double> mock_chunk_delay_s;  // mock/: delay between streamed chunks
  // model_info
  std::string mode;  // "chat", "embedding", "completion"...; empty: unspecified
  std::optional<std::uint64_t> max_input_tokens, max_tokens;
  std::string base_model;
  // model_info.access_groups: a virtual key whose `models` names one of these may use this
  // deployment's alias.
  std::vector<std::string> access_groups;
  // model_info.supported_endpoints (LiteLLM's model metadata) lists "/v1/responses": the
  // deployment takes Responses API requests as they are (docs/responses.md); absent: the
  // gateway's default (openai/ on OpenAI's own API and azure/ do).
  std::optional<bool> responses_api;
  std::map<std::string, std::string> headers;  // litellm_params.extra_headers / headers
  // Default request parameters written in litellm_params (temperature, max_tokens, top_p, seed,
  // stop, ...; extra_body's fields at the top level), as a JSON object: sent upstream when the
  // client did not set them. Null when there are none.
  std::shared_ptr<const nlohmann::json> request_defaults;
};

// The region a deployment's region_name is in, as LiteLLM infers it: "eu" and "us" name
// themselves; a name containing europe, sweden, switzerland, france or uk, or starting "eu-", is
// "eu"; one starting "us" is "us" (any case); anything else, or none, is "" (no region).
std::string_view regionOf(std::string_view region_name);

// fallbacks: [{"gpt-4o": ["claude", "gemini"]}] -> {alias, [aliases...]}
struct FallbackRule {
  std::string model;
  std::vector<std::string> fallbacks;
};

// router_settings.model_group_alias: requests for `alias` are served by the model group `model`
// (LiteLLM: the alias is looked up first, even when a model_list entry has the same name).
// Hidden aliases are left out of /v1/models.
struct ModelGroupAlias {
  std::string alias;
  std::string model;
  bool hidden = false;
};

struct RouterSettings {
  std::string routing_strategy = "simple-shuffle";
  // enable_tag_filtering: a request's tags restrict it to deployments carrying them;
  // tag_filtering_match_any: one shared tag is enough (default), else every request tag.
  bool enable_tag_filtering = false;
  bool tag_filtering_match_any = true;
  std::vector<ModelGroupAlias> model_group_alias;
  std::optional<int> num_retries;
  std::optional<double> timeout_s, stream_timeout_s;
  std::vector<FallbackRule> fallbacks, context_window_fallbacks, content_policy_fallbacks;
  std::vector<std::string> default_fallbacks;
  std::optional<int> max_fallbacks;
  std::optional<int> allowed_fails;
  std::optional<double> cooldown_time_s;
  std::optional<double> retry_after_s;
  bool enable_pre_call_checks = false;
  bool disable_cooldowns = false;
  // routing_strategy_args (latency-based-routing): lowest_latency_buffer, ttl
  std::optional<double> lowest_latency_buffer;
  std::optional<double> latency_ttl_s;
  std::string redis_host, redis_password, redis_url;
  std::optional<int> redis_port, redis_db;
};

struct CacheParams {
  std::string type = "local";  // what serves: "local" | "redis"
  std::string requested_type;  // as written when it differs (redis-semantic, s3, disk...)
  std::string host, password, namespace_;
  std::string url, username;  // redis: `url` (also `redis_url`), ACL user
  std::optional<int> port, db;
  std::optional<bool> ssl;    // redis: TLS to host/port
  std::optional<double> ttl_s;
  std::optional<double> socket_timeout_s;  // redis: each call's deadline
  std::string mode;  // "" | "default_off"
  std::vector<std::string> supported_call_types;
};

// OpenTelemetry export (`callbacks: ["otel"]`), from the standard OTEL_* environment variables
// (config environment_variables first, then the process's), docs/observability.md#traces.
struct OtelSettings {
  std::string endpoint = "http://localhost:4318/v1/traces";  // the OTLP/HTTP traces URL
  std::map<std::string, std::string> headers;  // OTEL_EXPORTER_OTLP_HEADERS: secrets, never logged
  std::string service_name = "switchyard";     // OTEL_SERVICE_NAME
  // OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL: http/protobuf (the OTLP default) or http/json.
  bool json = false;
  double timeout_s = 10;                       // OTEL_EXPORTER_OTLP_TIMEOUT (ms in the variable)
  double schedule_delay_s = 1;                 // OTEL_BSP_SCHEDULE_DELAY (ms)
  std::uint32_t max_queue = 8192;              // OTEL_BSP_MAX_QUEUE_SIZE: requests waiting
  std::uint32_t max_batch = 512;               // OTEL_BSP_MAX_EXPORT_BATCH_SIZE
  // OTEL_TRACES_SAMPLER / _ARG: parentbased_always_on (default), always_on, always_off,
  // traceidratio, parentbased_traceidratio, parentbased_always_off.
  double sample_ratio = 1;   // of the requests that start a trace here
  bool parent_based = true;  // a client's traceparent decides by its sampled flag
};

// A webhook for finished requests: `callback_settings.<name>` with `callback_type: generic_api`,
// or `callbacks: ["generic_api"]` with GENERIC_LOGGER_ENDPOINT / GENERIC_LOGGER_HEADERS.
struct WebhookSettings {
  std::string name;      // as named in callbacks
  std::string endpoint;  // http(s) URL
  std::map<std::string, std::string> headers;  // secrets: never logged
  bool on_success = true, on_failure = true;   // event_types llm_api_success / llm_api_failure
  enum class Format : std::uint8_t { kJsonArray, kNdjson, kSingle } format = Format::kJsonArray;
};

struct LitellmSettings {
  // The budget of every end customer that has none of its own (docs/teams.md#customers).
  std::optional<double> max_end_user_budget;
  bool cache = false;
  CacheParams cache_params;
  std::optional<int> num_retries;
  std::optional<double> request_timeout_s;
  bool drop_params = false;
  std::vector<FallbackRule> fallbacks, context_window_fallbacks, content_policy_fallbacks;
  std::vector<std::string> default_fallbacks;
  bool json_logs = false;
  bool require_auth_for_metrics_endpoint = false;  // GET /metrics needs the master key
  std::vector<std::string> callbacks;  // as written: "prometheus", "otel", webhook names...
  std::optional<OtelSettings> otel;    // set when callbacks (or success_callback) name "otel"
  std::vector<WebhookSettings> webhooks;
  // Prompts and answers in logs, traces and webhooks: never, unless `log_messages: true` or
  // `turn_off_message_logging: false` is written (LiteLLM logs them by default; not here).
  bool log_messages = false;
  bool ssl_verify = true;              // ssl_verify: false turns verification off (not advised)
  std::string ssl_ca_file;             // ssl_verify: "/path/ca.pem" or ssl_certificate
  // Parsed and kept for the features that will read them (teams): JSON, null when absent.
  std::shared_ptr<const nlohmann::json> default_team_settings;
};

struct GeneralSettings {
  std::string master_key;    // secret: never logged; env LITELLM_MASTER_KEY when absent
  std::string database_url;  // env DATABASE_URL when absent
  double max_request_size_mb = 10;
  bool disable_spend_logs = false;
  bool metrics_require_auth = false;  // GET /metrics needs the master key (Switchyard's name)
  // general_settings.alerting with "webhook" (and alert_types absent or naming "budget_alerts"):
  // LiteLLM's budget alerts are POSTed to the environment's WEBHOOK_URL (secret: never logged).
  // Empty: no alerts. docs/teams.md#soft-budgets
  std::string budget_alert_webhook;
  // Requests are not counted into the request metrics (GET /metrics keeps the deployment,
  // store and process figures). Switchyard's; for a gateway scraped by nothing.
  bool disable_metrics = false;
  bool background_health_checks = false;
  std::optional<double> health_check_interval_s;
  // Switchyard's own server limits (not in LiteLLM; docs/configuration.md#server-limits).
  double request_header_timeout_s = 10;  // time to receive a whole request head (slowloris)
  double request_body_timeout_s = 60;    // time to receive a whole body once the head arrived
  double keepalive_timeout_s = 60;       // idle keep-alive connection lifetime
  double drain_timeout_s = 30;           // SIGTERM: how long in-flight requests may finish
  std::uint32_t max_connections = 10000;
  std::uint32_t max_header_size_kb = 64;
  std::uint64_t max_upstream_response_mb = 64;  // bound on a buffered (non-stream) upstream body
  // Stored Responses API responses older than this are purged (docs/responses.md); 0 keeps them.
  double responses_retention_s = 30 * 86400.0;
  // Rows (spend, stored responses) waiting for the store; beyond, new ones are dropped and counted
  // (a database that stays down must not take the gateway's memory with it).
  std::uint64_t store_buffer_rows = 100000;
  // With a shared (PostgreSQL) store and no Redis invalidation channel up, a loaded virtual key
  // is reread from the store once older than this (docs/multi-instance.md#keys). LiteLLM's name.
  double user_api_key_cache_ttl_s = 10;
  // With shared limits (Redis): how long the in-flight slots and reservations of an instance
  // that died are held before the others may use them (docs/multi-instance.md).
  double instance_lease_ttl_s = 30;
  // Parsed and kept for the feature that will serve them: JSON, null when absent.
  std::shared_ptr<const nlohmann::json> pass_through_endpoints;
};

struct Config {
  std::vector<Deployment> model_list;
  RouterSettings router_settings;
  LitellmSettings litellm_settings;
  GeneralSettings general_settings;
  std::map<std::string, std::string> environment_variables;
  // Top-level `guardrails:`, parsed and kept for the guardrails feature: JSON, null when absent.
  std::shared_ptr<const nlohmann::json> guardrails;
  std::string source_path;  // the file it was read from
};

// A key (or value) of the file that loads and does nothing: unknown, or LiteLLM's and not
// implemented. `reason` says which, e.g. "not implemented yet (teams)".
inline constexpr std::string_view kUnknownKeyReason = "unknown key";  // the reason of unknown keys

struct IgnoredKey {
  std::string path;  // "general_settings.alerting", "model_list[2].litellm_params.vertex_project"
  int line = 0;
  std::string reason;
};

struct LoadResult {
  Config config;
  std::vector<std::string> warnings;  // unknown keys (listed in `ignored` too), duplicate keys...
  std::vector<IgnoredKey> ignored;    // file order
};

// "general_settings.alerting (line 12): not implemented (alerting)"
std::string describe(const IgnoredKey& k);
// What a load has to say in the log: its warnings (unknown keys among them), then one
// "ignored ..." line per other ignored key.
std::vector<std::string> logMessages(const LoadResult& r);

// Everything a load found: every error (empty: `loaded` is the config), then what loaded.
struct CheckResult {
  std::vector<std::string>
      errors;  // "model_list[0].litellm_params.rpm: expected an integer (line 7)"
  LoadResult loaded;
};

// Reads and validates `path`; never throws. The Error of a failed load holds every error, one
// per line of its message.
api::Result<LoadResult> loadConfigFile(const std::string& path);
// Same, from YAML text (tests). `source_name` appears in messages.
api::Result<LoadResult> loadConfigText(const std::string& yaml,
                                       const std::string& source_name = "config");
// The same loads, reporting errors and what was ignored together (--check-config).
CheckResult checkConfigFile(const std::string& path);
CheckResult checkConfigText(const std::string& yaml, const std::string& source_name = "config");

// litellm_params.model as LiteLLM splits it. With `custom_provider` (custom_llm_provider): that
// provider, lower-cased, and the model without a matching "provider/" prefix (any case). Without:
// the part before the first '/', lower-cased, and the rest; a name without '/' gives an empty
// provider (the caller's default: openai, or inferred for wildcards).
struct ModelRef {
  std::string provider;
  std::string model_id;  // sent upstream verbatim
};
ModelRef splitModel(std::string_view model, std::string_view custom_provider = {});

// "30s", "30m", "30h", "30d", "1mo" or a bare number of seconds -> seconds. nullopt if malformed.
std::optional<double> parseDurationSeconds(const std::string& text);

}  // namespace switchyard::config
