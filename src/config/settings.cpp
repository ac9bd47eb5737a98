// router_settings, litellm_settings and general_settings (docs/configuration.md,
// docs/litellm-compatibility.md).

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "loader.hpp"
#include "scalars.hpp"

namespace switchyard::config {
namespace {

constexpr std::string_view kRoutingStrategies[] = {
    "simple-shuffle",     "least-busy",          "latency-based-routing",
    "cost-based-routing", "usage-based-routing", "usage-based-routing-v2",
};
// LiteLLM strategies Switchyard does not have: simple-shuffle serves instead.
constexpr std::string_view kUnimplementedStrategies[] = {"provider-budget-routing"};

constexpr std::string_view kResponseCache = "not implemented yet (response cache)";
constexpr std::string_view kBudgets = "not implemented yet (budgets)";
constexpr std::string_view kKeys = "not implemented yet (virtual keys)";
constexpr std::string_view kMetrics = "not implemented (metric filters, service callbacks; traces and webhooks are callbacks)";
constexpr std::string_view kSpendLogs = "not implemented yet (spend logs)";
constexpr std::string_view kStore = "not implemented yet (PostgreSQL store)";

// Keys listed as ignored, with the reason. A planned feature's keys are also read (and
// type-checked: a wrong value is an error for LiteLLM too) by the section below, ready for it.
constexpr Ignored kIgnoredRouterSettings[] = {
    {"provider_budget_config", kBudgets},
    {"optional_pre_call_checks", "not implemented"},
    {"cache_responses", kResponseCache},
    {"caching_groups", kResponseCache},
    {"client_ttl", "not applicable (connections are pooled per worker)"},
    {"polling_interval", "not applicable"},
    {"default_litellm_params", "not implemented"},
    {"default_max_parallel_requests", "not implemented (set max_parallel_requests per deployment)"},
    {"set_verbose", "not applicable (use --log-level)"},
    {"debug_level", "not applicable (use --log-level)"},
    {"retry_policy", "not implemented (num_retries applies to every error)"},
    {"model_group_retry_policy", "not implemented (num_retries applies to every error)"},
    {"allowed_fails_policy", "not implemented (allowed_fails applies to every error)"},
    {"alerting_config", "not implemented (alerting)"},
    {"assistants_config", "not implemented (Assistants API)"},
    {"router_general_settings", "not implemented"},
    {"tag_regex", "not implemented (tags only)"},
    {"tag_routing_prefix", "not implemented (tags only)"},
    {"ignore_invalid_deployments", "not applicable (an invalid deployment is an error)"},
};

constexpr Ignored kIgnoredLitellmSettings[] = {
    {"service_callback", kMetrics},
    {"service_callbacks", kMetrics},
    {"prometheus_metrics_config", kMetrics},
    {"internal_user_budget_duration", kBudgets},
    {"input_callback", kMetrics},
    {"prometheus_initialize_budget_metrics", kMetrics},
    {"custom_prometheus_metadata_labels", kMetrics},
    {"langfuse_default_tags", kMetrics},
    {"set_verbose", "not applicable (use --log-level)"},
    {"max_budget", kBudgets},
    {"budget_duration", kBudgets},
    {"max_internal_user_budget", kBudgets},
    {"default_max_internal_user_budget", kBudgets},
    {"default_key_generate_params", kKeys},
    {"upperbound_key_generate_params", kKeys},
    {"key_generation_settings", kKeys},
    {"default_internal_user_params", "not implemented yet (users)"},
    {"redact_user_api_key_info", kSpendLogs},
    {"redact_messages_in_exceptions", "not implemented"},
    {"guardrails", "not implemented yet (guardrails)"},
    {"modify_params", "not implemented"},
    {"enable_preview_features", "not implemented"},
    {"return_response_headers", "not implemented"},
    {"enable_json_schema_validation", "not implemented"},
    {"disable_end_user_cost_tracking", kSpendLogs},
    {"public_model_groups", "not implemented yet (admin UI)"},
    {"force_ipv4", "not applicable"},
};

constexpr std::string_view kAlerting = "not implemented (alerting)";
constexpr Ignored kIgnoredGeneralSettings[] = {
    {"database_connection_pool_limit", kStore},
    {"database_connection_timeout", kStore},
    {"allow_requests_on_db_unavailable", kStore},
    {"store_prompts_in_spend_logs", kSpendLogs},
    {"disable_error_logs", kSpendLogs},
    {"maximum_spend_logs_retention_period", kSpendLogs},
    {"maximum_spend_logs_retention_interval", kSpendLogs},
    {"proxy_batch_write_at", "not applicable (writes are batched off the request path)"},
    {"alerting_threshold", kAlerting},
    {"alerting_args", kAlerting},
    {"alert_to_webhook_url", kAlerting},
    {"spend_report_frequency", kAlerting},
    {"store_model_in_db", "not implemented (models come from this file)"},
    {"ui_access_mode", "not implemented yet (admin UI)"},
    {"custom_auth", "not implemented (Python hooks)"},
    {"enable_jwt_auth", "not implemented (JWT auth)"},
    {"litellm_jwtauth", "not implemented (JWT auth)"},
    {"enforce_user_param", "not implemented"},
    {"allowed_routes", "not implemented"},
    {"admin_only_routes", "not implemented"},
    {"public_routes", "not implemented"},
    {"max_parallel_requests", "not implemented yet (rate limits)"},
    {"global_max_parallel_requests", "not implemented yet (rate limits)"},
    {"infer_model_from_keys", "not implemented"},
    {"key_management_system", "not implemented (secret managers)"},
    {"key_management_settings", "not implemented (secret managers)"},
    {"disable_master_key_return", kKeys},
    {"disable_reset_budget", kBudgets},
    {"disable_adding_master_key_hash_to_db", kKeys},
    {"disable_retry_on_max_parallel_request_limit_error", "not implemented yet (rate limits)"},
    {"proxy_budget_rescheduler_min_time", kBudgets},
    {"proxy_budget_rescheduler_max_time", kBudgets},
    {"forward_openai_org_id", "not implemented"},
    {"forward_client_headers_to_llm_api", "not implemented"},
    {"user_header_name", "not implemented"},
    {"litellm_key_header_name", "not implemented"},
    {"health_check_details", "not implemented"},
    {"use_redis_transaction_buffer", "not applicable"},
    {"completion_model", "not implemented"},
    {"use_x_forwarded_for", "not implemented"},
    {"service_account_settings", "not implemented yet (virtual keys)"},
};

}  // namespace

// {alias: "group"} or {alias: {model: "group", hidden: true}}.
void Loader::parseModelGroupAlias(const Value& v) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  for (const Entry& e : *fields) {
    ModelGroupAlias a;
    a.alias = e.key;
    if (e.value.node.IsMap()) {
      std::optional<std::vector<Entry>> inner = entries(e.value);
      if (!inner) continue;
      for (const Entry& f : *inner) {
        if (f.key == "model") {
          if (auto s = str(f.value)) a.model = std::move(*s);
        } else if (f.key == "hidden") {
          if (auto b = boolean(f.value)) a.hidden = *b;
        } else {
          unknown(f);
        }
      }
    } else if (auto s = str(e.value)) {
      a.model = std::move(*s);
    }
    if (a.model.empty()) {
      failAt(e.value.path, "expected a model group name", e.value.line);
      continue;
    }
    result_.config.router_settings.model_group_alias.push_back(std::move(a));
  }
}

