#pragma once
// GET /metrics for the server: the registry with its request group (made before the workers,
// which take their shards), and the collectors that read live state at scrape time: requests in
// flight, open connections, deployment states, the store's queue, the workers' Redis clients,
// the keys' budgets and rate limits, the process.

#include <memory>
#include <vector>

#include "switchyard/keys/key_entry.hpp"
#include "worker.hpp"

namespace switchyard::server {

// Series per metric group across all workers; past it, new label values count as "other".
constexpr std::size_t kMaxSeriesPerGroup = 2000;

// Key series per family at most, in the key gauges (the keys closest to their limits are kept).
constexpr std::size_t kMaxKeySeries = 2000;

void makeMetrics(SharedState& shared, unsigned workers);
// `workers` must outlive every scrape (the server's workers do).
void addCollectors(SharedState& shared, const std::vector<std::unique_ptr<Worker>>& workers);

// The key budget and rate-limit gauges, read from `keys` at `now` (part of a scrape; not on the
// request path): the keys with a max_budget, and the key-model rows with an rpm or tpm limit,
// at most `max_series` of each; the rest are counted in switchyard_metrics_series_omitted.
void writeKeyGauges(telemetry::Exposition& out, const keys::KeyRegistry& keys,
                    keys::SysClock::time_point now, std::size_t max_series = kMaxKeySeries);

// The team and user budget gauges (LiteLLM's litellm_remaining_team_budget_metric{team,
// team_alias}, litellm_remaining_user_budget_metric{user}, ...; at most `max_series` rows each)
// and switchyard_soft_budget_crossed_total{level} (level_metrics.cpp).
void writeLevelGauges(telemetry::Exposition& out, const keys::Hierarchy* hierarchy,
                      keys::SysClock::time_point now, std::size_t max_series = kMaxKeySeries);

}  // namespace switchyard::server
