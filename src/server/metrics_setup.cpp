// makeMetrics and addCollectors (metrics_setup.hpp).

#include "metrics_setup.hpp"

#include <array>
#include <utility>

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

}  // namespace

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
    telemetry::writeProcessMetrics(out);
  });
}

}  // namespace switchyard::server
