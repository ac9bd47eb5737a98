#pragma once
// The exporters (traces, webhooks) and their counters on GET /metrics, with the log's dropped
// lines: started before the workers, stopped after them (their last requests are exported).

#include "worker.hpp"

namespace switchyard::server {

// Starts the export hub when the config names otel or a webhook (else shared.exports stays null).
void startExports(SharedState& shared, unsigned workers);
// Registers the exporters' and the log's counters with shared.metrics.
void addTelemetryCollectors(SharedState& shared);
// Exports what is queued (bounded by `deadline`), then stops the exporter threads.
void stopExports(SharedState& shared, std::chrono::milliseconds deadline);

}  // namespace switchyard::server