void Loader::parseRouterSettings(const Value& v) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  RouterSettings& r = result_.config.router_settings;
  for (const Entry& e : *fields) {
    const std::string& k = e.key;
    const Value& x = e.value;
    if (k == "routing_strategy") {
      std::optional<std::string> s = str(x);
      if (!s) continue;
      if (std::ranges::find(kUnimplementedStrategies, *s) != std::end(kUnimplementedStrategies)) {
        ignore(e, "strategy not implemented; simple-shuffle serves instead");
        continue;
      }
      if (std::ranges::find(kRoutingStrategies, *s) == std::end(kRoutingStrategies)) {
        std::string allowed;
        for (std::string_view name : kRoutingStrategies) {
          allowed += (allowed.empty() ? "" : ", ") + std::string(name);
        }
        fail(x, "unknown strategy \"" + *s + "\"; expected one of " + allowed);
        continue;
      }
      r.routing_strategy = std::move(*s);
    } else if (k == "num_retries") {
      r.num_retries = integerOf<int>(x, 0);
    } else if (k == "timeout") {
      r.timeout_s = duration(x, Bound::kPositive);
    } else if (k == "stream_timeout") {
      r.stream_timeout_s = duration(x, Bound::kPositive);
    } else if (k == "fallbacks") {
      if (auto f = fallbacks(x)) r.fallbacks = std::move(*f);
    } else if (k == "context_window_fallbacks") {
      if (auto f = fallbacks(x)) r.context_window_fallbacks = std::move(*f);
    } else if (k == "content_policy_fallbacks") {
      if (auto f = fallbacks(x)) r.content_policy_fallbacks = std::move(*f);
    } else if (k == "default_fallbacks") {
      if (auto f = stringList(x)) r.default_fallbacks = std::move(*f);
    } else if (k == "max_fallbacks") {
      r.max_fallbacks = integerOf<int>(x, 0);
    } else if (k == "allowed_fails") {
      r.allowed_fails = integerOf<int>(x, 0);
    } else if (k == "cooldown_time") {
      r.cooldown_time_s = duration(x, Bound::kNonNegative);
    } else if (k == "retry_after") {
      r.retry_after_s = duration(x, Bound::kNonNegative);
    } else if (k == "enable_pre_call_checks") {
      if (auto b = boolean(x)) r.enable_pre_call_checks = *b;
    } else if (k == "enable_tag_filtering") {
      if (auto b = boolean(x)) r.enable_tag_filtering = *b;
    } else if (k == "tag_filtering_match_any") {
      if (auto b = boolean(x)) r.tag_filtering_match_any = *b;
    } else if (k == "model_group_alias") {
      parseModelGroupAlias(x);
    } else if (k == "disable_cooldowns") {
      if (auto b = boolean(x)) r.disable_cooldowns = *b;
    } else if (k == "routing_strategy_args") {
      parseRoutingStrategyArgs(x);
    } else if (k == "redis_host") {
      if (auto t = str(x)) r.redis_host = std::move(*t);
    } else if (k == "redis_port") {
      if (auto p = integer(x, 1, 65535)) r.redis_port = static_cast<int>(*p);
    } else if (k == "redis_password") {
      if (auto t = str(x)) r.redis_password = std::move(*t);
    } else if (k == "redis_url") {
      if (auto t = str(x)) r.redis_url = std::move(*t);
    } else if (k == "redis_db") {
      if (auto d = integer(x, 0, 1 << 20)) r.redis_db = static_cast<int>(*d);
    } else if (!findIgnored(kIgnoredRouterSettings, k)) {
      unknown(e);
    }
    // Read above or not, a key of the table is listed with its reason.
    if (const Ignored* i = findIgnored(kIgnoredRouterSettings, k))
      ignore(e, std::string(i->reason));
  }
}

