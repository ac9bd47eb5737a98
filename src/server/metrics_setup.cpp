// makeMetrics and addCollectors (metrics_setup.hpp).

#include "metrics_setup.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "switchyard/keys/key_entry.hpp"
#include "switchyard/keys/key_settings.hpp"
#include "switchyard/telemetry/process_metrics.hpp"

namespace switchyard::server {
namespace {

using telemetry::Exposition;
using telemetry::MetricType;
using Pair = std::pair<std::string_view, std::string_view>;

std::string_view orNone(std::string_view v) { return v.empty() ? std::string_view("None") : v; }

// LiteLLM's deployment metrics, from the router's per-deployment state (every attempt counted,
// retries and fallbacks included; shared by the workers).
void writeDeployments(Exposition& out, const router::Router& router) {
  struct Row {
    std::array<Pair, 5> labels;
    router::StateView view;
  };
  std::vector<Row> rows;
  const auto now = router.time().now();
  for (const router::Router::Entry& e : router.entries()) {
    const config::Deployment& d = *e.deployment;
    rows.push_back({{Pair{"requested_model", orNone(d.model_name)},
                     Pair{"litellm_model_name", orNone(d.model_id)}, Pair{"model_id", orNone(d.id)},
                     Pair{"api_base", orNone(d.api_base)}, Pair{"api_provider", orNone(d.provider)}},
                    e.state->view(now, std::chrono::minutes(1))});
  }
  // litellm_deployment_state has no requested_model (LiteLLM's DEP4 labels).
  out.family("litellm_deployment_state",
             "0 healthy, 1 partial outage (its last attempt failed), 2 cooling down.",
             MetricType::kGauge);
  for (const Row& r : rows) {
    double state = r.view.cooling ? 2 : r.view.last_failed ? 1 : 0;
    out.sample("litellm_deployment_state", std::span(r.labels).subspan(1), state);
  }
  auto counter = [&](const char* name, const char* help, auto value) {
    out.family(name, help, MetricType::kCounter);
    for (const Row& r : rows) out.sample(name, r.labels, static_cast<double>(value(r.view)));
  };
  counter("litellm_deployment_success_responses_total", "Successful attempts on the deployment.",
          [](const router::StateView& v) { return v.successes; });
  counter("litellm_deployment_failure_responses_total", "Failed attempts on the deployment.",
          [](const router::StateView& v) { return v.failures; });
  counter("litellm_deployment_total_requests_total", "Attempts on the deployment.",
          [](const router::StateView& v) { return v.successes + v.failures; });
  counter("litellm_deployment_cooled_down_total", "Cooldowns the router started.",
          [](const router::StateView& v) { return v.cooldowns; });
  out.family("switchyard_deployment_in_flight", "Attempts in flight on the deployment.",
             MetricType::kGauge);
  for (const Row& r : rows) out.sample("switchyard_deployment_in_flight", r.labels, r.view.in_flight);
}

void writeStore(Exposition& out, const store::StoreThread& store) {
  const store::StoreStats s = store.stats();
  std::array<Pair, 1> engine{Pair{"engine", store.engine()}};
  out.family("switchyard_store_rows_written_total", "Rows written by the store thread.",
             MetricType::kCounter);
  out.sample("switchyard_store_rows_written_total", engine, static_cast<double>(s.written));
  out.family("switchyard_store_rows_dropped_total",
             "Rows dropped because the store's buffer was full.", MetricType::kCounter);
  out.sample("switchyard_store_rows_dropped_total", engine, static_cast<double>(s.dropped));
  out.family("switchyard_store_write_failures_total", "Failed write attempts (retried).",
             MetricType::kCounter);
  out.sample("switchyard_store_write_failures_total", engine, static_cast<double>(s.failures));
  out.family("switchyard_store_queue_depth", "Rows waiting for the store thread.", MetricType::kGauge);
  out.sample("switchyard_store_queue_depth", engine, static_cast<double>(s.buffered));
}

// Virtual keys loaded on first use, and key changes heard from other instances (key_loader.hpp,
// key_events.hpp).
void writeKeyCache(Exposition& out, const SharedState& shared) {
  out.family("switchyard_keys_loaded", "Virtual keys held in memory.", MetricType::kGauge);
  out.sample("switchyard_keys_loaded", static_cast<double>(shared.keys.size()));
  if (shared.key_loader) {
    const keys::KeyLoaderStats k = shared.key_loader->stats();
    out.family("switchyard_key_lookups_total",
               "Store lookups of keys not in memory, by outcome (found, unknown, failed); "
               "rereads of loaded keys (refreshed).",
               MetricType::kCounter);
    const std::array<std::pair<std::string_view, std::uint64_t>, 4> outcomes{
        {{"found", k.loaded}, {"unknown", k.missing}, {"failed", k.failures},
         {"refreshed", k.refreshes}}};
    for (const auto& [outcome, n] : outcomes) {
      std::array<Pair, 1> label{Pair{"outcome", outcome}};
      out.sample("switchyard_key_lookups_total", label, static_cast<double>(n));
    }
  }
  if (shared.key_events) {
    const keys::KeyEventStats e = shared.key_events->stats();
    out.family("switchyard_key_events_subscribed",
               "1 while key changes from other instances arrive over Redis pub/sub.",
               MetricType::kGauge);
    out.sample("switchyard_key_events_subscribed", e.subscribed ? 1.0 : 0.0);
    out.family("switchyard_key_events_total", "Key change messages, by direction.",
               MetricType::kCounter);
    const std::array<std::pair<std::string_view, std::uint64_t>, 3> events{
        {{"published", e.published}, {"received", e.received}, {"dropped", e.dropped}}};
    for (const auto& [direction, n] : events) {
      std::array<Pair, 1> label{Pair{"direction", direction}};
      out.sample("switchyard_key_events_total", label, static_cast<double>(n));
    }
  }
}

// The workers' Redis clients, by use (summed over the workers; circuit_open: any worker's).
void writeRedis(Exposition& out, const std::vector<std::unique_ptr<Worker>>& workers) {
  struct Use {
    std::string_view name;
    redis::ClientStats sum{};
    bool any = false;
  };
  std::array<Use, 2> uses{Use{"cache"}, Use{"limits"}};
  for (const auto& w : workers) {
    const std::array<const redis::ClientCounters*, 2> counters{&w->cacheRedisCounters(),
                                                               &w->limitsRedisCounters()};
    for (std::size_t i = 0; i < uses.size(); ++i) {
      if (!counters[i]->attached()) continue;  // this worker never had a client for it
      const redis::ClientStats s = counters[i]->read();
      redis::ClientStats& t = uses[i].sum;
      uses[i].any = true;
      t.calls += s.calls;
      t.timeouts += s.timeouts;
      t.connection_errors += s.connection_errors;
      t.protocol_errors += s.protocol_errors;
      t.cancelled += s.cancelled;
      t.error_replies += s.error_replies;
      t.fast_failures += s.fast_failures;
      t.reconnects += s.reconnects;
      t.circuit_open = t.circuit_open || s.circuit_open;
    }
  }
  auto each = [&](const char* name, auto value) {
    for (const Use& u : uses) {
      if (!u.any) continue;
      std::array<Pair, 1> labels{Pair{"use", u.name}};
      out.sample(name, labels, static_cast<double>(value(u.sum)));
    }
  };
  out.family("switchyard_redis_commands_total",
             "Redis calls made (those refused at once by the circuit breaker included).",
             MetricType::kCounter);
  each("switchyard_redis_commands_total", [](const redis::ClientStats& s) { return s.calls; });
  out.family("switchyard_redis_errors_total",
             "Redis calls that failed, by kind: timeout, connection, protocol, cancelled, "
             "not_sent (refused at once: breaker open or link being opened); reply: answered "
             "with an error reply.",
             MetricType::kCounter);
  using Field = std::uint64_t redis::ClientStats::*;
  const std::array<std::pair<std::string_view, Field>, 6> kinds{{
      {"timeout", &redis::ClientStats::timeouts},
      {"connection", &redis::ClientStats::connection_errors},
      {"protocol", &redis::ClientStats::protocol_errors},
      {"cancelled", &redis::ClientStats::cancelled},
      {"not_sent", &redis::ClientStats::fast_failures},
      {"reply", &redis::ClientStats::error_replies},
  }};
  for (const Use& u : uses) {
    if (!u.any) continue;
    for (const auto& [kind, field] : kinds) {
      std::array<Pair, 2> labels{Pair{"use", u.name}, Pair{"kind", kind}};
      out.sample("switchyard_redis_errors_total", labels, static_cast<double>(u.sum.*field));
    }
  }
  out.family("switchyard_redis_reconnects_total",
             "Redis connections opened again after a link was lost or failed to open.",
             MetricType::kCounter);
  each("switchyard_redis_reconnects_total",
       [](const redis::ClientStats& s) { return s.reconnects; });
  out.family(
      "switchyard_redis_circuit_open",
      "1 while the Redis circuit breaker of any worker is open (calls fail at once), else 0.",
      MetricType::kGauge);
  each("switchyard_redis_circuit_open",
       [](const redis::ClientStats& s) { return s.circuit_open ? 1 : 0; });
}

}  // namespace

void writeKeyGauges(Exposition& out, const keys::KeyRegistry& registry,
                    keys::SysClock::time_point now, std::size_t max_series) {
  // A key's series; `room` (what is left as a share of the limit, the least of its limits)
  // decides which are kept past max_series: the keys closest to their limits.
  struct Budget {
    std::shared_ptr<const keys::KeySettings> row;
    double spend = 0;
    std::optional<store::UnixMs> reset_at;
    double room = 0;
  };
  struct Rate {
    std::shared_ptr<const keys::KeySettings> row;
    std::string model;                             // "": the key's own rpm_limit / tpm_limit
    std::optional<std::int64_t> requests, tokens;  // remaining this minute, where limited
    double room = 0;
  };
  std::vector<Budget> budgets;
  std::vector<Rate> rates;
  std::size_t omitted = 0;
  auto more_room = [](const auto& a, const auto& b) { return a.room < b.room; };
  auto keep = [&](auto& heap, auto item) {  // a max-heap on room: its top leaves first
    if (heap.size() < max_series) {
      heap.push_back(std::move(item));
      std::push_heap(heap.begin(), heap.end(), more_room);
      return;
    }
    ++omitted;
    if (heap.empty() || !(item.room < heap.front().room)) return;
    std::pop_heap(heap.begin(), heap.end(), more_room);
    heap.back() = std::move(item);
    std::push_heap(heap.begin(), heap.end(), more_room);
  };
  auto left = [](std::optional<std::int64_t> limit,
                 std::int64_t used) -> std::optional<std::int64_t> {
    if (!limit) return std::nullopt;
    return std::max<std::int64_t>(0, *limit - used);
  };
  auto share = [](std::optional<std::int64_t> remaining, std::optional<std::int64_t> limit) {
    return remaining && limit && *limit > 0 ? static_cast<double>(*remaining) / *limit : 0.0;
  };
  registry.forEach([&](const keys::KeyEntry& entry) {
    keys::KeyFigures f = entry.figures(now);
    const keys::KeySettings& row = *f.row;
    if (row.max_budget) {
      const double max = *row.max_budget, remaining = max - f.spend;
      keep(budgets,
           Budget{f.row, f.spend, f.budget_reset_at, max > 0 ? remaining / max : remaining});
    }
    auto rate = [&](std::string model, std::optional<std::int64_t> rpm, std::int64_t requests,
                    std::optional<std::int64_t> tpm, std::int64_t tokens) {
      Rate r{f.row, std::move(model), left(rpm, requests), left(tpm, tokens)};
      r.room = std::min(r.requests ? share(r.requests, rpm) : 1.0,
                        r.tokens ? share(r.tokens, tpm) : 1.0);
      keep(rates, std::move(r));
    };
    if (row.rpm_limit || row.tpm_limit)
      rate("", row.rpm_limit, f.requests, row.tpm_limit, f.tokens);
    for (const keys::KeyFigures::Model& m : f.models) {
      auto limit = [&](const store::ByModel<std::int64_t>& limits) -> std::optional<std::int64_t> {
        auto it = limits.find(m.model);
        return it == limits.end() ? std::nullopt : std::optional(it->second);
      };
      rate(m.model, limit(row.modelRpmLimit()), m.requests, limit(row.modelTpmLimit()), m.tokens);
    }
  });
  std::sort(budgets.begin(), budgets.end(),
            [](const Budget& a, const Budget& b) { return a.row->token < b.row->token; });
  std::sort(rates.begin(), rates.end(), [](const Rate& a, const Rate& b) {
    return std::tie(a.row->token, a.model) < std::tie(b.row->token, b.model);
  });
  auto keyLabels = [](const keys::KeySettings& row) {
    return std::array<Pair, 2>{Pair{"hashed_api_key", row.token},
                               Pair{"api_key_alias", orNone(row.key_alias)}};
  };
  const store::UnixMs now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  out.family("litellm_remaining_api_key_budget_metric",
             "Remaining budget of the key in USD: max_budget - spend (keys with a max_budget).",
             MetricType::kGauge);
  for (const Budget& b : budgets) {
    out.sample("litellm_remaining_api_key_budget_metric", keyLabels(*b.row),
               *b.row->max_budget - b.spend);
  }
  out.family("litellm_api_key_max_budget_metric", "max_budget of the key in USD.",
             MetricType::kGauge);
  for (const Budget& b : budgets) {
    out.sample("litellm_api_key_max_budget_metric", keyLabels(*b.row), *b.row->max_budget);
  }
  out.family("litellm_api_key_budget_remaining_hours_metric",
             "Hours until the key's budget window resets (keys with a max_budget and a "
             "budget_duration).",
             MetricType::kGauge);
  for (const Budget& b : budgets) {
    if (!b.reset_at) continue;
    out.sample("litellm_api_key_budget_remaining_hours_metric", keyLabels(*b.row),
               static_cast<double>(*b.reset_at - now_ms) / 3.6e6);
  }
  auto rateSamples = [&](const char* name, std::optional<std::int64_t> Rate::*field) {
    for (const Rate& r : rates) {
      if (!(r.*field)) continue;
      std::array<Pair, 3> labels{Pair{"hashed_api_key", r.row->token},
                                 Pair{"api_key_alias", orNone(r.row->key_alias)},
                                 Pair{"model", orNone(r.model)}};
      out.sample(name, labels, static_cast<double>(*(r.*field)));
    }
  };
  out.family("litellm_remaining_api_key_requests_for_model",
             "Requests the key may still make this clock minute: model=\"None\" under its "
             "rpm_limit, a model under its model_rpm_limit.",
             MetricType::kGauge);
  rateSamples("litellm_remaining_api_key_requests_for_model", &Rate::requests);
  out.family("litellm_remaining_api_key_tokens_for_model",
             "Tokens the key may still use this clock minute: model=\"None\" under its "
             "tpm_limit, a model under its model_tpm_limit.",
             MetricType::kGauge);
  rateSamples("litellm_remaining_api_key_tokens_for_model", &Rate::tokens);
  out.family("switchyard_metrics_series_omitted",
             "Series left out of this scrape by a cap: key gauges past the 2000 keys (and 2000 "
             "key-model rate series) closest to their limits.",
             MetricType::kGauge);
  std::array<Pair, 1> group{Pair{"group", "keys"}};
  out.sample("switchyard_metrics_series_omitted", group, static_cast<double>(omitted));
}

void makeMetrics(SharedState& shared, unsigned workers) {
  shared.metrics = std::make_unique<telemetry::Registry>(workers);
  shared.request_families = pipeline::addRequestMetrics(*shared.metrics, kMaxSeriesPerGroup);
}

void addCollectors(SharedState& shared, const std::vector<std::unique_ptr<Worker>>& workers) {
  shared.metrics->addCollector([&shared, &workers](Exposition& out) {
    double in_flight = 0;
    for (const auto& w : workers) in_flight += w->inFlight().get();
    out.family("litellm_in_flight_requests", "Requests being read or answered.", MetricType::kGauge);
    out.sample("litellm_in_flight_requests", in_flight);
    out.family("switchyard_open_connections", "Client connections open.", MetricType::kGauge);
    out.sample("switchyard_open_connections",
               static_cast<double>(shared.connections.load(std::memory_order_relaxed)));
    std::shared_ptr<const Snapshot> snap = shared.runtime.current();
    writeDeployments(out, snap->router);
    if (shared.store) writeStore(out, *shared.store);
    writeKeyCache(out, shared);
    writeRedis(out, workers);
    writeKeyGauges(out, shared.keys, keys::SysClock::now());
    writeLevelGauges(out, shared.hierarchy.get(), keys::SysClock::now());
    telemetry::writeProcessMetrics(out);
  });
}

}  // namespace switchyard::server
