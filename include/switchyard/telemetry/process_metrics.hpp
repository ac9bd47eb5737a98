#pragma once
// The standard process_* metrics (Prometheus client conventions) of this process, read from
// /proc at scrape time: RSS, virtual memory, CPU seconds, open and maximum fds, start time.

#include "switchyard/telemetry/metrics.hpp"

namespace switchyard::telemetry {

void writeProcessMetrics(Exposition& out);

}  // namespace switchyard::telemetry