void Loader::parseRoutingStrategyArgs(const Value& v) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  RouterSettings& r = result_.config.router_settings;
  for (const Entry& e : *fields) {
    if (e.key == "lowest_latency_buffer") {
      r.lowest_latency_buffer = number(e.value, Bound::kNonNegative);
    } else if (e.key == "ttl") {
      r.latency_ttl_s = duration(e.value, Bound::kPositive);
    } else {
      unknown(e);
    }
  }
}

void Loader::parseLitellmSettings(const Value& v) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  LitellmSettings& s = result_.config.litellm_settings;
  for (const Entry& e : *fields) {
    const std::string& k = e.key;
    const Value& x = e.value;
    if (k == "cache_params") {
      parseCacheParams(x);
    } else if (k == "num_retries") {
      s.num_retries = integerOf<int>(x, 0);
    } else if (k == "request_timeout") {
      s.request_timeout_s = duration(x, Bound::kPositive);
    } else if (k == "drop_params") {
      if (auto b = boolean(x)) s.drop_params = *b;
    } else if (k == "fallbacks") {
      if (auto f = fallbacks(x)) s.fallbacks = std::move(*f);
    } else if (k == "context_window_fallbacks") {
      if (auto f = fallbacks(x)) s.context_window_fallbacks = std::move(*f);
    } else if (k == "content_policy_fallbacks") {
      if (auto f = fallbacks(x)) s.content_policy_fallbacks = std::move(*f);
    } else if (k == "default_fallbacks") {
      if (auto f = stringList(x)) s.default_fallbacks = std::move(*f);
    } else if (k == "json_logs") {
      if (auto b = boolean(x)) s.json_logs = *b;
    } else if (k == "require_auth_for_metrics_endpoint") {
      if (auto b = boolean(x)) s.require_auth_for_metrics_endpoint = *b;
    } else if (k == "max_end_user_budget") {
      if (!isNull(x)) s.max_end_user_budget = number(x, Bound::kNonNegative);
    } else if (k == "ssl_verify") {
      // A boolean, or the path of a CA bundle (verification stays on).
      if (isNull(x)) continue;
      std::optional<std::string> t = text(x, "expected true, false or the path of a CA bundle");
      if (!t) continue;
      std::optional<bool> b = parseYamlBool(trimmed(*t));
      if (b) {
        s.ssl_verify = *b;
      } else if (t->empty()) {
        fail(x, "expected true, false or the path of a CA bundle");
      } else {
        s.ssl_verify = true;
        s.ssl_ca_file = std::move(*t);
      }
    } else if (k == "ssl_certificate") {
      if (auto t = str(x)) s.ssl_ca_file = std::move(*t);
    } else if (k == "default_team_settings") {
      s.default_team_settings = keepList(e, "teams");
    } else if (k == "cache") {
      if (auto b = boolean(x)) s.cache = *b;
    } else if (k == "callbacks" || k == "success_callback" || k == "failure_callback") {
      CallbackList& list = k == "callbacks"          ? callbacks_
                           : k == "success_callback" ? callbacks_success_
                                                     : callbacks_failure_;
      if (auto c = stringList(x)) list = CallbackList{std::move(*c), x.path, e.key_line};
      if (k == "callbacks") s.callbacks = list.names;
    } else if (k == "turn_off_message_logging") {
      // Only an explicit false turns message logging on (it is off by default here).
      if (auto b = boolean(x)) s.log_messages = s.log_messages || !*b;
    } else if (k == "log_messages") {
      if (auto b = boolean(x)) s.log_messages = s.log_messages || *b;
    } else if (!findIgnored(kIgnoredLitellmSettings, k)) {
      unknown(e);
    }
    // Read above or not, a key of the table is listed with its reason.
    if (const Ignored* i = findIgnored(kIgnoredLitellmSettings, k))
      ignore(e, std::string(i->reason));
  }
}

