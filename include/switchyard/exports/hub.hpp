#pragma once
// The export hub: finished requests to the OpenTelemetry collector and to webhooks, off the
// request path (docs/observability.md#traces, #webhooks).
//
//   worker thread   the sink encodes a traced request's spans (OTLP protobuf or JSON) from the
//                   exchange into the worker's open chunk, and copies a request a webhook wants
//                   into an ExportRecord, under the worker queue's lock (short, uncontended: only
//                   the collector shares it). A full queue drops the request, counted.
//   collector       every schedule delay (or when a queue holds a batch), takes every worker's
//                   queue (span chunks and records) and hands the batch to each exporter's inbox (bounded: a batch that
//                   does not fit drops, counted).
//   exporters       one thread each: each span chunk framed as one OTLP/HTTP request (span
//                   buffers return for reuse once posted); webhook payloads,
//                   retried with backoff. A dead or slow endpoint costs its own thread time and
//                   dropped records, never a request.
//
// Started once per process from the config at startup (a changed callbacks list needs a restart).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "switchyard/config/config.hpp"
#include "switchyard/telemetry/log.hpp"

namespace switchyard::exports {

struct ExporterStats {
  std::string name;  // "otel", or the webhook's callback name
  std::string kind;  // "otel" | "webhook"
  std::uint64_t exported = 0;  // records delivered (spans: requests whose spans were accepted)
  std::uint64_t dropped = 0;   // records given up: queue full, endpoint failing past retries
  std::uint64_t failures = 0;  // failed POST attempts
};

class ExportHub {
 public:
  // Nothing is exported unless `settings` names otel or a webhook (enabled() is false then).
  ExportHub(const config::LitellmSettings& settings, unsigned workers);
  ~ExportHub();  // stop()s
  ExportHub(const ExportHub&) = delete;
  ExportHub& operator=(const ExportHub&) = delete;

  bool enabled() const noexcept;
  // The sink of worker `index` (a RequestSink for Generation::sinks). Worker thread only.
  telemetry::RequestSink& sink(unsigned index);
  void start();
  // Exports what is queued, waiting at most `deadline` for the endpoints, then stops the threads.
  void stop(std::chrono::milliseconds deadline = std::chrono::milliseconds(2000));

  // For GET /metrics: per exporter, plus records dropped before reaching any exporter.
  std::vector<ExporterStats> stats() const;
  std::uint64_t queueDropped() const noexcept;
  std::size_t queued() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard::exports
