#pragma once
// GET /metrics for the server: the registry with its request group (made before the workers,
// which take their shards), and the collectors that read live state at scrape time: requests in
// flight, open connections, deployment states, the store's queue, the process.

#include <memory>
#include <vector>

#include "worker.hpp"

namespace switchyard::server {

// Series per metric group across all workers; past it, new label values count as "other".
constexpr std::size_t kMaxSeriesPerGroup = 2000;

void makeMetrics(SharedState& shared, unsigned workers);
// `workers` must outlive every scrape (the server's workers do).
void addCollectors(SharedState& shared, const std::vector<std::unique_ptr<Worker>>& workers);

}  // namespace switchyard::server