void Loader::parseCacheParams(const Value& v) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  CacheParams& c = result_.config.litellm_settings.cache_params;
  for (const Entry& e : *fields) {
    const std::string& k = e.key;
    const Value& x = e.value;
    if (k == "type") {
      std::optional<std::string> t = str(x);
      if (!t) continue;
      if (*t == "local") {
        c.type = std::move(*t);
      } else if (*t == "redis") {
        c.type = std::move(*t);
      } else if (*t == "redis-semantic") {
        c.type = "redis";  // exact-match answers from the same Redis
        c.requested_type = std::move(*t);
        ignore(e, "cache type redis-semantic not implemented; an exact-match Redis cache serves");
      } else if (*t == "qdrant-semantic" || *t == "s3" || *t == "gcs" || *t == "disk" ||
                 *t == "azure-blob") {
        c.type = "local";  // the in-memory cache of each instance
        ignore(e, "cache type " + *t + " not implemented; the local in-memory cache serves");
        c.requested_type = std::move(*t);
      } else {
        fail(x, "unknown cache type \"" + *t +
                    "\"; expected local, redis, redis-semantic, qdrant-semantic, s3, gcs, disk");
      }
      continue;
    } else if (k == "host") {
      if (auto s = str(x)) c.host = std::move(*s);
    } else if (k == "port") {
      if (auto p = integer(x, 1, 65535)) c.port = static_cast<int>(*p);
    } else if (k == "password") {
      if (auto s = str(x)) c.password = std::move(*s);
    } else if (k == "url" || k == "redis_url") {
      if (auto s = str(x)) c.url = std::move(*s);
    } else if (k == "username") {
      if (auto s = str(x)) c.username = std::move(*s);
    } else if (k == "db") {
      if (auto d = integer(x, 0, 1 << 20)) c.db = static_cast<int>(*d);
    } else if (k == "ssl") {
      if (auto b = boolean(x)) c.ssl = *b;
    } else if (k == "namespace") {
      if (auto s = str(x)) c.namespace_ = std::move(*s);
    } else if (k == "ttl") {
      c.ttl_s = duration(x, Bound::kPositive);
    } else if (k == "socket_timeout") {
      c.socket_timeout_s = duration(x, Bound::kPositive);
    } else if (k == "mode") {
      std::optional<std::string> m = str(x);
      if (!m) continue;
      if (!m->empty() && *m != "default_off" && *m != "default_on") {
        fail(x, "unknown mode \"" + *m + "\"; expected default_on or default_off");
        continue;
      }
      c.mode = *m == "default_on" ? "" : std::move(*m);
    } else if (k == "supported_call_types") {
      if (auto l = stringList(x)) c.supported_call_types = std::move(*l);
    } else {
      // The settings of the other cache types (similarity_threshold, s3_bucket_name...).
      ignore(e, "cache setting not implemented");
      continue;
    }
  }
}

std::shared_ptr<const nlohmann::json> Loader::keepList(const Entry& e, std::string_view area) {
  ignore(e, "not implemented yet (" + std::string(area) + "); parsed and kept");
  if (isNull(e.value)) return nullptr;
  if (!e.value.node.IsSequence()) {
    fail(e.value, "expected a list of mappings");
    return nullptr;
  }
  std::optional<nlohmann::json> j = toJson(e.value);
  if (!j) return nullptr;
  for (std::size_t i = 0; i < j->size(); ++i) {
    if (!(*j)[i].is_object())
      failAt(indexedPath(e.value.path, i), "expected a mapping", e.value.line);
  }
  return std::make_shared<const nlohmann::json>(std::move(*j));
}

