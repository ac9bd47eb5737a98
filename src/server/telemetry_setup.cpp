// startExports, addTelemetryCollectors, stopExports (telemetry_setup.hpp).

#include "telemetry_setup.hpp"

#include <spdlog/spdlog.h>

#include <array>

namespace switchyard::server {

using telemetry::Exposition;
using telemetry::MetricType;
using Pair = std::pair<std::string_view, std::string_view>;

void startExports(SharedState& shared, unsigned workers) {
  const config::Config& cfg = shared.runtime.current()->config;
  if (!cfg.general_settings.budget_alert_webhook.empty()) {
    auto alerts =
        std::make_unique<exports::BudgetAlerts>(cfg.general_settings.budget_alert_webhook);
    if (alerts->valid()) {
      keys::setSoftBudgetListener(
          [a = alerts.get()](const keys::SoftBudgetCrossing& c) { a->push(c); });
      shared.budget_alerts = std::move(alerts);
    }
  }
  const config::LitellmSettings& s = cfg.litellm_settings;
  auto hub = std::make_unique<exports::ExportHub>(s, workers);
  if (!hub->enabled()) return;
  hub->start();
  if (s.otel) spdlog::info("otel: spans to {} as service {}", s.otel->endpoint, s.otel->service_name);
  for (const config::WebhookSettings& w : s.webhooks) {
    // The endpoint may carry a token in its query: only its origin is logged.
    auto url = providers::parseUrl(w.endpoint);
    spdlog::info("webhook {}: finished requests to {}", w.name, url ? url->origin() : "?");
  }
  shared.exports = std::move(hub);
}

void addTelemetryCollectors(SharedState& shared) {
  if (!shared.metrics) return;
  shared.metrics->addCollector([&shared](Exposition& out) {
    out.family("switchyard_log_lines_dropped_total",
               "Log lines dropped because stdout could not take them fast enough.",
               MetricType::kCounter);
    out.sample("switchyard_log_lines_dropped_total",
               static_cast<double>(telemetry::droppedLogLines()));
    std::vector<exports::ExporterStats> stats;
    if (shared.exports) stats = shared.exports->stats();
    if (shared.budget_alerts) stats.push_back(shared.budget_alerts->stats());
    if (stats.empty()) return;
    auto each = [&](const char* name, const char* help, auto value) {
      out.family(name, help, MetricType::kCounter);
      for (const exports::ExporterStats& s : stats) {
        std::array<Pair, 2> labels{Pair{"exporter", s.kind}, Pair{"name", s.name}};
        out.sample(name, labels, static_cast<double>(value(s)));
      }
    };
    each("switchyard_export_records_total",
         "Finished requests delivered (otel: requests whose spans the collector accepted).",
         [](const exports::ExporterStats& s) { return s.exported; });
    each("switchyard_export_records_dropped_total",
         "Finished requests given up: the exporter's inbox was full or its endpoint kept failing.",
         [](const exports::ExporterStats& s) { return s.dropped; });
    each("switchyard_export_post_failures_total", "Failed posts to the endpoint (retried or not).",
         [](const exports::ExporterStats& s) { return s.failures; });
    if (!shared.exports) return;
    const exports::ExportHub& hub = *shared.exports;
    out.family("switchyard_export_queue_dropped_total",
               "Finished requests dropped because the workers' export queues were full.",
               MetricType::kCounter);
    out.sample("switchyard_export_queue_dropped_total", static_cast<double>(hub.queueDropped()));
    out.family("switchyard_export_queue_depth", "Finished requests waiting for the exporters.",
               MetricType::kGauge);
    out.sample("switchyard_export_queue_depth", static_cast<double>(hub.queued()));
  });
}

void stopExports(SharedState& shared, std::chrono::milliseconds deadline) {
  if (shared.budget_alerts) {
    keys::setSoftBudgetListener(nullptr);  // the workers are stopped: nobody settles any more
    shared.budget_alerts->stop(deadline);
    exports::ExporterStats s = shared.budget_alerts->stats();
    spdlog::info("budget alerts: {} sent, {} dropped", s.exported, s.dropped);
  }
  if (!shared.exports) return;
  shared.exports->stop(deadline);
  for (const exports::ExporterStats& s : shared.exports->stats()) {
    spdlog::info("{} {}: {} exported, {} dropped", s.kind, s.name, s.exported, s.dropped);
  }
}

}  // namespace switchyard::server
