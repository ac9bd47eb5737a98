// The request group and its sink (request_metrics.hpp).

#include "switchyard/pipeline/request_metrics.hpp"

#include <array>
#include <cctype>
#include <charconv>

#include "switchyard/api/exchange.hpp"
#include "switchyard/config/config.hpp"
#include "switchyard/keys/key_settings.hpp"

namespace switchyard::pipeline {

using telemetry::Bundle;
using telemetry::MetricGroup;
using telemetry::MetricType;
using telemetry::Registry;

namespace {

using api::ErrorKind;

// The request group's label values, in this order.
enum Label : int {
  kRoute,
  kRequestedModel,  // the model the client asked for
  kModelGroup,      // the alias that answered (a fallback's, after one)
  kModel,           // the deployment's model id, without its provider prefix
  kModelId,         // the deployment's model_info.id
  kApiProvider,
  kApiBase,
  kHashedKey,
  kKeyAlias,
  kTeam,
  kTeamAlias,
  kUser,
  kStatusCode,
  kStatusClass,
  kExceptionStatus,
  kExceptionClass,
  kLabelCount
};

constexpr std::array<const char*, kLabelCount> kSchema = {
    "route", "requested_model", "model_group", "model", "model_id", "api_provider", "api_base",
    "hashed_api_key", "api_key_alias", "team", "team_alias", "user", "status_code",
    "status_class", "exception_status", "exception_class"};

using Labels = std::vector<std::pair<std::string, int>>;

// LiteLLM's label sets (see docs/observability.md), by its names.
Labels keyLabels() {
  return {{"hashed_api_key", kHashedKey}, {"api_key_alias", kKeyAlias}, {"team", kTeam},
          {"team_alias", kTeamAlias},     {"user", kUser}};
}
Labels with(Labels base, const Labels& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

// The LLM routes (normalized path), the only ones counted.
std::string_view llmRoute(std::string_view path) {
  if (path.starts_with("/v1/")) path.remove_prefix(3);
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  for (std::string_view r : {"/chat/completions", "/completions", "/embeddings", "/messages", "/responses"}) {
    if (path == r) return r;
  }
  return {};
}

std::string_view orNone(std::string_view v) { return v.empty() ? std::string_view("None") : v; }

double seconds(api::Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

std::string exceptionClass(const api::Error& e, std::string_view provider) {
  std::string_view cls;
  switch (e.kind) {
    case ErrorKind::kInvalidRequest:
    case ErrorKind::kMethodNotAllowed:
    case ErrorKind::kPayloadTooLarge: cls = "BadRequestError"; break;
    case ErrorKind::kContextWindowExceeded: cls = "ContextWindowExceededError"; break;
    case ErrorKind::kContentPolicy: cls = "ContentPolicyViolationError"; break;
    case ErrorKind::kUnauthorized: cls = "AuthenticationError"; break;
    case ErrorKind::kForbidden: cls = "PermissionDeniedError"; break;
    case ErrorKind::kModelNotFound:
    case ErrorKind::kNotFound: cls = "NotFoundError"; break;
    case ErrorKind::kRateLimited: cls = "RateLimitError"; break;
    case ErrorKind::kBudgetExceeded: cls = "BudgetExceededError"; break;
    case ErrorKind::kUpstreamTimeout: cls = "Timeout"; break;
    case ErrorKind::kUpstreamError: cls = e.upstream_status ? "InternalServerError" : "APIConnectionError"; break;
    case ErrorKind::kOverloaded:
    case ErrorKind::kUnavailable: cls = "ServiceUnavailableError"; break;
    case ErrorKind::kInternal: cls = "InternalServerError"; break;
  }
  if (e.upstream_status == 0 || provider.empty()) return std::string(cls);
  std::string out(provider);
  out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  for (std::size_t i = 1; i < out.size(); ++i)
    out[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[i])));
  out += '.';
  out += cls;
  return out;
}

RequestFamilies addRequestMetrics(Registry& r, std::size_t max_series) {
  auto g = std::make_unique<MetricGroup>(
      "requests", std::vector<std::string>(kSchema.begin(), kSchema.end()), max_series);
  using T = MetricType;
  const Labels key = keyLabels();
  const Labels total_labels =
      with(key, {{"requested_model", kRequestedModel}, {"route", kRoute}, {"model_id", kModelId},
                 {"api_provider", kApiProvider}});
  // LiteLLM's token/spend labels (TOK/SPD): the deployment's model, the alias asked for.
  const Labels tok = with(key, {{"model", kModel}, {"requested_model", kRequestedModel},
                                {"model_id", kModelId}, {"api_provider", kApiProvider}});
  // Histograms keep fewer labels than the counters (26 cells a series).
  const Labels lat = {{"requested_model", kRequestedModel}, {"model", kModel},
                      {"model_id", kModelId},               {"api_provider", kApiProvider},
                      {"api_key_alias", kKeyAlias},         {"team", kTeam},
                      {"team_alias", kTeamAlias}};
  const Labels over = {{"model_group", kModelGroup},       {"litellm_model_name", kModel},
                       {"model_id", kModelId},             {"api_provider", kApiProvider},
                       {"api_base", kApiBase},             {"api_key_alias", kKeyAlias}};
  const std::vector<double>& lb = telemetry::latencyBuckets();
  RequestFamilies f{};
  auto add = [&g](std::string name, std::string help, T type, Labels labels,
                  std::vector<double> buckets = {}) {
    return g->add({std::move(name), std::move(help), type, std::move(labels), std::move(buckets)});
  };
  f.total = add("litellm_proxy_total_requests_metric_total",
                "Requests to the LLM routes, by status (401s are not counted, as in LiteLLM).",
                T::kCounter,
                with(total_labels, {{"status_code", kStatusCode}, {"status_class", kStatusClass}}));
  f.failed = add("litellm_proxy_failed_requests_metric_total",
                 "Requests to the LLM routes that did not get a success answer.", T::kCounter,
                 with(total_labels, {{"exception_status", kExceptionStatus},
                                     {"exception_class", kExceptionClass},
                                     {"status_class", kStatusClass}}));
  f.requests = add("litellm_requests_metric_total",
                   "Successful LLM answers (a cache hit included), per key, team, user and model.",
                   T::kCounter, tok);
  f.spend = add("litellm_spend_metric_total", "Spend in USD.", T::kCounter, tok);
  f.tokens_total = add("litellm_total_tokens_metric_total", "Input + output tokens.", T::kCounter, tok);
  f.tokens_in = add("litellm_input_tokens_metric_total", "Input (prompt) tokens.", T::kCounter, tok);
  f.tokens_out = add("litellm_output_tokens_metric_total", "Output (completion) tokens.", T::kCounter, tok);
  f.tokens_cached = add("litellm_input_cached_tokens_metric_total",
                        "Input tokens read from the provider's prompt cache.", T::kCounter, tok);
  f.tokens_reasoning = add("litellm_output_reasoning_tokens_metric_total",
                           "Output tokens spent on reasoning.", T::kCounter, tok);
  f.cache_hits = add("litellm_cache_hits_metric_total", "Requests answered from the response cache.",
                     T::kCounter, tok);
  f.cache_misses = add("litellm_cache_misses_metric_total",
                       "Requests looked up in the response cache and not found.", T::kCounter, tok);
  f.cached_tokens = add("litellm_cached_tokens_metric_total",
                        "Tokens of the answers served from the response cache.", T::kCounter, tok);
  f.latency_total = add("litellm_request_total_latency_metric",
                        "Seconds from the request's arrival to the end of its answer.",
                        T::kHistogram, lat, lb);
  f.latency_llm = add("litellm_llm_api_latency_metric",
                      "Seconds spent on the provider: the total minus the gateway's overhead.",
                      T::kHistogram, lat, lb);
  f.ttft = add("litellm_llm_api_time_to_first_token_metric",
               "Streams: seconds from the request's arrival to its first content chunk.",
               T::kHistogram, lat, lb);
  f.overhead = add("litellm_overhead_latency_metric",
                   "Seconds the gateway itself added before the answer's head was ready.",
                   T::kHistogram, over, lb);
  f.retries = add("switchyard_request_retries_total",
                  "Attempts made again on a deployment of the same model group.", T::kCounter,
                  {{"requested_model", kRequestedModel}, {"model_group", kModelGroup}});
  const Labels fb = {{"requested_model", kRequestedModel}, {"fallback_model", kModelGroup},
                     {"api_key_alias", kKeyAlias}, {"team", kTeam}, {"team_alias", kTeamAlias}};
  f.fallbacks_ok = add("litellm_deployment_successful_fallbacks_total",
                       "Requests answered by a fallback model group.", T::kCounter, fb);
  f.fallbacks_failed = add(
      "litellm_deployment_failed_fallbacks_total",
      "Requests that tried a fallback model group and still failed.", T::kCounter,
      with(fb, {{"exception_status", kExceptionStatus}, {"exception_class", kExceptionClass}}));
  r.addGroup(std::move(g));
  return f;
}

void RequestMetrics::record(const api::Exchange& ex, unsigned status, bool stream) {
  std::string_view route = llmRoute(ex.path);
  if (route.empty() || status == 401) return;
  const api::Outcome& o = ex.outcome;
  const bool failed = status >= 400;
  std::array<std::string_view, kLabelCount> v;
  char code[8], cls[4] = "0xx";
  auto [end, ec] = std::to_chars(code, code + sizeof code, status);
  cls[0] = static_cast<char>('0' + status / 100 % 10);
  std::string exception;
  if (failed && o.error) exception = exceptionClass(*o.error, o.provider);
  std::string_view model = "None";
  if (o.served) model = o.served->model_id;
  v[kRoute] = route;
  v[kRequestedModel] = orNone(ex.model);
  v[kModelGroup] = orNone(o.model_group);
  v[kModel] = orNone(model);
  v[kModelId] = orNone(o.deployment_id);
  v[kApiProvider] = orNone(o.provider);
  v[kApiBase] = orNone(o.api_base);
  const keys::KeySettings* k = ex.principal.key_row.get();
  v[kHashedKey] = k ? orNone(k->token) : "None";
  v[kKeyAlias] = orNone(k ? std::string_view(k->key_alias) : std::string_view());
  v[kTeam] = k ? orNone(k->teamId()) : "None";
  v[kTeamAlias] = "None";  // teams come with their own issue
  v[kUser] = k ? orNone(k->userId()) : "None";
  v[kStatusCode] = std::string_view(code, end - code);
  v[kStatusClass] = std::string_view(cls, 3);
  v[kExceptionStatus] = failed ? v[kStatusCode] : "None";
  v[kExceptionClass] = failed ? orNone(exception) : "None";
  Bundle& b = shard_.at(v);

  b.inc(f_.total);
  const api::Clock::duration total = api::Clock::now() - ex.started;
  b.observe(f_.latency_total, seconds(total));
  if (o.attempted_retries > 0) b.inc(f_.retries, o.attempted_retries);
  if (failed) {
    b.inc(f_.failed);
    if (o.attempted_fallbacks > 0) b.inc(f_.fallbacks_failed);
    return;
  }
  b.inc(f_.requests);
  if (o.attempted_fallbacks > 0) b.inc(f_.fallbacks_ok);
  if (o.cost && *o.cost > 0) b.inc(f_.spend, *o.cost);
  if (ex.usage) {
    const api::Usage& u = *ex.usage;
    const double tokens = static_cast<double>(u.prompt_tokens + u.completion_tokens);
    b.inc(f_.tokens_total, tokens);
    b.inc(f_.tokens_in, static_cast<double>(u.prompt_tokens));
    b.inc(f_.tokens_out, static_cast<double>(u.completion_tokens));
    if (u.cached_tokens > 0) b.inc(f_.tokens_cached, static_cast<double>(u.cached_tokens));
    if (u.reasoning_tokens > 0) b.inc(f_.tokens_reasoning, static_cast<double>(u.reasoning_tokens));
    if (o.cache_hit) b.inc(f_.cached_tokens, tokens);
  }
  if (o.cache_hit) {
    b.inc(f_.cache_hits);
    return;  // no provider: no provider latency, no overhead
  }
  if (o.cache_miss) b.inc(f_.cache_misses);
  if (o.overhead) {
    b.observe(f_.overhead, seconds(*o.overhead));
    b.observe(f_.latency_llm, seconds(total - *o.overhead));
  }
  if (stream && ex.first_chunk) b.observe(f_.ttft, seconds(*ex.first_chunk - ex.started));
}

}  // namespace switchyard::pipeline