void Loader::parseGeneralSettings(const Value& v) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  GeneralSettings& g = result_.config.general_settings;
  for (const Entry& e : *fields) {
    const std::string& k = e.key;
    const Value& x = e.value;
    if (k == "master_key") {
      if (std::optional<std::string> key = str(x)) {
        g.master_key = std::move(*key);
        master_key_set_ = true;
      }
    } else if (k == "max_request_size_mb") {
      if (auto n = number(x, Bound::kPositive)) g.max_request_size_mb = *n;
    } else if (k == "max_response_size_mb") {  // LiteLLM's name for the same bound
      if (auto n = number(x, Bound::kPositive)) {
        g.max_upstream_response_mb = static_cast<std::uint64_t>(std::max(1.0, std::ceil(*n)));
      }
    } else if (k == "background_health_checks") {
      if (auto b = boolean(x)) g.background_health_checks = *b;
    } else if (k == "health_check_interval") {
      g.health_check_interval_s = duration(x, Bound::kPositive);
    } else if (k == "request_header_timeout") {
      if (auto d = duration(x, Bound::kPositive)) g.request_header_timeout_s = *d;
    } else if (k == "request_body_timeout") {
      if (auto d = duration(x, Bound::kPositive)) g.request_body_timeout_s = *d;
    } else if (k == "keepalive_timeout") {
      if (auto d = duration(x, Bound::kPositive)) g.keepalive_timeout_s = *d;
    } else if (k == "drain_timeout") {
      if (auto d = duration(x, Bound::kNonNegative)) g.drain_timeout_s = *d;
    } else if (k == "max_connections") {
      if (auto n = integerOf<std::uint32_t>(x, 1)) g.max_connections = *n;
    } else if (k == "max_header_size_kb") {
      if (auto n = integerOf<std::uint32_t>(x, 1)) g.max_header_size_kb = *n;
    } else if (k == "max_upstream_response_mb") {
      if (auto n = integerOf<std::uint64_t>(x, 1)) g.max_upstream_response_mb = *n;
    } else if (k == "pass_through_endpoints") {
      g.pass_through_endpoints = keepList(e, "pass-through endpoints");
    } else if (k == "database_url") {
      if (std::optional<std::string> url = str(x)) {
        g.database_url = std::move(*url);
        database_url_set_ = true;
      }
    } else if (k == "disable_spend_logs") {
      if (auto b = boolean(x)) g.disable_spend_logs = *b;
    } else if (k == "alerting") {
      if (auto list = stringList(x)) {
        alerting_webhook_ = std::find(list->begin(), list->end(), "webhook") != list->end();
        // Slack, email and the rest: listed like any LiteLLM key not acted on.
        if (std::any_of(list->begin(), list->end(), [](const auto& a) { return a != "webhook"; })) {
          ignore(e, std::string(kAlerting) + ": only \"webhook\" is, for budget alerts");
        }
      }
    } else if (k == "alert_types") {
      if (auto list = stringList(x)) {
        budget_alert_types_ = std::find(list->begin(), list->end(), "budget_alerts") != list->end();
      }
    } else if (k == "metrics_require_auth") {
      if (auto b = boolean(x)) g.metrics_require_auth = *b;
    } else if (k == "responses_retention") {
      if (auto d = duration(x, Bound::kNonNegative)) g.responses_retention_s = *d;
    } else if (k == "store_buffer_rows") {
      if (auto n = integerOf<std::uint64_t>(x, 1)) g.store_buffer_rows = *n;
    } else if (k == "instance_lease_ttl") {
      if (auto d = duration(x, Bound::kPositive)) g.instance_lease_ttl_s = *d;
    } else if (k == "user_api_key_cache_ttl") {
      if (auto d = duration(x, Bound::kNonNegative)) g.user_api_key_cache_ttl_s = *d;
    } else if (k == "disable_metrics") {
      if (auto b = boolean(x)) g.disable_metrics = *b;
    } else if (!findIgnored(kIgnoredGeneralSettings, k)) {
      unknown(e);
    }
    // Read above or not, a key of the table is listed with its reason.
    if (const Ignored* i = findIgnored(kIgnoredGeneralSettings, k))
      ignore(e, std::string(i->reason));
  }
}

}  // namespace switchyard::config
