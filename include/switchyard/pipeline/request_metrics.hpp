#pragma once
// The per-request metrics (LiteLLM's names, docs/observability.md): one group of families keyed
// by the request's labels, and the sink that updates them when a request ends.

#include "switchyard/telemetry/log.hpp"
#include "switchyard/telemetry/metrics.hpp"

namespace switchyard::pipeline {

// The families of the request group, by index (MetricGroup::add).
struct RequestFamilies {
  int total, failed, requests, spend;
  int tokens_total, tokens_in, tokens_out, tokens_cached, tokens_reasoning;
  int cache_hits, cache_misses, cached_tokens;
  int latency_total, latency_llm, ttft, overhead;
  int retries, fallbacks_ok, fallbacks_failed;
};

// Adds the request group to `r` (before the workers start).
RequestFamilies addRequestMetrics(telemetry::Registry& r, std::size_t max_series);

// Updates one worker's shard of the request group for every LLM request (chat, completions,
// embeddings, messages) except those refused for their key (LiteLLM never counts a 401).
class RequestMetrics final : public telemetry::RequestSink {
 public:
  RequestMetrics(telemetry::GroupShard& shard, const RequestFamilies& f) : shard_(shard), f_(f) {}
  void record(const api::Exchange& ex, unsigned status, bool stream) override;

 private:
  telemetry::GroupShard& shard_;
  const RequestFamilies& f_;
};

// LiteLLM's exception_class of an error: "<Provider>.<Class>" when a provider answered with it
// ("Openai.RateLimitError"), else the class ("BadRequestError").
std::string exceptionClass(const api::Error& e, std::string_view provider);

}  // namespace switchyard::pipeline
